// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Flow accounting and per-container cut-off: cgroup_skb/egress and
 * cgroup_skb/ingress, attached once at the cgroup v2 root, so every socket of
 * every container (and of the host) passes here, including containers that
 * start later. Each packet is added to its flow in fl_flows (no trip to user
 * space); a new flow the full table cannot take is counted, never silently
 * lost. Layouts: bpf/flows_events.h.
 *
 * Both programs see the packet from its network header (the kernel pushes the
 * link header away before a cgroup_skb program runs), whole: egress runs
 * before fragmentation, ingress after reassembly, and a GSO packet is one
 * skb of gso_segs segments.
 */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "flows_events.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define IPPROTO_ICMPV6 58
#define IPV6_EXT_MAX 4 /* extension headers skipped before giving up on the ports */

/* Off: the programs only apply the isolation list (flows.enabled false). */
volatile __u32 accounting = 1;
/* On: loopback traffic is accounted too (flows.loopback). It never leaves
 * the container or the host, and on a busy host it is most of the flows. */
volatile __u32 loopback = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FL_FLOWS_DEFAULT); /* flows.max, set before load */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct fl_key);
	__type(value, struct fl_value);
} fl_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FL_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} fl_counters SEC(".maps");

/* Cgroups cut off every network but loopback; the value counts their drops. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FL_ISOLATED_MAX);
	__type(key, __u64);
	__type(value, __u64);
} fl_isolated SEC(".maps");

struct pkt {
	struct fl_key k;
	__u8 tcp_flags;
	__u8 icmp_type;
};

static __always_inline void fl_count(__u32 which, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&fl_counters, &which);

	if (v)
		*v += n; /* per-CPU slot: no atomic needed */
}

/* Ports (or the ICMP echo identifier) and TCP flags at offset off. */
static __always_inline int parse_l4(struct __sk_buff *skb, __u32 off, struct pkt *p)
{
	__u8 h[14];

	if (p->k.proto == IPPROTO_TCP) {
		if (bpf_skb_load_bytes(skb, off, h, 14))
			return -1;
		p->tcp_flags = h[13];
	} else if (p->k.proto == IPPROTO_UDP) {
		if (bpf_skb_load_bytes(skb, off, h, 4))
			return -1;
	} else if (p->k.proto == IPPROTO_ICMP || p->k.proto == IPPROTO_ICMPV6) {
		if (bpf_skb_load_bytes(skb, off, h, 8))
			return -1;
		p->icmp_type = h[0];
		/* Echo request and reply (v4 8/0, v6 128/129): the identifier
		 * pairs them into one flow; other types have no ports. */
		if (h[0] == 8 || h[0] == 0 || h[0] == 128 || h[0] == 129)
			p->k.lport = p->k.rport = (__u16)(h[4] << 8 | h[5]);
		return 0;
	} else {
		return 0;
	}
	p->k.lport = (__u16)(h[0] << 8 | h[1]); /* source, swapped below for ingress */
	p->k.rport = (__u16)(h[2] << 8 | h[3]);
	return 0;
}

static __always_inline int parse_v4(struct __sk_buff *skb, struct pkt *p)
{
	struct iphdr ip;
	__u32 hl;

	if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)))
		return -1;
	hl = (__u32)ip.ihl * 4;
	if (hl < sizeof(ip))
		return -1;
	p->k.family = 4;
	p->k.proto = ip.protocol;
	__builtin_memcpy(p->k.local, &ip.saddr, 4);
	__builtin_memcpy(p->k.remote, &ip.daddr, 4);
	if (ip.frag_off & bpf_htons(0x1fff))
		return 0; /* a later fragment: no transport header */
	return parse_l4(skb, hl, p);
}

static __always_inline int parse_v6(struct __sk_buff *skb, struct pkt *p)
{
	struct ipv6hdr ip;
	__u32 off = sizeof(ip);
	__u8 next, ext[2];

	if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)))
		return -1;
	p->k.family = 6;
	__builtin_memcpy(p->k.local, &ip.saddr, 16);
	__builtin_memcpy(p->k.remote, &ip.daddr, 16);
	next = ip.nexthdr;
	for (int i = 0; i < IPV6_EXT_MAX; i++) {
		if (next != 0 && next != 43 && next != 60 && next != 44)
			break;
		if (bpf_skb_load_bytes(skb, off, ext, 2))
			return -1;
		if (next == 44) { /* fragment header: 8 bytes */
			__u8 frag[4];

			if (bpf_skb_load_bytes(skb, off + 2, frag, 4))
				return -1;
			next = ext[0];
			off += 8;
			if ((frag[0] << 8 | frag[1]) & 0xfff8) {
				p->k.proto = next;
				return 0; /* a later fragment */
			}
			continue;
		}
		next = ext[0];
		off += ((__u32)ext[1] + 1) * 8;
	}
	p->k.proto = next;
	return parse_l4(skb, off, p);
}

static __always_inline bool isolated_drop(struct __sk_buff *skb, __u64 cgroup_id)
{
	__u64 *drops = bpf_map_lookup_elem(&fl_isolated, &cgroup_id);

	if (!drops)
		return false;
	/* Loopback is ifindex 1 in every network namespace: kept unless the
	 * isolation says otherwise. */
	if (skb->ifindex == 1 && !(*drops & FL_ISOLATE_LOOPBACK))
		return false;
	__sync_fetch_and_add(drops, 1);
	fl_count(FL_CNT_ISOLATED, 1);
	return true;
}

/* An address as 16 bytes: IPv4 as ::ffff:a.b.c.d. */
static __always_inline void lp_addr16(const __u8 *a, __u8 family, __u8 out[16])
{
	if (family == 4) {
		__builtin_memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		__builtin_memcpy(out + 12, a, 4);
	} else {
		__builtin_memcpy(out, a, 16);
	}
}

#include "labelpolicy.bpf.h"

static __always_inline void add(struct fl_value *v, __u8 dir, __u64 len, __u64 segs,
				__u8 tcp_flags, __u64 now)
{
	__u64 bits = (__u64)tcp_flags << FL_TCP_SHIFT(dir);

	__sync_fetch_and_add(&v->bytes[dir], len);
	__sync_fetch_and_add(&v->packets[dir], segs);
	v->last_ns = now; /* the latest writer wins: any of them is recent */
	if (bits && (v->tcp_flags & bits) != bits)
		__sync_fetch_and_or(&v->tcp_flags, bits);
}

static __always_inline void account(struct __sk_buff *skb, struct pkt *p, __u8 dir)
{
	__u64 now = bpf_ktime_get_boot_ns(), len = skb->len, segs = skb->gso_segs;
	struct fl_value *v, nv = {};
	long err;

	if (!segs)
		segs = 1;
	fl_count(FL_CNT_PACKETS, segs);
	v = bpf_map_lookup_elem(&fl_flows, &p->k);
	if (v) {
		add(v, dir, len, segs, p->tcp_flags, now);
		return;
	}
	nv.first_ns = now;
	nv.last_ns = now;
	nv.bytes[dir] = len;
	nv.packets[dir] = segs;
	nv.tcp_flags = (__u64)p->tcp_flags << FL_TCP_SHIFT(dir);
	nv.initiator = dir;
	nv.icmp_type = p->icmp_type;
	if (p->tcp_flags & FL_TCP_SYN) {
		nv.flags = FL_F_SYN_SEEN;
		if (p->tcp_flags & FL_TCP_ACK) /* a SYN-ACK answers the other end's SYN */
			nv.initiator = dir ^ 1;
	}
	err = bpf_map_update_elem(&fl_flows, &p->k, &nv, BPF_NOEXIST);
	if (!err)
		return;
	v = err == -17 /* EEXIST: another CPU made it first */ ?
		    bpf_map_lookup_elem(&fl_flows, &p->k) :
		    NULL;
	if (v) {
		add(v, dir, len, segs, p->tcp_flags, now);
		return;
	}
	fl_count(FL_CNT_FULL_FLOWS, 1);
	fl_count(FL_CNT_FULL_PACKETS, segs);
	fl_count(FL_CNT_FULL_BYTES, len);
}

/* 1: pass, 0: drop. */
static __always_inline int handle(struct __sk_buff *skb, __u8 dir)
{
	struct pkt p = {};
	int err;

	p.k.cgroup_id = bpf_skb_cgroup_id(skb);
	if (isolated_drop(skb, p.k.cgroup_id))
		return 0;
	if (!lp_active && (!accounting || (skb->ifindex == 1 && !loopback)))
		return 1;
	if (skb->protocol == bpf_htons(ETH_P_IP))
		err = parse_v4(skb, &p);
	else if (skb->protocol == bpf_htons(ETH_P_IPV6))
		err = parse_v6(skb, &p);
	else
		err = -1;
	if (err) {
		fl_count(FL_CNT_NOT_IP, 1);
		return 1;
	}
	if (dir == FL_IN) { /* the packet's source is the remote end */
		__u8 a[16];
		__u16 port = p.k.lport;

		__builtin_memcpy(a, p.k.local, 16);
		__builtin_memcpy(p.k.local, p.k.remote, 16);
		__builtin_memcpy(p.k.remote, a, 16);
		p.k.lport = p.k.rport;
		p.k.rport = port;
		if (!lp_ingress(skb, &p))
			return 0;
	}
	if (!accounting || (skb->ifindex == 1 && !loopback))
		return 1;
	account(skb, &p, dir);
	return 1;
}

SEC("cgroup_skb/egress")
int fl_egress(struct __sk_buff *skb)
{
	return handle(skb, FL_OUT);
}

SEC("cgroup_skb/ingress")
int fl_ingress(struct __sk_buff *skb)
{
	return handle(skb, FL_IN);
}
