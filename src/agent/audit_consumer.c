/*
 * The posture audit as a consumer of `palisade run` (audit.watch; issue 16):
 * src/audit/'s watcher audits the host at start, every audit.interval and on
 * each container start. Its gauges are one more collector of the agent's
 * metrics registry; each container started in violation becomes an alert
 * that goes out through the ordinary outputs (pipeline_emit), as every other
 * alert does. No second output path.
 *
 * Threads: the watcher calls on_violation on its audit thread, which only
 * queues the alert; the loop's poll hands the queue to the outputs. The
 * collector runs at publish time on the loop's thread, which is also the one
 * that stops the watcher: it never sees a freed watcher.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "agent/agent_run.h"
#include "alert/alert.h"
#include "audit/audit.h"

#define QUEUE_MAX 256 /* violations between two turns of the loop */

struct audit_consumer {
	struct audit_watch *w; /* NULL: not running */
	char host[64];
	pthread_mutex_t lock; /* the queue */
	struct alert *queue[QUEUE_MAX];
	size_t queued;
	uint64_t dropped; /* the queue was full */
};

/* Static: the metrics registry keeps it as its collector's context until its
 * last publish, after the consumers are released. */
static struct audit_consumer consumer = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void on_violation(const struct audit_violation *v, void *ctx)
{
	struct audit_consumer *c = ctx;
	struct timespec ts;
	struct alert *al;

	clock_gettime(CLOCK_REALTIME, &ts);
	al = audit_violation_alert(v, c->host, (uint64_t)ts.tv_sec * 1000000000ull +
							(uint64_t)ts.tv_nsec);
	pthread_mutex_lock(&c->lock);
	if (al && c->queued < QUEUE_MAX) {
		c->queue[c->queued++] = al;
		al = NULL;
	} else {
		c->dropped++;
	}
	pthread_mutex_unlock(&c->lock);
	alert_free(al);
}

static void collect(struct metrics_writer *mw, void *ctx)
{
	struct audit_consumer *c = ctx;

	if (c->w)
		audit_watch_collect(mw, c->w);
}

/* The queued violations go to the outputs, on the loop's thread. */
static bool audit_poll(void *ctx, struct agent *a)
{
	struct audit_consumer *c = ctx;
	struct alert *q[QUEUE_MAX];
	size_t n;

	pthread_mutex_lock(&c->lock);
	n = c->queued;
	memcpy(q, c->queue, n * sizeof(q[0]));
	c->queued = 0;
	pthread_mutex_unlock(&c->lock);
	for (size_t i = 0; i < n; i++) {
		a->p.alerts++;
		pipeline_emit(q[i], &a->p);
	}
	return false;
}

/* The watcher's threads end (an audit under way finishes first), then what
 * it queued goes out before the sinks drain. */
static void audit_stop(void *ctx, struct agent *a)
{
	struct audit_consumer *c = ctx;

	audit_watch_stop(c->w);
	c->w = NULL;
	audit_poll(c, a);
	if (c->dropped)
		fprintf(stderr, "palisade: audit: %llu violation alerts lost (out of memory, or "
				"more than %d between two turns of the loop)\n",
			(unsigned long long)c->dropped, QUEUE_MAX);
}

int agent_audit_register(struct agent *a)
{
	static const struct agent_consumer reg = { .name = "audit", .poll = audit_poll,
						   .stop = audit_stop, .ctx = &consumer };
	const struct palisade_config *cfg = a->cfg;
	struct audit_watch_config wc = { .socket = agent_docker_socket(cfg),
					 .interval_s = (unsigned)cfg->audit_interval_s,
					 .on_violation = on_violation, .ctx = &consumer };
	enum audit_severity min;
	int err;

	if (!cfg->audit_watch || !wc.socket) /* without docker: refused by agent_preflight() */
		return 0;
	err = audit_severity_parse(cfg->audit_alert_on, &min);
	if (err)
		return err; /* the settings table allows only the five names */
	wc.alert_min = min;
	snprintf(consumer.host, sizeof(consumer.host), "%s", a->host);
	err = agent_register(a, &reg);
	err = err ?: audit_watch_start(&wc, &consumer.w);
	if (err) {
		fprintf(stderr, "palisade run: cannot start the audit (audit.watch) on %s: %s\n",
			wc.socket, strerror(-err));
		return err;
	}
	if (a->ob.reg && metrics_register(a->ob.reg, collect, &consumer) < 0)
		fprintf(stderr, "palisade: audit: its gauges are not on /metrics (out of memory)\n");
	fprintf(stderr, "palisade: audit: watching %s (every %llu s and on each container "
			"start; alerts at %s and above)\n",
		wc.socket, (unsigned long long)cfg->audit_interval_s, cfg->audit_alert_on);
	return 0;
}
