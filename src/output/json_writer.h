/*
 * output/: turning events and alerts into bytes for a sink. This file is the
 * JSON writer every encoder shares. It appends to a caller-owned buffer that
 * grows only when a record is larger than any before it: the per-event path
 * allocates nothing, which a general-purpose JSON library (a tree of nodes
 * per object) cannot promise.
 */
#ifndef PALISADE_JSON_WRITER_H
#define PALISADE_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jw {
	char *buf;
	size_t len, cap;
	bool need_comma;
	bool failed; /* an allocation failed: the record is incomplete */
};

void jw_reset(struct jw *w);
void jw_release(struct jw *w);
void jw_object_begin(struct jw *w, const char *key); /* key NULL: a value */
void jw_object_end(struct jw *w);
void jw_array_begin(struct jw *w, const char *key);
void jw_array_end(struct jw *w);
void jw_str(struct jw *w, const char *key, const char *val);
void jw_strn(struct jw *w, const char *key, const char *val, size_t len);
void jw_u64(struct jw *w, const char *key, uint64_t val);
void jw_i64(struct jw *w, const char *key, int64_t val);
void jw_bool(struct jw *w, const char *key, bool val);
void jw_null(struct jw *w, const char *key);
/* An RFC 3339 UTC timestamp with nanoseconds, from ns since the epoch. */
void jw_time(struct jw *w, const char *key, uint64_t epoch_ns);

#endif
