/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The pre-filter's cache of path decisions (docs/prefilter.md, "The cache").
 * Most dropped opens repeat the same files; for a repeat, the dentry walk
 * that writes the names, the key reversal and the path lookups become one
 * walk over pointers and one hash lookup. Only the path part of the decision
 * is cached ("no entry of class id keeps this path"); the name and raw-path
 * gates, which depend on the caller, run on every open.
 *
 * Why a hit is sound. The key is (fingerprint, class id byte). The
 * fingerprint mixes what the dentry walk of walk_step() (common.bpf.h) reads
 * to decide each of its steps and what it writes: the file's dentry and
 * mount, the task's root, then per step either a name (the dentry's address
 * and d_name.hash_len: the name's length and its hash, which the kernel
 * salts with the parent dentry's address) or a mount crossing (the new mount
 * and mount point), then the end. fp_step() follows walk_step()'s control
 * flow exactly, so two walks with the same fingerprint took the same steps
 * through the same dentries and mounts and wrote, at each name step, a name
 * of the same length and hash under the same parent: the same path string,
 * whatever happened in between (a rename of the file or of any directory
 * above it, a mount moved, a dentry freed and its memory reused, a chroot).
 * The walk is recomputed on every open; nothing is invalidated by events.
 * The residue is a hash collision: two names of one length under one parent
 * with the same 32-bit d_name hash (whose salt, a kernel address, the
 * caller does not know), or two different step sequences with the same pair
 * of 64-bit fingerprints. An entry is made only after the full walk wrote
 * the whole path (not truncated, at most PF_PATH_MAX bytes) and no path
 * entry kept it. The class id byte carries the filter id, the host and
 * read-only bits, computed afresh per open. A reload clears the map while no
 * program runs with a filter (sensor_prefilter_replace(), after the
 * suspension's grace period), so no entry outlives the rules it was made
 * under.
 */
#ifndef PALISADE_PREFILTER_CACHE_BPF_H
#define PALISADE_PREFILTER_CACHE_BPF_H

#include "common.bpf.h"

#define PF_CACHE_MAX 8192

/* Set by user space before load: sensor.prefilter_cache. */
const volatile __u32 pf_cache_on = 0;

struct pf_cache_key {
	__u64 h1;
	__u64 h2;
	__u32 id;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PF_CACHE_MAX);
	__type(key, struct pf_cache_key);
	__type(value, __u8);
} pf_cache SEC(".maps");

/* The cache key of path under root in class id, from a walk that writes
 * no name (walk_path_fp, dry; buf, as walk_path's, may get the root's empty
 * piece); false when the walk gives none. */
static __always_inline bool pf_cache_key(struct pf_cache_key *k, const struct path *path,
					 const struct path *root, char *buf, __u32 id)
{
	struct walk_fp fp;
	__u32 top;
	bool trunc;

	walk_path_fp(path, root, buf, &trunc, &top, &fp, true);
	k->h1 = fp.h1;
	k->h2 = fp.h2;
	k->id = id;
	k->pad = 0;
	return fp.ok;
}

/* Remembers that no entry of class k->id keeps the path the walk behind fp
 * wrote; only when that walk's fingerprint is the key's (the same names,
 * none read during a rename). */
static __always_inline void pf_cache_put(const struct pf_cache_key *k, const struct walk_fp *fp)
{
	__u8 one = 1;

	if (fp->ok && fp->h1 == k->h1 && fp->h2 == k->h2)
		bpf_map_update_elem(&pf_cache, k, &one, BPF_ANY);
}

#endif
