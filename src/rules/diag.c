/*
 * Load and compile problems, each `file:line:col: message`. Every problem is
 * recorded (loading keeps going) so one `rules check` run shows them all.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules_internal.h"

const char *rl_file_name(const struct rl_file *f)
{
	return f ? f->name : "<rules>";
}

void rl_file_count_error(const struct rl_file *f)
{
	/* Files are owned by the engine; counting through a const pointer
	 * keeps every position (which is const) usable for reporting. */
	if (f)
		((struct rl_file *)f)->errors++;
}

void rl_diag(struct rl_diags *ds, bool error, struct rl_pos pos, const char *fmt, ...)
{
	char msg[1024];
	char *text = NULL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (pos.file && !pos.line) { /* text from elsewhere (append_output): its name only */
		if (asprintf(&text, "%s: %s%s", pos.file->name, error ? "" : "warning: ", msg) < 0)
			text = NULL;
	} else if (pos.file) {
		if (asprintf(&text, "%s:%u:%u: %s%s", pos.file->name, pos.line, pos.col,
			     error ? "" : "warning: ", msg) < 0)
			text = NULL;
	} else if (asprintf(&text, "%s%s", error ? "" : "warning: ", msg) < 0) {
		text = NULL;
	}
	if (error) {
		ds->errors++;
		rl_file_count_error(pos.file);
	}
	if (!text)
		return; /* out of memory: the error count above still refuses the load */
	if (ds->n == ds->cap) {
		size_t cap = ds->cap ? ds->cap * 2 : 16;
		struct rules_diag *d = realloc(ds->d, cap * sizeof(*d));

		if (!d) {
			free(text);
			return;
		}
		ds->d = d;
		ds->cap = cap;
	}
	ds->d[ds->n].error = error;
	ds->d[ds->n].text = text;
	ds->n++;
}

void rl_diags_release(struct rl_diags *ds)
{
	for (size_t i = 0; i < ds->n; i++)
		free((char *)ds->d[i].text);
	free(ds->d);
	memset(ds, 0, sizeof(*ds));
}

/* Levenshtein distance on short names; two rows on the stack. Stops at the
 * first row whose every entry has reached bound (the distance cannot be
 * less) and returns bound: a did-you-mean search only needs distances below
 * its best so far, and most names differ from most candidates at once. */
unsigned rl_edit_distance_below(const char *a, const char *b, unsigned bound)
{
	unsigned row0[128], row1[128];
	size_t la = strlen(a), lb = strlen(b);
	unsigned *prev = row0, *cur = row1;

	if (la >= 127 || lb >= 127)
		return 1000;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned low = cur[0] = (unsigned)i;

		for (size_t j = 1; j <= lb; j++) {
			unsigned del = prev[j] + 1, ins = cur[j - 1] + 1;
			unsigned sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			unsigned m = del < ins ? del : ins;

			cur[j] = m < sub ? m : sub;
			low = cur[j] < low ? cur[j] : low;
		}
		if (low >= bound)
			return bound;
		unsigned *t = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb];
}

unsigned rl_edit_distance(const char *a, const char *b)
{
	return rl_edit_distance_below(a, b, UINT_MAX);
}

unsigned rules_edit_distance(const char *a, const char *b)
{
	return rl_edit_distance(a, b);
}
