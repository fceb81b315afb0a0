/*
 * The AppArmor file rules of an observation: its paths with their modes,
 * collapsed into globs by two stated rules (PROFILE_GLOB_RULES), the
 * sensitive paths denied unless used, and a matcher for the globs this file
 * writes, so that what the rules cover is checked, not assumed
 * (profile_aa_covers: `profile learn` checks every path seen, `profile
 * check` every path of a recording).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "profile/profile.h"

#define COLLAPSE_MIN 4 /* files of one directory with the same modes -> one glob per directory */

/* The seed's sensitive paths: denied unless the workload used them so. */
static const struct profile_aa_deny denies[] = {
	{ "/etc/shadow", PROFILE_R },
	{ "/proc/sys/**", PROFILE_W },
	{ "/sys/**", PROFILE_W },
};

const struct profile_aa_deny *profile_aa_denies(size_t *n)
{
	*n = sizeof(denies) / sizeof(denies[0]);
	return denies;
}

/* ---- matching ------------------------------------------------------------ */

/* A class "[0-9]" or "[abc]" at g (after '['): whether c is in it; *end past ']'. */
static bool class_match(const char *g, char c, const char **end)
{
	bool in = false;

	for (; *g && *g != ']'; g++) {
		if (g[1] == '-' && g[2] && g[2] != ']') {
			in |= c >= g[0] && c <= g[2];
			g += 2;
		} else {
			in |= c == *g;
		}
	}
	*end = *g ? g + 1 : g;
	return in;
}

/* AppArmor's globbing as this file writes it: '*' (within a component),
 * '**' (across components), '[...]' classes, '\' escapes. A star tries
 * each length; the globs written here hold few stars, the input is bounded. */
bool profile_aa_glob_match(const char *g, const char *s)
{
	for (;;) {
		const char *end;

		if (*g == '\0')
			return *s == '\0';
		if (g[0] == '*') {
			bool deep = g[1] == '*';
			const char *rest = g + (deep ? 2 : 1);

			for (const char *t = s;; t++) {
				if (profile_aa_glob_match(rest, t))
					return true;
				if (*t == '\0' || (!deep && *t == '/'))
					return false;
			}
		}
		if (*s == '\0')
			return false;
		if (g[0] == '[') {
			if (!class_match(g + 1, *s, &end))
				return false;
			g = end;
		} else {
			if (g[0] == '\\' && g[1])
				g++;
			if (*g != *s)
				return false;
			g++;
		}
		s++;
	}
}

uint32_t profile_aa_allowed(const struct profile_aa_rules *r, const char *path)
{
	uint32_t m = 0;

	for (size_t i = 0; i < r->n; i++)
		if (profile_aa_glob_match(r->v[i].glob, path))
			m |= r->v[i].modes;
	for (size_t i = 0; i < r->n_deny; i++)
		if (profile_aa_glob_match(r->deny[i]->glob, path))
			m &= ~r->deny[i]->modes;
	return m;
}

/* ---- building ------------------------------------------------------------ */

/* Glob characters and quotes in a path are escaped; control characters
 * cannot be written in a rule at all (-EINVAL). */
static int escape(const char *p, char *out, size_t size)
{
	size_t n = 0;

	for (; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return -EINVAL;
		if (strchr("*?[]{}^\\\"@", *p) && n + 1 < size)
			out[n++] = '\\';
		if (n + 1 >= size)
			return -ENAMETOOLONG;
		out[n++] = *p;
	}
	out[n] = '\0';
	return 0;
}

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return n > 0;
}

/* Rule 1: a numeric component under /proc becomes [0-9]* (pids differ every run). */
static int generalize(const char *path, char *out, size_t size)
{
	char esc[EV_PATH_MAX * 2 + 8];
	size_t n = 0;
	bool proc = !strncmp(path, "/proc/", 6);
	int err = escape(path, esc, sizeof(esc));

	if (err)
		return err;
	for (const char *p = esc; *p;) {
		size_t len = strcspn(p + 1, "/") + 1; /* "/comp" */
		bool num = proc && all_digits(p + 1, len - 1);

		if (n + (num ? 7 : len) >= size)
			return -ENAMETOOLONG;
		memcpy(out + n, num ? "/[0-9]*" : p, num ? 7 : len);
		n += num ? 7 : len;
		p += len;
	}
	out[n] = '\0';
	return 0;
}

static int push(struct profile_aa_rules *r, const char *glob, uint32_t modes)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->v[i].glob, glob)) {
			r->v[i].modes |= modes;
			return 0;
		}
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct profile_aa_rule *v = realloc(r->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		r->v = v;
		r->cap = cap;
	}
	if (!(r->v[r->n].glob = strdup(glob)))
		return -ENOMEM;
	r->v[r->n++].modes = modes;
	return 0;
}

/* The directory part of a generalized file path ("/a/b/" of "/a/b/c"). */
static size_t dir_len(const char *g)
{
	return (size_t)(strrchr(g, '/') - g) + 1;
}

/* Rule 2: COLLAPSE_MIN or more files of one directory with the same modes
 * become one rule, the directory and a star, with those modes. Directories ("x/") stay as they are. */
static int collapse(struct profile_aa_rules *r)
{
	struct profile_aa_rules out = { 0 };
	bool *done = calloc(r->n ? r->n : 1, sizeof(*done));
	int err = done ? 0 : -ENOMEM;

	for (size_t i = 0; !err && i < r->n; i++) {
		const char *g = r->v[i].glob;
		size_t dl = dir_len(g), same = 0;
		char glob[EV_PATH_MAX * 2 + 16];
		bool file = g[strlen(g) - 1] != '/';

		if (done[i])
			continue;
		for (size_t j = i; file && j < r->n; j++)
			same += !done[j] && r->v[j].modes == r->v[i].modes && dir_len(r->v[j].glob) ==
				dl && !strncmp(r->v[j].glob, g, dl) &&
				r->v[j].glob[strlen(r->v[j].glob) - 1] != '/';
		if (same < COLLAPSE_MIN || dl + 2 >= sizeof(glob)) {
			err = push(&out, g, r->v[i].modes);
			continue;
		}
		snprintf(glob, sizeof(glob), "%.*s*", (int)dl, g);
		for (size_t j = i; j < r->n; j++)
			if (r->v[j].modes == r->v[i].modes && dir_len(r->v[j].glob) == dl &&
			    !strncmp(r->v[j].glob, g, dl) &&
			    r->v[j].glob[strlen(r->v[j].glob) - 1] != '/')
				done[j] = true;
		err = push(&out, glob, r->v[i].modes);
		out.collapsed += same;
	}
	free(done);
	if (err) {
		profile_aa_rules_free(&out);
		return err;
	}
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].glob);
	free(r->v);
	r->v = out.v;
	r->n = out.n;
	r->cap = out.cap;
	r->collapsed = out.collapsed;
	return 0;
}

static int by_glob(const void *a, const void *b)
{
	return strcmp(((const struct profile_aa_rule *)a)->glob,
		      ((const struct profile_aa_rule *)b)->glob);
}

int profile_aa_rules_build(const struct profile_obs *o, struct profile_aa_rules *r)
{
	char g[EV_PATH_MAX * 2 + 8];
	int err = 0;

	memset(r, 0, sizeof(*r));
	for (size_t i = 0; !err && i < o->n_paths; i++) {
		err = generalize(o->paths[i].path, g, sizeof(g));
		if (err == -EINVAL || err == -ENAMETOOLONG) {
			r->unwritable++;
			err = 0;
			continue;
		}
		err = err ?: push(r, g, o->paths[i].modes);
	}
	if (!err && r->n)
		qsort(r->v, r->n, sizeof(*r->v), by_glob);
	err = err ?: collapse(r);
	/* A sensitive path is denied unless the workload used it so. */
	for (size_t i = 0; !err && i < sizeof(denies) / sizeof(denies[0]); i++) {
		bool used = false;

		for (size_t j = 0; j < o->n_paths && !used; j++)
			used = (o->paths[j].modes & denies[i].modes) &&
			       profile_aa_glob_match(denies[i].glob, o->paths[j].path);
		if (used)
			r->deny_skipped[r->n_skipped++] = &denies[i];
		else
			r->deny[r->n_deny++] = &denies[i];
	}
	if (err)
		profile_aa_rules_free(r);
	return err;
}

void profile_aa_rules_free(struct profile_aa_rules *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].glob);
	free(r->v);
	memset(r, 0, sizeof(*r));
}
