/*
 * The per-container rings: each container's last records, as they came from
 * the kernel, in a byte ring of fixed size (u32 length, then the record; the
 * oldest give way). Allocated when a container first writes; at most `max`
 * rings, the one written least recently gives way to a new container.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "events.h"

struct ring {
	uint64_t cgroup_id; /* 0: free slot */
	uint64_t last_use;  /* the rings' append counter when last written */
	uint64_t lost;      /* records let go */
	size_t head, used;  /* oldest byte, bytes in use */
	uint8_t *buf;
};

struct capture_rings {
	size_t bytes, max;
	uint64_t appends, too_large, evicted;
	struct ring *r;
};

int capture_rings_new(size_t bytes, size_t max, struct capture_rings **out)
{
	struct capture_rings *rs = calloc(1, sizeof(*rs));

	*out = NULL;
	if (!rs || !(rs->r = calloc(max ? max : 1, sizeof(*rs->r)))) {
		free(rs);
		return -ENOMEM;
	}
	rs->bytes = bytes;
	rs->max = max ? max : 1;
	*out = rs;
	return 0;
}

void capture_rings_free(struct capture_rings *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->max; i++)
		free(rs->r[i].buf);
	free(rs->r);
	free(rs);
}

/* The ring of cgroup_id, or a new one (a free slot, or the least recent). */
static struct ring *ring_for(struct capture_rings *rs, uint64_t cgroup_id)
{
	struct ring *victim = NULL;

	for (size_t i = 0; i < rs->max; i++) {
		struct ring *g = &rs->r[i];

		if (g->cgroup_id == cgroup_id)
			return g;
		if (!victim || (victim->cgroup_id && (!g->cgroup_id || g->last_use < victim->last_use)))
			victim = g;
	}
	if (!victim || (!victim->buf && !(victim->buf = malloc(rs->bytes))))
		return NULL;
	if (victim->cgroup_id)
		rs->evicted++;
	victim->cgroup_id = cgroup_id;
	victim->head = victim->used = 0;
	victim->lost = 0;
	return victim;
}

static void ring_copy_in(struct ring *g, size_t cap, size_t at, const void *src, size_t len)
{
	size_t first = len < cap - at ? len : cap - at;

	memcpy(g->buf + at, src, first);
	memcpy(g->buf, (const uint8_t *)src + first, len - first);
}

static void ring_copy_out(const struct ring *g, size_t cap, size_t at, void *dst, size_t len)
{
	size_t first = len < cap - at ? len : cap - at;

	memcpy(dst, g->buf + at, first);
	memcpy((uint8_t *)dst + first, g->buf, len - first);
}

/* Lets the oldest record go. */
static void ring_drop(struct ring *g, size_t cap)
{
	uint32_t len;

	ring_copy_out(g, cap, g->head, &len, sizeof(len));
	g->head = (g->head + sizeof(len) + len) % cap;
	g->used -= sizeof(len) + len;
	g->lost++;
}

void capture_rings_append(struct capture_rings *rs, const void *rec, size_t len)
{
	const struct ev_header *h = rec;
	uint32_t l32 = (uint32_t)len;
	struct ring *g;

	if (len < sizeof(*h) || !h->cgroup_id)
		return;
	if (len + sizeof(l32) > rs->bytes) {
		rs->too_large++;
		return;
	}
	g = ring_for(rs, h->cgroup_id);
	if (!g)
		return;
	while (rs->bytes - g->used < len + sizeof(l32))
		ring_drop(g, rs->bytes);
	ring_copy_in(g, rs->bytes, (g->head + g->used) % rs->bytes, &l32, sizeof(l32));
	ring_copy_in(g, rs->bytes, (g->head + g->used + sizeof(l32)) % rs->bytes, rec, len);
	g->used += len + sizeof(l32);
	g->last_use = ++rs->appends;
}

int capture_rings_window(const struct capture_rings *rs, uint64_t cgroup_id, uint64_t since_ns,
			 void **buf, size_t *len, size_t *n, uint64_t *lost)
{
	const struct ring *g = NULL;
	size_t at, left, start;
	uint8_t *out;

	*buf = NULL;
	*len = *n = 0;
	*lost = 0;
	for (size_t i = 0; i < rs->max && !g; i++)
		if (rs->r[i].cgroup_id == cgroup_id && cgroup_id)
			g = &rs->r[i];
	if (!g || !g->used)
		return 0;
	*lost = g->lost;
	/* Skip the records older than the window. */
	at = g->head;
	left = g->used;
	while (left) {
		struct ev_header h;
		uint32_t l;

		ring_copy_out(g, rs->bytes, at, &l, sizeof(l));
		ring_copy_out(g, rs->bytes, (at + sizeof(l)) % rs->bytes, &h, sizeof(h));
		if (h.ts_ns >= since_ns)
			break;
		at = (at + sizeof(l) + l) % rs->bytes;
		left -= sizeof(l) + l;
	}
	if (!left)
		return 0;
	out = malloc(left);
	if (!out)
		return -ENOMEM;
	ring_copy_out(g, rs->bytes, at, out, left);
	for (start = 0; start < left; (*n)++) {
		uint32_t l;

		memcpy(&l, out + start, sizeof(l));
		start += sizeof(l) + l;
	}
	*buf = out;
	*len = left;
	return 0;
}

void capture_rings_stats(const struct capture_rings *rs, struct capture_rings_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < rs->max; i++)
		out->containers += rs->r[i].cgroup_id != 0;
	out->records = rs->appends;
	out->too_large = rs->too_large;
	out->evicted_containers = rs->evicted;
}
