/*
 * CiliumNetworkPolicy files (the subset docs/policy.md lists) into a
 * net_policy_set. Every key is checked against the table of its mapping:
 * anything else (an L7 rule, endPort, fromEntities, a named port, ...) is
 * refused at its position, never ignored, so a policy never means less on
 * this host than its author wrote.
 *
 * Bounds: the file's size, entries per list, and the YAML nodes one load
 * may visit (libyaml resolves aliases into shared nodes: without a budget a
 * few lines could fan out into millions of visits).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "net/net.h"

#define ERRS_MAX 8 /* problems reported before giving up on a load */

struct chunk {
	struct chunk *next;
	size_t used, size;
	max_align_t data[];
};

struct pp {
	yaml_document_t *doc;
	const char *file;
	struct chunk *arena;
	struct net_policy_set *set;
	size_t visits, errors;
	bool oom;
	char *err;
	size_t errlen, errused;
};

static void *pp_alloc(struct pp *p, size_t n)
{
	struct chunk *c = p->arena;

	n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	if (!c || c->size - c->used < n) {
		size_t size = n > 16384 ? n : 16384;

		c = calloc(1, sizeof(*c) + size);
		if (!c) {
			p->oom = true;
			return NULL;
		}
		c->size = size;
		c->next = p->arena;
		p->arena = c;
	}
	c->used += n;
	return (char *)c->data + c->used - n;
}

static const char *pp_strdup(struct pp *p, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = pp_alloc(p, n);

	if (d)
		memcpy(d, s, n);
	return d;
}

__attribute__((format(printf, 3, 4))) static int pp_fail(struct pp *p, const yaml_node_t *n,
							 const char *fmt, ...)
{
	char what[400];
	va_list ap;
	int w;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (p->errors++ < ERRS_MAX && p->errused < p->errlen) {
		w = snprintf(p->err + p->errused, p->errlen - p->errused, "%s%s:%d:%d: %s",
			     p->errused ? "\n" : "", p->file, n ? (int)n->start_mark.line + 1 : 1,
			     n ? (int)n->start_mark.column + 1 : 1, what);
		if (w > 0)
			p->errused += (size_t)w < p->errlen - p->errused ? (size_t)w
									 : p->errlen - p->errused - 1;
	}
	return -EINVAL;
}

static bool budget(struct pp *p, const yaml_node_t *n)
{
	if (++p->visits <= NET_POL_NODES_MAX)
		return true;
	if (p->visits == NET_POL_NODES_MAX + 1)
		pp_fail(p, n, "the file is too large once its aliases are expanded (over %d YAML "
			      "nodes): split it", NET_POL_NODES_MAX);
	return false;
}

static yaml_node_t *node(struct pp *p, int id)
{
	return yaml_document_get_node(p->doc, id);
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static size_t seq_len(const yaml_node_t *n)
{
	return n && n->type == YAML_SEQUENCE_NODE ?
		       (size_t)(n->data.sequence.items.top - n->data.sequence.items.start) :
		       0;
}

/* A sequence of at most NET_POL_LIST_MAX entries, else an error at it. */
static int want_seq(struct pp *p, const yaml_node_t *n, const char *what, size_t *len)
{
	if (!n || n->type != YAML_SEQUENCE_NODE)
		return pp_fail(p, n, "%s must be a list", what);
	*len = seq_len(n);
	if (*len > NET_POL_LIST_MAX)
		return pp_fail(p, n, "%s has %zu entries, at most %d are allowed", what, *len,
			       NET_POL_LIST_MAX);
	return 0;
}

static yaml_node_t *item(struct pp *p, const yaml_node_t *seq, size_t i)
{
	return node(p, seq->data.sequence.items.start[i]);
}

/*
 * Walks a mapping whose keys must be among `keys` (NULL-terminated): calls
 * fn for each pair with the key's index. A key outside the table, a key
 * given twice, or a mapping that is not one, is an error at its position.
 */
typedef int (*pair_fn)(struct pp *p, int which, yaml_node_t *key, yaml_node_t *val, void *ctx);
static int each_pair(struct pp *p, const yaml_node_t *map, const char *what,
		     const char *const *keys, pair_fn fn, void *ctx)
{
	uint64_t seen = 0;
	int rc = 0;

	if (!map || map->type != YAML_MAPPING_NODE)
		return pp_fail(p, map, "%s must be a mapping", what);
	for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *k = node(p, pr->key), *v = node(p, pr->value);
		const char *ks = scalar(k);
		int which = -1;

		if (!budget(p, k))
			return -EINVAL;
		for (int i = 0; ks && keys[i]; i++)
			if (!strcmp(ks, keys[i]))
				which = i;
		if (which < 0) {
			char list[200];
			size_t used = 0;

			list[0] = '\0';
			for (int i = 0; keys[i] && used < sizeof(list); i++)
				used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
							 i ? ", " : "", keys[i]);
			rc = pp_fail(p, k, "%s: '%s' is not supported (palisade takes %s)", what,
				     ks ? ks : "(not a string)", list);
			continue;
		}
		if (seen & (1ull << which)) {
			rc = pp_fail(p, k, "%s: '%s' is given twice", what, ks);
			continue;
		}
		seen |= 1ull << which;
		if (fn(p, which, k, v, ctx))
			rc = -EINVAL;
	}
	return rc;
}

static const char *want_str(struct pp *p, const yaml_node_t *n, const char *what)
{
	const char *s = scalar(n);

	if (!s || !*s) {
		pp_fail(p, n, "%s must be a non-empty string", what);
		return NULL;
	}
	return pp_strdup(p, s);
}

/* Cilium's label sources: "any:app" (and a bare "app") match a Docker label
 * "app"; other sources (k8s:, reserved:, ...) mean nothing on Docker. */
static const char *label_key(struct pp *p, const yaml_node_t *n)
{
	const char *s = scalar(n), *c;

	if (!s || !*s) {
		pp_fail(p, n, "a label key must be a non-empty string");
		return NULL;
	}
	if (!strncmp(s, "any:", 4))
		s += 4;
	else if ((c = strchr(s, ':')) && !strchr(s, '/') && c != s &&
		 (!strncmp(s, "k8s:", 4) || !strncmp(s, "reserved:", 9) ||
		  !strncmp(s, "container:", 10) || !strncmp(s, "cidr:", 5))) {
		pp_fail(p, n, "label source '%.*s:' is not supported: on Docker an identity is the "
			      "container's labels (write the key bare, or with any:)", (int)(c - s), s);
		return NULL;
	}
	return pp_strdup(p, s);
}

/* ---- selectors --------------------------------------------------------- */

static int match_labels(struct pp *p, struct net_selector *sel, const yaml_node_t *map)
{
	size_t n, i = 0;
	int rc = 0;

	if (!map || map->type != YAML_MAPPING_NODE)
		return pp_fail(p, map, "matchLabels must be a mapping of label: value");
	n = (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
	if (n > NET_POL_LIST_MAX)
		return pp_fail(p, map, "matchLabels has %zu labels, at most %d", n, NET_POL_LIST_MAX);
	sel->keys = pp_alloc(p, (n + 1) * sizeof(char *));
	sel->values = pp_alloc(p, (n + 1) * sizeof(char *));
	if (!sel->keys || !sel->values)
		return -ENOMEM;
	for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top;
	     pr++, i++) {
		yaml_node_t *v = node(p, pr->value);
		const char *vs = scalar(v);

		sel->keys[i] = label_key(p, node(p, pr->key));
		if (!vs)
			rc = pp_fail(p, v, "a label value must be a string");
		sel->values[i] = vs ? pp_strdup(p, vs) : NULL;
		if (!sel->keys[i])
			rc = -EINVAL;
	}
	sel->n_labels = n;
	return rc;
}

static int expr_pair(struct pp *p, int which, yaml_node_t *k, yaml_node_t *v, void *ctx)
{
	static const char *const ops[] = { "In", "NotIn", "Exists", "DoesNotExist" };
	struct net_sel_expr *e = ctx;
	size_t n;

	(void)k;
	if (which == 0)
		return (e->key = label_key(p, v)) ? 0 : -EINVAL;
	if (which == 1) {
		for (size_t i = 0; i < 4; i++)
			if (scalar(v) && !strcmp(scalar(v), ops[i])) {
				e->op = (enum net_sel_op)i;
				return 0;
			}
		return pp_fail(p, v, "operator must be In, NotIn, Exists or DoesNotExist");
	}
	if (want_seq(p, v, "values", &n))
		return -EINVAL;
	e->values = pp_alloc(p, (n + 1) * sizeof(char *));
	if (!e->values)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (!(e->values[i] = want_str(p, item(p, v, i), "a value")))
			return -EINVAL;
	e->n_values = n;
	return 0;
}

static int match_exprs(struct pp *p, struct net_selector *sel, const yaml_node_t *seq)
{
	static const char *const keys[] = { "key", "operator", "values", NULL };
	size_t n;
	int rc = 0;

	if (want_seq(p, seq, "matchExpressions", &n))
		return -EINVAL;
	sel->exprs = pp_alloc(p, (n + 1) * sizeof(*sel->exprs));
	if (!sel->exprs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *e = item(p, seq, i);
		struct net_sel_expr *x = &sel->exprs[i];

		x->op = (enum net_sel_op)-1;
		if (each_pair(p, e, "a match expression", keys, expr_pair, x)) {
			rc = -EINVAL;
			continue;
		}
		if (!x->key || (int)x->op < 0) {
			rc = pp_fail(p, e, "a match expression needs key and operator");
			continue;
		}
		if ((x->op == NET_SEL_IN || x->op == NET_SEL_NOT_IN) != (x->n_values > 0))
			rc = pp_fail(p, e, "In and NotIn need values; Exists and DoesNotExist take none");
	}
	sel->n_exprs = n;
	return rc;
}

static int selector_pair(struct pp *p, int which, yaml_node_t *k, yaml_node_t *v, void *ctx)
{
	(void)k;
	return which == 0 ? match_labels(p, ctx, v) : match_exprs(p, ctx, v);
}

static int selector(struct pp *p, struct net_selector *sel, const yaml_node_t *n)
{
	static const char *const keys[] = { "matchLabels", "matchExpressions", NULL };

	return each_pair(p, n, "a selector", keys, selector_pair, sel);
}

static int selectors(struct pp *p, const yaml_node_t *seq, const char *what,
		     struct net_selector **out, size_t *n_out)
{
	size_t n;
	int rc = 0;

	if (want_seq(p, seq, what, &n))
		return -EINVAL;
	*out = pp_alloc(p, (n + 1) * sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (selector(p, &(*out)[i], item(p, seq, i)))
			rc = -EINVAL;
	*n_out = n;
	return rc;
}

/* ---- addresses and ports ----------------------------------------------- */

void net_addr16(const uint8_t *ip, uint8_t len, uint8_t out[16])
{
	if (len == 4) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, ip, 4);
	} else {
		memcpy(out, ip, 16);
	}
}

/* "10.0.0.0/8", "fd00::/64", or a bare address (a host). Bits beyond the
 * prefix must be zero, as Go's net.ParseCIDR would not complain but Cilium's
 * validation does. */
static int prefix(struct pp *p, const yaml_node_t *n, struct net_prefix *out)
{
	const char *s = scalar(n), *slash;
	char addr[64];
	uint8_t raw[16];
	long bits;
	char *end;
	bool v4;

	if (!s || !*s)
		return pp_fail(p, n, "a CIDR must be a string (10.0.0.0/8)");
	slash = strchr(s, '/');
	if ((size_t)(slash ? slash - s : (ptrdiff_t)strlen(s)) >= sizeof(addr))
		return pp_fail(p, n, "'%s' is not a CIDR", s);
	snprintf(addr, sizeof(addr), "%.*s", (int)(slash ? slash - s : (ptrdiff_t)strlen(s)), s);
	v4 = inet_pton(AF_INET, addr, raw) == 1;
	if (!v4 && inet_pton(AF_INET6, addr, raw) != 1)
		return pp_fail(p, n, "'%s' is not a CIDR (an address, then /bits)", s);
	bits = v4 ? 32 : 128;
	if (slash) {
		errno = 0;
		bits = strtol(slash + 1, &end, 10);
		if (!slash[1] || *end || errno || bits < 0 || bits > (v4 ? 32 : 128))
			return pp_fail(p, n, "'%s': the prefix length must be 0..%d", s, v4 ? 32 : 128);
	}
	net_addr16(raw, v4 ? 4 : 16, out->addr);
	out->bits = (uint8_t)(bits + (v4 ? 96 : 0));
	for (int b = out->bits; b < 128; b++)
		if (out->addr[b / 8] & (0x80 >> (b % 8)))
			return pp_fail(p, n, "'%s' has address bits set beyond its /%ld prefix", s, bits);
	return 0;
}

bool net_prefix_contains(const struct net_prefix *pf, const uint8_t addr[16])
{
	int full = pf->bits / 8, rest = pf->bits % 8;

	if (memcmp(pf->addr, addr, (size_t)full))
		return false;
	return !rest || !((pf->addr[full] ^ addr[full]) & (uint8_t)(0xff00 >> rest));
}

static int cidrset_pair(struct pp *p, int which, yaml_node_t *k, yaml_node_t *v, void *ctx)
{
	struct net_cidr *c = ctx;
	size_t n;
	int rc = 0;

	(void)k;
	if (which == 0)
		return prefix(p, v, &c->net);
	if (want_seq(p, v, "except", &n))
		return -EINVAL;
	c->except = pp_alloc(p, (n + 1) * sizeof(*c->except));
	if (!c->except)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (prefix(p, item(p, v, i), &c->except[i]))
			rc = -EINVAL;
	c->n_except = n;
	return rc;
}

/* fromCIDR/toCIDR (strings) or fromCIDRSet/toCIDRSet ({cidr, except}). */
static int cidrs(struct pp *p, struct net_pol_rule *r, const yaml_node_t *seq, bool set,
		 const char *what)
{
	static const char *const keys[] = { "cidr", "except", NULL };
	struct net_cidr *all;
	size_t n;
	int rc = 0;

	if (want_seq(p, seq, what, &n))
		return -EINVAL;
	if (r->n_cidrs + n > NET_POL_LIST_MAX)
		return pp_fail(p, seq, "more than %d CIDRs in one rule", NET_POL_LIST_MAX);
	all = pp_alloc(p, (r->n_cidrs + n + 1) * sizeof(*all));
	if (!all)
		return -ENOMEM;
	if (r->n_cidrs)
		memcpy(all, r->cidrs, r->n_cidrs * sizeof(*all));
	for (size_t i = 0; i < n; i++) {
		struct net_cidr *c = &all[r->n_cidrs + i];
		yaml_node_t *e = item(p, seq, i);

		c->net.bits = 0xff;
		if (!set ? prefix(p, e, &c->net) : each_pair(p, e, what, keys, cidrset_pair, c)) {
			rc = -EINVAL;
			continue;
		}
		if (c->net.bits == 0xff) {
			rc = pp_fail(p, e, "%s: an entry needs cidr", what);
			continue;
		}
		for (size_t x = 0; x < c->n_except; x++)
			if (c->except[x].bits < c->net.bits ||
			    !net_prefix_contains(&c->net, c->except[x].addr))
				rc = pp_fail(p, e, "an except entry must lie inside its cidr");
	}
	r->cidrs = all;
	r->n_cidrs += n;
	return rc;
}

static int port_pair(struct pp *p, int which, yaml_node_t *k, yaml_node_t *v, void *ctx)
{
	struct net_port *pt = ctx;
	const char *s = scalar(v);
	char *end;
	long n;

	(void)k;
	if (which == 1) {
		if (s && !strcmp(s, "TCP"))
			pt->proto = IPPROTO_TCP;
		else if (s && !strcmp(s, "UDP"))
			pt->proto = IPPROTO_UDP;
		else if (s && !strcmp(s, "ANY"))
			pt->proto = 0;
		else
			return pp_fail(p, v, "protocol must be TCP, UDP or ANY (palisade does not enforce "
					     "SCTP or ICMP)");
		return 0;
	}
	errno = 0;
	n = s ? strtol(s, &end, 10) : 0;
	if (!s || !*s || *end || errno || n < 1 || n > 65535)
		return pp_fail(p, v, "port must be a number 1..65535 (named ports need Kubernetes)");
	pt->port = (uint16_t)n;
	return 0;
}

static int ports_list(struct pp *p, struct net_pol_rule *r, const yaml_node_t *seq)
{
	static const char *const keys[] = { "port", "protocol", NULL };
	size_t n;
	int rc = 0;

	if (want_seq(p, seq, "ports", &n))
		return -EINVAL;
	if (r->n_ports + n > NET_POL_LIST_MAX)
		return pp_fail(p, seq, "more than %d ports in one rule", NET_POL_LIST_MAX);
	for (size_t i = 0; i < n; i++) {
		struct net_port *pt = &r->ports[r->n_ports];
		yaml_node_t *e = item(p, seq, i);

		pt->port = 0;
		pt->proto = 0; /* Cilium: no protocol is ANY */
		if (each_pair(p, e, "a port", keys, port_pair, pt)) {
			rc = -EINVAL;
			continue;
		}
		if (!pt->port) {
			rc = pp_fail(p, e, "a port entry needs port");
			continue;
		}
		r->n_ports++;
	}
	return rc;
}

static int toports_pair(struct pp *p, int which, yaml_node_t *k, yaml_node_t *v, void *ctx)
{
	(void)which;
	(void)k;
	return ports_list(p, ctx, v);
}

static int toports(struct pp *p, struct net_pol_rule *r, const yaml_node_t *seq)
{
	static const char *const keys[] = { "ports", NULL };
	size_t n;
	int rc = 0;

	if (want_seq(p, seq, "toPorts", &n))
		return -EINVAL;
	r->ports = pp_alloc(p, (NET_POL_LIST_MAX + 1) * sizeof(*r->ports));
	if (!r->ports)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (each_pair(p, item(p, seq, i), "a toPorts entry (L7 rules are not supported)", keys,
			      toports_pair, r))
			rc = -EINVAL;
	if (!rc && !r->n_ports)
		rc = pp_fail(p, seq, "toPorts lists no port");
	return rc;
}

/* ---- rules, sections, policies ----------------------------------------- */

enum { K_ENDPOINTS, K_CIDR, K_CIDRSET, K_PORTS };

static int rule_pair(struct pp *p, int which, yaml_node_t *k, yaml_node_t *v, void *ctx)
{
	struct net_pol_rule *r = ctx;
	const char *name = scalar(k);

	switch (which) {
	case K_ENDPOINTS:
		return selectors(p, v, name, &r->peers, &r->n_peers);
	case K_CIDR:
	case K_CIDRSET:
		return cidrs(p, r, v, which == K_CIDRSET, name);
	default:
		return toports(p, r, v);
	}
}

static int section(struct pp *p, struct net_policy *pol, const yaml_node_t *seq, enum net_pol_dir dir,
		   bool deny, const char *what)
{
	static const char *const in_keys[] = { "fromEndpoints", "fromCIDR", "fromCIDRSet", "toPorts",
					       NULL };
	static const char *const out_keys[] = { "toEndpoints", "toCIDR", "toCIDRSet", "toPorts", NULL };
	struct net_pol_rule *all;
	size_t n;
	int rc = 0;

	if (want_seq(p, seq, what, &n))
		return -EINVAL;
	all = pp_alloc(p, (pol->n_rules + n + 1) * sizeof(*all));
	if (!all)
		return -ENOMEM;
	if (pol->n_rules)
		memcpy(all, pol->rules, pol->n_rules * sizeof(*all));
	pol->rules = all;
	pol->sections[dir] = true;
	for (size_t i = 0; i < n; i++) {
		struct net_pol_rule *r = &all[pol->n_rules++];
		yaml_node_t *e = item(p, seq, i);

		memset(r, 0, sizeof(*r));
		r->dir = dir;
		r->deny = deny;
		r->index = i;
		r->line = (int)e->start_mark.line + 1;
		r->col = (int)e->start_mark.column + 1;
		if (each_pair(p, e, what, dir == NET_INGRESS ? in_keys : out_keys, rule_pair, r)) {
			rc = -EINVAL;
			continue;
		}
		if (!r->n_peers && !r->n_cidrs && !r->n_ports)
			rc = pp_fail(p, e, "an empty %s rule: name peers (%s, %s) or ports (toPorts)", what,
				     dir == NET_INGRESS ? "fromEndpoints" : "toEndpoints",
				     dir == NET_INGRESS ? "fromCIDR" : "toCIDR");
	}
	return rc;
}

enum { S_SELECTOR, S_INGRESS, S_EGRESS, S_INGRESS_DENY, S_EGRESS_DENY, S_DESCRIPTION };

static int spec_pair(struct pp *p, int which, yaml_node_t *k, yaml_node_t *v, void *ctx)
{
	struct net_policy *pol = ctx;
	const char *name = scalar(k);

	switch (which) {
	case S_SELECTOR:
		pol->has_selector = true;
		return selector(p, &pol->subject, v);
	case S_INGRESS:
	case S_INGRESS_DENY:
		return section(p, pol, v, NET_INGRESS, which == S_INGRESS_DENY, name);
	case S_EGRESS:
	case S_EGRESS_DENY:
		return section(p, pol, v, NET_EGRESS, which == S_EGRESS_DENY, name);
	default:
		return scalar(v) ? 0 : pp_fail(p, v, "description must be a string");
	}
}

static int meta_pair(struct pp *p, int which, yaml_node_t *k, yaml_node_t *v, void *ctx)
{
	struct net_policy *pol = ctx;

	(void)k;
	if (which == 0)
		return (pol->name = want_str(p, v, "metadata.name")) ? 0 : -EINVAL;
	if (which == 1) /* namespace: Docker has none; kept for files shared with a cluster */
		return scalar(v) ? 0 : pp_fail(p, v, "metadata.namespace must be a string");
	return v && v->type == YAML_MAPPING_NODE ? 0 : pp_fail(p, v, "must be a mapping");
}

enum { P_API, P_KIND, P_META, P_SPEC };

static int policy_pair(struct pp *p, int which, yaml_node_t *k, yaml_node_t *v, void *ctx)
{
	static const char *const spec_keys[] = { "endpointSelector", "ingress", "egress", "ingressDeny",
						 "egressDeny", "description", NULL };
	static const char *const meta_keys[] = { "name", "namespace", "labels", "annotations", NULL };
	struct net_policy *pol = ctx;
	const char *s = scalar(v);
	int rc;

	(void)k;
	switch (which) {
	case P_API:
		return s && !strcmp(s, "cilium.io/v2") ? 0 :
		       pp_fail(p, v, "apiVersion must be cilium.io/v2");
	case P_KIND:
		return s && !strcmp(s, "CiliumNetworkPolicy") ? 0 :
		       pp_fail(p, v, "kind must be CiliumNetworkPolicy (CiliumClusterwideNetworkPolicy "
				     "and Kubernetes NetworkPolicy are not supported)");
	case P_META:
		return each_pair(p, v, "metadata", meta_keys, meta_pair, pol);
	default:
		pol->has_spec = true;
		rc = each_pair(p, v, "spec", spec_keys, spec_pair, pol);
		if (!pol->has_selector && !rc)
			rc = pp_fail(p, v, "spec needs endpointSelector (which containers it applies to)");
		return rc;
	}
}

static int policy(struct pp *p, const yaml_node_t *n)
{
	static const char *const keys[] = { "apiVersion", "kind", "metadata", "spec", NULL };
	struct net_policy_set *s = p->set;
	struct net_policy *pol;
	int rc;

	if (s->n_pols >= NET_POL_MAX)
		return pp_fail(p, n, "more than %d policies", NET_POL_MAX);
	if (s->n_pols % 16 == 0) {
		struct net_policy *grown = pp_alloc(p, (s->n_pols + 16) * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		if (s->n_pols)
			memcpy(grown, s->pols, s->n_pols * sizeof(*grown));
		s->pols = grown;
	}
	pol = &s->pols[s->n_pols];
	memset(pol, 0, sizeof(*pol));
	pol->file = pp_strdup(p, p->file);
	pol->line = (int)n->start_mark.line + 1;
	pol->col = (int)n->start_mark.column + 1;
	rc = each_pair(p, n, "a policy", keys, policy_pair, pol);
	if (!rc && (!pol->name || !pol->has_spec))
		rc = pp_fail(p, n, "a policy needs apiVersion, kind, metadata.name and spec");
	if (!rc) {
		for (size_t i = 0; i < s->n_pols; i++)
			if (!strcmp(s->pols[i].name, pol->name))
				return pp_fail(p, n, "policy '%s' is defined twice (first at %s:%d:%d)",
					       pol->name, s->pols[i].file, s->pols[i].line,
					       s->pols[i].col);
		s->n_pols++;
	}
	return rc;
}

/* A document: one policy, a sequence of them, or a List with items. */
static int document(struct pp *p, const yaml_node_t *root)
{
	const yaml_node_t *items = root;
	size_t n;
	int rc = 0;

	if (root->type == YAML_MAPPING_NODE) {
		const char *kind = NULL;

		for (yaml_node_pair_t *pr = root->data.mapping.pairs.start;
		     pr < root->data.mapping.pairs.top; pr++)
			if (scalar(node(p, pr->key)) && !strcmp(scalar(node(p, pr->key)), "kind"))
				kind = scalar(node(p, pr->value));
		if (!kind || strcmp(kind, "List"))
			return policy(p, root);
		items = NULL;
		for (yaml_node_pair_t *pr = root->data.mapping.pairs.start;
		     pr < root->data.mapping.pairs.top; pr++)
			if (scalar(node(p, pr->key)) && !strcmp(scalar(node(p, pr->key)), "items"))
				items = node(p, pr->value);
		if (!items)
			return pp_fail(p, root, "a List needs items");
	}
	if (items->type != YAML_SEQUENCE_NODE)
		return pp_fail(p, items, "a policy file holds CiliumNetworkPolicy mappings");
	n = seq_len(items);
	for (size_t i = 0; i < n; i++)
		if (policy(p, item(p, items, i)))
			rc = -EINVAL;
	return rc;
}

static int parse_into(struct pp *p, const char *text, size_t len)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	int rc = 0;

	if (len > NET_POL_FILE_MAX)
		return pp_fail(p, NULL, "the file is larger than %u bytes", NET_POL_FILE_MAX);
	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	for (;;) {
		yaml_node_t *root;

		if (!yaml_parser_load(&parser, &doc)) {
			yaml_mark_t m = parser.problem_mark;
			yaml_node_t fake = { .start_mark = m };

			rc = pp_fail(p, &fake, "YAML: %s", parser.problem ? parser.problem : "error");
			break;
		}
		root = yaml_document_get_root_node(&doc);
		if (!root) {
			yaml_document_delete(&doc);
			break;
		}
		p->doc = &doc;
		if (document(p, root))
			rc = -EINVAL;
		yaml_document_delete(&doc);
		p->doc = NULL;
		if (p->oom || p->errors >= ERRS_MAX)
			break;
	}
	yaml_parser_delete(&parser);
	return p->oom ? -ENOMEM : rc;
}

static void arena_free(struct chunk *c)
{
	while (c) {
		struct chunk *next = c->next;

		free(c);
		c = next;
	}
}

void net_policy_free(struct net_policy_set *s)
{
	if (!s)
		return;
	arena_free(s->arena);
	free(s);
}

static int begin(struct pp *p, struct net_policy_set **out, char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	p->err = err;
	p->errlen = errlen;
	if (errlen)
		err[0] = '\0';
	*out = NULL;
	p->set = calloc(1, sizeof(*p->set));
	return p->set ? 0 : -ENOMEM;
}

static int finish(struct pp *p, int rc, struct net_policy_set **out)
{
	if (rc) {
		if (rc == -ENOMEM && p->errlen)
			snprintf(p->err, p->errlen, "out of memory loading the policies");
		arena_free(p->arena);
		free(p->set);
		return rc;
	}
	p->set->arena = p->arena;
	*out = p->set;
	return 0;
}

int net_policy_parse(const char *name, const char *text, size_t len, struct net_policy_set **out,
		     char *err, size_t errlen)
{
	struct pp p;
	int rc = begin(&p, out, err, errlen);

	if (rc)
		return rc;
	p.file = name;
	return finish(&p, parse_into(&p, text, len), out);
}

static int read_file(const char *path, char **text, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	size_t n;

	*text = NULL;
	if (!f) {
		int e = errno;

		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	*text = malloc(NET_POL_FILE_MAX + 1);
	n = *text ? fread(*text, 1, NET_POL_FILE_MAX + 1, f) : 0;
	fclose(f);
	if (!*text)
		return -ENOMEM;
	if (n > NET_POL_FILE_MAX) {
		snprintf(err, errlen, "%s: larger than %u bytes", path, NET_POL_FILE_MAX);
		free(*text);
		*text = NULL;
		return -EFBIG;
	}
	*len = n;
	return 0;
}

int net_policy_load(const char *const *files, size_t n, struct net_policy_set **out, char *err,
		    size_t errlen)
{
	struct pp p;
	int rc = begin(&p, out, err, errlen), one;

	for (size_t i = 0; !rc && i < n; i++) {
		char *text;
		size_t len = 0;

		if ((one = read_file(files[i], &text, &len, err, errlen))) {
			rc = one;
			break;
		}
		p.file = files[i];
		one = parse_into(&p, text, len);
		free(text);
		if (one == -ENOMEM)
			rc = one;
	}
	if (!rc && p.errors)
		rc = -EINVAL;
	return finish(&p, rc, out);
}
