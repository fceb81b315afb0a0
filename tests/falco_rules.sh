# Falco's published rule files, for the tests and benchmarks that load them
# (sourced from the repository root; the same lookup as
# tests/unit/falco_rules.h). They are never copied into the repository: the
# first of $FALCO_RULES_DIR, ../shared/data/falco-rules (next to the
# repository; CI has it) and /etc/falco (a Falco install) that holds
# falco_rules.yaml is used.

# falco_rules_dir: prints that directory (absolute), or fails when there is none.
falco_rules_dir() {
	for _d in ${FALCO_RULES_DIR:+"$FALCO_RULES_DIR"} ../shared/data/falco-rules /etc/falco; do
		if [ -r "$_d/falco_rules.yaml" ]; then
			(cd "$_d" && pwd)
			return 0
		fi
	done
	return 1
}

# falco_rules_missing FILE...: prints why FILE... cannot be used, or
# prints nothing and fails when they can.
falco_rules_missing() {
	if ! _d=$(falco_rules_dir); then
		if [ -n "${FALCO_RULES_DIR:-}" ]; then
			_env="no falco_rules.yaml in FALCO_RULES_DIR=$FALCO_RULES_DIR"
		else
			_env="FALCO_RULES_DIR unset"
		fi
		echo "Falco's rule files not found ($_env, none in ../shared/data/falco-rules or /etc/falco); set FALCO_RULES_DIR to a directory holding falco_rules.yaml"
		return 0
	fi
	for _f in "$@"; do
		if [ ! -r "$_d/$_f" ]; then
			echo "no $_f in $_d (set FALCO_RULES_DIR to a directory holding it)"
			return 0
		fi
	done
	return 1
}
