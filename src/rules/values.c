/*
 * Right-hand values compiled once: typed constants, string hash sets for
 * `in`/`intersects`, and path prefix sets for `pmatch` (exact prefixes in a
 * hash set probed at each '/' of the path, glob prefixes matched per
 * component).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules_internal.h"

struct set_entry {
	uint64_t h;
	const char *s;
	size_t len;
};

struct rl_strset {
	struct set_entry *e;
	size_t cap, n; /* cap: power of two, at least twice n */
};

struct rl_strset *rl_strset_new(struct rl_arena *a, size_t n)
{
	struct rl_strset *s = rl_alloc(a, sizeof(*s));
	size_t cap = 16;

	while (cap < 2 * n + 2)
		cap *= 2;
	if (!s)
		return NULL;
	s->e = rl_alloc(a, cap * sizeof(*s->e));
	s->cap = cap;
	return s->e ? s : NULL;
}

int rl_strset_add(struct rl_arena *a, struct rl_strset *s, const char *str, size_t len)
{
	uint64_t h = rl_hash(str, len);
	size_t i = h & (s->cap - 1);

	if (2 * (s->n + 1) > s->cap)
		return -ENOSPC; /* sized by rl_strset_new: a caller bug */
	while (s->e[i].s) {
		if (s->e[i].h == h && s->e[i].len == len && !memcmp(s->e[i].s, str, len))
			return 0;
		i = (i + 1) & (s->cap - 1);
	}
	s->e[i].s = rl_strndup(a, str, len);
	if (!s->e[i].s)
		return -ENOMEM;
	s->e[i].h = h;
	s->e[i].len = len;
	s->n++;
	return 0;
}

bool rl_strset_has(const struct rl_strset *s, const char *str, size_t len)
{
	uint64_t h = rl_hash(str, len);
	size_t i = h & (s->cap - 1);

	while (s->e[i].s) {
		if (s->e[i].h == h && s->e[i].len == len && !memcmp(s->e[i].s, str, len))
			return true;
		i = (i + 1) & (s->cap - 1);
	}
	return false;
}

int rl_strset_put(struct rl_arena *a, struct rl_strset **s, const char *str, size_t len)
{
	if (!*s || 2 * ((*s)->n + 1) > (*s)->cap) {
		struct rl_strset *n = rl_strset_new(a, *s ? 2 * (*s)->n : 64);

		if (!n)
			return -ENOMEM;
		for (size_t i = 0; *s && i < (*s)->cap; i++)
			if ((*s)->e[i].s && rl_strset_add(a, n, (*s)->e[i].s, (*s)->e[i].len))
				return -ENOMEM;
		*s = n;
	}
	return rl_strset_add(a, *s, str, len);
}

bool rl_strset_equal(const struct rl_strset *a, const struct rl_strset *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->cap; i++)
		if (a->e[i].s && !rl_strset_has(b, a->e[i].s, a->e[i].len))
			return false;
	return true;
}

size_t rl_strset_items(const struct rl_strset *s, const char **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < s->cap; i++)
		if (s->e[i].s && n < max)
			out[n++] = s->e[i].s;
	return s->n;
}

struct rl_pathset {
	struct rl_strset *exact;
	const char **globs;
	size_t n_globs;
	bool root; /* "/" is a prefix of every absolute path */
};

struct rl_pathset *rl_pathset_new(struct rl_arena *a, size_t n)
{
	struct rl_pathset *p = rl_alloc(a, sizeof(*p));

	if (!p)
		return NULL;
	p->exact = rl_strset_new(a, n);
	p->globs = rl_alloc(a, (n + 1) * sizeof(*p->globs));
	return p->exact && p->globs ? p : NULL;
}

void rl_pathset_foreach(const struct rl_pathset *p, void (*fn)(const char *path, bool glob, void *ctx),
			void *ctx)
{
	if (p->root)
		fn("/", false, ctx);
	for (size_t i = 0; i < p->exact->cap; i++)
		if (p->exact->e[i].s)
			fn(p->exact->e[i].s, false, ctx);
	for (size_t g = 0; g < p->n_globs; g++)
		fn(p->globs[g], true, ctx);
}

int rl_pathset_add(struct rl_arena *a, struct rl_pathset *p, const char *path)
{
	size_t len = strlen(path);

	while (len > 1 && path[len - 1] == '/')
		len--;
	if (len == 1 && path[0] == '/') {
		p->root = true;
		return 0;
	}
	if (strpbrk(path, "*?[")) {
		p->globs[p->n_globs] = rl_strndup(a, path, len);
		return p->globs[p->n_globs++] ? 0 : -ENOMEM;
	}
	return rl_strset_add(a, p->exact, path, len);
}

/* True when some prefix of path, ending at a component boundary, is in p. */
bool rl_pathset_plain(const struct rl_pathset *p, const struct rl_strset **exact)
{
	*exact = p->exact;
	return !p->root && !p->n_globs;
}

bool rl_pathset_match(const struct rl_pathset *p, const char *path, size_t len)
{
	char tmp[4096];

	if (p->root && len && path[0] == '/')
		return true;
	for (size_t i = 1; i <= len; i++) {
		if (i != len && path[i] != '/')
			continue;
		if (rl_strset_has(p->exact, path, i))
			return true;
		if (p->n_globs && i < sizeof(tmp)) {
			memcpy(tmp, path, i);
			tmp[i] = '\0';
			for (size_t g = 0; g < p->n_globs; g++)
				if (!fnmatch(p->globs[g], tmp, FNM_PATHNAME))
					return true;
		}
	}
	return false;
}

int rl_value_parse(struct rl_arena *a, enum rl_ftype t, const char *s, struct rl_value *out,
		   const char **why)
{
	char *end;

	memset(out, 0, sizeof(*out));
	out->t = t;
	switch (t) {
	case FT_STR:
	case FT_BYTES:
		out->s = rl_strdup(a, s);
		out->len = strlen(s);
		return out->s ? 0 : -ENOMEM;
	case FT_INT:
		errno = 0;
		out->i = strtoll(s, &end, 0);
		if (!*s || *end || errno) {
			*why = "expected a number";
			return -EINVAL;
		}
		return 0;
	case FT_UINT:
	case FT_ABSTIME:
	case FT_RELTIME:
		errno = 0;
		if (s[0] == '-') {
			*why = "expected a non-negative number";
			return -EINVAL;
		}
		out->u = strtoull(s, &end, 0);
		if (!*s || *end || errno) {
			*why = "expected a number";
			return -EINVAL;
		}
		return 0;
	case FT_BOOL:
		if (!strcmp(s, "true"))
			out->u = 1;
		else if (!strcmp(s, "false"))
			out->u = 0;
		else {
			*why = "expected true or false";
			return -EINVAL;
		}
		return 0;
	case FT_IPADDR:
	case FT_IPNET: {
		char addr[64];
		const char *slash = strchr(s, '/');
		size_t alen = slash ? (size_t)(slash - s) : strlen(s);
		unsigned long prefix;

		if (alen >= sizeof(addr)) {
			*why = "expected an IP address";
			return -EINVAL;
		}
		memcpy(addr, s, alen);
		addr[alen] = '\0';
		if (inet_pton(AF_INET, addr, out->ip) == 1)
			out->ip_len = 4;
		else if (inet_pton(AF_INET6, addr, out->ip) == 1)
			out->ip_len = 16;
		else {
			*why = t == FT_IPNET ? "expected a network (10.0.0.0/8)" : "expected an IP address";
			return -EINVAL;
		}
		out->prefix = (uint8_t)(out->ip_len * 8);
		if (slash) {
			prefix = strtoul(slash + 1, &end, 10);
			if (*end || prefix > out->prefix) {
				*why = "bad network prefix length";
				return -EINVAL;
			}
			out->prefix = (uint8_t)prefix;
		}
		return 0;
	}
	}
	*why = "unsupported type";
	return -EINVAL;
}

int rl_strset_foreach(const struct rl_strset *s, int (*fn)(const char *str, size_t len, void *ctx),
		      void *ctx)
{
	for (size_t i = 0; i < s->cap; i++) {
		int ret = s->e[i].s ? fn(s->e[i].s, s->e[i].len, ctx) : 0;

		if (ret)
			return ret;
	}
	return 0;
}

