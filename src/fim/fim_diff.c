/* The comparison of a baseline with a scan: both sorted by path, merged. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fim/fim_internal.h"

static int add(struct fim_diff *d, const struct fim_entry *old, const struct fim_entry *cur,
	       uint32_t changed, size_t *cap)
{
	if (d->n == *cap) {
		size_t n = *cap ? *cap * 2 : 64;
		struct fim_change *v = realloc(d->v, n * sizeof(*v));

		if (!v)
			return -ENOMEM;
		d->v = v;
		*cap = n;
	}
	d->v[d->n++] = (struct fim_change){ old, cur, changed };
	d->added += !old;
	d->removed += !cur;
	d->changed += old && cur;
	return 0;
}

/* The attributes that differ, of those both entries recorded. */
static uint32_t compare(const struct fim_entry *a, const struct fim_entry *b, uint32_t mask)
{
	uint32_t both = a->attrs & b->attrs & mask, changed = 0;

	/* A file that became a directory has no hash to compare; its type says it. */
	if (!fim_attr_table[FIM_A_TYPE].equal(a, b))
		both |= FIM_ATTR_BIT(FIM_A_TYPE);
	for (unsigned i = 0; i < FIM_A_COUNT; i++)
		if (both & FIM_ATTR_BIT(i) && !fim_attr_table[i].equal(a, b))
			changed |= FIM_ATTR_BIT(i);
	return changed;
}

int fim_diff(const struct fim_set *old, const struct fim_set *cur, struct fim_diff *out)
{
	size_t i = 0, j = 0, cap = 0;
	int ret = 0;
	/* Hashes by different digests cannot be compared (the report says so). */
	uint32_t mask = strcmp(old->hash_name, cur->hash_name) ? ~FIM_ATTR_BIT(FIM_A_HASH) : ~0u;

	memset(out, 0, sizeof(*out));
	while (!ret && (i < old->n || j < cur->n)) {
		int c = i == old->n ? 1 : j == cur->n ? -1 : strcmp(old->v[i].path, cur->v[j].path);
		uint32_t changed;

		if (c < 0) {
			ret = add(out, &old->v[i++], NULL, 0, &cap);
		} else if (c > 0) {
			ret = add(out, NULL, &cur->v[j++], 0, &cap);
		} else {
			changed = compare(&old->v[i], &cur->v[j], mask);
			if (changed)
				ret = add(out, &old->v[i], &cur->v[j], changed, &cap);
			i++;
			j++;
		}
	}
	if (ret)
		fim_diff_free(out);
	return ret;
}

void fim_diff_free(struct fim_diff *d)
{
	free(d->v);
	memset(d, 0, sizeof(*d));
}
