/*
 * The flow monitor: the kernel half, the flow table, the peer names and the
 * metrics, driven by one tick about once a second. What the agent runs (as
 * a registered consumer) and what `palisade flows --local` runs alone.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "net/net.h"

#define SWEEP_NS 1000000000ull
#define HOST_REFRESH_NS (10ull * 1000000000ull)
/* A closed TCP flow is deleted after this much quiet: its last ACK counts. */
#define CLOSE_QUIET_NS 2000000000ull
/* An ended flow stays in the document and the table this long. */
#define KEEP_ENDED_NS (60ull * 1000000000ull)

struct net_monitor {
	struct net_monitor_cfg cfg;
	struct net_flows_kernel *k;
	struct flow_table *t;
	struct net_peers *peers;
	struct net_flow_metrics *metrics;
	struct fl_key *keys, *del;
	struct fl_value *vals;
	uint64_t kernel[FL_CNT_MAX];
	uint64_t policy[LP_CNT_MAX]; /* the label policy's kernel counters */
	uint64_t last_sweep_ns, last_host_ns, boot_to_epoch_ns;
};

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int net_monitor_new(const struct net_monitor_cfg *cfg, struct net_monitor **out)
{
	struct net_monitor *m = calloc(1, sizeof(*m));
	struct flow_table_cfg tc;
	int err = -ENOMEM;

	*out = NULL;
	if (!m)
		return -ENOMEM;
	m->cfg = *cfg;
	if (!m->cfg.max_flows)
		m->cfg.max_flows = FL_FLOWS_DEFAULT;
	tc = (struct flow_table_cfg){ .max = 2 * (size_t)m->cfg.max_flows,
				      .idle_ns = (cfg->idle_s ? cfg->idle_s : 60) * 1000000000ull,
				      .close_ns = CLOSE_QUIET_NS,
				      .keep_ended_ns = KEEP_ENDED_NS };
	m->boot_to_epoch_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME);
	m->keys = malloc(m->cfg.max_flows * sizeof(*m->keys));
	m->del = malloc(m->cfg.max_flows * sizeof(*m->del));
	m->vals = malloc(m->cfg.max_flows * sizeof(*m->vals));
	if (!m->keys || !m->del || !m->vals || flow_table_new(&tc, &m->t) ||
	    net_peers_new(&m->peers) ||
	    net_flow_metrics_new(cfg->metrics_series ? cfg->metrics_series :
						       NET_METRICS_SERIES_DEFAULT,
				 &m->metrics))
		goto fail;
	err = net_flows_kernel_open(cfg->cgroup2_root, m->cfg.max_flows, true, cfg->loopback,
				    &m->k);
	if (err)
		goto fail;
	*out = m;
	return 0;
fail:
	net_monitor_free(m);
	return err;
}

void net_monitor_free(struct net_monitor *m)
{
	if (!m)
		return;
	net_flows_kernel_close(m->k);
	flow_table_free(m->t);
	net_peers_free(m->peers);
	net_flow_metrics_free(m->metrics);
	free(m->keys);
	free(m->del);
	free(m->vals);
	free(m);
}

void net_monitor_container_update(struct net_monitor *m, const struct container_info *c)
{
	if (m)
		net_peers_container_update(m->peers, c);
}

static bool loopback(const uint8_t *ip, uint8_t len)
{
	static const uint8_t one[16] = { [15] = 1 };

	return len == 4 ? ip[0] == 127 : !memcmp(ip, one, 16);
}

/* Both ends of a flow, by name: the local one by its cgroup, the remote one
 * by its address (loopback and the local address itself: the same end). */
static void name_flow(struct net_flow *f, void *ctx)
{
	struct net_monitor *m = ctx;
	const struct container_info *c = m->cfg.containers ?
		container_store_lookup(m->cfg.containers, f->key.cgroup_id) : NULL;
	uint8_t len = f->key.family == 4 ? 4 : 16;

	net_peer_of_container(c, &f->local);
	/* A host cgroup sending from a container's address: the kernel's own
	 * answer from inside that container (an ICMP echo reply, a RST). */
	if (!c)
		net_peers_lookup(m->peers, f->key.local, len, &f->local);
	if (!memcmp(f->key.local, f->key.remote, len) || loopback(f->key.remote, len)) {
		f->remote = f->local;
		return;
	}
	net_peers_lookup(m->peers, f->key.remote, len, &f->remote);
}

static void on_event(const struct net_flow *f, enum net_flow_event what, void *ctx)
{
	struct net_monitor *m = ctx;

	if (what == NET_FLOW_START)
		net_flow_metrics_add(m->metrics, f, 0, 0, true);
	else if (what == NET_FLOW_UPDATE)
		net_flow_metrics_add(m->metrics, f, f->delta_bytes, f->delta_packets, false);
	if (m->cfg.on_event)
		m->cfg.on_event(f, what, m->cfg.ctx);
}

void net_monitor_sweep(struct net_monitor *m)
{
	uint64_t now = clock_ns(CLOCK_BOOTTIME);
	long n = net_flows_kernel_read(m->k, m->keys, m->vals, m->cfg.max_flows);
	size_t n_del;

	m->last_sweep_ns = clock_ns(CLOCK_MONOTONIC);
	if (m->last_sweep_ns - m->last_host_ns >= HOST_REFRESH_NS) {
		net_peers_refresh_host(m->peers);
		m->last_host_ns = m->last_sweep_ns;
	}
	if (n < 0) {
		fprintf(stderr, "palisade: flows: reading the kernel's flow table failed: %s\n",
			strerror((int)-n));
		return;
	}
	n_del = flow_table_sweep(m->t, now, m->keys, m->vals, (size_t)n, name_flow, on_event, m,
				 m->del, m->cfg.max_flows);
	net_flows_kernel_delete(m->k, m->del, n_del);
	net_flows_kernel_counters(m->k, m->kernel);
	net_flows_kernel_policy_counters(m->k, m->policy);
}

void net_monitor_tick(struct net_monitor *m)
{
	if (m && clock_ns(CLOCK_MONOTONIC) - m->last_sweep_ns >= SWEEP_NS)
		net_monitor_sweep(m);
}

char *net_monitor_document(struct net_monitor *m, const char *filter, size_t *len)
{
	struct net_doc_totals tot = { .now_ns = clock_ns(CLOCK_BOOTTIME),
				      .boot_to_epoch_ns = m->boot_to_epoch_ns };

	memcpy(tot.kernel, m->kernel, sizeof(tot.kernel));
	flow_table_stats(m->t, &tot.table);
	return net_flows_json(m->t, &tot, filter, len);
}

static char *document(void *ctx, size_t *len)
{
	return net_monitor_document(ctx, NULL, len);
}

/* The table's and the kernel's counters, beside the pair families. */
static void collect(struct metrics_writer *w, void *ctx)
{
	struct net_monitor *m = ctx;
	struct flow_table_stats st;

	flow_table_stats(m->t, &st);
	net_flow_metrics_collect(w, m->metrics);
	metrics_family(w, "palisade_flows_active", METRICS_GAUGE, "Flows in progress.");
	metrics_sample(w, (double)st.active);
	metrics_family(w, "palisade_flows_untracked_total", METRICS_COUNTER,
		       "What the kernel's flow table (flows.max) was too full to track: new "
		       "flows, and their packets and bytes.");
	metrics_sample(w, (double)m->kernel[FL_CNT_FULL_FLOWS], "what", "flows");
	metrics_sample(w, (double)m->kernel[FL_CNT_FULL_PACKETS], "what", "packets");
	metrics_sample(w, (double)m->kernel[FL_CNT_FULL_BYTES], "what", "bytes");
	metrics_family(w, "palisade_flows_dropped_total", METRICS_COUNTER,
		       "Flows the agent's own table had no room for.");
	metrics_sample(w, (double)st.dropped);
	metrics_family(w, "palisade_flow_packets_seen_total", METRICS_COUNTER,
		       "Packets the kernel added to flows.");
	metrics_sample(w, (double)m->kernel[FL_CNT_PACKETS]);
	metrics_family(w, "palisade_policy_records_lost_total", METRICS_COUNTER,
		       "Label-policy refusals (or would-be refusals in audit mode) whose record "
		       "the kernel could not queue (its ring was full): the verdict was applied, "
		       "no alert was raised for it.");
	metrics_sample(w, (double)m->policy[LP_CNT_EVENT_LOST]);
}

int net_monitor_observe(struct net_monitor *m, struct metrics_registry *r)
{
	if (!r)
		return 0;
	return metrics_register(r, collect, m) ?: metrics_register_doc(r, "flows", document, m);
}

void net_monitor_describe(struct net_monitor *m, char *buf, size_t size)
{
	struct flow_table_stats st;

	flow_table_stats(m->t, &st);
	snprintf(buf, size,
		 "flows: %zu active, %llu started, %llu ended; kernel: %llu packets, untracked "
		 "%llu flows (table full, flows.max %u), not IP %llu; dropped by the agent's table "
		 "%llu",
		 st.active, (unsigned long long)st.started, (unsigned long long)st.finished,
		 (unsigned long long)m->kernel[FL_CNT_PACKETS],
		 (unsigned long long)m->kernel[FL_CNT_FULL_FLOWS], m->cfg.max_flows,
		 (unsigned long long)m->kernel[FL_CNT_NOT_IP], (unsigned long long)st.dropped);
}

struct net_flows_kernel *net_monitor_kernel(struct net_monitor *m)
{
	return m ? m->k : NULL;
}
