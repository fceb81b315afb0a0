/*
 * The action record of a deny rule served by fanotify. The guard refuses an
 * operation synchronously, before it happens; the rule's alert comes later,
 * from the syscall or process sensor, when the operation has completed or
 * failed. The record must say what the guard did with that very operation,
 * never more: it asks the guard (fguard_outcome_take) by the thread that
 * made it.
 */
#include <errno.h>
#include <stdio.h>

#include "action/fanotify_guard.h"
#include "action/internal.h"
#include "event/event.h"

/* An alert is processed well within this after its operation was answered. */
#define ANSWER_MAX_AGE_NS (60ull * 1000000000ull)

static const char *what(enum fguard_kind kind)
{
	return kind == FGUARD_EXEC ? "exec" : "open";
}

static void answered(const struct fguard_outcome *o, enum fguard_kind kind,
		     struct action_result *res)
{
	static const char *const why[] = {
		[FGUARD_WHY_JUDGED] = "the rule's condition held",
		[FGUARD_WHY_TIMEOUT] = "the decision was late: the --deny-timeout-verdict",
		[FGUARD_WHY_ERROR] = "unreadable context: the --deny-timeout-verdict",
	};

	if (o->verdict == FGUARD_DENY) {
		res->outcome = ACTION_DONE;
		snprintf(res->detail, sizeof(res->detail),
			 "refused by fanotify before the %s happened (EPERM; %s)%s", what(kind),
			 why[o->why], o->killed ? ", and its caller killed before it returned" : "");
		return;
	}
	res->outcome = ACTION_FAILED;
	if (o->why == FGUARD_WHY_JUDGED)
		snprintf(res->detail, sizeof(res->detail),
			 "fanotify judged this %s and its rule did not hold on what the guard "
			 "saw; the %s happened", what(kind), what(kind));
	else
		snprintf(res->detail, sizeof(res->detail), "fanotify allowed this %s (%s); the %s "
			 "happened", what(kind), why[o->why], what(kind));
}

/* With kill: true, the caller of an operation fanotify did not refuse is
 * killed after it returned; *kill says how that went (it may have exited
 * by then), empty without kill: true. */
static void kill_after(const struct action_target *t, struct action_result *res,
		       char kill[static 168])
{
	kill[0] = '\0';
	if (!t->rule || !t->rule->action.kill)
		return;
	action_kill_target(t, res);
	snprintf(kill, 168, "; its caller, after it returned: %s%.100s",
		 res->outcome == ACTION_DONE ? "killed" : "not killed, ",
		 res->outcome == ACTION_DONE ? "" : res->detail);
}

/* A write of a file the guard pinned: the kernel refused it (immutable)
 * before fanotify could see it. */
static void pinned(const struct action_target *t, struct action_result *res)
{
	char kill[168];

	kill_after(t, res, kill);
	res->outcome = ACTION_DONE;
	snprintf(res->detail, sizeof(res->detail),
		 "refused by the kernel (EPERM): palisade pinned the file immutable (pin: true)%.168s",
		 kill);
}

/* An operation that happened although the rule held (fanotify allowed it or
 * never saw it: a file unmarked yet, a file system mounted over the marked
 * one): the deny failed, but kill: true still stops the caller from going
 * on, after the fact. */
static void happened(const struct action_target *t, enum action_outcome outcome,
		     const char *why, struct action_result *res)
{
	char said[152], kill[168];

	snprintf(said, sizeof(said), "%s", why); /* why may be res->detail */
	kill_after(t, res, kill);
	res->outcome = outcome;
	snprintf(res->detail, sizeof(res->detail), "%.151s%.104s", said, kill);
}

void fguard_action_result(struct fguard *g, const struct action_target *t,
			  struct action_result *res)
{
	const struct event *ev = t->alert->ev;
	enum fguard_kind kind = ev->kind == EV_EXEC ? FGUARD_EXEC : FGUARD_OPEN;
	struct fguard_outcome o;
	char why[200];

	if (!g) {
		res->outcome = ACTION_FAILED;
		snprintf(res->detail, sizeof(res->detail), "the fanotify guard is not running");
		return;
	}
	if (fguard_outcome_take(g, ev->hdr->tid, kind, ev->hdr->ts_ns, ANSWER_MAX_AGE_NS, &o) == 0) {
		answered(&o, kind, res);
		if (res->outcome != ACTION_DONE)
			happened(t, res->outcome, res->detail, res);
		return;
	}
	if (kind == FGUARD_EXEC && (t->ev_flags & EV_F_HELD)) {
		/* A new container's first exec: its root was not marked yet, but
		 * the hold stopped it before its first instruction. */
		action_kill_target(t, res);
		return;
	}
	if (ev->kind == EV_SYSCALL && ev->res == -EPERM && t->rule && t->rule->action.pin &&
	    fguard_pinned_for(g, t->container, ev->path)) {
		pinned(t, res);
		return;
	}
	if (ev->kind == EV_SYSCALL && ev->res < 0) {
		/* Refused by something else (permissions, another agent). */
		res->outcome = ACTION_FAILED;
		snprintf(res->detail, sizeof(res->detail),
			 "fanotify did not see this open; it failed by itself (errno %lld)",
			 ev->res > -4096 ? (long long)-ev->res : (long long)ev->res);
		return;
	}
	snprintf(why, sizeof(why),
		 "fanotify never saw this %s: the file was not marked (a root not guarded yet, "
		 "or a file replaced by a rename since the last marking); it happened",
		 what(kind));
	happened(t, ACTION_MISSED, why, res);
}
