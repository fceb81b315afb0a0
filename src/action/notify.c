/*
 * The `notify` step (docs/response.md): the alert goes to a named output
 * whatever that output's min_priority, at the step's priority when it names
 * one. The route is attached to the alert; the sink framework delivers it
 * with the alert (src/output/sink.c, sink_set_submit_routed) and counts its
 * delivery per output, as every other.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "action/internal.h"
#include "output/sink.h"

struct notify {
	struct sink_set *const *sinks; /* the agent's, current across reloads */
	char why[256];
};

static int notify_prepare(void *ctx, struct rules_engine *e, size_t index,
			  const struct rules_rule_info *rule, bool enforce, const char **how,
			  const char **why)
{
	struct notify *n = ctx;

	(void)e;
	(void)index;
	(void)enforce;
	for (size_t i = 0; i < rule->action.n_steps; i++) {
		const char *sink = rule->action.steps[i].sink;

		if (rule->action.steps[i].type != RULES_ACTION_NOTIFY ||
		    sink_set_has(*n->sinks, sink))
			continue;
		snprintf(n->why, sizeof(n->why), "no output is named '%s' (an output's `name:`, "
			 "or TYPE#N: stdout#1, file#1, ...)", sink);
		*why = n->why;
		return -EOPNOTSUPP;
	}
	*how = "the alert goes to the named output whatever its min_priority";
	return 0;
}

static int notify_apply(void *ctx, const struct action_target *t, enum rules_action type,
			struct action_result *res, uint64_t token)
{
	const struct rules_action_step *s = t->step;
	int prio = s ? s->priority : -1;

	(void)ctx;
	(void)type;
	(void)token;
	if (!s || !t->al) {
		res->outcome = ACTION_FAILED;
		snprintf(res->detail, sizeof(res->detail), "%s",
			 s ? "the agent has no outputs to notify" : "no step options");
		return 0;
	}
	if (alert_add_route(t->al, s->sink, prio)) {
		res->outcome = ACTION_FAILED;
		snprintf(res->detail, sizeof(res->detail), "out of memory");
		return 0;
	}
	res->outcome = ACTION_DONE;
	snprintf(res->detail, sizeof(res->detail), "routed to output '%.64s'%s%s whatever its "
		 "min_priority; its delivery is counted with that output's",
		 s->sink, prio >= 0 ? " at priority " : "",
		 prio >= 0 ? rules_priority_name((enum rules_priority)prio) : "");
	return 0;
}

void action_notify_backend(struct sink_set *const *sinks, struct action_backend *out)
{
	static struct notify n; /* one agent per process */

	n.sinks = sinks;
	*out = (struct action_backend){ .name = "notify",
					.types = 1u << RULES_ACTION_NOTIFY,
					.prepare = notify_prepare,
					.apply = notify_apply,
					.ctx = &n };
}
