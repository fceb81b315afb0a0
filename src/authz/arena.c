/*
 * A bump allocator for one decoded request: everything it holds is freed at
 * once, and its total is bounded (a request cannot make the gate allocate
 * without limit).
 */
#include <stdlib.h>
#include <string.h>

#include "authz/internal.h"

struct az_chunk {
	struct az_chunk *next;
	size_t cap, used;
	_Alignas(16) unsigned char data[];
};

#define CHUNK_MIN (16u << 10)

void *az_alloc(struct az_arena *a, size_t n)
{
	struct az_chunk *c = a->head;
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (n > AZ_ARENA_MAX || a->used + n > AZ_ARENA_MAX)
		return NULL;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > CHUNK_MIN ? n : CHUNK_MIN;

		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->next = a->head;
		c->cap = cap;
		c->used = 0;
		a->head = c;
	}
	p = c->data + c->used;
	c->used += n;
	a->used += n;
	memset(p, 0, n);
	return p;
}

char *az_strndup(struct az_arena *a, const char *s, size_t n)
{
	char *d = az_alloc(a, n + 1);

	if (d)
		memcpy(d, s, n);
	return d;
}

void az_arena_release(struct az_arena *a)
{
	while (a->head) {
		struct az_chunk *next = a->head->next;

		free(a->head);
		a->head = next;
	}
	a->used = 0;
}
