/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The network-policy contract between bpf/netpolicy.bpf.c and
 * src/action/netpolicy.c: the maps user space fills and the deny record the
 * hooks queue. Kept apart from events.h because it is a separate object with
 * its own ring: nothing else reads these layouts. Same habits: fixed-width
 * types, explicit padding, sizes checked on both sides.
 *
 * A policy is a set of rules, each in a slot 0..NP_RULES_MAX-1. A rule denies
 * a connect/sendmsg when every condition it has holds: hook, protocol,
 * destination port in one of its ranges, destination address in its include
 * set (when it has one) and not in its exclude set (when it has one). Which
 * rules apply to a cgroup is a bit mask per cgroup id (np_cgroups); cgroups
 * not in that map get the mask in the global unlisted_rules (host processes).
 */
#ifndef PALISADE_NETPOLICY_EVENTS_H
#define PALISADE_NETPOLICY_EVENTS_H

#ifndef __bpf__
#include <linux/types.h>
#endif

#define NP_RULES_MAX 64     /* rule slots: one bit each in a cgroup's mask */
/*
 * The two top bits of a cgroup's mask are not rule slots: they cut the
 * cgroup off the network (`isolate`, docs/response.md). Every connect and
 * addressed send is refused, except to loopback (127.0.0.0/8, ::1, and the
 * unspecified address, which reach the caller's own network namespace)
 * unless NP_ISOLATE_LOOPBACK is set too. Rules use the slots below.
 */
#define NP_ISOLATE (1ull << 63)
#define NP_ISOLATE_LOOPBACK (1ull << 62)
#define NP_RULES_ENFORCED_MAX 62
#define NP_RULE_ISOLATED 0xff /* np_deny_event.rule of an isolation's refusal */
#define NP_PORT_RANGES 16   /* destination port ranges per rule */
#define NP_CGROUPS_MAX 16384
#define NP_ADDRS_MAX 65536  /* prefixes per address family, all rules */

/* Which hooks a rule applies to. */
#define NP_HOOK_CONNECT (1u << 0) /* cgroup/connect4, connect6 */
#define NP_HOOK_SENDMSG (1u << 1) /* cgroup/sendmsg4, sendmsg6 (UDP with an address) */

/* Protocols, by the socket's protocol. */
#define NP_PROTO_TCP (1u << 0)
#define NP_PROTO_UDP (1u << 1)
#define NP_PROTO_OTHER (1u << 2) /* ICMP echo sockets, raw, ... */
#define NP_PROTO_ALL (NP_PROTO_TCP | NP_PROTO_UDP | NP_PROTO_OTHER)

/* Destination families; an IPv4-mapped IPv6 destination counts as IPv4. */
#define NP_FAMILY_V4 (1u << 0)
#define NP_FAMILY_V6 (1u << 1)

/* Address sets of a rule (np_rule.sets, and the set byte of a trie key). */
#define NP_SET_INCLUDE 1 /* deny only destinations in this set */
#define NP_SET_EXCLUDE 2 /* never deny destinations in this set */

struct np_port_range {
	__u16 lo, hi; /* inclusive, host byte order */
};

/* One rule slot (np_rules array). hooks == 0: the slot is unused. */
struct np_rule {
	__u8 hooks;   /* NP_HOOK_* */
	__u8 protos;  /* NP_PROTO_* */
	__u8 sets;    /* NP_SET_* present */
	__u8 n_ports; /* 0: any port */
	__u8 families; /* NP_FAMILY_*: destination families the rule covers */
	__u8 pad[3];
	struct np_port_range ports[NP_PORT_RANGES];
};

/*
 * LPM trie keys: the rule slot and the set byte come first so one trie holds
 * every rule's prefixes; prefixlen = 16 + the address prefix length.
 */
struct np_v4_key {
	__u32 prefixlen;
	__u8 rule;
	__u8 set;
	__u8 addr[4];
	__u8 pad[2]; /* beyond the longest prefix: never compared, kept zero */
};

struct np_v6_key {
	__u32 prefixlen;
	__u8 rule;
	__u8 set;
	__u8 addr[16];
	__u8 pad[2];
};

/* Counters, per CPU. A cgroup with no rule is not counted: that path is kept
 * to one map lookup. */
enum np_counter {
	NP_CNT_CHECKED = 0, /* calls from a cgroup with at least one rule */
	NP_CNT_DENIED,      /* of which denied */
	NP_CNT_EVENT_LOST,  /* deny records lost: the ring was full */
	NP_CNT_ISOLATED,    /* calls refused because their cgroup is isolated */
	NP_CNT_MAX,
};

/* Queued on np_events for every deny. */
struct np_deny_event {
	__u64 ts_ns;     /* CLOCK_BOOTTIME */
	__u64 cgroup_id; /* cgroup v2 id of the caller */
	__u32 pid;       /* thread-group id, host pid namespace */
	__u32 tid;
	__u32 rule;      /* slot of the rule that denied; NP_RULE_ISOLATED: an isolation */
	__u16 family;    /* AF_INET or AF_INET6 (of the socket) */
	__u16 port;      /* destination, host byte order */
	__u8 protocol;   /* IPPROTO_* */
	__u8 hook;       /* NP_HOOK_* */
	__u8 mapped_v4;  /* an AF_INET6 socket aimed at ::ffff:a.b.c.d */
	__u8 pad[5];
	__u8 addr[16];   /* destination; IPv4 in the first 4 bytes */
	char comm[16];
};

#define NP_ASSERT(cond) _Static_assert(cond, #cond)
NP_ASSERT(sizeof(struct np_rule) == 8 + 4 * NP_PORT_RANGES);
NP_ASSERT(sizeof(struct np_v4_key) == 12);
NP_ASSERT(sizeof(struct np_v6_key) == 24);
NP_ASSERT(sizeof(struct np_deny_event) == 72);
NP_ASSERT(__builtin_offsetof(struct np_deny_event, addr) == 40);

#endif /* PALISADE_NETPOLICY_EVENTS_H */
