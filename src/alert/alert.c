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
	struct alert_action *steps; /* a playbook's: RULES_ACTION_STEPS_MAX, on demand */
	char *step_strings[RULES_ACTION_STEPS_MAX];
	char *playbook;
	struct alert_route *routes; /* RULES_ACTION_STEPS_MAX, on demand */
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

/* *dst = *act, with the extras' strings copied into one new block (*strings,
 * the previous one freed). */
static int copy_action(struct alert_action *dst, char **strings, const struct alert_action *act)
{
	size_t len = 0, n = act->n_extra < ALERT_ACTION_EXTRA_MAX ? act->n_extra
								 : ALERT_ACTION_EXTRA_MAX;
	char *block, *pos;

	for (size_t i = 0; i < n; i++)
		len += act->extra[i].str ? strlen(act->extra[i].str) + 1 : 0;
	block = len ? malloc(len) : NULL;
	if (len && !block)
		return -ENOMEM;
	free(*strings);
	*strings = block;
	*dst = *act;
	dst->n_extra = n;
	pos = block;
	for (size_t i = 0; i < n; i++) {
		if (!act->extra[i].str)
			continue;
		memcpy(pos, act->extra[i].str, strlen(act->extra[i].str) + 1);
		dst->extra[i].str = pos;
		pos += strlen(pos) + 1;
	}
	return 0;
}

int alert_set_action(struct alert *al, const struct alert_action *act)
{
	struct alert_mem *m = (struct alert_mem *)al;
	int err = copy_action(&m->action, &m->action_strings, act);

	if (!err)
		al->action = &m->action;
	return err;
}

int alert_set_playbook(struct alert *al, const char *name)
{
	struct alert_mem *m = (struct alert_mem *)al;

	free(m->playbook);
	m->playbook = name ? strdup(name) : NULL;
	if (name && !m->playbook)
		return -ENOMEM;
	al->is_playbook = true;
	al->playbook = m->playbook;
	return 0;
}

int alert_add_step(struct alert *al, const struct alert_action *act)
{
	struct alert_mem *m = (struct alert_mem *)al;
	int err;

	if (al->n_steps == RULES_ACTION_STEPS_MAX)
		return -ENOSPC;
	if (!m->steps && !(m->steps = calloc(RULES_ACTION_STEPS_MAX, sizeof(*m->steps))))
		return -ENOMEM;
	err = copy_action(&m->steps[al->n_steps], &m->step_strings[al->n_steps], act);
	if (err)
		return err;
	al->steps = m->steps;
	al->n_steps++;
	return 0;
}

int alert_add_route(struct alert *al, const char *sink, int priority)
{
	struct alert_mem *m = (struct alert_mem *)al;

	if (al->n_routes == RULES_ACTION_STEPS_MAX)
		return -ENOSPC;
	if (!m->routes && !(m->routes = calloc(RULES_ACTION_STEPS_MAX, sizeof(*m->routes))))
		return -ENOMEM;
	snprintf(m->routes[al->n_routes].sink, sizeof(m->routes[0].sink), "%s", sink);
	m->routes[al->n_routes].priority = priority;
	al->routes = m->routes;
	al->n_routes++;
	return 0;
}

void alert_free(struct alert *al)
{
	struct alert_mem *m = (struct alert_mem *)al;

	if (!m)
		return;
	free(m->action_strings);
	for (size_t i = 0; i < RULES_ACTION_STEPS_MAX; i++)
		free(m->step_strings[i]);
	free(m->steps);
	free(m->playbook);
	free(m->routes);
	free(m);
}
