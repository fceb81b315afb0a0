/* Shared by the rules unit tests: looking for a diagnostic. */
#ifndef PALISADE_TEST_RULES_FIXTURE_H
#define PALISADE_TEST_RULES_FIXTURE_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "rules/rules.h"

/* True when some diagnostic contains `part`. */
static inline bool has_diag_part(const struct rules_engine *e, const char *part)
{
	for (size_t i = 0; i < rules_engine_diag_count(e); i++)
		if (strstr(rules_engine_diag(e, i)->text, part))
			return true;
	for (size_t i = 0; i < rules_engine_diag_count(e); i++)
		fprintf(stderr, "  have: %s\n", rules_engine_diag(e, i)->text);
	fprintf(stderr, "  want a diagnostic containing: %s\n", part);
	return false;
}

#endif
