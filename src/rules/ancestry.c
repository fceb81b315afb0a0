/*
 * The one place the rule engine reaches the process table: the parent
 * chain. Isolated so tests and replay can supply their own chain through
 * rules_config.ancestor.
 */
#include "proc/proc.h"
#include "rules/rules_internal.h"

const struct proc_entry *rl_ancestor(const struct rl_eval_ctx *c, unsigned n)
{
	const struct event *ev = c->ev;

	if (n > PROC_ANCESTORS_MAX || !ev->proc)
		return NULL;
	if (c->cfg->ancestor)
		return c->cfg->ancestor(ev, ev->proc, n);
	if (!ev->procs)
		return NULL;
	return proc_table_ancestor(ev->procs, ev->proc, n);
}
