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
#include <time.h>

#include "profile/internal.h"
#include "sensor/sensor.h"

#define SAMPLE_MS 1000
#define INSPECT_TIMEOUT_MS 5000

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

/* Waits up to ms for SIGINT/SIGTERM (blocked by the caller): true if one came. */
static bool signalled(const sigset_t *set, unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000l };

	return sigtimedwait(set, NULL, &ts) > 0;
}

struct live {
	const struct profile_learn_opts *o;
	struct container_engine *engine;
	struct sensor_learn *learn;
	struct live_container c;
	struct profile_sampler sampler;
	struct profile_obs obs;
	sigset_t sigs;
	uint64_t start_ns, end_ns;
	bool stop;
};

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
		if ((l->stop = signalled(&l->sigs, 100)) || past_end(l)) {
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
	return said ? 0 : sensor_learn_add(l->learn, l->sampler.dirs.id);
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
		l->stop = signalled(&l->sigs, SAMPLE_MS);
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
	char *text;
	int err;

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
	profile_print_summary(stdout, &l->obs, &st, l->o->output, l->o->headroom);
	return 0;
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
	err = err ?: find_container(&l);
	if (!err) {
		observe(&l);
		err = finish(&l);
	}
	sensor_learn_close(l.learn);
	container_engine_close(l.engine);
	profile_obs_free(&l.obs);
	return err;
}
