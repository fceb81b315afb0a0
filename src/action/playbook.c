/*
 * A rule's steps after one of its alerts (docs/response.md): each applied in
 * order, or in audit mode reported as what it would have done, and each
 * outcome attached to the alert: "palisade_action" for a rule with one
 * action, the steps of "palisade_playbook" for a list or a playbook. A step
 * whose back-end answers later (the Engine API, a capture) parks the run in
 * runs[]; action_poll goes on with the next step once the answer came, and
 * the alert, with every step, is emitted when the last one is done.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action/dispatcher.h"
#include "proc/proc.h"

/* What each step would have done, for audit mode's records. */
static const char *const would[RULES_ACTION_MAX] = {
	[RULES_ACTION_KILL] = "killed the process",
	[RULES_ACTION_DENY] = "denied it",
	[RULES_ACTION_PAUSE] = "paused the container",
	[RULES_ACTION_STOP] = "stopped the container",
	[RULES_ACTION_ISOLATE] = "cut the container off the network (it keeps running)",
	[RULES_ACTION_CAPTURE] = "written a forensic bundle",
	[RULES_ACTION_NOTIFY] = "sent the alert to output",
};

static const char *target_exe(const struct event *ev)
{
	if (ev->kind == EV_EXEC)
		return ev->exe;
	return ev->proc ? ev->proc->exe : "";
}

/* A deny with kill: true whose back-end does not kill: the caller is killed
 * from user space, after the alert; the record says which. */
static void kill_too(const struct action_target *t, struct action_result *res)
{
	struct action_result k;
	char denied[sizeof(res->detail)];

	action_kill_target(t, &k);
	memcpy(denied, res->detail, sizeof(denied));
	snprintf(res->detail, sizeof(res->detail), "%.150s; the caller: %.90s", denied,
		 k.outcome == ACTION_DONE ? "killed after the alert" : k.detail);
}

/*
 * What to report without applying the step: a scope that cannot be checked
 * yet, no back-end, audit mode, or a protected target. Returns true with res
 * filled when the step stops here.
 */
static bool settled(const struct run *run, const struct plan_step *st, bool scope_unknown,
		    struct action_result *res)
{
	const struct action_target *t = &run->t;
	const struct rules_rule_info *r = t->rule;

	if (scope_unknown) {
		res->outcome = ACTION_FAILED;
		snprintf(res->detail, sizeof(res->detail),
			 "the container's image, name and labels are not known yet (Docker Engine "
			 "unreachable?): the scope cannot be checked");
		return true;
	}
	if (st->backend < 0) {
		res->outcome = ACTION_FAILED;
		snprintf(res->detail, sizeof(res->detail), "not served: %s", st->why);
		return true;
	}
	if (!run->p->enforce) {
		res->outcome = ACTION_WOULD_HAVE;
		snprintf(res->detail, sizeof(res->detail), "audit mode: would have %s%s%s%s",
			 would[st->type], st->type == RULES_ACTION_NOTIFY ? " '" : "",
			 st->type == RULES_ACTION_NOTIFY ? st->spec->sink : "",
			 st->type == RULES_ACTION_NOTIFY ? "'"
			 : (t->ev_flags & EV_F_KILLED) ? " (another enforcing rule killed it in kernel)"
						       : "");
		return true;
	}
	/* A kill in kernel already happened; safety was applied there (pid 1,
	 * runtime directories). Anything user space does is checked here. */
	if (!(t->ev_flags & EV_F_KILLED) &&
	    (st->type == RULES_ACTION_KILL || st->type == RULES_ACTION_DENY) &&
	    (action_protected_exe(t->exepath, r->condition, res->detail, sizeof(res->detail)) ||
	     action_protected(t->pid, r->condition, res->detail, sizeof(res->detail)))) {
		res->outcome = ACTION_REFUSED_SAFETY;
		return true;
	}
	return false;
}

/* A finished step: counted, attached to the alert; the run moves on. */
static void step_done(struct action_dispatcher *d, struct run *run, const struct action_result *res)
{
	const struct plan_step *st = &run->p->step[run->next];
	const char *backend = st->backend >= 0 ? d->b[st->backend].name : "none";

	action_dispatch_count(d, st->backend, res->outcome, st->type);
	if (action_result_attach(run->al, st->type, backend, run->p->enforce, run->is_list, res))
		d->emit_errors++;
	run->next++;
}

/* Owned copies of what the target points at, for steps run after the
 * match's buffers are gone. */
static int own_target(struct run *slot)
{
	char *json = slot->t.container ? container_info_to_json(slot->t.container) : NULL;
	int err = 0;

	slot->exepath = strdup(slot->t.exepath ? slot->t.exepath : "");
	if (slot->t.container)
		err = json ? container_info_from_json(json, strlen(json), &slot->container) : -ENOMEM;
	free(json);
	if (!slot->exepath || err)
		return -ENOMEM;
	slot->t.exepath = slot->exepath;
	slot->t.container = slot->container;
	return 0;
}

/* Moves a run from the stack into runs[] before its asynchronous step is
 * applied (the answer may come before apply returns). NULL when full. */
static struct run *park(struct action_dispatcher *d, struct run *run)
{
	struct run *slot = NULL;

	pthread_mutex_lock(&d->lock);
	for (size_t i = 0; i < RUNS_MAX && !slot; i++)
		if (!d->runs[i].used)
			slot = &d->runs[i];
	if (slot) {
		*slot = *run;
		slot->used = true;
		slot->plan = *run->p;
		slot->p = &slot->plan;
	}
	pthread_mutex_unlock(&d->lock);
	if (slot && own_target(slot)) {
		free(slot->exepath);
		container_info_free(slot->container);
		pthread_mutex_lock(&d->lock);
		slot->used = false;
		pthread_mutex_unlock(&d->lock);
		slot = NULL;
	}
	return slot;
}

/*
 * Hands an asynchronous step to its back-end, the run parked first (*runp
 * then points into runs[]). Returns 1 when the step waits for its answer; 0
 * with res filled (it answered at once, or could not start).
 */
static int apply_async(struct action_dispatcher *d, struct run **runp,
		       const struct action_backend *b, struct action_result *res)
{
	const struct rules_alert *match = (*runp)->t.alert;
	struct run *slot = (*runp)->used ? *runp : park(d, *runp);
	int ret;

	if (!slot) {
		res->outcome = ACTION_FAILED;
		snprintf(res->detail, sizeof(res->detail), "too many actions pending (%d)", RUNS_MAX);
		return 0;
	}
	*runp = slot;
	pthread_mutex_lock(&d->lock);
	slot->token = ++d->next_token;
	slot->waiting = true;
	slot->done = false;
	pthread_mutex_unlock(&d->lock);
	slot->t.alert = match; /* valid during this call only */
	ret = b->apply(b->ctx, &slot->t, slot->p->step[slot->next].type, res, slot->token);
	slot->t.alert = NULL;
	if (ret == 1)
		return 1;
	pthread_mutex_lock(&d->lock);
	slot->waiting = false;
	pthread_mutex_unlock(&d->lock);
	return 0;
}

/*
 * Runs the steps from next on. Returns true when a step waits for its
 * back-end (*runp, then a slot of runs[], goes on from action_poll); false
 * when every step is done.
 */
static bool run_steps(struct action_dispatcher *d, struct run **runp, bool scope_unknown)
{
	for (struct run *run = *runp; run->next < run->p->n_steps; run = *runp) {
		const struct plan_step *st = &run->p->step[run->next];
		const struct action_backend *b = st->backend >= 0 ? &d->b[st->backend] : NULL;
		struct action_result res = { 0 };

		run->t.step = st->spec;
		if (!settled(run, st, scope_unknown, &res)) {
			if (b->async) {
				if (apply_async(d, runp, b, &res))
					return true;
				run = *runp;
			} else {
				b->apply(b->ctx, &run->t, st->type, &res, 0);
			}
			if (st->type == RULES_ACTION_DENY && run->t.rule->action.kill &&
			    !b->kills_on_deny && res.outcome == ACTION_DONE)
				kill_too(&run->t, &res);
		}
		step_done(d, run, &res);
	}
	return false;
}

static void release(struct action_dispatcher *d, struct run *run)
{
	free(run->exepath);
	container_info_free(run->container);
	run->exepath = NULL;
	run->container = NULL;
	pthread_mutex_lock(&d->lock);
	run->used = false;
	pthread_mutex_unlock(&d->lock);
}

bool action_after_alert(struct action_dispatcher *d, const struct rules_alert *a,
			struct alert *al)
{
	const struct event *ev = a->ev;
	const struct plan_entry *p;
	enum scope_verdict scope;
	struct run run = { 0 }, *r = &run;

	if (!a->rule->action.n_steps || !ev || !ev->hdr)
		return false;
	p = action_plan_find(d, a->rule);
	if (!p || (!a->rule->action.is_list && p->step[0].backend < 0))
		return false; /* reported at plan time: this rule only alerts */
	scope = action_scope_check(&a->rule->action, ev->container);
	if (scope == SCOPE_OUT) {
		d->out_of_scope++;
		return false;
	}
	run = (struct run){ .gen = d->gen, .p = p, .al = al, .is_list = a->rule->action.is_list };
	run.t = (struct action_target){ .alert = a,
					.rule = a->rule,
					.al = al,
					.pid = ev->hdr->pid,
					.start_ns = ev->hdr->start_ns,
					.ev_flags = ev->hdr->flags,
					.exepath = target_exe(ev),
					.container = ev->container };
	if (a->rule->action.is_list && al && alert_set_playbook(al, a->rule->action.playbook))
		d->emit_errors++;
	if (run_steps(d, &r, scope == SCOPE_UNKNOWN))
		return true; /* parked: al, with every step's result, goes out from action_poll */
	if (r != &run) /* parked once, then done: al goes back to the caller */
		release(d, r);
	return false;
}

void action_complete(struct action_dispatcher *d, uint64_t token, const struct action_result *res)
{
	pthread_mutex_lock(&d->lock);
	for (size_t i = 0; i < RUNS_MAX; i++) {
		struct run *r = &d->runs[i];

		if (r->used && r->waiting && !r->done && r->token == token) {
			r->res = *res;
			r->done = true;
			break;
		}
	}
	pthread_mutex_unlock(&d->lock);
}

/* A re-plan (SIGHUP) while the run waited: its rule may be gone; the steps
 * left are reported, not run. */
static void end_replanned(struct action_dispatcher *d, struct run *run)
{
	struct action_result res = { .outcome = ACTION_FAILED };

	snprintf(res.detail, sizeof(res.detail), "not run: the rules were reloaded while the "
		 "steps before it ran");
	while (run->next < run->p->n_steps) {
		const struct plan_step *st = &run->p->step[run->next];

		action_dispatch_count(d, st->backend, res.outcome, st->type);
		if (action_result_attach(run->al, st->type, "none", run->p->enforce, true, &res))
			d->emit_errors++;
		run->next++;
	}
}

void action_runs_poll(struct action_dispatcher *d)
{
	for (size_t i = 0; i < RUNS_MAX; i++) {
		struct run *run = &d->runs[i];
		bool ready;

		pthread_mutex_lock(&d->lock);
		ready = run->used && run->waiting && run->done;
		if (ready)
			run->waiting = run->done = false;
		pthread_mutex_unlock(&d->lock);
		if (!ready)
			continue;
		step_done(d, run, &run->res);
		if (run->gen != d->gen)
			end_replanned(d, run);
		else if (run_steps(d, &run, false))
			continue; /* the next step waits in turn */
		if (run->al)
			d->cfg.emit(run->al, d->cfg.emit_ctx);
		run->al = NULL;
		release(d, run);
	}
}

void action_runs_free(struct action_dispatcher *d)
{
	for (size_t i = 0; i < RUNS_MAX; i++)
		if (d->runs[i].used) {
			alert_free(d->runs[i].al);
			release(d, &d->runs[i]);
		}
}
