/* The pieces of the sink framework that are pure logic (tested alone). */
#ifndef PALISADE_SINK_INTERNAL_H
#define PALISADE_SINK_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "output/sink.h"

/* A bounded FIFO of record pointers; the caller locks. */
struct sink_queue {
	struct sink_record **slots;
	size_t cap, head, count;
};

int sink_queue_init(struct sink_queue *q, size_t cap);
/* Takes the caller's reference. -ENOSPC when full (the caller keeps it). */
int sink_queue_push(struct sink_queue *q, struct sink_record *r);
/* The oldest record (its reference passes to the caller), or NULL. */
struct sink_record *sink_queue_pop(struct sink_queue *q);
/* Drops every queued reference and frees the slots. */
void sink_queue_release(struct sink_queue *q);

/*
 * The spool: records appended to DIR/NAME.spool while a sink cannot take
 * them, delivered from the front in order once it can. The file is emptied
 * when everything was delivered; what remains at exit is kept (compacted) and
 * delivered after the next start.
 */
struct sink_spool {
	int fd;
	char *path;
	uint64_t read_off, write_off, max_bytes;
	uint64_t peeked_len; /* size of the record sink_spool_peek returned */
	uint64_t corrupt;    /* unreadable tails skipped */
};

int sink_spool_open(struct sink_spool *sp, const char *dir, const char *name,
		    uint64_t max_bytes);
bool sink_spool_empty(const struct sink_spool *sp);
uint64_t sink_spool_bytes(const struct sink_spool *sp);
/* -ENOSPC when the record would take the spool past max_bytes. */
int sink_spool_append(struct sink_spool *sp, const struct sink_record *r);
/* Puts records in front of what the spool holds, in their order; *saved
 * tells how many fit under max_bytes (the rest the caller counts as lost). */
int sink_spool_prepend(struct sink_spool *sp, struct sink_record *const *recs, size_t n,
		       size_t *saved);
/* The front record as a new reference (*out NULL when empty). */
int sink_spool_peek(struct sink_spool *sp, struct sink_record **out);
/* The record peek returned was delivered: move past it. */
int sink_spool_advance(struct sink_spool *sp);
void sink_spool_close(struct sink_spool *sp);

/* Exponential backoff: base_ms * 2^attempt, capped at SINK_BACKOFF_MAX_MS. */
#define SINK_BACKOFF_MAX_MS 30000u
uint32_t sink_backoff_ms(uint32_t base_ms, uint32_t attempt);

#endif
