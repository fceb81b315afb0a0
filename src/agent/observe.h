/*
 * How a running agent is observed: the metrics registry and its collectors,
 * /metrics over HTTP (metrics.listen) and the status socket (status.socket).
 * The agent calls observe_start() once the pipeline exists, observe_serve()
 * when it may take the endpoints (at once, or after a handover),
 * observe_tick() from its loop and observe_stop() at exit.
 */
#ifndef PALISADE_OBSERVE_H
#define PALISADE_OBSERVE_H

#include <stdbool.h>
#include <stdint.h>

#include "agent/agent_metrics.h"
#include "config/config.h"
#include "metrics/metrics.h"
#include "status/status.h"

struct observe {
	/* NULL when neither --metrics nor a status socket is on; the hooks
	 * (metrics_add_sinks, agent_metrics_action) accept NULL. */
	struct metrics_registry *reg;
	struct agent_metrics *agent;
	struct metrics_http *http;
	struct status_server *status;
	struct web_view *web; /* web.enabled: the live view; NULL: off */
	uint64_t last_publish_ns;
};

struct pipeline;
struct sensor;
struct web_view;

/*
 * Makes the registry (when metrics.listen, status.socket or web.enabled is
 * on), the web view (web.enabled: its token read, its ring), and points
 * p->metrics at the agent's counters; collectors may register from here on.
 * 0 or a negative errno (printed).
 */
int observe_start(struct observe *ob, const struct palisade_config *c, struct pipeline *p);
/*
 * Starts the endpoints (metrics.listen, web.listen, status.socket): at open, or once a
 * handover's old agent is gone. Returns 0, or a negative errno when an
 * endpoint that was asked for cannot serve (the message says why). A status
 * socket not given on the command line that another agent holds is skipped
 * with a warning.
 */
int observe_serve(struct observe *ob, const struct palisade_config *c);
/* Once the sensor is loaded: its counters, programs and syscall interest. */
void observe_sensor(struct observe *ob, struct sensor *s, const uint32_t *syscall_spec);
/* From the event loop: publishes a snapshot when the last is 1 s old. */
void observe_tick(struct observe *ob);
/* A last snapshot, then the endpoints stop and everything is freed. */
void observe_stop(struct observe *ob);

#endif
