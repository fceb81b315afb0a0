/*
 * From rules to network policy: an `action: deny` rule on connect, sendto
 * or sendmsg becomes a netpolicy_rule when the cgroup hooks can decide its
 * condition exactly. The hooks see the caller's cgroup and the destination
 * (address, port, protocol, family) before the call happens, so a condition
 * may only constrain those: each comparison is turned into a value on one
 * "dimension" (destination ports, protocol, family, address set, host or
 * container), and AND / OR / NOT are applied to those values. Anything else
 * (process fields, the call's result, a regex, an OR across two fields) is
 * refused with the reason, never approximated.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "action/internal.h"
#include "action/netpolicy.h"

#define MAX_RANGES 64

enum dim { DIM_TRUE, DIM_FALSE, DIM_PORT, DIM_PROTO, DIM_FAMILY, DIM_ADDR, DIM_SCOPE };

#define SCOPE_HOST 1u
#define SCOPE_CONTAINERS 2u

struct ranges {
	struct np_port_range r[MAX_RANGES];
	size_t n;
};

struct nets {
	struct netpolicy_net *v;
	size_t n;
};

/* What one comparison (or an OR of them) says about one dimension. */
struct dimval {
	enum dim dim;
	struct ranges ports;
	unsigned mask;   /* proto, family, scope */
	struct nets addr;
	bool negated;    /* addresses: "not in addr" */
};

/* The whole condition for one event type: the AND of its dimensions. */
struct spec {
	bool never;
	struct ranges ports;
	unsigned protos, families, scope;
	bool has_include, has_exclude;
	struct nets include, exclude;
};

static const char *const addr_fields[] = { "fd.sip", "fd.rip", "fd.ip", "fd.snet", "fd.rnet",
					   "fd.net", NULL };
static const char *const port_fields[] = { "fd.sport", "fd.rport", "fd.port", NULL };

static bool in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

static void nets_free(struct nets *n)
{
	free(n->v);
	n->v = NULL;
	n->n = 0;
}

static int nets_add(struct nets *n, const struct netpolicy_net *x)
{
	struct netpolicy_net *v = realloc(n->v, (n->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	n->v = v;
	n->v[n->n++] = *x;
	return 0;
}

static int nets_append(struct nets *to, const struct nets *from)
{
	for (size_t i = 0; i < from->n; i++)
		if (nets_add(to, &from->v[i]))
			return -ENOMEM;
	return 0;
}

static void ranges_full(struct ranges *r)
{
	r->n = 1;
	r->r[0] = (struct np_port_range){ 0, 65535 };
}

static int ranges_add(struct ranges *r, uint64_t lo, uint64_t hi)
{
	if (lo > 65535 || lo > hi)
		return 0;
	if (hi > 65535)
		hi = 65535;
	if (r->n == MAX_RANGES)
		return -E2BIG;
	r->r[r->n++] = (struct np_port_range){ (uint16_t)lo, (uint16_t)hi };
	return 0;
}

static int range_cmp(const void *a, const void *b)
{
	const struct np_port_range *x = a, *y = b;

	return (int)x->lo - (int)y->lo;
}

/* Sorts and merges overlapping or adjacent ranges. */
static void ranges_normalize(struct ranges *r)
{
	size_t out = 0;

	qsort(r->r, r->n, sizeof(r->r[0]), range_cmp);
	for (size_t i = 0; i < r->n; i++) {
		if (out && (uint32_t)r->r[out - 1].hi + 1 >= r->r[i].lo) {
			if (r->r[i].hi > r->r[out - 1].hi)
				r->r[out - 1].hi = r->r[i].hi;
			continue;
		}
		r->r[out++] = r->r[i];
	}
	r->n = out;
}

static void ranges_complement(struct ranges *r)
{
	struct ranges c = { .n = 0 };
	uint32_t next = 0;

	ranges_normalize(r);
	for (size_t i = 0; i < r->n; i++) {
		if (r->r[i].lo > next)
			ranges_add(&c, next, r->r[i].lo - 1u);
		next = (uint32_t)r->r[i].hi + 1;
	}
	if (next <= 65535)
		ranges_add(&c, next, 65535);
	*r = c;
}

static int ranges_intersect(struct ranges *a, const struct ranges *b)
{
	struct ranges c = { .n = 0 };

	for (size_t i = 0; i < a->n; i++)
		for (size_t j = 0; j < b->n; j++) {
			uint16_t lo = a->r[i].lo > b->r[j].lo ? a->r[i].lo : b->r[j].lo;
			uint16_t hi = a->r[i].hi < b->r[j].hi ? a->r[i].hi : b->r[j].hi;

			if (lo <= hi && ranges_add(&c, lo, hi))
				return -E2BIG;
		}
	ranges_normalize(&c);
	*a = c;
	return 0;
}

static int ranges_union(struct ranges *a, const struct ranges *b)
{
	for (size_t j = 0; j < b->n; j++)
		if (ranges_add(a, b->r[j].lo, b->r[j].hi))
			return -E2BIG;
	ranges_normalize(a);
	return 0;
}

/* ::ffff:a.b.c.d/N as a.b.c.d/(N-96): the hooks judge an IPv4-mapped
 * destination as IPv4, so its rule entry must be IPv4 too. */
static void unmap_v4(struct netpolicy_net *n)
{
	static const uint8_t prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (n->ip_len != 16 || n->prefix < 96 || memcmp(n->ip, prefix, sizeof(prefix)))
		return;
	memmove(n->ip, n->ip + 12, 4);
	memset(n->ip + 4, 0, 12);
	n->ip_len = 4;
	n->prefix = (uint8_t)(n->prefix - 96);
}

static unsigned proto_bit(const char *s)
{
	if (!strcmp(s, "tcp"))
		return NP_PROTO_TCP;
	if (!strcmp(s, "udp"))
		return NP_PROTO_UDP;
	if (!strcmp(s, "icmp") || !strcmp(s, "raw"))
		return NP_PROTO_OTHER;
	return 0;
}

static unsigned family_bit(const char *field, const char *s)
{
	bool typechar = !strcmp(field, "fd.typechar");

	if (!strcmp(s, typechar ? "4" : "ipv4"))
		return NP_FAMILY_V4;
	if (!strcmp(s, typechar ? "6" : "ipv6"))
		return NP_FAMILY_V6;
	return 0;
}

/* A comparison as a value on its dimension; false with *why when the hooks
 * cannot decide it. */
static bool term_of(const struct rules_cond *c, bool negated, struct dimval *out,
		    const char **why)
{
	bool eq = !strcmp(c->op, "="), ne = !strcmp(c->op, "!="), in = !strcmp(c->op, "in");
	unsigned all = 0;

	memset(out, 0, sizeof(*out));
	if (c->opaque) {
		*why = c->opaque;
		return false;
	}
	if (in_list(c->field, addr_fields)) {
		if (!eq && !ne && !in) {
			*why = "an address compared with other than =, != or in";
			return false;
		}
		out->dim = DIM_ADDR;
		out->negated = negated != ne;
		for (size_t i = 0; i < c->n_vals; i++) {
			struct netpolicy_net n = { .ip_len = c->vals[i].ip_len,
						   .prefix = c->vals[i].prefix };

			memcpy(n.ip, c->vals[i].ip, sizeof(n.ip));
			unmap_v4(&n);
			if (nets_add(&out->addr, &n)) {
				*why = "out of memory";
				return false;
			}
		}
		return true;
	}
	if (in_list(c->field, port_fields)) {
		out->dim = DIM_PORT;
		for (size_t i = 0; i < c->n_vals; i++) {
			uint64_t v = c->vals[i].u;
			int err = 0;

			if (eq || ne || in)
				err = ranges_add(&out->ports, v, v);
			else if (!strcmp(c->op, "<"))
				err = v ? ranges_add(&out->ports, 0, v - 1) : 0;
			else if (!strcmp(c->op, "<="))
				err = ranges_add(&out->ports, 0, v);
			else if (!strcmp(c->op, ">"))
				err = ranges_add(&out->ports, v + 1, 65535);
			else if (!strcmp(c->op, ">="))
				err = ranges_add(&out->ports, v, 65535);
			else {
				*why = "a port compared with other than =, !=, <, <=, >, >= or in";
				return false;
			}
			if (err) {
				*why = "too many port values";
				return false;
			}
		}
		ranges_normalize(&out->ports);
		if (negated != ne)
			ranges_complement(&out->ports);
		return true;
	}
	if (!strcmp(c->field, "fd.l4proto") || !strcmp(c->field, "fd.type") ||
	    !strcmp(c->field, "fd.typechar") || !strcmp(c->field, "container.id")) {
		bool proto = !strcmp(c->field, "fd.l4proto");
		bool scope = !strcmp(c->field, "container.id");

		if (!eq && !ne && !in) {
			*why = "compared with other than =, != or in";
			return false;
		}
		out->dim = proto ? DIM_PROTO : scope ? DIM_SCOPE : DIM_FAMILY;
		all = proto ? NP_PROTO_ALL : scope ? SCOPE_HOST | SCOPE_CONTAINERS :
			      NP_FAMILY_V4 | NP_FAMILY_V6;
		for (size_t i = 0; i < c->n_vals; i++) {
			const char *v = c->vals[i].s ? c->vals[i].s : "";

			if (scope && strcmp(v, "host")) {
				*why = "container.id compared with an id: scope rules to containers "
				       "with the action's scope (name, image, label)";
				return false;
			}
			out->mask |= proto ? proto_bit(v) : scope ? SCOPE_HOST : family_bit(c->field, v);
		}
		if (negated != ne)
			out->mask = all & ~out->mask;
		return true;
	}
	if (!strcmp(c->field, "fd.sockfamily") && (eq || ne) && c->n_vals == 1) {
		bool ip = c->vals[0].s && !strcmp(c->vals[0].s, "ip");

		out->dim = (ip != (negated != ne)) ? DIM_TRUE : DIM_FALSE;
		return true;
	}
	if (!strcmp(c->field, "evt.dir") && (eq || ne) && c->n_vals == 1) {
		/* palisade reports calls at exit only: evt.dir is always '<'. */
		bool lt = c->vals[0].s && !strcmp(c->vals[0].s, "<");

		out->dim = (lt != (negated != ne)) ? DIM_TRUE : DIM_FALSE;
		return true;
	}
	if (!strncmp(c->field, "evt.res", 7) || !strcmp(c->field, "evt.rawres") ||
	    !strcmp(c->field, "evt.failed")) {
		*why = "the call's result is compared, and the hook decides before there is one";
		return false;
	}
	*why = "a field the hook cannot see (it sees the destination address, port, protocol "
	       "and family, and whether the caller is in a container)";
	return false;
}

/* "field op: reason", in a buffer valid until the next translation: rules
 * are translated once, at start-up, by one thread. */
static bool term(const struct rules_cond *c, bool negated, struct dimval *out, const char **why)
{
	static char buf[512];

	if (term_of(c, negated, out, why))
		return true;
	snprintf(buf, sizeof(buf), "%s %s: %s", c->field, c->op, *why);
	*why = buf;
	return false;
}

/* OR of comparisons on one dimension. */
static bool or_term(const struct rules_cond *c, struct dimval *out, const char **why)
{
	struct dimval k;
	bool first = true;

	memset(out, 0, sizeof(*out));
	out->dim = DIM_FALSE;
	for (size_t i = 0; i < c->n_kids; i++) {
		const struct rules_cond *kid = c->kids[i];
		bool neg = kid->kind == RULES_COND_NOT;

		if (neg)
			kid = kid->kids[0];
		if (kid->kind == RULES_COND_TRUE || kid->kind == RULES_COND_FALSE) {
			k = (struct dimval){ .dim = (kid->kind == RULES_COND_TRUE) != neg ? DIM_TRUE :
											     DIM_FALSE };
		} else if (kid->kind != RULES_COND_CMP) {
			*why = "an 'or' over composite conditions";
			nets_free(&out->addr);
			return false;
		} else if (!term(kid, neg, &k, why)) {
			nets_free(&out->addr);
			return false;
		}
		if (k.dim == DIM_FALSE)
			continue;
		if (k.dim == DIM_TRUE) {
			nets_free(&out->addr);
			nets_free(&k.addr);
			out->dim = DIM_TRUE;
			return true;
		}
		if (first) {
			*out = k;
			first = false;
			continue;
		}
		if (k.dim != out->dim || (k.dim == DIM_ADDR && (k.negated || out->negated))) {
			*why = k.dim != out->dim ? "an 'or' across different fields" :
						   "an 'or' with a negated address set";
			nets_free(&k.addr);
			nets_free(&out->addr);
			return false;
		}
		if (k.dim == DIM_PORT && ranges_union(&out->ports, &k.ports)) {
			*why = "too many port ranges";
			nets_free(&out->addr);
			return false;
		}
		out->mask |= k.mask;
		if (k.dim == DIM_ADDR && nets_append(&out->addr, &k.addr)) {
			*why = "out of memory";
			nets_free(&k.addr);
			nets_free(&out->addr);
			return false;
		}
		nets_free(&k.addr);
	}
	return true;
}

/* ANDs one dimension value into the spec; takes ownership of v's nets. */
static bool apply(struct spec *s, struct dimval *v, const char **why)
{
	switch (v->dim) {
	case DIM_TRUE:
		return true;
	case DIM_FALSE:
		s->never = true;
		return true;
	case DIM_PORT:
		if (ranges_intersect(&s->ports, &v->ports)) {
			*why = "too many port ranges";
			return false;
		}
		return true;
	case DIM_PROTO:
		s->protos &= v->mask;
		return true;
	case DIM_FAMILY:
		s->families &= v->mask;
		return true;
	case DIM_SCOPE:
		s->scope &= v->mask;
		return true;
	case DIM_ADDR:
		break;
	}
	if (!v->negated) {
		if (s->has_include) {
			*why = "two address sets that must both hold (write one 'in' list)";
			nets_free(&v->addr);
			return false;
		}
		s->has_include = true;
		s->include = v->addr;
		return true;
	}
	/* not in A and not in B: not in A or B */
	s->has_exclude = true;
	if (nets_append(&s->exclude, &v->addr)) {
		*why = "out of memory";
		nets_free(&v->addr);
		return false;
	}
	nets_free(&v->addr);
	return true;
}

static bool walk(const struct rules_cond *c, struct spec *s, const char **why)
{
	struct dimval v;

	switch (c->kind) {
	case RULES_COND_TRUE:
		return true;
	case RULES_COND_FALSE:
		s->never = true;
		return true;
	case RULES_COND_AND:
		for (size_t i = 0; i < c->n_kids; i++)
			if (!walk(c->kids[i], s, why))
				return false;
		return true;
	case RULES_COND_OR:
		return or_term(c, &v, why) && apply(s, &v, why);
	case RULES_COND_NOT:
		if (c->kids[0]->kind == RULES_COND_CMP)
			return term(c->kids[0], true, &v, why) && apply(s, &v, why);
		if (c->kids[0]->kind == RULES_COND_TRUE || c->kids[0]->kind == RULES_COND_FALSE) {
			s->never |= c->kids[0]->kind == RULES_COND_TRUE;
			return true;
		}
		*why = "a 'not' over a composite condition (an exception, or not (a or b))";
		return false;
	case RULES_COND_CMP:
		return term(c, false, &v, why) && apply(s, &v, why);
	}
	return false;
}

static void spec_release(struct spec *s)
{
	nets_free(&s->include);
	nets_free(&s->exclude);
}

static int net_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct netpolicy_net));
}

/* The spec of one event type; -ENOTSUP with *why when not decidable. */
static int spec_for(struct rules_engine *e, size_t rule, const char *evt, struct spec *s,
		    const char **why)
{
	const struct rules_cond *c;
	int err;

	memset(s, 0, sizeof(*s));
	ranges_full(&s->ports);
	s->protos = NP_PROTO_ALL;
	s->families = NP_FAMILY_V4 | NP_FAMILY_V6;
	s->scope = SCOPE_HOST | SCOPE_CONTAINERS;
	err = rules_rule_condition(e, rule, evt, &c);
	if (err)
		return err;
	if (!walk(c, s, why)) {
		spec_release(s);
		return -ENOTSUP;
	}
	if (s->include.n)
		qsort(s->include.v, s->include.n, sizeof(*s->include.v), net_cmp);
	if (s->exclude.n)
		qsort(s->exclude.v, s->exclude.n, sizeof(*s->exclude.v), net_cmp);
	s->never |= !s->ports.n || !s->protos || !s->families || !s->scope ||
		    (s->has_include && !s->include.n);
	return 0;
}

static bool nets_equal(const struct nets *a, const struct nets *b)
{
	return a->n == b->n && (!a->n || !memcmp(a->v, b->v, a->n * sizeof(*a->v)));
}

static bool spec_equal(const struct spec *a, const struct spec *b)
{
	return a->never == b->never && a->ports.n == b->ports.n &&
	       !memcmp(a->ports.r, b->ports.r, a->ports.n * sizeof(a->ports.r[0])) &&
	       a->protos == b->protos && a->families == b->families && a->scope == b->scope &&
	       a->has_include == b->has_include && a->has_exclude == b->has_exclude &&
	       nets_equal(&a->include, &b->include) && nets_equal(&a->exclude, &b->exclude);
}

/* Splits "connect,sendto" into which of ours it names and whether others too. */
static void evttypes_of(const char *list, bool *connect, bool *sendto, bool *sendmsg,
			const char **other, char *buf, size_t size)
{
	const char *p = list;

	*connect = *sendto = *sendmsg = false;
	*other = NULL;
	while (*p) {
		size_t n = strcspn(p, ",");

		if (n == 7 && !strncmp(p, "connect", 7))
			*connect = true;
		else if (n == 6 && !strncmp(p, "sendto", 6))
			*sendto = true;
		else if (n == 7 && !strncmp(p, "sendmsg", 7))
			*sendmsg = true;
		else if (!*other) {
			snprintf(buf, size, "%.*s", (int)n, p);
			*other = buf;
		}
		p += n + (p[n] == ',');
	}
}

int netpolicy_rule_from_rules(struct rules_engine *e, size_t rule, bool global_enforce,
			      struct netpolicy_rule *out, const char **why)
{
	const struct rules_rule_info *info = rules_engine_rule(e, rule);
	bool connect, sendto, sendmsg;
	struct spec sc = { 0 }, ss = { 0 }, s2 = { 0 }, *s;
	const char *other;
	static char other_buf[64];
	unsigned hooks = 0, where;
	int err;

	memset(out, 0, sizeof(*out));
	if (!info || info->action.type != RULES_ACTION_DENY || !info->enabled || !info->evttypes)
		return 0;
	if (!strcmp(info->evttypes, "all")) {
		*why = "it matches every event type; restrict it with evt.type in (connect, sendto, "
		       "sendmsg)";
		return -ENOTSUP;
	}
	evttypes_of(info->evttypes, &connect, &sendto, &sendmsg, &other, other_buf,
		    sizeof(other_buf));
	if (!connect && !sendto && !sendmsg)
		return 0; /* not a network rule: another back-end's */
	if (other) {
		*why = "it also matches other event types (the hooks see connect, sendto and sendmsg "
		       "only)";
		return -ENOTSUP;
	}
	if (sendto != sendmsg) {
		*why = "it names one of sendto and sendmsg: the sendmsg hook sees both alike, name "
		       "both";
		return -ENOTSUP;
	}
	if (info->cannot_fire) {
		*why = info->cannot_fire;
		return -ENOTSUP;
	}
	if (connect) {
		err = spec_for(e, rule, "connect", &sc, why);
		if (err)
			goto cleanup;
		hooks |= sc.never ? 0 : NP_HOOK_CONNECT;
	}
	if (sendto) {
		err = spec_for(e, rule, "sendto", &ss, why);
		err = err ?: spec_for(e, rule, "sendmsg", &s2, why);
		if (err)
			goto cleanup;
		if (!spec_equal(&ss, &s2)) {
			*why = "its condition differs between sendto and sendmsg, which the hook "
			       "cannot tell apart";
			err = -ENOTSUP;
			goto cleanup;
		}
		hooks |= ss.never ? 0 : NP_HOOK_SENDMSG;
	}
	if (!hooks) {
		*why = "its condition can never hold for connect, sendto or sendmsg";
		err = -ENOTSUP;
		goto cleanup;
	}
	if (hooks == (NP_HOOK_CONNECT | NP_HOOK_SENDMSG) && !spec_equal(&sc, &ss)) {
		*why = "its condition differs between connect and sendto/sendmsg: split it into two "
		       "rules";
		err = -ENOTSUP;
		goto cleanup;
	}
	s = hooks & NP_HOOK_CONNECT ? &sc : &ss;
	where = info->action.where == RULES_SCOPE_HOST	     ? SCOPE_HOST :
		info->action.where == RULES_SCOPE_CONTAINERS ? SCOPE_CONTAINERS :
							       SCOPE_HOST | SCOPE_CONTAINERS;
	if (!(where & s->scope)) {
		*why = "its container.id condition excludes the action's scope";
		err = -ENOTSUP;
		goto cleanup;
	}
	out->name = info->name;
	out->info = info;
	out->hooks = hooks;
	out->protos = s->protos;
	out->families = s->families;
	out->has_include = s->has_include;
	out->has_exclude = s->has_exclude;
	out->include = s->include.v;
	out->n_include = s->include.n;
	out->exclude = s->exclude.v;
	out->n_exclude = s->exclude.n;
	s->include = (struct nets){ 0 };
	s->exclude = (struct nets){ 0 };
	if (!(s->ports.n == 1 && s->ports.r[0].lo == 0 && s->ports.r[0].hi == 65535)) {
		if (s->ports.n > NP_PORT_RANGES) {
			*why = "more than 16 destination port ranges";
			netpolicy_rule_release(out);
			err = -ENOTSUP;
			goto cleanup;
		}
		memcpy(out->ports, s->ports.r, s->ports.n * sizeof(out->ports[0]));
		out->n_ports = s->ports.n;
	}
	out->scope = info->action;
	where &= s->scope;
	out->scope.where = where == SCOPE_HOST	     ? RULES_SCOPE_HOST :
			   where == SCOPE_CONTAINERS ? RULES_SCOPE_CONTAINERS :
						       RULES_SCOPE_ALL;
	out->enforce = info->action.enforce < 0 ? global_enforce : info->action.enforce == 1;
	err = 1;
cleanup:
	spec_release(&sc);
	spec_release(&ss);
	spec_release(&s2);
	return err;
}

void netpolicy_rule_release(struct netpolicy_rule *r)
{
	free(r->include);
	free(r->exclude);
	r->include = r->exclude = NULL;
	r->n_include = r->n_exclude = 0;
}

bool netpolicy_scope_covers(const struct rules_action_spec *scope,
			    const struct container_info *c)
{
	return action_scope_check(scope, c) == SCOPE_IN;
}

static size_t put_nets(char *buf, size_t size, size_t n, const char *label,
		       const struct netpolicy_net *v, size_t count)
{
	char a[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < count && n < size; i++) {
		inet_ntop(v[i].ip_len == 4 ? AF_INET : AF_INET6, v[i].ip, a, sizeof(a));
		n += (size_t)snprintf(buf + n, size - n, "%s%s/%u", i ? "," : label, a, v[i].prefix);
	}
	return n;
}

void netpolicy_rule_describe(const struct netpolicy_rule *r, char *buf, size_t size)
{
	size_t n = 0;

	n += (size_t)snprintf(buf, size, "%s%s%s", r->hooks & NP_HOOK_CONNECT ? "connect" : "",
			      r->hooks == (NP_HOOK_CONNECT | NP_HOOK_SENDMSG) ? "," : "",
			      r->hooks & NP_HOOK_SENDMSG ? "sendmsg" : "");
	if (n < size && r->protos != NP_PROTO_ALL)
		n += (size_t)snprintf(buf + n, size - n, " proto%s%s%s",
				      r->protos & NP_PROTO_TCP ? " tcp" : "",
				      r->protos & NP_PROTO_UDP ? " udp" : "",
				      r->protos & NP_PROTO_OTHER ? " other" : "");
	if (n < size && r->families != (NP_FAMILY_V4 | NP_FAMILY_V6))
		n += (size_t)snprintf(buf + n, size - n, " %s",
				      r->families & NP_FAMILY_V4 ? "ipv4" : "ipv6");
	if (n < size && r->has_include)
		n = put_nets(buf, size, n, " to ", r->include, r->n_include);
	if (n < size && r->has_exclude)
		n = put_nets(buf, size, n, " except ", r->exclude, r->n_exclude);
	for (size_t i = 0; i < r->n_ports && n < size; i++)
		n += (size_t)(r->ports[i].lo == r->ports[i].hi ?
				      snprintf(buf + n, size - n, "%s%u", i ? "," : " ports ",
					       r->ports[i].lo) :
				      snprintf(buf + n, size - n, "%s%u-%u", i ? "," : " ports ",
					       r->ports[i].lo, r->ports[i].hi));
	if (n < size)
		snprintf(buf + n, size - n, " scope %s, %s",
			 r->scope.where == RULES_SCOPE_HOST ? "host" :
			 r->scope.where == RULES_SCOPE_CONTAINERS ? "containers" : "all",
			 r->enforce ? "enforce" : "audit");
}
