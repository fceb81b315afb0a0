/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * In-kernel exec kill: at tp_btf/sched_process_exec the new image is mapped
 * but has not run one instruction; SIGKILL sent now is delivered on the way
 * back to user space, so a forbidden binary never runs (DESIGN.md section 5).
 *
 * User space (src/action/exec_kill.c, through src/sensor/exec_deny.c) fills
 * the deny maps from rules whose condition the kernel can decide from exec
 * data alone. Paths are stored in the sensor's own leaf-first form
 * ("busybox\0bin\0" for /bin/busybox, events.h), so the kernel compares the
 * bytes it already has without reversing them. Keys are zero-padded to
 * EXEC_DENY_KEY bytes; longer paths cannot be listed (user space falls back
 * to a user-space kill for those).
 */
#ifndef PALISADE_EXEC_DENY_BPF_H
#define PALISADE_EXEC_DENY_BPF_H

#include "common.bpf.h"

#define SIGKILL 9

struct exec_deny_key {
	char s[EXEC_DENY_KEY];
};

/* Exact executable paths (proc.exepath = / in). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EXEC_DENY_MAX);
	__type(key, struct exec_deny_key);
	__type(value, __u32);
} exec_deny_path SEC(".maps");

/* Directories: every exe below them (proc.exepath pmatch / startswith "/d/"). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EXEC_DENY_MAX);
	__type(key, struct exec_deny_key);
	__type(value, __u32);
} exec_deny_dir SEC(".maps");

/* Paths a directory entry must never kill: the container runtime (safety). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct exec_deny_key);
	__type(value, __u32);
} exec_protected SEC(".maps");

/* Process names, the comm the exec just set (proc.name = / in). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EXEC_DENY_MAX);
	__type(key, char[EV_COMM_LEN]);
	__type(value, __u32);
} exec_deny_name SEC(".maps");

/* argv[0] as the new image sees it (proc.exe = / in). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EXEC_DENY_MAX);
	__type(key, struct exec_deny_key);
	__type(value, __u32);
} exec_deny_argv0 SEC(".maps");

/* cgroup id -> EXEC_SCOPE_* bits of the scopes its container is in. LRU: a
 * dead container's cgroup ages out. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, EXEC_SCOPE_CGROUPS);
	__type(key, __u64);
	__type(value, __u32);
} exec_scope_cgroup SEC(".maps");

/* One key being built, per CPU: 256 bytes do not fit beside the walk on the stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct exec_deny_key);
} exec_key_scratch SEC(".maps");

/* EXEC_DENY_* bits of the maps that hold entries, set by user space: an
 * empty deny list costs one load per exec. */
volatile __u32 exec_deny_kinds = 0;

/* Copies len bytes (1..EXEC_DENY_KEY) of src into a zero-padded key. */
static __always_inline int key_into(struct exec_deny_key *k, const char *src, __u32 len)
{
	__u32 n;

	if (len == 0 || len > EXEC_DENY_KEY)
		return -1;
	__builtin_memset(k->s, 0, sizeof(k->s));
	/* 1..EXEC_DENY_KEY in a form the verifier can bound. */
	n = ((len - 1) & (EXEC_DENY_KEY - 1)) + 1;
	barrier_var(n);
	return bpf_probe_read_kernel(k->s, n, src) ? -1 : 0;
}

/* The per-CPU key scratch, holding len bytes of src; NULL if they do not fit. */
static __always_inline struct exec_deny_key *key_from(const char *src, __u32 len)
{
	__u32 zero = 0;
	struct exec_deny_key *k = bpf_map_lookup_elem(&exec_key_scratch, &zero);

	if (!k || key_into(k, src, len))
		return NULL;
	return k;
}

struct dir_walk {
	const struct exec_deny_key *tail; /* the path's last bytes, copied once */
	__u32 len;    /* bytes in tail */
	__u32 scopes; /* of every denied directory above the exe */
	bool whole;   /* the tail starts at a component (not cut mid-name) */
};

/* One byte of the tail of the path: at each component boundary, is the
 * rest (this directory and its ancestors, leaf-first) a denied directory?
 * The tail is read in place: one helper call per boundary, none per byte. */
static long dir_step(__u64 i, void *ctxp)
{
	struct dir_walk *w = ctxp;
	const struct exec_deny_key *t = w->tail;
	__u32 off = (__u32)i;
	struct exec_deny_key *k;
	__u32 *v;

	if (off >= w->len || off >= EXEC_DENY_KEY)
		return 1;
	if (off == 0 ? !w->whole : t->s[(off - 1) & (EXEC_DENY_KEY - 1)] != 0)
		return 0;
	k = key_from(t->s + (off & (EXEC_DENY_KEY - 1)), w->len - off);
	if (k) {
		v = bpf_map_lookup_elem(&exec_deny_dir, k);
		if (v)
			w->scopes |= *v;
	}
	return 0;
}

/* A second per-CPU key: the tail the directory walk reads while key_from
 * builds each candidate in the first. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct exec_deny_key);
} exec_tail_scratch SEC(".maps");

static __always_inline __u32 lookup_scopes(void *map, const void *key)
{
	__u32 *v = key ? bpf_map_lookup_elem(map, key) : NULL;

	return v ? *v : 0;
}

/*
 * Whether this exec is denied. path/path_len: the exe in leaf-first form;
 * argv0: the new image's argv area (first string is argv[0]). Every list
 * that holds entries is consulted; the scopes of all hits are or-ed and
 * checked once against the process's cgroup.
 */
static __always_inline bool exec_denied(struct task_struct *task, const char *path,
					__u32 path_len, const char *argv0, __u32 args_len)
{
	__u32 kinds = exec_deny_kinds, scopes = 0, *in;
	struct exec_deny_key *k;
	char comm[EV_COMM_LEN] = {};
	__u64 cgroup;

	if (!kinds)
		return false;
	/* Host pid 1 is never killed: the machine would go with it. */
	if (BPF_CORE_READ(task, tgid) == 1)
		return false;
	if (kinds & EXEC_DENY_NAME) {
		BPF_CORE_READ_STR_INTO(&comm, task, comm);
		scopes |= lookup_scopes(&exec_deny_name, comm);
	}
	if (kinds & EXEC_DENY_PATH)
		scopes |= lookup_scopes(&exec_deny_path, key_from(path, path_len));
	if ((kinds & EXEC_DENY_ARGV0) && args_len) {
		__u32 zero = 0;

		k = bpf_map_lookup_elem(&exec_key_scratch, &zero);
		if (k) {
			__builtin_memset(k->s, 0, sizeof(k->s));
			/* argv[0] ends at its NUL; a longer one cannot be listed. */
			if (bpf_probe_read_kernel_str(k->s, sizeof(k->s), argv0) > 0)
				scopes |= lookup_scopes(&exec_deny_argv0, k);
		}
	}
	if (kinds & EXEC_DENY_DIR) {
		__u32 zero = 0, skip = path_len > EXEC_DENY_KEY ? path_len - EXEC_DENY_KEY : 0;
		struct exec_deny_key *tail = bpf_map_lookup_elem(&exec_tail_scratch, &zero);
		struct dir_walk w = { .tail = tail, .len = path_len - skip, .whole = !skip };
		char before = 0;

		/* The runtime is never killed by a directory entry (safety). A
		 * path longer than a key is judged on its last EXEC_DENY_KEY
		 * bytes: the directories a key can hold. */
		if (skip && bpf_probe_read_kernel(&before, 1, path + ((skip - 1) & (EV_PATH_MAX - 1))) == 0)
			w.whole = before == 0;
		k = key_from(path, path_len);
		if (tail && (!k || !bpf_map_lookup_elem(&exec_protected, k)) &&
		    key_into(tail, path + (skip & (EV_PATH_MAX - 1)), w.len) == 0) {
			bpf_loop(EXEC_DENY_KEY, dir_step, &w, 0);
			scopes |= w.scopes;
		}
	}
	if (!scopes)
		return false;
	if (scopes & EXEC_SCOPE_ALL)
		return true;
	cgroup = task_cgroup_id(task);
	in = bpf_map_lookup_elem(&exec_scope_cgroup, &cgroup);
	return in && (*in & scopes);
}

#endif
