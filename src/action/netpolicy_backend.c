/*
 * The cgroup connect/sendmsg hooks (netpolicy.h) as the back-end of the
 * rules' network denies: which rules they serve (the plan and the start-up
 * report), their denies as alerts handed to the caller's emit, their
 * counters, and their place among the dispatcher's back-ends.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action/action.h"
#include "action/netpolicy.h"

/* One agent per process: the denies' way out lives as long as the policy. */
static struct action_netpolicy_options opts;
static uint64_t lost; /* deny alerts not made (out of memory) */

static void on_deny(const struct netpolicy_deny *d, void *ctx)
{
	struct alert *al = netpolicy_deny_alert(d, opts.hostname, opts.boot_to_epoch_ns);

	(void)ctx;
	if (al)
		opts.emit(al, opts.emit_ctx);
	else
		lost++;
}

int action_netpolicy_start(struct rules_engine *rules, const struct action_netpolicy_options *o,
			   struct netpolicy **out)
{
	struct netpolicy *np = NULL;
	struct netpolicy_rule r;
	size_t n = rules ? rules_engine_rule_count(rules) : 0, enforcing;
	bool enforce = o->enforce;
	char desc[1024];
	int err;

	*out = NULL;
	opts = *o;
	err = netpolicy_new(on_deny, NULL, &np);
	if (err)
		return err;
	for (size_t i = 0; i < n; i++) {
		const char *why = NULL;

		const struct rules_rule_info *info = rules_engine_rule(rules, i);

		err = netpolicy_rule_from_rules(rules, i, enforce, &r, &why);
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
	/* Kept without rules: an isolation (a rule's, or the operator's) loads
	 * the hooks when it needs them. */
	*out = np;
	if (!netpolicy_rule_count(np, &enforcing))
		return 0;
	err = netpolicy_start(np, NULL);
	if (err)
		goto fail;
	netpolicy_describe(np, desc, sizeof(desc));
	fprintf(stderr, "palisade: netpolicy: %s\n", desc);
	return 0;
fail:
	*out = NULL;
	netpolicy_free(np);
	return err;
}

void action_netpolicy_counters(struct netpolicy *np, const char *when)
{
	struct netpolicy_stats s;
	char per_rule[1024];

	size_t enforcing = 0;

	if (!np)
		return;
	netpolicy_rule_count(np, &enforcing);
	netpolicy_stats(np, &s);
	if (!enforcing && !s.isolated && !s.isolation_refused)
		return; /* nothing in the kernel to count */
	netpolicy_describe_denies(np, per_rule, sizeof(per_rule));
	fprintf(stderr, "palisade: %s: netpolicy: checked %llu, denied %llu%s%s%s, deny records "
			"lost %llu, cgroups %zu (refused by the kernel %llu); isolated containers "
			"%zu, their calls refused %llu\n",
		when, (unsigned long long)s.checked, (unsigned long long)s.denied,
		per_rule[0] ? " (" : "", per_rule, per_rule[0] ? ")" : "",
		(unsigned long long)(s.events_lost + lost), s.cgroups,
		(unsigned long long)s.map_errors, s.isolated,
		(unsigned long long)s.isolation_refused);
}

/*
 * The dispatcher's view of the cgroup hooks: which deny rules they serve,
 * so those are not reported unservable, and what the hook did with the
 * alert's call. The kernel refused it before the alert (or did not: said so).
 */
static int net_prepare(void *ctx, struct rules_engine *e, size_t index,
		       const struct rules_rule_info *rule, bool enforce, const char **how,
		       const char **why)
{
	struct netpolicy_rule r;
	int ret;

	(void)ctx;
	(void)rule;
	ret = netpolicy_rule_from_rules(e, index, enforce, &r, why);
	if (ret <= 0) {
		if (!ret)
			*why = "cgroup hook: not a connect/sendto/sendmsg rule";
		return -EOPNOTSUPP;
	}
	netpolicy_rule_release(&r);
	*how = "deny in the cgroup connect/sendmsg hooks (the caller gets EPERM)";
	return 0;
}

/* The alert is about the call after it returned: EPERM is the hook's answer. */
static int net_apply(void *ctx, const struct action_target *t, enum rules_action type,
		     struct action_result *res, uint64_t token)
{
	const struct event *ev = t->alert ? t->alert->ev : NULL; /* deny is a first step */

	(void)ctx;
	(void)type;
	(void)token;
	if (ev && ev->res == -EPERM) {
		res->outcome = ACTION_IN_KERNEL;
		snprintf(res->detail, sizeof(res->detail),
			 "refused in the cgroup hook before the connection was made (EPERM)");
	} else {
		res->outcome = ACTION_FAILED;
		snprintf(res->detail, sizeof(res->detail),
			 "the cgroup hook did not refuse this call (it returned %lld)",
			 ev ? (long long)ev->res : 0ll);
	}
	return 0;
}

void action_netpolicy_backend(struct action_backend *b)
{
	*b = (struct action_backend){ .name = "cgroup-net",
				      .types = 1u << RULES_ACTION_DENY,
				      .prepare = net_prepare,
				      .apply = net_apply };
}
