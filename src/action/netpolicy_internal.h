/* Shared by netpolicy.c and netpolicy_isolate.c only: the policy's state. */
#ifndef PALISADE_ACTION_NETPOLICY_INTERNAL_H
#define PALISADE_ACTION_NETPOLICY_INTERNAL_H

#include <pthread.h>

#include "action/netpolicy.h"
#include "net/net.h"
#include "netpolicy.skel.h"

/* A container cut off the network (netpolicy_isolate): the cgroups written
 * for it, each with the rule mask it has without the isolation. */
#define NP_ISOLATED_CGROUPS 8
struct np_isolated {
	char id[CONTAINER_ID_LEN + 1];
	uint64_t bits; /* NP_ISOLATE, | NP_ISOLATE_LOOPBACK */
	struct {
		uint64_t id, rules;
	} cg[NP_ISOLATED_CGROUPS];
	size_t n_cg;
	char by[128];      /* the rule, or the operator, that isolated it */
	uint64_t refused;  /* calls refused since */
	uint64_t reported; /* of which reported as records */
};

/* How often cgroups of containers that are gone are dropped from the map. */
#define PRUNE_INTERVAL_NS (5ull * 1000000000ull)

struct netpolicy {
	struct netpolicy_rule *rules; /* every translated rule, audit ones too */
	size_t n_rules, n_enforcing;
	int slot_rule[NP_RULES_MAX]; /* kernel slot -> index in rules */
	uint64_t unlisted_mask;      /* slots that cover host processes */

	struct netpolicy_bpf *skel; /* NULL: nothing loaded (audit only) */
	struct bpf_link *links[4];
	struct ring_buffer *rb;
	int ncpus;
	netpolicy_deny_fn on_deny;
	void *ctx;
	struct container_store *poll_containers; /* during netpolicy_poll */
	int polled;

	pthread_mutex_t lock; /* guards the cgroup list: the store's threads add */
	uint64_t *cgroups;
	size_t n_cgroups, cap_cgroups;
	uint64_t map_errors;
	uint64_t next_prune_ns;
	struct np_isolated *isolated; /* lock: containers cut off the network */
	size_t n_isolated;
	/* The packet half of isolation (bpf/flows.bpf.c's isolation list, at
	 * cgroup_skb ingress and egress): loaded with the first isolation;
	 * NULL with skb_err when it could not be. */
	struct net_flows_kernel *skb;
	int skb_err;
};


/* netpolicy_isolate.c: the isolation bits of a container (0: none), and
 * the cgroup noted for it. np->lock held. */
uint64_t np_isolation_bits_locked(struct netpolicy *np, const char *id, uint64_t cgroup_id,
				  uint64_t rules);
/* The isolated container of a cgroup, NULL: none. np->lock held. */
struct np_isolated *np_isolated_by_cgroup_locked(struct netpolicy *np, uint64_t cgroup_id);
/* Notes a cgroup written to the kernel, for the prune (netpolicy.c). Lock held. */
void np_track_cgroup_locked(struct netpolicy *np, uint64_t id);
/* Loads and attaches the hooks (netpolicy.c). */
int np_load(struct netpolicy *np, const char *cgroup2_root);

#endif
