/*
 * libFuzzer target: a rules file as a user hands it over (`palisade rules
 * check FILE`, `--rules FILE`). The input is the whole YAML text; it is
 * loaded, compiled and freed. Every problem must become a diagnostic, never a
 * crash, an out-of-bounds read or a leak.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rules_config cfg;
	struct rules_engine *e = NULL;
	char *text;

	/* An exact-size heap copy: ASan sees any read past the end. */
	text = malloc(size ? size : 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	rules_config_default(&cfg);
	cfg.hostname = "fuzz";
	cfg.boot_to_realtime_ns = 1;
	/* PALISADE_FUZZ_VERBOSE=1: print the diagnostics (reproducing a case). */
	cfg.diag_out = getenv("PALISADE_FUZZ_VERBOSE") ? stderr : NULL;
	if (rules_engine_new(&cfg, &e) == 0) {
		if (rules_engine_add_buffer(e, "fuzz.yaml", text, size) == 0)
			rules_engine_compile(e);
		/* Walk what was loaded, as `rules list` does. */
		for (size_t i = 0; i < rules_engine_diag_count(e); i++)
			(void)rules_engine_diag(e, i);
		for (size_t i = 0; i < rules_engine_rule_count(e); i++)
			(void)rules_engine_rule(e, i);
		rules_engine_free(e);
	}
	free(text);
	return 0;
}
