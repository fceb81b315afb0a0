/*
 * The hold, user-space half (bpf/hold.bpf.h). The kernel stops the first
 * exec of a container cgroup the agent has not armed, before the new image
 * runs an instruction. Here:
 *
 * - the event thread judges that exec as any other (its rules, its actions:
 *   a kill now lands before the first instruction), then arms the cgroup:
 *   every back-end with an `arm` op puts its enforcement in place for that
 *   container (fanotify marks its root), the cgroup goes into the kernel's
 *   armed map, and the process gets SIGCONT. A release waits for the async
 *   actions on that process (a pause: the container is frozen before it
 *   runs);
 * - a keeper thread answers holds the agent is late with after timeout_ms:
 *   release (fail-open, the default) or kill, counted and logged;
 * - a guardian process (forked at start, holding only the held map and a
 *   pipe) releases every hold when the agent is gone, SIGKILL included: a
 *   dead agent never leaves a container stopped;
 * - containers that ran before the agent are armed from the /proc snapshot.
 *
 * Every outcome is counted; the metrics see them as
 * palisade_actions_total{action="hold", outcome=...}.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "action/internal.h"
#include "event/event.h"
#include "sensor/sensor.h"

#define HOLD_TICK_MS 10
#define HOLD_LIST_MAX 256
#define HOLD_DEFERRED_MAX 64
#define ARMED_CACHE 4096 /* cgroups armed from the snapshot: open addressing */

enum hold_count {
	HOLD_RELEASED,        /* armed, then released by the agent */
	HOLD_TIMEOUT_RELEASED, /* the agent was late: released unarmed (policy) */
	HOLD_TIMEOUT_KILLED,  /* the agent was late: killed (policy) */
	HOLD_GONE,            /* claimed by no one: the process died while held */
	HOLD_ARM_FAILED,      /* a back-end could not arm (logged) */
	HOLD_STOP_RELEASED,   /* still held when the agent stopped: released unarmed */
	HOLD_COUNT_MAX,
};
static const char *const hold_outcome[HOLD_COUNT_MAX] = {
	[HOLD_RELEASED] = "released armed",
	[HOLD_TIMEOUT_RELEASED] = "timeout: released unarmed",
	[HOLD_TIMEOUT_KILLED] = "timeout: killed",
	[HOLD_GONE] = "gone",
	[HOLD_ARM_FAILED] = "arm failed",
	[HOLD_STOP_RELEASED] = "released at stop",
};

struct deferred {
	bool used;
	uint32_t pid;
	uint64_t start_ns, cgroup_id;
	const struct container_info *c;
};

struct action_hold {
	struct sensor *sensor;
	struct action_hold_config cfg;
	bool on;
	pthread_t keeper;
	bool keeper_running;
	int stop_fd;
	pid_t guardian;
	int guardian_fd; /* the pipe's write end: EOF tells the guardian */
	uint64_t counts[HOLD_COUNT_MAX];   /* __atomic */
	uint64_t reported[HOLD_COUNT_MAX]; /* to the metrics (event thread) */
	struct deferred deferred[HOLD_DEFERRED_MAX];
	uint64_t armed_cache[ARMED_CACHE];
	dev_t host_dev;
	ino_t host_ino;
};

static uint64_t boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void hold_count(struct action_hold *h, enum hold_count c)
{
	__atomic_fetch_add(&h->counts[c], 1, __ATOMIC_RELAXED);
}

/* ---- the keeper: holds the agent is late with ---- */

static void answer_late(struct action_hold *h, uint32_t tgid, const struct hold_value *v,
			uint64_t now)
{
	bool kill_it = h->cfg.timeout_kill;

	if (sensor_hold_claim(h->sensor, tgid))
		return; /* released meanwhile */
	/* The held map keeps the entry until the process exits or is claimed:
	 * this pid is still the held process. */
	if (kill(tgid, kill_it ? SIGKILL : SIGCONT)) {
		hold_count(h, HOLD_GONE);
		return;
	}
	hold_count(h, kill_it ? HOLD_TIMEOUT_KILLED : HOLD_TIMEOUT_RELEASED);
	fprintf(stderr, "palisade: hold: pid %u (cgroup %llu) %s after %llu ms: the agent had "
			"not armed its container (--hold-timeout-ms %u, --hold-timeout-verdict %s)\n",
		tgid, (unsigned long long)v->cgroup_id,
		kill_it ? "killed" : "released unarmed", (unsigned long long)((now - v->since_ns) / 1000000),
		h->cfg.timeout_ms, kill_it ? "kill" : "release");
}

static void *keeper_main(void *arg)
{
	struct action_hold *h = arg;
	uint64_t timeout_ns = (uint64_t)h->cfg.timeout_ms * 1000000ull;
	static uint32_t tgids[HOLD_LIST_MAX];
	static struct hold_value vals[HOLD_LIST_MAX];

	pthread_setname_np(pthread_self(), "hold-keeper");
	for (;;) {
		struct pollfd pf = { .fd = h->stop_fd, .events = POLLIN };
		uint64_t now;
		int n;

		if (poll(&pf, 1, HOLD_TICK_MS) > 0)
			break;
		n = sensor_hold_list(h->sensor, tgids, vals, HOLD_LIST_MAX);
		now = boot_ns();
		for (int i = 0; i < n; i++)
			if (now - vals[i].since_ns >= timeout_ns)
				answer_late(h, tgids[i], &vals[i], now);
	}
	return NULL;
}

/* ---- the guardian: releases every hold once the agent is gone ---- */

/* Closes every descriptor but a and b (a < b). Async-signal-safe. */
static void close_all_but(int a, int b)
{
	if (a > 3)
		close_range(3, (unsigned)a - 1, 0);
	if (b > a + 1)
		close_range((unsigned)a + 1, (unsigned)b - 1, 0);
	close_range((unsigned)b + 1, ~0u, 0);
}

/* In the forked child: only async-signal-safe calls (the parent has threads). */
static void guardian_main(int map_fd, int pipe_fd)
{
	sigset_t none;
	uint32_t key, next;
	char c;

	signal(SIGINT, SIG_IGN); /* Ctrl-C reaches the whole process group */
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_NAME, "palisade-hold", 0, 0, 0);
	close_all_but(map_fd < pipe_fd ? map_fd : pipe_fd, map_fd < pipe_fd ? pipe_fd : map_fd);
	while (read(pipe_fd, &c, 1) != 0 && errno == EINTR)
		;
	/* The agent is gone (or stopped and released what it held): its BPF
	 * programs are detached; what is still listed waits for nobody. */
	while (bpf_map_get_next_key(map_fd, NULL, &next) == 0) {
		key = next;
		kill((pid_t)key, SIGCONT);
		if (bpf_map_delete_elem(map_fd, &key))
			break;
	}
	_exit(0);
}

static int guardian_start(struct action_hold *h)
{
	int p[2], map_fd = sensor_hold_map_fd(h->sensor);
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (pid == 0) {
		close(p[1]);
		guardian_main(map_fd, p[0]);
	}
	close(p[0]);
	h->guardian = pid;
	h->guardian_fd = p[1];
	return 0;
}

/* ---- start, plan, stop ---- */

static int hold_run(struct action_hold *h)
{
	int err;

	if (h->keeper_running)
		return 0;
	h->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (h->stop_fd < 0)
		return -errno;
	err = guardian_start(h);
	if (err)
		return err;
	err = -pthread_create(&h->keeper, NULL, keeper_main, h);
	if (err)
		return err;
	h->keeper_running = true;
	return 0;
}

int action_hold_new(struct sensor *s, const struct action_hold_config *cfg,
		    struct action_hold **out)
{
	struct action_hold *h = calloc(1, sizeof(*h));
	struct stat st;

	if (!h)
		return -ENOMEM;
	h->sensor = s;
	h->cfg = *cfg;
	if (!h->cfg.timeout_ms)
		h->cfg.timeout_ms = ACTION_HOLD_TIMEOUT_MS_DEFAULT;
	h->stop_fd = h->guardian_fd = -1;
	h->guardian = -1;
	if (stat("/", &st) == 0) {
		h->host_dev = st.st_dev;
		h->host_ino = st.st_ino;
	}
	*out = h;
	return 0;
}

int action_hold_plan(struct action_hold *h, bool enforcing)
{
	int err = 0;

	/* Every container is new to the new plan: its next exec is held once
	 * and armed with what the plan now asks. */
	sensor_hold_disarm_all(h->sensor);
	memset(h->armed_cache, 0, sizeof(h->armed_cache));
	if (enforcing)
		err = hold_run(h);
	h->on = enforcing && !err;
	sensor_hold_enable(h->sensor, h->on);
	if (err)
		fprintf(stderr, "palisade: hold: cannot start (%s): a new container's first "
				"instructions run before its enforcement is in place\n", strerror(-err));
	else if (enforcing)
		fprintf(stderr, "palisade: hold: the first exec of every container not armed yet "
				"waits until its enforcement is in place (at most %u ms, then %s)\n",
			h->cfg.timeout_ms, h->cfg.timeout_kill ? "killed" : "released unarmed");
	return err;
}

void action_hold_free(struct action_hold *h)
{
	static uint32_t tgids[HOLD_LIST_MAX];
	static struct hold_value vals[HOLD_LIST_MAX];
	uint64_t one = 1;
	int n;

	if (!h)
		return;
	sensor_hold_enable(h->sensor, false);
	if (h->keeper_running) {
		if (write(h->stop_fd, &one, sizeof(one)) != sizeof(one))
			fprintf(stderr, "palisade: hold: cannot stop the keeper: %s\n", strerror(errno));
		pthread_join(h->keeper, NULL);
	}
	/* Stopping: whatever is still held goes on, unarmed (fail-open). */
	n = sensor_hold_list(h->sensor, tgids, vals, HOLD_LIST_MAX);
	for (int i = 0; i < n; i++)
		if (sensor_hold_claim(h->sensor, tgids[i]) == 0 && kill(tgids[i], SIGCONT) == 0)
			hold_count(h, HOLD_STOP_RELEASED);
	if (h->guardian_fd >= 0)
		close(h->guardian_fd);
	if (h->guardian > 0)
		waitpid(h->guardian, NULL, 0);
	if (h->stop_fd >= 0)
		close(h->stop_fd);
	free(h);
}

/* ---- the event thread: judge, arm, release ---- */

static bool armed_cached(struct action_hold *h, uint64_t cgroup, bool add)
{
	size_t i = (size_t)(cgroup * 0x9e3779b97f4a7c15ull >> 52) & (ARMED_CACHE - 1);

	for (size_t k = 0; k < 8; k++, i = (i + 1) & (ARMED_CACHE - 1)) {
		if (h->armed_cache[i] == cgroup)
			return true;
		if (!h->armed_cache[i]) {
			if (add)
				h->armed_cache[i] = cgroup;
			return false;
		}
	}
	if (add) /* a full run: this is a cache, the kernel's map is the truth */
		h->armed_cache[i] = cgroup;
	return false;
}

void action_hold_release(struct action_dispatcher *d, struct action_hold *h, uint32_t pid,
			 uint64_t start_ns, uint64_t cgroup, const struct container_info *c)
{
	struct action_result res;

	if (action_arm_backends(d, cgroup, pid, c))
		hold_count(h, HOLD_ARM_FAILED);
	sensor_hold_arm(h->sensor, cgroup);
	armed_cached(h, cgroup, true);
	if (sensor_hold_claim(h->sensor, pid)) {
		/* The keeper answered it (late), or it died: armed all the same. */
		return;
	}
	action_signal_pid(pid, start_ns, SIGCONT, &res);
	hold_count(h, res.outcome == ACTION_DONE ? HOLD_RELEASED : HOLD_GONE);
}

/* A process found in /proc at start, in a container: its cgroup is armed
 * when it runs in the container's own root (runc's setup runs in the
 * host's: that container's first exec is still to come, and is held). */
static void arm_running(struct action_dispatcher *d, struct action_hold *h,
			const struct event *ev)
{
	char path[64];
	struct stat st;

	if (armed_cached(h, ev->hdr->cgroup_id, false))
		return;
	snprintf(path, sizeof(path), "/proc/%u/root/", ev->hdr->pid);
	if (stat(path, &st) || (st.st_dev == h->host_dev && st.st_ino == h->host_ino))
		return;
	if (action_arm_backends(d, ev->hdr->cgroup_id, ev->hdr->pid, ev->container))
		hold_count(h, HOLD_ARM_FAILED);
	sensor_hold_arm(h->sensor, ev->hdr->cgroup_id);
	armed_cached(h, ev->hdr->cgroup_id, true);
}

static bool defer(struct action_hold *h, const struct event *ev)
{
	for (size_t i = 0; i < HOLD_DEFERRED_MAX; i++) {
		struct deferred *q = &h->deferred[i];

		if (q->used)
			continue;
		*q = (struct deferred){ .used = true, .pid = ev->hdr->pid,
					.start_ns = ev->hdr->start_ns,
					.cgroup_id = ev->hdr->cgroup_id, .c = ev->container };
		return true;
	}
	return false; /* full: released now, its actions still on their way */
}

void action_hold_event(struct action_dispatcher *d, struct action_hold *h,
		       const struct event *ev)
{
	if (!h || !h->on)
		return;
	if (ev->kind == EV_PROC_SNAPSHOT && ev->container) {
		arm_running(d, h, ev);
		return;
	}
	if (ev->kind != EV_EXEC || !(ev->hdr->flags & EV_F_HELD))
		return;
	/* Its rules have run. An action still on its way (a pause through the
	 * Engine API) lands before the process runs. */
	if (action_pending_for(d, ev->hdr->pid) && defer(h, ev))
		return;
	action_hold_release(d, h, ev->hdr->pid, ev->hdr->start_ns, ev->hdr->cgroup_id,
			    ev->container);
}

void action_hold_poll(struct action_dispatcher *d, struct action_hold *h,
		      void (*counted)(void *ctx, const char *action, const char *outcome),
		      void *ctx)
{
	if (!h)
		return;
	for (size_t i = 0; i < HOLD_DEFERRED_MAX; i++) {
		struct deferred *q = &h->deferred[i];

		if (!q->used || action_pending_for(d, q->pid))
			continue;
		q->used = false;
		action_hold_release(d, h, q->pid, q->start_ns, q->cgroup_id, q->c);
	}
	for (int c = 0; c < HOLD_COUNT_MAX && counted; c++) {
		uint64_t now = __atomic_load_n(&h->counts[c], __ATOMIC_RELAXED);

		for (; h->reported[c] < now; h->reported[c]++)
			counted(ctx, "hold", hold_outcome[c]);
	}
}

void action_hold_print(struct action_hold *h, FILE *f)
{
	uint64_t n[HOLD_COUNT_MAX], k[CNT_MAX];

	if (!h || !h->keeper_running)
		return;
	for (int c = 0; c < HOLD_COUNT_MAX; c++)
		n[c] = __atomic_load_n(&h->counts[c], __ATOMIC_RELAXED);
	sensor_counters(h->sensor, k);
	fprintf(f, "palisade: hold: first execs held %llu (could not hold %llu); ",
		(unsigned long long)k[CNT_HELD], (unsigned long long)k[CNT_HOLD_FAILED]);
	fprintf(f, "released armed %llu; timeout (the agent was late): released "
		   "unarmed %llu, killed %llu; died while held %llu; arm failures %llu; released "
		   "unarmed at stop %llu\n",
		(unsigned long long)n[HOLD_RELEASED], (unsigned long long)n[HOLD_TIMEOUT_RELEASED],
		(unsigned long long)n[HOLD_TIMEOUT_KILLED], (unsigned long long)n[HOLD_GONE],
		(unsigned long long)n[HOLD_ARM_FAILED], (unsigned long long)n[HOLD_STOP_RELEASED]);
}
