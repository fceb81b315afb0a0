/*
 * The web view (web.enabled, docs/web.md) as a consumer of the agent: each
 * alert, with its action's result, goes to the view's ring, which the page
 * reads as the "alerts" document. The view itself (its token, its listener)
 * belongs to the agent's observation (observe.c), which outlives the
 * consumers: the last snapshot still renders the ring.
 */
#include "agent/agent_run.h"
#include "web/web.h"

static void web_alert(void *ctx, struct agent *a, const struct alert *al)
{
	(void)ctx;
	web_view_alert(a->ob.web, al);
}

int agent_web_register(struct agent *a)
{
	static const struct agent_consumer consumer = { .name = "web", .alert = web_alert };

	return a->ob.web ? agent_register(a, &consumer) : 0;
}
