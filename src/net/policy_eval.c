/*
 * The label policy's meaning, in one place: which endpoints a selector
 * picks, whether a rule covers a peer and port, and the verdict of one
 * direction (Cilium's default mode: an endpoint selected by a policy with a
 * section of a direction is default-deny in it; allows add up; a deny
 * wins). `palisade policy explain` prints it; the kernel's maps are compiled
 * from it (policy_maps.c), so both say the same.
 */
#include <stdio.h>
#include <string.h>

#include "net/net.h"

static const char *label(const struct net_labels *l, const char *key)
{
	for (size_t i = 0; l && i < l->n; i++)
		if (!strcmp(l->v[i].key, key))
			return l->v[i].value;
	return NULL;
}

static bool expr_match(const struct net_sel_expr *e, const struct net_labels *l)
{
	const char *v = label(l, e->key);
	bool in = false;

	for (size_t i = 0; v && i < e->n_values; i++)
		in |= !strcmp(v, e->values[i]);
	switch (e->op) {
	case NET_SEL_IN:
		return in;
	case NET_SEL_NOT_IN: /* as Kubernetes: a missing label is not in the set */
		return !in;
	case NET_SEL_EXISTS:
		return v != NULL;
	default:
		return v == NULL;
	}
}

bool net_selector_match(const struct net_selector *sel, const struct net_labels *l)
{
	for (size_t i = 0; i < sel->n_labels; i++) {
		const char *v = label(l, sel->keys[i]);

		if (!v || strcmp(v, sel->values[i]))
			return false;
	}
	for (size_t i = 0; i < sel->n_exprs; i++)
		if (!expr_match(&sel->exprs[i], l))
			return false;
	return true;
}

static bool cidr_match(const struct net_cidr *c, const uint8_t addr[16])
{
	if (!net_prefix_contains(&c->net, addr))
		return false;
	for (size_t i = 0; i < c->n_except; i++)
		if (net_prefix_contains(&c->except[i], addr))
			return false;
	return true;
}

static bool port_match(const struct net_pol_rule *r, uint8_t proto, uint16_t port)
{
	if (!r->n_ports)
		return true;
	for (size_t i = 0; i < r->n_ports; i++)
		if (r->ports[i].port == port && (!r->ports[i].proto || r->ports[i].proto == proto))
			return true;
	return false;
}

/* Cilium: a container is matched by its labels only (its address is not a
 * CIDR's "world"); anything else by CIDR only. A rule naming neither kind of
 * peer (only toPorts) covers every peer. */
bool net_rule_covers_peer(const struct net_pol_rule *r, const struct net_pol_peer *peer)
{
	if (!r->n_peers && !r->n_cidrs)
		return true;
	if (peer->container) {
		for (size_t i = 0; i < r->n_peers; i++)
			if (net_selector_match(&r->peers[i], &peer->labels))
				return true;
		return false;
	}
	for (size_t i = 0; i < r->n_cidrs; i++)
		if (cidr_match(&r->cidrs[i], peer->addr))
			return true;
	return false;
}

void net_policy_judge(const struct net_policy_set *s, const struct net_labels *subject,
		      enum net_pol_dir dir, const struct net_pol_peer *peer, uint8_t proto,
		      uint16_t port, struct net_verdict *out)
{
	const struct net_policy *selecting = NULL, *allow_pol = NULL;
	const struct net_pol_rule *allow = NULL;

	memset(out, 0, sizeof(*out));
	for (size_t p = 0; s && p < s->n_pols; p++) {
		const struct net_policy *pol = &s->pols[p];

		if (!pol->sections[dir] || !net_selector_match(&pol->subject, subject))
			continue;
		selecting = selecting ? selecting : pol;
		for (size_t i = 0; i < pol->n_rules; i++) {
			const struct net_pol_rule *r = &pol->rules[i];

			if (r->dir != dir || !port_match(r, proto, port) || !net_rule_covers_peer(r, peer))
				continue;
			if (r->deny) {
				out->enforced = true;
				out->policy = pol;
				out->rule = r;
				return; /* a deny wins */
			}
			if (!allow) {
				allow = r;
				allow_pol = pol;
			}
		}
	}
	out->enforced = selecting != NULL;
	out->allowed = !selecting || allow;
	out->policy = allow ? allow_pol : selecting;
	out->rule = allow;
}

static const char *dir_name(enum net_pol_dir d)
{
	return d == NET_INGRESS ? "ingress" : "egress";
}

void net_verdict_text(enum net_pol_dir dir, const struct net_verdict *v, char *buf, size_t size)
{
	if (!v->enforced)
		snprintf(buf, size, "allowed: no policy selects it for %s", dir_name(dir));
	else if (v->rule)
		snprintf(buf, size, "%s by %s (%s:%d:%d, %s%s[%zu])",
			 v->allowed ? "allowed" : "denied", v->policy->name, v->policy->file,
			 v->rule->line, v->rule->col, dir_name(dir), v->rule->deny ? "Deny" : "",
			 v->rule->index);
	else
		snprintf(buf, size, "denied: default deny (%s selects it for %s; no rule allows this)",
			 v->policy->name, dir_name(dir));
}
