/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The flow contract between bpf/flows.bpf.c and src/net/: the flow table the
 * kernel keeps per container (cgroup) and socket pair, the counters of what
 * did not fit, and the isolation list. Same habits as events.h: fixed-width
 * types, explicit padding, sizes checked on both sides.
 *
 * A flow is one conversation of one cgroup: protocol, local and remote
 * address and port. The kernel adds every packet to its flow (bytes,
 * packets, TCP flags, per direction, first and last seen); user space reads
 * the table about once a second, turns new keys into flow starts and closed
 * or idle flows into flow ends, and deletes those. No packet goes to user
 * space.
 */
#ifndef PALISADE_FLOWS_EVENTS_H
#define PALISADE_FLOWS_EVENTS_H

#ifndef __bpf__
#include <linux/types.h>
#endif

/* The flow table's default and hard bounds (flows.max). */
#define FL_FLOWS_DEFAULT 65536
#define FL_FLOWS_MAX (1u << 20)
/* Containers cut off the network (fl_isolated): issue 22's `isolate`. */
#define FL_ISOLATED_MAX 4096
/* In an fl_isolated value: loopback is cut too (the rest counts the drops). */
#define FL_ISOLATE_LOOPBACK (1ull << 63)

/* Directions: index of the per-direction counters, and the initiator. */
#define FL_OUT 0 /* sent by the cgroup's socket (cgroup_skb/egress) */
#define FL_IN 1  /* received by it (cgroup_skb/ingress) */

/* TCP flags as the header carries them (byte 13). */
#define FL_TCP_FIN 0x01
#define FL_TCP_SYN 0x02
#define FL_TCP_RST 0x04
#define FL_TCP_ACK 0x10
#define FL_TCP_SHIFT(dir) (8 * (dir)) /* where a direction's flags sit in tcp_flags */

/* fl_value.flags */
#define FL_F_SYN_SEEN 1u /* the flow began with a SYN: the initiator is certain */

struct fl_key {
	__u64 cgroup_id; /* cgroup v2 id of the socket's owner */
	__u8 local[16];  /* IPv4: the first 4 bytes, the rest zero */
	__u8 remote[16];
	__u16 lport, rport; /* host byte order; ICMP echo: the identifier, both */
	__u8 proto;         /* IPPROTO_TCP, _UDP, _ICMP, _ICMPV6 */
	__u8 family;        /* 4 or 6 */
	__u8 pad[2];
};

struct fl_value {
	__u64 first_ns, last_ns;   /* CLOCK_BOOTTIME */
	__u64 bytes[2], packets[2]; /* [FL_OUT], [FL_IN]; IP packets, headers included */
	/* FL_TCP_* seen: sent in bits 0-7, received in bits 8-15 (FL_TCP_SHIFT);
	 * one 64-bit word, the width BPF's atomic or takes everywhere. */
	__u64 tcp_flags;
	__u8 initiator; /* FL_OUT or FL_IN: who sent the first packet */
	__u8 icmp_type; /* ICMP: the type of the first packet */
	__u8 flags;     /* FL_F_* */
	__u8 pad[5];
};

/* Counters, per CPU. */
enum fl_counter {
	FL_CNT_PACKETS = 0,  /* packets accounted */
	FL_CNT_NOT_IP,       /* packets that were not IPv4/IPv6 or were cut short */
	FL_CNT_FULL_FLOWS,   /* new flows the full table could not take */
	FL_CNT_FULL_PACKETS, /* their packets */
	FL_CNT_FULL_BYTES,   /* their bytes */
	FL_CNT_ISOLATED,     /* packets dropped because their container is isolated */
	FL_CNT_MAX,
};

#define FL_ASSERT(cond) _Static_assert(cond, #cond)
FL_ASSERT(sizeof(struct fl_key) == 48);
FL_ASSERT(sizeof(struct fl_value) == 64);
FL_ASSERT(__builtin_offsetof(struct fl_value, tcp_flags) == 48);
FL_ASSERT(__builtin_offsetof(struct fl_value, initiator) == 56);

/* ---- Label policy (bpf/labelpolicy.bpf.h, src/net/policy_maps.c) ---- */
#define LP_ENDPOINTS_MAX 4096 /* enforced containers (cgroups) */
#define LP_RULES_MAX 65536    /* prefixes of every endpoint's rules */
#define LP_REPLIES_MAX 16384  /* UDP peers that wrote first (LRU) */

#define LP_DIR_INGRESS 0
#define LP_DIR_EGRESS 1
#define LP_INGRESS_BIT 1u
#define LP_EGRESS_BIT 2u

struct lp_endpoint {
	__u32 id;  /* endpoint id in lp_rules keys (one generation's) */
	__u8 dirs; /* LP_*_BIT: directions that are default-deny */
	__u8 pad[3];
};

/* LPM key: the endpoint, direction, protocol (0: any) and port (0: any)
 * are matched exactly (the first 64 bits), then the peer's address
 * (IPv4 as ::ffff:a.b.c.d): prefixlen = 64 + the address prefix length. */
struct lp_key {
	__u32 prefixlen;
	__u32 ep;
	__u8 dir;
	__u8 proto;
	__u16 port; /* host byte order */
	__u8 addr[16];
};

#define LP_ALLOW 1u
#define LP_DENY 2u
struct lp_value {
	__u8 bits;      /* LP_ALLOW, LP_DENY: what the rules say for this region */
	__u8 pad;
	__u16 allow_ref; /* which policy and rule (user space's index), for the record */
	__u16 deny_ref;
	__u16 pad2;
};

struct lp_reply_key {
	__u64 cgroup_id;
	__u8 remote[16];
	__u16 rport, lport;
	__u32 pad;
};

/* One refusal (or, in audit mode, one refusal that was not carried out). */
struct lp_event {
	__u64 ts_ns;     /* CLOCK_BOOTTIME */
	__u64 cgroup_id; /* the enforced endpoint */
	__u32 ep;
	__u16 ref;       /* deny_ref when a deny rule refused; 0: default deny */
	__u8 dir, proto;
	__u16 port;      /* the endpoint's port (ingress) or the peer's (egress) */
	__u8 audit, denied_by_rule;
	__u8 pad[4];
	__u8 addr[16];   /* the peer */
};

enum lp_counter {
	LP_CNT_CHECKED = 0, /* new connections and datagrams judged */
	LP_CNT_DENIED,      /* refused */
	LP_CNT_AUDITED,     /* would have been refused (audit mode) */
	LP_CNT_EVENT_LOST,  /* records lost: the ring was full */
	LP_CNT_MAX,
};

FL_ASSERT(sizeof(struct lp_endpoint) == 8);
FL_ASSERT(sizeof(struct lp_key) == 28);
FL_ASSERT(sizeof(struct lp_value) == 8);
FL_ASSERT(sizeof(struct lp_reply_key) == 32);
FL_ASSERT(sizeof(struct lp_event) == 48);

#endif /* PALISADE_FLOWS_EVENTS_H */
