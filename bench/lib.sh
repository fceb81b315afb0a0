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
