// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Process sensor: exec, fork (processes, not threads) and exit, from typed
 * BTF tracepoints (tp_btf), which this kernel allows where LSM and fentry
 * programs are refused.
 */
#include "common.bpf.h"
#include "exec_deny.bpf.h"
#include "hold.bpf.h"
#include "procenv.bpf.h"

#define CLONE_VM 0x00000100
#define CLONE_FS 0x00000200
#define CLONE_FILES 0x00000400
#define CLONE_SIGHAND 0x00000800
#define CLONE_PARENT 0x00008000
#define CLONE_NEWNS 0x00020000
#define CLONE_SYSVSEM 0x00040000
#define CLONE_NEWCGROUP 0x02000000
#define CLONE_NEWUTS 0x04000000
#define CLONE_NEWIPC 0x08000000
#define CLONE_NEWUSER 0x10000000
#define CLONE_NEWPID 0x20000000
#define CLONE_NEWNET 0x40000000

#define OVERLAYFS_SUPER_MAGIC 0x794c7630
#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define S_IFIFO 0010000
#define S_IFDIR 0040000
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define AF_NETLINK 16

/* What one of the task's fds is (EV_STDIO_*). */
static __always_inline __u32 stdio_kind(struct file **fds, unsigned int max_fds, int fd)
{
	struct file *f = NULL;
	struct socket *sock;
	__u16 family;

	if (fd >= max_fds || bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) || !f)
		return EV_STDIO_NONE;
	switch (BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT) {
	case S_IFIFO: return EV_STDIO_PIPE;
	case S_IFDIR: return EV_STDIO_DIR;
	case S_IFSOCK: break;
	default: return EV_STDIO_FILE;
	}
	sock = BPF_CORE_READ(f, private_data);
	family = BPF_CORE_READ(sock, sk, __sk_common.skc_family);
	switch (family) {
	case AF_INET: return EV_STDIO_IPV4;
	case AF_INET6: return EV_STDIO_IPV6;
	case AF_UNIX: return EV_STDIO_UNIX;
	case AF_NETLINK: return EV_STDIO_NETLINK;
	default: return EV_STDIO_SOCK_OTHER;
	}
}

/* fds 0-2 of the new image (close-on-exec ones are already gone). */
static __always_inline void read_stdio(struct task_struct *task, struct ev_exec *e)
{
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds = BPF_CORE_READ(fdt, fd);
	unsigned int max_fds = BPF_CORE_READ(fdt, max_fds);

	if (!fdt || !fds)
		return;
	e->exe_flags |= EV_EXE_STDIO_KNOWN;
	e->exe_flags |= stdio_kind(fds, max_fds, 0) << EV_EXE_STDIO_SHIFT(0);
	e->exe_flags |= stdio_kind(fds, max_fds, 1) << EV_EXE_STDIO_SHIFT(1);
	e->exe_flags |= stdio_kind(fds, max_fds, 2) << EV_EXE_STDIO_SHIFT(2);
}

/*
 * What the kernel knows about the executable's file: inode, times, and
 * whether it lives in an overlay's upper layer. A file a container created
 * or modified has an upper dentry; one that only exists in the image's lower
 * layers has none, which is how "not part of the base image" is told.
 */
static __always_inline void read_exe_info(struct file *file, struct ev_exec *e)
{
	struct inode *inode = BPF_CORE_READ(file, f_inode);

	e->exe_flags = EV_EXE_INFO | EV_EXE_LAYER_KNOWN;
	e->exe_ino = BPF_CORE_READ(inode, i_ino);
	e->exe_ctime_ns = 0;
	e->exe_mtime_ns = 0;
	/* Split second/nanosecond fields since 6.11; older layouts leave 0. */
	if (bpf_core_field_exists(inode->i_ctime_sec)) {
		e->exe_ctime_ns = BPF_CORE_READ(inode, i_ctime_sec) * 1000000000ull +
				  BPF_CORE_READ(inode, i_ctime_nsec);
		e->exe_mtime_ns = BPF_CORE_READ(inode, i_mtime_sec) * 1000000000ull +
				  BPF_CORE_READ(inode, i_mtime_nsec);
	}
	if (BPF_CORE_READ(inode, i_sb, s_magic) != OVERLAYFS_SUPER_MAGIC)
		return;
	e->exe_flags |= EV_EXE_OVERLAY;
	/* container_of(inode, struct ovl_inode, vfs_inode), relocated by CO-RE. */
	struct ovl_inode *oi = (void *)inode - bpf_core_field_offset(struct ovl_inode, vfs_inode);

	if (BPF_CORE_READ(oi, __upperdentry))
		e->exe_flags |= EV_EXE_UPPER_LAYER;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	struct scratch *s;
	struct ev_exec *e;
	struct fs_struct *fs;
	struct path exe_path, root, pwd;
	long copied;
	__u32 exe_len, args_len, cwd_len, env_len;
	__u64 size; /* 64-bit: a u32 would be re-extended past its checked bound */
	bool trunc;

	if (is_agent(task))
		return 0;
	s = scratch_get();
	if (!s)
		return 0;
	e = &s->rec;
	fill_header(&e->hdr, task, EV_EXEC);

	fs = BPF_CORE_READ(task, fs);
	root = BPF_CORE_READ(fs, root);
	pwd = BPF_CORE_READ(fs, pwd);

	/* The file the kernel opened, not the user's pointer: it cannot lie. */
	exe_path = BPF_CORE_READ(bprm, file, f_path);
	exe_len = walk_path(&exe_path, &root, s->data, &trunc);
	if (trunc) {
		e->hdr.flags |= EV_F_EXE_TRUNC;
		count(CNT_TRUNC_PATH);
	}
	exe_len &= (EV_PATH_MAX * 2 - 1); /* provably <= EV_PATH_MAX, for the verifier */
	if (exe_len > EV_PATH_MAX)
		return 0;

	/* argv as the new image sees it: the kernel just copied it to the stack. */
	copied = read_user_span(&e->hdr, s->data + exe_len, BPF_CORE_READ(task, mm, arg_start),
				BPF_CORE_READ(task, mm, arg_end), EV_ARGS_MAX, EV_F_ARGS_TRUNC,
				CNT_TRUNC_ARGS);
	args_len = copied < 0 ? 0 : copied;
	args_len &= (EV_ARGS_MAX * 2 - 1);
	if (args_len > EV_ARGS_MAX)
		return 0;
	size = exe_len + args_len;
	barrier_var(size);
	if (size > EV_PATH_MAX + EV_ARGS_MAX)
		return 0;
	/* Before anything else is spent on the record: the kill lands on the
	 * way back to user space, before the new image's first instruction. A
	 * truncated path is not the whole path: never judged on it. */
	if (!(e->hdr.flags & EV_F_EXE_TRUNC) &&
	    exec_denied(task, s->data, exe_len, s->data + exe_len, args_len)) {
		/* Flagged only when sent: user space kills what the kernel could not. */
		if (bpf_send_signal(SIGKILL) == 0) {
			e->hdr.flags |= EV_F_KILLED;
			count(CNT_EXEC_KILLED);
		} else {
			count(CNT_KILL_FAILED);
		}
	}
	/* Not killed: a new container's first exec waits until it is armed. */
	if (!(e->hdr.flags & EV_F_KILLED) && hold_first_exec(task, e->hdr.cgroup_id))
		e->hdr.flags |= EV_F_HELD;
	cwd_len = walk_path(&pwd, &root, s->data + size, &trunc);
	if (trunc) {
		e->hdr.flags |= EV_F_CWD_TRUNC;
		count(CNT_TRUNC_PATH);
	}
	cwd_len &= (EV_PATH_MAX * 2 - 1);
	if (cwd_len > EV_PATH_MAX)
		return 0;
	size += cwd_len;
	env_len = read_env(task, s->data + size, e);
	e->exe_len = exe_len;
	e->args_len = args_len;
	e->cwd_len = cwd_len;
	read_exe_info(BPF_CORE_READ(bprm, file), e);
	read_stdio(task, e);
	read_pgrp(task, &e->pgrp);
	submit_scratch(s, &e->hdr, sizeof(*e) + size + env_len);
	return 0;
}

/* Clone flags are not in the tracepoint: derive them from what parent and
 * child share, which is what the flags caused in the first place.
 * CLONE_VFORK cannot be seen: the kernel marks it after this tracepoint.
 * Namespaces made by an earlier unshare() are shared, so not reported. */
static __always_inline __u64 derived_clone_flags(struct task_struct *parent,
						 struct task_struct *child)
{
	struct nsproxy *pn = BPF_CORE_READ(parent, nsproxy);
	struct nsproxy *cn = BPF_CORE_READ(child, nsproxy);
	__u64 f = 0;

	if (BPF_CORE_READ(parent, mm) == BPF_CORE_READ(child, mm))
		f |= CLONE_VM;
	if (BPF_CORE_READ(parent, fs) == BPF_CORE_READ(child, fs))
		f |= CLONE_FS;
	if (BPF_CORE_READ(parent, files) == BPF_CORE_READ(child, files))
		f |= CLONE_FILES;
	if (BPF_CORE_READ(parent, sighand) == BPF_CORE_READ(child, sighand))
		f |= CLONE_SIGHAND;
	if (BPF_CORE_READ(child, real_parent) != parent)
		f |= CLONE_PARENT;
	if (BPF_CORE_READ(pn, mnt_ns) != BPF_CORE_READ(cn, mnt_ns))
		f |= CLONE_NEWNS;
	if (BPF_CORE_READ(pn, uts_ns) != BPF_CORE_READ(cn, uts_ns))
		f |= CLONE_NEWUTS;
	if (BPF_CORE_READ(pn, ipc_ns) != BPF_CORE_READ(cn, ipc_ns))
		f |= CLONE_NEWIPC;
	if (BPF_CORE_READ(pn, net_ns) != BPF_CORE_READ(cn, net_ns))
		f |= CLONE_NEWNET;
	if (BPF_CORE_READ(pn, cgroup_ns) != BPF_CORE_READ(cn, cgroup_ns))
		f |= CLONE_NEWCGROUP;
	if (BPF_CORE_READ(pn, pid_ns_for_children) != BPF_CORE_READ(cn, pid_ns_for_children))
		f |= CLONE_NEWPID;
	if (BPF_CORE_READ(parent, real_cred, user_ns) != BPF_CORE_READ(child, real_cred, user_ns))
		f |= CLONE_NEWUSER;
	return f;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	struct scratch *s;
	struct ev_fork *e;

	/* Threads share the process: the table tracks processes only. */
	if (BPF_CORE_READ(child, tgid) != BPF_CORE_READ(child, pid))
		return 0;
	if (is_agent(parent))
		return 0;
	s = scratch_get();
	if (!s)
		return 0;
	e = (struct ev_fork *)&s->rec;
	fill_header(&e->hdr, child, EV_FORK);
	e->clone_flags = derived_clone_flags(parent, child);
	e->parent_tid = BPF_CORE_READ(parent, pid);
	e->pad = 0;
	read_pgrp(child, &e->pgrp);
	e->hdr.size = sizeof(*e);
	submit(&e->hdr, sizeof(*e));
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *task)
{
	struct scratch *s;
	struct ev_exit *e;

	/* Report the process once, when its last thread goes. */
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	if (is_agent(task))
		return 0;
	hold_forget(task);
	s = scratch_get();
	if (!s)
		return 0;
	e = (struct ev_exit *)&s->rec;
	fill_header(&e->hdr, task, EV_EXIT);
	/* A group exit (exit_group, fatal signal) leaves the status there. */
	if (BPF_CORE_READ(task, signal, flags) & 0x00000004 /* SIGNAL_GROUP_EXIT */)
		e->exit_code = BPF_CORE_READ(task, signal, group_exit_code);
	else
		e->exit_code = BPF_CORE_READ(task, exit_code);
	e->pad = 0;
	e->hdr.size = sizeof(*e);
	submit(&e->hdr, sizeof(*e));
	return 0;
}

/*
 * Injection and privilege syscalls (ptrace, process_vm_writev, init_module,
 * mount, ...) that an enforcing kill rule names: the caller is sent SIGKILL
 * at syscall entry. The signal is delivered on the way back to user space,
 * so the syscall itself may still complete (a BPF tracing program cannot
 * refuse it); what it did dies with the caller (a ptrace attach ends with
 * the tracer). Attached only when some rule asks (src/action/entry_kill.c).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, EV_SYSCALL_NR_MAX);
	__type(key, __u32);
	__type(value, __u32);
} entry_deny SEC(".maps");

/* Threads sent SIGKILL at entry (tid -> syscall number): the action record
 * says "served in kernel" only for these (sensor_entry_killed_take). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u32);
} entry_killed SEC(".maps");

SEC("tp_btf/sys_enter")
int BPF_PROG(on_sys_enter, struct pt_regs *regs, long id)
{
	struct task_struct *task;
	__u32 nr = (__u32)id, *deny, tid;
	unsigned int level;

	if (nr >= EV_SYSCALL_NR_MAX)
		return 0;
	deny = bpf_map_lookup_elem(&entry_deny, &nr);
	if (!deny || !*deny)
		return 0;
	task = bpf_get_current_task_btf();
	if (is_agent(task) || BPF_CORE_READ(task, tgid) == 1)
		return 0;
	if (!(*deny & ENTRY_DENY_ALL)) {
		/* A container: a pid namespace below the host's. */
		level = BPF_CORE_READ(task, thread_pid, level);
		if (!(*deny & ENTRY_DENY_CONTAINERS) || level == 0)
			return 0;
	}
	if (bpf_send_signal(SIGKILL)) {
		count(CNT_KILL_FAILED);
		return 0;
	}
	tid = BPF_CORE_READ(task, pid); /* the thread that made the call */
	bpf_map_update_elem(&entry_killed, &tid, &nr, BPF_ANY);
	count(CNT_ENTRY_KILLED);
	return 0;
}
