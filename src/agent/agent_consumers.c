/*
 * The consumers `palisade run` is made of (agent_run.h): each says what it
 * does when the rules change, on each event, on each turn of the loop and at
 * stop. A new subsystem registers one more here; the loop does not change.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agent/agent_run.h"
#include "agent/commands.h"
#include "capture/capture.h"
#include "agent/dns_refresh.h"
#include "agent/env_capture.h"
#include "agent/learn_record.h"
#include "action/netpolicy.h"
#include "fim/fim.h"

int agent_register(struct agent *a, const struct agent_consumer *c)
{
	if (a->n_consumers == AGENT_CONSUMERS_MAX)
		return -ENOSPC;
	a->consumers[a->n_consumers++] = *c;
	return 0;
}

/* pipeline.alert_done: every alert to the consumers' alert hooks. */
static void alert_done(void *ctx, const struct alert *al)
{
	struct agent *a = ctx;

	for (size_t i = 0; i < a->n_consumers; i++)
		if (a->consumers[i].alert)
			a->consumers[i].alert(a->consumers[i].ctx, a, al);
}

void agent_event_done(struct agent *a, const struct event *ev)
{
	for (size_t i = 0; i < a->n_consumers; i++)
		if (a->consumers[i].event)
			a->consumers[i].event(a->consumers[i].ctx, a, ev);
}

/* ---- the resolver of the host names the rules compare addresses with ---- */

static int dns_rules(void *ctx, struct agent *a, struct rules_engine *rules, bool at_start)
{
	(void)ctx;
	(void)at_start;
	dns_refresh_stop(a->dns);
	a->dns = NULL;
	if (rules && dns_refresh_start(rules, 60, &a->dns) < 0)
		fprintf(stderr, "palisade: dns: cannot start the resolver: fd.*.name matches nothing\n");
	return 0;
}

static void dns_release(void *ctx, struct agent *a)
{
	(void)ctx;
	dns_refresh_stop(a->dns);
	a->dns = NULL;
}

/* ---- enforcement: the dispatcher's plan and its asynchronous results ---- */

static int actions_rules(void *ctx, struct agent *a, struct rules_engine *rules, bool at_start)
{
	int err = action_plan(a->p.actions, rules);

	(void)ctx;
	if (err && at_start)
		fprintf(stderr, "palisade run: the rules ask for enforcement that cannot be "
				"served (see above); nothing was started\n");
	else if (err)
		fprintf(stderr, "palisade: reload: some rule actions cannot be served (see above)\n");
	return at_start ? err : 0;
}

static bool actions_poll(void *ctx, struct agent *a)
{
	(void)ctx;
	action_poll(a->p.actions);
	return false;
}

/* Queued container actions finish (each bounded by its request's timeout)
 * and their alerts go out before the sinks drain. */
static void actions_stop(void *ctx, struct agent *a)
{
	(void)ctx;
	action_container_backend_free(&a->container_backend);
	action_poll(a->p.actions);
}

/* ---- metrics, the environment capture: they follow the rules ---- */

static int metrics_rules(void *ctx, struct agent *a, struct rules_engine *rules, bool at_start)
{
	(void)ctx;
	(void)at_start;
	if (a->p.metrics)
		agent_metrics_rules_loaded(a->p.metrics, rules, true);
	return 0;
}

static bool observe_poll(void *ctx, struct agent *a)
{
	(void)ctx;
	observe_tick(&a->ob);
	return false;
}

static int env_rules(void *ctx, struct agent *a, struct rules_engine *rules, bool at_start)
{
	(void)ctx;
	(void)at_start;
	a->env_on = agent_env_capture(a->sensor, rules);
	return 0;
}

/* ---- the fanotify guard and the network policy: their own reports ---- */

static bool guard_poll(void *ctx, struct agent *a)
{
	(void)ctx;
	action_fanotify_poll(&a->guard_backend, pipeline_emit, &a->p);
	return false;
}

static void guard_stop(void *ctx, struct agent *a)
{
	(void)ctx;
	action_fanotify_stop(&a->guard_backend, pipeline_emit, &a->p);
}

static bool net_poll(void *ctx, struct agent *a)
{
	(void)ctx;
	netpolicy_poll(a->p.netpolicy, a->p.containers);
	return false;
}

static void net_stop(void *ctx, struct agent *a)
{
	(void)ctx;
	netpolicy_poll(a->p.netpolicy, a->p.containers);
}

/* The container store has resolved this cgroup, for good: a host one lets
 * the kernel apply the rules' host-only pre-filter to it. */
static void prefilter_event(void *ctx, struct agent *a, const struct event *ev)
{
	(void)ctx;
	if (a->pf && ev->kind == EV_SYSCALL && !ev->container && a->p.containers)
		sensor_prefilter_host(a->sensor, ev->hdr->cgroup_id);
}

/* ---- capture: each container's last events, and the bundles at stop ---- */

static void capture_event(void *ctx, struct agent *a, const struct event *ev)
{
	(void)ctx;
	if (ev->container)
		capture_backend_event(&a->capture_backend, ev->hdr, ev->hdr->size);
}

/* The bundles being written finish, and their alerts go out. */
static void capture_stop(void *ctx, struct agent *a)
{
	(void)ctx;
	capture_backend_print(&a->capture_backend, stderr);
	capture_backend_free(&a->capture_backend);
	action_poll(a->p.actions);
}

/* ---- file integrity: the fim.* fields' data, the comparison at start ---- */

static int fim_rules(void *ctx, struct agent *a, struct rules_engine *rules, bool at_start)
{
	const char *conf = a->cfg->fim_config;
	int err;

	(void)ctx;
	(void)rules;
	if (!at_start || !conf || !conf[0])
		return 0; /* a reload keeps the configuration and baseline loaded at start */
	err = fim_live_open(conf, &a->fim);
	if (err) {
		fprintf(stderr, "palisade run: fim: cannot use %s (above); nothing was started\n",
			conf);
		return err;
	}
	a->p.fim = fim_live_fields(a->fim);
	err = fim_live_offline_start(a->fim);
	if (err)
		fprintf(stderr, "palisade: fim: cannot compare with the baseline at start: %s\n",
			strerror(-err));
	fprintf(stderr, "palisade: fim: %s: %zu watched paths, the baseline authenticated; "
			"comparing the watched paths with it\n",
		conf, fim_live_config(a->fim)->n_watch);
	return 0;
}

static bool fim_poll(void *ctx, struct agent *a)
{
	(void)ctx;
	if (a->fim)
		fim_live_offline_drain(a->fim, pipeline_emit, &a->p);
	return false;
}

static void fim_stop(void *ctx, struct agent *a)
{
	(void)ctx;
	if (!a->fim)
		return;
	fim_live_offline_stop(a->fim, 2000);
	fim_live_offline_drain(a->fim, pipeline_emit, &a->p);
}

static void fim_release(void *ctx, struct agent *a)
{
	(void)ctx;
	a->p.fim = NULL;
	fim_live_free(a->fim);
	a->fim = NULL;
}

/* ---- root's commands from the status socket (palisade isolate) ---- */

static bool commands_poll(void *ctx, struct agent *a)
{
	(void)ctx;
	agent_commands_poll(a->commands);
	return false;
}

/* ---- losses: an `exit` action stops the agent ---- */

static bool loss_poll(void *ctx, struct agent *a)
{
	(void)ctx;
	if (!loss_tick(&a->loss, a->sensor, &a->p))
		return false;
	a->failed = true;
	return true;
}

int agent_register_builtin(struct agent *a)
{
	static const struct agent_consumer builtin[] = {
		{ .name = "fim", .rules_applied = fim_rules, .poll = fim_poll, .stop = fim_stop,
		  .release = fim_release },
		{ .name = "dns", .rules_applied = dns_rules, .release = dns_release },
		{ .name = "actions", .rules_applied = actions_rules, .poll = actions_poll,
		  .stop = actions_stop },
		{ .name = "metrics", .rules_applied = metrics_rules, .poll = observe_poll },
		{ .name = "environment", .rules_applied = env_rules },
		{ .name = "fanotify", .poll = guard_poll, .stop = guard_stop },
		{ .name = "netpolicy", .poll = net_poll, .stop = net_stop },
		{ .name = "commands", .poll = commands_poll },
		{ .name = "capture", .event = capture_event, .stop = capture_stop },
		{ .name = "prefilter", .event = prefilter_event },
		{ .name = "loss", .poll = loss_poll },
	};
	int err = 0;

	for (size_t i = 0; i < sizeof(builtin) / sizeof(builtin[0]) && !err; i++)
		err = agent_register(a, &builtin[i]);
	err = err ?: learn_record_register(a);
	err = err ?: agent_audit_register(a) ?: agent_web_register(a);
	for (size_t i = 0; !err && i < a->n_consumers; i++)
		if (a->consumers[i].alert) {
			a->p.alert_done = alert_done;
			a->p.alert_done_ctx = a;
		}
	return err;
}
