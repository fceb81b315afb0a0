/*
 * The pre-filter's first-component index (struct pf_top_key, bpf/events.h):
 * from the kept entries, the set of first components per id byte, so the
 * kernel can drop an open whose first component no entry has with one hash
 * lookup instead of the longest-prefix match. It never changes a decision:
 * an entry can match a path only if both have the same first component.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <bpf/bpf.h>

#include "sensor/internal.h"

/* The first component of an entry, from its key form ("\0cte\0..." for
 * "/etc/..."): false when the entry keeps every path (the prefix "/"). */
static bool entry_top(const struct pf_entry *e, struct pf_top_key *out, bool *too_long)
{
	size_t len = e->val.len, j = 1;

	*too_long = false;
	if (len == 0 || (len == 1 && (e->val.flags & PF_KEEP_PREFIX)))
		return false;
	while (j < len && e->key.path[j])
		j++;
	memset(out, 0, sizeof(*out));
	out->id = e->key.id;
	if (j - 1 > PF_TOP_MAX) {
		*too_long = true; /* such paths skip the test: no entry needed */
		return true;
	}
	out->len = (uint8_t)(j - 1);
	for (size_t i = 1; i < j; i++)
		out->name[j - 1 - i] = (char)e->key.path[i];
	return true;
}

int sensor_prefilter_tops(struct syscall_bpf *sc, const struct pf_entry *e, size_t n)
{
	bool seen[256] = { false }, off[256] = { false };
	uint8_t one = 1;

	for (size_t i = 0; i < n; i++) {
		struct pf_top_key k;
		bool too_long;

		seen[e[i].key.id] = true;
		if (!entry_top(&e[i], &k, &too_long)) {
			off[e[i].key.id] = true;
			continue;
		}
		if (!too_long && bpf_map_update_elem(bpf_map__fd(sc->maps.pf_tops), &k, &one,
						     BPF_ANY))
			off[e[i].key.id] = true; /* map full: that id keeps the slower test */
	}
	for (uint32_t id = 0; id < 256; id++) {
		if (!seen[id] || off[id])
			continue;
		if (bpf_map_update_elem(bpf_map__fd(sc->maps.pf_top_on), &id, &one, BPF_ANY))
			return -errno;
	}
	return 0;
}

int sensor_prefilter_tops_off(struct syscall_bpf *sc)
{
	uint8_t zero = 0;

	for (uint32_t id = 0; id < 256; id++)
		if (bpf_map_update_elem(bpf_map__fd(sc->maps.pf_top_on), &id, &zero, BPF_ANY))
			return -errno;
	return 0;
}

int sensor_prefilter_raws_off(struct syscall_bpf *sc)
{
	struct pf_raw_key none = { 0 };
	struct pf_raw_span no_span = { 0, 0 };

	/* The spans first: no class consults the pieces while they change. */
	for (uint32_t i = 0; i < PF_IDS; i++)
		if (bpf_map_update_elem(bpf_map__fd(sc->maps.pf_raw_spans), &i, &no_span, BPF_ANY))
			return -errno;
	for (uint32_t i = 0; i < PF_RAWS_MAX; i++)
		if (bpf_map_update_elem(bpf_map__fd(sc->maps.pf_raws), &i, &none, BPF_ANY))
			return -errno;
	return 0;
}
