/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Helpers shared by every sensor: the ring buffer, the loss counters, the
 * per-CPU scratch record, the process header and the dentry path walk.
 * Everything here reads kernel objects through CO-RE, so one object file
 * runs on any BTF kernel.
 */
#ifndef PALISADE_COMMON_BPF_H
#define PALISADE_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "events.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Typed access to a kernel object known only by its address: the verifier
 * turns the kfunc into a plain move, and loads through the result are
 * single instructions (a fault reads 0) instead of a bpf_probe_read_kernel
 * call each. */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;
#define KOBJ(type, addr) ((type *)bpf_rdonly_cast((const void *)(addr), \
						  bpf_core_type_id_kernel(type)))

/* A word's bytes tested at once: (x - ONES) & ~x & HIGHS has the top bit
 * of x's lowest zero byte set (and maybe bits above it, never below). */
#define WORD_ONES 0x0101010101010101ull
#define WORD_HIGHS 0x8080808080808080ull

/* Set by user space before load. */
const volatile __u32 agent_tgid = 0;
/* Wake the consumer once this many bytes wait in the ring; below it the
 * consumer's own short poll timeout picks records up (DESIGN.md section 6). */
const volatile __u64 wakeup_bytes = 256 * 1024;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 * 1024 * 1024); /* resized by user space */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/* One record is built here, then copied to the ring with its real size:
 * reserving the worst case (12 KiB) per exec would waste ring space. A
 * record's fixed part starts at `rec`, its variable part right after it:
 * the slack covers the larger fixed part of ev_syscall and a component read
 * that runs past the limit before it is checked. */
struct scratch {
	struct ev_exec rec;
	char data[EV_EXEC_DATA_MAX + 512];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EV_LOST_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} lost_by SEC(".maps");

static __always_inline void count(__u32 which)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &which);

	if (v)
		*v += 1; /* per-CPU slot: no atomic needed */
}

static __always_inline struct scratch *scratch_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&scratch_map, &zero);
}

/* The agent's own activity is not reported (it would feed on itself): counted. */
static __always_inline bool is_agent(struct task_struct *task)
{
	if (!agent_tgid || KOBJ(struct task_struct, task)->tgid != agent_tgid)
		return false;
	count(CNT_SELF);
	return true;
}

/* A record the full ring refused, counted by what it was (events.h). */
static __always_inline void count_lost(const struct ev_header *h)
{
	__u32 slot = EV_SYSCALL_NR_MAX + (h->kind < EV_KIND_MAX ? h->kind : 0);
	__u64 *v;

	if (h->kind == EV_SYSCALL)
		slot = ((const struct ev_syscall *)h)->nr;
	v = bpf_map_lookup_elem(&lost_by, &slot);
	if (v)
		*v += 1;
	count(CNT_RINGBUF_FULL);
}

/*
 * Queues a finished record; losing it is counted, never silent. The consumer
 * is woken by the record that makes the queued data cross wakeup_bytes, not
 * by every record past it: a consumer that lags is busy draining already,
 * and a wake-up per record then costs the producer more than the record
 * itself (measured: 5.1 us per open when every open is an alert). A consumer
 * asleep above the mark drains at its poll timeout (src/sensor/sensor.c).
 */
static __always_inline void submit(struct ev_header *h, __u64 size)
{
	__u64 flags = BPF_RB_NO_WAKEUP, queued;

	queued = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	/* A held process waits for the agent: its record wakes it at once. */
	if ((queued < wakeup_bytes && queued + size >= wakeup_bytes) ||
	    (h->flags & EV_F_HELD))
		flags = BPF_RB_FORCE_WAKEUP;
	if (bpf_ringbuf_output(&events, h, size, flags))
		count_lost(h);
	else
		count(CNT_EVENTS);
}

/* Queues a record built in scratch, of `size` bytes (fixed and variable
 * parts), once the size is provably within the scratch buffer. */
static __always_inline void submit_scratch(struct scratch *s, struct ev_header *h, __u64 size)
{
	barrier_var(size);
	if (size > sizeof(*s))
		return;
	h->size = size;
	submit(h, size);
}

/*
 * Copies the user bytes [start, end) (argv or the environment the kernel
 * just laid out for a new image) to dst, at most max bytes: max is a power
 * of two and, the function being inlined, a constant, so the mask gives the
 * verifier its bound. A longer span is cut, flagged with trunc_flag and
 * counted under trunc_cnt. Returns the bytes copied, or -1 when the read
 * failed (flagged and counted).
 */
static __always_inline long read_user_span(struct ev_header *h, char *dst, unsigned long start,
					   unsigned long end, __u32 max, __u32 trunc_flag,
					   __u32 trunc_cnt)
{
	__u32 len = end > start ? end - start : 0, n;

	if (len > max) {
		len = max;
		h->flags |= trunc_flag;
		count(trunc_cnt);
	}
	if (!len)
		return 0;
	/* 1..max in a form the verifier can bound after reordering. */
	n = ((len - 1) & (max - 1)) + 1;
	barrier_var(n);
	if (bpf_probe_read_user(dst, n, (void *)start)) {
		h->flags |= EV_F_READ_FAIL;
		count(CNT_READ_FAIL);
		return -1;
	}
	return len;
}

/* /proc/PID/stat encoding of the controlling tty, 0 when there is none. */
static __always_inline __u32 task_tty(struct task_struct *t)
{
	struct tty_struct *tty = t->signal->tty;
	__u32 major, minor;

	if (!tty)
		return 0;
	major = tty->driver->major;
	minor = tty->driver->minor_start + tty->index;
	return (minor & 0xff) | (major << 8) | ((minor & ~0xffu) << 12);
}

static __always_inline __u64 task_cgroup_id(struct task_struct *task)
{
	return KOBJ(struct task_struct, task)->cgroups->dfl_cgrp->kn->id;
}

/*
 * Fills the header from a task (not from `current`: fork describes the
 * child). Every event pays for it, so fields are read with direct loads
 * (KOBJ), not a bpf_probe_read_kernel call each.
 */
static __always_inline void fill_header(struct ev_header *h, struct task_struct *task,
					__u32 kind)
{
	struct task_struct *t = KOBJ(struct task_struct, task);
	const struct cred *cred = t->real_cred;
	struct pid *pid = t->thread_pid;
	unsigned int level = pid->level;
	struct upid up;

	h->ts_ns = bpf_ktime_get_boot_ns();
	h->cgroup_id = t->cgroups->dfl_cgrp->kn->id;
	h->kind = kind;
	h->pid = t->tgid;
	h->tid = t->pid;
	h->ppid = t->real_parent->tgid;
	h->uid = cred->uid.val;
	h->gid = cred->gid.val;
	h->euid = cred->euid.val;
	h->egid = cred->egid.val;
	h->loginuid = bpf_core_field_exists(t->loginuid) ? t->loginuid.val : 0xffffffff;
	h->sessionid = bpf_core_field_exists(t->sessionid) ? t->sessionid : 0;
	h->tty = task_tty(t);
	h->mnt_ns = t->nsproxy->mnt_ns->ns.inum;
	h->flags = 0;
	h->start_ns = t->group_leader->start_boottime;
	/* The pid as the process itself sees it: the last level of its struct pid. */
	if (bpf_core_read(&up, sizeof(up), &pid->numbers[level & 31]) == 0) {
		h->vpid = up.nr;
		h->pid_ns = KOBJ(struct pid_namespace, up.ns)->ns.inum;
	} else {
		h->vpid = 0;
		h->pid_ns = 0;
		h->flags |= EV_F_READ_FAIL;
		count(CNT_READ_FAIL);
	}
	/* comm is 16 bytes, NUL-terminated by the kernel: two loads. */
	__builtin_memcpy(&h->comm, t->comm, sizeof(h->comm));
	/* kernel_cap_t is one u64 since 6.3, two u32s before: read it whole. */
	bpf_core_read(&h->cap_effective, sizeof(h->cap_effective), &cred->cap_effective);
	bpf_core_read(&h->cap_permitted, sizeof(h->cap_permitted), &cred->cap_permitted);
	bpf_core_read(&h->cap_inheritable, sizeof(h->cap_inheritable), &cred->cap_inheritable);
}

/*
 * A walk's fingerprint (bpf/prefilter_cache.bpf.h says what it proves): per
 * name written, the dentry's d_seq and d_name.hash_len; per mount crossed,
 * the mount's unique id; then the end. ok: the walk ended, was not cut, and
 * every name was read while its dentry was not being renamed (d_seq even
 * and the same after the read).
 */
struct walk_fp {
	__u64 h1;
	__u64 h2;
	bool ok;
};

#define FP_NAME 1
#define FP_MOUNT 2
#define FP_END 3

struct walk_ctx {
	__u64 dentry;
	__u64 vfsmnt;
	__u64 root_dentry;
	__u64 root_mnt;
	char *buf;
	__u32 off;
	__u32 top_len; /* length of the last piece written: the first component */
	bool trunc;
	bool done;
	bool fp_on; /* fingerprint the walk (h1, h2, torn) */
	bool dry;   /* fingerprint only: write no name */
	bool torn;  /* a name was read during a rename */
	__u64 h1;
	__u64 h2;
};

/* Two independent 64-bit lanes (multiply and shift, murmur3's constants). */
static __always_inline void fp_mix(struct walk_ctx *w, __u64 v)
{
	w->h1 = (w->h1 ^ v) * 0xff51afd7ed558ccdull;
	w->h1 ^= w->h1 >> 33;
	w->h2 = (w->h2 ^ v) * 0xc4ceb9fe1a85ec53ull;
	w->h2 ^= w->h2 >> 29;
}

/* A mount's id, never reused (mnt_id_unique, 6.8+), else its id. */
static __always_inline __u64 mount_uid(struct mount *mnt)
{
	if (bpf_core_field_exists(mnt->mnt_id_unique))
		return mnt->mnt_id_unique;
	return (__u32)mnt->mnt_id;
}

/*
 * One step of the walk: one component written, or one mount crossed. The
 * walk is the cost of every open the pre-filter judges, so pointers are read
 * with direct loads (KOBJ) and the name with one fixed-size copy of its known
 * length, not a byte-by-byte string copy.
 */
static long walk_step(__u64 index, void *ctxp)
{
	struct walk_ctx *w = ctxp;
	struct dentry *dentry = KOBJ(struct dentry, w->dentry);
	struct vfsmount *vfsmnt = KOBJ(struct vfsmount, w->vfsmnt);
	__u64 parent, mnt_root;
	__u32 len, seq = 0;
	long n;

	if (w->dentry == w->root_dentry && w->vfsmnt == w->root_mnt)
		goto root;
	mnt_root = (__u64)vfsmnt->mnt_root;
	parent = (__u64)dentry->d_parent;
	if (w->dentry == mnt_root || w->dentry == parent) {
		__u64 mnt_addr = w->vfsmnt - bpf_core_field_offset(struct mount, mnt);
		struct mount *mnt = KOBJ(struct mount, mnt_addr);
		__u64 mnt_parent = (__u64)mnt->mnt_parent;

		if (w->dentry != mnt_root || mnt_addr == mnt_parent)
			goto root; /* the top of the mount tree */
		w->dentry = (__u64)mnt->mnt_mountpoint;
		w->vfsmnt = mnt_parent + bpf_core_field_offset(struct mount, mnt);
		if (w->fp_on) {
			fp_mix(w, FP_MOUNT);
			fp_mix(w, mount_uid(KOBJ(struct mount, mnt_parent)));
		}
		return 0;
	}
	if (w->fp_on) {
		seq = dentry->d_seq.seqcount.sequence;
		w->torn |= seq & 1;
		fp_mix(w, FP_NAME);
		fp_mix(w, seq);
		fp_mix(w, dentry->d_name.hash_len);
	}
	len = dentry->d_name.len;
	if (w->off + len + 1 > EV_PATH_MAX || len > 255) {
		w->trunc = true;
		w->done = true;
		return 1;
	}
	/* The name and its terminating NUL: len + 1 bytes, len known. The
	 * barrier keeps the compiler from dropping the mask the verifier needs. */
	barrier_var(len);
	n = w->dry ? 0 : bpf_probe_read_kernel(w->buf + (w->off & (EV_PATH_MAX - 1)),
					       (len & 0xff) + 1, (const void *)dentry->d_name.name);
	if (w->fp_on)
		w->torn |= dentry->d_seq.seqcount.sequence != seq;
	if (n < 0 || !len) {
		count(CNT_READ_FAIL);
		w->trunc = true;
		w->done = true;
		return 1;
	}
	w->off += len + 1;
	w->top_len = len;
	w->dentry = parent;
	return 0;
root:
	if (w->fp_on)
		fp_mix(w, FP_END);
	/* The root itself is one empty piece: "/" differs from unknown (none). */
	if (w->off == 0) {
		w->buf[0] = '\0';
		w->off = 1;
		w->top_len = 0;
	}
	w->done = true;
	return 1;
}

/*
 * Writes the components of `path` leaf-first into buf (see events.h), walking
 * up through mount points, stopping at `root` (the task's root: a chroot or a
 * container's pivot_root) or at the global root. Returns bytes written; sets
 * *trunc when the depth or size limit stopped the walk early. buf must have
 * EV_PATH_MAX + 256 bytes.
 *
 * bpf_d_path() would do this, but the kernel allows it only in LSM/fentry
 * programs, which this kernel refuses (DESIGN.md section 1). bpf_loop keeps
 * the verifier from exploring every iteration of an unrolled walk.
 */
static __always_inline __u32 walk_path_fp(const struct path *path, const struct path *root,
					  char *buf, bool *trunc, __u32 *top_len,
					  struct walk_fp *fp, bool dry)
{
	struct walk_ctx w = {
		.dentry = (__u64)path->dentry,
		.vfsmnt = (__u64)path->mnt,
		.root_dentry = (__u64)root->dentry,
		.root_mnt = (__u64)root->mnt,
		.buf = buf,
		.fp_on = fp != NULL,
		.dry = dry,
		.h1 = 0x6a09e667f3bcc908ull,
		.h2 = 0xbb67ae8584caa73bull,
	};

	*trunc = false;
	if (fp)
		fp->ok = false;
	if (!w.dentry)
		return 0;
	if (fp)
		fp_mix(&w, mount_uid(KOBJ(struct mount, w.vfsmnt -
					 bpf_core_field_offset(struct mount, mnt))));
	bpf_loop(EV_PATH_DEPTH, walk_step, &w, 0);
	*trunc = w.trunc || !w.done;
	*top_len = w.top_len;
	if (fp) {
		fp->h1 = w.h1;
		fp->h2 = w.h2;
		fp->ok = !*trunc && !w.torn;
	}
	return w.off > EV_PATH_MAX ? EV_PATH_MAX : w.off;
}

/* walk_path_fp without a fingerprint. */
static __always_inline __u32 walk_path_top(const struct path *path, const struct path *root,
					   char *buf, bool *trunc, __u32 *top_len)
{
	return walk_path_fp(path, root, buf, trunc, top_len, NULL, false);
}

/* walk_path_top without the first component's length. */
static __always_inline __u32 walk_path(const struct path *path, const struct path *root,
				       char *buf, bool *trunc)
{
	__u32 top_len;

	return walk_path_top(path, root, buf, trunc, &top_len);
}

#endif
