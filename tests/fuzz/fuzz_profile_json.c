/*
 * libFuzzer target: a profile directory's profile.json, read back by
 * `palisade profile check` and `palisade audit --suggest` (anyone with
 * access to the directory may have edited it). Every problem must become a
 * message, never a crash, an out-of-bounds read or a leak; what parses
 * must render again.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct profile_obs o;
	struct profile_seccomp_stats st;
	char err[256] = "", *text = malloc(size ? size : 1), *out;

	if (!text)
		return 0;
	memcpy(text, data, size);
	if (profile_json_parse(text, size, &o, err, sizeof(err)) == 0) {
		out = profile_json_render(&o, 2.0);
		free(out);
		out = profile_seccomp_render(&o, &st);
		free(out);
		profile_obs_free(&o);
	} else if (!err[0]) {
		abort(); /* a refusal always says why */
	}
	free(text);
	return 0;
}
