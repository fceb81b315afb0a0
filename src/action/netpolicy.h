/*
 * action/netpolicy: the network-enforcement back-end. Denies egress connect
 * and sendmsg (TCP and UDP, IPv4 and IPv6, by destination address or CIDR,
 * port or port range, and protocol) per container through cgroup BPF hooks
 * (bpf/netpolicy.bpf.c), and reports every deny with the container it came
 * from. Turns `action: deny` rules the kernel can decide exactly into policy
 * entries, and says why for the others (netpolicy_rules.c).
 *
 * Owns the netpolicy BPF object, its maps and its deny ring. Must not touch
 * the rules engine beyond rules.h, nor the container store beyond
 * container.h: containers arrive through netpolicy_container_update().
 *
 * Threads: netpolicy_container_update() may be called from the container
 * store's threads while the consumer thread calls netpolicy_poll(); rules
 * are added before netpolicy_attach() and never change afterwards.
 * docs/enforcement-network.md describes what a user sees.
 */
#ifndef PALISADE_ACTION_NETPOLICY_H
#define PALISADE_ACTION_NETPOLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "alert/alert.h"
#include "container/container.h"
#include "netpolicy_events.h"
#include "rules/rules.h"

/* An address or network: ip_len 4 or 16, prefix 0..8*ip_len. */
struct netpolicy_net {
	uint8_t ip[16];
	uint8_t ip_len;
	uint8_t prefix;
};

/*
 * One policy rule: deny a call when every condition holds. A call is a
 * connect (NP_HOOK_CONNECT) or a sendmsg/sendto naming a destination
 * (NP_HOOK_SENDMSG); a UDP send on a connected socket was judged at connect.
 */
struct netpolicy_rule {
	const char *name; /* for reports: the rule of the rules file */
	const struct rules_rule_info *info; /* that rule (engine-owned), or NULL */
	unsigned hooks;   /* NP_HOOK_* */
	unsigned protos;  /* NP_PROTO_* */
	unsigned families; /* NP_FAMILY_* */
	/* Destinations: in `include` (NULL with has_include false: any) and not
	 * in `exclude`. An empty include set that is present matches nothing. */
	bool has_include, has_exclude;
	struct netpolicy_net *include, *exclude;
	size_t n_include, n_exclude;
	struct np_port_range ports[NP_PORT_RANGES]; /* sorted, disjoint */
	size_t n_ports;                             /* 0: any port */
	struct rules_action_spec scope;             /* where: host, containers, globs */
	bool enforce; /* false: audit (reported, never loaded in the kernel) */
};

/* Frees what a netpolicy_rule owns (its sets), not the struct. */
void netpolicy_rule_release(struct netpolicy_rule *r);

/* Does the rule's scope cover this container (NULL: a host process)? */
bool netpolicy_scope_covers(const struct rules_action_spec *scope,
			    const struct container_info *c);

/*
 * Translates a rule of the engine. Returns 1 and fills *out when the rule is
 * an `action: deny` on connect/sendto/sendmsg that the cgroup hooks decide
 * exactly; 0 when the rule is not a network deny at all (another back-end's
 * business); -ENOTSUP with *why (engine- or static-owned text) when it is a
 * network deny the hooks cannot serve; another negative errno on failure.
 * global_enforce is `palisade run --enforce`; the rule's own `enforce` wins.
 */
int netpolicy_rule_from_rules(struct rules_engine *e, size_t rule, bool global_enforce,
			      struct netpolicy_rule *out, const char **why);

/* One line for the start-up report: "connect,sendmsg tcp 10.0.0.0/8 ports 80,443". */
void netpolicy_rule_describe(const struct netpolicy_rule *r, char *buf, size_t size);

struct netpolicy;

/* A deny the kernel made, with the container it came from (NULL: host). */
struct netpolicy_deny {
	const struct np_deny_event *ev;
	const struct netpolicy_rule *rule; /* NULL for an isolation's refusal */
	const struct container_info *container;
	bool isolated;        /* refused because the container is isolated */
	char isolated_by[128]; /* then: the rule (or operator) that isolated it */
	bool last_report;     /* the last refusal of it that is reported */
};
/* Refusals of one isolated container reported as records; the rest are counted. */
#define NP_ISOLATION_REPORTS 16
typedef void (*netpolicy_deny_fn)(const struct netpolicy_deny *d, void *ctx);

/* An empty policy; on_deny receives the kernel's denies (netpolicy_poll). */
int netpolicy_new(netpolicy_deny_fn on_deny, void *ctx, struct netpolicy **out);
/*
 * Adds a rule (copied; r's sets now belong to the policy, r is zeroed).
 * Enforcing rules take a kernel slot: -ENOSPC beyond NP_RULES_ENFORCED_MAX. Audit
 * rules are kept to annotate alerts only. Call before netpolicy_start().
 */
int netpolicy_add_rule(struct netpolicy *np, struct netpolicy_rule *r);
size_t netpolicy_rule_count(const struct netpolicy *np, size_t *enforcing);
/*
 * With at least one enforcing rule: loads bpf/netpolicy.bpf.c, fills the
 * rule and address maps and attaches the four hooks at the cgroup v2 root
 * (NULL: found in /proc/self/mountinfo). With none (audit): loads and
 * attaches nothing. Returns 0 or a negative errno after printing what failed
 * and what to do.
 */
int netpolicy_start(struct netpolicy *np, const char *cgroup2_root);
/* One line for the start-up report. */
void netpolicy_describe(const struct netpolicy *np, char *buf, size_t size);
/*
 * A container became visible or changed: writes which enforcing rules cover
 * its cgroup to the kernel. Thread-safe and quick (one map update); may be
 * called from the container store's threads (its on_update callback).
 */
void netpolicy_container_update(struct netpolicy *np, const struct container_info *c);
/*
 * Reports queued denies through on_deny, with their container from
 * `containers` (NULL: id only), and every few seconds drops the cgroups of
 * containers that are gone. Consumer thread only. Returns denies reported.
 */
int netpolicy_poll(struct netpolicy *np, struct container_store *containers);
/* A deny the kernel made, as an alert of its rule, with its "palisade_action"
 * (NULL when out of memory). The caller owns it. */
struct alert *netpolicy_deny_alert(const struct netpolicy_deny *d, const char *hostname,
				   uint64_t boot_to_epoch_ns);

struct netpolicy_stats {
	uint64_t checked;     /* hook calls from cgroups with a rule */
	uint64_t denied;      /* of which denied */
	uint64_t events_lost; /* deny records the ring could not hold */
	uint64_t map_errors;  /* cgroup entries the kernel refused */
	size_t cgroups;       /* cgroups listed in the kernel */
	size_t isolated;      /* containers cut off the network */
	uint64_t isolation_refused; /* calls refused because of it */
};
void netpolicy_stats(struct netpolicy *np, struct netpolicy_stats *out);
/*
 * Isolation (docs/response.md): cuts a container off the network, every
 * connect and addressed send of its cgroups refused (EPERM), and every
 * packet in or out dropped (bpf/flows.bpf.c's isolation list), except on
 * loopback unless cut_loopback; loads and attaches the hooks if no rule did.
 * `by` names who did it in the refusals' records. Kept by container id: a
 * cgroup of it seen later (a restart) is cut too. Event thread. 0, -ENOSPC
 * (NP_ISOLATED_MAX containers), or the load's error.
 */
#define NP_ISOLATED_MAX 1024
int netpolicy_isolate(struct netpolicy *np, const struct container_info *c, bool cut_loopback,
		      const char *by);
/* Lifts it: -ENOENT when the container is not isolated. */
int netpolicy_unisolate(struct netpolicy *np, const char *id);
/* The isolated containers: fills up to max (id, by, refused); returns how many there are. */
struct netpolicy_isolated_info {
	char id[CONTAINER_ID_LEN + 1];
	char by[128];
	bool cut_loopback;
	uint64_t refused; /* calls refused */
	uint64_t dropped; /* packets dropped */
};
size_t netpolicy_isolated(struct netpolicy *np, struct netpolicy_isolated_info *out, size_t max);
/* Loads and attaches the hooks now, whether or not a rule needs them (a
 * later isolation must not wait for it). 0 or a negative errno. */
int netpolicy_load(struct netpolicy *np);
/* 0 when isolation drops packets too; else the error why not (in why). */
int netpolicy_isolate_packets(struct netpolicy *np, char *why, size_t len);

/* Denies per enforced rule, "'name' N, 'name' N" (those with N > 0). */
void netpolicy_describe_denies(struct netpolicy *np, char *buf, size_t size);
void netpolicy_free(struct netpolicy *np);

#endif
