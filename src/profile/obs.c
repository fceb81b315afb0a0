/* The observation of one container: merged kernel sets, files, families. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "profile/profile.h"

void profile_obs_free(struct profile_obs *o)
{
	for (size_t i = 0; i < o->n_paths; i++)
		free(o->paths[i].path);
	free(o->paths);
	free(o->index);
	o->paths = NULL;
	o->index = NULL;
	o->n_paths = o->paths_cap = 0;
}

void profile_obs_merge(struct profile_obs *o, const struct learn_cgroup *seen)
{
	for (unsigned i = 0; i < LEARN_WORDS; i++) {
		o->seen.syscalls[i] |= seen->syscalls[i];
		o->seen.runtime[i] |= seen->runtime[i];
	}
	o->seen.caps_used |= seen->caps_used;
	o->seen.caps_denied |= seen->caps_denied;
	o->seen.compat_calls += seen->compat_calls;
	o->seen.other_calls += seen->other_calls;
}

static uint32_t path_hash(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

/* The index slot of path: its entry + 1, or 0 where it would go. */
static uint32_t *path_slot(struct profile_obs *o, const char *path)
{
	uint32_t i = path_hash(path) & (PROFILE_INDEX_SLOTS - 1);

	while (o->index[i] && strcmp(o->paths[o->index[i] - 1].path, path) != 0)
		i = (i + 1) & (PROFILE_INDEX_SLOTS - 1);
	return &o->index[i];
}

int profile_obs_add_path(struct profile_obs *o, const char *path, uint32_t modes)
{
	struct profile_path *n;
	uint32_t *slot;

	if (!path || path[0] != '/' || !modes)
		return 0;
	if (!o->index && !(o->index = calloc(PROFILE_INDEX_SLOTS, sizeof(*o->index))))
		return -ENOMEM;
	slot = path_slot(o, path);
	if (*slot) {
		o->paths[*slot - 1].modes |= modes;
		return 0;
	}
	if (o->n_paths >= PROFILE_PATHS_MAX) {
		o->paths_dropped++;
		return -E2BIG;
	}
	if (o->n_paths == o->paths_cap) {
		size_t cap = o->paths_cap ? o->paths_cap * 2 : 64;

		n = realloc(o->paths, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		o->paths = n;
		o->paths_cap = cap;
	}
	o->paths[o->n_paths].path = strdup(path);
	if (!o->paths[o->n_paths].path)
		return -ENOMEM;
	o->paths[o->n_paths++].modes = modes;
	*slot = (uint32_t)o->n_paths;
	return 0;
}

void profile_obs_add_socket(struct profile_obs *o, unsigned family, unsigned type)
{
	if (family >= 64)
		return;
	o->families |= 1ull << family;
	o->family_types[family] |= (uint16_t)(1u << (type & 15));
}

int profile_obs_merge_files(struct profile_obs *o, const struct profile_obs *b)
{
	int err = 0;

	for (size_t i = 0; i < b->n_paths && err != -ENOMEM; i++)
		err = profile_obs_add_path(o, b->paths[i].path, b->paths[i].modes);
	o->paths_dropped += b->paths_dropped;
	o->families |= b->families;
	for (unsigned af = 0; af < 64; af++)
		o->family_types[af] |= b->family_types[af];
	o->files_seen |= b->files_seen;
	return err == -ENOMEM ? err : 0;
}
