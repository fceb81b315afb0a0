/*
 * A label-policy verdict in the forms its users need (net.h's struct
 * net_pol_record): the JSON line of `palisade policy enforce`, the alert
 * `palisade run` hands to its outputs, the verdict counters on /metrics; and
 * the policy file check of the settings (network_policy.files).
 */
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/alert.h"
#include "net/net.h"

static const char *dir_name(enum net_pol_dir d)
{
	return d == NET_EGRESS ? "egress" : "ingress";
}

static const char *proto_text(uint8_t p)
{
	return p == IPPROTO_TCP ? "tcp" : p == IPPROTO_UDP ? "udp" : "other";
}

char *net_pol_record_json(const struct net_pol_record *r)
{
	char when[64];
	json_t *o;
	char *line;

	event_time_format(r->time_ns, EVENT_TIME_RFC3339_S, when, sizeof(when));
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:b}", "time", when, "verdict",
		      r->verdict, "direction", dir_name(r->dir), "container", r->container, "peer",
		      r->peer, "proto", proto_text(r->proto), "port", (int)r->port, "policy",
		      r->policy, "reason", r->reason, "audit", r->audit);
	if (!o)
		return NULL;
	line = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return line;
}

struct alert *net_pol_record_alert(const struct net_pol_record *r, const char *hostname)
{
	static const char *const tags[] = { "network", "policy" };
	const struct rules_rule_info rule = { .name = NET_POL_ALERT_RULE, .source = "flow",
					      .priority = r->audit ? RULES_PRIO_NOTICE
								   : RULES_PRIO_WARNING,
					      .tags = tags, .n_tags = 2, .enabled = true };
	char when[32], out[1024];
	const char *id = *r->container_id ? r->container_id : "host";
	const struct rules_value f[] = {
		{ "container.id", RULES_VAL_STRING, .s = id },
		{ "container.name", RULES_VAL_STRING, .s = r->container },
		{ "policy.name", RULES_VAL_STRING, .s = r->policy },
		{ "policy.verdict", RULES_VAL_STRING, .s = r->verdict },
		{ "policy.direction", RULES_VAL_STRING, .s = dir_name(r->dir) },
		{ "policy.reason", RULES_VAL_STRING, .s = r->reason },
		{ "flow.peer", RULES_VAL_STRING, .s = r->peer },
		{ "fd.l4proto", RULES_VAL_STRING, .s = proto_text(r->proto) },
		{ "fd.sport", RULES_VAL_UINT, .u = r->port },
	};
	const struct rules_alert a = { .rule = &rule, .output = out, .time_ns = r->time_ns,
				       .hostname = hostname, .fields = f,
				       .n_fields = sizeof(f) / sizeof(f[0]) };
	struct alert_action act = { .type = "deny", .backend = "label-policy",
				    .mode = r->audit ? "audit" : "enforce",
				    .outcome = r->audit ? "would-have" : "served in kernel" };
	struct alert *al;

	if (!strcmp(r->verdict, "allowed"))
		return NULL;
	/* Prefixed as the rules' output lines are: time of day, priority. */
	event_time_format(r->time_ns, EVENT_TIME_OF_DAY_NS, when, sizeof(when));
	snprintf(out, sizeof(out), "%s: %s Network policy %s %s %s %s port %u/%s (policy=%s "
		 "container_id=%s container_name=%s peer=%s): %s", when,
		 rules_priority_name(rule.priority), r->audit ? "would deny" : "denied",
		 dir_name(r->dir), r->dir == NET_EGRESS ? "to" : "from", r->peer, r->port,
		 proto_text(r->proto), *r->policy ? r->policy : "none", id, r->container,
		 r->peer, r->reason);
	snprintf(act.detail, sizeof(act.detail), "%s", r->audit ?
		 "audit mode (network_policy.mode): the connection was let through" :
		 "refused in the kernel (connect/sendmsg EPERM, or the SYN/datagram dropped)");
	al = alert_from_rules(&a);
	if (al && alert_set_action(al, &act)) {
		alert_free(al);
		al = NULL;
	}
	return al;
}

/* ---- palisade_policy_verdicts_total ---------------------------------- */

enum { V_DENIED, V_AUDIT, V_ALLOWED, V_MAX };
static const char *const verdict_names[V_MAX] = { "denied", "audit", "allowed" };

_Static_assert(NET_POL_METRICS_POLICIES == 256, "the family's help text says 256");
#define SLOTS (NET_POL_METRICS_POLICIES + 2) /* names, "" (none), "other" */

struct net_pol_metrics {
	pthread_mutex_t lock;
	char *names[SLOTS];
	size_t n; /* names[0] is "other", names[1] is "" */
	uint64_t count[SLOTS][2][V_MAX];
};

int net_pol_metrics_new(struct net_pol_metrics **out)
{
	struct net_pol_metrics *m = calloc(1, sizeof(*m));

	*out = NULL;
	if (!m)
		return -ENOMEM;
	pthread_mutex_init(&m->lock, NULL);
	m->names[0] = strdup("other");
	m->names[1] = strdup("");
	m->n = 2;
	if (!m->names[0] || !m->names[1]) {
		net_pol_metrics_free(m);
		return -ENOMEM;
	}
	*out = m;
	return 0;
}

void net_pol_metrics_free(struct net_pol_metrics *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		free(m->names[i]);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

/* The slot of a policy's name: found, added while there is room, or "other". */
static size_t slot_of(struct net_pol_metrics *m, const char *policy)
{
	for (size_t i = 1; i < m->n; i++)
		if (!strcmp(m->names[i], policy))
			return i;
	if (m->n < SLOTS && (m->names[m->n] = strdup(policy)))
		return m->n++;
	return 0;
}

void net_pol_metrics_count(struct net_pol_metrics *m, const struct net_pol_record *r)
{
	size_t v = 0;

	while (v < V_MAX && strcmp(verdict_names[v], r->verdict))
		v++;
	if (!m || v == V_MAX)
		return;
	pthread_mutex_lock(&m->lock);
	m->count[slot_of(m, r->policy)][r->dir == NET_EGRESS][v]++;
	pthread_mutex_unlock(&m->lock);
}

void net_pol_metrics_collect(struct metrics_writer *w, void *ctx)
{
	struct net_pol_metrics *m = ctx;

	metrics_family(w, "palisade_policy_verdicts_total", METRICS_COUNTER,
		       "Label-policy verdicts (network_policy.files) by the policy that decided "
		       "(\"\": none; beyond 256 names: \"other\"), direction and verdict "
		       "(denied, audit: would have been denied, allowed: a new flow of an "
		       "enforced container).");
	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < m->n; i++)
		for (int d = 0; d < 2; d++)
			for (int v = 0; v < V_MAX; v++)
				if (m->count[i][d][v])
					metrics_sample(w, (double)m->count[i][d][v], "policy",
						       m->names[i], "direction",
						       dir_name((enum net_pol_dir)d), "verdict",
						       verdict_names[v]);
	pthread_mutex_unlock(&m->lock);
}

/* ---- the settings' check ----------------------------------------------- */

int net_policy_file_check(const char *path, char *why, size_t why_size)
{
	struct net_policy_set *s = NULL;

	if (net_policy_load(&path, 1, &s, why, why_size))
		return -1;
	net_policy_free(s);
	return 0;
}
