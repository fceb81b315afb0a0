/*
 * The sink framework: a set of sinks, each with a bounded queue and its own
 * thread, so a slow or dead receiver never stalls detection (DESIGN.md
 * section 2). The detection thread only takes a short lock to queue a
 * pointer (or, with a spool, to append to it when the queue is full);
 * delivery and retries with backoff happen on the sink's thread. Records are
 * delivered oldest first, queue then spool; a failed delivery moves what is
 * queued in front of the spool, so a receiver that comes back sees everything
 * in order.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "metrics/metrics.h"
#include "outfile/outfile.h"
#include "output/sink_internal.h"

struct sink {
	char name[64], type[32];
	enum rules_priority min_priority;
	uint32_t retries, backoff_ms;
	char *spool_dir;
	uint64_t spool_max_bytes;
	const struct sink_ops *ops;
	void *state;

	pthread_t thread;
	bool started;
	pthread_mutex_t lock; /* guards everything below, the spool included */
	pthread_cond_t wake;
	struct sink_queue q;
	bool stop, reopen;
	bool joined; /* stopped for good (sink_set_stop): a new record is dropped */
	bool has_spool;
	bool spooling; /* the spool holds records: new ones go behind them */
	bool spool_error_reported;
	struct sink_spool spool;
	uint64_t delivered, failed, dropped, spooled, spool_bytes;
	bool healthy;
	struct metrics_hist latency; /* event time -> delivered (sink_stats) */
};

struct sink_set {
	struct sink *sinks;
	size_t n;
};

/* ---- one sink's thread ---- */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Waits on the sink's condition until woken or until the monotonic deadline. */
static void wait_until(struct sink *k, uint64_t deadline_ms)
{
	struct timespec ts = { .tv_sec = (time_t)(deadline_ms / 1000),
			       .tv_nsec = (long)(deadline_ms % 1000) * 1000000 };

	pthread_cond_timedwait(&k->wake, &k->lock, &ts);
}

/* Longest latency counted: older records (a replay's, a spool's from
 * before a restart) say nothing of the pipeline's speed. */
#define LATENCY_MAX_NS (60ull * 1000000000ull)

/* The time from the event to now, when it is one to count. */
static void note_latency(struct sink *k, const struct sink_record *r)
{
	struct timespec ts;
	uint64_t now;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	if (r->time_ns && now >= r->time_ns && now - r->time_ns < LATENCY_MAX_NS)
		metrics_hist_add(&k->latency, now - r->time_ns);
}

/* One attempt, counted. Called without the lock. */
static int attempt(struct sink *k, const struct sink_record *r)
{
	int err = k->ops->deliver(k->state, r);

	pthread_mutex_lock(&k->lock);
	if (err) {
		k->failed++;
		k->healthy = false;
	} else {
		k->delivered++;
		k->healthy = true;
		note_latency(k, r);
	}
	pthread_mutex_unlock(&k->lock);
	return err;
}

/* Without a spool: the first attempt, then `retries` more with exponential
 * backoff (cut short when the agent stops). Called without the lock. */
static int deliver_retrying(struct sink *k, const struct sink_record *r)
{
	uint32_t i;
	int err = attempt(k, r);

	for (i = 0; err && i < k->retries; i++) {
		uint64_t until = now_ms() + sink_backoff_ms(k->backoff_ms, i);
		bool stop;

		pthread_mutex_lock(&k->lock);
		while (!k->stop && now_ms() < until)
			wait_until(k, until);
		stop = k->stop;
		pthread_mutex_unlock(&k->lock);
		if (stop)
			break;
		err = attempt(k, r);
	}
	return err;
}

static void spool_failed(struct sink *k, int err, size_t lost)
{
	k->dropped += lost;
	if (err != -ENOSPC && !k->spool_error_reported)
		fprintf(stderr, "palisade: sink %s: writing spool %s failed: %s; records are "
				"dropped (counted) until it works again\n",
			k->name, k->spool.path, strerror(-err));
	k->spool_error_reported = err != -ENOSPC;
}

/*
 * The spool is touched with the sink's lock held: the detection thread
 * appends to it (a write to the page cache), the sink's thread reads its
 * front. Holding the lock keeps "queue first, then spool" true without a
 * second lock; the only long operation, save_before_spool() (it rewrites
 * the spool's undelivered part), happens once per outage.
 */

/* Puts r and everything queued in front of what the spool holds (they are
 * older), and switches the sink to spooling. Called with the lock. */
static void save_before_spool(struct sink *k, struct sink_record *r)
{
	struct sink_record **recs = malloc((k->q.count + 1) * sizeof(*recs)), *q;
	size_t n = 0, saved = 0, i;
	int err;

	if (!recs) {
		spool_failed(k, -ENOMEM, k->q.count + (r ? 1 : 0));
		sink_record_unref(r);
		while ((q = sink_queue_pop(&k->q)))
			sink_record_unref(q);
		return;
	}
	if (r)
		recs[n++] = r;
	while ((q = sink_queue_pop(&k->q)))
		recs[n++] = q;
	err = sink_spool_prepend(&k->spool, recs, n, &saved);
	k->spooled += saved;
	if (saved < n)
		spool_failed(k, err, n - saved);
	for (i = 0; i < n; i++)
		sink_record_unref(recs[i]);
	free(recs);
	k->spooling = true;
	k->spool_bytes = sink_spool_bytes(&k->spool);
}

static void *sink_thread(void *arg)
{
	struct sink *k = arg;
	uint64_t next_try = 0;
	uint32_t backoff_step = 0;

	pthread_mutex_lock(&k->lock);
	for (;;) {
		struct sink_record *r;
		bool from_spool = false;
		int err;

		if (k->reopen) {
			k->reopen = false;
			pthread_mutex_unlock(&k->lock);
			if (k->ops->reopen && (err = k->ops->reopen(k->state)))
				fprintf(stderr, "palisade: sink %s: reopen failed: %s\n", k->name,
					strerror(-err));
			pthread_mutex_lock(&k->lock);
			continue;
		}
		/* Stopping while the receiver fails: keep everything on disk. */
		if (k->stop && k->spooling) {
			save_before_spool(k, NULL);
			break;
		}
		/* Oldest first: the queue, then the spool (filled when the queue was full). */
		r = sink_queue_pop(&k->q);
		if (!r && k->spooling) {
			if (now_ms() < next_try) {
				wait_until(k, next_try);
				continue;
			}
			err = sink_spool_peek(&k->spool, &r);
			if (err == -EBADMSG)
				fprintf(stderr, "palisade: sink %s: spool %s has a damaged record; what "
						"followed it was skipped\n", k->name, k->spool.path);
			if (!r) {
				/* Delivered to the end (or damaged): back to the queue alone. */
				k->spooling = sink_spool_bytes(&k->spool) != 0;
				k->spool_bytes = sink_spool_bytes(&k->spool);
				continue;
			}
			from_spool = true;
		}
		if (!r) {
			if (k->stop)
				break;
			pthread_cond_wait(&k->wake, &k->lock);
			continue;
		}
		/* Stopping with a receiver that just failed and no spool: do not wait. */
		if (k->stop && !k->healthy && !k->has_spool) {
			k->dropped++;
			sink_record_unref(r);
			continue;
		}
		pthread_mutex_unlock(&k->lock);
		err = k->has_spool ? attempt(k, r) : deliver_retrying(k, r);
		pthread_mutex_lock(&k->lock);
		if (!err) {
			backoff_step = 0;
			if (from_spool) {
				sink_spool_advance(&k->spool);
				k->spool_bytes = sink_spool_bytes(&k->spool);
			}
			sink_record_unref(r);
		} else if (k->has_spool) {
			/* Kept, in order, for when the receiver is back. */
			next_try = now_ms() + sink_backoff_ms(k->backoff_ms, backoff_step++);
			if (from_spool)
				sink_record_unref(r); /* still the spool's front */
			else
				save_before_spool(k, r);
		} else {
			k->dropped++;
			sink_record_unref(r);
		}
	}
	pthread_mutex_unlock(&k->lock);
	return NULL;
}

/* ---- the set ---- */

static void sink_release(struct sink *k)
{
	if (k->ops && k->ops->destroy)
		k->ops->destroy(k->state);
	k->ops = NULL;
	sink_queue_release(&k->q);
	if (k->has_spool)
		sink_spool_close(&k->spool);
	free(k->spool_dir);
	pthread_mutex_destroy(&k->lock);
	pthread_cond_destroy(&k->wake);
}

static int sink_init(struct sink *k, const struct sink_cfg *c)
{
	pthread_condattr_t ca;
	int err;

	snprintf(k->name, sizeof(k->name), "%s", c->name ? c->name : c->type);
	snprintf(k->type, sizeof(k->type), "%s", c->type);
	k->min_priority = c->min_priority;
	k->retries = c->retries;
	k->backoff_ms = c->backoff_ms ? c->backoff_ms : 1;
	k->spool_max_bytes = c->spool_max_bytes;
	k->spool.fd = -1;
	k->healthy = true;
	pthread_mutex_init(&k->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&k->wake, &ca);
	pthread_condattr_destroy(&ca);
	if (c->spool_dir && *c->spool_dir) {
		k->spool_dir = strdup(c->spool_dir);
		if (!k->spool_dir)
			return -ENOMEM;
	}
	err = sink_queue_init(&k->q, c->queue_size);
	if (err)
		return err;
	if (!c->create) {
		fprintf(stderr, "palisade: output %s: type %s has no constructor\n", k->name, c->type);
		return -ENOTSUP;
	}
	if (c->check && (err = c->check(c)))
		return err;
	return c->create(c, &k->state, &k->ops);
}

int sink_cfg_check(const struct sink_cfg *c)
{
	static const struct outfile_spec spool = { .kind = OUTFILE_SPOOL, .mode = 0600 };
	char what[128], *file = NULL;
	int err = 0;

	if (c->spool_dir && *c->spool_dir) {
		snprintf(what, sizeof(what), "spool_dir of sink %s", c->name);
		err = outfile_dir_check(c->spool_dir, what);
		if (!err && asprintf(&file, "%s/%s.spool", c->spool_dir, c->name) < 0)
			return -ENOMEM;
		snprintf(what, sizeof(what), "spool of sink %s", c->name);
		/* A directory made at start holds no spool yet. */
		if (!err && access(c->spool_dir, F_OK) == 0)
			err = outfile_check(file, &spool, what);
		free(file);
	}
	return err ? err : c->check ? c->check(c) : 0;
}

int sink_set_new(const struct sink_cfg *cfgs, size_t n, struct sink_set **out)
{
	struct sink_set *s = calloc(1, sizeof(*s));
	int err = 0;
	size_t i;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->sinks = calloc(n ? n : 1, sizeof(*s->sinks));
	if (!s->sinks) {
		free(s);
		return -ENOMEM;
	}
	for (i = 0; i < n && !err; i++, s->n++)
		err = sink_init(&s->sinks[i], &cfgs[i]);
	if (err) {
		sink_set_free(s);
		return err;
	}
	*out = s;
	return 0;
}

int sink_set_start(struct sink_set *s)
{
	struct sink *k;
	size_t i;
	int err;

	for (i = 0; s && i < s->n; i++) {
		k = &s->sinks[i];
		if (k->spool_dir) {
			err = sink_spool_open(&k->spool, k->spool_dir, k->name, k->spool_max_bytes);
			if (err)
				return err;
			k->has_spool = true;
			k->spool_bytes = sink_spool_bytes(&k->spool);
			/* Left over from the last run: delivered before anything new. */
			k->spooling = k->spool_bytes != 0;
		}
		err = -pthread_create(&k->thread, NULL, sink_thread, k);
		if (err) {
			fprintf(stderr, "palisade: sink %s: cannot start its thread: %s\n", k->name,
				strerror(-err));
			return err;
		}
		k->started = true;
	}
	return 0;
}

/* Queues r for one sink (or spools it, or counts it dropped). */
static void push(struct sink *k, struct sink_record *r)
{
	int err;

	pthread_mutex_lock(&k->lock);
	if (k->joined) {
		k->dropped++; /* its thread is gone: nothing would deliver it */
	} else if (k->has_spool && (k->spooling || k->q.count == k->q.cap)) {
		/* Behind what the spool holds; the queue's records are older still. */
		err = sink_spool_append(&k->spool, r);
		if (err) {
			spool_failed(k, err, 1);
		} else {
			k->spooled++;
			k->spooling = true;
			k->spool_bytes = sink_spool_bytes(&k->spool);
		}
	} else if (sink_queue_push(&k->q, sink_record_ref(r))) {
		k->dropped++;
		sink_record_unref(r);
	}
	pthread_cond_signal(&k->wake);
	pthread_mutex_unlock(&k->lock);
}

void sink_set_submit(struct sink_set *s, struct sink_record *r)
{
	sink_set_submit_routed(s, r, NULL, 0);
}

void sink_set_submit_routed(struct sink_set *s, struct sink_record *r,
			    const struct sink_route *routes, size_t n_routes)
{
	for (size_t i = 0; s && r && i < s->n; i++) {
		struct sink *k = &s->sinks[i];
		struct sink_record *own = NULL;

		for (size_t j = 0; j < n_routes && !own; j++)
			if (!strcmp(routes[j].sink, k->name))
				own = routes[j].record ? routes[j].record : r;
		/* Lower enum value = more severe. */
		if (own)
			push(k, own);
		else if (r->priority <= k->min_priority)
			push(k, r);
	}
}

bool sink_set_has(const struct sink_set *s, const char *name)
{
	for (size_t i = 0; s && i < s->n; i++)
		if (!strcmp(s->sinks[i].name, name))
			return true;
	return false;
}

void sink_set_reopen(struct sink_set *s)
{
	size_t i;

	for (i = 0; s && i < s->n; i++) {
		pthread_mutex_lock(&s->sinks[i].lock);
		s->sinks[i].reopen = true;
		pthread_cond_signal(&s->sinks[i].wake);
		pthread_mutex_unlock(&s->sinks[i].lock);
	}
}

static pthread_mutex_t published_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sink_set *published;

void sink_set_stop(struct sink_set *s)
{
	struct sink *k;
	size_t i;

	for (i = 0; s && i < s->n; i++) {
		k = &s->sinks[i];
		pthread_mutex_lock(&k->lock);
		k->stop = true;
		pthread_cond_signal(&k->wake);
		pthread_mutex_unlock(&k->lock);
	}
	for (i = 0; s && i < s->n; i++) {
		k = &s->sinks[i];
		if (k->started)
			pthread_join(k->thread, NULL);
		k->started = false;
		pthread_mutex_lock(&k->lock);
		k->joined = true;
		pthread_mutex_unlock(&k->lock);
	}
}

void sink_set_free(struct sink_set *s)
{
	size_t i;

	if (!s)
		return;
	pthread_mutex_lock(&published_lock);
	if (published == s)
		published = NULL;
	pthread_mutex_unlock(&published_lock);
	sink_set_stop(s);
	for (i = 0; i < s->n; i++)
		sink_release(&s->sinks[i]);
	free(s->sinks);
	free(s);
}

size_t sink_set_count(const struct sink_set *s)
{
	return s ? s->n : 0;
}

static void sink_set_stats_one(struct sink_set *s, size_t i, struct sink_stats *out)
{
	struct sink *k = &s->sinks[i];

	pthread_mutex_lock(&k->lock);
	*out = (struct sink_stats){ .delivered = k->delivered,
					      .failed = k->failed,
					      .dropped = k->dropped,
					      .spooled = k->spooled,
					      .queue_depth = k->q.count,
					      .queue_size = k->q.cap,
					      .spool_bytes = k->spool_bytes,
					      .healthy = k->healthy,
					      .latency_p50_ns = metrics_hist_quantile(&k->latency, 0.5),
					      .latency_p99_ns = metrics_hist_quantile(&k->latency, 0.99),
					      .latency_n = k->latency.total };
	pthread_mutex_unlock(&k->lock);
	snprintf(out->name, sizeof(out->name), "%s", k->name);
	snprintf(out->type, sizeof(out->type), "%s", k->type);
}

size_t sink_set_stats(struct sink_set *s, struct sink_stats *out, size_t max)
{
	size_t i;

	for (i = 0; s && i < s->n && i < max; i++)
		sink_set_stats_one(s, i, &out[i]);
	return sink_set_count(s);
}

void sink_set_publish(struct sink_set *s)
{
	pthread_mutex_lock(&published_lock);
	published = s;
	pthread_mutex_unlock(&published_lock);
}

size_t sink_stats_current(struct sink_stats *out, size_t max)
{
	size_t n;

	pthread_mutex_lock(&published_lock);
	n = sink_set_stats(published, out, max);
	pthread_mutex_unlock(&published_lock);
	return n;
}

void sink_set_report(struct sink_set *s, FILE *f, const char *when)
{
	struct sink_stats st;
	size_t i;

	for (i = 0; s && i < s->n; i++) {
		sink_set_stats_one(s, i, &st);
		fprintf(f, "palisade: %s: output %s (%s): delivered %llu, failed attempts %llu, "
			   "dropped %llu, spooled %llu, queued %llu/%llu, spool %llu bytes, %s",
			when, st.name, st.type, (unsigned long long)st.delivered,
			(unsigned long long)st.failed, (unsigned long long)st.dropped,
			(unsigned long long)st.spooled, (unsigned long long)st.queue_depth,
			(unsigned long long)st.queue_size, (unsigned long long)st.spool_bytes,
			st.healthy ? "healthy" : "failing");
		if (st.latency_n)
			fprintf(f, "; latency from the syscall p50 %.1f us, p99 %.1f us (%llu)",
				st.latency_p50_ns / 1000.0, st.latency_p99_ns / 1000.0,
				(unsigned long long)st.latency_n);
		fputc('\n', f);
	}
}
