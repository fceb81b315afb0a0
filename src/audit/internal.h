/*
 * Shared by the files of src/audit/ only. Every non-static name starts with
 * audit_ (one test binary links all of src/) and none clashes with the audit
 * log's (output/audit_log.h: audit_hash, audit_line_*, audit_sink_*).
 */
#ifndef PALISADE_AUDIT_INTERNAL_H
#define PALISADE_AUDIT_INTERNAL_H

#include <jansson.h>
#include <stdarg.h>

#include "audit/audit.h"
#include "container/container.h"

/* Writes "fmt" into err and returns -EINVAL. */
__attribute__((format(printf, 3, 4))) int audit_fail(char *err, size_t errlen, const char *fmt,
						     ...);

/*
 * Allocation helpers that remember a failure instead of returning it at each
 * call: a parser checks *oom once at its end (the strings are then released
 * whole). audit_dup never returns NULL unless *oom is set.
 */
char *audit_dup(bool *oom, const char *s);
char *audit_dupn(bool *oom, const char *s, size_t n);
/* A new zeroed element at the end of *arr (n elements of size elem); NULL
 * when out of memory or at AUDIT_LIST_MAX (sets *oom, or *over). */
void *audit_grow(void *arr_ptr, size_t *n, size_t elem, bool *oom);
int audit_strv_push(char ***v, size_t *n, bool *oom, const char *s);
void audit_strv_free(char **v, size_t n);
void audit_env_free(struct audit_env *e, size_t n);

/* Sets every string of w the source left NULL to "". */
void audit_workload_fill(struct audit_workload *w, bool *oom);

/* A file, whole, at most max bytes (-EFBIG beyond), NUL-terminated. */
int audit_read_file(const char *path, size_t max, char **out, size_t *len);

/* A scalar field of a JSON answer, as a table row: its dotted path, its
 * type and where it goes. Missing and null read as zero / "". */
enum audit_jtype { J_STR, J_BOOL, J_INT };
struct audit_jfield {
	const char *path;
	enum audit_jtype type;
	size_t off;
};
int audit_read_fields(json_t *root, const struct audit_jfield *f, size_t n, void *base,
		      bool *oom, char *err, size_t errlen);

/* Capability names compared without "CAP_" and case. */
bool audit_cap_eq(const char *a, const char *b);

/* The findings a check writes (audit_report.c). */
struct audit_emit {
	struct audit_report *r;
	const struct audit_check *check;
	const struct audit_subject *s;
	int err;
};

/* From the daemon's host (files under root): dockerd's command line (the
 * one serving socket), its daemon.json, its files' owners and modes. */
int audit_daemon_collect_local(const char *root, const char *socket, struct audit_daemon *d);
void audit_file_fact_release(struct audit_file_fact *f);

/* Runs fn on the watcher's last report, under its lock (nothing when there
 * is none yet). fn must be quick: the audit thread waits meanwhile. */
void audit_watch_read(struct audit_watch *w,
		      void (*fn)(const struct audit_input *in, const struct audit_report *rep,
				 void *ctx),
		      void *ctx);

/* A setuid/setgid file of an image's merged view, listed up to the bound
 * and counted beyond it. */
int audit_image_keep_setuid(struct audit_image *img, const char *path, uint32_t mode,
			    bool *oom);

/* The same search through `docker save`'s stream (any graph driver, no
 * root): audit_image_scan_save streams GET /images/ID/get from socket;
 * audit_save_scan_bytes reads an archive in memory, chunk bytes at a time
 * (0: at once), as the stream would hand it over (tests, fuzzer). */
int audit_image_scan_save(struct audit_image *img, const char *socket);
int audit_save_scan_bytes(struct audit_image *img, const void *data, size_t len, size_t chunk);

/* Layer walk of one directory: setuid/setgid regular files by relative path. */
struct audit_setuid_hit {
	char *path; /* relative, starts with "/" */
	uint32_t mode;
	size_t layer;
};

#endif
