# Sourced by the bench scripts, from the repository's root:
#   cd "$(dirname "$0")/.." && . bench/lib.sh
# The image the benches run (the tests' image), and the -n / -r options the
# round-based benches share.
IMAGE=${PALISADE_TEST_IMAGE:-palisade-test:latest}

# The script's header comment (its lines 2.. up to the first line that is not
# a comment): its usage.
bench_usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1' "$0"; }

# bench_n_rounds "$@": -n into N and -r into ROUNDS (the script sets their
# defaults first); -h or an unknown option prints the usage and exits 2.
bench_n_rounds() {
	while getopts n:r:h o; do
		case $o in
		n) N=$OPTARG ;;
		r) ROUNDS=$OPTARG ;;
		*) bench_usage; exit 2 ;;
		esac
	done
}

# bench_count SPEC NAME: N of NAME=N in SPEC, the comma-separated -n option.
bench_count() { printf '%s\n' "$1" | tr ',' '\n' | sed -n "s/^$2=//p"; }

# bench_falco_three: the agent's --rules for the embedded rules and Falco's
# three files, in FALCO_ARGS; without those files FALCO_ARGS is empty, FALCO_WHY
# says why, and it fails. Needs tests/falco_rules.sh sourced.
bench_falco_three() {
	FALCO_ARGS=
	if FALCO_WHY=$(falco_rules_missing falco_rules.yaml falco-incubating_rules.yaml falco-sandbox_rules.yaml); then
		return 1
	fi
	_fd=$(falco_rules_dir)
	FALCO_ARGS="--rules rules/palisade_rules.yaml --rules $_fd/falco_rules.yaml --rules $_fd/falco-incubating_rules.yaml --rules $_fd/falco-sandbox_rules.yaml"
}
