// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Network enforcement: cgroup/connect4, connect6, sendmsg4, sendmsg6 return 0
 * (the caller gets EPERM) when a rule of the caller's cgroup denies the
 * destination. Rules and address sets come from user space (bpf/netpolicy_events.h).
 *
 * Attached once, at the cgroup v2 root, rather than to each container's
 * cgroup: a root program runs for every cgroup below it, including containers
 * that start later, so there is no attach to race with a container's first
 * connect and no per-container link to keep or leak. Which rules apply is a
 * hash lookup by the caller's cgroup id, which the container store already
 * knows; a cgroup with no rule costs that one lookup and nothing else.
 */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "netpolicy_events.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17

/* Set by user space through the skeleton's mmap of .bss and .data: the rules
 * for cgroups np_cgroups does not list (host processes), and the number of
 * slots in use, where the rule loop stops. */
volatile __u64 unlisted_rules = 0;
volatile __u32 rule_slots = NP_RULES_MAX;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NP_CGROUPS_MAX);
	__type(key, __u64);   /* cgroup v2 id */
	__type(value, __u64); /* rule slots that apply, one bit each */
} np_cgroups SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NP_RULES_MAX);
	__type(key, __u32);
	__type(value, struct np_rule);
} np_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, NP_ADDRS_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct np_v4_key);
	__type(value, __u8);
} np_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, NP_ADDRS_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct np_v6_key);
	__type(value, __u8);
} np_v6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NP_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} np_counters SEC(".maps");

/* Denies per rule slot, so `palisade` can say which rule is doing the work. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NP_RULES_MAX);
	__type(key, __u32);
	__type(value, __u64);
} np_rule_denies SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} np_events SEC(".maps");

/* The destination of one call, as the hooks see it. */
struct np_dest {
	__u8 addr[16];
	__u16 port;
	__u8 is_v4; /* addr holds IPv4 in its first 4 bytes */
	__u8 mapped_v4;
};

static __always_inline void np_count(struct bpf_map *map, __u32 which)
{
	__u64 *v = bpf_map_lookup_elem(map, &which);

	if (v)
		*v += 1; /* per-CPU slot: no atomic needed */
}

static __always_inline bool in_set(const struct np_dest *d, __u32 rule, __u8 set)
{
	if (d->is_v4) {
		struct np_v4_key k = { .prefixlen = 16 + 32, .rule = rule, .set = set };

		__builtin_memcpy(k.addr, d->addr, 4);
		return bpf_map_lookup_elem(&np_v4, &k) != NULL;
	} else {
		struct np_v6_key k = { .prefixlen = 16 + 128, .rule = rule, .set = set };

		__builtin_memcpy(k.addr, d->addr, 16);
		return bpf_map_lookup_elem(&np_v6, &k) != NULL;
	}
}

static __always_inline bool rule_denies(const struct np_rule *r, __u32 slot, __u8 hook,
					__u8 proto_bit, const struct np_dest *d)
{
	bool port_ok = r->n_ports == 0;

	if (!(r->hooks & hook) || !(r->protos & proto_bit) ||
	    !(r->families & (d->is_v4 ? NP_FAMILY_V4 : NP_FAMILY_V6)))
		return false;
	for (int i = 0; i < NP_PORT_RANGES && !port_ok; i++) {
		if (i >= r->n_ports)
			break;
		port_ok = d->port >= r->ports[i].lo && d->port <= r->ports[i].hi;
	}
	if (!port_ok)
		return false;
	if ((r->sets & NP_SET_INCLUDE) && !in_set(d, slot, NP_SET_INCLUDE))
		return false;
	if ((r->sets & NP_SET_EXCLUDE) && in_set(d, slot, NP_SET_EXCLUDE))
		return false;
	return true;
}

static __always_inline void report(struct bpf_sock_addr *ctx, __u64 cgroup_id, __u32 slot,
				   __u8 hook, const struct np_dest *d)
{
	struct np_deny_event *e = bpf_ringbuf_reserve(&np_events, sizeof(*e), 0);
	__u64 id = bpf_get_current_pid_tgid();

	if (!e) {
		np_count((struct bpf_map *)&np_counters, NP_CNT_EVENT_LOST);
		return;
	}
	e->ts_ns = bpf_ktime_get_boot_ns();
	e->cgroup_id = cgroup_id;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->rule = slot;
	e->family = ctx->family;
	e->port = d->port;
	e->protocol = ctx->protocol;
	e->hook = hook;
	e->mapped_v4 = d->mapped_v4;
	__builtin_memset(e->pad, 0, sizeof(e->pad));
	__builtin_memcpy(e->addr, d->addr, 16);
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
}

struct rule_walk {
	__u64 mask;
	const struct np_dest *d;
	__u8 hook, proto_bit;
	__s32 denied_by; /* slot, or -1 */
};

/* One rule slot per bpf_loop step: a plain 64-step loop with the lookups
 * inside is more than the verifier will follow. */
static long rule_step(__u64 index, void *ctxp)
{
	struct rule_walk *w = ctxp;
	__u32 slot = (__u32)index;
	struct np_rule *r;

	if (!(w->mask & (1ull << (slot & 63))))
		return 0;
	r = bpf_map_lookup_elem(&np_rules, &slot);
	if (!r || !rule_denies(r, slot, w->hook, w->proto_bit, w->d))
		return 0;
	w->denied_by = (__s32)slot;
	return 1;
}

/* Loopback and the unspecified address stay inside the caller's network
 * namespace: an isolated container keeps them unless told otherwise. */
static __always_inline bool local_dest(const struct np_dest *d)
{
	__u32 w[4];

	if (d->is_v4)
		return d->addr[0] == 127 || (d->addr[0] | d->addr[1] | d->addr[2] | d->addr[3]) == 0;
	__builtin_memcpy(w, d->addr, 16);
	return (w[0] | w[1] | w[2]) == 0 && (w[3] == 0 || w[3] == bpf_htonl(1));
}

/* 1: allow, 0: deny (the kernel turns it into EPERM). */
static __always_inline int decide(struct bpf_sock_addr *ctx, __u8 hook, struct np_dest *d)
{
	__u64 cgroup_id = bpf_get_current_cgroup_id();
	__u64 *listed = bpf_map_lookup_elem(&np_cgroups, &cgroup_id);
	struct rule_walk w = { .d = d, .hook = hook, .denied_by = -1 };

	w.mask = listed ? *listed : unlisted_rules;
	if (!w.mask)
		return 1;
	np_count((struct bpf_map *)&np_counters, NP_CNT_CHECKED);
	if ((w.mask & NP_ISOLATE) && ((w.mask & NP_ISOLATE_LOOPBACK) || !local_dest(d))) {
		np_count((struct bpf_map *)&np_counters, NP_CNT_DENIED);
		np_count((struct bpf_map *)&np_counters, NP_CNT_ISOLATED);
		report(ctx, cgroup_id, NP_RULE_ISOLATED, hook, d);
		return 0;
	}
	w.mask &= ~(NP_ISOLATE | NP_ISOLATE_LOOPBACK);
	if (!w.mask)
		return 1;
	w.proto_bit = ctx->protocol == IPPROTO_TCP   ? NP_PROTO_TCP
		      : ctx->protocol == IPPROTO_UDP ? NP_PROTO_UDP
						     : NP_PROTO_OTHER;
	bpf_loop(rule_slots < NP_RULES_MAX ? rule_slots : NP_RULES_MAX, rule_step, &w, 0);
	if (w.denied_by < 0)
		return 1;
	np_count((struct bpf_map *)&np_counters, NP_CNT_DENIED);
	np_count((struct bpf_map *)&np_rule_denies, (__u32)w.denied_by);
	report(ctx, cgroup_id, (__u32)w.denied_by, hook, d);
	return 0;
}

static __always_inline int check4(struct bpf_sock_addr *ctx, __u8 hook)
{
	struct np_dest d = { .is_v4 = 1 };
	__u32 ip = ctx->user_ip4; /* network byte order */

	__builtin_memcpy(d.addr, &ip, 4);
	d.port = bpf_ntohs((__u16)ctx->user_port);
	return decide(ctx, hook, &d);
}

/* An IPv6 socket aimed at ::ffff:a.b.c.d talks IPv4: judged as IPv4, so a
 * dual-stack socket cannot slip past an IPv4 rule. */
static __always_inline int check6(struct bpf_sock_addr *ctx, __u8 hook)
{
	struct np_dest d = {};
	__u32 w0 = ctx->user_ip6[0], w1 = ctx->user_ip6[1], w2 = ctx->user_ip6[2],
	      w3 = ctx->user_ip6[3];

	d.port = bpf_ntohs((__u16)ctx->user_port);
	if (w0 == 0 && w1 == 0 && w2 == bpf_htonl(0xffff)) {
		d.is_v4 = 1;
		d.mapped_v4 = 1;
		__builtin_memcpy(d.addr, &w3, 4);
	} else {
		__builtin_memcpy(d.addr, &w0, 4);
		__builtin_memcpy(d.addr + 4, &w1, 4);
		__builtin_memcpy(d.addr + 8, &w2, 4);
		__builtin_memcpy(d.addr + 12, &w3, 4);
	}
	return decide(ctx, hook, &d);
}

SEC("cgroup/connect4")
int np_connect4(struct bpf_sock_addr *ctx)
{
	return check4(ctx, NP_HOOK_CONNECT);
}

SEC("cgroup/connect6")
int np_connect6(struct bpf_sock_addr *ctx)
{
	return check6(ctx, NP_HOOK_CONNECT);
}

SEC("cgroup/sendmsg4")
int np_sendmsg4(struct bpf_sock_addr *ctx)
{
	return check4(ctx, NP_HOOK_SENDMSG);
}

SEC("cgroup/sendmsg6")
int np_sendmsg6(struct bpf_sock_addr *ctx)
{
	return check6(ctx, NP_HOOK_SENDMSG);
}
