/*
 * The dispatcher: plans who serves each enforcing rule, then turns each alert
 * of such a rule into an action and an action record.
 *
 * Mode: the global mode (`palisade run --enforce`, or the config file's
 * `enforce:`) applies to every rule; a rule's own `enforce:` overrides it.
 * In audit mode nothing is done and each record says "would-have".
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action/internal.h"
#include "proc/proc.h"

#define PENDING_MAX 64

struct plan_entry {
	const struct rules_rule_info *rule;
	int backend;  /* index into b[], -1: not served (alert only) */
	bool enforce; /* act, or only report */
};

struct counters {
	uint64_t rules;
	uint64_t outcomes[ACTION_OUTCOME_MAX];
};

/* An alert held until its asynchronous action finished. */
struct pending {
	bool used, done;
	uint64_t token;
	int backend;
	enum rules_action type;
	bool enforce;
	uint32_t pid; /* the target */
	struct alert *al; /* owned; NULL: nothing to emit (no outputs) */
	struct action_result res;
};

struct action_dispatcher {
	struct action_config cfg;
	struct action_backend b[ACTION_BACKENDS_MAX];
	struct counters cnt[ACTION_BACKENDS_MAX];
	size_t n_b;
	size_t observers; /* back-ends with an observe op */
	struct plan_entry *plan; /* sorted by rule pointer */
	size_t n_plan;
	uint64_t out_of_scope, unserved, emit_errors;
	pthread_mutex_t lock; /* pending[] */
	struct pending pending[PENDING_MAX];
	uint64_t next_token;
	struct action_hold *hold; /* NULL: no hold (action_hold_start) */
};

int action_dispatcher_new(const struct action_config *cfg, struct action_dispatcher **out)
{
	struct action_dispatcher *d = calloc(1, sizeof(*d));

	if (!d)
		return -ENOMEM;
	d->cfg = *cfg;
	if (!d->cfg.log)
		d->cfg.log = stderr;
	pthread_mutex_init(&d->lock, NULL);
	*out = d;
	return 0;
}

void action_dispatcher_free(struct action_dispatcher *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < PENDING_MAX; i++) /* never finished: nothing to say */
		if (d->pending[i].used)
			alert_free(d->pending[i].al);
	action_hold_free(d->hold);
	pthread_mutex_destroy(&d->lock);
	free(d->plan);
	free(d);
}

int action_register(struct action_dispatcher *d, const struct action_backend *b)
{
	if (d->n_b == ACTION_BACKENDS_MAX)
		return -ENOSPC;
	d->b[d->n_b++] = *b;
	d->observers += b->observe != NULL;
	return 0;
}

static int by_rule(const void *a, const void *b)
{
	const struct plan_entry *x = a, *y = b;

	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

/* One rule: the first back-end that accepts it. -EINVAL for an unserved deny. */
static int plan_rule(struct action_dispatcher *d, struct rules_engine *e, size_t i,
		     struct plan_entry *p)
{
	const struct rules_rule_info *r = p->rule;
	enum rules_action type = r->action.type;
	const char *how = NULL, *why = NULL;
	char whys[768] = "";
	size_t wn = 0;
	const char *mode = p->enforce ? "" : " (audit: would have; nothing is done)";
	int ret;

	p->backend = -1;
	for (size_t k = 0; k < d->n_b; k++) {
		if (!(d->b[k].types & (1u << type)))
			continue;
		how = why = NULL;
		ret = d->b[k].prepare(d->b[k].ctx, e, i, r, p->enforce, &how, &why);
		if (ret == 0) {
			p->backend = (int)k;
			d->cnt[k].rules++;
			fprintf(d->cfg.log, "palisade: enforce: %s: %s%s\n", r->name, how, mode);
			return 0;
		}
		if (ret != -EOPNOTSUPP) {
			fprintf(d->cfg.log, "palisade: enforce: %s: %s failed: %s (%s)\n", r->name,
				d->b[k].name, why ? why : "", strerror(-ret));
			return ret;
		}
		if (wn < sizeof(whys))
			wn += (size_t)snprintf(whys + wn, sizeof(whys) - wn, "%s%s: %s",
					       wn ? "; " : "", d->b[k].name, why ? why : "refused");
	}
	if (!wn)
		snprintf(whys, sizeof(whys), "no back-end serves %s here",
			 rules_action_name(type));
	d->unserved++;
	if (type == RULES_ACTION_DENY && !r->action.downgrade) {
		fprintf(d->cfg.log,
			"palisade: enforce: %s: cannot be served: %s; a deny rule that cannot be "
			"enforced is refused: make its condition one a back-end serves, or add "
			"`downgrade: true` to its action to alert instead\n", r->name, whys);
		return -EINVAL;
	}
	fprintf(d->cfg.log, "palisade: enforce: %s: cannot be served: %s; %s\n", r->name, whys,
		type == RULES_ACTION_DENY ? "downgraded to alert" : "it only alerts");
	return 0;
}

/* Does some rule act (not only report)? Then new containers are held. */
static bool plan_enforces(const struct action_dispatcher *d)
{
	for (size_t i = 0; i < d->n_plan; i++)
		if (d->plan[i].backend >= 0 && d->plan[i].enforce)
			return true;
	return false;
}

int action_plan(struct action_dispatcher *d, struct rules_engine *e)
{
	size_t n = e ? rules_engine_rule_count(e) : 0;
	int err = 0, ret;

	for (size_t k = 0; k < d->n_b; k++) {
		if (d->b[k].reset)
			d->b[k].reset(d->b[k].ctx);
		d->cnt[k].rules = 0;
	}
	free(d->plan);
	d->plan = NULL;
	d->n_plan = 0;
	d->unserved = 0;
	if (!n)
		return 0;
	d->plan = calloc(n, sizeof(*d->plan));
	if (!d->plan)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct rules_rule_info *r = rules_engine_rule(e, i);

		if (r->enabled && r->action.type != RULES_ACTION_ALERT) {
			fprintf(d->cfg.log, "palisade: enforce: mode %s\n",
				d->cfg.enforce ? "enforce (--enforce): rule actions are carried out"
					       : "audit (no --enforce): rule actions are only "
						 "reported, unless a rule says enforce: true");
			break;
		}
	}
	for (size_t i = 0; i < n; i++) {
		const struct rules_rule_info *r = rules_engine_rule(e, i);
		struct plan_entry *p = &d->plan[d->n_plan];

		if (!r->enabled || r->action.type == RULES_ACTION_ALERT)
			continue;
		p->rule = r;
		p->enforce = r->action.enforce < 0 ? d->cfg.enforce : r->action.enforce == 1;
		ret = plan_rule(d, e, i, p);
		if (ret && !err)
			err = ret;
		d->n_plan++;
	}
	qsort(d->plan, d->n_plan, sizeof(*d->plan), by_rule);
	if (d->hold)
		action_hold_plan(d->hold, plan_enforces(d));
	return err;
}

int action_hold_start(struct action_dispatcher *d, struct sensor *s,
		      const struct action_hold_config *cfg)
{
	int err = action_hold_new(s, cfg, &d->hold);

	return err ?: action_hold_plan(d->hold, plan_enforces(d));
}

void action_event_done(struct action_dispatcher *d, const struct event *ev)
{
	action_hold_event(d, d->hold, ev);
}

int action_arm_backends(struct action_dispatcher *d, uint64_t cgroup_id, uint32_t pid,
			const struct container_info *c)
{
	int failed = 0, ret;

	for (size_t k = 0; k < d->n_b; k++) {
		if (!d->b[k].arm || !d->cnt[k].rules)
			continue;
		ret = d->b[k].arm(d->b[k].ctx, cgroup_id, pid, c);
		/* Gone (killed by a rule, or released late and exited): nothing
		 * is left to arm through it. */
		if (ret && ret != -ENOENT && ret != -ESRCH) {
			failed = ret;
			fprintf(d->cfg.log, "palisade: hold: %s could not arm the container of pid "
					    "%u: %s\n", d->b[k].name, pid, strerror(-ret));
		}
	}
	return failed;
}

bool action_pending_for(struct action_dispatcher *d, uint32_t pid)
{
	bool found = false;

	pthread_mutex_lock(&d->lock);
	for (size_t i = 0; i < PENDING_MAX && !found; i++)
		found = d->pending[i].used && d->pending[i].pid == pid;
	pthread_mutex_unlock(&d->lock);
	return found;
}

static void count(struct action_dispatcher *d, int backend, enum action_outcome o,
		  enum rules_action type)
{
	if (backend >= 0 && (unsigned)o < ACTION_OUTCOME_MAX)
		d->cnt[backend].outcomes[o]++;
	if (d->cfg.counted)
		d->cfg.counted(d->cfg.counted_ctx, rules_action_name(type), action_outcome_name(o));
}

static const char *target_exe(const struct event *ev)
{
	if (ev->kind == EV_EXEC)
		return ev->exe;
	return ev->proc ? ev->proc->exe : "";
}

/* Park an asynchronous action (and its alert) until action_complete. NULL
 * when full. */
static struct pending *park(struct action_dispatcher *d, int backend, enum rules_action type,
			    uint32_t pid, struct alert *al)
{
	struct pending *p = NULL;

	pthread_mutex_lock(&d->lock);
	for (size_t i = 0; i < PENDING_MAX && !p; i++)
		if (!d->pending[i].used)
			p = &d->pending[i];
	if (p) {
		p->used = true;
		p->done = false;
		p->token = ++d->next_token;
		p->backend = backend;
		p->type = type;
		p->enforce = true;
		p->pid = pid;
		p->al = al;
	}
	pthread_mutex_unlock(&d->lock);
	return p;
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
 * What to report without applying anything: out of scope (false: no
 * record), a scope that cannot be checked yet, audit mode, or a protected
 * target. Returns true with res filled when the action stops here.
 */
static bool settled_before_apply(struct action_dispatcher *d, const struct plan_entry *p,
				 const struct action_target *t, struct action_result *res,
				 bool *report)
{
	const struct rules_rule_info *r = t->rule;
	enum scope_verdict scope = action_scope_check(&r->action, t->container);

	*report = scope != SCOPE_OUT;
	if (scope == SCOPE_OUT) {
		d->out_of_scope++;
		return true;
	}
	if (scope == SCOPE_UNKNOWN) {
		res->outcome = ACTION_FAILED;
		snprintf(res->detail, sizeof(res->detail),
			 "the container's image, name and labels are not known yet (Docker Engine "
			 "unreachable?): the scope cannot be checked");
		return true;
	}
	if (!p->enforce) {
		res->outcome = ACTION_WOULD_HAVE;
		snprintf(res->detail, sizeof(res->detail), "audit mode: would have %s%s",
			 r->action.type == RULES_ACTION_STOP ? "stopped the container" :
			 r->action.type == RULES_ACTION_PAUSE ? "paused the container" :
			 r->action.type == RULES_ACTION_DENY ? "denied it" : "killed the process",
			 (t->ev_flags & EV_F_KILLED) ? " (another enforcing rule killed it in kernel)"
						     : "");
		return true;
	}
	/* A kill in kernel already happened; safety was applied there (pid 1,
	 * runtime directories). Anything user space does is checked here. */
	if (!(t->ev_flags & EV_F_KILLED) &&
	    (r->action.type == RULES_ACTION_KILL || r->action.type == RULES_ACTION_DENY) &&
	    (action_protected_exe(t->exepath, r->condition, res->detail, sizeof(res->detail)) ||
	     action_protected(t->pid, r->condition, res->detail, sizeof(res->detail)))) {
		res->outcome = ACTION_REFUSED_SAFETY;
		return true;
	}
	return false;
}

bool action_after_alert(struct action_dispatcher *d, const struct rules_alert *a,
			struct alert *al)
{
	struct plan_entry key = { .rule = a->rule }, *p;
	const struct event *ev = a->ev;
	enum rules_action type = a->rule->action.type;
	struct action_result res = { 0 };
	struct action_target t;
	struct action_backend *b;
	struct pending *pend = NULL;
	bool report;

	if (type == RULES_ACTION_ALERT || !ev || !ev->hdr)
		return false;
	p = bsearch(&key, d->plan, d->n_plan, sizeof(*d->plan), by_rule);
	if (!p || p->backend < 0)
		return false; /* reported at plan time: this rule only alerts */
	b = &d->b[p->backend];
	t = (struct action_target){ .alert = a,
				    .rule = a->rule,
				    .pid = ev->hdr->pid,
				    .start_ns = ev->hdr->start_ns,
				    .ev_flags = ev->hdr->flags,
				    .exepath = target_exe(ev),
				    .container = ev->container };
	if (settled_before_apply(d, p, &t, &res, &report)) {
		if (report)
			goto done;
		return false;
	}
	if (b->types & ((1u << RULES_ACTION_PAUSE) | (1u << RULES_ACTION_STOP))) {
		pend = park(d, p->backend, type, t.pid, al);
		if (!pend) {
			res.outcome = ACTION_FAILED;
			snprintf(res.detail, sizeof(res.detail), "too many actions pending (%d)",
				 PENDING_MAX);
			goto done;
		}
	}
	if (b->apply(b->ctx, &t, type, &res, pend ? pend->token : 0) == 1)
		return true; /* al, with its result, comes through action_poll */
	if (a->rule->action.kill && !b->kills_on_deny && res.outcome == ACTION_DONE)
		kill_too(&t, &res);
	if (pend) {
		pthread_mutex_lock(&d->lock);
		pend->used = false;
		pthread_mutex_unlock(&d->lock);
	}
done:
	count(d, p->backend, res.outcome, type);
	if (action_result_attach(al, type, b->name, p->enforce, &res))
		d->emit_errors++;
	return false;
}

void action_observe(struct action_dispatcher *d, uint64_t cgroup_id,
		    const struct container_info *c)
{
	if (!c || !d->observers)
		return;
	for (size_t k = 0; k < d->n_b; k++)
		if (d->b[k].observe)
			d->b[k].observe(d->b[k].ctx, cgroup_id, c);
}

void action_complete(struct action_dispatcher *d, uint64_t token, const struct action_result *res)
{
	pthread_mutex_lock(&d->lock);
	for (size_t i = 0; i < PENDING_MAX; i++) {
		struct pending *p = &d->pending[i];

		if (p->used && !p->done && p->token == token) {
			p->res = *res;
			p->done = true;
			break;
		}
	}
	pthread_mutex_unlock(&d->lock);
}

void action_poll(struct action_dispatcher *d)
{
	struct pending done;

	for (size_t i = 0; i < PENDING_MAX; i++) {
		pthread_mutex_lock(&d->lock);
		if (!d->pending[i].used || !d->pending[i].done) {
			pthread_mutex_unlock(&d->lock);
			continue;
		}
		done = d->pending[i];
		d->pending[i].used = false;
		pthread_mutex_unlock(&d->lock);
		count(d, done.backend, done.res.outcome, done.type);
		if (action_result_attach(done.al, done.type, d->b[done.backend].name, done.enforce,
					 &done.res))
			d->emit_errors++;
		if (done.al)
			d->cfg.emit(done.al, d->cfg.emit_ctx);
	}
	action_hold_poll(d, d->hold, d->cfg.counted, d->cfg.counted_ctx);
}

void action_print_counters(struct action_dispatcher *d, FILE *f)
{
	if (!d->n_plan)
		return; /* no rule asks for an action: nothing to count */
	fprintf(f, "palisade: enforce: mode %s;", d->cfg.enforce ? "enforce" : "audit");
	for (size_t k = 0; k < d->n_b; k++) {
		const struct counters *c = &d->cnt[k];

		fprintf(f, " %s: rules %llu, done %llu, in kernel %llu, would-have %llu, refused %llu, "
			"failed %llu, missed %llu;", d->b[k].name, (unsigned long long)c->rules,
			(unsigned long long)c->outcomes[ACTION_DONE],
			(unsigned long long)c->outcomes[ACTION_IN_KERNEL],
			(unsigned long long)c->outcomes[ACTION_WOULD_HAVE],
			(unsigned long long)c->outcomes[ACTION_REFUSED_SAFETY],
			(unsigned long long)c->outcomes[ACTION_FAILED],
			(unsigned long long)c->outcomes[ACTION_MISSED]);
	}
	fprintf(f, " unserved rules %llu; out of scope %llu; record errors %llu\n",
		(unsigned long long)d->unserved, (unsigned long long)d->out_of_scope,
		(unsigned long long)d->emit_errors);
	action_hold_print(d->hold, f);
}
