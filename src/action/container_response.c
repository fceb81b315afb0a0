/*
 * Container response: pause and stop through the Docker Engine API, on a
 * worker thread (a stop waits for the container to exit; the event thread
 * must not). Pause goes through the Engine rather than writing cgroup.freeze
 * directly, so that Docker knows the container is paused (`docker inspect`
 * says Paused, `docker unpause` works); only when the Engine does not answer
 * is the container's cgroup frozen directly (cgroup v2 cgroup.freeze), and
 * the record says so.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "action/action.h"

#define QUEUE_MAX 64
/* Seconds Docker waits after SIGTERM before SIGKILL on stop. */
#define STOP_GRACE_SEC 2
#define ENGINE_TIMEOUT_MS ((STOP_GRACE_SEC + 10) * 1000L)

struct job {
	char id[CONTAINER_ID_LEN + 1];
	enum rules_action type;
};

struct container_response {
	char *socket;
	struct action_worker *worker;
};

/* cgroup v2 freeze, when the Engine is away: the two layouts Docker uses. */
static int freeze_cgroup(const char *id, char *where, size_t len)
{
	static const char *const prefix[] = { "system.slice/docker-", "docker/", NULL };
	static const char *const suffix[] = { ".scope", "", NULL };
	char mnt[512], path[768];
	int ret = container_cgroup2_mount(mnt, sizeof(mnt));

	if (ret)
		return ret;
	for (size_t i = 0; prefix[i]; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/%s%s%s/cgroup.freeze", mnt, prefix[i], id,
			 suffix[i]);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ret = write(fd, "1", 1) == 1 ? 0 : -errno;
		close(fd);
		snprintf(where, len, "%s", path);
		return ret;
	}
	return -ENOENT;
}

static void run_job(void *ctx, void *job, struct action_result *res)
{
	struct container_response *c = ctx;
	const struct job *j = job;
	char path[160], err[256], where[768];
	long status = 0;
	int ret;

	if (j->type == RULES_ACTION_PAUSE)
		snprintf(path, sizeof(path), "/containers/%s/pause", j->id);
	else
		snprintf(path, sizeof(path), "/containers/%s/stop?t=%d", j->id, STOP_GRACE_SEC);
	ret = container_engine_post(c->socket, path, ENGINE_TIMEOUT_MS, &status, err, sizeof(err));
	err[strcspn(err, "\n")] = '\0';
	if (!ret && status >= 200 && status <= 299) {
		res->outcome = ACTION_DONE;
		snprintf(res->detail, sizeof(res->detail), "%s through the Docker Engine API",
			 j->type == RULES_ACTION_PAUSE ? "paused" : "stopped");
		return;
	}
	if (!ret && status == 304) { /* stop: already stopped */
		res->outcome = ACTION_DONE;
		snprintf(res->detail, sizeof(res->detail), "already stopped");
		return;
	}
	if (ret && j->type == RULES_ACTION_PAUSE && freeze_cgroup(j->id, where, sizeof(where)) == 0) {
		res->outcome = ACTION_DONE;
		snprintf(res->detail, sizeof(res->detail),
			 "frozen through %.120s (the Engine API did not answer: %.40s; docker "
			 "does not know)", where, err);
		return;
	}
	res->outcome = ACTION_FAILED;
	if (ret)
		snprintf(res->detail, sizeof(res->detail), "the Docker Engine API did not answer: %.200s", err);
	else
		snprintf(res->detail, sizeof(res->detail), "the Docker Engine API answered %ld: %.200s",
			 status, err);
}

static int cr_prepare(void *ctx, struct rules_engine *e, size_t index,
		      const struct rules_rule_info *rule, bool enforce, const char **how,
		      const char **why)
{
	struct container_response *c = ctx;

	(void)e;
	(void)index;
	(void)enforce;
	if (!c->socket) {
		*why = "container response needs the Docker Engine API (--no-docker was given)";
		return -EOPNOTSUPP;
	}
	if (rule->action.where == RULES_SCOPE_HOST) {
		*why = "pause and stop act on containers, and the rule's scope is host";
		return -EOPNOTSUPP;
	}
	*how = rule->action.is_list ? "container pause or stop (Docker Engine API)"
	       : rule->action.type == RULES_ACTION_PAUSE ? "container pause (Docker Engine API)"
							 : "container stop (Docker Engine API)";
	return 0;
}

static int cr_apply(void *ctx, const struct action_target *t, enum rules_action type,
		    struct action_result *res, uint64_t token)
{
	struct container_response *c = ctx;
	struct job *j;
	int err;

	if (!t->container) {
		res->outcome = ACTION_FAILED;
		snprintf(res->detail, sizeof(res->detail), "the process is not in a container");
		return 0;
	}
	j = calloc(1, sizeof(*j));
	if (j) {
		snprintf(j->id, sizeof(j->id), "%s", t->container->id);
		j->type = type;
	}
	err = j ? action_worker_queue(c->worker, j, token) : -ENOMEM;
	if (err) {
		free(j);
		res->outcome = ACTION_FAILED;
		snprintf(res->detail, sizeof(res->detail), "%s",
			 err == -EAGAIN ? "too many container actions pending (64)"
			 : err == -ENOMEM ? "out of memory"
					  : "cannot start the container-action thread");
		return 0;
	}
	return 1;
}

static void cr_reset(void *ctx)
{
	(void)ctx;
}

int action_container_backend(struct action_dispatcher *d, const char *docker_socket,
			     struct action_backend *out)
{
	struct container_response *c = calloc(1, sizeof(*c));

	if (!c || (docker_socket && !(c->socket = strdup(docker_socket))) ||
	    action_worker_new(d, QUEUE_MAX, run_job, free, c, &c->worker)) {
		if (c)
			free(c->socket);
		free(c);
		return -ENOMEM;
	}
	*out = (struct action_backend){ .name = "container",
					.types = (1u << RULES_ACTION_PAUSE) |
						 (1u << RULES_ACTION_STOP),
					.prepare = cr_prepare,
					.apply = cr_apply,
					.reset = cr_reset,
					.async = true,
					.ctx = c };
	return 0;
}

/* Finishes what is queued (each request is bounded by its timeout). */
void action_container_backend_free(struct action_backend *b)
{
	struct container_response *c = b ? b->ctx : NULL;

	if (!c)
		return;
	action_worker_free(c->worker);
	free(c->socket);
	free(c);
	b->ctx = NULL;
}
