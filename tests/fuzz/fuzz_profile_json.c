/*
 * libFuzzer target: a profile directory's profile.json, read back by
 * `palisade profile check` and `palisade audit --suggest` (anyone with
 * access to the directory may have edited it). Every problem must become a
 * message, never a crash, an out-of-bounds read or a leak; what parses
 * must render again, and the AppArmor rules written must cover every path
 * they were made from.
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
	struct profile_aa_stats aa;
	char err[256] = "", *text = malloc(size ? size : 1), *out;

	if (!text)
		return 0;
	memcpy(text, data, size);
	if (profile_json_parse(text, size, &o, err, sizeof(err)) == 0) {
		out = profile_json_render(&o, 2.0);
		free(out);
		out = profile_seccomp_render(&o, &st);
		free(out);
		/* The AppArmor rules of any path: every path written is covered. */
		out = profile_apparmor_render(&o, "palisade-fuzz", &aa);
		if (out && aa.uncovered > aa.unwritable)
			abort();
		free(out);
		profile_obs_free(&o);
	} else if (!err[0]) {
		abort(); /* a refusal always says why */
	}
	free(text);
	return 0;
}
