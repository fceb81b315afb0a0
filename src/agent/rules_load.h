/* Loading the rules the configuration names, shared by `run` and `replay`. */
#ifndef PALISADE_RULES_LOAD_H
#define PALISADE_RULES_LOAD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config/config.h"
#include "rules/rules.h"

/*
 * Loads and compiles the rules. Every problem is printed as file:line:col;
 * any problem refuses the whole set (-EINVAL). *out is NULL when rules.enabled
 * is false (--no-rules).
 */
int agent_rules_load(const struct palisade_config *c, int64_t boot_to_epoch_ns,
		     struct rules_engine **out);
/* The same rules in an engine of their own, silently (they were checked by
 * the first load): for a thread that cannot share the first engine. */
int agent_rules_load_quiet(const struct palisade_config *c, int64_t boot_to_epoch_ns,
			   struct rules_engine **out);

#endif
