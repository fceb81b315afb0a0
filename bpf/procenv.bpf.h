/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * What the process sensor adds about a process beyond its header: its
 * process group and session (fork and exec), and its environment (exec, only
 * when a loaded rule reads proc.env: it costs a copy of up to EV_ENV_MAX
 * bytes per exec).
 */
#ifndef PALISADE_PROCENV_BPF_H
#define PALISADE_PROCENV_BPF_H

#include "common.bpf.h"

/* Set by user space, at load and on a rules reload (src/sensor): non-zero
 * when some rule reads proc.env. A writable global, not rodata: a reload can
 * turn it on or off without reloading the programs. */
__u32 capture_env = 0;

/*
 * The number a struct pid has in pid namespace `ns` at `level`, 0 when it
 * has none there (the kernel's pid_nr_ns): a group whose leader is outside
 * a container's pid namespace has no number inside it.
 */
static __always_inline __u32 pid_nr_in(struct pid *pid, struct pid_namespace *ns,
				       unsigned int level)
{
	struct upid up;

	if (!pid || BPF_CORE_READ(pid, level) < level)
		return 0;
	if (bpf_core_read(&up, sizeof(up), &pid->numbers[level & 31]))
		return 0;
	return up.ns == ns ? (__u32)up.nr : 0;
}

/* Group and session of a task (a child at fork, the caller at exec). */
static __always_inline void read_pgrp(struct task_struct *task, struct ev_pgrp *g)
{
	struct pid *own = BPF_CORE_READ(task, thread_pid);
	unsigned int level = BPF_CORE_READ(own, level);
	struct pid_namespace *ns;
	struct pid *pgrp, *sess;
	struct upid up;

	ns = bpf_core_read(&up, sizeof(up), &own->numbers[level & 31]) ? NULL : up.ns;
	/* The pid_type values have not moved since PIDTYPE_TGID joined (4.19). */
	pgrp = BPF_CORE_READ(task, signal, pids[PIDTYPE_PGID]);
	sess = BPF_CORE_READ(task, signal, pids[PIDTYPE_SID]);
	/* numbers[0]: the initial pid namespace, the host's, like hdr.pid. */
	g->pgid = pgrp ? (__u32)BPF_CORE_READ(pgrp, numbers[0].nr) : 0;
	g->sid = sess ? (__u32)BPF_CORE_READ(sess, numbers[0].nr) : 0;
	g->vpgid = ns ? pid_nr_in(pgrp, ns, level) : 0;
	g->vsid = ns ? pid_nr_in(sess, ns, level) : 0;
}

/*
 * Copies the new image's environment (the kernel just laid it out on the
 * stack, after argv) to dst, at most EV_ENV_MAX bytes; sets env_len and
 * env_flags, and the truncation / read-failure flags of the header.
 * Returns the bytes written.
 */
static __always_inline __u32 read_env(struct task_struct *task, char *dst, struct ev_exec *e)
{
	long len;

	e->env_len = 0;
	e->env_flags = 0;
	if (!capture_env)
		return 0;
	len = read_user_span(&e->hdr, dst, BPF_CORE_READ(task, mm, env_start),
			     BPF_CORE_READ(task, mm, env_end), EV_ENV_MAX, EV_F_ENV_TRUNC,
			     CNT_TRUNC_ENV);
	if (len < 0)
		return 0;
	e->env_len = len;
	e->env_flags = EV_ENV_READ;
	return len;
}

#endif /* PALISADE_PROCENV_BPF_H */
