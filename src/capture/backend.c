/*
 * The `capture` step: on the event thread, the container's window is copied
 * out of its ring with the alert and the container's description; a worker
 * thread writes the bundle (bundle.c) and hands the result back. Bounded:
 * at most capture.per_minute bundles in any minute (the rest are recorded
 * failed, rate-limited, and counted), QUEUE_MAX waiting, capture.max_bytes
 * each.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture/capture.h"
#include "event/event.h"

#define QUEUE_MAX 8
#define MINUTE_NS (60ull * 1000000000ull)
#define PER_MINUTE_MAX 1000

struct capture {
	struct capture_config cfg;
	char *dir, *socket, *hostname;
	uint64_t boot_to_epoch_ns;
	struct capture_rings *rings; /* NULL until a rule captures under enforce */
	bool wanted;                 /* a rule of the plan captures: the rings fill */
	const void *last_rec;        /* the record the last step appended */
	uint64_t last_ts;
	uint64_t recent[PER_MINUTE_MAX]; /* when the last bundles were started */
	size_t n_recent;
	uint64_t written, failed, rate_limited; /* lock */
	pthread_mutex_t lock;
	struct action_worker *worker;
};

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* On the worker's thread: one bundle. */
static void run_job(void *ctx, void *job, struct action_result *res)
{
	struct capture *c = ctx;

	capture_bundle_write(&c->cfg, job, res);
	pthread_mutex_lock(&c->lock);
	if (res->outcome == ACTION_DONE)
		c->written++;
	else
		c->failed++;
	pthread_mutex_unlock(&c->lock);
}

static void free_job(void *job)
{
	capture_job_free(job);
}

static int cap_prepare(void *ctx, struct rules_engine *e, size_t index,
		       const struct rules_rule_info *rule, bool enforce, const char **how,
		       const char **why)
{
	struct capture *c = ctx;
	static char plan[256];

	(void)e;
	(void)index;
	if (rule->action.where == RULES_SCOPE_HOST) {
		*why = "capture acts on containers, and the rule's scope is host";
		return -EOPNOTSUPP;
	}
	if (enforce && !c->rings &&
	    capture_rings_new(c->cfg.ring_bytes, c->cfg.containers, &c->rings)) {
		*why = "out of memory for the capture rings";
		return -EOPNOTSUPP;
	}
	c->wanted |= enforce;
	snprintf(plan, sizeof(plan), "a forensic bundle in %s (the last %llu s of events, "
		 "processes, network, inspect, diff; at most %llu a minute)", c->cfg.dir,
		 (unsigned long long)c->cfg.window_s, (unsigned long long)c->cfg.per_minute);
	*how = plan;
	return 0;
}

/* A reload plans again: the rings fill only if a rule still captures. */
static void cap_reset(void *ctx)
{
	((struct capture *)ctx)->wanted = false;
}

/* At most per_minute bundles started in the last minute. */
static bool rate_allows(struct capture *c)
{
	uint64_t now = clock_ns(CLOCK_MONOTONIC);
	size_t keep = 0;

	for (size_t i = 0; i < c->n_recent; i++)
		if (now - c->recent[i] < MINUTE_NS)
			c->recent[keep++] = c->recent[i];
	c->n_recent = keep;
	if (keep >= c->cfg.per_minute)
		return false;
	c->recent[c->n_recent++] = now;
	return true;
}

static struct capture_job *make_job(struct capture *c, const struct action_target *t,
				    uint64_t token)
{
	const struct ev_header *h = t->alert && t->alert->ev ? t->alert->ev->hdr : NULL;
	struct capture_job *j = calloc(1, sizeof(*j));
	uint64_t now = h ? h->ts_ns : clock_ns(CLOCK_BOOTTIME);
	uint64_t since = now > c->cfg.window_s * 1000000000ull ?
				 now - c->cfg.window_s * 1000000000ull : 0;

	if (!j)
		return NULL;
	if (h) { /* its own event is in the window: the rings see it after its rules */
		capture_backend_event(&(struct action_backend){ .ctx = c }, h, h->size);
	}
	j->token = token;
	j->cgroup_id = h ? h->cgroup_id : t->container->cgroup_id;
	j->boot_to_epoch_ns = c->boot_to_epoch_ns;
	j->time_ns = t->al ? t->al->time_ns : clock_ns(CLOCK_REALTIME);
	j->pid = t->pid;
	snprintf(j->id, sizeof(j->id), "%s", t->container->id);
	snprintf(j->rule, sizeof(j->rule), "%s", t->rule->name);
	j->alert_json = t->al ? alert_to_json(t->al) : strdup("null"); /* no outputs */
	j->container_json = container_info_to_json(t->container);
	if (!j->alert_json || !j->container_json ||
	    (c->rings && capture_rings_window(c->rings, j->cgroup_id, since, &j->events,
					      &j->events_len, &j->n_events, &j->events_lost))) {
		capture_job_free(j);
		return NULL;
	}
	return j;
}

static int cap_apply(void *ctx, const struct action_target *t, enum rules_action type,
		     struct action_result *res, uint64_t token)
{
	struct capture *c = ctx;
	struct capture_job *j;
	uint64_t n;
	int err;

	(void)type;
	res->outcome = ACTION_FAILED;
	if (!t->container) {
		snprintf(res->detail, sizeof(res->detail), "the process is not in a container");
		return 0;
	}
	if (!rate_allows(c)) {
		pthread_mutex_lock(&c->lock);
		n = ++c->rate_limited;
		pthread_mutex_unlock(&c->lock);
		snprintf(res->detail, sizeof(res->detail), "rate-limited: %llu bundles in the last "
			 "minute already (capture.per_minute); %llu skipped so far",
			 (unsigned long long)c->cfg.per_minute, (unsigned long long)n);
		return 0;
	}
	j = make_job(c, t, token);
	err = j ? action_worker_queue(c->worker, j, token) : -ENOMEM;
	if (!err)
		return 1;
	capture_job_free(j);
	pthread_mutex_lock(&c->lock); /* the counters are the worker's too */
	c->failed++;
	pthread_mutex_unlock(&c->lock);
	snprintf(res->detail, sizeof(res->detail), "%s",
		 err == -EAGAIN ? "too many bundles being written (8)"
		 : err == -ENOMEM ? "out of memory for the bundle"
				  : "cannot start the capture thread");
	return 0;
}

void capture_backend_event(struct action_backend *b, const void *rec, size_t len)
{
	struct capture *c = b ? b->ctx : NULL;
	const struct ev_header *h = rec;

	if (!c || !c->rings || !c->wanted || len < sizeof(*h))
		return;
	if (rec == c->last_rec && h->ts_ns == c->last_ts)
		return; /* appended already by the step of its alert */
	c->last_rec = rec;
	c->last_ts = h->ts_ns;
	capture_rings_append(c->rings, rec, len);
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

int capture_backend(struct action_dispatcher *d, const struct capture_config *cfg,
		    uint64_t boot_to_epoch_ns, struct action_backend *out)
{
	struct capture *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->cfg = *cfg;
	c->dir = dup_or_null(cfg->dir);
	c->socket = dup_or_null(cfg->docker_socket);
	c->hostname = dup_or_null(cfg->hostname);
	c->cfg.dir = c->dir;
	c->cfg.docker_socket = c->socket;
	c->cfg.hostname = c->hostname;
	if (c->cfg.per_minute > PER_MINUTE_MAX)
		c->cfg.per_minute = PER_MINUTE_MAX;
	c->boot_to_epoch_ns = boot_to_epoch_ns;
	pthread_mutex_init(&c->lock, NULL);
	if (action_worker_new(d, QUEUE_MAX, run_job, free_job, c, &c->worker)) {
		struct action_backend b = { .ctx = c };

		capture_backend_free(&b);
		return -ENOMEM;
	}
	*out = (struct action_backend){ .name = "capture",
					.types = 1u << RULES_ACTION_CAPTURE,
					.prepare = cap_prepare,
					.apply = cap_apply,
					.reset = cap_reset,
					.async = true,
					.ctx = c };
	return 0;
}

void capture_backend_print(struct action_backend *b, FILE *f)
{
	struct capture *c = b ? b->ctx : NULL;

	if (!c || !(c->written || c->failed || c->rate_limited))
		return;
	pthread_mutex_lock(&c->lock);
	fprintf(f, "palisade: captures: %llu written, %llu failed, %llu rate-limited "
		   "(capture.per_minute %llu)\n", (unsigned long long)c->written,
		(unsigned long long)c->failed, (unsigned long long)c->rate_limited,
		(unsigned long long)c->cfg.per_minute);
	pthread_mutex_unlock(&c->lock);
}

void capture_backend_free(struct action_backend *b)
{
	struct capture *c = b ? b->ctx : NULL;

	if (!c)
		return;
	action_worker_free(c->worker); /* the bundles queued are written */
	pthread_mutex_destroy(&c->lock);
	capture_rings_free(c->rings);
	free(c->dir);
	free(c->socket);
	free(c->hostname);
	free(c);
	b->ctx = NULL;
}
