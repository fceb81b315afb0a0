#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "action/fanotify_guard.h"
#include "agent/guard_setup.h"
#include "agent/rules_load.h"

static bool has_deny_rule(const struct rules_engine *e)
{
	for (size_t i = 0; e && i < rules_engine_rule_count(e); i++) {
		const struct rules_rule_info *r = rules_engine_rule(e, i);

		if (r->enabled && r->action.type == RULES_ACTION_DENY)
			return true;
	}
	return false;
}

/* What the dispatcher gave the guard (agent_guard_backend below). */
#define GUARD_RULES_MAX 4096
struct guard_backend {
	struct fguard *guard; /* NULL until started */
	struct fguard_plan plan;
	bool built;
	bool planned;                 /* the dispatcher has offered its rules */
	bool served[GUARD_RULES_MAX]; /* by rule index */
};
static struct guard_backend guard_be;

/* Deny rules another back-end took (the kernel kills at exec) stay out. */
static bool guard_wanted(void *ctx, size_t index)
{
	struct guard_backend *g = ctx;

	return !g->planned || (index < GUARD_RULES_MAX && g->served[index]);
}

int agent_guard_start(const struct palisade_config *c, int64_t boot_to_epoch_ns,
		      const struct rules_engine *rules, struct container_store *containers,
		      const struct event_fim *fim, struct fguard **out)
{
	struct fguard_config cfg = { .enforce = c->enforce,
				     .timeout_ms = (unsigned)c->deny_timeout_ms,
				     .timeout_deny = strcmp(c->deny_timeout_verdict, "deny") == 0,
				     .containers = containers, .fim = fim,
				     .log = stderr, .wanted = guard_wanted, .wanted_ctx = &guard_be };
	struct fguard_stats st;
	int err;

	*out = NULL;
	if (!has_deny_rule(rules))
		return 0;
	/* The guard's own engine: an engine is single-threaded. */
	err = agent_rules_load_quiet(c, boot_to_epoch_ns, &cfg.rules);
	if (err) {
		fprintf(stderr, "palisade: fanotify: cannot load the rules a second time: %s\n",
			strerror(-err));
		return err;
	}
	err = fguard_new(&cfg, out);
	if (err == -ENODATA) {
		fprintf(stderr, "palisade: fanotify: no deny rule can be served (reasons above)\n");
		return 0;
	}
	if (err == 0)
		err = fguard_start(*out);
	guard_be.guard = err ? NULL : *out;
	if (err) {
		fprintf(stderr, "palisade: fanotify: cannot start the file guard: %s\n",
			strerror(-err));
		fguard_free(*out);
		*out = NULL;
		return err;
	}
	fguard_stats(*out, &st);
	fprintf(stderr, "palisade: fanotify: guarding %llu marks on the host and %llu container "
			"roots, mode %s, decisions within %u ms (late or unreadable: %s)\n",
		(unsigned long long)st.marks, (unsigned long long)st.roots,
		cfg.enforce ? "enforce" : "audit", cfg.timeout_ms, cfg.timeout_deny ? "deny" : "allow");
	return 0;
}

void agent_guard_poll(struct fguard *g, agent_guard_emit_fn emit, void *ctx)
{
	if (g)
		fguard_drain(g, emit, ctx);
}

void agent_guard_stop(struct fguard *g, agent_guard_emit_fn emit, void *ctx)
{
	struct fguard_stats st;

	if (!g)
		return;
	guard_be.guard = NULL;
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

/*
 * The guard as one of the dispatcher's back-ends: it tells the plan which
 * deny rules fanotify serves (so they are not reported unservable), and
 * turns each of those rules' alerts into a record of what the guard did
 * with that operation (fguard_action_result). The guard itself denies;
 * nothing is left to do after the alert.
 */

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

void agent_guard_backend(struct action_backend *b)
{
	*b = (struct action_backend){ .name = "fanotify",
				      .types = 1u << RULES_ACTION_DENY,
				      .prepare = guard_prepare,
				      .apply = guard_apply,
				      .reset = guard_reset,
				      .arm = guard_arm,
				      .kills_on_deny = true,
				      .ctx = &guard_be };
}
