/*
 * The two threads that keep the store current from the Docker engine.
 *
 * events thread: streams GET /events (containers only). Each time the stream
 * comes up it asks for a seed, so that whatever happened while it was down
 * (or before the agent started) is caught up; the seed runs after the stream
 * is up, so nothing falls between the two. When the daemon goes away it
 * reconnects with exponential backoff capped at CONTAINER_RECONNECT_MAX_MS.
 *
 * worker thread: seeds (GET /containers/json, then an inspect of each) and
 * answers inspect requests queued by lookups and events; once a second it
 * frees what retired long enough ago, removes destroyed containers after
 * their grace period, and retries inspects that failed.
 *
 * Neither holds the store lock across I/O.
 */
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "container/internal.h"

#define EVENTS_PATH "/events?filters=%7B%22type%22%3A%5B%22container%22%5D%7D"
#define LIST_TIMEOUT_MS 5000L
#define START_WAIT_MS 3000
#define SEED_RETRY_MS 2000
#define BACKOFF_MIN_MS 100
#define SWEEP_MS 1000
#define LOG_BODY_MAX 200

static void count_error(struct container_store *s)
{
	atomic_fetch_add(&s->engine_errors, 1);
}

static void abs_deadline(struct timespec *ts, uint64_t in_ms)
{
	uint64_t t = container_now_ms() + in_ms;

	ts->tv_sec = (time_t)(t / 1000);
	ts->tv_nsec = (long)(t % 1000) * 1000000L;
}

static void mark_first_attempt(struct container_store *s)
{
	pthread_mutex_lock(&s->lock);
	s->first_attempt_done = true;
	pthread_cond_broadcast(&s->seeded);
	pthread_mutex_unlock(&s->lock);
}

/* One line for a log, from an answer body that may be long or binary. */
static void body_excerpt(const char *body, char *out, size_t out_len)
{
	size_t i, o = 0;

	for (i = 0; body && body[i] && o + 1 < out_len && i < LOG_BODY_MAX; i++)
		out[o++] = (body[i] >= ' ' && body[i] < 127) ? body[i] : ' ';
	out[o] = '\0';
}

/*
 * Replaces in->info by a copy that also has the container's own users and
 * groups, read through its first process's root. Best effort: that process
 * may be gone already; user names then come from the host, as before.
 */
static void attach_accounts(struct container_inspect *in)
{
	struct container_info *with;
	char root[64];
	int err;

	snprintf(root, sizeof(root), "/proc/%" PRId64 "/root", in->pid);
	err = container_info_with_accounts(in->info, root, &with);
	if (err) {
		if (err != -ENOENT && err != -ESRCH)
			container_log("cannot read the users of container %.12s from %s/etc/passwd "
				      "and /etc/group: %s; its user names come from the host's",
				      in->info->id, root, strerror(-err));
		return;
	}
	container_info_free(in->info);
	in->info = with;
}

/* -1: transport failure, 0: gone (404), 1: published. */
static int inspect(struct container_store *s, const char *id)
{
	struct container_inspect in = { 0 };
	char path[128], err[256], excerpt[LOG_BODY_MAX + 1], cgpath[PATH_MAX];
	char cgid_container[CONTAINER_ID_LEN + 1];
	char *body = NULL;
	uint64_t cgroup_id;
	size_t len;
	long status;
	int ret = -1, rc;

	snprintf(path, sizeof(path), "/containers/%s/json", id);
	rc = container_http_get(&s->worker_http, path, CONTAINER_INSPECT_TIMEOUT_MS, &status,
				&body, &len, err, sizeof(err));
	if (rc) {
		if (rc != -ECANCELED) {
			count_error(s);
			/* While the stream is down the outage is already reported. */
			if (atomic_load(&s->connected))
				container_log("GET %s from %s failed: %s; will retry", path,
					      s->docker_socket, err);
		}
		goto cleanup;
	}
	if (status == 404) {
		ret = 0;
		goto cleanup;
	}
	if (status != 200) {
		count_error(s);
		body_excerpt(body, excerpt, sizeof(excerpt));
		container_log("GET %s from %s: HTTP %ld (%s); will retry", path, s->docker_socket,
			      status, excerpt);
		goto cleanup;
	}
	if (container_json_parse_inspect(body, len, &in, err, sizeof(err))) {
		count_error(s);
		container_log("GET %s from %s: malformed answer (%s); skipped", path,
			      s->docker_socket, err);
		goto cleanup;
	}
	if (strcmp(in.info->id, id) != 0) {
		count_error(s);
		container_log("GET %s from %s: answer is about container %s; skipped", path,
			      s->docker_socket, in.info->id);
		goto cleanup;
	}
	if (in.pid > 0)
		attach_accounts(&in);
	if (container_store_set_meta(s, in.info))
		goto cleanup;
	ret = 1;
	/* Map its cgroup now, so that its first event is a cache hit. Best effort:
	 * the process may be gone, and the miss path would do it anyway. */
	if (in.pid > 0 && s->fs &&
	    !container_cgroupfs_pid(s->fs, in.pid, cgpath, sizeof(cgpath), &cgroup_id) &&
	    container_parse_cgroup_path(cgpath, cgid_container) != RUNTIME_NONE &&
	    strcmp(cgid_container, id) == 0)
		container_store_map_cgroup(s, id, cgroup_id);
cleanup:
	container_info_free(in.info);
	free(body);
	return ret;
}

static void inspect_queued(struct container_store *s, const char *id)
{
	struct container_slot *slot;
	int ret = inspect(s, id);

	pthread_mutex_lock(&s->lock);
	slot = container_store_slot_locked(s, id);
	if (slot && ret == 0) {
		slot->attempts = CONTAINER_INSPECT_ATTEMPTS; /* not Docker's, or gone */
	} else if (slot && ret < 0) {
		slot->attempts++;
		slot->retry_at_ms = container_now_ms() + 1000ull * slot->attempts;
	}
	pthread_mutex_unlock(&s->lock);
}

static int cmp_id(const void *a, const void *b)
{
	return strcmp(a, b);
}

/*
 * Catch up with the engine: describe every running container, and schedule
 * the removal of Docker containers the store still holds but the engine no
 * longer runs (destroyed while the stream was down). Slots touched after the
 * list was asked for are left alone: they are newer than the list.
 */
static void seed(struct container_store *s)
{
	char (*ids)[CONTAINER_ID_LEN + 1] = NULL;
	char err[256], excerpt[LOG_BODY_MAX + 1];
	struct container_slot *slot;
	uint64_t t0 = container_now_ms(), now;
	char *body = NULL;
	size_t len, n = 0, i, b, published = 0;
	long status;
	int rc;

	rc = container_http_get(&s->worker_http, "/containers/json", LIST_TIMEOUT_MS, &status,
				&body, &len, err, sizeof(err));
	if (rc == -ECANCELED)
		goto cleanup;
	if (rc) {
		count_error(s);
		container_log("GET /containers/json from %s failed: %s; retrying in %d s",
			      s->docker_socket, err, SEED_RETRY_MS / 1000);
		goto retry;
	}
	if (status != 200) {
		count_error(s);
		body_excerpt(body, excerpt, sizeof(excerpt));
		container_log("GET /containers/json from %s: HTTP %ld (%s); retrying in %d s",
			      s->docker_socket, status, excerpt, SEED_RETRY_MS / 1000);
		goto retry;
	}
	if (container_json_parse_list(body, len, &ids, &n, err, sizeof(err))) {
		count_error(s);
		container_log("GET /containers/json from %s: malformed answer (%s); retrying in "
			      "%d s",
			      s->docker_socket, err, SEED_RETRY_MS / 1000);
		goto retry;
	}
	for (i = 0; i < n && !atomic_load(&s->stop); i++)
		published += inspect(s, ids[i]) > 0;
	qsort(ids, n, sizeof(*ids), cmp_id);

	pthread_mutex_lock(&s->lock);
	now = container_now_ms();
	for (b = 0; b < s->slot_nbuckets; b++) {
		for (slot = s->slot_buckets[b]; slot; slot = slot->hash_next) {
			if (!slot->meta->has_metadata)
				slot->attempts = 0; /* a new chance for what failed before */
			if (slot->runtime != RUNTIME_DOCKER || slot->touched_ms >= t0 ||
			    slot->remove_at_ms ||
			    bsearch(slot->id, ids, n, sizeof(*ids), cmp_id))
				continue;
			slot->remove_at_ms = now + CONTAINER_DESTROY_GRACE_SEC * 1000ull;
		}
	}
	s->first_attempt_done = true;
	pthread_cond_broadcast(&s->seeded);
	pthread_mutex_unlock(&s->lock);
	container_log("%zu running containers described by the Docker engine at %s", published,
		      s->docker_socket);
	goto cleanup;
retry:
	pthread_mutex_lock(&s->lock);
	s->seed_retry_at_ms = container_now_ms() + SEED_RETRY_MS;
	s->first_attempt_done = true;
	pthread_cond_broadcast(&s->seeded);
	pthread_mutex_unlock(&s->lock);
cleanup:
	free(ids);
	free(body);
}

static void *worker_main(void *arg)
{
	struct container_store *s = arg;
	char id[CONTAINER_ID_LEN + 1];
	struct container_slot *slot;
	uint64_t now, next_sweep = 0;
	struct timespec deadline;

	pthread_mutex_lock(&s->lock);
	while (!atomic_load(&s->stop)) {
		now = container_now_ms();
		if (now >= next_sweep) {
			container_store_sweep_locked(s, now);
			next_sweep = now + SWEEP_MS;
		}
		if (atomic_load(&s->connected) &&
		    (s->seed_requested || (s->seed_retry_at_ms && s->seed_retry_at_ms <= now))) {
			s->seed_requested = false;
			s->seed_retry_at_ms = 0;
			pthread_mutex_unlock(&s->lock);
			seed(s);
			pthread_mutex_lock(&s->lock);
			continue;
		}
		if (s->q_count && !atomic_load(&s->connected)) {
			/* The seed that follows the reconnect asks again for these. */
			s->q_count = 0;
		}
		if (s->q_count) {
			memcpy(id, s->queue[s->q_head], sizeof(id));
			s->q_head = (s->q_head + 1) % CONTAINER_QUEUE_LEN;
			s->q_count--;
			slot = container_store_slot_locked(s, id);
			if (slot) /* in flight: the sweep must not queue it again */
				slot->retry_at_ms = now + CONTAINER_INSPECT_TIMEOUT_MS + 1000;
			pthread_mutex_unlock(&s->lock);
			inspect_queued(s, id);
			pthread_mutex_lock(&s->lock);
			continue;
		}
		abs_deadline(&deadline, next_sweep - now);
		pthread_cond_timedwait(&s->wake, &s->lock, &deadline);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

struct events_state {
	struct container_store *s;
	bool ever_connected;
	bool up;
};

static void on_status(long status, void *ctx)
{
	struct events_state *st = ctx;
	struct container_store *s = st->s;

	if (status != 200)
		return; /* the body says why; logged when the stream returns */
	st->up = true;
	if (st->ever_connected) {
		atomic_fetch_add(&s->engine_reconnects, 1);
		container_log("reconnected to the Docker engine at %s", s->docker_socket);
	}
	st->ever_connected = true;
	pthread_mutex_lock(&s->lock);
	atomic_store(&s->connected, true);
	s->seed_requested = true;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
}

static void on_event(struct container_store *s, const struct container_event *ev)
{
	uint64_t later = container_now_ms() + CONTAINER_DESTROY_GRACE_SEC * 1000ull;
	struct container_slot *slot;
	struct container_cg *cg;

	if (ev->action == CONTAINER_EV_CREATE || ev->action == CONTAINER_EV_START)
		container_store_set_announced(s, ev);
	pthread_mutex_lock(&s->lock);
	slot = container_store_slot_locked(s, ev->id);
	switch (ev->action) {
	case CONTAINER_EV_CREATE:
	case CONTAINER_EV_START:
		if (slot)
			slot->remove_at_ms = 0;
		container_store_queue_locked(s, ev->id);
		break;
	case CONTAINER_EV_RENAME:
		container_store_queue_locked(s, ev->id);
		break;
	case CONTAINER_EV_DIE:
		/* Its cgroups are gone for good: a restart makes new ones. */
		for (cg = slot ? slot->views : NULL; cg; cg = cg->view_next) {
			if (!cg->remove_at_ms)
				cg->remove_at_ms = later;
		}
		/* Described again, without addresses: another container may get
		 * them now, and flows and policies must not take it for this one. */
		if (slot)
			container_store_queue_locked(s, ev->id);
		break;
	case CONTAINER_EV_DESTROY:
		if (slot)
			slot->remove_at_ms = later;
		break;
	case CONTAINER_EV_OTHER:
		break;
	}
	pthread_mutex_unlock(&s->lock);
}

static void on_line(const char *line, size_t len, void *ctx)
{
	struct events_state *st = ctx;
	struct container_event ev;
	char err[256];

	if (container_json_parse_event(line, len, &ev, err, sizeof(err))) {
		count_error(st->s);
		container_log("GET /events from %s: malformed event (%s); skipped",
			      st->s->docker_socket, err);
		return;
	}
	if (ev.action != CONTAINER_EV_OTHER)
		on_event(st->s, &ev);
}

/* Sleeps in short slices so that a stop is noticed quickly. */
static void backoff_sleep(struct container_store *s, unsigned ms)
{
	struct timespec ts = { 0, 50 * 1000000L };
	unsigned slept;

	for (slept = 0; slept < ms && !atomic_load(&s->stop); slept += 50)
		nanosleep(&ts, NULL);
}

static void *events_main(void *arg)
{
	struct container_store *s = arg;
	struct events_state st = { .s = s };
	struct container_stream_ops ops = { .on_status = on_status, .on_line = on_line,
					    .ctx = &st };
	unsigned backoff = BACKOFF_MIN_MS;
	bool outage_logged = false;
	char err[768];
	int rc;

	while (!atomic_load(&s->stop)) {
		st.up = false;
		rc = container_http_stream(&s->events_http, EVENTS_PATH, &ops, err, sizeof(err));
		if (atomic_load(&s->stop))
			break;
		atomic_store(&s->connected, false);
		if (st.up) {
			backoff = BACKOFF_MIN_MS;
			outage_logged = false;
			container_log("lost the events stream of the Docker engine at %s (%s); "
				      "reconnecting",
				      s->docker_socket, err);
		} else if (!outage_logged) {
			outage_logged = true;
			container_log("Docker engine at %s unreachable (%s): containers are "
				      "reported by id only until it answers; retrying every %d s "
				      "at most",
				      s->docker_socket, err, CONTAINER_RECONNECT_MAX_MS / 1000);
		}
		if (rc == -EPROTO || !st.up)
			count_error(s);
		mark_first_attempt(s);
		backoff_sleep(s, backoff);
		backoff = backoff * 2 > CONTAINER_RECONNECT_MAX_MS ? CONTAINER_RECONNECT_MAX_MS :
								     backoff * 2;
	}
	return NULL;
}

int container_engine_start(struct container_store *s)
{
	struct timespec deadline;
	int err;

	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		container_log("libcurl initialisation failed: Docker metadata is unavailable");
		return -ENOMEM;
	}
	err = container_http_init(&s->events_http, s->docker_socket, &s->stop);
	if (err)
		goto fail;
	s->events_http_ready = true;
	err = container_http_init(&s->worker_http, s->docker_socket, &s->stop);
	if (err)
		goto fail;
	s->worker_http_ready = true;
	/* Set before the threads exist: they and the lookups read it under the lock. */
	pthread_mutex_lock(&s->lock);
	s->threads_started = true;
	pthread_mutex_unlock(&s->lock);
	if (pthread_create(&s->worker_thread, NULL, worker_main, s)) {
		err = -EAGAIN;
		goto fail;
	}
	if (pthread_create(&s->events_thread, NULL, events_main, s)) {
		atomic_store(&s->stop, true);
		pthread_mutex_lock(&s->lock);
		pthread_cond_broadcast(&s->wake);
		pthread_mutex_unlock(&s->lock);
		pthread_join(s->worker_thread, NULL);
		err = -EAGAIN;
		goto fail;
	}

	abs_deadline(&deadline, START_WAIT_MS);
	pthread_mutex_lock(&s->lock);
	while (!s->first_attempt_done &&
	       pthread_cond_timedwait(&s->seeded, &s->lock, &deadline) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&s->lock);
	return 0;
fail:
	pthread_mutex_lock(&s->lock);
	s->threads_started = false;
	pthread_mutex_unlock(&s->lock);
	container_log("cannot start the Docker engine threads: %s; containers are reported by "
		      "id only",
		      strerror(-err));
	if (s->worker_http_ready)
		container_http_release(&s->worker_http);
	if (s->events_http_ready)
		container_http_release(&s->events_http);
	s->worker_http_ready = s->events_http_ready = false;
	curl_global_cleanup();
	return err;
}

void container_engine_stop(struct container_store *s)
{
	if (!s->threads_started)
		return;
	atomic_store(&s->stop, true);
	pthread_mutex_lock(&s->lock);
	pthread_cond_broadcast(&s->wake);
	pthread_mutex_unlock(&s->lock);
	container_http_abort(&s->events_http);
	container_http_abort(&s->worker_http);
	pthread_join(s->events_thread, NULL);
	pthread_join(s->worker_thread, NULL);
	container_http_release(&s->worker_http);
	container_http_release(&s->events_http);
	s->threads_started = false;
	curl_global_cleanup();
}
