#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "agent/rules_load.h"

const char agent_rules_help[] =
	"      --rules PATH          rules file or directory (*.yaml), repeatable, in\n"
	"                            order; default: the embedded rules/palisade_rules.yaml\n"
	"      --no-rules            evaluate nothing (use with --events)\n"
	"      --first-match         report only the first matching rule per event\n"
	"                            (default: every matching rule)\n"
	"      --min-priority P      skip rules below P (EMERGENCY .. DEBUG)\n"
	"      --no-container-fields do not append container.id/name/image and\n"
	"                            proc.pid to every alert\n";

void agent_rules_defaults(struct agent_rules_options *o)
{
	memset(o, 0, sizeof(*o));
	o->min_priority = RULES_PRIO_DEBUG;
}

int agent_rules_option(struct agent_rules_options *o, int opt, const char *arg)
{
	switch (opt - AGENT_RULES_OPT_BASE) {
	case 0:
		if (o->n_paths == AGENT_RULES_MAX_PATHS) {
			fprintf(stderr, "palisade: at most %d --rules\n", AGENT_RULES_MAX_PATHS);
			return -EINVAL;
		}
		o->paths[o->n_paths++] = arg;
		return 0;
	case 1:
		o->disabled = true;
		return 0;
	case 2:
		o->first_match = true;
		return 0;
	case 3:
		if (rules_priority_parse(arg, &o->min_priority) == 0)
			return 0;
		fprintf(stderr, "palisade: --min-priority %s: expected one of EMERGENCY ALERT "
				"CRITICAL ERROR WARNING NOTICE INFORMATIONAL DEBUG\n", arg);
		return -EINVAL;
	case 4:
		o->no_container_fields = true;
		return 0;
	default:
		return -EINVAL;
	}
}

int agent_rules_load(const struct agent_rules_options *o, int64_t boot_to_epoch_ns,
		     struct rules_engine **out)
{
	struct rules_engine *e = NULL;
	struct rules_config cfg;
	struct rules_stats st;
	size_t i;
	int err;

	*out = NULL;
	if (o->disabled)
		return 0;
	rules_config_default(&cfg);
	cfg.first_match_only = o->first_match;
	cfg.append_container = !o->no_container_fields;
	cfg.min_priority = o->min_priority;
	cfg.rate_per_sec = o->rate_per_sec;
	cfg.rate_burst = o->rate_burst;
	cfg.dedup_window_ns = o->dedup_window_ns;
	cfg.boot_to_realtime_ns = boot_to_epoch_ns;
	cfg.diag_out = stderr;
	err = rules_engine_new(&cfg, &e);
	if (err) {
		fprintf(stderr, "palisade: cannot create the rule engine: %s\n", strerror(-err));
		return err;
	}
	if (o->n_paths == 0)
		err = rules_engine_add_default(e);
	for (i = 0; i < o->n_paths && !err; i++)
		err = rules_engine_add_path(e, o->paths[i]);
	if (!err)
		err = rules_engine_compile(e);
	if (err) {
		fprintf(stderr, "palisade: the rules were refused (problems above); fix them "
				"and check with `palisade rules check FILE`\n");
		rules_engine_free(e);
		return -EINVAL;
	}
	rules_engine_stats(e, &st);
	fprintf(stderr, "palisade: rules: %zu loaded (%zu enabled) from %s; %zu cannot fire "
			"yet (see `palisade rules list`)\n",
		st.rules_loaded, st.rules_enabled, o->n_paths ? "files" : "the embedded set",
		rules_engine_cannot_fire_count(e));
	*out = e;
	return 0;
}
