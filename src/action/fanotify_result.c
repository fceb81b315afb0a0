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

/* A write of a file the guard pinned: the kernel refused it (immutable)
 * before fanotify could see it; with kill: true the caller is killed after
 * it returned, which the detail reports (it may have exited by then). */
static void pinned(const struct action_target *t, struct action_result *res)
{
	char kill[168] = "";

	if (t->rule->action.kill) {
		action_kill_target(t, res);
		snprintf(kill, sizeof(kill), "; its caller, after it returned: %s%.100s",
			 res->outcome == ACTION_DONE ? "killed" : "not killed, ",
			 res->outcome == ACTION_DONE ? "" : res->detail);
	}
	res->outcome = ACTION_DONE;
	snprintf(res->detail, sizeof(res->detail),
		 "refused by the kernel (EPERM): palisade pinned the file immutable (pin: true)%.168s",
		 kill);
}

void fguard_action_result(struct fguard *g, const struct action_target *t,
			  struct action_result *res)
{
	const struct event *ev = t->alert->ev;
	enum fguard_kind kind = ev->kind == EV_EXEC ? FGUARD_EXEC : FGUARD_OPEN;
	struct fguard_outcome o;

	if (!g) {
		res->outcome = ACTION_FAILED;
		snprintf(res->detail, sizeof(res->detail), "the fanotify guard is not running");
		return;
	}
	if (fguard_outcome_take(g, ev->hdr->tid, kind, ev->hdr->ts_ns, ANSWER_MAX_AGE_NS, &o) == 0) {
		answered(&o, kind, res);
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
	res->outcome = ACTION_MISSED;
	snprintf(res->detail, sizeof(res->detail),
		 "fanotify never saw this %s: the file was not marked (a root not guarded yet, "
		 "or a file replaced by a rename since the last marking); it happened",
		 what(kind));
}
