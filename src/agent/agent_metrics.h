/*
 * What the live agent counts for /metrics and `palisade status`: events by
 * type, alerts by rule, per-container activity (bounded), and a collector
 * that reads the sensor, the process table, the container store and the rule
 * engine at publish time. Everything here runs on the event-consumer thread:
 * the hot-path calls are plain increments (no lock, no allocation).
 */
#ifndef PALISADE_AGENT_METRICS_H
#define PALISADE_AGENT_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "event/event.h"
#include "metrics/metrics.h"
#include "rules/rules.h"

/* Containers given their own series; the least recently active one makes
 * room for a new one, and one idle for CONTAINERS_IDLE_PUBLISHES publishes
 * (about 10 minutes) is dropped: containers that went away leave. */
#define AGENT_METRICS_CONTAINERS_MAX 200
#define AGENT_METRICS_CONTAINERS_IDLE_PUBLISHES 600

struct agent_metrics;
struct pipeline;
struct sensor;

/* Registers the agent's collector on r. The pipeline and sensor must outlive
 * the registry's last publish. The sensor, and the syscall interest it was
 * given (EV_SYSCALL_NR_MAX entries), are set once loaded. */
int agent_metrics_new(struct metrics_registry *r, struct pipeline *p,
		      struct agent_metrics **out);
void agent_metrics_free(struct agent_metrics *m);
void agent_metrics_set_sensor(struct agent_metrics *m, struct sensor *s,
			      const uint32_t *syscall_spec);
/* After every (re)load of the rules: the engine in force (NULL: --no-rules),
 * and whether the load succeeded. Resets the alert-by-rule index. */
void agent_metrics_rules_loaded(struct agent_metrics *m, const struct rules_engine *e, bool ok);

/*
 * Enforcement: one action and its outcome ("kill", "done"), as
 * palisade_actions_total. Any thread; a no-op when m is NULL (metrics off),
 * so callers write agent_metrics_action(p->metrics, ...) unconditionally.
 */
void agent_metrics_action(struct agent_metrics *m, const char *action, const char *outcome);

/* Hot path. */
void agent_metrics_event(struct agent_metrics *m, const struct event *ev);
void agent_metrics_alert(struct agent_metrics *m, const struct rules_alert *a);

#endif
