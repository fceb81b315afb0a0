#!/bin/sh
# The pre-filter's socket classes (docs/prefilter.md): with Falco's three
# files, the host's socket() calls (their one socket rule is about
# containers) and IPv4 loopback connects and accepts (their inbound/outbound
# macros exclude 127.0.0.0/8) are dropped in the kernel and counted; a rule
# that does match loopback traffic keeps it (every connect alerts).
# Addresses outside the class are covered by tests/unit/test_prefilter_net.c.
. tests/integration/lib.sh

need_falco_rules falco_rules.yaml falco-sandbox_rules.yaml falco-incubating_rules.yaml
N=200
PORT=19131
# loop N: N loopback connect/accept pairs by a process named python3.
loop() {
	python3 - "$1" "$PORT" <<'PY'
import socket, sys
n, port = int(sys.argv[1]), int(sys.argv[2])
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(16)
for _ in range(n):
    c = socket.create_connection(("127.0.0.1", port))
    a, _ = srv.accept()
    a.close()
    c.close()
PY
}
prefiltered() { sed -n 's/.*pre-filtered \([0-9]*\) (per CPU.*/\1/p' "$WORK/agent.err" | tail -1; }

start_agent --fd-table off --rules rules/palisade_rules.yaml --rules $F/falco_rules.yaml \
	--rules $F/falco-sandbox_rules.yaml --rules $F/falco-incubating_rules.yaml || exit 1
check "socket, connect and accept are filtered" sh -c "grep -q '^connect: filtered.*IPv4 loopback sockets on the host: dropped' '$WORK/agent.err' && grep -q '^accept4: filtered' '$WORK/agent.err' && grep -q '^socket: filtered.*sockets on the host: dropped' '$WORK/agent.err'"
loop $N
sleep 1
stop_agent
p=$(prefiltered)
check "Falco's files: $N sockets, loopback connects and accepts dropped in the kernel (pre-filtered ${p:-?})" \
	test "${p:-0}" -ge $((3 * N))

RULE=$WORK/loopback.yaml
cat >"$RULE" <<'YAML'
- rule: loopback connect
  desc: a connect to the IPv4 loopback, by the test's client
  condition: evt.type=connect and evt.dir=< and fd.sip=127.0.0.1 and fd.sport=19131 and proc.name=python3
  output: "loopback %fd.name"
  priority: WARNING
YAML
start_agent --fd-table off --rules $F/falco_rules.yaml --rules "$RULE" || exit 1
loop $N
sleep 1
stop_agent
a=$(grep -c '"loopback connect"' "$WORK/alerts.json")
check "a rule on loopback connects keeps them: $N alerts (saw $a)" test "$a" -eq "$N"
