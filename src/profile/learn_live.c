/*
 * `palisade profile learn --container NAME`: learns a running container (or,
 * with --wait, one that has not started yet, from its first process on) for
 * a while, then writes its profile directory. The learning programs are
 * attached for that while only and destroyed before the files are written.
 */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "event/event.h"
#include "profile/internal.h"
#include "sensor/sensor.h"

#define SAMPLE_MS 1000
#define POLL_MS 100
#define INSPECT_TIMEOUT_MS 5000
#define RING_BYTES (8u << 20)
#define PENDING_MAX 32 /* containers' cgroups followed before the target is known */

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The container as the engine describes it now. */
struct live_container {
	char id[65], name[256], image[512];
	bool running;
	int pid;
};

static int inspect(struct container_engine *e, const char *ref, struct live_container *c)
{
	char path[512], err[256];
	char *body = NULL;
	size_t len;
	long status;
	json_t *doc, *st;
	int ret;

	snprintf(path, sizeof(path), "/containers/%s/json", ref);
	ret = container_engine_get(e, path, INSPECT_TIMEOUT_MS, &status, &body, &len, err,
				   sizeof(err));
	if (ret) {
		fprintf(stderr, "palisade profile: the Docker Engine API did not answer: %s\n", err);
		return ret;
	}
	if (status == 404) {
		free(body);
		return -ENOENT;
	}
	doc = status == 200 ? json_loadb(body, len, 0, NULL) : NULL;
	free(body);
	if (!doc) {
		fprintf(stderr, "palisade profile: inspecting %s: HTTP %ld, no usable answer\n",
			ref, status);
		return -EPROTO;
	}
	st = json_object_get(doc, "State");
	snprintf(c->id, sizeof(c->id), "%s", json_string_value(json_object_get(doc, "Id")) ?: "");
	snprintf(c->name, sizeof(c->name), "%s",
		 (json_string_value(json_object_get(doc, "Name")) ?: "/") + 1);
	snprintf(c->image, sizeof(c->image), "%s",
		 json_string_value(json_object_get(json_object_get(doc, "Config"), "Image")) ?: "");
	c->running = json_is_true(json_object_get(st, "Running"));
	c->pid = (int)json_integer_value(json_object_get(st, "Pid"));
	json_decref(doc);
	return 0;
}


/* Files seen in a container's cgroup before the target's was known (--wait). */
struct pending {
	uint64_t cgroup;
	struct profile_obs obs;
};

struct live {
	const struct profile_learn_opts *o;
	struct container_engine *engine;
	struct sensor_learn *learn;
	struct sensor *files; /* the syscall sensor: files and sockets */
	struct live_container c;
	struct profile_sampler sampler;
	struct profile_obs obs;
	uint64_t target;      /* the container's cgroup id, 0 until known */
	uint64_t host_pidns;  /* events of the host's pid namespace are not a container's */
	struct pending pending[PENDING_MAX];
	uint64_t pending_full; /* events of containers that did not fit */
	sigset_t sigs;
	uint64_t start_ns, end_ns;
	bool stop;
};

static struct profile_obs *pending_obs(struct live *l, uint64_t cgroup)
{
	for (unsigned i = 0; i < PENDING_MAX; i++) {
		if (l->pending[i].cgroup == cgroup)
			return &l->pending[i].obs;
		if (!l->pending[i].cgroup) {
			l->pending[i].cgroup = cgroup;
			return &l->pending[i].obs;
		}
	}
	l->pending_full++;
	return NULL;
}

/* A record of the syscall sensor: the target's files, or a container's
 * that may turn out to be the target. Never a rule: every record is read. */
static int on_record(void *ctx, void *rec, size_t len)
{
	struct live *l = ctx;
	struct profile_obs *o;
	struct event ev;

	if (event_decode(rec, len, &ev))
		return 0;
	if (l->target)
		o = ev.hdr->cgroup_id == l->target ? &l->obs : NULL;
	else
		o = ev.hdr->pid_ns != l->host_pidns ? pending_obs(l, ev.hdr->cgroup_id) : NULL;
	if (o)
		profile_obs_add_event(o, &ev);
	return 0;
}

/* The target is known: what its cgroup did so far is its own. */
static int take_pending(struct live *l)
{
	int err = 0;

	for (unsigned i = 0; i < PENDING_MAX; i++) {
		if (l->pending[i].cgroup == l->target)
			err = profile_obs_merge_files(&l->obs, &l->pending[i].obs);
		profile_obs_free(&l->pending[i].obs);
		l->pending[i].cgroup = 0;
	}
	return err;
}

static int files_open(struct live *l)
{
	static uint32_t spec[EV_SYSCALL_NR_MAX];
	struct sensor_config cfg = { .ringbuf_bytes = RING_BYTES, .syscall_spec = spec };
	struct stat st;

	if (stat("/proc/self/ns/pid", &st) < 0)
		return -errno;
	l->host_pidns = st.st_ino;
	profile_event_spec(spec);
	l->obs.files_seen = true;
	return sensor_open(&cfg, on_record, l, &l->files);
}

/* Follows the file events for ms, or until SIGINT/SIGTERM (blocked by the
 * caller): true if one came. */
static bool signalled(struct live *l, unsigned ms)
{
	const struct timespec zero = { 0, 0 };
	uint64_t end = mono_ns() + ms * 1000000ull;

	do {
		if (sensor_poll(l->files, POLL_MS) < 0)
			return true;
		if (sigtimedwait(&l->sigs, NULL, &zero) > 0)
			return true;
	} while (mono_ns() < end);
	return false;
}

static bool past_end(const struct live *l)
{
	return l->end_ns && mono_ns() >= l->end_ns;
}

/* Finds the container, waiting for it to start when asked. */
static int find_container(struct live *l)
{
	int err;
	bool said = false;

	for (;;) {
		err = inspect(l->engine, l->o->container, &l->c);
		if (err && err != -ENOENT)
			return err;
		if (!err && l->c.running && l->c.pid > 0)
			break;
		if (!l->o->wait) {
			fprintf(stderr, "palisade profile learn: container %s %s; start it, or pass "
					"--wait and start it after (learned from its start)\n",
				l->o->container, err ? "does not exist" : "is not running");
			return -ESRCH;
		}
		if (!said)
			fprintf(stderr, "palisade profile learn: waiting for container %s to start\n",
				l->o->container);
		said = true;
		if ((l->stop = signalled(l, POLL_MS)) || past_end(l)) {
			fprintf(stderr, "palisade profile learn: container %s did not start\n",
				l->o->container);
			return -ETIMEDOUT;
		}
	}
	/* Not running when learning began: every cgroup was learned since. */
	l->obs.from_start = said;
	err = container_cgroup_dirs(l->c.pid, &l->sampler.dirs);
	if (err) {
		fprintf(stderr, "palisade profile learn: cannot find the cgroup of %s (pid %d): %s\n",
			l->c.name, l->c.pid, strerror(-err));
		return err;
	}
	l->target = l->sampler.dirs.id;
	err = take_pending(l);
	return err ?: said ? 0 : sensor_learn_add(l->learn, l->sampler.dirs.id);
}

/* Until the duration, a signal, or the container's end. */
static void observe(struct live *l)
{
	struct live_container now;

	fprintf(stderr, "palisade profile learn: learning %s (%.12s, cgroup %llu)%s; %s\n",
		l->c.name, l->c.id, (unsigned long long)l->sampler.dirs.id,
		l->obs.from_start ? " from its start" : "",
		l->end_ns ? "until the duration ends" : "until SIGINT");
	profile_limits_sample(&l->sampler, &l->obs, mono_ns());
	while (!l->stop && !past_end(l)) {
		l->stop = signalled(l, SAMPLE_MS);
		profile_limits_sample(&l->sampler, &l->obs, mono_ns());
		if (inspect(l->engine, l->c.id, &now) == 0 && !now.running) {
			fprintf(stderr, "palisade profile learn: container %s stopped: learning ends\n",
				l->c.name);
			break;
		}
	}
}

static int finish(struct live *l)
{
	struct profile_seccomp_stats st;
	struct learn_cgroup seen;
	uint64_t lost[EV_LOST_SLOTS] = { 0 }, n_lost = 0;
	char *text;
	int err;

	sensor_drain(l->files, 1000);
	if (sensor_lost_by(l->files, lost) == 0)
		for (unsigned i = 0; i < EV_LOST_SLOTS; i++)
			n_lost += lost[i];
	sensor_close(l->files);
	l->files = NULL;
	if (n_lost)
		fprintf(stderr, "palisade profile learn: %llu file events were lost (ring full): "
				"the AppArmor file rules may miss paths\n", (unsigned long long)n_lost);
	if (l->pending_full)
		fprintf(stderr, "palisade profile learn: the files of %llu events of other "
				"containers were not kept while waiting\n",
			(unsigned long long)l->pending_full);
	err = sensor_learn_read(l->learn, l->sampler.dirs.id, &seen);
	if (err == -ENOENT) {
		fprintf(stderr, "palisade profile learn: %s made no syscall while learned\n",
			l->c.name);
		memset(&seen, 0, sizeof(seen));
	} else if (err) {
		fprintf(stderr, "palisade profile learn: reading the learned set failed: %s\n",
			strerror(-err));
		return err;
	}
	if (sensor_learn_unlearned(l->learn))
		fprintf(stderr, "palisade profile learn: %llu cgroups were not learned (table "
				"full)\n", (unsigned long long)sensor_learn_unlearned(l->learn));
	sensor_learn_close(l->learn); /* nothing stays attached */
	l->learn = NULL;
	profile_obs_merge(&l->obs, &seen);
	l->obs.learned_ns = mono_ns() - l->start_ns;
	snprintf(l->obs.id, sizeof(l->obs.id), "%s", l->c.id);
	snprintf(l->obs.name, sizeof(l->obs.name), "%s", l->c.name);
	snprintf(l->obs.image, sizeof(l->obs.image), "%s", l->c.image);
	err = profile_dir_write(l->o->output, &l->obs, l->o->headroom, l->o->force);
	if (err)
		return err;
	text = profile_seccomp_render(&l->obs, &st);
	free(text);
	return profile_print_summary(stdout, &l->obs, &st, l->o->output, l->o->headroom);
}

int profile_learn_live(const struct profile_learn_opts *o)
{
	struct live l = { .o = o };
	int err;

	sigemptyset(&l.sigs);
	sigaddset(&l.sigs, SIGINT);
	sigaddset(&l.sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &l.sigs, NULL);
	err = container_engine_open(o->docker_socket, &l.engine);
	if (err) {
		fprintf(stderr, "palisade profile learn: cannot use the Docker Engine API at %s: %s\n",
			o->docker_socket, strerror(-err));
		return err;
	}
	sensor_log_init(0);
	l.start_ns = mono_ns();
	l.end_ns = o->duration_ms ? l.start_ns + o->duration_ms * 1000000ull : 0;
	/* Waiting for a container that has not started: its cgroup does not
	 * exist yet, so every cgroup is learned from its first syscall on. */
	err = sensor_learn_open(o->wait, &l.learn);
	err = err ?: files_open(&l);
	err = err ?: find_container(&l);
	if (!err) {
		observe(&l);
		err = finish(&l);
	}
	sensor_learn_close(l.learn);
	sensor_close(l.files);
	l.target = 0;
	take_pending(&l);
	container_engine_close(l.engine);
	profile_obs_free(&l.obs);
	return err;
}
