/*
 * The Prometheus text exposition format 0.0.4, written. Samples are gathered
 * per family (one memory stream each) so that collectors may add to a family
 * in any order and the output still holds each family once, in one block.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/metrics.h"

struct family {
	char *name, *help;
	enum metrics_type type;
	bool refused; /* a bad name or a type conflict: samples are dropped */
	FILE *f;      /* the samples, as text */
	char *buf;
	size_t len;
	size_t samples;
};

struct metrics_writer {
	/* Each family is its own allocation: its memory stream holds pointers
	 * to buf and len, which must not move when the array grows. */
	struct family **fams;
	size_t n, cap;
	struct family *cur; /* NULL: no valid family to write to */
	size_t errors;
};

int metrics_writer_new(struct metrics_writer **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void metrics_writer_free(struct metrics_writer *w)
{
	size_t i;

	if (!w)
		return;
	for (i = 0; i < w->n; i++) {
		fclose(w->fams[i]->f);
		free(w->fams[i]->buf);
		free(w->fams[i]->name);
		free(w->fams[i]->help);
		free(w->fams[i]);
	}
	free(w->fams);
	free(w);
}

size_t metrics_writer_errors(const struct metrics_writer *w)
{
	return w->errors;
}

static bool valid_name(const char *s, bool colon_ok)
{
	const char *p;

	if (!s || !*s || (*s >= '0' && *s <= '9'))
		return false;
	for (p = s; *p; p++) {
		char c = *p;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || (colon_ok && c == ':')))
			return false;
	}
	/* Label names starting with "__" are reserved for Prometheus itself. */
	return colon_ok || strncmp(s, "__", 2) != 0;
}

static struct family *find_family(struct metrics_writer *w, const char *name)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		if (strcmp(w->fams[i]->name, name) == 0)
			return w->fams[i];
	return NULL;
}

static struct family *add_family(struct metrics_writer *w, const char *name,
				 enum metrics_type type, const char *help)
{
	struct family *f;

	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 32;
		struct family **v = realloc(w->fams, cap * sizeof(*v));

		if (!v)
			return NULL;
		w->fams = v;
		w->cap = cap;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->type = type;
	f->name = strdup(name);
	f->help = strdup(help ? help : "");
	if (f->name && f->help)
		f->f = open_memstream(&f->buf, &f->len);
	if (!f->f) {
		free(f->name);
		free(f->help);
		free(f);
		return NULL;
	}
	w->fams[w->n++] = f;
	return f;
}

void metrics_family(struct metrics_writer *w, const char *name, enum metrics_type type,
		    const char *help)
{
	struct family *f;

	w->cur = NULL;
	if (!valid_name(name, true)) {
		w->errors++;
		return;
	}
	f = find_family(w, name);
	if (f && f->type != type) {
		/* Two collectors disagree: keep the first, refuse the other's samples. */
		w->errors++;
		return;
	}
	if (!f)
		f = add_family(w, name, type, help);
	if (!f) {
		w->errors++;
		return;
	}
	w->cur = f;
}

/* Label values escape backslash, double quote and line feed; HELP text
 * escapes backslash and line feed only. */
static void write_escaped(FILE *f, const char *v, bool quote)
{
	for (; *v; v++) {
		if (*v == '\\')
			fputs("\\\\", f);
		else if (*v == '"' && quote)
			fputs("\\\"", f);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

/* The shortest text that reads back as exactly v (15 digits usually do). */
static const char *shortest_double(double v, char *buf, size_t size)
{
	snprintf(buf, size, "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, size, "%.17g", v);
	return buf;
}

static void write_value(FILE *f, double v)
{
	char buf[32];

	if (isnan(v))
		fputs("NaN", f);
	else if (isinf(v))
		fputs(v > 0 ? "+Inf" : "-Inf", f);
	else if (v == floor(v) && fabs(v) < 9007199254740992.0) /* exact integers */
		fprintf(f, "%.0f", v);
	else
		fputs(shortest_double(v, buf, sizeof(buf)), f);
}

void metrics_sample_labels(struct metrics_writer *w, double value, size_t n,
			   const char *const *names, const char *const *values)
{
	struct family *fam = w->cur;
	size_t i, j;

	if (!fam)
		return; /* the family was refused and counted */
	for (i = 0; i < n; i++) {
		if (!valid_name(names[i], false) || !values[i]) {
			w->errors++;
			return;
		}
		for (j = 0; j < i; j++)
			if (strcmp(names[i], names[j]) == 0) {
				w->errors++;
				return;
			}
	}
	fputs(fam->name, fam->f);
	if (n) {
		fputc('{', fam->f);
		for (i = 0; i < n; i++) {
			fprintf(fam->f, "%s%s=\"", i ? "," : "", names[i]);
			write_escaped(fam->f, values[i], true);
			fputc('"', fam->f);
		}
		fputc('}', fam->f);
	}
	fputc(' ', fam->f);
	write_value(fam->f, value);
	fputc('\n', fam->f);
	fam->samples++;
}

void metrics_sample_list(struct metrics_writer *w, double value, ...)
{
	const char *names[METRICS_LABELS_MAX], *values[METRICS_LABELS_MAX];
	const char *name;
	size_t n = 0;
	va_list ap;

	va_start(ap, value);
	while ((name = va_arg(ap, const char *)) != NULL) {
		if (n == METRICS_LABELS_MAX) {
			va_end(ap);
			w->errors++;
			return;
		}
		names[n] = name;
		values[n++] = va_arg(ap, const char *);
	}
	va_end(ap);
	metrics_sample_labels(w, value, n, names, values);
}

char *metrics_writer_render(struct metrics_writer *w, size_t *len)
{
	char *buf = NULL;
	size_t i, n = 0;
	FILE *out = open_memstream(&buf, &n);
	bool failed = false;

	if (!out)
		return NULL;
	for (i = 0; i < w->n; i++) {
		struct family *f = w->fams[i];

		if (fflush(f->f) != 0)
			failed = true;
		if (!f->samples)
			continue;
		fprintf(out, "# HELP %s ", f->name);
		write_escaped(out, f->help, false);
		fprintf(out, "\n# TYPE %s %s\n", f->name,
			f->type == METRICS_COUNTER ? "counter" : "gauge");
		fwrite(f->buf, 1, f->len, out);
	}
	if (fclose(out) != 0 || failed) {
		free(buf);
		return NULL;
	}
	if (len)
		*len = n;
	return buf;
}
