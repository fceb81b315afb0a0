/*
 * The store: cgroup id -> published container_info, container id -> slot.
 *
 * One mutex guards both tables. Lookups come from the single event-consumer
 * thread and hold it for a hash probe only; the engine thread holds it for
 * in-memory updates only (never across I/O), so a hit costs an uncontended
 * lock, a probe and an unlock: no system call, no allocation.
 *
 * Each cgroup of a container gets its own immutable copy of the container's
 * info (carrying that cgroup id), so that what a lookup returns is exactly
 * what on_update reported for that cgroup and a replay can rebuild it from
 * the record alone. Replaced copies are retired, not freed: see
 * CONTAINER_RETIRE_SEC in container.h.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "container/internal.h"

#define CG_BUCKETS_MIN 256
#define SLOT_BUCKETS_MIN 64
#define RESOLVE_FAILURES_LOGGED 3

static size_t cg_bucket(uint64_t id, size_t nbuckets)
{
	return (size_t)((id * 0x9e3779b97f4a7c15ull) >> 29) & (nbuckets - 1);
}

/* Ids are random hex: their first 16 digits are already a good hash. */
static size_t slot_bucket(const char *id, size_t nbuckets)
{
	uint64_t h = 0;
	int i;

	for (i = 0; i < 16; i++)
		h = h << 4 | (uint64_t)(id[i] <= '9' ? id[i] - '0' : id[i] - 'a' + 10);
	return (size_t)h & (nbuckets - 1);
}

static struct container_cg *cg_find(struct container_store *s, uint64_t id)
{
	struct container_cg *cg = s->cg_buckets[cg_bucket(id, s->cg_nbuckets)];

	while (cg && cg->cgroup_id != id)
		cg = cg->hash_next;
	return cg;
}

/* Growth is best effort: out of memory, chains just get longer. */
static void cg_grow(struct container_store *s)
{
	size_t n = s->cg_nbuckets * 2, i, b;
	struct container_cg **nb, *cg, *next;

	nb = calloc(n, sizeof(*nb));
	if (!nb)
		return;
	for (i = 0; i < s->cg_nbuckets; i++) {
		for (cg = s->cg_buckets[i]; cg; cg = next) {
			next = cg->hash_next;
			b = cg_bucket(cg->cgroup_id, n);
			cg->hash_next = nb[b];
			nb[b] = cg;
		}
	}
	free(s->cg_buckets);
	s->cg_buckets = nb;
	s->cg_nbuckets = n;
}

static void cg_insert(struct container_store *s, struct container_cg *cg)
{
	size_t b;

	if (s->cg_count >= s->cg_nbuckets * 2)
		cg_grow(s);
	b = cg_bucket(cg->cgroup_id, s->cg_nbuckets);
	cg->hash_next = s->cg_buckets[b];
	s->cg_buckets[b] = cg;
	s->cg_count++;
	if (cg->slot)
		s->view_count++;
}

static void cg_unlink(struct container_store *s, struct container_cg *cg)
{
	struct container_cg **pp = &s->cg_buckets[cg_bucket(cg->cgroup_id, s->cg_nbuckets)];

	while (*pp && *pp != cg)
		pp = &(*pp)->hash_next;
	if (*pp) {
		*pp = cg->hash_next;
		s->cg_count--;
		if (cg->slot)
			s->view_count--;
	}
}

struct container_slot *container_store_slot_locked(struct container_store *s, const char *id)
{
	struct container_slot *slot = s->slot_buckets[slot_bucket(id, s->slot_nbuckets)];

	while (slot && strcmp(slot->id, id) != 0)
		slot = slot->hash_next;
	return slot;
}

static void slot_grow(struct container_store *s)
{
	size_t n = s->slot_nbuckets * 2, i, b;
	struct container_slot **nb, *slot, *next;

	nb = calloc(n, sizeof(*nb));
	if (!nb)
		return;
	for (i = 0; i < s->slot_nbuckets; i++) {
		for (slot = s->slot_buckets[i]; slot; slot = next) {
			next = slot->hash_next;
			b = slot_bucket(slot->id, n);
			slot->hash_next = nb[b];
			nb[b] = slot;
		}
	}
	free(s->slot_buckets);
	s->slot_buckets = nb;
	s->slot_nbuckets = n;
}

static struct container_slot *slot_create(struct container_store *s, const char *id,
					  enum container_runtime rt)
{
	static bool full_logged;
	struct container_slot *slot;
	size_t b;

	if (s->slot_count >= CONTAINER_MAX) {
		if (!full_logged)
			container_log("more than %u containers: new ones are reported as host "
				      "processes (counted as unresolved lookups)",
				      CONTAINER_MAX);
		full_logged = true;
		return NULL;
	}
	slot = calloc(1, sizeof(*slot));
	if (!slot)
		return NULL;
	slot->meta = container_info_new_bare(id, rt, 0);
	if (!slot->meta) {
		free(slot);
		return NULL;
	}
	memcpy(slot->id, id, CONTAINER_ID_LEN + 1);
	slot->runtime = rt;
	slot->touched_ms = container_now_ms();
	if (s->slot_count >= s->slot_nbuckets * 2)
		slot_grow(s);
	b = slot_bucket(id, s->slot_nbuckets);
	slot->hash_next = s->slot_buckets[b];
	s->slot_buckets[b] = slot;
	s->slot_count++;
	return slot;
}

static void notify(struct container_store *s, const struct container_info *c)
{
	if (s->cfg.on_update)
		s->cfg.on_update(c, s->cfg.ctx);
}

static void retire(struct container_store *s, struct container_info *c)
{
	container_retire(&s->retired, c, container_now_ms() + CONTAINER_RETIRE_SEC * 1000ull);
}

/* Ask the engine only about ids it can know: a bare id can be Docker's. */
static bool engine_may_know(const struct container_slot *slot)
{
	return slot->runtime == RUNTIME_DOCKER || slot->runtime == RUNTIME_CONTAINERD;
}

static bool engine_usable(struct container_store *s)
{
	return s->threads_started && atomic_load(&s->connected);
}

bool container_store_queue_locked(struct container_store *s, const char *id)
{
	size_t i;

	if (!s->threads_started)
		return false;
	for (i = 0; i < s->q_count; i++) {
		if (strcmp(s->queue[(s->q_head + i) % CONTAINER_QUEUE_LEN], id) == 0)
			return true;
	}
	if (s->q_count == CONTAINER_QUEUE_LEN) {
		atomic_fetch_add(&s->inspects_dropped, 1);
		return false;
	}
	memcpy(s->queue[(s->q_head + s->q_count) % CONTAINER_QUEUE_LEN], id, CONTAINER_ID_LEN + 1);
	s->q_count++;
	pthread_cond_signal(&s->wake);
	return true;
}

/* A new cgroup of a known container: its own copy, reported, then visible. */
static struct container_info *add_view(struct container_store *s, struct container_slot *slot,
				       uint64_t cgroup_id)
{
	static bool full_logged;
	struct container_cg *cg;
	struct container_info *info;

	if (s->view_count >= CONTAINER_CGROUPS_MAX) {
		if (!full_logged)
			container_log("more than %u container cgroups: new ones are reported as "
				      "host processes (counted as unresolved lookups)",
				      CONTAINER_CGROUPS_MAX);
		full_logged = true;
		return NULL;
	}
	cg = calloc(1, sizeof(*cg));
	info = container_info_pack(slot->meta, cgroup_id);
	if (!cg || !info) {
		free(cg);
		container_info_free(info);
		return NULL;
	}
	cg->cgroup_id = cgroup_id;
	cg->slot = slot;
	cg->info = info;
	notify(s, info);
	cg_insert(s, cg);
	cg->view_next = slot->views;
	slot->views = cg;
	return info;
}

/* Host cgroups are many and short-lived (sessions, transient units): FIFO. */
static void add_negative(struct container_store *s, uint64_t cgroup_id)
{
	struct container_cg *cg, *old;
	uint64_t old_id;

	if (s->neg_count == CONTAINER_HOST_CGROUPS_MAX) {
		old_id = s->neg_ring[s->neg_head];
		s->neg_head = (s->neg_head + 1) % CONTAINER_HOST_CGROUPS_MAX;
		s->neg_count--;
		old = cg_find(s, old_id);
		/* It may have become a container's cgroup since (map_cgroup). */
		if (old && !old->slot) {
			cg_unlink(s, old);
			free(old);
		}
	}
	cg = calloc(1, sizeof(*cg));
	if (!cg)
		return;
	cg->cgroup_id = cgroup_id;
	cg_insert(s, cg);
	s->neg_ring[(s->neg_head + s->neg_count) % CONTAINER_HOST_CGROUPS_MAX] = cgroup_id;
	s->neg_count++;
}

static enum container_runtime resolve(struct container_store *s, uint64_t cgroup_id,
				      char id[CONTAINER_ID_LEN + 1])
{
	static unsigned failures_logged;
	char path[PATH_MAX];
	int err;

	id[0] = '\0';
	if (!s->fs) {
		atomic_fetch_add(&s->lookups_unresolved, 1);
		return RUNTIME_NONE;
	}
	err = container_cgroupfs_path(s->fs, cgroup_id, path, sizeof(path));
	if (err) {
		atomic_fetch_add(&s->lookups_unresolved, 1);
		/* -ENOENT is the usual case: the cgroup was gone before its event was read. */
		if (err != -ENOENT && failures_logged < RESOLVE_FAILURES_LOGGED) {
			failures_logged++;
			container_log("cannot resolve cgroup id %llu: %s; its events are reported "
				      "as host events%s",
				      (unsigned long long)cgroup_id, strerror(-err),
				      failures_logged == RESOLVE_FAILURES_LOGGED ?
					      " (further failures are only counted)" :
					      "");
		}
		return RUNTIME_NONE;
	}
	return container_parse_cgroup_path(path, id);
}

/*
 * The miss path: once per new cgroup id. Resolution (two or three system
 * calls) runs without the lock; then the answer is cached, negative ones too.
 * A container not yet described by the engine is published with its id only
 * and the engine thread is asked to inspect it: the event thread never waits
 * for the daemon, which may itself be busy starting that very container.
 */
static const struct container_info *lookup_miss(struct container_store *s, uint64_t cgroup_id)
{
	char id[CONTAINER_ID_LEN + 1];
	const struct container_info *info = NULL;
	struct container_slot *slot;
	struct container_cg *cg;
	enum container_runtime rt;

	if (s->cfg.offline)
		return NULL;
	atomic_fetch_add(&s->lookups_missed, 1);
	rt = resolve(s, cgroup_id, id);
	pthread_mutex_lock(&s->lock);
	cg = cg_find(s, cgroup_id);
	if (cg) {
		info = cg->info;
		goto out;
	}
	if (rt == RUNTIME_NONE) {
		add_negative(s, cgroup_id);
		goto out;
	}
	slot = container_store_slot_locked(s, id);
	if (!slot)
		slot = slot_create(s, id, rt);
	if (slot)
		info = add_view(s, slot, cgroup_id);
	if (!info) {
		/* Over a bound or out of memory: cached as host so that the next
		 * event of this cgroup does not pay for the resolution again. */
		atomic_fetch_add(&s->lookups_unresolved, 1);
		add_negative(s, cgroup_id);
		goto out;
	}
	if (!slot->meta->has_metadata && engine_may_know(slot) && engine_usable(s) &&
	    slot->attempts < CONTAINER_INSPECT_ATTEMPTS)
		container_store_queue_locked(s, id);
out:
	pthread_mutex_unlock(&s->lock);
	return info;
}

const struct container_info *container_store_lookup(struct container_store *s,
						    uint64_t cgroup_id)
{
	const struct container_info *info;
	struct container_cg *cg;

	if (!s || !cgroup_id)
		return NULL;
	pthread_mutex_lock(&s->lock);
	cg = cg_find(s, cgroup_id);
	info = cg ? cg->info : NULL;
	pthread_mutex_unlock(&s->lock);
	if (cg)
		return info;
	return lookup_miss(s, cgroup_id);
}

const struct container_info *container_store_lookup_wait(struct container_store *s,
							 uint64_t cgroup_id, int timeout_ms)
{
	const struct timespec pause = { .tv_nsec = 2 * 1000000 };
	const struct container_info *c = container_store_lookup(s, cgroup_id);
	struct timespec now, end;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += timeout_ms / 1000;
	end.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (end.tv_nsec >= 1000000000) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000;
	}
	/* The inspect was asked for by the first lookup; its answer publishes a
	 * new copy. Without an engine nothing will come. */
	while (c && !c->has_metadata && s->docker_socket) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > end.tv_sec || (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec))
			break;
		nanosleep(&pause, NULL);
		c = container_store_lookup(s, cgroup_id);
	}
	return c;
}

/* Gives every cgroup of the slot a copy of its new meta. Lock held. */
static void republish(struct container_store *s, struct container_slot *slot)
{
	struct container_info *info;
	struct container_cg *cg;

	for (cg = slot->views; cg; cg = cg->view_next) {
		info = container_info_pack(slot->meta, cg->cgroup_id);
		if (!info)
			continue; /* the old copy stays: stale beats missing */
		notify(s, info);
		retire(s, cg->info);
		cg->info = info;
	}
}

int container_store_set_meta(struct container_store *s, const struct container_info *meta)
{
	struct container_slot *slot;
	struct container_info *copy;
	int err = 0;

	pthread_mutex_lock(&s->lock);
	slot = container_store_slot_locked(s, meta->id);
	if (!slot)
		slot = slot_create(s, meta->id, meta->runtime);
	if (!slot) {
		err = -ENOSPC;
		goto out;
	}
	slot->touched_ms = container_now_ms();
	slot->attempts = 0;
	slot->retry_at_ms = 0;
	if (container_info_same(slot->meta, meta))
		goto out;
	copy = container_info_pack(meta, 0);
	if (!copy) {
		err = -ENOMEM;
		goto out;
	}
	/* The slot's own copy is only read under the lock: no need to retire it. */
	container_info_free(slot->meta);
	slot->meta = copy;
	slot->runtime = meta->runtime;
	republish(s, slot);
out:
	pthread_mutex_unlock(&s->lock);
	return err;
}

void container_store_set_announced(struct container_store *s, const struct container_event *ev)
{
	struct container_info bare = { .runtime = RUNTIME_DOCKER };
	struct container_slot *slot;
	struct container_info *copy;

	if (!ev->name[0] && !ev->image[0])
		return;
	memcpy(bare.id, ev->id, sizeof(bare.id));
	bare.name = (char *)ev->name;
	bare.image = (char *)ev->image;
	pthread_mutex_lock(&s->lock);
	slot = container_store_slot_locked(s, ev->id);
	if (!slot)
		slot = slot_create(s, ev->id, RUNTIME_DOCKER);
	if (!slot || slot->meta->has_metadata)
		goto out;
	copy = container_info_pack(&bare, 0);
	if (!copy)
		goto out;
	if (container_info_same(slot->meta, copy)) {
		container_info_free(copy);
		goto out;
	}
	container_info_free(slot->meta);
	slot->meta = copy;
	republish(s, slot);
out:
	pthread_mutex_unlock(&s->lock);
}

void container_store_map_cgroup(struct container_store *s, const char *id, uint64_t cgroup_id)
{
	struct container_slot *slot;
	struct container_cg *cg;

	pthread_mutex_lock(&s->lock);
	slot = container_store_slot_locked(s, id);
	cg = cg_find(s, cgroup_id);
	if (slot && cg && !cg->slot) {
		/* Resolution failed earlier (e.g. a walk raced a new cgroup): fix it. */
		cg_unlink(s, cg);
		free(cg);
		cg = NULL;
	}
	if (slot && !cg)
		add_view(s, slot, cgroup_id);
	pthread_mutex_unlock(&s->lock);
}

static void drop_view(struct container_store *s, struct container_cg *cg)
{
	cg_unlink(s, cg);
	retire(s, cg->info);
	free(cg);
}

static void drop_slot(struct container_store *s, struct container_slot *slot)
{
	struct container_slot **pp = &s->slot_buckets[slot_bucket(slot->id, s->slot_nbuckets)];
	struct container_cg *cg, *next;

	for (cg = slot->views; cg; cg = next) {
		next = cg->view_next;
		drop_view(s, cg);
	}
	while (*pp && *pp != slot)
		pp = &(*pp)->hash_next;
	if (*pp) {
		*pp = slot->hash_next;
		s->slot_count--;
	}
	container_info_free(slot->meta);
	free(slot);
}

void container_store_sweep_locked(struct container_store *s, uint64_t now_ms)
{
	struct container_slot *slot, *next;
	struct container_cg **pp, *cg;
	size_t b;

	container_retired_sweep(&s->retired, now_ms);
	for (b = 0; b < s->slot_nbuckets; b++) {
		for (slot = s->slot_buckets[b]; slot; slot = next) {
			next = slot->hash_next;
			if (slot->remove_at_ms && slot->remove_at_ms <= now_ms) {
				drop_slot(s, slot);
				continue;
			}
			pp = &slot->views;
			while ((cg = *pp)) {
				if (cg->remove_at_ms && cg->remove_at_ms <= now_ms) {
					*pp = cg->view_next;
					drop_view(s, cg);
				} else {
					pp = &cg->view_next;
				}
			}
			if (!slot->meta->has_metadata && engine_may_know(slot) && engine_usable(s) &&
			    slot->attempts < CONTAINER_INSPECT_ATTEMPTS && slot->retry_at_ms <= now_ms)
				container_store_queue_locked(s, slot->id);
		}
	}
}

/*
 * Replay: the record says what a lookup of this cgroup returned at that
 * point of the run; publish exactly that. A record with cgroup_id 0 only
 * describes the container.
 */
int container_store_put_json(struct container_store *s, const char *json)
{
	struct container_info *in = NULL;
	struct container_slot *slot;
	struct container_cg *cg;
	int err;

	if (!s || !json)
		return -EINVAL;
	err = container_info_from_json(json, strlen(json), &in);
	if (err) {
		container_log("container record is malformed (%s); skipped",
			      err == -ENOMEM ? "out of memory" : "bad JSON or fields");
		return err;
	}
	pthread_mutex_lock(&s->lock);
	container_retired_sweep(&s->retired, container_now_ms());
	slot = container_store_slot_locked(s, in->id);
	if (!slot)
		slot = slot_create(s, in->id, in->runtime);
	if (!slot) {
		err = -ENOSPC;
		goto out;
	}
	if (in->has_metadata) {
		struct container_info *copy = container_info_pack(in, 0);

		if (copy) {
			container_info_free(slot->meta);
			slot->meta = copy;
			slot->runtime = in->runtime;
		}
	}
	if (!in->cgroup_id)
		goto out;
	cg = cg_find(s, in->cgroup_id);
	if (cg && cg->slot != slot) {
		/* Negative, or now another container's: rebuild it as this one's. */
		if (cg->slot) {
			struct container_cg **pp = &cg->slot->views;

			while (*pp && *pp != cg)
				pp = &(*pp)->view_next;
			if (*pp)
				*pp = cg->view_next;
		}
		drop_view(s, cg);
		cg = NULL;
	}
	if (!cg) {
		cg = calloc(1, sizeof(*cg));
		if (!cg) {
			err = -ENOMEM;
			goto out;
		}
		cg->cgroup_id = in->cgroup_id;
		cg->slot = slot;
		cg->view_next = slot->views;
		slot->views = cg;
		cg_insert(s, cg);
	}
	notify(s, in);
	retire(s, cg->info);
	cg->info = in;
	in = NULL;
out:
	pthread_mutex_unlock(&s->lock);
	container_info_free(in);
	return err;
}

static int init_sync(struct container_store *s)
{
	pthread_condattr_t attr;
	int err = -ENOMEM;

	if (pthread_condattr_init(&attr))
		return -ENOMEM;
	/* Timed waits measure intervals: immune to wall-clock jumps. */
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (pthread_mutex_init(&s->lock, NULL))
		goto out;
	if (pthread_cond_init(&s->wake, &attr)) {
		pthread_mutex_destroy(&s->lock);
		goto out;
	}
	if (pthread_cond_init(&s->seeded, &attr)) {
		pthread_cond_destroy(&s->wake);
		pthread_mutex_destroy(&s->lock);
		goto out;
	}
	err = 0;
out:
	pthread_condattr_destroy(&attr);
	return err;
}

int container_store_new(const struct container_store_config *cfg, struct container_store **out)
{
	struct container_store *s;
	int err = -ENOMEM;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	if (init_sync(s)) {
		free(s);
		return -ENOMEM;
	}
	s->cfg = *cfg;
	s->cfg.cgroup2_root = NULL; /* only used below: the caller's string is not kept */
	if (cfg->docker_socket && !cfg->offline) {
		s->docker_socket = strdup(cfg->docker_socket);
		if (!s->docker_socket)
			goto cleanup;
	}
	s->cfg.docker_socket = s->docker_socket;
	s->cg_nbuckets = CG_BUCKETS_MIN;
	s->slot_nbuckets = SLOT_BUCKETS_MIN;
	s->cg_buckets = calloc(s->cg_nbuckets, sizeof(*s->cg_buckets));
	s->slot_buckets = calloc(s->slot_nbuckets, sizeof(*s->slot_buckets));
	s->neg_ring = calloc(CONTAINER_HOST_CGROUPS_MAX, sizeof(*s->neg_ring));
	if (!s->cg_buckets || !s->slot_buckets || !s->neg_ring)
		goto cleanup;
	/* No cgroup2 mount is logged, not fatal: events still flow, as host events. */
	if (!cfg->offline)
		container_cgroupfs_open(cfg->cgroup2_root, &s->fs);
	*out = s;
	s = NULL;
	err = 0;
cleanup:
	container_store_free(s);
	return err;
}

int container_store_start(struct container_store *s)
{
	if (!s || s->cfg.offline || !s->docker_socket || s->threads_started)
		return 0;
	return container_engine_start(s);
}

void container_store_free(struct container_store *s)
{
	struct container_slot *slot, *snext;
	struct container_cg *cg, *cnext;
	size_t b;

	if (!s)
		return;
	container_engine_stop(s);
	for (b = 0; s->slot_buckets && b < s->slot_nbuckets; b++) {
		for (slot = s->slot_buckets[b]; slot; slot = snext) {
			snext = slot->hash_next;
			container_info_free(slot->meta);
			free(slot);
		}
	}
	for (b = 0; s->cg_buckets && b < s->cg_nbuckets; b++) {
		for (cg = s->cg_buckets[b]; cg; cg = cnext) {
			cnext = cg->hash_next;
			container_info_free(cg->info);
			free(cg);
		}
	}
	container_retired_sweep(&s->retired, UINT64_MAX);
	container_cgroupfs_close(s->fs);
	free(s->cg_buckets);
	free(s->slot_buckets);
	free(s->neg_ring);
	free(s->docker_socket);
	pthread_cond_destroy(&s->seeded);
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

void container_store_stats(struct container_store *s, struct container_store_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	out->containers = s->slot_count;
	out->cgroups = s->cg_count;
	pthread_mutex_unlock(&s->lock);
	out->engine_errors = atomic_load(&s->engine_errors);
	out->engine_reconnects = atomic_load(&s->engine_reconnects);
	out->lookups_unresolved = atomic_load(&s->lookups_unresolved);
	out->lookups_missed = atomic_load(&s->lookups_missed);
	out->inspects_dropped = atomic_load(&s->inspects_dropped);
	out->engine_connected = atomic_load(&s->connected);
}
