/*
 * The fanotify guard (fanotify_guard.h) as one of the dispatcher's
 * back-ends: it tells the plan which deny rules fanotify serves (so they are
 * not reported unservable), and turns each of those rules' alerts into a
 * record of what the guard did with that operation (fguard_action_result).
 * The guard itself denies; nothing is left to do after the alert. It starts
 * after the first plan (action_fanotify_start), deciding with an engine of
 * its own.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "action/action.h"
#include "action/fanotify_guard.h"

#define GUARD_RULES_MAX 4096
struct guard_backend {
	struct fguard *guard; /* NULL until started */
	struct fguard_plan plan;
	bool built;
	bool planned;                 /* the dispatcher has offered its rules */
	bool served[GUARD_RULES_MAX]; /* by rule index */
};

bool action_fanotify_wanted(const struct rules_engine *rules)
{
	for (size_t i = 0; rules && i < rules_engine_rule_count(rules); i++) {
		const struct rules_rule_info *r = rules_engine_rule(rules, i);

		if (r->enabled && r->action.type == RULES_ACTION_DENY)
			return true;
	}
	return false;
}

/* Deny rules another back-end took (the kernel kills at exec) stay out. */
static bool guard_wanted(void *ctx, size_t index)
{
	struct guard_backend *g = ctx;

	return !g->planned || (index < GUARD_RULES_MAX && g->served[index]);
}

int action_fanotify_start(struct action_backend *b, const struct action_fanotify_options *o,
			  struct rules_engine *rules)
{
	struct guard_backend *gb = b->ctx;
	struct fguard_config cfg = { .rules = rules, .enforce = o->enforce,
				     .timeout_ms = o->timeout_ms, .timeout_deny = o->timeout_deny,
				     .containers = o->containers, .fim = o->fim,
				     .log = stderr, .wanted = guard_wanted, .wanted_ctx = gb };
	struct fguard_stats st;
	struct fguard *g;
	int err;

	err = fguard_new(&cfg, &g);
	if (err == -ENODATA) {
		fprintf(stderr, "palisade: fanotify: no deny rule can be served (reasons above)\n");
		return 0;
	}
	if (err == 0)
		err = fguard_start(g);
	if (err) {
		fprintf(stderr, "palisade: fanotify: cannot start the file guard: %s\n",
			strerror(-err));
		fguard_free(g);
		return err;
	}
	gb->guard = g;
	fguard_stats(g, &st);
	fprintf(stderr, "palisade: fanotify: guarding %llu marks on the host and %llu container "
			"roots, mode %s, decisions within %u ms (late or unreadable: %s)\n",
		(unsigned long long)st.marks, (unsigned long long)st.roots,
		cfg.enforce ? "enforce" : "audit", cfg.timeout_ms, cfg.timeout_deny ? "deny" : "allow");
	return 0;
}

void action_fanotify_keep_pins(struct action_backend *b)
{
	struct guard_backend *gb = b->ctx;

	if (gb)
		fguard_keep_pins(gb->guard);
}

void action_fanotify_poll(struct action_backend *b, action_emit_fn emit, void *ctx)
{
	struct guard_backend *gb = b->ctx;

	if (gb && gb->guard)
		fguard_drain(gb->guard, emit, ctx);
}

void action_fanotify_stop(struct action_backend *b, action_emit_fn emit, void *ctx)
{
	struct guard_backend *gb = b->ctx;
	struct fguard *g = gb ? gb->guard : NULL;
	struct fguard_stats st;

	if (!g)
		return;
	gb->guard = NULL;
	fguard_stats(g, &st);
	fguard_drain(g, emit, ctx);
	fprintf(stderr, "palisade: fanotify: events %llu: allowed %llu, denied %llu (callers "
			"killed %llu), would deny %llu; timeouts %llu; errors %llu; unknown intent %llu; "
			"records dropped %llu; marks %llu (errors %llu), container roots %llu; decision "
			"latency p50 %.1f us, p99 %.1f us\n",
		(unsigned long long)st.events, (unsigned long long)st.allowed,
		(unsigned long long)st.denied, (unsigned long long)st.killed,
		(unsigned long long)st.would_deny,
		(unsigned long long)st.timeouts, (unsigned long long)st.errors,
		(unsigned long long)st.unknown_intent, (unsigned long long)st.alerts_dropped,
		(unsigned long long)st.marks, (unsigned long long)st.mark_errors,
		(unsigned long long)st.roots, metrics_hist_quantile(&st.latency, 0.5) / 1000.0,
		metrics_hist_quantile(&st.latency, 0.99) / 1000.0);
	fguard_free(g);
}

static int guard_prepare(void *ctx, struct rules_engine *e, size_t index,
			 const struct rules_rule_info *rule, bool enforce, const char **how,
			 const char **why)
{
	struct guard_backend *g = ctx;

	(void)enforce;
	if (!g->built) {
		if (fguard_plan_build(e, &g->plan, NULL) < 0) {
			*why = "the fanotify plan could not be built";
			return -EOPNOTSUPP;
		}
		g->built = true;
	}
	g->planned = true;
	for (size_t i = 0; i < g->plan.n; i++)
		if (g->plan.rules[i].index == index && index < GUARD_RULES_MAX) {
			g->served[index] = true;
			*how = rule->action.kill ? "deny through fanotify, and kill the caller, before "
						   "the open or exec completes"
						 : "deny through fanotify, before the open or exec "
						   "completes";
			return 0;
		}
	*why = "fanotify: the condition does not confine fd.name, proc.exepath or proc.name "
	       "to paths or names it can mark";
	return -EOPNOTSUPP;
}

static int guard_apply(void *ctx, const struct action_target *t, enum rules_action type,
		       struct action_result *res, uint64_t token)
{
	struct guard_backend *g = ctx;

	(void)type;
	(void)token;
	fguard_action_result(g->guard, t, res);
	return 0;
}

/* A held container is marked before it runs (the keeper would mark it
 * within a second: too late). */
static int guard_arm(void *ctx, uint64_t cgroup_id, uint32_t pid, const struct container_info *c)
{
	struct guard_backend *g = ctx;

	(void)cgroup_id;
	(void)c;
	return g->guard ? fguard_arm_root(g->guard, pid) : 0;
}

static void guard_reset(void *ctx)
{
	struct guard_backend *g = ctx;

	if (g->built)
		fguard_plan_release(&g->plan);
	g->built = false;
	memset(g->served, 0, sizeof(g->served));
	g->planned = true; /* the dispatcher plans: only what it offers us */
}

int action_fanotify_backend(struct action_backend *out)
{
	struct guard_backend *g = calloc(1, sizeof(*g));

	if (!g)
		return -ENOMEM;
	*out = (struct action_backend){ .name = "fanotify",
					.types = 1u << RULES_ACTION_DENY,
					.prepare = guard_prepare,
					.apply = guard_apply,
					.reset = guard_reset,
					.arm = guard_arm,
					.kills_on_deny = true,
					.ctx = g };
	return 0;
}

void action_fanotify_backend_free(struct action_backend *b)
{
	struct guard_backend *g = b ? b->ctx : NULL;

	if (!g)
		return;
	if (g->built)
		fguard_plan_release(&g->plan);
	fguard_free(g->guard); /* when start stopped before the consumers' stop */
	free(g);
	b->ctx = NULL;
}
