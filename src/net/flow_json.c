/*
 * The flows document: what `palisade flows`, the web view and anyone asking
 * the status socket for "flows" read. Bounded: the busiest NET_DOC_FLOWS
 * active flows and the latest NET_DOC_ENDED ended ones, and the edges of the
 * topology (initiator -> responder, port, protocol: the pairs the metrics
 * count) with their live rate, at most NET_DOC_EDGES (the rest in "other").
 */
#include <arpa/inet.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "net/net.h"
#include "output/json_writer.h"

#define NET_DOC_FLOWS 1000
#define NET_DOC_ENDED 200
#define NET_DOC_EDGES 500

struct edge {
	const struct net_peer *src, *dst;
	uint16_t port;
	uint8_t proto;
	uint64_t bytes, packets;
	double rate;
	size_t active;
};

struct gather {
	const char *filter;
	const struct net_flow **active, **ended;
	size_t n_active, n_ended, cap;
	struct edge *edges;
	size_t n_edges;
	struct edge other;
	bool other_used;
};

const char *net_proto_name(uint8_t p)
{
	return p == 6 ? "tcp" : p == 17 ? "udp" : p == 1 || p == 58 ? "icmp" : "other";
}

static double rate(const struct net_flow *f)
{
	return f->rate_bps[0] + f->rate_bps[1];
}

static void add_edge(struct gather *g, const struct net_flow *f)
{
	const struct net_peer *src = f->initiator == FL_OUT ? &f->local : &f->remote;
	const struct net_peer *dst = f->initiator == FL_OUT ? &f->remote : &f->local;
	uint16_t port = f->initiator == FL_OUT ? f->key.rport : f->key.lport;
	struct edge *e = NULL;

	/* As the metrics count it: one side of a conversation within the host. */
	if (f->initiator != FL_OUT && f->remote.kind != NET_PEER_EXTERNAL)
		return;
	if (f->key.proto != 6 && f->key.proto != 17)
		port = 0;
	for (size_t i = 0; i < g->n_edges && !e; i++)
		if (g->edges[i].port == port && g->edges[i].proto == f->key.proto &&
		    !strcmp(g->edges[i].src->name, src->name) &&
		    !strcmp(g->edges[i].dst->name, dst->name))
			e = &g->edges[i];
	if (!e && g->n_edges < NET_DOC_EDGES) {
		e = &g->edges[g->n_edges++];
		*e = (struct edge){ .src = src, .dst = dst, .port = port, .proto = f->key.proto };
	}
	if (!e) {
		e = &g->other;
		g->other_used = true;
	}
	e->bytes += f->bytes[0] + f->bytes[1];
	e->packets += f->packets[0] + f->packets[1];
	if (!f->end) {
		e->rate += rate(f);
		e->active++;
	}
}

static void gather_one(const struct net_flow *f, void *ctx)
{
	struct gather *g = ctx;

	if (g->filter && fnmatch(g->filter, f->local.name, 0) &&
	    fnmatch(g->filter, f->remote.name, 0))
		return;
	if (f->end)
		g->ended[g->n_ended++] = f;
	else
		g->active[g->n_active++] = f;
	add_edge(g, f);
}

static bool of_container(const struct net_flow *f)
{
	return f->local.kind == NET_PEER_CONTAINER || f->remote.kind == NET_PEER_CONTAINER;
}

/* Containers' flows first (the host's own can be many), then the busiest. */
static int busiest_first(const void *a, const void *b)
{
	const struct net_flow *x = *(const struct net_flow *const *)a;
	const struct net_flow *y = *(const struct net_flow *const *)b;
	double rx = rate(x), ry = rate(y);
	uint64_t bx = x->bytes[0] + x->bytes[1], by = y->bytes[0] + y->bytes[1];

	if (of_container(x) != of_container(y))
		return of_container(x) ? -1 : 1;
	if (rx != ry)
		return rx > ry ? -1 : 1;
	return bx > by ? -1 : bx < by;
}

static int latest_first(const void *a, const void *b)
{
	const struct net_flow *x = *(const struct net_flow *const *)a;
	const struct net_flow *y = *(const struct net_flow *const *)b;

	if (of_container(x) != of_container(y))
		return of_container(x) ? -1 : 1;
	return x->ended_ns > y->ended_ns ? -1 : x->ended_ns < y->ended_ns;
}

static void peer_json(struct jw *w, const char *prefix, const struct net_peer *p)
{
	char key[32];

	snprintf(key, sizeof(key), "%s", prefix);
	jw_str(w, key, p->name);
	snprintf(key, sizeof(key), "%s_kind", prefix);
	jw_str(w, key, net_peer_kind_name(p->kind));
	if (p->id[0]) {
		snprintf(key, sizeof(key), "%s_id", prefix);
		jw_str(w, key, p->id);
	}
}

static void addr_json(struct jw *w, const char *key, const uint8_t *ip, uint8_t family)
{
	char text[INET6_ADDRSTRLEN] = "";

	inet_ntop(family == 4 ? AF_INET : AF_INET6, ip, text, sizeof(text));
	jw_str(w, key, text);
}

static void flow_json(struct jw *w, const struct net_flow *f, uint64_t to_epoch)
{
	jw_object_begin(w, NULL);
	peer_json(w, "container", &f->local);
	peer_json(w, "peer", &f->remote);
	jw_str(w, "proto", net_proto_name(f->key.proto));
	jw_u64(w, "family", f->key.family);
	addr_json(w, "local", f->key.local, f->key.family);
	jw_u64(w, "lport", f->key.lport);
	addr_json(w, "remote", f->key.remote, f->key.family);
	jw_u64(w, "rport", f->key.rport);
	jw_str(w, "direction", f->initiator == FL_OUT ? "egress" : "ingress");
	if (f->key.proto == 6)
		jw_str(w, "state", net_tcp_state_name(f->state));
	else if (f->key.proto == 1 || f->key.proto == 58)
		jw_u64(w, "icmp_type", f->icmp_type);
	jw_u64(w, "bytes_out", f->bytes[FL_OUT]);
	jw_u64(w, "bytes_in", f->bytes[FL_IN]);
	jw_u64(w, "packets_out", f->packets[FL_OUT]);
	jw_u64(w, "packets_in", f->packets[FL_IN]);
	jw_u64(w, "rate_out", (uint64_t)f->rate_bps[FL_OUT]);
	jw_u64(w, "rate_in", (uint64_t)f->rate_bps[FL_IN]);
	jw_time(w, "first_seen", f->first_ns + to_epoch);
	jw_time(w, "last_seen", f->last_ns + to_epoch);
	if (f->end)
		jw_str(w, "ended", net_flow_end_name(f->end));
	else
		jw_null(w, "ended");
	jw_object_end(w);
}

static void edge_json(struct jw *w, const struct edge *e, bool other)
{
	jw_object_begin(w, NULL);
	if (other) {
		jw_str(w, "src", "other");
		jw_str(w, "src_kind", "other");
		jw_str(w, "dst", "other");
		jw_str(w, "dst_kind", "other");
	} else {
		peer_json(w, "src", e->src);
		peer_json(w, "dst", e->dst);
		jw_u64(w, "port", e->port);
		jw_str(w, "proto", net_proto_name(e->proto));
	}
	jw_u64(w, "bytes", e->bytes);
	jw_u64(w, "packets", e->packets);
	jw_u64(w, "rate", (uint64_t)e->rate);
	jw_u64(w, "active", e->active);
	jw_object_end(w);
}

static void counters_json(struct jw *w, const struct net_doc_totals *t, size_t listed)
{
	jw_object_begin(w, "counters");
	jw_u64(w, "active", t->table.active);
	jw_u64(w, "ended", t->table.ended);
	jw_u64(w, "listed", listed);
	jw_u64(w, "started", t->table.started);
	jw_u64(w, "finished", t->table.finished);
	jw_u64(w, "table_dropped", t->table.dropped);
	jw_u64(w, "packets", t->kernel[FL_CNT_PACKETS]);
	jw_u64(w, "untracked_flows", t->kernel[FL_CNT_FULL_FLOWS]);
	jw_u64(w, "untracked_packets", t->kernel[FL_CNT_FULL_PACKETS]);
	jw_u64(w, "untracked_bytes", t->kernel[FL_CNT_FULL_BYTES]);
	jw_u64(w, "not_ip", t->kernel[FL_CNT_NOT_IP]);
	jw_u64(w, "isolated_drops", t->kernel[FL_CNT_ISOLATED]);
	jw_object_end(w);
}

char *net_flows_json(const struct flow_table *t, const struct net_doc_totals *tot,
		     const char *filter, size_t *len)
{
	size_t n = tot->table.active + tot->table.ended + 1, na, ne;
	struct gather g = { .cap = n, .filter = filter };
	struct jw w = { 0 };
	char *out = NULL;

	g.active = malloc(n * sizeof(*g.active));
	g.ended = malloc(n * sizeof(*g.ended));
	g.edges = malloc(NET_DOC_EDGES * sizeof(*g.edges));
	if (!g.active || !g.ended || !g.edges)
		goto out;
	flow_table_foreach(t, gather_one, &g);
	qsort(g.active, g.n_active, sizeof(*g.active), busiest_first);
	qsort(g.ended, g.n_ended, sizeof(*g.ended), latest_first);
	na = g.n_active < NET_DOC_FLOWS ? g.n_active : NET_DOC_FLOWS;
	ne = g.n_ended < NET_DOC_ENDED ? g.n_ended : NET_DOC_ENDED;
	jw_object_begin(&w, NULL);
	jw_time(&w, "time", tot->now_ns + tot->boot_to_epoch_ns);
	jw_array_begin(&w, "flows");
	for (size_t i = 0; i < na; i++)
		flow_json(&w, g.active[i], tot->boot_to_epoch_ns);
	for (size_t i = 0; i < ne; i++)
		flow_json(&w, g.ended[i], tot->boot_to_epoch_ns);
	jw_array_end(&w);
	jw_array_begin(&w, "edges");
	for (size_t i = 0; i < g.n_edges; i++)
		edge_json(&w, &g.edges[i], false);
	if (g.other_used)
		edge_json(&w, &g.other, true);
	jw_array_end(&w);
	counters_json(&w, tot, na + ne);
	jw_object_end(&w);
	if (!w.failed) {
		out = w.buf;
		*len = w.len;
		w.buf = NULL;
	}
out:
	jw_release(&w);
	free(g.active);
	free(g.ended);
	free(g.edges);
	return out;
}
