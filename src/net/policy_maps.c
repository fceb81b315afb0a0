/*
 * The label policy, enforced: the policies and the containers this host runs
 * compiled into the kernel's maps (bpf/labelpolicy.bpf.h), again whenever a
 * container starts, stops or changes its labels and whenever the policies
 * are reloaded; and each verdict as a record naming the policy.
 *
 * A compile writes a whole new generation before any endpoint uses it: the
 * new prefixes under new endpoint ids, then each enforced cgroup switched to
 * its new id (one map update each), then the old generation deleted. At no
 * moment does a cgroup see half a policy: a reload has no window.
 *
 * Per endpoint, direction and (protocol, port) class, the regions written
 * are: every CIDR and except of the class's rules (its value computed once:
 * allowed when some rule's CIDR holds the region and none of that CIDR's
 * excepts does, so allows add up and excepts never hide another rule's
 * allow), /0 for rules naming no peer, and each container address of this
 * host as a /128 valued by labels alone (a container is never judged by a
 * CIDR, and an address a container gave up falls back to CIDRs at once).
 *
 * Threads: net_enforcer_container from any thread (a lock and a dirty
 * flag); everything else on the caller's one thread.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "net/net.h"

struct ep {
	uint64_t cgroup_id;
	char name[NET_NAME_MAX];
	char id[13];
	struct container_label *labels;
	size_t n_labels;
	uint8_t addrs[CONTAINER_ADDRS_MAX][16];
	size_t n_addrs;
	uint8_t dirs; /* as last compiled */
};

struct entry {
	struct lp_key k;
	struct lp_value v;
};

struct net_enforcer {
	struct net_enforcer_cfg cfg;
	struct net_policy_set *set;
	pthread_mutex_t lock;
	struct ep *eps;
	size_t n_eps;
	bool dirty;
	uint32_t gen;
	struct entry *cur, *next; /* the generation in the kernel, the one being built */
	size_t n_cur, n_next, class_from, n_said;
	uint64_t *cur_cgroups; /* enforced cgroups of the current generation */
	size_t n_cur_cgroups;
	int ep_fd, rules_fd;
	struct ring_buffer *rb;
	uint64_t boot_to_epoch_ns;
	bool overflow_said;
};

static void ep_clear(struct ep *e)
{
	for (size_t i = 0; i < e->n_labels; i++) {
		free(e->labels[i].key);
		free(e->labels[i].value);
	}
	free(e->labels);
	e->labels = NULL;
	e->n_labels = 0;
}

void net_enforcer_container(struct net_enforcer *e, const struct container_info *c)
{
	struct ep *ep = NULL;

	if (!e || !c->cgroup_id)
		return;
	pthread_mutex_lock(&e->lock);
	for (size_t i = 0; i < e->n_eps && !ep; i++)
		if (e->eps[i].cgroup_id == c->cgroup_id)
			ep = &e->eps[i];
	if (!ep && e->n_eps < LP_ENDPOINTS_MAX) {
		ep = &e->eps[e->n_eps++];
		memset(ep, 0, sizeof(*ep));
		ep->cgroup_id = c->cgroup_id;
	}
	if (ep) {
		ep_clear(ep);
		snprintf(ep->name, sizeof(ep->name), "%s", *c->name ? c->name : c->id);
		snprintf(ep->id, sizeof(ep->id), "%.12s", c->id);
		ep->labels = calloc(c->n_labels + 1, sizeof(*ep->labels));
		for (size_t i = 0; ep->labels && i < c->n_labels; i++) {
			ep->labels[i].key = strdup(c->labels[i].key);
			ep->labels[i].value = strdup(c->labels[i].value);
			if (ep->labels[i].key && ep->labels[i].value)
				ep->n_labels++;
		}
		ep->n_addrs = 0;
		for (size_t i = 0; i < c->n_addrs && i < CONTAINER_ADDRS_MAX; i++)
			net_addr16(c->addrs[i].ip, c->addrs[i].len, ep->addrs[ep->n_addrs++]);
		/* The latest claim on an address wins: an address reused by a new
		 * container never keeps the identity of the one that had it. */
		for (size_t o = 0; o < e->n_eps; o++)
			for (size_t a = 0; &e->eps[o] != ep && a < e->eps[o].n_addrs; a++)
				for (size_t i = 0; i < ep->n_addrs; i++)
					if (!memcmp(e->eps[o].addrs[a], ep->addrs[i], 16)) {
						memcpy(e->eps[o].addrs[a], e->eps[o].addrs[--e->eps[o].n_addrs], 16);
						a--;
						break;
					}
	}
	e->dirty = true;
	pthread_mutex_unlock(&e->lock);
}

/* ---- the compile ------------------------------------------------------- */

static bool add(struct net_enforcer *e, uint32_t id, uint8_t dir, uint8_t proto, uint16_t port,
		const struct net_prefix *p, uint8_t bits, uint16_t allow, uint16_t deny)
{
	struct entry *n;

	for (size_t i = e->class_from; i < e->n_next; i++) { /* one value per region */
		struct lp_key *k = &e->next[i].k;

		if (k->ep == id && k->dir == dir && k->proto == proto && k->port == port &&
		    k->prefixlen == 64u + p->bits && !memcmp(k->addr, p->addr, 16))
			return true;
	}
	if (e->n_next >= LP_RULES_MAX)
		return false;
	n = &e->next[e->n_next++];
	memset(n, 0, sizeof(*n));
	n->k = (struct lp_key){ .prefixlen = 64u + p->bits, .ep = id, .dir = dir, .proto = proto,
				.port = port };
	memcpy(n->k.addr, p->addr, 16);
	n->v = (struct lp_value){ .bits = bits, .allow_ref = allow, .deny_ref = deny };
	return true;
}

static bool holds(const struct net_prefix *outer, const struct net_prefix *inner)
{
	return outer->bits <= inner->bits && net_prefix_contains(outer, inner->addr);
}

/* Does rule r cover every address whose longest written prefix is p? */
static bool region_match(const struct net_pol_rule *r, const struct net_prefix *p)
{
	if (!r->n_peers && !r->n_cidrs)
		return true;
	for (size_t i = 0; i < r->n_cidrs; i++) {
		bool out = false;

		if (!holds(&r->cidrs[i].net, p))
			continue;
		for (size_t x = 0; x < r->cidrs[i].n_except && !out; x++)
			out = holds(&r->cidrs[i].except[x], p);
		if (!out)
			return true;
	}
	return false;
}

static bool in_class(const struct net_pol_rule *r, uint8_t proto, uint16_t port)
{
	if (!port)
		return !r->n_ports;
	for (size_t i = 0; i < r->n_ports; i++)
		if (r->ports[i].port == port && r->ports[i].proto == proto)
			return true;
	return false;
}

static uint16_t ref_of(const struct net_policy_set *s, size_t pol, size_t rule)
{
	size_t ref = 1 + rule;

	for (size_t i = 0; i < pol; i++)
		ref += s->pols[i].n_rules;
	return ref > 65535 ? 65535 : (uint16_t)ref;
}

struct judged {
	uint8_t bits;
	uint16_t allow, deny;
};

static void mark(struct judged *j, const struct net_policy_set *s, size_t pol, size_t ri)
{
	const struct net_pol_rule *r = &s->pols[pol].rules[ri];
	uint8_t bit = r->deny ? LP_DENY : LP_ALLOW;

	if (!(j->bits & bit))
		*(r->deny ? &j->deny : &j->allow) = ref_of(s, pol, ri);
	j->bits |= bit;
}

static bool selects(const struct net_policy *pol, const struct ep *ep, int dir)
{
	struct net_labels l = { ep->labels, ep->n_labels };

	return pol->sections[dir] && net_selector_match(&pol->subject, &l);
}

/* One class (proto, port; 0/0: rules without ports) of one endpoint's direction. */
static bool compile_class(struct net_enforcer *e, const struct ep *ep, uint32_t id, int dir,
			  uint8_t proto, uint16_t port)
{
	const struct net_policy_set *s = e->set;

	e->class_from = e->n_next;
	for (size_t p = 0; p < s->n_pols; p++) {
		const struct net_policy *pol = &s->pols[p];

		if (!selects(pol, ep, dir))
			continue;
		for (size_t ri = 0; ri < pol->n_rules; ri++) {
			const struct net_pol_rule *r = &pol->rules[ri];
			struct net_prefix all = { .bits = 0 };

			if ((int)r->dir != dir || !in_class(r, proto, port))
				continue;
			/* every region this rule writes, valued over all the class's rules */
			for (size_t c = 0; c <= r->n_cidrs; c++) {
				for (size_t x = 0; x <= (c < r->n_cidrs ? r->cidrs[c].n_except : 0); x++) {
					const struct net_prefix *pf =
						c == r->n_cidrs ? (r->n_peers ? NULL : &all) :
						x == 0 ? &r->cidrs[c].net : &r->cidrs[c].except[x - 1];
					struct judged j = { 0 };

					if (!pf)
						continue;
					for (size_t p2 = 0; p2 < s->n_pols; p2++)
						for (size_t r2 = 0; selects(&s->pols[p2], ep, dir) &&
								    r2 < s->pols[p2].n_rules; r2++) {
							const struct net_pol_rule *o = &s->pols[p2].rules[r2];

							if ((int)o->dir == dir && in_class(o, proto, port) &&
							    region_match(o, pf))
								mark(&j, s, p2, r2);
						}
					if (!add(e, id, (uint8_t)dir, proto, port, pf, j.bits, j.allow, j.deny))
						return false;
				}
			}
		}
	}
	/* every container address: by labels only */
	for (size_t i = 0; i < e->n_eps; i++) {
		const struct ep *peer = &e->eps[i];
		struct net_pol_peer pp = { .container = true,
					   .labels = { peer->labels, peer->n_labels } };
		struct judged j = { 0 };

		if (!peer->n_addrs)
			continue;
		for (size_t p = 0; p < s->n_pols; p++)
			for (size_t ri = 0; selects(&s->pols[p], ep, dir) && ri < s->pols[p].n_rules;
			     ri++) {
				const struct net_pol_rule *r = &s->pols[p].rules[ri];

				if ((int)r->dir == dir && in_class(r, proto, port) &&
				    net_rule_covers_peer(r, &pp))
					mark(&j, s, p, ri);
			}
		for (size_t a = 0; a < peer->n_addrs; a++) {
			struct net_prefix host = { .bits = 128 };

			memcpy(host.addr, peer->addrs[a], 16);
			if (!add(e, id, (uint8_t)dir, proto, port, &host, j.bits, j.allow, j.deny))
				return false;
		}
	}
	return true;
}

static bool compile_ep(struct net_enforcer *e, const struct ep *ep, uint32_t id, int dir)
{
	const struct net_policy_set *s = e->set;

	if (!compile_class(e, ep, id, dir, 0, 0))
		return false;
	for (size_t p = 0; p < s->n_pols; p++) {
		if (!selects(&s->pols[p], ep, dir))
			continue;
		for (size_t ri = 0; ri < s->pols[p].n_rules; ri++) {
			const struct net_pol_rule *r = &s->pols[p].rules[ri];

			for (size_t i = 0; (int)r->dir == dir && i < r->n_ports; i++)
				if (!compile_class(e, ep, id, dir, r->ports[i].proto, r->ports[i].port))
					return false;
		}
	}
	return true;
}

/* Writes the generation built in next, switches the cgroups to it, deletes
 * the one before. Returns false when it did not fit (the old one stays). */
static bool compile_and_apply(struct net_enforcer *e)
{
	uint32_t gen = e->gen ^ 1;
	uint64_t *cgroups = calloc(e->n_eps + 1, sizeof(*cgroups));
	struct lp_endpoint *eps = calloc(e->n_eps + 1, sizeof(*eps));
	size_t n_cg = 0;
	bool ok = cgroups && eps;

	e->n_next = 0;
	for (size_t i = 0; ok && i < e->n_eps; i++) {
		struct ep *ep = &e->eps[i];
		uint32_t id = (gen << 20) | (uint32_t)i;

		ep->dirs = 0;
		for (int d = 0; d < 2 && e->set; d++)
			for (size_t p = 0; p < e->set->n_pols; p++)
				if (selects(&e->set->pols[p], ep, d))
					ep->dirs |= (uint8_t)(1u << d);
		for (int d = 0; ok && d < 2; d++)
			if (ep->dirs & (1u << d))
				ok = compile_ep(e, ep, id, d);
		if (ep->dirs) {
			cgroups[n_cg] = ep->cgroup_id;
			eps[n_cg++] = (struct lp_endpoint){ .id = id, .dirs = ep->dirs };
		}
	}
	for (size_t i = 0; ok && i < e->n_next; i++)
		if (bpf_map_update_elem(e->rules_fd, &e->next[i].k, &e->next[i].v, BPF_ANY))
			ok = false;
	if (!ok) {
		if (!e->overflow_said)
			fprintf(stderr, "palisade: policy: the compiled policy does not fit the kernel's "
					"map (%u prefixes, %u endpoints at most): the previous one stays "
					"in force\n", LP_RULES_MAX, LP_ENDPOINTS_MAX);
		e->overflow_said = true;
		for (size_t i = 0; i < e->n_next; i++)
			bpf_map_delete_elem(e->rules_fd, &e->next[i].k);
		free(cgroups);
		free(eps);
		return false;
	}
	for (size_t i = 0; i < n_cg; i++)
		bpf_map_update_elem(e->ep_fd, &cgroups[i], &eps[i], BPF_ANY);
	for (size_t i = 0; i < e->n_cur_cgroups; i++) {
		bool still = false;

		for (size_t j = 0; j < n_cg && !still; j++)
			still = cgroups[j] == e->cur_cgroups[i];
		if (!still)
			bpf_map_delete_elem(e->ep_fd, &e->cur_cgroups[i]);
	}
	for (size_t i = 0; i < e->n_cur; i++)
		bpf_map_delete_elem(e->rules_fd, &e->cur[i].k);
	{
		struct entry *t = e->cur;

		e->cur = e->next;
		e->next = t;
		e->n_cur = e->n_next;
	}
	if (n_cg != e->n_cur_cgroups || e->n_cur != e->n_said)
		fprintf(stderr, "palisade: policy: compiled: %zu enforced containers, %zu prefixes\n",
			n_cg, e->n_cur);
	e->n_said = e->n_cur;
	free(e->cur_cgroups);
	free(eps);
	e->cur_cgroups = cgroups;
	e->n_cur_cgroups = n_cg;
	e->gen = gen;
	e->overflow_said = false;
	return true;
}

/* ---- verdict records ---------------------------------------------------- */

static const struct net_pol_rule *rule_of_ref(const struct net_policy_set *s, uint16_t ref,
					      const struct net_policy **pol)
{
	size_t left = ref;

	for (size_t p = 0; s && ref && p < s->n_pols; p++) {
		if (left <= s->pols[p].n_rules) {
			*pol = &s->pols[p];
			return &s->pols[p].rules[left - 1];
		}
		left -= s->pols[p].n_rules;
	}
	return NULL;
}

static const struct ep *ep_by_cgroup(const struct net_enforcer *e, uint64_t cg)
{
	for (size_t i = 0; i < e->n_eps; i++)
		if (e->eps[i].cgroup_id == cg)
			return &e->eps[i];
	return NULL;
}

static const struct ep *ep_by_addr(const struct net_enforcer *e, const uint8_t addr[16])
{
	for (size_t i = 0; i < e->n_eps; i++)
		for (size_t a = 0; a < e->eps[i].n_addrs; a++)
			if (!memcmp(e->eps[i].addrs[a], addr, 16))
				return &e->eps[i];
	return NULL;
}

static void emit(struct net_enforcer *e, uint64_t ts_ns, const char *verdict, const struct ep *ep,
		 int dir, uint8_t proto, uint16_t port, const uint8_t addr[16],
		 const struct net_verdict *v)
{
	const struct ep *peer = ep_by_addr(e, addr);
	bool v4 = addr[10] == 0xff && addr[11] == 0xff && !addr[0];
	char why[512], text[INET6_ADDRSTRLEN] = "";
	struct net_pol_record r = {
		.time_ns = ts_ns + e->boot_to_epoch_ns,
		.verdict = verdict,
		.dir = (enum net_pol_dir)dir,
		.container = ep ? ep->name : "?",
		.container_id = ep ? ep->id : "",
		.peer = peer ? peer->name : text,
		.proto = proto,
		.port = port,
		.policy = v->policy ? v->policy->name : "",
		.reason = why,
		.audit = e->cfg.audit,
	};

	net_verdict_text((enum net_pol_dir)dir, v, why, sizeof(why));
	if (!peer)
		inet_ntop(v4 ? AF_INET : AF_INET6, v4 ? addr + 12 : addr, text, sizeof(text));
	if (e->cfg.on_verdict)
		e->cfg.on_verdict(&r, e->cfg.ctx);
}

static int on_refusal(void *ctx, void *data, size_t size)
{
	struct net_enforcer *e = ctx;
	const struct lp_event *ev = data;
	struct net_verdict v = { .enforced = true };
	const struct ep *ep;

	if (size < sizeof(*ev))
		return 0;
	pthread_mutex_lock(&e->lock);
	ep = ep_by_cgroup(e, ev->cgroup_id);
	if (ev->denied_by_rule)
		v.rule = rule_of_ref(e->set, ev->ref, &v.policy);
	for (size_t p = 0; !v.policy && ep && e->set && p < e->set->n_pols; p++)
		if (selects(&e->set->pols[p], ep, ev->dir))
			v.policy = &e->set->pols[p];
	if (v.policy)
		emit(e, ev->ts_ns, ev->audit ? "audit" : "denied", ep, ev->dir, ev->proto, ev->port,
		     ev->addr, &v);
	pthread_mutex_unlock(&e->lock);
	return 0;
}

void net_enforcer_flow(struct net_enforcer *e, const struct net_flow *f)
{
	const struct ep *ep, *peer;
	struct net_pol_peer pp = { 0 };
	struct net_verdict v;
	int dir;

	if (!e || !e->set)
		return;
	pthread_mutex_lock(&e->lock);
	ep = ep_by_cgroup(e, f->key.cgroup_id);
	dir = f->initiator == FL_OUT ? LP_DIR_EGRESS : LP_DIR_INGRESS;
	if (ep && (ep->dirs & (1u << dir)) &&
	    (f->key.proto == 6 || f->key.proto == 17)) {
		net_addr16(f->key.remote, f->key.family == 4 ? 4 : 16, pp.addr);
		if ((peer = ep_by_addr(e, pp.addr))) {
			pp.container = true;
			pp.labels = (struct net_labels){ peer->labels, peer->n_labels };
		}
		net_policy_judge(e->set, &(struct net_labels){ ep->labels, ep->n_labels },
				 (enum net_pol_dir)dir, &pp, f->key.proto,
				 dir == LP_DIR_INGRESS ? f->key.lport : f->key.rport, &v);
		/* A flow the policy refuses is the kernel's to report (its ring:
		 * "denied", or "audit" in audit mode); reported here too, audit
		 * mode said each would-be refusal twice. */
		if (v.allowed)
			emit(e, f->first_ns, "allowed", ep, dir, f->key.proto,
			     dir == LP_DIR_INGRESS ? f->key.lport : f->key.rport, pp.addr, &v);
	}
	pthread_mutex_unlock(&e->lock);
}

/* ---- life ---------------------------------------------------------------- */

void net_enforcer_tick(struct net_enforcer *e)
{
	if (!e)
		return;
	pthread_mutex_lock(&e->lock);
	if (e->dirty) {
		e->dirty = false;
		compile_and_apply(e);
	}
	pthread_mutex_unlock(&e->lock);
	ring_buffer__consume(e->rb);
}

int net_enforcer_set_policy(struct net_enforcer *e, struct net_policy_set *s)
{
	struct net_policy_set *old;
	int ret = 0;

	pthread_mutex_lock(&e->lock);
	old = e->set;
	e->set = s;
	if (!compile_and_apply(e)) {
		e->set = old; /* the kernel still has the old one */
		old = s;
		ret = -ENOSPC;
	}
	pthread_mutex_unlock(&e->lock);
	net_policy_free(old);
	return ret;
}

void net_enforcer_set_audit(struct net_enforcer *e, bool audit)
{
	pthread_mutex_lock(&e->lock);
	e->cfg.audit = audit;
	net_flows_kernel_policy_mode(e->cfg.k, true, audit);
	pthread_mutex_unlock(&e->lock);
}

int net_enforcer_new(const struct net_enforcer_cfg *cfg, struct net_policy_set *s,
		     struct net_enforcer **out)
{
	struct net_enforcer *e = calloc(1, sizeof(*e));
	struct timespec rt, bt;
	int events_fd, err;

	*out = NULL;
	if (!e)
		return -ENOMEM;
	e->cfg = *cfg;
	pthread_mutex_init(&e->lock, NULL);
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_BOOTTIME, &bt);
	e->boot_to_epoch_ns = ((uint64_t)rt.tv_sec - (uint64_t)bt.tv_sec) * 1000000000ull +
			      (uint64_t)rt.tv_nsec - (uint64_t)bt.tv_nsec;
	e->eps = calloc(LP_ENDPOINTS_MAX, sizeof(*e->eps));
	e->cur = calloc(LP_RULES_MAX, sizeof(*e->cur));
	e->next = calloc(LP_RULES_MAX, sizeof(*e->next));
	if (!e->eps || !e->cur || !e->next) {
		net_enforcer_free(e);
		return -ENOMEM;
	}
	net_flows_kernel_policy_fds(cfg->k, &e->ep_fd, &e->rules_fd, &events_fd);
	e->rb = ring_buffer__new(events_fd, on_refusal, e, NULL);
	err = e->rb ? net_flows_kernel_policy_attach(cfg->k, cfg->cgroup2_root) : -ENOMEM;
	if (err) {
		net_enforcer_free(e);
		return err;
	}
	e->set = s;
	net_flows_kernel_policy_mode(cfg->k, true, cfg->audit);
	e->dirty = true;
	*out = e;
	return 0;
}

void net_enforcer_free(struct net_enforcer *e)
{
	if (!e)
		return;
	if (e->cfg.k)
		net_flows_kernel_policy_mode(e->cfg.k, false, false);
	ring_buffer__free(e->rb);
	for (size_t i = 0; e->eps && i < e->n_eps; i++)
		ep_clear(&e->eps[i]);
	free(e->eps);
	free(e->cur);
	free(e->next);
	free(e->cur_cgroups);
	net_policy_free(e->set);
	pthread_mutex_destroy(&e->lock);
	free(e);
}
