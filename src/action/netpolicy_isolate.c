/*
 * Isolation in two halves. The calls: a container's cgroups carry the
 * NP_ISOLATE bit (and NP_ISOLATE_LOOPBACK when loopback is cut too) in their
 * mask, so the connect and sendmsg hooks refuse its calls with EPERM before
 * looking at any rule (bpf/netpolicy.bpf.c). The packets: the same cgroups
 * are in the flow programs' isolation list (bpf/flows.bpf.c, cgroup_skb
 * ingress and egress), which drops every packet in or out, so inbound
 * connections and connections made before the isolation are cut too. The
 * isolated containers are kept by id: netpolicy_container_update() adds any
 * cgroup of one to both, so a container restarted (a new cgroup) stays cut off.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "action/netpolicy_internal.h"

static struct np_isolated *find_locked(struct netpolicy *np, const char *id)
{
	for (size_t i = 0; i < np->n_isolated; i++)
		if (!strcmp(np->isolated[i].id, id))
			return &np->isolated[i];
	return NULL;
}

struct np_isolated *np_isolated_by_cgroup_locked(struct netpolicy *np, uint64_t cgroup_id)
{
	for (size_t i = 0; i < np->n_isolated; i++)
		for (size_t k = 0; k < np->isolated[i].n_cg; k++)
			if (np->isolated[i].cg[k].id == cgroup_id)
				return &np->isolated[i];
	return NULL;
}

/* The packet half for one cgroup; a failure is counted (the calls' half holds). */
static void skb_isolate(struct netpolicy *np, uint64_t cgroup_id, bool on, bool cut_loopback)
{
	if (np->skb && net_flows_kernel_isolate(np->skb, cgroup_id, on, cut_loopback))
		np->map_errors++;
}

/* Notes a cgroup of an isolated container with its rule mask (for the undo). */
static void note_cgroup(struct netpolicy *np, struct np_isolated *iso, uint64_t cgroup_id,
			uint64_t rules)
{
	size_t k = 0;

	while (k < iso->n_cg && iso->cg[k].id != cgroup_id)
		k++;
	if (k == NP_ISOLATED_CGROUPS) /* the oldest gives way: a restart's leftover */
		memmove(iso->cg, iso->cg + 1, (k = NP_ISOLATED_CGROUPS - 1) * sizeof(iso->cg[0]));
	iso->cg[k].id = cgroup_id;
	iso->cg[k].rules = rules;
	if (k == iso->n_cg)
		iso->n_cg++;
	skb_isolate(np, cgroup_id, true, iso->bits & NP_ISOLATE_LOOPBACK);
}

uint64_t np_isolation_bits_locked(struct netpolicy *np, const char *id, uint64_t cgroup_id,
				  uint64_t rules)
{
	struct np_isolated *iso = find_locked(np, id);

	if (!iso)
		return 0;
	note_cgroup(np, iso, cgroup_id, rules);
	return iso->bits;
}

/* The rule slots that cover a container (what its cgroup has without isolation). */
static uint64_t rules_mask(const struct netpolicy *np, const struct container_info *c)
{
	uint64_t mask = 0;

	for (uint32_t slot = 0; slot < np->n_enforcing; slot++)
		if (netpolicy_scope_covers(&np->rules[np->slot_rule[slot]].scope, c))
			mask |= 1ull << slot;
	return mask;
}

/* The flow programs with accounting off: the isolation list alone. */
#define SKB_FLOWS 64

static void skb_load(struct netpolicy *np)
{
	if (np->skb || np->skb_err)
		return;
	np->skb_err = net_flows_kernel_open(NULL, SKB_FLOWS, false, false, &np->skb);
	if (np->skb_err)
		fprintf(stderr, "palisade: isolate: the packet hooks could not be loaded (%s): "
				"isolation refuses new connects and sends only; inbound and "
				"established connections are not cut\n", strerror(-np->skb_err));
}

int netpolicy_load(struct netpolicy *np)
{
	int err = np_load(np, NULL);

	if (!err)
		skb_load(np);
	return err;
}

int netpolicy_isolate_packets(struct netpolicy *np, char *why, size_t len)
{
	if (!np->skb_err)
		return 0;
	snprintf(why, len, "%s", strerror(-np->skb_err));
	return np->skb_err;
}

int netpolicy_isolate(struct netpolicy *np, const struct container_info *c, bool cut_loopback,
		      const char *by)
{
	uint64_t rules = rules_mask(np, c), mask;
	struct np_isolated *iso, *grown;
	int err = netpolicy_load(np);

	if (err)
		return err;
	pthread_mutex_lock(&np->lock);
	iso = find_locked(np, c->id);
	if (!iso && np->n_isolated == NP_ISOLATED_MAX) {
		err = -ENOSPC;
	} else if (!iso) {
		grown = realloc(np->isolated, (np->n_isolated + 1) * sizeof(*grown));
		if (!grown) {
			err = -ENOMEM;
		} else {
			np->isolated = grown;
			iso = memset(&grown[np->n_isolated++], 0, sizeof(*iso));
			snprintf(iso->id, sizeof(iso->id), "%s", c->id);
		}
	}
	if (iso) {
		iso->bits = NP_ISOLATE | (cut_loopback ? NP_ISOLATE_LOOPBACK : 0);
		snprintf(iso->by, sizeof(iso->by), "%s", by);
		for (size_t k = 0; k < iso->n_cg; k++) /* isolated again: loopback anew */
			skb_isolate(np, iso->cg[k].id, true, cut_loopback);
		if (c->cgroup_id) {
			note_cgroup(np, iso, c->cgroup_id, rules);
			mask = rules | iso->bits;
			if (bpf_map_update_elem(bpf_map__fd(np->skel->maps.np_cgroups), &c->cgroup_id,
						&mask, BPF_ANY))
				err = -errno;
			else
				np_track_cgroup_locked(np, c->cgroup_id);
		}
	}
	pthread_mutex_unlock(&np->lock);
	return err;
}

int netpolicy_unisolate(struct netpolicy *np, const char *id)
{
	struct np_isolated *iso;
	int err = 0, fd;

	pthread_mutex_lock(&np->lock);
	iso = find_locked(np, id);
	if (!iso) {
		pthread_mutex_unlock(&np->lock);
		return -ENOENT;
	}
	fd = np->skel ? bpf_map__fd(np->skel->maps.np_cgroups) : -1;
	/* Each cgroup back to its rules (an entry the prune dropped stays gone). */
	for (size_t k = 0; fd >= 0 && k < iso->n_cg; k++) {
		if (bpf_map_update_elem(fd, &iso->cg[k].id, &iso->cg[k].rules, BPF_EXIST) &&
		    errno != ENOENT)
			err = -errno;
		skb_isolate(np, iso->cg[k].id, false, false);
	}
	*iso = np->isolated[--np->n_isolated];
	pthread_mutex_unlock(&np->lock);
	return err;
}

size_t netpolicy_isolated(struct netpolicy *np, struct netpolicy_isolated_info *out, size_t max)
{
	size_t n;

	pthread_mutex_lock(&np->lock);
	n = np->n_isolated;
	for (size_t i = 0; i < n && i < max; i++) {
		snprintf(out[i].id, sizeof(out[i].id), "%s", np->isolated[i].id);
		snprintf(out[i].by, sizeof(out[i].by), "%s", np->isolated[i].by);
		out[i].cut_loopback = np->isolated[i].bits & NP_ISOLATE_LOOPBACK;
		out[i].refused = np->isolated[i].refused;
		out[i].dropped = 0;
		for (size_t k = 0; np->skb && k < np->isolated[i].n_cg; k++)
			out[i].dropped += net_flows_kernel_isolated_drops(np->skb,
									  np->isolated[i].cg[k].id);
	}
	pthread_mutex_unlock(&np->lock);
	return n;
}
