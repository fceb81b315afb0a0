/*
 * libFuzzer target: a line of the audit log as `palisade incidents` reads
 * it (the records carry command lines, paths and names a container chose).
 * Any line must give an incident or nothing, never a crash, an
 * out-of-bounds read or a leak; what it gives must be JSON again.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "capture/capture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1), *out;
	json_t *back;

	if (!line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	for (int all = 0; all < 2; all++) {
		out = capture_incident_json(line, all);
		if (out) {
			back = json_loads(out, 0, NULL);
			if (!json_is_object(back) || !json_is_array(json_object_get(back, "actions")))
				abort();
			json_decref(back);
		}
		free(out);
	}
	free(line);
	return 0;
}
