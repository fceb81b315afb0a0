/*
 * What an action did, as the alert's "palisade_action" (src/alert/alert.h):
 * the action's type, the back-end that served it, the mode, the outcome and
 * what was done or why not. Falco-schema consumers ignore the extra key.
 */
#include <stdio.h>
#include <string.h>

#include "action/internal.h"

static const char *const outcome_names[] = {
	[ACTION_DONE] = "done",
	[ACTION_IN_KERNEL] = "served in kernel",
	[ACTION_WOULD_HAVE] = "would-have",
	[ACTION_REFUSED_SAFETY] = "refused-by-safety",
	[ACTION_FAILED] = "failed",
	[ACTION_MISSED] = "missed",
};

const char *action_outcome_name(enum action_outcome o)
{
	return (unsigned)o < ACTION_OUTCOME_MAX ? outcome_names[o] : "unknown";
}

int action_result_attach(struct alert *al, enum rules_action type, const char *backend,
			 bool enforce, bool step, const struct action_result *res)
{
	struct alert_action act = { .type = rules_action_name(type),
				    .backend = backend ? backend : "none",
				    .mode = enforce ? "enforce" : "audit",
				    .outcome = action_outcome_name(res->outcome) };

	if (!al)
		return 0;
	snprintf(act.detail, sizeof(act.detail), "%s", res->detail);
	for (size_t i = 0; i < res->n_extra && i < ACTION_RESULT_EXTRA_MAX; i++)
		act.extra[act.n_extra++] = (struct alert_action_extra){ .key = res->extra[i].key,
									.str = res->extra[i].value };
	/* -ENOMEM: the alert goes without it */
	return step ? alert_add_step(al, &act) : alert_set_action(al, &act);
}

void action_result_extra(struct action_result *res, const char *key, const char *value)
{
	if (res->n_extra >= ACTION_RESULT_EXTRA_MAX)
		return;
	res->extra[res->n_extra].key = key;
	snprintf(res->extra[res->n_extra].value, sizeof(res->extra[0].value), "%s", value);
	res->n_extra++;
}
