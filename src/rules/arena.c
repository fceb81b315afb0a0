/*
 * Arena allocation for everything a load and compile builds: rule sets are
 * built once and freed at once, so per-object ownership would only add
 * cleanup paths that can be wrong.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules_internal.h"

#define CHUNK_MIN (64 * 1024)

struct rl_arena_chunk {
	struct rl_arena_chunk *next;
	size_t used, cap;
	_Alignas(16) unsigned char data[];
};

void *rl_alloc(struct rl_arena *a, size_t size)
{
	struct rl_arena_chunk *c = a->head;

	size = (size + 15) & ~(size_t)15;
	if (!c || c->cap - c->used < size) {
		size_t cap = size > CHUNK_MIN ? size : CHUNK_MIN;
		/* A large block gets a chunk of its own behind the head, which
		 * keeps serving small blocks (its free tail is not wasted). */
		bool own = c && size > CHUNK_MIN / 4;

		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->used = 0;
		c->cap = cap;
		if (own) {
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
	}
	void *p = c->data + c->used;
	c->used += size;
	memset(p, 0, size);
	return p;
}

char *rl_strndup(struct rl_arena *a, const char *s, size_t n)
{
	char *p = rl_alloc(a, n + 1);

	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

char *rl_strdup(struct rl_arena *a, const char *s)
{
	return rl_strndup(a, s, strlen(s));
}

char *rl_sprintf(struct rl_arena *a, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	p = rl_alloc(a, (size_t)n + 1);
	if (!p)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

size_t rl_arena_bytes(const struct rl_arena *a)
{
	size_t n = 0;

	for (const struct rl_arena_chunk *c = a->head; c; c = c->next)
		n += sizeof(*c) + c->cap;
	return n;
}

void rl_arena_release(struct rl_arena *a)
{
	while (a->head) {
		struct rl_arena_chunk *next = a->head->next;

		free(a->head);
		a->head = next;
	}
}

int rl_reserve(struct rl_arena *a, void **p, size_t *cap, size_t used, size_t need, size_t size)
{
	size_t ncap = *cap ? 2 * *cap : need; /* most texts are never appended to */
	void *grown;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	grown = rl_alloc(a, ncap * size);
	if (!grown)
		return -ENOMEM;
	if (used)
		memcpy(grown, *p, used * size);
	*p = grown;
	*cap = ncap;
	return 0;
}

int rl_vec_push(struct rl_arena *a, struct rl_vec *vec, void *p)
{
	if (vec->n == vec->cap) {
		size_t cap = vec->cap ? vec->cap * 2 : 8;
		void **v = rl_alloc(a, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		if (vec->n)
			memcpy(v, vec->v, vec->n * sizeof(*v));
		vec->v = v;
		vec->cap = cap;
	}
	vec->v[vec->n++] = p;
	return 0;
}

/* FNV-1a, 64 bit: short keys (names, paths), no need for more. */
uint64_t rl_hash(const void *p, size_t len)
{
	const unsigned char *s = p;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++) {
		h ^= s[i];
		h *= 0x100000001b3ull;
	}
	return h;
}
