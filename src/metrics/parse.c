/*
 * The text exposition format, read back: `palisade status` reads the agent's
 * snapshot with it, and the tests check that what the writer produced parses.
 * Strict on what the writer must get right (names, label quoting, escapes,
 * one TYPE per family); timestamps are accepted and ignored.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/metrics.h"

static bool name_char(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
	       (!first && c >= '0' && c <= '9');
}

/* Reads a name at *p; returns a copy or NULL. */
static char *read_name(const char **p, const char *end)
{
	const char *s = *p;

	if (s >= end || !name_char(*s, true))
		return NULL;
	while (*p < end && name_char(**p, false))
		(*p)++;
	return strndup(s, (size_t)(*p - s));
}

/* Reads a quoted label value at *p (on the opening quote), unescaping it. */
static char *read_quoted(const char **p, const char *end)
{
	char *out, *o;
	const char *s = *p + 1;

	if (*p >= end || **p != '"')
		return NULL;
	out = malloc((size_t)(end - s) + 1);
	if (!out)
		return NULL;
	for (o = out; s < end && *s != '"'; s++) {
		if (*s != '\\') {
			*o++ = *s;
			continue;
		}
		if (++s == end)
			break;
		if (*s == 'n')
			*o++ = '\n';
		else if (*s == '\\' || *s == '"')
			*o++ = *s;
		else
			break; /* an unknown escape */
	}
	if (s >= end || *s != '"') {
		free(out);
		return NULL;
	}
	*o = 0;
	*p = s + 1;
	return out;
}

static void sample_release(struct metrics_parsed_sample *s)
{
	size_t i;

	free(s->name);
	for (i = 0; i < s->n_labels; i++) {
		free(s->label_names[i]);
		free(s->label_values[i]);
	}
}

static int parse_labels(const char **p, const char *end, struct metrics_parsed_sample *s)
{
	(*p)++; /* '{' */
	while (*p < end && **p != '}') {
		char *name, *value;

		if (s->n_labels == METRICS_LABELS_MAX)
			return -EINVAL;
		name = read_name(p, end);
		if (!name)
			return -EINVAL;
		s->label_names[s->n_labels] = name;
		s->label_values[s->n_labels] = NULL;
		s->n_labels++;
		if (*p >= end || **p != '=')
			return -EINVAL;
		(*p)++;
		value = read_quoted(p, end);
		if (!value)
			return -EINVAL;
		s->label_values[s->n_labels - 1] = value;
		if (*p < end && **p == ',')
			(*p)++;
		else if (*p >= end || **p != '}')
			return -EINVAL;
	}
	if (*p >= end)
		return -EINVAL;
	(*p)++;
	return 0;
}

static int parse_sample(const char *p, const char *end, struct metrics_parsed_sample *s)
{
	char num[64], *numend;
	const char *v;
	size_t n;
	int err;

	memset(s, 0, sizeof(*s));
	s->name = read_name(&p, end);
	if (!s->name)
		return -EINVAL;
	if (p < end && *p == '{') {
		err = parse_labels(&p, end, s);
		if (err)
			return err;
	}
	if (p >= end || *p != ' ')
		return -EINVAL;
	while (p < end && *p == ' ')
		p++;
	for (v = p; p < end && *p != ' '; p++)
		;
	n = (size_t)(p - v);
	if (n == 0 || n >= sizeof(num))
		return -EINVAL;
	memcpy(num, v, n);
	num[n] = 0;
	s->value = strtod(num, &numend);
	if (*numend)
		return -EINVAL;
	return 0; /* an optional timestamp may follow */
}

/* "# TYPE name type": one TYPE per family. */
static int parse_type(const char *p, const char *end, char ***seen, size_t *n_seen)
{
	char *name = read_name(&p, end), **v;
	size_t i, rest;

	if (!name || p >= end || *p != ' ') {
		free(name);
		return -EINVAL;
	}
	p++;
	rest = (size_t)(end - p);
	if (!((rest == 7 && !memcmp(p, "counter", 7)) || (rest == 5 && !memcmp(p, "gauge", 5)) ||
	      (rest == 9 && !memcmp(p, "histogram", 9)) || (rest == 7 && !memcmp(p, "summary", 7)) ||
	      (rest == 7 && !memcmp(p, "untyped", 7)))) {
		free(name);
		return -EINVAL;
	}
	for (i = 0; i < *n_seen; i++)
		if (strcmp((*seen)[i], name) == 0) {
			free(name);
			return -EINVAL;
		}
	v = realloc(*seen, (*n_seen + 1) * sizeof(*v));
	if (!v) {
		free(name);
		return -ENOMEM;
	}
	*seen = v;
	v[(*n_seen)++] = name;
	return 0;
}

int metrics_parse(const char *text, size_t len, struct metrics_parsed *out, size_t *bad_line)
{
	const char *p = text, *end = text + len;
	char **types = NULL;
	size_t n_types = 0, cap = 0, line = 0, i;
	int err = 0;

	memset(out, 0, sizeof(*out));
	while (p < end && !err) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));

		if (!eol)
			eol = end;
		line++;
		if (eol - p >= 7 && !memcmp(p, "# TYPE ", 7)) {
			err = parse_type(p + 7, eol, &types, &n_types);
		} else if (eol > p && *p != '#') {
			if (out->n_samples == cap) {
				struct metrics_parsed_sample *v;

				cap = cap ? cap * 2 : 64;
				v = realloc(out->samples, cap * sizeof(*v));
				if (!v) {
					err = -ENOMEM;
					break;
				}
				out->samples = v;
			}
			err = parse_sample(p, eol, &out->samples[out->n_samples]);
			if (err)
				sample_release(&out->samples[out->n_samples]);
			else
				out->n_samples++;
		}
		p = eol + 1;
	}
	out->n_families = n_types;
	for (i = 0; i < n_types; i++)
		free(types[i]);
	free(types);
	if (err) {
		if (bad_line)
			*bad_line = line;
		metrics_parsed_release(out);
	}
	return err;
}

void metrics_parsed_release(struct metrics_parsed *p)
{
	size_t i;

	for (i = 0; i < p->n_samples; i++)
		sample_release(&p->samples[i]);
	free(p->samples);
	memset(p, 0, sizeof(*p));
}

const char *metrics_parsed_label(const struct metrics_parsed_sample *s, const char *label)
{
	size_t i;

	for (i = 0; i < s->n_labels; i++)
		if (strcmp(s->label_names[i], label) == 0)
			return s->label_values[i];
	return NULL;
}

double metrics_parsed_sum(const struct metrics_parsed *p, const char *name, const char *label,
			  const char *value, bool *found)
{
	double sum = 0;
	bool any = false;
	size_t i;

	for (i = 0; i < p->n_samples; i++) {
		const struct metrics_parsed_sample *s = &p->samples[i];
		const char *v;

		if (strcmp(s->name, name) != 0)
			continue;
		if (label && (!(v = metrics_parsed_label(s, label)) || strcmp(v, value) != 0))
			continue;
		sum += s->value;
		any = true;
	}
	if (found)
		*found = any;
	return sum;
}
