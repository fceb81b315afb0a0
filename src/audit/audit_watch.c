/*
 * The live audit kept current: a full audit at start and every interval,
 * and again when a container starts (Docker's /events), after which each
 * started container with a finding at or above alert_min is reported once
 * through on_violation. The last report is exported as Prometheus gauges by
 * audit_watch_collect(), a metrics collector.
 *
 * Threads: one follows /events and queues the ids of started containers;
 * one audits (a burst of starts makes one audit). Both block every signal.
 * The report is swapped under a mutex the collector takes for as long as it
 * writes the gauges. Images' setuid searches are cached by image id: an
 * image's layers do not change, so each is walked once.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/internal.h"
#include "container/container.h"

#define EVENTS_PATH                                                                           \
	"/events?filters=%7B%22type%22%3A%5B%22container%22%5D%2C%22event%22%3A%5B%22start%22%5D%7D"
#define QUEUE_MAX 1024 /* started containers waiting for the next audit */
#define RETRY_MS 2000

struct layer_cache {
	char *id;
	struct audit_image img; /* only the layer results are kept */
};

struct audit_watch {
	struct audit_watch_config cfg;
	char *socket, *root;
	atomic_bool stop;
	pthread_t events_thread, audit_thread;
	bool threads;
	struct container_engine *events; /* aborted by stop */
	atomic_bool events_up;           /* the /events stream is established */

	pthread_mutex_t lock; /* everything below */
	pthread_cond_t wake;
	char (*queue)[80];
	size_t queued;
	uint64_t queue_dropped;
	struct audit_input in; /* the last audit (have) */
	struct audit_report rep;
	bool have;
	uint64_t runs, errors, violations;
	double last_success, last_duration;

	struct layer_cache *cache; /* audit thread only */
	size_t n_cache;
};

static double now_s(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_event(const char *line, size_t len, void *ctx)
{
	struct audit_watch *w = ctx;
	json_t *ev = json_loadb(line, len, 0, NULL);
	json_t *id = json_object_get(json_object_get(ev, "Actor"), "ID");
	const char *action = json_string_value(json_object_get(ev, "Action"));

	if (json_is_string(id) && action && strcmp(action, "start") == 0) {
		pthread_mutex_lock(&w->lock);
		if (w->queued < QUEUE_MAX)
			snprintf(w->queue[w->queued++], 80, "%s", json_string_value(id));
		else
			w->queue_dropped++; /* still audited: the next audit sees every container */
		pthread_cond_signal(&w->wake);
		pthread_mutex_unlock(&w->lock);
	}
	json_decref(ev);
}

static void sleep_ms(struct audit_watch *w, unsigned ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&w->lock);
	if (!atomic_load(&w->stop))
		pthread_cond_timedwait(&w->wake, &w->lock, &ts);
	pthread_mutex_unlock(&w->lock);
}

static void *events_main(void *arg)
{
	struct audit_watch *w = arg;
	char err[512];

	while (!atomic_load(&w->stop)) {
		container_engine_stream(w->events, EVENTS_PATH, on_event, w, &w->events_up, err,
					sizeof(err));
		atomic_store(&w->events_up, false);
		if (atomic_load(&w->stop))
			break;
		fprintf(stderr, "palisade: audit: the Docker events stream at %s ended (%s); "
				"reconnecting\n",
			w->socket, err);
		sleep_ms(w, RETRY_MS);
	}
	return NULL;
}

/* Layer results from the cache, or walked now and cached. */
static int layers(struct audit_watch *w, struct audit_image *img)
{
	struct layer_cache *c = NULL;
	bool oom = false;
	size_t i;
	int ret;

	for (i = 0; i < w->n_cache && !c; i++)
		if (strcmp(w->cache[i].id, img->id) == 0)
			c = &w->cache[i];
	if (!c) {
		ret = audit_image_scan_setuid(img, w->socket);
		if (ret)
			return ret;
		c = audit_grow(&w->cache, &w->n_cache, sizeof(*c), &oom);
		if (!c)
			return -ENOMEM;
		c->id = audit_dup(&oom, img->id);
		c->img.layers = img->layers;
		c->img.layers_why = audit_dup(&oom, img->layers_why);
		c->img.n_setuid_total = img->n_setuid_total;
		for (i = 0; i < img->n_setuid; i++)
			audit_strv_push(&c->img.setuid, &c->img.n_setuid, &oom, img->setuid[i]);
		return oom ? -ENOMEM : 0;
	}
	img->layers = c->img.layers;
	free(img->layers_why);
	img->layers_why = audit_dup(&oom, c->img.layers_why);
	img->n_setuid_total = c->img.n_setuid_total;
	for (i = 0; i < c->img.n_setuid; i++)
		audit_strv_push(&img->setuid, &img->n_setuid, &oom, c->img.setuid[i]);
	return oom ? -ENOMEM : 0;
}

/* One full audit into in/rep. */
static int audit_once(struct audit_watch *w, struct audit_input *in, struct audit_report *rep)
{
	struct audit_live_opts o = { .socket = w->socket, .root = w->root, .host = true,
				     .daemon = true, .images = true, .containers = true,
				     .scan_layers = false, .workers = 4 };
	char err[512];
	size_t i;
	int ret;

	ret = audit_collect_live(&o, in, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "palisade: audit: %s\n", err);
		return ret;
	}
	for (i = 0; !ret && i < in->n_images; i++)
		ret = layers(w, &in->images[i]);
	if (!ret)
		ret = audit_run(in, rep);
	if (ret)
		audit_input_release(in);
	return ret;
}

/* The findings of container id at or above alert_min, reported once. */
static unsigned report_violation(struct audit_watch *w, const struct audit_input *in,
				 const struct audit_report *rep, const char *id)
{
	const struct audit_finding *hits[64];
	struct audit_violation v = { 0 };
	size_t i;

	for (i = 0; i < in->n_workloads; i++)
		if (strncmp(in->workloads[i].id, id, strlen(id)) == 0)
			break;
	if (i == in->n_workloads)
		return 0; /* gone already */
	v.w = &in->workloads[i];
	for (i = 0; i < rep->n && v.n < 64; i++) {
		const struct audit_finding *f = &rep->findings[i];

		if (f->check->kind == AUDIT_KIND_CONTAINER && strcmp(f->object_id, v.w->id) == 0 &&
		    f->check->severity >= w->cfg.alert_min) {
			hits[v.n++] = f;
			if (f->check->severity > v.max)
				v.max = f->check->severity;
		}
	}
	v.findings = hits;
	if (!v.n || !w->cfg.on_violation)
		return 0;
	w->cfg.on_violation(&v, w->cfg.ctx);
	return 1;
}

static void *audit_main(void *arg)
{
	struct audit_watch *w = arg;
	char (*started)[80] = calloc(QUEUE_MAX, 80);
	double next = 0, t0;
	unsigned violations;
	size_t n, i;

	while (started && !atomic_load(&w->stop)) {
		struct audit_input in;
		struct audit_report rep;
		int ret;

		pthread_mutex_lock(&w->lock);
		n = w->queued;
		memcpy(started, w->queue, n * 80);
		w->queued = 0;
		pthread_mutex_unlock(&w->lock);
		if (!n && now_s(CLOCK_MONOTONIC) < next) {
			sleep_ms(w, (unsigned)((next - now_s(CLOCK_MONOTONIC)) * 1000) + 1);
			continue;
		}
		t0 = now_s(CLOCK_MONOTONIC);
		ret = audit_once(w, &in, &rep);
		violations = 0;
		for (i = 0; !ret && i < n; i++) /* outside the lock: the callback may block */
			violations += report_violation(w, &in, &rep, started[i]);
		pthread_mutex_lock(&w->lock);
		w->runs++;
		w->violations += violations;
		if (ret) {
			w->errors++;
		} else {
			if (w->have) {
				audit_report_release(&w->rep);
				audit_input_release(&w->in);
			}
			w->in = in;
			w->rep = rep;
			w->have = true;
			w->last_success = now_s(CLOCK_REALTIME);
			w->last_duration = now_s(CLOCK_MONOTONIC) - t0;
		}
		pthread_mutex_unlock(&w->lock);
		next = now_s(CLOCK_MONOTONIC) + (ret ? RETRY_MS / 1000.0 : w->cfg.interval_s);
	}
	free(started);
	return NULL;
}

static void watch_free(struct audit_watch *w)
{
	size_t i;

	if (w->have) {
		audit_report_release(&w->rep);
		audit_input_release(&w->in);
	}
	for (i = 0; i < w->n_cache; i++) {
		free(w->cache[i].id);
		audit_image_release(&w->cache[i].img);
	}
	free(w->cache);
	container_engine_close(w->events);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w->queue);
	free(w->socket);
	free(w->root);
	free(w);
}

int audit_watch_start(const struct audit_watch_config *cfg, struct audit_watch **out)
{
	struct audit_watch *w = calloc(1, sizeof(*w));
	sigset_t all, old;
	int ret;

	*out = NULL;
	if (!w)
		return -ENOMEM;
	w->cfg = *cfg;
	if (!w->cfg.interval_s)
		w->cfg.interval_s = AUDIT_WATCH_INTERVAL_S;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	atomic_init(&w->stop, false);
	atomic_init(&w->events_up, false);
	w->socket = strdup(cfg->socket);
	w->root = strdup(cfg->root ? cfg->root : "/");
	w->queue = calloc(QUEUE_MAX, sizeof(*w->queue));
	if (!w->socket || !w->root || !w->queue) {
		watch_free(w);
		return -ENOMEM;
	}
	ret = container_engine_open(w->socket, &w->events);
	if (ret) {
		watch_free(w);
		return ret;
	}
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	ret = -pthread_create(&w->audit_thread, NULL, audit_main, w);
	if (!ret) {
		ret = -pthread_create(&w->events_thread, NULL, events_main, w);
		if (ret) {
			atomic_store(&w->stop, true);
			pthread_cond_broadcast(&w->wake);
			pthread_join(w->audit_thread, NULL);
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret) {
		watch_free(w);
		return ret;
	}
	w->threads = true;
	*out = w;
	return 0;
}

void audit_watch_stop(struct audit_watch *w)
{
	if (!w)
		return;
	if (w->threads) {
		pthread_mutex_lock(&w->lock);
		atomic_store(&w->stop, true);
		pthread_cond_broadcast(&w->wake);
		pthread_mutex_unlock(&w->lock);
		container_engine_abort(w->events);
		pthread_join(w->events_thread, NULL);
		pthread_join(w->audit_thread, NULL);
	}
	watch_free(w);
}

int audit_watch_new_offline(struct audit_watch **out)
{
	struct audit_watch *w = calloc(1, sizeof(*w));

	*out = w;
	if (!w)
		return -ENOMEM;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	atomic_init(&w->stop, false);
	atomic_init(&w->events_up, false);
	return 0;
}

void audit_watch_publish(struct audit_watch *w, struct audit_input *in, struct audit_report *rep)
{
	pthread_mutex_lock(&w->lock);
	if (w->have) {
		audit_report_release(&w->rep);
		audit_input_release(&w->in);
	}
	w->in = *in;
	w->rep = *rep;
	w->have = true;
	w->runs++;
	w->last_success = now_s(CLOCK_REALTIME);
	pthread_mutex_unlock(&w->lock);
	memset(in, 0, sizeof(*in));
	memset(rep, 0, sizeof(*rep));
}

void audit_watch_stats(struct audit_watch *w, struct audit_watch_stats *out)
{
	pthread_mutex_lock(&w->lock);
	out->runs = w->runs;
	out->errors = w->errors;
	out->violations = w->violations;
	out->queue_dropped = w->queue_dropped;
	out->last_success = w->last_success;
	out->last_duration = w->last_duration;
	out->have = w->have;
	pthread_mutex_unlock(&w->lock);
	out->events_up = atomic_load(&w->events_up);
}


void audit_watch_read(struct audit_watch *w,
		      void (*fn)(const struct audit_input *in, const struct audit_report *rep,
				 void *ctx),
		      void *ctx)
{
	pthread_mutex_lock(&w->lock);
	if (w->have)
		fn(&w->in, &w->rep, ctx);
	pthread_mutex_unlock(&w->lock);
}
