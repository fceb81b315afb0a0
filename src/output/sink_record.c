/*
 * The record every sink shares: one allocation holding the fields and their
 * strings, reference-counted so the detection thread hands one pointer to
 * each queue without copying, and the last sink to finish frees it.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container/container.h"
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

/* The container as the alert's output_fields show it (src/rules/
 * extract_container.c): Falco's 12-character container.id or "host", and
 * "<NA>", as the output line writes it, for a name or image not known. */
static void container_fields(const struct container_info *c, char id[13], struct sink_record *f)
{
	snprintf(id, 13, "%.12s", c ? c->id : "host");
	f->container_id = id;
	f->container_name = !c ? "host" : c->name && c->name[0] ? c->name : SINK_NA;
	f->container_image = c && c->image && c->image[0] ? c->image : SINK_NA;
}

struct sink_record *sink_record_from_alert(const struct rules_alert *a, const char *given)
{
	const struct container_info *c = a->ev ? a->ev->container : NULL;
	struct sink_record f = { 0 }, *r;
	char id[13];
	/* sink_record_new copies the strings: a given line is used as it is. */
	char *made = given ? NULL : rules_alert_to_json(a);
	const char *json = given ? given : made;

	if (!json)
		return NULL;
	f.time_ns = a->time_ns;
	f.priority = a->rule->priority;
	f.rule = a->rule->name;
	f.source = a->rule->source;
	f.output = a->output;
	f.hostname = a->hostname;
	container_fields(c, id, &f);
	f.pid = a->ev && a->ev->hdr ? a->ev->hdr->pid : 0;
	f.json = json;
	f.json_len = strlen(json);
	r = sink_record_new(&f);
	free(made);
	return r;
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
