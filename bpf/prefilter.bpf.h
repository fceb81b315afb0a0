/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The rules' path pre-filter, kernel side (docs/prefilter.md). User space
 * (src/rules/prefilter.c) fills the maps from the loaded rules before the
 * syscall sensor is attached; the sensor asks pf_keep() once path 1 of a
 * filtered syscall is known, before anything is queued. prefilter_keep() in
 * src/rules/prefilter.c is the same test in user space: keep them in step.
 */
#ifndef PALISADE_PREFILTER_BPF_H
#define PALISADE_PREFILTER_BPF_H

#include "common.bpf.h"
#include "prefilter_names.bpf.h"
#include "prefilter_raw.bpf.h"

#define PF_O_ACCMODE 03
#define PF_O_RDWR 02
#define PF_O_CREAT 0100
#define PF_O_TMPFILE 020200000

/* Kept paths: exact and prefix entries per filter id (key form: events.h). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 16384);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct pf_key);
	__type(value, struct pf_value);
} pf_paths SEC(".maps");

/* Cgroups user space resolved as no container's (it treats them as the host
 * from then on); an unknown cgroup is never assumed to be the host. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, __u8);
} pf_host_cgroups SEC(".maps");

/* First components of the kept entries, and the id bytes whose entries all
 * have one (bpf/events.h, struct pf_top_key). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct pf_top_key);
	__type(value, __u8);
} pf_tops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u8);
} pf_top_on SEC(".maps");

/* The lookup key is built here (260 bytes are too many for the stack); the
 * slack takes the last 8-byte store past the longest path. raw: the caller's
 * string for the raw-path gate, 8-byte aligned so that its scan loads a word
 * at a time (the key's path is not), one spare word past the longest. */
struct pf_key_buf {
	struct pf_key k;
	__u8 slack[8];
	__u64 raw[(PF_PATH_MAX + 1) / 8 + 1];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pf_key_buf);
} pf_key_scratch SEC(".maps");

struct pf_rev_ctx {
	const char *data; /* the leaf-first pieces */
	struct pf_key_buf *kb;
	__u32 len;
};

/*
 * Eight key bytes per step: the 8 data bytes ending at len - 8 * index,
 * byte-swapped. The first chunk may start up to 7 bytes before the pieces
 * (inside the record header, in the same scratch value): those bytes land
 * past the key's prefix length and are never compared. A callback, not an
 * unrolled loop: the verifier checks it once, whatever the path length.
 */
static long pf_rev_step(__u64 index, void *ctxp)
{
	struct pf_rev_ctx *c = ctxp;
	__u32 end = (c->len - 8 * (__u32)index) & (EV_PATH_MAX - 1);
	__u64 chunk;

	if ((__u64)8 * index >= c->len)
		return 1;
	/* end in [1, PF_PATH_MAX]: read data[end - 8, end). */
	__builtin_memcpy(&chunk, c->data - 8 + end, sizeof(chunk));
	chunk = __builtin_bswap64(chunk);
	__builtin_memcpy(c->kb->k.path + ((index & 31) * 8), &chunk, sizeof(chunk));
	return 0;
}

/* The class id byte of an open by task (the caller): filter id, host and
 * read-only bits. The cgroup is the id fill_header stores, read with direct
 * loads (task_cgroup_id) rather than a helper call. */
static __always_inline __u32 pf_class(__u32 spec, __u64 open_flags, struct task_struct *task)
{
	__u32 id = SC_PF_ID(spec) << 2;
	__u64 cg = task_cgroup_id(task);

	if (bpf_map_lookup_elem(&pf_host_cgroups, &cg))
		id |= PF_CLASS_HOST;
	if (SC_ARG_FIELD(spec, SC_PF_FLAGS_SHIFT) && !(open_flags & (PF_O_ACCMODE | PF_O_CREAT)) &&
	    (open_flags & PF_O_TMPFILE) != PF_O_TMPFILE)
		id |= PF_CLASS_RO;
	return id;
}

/* The gates of class id, for an open no path entry keeps: its process's
 * names (prefilter_names.bpf.h) and the caller's string (prefilter_raw.bpf.h,
 * read into the key scratch's raw words). */
static __always_inline bool pf_gates_keep(struct ev_syscall *e, __u32 id, __u64 raw)
{
	__u32 zero = 0;
	struct pf_key_buf *kb = bpf_map_lookup_elem(&pf_key_scratch, &zero);

	if (!kb)
		return true;
	return pf_name_keep(e, id) || pf_raw_keep(id, raw, kb->raw);
}

/* Whether an entry of class id keeps the path (leaf-first pieces in data,
 * len bytes, first component top_len bytes); kb: the key scratch. */
static __always_inline bool pf_path_kept(struct pf_key_buf *kb, __u32 id, const char *data,
					 __u32 len, __u32 top_len)
{
	struct pf_key *k = &kb->k;
	struct pf_rev_ctx rc;
	struct pf_value *v;
	__u32 idx = id;
	__u8 *on;

	k->id = id;
	/* The first component first: a hash lookup, where most opens a
	 * filter drops go, before the longest-prefix one (the same answer). */
	on = bpf_map_lookup_elem(&pf_top_on, &idx);
	if (on && *on) {
		struct pf_top_key tk = { .id = id };
		/* Through memory: the compiler then cannot swap in an unchecked
		 * copy of top_len, and the bound the verifier needs stays. */
		volatile __u32 vn = top_len;
		__u32 n = vn;

		/* A longer first component, or a failed copy: the full lookup. */
		if (n <= PF_TOP_MAX && n < len &&
		    !(n && bpf_probe_read_kernel(tk.name, n, data + ((len - 1 - n) & 511)))) {
			tk.len = n;
			if (!bpf_map_lookup_elem(&pf_tops, &tk))
				return false;
		}
	}
	rc.data = data;
	rc.kb = kb;
	rc.len = len;
	bpf_loop((PF_PATH_MAX + 7) / 8, pf_rev_step, &rc, 0);
	k->prefixlen = 8 * (1 + len);
	v = bpf_map_lookup_elem(&pf_paths, k);
	return v && ((v->flags & PF_KEEP_PREFIX) || v->len == len);
}

/*
 * False when no loaded rule can match this open: a filtered syscall whose
 * path 1 was resolved from the opened file (leaf-first pieces in data, len
 * bytes, not truncated) and whose path is in no kept entry of its class id
 * (pf_class()). Anything the filter does not cover (unresolved or long
 * paths, unfiltered syscalls) is kept, and so is an open a gate of the class
 * keeps (pf_gates_keep()). *path_dropped: the path was judged and no entry
 * keeps it (what prefilter_cache.bpf.h may remember). The key is the pieces
 * read backwards: no second dentry walk.
 */
static __always_inline bool pf_keep(struct ev_syscall *e, __u32 spec, __u32 id,
				    const char *data, __u32 len, __u32 top_len, __u64 raw,
				    bool *path_dropped)
{
	__u32 zero = 0;
	struct pf_key_buf *kb;

	*path_dropped = false;
	if (!SC_PF_ID(spec) ||
	    (e->path_flags & (EV_PATH1_RESOLVED | EV_PATH1_USER)) != EV_PATH1_RESOLVED ||
	    (e->hdr.flags & EV_F_EXE_TRUNC) || len == 0 || len > PF_PATH_MAX)
		return true;
	kb = bpf_map_lookup_elem(&pf_key_scratch, &zero);
	if (!kb || pf_path_kept(kb, id, data, len, top_len))
		return true;
	*path_dropped = true;
	return pf_gates_keep(e, id, raw);
}

/* An IPv4 socket whose addresses, and the caller's if any, are all in
 * 127.0.0.0/8 (pf_sock_loopback() in src/rules/prefilter_net.c). */
static __always_inline bool pf_loopback(const struct ev_syscall *e)
{
	if (e->sock.family != 2 /* AF_INET */ || e->sock.laddr[0] != 127 ||
	    e->sock.raddr[0] != 127)
		return false;
	/* struct sockaddr_in: family, port, then the address at byte 4. */
	return !e->uaddr_len || (e->uaddr_len >= 8 && e->uaddr[0] == 2 && e->uaddr[1] == 0 &&
				 e->uaddr[4] == 127);
}

/*
 * A socket syscall (socket, connect, accept, accept4) is judged by its class
 * as a whole (src/rules/prefilter_net.c; prefilter_keep() is the user-space
 * twin): IPv4 loopback or not, host or not; false when no entry keeps the
 * class. Called once the record is complete but for its header (the socket
 * and the caller's address are read); a record without a socket is kept.
 */
static __always_inline bool pf_keep_sock(const struct ev_syscall *e, __u32 spec)
{
	__u32 zero = 0;
	__u64 cg;
	struct pf_key_buf *kb;

	if (!SC_PF_ID(spec) || !e->sock.family)
		return true;
	kb = bpf_map_lookup_elem(&pf_key_scratch, &zero);
	if (!kb)
		return true;
	kb->k.id = SC_PF_ID(spec) << 2;
	if (pf_loopback(e))
		kb->k.id |= PF_CLASS_RO;
	cg = bpf_get_current_cgroup_id();
	if (bpf_map_lookup_elem(&pf_host_cgroups, &cg))
		kb->k.id |= PF_CLASS_HOST;
	kb->k.prefixlen = 8;
	return bpf_map_lookup_elem(&pf_paths, &kb->k) != NULL;
}

#endif
