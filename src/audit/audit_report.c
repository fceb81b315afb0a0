/*
 * Running the table: every row on every subject of its kind, each finding
 * with its object, evidence, remediation for the subject's source and, for
 * files, the line and column of the key that caused it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/internal.h"

static const char *const severity_names[] = { "info", "low", "medium", "high", "critical" };
static const char *const kind_names[] = { "host", "daemon", "image", "container" };

const char *audit_severity_name(enum audit_severity s)
{
	return (unsigned)s < 5 ? severity_names[s] : "?";
}

int audit_severity_parse(const char *s, enum audit_severity *out)
{
	unsigned i;

	for (i = 0; i < 5; i++)
		if (strcmp(s, severity_names[i]) == 0) {
			*out = (enum audit_severity)i;
			return 0;
		}
	return -EINVAL;
}

const char *audit_kind_name(enum audit_kind k)
{
	return (unsigned)k < 4 ? kind_names[k] : "?";
}

const struct audit_loc *audit_field_loc(const struct audit_workload *w, enum audit_field f)
{
	return w->at[f].file ? &w->at[f] : &w->at[AUDIT_F_ENTRY];
}

static void object_of(const struct audit_subject *s, const char **name, const char **id,
		      enum audit_source *src)
{
	*name = "";
	*id = "";
	*src = AUDIT_SRC_ENGINE;
	switch (s->kind) {
	case AUDIT_KIND_HOST:
		*name = "host";
		break;
	case AUDIT_KIND_DAEMON:
		*name = "daemon";
		break;
	case AUDIT_KIND_IMAGE:
		*name = s->image->name;
		*id = s->image->id;
		break;
	case AUDIT_KIND_CONTAINER:
		*name = s->w->name;
		*id = s->w->id;
		*src = s->w->source;
		break;
	}
}

void audit_emit(struct audit_emit *e, const struct audit_loc *loc, const char *fmt, ...)
{
	struct audit_report *r = e->r;
	struct audit_finding *f;
	const char *name, *id;
	enum audit_source src;
	va_list ap;
	int n;

	if (e->err)
		return;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;

		f = realloc(r->findings, cap * sizeof(*f));
		if (!f) {
			e->err = -ENOMEM;
			return;
		}
		r->findings = f;
		r->cap = cap;
	}
	f = &r->findings[r->n];
	memset(f, 0, sizeof(*f));
	object_of(e->s, &name, &id, &src);
	f->check = e->check;
	f->source = src;
	f->remediation = e->check->remedy[src] ? e->check->remedy[src] : "";
	f->loc = *loc;
	f->object = strdup(name);
	f->object_id = strdup(id);
	va_start(ap, fmt);
	n = vasprintf(&f->evidence, fmt, ap);
	va_end(ap);
	if (n < 0)
		f->evidence = NULL;
	if (!f->object || !f->object_id || !f->evidence) {
		free(f->object);
		free(f->object_id);
		free(f->evidence);
		e->err = -ENOMEM;
		return;
	}
	r->n++;
}

/* The rows of s's kind that apply to its source. */
static int run_subject(const struct audit_subject *s, struct audit_report *r)
{
	struct audit_emit e = { .r = r, .s = s };
	enum audit_source src = s->kind == AUDIT_KIND_CONTAINER ? s->w->source : AUDIT_SRC_ENGINE;
	size_t i;

	r->objects++;
	for (i = 0; i < audit_n_checks && !e.err; i++) {
		if (audit_checks[i].kind != s->kind || !audit_checks[i].remedy[src])
			continue;
		e.check = &audit_checks[i];
		audit_checks[i].check(s, &e);
	}
	return e.err;
}

int audit_run(const struct audit_input *in, struct audit_report *out)
{
	struct audit_subject s = { .in = in, .host = in->host, .daemon = in->daemon };
	size_t i;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	if (in->host) {
		s.kind = AUDIT_KIND_HOST;
		ret = run_subject(&s, out);
	}
	if (!ret && in->daemon && in->daemon->reachable) {
		s.kind = AUDIT_KIND_DAEMON;
		ret = run_subject(&s, out);
	}
	for (i = 0; !ret && i < in->n_images; i++) {
		s.kind = AUDIT_KIND_IMAGE;
		s.image = &in->images[i];
		ret = run_subject(&s, out);
	}
	s.image = NULL;
	for (i = 0; !ret && i < in->n_workloads; i++) {
		s.kind = AUDIT_KIND_CONTAINER;
		s.w = &in->workloads[i];
		ret = run_subject(&s, out);
	}
	if (ret)
		audit_report_release(out);
	return ret;
}

void audit_report_release(struct audit_report *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->findings[i].object);
		free(r->findings[i].object_id);
		free(r->findings[i].evidence);
	}
	free(r->findings);
	memset(r, 0, sizeof(*r));
}

int audit_report_max_severity(const struct audit_report *r)
{
	int max = -1;
	size_t i;

	for (i = 0; i < r->n; i++)
		if ((int)r->findings[i].check->severity > max)
			max = (int)r->findings[i].check->severity;
	return max;
}

void audit_input_release(struct audit_input *in)
{
	size_t i;

	if (in->host) {
		audit_host_release(in->host);
		free(in->host);
	}
	if (in->daemon) {
		audit_daemon_release(in->daemon);
		free(in->daemon);
	}
	for (i = 0; i < in->n_images; i++)
		audit_image_release(&in->images[i]);
	free(in->images);
	for (i = 0; i < in->n_workloads; i++)
		audit_workload_release(&in->workloads[i]);
	free(in->workloads);
	audit_strv_free(in->notes, in->n_notes);
	audit_strv_free(in->files, in->n_files);
	memset(in, 0, sizeof(*in));
}
