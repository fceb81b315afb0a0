// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Syscall sensor: reports, at syscall exit, the syscalls user space marked in
 * `syscall_spec` (the ones some loaded rule needs). At exit it has
 * everything: the arguments (saved registers), the result, and the kernel
 * objects the call produced or used (the opened file, the socket), which,
 * unlike a user pointer, cannot lie.
 *
 * Two entry points share one body (user space attaches one of them,
 * src/sensor/syscall_attach.c):
 *  - on_sys_exit_tp, attached to the syscalls:sys_exit_NAME tracepoint of
 *    each watched syscall only. Any syscall tracepoint makes every syscall
 *    take the kernel's slower tracing path, but a syscall nobody watches then
 *    runs no program at all: measured on the open/close loop, 1.07x for the
 *    tracing path alone against 1.14x with a program on every syscall.
 *  - on_sys_exit, on the sys_exit raw tracepoint (every syscall; one array
 *    lookup for the unwatched), for when many syscalls are watched
 *    (--syscalls all) or a syscall has no tracepoint of its own.
 */
#include "common.bpf.h"
#include "prefilter.bpf.h"
#include "prefilter_cache.bpf.h"

#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define AF_INET 2
#define AF_INET6 10

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, EV_SYSCALL_NR_MAX);
	__type(key, __u32);
	__type(value, __u32);
} syscall_spec SEC(".maps");

/* Argument registers of the x86-64 and arm64 syscall ABIs. On x86-64 they
 * are direct loads (KOBJ), not a bpf_probe_read_kernel call each: every
 * open the pre-filter drops reads two of them. */
static __always_inline __u64 syscall_arg(struct pt_regs *regs, unsigned i)
{
#if defined(__TARGET_ARCH_x86)
	struct pt_regs *r = KOBJ(struct pt_regs, regs);

	switch (i) {
	case 0: return r->di;
	case 1: return r->si;
	case 2: return r->dx;
	case 3: return r->r10;
	case 4: return r->r8;
	default: return r->r9;
	}
#elif defined(__TARGET_ARCH_arm64)
	/* x0 is overwritten by the result: the original is kept in orig_x0. */
	if (i == 0)
		return BPF_CORE_READ(regs, orig_x0);
	return BPF_CORE_READ(regs, regs[i & 7]);
#else
#error "syscall argument registers unknown for this architecture"
#endif
}

static __always_inline long syscall_nr(struct pt_regs *regs)
{
#if defined(__TARGET_ARCH_x86)
	return KOBJ(struct pt_regs, regs)->orig_ax;
#else
	return BPF_CORE_READ(regs, syscallno);
#endif
}

/* The file behind fd in the current task, NULL when there is none. Direct
 * loads (KOBJ): this runs for every open the pre-filter judges. The slot
 * fdt->fd[fd] is read as a struct llist_node, a kernel type that is exactly
 * one pointer (a typed load needs a type; an index into the array is not a
 * load the verifier allows). */
static __always_inline struct file *fd_file(struct task_struct *task, __u64 fd)
{
	struct fdtable *fdt = KOBJ(struct task_struct, task)->files->fdt;
	__u64 f;

	if (fd >= fdt->max_fds)
		return NULL;
	f = (__u64)KOBJ(struct llist_node, (__u64)fdt->fd + fd * sizeof(f))->next;
	return f ? KOBJ(struct file, f) : NULL;
}

/* Socket details straight from the kernel's struct sock (direct loads:
 * every socket syscall a rule watches reads them). */
static __always_inline void fill_sock(struct ev_sock *out, struct file *f)
{
	struct socket *so = KOBJ(struct socket, f->private_data);
	struct sock *sk = so->sk;

	out->family = sk->__sk_common.skc_family;
	out->type = so->type;
	out->protocol = sk->sk_protocol;
	out->lport = sk->__sk_common.skc_num;
	out->rport = __builtin_bswap16(sk->__sk_common.skc_dport);
	if (out->family == AF_INET) {
		__u32 l = sk->__sk_common.skc_rcv_saddr, r = sk->__sk_common.skc_daddr;

		__builtin_memcpy(out->laddr, &l, 4);
		__builtin_memcpy(out->raddr, &r, 4);
	} else if (out->family == AF_INET6) {
		bpf_core_read(out->laddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(out->raddr, 16, &sk->__sk_common.skc_v6_daddr);
	}
}

/* Resolves an fd: its path into buf (sockets have none) and its socket;
 * fp: the walk's fingerprint (NULL: none, prefilter_cache.bpf.h). */
static __always_inline __u32 resolve_fd_fp(struct ev_syscall *e, struct task_struct *task,
					   __u64 fd, const struct path *root, char *buf,
					   __u32 *top_len, struct walk_fp *fp)
{
	struct file *f = fd_file(task, fd);
	struct path path;
	bool trunc;
	__u32 len;

	if (!f)
		return 0;
	if ((f->f_inode->i_mode & S_IFMT) == S_IFSOCK) {
		fill_sock(&e->sock, f);
		return 0;
	}
	path.dentry = f->f_path.dentry;
	path.mnt = f->f_path.mnt;
	len = walk_path_fp(&path, root, buf, &trunc, top_len, fp, false);
	if (trunc) {
		e->hdr.flags |= EV_F_EXE_TRUNC; /* path 1 of a syscall */
		count(CNT_TRUNC_PATH);
	}
	e->path_flags |= EV_PATH1_RESOLVED;
	return len;
}

static __always_inline __u32 resolve_fd(struct ev_syscall *e, struct task_struct *task,
					__u64 fd, const struct path *root, char *buf,
					__u32 *top_len)
{
	return resolve_fd_fp(e, task, fd, root, buf, top_len, NULL);
}

/* A caller's string; the call already read it, so it is paged in. */
static __always_inline __u32 user_string(__u64 ptr, char *buf)
{
	long n;

	if (!ptr)
		return 0;
	n = bpf_probe_read_user_str(buf, EV_PATH_MAX, (const void *)ptr);
	if (n <= 0) {
		count(CNT_READ_FAIL);
		return 0;
	}
	return (__u32)n;
}

/* The per-CPU scratch as an empty syscall record; its header is filled last,
 * once the record is known to be kept. NULL when there is no scratch. */
static __always_inline struct ev_syscall *empty_record(struct scratch **sp)
{
	struct scratch *s = scratch_get();
	struct ev_syscall *e;

	if (!s)
		return NULL;
	e = (struct ev_syscall *)&s->rec;
	__builtin_memset(&e->res, 0, sizeof(*e) - sizeof(e->hdr));
	e->hdr.flags = 0;
	*sp = s;
	return e;
}

/* openat2's struct open_how: a fixed ABI (include/uapi/linux/openat2.h). */
struct open_how_abi {
	__u64 flags;
	__u64 mode;
	__u64 resolve;
};

/*
 * The caller's struct open_how (SC_OPEN_HOW: arg 2, its size in arg 3),
 * read at exit: the call copied it already, so it is paged in. False when
 * it is too small to hold the fields or unreadable: the flags are unknown.
 */
static __always_inline bool read_open_how(struct pt_regs *regs, struct open_how_abi *how)
{
	if (syscall_arg(regs, 3) < sizeof(*how))
		return false;
	if (bpf_probe_read_user(how, sizeof(*how), (const void *)syscall_arg(regs, 2))) {
		count(CNT_READ_FAIL);
		return false;
	}
	return true;
}

/*
 * openat2's flags with the access mode the kernel applied: the caller's
 * struct open_how is user memory, which another thread may rewrite between
 * the kernel's copy and this read (O_RDONLY read, O_WRONLY shown); the
 * opened file's f_flags cannot change. The other bits are the struct's.
 */
static __always_inline __u64 open_how_flags(struct task_struct *task, long ret, __u64 flags)
{
	struct file *f = ret >= 0 ? fd_file(task, ret) : NULL;

	return f ? (flags & ~(__u64)PF_O_ACCMODE) | (f->f_flags & PF_O_ACCMODE) : flags;
}

/* What the steps of on_exit share: the record being built and its context. */
struct exit_ctx {
	struct pt_regs *regs;
	struct task_struct *task;
	struct ev_syscall *e;
	char *data; /* the record's variable part */
	struct path root;
	long ret;
	__u32 spec;
	bool how_ok;
	struct open_how_abi how;
};

/*
 * An open the rules' pre-filter covers is judged on its resolved path first:
 * true when it is dropped, before it pays for the arguments and the header
 * (filled last, once the record is known to be kept). *len1 is path 1's
 * length when it was resolved here. A repeat of a path no entry of its class
 * keeps is found in the cache (prefilter_cache.bpf.h) before the walk that
 * writes the names; only the gates are then judged.
 */
static __always_inline bool prefilter_drops_open(struct exit_ctx *c, __u32 *len1, __u32 *top)
{
	__u32 spec = c->spec, idx, id;
	__u64 raw, oflags;
	struct pf_cache_key ck;
	struct walk_fp fp;
	struct file *f;
	bool keyed = false, path_dropped, keep;

	if (!SC_PF_ID(spec) || !(spec & SC_FD_RET) || c->ret < 0)
		return false;
	idx = SC_ARG_FIELD(spec, SC_PF_FLAGS_SHIFT);
	oflags = idx ? syscall_arg(c->regs, idx - 1) : 0;
	/* openat2's flags are in its struct open_how; unknown ones are not a
	 * read-only open's (the rules then know them not either). */
	if (spec & SC_OPEN_HOW)
		oflags = c->how_ok ? c->how.flags : PF_O_RDWR;
	raw = SC_ARG_FIELD(spec, SC_PATH_ARG_SHIFT);
	/* The caller's string, for the raw-path gate: read when a rule reads
	 * it (SC_RAW_PATH1), else 0 (the gate then keeps). */
	raw = (spec & SC_RAW_PATH1) && raw ? syscall_arg(c->regs, (raw - 1) & 7) : 0;
	id = pf_class(spec, oflags, c->task);
	f = pf_cache_on ? fd_file(c->task, c->ret) : NULL;
	if (f && (f->f_inode->i_mode & S_IFMT) != S_IFSOCK)
		keyed = pf_cache_key(&ck, &f->f_path, &c->root, c->data, id);
	if (keyed && bpf_map_lookup_elem(&pf_cache, &ck)) {
		if (!pf_gates_keep(c->e, id, raw)) {
			count(CNT_PF_CACHE_HIT);
			count(CNT_PREFILTERED);
			return true;
		}
		/* Kept by a gate: the record needs the path. */
		*len1 = resolve_fd(c->e, c->task, c->ret, &c->root, c->data, top) &
			(EV_PATH_MAX * 2 - 1);
		return false;
	}
	*len1 = resolve_fd_fp(c->e, c->task, c->ret, &c->root, c->data, top, keyed ? &fp : NULL) &
		(EV_PATH_MAX * 2 - 1);
	if (*len1 > EV_PATH_MAX)
		return false;
	keep = pf_keep(c->e, spec, id, c->data, *len1, *top, raw, &path_dropped);
	if (path_dropped && keyed)
		pf_cache_put(&ck, &fp);
	if (keep)
		return false;
	count(CNT_PREFILTERED);
	return true;
}

/* The result, number and argument registers (openat2's struct open_how
 * in place of its pointer and size). */
static __always_inline void fill_args(struct exit_ctx *c, __u32 nr)
{
	struct ev_syscall *e = c->e;
	__u32 idx;

	e->res = c->ret;
	e->nr = nr;
	for (idx = 0; idx < 6; idx++)
		e->args[idx] = syscall_arg(c->regs, idx);
	if (c->how_ok) {
		e->args[2] = c->how.flags;
		e->args[3] = c->how.mode;
		e->args[4] = c->how.resolve;
		e->path_flags |= EV_ARGS_OPEN_HOW;
	}
}

/* Path 1: the kernel object when there is one, else the caller's string.
 * len1: what prefilter_drops_open resolved already. Above EV_PATH_MAX: none. */
static __always_inline __u32 read_path1(struct exit_ctx *c, __u32 len1, __u32 *top)
{
	struct ev_syscall *e = c->e;
	__u32 spec = c->spec, idx;

	if ((spec & SC_FD_RET) && c->ret >= 0) {
		if (!SC_PF_ID(spec)) /* else resolved already, for the pre-filter */
			len1 = resolve_fd(e, c->task, c->ret, &c->root, c->data, top);
	} else if (spec & SC_FD_ARG0)
		len1 = resolve_fd(e, c->task, e->args[0], &c->root, c->data, top);
	idx = SC_ARG_FIELD(spec, SC_PATH_ARG_SHIFT);
	if (!len1 && idx) {
		len1 = user_string(e->args[(idx - 1) & 7], c->data);
		if (len1)
			e->path_flags |= EV_PATH1_USER;
	}
	return len1 & (EV_PATH_MAX * 2 - 1);
}

/* Path 2 (rename, link, symlink targets): the caller's string. A call
 * without one whose path 1 came from the kernel object sends the caller's
 * own path 1 string there, when a rule needs it (fd.nameraw). */
static __always_inline __u32 read_path2(struct exit_ctx *c, __u32 len1)
{
	struct ev_syscall *e = c->e;
	__u32 spec = c->spec, idx, len2 = 0;
	bool raw1;

	idx = SC_ARG_FIELD(spec, SC_PATH2_ARG_SHIFT);
	raw1 = !idx && (spec & SC_RAW_PATH1) && (e->path_flags & EV_PATH1_RESOLVED);
	if (raw1)
		idx = SC_ARG_FIELD(spec, SC_PATH_ARG_SHIFT);
	if (idx) {
		len2 = user_string(e->args[(idx - 1) & 7], c->data + len1);
		if (len2)
			e->path_flags |= raw1 ? EV_PATH2_RAW1 : EV_PATH2_USER;
	}
	return len2 & (EV_PATH_MAX * 2 - 1);
}

/* A relative caller path is relative to a dirfd or the cwd: that directory's
 * path, written at off; its length, 0 when there is none. */
static __always_inline __u32 read_base(struct exit_ctx *c, __u64 off)
{
	struct ev_syscall *e = c->e;
	struct task_struct *task = c->task; /* not inside BPF_CORE_READ: a local type */
	__u64 dirfd = (__u64)-100; /* AT_FDCWD */
	__u32 idx, base = 0;
	struct path pwd;
	bool trunc;

	if (!(e->path_flags & EV_PATH1_USER) || c->data[0] == '/')
		return 0;
	idx = SC_ARG_FIELD(c->spec, SC_DIRFD_ARG_SHIFT);
	if (idx)
		dirfd = e->args[(idx - 1) & 7];
	barrier_var(off);
	if (off > 2 * EV_PATH_MAX)
		return 0;
	if ((int)dirfd == -100) {
		pwd = BPF_CORE_READ(task, fs, pwd);
		base = walk_path(&pwd, &c->root, c->data + off, &trunc);
	} else {
		struct file *f = fd_file(task, (__u32)dirfd);

		if (f) {
			pwd = BPF_CORE_READ(f, f_path);
			base = walk_path(&pwd, &c->root, c->data + off, &trunc);
		}
	}
	if (base)
		e->path_flags |= EV_BASE_RESOLVED;
	return base;
}

/* The sockaddr the caller named (connect, bind, sendto), or the two new fds
 * of pipe, pipe2 and socketpair (so user space can follow them). */
static __always_inline void read_uaddr(struct exit_ctx *c)
{
	struct ev_syscall *e = c->e;
	__u32 idx = SC_ARG_FIELD(c->spec, SC_ADDR_ARG_SHIFT);

	if (idx) {
		__u64 ptr = e->args[(idx - 1) & 7];
		__u32 alen = sizeof(e->uaddr);
		__u32 li = SC_ARG_FIELD(c->spec, SC_ADDRLEN_ARG_SHIFT);

		if (li && e->args[(li - 1) & 7] < alen)
			alen = e->args[(li - 1) & 7];
		barrier_var(alen);
		if (alen > sizeof(e->uaddr))
			alen = sizeof(e->uaddr);
		if (ptr && alen && !bpf_probe_read_user(e->uaddr, alen, (const void *)ptr))
			e->uaddr_len = alen;
	}
	idx = SC_ARG_FIELD(c->spec, SC_FDS_ARG_SHIFT);
	if (idx && c->ret == 0 &&
	    !bpf_probe_read_user(e->uaddr, 8, (const void *)e->args[(idx - 1) & 7]))
		e->uaddr_len = 8;
}

/* The record of syscall nr, which returned ret, for the current task. */
static __always_inline int on_exit(struct pt_regs *regs, long ret, __u32 nr)
{
	struct exit_ctx c = { .regs = regs, .ret = ret };
	struct scratch *s;
	struct ev_syscall *e;
	__u32 *specp, hflags, len1 = 0, len2, base, top = 0;

	specp = bpf_map_lookup_elem(&syscall_spec, &nr);
	if (!specp || !*specp)
		return 0;
	c.spec = *specp;
	c.task = (struct task_struct *)bpf_get_current_task_btf();
	if (is_agent(c.task))
		return 0;
	e = empty_record(&s);
	if (!e)
		return 0;
	c.e = e;
	c.data = (char *)(e + 1);
	c.root.dentry = c.task->fs->root.dentry;
	c.root.mnt = c.task->fs->root.mnt;
	c.how_ok = (c.spec & SC_OPEN_HOW) && read_open_how(regs, &c.how);
	if (c.how_ok)
		c.how.flags = open_how_flags(c.task, ret, c.how.flags);
	if (prefilter_drops_open(&c, &len1, &top))
		return 0;
	fill_args(&c, nr);
	len1 = read_path1(&c, len1, &top);
	if (len1 > EV_PATH_MAX)
		return 0;
	len2 = read_path2(&c, len1);
	if (len2 > EV_PATH_MAX)
		return 0;
	base = read_base(&c, len1 + len2);
	read_uaddr(&c);
	/* connect/accept on IPv4 loopback: judged once the socket and the
	 * caller's address are known, before the header is paid for. */
	if (SC_PF_ID(c.spec) && !pf_keep_sock(e, c.spec)) {
		count(CNT_PREFILTERED);
		return 0;
	}
	hflags = e->hdr.flags; /* what the path walk and the filters flagged */
	fill_header(&e->hdr, c.task, EV_SYSCALL);
	e->hdr.flags |= hflags;
	e->path_len = len1;
	e->path2_len = len2;
	e->base_len = base;
	submit_scratch(s, &e->hdr, sizeof(*e) + len1 + len2 + base);
	return 0;
}

#include "io_uring.bpf.h"

SEC("tp_btf/sys_exit")
int BPF_PROG(on_sys_exit, struct pt_regs *regs, long ret)
{
	return on_exit(regs, ret, (__u32)syscall_nr(regs));
}

/* The tracepoint gives the number and the result; the arguments are in the
 * registers the syscall entry saved. */
SEC("tracepoint")
int on_sys_exit_tp(struct trace_event_raw_sys_exit *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();

	return on_exit((struct pt_regs *)bpf_task_pt_regs(task), ctx->ret, (__u32)ctx->id);
}

/* The pre-filter's name gate follows renames of process leaders and forgets
 * them at exit (bpf/prefilter_names.bpf.h); attached when a gate is in use. */
SEC("tp_btf/task_rename")
int BPF_PROG(on_task_rename, struct task_struct *task, const char *comm)
{
	pf_note_rename(task);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_pf_process_exit, struct task_struct *task)
{
	pf_forget_process(task);
	return 0;
}
