/*
 * The record every sink shares: one allocation holding the fields and their
 * strings, reference-counted so the detection thread hands one pointer to
 * each queue without copying, and the last sink to finish frees it.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/sink.h"

struct shared_record {
	atomic_uint refs;
	struct sink_record r; /* strings point into data[] */
	char data[];
};

static struct shared_record *shared_of(struct sink_record *r)
{
	return (struct shared_record *)((char *)r - offsetof(struct shared_record, r));
}

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

/* Copies s (len bytes) to *pos and returns where it landed. */
static const char *put(char **pos, const char *s, size_t len)
{
	char *at = *pos;

	memcpy(at, s, len);
	at[len] = '\0';
	*pos += len + 1;
	return at;
}

struct sink_record *sink_record_new(const struct sink_record *f)
{
	const char *strs[] = { or_empty(f->rule),           or_empty(f->source),
			       or_empty(f->output),         or_empty(f->hostname),
			       or_empty(f->container_id),   or_empty(f->container_name),
			       or_empty(f->container_image) };
	size_t lens[sizeof(strs) / sizeof(strs[0])], total = f->json_len + 1, i;
	struct shared_record *s;
	char *pos;

	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		lens[i] = strlen(strs[i]);
		total += lens[i] + 1;
	}
	s = malloc(sizeof(*s) + total);
	if (!s)
		return NULL;
	atomic_init(&s->refs, 1);
	s->r = *f;
	pos = s->data;
	s->r.rule = put(&pos, strs[0], lens[0]);
	s->r.source = put(&pos, strs[1], lens[1]);
	s->r.output = put(&pos, strs[2], lens[2]);
	s->r.hostname = put(&pos, strs[3], lens[3]);
	s->r.container_id = put(&pos, strs[4], lens[4]);
	s->r.container_name = put(&pos, strs[5], lens[5]);
	s->r.container_image = put(&pos, strs[6], lens[6]);
	s->r.json = put(&pos, f->json ? f->json : "", f->json ? f->json_len : 0);
	s->r.json_len = f->json ? f->json_len : 0;
	return &s->r;
}

struct sink_record *sink_record_from_alert(const struct alert *al)
{
	struct sink_record f = { 0 }, *r;
	char *json = alert_to_json(al); /* rendered once, shared by every sink */

	if (!json)
		return NULL;
	f.time_ns = al->time_ns;
	f.priority = al->priority;
	f.rule = al->rule;
	f.source = al->source;
	f.output = al->output;
	f.hostname = al->hostname;
	f.container_id = al->container_id;
	f.container_name = al->container_name;
	f.container_image = al->container_image;
	f.pid = al->pid;
	f.acted = al->action != NULL || al->is_playbook;
	f.json = json;
	f.json_len = strlen(json);
	r = sink_record_new(&f);
	free(json);
	return r;
}

struct sink_record *sink_record_from_alert_at(const struct alert *al,
					      enum rules_priority priority)
{
	struct alert at = *al; /* read only: the rendering sees the other priority */

	at.priority = priority;
	return sink_record_from_alert(&at);
}

struct sink_record *sink_record_ref(struct sink_record *r)
{
	atomic_fetch_add_explicit(&shared_of(r)->refs, 1, memory_order_relaxed);
	return r;
}

void sink_record_unref(struct sink_record *r)
{
	struct shared_record *s;

	if (!r)
		return;
	s = shared_of(r);
	if (atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) == 1)
		free(s);
}
