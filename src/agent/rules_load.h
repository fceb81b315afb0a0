/* Rule options shared by `run` and `replay`, and loading them. */
#ifndef PALISADE_RULES_LOAD_H
#define PALISADE_RULES_LOAD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "rules/rules.h"

#define AGENT_RULES_MAX_PATHS 64

struct agent_rules_options {
	const char *paths[AGENT_RULES_MAX_PATHS]; /* none: the embedded set */
	size_t n_paths;
	bool disabled; /* --no-rules */
	bool first_match;
	bool no_container_fields;
	enum rules_priority min_priority;
	double rate_per_sec, rate_burst; /* per-rule rate limit; 0: off */
	uint64_t dedup_window_ns;        /* 0: off */
};

/* getopt long options, each with a value >= AGENT_RULES_OPT_BASE. */
#define AGENT_RULES_OPT_BASE 512
#define AGENT_RULES_LONGOPTS                                                              \
	{ "rules", required_argument, NULL, AGENT_RULES_OPT_BASE },                       \
	{ "no-rules", no_argument, NULL, AGENT_RULES_OPT_BASE + 1 },                      \
	{ "first-match", no_argument, NULL, AGENT_RULES_OPT_BASE + 2 },                   \
	{ "min-priority", required_argument, NULL, AGENT_RULES_OPT_BASE + 3 },            \
	{ "no-container-fields", no_argument, NULL, AGENT_RULES_OPT_BASE + 4 }

extern const char agent_rules_help[];

void agent_rules_defaults(struct agent_rules_options *o);
/* Handles one of AGENT_RULES_LONGOPTS; returns 0 or -EINVAL (message printed). */
int agent_rules_option(struct agent_rules_options *o, int opt, const char *arg);
/*
 * Loads and compiles the rules. Every problem is printed as file:line:col;
 * any problem refuses the whole set (-EINVAL). *out is NULL with --no-rules.
 */
int agent_rules_load(const struct agent_rules_options *o, int64_t boot_to_epoch_ns,
		     struct rules_engine **out);

#endif
