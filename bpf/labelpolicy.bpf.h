/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Label policy in the kernel (included by bpf/flows.bpf.c, docs/policy.md):
 * egress at cgroup/connect4/6 and sendmsg4/6 (the caller gets EPERM), ingress
 * at cgroup_skb/ingress of the receiving container (a TCP SYN or a UDP
 * datagram is dropped). User space compiles the policies into lp_rules for
 * each enforced endpoint (lp_endpoints: cgroup -> endpoint id and
 * directions); a lookup is three longest-prefix matches, for the exact
 * protocol and port, the port with any protocol, and rules without ports.
 * Replies are never judged: a TCP segment that is not an initial SYN, a UDP
 * datagram answering one the container sent (its flow began outward), a UDP
 * reply sent to a peer that wrote first.
 */
#ifndef PALISADE_LABELPOLICY_BPF_H
#define PALISADE_LABELPOLICY_BPF_H

/* Set by user space: 1 while a policy is loaded; 1: audit (report, never drop). */
volatile __u32 lp_active = 0;
volatile __u32 lp_audit = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LP_ENDPOINTS_MAX);
	__type(key, __u64); /* cgroup v2 id */
	__type(value, struct lp_endpoint);
} lp_endpoints SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, LP_RULES_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct lp_key);
	__type(value, struct lp_value);
} lp_rules SEC(".maps");

/* UDP peers that wrote first to an egress-enforced endpoint: its answers pass. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LP_REPLIES_MAX);
	__type(key, struct lp_reply_key);
	__type(value, __u8);
} lp_replies SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} lp_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LP_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} lp_counters SEC(".maps");

static __always_inline void lp_count(__u32 which)
{
	__u64 *v = bpf_map_lookup_elem(&lp_counters, &which);

	if (v)
		*v += 1;
}

static __always_inline void lp_lookup(struct lp_key *k, __u8 proto, __u16 port, __u8 *bits,
				      __u16 *allow, __u16 *deny)
{
	struct lp_value *v;

	k->proto = proto;
	k->port = port;
	v = bpf_map_lookup_elem(&lp_rules, k);
	if (!v)
		return;
	if ((v->bits & LP_ALLOW) && !(*bits & LP_ALLOW))
		*allow = v->allow_ref;
	if ((v->bits & LP_DENY) && !(*bits & LP_DENY))
		*deny = v->deny_ref;
	*bits |= v->bits;
}

/* 1: pass, 0: refuse. Reports every refusal (or, in audit, would-be one). */
static __always_inline int lp_decide(const struct lp_endpoint *ep, __u64 cgroup_id, __u8 dir,
				     __u8 proto, __u16 port, const __u8 addr[16])
{
	struct lp_key k = { .prefixlen = 64 + 128, .ep = ep->id, .dir = dir };
	struct lp_event *e;
	__u16 allow = 0, deny = 0;
	__u8 bits = 0;

	__builtin_memcpy(k.addr, addr, 16);
	lp_count(LP_CNT_CHECKED);
	lp_lookup(&k, proto, port, &bits, &allow, &deny);
	lp_lookup(&k, 0, port, &bits, &allow, &deny);
	if (port)
		lp_lookup(&k, 0, 0, &bits, &allow, &deny);
	if (!(bits & LP_DENY) && (bits & LP_ALLOW))
		return 1;
	lp_count(lp_audit ? LP_CNT_AUDITED : LP_CNT_DENIED);
	e = bpf_ringbuf_reserve(&lp_events, sizeof(*e), 0);
	if (e) {
		e->ts_ns = bpf_ktime_get_boot_ns();
		e->cgroup_id = cgroup_id;
		e->ep = ep->id;
		e->ref = (bits & LP_DENY) ? deny : 0;
		e->dir = dir;
		e->proto = proto;
		e->port = port;
		e->audit = lp_audit ? 1 : 0;
		e->denied_by_rule = (bits & LP_DENY) ? 1 : 0;
		__builtin_memset(e->pad, 0, sizeof(e->pad));
		__builtin_memcpy(e->addr, addr, 16);
		bpf_ringbuf_submit(e, 0);
	} else {
		lp_count(LP_CNT_EVENT_LOST);
	}
	return lp_audit ? 1 : 0;
}

/* Ingress of a receiving container: p's local end is the container's. */
static __always_inline int lp_ingress(struct __sk_buff *skb, const struct pkt *p)
{
	struct lp_endpoint *ep;
	struct fl_value *flow;
	__u8 addr[16];

	if (!lp_active || skb->ifindex == 1)
		return 1;
	ep = bpf_map_lookup_elem(&lp_endpoints, &p->k.cgroup_id);
	if (!ep)
		return 1;
	if (p->k.proto == IPPROTO_UDP && (ep->dirs & LP_EGRESS_BIT)) {
		struct lp_reply_key rk = { .cgroup_id = p->k.cgroup_id, .rport = p->k.rport,
					   .lport = p->k.lport };
		__u8 one = 1;

		lp_addr16(p->k.remote, p->k.family, rk.remote);
		bpf_map_update_elem(&lp_replies, &rk, &one, BPF_ANY);
	}
	if (!(ep->dirs & LP_INGRESS_BIT))
		return 1;
	if (p->k.proto == IPPROTO_TCP &&
	    (!(p->tcp_flags & FL_TCP_SYN) || (p->tcp_flags & FL_TCP_ACK)))
		return 1; /* only a connection's first segment is judged */
	if (p->k.proto == IPPROTO_UDP) {
		flow = bpf_map_lookup_elem(&fl_flows, &p->k);
		if (flow && flow->initiator == FL_OUT)
			return 1; /* the answer to a datagram the container sent */
	}
	lp_addr16(p->k.remote, p->k.family, addr);
	return lp_decide(ep, p->k.cgroup_id, LP_DIR_INGRESS, p->k.proto,
			 p->k.proto == IPPROTO_TCP || p->k.proto == IPPROTO_UDP ? p->k.lport : 0, addr);
}

/* Egress at connect/sendmsg: 1 allow, 0 EPERM. */
static __always_inline int lp_egress(struct bpf_sock_addr *ctx, const __u8 addr[16], __u16 port,
				     bool sendmsg)
{
	__u8 proto = (__u8)ctx->protocol; /* read once: the verifier refuses a moved ctx pointer */
	__u64 cgroup_id;
	struct lp_endpoint *ep;

	if (!lp_active)
		return 1;
	cgroup_id = bpf_get_current_cgroup_id();
	ep = bpf_map_lookup_elem(&lp_endpoints, &cgroup_id);
	if (!ep || !(ep->dirs & LP_EGRESS_BIT))
		return 1;
	if (addr[0] == 0 && addr[10] == 0xff && addr[11] == 0xff && addr[12] == 127)
		return 1; /* loopback stays inside the container */
	if (sendmsg && proto == IPPROTO_UDP) {
		struct bpf_sock *sk = ctx->sk;
		struct lp_reply_key rk = { .cgroup_id = cgroup_id, .rport = port };

		if (sk) {
			rk.lport = (__u16)sk->src_port;
			__builtin_memcpy(rk.remote, addr, 16);
			if (bpf_map_lookup_elem(&lp_replies, &rk))
				return 1; /* answering a peer that wrote first */
		}
	}
	return lp_decide(ep, cgroup_id, LP_DIR_EGRESS, proto, port, addr);
}

static __always_inline int lp_sock4(struct bpf_sock_addr *ctx, bool sendmsg)
{
	__u8 addr[16] = {};
	__u32 ip = ctx->user_ip4;

	addr[10] = addr[11] = 0xff;
	__builtin_memcpy(addr + 12, &ip, 4);
	return lp_egress(ctx, addr, bpf_ntohs((__u16)ctx->user_port), sendmsg);
}

static __always_inline int lp_sock6(struct bpf_sock_addr *ctx, bool sendmsg)
{
	__u8 addr[16];
	__u32 w0 = ctx->user_ip6[0], w1 = ctx->user_ip6[1], w2 = ctx->user_ip6[2],
	      w3 = ctx->user_ip6[3];

	__builtin_memcpy(addr, &w0, 4);
	__builtin_memcpy(addr + 4, &w1, 4);
	__builtin_memcpy(addr + 8, &w2, 4);
	__builtin_memcpy(addr + 12, &w3, 4);
	return lp_egress(ctx, addr, bpf_ntohs((__u16)ctx->user_port), sendmsg);
}

SEC("cgroup/connect4")
int lp_connect4(struct bpf_sock_addr *ctx)
{
	return lp_sock4(ctx, false);
}

SEC("cgroup/connect6")
int lp_connect6(struct bpf_sock_addr *ctx)
{
	return lp_sock6(ctx, false);
}

SEC("cgroup/sendmsg4")
int lp_sendmsg4(struct bpf_sock_addr *ctx)
{
	return lp_sock4(ctx, true);
}

SEC("cgroup/sendmsg6")
int lp_sendmsg6(struct bpf_sock_addr *ctx)
{
	return lp_sock6(ctx, true);
}

#endif
