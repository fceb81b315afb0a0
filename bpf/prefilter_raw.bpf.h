/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The pre-filter's raw-path gate (struct pf_raw_key, bpf/events.h): a rule on
 * fd.nameraw, the caller's own path string, is bounded by pieces that string
 * must contain ("../" for Falco's directory traversal rule) rather than by
 * the resolved path. An open that no path entry and no name gate keeps is
 * kept when its class has such a gate and the caller's string contains one
 * of its pieces, or cannot be read whole. raw_keep() in
 * src/rules/prefilter.c is the same test in user space, on the string the
 * record carries (EV_PATH2_RAW1).
 */
#ifndef PALISADE_PREFILTER_RAW_BPF_H
#define PALISADE_PREFILTER_RAW_BPF_H

#include "common.bpf.h"

extern int bpf_strstr(const char *s1__ign, const char *s2__ign) __ksym;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PF_RAWS_MAX);
	__type(key, __u32);
	__type(value, struct pf_raw_key);
} pf_raws SEC(".maps");

/* By id byte: where the class's pieces lie in pf_raws (struct pf_raw_span). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PF_IDS);
	__type(key, __u32);
	__type(value, struct pf_raw_span);
} pf_raw_spans SEC(".maps");

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "pf_may_hold() reads words as little-endian"
#endif

struct pf_raw_ctx {
	const __u64 *buf;
	__u32 id;
	__u32 start; /* the class's first piece in pf_raws */
	__u32 n;     /* string bytes, NUL included */
	bool found;
};

/*
 * Whether the string (n bytes, NUL included, in aligned words) may hold the
 * two bytes b0 b1 side by side: eight positions per step, one load each (a
 * byte of (x ^ b0s) | (y ^ b1s) is zero where both match; y is the string
 * one byte on, from this word and the next). Most strings hold no "..", so
 * bpf_strstr, a guarded read per byte compared, runs only for the few that
 * may. Bytes past the string's end only add candidates: never a miss.
 */
static __always_inline bool pf_may_hold(const __u64 *w, __u32 n, __u8 b0, __u8 b1)
{
	__u64 b0s = WORD_ONES * b0, b1s = WORD_ONES * b1, x, y, z;

	for (__u32 j = 0; j < (PF_PATH_MAX + 7) / 8; j++) {
		if (8 * j + 1 >= n)
			break;
		x = w[j];
		y = (x >> 8) | (w[j + 1] << 56); /* little-endian: byte i+1 at i */
		z = (x ^ b0s) | (y ^ b1s);
		if ((z - WORD_ONES) & ~z & WORD_HIGHS)
			return true;
	}
	return false;
}

/* One piece of the class: stop at the first that the string contains. A
 * piece of another class (the tables being rewritten) keeps the open. */
static long pf_raw_step(__u64 index, void *ctxp)
{
	struct pf_raw_ctx *c = ctxp;
	__u32 i = c->start + (__u32)index;
	struct pf_raw_key *k = bpf_map_lookup_elem(&pf_raws, &i);

	if (!k || !k->len || k->id != c->id) {
		c->found = true;
		return 1;
	}
	if (k->len >= 2 && !pf_may_hold(c->buf, c->n, (__u8)k->piece[0], (__u8)k->piece[1]))
		return 0;
	if (bpf_strstr((const char *)c->buf, k->piece) >= 0) {
		c->found = true;
		return 1;
	}
	return 0;
}

/* buf: PF_PATH_MAX bytes and a word of aligned scratch; raw: the caller's
 * path pointer, 0 when the sensor does not read it (no rule reads
 * fd.nameraw). */
static __always_inline bool pf_raw_keep(__u32 id, __u64 raw, __u64 *buf)
{
	__u32 idx = id & (PF_IDS - 1);
	struct pf_raw_span *sp = bpf_map_lookup_elem(&pf_raw_spans, &idx);
	struct pf_raw_ctx c = { .buf = buf, .id = id };
	long n;

	if (!sp || !sp->count)
		return false;
	if (!raw)
		return true;
	n = bpf_probe_read_user_str(buf, PF_PATH_MAX, (const void *)raw);
	if (n <= 0 || n >= PF_PATH_MAX)
		return true; /* unread or cut: a piece may lie past the cut */
	c.n = (__u32)n;
	c.start = sp->start;
	bpf_loop(sp->count, pf_raw_step, &c, 0);
	return c.found;
}

#endif
