/*
 * How a running agent is observed: the metrics registry and its collectors,
 * /metrics over HTTP (--metrics) and the status socket (--status-socket).
 * run.c calls observe_start() once the pipeline exists, observe_tick() from
 * its loop and observe_stop() at exit; nothing else there knows of metrics.
 */
#ifndef PALISADE_OBSERVE_H
#define PALISADE_OBSERVE_H

#include <stdbool.h>
#include <stdint.h>

#include "agent/agent_metrics.h"
#include "metrics/metrics.h"
#include "status/status.h"

struct observe_options {
	const char *metrics_addr;  /* NULL: no HTTP endpoint */
	const char *status_socket; /* NULL: no status socket */
	bool status_explicit;      /* given on the command line: failing to serve is fatal */
};

/* getopt long options, each with a value >= OBSERVE_OPT_BASE. */
#define OBSERVE_OPT_BASE 640
#define OBSERVE_LONGOPTS                                                                  \
	{ "metrics", required_argument, NULL, OBSERVE_OPT_BASE },                         \
	{ "status-socket", required_argument, NULL, OBSERVE_OPT_BASE + 1 }

extern const char observe_help[];

void observe_defaults(struct observe_options *o);
/* Handles one of OBSERVE_LONGOPTS; returns 0 or -EINVAL (message printed). */
int observe_option(struct observe_options *o, int opt, const char *arg);

struct observe {
	/* NULL when neither --metrics nor a status socket is on; the hooks
	 * (metrics_add_sinks, agent_metrics_action) accept NULL. */
	struct metrics_registry *reg;
	struct agent_metrics *agent;
	struct metrics_http *http;
	struct status_server *status;
	uint64_t last_publish_ns;
};

struct pipeline;
struct sensor;

/*
 * Makes the registry, points p->metrics at the agent's counters and starts
 * the endpoints. Returns 0, or a negative errno when an endpoint that was
 * asked for cannot serve (the message says why). A default status socket
 * that another agent holds is skipped with a warning.
 */
int observe_start(struct observe *ob, const struct observe_options *o, struct pipeline *p);
/* Once the sensor is loaded: its counters, programs and syscall interest. */
void observe_sensor(struct observe *ob, struct sensor *s, const uint32_t *syscall_spec);
/* From the event loop: publishes a snapshot when the last is 1 s old. */
void observe_tick(struct observe *ob);
/* A last snapshot, then the endpoints stop and everything is freed. */
void observe_stop(struct observe *ob);

#endif
