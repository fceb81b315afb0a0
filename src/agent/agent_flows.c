/*
 * The flow monitor as a consumer of the agent (flows.enabled, --flows;
 * docs/flows.md): the kernel's flow table read once a second from the loop,
 * each flow's start and end judged by the rules of the `flow` source, the
 * flows document and the palisade_flow_* families published with the
 * metrics snapshot (what `palisade flows` and Prometheus read).
 */
#include <stdio.h>
#include <string.h>

#include "agent/agent_run.h"
#include "net/net.h"

/* A flow's start and end as events of the flow source (loop thread). */
static void on_flow(const struct net_flow *f, enum net_flow_event what, void *ctx)
{
	struct pipeline *p = ctx;
	const struct container_info *c;
	struct net_event ne;

	if (what == NET_FLOW_START)
		net_enforcer_flow(p->label_policy, f); /* its verdict on a new flow */
	if (what == NET_FLOW_UPDATE || !p->rules)
		return;
	c = p->containers ? container_store_lookup(p->containers, f->key.cgroup_id) : NULL;
	net_flow_to_event(f, what, c, &ne);
	pipeline_eval(p, &ne.ev);
}

static bool flows_poll(void *ctx, struct agent *a)
{
	(void)ctx;
	net_monitor_tick(a->p.flows);
	return false;
}

int agent_flows_start(struct agent *a)
{
	/* The monitor itself is freed by agent_close, after the last metrics
	 * snapshot and the container store, which both use it. */
	static const struct agent_consumer consumer = { .name = "flows", .poll = flows_poll };
	const struct flows_cfg *fc = &a->cfg->flows;
	struct net_monitor_cfg mc = {
		.max_flows = (uint32_t)fc->max,
		.idle_s = fc->idle_timeout_s,
		.loopback = fc->loopback,
		.metrics_series = (size_t)fc->metrics_series,
		.containers = a->p.containers,
		.on_event = on_flow,
		.ctx = &a->p,
	};
	int err;

	if (!fc->enabled && !a->cfg->network_policy.n_files)
		return 0; /* the label policy needs the flow table (UDP replies, verdicts) */
	err = net_monitor_new(&mc, &a->p.flows);
	if (err) {
		fprintf(stderr, "palisade run: flows (flows.enabled) could not start: %s\n",
			strerror(-err));
		return err;
	}
	err = net_monitor_observe(a->p.flows, a->ob.reg) ?: agent_register(a, &consumer);
	if (!err)
		fprintf(stderr, "palisade: flows: accounting every container's flows (flows.max %u)\n",
			mc.max_flows);
	return err;
}
