/*
 * `palisade run` as one object: struct agent holds everything the live agent
 * owns, and its life is agent_open -> agent_start -> agent_loop ->
 * agent_close (run.c). What the agent does with events, rule changes and its
 * loop is done by consumers that register with it (agent_consumers.c):
 * a new subsystem (flows, FIM, policy, audit) adds a consumer, never a branch
 * in the loop. Main thread only, except where a member says otherwise.
 */
#ifndef PALISADE_AGENT_RUN_H
#define PALISADE_AGENT_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "action/action.h"
#include "agent/handover.h"
#include "agent/loss.h"
#include "agent/observe.h"
#include "agent/pipeline.h"
#include "agent/reload.h"
#include "config/config.h"
#include "rules/prefilter.h"
#include "sensor/sensor.h"

struct agent;
struct fim_live;

/*
 * A consumer of the agent's life. Every member is optional.
 *  - rules_applied: the rules in use changed, at start and after each reload
 *    alike (the old engine, if any, is freed after every consumer ran). At
 *    start a non-zero return stops the start (the message is printed).
 *  - event: each enriched event, after its rules ran (event thread).
 *  - alert: each alert (or action record) as it leaves for the outputs,
 *    with its action's result (loop thread).
 *  - poll: from the loop, between two polls of the ring; true asks to stop.
 *  - stop: at stop, before the sinks drain: hand over what is queued; every
 *    wait bounded.
 *  - release: frees what the consumer holds, after the sinks drained.
 */
struct agent_consumer {
	const char *name;
	int (*rules_applied)(void *ctx, struct agent *a, struct rules_engine *rules, bool at_start);
	void (*event)(void *ctx, struct agent *a, const struct event *ev);
	void (*alert)(void *ctx, struct agent *a, const struct alert *al);
	bool (*poll)(void *ctx, struct agent *a);
	void (*stop)(void *ctx, struct agent *a);
	void (*release)(void *ctx, struct agent *a);
	void *ctx;
};

#define AGENT_CONSUMERS_MAX 32 /* 11 built in, and flows, policy, learning, audit, web... */

struct agent {
	int argc;
	char **argv;                 /* the command line: a reload parses it again */
	struct palisade_config *cfg; /* replaced by a reload */
	char host[64];
	struct pipeline p;           /* rules, tables, sinks: the per-record path */
	struct observe ob;
	struct sensor *sensor;
	uint32_t spec[EV_SYSCALL_NR_MAX]; /* the kernel's syscall interest */
	struct prefilter *pf;             /* NULL: no path pre-filter */
	struct sensor_prefilter spf;
	bool fd_table_running;            /* its syscalls stay watched across reloads */
	struct action_backend container_backend;
	struct action_backend isolate_backend;
	struct action_backend capture_backend;
	struct action_backend guard_backend; /* fanotify */
	struct agent_commands *commands;  /* root's commands from the status socket */
	struct dns_refresh *dns;
	struct fim_live *fim;             /* file integrity in real time; NULL: off */
	struct loss_state loss;
	struct agent_reload reload;
	struct handover handover;         /* --handover: the agent taken over */
	struct agent_consumer consumers[AGENT_CONSUMERS_MAX];
	size_t n_consumers;
	bool env_on;                      /* the exec sensor copies environments */
	char status[128];                 /* the service manager's STATUS= once running */
	bool started;                     /* the sensor ran: counters are printed at exit */
	bool stop_requested, stats_requested, reload_requested;
	bool failed;                      /* a consumer asked to stop with an error */
};

int agent_register(struct agent *a, const struct agent_consumer *c);
/* flows.enabled: the flow monitor, registered as the consumer "flows"
 * (agent_flows.c); before the container store starts. */
int agent_flows_start(struct agent *a);
/* network_policy.files: the label policy, registered as the consumer
 * "network-policy" (policy_consumer.c); after agent_flows_start (it runs on
 * the flow monitor's kernel object), before the container store starts. */
int agent_policy_start(struct agent *a);
/*
 * The one step after a rules change, at start and on reload: the new engine
 * goes to the pipeline, then to every consumer (DNS names, the action plan,
 * metrics, the environment capture, ...). At start, returns the first
 * consumer's error; on reload, errors are printed and the agent goes on.
 */
int agent_apply_rules(struct agent *a, struct rules_engine *rules, bool at_start);
/* Registers the built-in consumers (agent_consumers.c), in their order. */
int agent_register_builtin(struct agent *a);
/* audit.watch: the posture audit as a consumer (audit_consumer.c): its
 * gauges on /metrics, its violations as alerts. Nothing when it is off. */
int agent_audit_register(struct agent *a);
/* web.enabled: the web view's ring of alerts, as the consumer "web"
 * (web_consumer.c). Nothing when it is off. */
int agent_web_register(struct agent *a);
/* Every event, after its rules: the consumers' event hooks. */
void agent_event_done(struct agent *a, const struct event *ev);

/* The reload's swap (reload.h's agent_reload_swap_fn; ctx: the agent). */
int agent_reload_swap(void *ctx, struct agent_reload_build *b);

/* The Docker Engine API socket, NULL when docker.enabled is false. */
const char *agent_docker_socket(const struct palisade_config *c);
/* Whether the rules' pre-filter is wanted: not with --syscalls all (no rule
 * filters it) nor --learn (every open is recorded); the fd table decides after. */
bool agent_prefilter_wanted(const struct palisade_config *c);
/* The syscalls the kernel reports for `rules` (and the fd table's, when it runs). */
void agent_syscall_interest(const struct agent *a, const struct palisade_config *c,
			    const struct rules_engine *rules, uint32_t spec[EV_SYSCALL_NR_MAX]);

/* The steps of the agent's life (agent_start.c). Each returns 0 or a negative
 * errno with the reason printed; agent_close is always called. */
int agent_open(struct agent *a);
int agent_start(struct agent *a);
void agent_close(struct agent *a);
void agent_print_counters(struct agent *a, const char *when);

#endif
