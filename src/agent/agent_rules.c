/*
 * A rules change, one way at start and on reload (agent_apply_rules), and the
 * reload's swap on the event thread: the kernel's interest and pre-filter
 * follow the new rules without a moment where the kernel drops what the old
 * or the new rules need (docs/prefilter.md, "Reload").
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agent/agent_run.h"
#include "agent/memory.h"
#include "agent/prefilter_reload.h"

int agent_apply_rules(struct agent *a, struct rules_engine *rules, bool at_start)
{
	int err = 0, ret;

	a->p.rules = rules;
	for (size_t i = 0; i < a->n_consumers; i++) {
		if (!a->consumers[i].rules_applied)
			continue;
		ret = a->consumers[i].rules_applied(a->consumers[i].ctx, a, rules, at_start);
		if (ret && !err)
			err = ret;
	}
	return err;
}

/* The kernel's interest for the new rules (with their pre-filter's bits);
 * on failure the kernel keeps the current one. */
static int new_interest(struct agent *a, const struct agent_reload_build *b,
			uint32_t spec[EV_SYSCALL_NR_MAX], bool *changed)
{
	int err = 0;

	agent_syscall_interest(a, b->cfg, b->rules, spec);
	if (a->reload.prefilter)
		err = agent_prefilter_prepare(a->sensor, a->spec, spec, b->pf);
	*changed = memcmp(spec, a->spec, sizeof(a->spec)) != 0;
	if (!err && *changed && !a->reload.prefilter)
		err = sensor_update_syscalls(a->sensor, spec);
	/* A half-written map would match neither rule set: put the old one back. */
	if (err)
		sensor_update_syscalls(a->sensor, a->spec);
	return err;
}

static void report(const struct agent *a, bool changed)
{
	unsigned i, watched;

	for (i = 0, watched = 0; i < EV_SYSCALL_NR_MAX; i++)
		watched += a->spec[i] != 0;
	fprintf(stderr, "palisade: reloaded: %zu output%s, syscall interest %s (%u watched)\n",
		sink_set_count(a->p.sinks), sink_set_count(a->p.sinks) == 1 ? "" : "s",
		changed ? "updated" : "unchanged", watched);
}

/* The reload's swap (reload.h), on the event thread, between two events. */
int agent_reload_swap(void *ctx, struct agent_reload_build *b)
{
	struct agent *a = ctx;
	static uint32_t spec[EV_SYSCALL_NR_MAX];
	struct rules_engine *old = a->p.rules;
	struct prefilter *old_pf = a->pf;
	bool changed = false;
	int err = b->err ?: new_interest(a, b, spec, &changed);

	if (err) {
		/* logrotate's SIGHUP still expects the files to be reopened. */
		sink_set_reopen(a->p.sinks);
		return err;
	}
	/* What the old filter let through is judged by the old rules (for a
	 * second at most: a producer that never pauses would hold the reload). */
	if (a->reload.prefilter)
		sensor_drain(a->sensor, 1000);
	agent_apply_rules(a, b->rules, false);
	b->rules = NULL;
	rules_engine_free(old);
	if (a->reload.prefilter) {
		agent_prefilter_install(a->sensor, spec, b->pf);
		a->pf = b->pf;
		b->pf = old_pf;
	}
	/* The old sinks finish what they queued (or spool it) before the new
	 * ones open the same files and spools. */
	sink_set_free(a->p.sinks);
	a->p.sinks = b->sinks;
	b->sinks = NULL;
	if (sink_set_start(a->p.sinks))
		fprintf(stderr, "palisade: reload: starting the new outputs failed; alerts may be "
				"lost until the next reload\n");
	sink_set_publish(a->p.sinks);
	memcpy(a->spec, spec, sizeof(spec));
	config_free(a->cfg);
	a->cfg = b->cfg;
	b->cfg = NULL;
	report(a, changed);
	agent_memory_trim(); /* the old rules, sinks and configuration */
	return 0;
}
