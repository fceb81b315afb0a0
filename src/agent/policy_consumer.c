/*
 * The label policy as a consumer of `palisade run` (network_policy.files,
 * --network-policy; docs/policy.md; issue 18): src/net/'s enforcer, the same
 * one `palisade policy enforce` runs, on the flow monitor's kernel object.
 * Containers reach it from the container store (agent_start.c's
 * on_container_update), flow starts from the flow monitor (agent_flows.c).
 * Each refusal, or would-be one in audit mode, is an alert through the
 * agent's outputs (pipeline_emit); every verdict is counted in
 * palisade_policy_verdicts_total.
 *
 * Reload: the new configuration (its policy files already checked by the
 * settings' check in the reload's build) is in a->cfg from the turn of the
 * loop after rules_applied: the files are read again then and switched to
 * as a whole generation; a set that does not load or fit leaves the one in
 * force, and says why.
 *
 * Threads: everything runs on the loop's thread (poll, the flow monitor's
 * tick); the container store's threads only mark the enforcer dirty.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agent/agent_run.h"
#include "alert/alert.h"
#include "net/net.h"

struct policy_consumer {
	struct net_enforcer *e; /* also a->p.label_policy; freed by agent_close */
	struct pipeline *p;
	char host[64];
	bool reread; /* a reload: read the files at the next poll */
	bool audit;
};

static struct policy_consumer consumer;
/* Lives as long as the process: the registry publishes after the release. */
static struct net_pol_metrics *verdicts;

static void on_verdict(const struct net_pol_record *r, void *ctx)
{
	struct policy_consumer *c = ctx;
	struct alert *al;

	net_pol_metrics_count(verdicts, r);
	if (!strcmp(r->verdict, "allowed"))
		return; /* counted; a flow of the `flow` source if flow rules want it */
	c->p->alerts++;
	al = net_pol_record_alert(r, c->host);
	if (!al) {
		c->p->alert_errors++;
		return;
	}
	pipeline_emit(al, c->p);
}

static int load(const struct network_policy_cfg *nc, struct net_policy_set **out)
{
	char err[4096];
	int ret;

	*out = NULL;
	if (!nc->n_files)
		return 0; /* none: nothing is enforced */
	ret = net_policy_load(nc->files, nc->n_files, out, err, sizeof(err));
	if (ret)
		fprintf(stderr, "%s\n", err);
	return ret;
}

static void reread(struct policy_consumer *c, const struct palisade_config *cfg)
{
	struct net_policy_set *s;
	bool audit = !strcmp(cfg->network_policy.mode, "audit");
	size_t n;

	if (!c->e) {
		if (cfg->network_policy.n_files)
			fprintf(stderr, "palisade: reload: network_policy.files takes effect at the next "
					"start (none were set at start: the policy hooks are not loaded)\n");
		return;
	}
	if (load(&cfg->network_policy, &s)) {
		fprintf(stderr, "palisade: reload: network policy refused (see above); the policies "
				"in force stay\n");
		return;
	}
	n = s ? s->n_pols : 0;
	if (net_enforcer_set_policy(c->e, s)) {
		fprintf(stderr, "palisade: reload: network policy refused: it does not fit the "
				"kernel's maps; the policies in force stay\n");
		return;
	}
	if (audit != c->audit)
		net_enforcer_set_audit(c->e, audit);
	c->audit = audit;
	fprintf(stderr, "palisade: reload: network policy: %zu policies from %zu files (%s)\n", n,
		cfg->network_policy.n_files, cfg->network_policy.mode);
}

static int policy_rules(void *ctx, struct agent *a, struct rules_engine *rules, bool at_start)
{
	struct policy_consumer *c = ctx;

	(void)a;
	(void)rules;
	c->reread = !at_start;
	return 0;
}

static bool policy_poll(void *ctx, struct agent *a)
{
	struct policy_consumer *c = ctx;

	if (c->reread) {
		c->reread = false;
		reread(c, a->cfg);
	}
	net_enforcer_tick(c->e);
	return false;
}

/* The refusals the kernel queued go out before the sinks drain. */
static void policy_stop(void *ctx, struct agent *a)
{
	struct policy_consumer *c = ctx;

	(void)a;
	net_enforcer_tick(c->e);
}

int agent_policy_start(struct agent *a)
{
	static const struct agent_consumer reg = { .name = "network-policy",
						   .rules_applied = policy_rules,
						   .poll = policy_poll, .stop = policy_stop,
						   .ctx = &consumer };
	const struct network_policy_cfg *nc = &a->cfg->network_policy;
	struct net_enforcer_cfg ec = { .audit = !strcmp(nc->mode, "audit"),
				       .on_verdict = on_verdict, .ctx = &consumer };
	struct net_policy_set *s;
	int err;

	consumer = (struct policy_consumer){ .p = &a->p, .audit = ec.audit };
	if (!nc->n_files) /* registered all the same: a reload that sets files says so */
		return agent_register(a, &reg);
	if (!a->p.flows) /* agent_flows_start runs the monitor when policies are set */
		return -EINVAL;
	err = load(nc, &s);
	if (err)
		return err;
	snprintf(consumer.host, sizeof(consumer.host), "%s", a->host);
	ec.k = net_monitor_kernel(a->p.flows);
	err = verdicts ? 0 : net_pol_metrics_new(&verdicts);
	if (!err)
		err = net_enforcer_new(&ec, s, &consumer.e);
	else
		net_policy_free(s);
	if (err) {
		fprintf(stderr, "palisade run: network policy (network_policy.files) could not start: "
				"%s\n", strerror(-err));
		return err;
	}
	a->p.label_policy = consumer.e;
	err = agent_register(a, &reg);
	if (!err && a->ob.reg && metrics_register(a->ob.reg, net_pol_metrics_collect, verdicts) < 0)
		fprintf(stderr, "palisade: network policy: its verdicts are not on /metrics (out of "
				"memory)\n");
	if (!err)
		fprintf(stderr, "palisade: network policy: enforcing %zu policies from %zu files%s\n",
			s->n_pols, nc->n_files,
			ec.audit ? " (audit: nothing is refused, would-be refusals are reported)" : "");
	return err;
}
