/*
 * Glue between `palisade run` and action/netpolicy: which rules it serves,
 * its start-up report, its denies on the alert stream, its counters. The
 * enforcement dispatcher (src/action/action.h, branch enforce) is meant to
 * take this over; until then `run --enforce` drives the back-end from here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/net_enforce.h"

static void on_deny(const struct netpolicy_deny *d, void *ctx)
{
	struct pipeline *p = ctx;
	char host[256] = "";
	char *json;

	p->alerts++;
	if (!p->alerts_out)
		return;
	gethostname(host, sizeof(host) - 1);
	json = netpolicy_deny_to_json(d, host, p->boot_to_epoch_ns);
	if (!json) {
		p->alert_errors++;
		return;
	}
	fputs(json, p->alerts_out);
	fputc('\n', p->alerts_out);
	free(json);
}

int agent_net_enforce_start(struct pipeline *p, bool enforce)
{
	struct netpolicy *np = NULL;
	struct netpolicy_rule r;
	size_t n = p->rules ? rules_engine_rule_count(p->rules) : 0, enforcing;
	char desc[1024];
	int err;

	p->netpolicy = NULL;
	err = netpolicy_new(on_deny, p, &np);
	if (err)
		return err;
	for (size_t i = 0; i < n; i++) {
		const char *why = NULL;

		const struct rules_rule_info *info = rules_engine_rule(p->rules, i);

		err = netpolicy_rule_from_rules(p->rules, i, enforce, &r, &why);
		if (err == -ENOTSUP) {
			/* rules.h: without `downgrade`, a deny no back-end serves
			 * refuses the load rather than silently alerting. */
			bool wants = info->action.enforce < 0 ? enforce : info->action.enforce == 1;

			if (wants && !info->action.downgrade) {
				fprintf(stderr, "palisade: rule '%s' (action deny) cannot be served "
						"by the cgroup hook: %s; change its condition, or set "
						"action.downgrade: true to keep it as an alert\n",
					info->name, why);
				err = -EINVAL;
				goto fail;
			}
			fprintf(stderr, "palisade: rule '%s' (action deny) cannot be served by the "
					"cgroup hook: %s; it stays an alert%s\n",
				info->name, why, wants ? " (action.downgrade)" : "");
			continue;
		}
		if (err < 0)
			goto fail;
		if (err == 0)
			continue;
		netpolicy_rule_describe(&r, desc, sizeof(desc));
		err = netpolicy_add_rule(np, &r);
		if (err) {
			fprintf(stderr, "palisade: rule '%s': not enforced: %s (at most %d enforced "
					"network rules)\n", info->name,
				strerror(-err), NP_RULES_MAX);
			netpolicy_rule_release(&r);
			goto fail;
		}
		fprintf(stderr, "palisade: rule '%s' served by the cgroup hook: %s\n", info->name,
			desc);
	}
	if (!netpolicy_rule_count(np, &enforcing)) {
		netpolicy_free(np);
		return 0;
	}
	err = netpolicy_start(np, NULL);
	if (err)
		goto fail;
	netpolicy_describe(np, desc, sizeof(desc));
	fprintf(stderr, "palisade: netpolicy: %s\n", desc);
	p->netpolicy = np;
	return 0;
fail:
	netpolicy_free(np);
	return err;
}

void agent_net_enforce_poll(struct pipeline *p)
{
	if (p->netpolicy)
		netpolicy_poll(p->netpolicy, p->containers);
}

void agent_net_enforce_counters(struct pipeline *p, const char *when)
{
	struct netpolicy_stats s;
	char per_rule[1024];

	size_t enforcing = 0;

	if (!p->netpolicy)
		return;
	netpolicy_rule_count(p->netpolicy, &enforcing);
	if (!enforcing)
		return; /* audit only: nothing in the kernel to count */
	netpolicy_stats(p->netpolicy, &s);
	netpolicy_describe_denies(p->netpolicy, per_rule, sizeof(per_rule));
	fprintf(stderr, "palisade: %s: netpolicy: checked %llu, denied %llu%s%s%s, deny records "
			"lost %llu, cgroups %zu (refused by the kernel %llu)\n",
		when, (unsigned long long)s.checked, (unsigned long long)s.denied,
		per_rule[0] ? " (" : "", per_rule, per_rule[0] ? ")" : "",
		(unsigned long long)s.events_lost, s.cgroups, (unsigned long long)s.map_errors);
}
