/*
 * libFuzzer target: a configuration file (`palisade run --config FILE`,
 * `palisade config check FILE`). Every problem must become a file:line
 * message, never a crash, an out-of-bounds read or a leak.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct palisade_config *c = NULL;
	char *text = malloc(size ? size : 1); /* exact size: ASan sees overreads */
	size_t i;

	if (!text)
		return 0;
	memcpy(text, data, size);
	/* PALISADE_FUZZ_VERBOSE=1: print the messages (reproducing a case). */
	if (config_load_buffer("fuzz.yaml", text, size, getenv("PALISADE_FUZZ_VERBOSE") ? stderr : NULL,
			       &c) == 0) {
		/* Touch what the agent reads, as it would. */
		for (i = 0; i < c->n_outputs; i++)
			if (c->outputs[i].name && strlen(c->outputs[i].name) > 4096)
				abort();
		for (i = 0; i < c->n_rules_files; i++)
			(void)strlen(c->rules_files[i]);
		config_free(c);
	}
	free(text);
	return 0;
}
