/* Shared by the files of capture/ only: a bundle being written. */
#ifndef PALISADE_CAPTURE_INTERNAL_H
#define PALISADE_CAPTURE_INTERNAL_H

#include <jansson.h>

#include "capture/capture.h"

struct capture_bundle {
	int dirfd;
	char name[96];   /* the directory's name under capture.dir */
	uint64_t budget; /* bytes capture.max_bytes still allows */
	json_t *files;   /* names written, in order */
	json_t *errors;  /* [{part, error}] */
};

/* A part that could not be captured, with why (in the manifest). */
void cb_error(struct capture_bundle *b, const char *part, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Writes one file of the bundle (O_EXCL, 0600) within the budget; an error
 * is noted in the manifest and returned. cb_write_json takes doc's reference. */
int cb_write(struct capture_bundle *b, const char *name, const void *data, size_t len);
int cb_write_json(struct capture_bundle *b, const char *name, json_t *doc);

/* sysstate.c: processes.json, network.json, inspect.json, changes.json. */
void capture_system_state(struct capture_bundle *b, const struct capture_config *cfg,
			  const struct capture_job *j);

#endif
