/* The bounded queue between the detection thread and one sink's thread. */
#include <errno.h>
#include <stdlib.h>

#include "output/sink_internal.h"

int sink_queue_init(struct sink_queue *q, size_t cap)
{
	q->slots = calloc(cap ? cap : 1, sizeof(*q->slots));
	q->cap = cap ? cap : 1;
	q->head = q->count = 0;
	return q->slots ? 0 : -ENOMEM;
}

int sink_queue_push(struct sink_queue *q, struct sink_record *r)
{
	if (q->count == q->cap)
		return -ENOSPC;
	q->slots[(q->head + q->count) % q->cap] = r;
	q->count++;
	return 0;
}

struct sink_record *sink_queue_pop(struct sink_queue *q)
{
	struct sink_record *r;

	if (!q->count)
		return NULL;
	r = q->slots[q->head];
	q->head = (q->head + 1) % q->cap;
	q->count--;
	return r;
}

void sink_queue_release(struct sink_queue *q)
{
	struct sink_record *r;

	while ((r = sink_queue_pop(q)))
		sink_record_unref(r);
	free(q->slots);
	q->slots = NULL;
}

uint32_t sink_backoff_ms(uint32_t base_ms, uint32_t attempt)
{
	uint64_t ms = base_ms;

	while (attempt-- && ms < SINK_BACKOFF_MAX_MS)
		ms *= 2;
	return ms > SINK_BACKOFF_MAX_MS ? SINK_BACKOFF_MAX_MS : (uint32_t)ms;
}
