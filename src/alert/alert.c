/*
 * The owned copy of an alert: one allocation holding the struct, the tags,
 * the fields and every string, so that it outlives the engine's buffers and
 * frees in one call. The action result, attached later, has its own.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/alert.h"
#include "container/container.h"
#include "event/event.h"

struct alert_mem {
	struct alert al;
	struct alert_action action; /* al.action points here once set */
	char *action_strings;       /* the extras' copied strings */
	char data[];
};

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

/* Bump allocation inside the block: the first pass only counts (base NULL). */
struct block {
	char *base;
	size_t used;
};

static void *take(struct block *b, size_t len, size_t align)
{
	size_t at = (b->used + align - 1) / align * align;

	b->used = at + len;
	return b->base ? b->base + at : NULL;
}

static const char *copy_str(struct block *b, const char *s)
{
	size_t len = strlen(or_empty(s)) + 1;
	char *at = take(b, len, 1);

	if (at)
		memcpy(at, or_empty(s), len);
	return at;
}

/* The value of output field `name` when it is a string; NULL otherwise. */
static const char *field_str(const struct rules_alert *a, const char *name)
{
	for (size_t i = 0; i < a->n_fields; i++)
		if (!strcmp(a->fields[i].field, name) && a->fields[i].kind == RULES_VAL_STRING)
			return a->fields[i].s;
	return NULL;
}

/* Lays the alert out in b (or only measures it when b->base is NULL). */
static void lay_out(struct block *b, const struct rules_alert *a, struct alert *al)
{
	const struct container_info *c = a->ev ? a->ev->container : NULL;
	const char **tags = take(b, a->rule->n_tags * sizeof(*tags), sizeof(void *));
	struct rules_value *f = take(b, a->n_fields * sizeof(*f), sizeof(void *));
	char id[13];

	for (size_t i = 0; i < a->rule->n_tags; i++) {
		const char *t = copy_str(b, a->rule->tags[i]);

		if (tags)
			tags[i] = t;
	}
	for (size_t i = 0; i < a->n_fields; i++) {
		const char *name = copy_str(b, a->fields[i].field);
		const char *s = a->fields[i].kind == RULES_VAL_STRING ? copy_str(b, a->fields[i].s)
								      : NULL;

		if (f) {
			f[i] = a->fields[i];
			f[i].field = name;
			f[i].s = s;
		}
	}
	al->rule = copy_str(b, a->rule->name);
	al->source = copy_str(b, a->rule->source);
	al->output = copy_str(b, a->output);
	al->hostname = copy_str(b, a->hostname);
	al->undecided = a->undecided ? copy_str(b, a->undecided) : NULL;
	if (a->ev) { /* as output_fields show them (rules/extract_container.c) */
		snprintf(id, sizeof(id), "%.12s", c ? c->id : "host");
		al->container_id = copy_str(b, id);
		al->container_name = copy_str(b, !c ? "host" : c->name && c->name[0] ? c->name
										   : ALERT_NA);
		al->container_image = copy_str(b, c && c->image && c->image[0] ? c->image : ALERT_NA);
	} else {
		al->container_id = copy_str(b, field_str(a, "container.id") ?: "host");
		al->container_name = copy_str(b, field_str(a, "container.name") ?: "host");
		al->container_image = copy_str(b, field_str(a, "container.image") ?: ALERT_NA);
	}
	al->tags = tags;
	al->n_tags = a->rule->n_tags;
	al->fields = f;
	al->n_fields = a->n_fields;
}

struct alert *alert_from_rules(const struct rules_alert *a)
{
	struct block b = { 0 };
	struct alert scratch;
	struct alert_mem *m;

	lay_out(&b, a, &scratch);
	m = calloc(1, sizeof(*m) + b.used);
	if (!m)
		return NULL;
	b = (struct block){ .base = m->data };
	lay_out(&b, a, &m->al);
	m->al.time_ns = a->time_ns;
	m->al.priority = a->rule->priority;
	m->al.json_omit = a->json_omit;
	m->al.pid = a->ev && a->ev->hdr ? a->ev->hdr->pid : 0;
	for (size_t i = 0; !a->ev && i < a->n_fields; i++)
		if (!strcmp(a->fields[i].field, "proc.pid") && a->fields[i].kind == RULES_VAL_INT)
			m->al.pid = (uint32_t)a->fields[i].i;
	return &m->al;
}

int alert_set_action(struct alert *al, const struct alert_action *act)
{
	struct alert_mem *m = (struct alert_mem *)al;
	size_t len = 0, n = act->n_extra < ALERT_ACTION_EXTRA_MAX ? act->n_extra
								 : ALERT_ACTION_EXTRA_MAX;
	char *strings, *pos;

	for (size_t i = 0; i < n; i++)
		len += act->extra[i].str ? strlen(act->extra[i].str) + 1 : 0;
	strings = len ? malloc(len) : NULL;
	if (len && !strings)
		return -ENOMEM;
	free(m->action_strings);
	m->action_strings = strings;
	m->action = *act;
	m->action.n_extra = n;
	for (size_t i = 0, pos_off = 0; i < n; i++) {
		if (!act->extra[i].str)
			continue;
		pos = strings + pos_off;
		memcpy(pos, act->extra[i].str, strlen(act->extra[i].str) + 1);
		m->action.extra[i].str = pos;
		pos_off += strlen(pos) + 1;
	}
	al->action = &m->action;
	return 0;
}

void alert_free(struct alert *al)
{
	struct alert_mem *m = (struct alert_mem *)al;

	if (!m)
		return;
	free(m->action_strings);
	free(m);
}
