/*
 * The dispatcher: plans who serves each step of each enforcing rule (this
 * file), then turns each alert of such a rule into its steps' actions and
 * records (playbook.c).
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

#include "action/dispatcher.h"
#include "proc/proc.h"

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
	action_runs_free(d); /* never finished: nothing to say */
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

const struct plan_entry *action_plan_find(const struct action_dispatcher *d,
					  const struct rules_rule_info *rule)
{
	struct plan_entry key = { .rule = rule };

	return d->n_plan ? bsearch(&key, d->plan, d->n_plan, sizeof(*d->plan), by_rule) : NULL;
}

/* One step: the first back-end that accepts it; or why none does. */
static int plan_step(struct action_dispatcher *d, struct rules_engine *e, size_t i,
		     const struct rules_rule_info *r, bool enforce, struct plan_step *st)
{
	enum rules_action type = st->type;
	const char *how = NULL, *why = NULL;
	size_t wn = 0;
	int ret;

	st->backend = -1;
	st->why[0] = '\0';
	for (size_t k = 0; k < d->n_b; k++) {
		if (!(d->b[k].types & (1u << type)))
			continue;
		how = why = NULL;
		ret = d->b[k].prepare(d->b[k].ctx, e, i, r, enforce, &how, &why);
		if (ret == 0) {
			st->backend = (int)k;
			d->cnt[k].rules++;
			fprintf(d->cfg.log, "palisade: enforce: %s: %s%s%s%s\n", r->name,
				r->action.is_list ? rules_action_name(type) : "",
				r->action.is_list ? ": " : "", how,
				enforce ? "" : " (audit: would have; nothing is done)");
			return 0;
		}
		if (ret != -EOPNOTSUPP) {
			fprintf(d->cfg.log, "palisade: enforce: %s: %s failed: %s (%s)\n", r->name,
				d->b[k].name, why ? why : "", strerror(-ret));
			return ret;
		}
		if (wn < sizeof(st->why))
			wn += (size_t)snprintf(st->why + wn, sizeof(st->why) - wn, "%s%s: %s",
					       wn ? "; " : "", d->b[k].name, why ? why : "refused");
	}
	if (!wn)
		snprintf(st->why, sizeof(st->why), "no back-end serves %s here",
			 rules_action_name(type));
	return -EOPNOTSUPP;
}

/* One rule: every step planned. -EINVAL for an unserved deny. */
static int plan_rule(struct action_dispatcher *d, struct rules_engine *e, size_t i,
		     struct plan_entry *p)
{
	const struct rules_rule_info *r = p->rule;
	int ret;

	p->n_steps = r->action.n_steps;
	for (size_t s = 0; s < p->n_steps; s++) {
		struct plan_step *st = &p->step[s];

		st->spec = &r->action.steps[s];
		st->type = st->spec->type;
		ret = plan_step(d, e, i, r, p->enforce, st);
		if (!ret)
			continue;
		if (ret != -EOPNOTSUPP)
			return ret;
		d->unserved++;
		if (st->type == RULES_ACTION_DENY && !r->action.downgrade) {
			fprintf(d->cfg.log,
				"palisade: enforce: %s: cannot be served: %s; a deny rule that cannot be "
				"enforced is refused: make its condition one a back-end serves, or add "
				"`downgrade: true` to its action to alert instead\n", r->name, st->why);
			return -EINVAL;
		}
		fprintf(d->cfg.log, "palisade: enforce: %s: %s%scannot be served: %s; %s\n", r->name,
			r->action.is_list ? rules_action_name(st->type) : "",
			r->action.is_list ? ": " : "", st->why,
			r->action.is_list ? "this step is reported failed"
			: st->type == RULES_ACTION_DENY ? "downgraded to alert" : "it only alerts");
	}
	return 0;
}

/* Does some rule act (not only report)? Then new containers are held. */
static bool plan_enforces(const struct action_dispatcher *d)
{
	for (size_t i = 0; i < d->n_plan; i++)
		for (size_t s = 0; d->plan[i].enforce && s < d->plan[i].n_steps; s++)
			if (d->plan[i].step[s].backend >= 0)
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
	d->gen++; /* runs of the old plan stop after their current step */
	if (!n)
		return 0;
	d->plan = calloc(n, sizeof(*d->plan));
	if (!d->plan)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct rules_rule_info *r = rules_engine_rule(e, i);

		if (r->enabled && r->action.n_steps) {
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

		if (!r->enabled || !r->action.n_steps)
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
	for (size_t i = 0; i < RUNS_MAX && !found; i++)
		found = d->runs[i].used && d->runs[i].t.pid == pid;
	pthread_mutex_unlock(&d->lock);
	return found;
}

void action_dispatch_count(struct action_dispatcher *d, int backend, enum action_outcome o,
			   enum rules_action type)
{
	if (backend >= 0 && (unsigned)o < ACTION_OUTCOME_MAX)
		d->cnt[backend].outcomes[o]++;
	if (d->cfg.counted)
		d->cfg.counted(d->cfg.counted_ctx, rules_action_name(type), action_outcome_name(o));
}

void action_count(struct action_dispatcher *d, const char *action, enum action_outcome o)
{
	if (d->cfg.counted)
		d->cfg.counted(d->cfg.counted_ctx, action, action_outcome_name(o));
}

void action_emit(struct action_dispatcher *d, struct alert *al)
{
	if (al)
		d->cfg.emit(al, d->cfg.emit_ctx);
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

void action_poll(struct action_dispatcher *d)
{
	action_runs_poll(d);
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
