/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The pre-filter's name gate, kernel side (docs/prefilter.md). Some rules
 * match an open of any path but only for a process of a given name
 * (proc.name = tar). src/rules/prefilter.c proves, per filter class, a set N
 * of names such that such a rule matches only if proc.name is in N; an open
 * no path entry keeps is kept when pf_name_keep() finds its process may have
 * a name in N. The user-space twin is name_keep() in src/rules/prefilter.c.
 *
 * Why the test is sound. User space's proc.name of an open is comm() of
 * src/rules/extract_proc.c: the process table's comm for the record's tgid,
 * or, when the table has no entry, the header's comm, which is the opening
 * thread's comm read by this same program. The table's comm was last set
 * (src/proc/proc_table.c) by one of:
 *  - the exec record: the comm at sched_process_exec, i.e. the leader's
 *    comm just after the exec (the exec'ing thread is the leader by then);
 *  - the fork record of a new process (tgid == pid): the child's comm, and
 *    the child is its own leader;
 *  - the /proc/PID/stat snapshot at start: the leader's comm then; the
 *    rename tracker below is attached before that scan (when the rules at
 *    start have a gate; a reload that brings the first gate sets
 *    PF_GATE_MARKS_FULL, src/sensor/prefilter_maps.c). The snapshot is
 *    applied before the records queued meanwhile, so an open before the
 *    scan may be judged with a name from after it: until user space says
 *    the table is seeded (PF_GATE_UNSEEDED), every gated open is kept.
 * Records of one process reach user space in the order they happened, so
 * for an open at time t after the scan the table holds the leader's comm as
 * it was at the last exec/fork/snapshot before t. A task's comm changes only in
 * __set_task_comm (prctl PR_SET_NAME, writes to /proc/PID[/task/TID]/comm,
 * exec), and every call fires the task_rename tracepoint first. So at t,
 * either the leader's comm is still the table's comm, or the leader was
 * renamed since by something other than an exec; pf_note_rename() marks
 * every such rename of a leader, whatever the names (so a reload with other
 * names stays sound). The test keeps the open if:
 *   the thread's comm is in N (the table has no entry: the header's comm),
 *   or the leader's comm is in N (the leader was not renamed since),
 *   or the tgid is marked (it was), or a mark could not be stored,
 *   or the table is not seeded yet.
 * Marks are removed only where no later open can need them: at exec (the
 * table takes the new comm from the exec record, which precedes every later
 * open of the process) and when the last thread exits (no open follows, and
 * the tgid cannot be reused before the pid is freed, after this point). A
 * mark left behind (a missed exit) can only keep more. A rename whose mark
 * does not fit sets PF_GATE_MARKS_FULL: from then on every open of a gated
 * class is kept (sound, slower; the agent reports it).
 * What this test does not see: events the ring buffer lost (their exec or
 * fork record missing, the table is stale anyway), and a thread renamed by
 * another one between this test and fill_header() of the same record.
 */
#ifndef PALISADE_PREFILTER_NAMES_BPF_H
#define PALISADE_PREFILTER_NAMES_BPF_H

#include "common.bpf.h"

#define PF_NAMES_MAX 1024
#define PF_MARKS_MAX 16384

/* The name gates: (class id byte, comm) -> 1. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PF_NAMES_MAX);
	__type(key, struct pf_name_key);
	__type(value, __u8);
} pf_names SEC(".maps");

/* tgid -> 1: the leader was renamed since its last exec (not by an exec). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PF_MARKS_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, __u8);
} pf_renamed SEC(".maps");

/* enum pf_gate_slot: the gated id bytes (user space), marks overflow (kernel). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PF_GATE_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} pf_gate SEC(".maps");

static __always_inline __u64 *pf_gate_slot(__u32 slot)
{
	return bpf_map_lookup_elem(&pf_gate, &slot);
}

/*
 * A comm as a name key's: the bytes up to its first NUL, zero after it, and
 * at most 15 bytes (what bpf_probe_read_kernel_str would copy), from two
 * direct loads instead of a helper call. The kernel pads a comm with zeros,
 * but a rename can race this read: the mask makes the key a string whatever
 * the bytes past the NUL (the helper saw the same race).
 */
static __always_inline void pf_comm_key(char *dst, const char *comm)
{
	__u64 w[2], m;

	__builtin_memcpy(w, comm, sizeof(w));
	m = (w[0] - WORD_ONES) & ~w[0] & WORD_HIGHS;
	if (m) {
		w[0] &= (m & -m) - 1; /* the bits below the first zero byte's top bit */
		w[1] = 0;
	} else {
		m = (w[1] - WORD_ONES) & ~w[1] & WORD_HIGHS;
		w[1] &= m ? (m & -m) - 1 : 0x00ffffffffffffffull; /* little-endian */
	}
	__builtin_memcpy(dst, w, sizeof(w));
}

/*
 * True when the open's process may have a name of class id's name gate (see
 * the argument above). Flags what the record alone cannot show (kept by the
 * leader's name or a mark) with EV_F_PF_NAME, so the twin can tell.
 */
static __always_inline bool pf_name_keep(struct ev_syscall *e, __u32 id)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task_btf();
	struct pf_name_key k = {};
	__u64 *ids = pf_gate_slot(PF_GATE_IDS), *full, *unseeded;
	__u32 tgid;

	if (!ids)
		return true;
	if (!(*ids & (1ull << (id & 63))))
		return false;
	k.id = id;
	pf_comm_key(k.comm, task->comm);
	if (bpf_map_lookup_elem(&pf_names, &k))
		return true;
	e->hdr.flags |= EV_F_PF_NAME; /* from here on, kept for a reason the record lacks */
	/* The leader's comm, unless the caller is the leader (same comm). */
	if (task->group_leader != task) {
		pf_comm_key(k.comm, task->group_leader->comm);
		if (bpf_map_lookup_elem(&pf_names, &k))
			return true;
	}
	tgid = task->tgid;
	full = pf_gate_slot(PF_GATE_MARKS_FULL);
	unseeded = pf_gate_slot(PF_GATE_UNSEEDED);
	if (bpf_map_lookup_elem(&pf_renamed, &tgid) || !full || *full || !unseeded || *unseeded)
		return true;
	e->hdr.flags &= ~EV_F_PF_NAME;
	return false;
}

/* tp_btf/task_rename: task's comm is about to change (task->comm is the old). */
static __always_inline void pf_note_rename(struct task_struct *task)
{
	__u32 tgid = task->tgid;
	__u64 *full;
	__u8 one = 1;

	/* A thread's own comm is read at each open: only the leader's matters. */
	if (task != task->group_leader)
		return;
	/* The exec's own rename (the task renaming itself inside execve): the
	 * exec record gives the table the new comm. */
	if (task == (struct task_struct *)bpf_get_current_task_btf() &&
	    BPF_CORE_READ_BITFIELD(task, in_execve)) {
		bpf_map_delete_elem(&pf_renamed, &tgid);
		return;
	}
	if (bpf_map_update_elem(&pf_renamed, &tgid, &one, BPF_ANY)) {
		full = pf_gate_slot(PF_GATE_MARKS_FULL);
		if (full)
			*full = 1;
	}
}

/* tp_btf/sched_process_exit: the last thread of a process is gone. */
static __always_inline void pf_forget_process(struct task_struct *task)
{
	__u32 tgid = task->tgid;

	if (BPF_CORE_READ(task, signal, live.counter) == 0)
		bpf_map_delete_elem(&pf_renamed, &tgid);
}

#endif
