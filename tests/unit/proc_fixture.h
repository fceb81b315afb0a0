/*
 * The synthetic process chain the rule tests build their events on (a
 * process, its parent, its grandparent), as the process table would hold
 * them. Shared by test_rules_eval.c, test_rules_syscalls.c and
 * tests/fuzz/fuzz_rules_condition.c.
 */
#ifndef PALISADE_TEST_PROC_FIXTURE_H
#define PALISADE_TEST_PROC_FIXTURE_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "proc/proc.h"

/* A table entry: pid, parent, comm, executable (copied into exe_buf), cwd. */
static inline void fixture_proc(struct proc_entry *p, uint32_t pid, uint32_t ppid,
				const char *comm, char *exe_buf, size_t exe_cap, const char *exe,
				char *cwd)
{
	memset(p, 0, sizeof(*p));
	p->pid = p->vpid = pid;
	p->ppid = ppid;
	p->start_ns = 1000;
	snprintf(p->comm, sizeof(p->comm), "%s", comm);
	snprintf(exe_buf, exe_cap, "%s", exe);
	p->exe = exe_buf;
	p->cwd = cwd;
	p->args = "";
	p->loginuid = UINT32_MAX;
}

/* The rules' parent chain (rules_ancestor_fn) over the fixture's entries. */
static inline const struct proc_entry *fixture_ancestor(const struct proc_entry *parent,
							const struct proc_entry *gparent,
							unsigned n)
{
	if (n == 1 && parent->pid)
		return parent;
	if (n == 2 && gparent->pid)
		return gparent;
	return NULL;
}

#endif
