/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The hold: a container must not run one instruction before the agent has
 * put its enforcement in place (fanotify marks on its root, its scope bits
 * in the exec deny lists, its network policy). A container's cgroup is new
 * to the agent until the agent arms it; the first exec in such a cgroup (the
 * container's entrypoint, or the first `docker exec` into a container the
 * agent has not armed) is stopped here with SIGSTOP, at
 * tp_btf/sched_process_exec, where the new image has not run an instruction
 * yet. The agent judges the exec, arms the cgroup (armed map) and sends
 * SIGCONT; a keeper thread releases (or kills, by policy) a hold the agent
 * is late with (src/action/hold.c). runc's own `runc init` execs run in the
 * host's root and pid namespace and are never held.
 */
#ifndef PALISADE_HOLD_BPF_H
#define PALISADE_HOLD_BPF_H

#include "common.bpf.h"

#define SIGSTOP 19

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HOLD_MAX);
	__type(key, __u32);
	__type(value, struct hold_value);
} held SEC(".maps");

/* LRU: a dead container's cgroup ages out; a live one evicted is held once
 * more at its next exec, and armed again. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, EXEC_SCOPE_CGROUPS);
	__type(key, __u64);
	__type(value, __u32);
} armed SEC(".maps");

/* Set by user space when some rule enforces (src/sensor/hold.c). */
volatile __u32 hold_on = 0;
/* The host's root directory (kernel dev_t encoding, inode), set before load:
 * a process with another root is in a container (or a chroot). */
const volatile __u64 host_root_dev = 0;
const volatile __u64 host_root_ino = 0;

static __always_inline bool in_container(struct task_struct *task)
{
	struct task_struct *t = KOBJ(struct task_struct, task);
	struct dentry *root = t->fs->root.dentry;

	if (t->thread_pid->level > 0)
		return true;
	return root->d_sb->s_dev != host_root_dev || root->d_inode->i_ino != host_root_ino;
}

/* Holds task (its new image not started) when its cgroup is not armed.
 * true: it is stopped, and listed in held. */
static __always_inline bool hold_first_exec(struct task_struct *task, __u64 cgroup)
{
	struct hold_value v = { .cgroup_id = cgroup };
	__u32 tgid;

	if (!hold_on || bpf_map_lookup_elem(&armed, &cgroup) || !in_container(task))
		return false;
	tgid = BPF_CORE_READ(task, tgid);
	v.since_ns = bpf_ktime_get_boot_ns();
	if (bpf_map_update_elem(&held, &tgid, &v, BPF_ANY)) {
		count(CNT_HOLD_FAILED);
		return false;
	}
	if (bpf_send_signal(SIGSTOP)) {
		bpf_map_delete_elem(&held, &tgid);
		count(CNT_HOLD_FAILED);
		return false;
	}
	count(CNT_HELD);
	return true;
}

/* A held process that dies is no longer held. */
static __always_inline void hold_forget(struct task_struct *task)
{
	__u32 tgid;

	if (!hold_on)
		return;
	tgid = BPF_CORE_READ(task, tgid);
	bpf_map_delete_elem(&held, &tgid);
}

#endif
