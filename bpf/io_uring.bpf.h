/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * io_uring requests that open a file or connect a socket, reported as the
 * syscalls they stand for (docs/events.md, "io_uring"): IORING_OP_OPENAT as
 * openat, IORING_OP_OPENAT2 as openat2, IORING_OP_CONNECT as connect, with
 * EV_F_IO_URING in the header. No syscall tracepoint sees them: the kernel
 * runs them for the process (inline, or in an io-wq or SQPOLL thread of the
 * process). They are read at io_uring:io_uring_complete, where the result
 * is known and an opened fd is in the process's table: the path comes from
 * the opened file, as for open. Included by syscall.bpf.c (its helpers,
 * its interest map and pre-filter). The program runs for every io_uring
 * completion on the host: any other opcode costs one load.
 */
#ifndef PALISADE_IO_URING_BPF_H
#define PALISADE_IO_URING_BPF_H

/* The build architecture's numbers of the syscalls they stand for (user
 * space sets them from its syscall table; 0: not reported). */
const volatile __u32 io_uring_nr_openat = 0;
const volatile __u32 io_uring_nr_openat2 = 0;
const volatile __u32 io_uring_nr_connect = 0;

#define PF_IO_WORKER_FLAG 0x00000010 /* include/linux/sched.h: an io-wq or SQPOLL thread */

/* An io-wq or SQPOLL thread works for its process: the header describes
 * the process (its leader: its name, credentials, start), not "iou-wrk-N". */
static __always_inline struct task_struct *io_uring_owner(struct task_struct *task)
{
	struct task_struct *t = KOBJ(struct task_struct, task);

	return t->flags & PF_IO_WORKER_FLAG ? t->group_leader : task;
}

/* IORING_OP_OPENAT(2): the arguments from the request, the path from the
 * fd it installed. A fixed-file slot (file_slot) is no fd: no path, said by
 * EV_FD_FIXED. Returns path 1's bytes, or -1 when the pre-filter drops it. */
static __always_inline long io_uring_open(struct ev_syscall *e, struct io_kiocb *req,
					  struct task_struct *task, __u32 spec, char *data)
{
	struct io_open *o = (struct io_open *)&req->cmd;
	__u32 slot = BPF_CORE_READ(o, file_slot), len = 0, top = 0;
	bool path_dropped;
	struct path root;

	e->args[0] = (__u64)(__s64)BPF_CORE_READ(o, dfd);
	e->args[2] = BPF_CORE_READ(o, how.flags);
	e->args[3] = BPF_CORE_READ(o, how.mode);
	e->args[4] = BPF_CORE_READ(o, how.resolve);
	e->path_flags |= EV_ARGS_OPEN_HOW;
	if (slot) {
		e->path_flags |= EV_FD_FIXED;
		return 0;
	}
	if (e->res < 0)
		return 0;
	root.dentry = task->fs->root.dentry;
	root.mnt = task->fs->root.mnt;
	len = resolve_fd(e, task, e->res, &root, data, &top) & (EV_PATH_MAX * 2 - 1);
	if (len > EV_PATH_MAX)
		return -1;
	if (SC_PF_ID(spec) &&
	    !pf_keep(e, spec, pf_class(spec, e->args[2], task), data, len, top, 0, &path_dropped)) {
		count(CNT_PREFILTERED);
		return -1;
	}
	return len;
}

/* IORING_OP_CONNECT: the socket is the request's file; the address the
 * caller gave was copied into the request's async data at submission. */
static __always_inline void io_uring_connect(struct ev_syscall *e, struct io_kiocb *req)
{
	struct io_connect *c = (struct io_connect *)&req->cmd;
	struct io_async_msghdr *io = BPF_CORE_READ(req, async_data);
	struct file *f = BPF_CORE_READ(c, file);
	__u32 alen = BPF_CORE_READ(c, addr_len);

	e->args[0] = (__u64)-1; /* the fd number is not kept by the request */
	e->args[2] = alen;
	if (f && (KOBJ(struct file, f)->f_inode->i_mode & S_IFMT) == S_IFSOCK)
		fill_sock(&e->sock, KOBJ(struct file, f));
	if (alen > sizeof(e->uaddr))
		alen = sizeof(e->uaddr);
	barrier_var(alen);
	if (io && alen && alen <= sizeof(e->uaddr) &&
	    !bpf_probe_read_kernel(e->uaddr, alen & 63, &io->addr))
		e->uaddr_len = alen;
}

static __always_inline int io_uring_report(struct io_kiocb *req, __u32 nr, long res, bool open)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task_btf();
	__u32 *specp = bpf_map_lookup_elem(&syscall_spec, &nr), spec, hflags;
	struct ev_syscall *e;
	struct scratch *s;
	long len1 = 0;
	char *data;

	if (!nr || !specp || !*specp || is_agent(task))
		return 0;
	spec = *specp;
	e = empty_record(&s);
	if (!e)
		return 0;
	data = (char *)(e + 1);
	e->res = res;
	e->nr = nr;
	if (open) {
		len1 = io_uring_open(e, req, task, spec, data);
		if (len1 < 0)
			return 0;
	} else {
		io_uring_connect(e, req);
		if (SC_PF_ID(spec) && !pf_keep_sock(e, spec)) {
			count(CNT_PREFILTERED);
			return 0;
		}
	}
	hflags = e->hdr.flags | EV_F_IO_URING;
	fill_header(&e->hdr, io_uring_owner(task), EV_SYSCALL);
	e->hdr.flags |= hflags;
	e->path_len = len1 & (EV_PATH_MAX * 2 - 1);
	submit_scratch(s, &e->hdr, sizeof(*e) + (len1 & (EV_PATH_MAX * 2 - 1)));
	return 0;
}

/* Attached when openat, openat2 or connect is watched and the kernel has
 * this tracepoint with this signature (src/sensor/io_uring_attach.c). */
SEC("tp_btf/io_uring_complete")
int BPF_PROG(on_uring_cqe, struct io_ring_ctx *ring, void *req, struct io_uring_cqe *cqe)
{
	struct io_kiocb *r = req;
	__u8 op = BPF_CORE_READ(r, opcode);

	if (op == IORING_OP_OPENAT)
		return io_uring_report(r, io_uring_nr_openat, cqe->res, true);
	if (op == IORING_OP_OPENAT2)
		return io_uring_report(r, io_uring_nr_openat2, cqe->res, true);
	if (op == IORING_OP_CONNECT)
		return io_uring_report(r, io_uring_nr_connect, cqe->res, false);
	return 0;
}

#endif
