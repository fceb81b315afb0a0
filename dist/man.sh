#!/bin/sh
# Writes the man page palisade(8) to stdout, generated from the binary's own
# --help (help2man) and each command's --help, so it says what the binary does.
# usage: sh dist/man.sh ./palisade
set -eu
bin=$1
inc=$(mktemp)
trap 'rm -f "$inc"' EXIT

# Preformatted roff: backslashes doubled, a leading . or ' made literal.
roff() { sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"; }

{
	echo "[COMMANDS]"
	for c in $("$bin" --help | sed -n 's/^  \([a-z][a-z]*\)  .*/\1/p'); do
		echo ".SS \"palisade $c\""
		echo ".nf"
		"$bin" "$c" --help 2>&1 | roff
		echo ".fi"
	done
	cat <<'ROFF'
[FILES]
.TP
.I /etc/palisade/palisade.yaml
the configuration (\fBpalisade config example\fR writes one with every key)
.TP
.I /etc/palisade/rules.d/
rules files, loaded in name order when the configuration lists the directory
.TP
.I /run/palisade/status.sock
the running agent's status socket (\fBpalisade status\fR)
.TP
.I /var/log/palisade/
file and audit-log outputs (rotated by logrotate)
[SEE ALSO]
.BR systemctl (1),
.BR logrotate (8).
The docs/ folder of the source tree.
ROFF
} >"$inc"
help2man --no-info --section=8 --name="eBPF runtime-security agent for Docker hosts" \
	--include="$inc" "$bin"
