/*
 * libFuzzer target: the FIM configuration (`palisade fim -c FILE`). Every
 * problem must become a file:line:col message, never a crash, an
 * out-of-bounds read or a leak.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fim/fim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fim_config *c = NULL;
	char *text = malloc(size ? size : 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	if (fim_config_parse("fuzz.yaml", text, size, getenv("PALISADE_FUZZ_VERBOSE") ? stderr : NULL,
			     &c) == 0) {
		for (size_t i = 0; i < c->n_watch; i++)
			(void)fim_config_match(c, c->watch[i].path);
		(void)fim_config_match(c, "/usr/bin/x/y.pyc");
		fim_config_free(c);
	}
	free(text);
	return 0;
}
