/*
 * Flow metrics per container pair and port: bytes, packets and connections
 * from an initiator (src) to a responder (dst) on the responder's port.
 * Bounded: at most max_series label sets; traffic of any further pair is
 * added to one series whose labels are all "other", so totals stay right
 * and Prometheus never sees an unbounded family.
 *
 * Each conversation between two ends on this host is seen twice (once at
 * each end's cgroup). It is counted once, from the initiator's side: a flow
 * an end of this host received from another end of this host (a container,
 * or a host process) is left to the sender's record.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/net.h"

#define OTHER "other"

struct series {
	char src[NET_NAME_MAX], dst[NET_NAME_MAX];
	uint8_t src_kind, dst_kind; /* enum net_peer_kind; 255: other */
	uint16_t port;
	uint8_t proto;
	double bytes, packets, connections;
};

struct net_flow_metrics {
	pthread_mutex_t lock; /* the consumer adds, the publisher reads: same thread in
			       * the agent, but `palisade flows --local` may differ */
	struct series *s;     /* [0] is "other" */
	size_t n, max;
	uint32_t *index;      /* index + 1 into s, open addressing, 2 * max slots */
	size_t n_index;
	uint64_t folded;      /* updates that went to "other" */
};

int net_flow_metrics_new(size_t max_series, struct net_flow_metrics **out)
{
	struct net_flow_metrics *m = calloc(1, sizeof(*m));

	*out = NULL;
	if (!m)
		return -ENOMEM;
	m->max = max_series ? max_series : 1;
	for (m->n_index = 16; m->n_index < 2 * (m->max + 1); m->n_index *= 2)
		;
	m->s = calloc(m->max + 1, sizeof(*m->s));
	m->index = calloc(m->n_index, sizeof(*m->index));
	if (!m->s || !m->index) {
		net_flow_metrics_free(m);
		return -ENOMEM;
	}
	pthread_mutex_init(&m->lock, NULL);
	snprintf(m->s[0].src, sizeof(m->s[0].src), OTHER);
	snprintf(m->s[0].dst, sizeof(m->s[0].dst), OTHER);
	m->s[0].src_kind = m->s[0].dst_kind = 255;
	m->n = 1;
	*out = m;
	return 0;
}

void net_flow_metrics_free(struct net_flow_metrics *m)
{
	if (!m)
		return;
	if (m->s)
		pthread_mutex_destroy(&m->lock);
	free(m->s);
	free(m->index);
	free(m);
}

static size_t key_hash(const struct series *k, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	const char *parts[2] = { k->src, k->dst };

	for (int i = 0; i < 2; i++)
		for (const char *p = parts[i]; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ull;
	h = (h ^ k->port) * 1099511628211ull;
	h = (h ^ k->proto) * 1099511628211ull;
	return (size_t)(h ^ (h >> 29)) & (n - 1);
}

static bool key_same(const struct series *a, const struct series *b)
{
	return a->port == b->port && a->proto == b->proto && a->src_kind == b->src_kind &&
	       a->dst_kind == b->dst_kind && !strcmp(a->src, b->src) && !strcmp(a->dst, b->dst);
}

/* The series of k: found, made, or "other" when the bound is reached. Lock held. */
static struct series *series_of(struct net_flow_metrics *m, const struct series *k)
{
	size_t s = key_hash(k, m->n_index);

	for (; m->index[s]; s = (s + 1) & (m->n_index - 1))
		if (key_same(&m->s[m->index[s] - 1], k))
			return &m->s[m->index[s] - 1];
	if (m->n > m->max) {
		m->folded++;
		return &m->s[0];
	}
	m->s[m->n] = *k;
	m->index[s] = (uint32_t)(m->n + 1);
	return &m->s[m->n++];
}

/* Counted from this side? (The header says why.) */
static bool counted_here(const struct net_flow *f)
{
	return f->initiator == FL_OUT || f->remote.kind == NET_PEER_EXTERNAL;
}

void net_flow_metrics_add(struct net_flow_metrics *m, const struct net_flow *f,
			  uint64_t bytes, uint64_t packets, bool started)
{
	const struct net_peer *src = f->initiator == FL_OUT ? &f->local : &f->remote;
	const struct net_peer *dst = f->initiator == FL_OUT ? &f->remote : &f->local;
	struct series k = { .src_kind = (uint8_t)src->kind, .dst_kind = (uint8_t)dst->kind,
			    .proto = f->key.proto };
	struct series *s;

	if (!m || !counted_here(f))
		return;
	snprintf(k.src, sizeof(k.src), "%s", src->name);
	snprintf(k.dst, sizeof(k.dst), "%s", dst->name);
	k.port = f->initiator == FL_OUT ? f->key.rport : f->key.lport;
	if (f->key.proto != 6 && f->key.proto != 17)
		k.port = 0; /* ICMP: the echo identifier is no service */
	pthread_mutex_lock(&m->lock);
	s = series_of(m, &k);
	s->bytes += (double)bytes;
	s->packets += (double)packets;
	s->connections += started;
	pthread_mutex_unlock(&m->lock);
}

static const char *kind_name(uint8_t k)
{
	return k == 255 ? OTHER : net_peer_kind_name((enum net_peer_kind)k);
}

static void family(struct metrics_writer *w, struct net_flow_metrics *m, const char *name,
		   const char *help, size_t off)
{
	char port[8];

	metrics_family(w, name, METRICS_COUNTER, help);
	for (size_t i = 0; i < m->n; i++) {
		const struct series *s = &m->s[i];
		double v = *(const double *)((const char *)s + off);

		if (i == 0 && !m->folded)
			continue; /* "other" appears once something is folded into it */
		snprintf(port, sizeof(port), "%u", s->port);
		metrics_sample(w, v, "src", s->src, "src_kind", kind_name(s->src_kind), "dst", s->dst,
			       "dst_kind", kind_name(s->dst_kind), "port", i ? port : OTHER, "proto",
			       i ? net_proto_name(s->proto) : OTHER);
	}
}

void net_flow_metrics_collect(struct metrics_writer *w, void *ctx)
{
	struct net_flow_metrics *m = ctx;

	pthread_mutex_lock(&m->lock);
	family(w, m, "palisade_flow_bytes_total",
	       "Bytes of flows from src (the initiator) to dst on dst's port, both ways.",
	       offsetof(struct series, bytes));
	family(w, m, "palisade_flow_packets_total",
	       "Packets of flows from src to dst on dst's port, both ways.",
	       offsetof(struct series, packets));
	family(w, m, "palisade_flow_connections_total",
	       "Flows (connections, UDP and ICMP conversations) from src to dst on dst's port.",
	       offsetof(struct series, connections));
	metrics_family(w, "palisade_flow_series", METRICS_GAUGE,
		       "Label sets of the palisade_flow_* pair families in use.");
	metrics_sample(w, (double)(m->n - 1));
	metrics_family(w, "palisade_flow_series_max", METRICS_GAUGE,
		       "Their bound (flows.metrics_series); beyond it pairs are counted under "
		       "src=\"other\".");
	metrics_sample(w, (double)m->max);
	metrics_family(w, "palisade_flow_series_folded_total", METRICS_COUNTER,
		       "Updates counted under \"other\" because the bound was reached.");
	metrics_sample(w, (double)m->folded);
	pthread_mutex_unlock(&m->lock);
}
