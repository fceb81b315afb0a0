/*
 * Falco's rule selection (struct rules_select): after the files are loaded,
 * each entry in order enables or disables the rules whose name matches its
 * pattern or that carry its tag, overriding the files' own `enabled:`.
 */
#include <string.h>

#include "rules/rules_internal.h"

/* Whole-name match, '*' standing for any run of characters (Falco's
 * wildcard: no other character is special, rule names hold '(' and '['). */
static bool wildcard_match(const char *pat, const char *s)
{
	const char *star = NULL, *resume = NULL;

	while (*s) {
		if (*pat == '*') {
			star = pat++;
			resume = s;
		} else if (*pat == *s) {
			pat++;
			s++;
		} else if (star) {
			pat = star + 1;
			s = ++resume;
		} else {
			return false;
		}
	}
	while (*pat == '*')
		pat++;
	return !*pat;
}

static bool has_tag(const struct rl_rule_def *d, const char *tag)
{
	for (size_t i = 0; i < d->tags.n; i++)
		if (!strcmp(d->tags.v[i], tag))
			return true;
	return false;
}

void rl_select_rules(const struct rules_config *cfg, struct rl_collection *c)
{
	for (size_t k = 0; k < cfg->n_select; k++) {
		const struct rules_select *sel = &cfg->select[k];

		for (size_t i = 0; i < c->rules.n; i++) {
			struct rl_rule_def *d = c->rules.v[i];

			if ((sel->rule && wildcard_match(sel->rule, d->info.name)) ||
			    (sel->tag && has_tag(d, sel->tag)))
				d->info.enabled = sel->enable;
		}
	}
}
