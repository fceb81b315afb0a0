#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agent/prefilter_reload.h"
#include "agent/reload.h"
#include "agent/rules_load.h"

int agent_reload(struct agent_reload *r)
{
	static uint32_t spec[EV_SYSCALL_NR_MAX];
	struct palisade_config *cfg = NULL;
	struct rules_engine *rules = NULL;
	struct sink_set *sinks = NULL;
	struct prefilter *pf = NULL;
	bool spec_changed = false;
	unsigned i, watched;
	int err, first_arg;

	fprintf(stderr, "palisade: SIGHUP: reloading %s and the rules\n", r->cfg->path);
	err = config_from_command_line(r->argc, r->argv, CONFIG_CMD_RUN, false, &first_arg, &cfg);
	if (!err)
		err = agent_rules_load(cfg, (int64_t)r->p->boot_to_epoch_ns, &rules);
	if (!err)
		err = sink_set_new(cfg->outputs, cfg->n_outputs, &sinks);
	if (!err) {
		r->interest(cfg->syscalls, rules, spec);
		if (r->pf)
			err = agent_prefilter_prepare(r, cfg, rules, spec, &pf);
		spec_changed = memcmp(spec, r->spec, sizeof(spec)) != 0;
		if (!err && spec_changed && !r->pf)
			err = sensor_update_syscalls(r->sensor, spec);
		/* A half-written map would match neither rule set: put the old one back. */
		if (err)
			sensor_update_syscalls(r->sensor, r->spec);
	}
	if (err) {
		r->failures++;
		fprintf(stderr, "palisade: reload failed (problems above); still running with the "
				"previous configuration and rules (%llu failed reloads)\n",
			(unsigned long long)r->failures);
		sink_set_free(sinks);
		rules_engine_free(rules);
		config_free(cfg);
		/* logrotate's SIGHUP still expects the files to be reopened. */
		sink_set_reopen(r->p->sinks);
		return err;
	}

	struct rules_engine *old = r->p->rules;

	/* What the old filter let through is judged by the old rules (for a
	 * second at most: a producer that never pauses would hold the reload). */
	if (r->pf)
		sensor_drain(r->sensor, 1000);
	r->p->rules = rules;
	if (r->on_swap)
		r->on_swap(r->swap_ctx, rules);
	rules_engine_free(old);
	if (r->pf)
		agent_prefilter_install(r, spec, pf);
	/* The old sinks finish what they queued (or spool it) before the new
	 * ones open the same files and spools. */
	sink_set_free(r->p->sinks);
	r->p->sinks = sinks;
	err = sink_set_start(sinks);
	if (err)
		fprintf(stderr, "palisade: reload: starting the new outputs failed: %s; alerts "
				"may be lost until the next reload\n", strerror(-err));
	sink_set_publish(sinks);
	memcpy(r->spec, spec, sizeof(spec));
	config_free(r->cfg);
	r->cfg = cfg;
	r->reloads++;
	for (i = 0, watched = 0; i < EV_SYSCALL_NR_MAX; i++)
		watched += spec[i] != 0;
	fprintf(stderr, "palisade: reloaded: %zu output%s, syscall interest %s (%u watched)\n",
		sink_set_count(sinks), sink_set_count(sinks) == 1 ? "" : "s",
		spec_changed ? "updated" : "unchanged", watched);
	return 0;
}
