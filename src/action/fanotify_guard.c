/*
 * The fanotify group and its two threads. The decider reads permission
 * events, judges each on a synthetic event (fanotify_event.c) with the
 * guard's own rules engine, and answers. The keeper is the watchdog (an
 * event read but not answered within timeout_ms gets the timeout verdict)
 * and marks new container roots (fanotify_marks.c).
 *
 * An event is answered exactly once: both threads answer under
 * pending_lock, and the decider closes the event's fd under it too, so the
 * watchdog never writes to an fd number that was closed and reused.
 *
 * Fail-open by construction: the kernel allows every pending and every
 * future event of a group whose fd is closed, which happens when this
 * process exits for any reason, SIGKILL included.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "action/fguard_internal.h"
#include "container/container.h"

/* One read never returns more events than the pending table holds. */
#define READ_BUF (FGUARD_PENDING_MAX * sizeof(struct fanotify_event_metadata))
#define KEEPER_TICK_MS 10

uint64_t fguard_boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t fguard_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void queue_alert(struct fguard *g, struct alert *al)
{
	struct alert **q;

	pthread_mutex_lock(&g->queue_lock);
	if (g->n_queue >= FGUARD_ALERTS_QUEUED_MAX ||
	    !(q = realloc(g->queue, (g->n_queue + 1) * sizeof(*q)))) {
		pthread_mutex_unlock(&g->queue_lock);
		fguard_count(&g->st.alerts_dropped, 1);
		alert_free(al);
		return;
	}
	g->queue = q;
	g->queue[g->n_queue++] = al;
	pthread_mutex_unlock(&g->queue_lock);
}

size_t fguard_drain(struct fguard *g, void (*emit)(struct alert *al, void *ctx), void *ctx)
{
	struct alert **q;
	size_t n;

	pthread_mutex_lock(&g->queue_lock);
	q = g->queue;
	n = g->n_queue;
	g->queue = NULL;
	g->n_queue = 0;
	pthread_mutex_unlock(&g->queue_lock);
	for (size_t i = 0; i < n; i++) {
		if (emit)
			emit(q[i], ctx);
		else
			alert_free(q[i]);
	}
	free(q);
	return n;
}

/* SIGKILL to the thread group of a caller blocked in our permission wait
 * (it cannot exit meanwhile: its pid is its own). */
static bool kill_caller(struct fguard *g, uint32_t tgid)
{
	int fd = (int)syscall(SYS_pidfd_open, tgid, 0);
	bool sent;

	if (fd < 0) {
		fguard_count(&g->st.errors, 1);
		return false;
	}
	sent = syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0) == 0;
	close(fd);
	if (sent)
		fguard_count(&g->st.killed, 1);
	else
		fguard_count(&g->st.errors, 1);
	return sent;
}


/* The rule's alert, plus what the guard did about it ("palisade_action"). */
static void record_verdict(struct fguard *g, const struct fguard_rule *r, enum fguard_verdict v,
			   const char *path, uint32_t tid, uint64_t t0, bool killed)
{
	const char *op = r->kind == FGUARD_EXEC ? "exec" : "open";
	struct alert_action act = {
		.type = "deny", .backend = "fanotify",
		.mode = v == FGUARD_DENY ? "enforce" : "audit",
		.outcome = v == FGUARD_DENY ? "done" : "would-have",
		.extra = { { "verdict", fguard_verdict_name(v), 0, false },
			   { "killed", NULL, killed, true }, { "operation", op, 0, false },
			   { "path", path, 0, false }, { "tid", NULL, tid, false },
			   { "decision_us", NULL, (int64_t)((fguard_now_ns() - t0) / 1000), false } },
		.n_extra = 6,
	};
	struct alert *al = g->alert;

	g->alert = NULL;
	if (!al) /* rate-limited, or out of memory: the verdict still stands */
		return;
	snprintf(act.detail, sizeof(act.detail), v == FGUARD_DENY ?
		 "refused by fanotify before the %s happened (EPERM)" :
		 "audit mode: fanotify would have refused the %s", op);
	if (alert_set_action(al, &act)) {
		alert_free(al);
		fguard_count(&g->st.alerts_dropped, 1);
		return;
	}
	queue_alert(g, al);
}

static int on_alert(const struct rules_alert *a, void *ctx)
{
	struct fguard *g = ctx;

	alert_free(g->alert);
	g->alert = alert_from_rules(a);
	return 0;
}

static enum fguard_verdict error_verdict(struct fguard *g, struct fguard_pending *p)
{
	fguard_count(&g->st.errors, 1);
	p->judged = true;
	p->why_error = true;
	return g->cfg.timeout_deny ? FGUARD_DENY : FGUARD_ALLOW;
}

/* Keeps an answer for fguard_outcome_take (a ring: the oldest goes). */
static void log_answer(struct fguard *g, const struct fguard_pending *p, enum fguard_verdict v,
		       enum fguard_answer_why why)
{
	struct fguard_logged *l;

	pthread_mutex_lock(&g->log_lock);
	l = &g->log[g->log_next++ % FGUARD_OUTCOMES_MAX];
	*l = (struct fguard_logged){ .o = { .verdict = v, .why = why,
					    .ns = p->decided_ns ? p->decided_ns : fguard_boot_ns(),
					    .killed = p->killed },
				     .tid = p->tid, .kind = p->kind };
	pthread_mutex_unlock(&g->log_lock);
}

int fguard_outcome_take(struct fguard *g, uint32_t tid, enum fguard_kind kind,
			uint64_t done_ns, uint64_t max_age_ns, struct fguard_outcome *out)
{
	int ret = -ENOENT;

	pthread_mutex_lock(&g->log_lock);
	/* Newest first, from the operation's completion back: the thread's
	 * last answer of this kind before it (a later one is its next open). */
	for (size_t i = 1; i <= FGUARD_OUTCOMES_MAX && i <= g->log_next; i++) {
		struct fguard_logged *l = &g->log[(g->log_next - i) % FGUARD_OUTCOMES_MAX];

		if (l->o.ns > done_ns)
			continue;
		if (done_ns - l->o.ns > max_age_ns)
			break;
		if (l->tid != tid || l->kind != kind || l->taken)
			continue;
		l->taken = true;
		*out = l->o;
		ret = 0;
		break;
	}
	pthread_mutex_unlock(&g->log_lock);
	return ret;
}

static enum fguard_kind event_kind(const struct fanotify_event_metadata *m)
{
	return (m->mask & FAN_OPEN_EXEC_PERM) ? FGUARD_EXEC : FGUARD_OPEN;
}

static enum fguard_verdict decide(struct fguard *g, const struct fanotify_event_metadata *m,
				  struct fguard_pending *pend, uint64_t t0)
{
	enum fguard_kind kind = event_kind(m);
	enum fguard_verdict verdict = FGUARD_ALLOW;
	char link[64], path[EV_PATH_MAX + 1], name[EV_COMM_LEN];
	uint32_t tid = (uint32_t)m->pid, tgid;
	bool any = false, judge;
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", m->fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0 || path[0] != '/')
		return error_verdict(g, pend);
	path[n] = '\0';
	name[0] = '\0';
	if (kind == FGUARD_EXEC)
		fguard_exec_name(g, tid, path, name, sizeof(name));
	for (size_t i = 0; i < g->plan.n && !any; i++)
		any = g->plan.rules[i].kind == kind &&
		      fguard_rule_covers(&g->plan.rules[i], path, kind == FGUARD_EXEC ? name : NULL);
	if (!any)
		return FGUARD_ALLOW; /* a directory mark's other children */
	pend->judged = true;
	if (fguard_tgid_of(g->procfs, tid, &tgid))
		return error_verdict(g, pend);
	if (tgid == (uint32_t)g->self)
		return FGUARD_ALLOW; /* never wait on ourselves */
	if (fguard_build_event(g, kind, tid, tgid, path, name, &judge))
		return error_verdict(g, pend);
	if (!judge)
		return FGUARD_ALLOW;
	for (size_t i = 0; i < g->plan.n; i++) {
		const struct fguard_rule *r = &g->plan.rules[i];
		enum fguard_verdict v;

		if (r->kind != kind || !fguard_rule_covers(r, path, kind == FGUARD_EXEC ? name : NULL) ||
		    !fguard_in_scope(&r->info->action, g->ev.container))
			continue;
		if (rules_eval_rule(g->cfg.rules, r->index, &g->ev, on_alert, g) != 1)
			continue;
		v = fguard_verdict(true, r->info->action.enforce, g->cfg.enforce);
		/* deny with kill: true: killed while it waits on us, so it never
		 * returns from the open or exec (its wait is killable). */
		if (v == FGUARD_DENY && r->info->action.kill && !pend->killed) {
			pend->decided_ns = fguard_boot_ns();
			pend->killed = kill_caller(g, tgid);
		}
		record_verdict(g, r, v, path, tid, t0, pend->killed);
		if (v == FGUARD_DENY || (v == FGUARD_WOULD_DENY && verdict == FGUARD_ALLOW))
			verdict = v;
	}
	return verdict;
}

/* Answers p unless already answered, and counts it. Under pending_lock when p
 * is in the pending table (drain_late's are its own). */
static void answer_once(struct fguard *g, struct fguard_pending *p, enum fguard_verdict v,
			  bool by_watchdog)
{
	struct fanotify_response resp = { .fd = p->fd };

	if (p->answered)
		return;
	/* Logged before the caller can go on: its syscall completes after. */
	if (p->judged || by_watchdog)
		log_answer(g, p, v, by_watchdog ? FGUARD_WHY_TIMEOUT :
				     p->why_error ? FGUARD_WHY_ERROR : FGUARD_WHY_JUDGED);
	resp.response = v == FGUARD_DENY ? FAN_DENY : FAN_ALLOW;
	if (write(g->fan_fd, &resp, sizeof(resp)) != sizeof(resp))
		fguard_count(&g->st.errors, 1);
	p->answered = true;
	metrics_hist_add(&g->st.latency, fguard_now_ns() - p->t0_ns);
	if (by_watchdog)
		fguard_count(&g->st.timeouts, 1);
	fguard_count(v == FGUARD_DENY ? &g->st.denied : v == FGUARD_WOULD_DENY ?
		     &g->st.would_deny : &g->st.allowed, 1);
}

static void handle_batch(struct fguard *g, const char *buf, ssize_t len)
{
	const struct fanotify_event_metadata *m;
	struct fguard_pending pend;
	uint64_t t0 = fguard_now_ns();
	ssize_t left = len; /* FAN_EVENT_NEXT consumes its length argument */
	size_t first;

	pthread_mutex_lock(&g->pending_lock);
	first = g->n_pending;
	for (m = (const void *)buf; FAN_EVENT_OK(m, left); m = FAN_EVENT_NEXT(m, left))
		if (m->fd >= 0 && g->n_pending < FGUARD_PENDING_MAX)
			g->pending[g->n_pending++] = (struct fguard_pending){
				.fd = m->fd, .tid = (uint32_t)m->pid, .kind = event_kind(m), .t0_ns = t0
			};
	pthread_mutex_unlock(&g->pending_lock);
	for (m = (const void *)buf; FAN_EVENT_OK(m, len); m = FAN_EVENT_NEXT(m, len)) {
		enum fguard_verdict v;

		if (m->vers != FANOTIFY_METADATA_VERSION || m->fd < 0) {
			fguard_count(&g->st.errors, 1);
			continue;
		}
		fguard_count(&g->st.events, 1);
		pend = (struct fguard_pending){ .tid = (uint32_t)m->pid, .kind = event_kind(m) };
		/* Stopping: what is left of the batch is allowed at once, as the
		 * kernel allows what is pending when the group closes. */
		if (__atomic_load_n(&g->stopping, __ATOMIC_RELAXED)) {
			v = FGUARD_ALLOW;
		} else {
			pthread_mutex_lock(&g->judge_lock);
			v = decide(g, m, &pend, t0);
			pthread_mutex_unlock(&g->judge_lock);
		}
		fguard_count(&g->decided, 1);
		pthread_mutex_lock(&g->pending_lock);
		for (size_t i = first; i < g->n_pending; i++) {
			if (g->pending[i].fd != m->fd)
				continue;
			g->pending[i].judged = pend.judged;
			g->pending[i].why_error = pend.why_error;
			g->pending[i].killed = pend.killed;
			g->pending[i].decided_ns = pend.decided_ns;
			if (g->pending[i].answered) /* timeouts are rare: each is shown */
				fprintf(g->cfg.log, "palisade: fanotify: a decision (pid %d) took %llu ms, "
						    "past --deny-timeout-ms: the watchdog had answered "
						    "%s; this one (%s) was dropped\n", m->pid,
					(unsigned long long)((fguard_now_ns() - t0) / 1000000),
					g->cfg.timeout_deny ? "deny" : "allow", fguard_verdict_name(v));
			answer_once(g, &g->pending[i], v, false);
			close(m->fd);
			g->pending[i].fd = -1;
			break;
		}
		pthread_mutex_unlock(&g->pending_lock);
	}
	pthread_mutex_lock(&g->pending_lock);
	g->n_pending = first;
	pthread_mutex_unlock(&g->pending_lock);
}

static void *decider_main(void *arg)
{
	struct fguard *g = arg;
	char *buf = aligned_alloc(8, READ_BUF);

	pthread_setname_np(pthread_self(), "fguard-decide");

	if (!buf) {
		fprintf(g->cfg.log, "palisade: fanotify: out of memory: no decisions (the kernel "
				    "allows once the group closes)\n");
		return NULL;
	}
	for (;;) {
		struct pollfd pf[2] = { { .fd = g->fan_fd, .events = POLLIN },
					{ .fd = g->stop_fd, .events = POLLIN } };
		ssize_t n;

		if (poll(pf, 2, -1) < 0 && errno != EINTR)
			break;
		if (pf[1].revents)
			break;
		n = read(g->fan_fd, buf, READ_BUF);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			fguard_count(&g->st.errors, 1);
			fprintf(g->cfg.log, "palisade: fanotify: reading events failed: %s\n",
				strerror(errno));
			continue;
		}
		handle_batch(g, buf, n);
	}
	free(buf);
	return NULL;
}

/*
 * The decider is stuck (a decision that does not return, the thread stopped
 * by a debugger): events it has not read yet wait in the kernel, which has no
 * timeout. The keeper reads and answers them with the timeout verdict until
 * the decider moves again.
 */
static void drain_late(struct fguard *g, char *buf, enum fguard_verdict late)
{
	const struct fanotify_event_metadata *m;
	ssize_t n;

	while ((n = read(g->fan_fd, buf, READ_BUF)) > 0) {
		for (m = (const void *)buf; FAN_EVENT_OK(m, n); m = FAN_EVENT_NEXT(m, n)) {
			struct fguard_pending p = { .fd = m->fd, .tid = (uint32_t)m->pid,
						    .kind = event_kind(m), .t0_ns = fguard_now_ns() };

			if (m->vers != FANOTIFY_METADATA_VERSION || m->fd < 0)
				continue;
			fguard_count(&g->st.events, 1);
			answer_once(g, &p, late, true);
			close(m->fd);
		}
	}
}

/* Has the fanotify queue held events for timeout_ns while the decider
 * decided nothing? *since and *progress carry the state between ticks. */
static bool decider_stuck(struct fguard *g, uint64_t now, uint64_t timeout_ns, uint64_t *since,
			  uint64_t *progress)
{
	struct pollfd pf = { .fd = g->fan_fd, .events = POLLIN };
	uint64_t decided = __atomic_load_n(&g->decided, __ATOMIC_RELAXED);

	if (poll(&pf, 1, 0) <= 0 || !(pf.revents & POLLIN) || decided != *progress) {
		*since = 0;
		*progress = decided;
		return false;
	}
	if (!*since)
		*since = now;
	return now - *since >= timeout_ns;
}

static void *keeper_main(void *arg)
{
	struct fguard *g = arg;
	uint64_t timeout_ns = (uint64_t)g->cfg.timeout_ms * 1000000ull;
	uint64_t last_scan = 0, last_host = fguard_now_ns();
	enum fguard_verdict late = g->cfg.timeout_deny ? FGUARD_DENY : FGUARD_ALLOW;
	uint64_t placed, queued_since = 0, progress = 0;
	char *buf = aligned_alloc(8, READ_BUF);
	bool stuck = false;

	pthread_setname_np(pthread_self(), "fguard-keeper");
	for (;;) {
		struct pollfd pf = { .fd = g->stop_fd, .events = POLLIN };
		uint64_t now;

		if (poll(&pf, 1, KEEPER_TICK_MS) > 0)
			break;
		/* now is read under the lock: an entry the decider adds between a
		 * reading outside it and the lock has t0_ns > now, and the unsigned
		 * difference wrapped to a timeout (its open was answered with the
		 * timeout verdict at once, the decision dropped as "late"). */
		pthread_mutex_lock(&g->pending_lock);
		now = fguard_now_ns();
		for (size_t i = 0; i < g->n_pending; i++) {
			struct fguard_pending *p = &g->pending[i];

			if (p->fd >= 0 && !p->answered && now > p->t0_ns &&
			    now - p->t0_ns >= timeout_ns)
				answer_once(g, p, late, true);
		}
		pthread_mutex_unlock(&g->pending_lock);
		if (buf && decider_stuck(g, now, timeout_ns, &queued_since, &progress)) {
			if (!stuck)
				fprintf(g->cfg.log, "palisade: fanotify: the decision thread is stuck; "
						    "answering queued events with %s until it moves\n",
					late == FGUARD_DENY ? "deny" : "allow");
			stuck = true;
			drain_late(g, buf, late);
		} else if (!queued_since) {
			stuck = false;
		}
		if (now - last_scan >= FGUARD_SCAN_MS * 1000000ull) {
			fguard_scan_roots(g);
			last_scan = now;
		}
		if (now - last_host >= FGUARD_REMARK_MS * 1000000ull) {
			pthread_mutex_lock(&g->roots_lock);
			fguard_mark_root(g, 0, &placed);
			pthread_mutex_unlock(&g->roots_lock);
			last_host = now;
		}
	}
	free(buf);
	return NULL;
}

int fguard_new(const struct fguard_config *cfg, struct fguard **out)
{
	struct fguard *g = calloc(1, sizeof(*g));
	struct stat st;
	int ret = -ENOMEM;

	*out = NULL;
	if (!g) {
		rules_engine_free(cfg->rules);
		return -ENOMEM;
	}
	g->cfg = *cfg;
	g->fan_fd = g->stop_fd = -1;
	if (!g->cfg.log)
		g->cfg.log = stderr;
	if (!g->cfg.timeout_ms)
		g->cfg.timeout_ms = FGUARD_TIMEOUT_MS_DEFAULT;
	snprintf(g->procfs, sizeof(g->procfs), "%s", cfg->procfs ? cfg->procfs : "/proc");
	g->have_cgroup2 = container_cgroup2_mount(g->cgroup2_root, sizeof(g->cgroup2_root)) == 0;
	g->self = getpid();
	pthread_mutex_init(&g->pending_lock, NULL);
	pthread_mutex_init(&g->queue_lock, NULL);
	pthread_mutex_init(&g->log_lock, NULL);
	pthread_mutex_init(&g->roots_lock, NULL);
	pthread_mutex_init(&g->judge_lock, NULL);
	pthread_mutex_init(&g->pinlog_lock, NULL);
	pthread_cond_init(&g->pin_cond, NULL);
	pthread_cond_init(&g->pin_done, NULL);
	ret = fguard_plan_build(cfg->rules, &g->plan, g->cfg.log);
	if (ret < 0)
		goto cleanup;
	if (cfg->wanted) {
		size_t kept = 0;

		for (size_t i = 0; i < g->plan.n; i++) {
			if (cfg->wanted(cfg->wanted_ctx, g->plan.rules[i].index))
				g->plan.rules[kept++] = g->plan.rules[i];
			else
				free(g->plan.rules[i].paths);
		}
		g->plan.n = kept;
	}
	if (g->plan.n == 0) {
		ret = -ENODATA;
		goto cleanup;
	}
	ret = -ENOMEM;
	g->snap = malloc(PROC_SNAPSHOT_REC_MAX);
	g->anc_snap = malloc(PROC_SNAPSHOT_REC_MAX);
	g->raw = malloc(PROC_SNAPSHOT_REC_MAX);
	g->keeper_snap = malloc(PROC_SNAPSHOT_REC_MAX);
	if (!g->keeper_snap || !g->snap || !g->anc_snap || !g->raw || proc_table_new(FGUARD_PROC_TABLE, &g->procs))
		goto cleanup;
	/* Unlimited queue and marks: a permission event the kernel cannot queue
	 * is refused to the caller, and marks scale with protected paths. */
	g->fan_fd = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK | FAN_REPORT_TID |
					  FAN_UNLIMITED_QUEUE | FAN_UNLIMITED_MARKS,
				  O_RDONLY | O_LARGEFILE | O_CLOEXEC);
	if (g->fan_fd < 0) {
		ret = -errno;
		fprintf(g->cfg.log, "palisade: fanotify_init failed: %s (needs root with "
				    "CAP_SYS_ADMIN and a kernel with "
				    "CONFIG_FANOTIFY_ACCESS_PERMISSIONS)\n", strerror(-ret));
		goto cleanup;
	}
	g->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (g->stop_fd < 0 || stat("/", &st)) {
		ret = -errno;
		goto cleanup;
	}
	g->host_dev = st.st_dev;
	g->host_ino = st.st_ino;
	g->roots = calloc(FGUARD_ROOTS_MAX, sizeof(*g->roots));
	if (!g->roots)
		goto cleanup;
	fguard_mark_root(g, 0, &g->host_marks);
	*out = g;
	return 0;
cleanup:
	fguard_free(g);
	return ret;
}

int fguard_start(struct fguard *g)
{
	int ret = pthread_create(&g->decider, NULL, decider_main, g);

	if (ret)
		return -ret;
	g->decider_running = true;
	ret = fguard_pinner_start(g);
	if (ret)
		return ret;
	/* Container roots are marked before the first event can wait on us. */
	fguard_scan_roots(g);
	ret = pthread_create(&g->keeper, NULL, keeper_main, g);
	if (ret)
		return -ret;
	g->keeper_running = true;
	return 0;
}

void fguard_free(struct fguard *g)
{
	uint64_t one = 1;

	if (!g)
		return;
	__atomic_store_n(&g->stopping, true, __ATOMIC_RELAXED);
	if (g->stop_fd >= 0 && write(g->stop_fd, &one, sizeof(one)) != sizeof(one))
		fprintf(g->cfg.log, "palisade: fanotify: cannot stop the threads: %s\n",
			strerror(errno));
	fguard_pinner_stop(g);
	if (g->decider_running)
		pthread_join(g->decider, NULL);
	if (g->keeper_running)
		pthread_join(g->keeper, NULL);
	/* Closing the group allows whatever is still pending; the pins are
	 * cleared after it, so that opening them waits on no one. */
	if (g->fan_fd >= 0)
		close(g->fan_fd);
	if (g->roots)
		fguard_unpin_all(g);
	if (g->stop_fd >= 0)
		close(g->stop_fd);
	fguard_drain(g, NULL, NULL);
	fguard_plan_release(&g->plan);
	rules_engine_free(g->cfg.rules);
	proc_table_free(g->procs);
	alert_free(g->alert);
	free(g->snap);
	free(g->anc_snap);
	free(g->raw);
	free(g->keeper_snap);
	free(g->roots);
	pthread_mutex_destroy(&g->pending_lock);
	pthread_mutex_destroy(&g->queue_lock);
	pthread_mutex_destroy(&g->log_lock);
	pthread_mutex_destroy(&g->roots_lock);
	pthread_mutex_destroy(&g->judge_lock);
	pthread_mutex_destroy(&g->pinlog_lock);
	pthread_cond_destroy(&g->pin_cond);
	pthread_cond_destroy(&g->pin_done);
	free(g->pin_snap);
	free(g);
}

void fguard_keep_pins(struct fguard *g)
{
	if (g)
		__atomic_store_n(&g->keep_pins, true, __ATOMIC_RELAXED);
}

void fguard_stats(struct fguard *g, struct fguard_stats *out)
{
	const uint64_t *src = (const uint64_t *)&g->st;
	uint64_t *dst = (uint64_t *)out;

	/* Every member is a uint64_t counter: copy each atomically. */
	_Static_assert(sizeof(struct fguard_stats) % sizeof(uint64_t) == 0, "counters only");
	for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}
