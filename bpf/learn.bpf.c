// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Learning: which syscalls each cgroup's processes make and which
 * capabilities they exercise (bpf/events.h, struct learn_cgroup), for
 * `palisade profile learn` (docs/profiles.md). Attached only while a profile
 * is learned, and detached (object destroyed) when learning ends: a
 * sys_enter hook puts every task on the kernel's slower syscall path.
 *
 * One raw sys_enter program sees every syscall number, whether or not
 * palisade's syscall table knows it and whatever the rules say. It does one
 * cgroup-id helper call and one hash lookup for a cgroup that is not learned;
 * for a learned one, a bit test and, the first time only, an atomic or.
 *
 * Its own object: no ring buffer, no shared scratch, so it loads alone (the
 * agent's sensor need not run) and leaves nothing behind.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "events.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define SECCOMP_MODE_FILTER 2
#define TS_COMPAT 0x0002 /* x86: the task is in a 32-bit syscall */

/* Set by user space before load. */
const volatile __u32 agent_tgid = 0;
/* Every cgroup is learned from its first syscall on (a container that has
 * not started yet); otherwise only the cgroups user space added. */
const volatile bool learn_all = false;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LEARN_CGROUPS_MAX);
	__type(key, __u64);
	__type(value, struct learn_cgroup);
} learn_cgroups SEC(".maps");

/* Cgroups learn_all could not add (the map was full): said, never silent. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} learn_full SEC(".maps");

static const struct learn_cgroup learn_zero;

static __always_inline struct learn_cgroup *learn_slot(void)
{
	__u64 id = bpf_get_current_cgroup_id();
	struct learn_cgroup *v = bpf_map_lookup_elem(&learn_cgroups, &id);
	__u32 zero = 0;
	__u64 *full;

	if (v || !learn_all)
		return v;
	bpf_map_update_elem(&learn_cgroups, &id, &learn_zero, BPF_NOEXIST);
	v = bpf_map_lookup_elem(&learn_cgroups, &id);
	if (!v && (full = bpf_map_lookup_elem(&learn_full, &zero)))
		*full += 1;
	return v;
}

/*
 * runc's init: "runc" as it is exec'd into the cgroup, then "runc:[0:PARENT]",
 * "runc:[1:CHILD]", "runc:[2:INIT]" once its nsexec stage renames it. (A
 * workload whose own program is named "runc" would be taken for it.)
 */
static __always_inline bool is_runtime(const struct task_struct *task)
{
	const char *c = task->comm;

	return c[0] == 'r' && c[1] == 'u' && c[2] == 'n' && c[3] == 'c' &&
	       (c[4] == '\0' || (c[4] == ':' && c[5] == '['));
}

static __always_inline bool in_compat_syscall(const struct task_struct *task)
{
#if defined(__TARGET_ARCH_x86)
	if (bpf_core_field_exists(task->thread_info.status))
		return BPF_CORE_READ(task, thread_info.status) & TS_COMPAT;
#endif
	return false;
}

static __always_inline void set_bit(__u64 *words, __u32 nr)
{
	__u64 bit = 1ull << (nr & 63);
	__u64 *w = &words[(nr >> 6) & (LEARN_WORDS - 1)];

	if (!(*w & bit)) /* written once: later calls only read the line */
		__sync_fetch_and_or(w, bit);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(learn_sys_enter, struct pt_regs *regs, long id)
{
	struct learn_cgroup *v = learn_slot();
	struct task_struct *task;

	if (!v)
		return 0;
	task = bpf_get_current_task_btf();
	if (agent_tgid && task->tgid == agent_tgid)
		return 0;
	if (in_compat_syscall(task)) {
		__sync_fetch_and_add(&v->compat_calls, 1);
		return 0;
	}
	if ((unsigned long)id >= EV_SYSCALL_NR_MAX) {
		__sync_fetch_and_add(&v->other_calls, 1);
		return 0;
	}
	if (!is_runtime(task)) {
		set_bit(v->syscalls, (__u32)id);
		return 0;
	}
	/* The runtime's setup before the container's filter is not the
	 * workload's; after it, what the runtime still does must pass it. */
	if (task->seccomp.mode == SECCOMP_MODE_FILTER)
		set_bit(v->runtime, (__u32)id);
	return 0;
}

SEC("tp_btf/cap_capable")
int BPF_PROG(learn_cap_capable, const struct cred *cred, struct user_namespace *target_ns,
	     const struct user_namespace *capable_ns, int cap, int ret)
{
	struct learn_cgroup *v = learn_slot();
	struct task_struct *task;
	__u64 bit;

	if (!v || cap < 0 || cap > 63)
		return 0;
	task = bpf_get_current_task_btf();
	/* The runtime drops capabilities with the ones it has: not the workload's.
	 * A check of credentials other than the task's own is not the workload's
	 * either: overlayfs acts on its upper layer with the mounter's (dockerd's)
	 * credentials (override_creds), which pass CAP_SYS_ADMIN for a container's
	 * mkdir; has_capability() asks about another task. */
	if ((agent_tgid && task->tgid == agent_tgid) || is_runtime(task) ||
	    (const void *)cred != (const void *)task->real_cred)
		return 0;
	bit = 1ull << cap;
	if (ret == 0) {
		if (!(v->caps_used & bit))
			__sync_fetch_and_or(&v->caps_used, bit);
	} else if (!(v->caps_denied & bit)) {
		__sync_fetch_and_or(&v->caps_denied, bit);
	}
	return 0;
}
