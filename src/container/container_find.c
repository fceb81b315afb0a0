/*
 * A container by what an operator types: its name, its full id, or a prefix
 * of its id (at least 4 characters, as `docker` takes them), for commands
 * that reach the running agent (`palisade isolate`).
 */
#include <stdio.h>
#include <string.h>

#include "container/internal.h"

/* What a lookup returns for the slot: a cgroup's copy when it has one. */
static const struct container_info *published(const struct container_slot *slot)
{
	return slot->views && slot->views->info ? slot->views->info : slot->meta;
}

const struct container_info *container_store_find(struct container_store *s, const char *query,
						  char *why, size_t why_len)
{
	const struct container_info *hit = NULL, *by_name = NULL;
	size_t qlen = strlen(query), hits = 0;

	if (!s || !qlen) {
		snprintf(why, why_len, "no container given");
		return NULL;
	}
	pthread_mutex_lock(&s->lock);
	for (size_t b = 0; b < s->slot_nbuckets; b++)
		for (struct container_slot *slot = s->slot_buckets[b]; slot; slot = slot->hash_next) {
			if (slot->remove_at_ms)
				continue; /* destroyed, kept only for its last events */
			if (slot->meta->name && !strcmp(slot->meta->name, query))
				by_name = published(slot);
			if (qlen >= 4 && !strncmp(slot->id, query, qlen)) {
				hit = published(slot);
				hits++;
			}
		}
	pthread_mutex_unlock(&s->lock);
	if (by_name)
		return by_name;
	if (hits == 1)
		return hit;
	snprintf(why, why_len, hits ? "'%s' is the start of several container ids: give more of it"
				    : "no running container is named '%s' (a name, an id, or 4+ "
				      "characters of an id)", query);
	return NULL;
}
