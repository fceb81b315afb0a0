/*
 * The text table a person reads, and the choice of rendering. Findings come
 * most severe first; within a severity, in the table's order.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/internal.h"
#include "audit/render.h"

static const char *const format_names[] = { "text", "json", "sarif" };

int audit_format_parse(const char *s, enum audit_format *out)
{
	unsigned i;

	for (i = 0; i < 3; i++)
		if (strcmp(s, format_names[i]) == 0) {
			*out = (enum audit_format)i;
			return 0;
		}
	return -EINVAL;
}

static int by_severity(const void *a, const void *b)
{
	const struct audit_finding *x = *(const struct audit_finding *const *)a;
	const struct audit_finding *y = *(const struct audit_finding *const *)b;

	if (x->check->severity != y->check->severity)
		return x->check->severity > y->check->severity ? -1 : 1;
	return x < y ? -1 : x > y;
}

const struct audit_finding **audit_render_order(const struct audit_report *r)
{
	const struct audit_finding **v = calloc(r->n ? r->n : 1, sizeof(*v));
	size_t i;

	if (!v)
		return NULL;
	for (i = 0; i < r->n; i++)
		v[i] = &r->findings[i];
	qsort(v, r->n, sizeof(*v), by_severity);
	return v;
}

static void text_where(FILE *f, const struct audit_finding *x)
{
	if (x->loc.file)
		fprintf(f, "%s:%d:%d ", x->loc.file, x->loc.line, x->loc.col);
	if (x->check->kind == AUDIT_KIND_HOST || x->check->kind == AUDIT_KIND_DAEMON)
		fputs(x->object, f);
	else
		fprintf(f, "%s %s", audit_kind_name(x->check->kind), x->object);
	if (x->object_id[0])
		fprintf(f, " (%.12s)", x->object_id + (strncmp(x->object_id, "sha256:", 7) ? 0 : 7));
}

static int render_text(FILE *f, const struct audit_input *in, const struct audit_report *r)
{
	const struct audit_finding **v = audit_render_order(r);
	size_t i, count[5] = { 0 };

	if (!v)
		return -ENOMEM;
	if (r->n)
		fprintf(f, "%-8s  %-18s  %s\n", "SEVERITY", "CHECK", "OBJECT / EVIDENCE / FIX");
	for (i = 0; i < r->n; i++) {
		const struct audit_finding *x = v[i];

		count[x->check->severity]++;
		fprintf(f, "%-8s  %-18s  ", audit_severity_name(x->check->severity), x->check->id);
		text_where(f, x);
		fprintf(f, "\n%-30s%s\n", "", x->evidence);
		if (x->remediation[0])
			fprintf(f, "%-30sfix: %s\n", "", x->remediation);
	}
	for (i = 0; i < in->n_notes; i++)
		fprintf(f, "note: %s\n", in->notes[i]);
	fprintf(f, "%zu findings on %zu objects: %zu critical, %zu high, %zu medium, %zu low, "
		   "%zu info\n",
		r->n, r->objects, count[AUDIT_SEV_CRITICAL], count[AUDIT_SEV_HIGH],
		count[AUDIT_SEV_MEDIUM], count[AUDIT_SEV_LOW], count[AUDIT_SEV_INFO]);
	free(v);
	return ferror(f) ? -EIO : 0;
}

int audit_render(FILE *f, enum audit_format fmt, const struct audit_input *in,
		 const struct audit_report *r)
{
	char *s;
	int ret;

	if (fmt == AUDIT_FMT_TEXT)
		return render_text(f, in, r);
	s = audit_render_string(fmt, in, r);
	if (!s)
		return -ENOMEM;
	ret = fputs(s, f) < 0 || fputc('\n', f) < 0 ? -EIO : 0;
	free(s);
	return ret;
}

char *audit_render_string(enum audit_format fmt, const struct audit_input *in,
			  const struct audit_report *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	json_t *doc;

	if (fmt != AUDIT_FMT_TEXT) {
		doc = fmt == AUDIT_FMT_JSON ? audit_render_json(in, r) : audit_render_sarif(in, r);
		buf = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
		json_decref(doc);
		return buf;
	}
	f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	if (render_text(f, in, r)) {
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	return buf;
}
