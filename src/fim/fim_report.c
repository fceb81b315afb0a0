/* The reports of `fim check` and `fim update`: text for people, JSON for tools. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <string.h>
#include <time.h>

#include "fim/fim_internal.h"

#define VALUE_MAX 8192

static const char *when(int64_t secs, char *buf, size_t size)
{
	time_t t = (time_t)secs;
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(buf, size, "%" PRId64, secs);
	return buf;
}

static bool digests_differ(const struct fim_set *old, const struct fim_set *cur)
{
	return strcmp(old->hash_name, cur->hash_name) != 0;
}

static void text_entries(FILE *f, const struct fim_diff *d, const char *title, bool added)
{
	bool first = true;

	for (size_t i = 0; i < d->n; i++) {
		const struct fim_entry *e = added ? d->v[i].cur : d->v[i].old;

		if (!e || (added ? d->v[i].old : d->v[i].cur))
			continue;
		if (first)
			fprintf(f, "\n%s:\n", title);
		first = false;
		fprintf(f, "  %-8s %s\n", fim_type_name(e->mode), e->path);
	}
}

static void text_changed(FILE *f, const struct fim_diff *d)
{
	char old[VALUE_MAX], cur[VALUE_MAX];
	bool first = true;

	for (size_t i = 0; i < d->n; i++) {
		const struct fim_change *c = &d->v[i];

		if (!c->old || !c->cur)
			continue;
		if (first)
			fprintf(f, "\nChanged:\n");
		first = false;
		fprintf(f, "  %s\n", c->cur->path);
		for (unsigned a = 0; a < FIM_A_COUNT; a++) {
			if (!(c->changed & FIM_ATTR_BIT(a)))
				continue;
			fim_attr_format(a, c->old, old, sizeof(old));
			fim_attr_format(a, c->cur, cur, sizeof(cur));
			fprintf(f, "    %-7s %s -> %s\n", fim_attr_name(a), old, cur);
		}
	}
}

void fim_report_text(FILE *f, const struct fim_diff *d, const struct fim_set *old,
		     const struct fim_set *cur)
{
	char t[64];

	if (!d->n)
		fprintf(f, "palisade fim: no changes (baseline of %s: %zu entries)\n",
			when(old->created, t, sizeof(t)), old->n);
	else
		fprintf(f, "palisade fim: %zu added, %zu removed, %zu changed (baseline of %s: %zu "
			"entries; now %zu)\n", d->added, d->removed, d->changed,
			when(old->created, t, sizeof(t)), old->n, cur->n);
	if (digests_differ(old, cur))
		fprintf(f, "note: the baseline's digest is %s, this scan's %s: contents were not "
			"compared\n", old->hash_name, cur->hash_name);
	text_entries(f, d, "Added", true);
	text_entries(f, d, "Removed", false);
	text_changed(f, d);
}

/* An attribute as JSON: numbers as numbers, the rest as text. */
static json_t *attr_json(enum fim_attr a, const struct fim_entry *e)
{
	char buf[VALUE_MAX];

	switch (a) {
	case FIM_A_UID:
		return json_integer(e->uid);
	case FIM_A_GID:
		return json_integer(e->gid);
	case FIM_A_SIZE:
		return json_integer((json_int_t)e->size);
	case FIM_A_INODE:
		return json_integer((json_int_t)e->ino);
	case FIM_A_NLINK:
		return json_integer((json_int_t)e->nlink);
	default:
		fim_attr_format(a, e, buf, sizeof(buf));
		return json_string(buf);
	}
}

static json_t *entry_json(const struct fim_entry *e)
{
	json_t *o = json_object();

	json_object_set_new(o, "path", json_string(e->path));
	for (unsigned a = 0; a < FIM_A_COUNT; a++)
		if (e->attrs & FIM_ATTR_BIT(a) || a == FIM_A_TYPE)
			json_object_set_new(o, fim_attr_name(a), attr_json(a, e));
	return o;
}

static json_t *change_json(const struct fim_change *c)
{
	json_t *o = json_object(), *changes = json_object();

	json_object_set_new(o, "path", json_string(c->cur->path));
	for (unsigned a = 0; a < FIM_A_COUNT; a++) {
		if (!(c->changed & FIM_ATTR_BIT(a)))
			continue;
		json_object_set_new(changes, fim_attr_name(a),
				    json_pack("{s:o,s:o}", "old", attr_json(a, c->old), "new",
					      attr_json(a, c->cur)));
	}
	json_object_set_new(o, "changes", changes);
	return o;
}

static json_t *set_json(const struct fim_set *s, bool with_time)
{
	char t[64];
	json_t *o = json_pack("{s:I,s:s}", "entries", (json_int_t)s->n, "digest", s->hash_name);

	if (o && with_time)
		json_object_set_new(o, "created", json_string(when(s->created, t, sizeof(t))));
	return o;
}

int fim_report_json(FILE *f, const struct fim_diff *d, const struct fim_set *old,
		    const struct fim_set *cur)
{
	json_t *root, *added = json_array(), *removed = json_array(), *changed = json_array();
	int ret;

	for (size_t i = 0; i < d->n; i++) {
		const struct fim_change *c = &d->v[i];

		if (!c->old)
			json_array_append_new(added, entry_json(c->cur));
		else if (!c->cur)
			json_array_append_new(removed, entry_json(c->old));
		else
			json_array_append_new(changed, change_json(c));
	}
	root = json_pack("{s:o,s:o,s:{s:I,s:I,s:I},s:o,s:o,s:o,s:b}", "baseline", set_json(old, true),
			 "scan", set_json(cur, false), "summary", "added", (json_int_t)d->added,
			 "removed", (json_int_t)d->removed, "changed", (json_int_t)d->changed,
			 "added", added, "removed", removed, "changed", changed,
			 "contents_compared", !digests_differ(old, cur));
	if (!root)
		return -ENOMEM;
	ret = json_dumpf(root, f, JSON_INDENT(2)) ? -EIO : 0;
	fputc('\n', f);
	json_decref(root);
	return ret;
}
