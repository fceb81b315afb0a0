/*
 * net/: flows and, built on them, label policy (docs/flows.md).
 *
 * Owns the flow accounting's kernel half (bpf/flows.bpf.c: cgroup_skb egress
 * and ingress at the cgroup v2 root), the flow table that turns what the
 * kernel counted into flow starts and ends, the naming of a flow's ends (a
 * container of this host, the host, or an external address, from the Engine
 * API's network data), the flow metrics (bounded series, overflow folded into
 * "other"), the flows document (JSON, published with the metrics snapshot)
 * and `palisade flows`.
 *
 * Must not touch: the rules engine beyond rules.h, the container store beyond
 * container.h, the metrics registry beyond metrics.h. Containers arrive
 * through net_monitor_container_update().
 *
 * Threads. net_monitor_tick() and the publish-time collectors run on the
 * agent's consumer thread; net_monitor_container_update() may be called from
 * the container store's threads (it takes the monitor's peer lock only).
 */
#ifndef PALISADE_NET_H
#define PALISADE_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "container/container.h"
#include "event/event.h"
#include "flows_events.h"
#include "metrics/metrics.h"

struct alert;

/* ---- Naming the ends of a flow (peers.c) ------------------------------- */

enum net_peer_kind {
	NET_PEER_EXTERNAL = 0, /* an address that is neither below */
	NET_PEER_HOST,         /* this host: one of its own addresses, or a host process */
	NET_PEER_CONTAINER,    /* a container of this host */
};
const char *net_peer_kind_name(enum net_peer_kind k);
/* "tcp", "udp", "icmp" (v4 and v6), "other". */
const char *net_proto_name(uint8_t proto);

#define NET_NAME_MAX 128
struct net_peer {
	enum net_peer_kind kind;
	char name[NET_NAME_MAX]; /* container name, "host", or the address as text */
	char id[13];             /* container id, 12 characters; "" otherwise */
};

struct net_peers;
int net_peers_new(struct net_peers **out);
void net_peers_free(struct net_peers *p);
/*
 * A container's addresses as the engine last described it: each address
 * names this container from now on (the latest started container wins an
 * address two descriptions claim); addresses it no longer lists stop naming
 * it. Thread-safe.
 */
void net_peers_container_update(struct net_peers *p, const struct container_info *c);
/* Re-reads the host's own addresses (getifaddrs). */
void net_peers_refresh_host(struct net_peers *p);
/* The peer an address belongs to. ip_len 4 or 16. Thread-safe. */
void net_peers_lookup(struct net_peers *p, const uint8_t *ip, uint8_t ip_len,
		      struct net_peer *out);
/* The local end of a flow: its cgroup's container (c; NULL: a host cgroup). */
void net_peer_of_container(const struct container_info *c, struct net_peer *out);

/* ---- The kernel half (flows_kernel.c) ---------------------------------- */

struct net_flows_kernel;

/*
 * Loads bpf/flows.bpf.c with a flow table of max_flows entries and attaches
 * both programs at the cgroup v2 root (NULL: found in /proc/self/mountinfo).
 * accounting false: only the isolation list applies; loopback: traffic on
 * the loopback device is accounted too. Returns 0 or a negative
 * errno after printing what failed and what to do.
 */
int net_flows_kernel_open(const char *cgroup2_root, uint32_t max_flows, bool accounting,
			  bool loopback, struct net_flows_kernel **out);
void net_flows_kernel_close(struct net_flows_kernel *k);
/* Reads the whole table (at most max entries). Returns how many, or -errno. */
long net_flows_kernel_read(struct net_flows_kernel *k, struct fl_key *keys,
			   struct fl_value *vals, size_t max);
/* Deletes flows user space is done with. */
void net_flows_kernel_delete(struct net_flows_kernel *k, const struct fl_key *keys, size_t n);
/* The per-CPU counters, summed (enum fl_counter). */
void net_flows_kernel_counters(struct net_flows_kernel *k, uint64_t out[FL_CNT_MAX]);
/* Drops every packet of a cgroup, in and out, but loopback's unless
 * cut_loopback (on), or lets it back (off). Returns 0 or a negative errno
 * (-ENOSPC beyond FL_ISOLATED_MAX). */
int net_flows_kernel_isolate(struct net_flows_kernel *k, uint64_t cgroup_id, bool on,
			     bool cut_loopback);
/* The label policy: its egress hooks (connect/sendmsg) attached at the
 * root; its switches; its maps (bpf/labelpolicy.bpf.h); its counters. */
int net_flows_kernel_policy_attach(struct net_flows_kernel *k, const char *cgroup2_root);
void net_flows_kernel_policy_mode(struct net_flows_kernel *k, bool active, bool audit);
void net_flows_kernel_policy_fds(struct net_flows_kernel *k, int *endpoints, int *rules,
				 int *events);
void net_flows_kernel_policy_counters(struct net_flows_kernel *k, uint64_t out[LP_CNT_MAX]);
/* Packets dropped so far for an isolated cgroup. */
uint64_t net_flows_kernel_isolated_drops(struct net_flows_kernel *k, uint64_t cgroup_id);

/* ---- The flow table (flow_table.c): pure, no kernel --------------------- */

enum net_tcp_state {
	NET_TCP_NONE = 0, /* not TCP */
	NET_TCP_SYN_SENT, /* the initiator's SYN, nothing back yet */
	NET_TCP_ESTABLISHED,
	NET_TCP_CLOSING, /* a FIN one way */
	NET_TCP_CLOSED,  /* FIN both ways */
	NET_TCP_RESET,
	NET_TCP_MIDSTREAM, /* first seen after its SYN (it began before the agent) */
};
const char *net_tcp_state_name(enum net_tcp_state s);

enum net_flow_end {
	NET_END_NONE = 0,
	NET_END_CLOSED, /* TCP: FIN both ways */
	NET_END_RESET,  /* TCP: RST */
	NET_END_IDLE,   /* no packet for the idle timeout */
	NET_END_GONE,   /* left the kernel table (the agent's own reset, a reload) */
};
const char *net_flow_end_name(enum net_flow_end e);

/* One flow as user space keeps it. Totals since the flow began. */
struct net_flow {
	struct fl_key key;
	uint64_t bytes[2], packets[2]; /* [FL_OUT] sent by the local end, [FL_IN] received */
	uint64_t first_ns, last_ns;    /* CLOCK_BOOTTIME */
	uint8_t initiator;             /* FL_OUT: the local end began it */
	uint8_t tcp_flags[2];
	uint8_t icmp_type;
	bool syn_seen;
	enum net_tcp_state state;
	enum net_flow_end end;
	uint64_t ended_ns;       /* CLOCK_BOOTTIME of the end; 0 while active */
	double rate_bps[2];      /* bytes per second over the last sweep, per direction */
	uint64_t delta_bytes, delta_packets; /* both directions, since the last sweep */
	struct net_peer local, remote;
};

/* A start, each sweep's growth (delta_*), an end: in that order. */
enum net_flow_event { NET_FLOW_START, NET_FLOW_UPDATE, NET_FLOW_END };
typedef void (*net_flow_event_fn)(const struct net_flow *f, enum net_flow_event what,
				  void *ctx);

struct flow_table_cfg {
	size_t max;             /* flows kept (active and recently ended) */
	uint64_t idle_ns;       /* a flow with no packet this long ends */
	uint64_t close_ns;      /* a closed TCP flow is deleted after this much quiet */
	uint64_t keep_ended_ns; /* an ended flow stays listed this long */
};

struct flow_table;
int flow_table_new(const struct flow_table_cfg *cfg, struct flow_table **out);
void flow_table_free(struct flow_table *t);
/*
 * One sweep over the kernel's table (n entries read at now_ns): new flows
 * start, known ones gain counters and rates, closed, reset, idle and vanished
 * ones end. on_event hears every start, growth and end (names are filled in
 * by `name`, called for each flow that starts or grows, before on_event).
 * Writes the keys the kernel should forget into del (at most max_del) and
 * returns how many.
 */
typedef void (*flow_name_fn)(struct net_flow *f, void *ctx);
size_t flow_table_sweep(struct flow_table *t, uint64_t now_ns, const struct fl_key *keys,
			const struct fl_value *vals, size_t n, flow_name_fn name,
			net_flow_event_fn on_event, void *ctx, struct fl_key *del,
			size_t max_del);
/* Every flow kept (active first, then ended), in no particular order within each. */
typedef void (*net_flow_fn)(const struct net_flow *f, void *ctx);
void flow_table_foreach(const struct flow_table *t, net_flow_fn fn, void *ctx);
struct flow_table_stats {
	size_t active, ended;
	uint64_t started, finished; /* since the start */
	uint64_t dropped;           /* flows not kept: the table was full */
};
void flow_table_stats(const struct flow_table *t, struct flow_table_stats *out);

/* ---- Flows as events of the rules' `flow` source (flow_event.c) ------- */

/* An event and what it points to. */
struct net_event {
	struct event ev;
	struct ev_header hdr;
	struct ev_flow flow;
};
/*
 * A flow's start or end as an event (EV_FLOW; evt.type flow_start or
 * flow_end) of container c (NULL: the host), for rules_eval. out must outlive
 * the evaluation; f's names too (the event points at them).
 */
void net_flow_to_event(const struct net_flow *f, enum net_flow_event what,
		       const struct container_info *c, struct net_event *out);

/* ---- Flow metrics (flow_metrics.c) ------------------------------------- */

/* Series of the pair families at most (src, dst, port, proto); more fold
 * into one series labelled "other". */
#define NET_METRICS_SERIES_DEFAULT 1000

struct net_flow_metrics;
int net_flow_metrics_new(size_t max_series, struct net_flow_metrics **out);
void net_flow_metrics_free(struct net_flow_metrics *m);
/* Adds a sweep's growth of one flow (bytes and packets since the last
 * sweep; started: counts a connection). Consumer thread. */
void net_flow_metrics_add(struct net_flow_metrics *m, const struct net_flow *f,
			  uint64_t bytes, uint64_t packets, bool started);
/* palisade_flow_* families (a metrics_collect_fn). */
void net_flow_metrics_collect(struct metrics_writer *w, void *ctx);

/* ---- The monitor: all of the above, as the agent runs it (monitor.c) ----- */

struct net_monitor_cfg {
	const char *cgroup2_root; /* NULL: found in /proc/self/mountinfo */
	uint32_t max_flows;       /* kernel table; the user table keeps as many again ended */
	uint64_t idle_s;
	bool loopback;            /* account loopback traffic too */
	size_t metrics_series;
	struct container_store *containers; /* names the local end; NULL: ids only */
	net_flow_event_fn on_event;         /* flow starts and ends; NULL: none */
	void *ctx;
};

struct net_monitor;
int net_monitor_new(const struct net_monitor_cfg *cfg, struct net_monitor **out);
void net_monitor_free(struct net_monitor *m);
/* A container appeared or changed: its addresses name it. Any thread. */
void net_monitor_container_update(struct net_monitor *m, const struct container_info *c);
/* Reads the kernel's table when the last sweep is a second old. Consumer thread. */
void net_monitor_tick(struct net_monitor *m);
/* The sweep, now. */
void net_monitor_sweep(struct net_monitor *m);
/* Publishes the flows document and the flow metrics with r's snapshots. */
int net_monitor_observe(struct net_monitor *m, struct metrics_registry *r);
/* The flows document (see flow_json.c; filter as there), malloc'd; NULL
 * when out of memory. */
char *net_monitor_document(struct net_monitor *m, const char *filter, size_t *len);
/* One line: flows active, ended, kernel counters. */
void net_monitor_describe(struct net_monitor *m, char *buf, size_t size);
struct net_flows_kernel *net_monitor_kernel(struct net_monitor *m);

/* ---- The flows document (flow_json.c) ---------------------------------- */

struct net_doc_totals {
	uint64_t kernel[FL_CNT_MAX];
	struct flow_table_stats table;
	uint64_t now_ns, boot_to_epoch_ns;
};
/*
 * {"time":..,"flows":[..],"edges":[..],"counters":{..}}, malloc'd. filter:
 * NULL, or a glob one end's name must match (flows and edges).
 */
char *net_flows_json(const struct flow_table *t, const struct net_doc_totals *tot,
		     const char *filter, size_t *len);

/* ---- Label policy (policy_*.c): CiliumNetworkPolicy's subset ----------
 *
 * docs/policy.md. A policy selects endpoints (containers, by their Docker
 * labels) and, per direction, lists the peers they may talk to (other
 * containers by labels, addresses by CIDR) on which ports; ingressDeny and
 * egressDeny list what is refused whatever allows it. An endpoint selected
 * by a policy with a section of a direction is default-deny in that
 * direction; allows add up; a deny wins. Addresses are kept 16 bytes wide,
 * IPv4 as ::ffff:a.b.c.d (bits counted over the 128).
 */
#define NET_POL_FILE_MAX (1u << 20) /* bytes of one policy file */
#define NET_POL_MAX 256             /* policies of one set */
#define NET_POL_LIST_MAX 64         /* entries of any one list (rules, selectors, ports, ...) */
#define NET_POL_NODES_MAX 200000    /* YAML nodes one load may visit */

enum net_sel_op { NET_SEL_IN, NET_SEL_NOT_IN, NET_SEL_EXISTS, NET_SEL_NOT_EXISTS };
struct net_sel_expr {
	const char *key;
	enum net_sel_op op;
	const char **values;
	size_t n_values;
};
/* matchLabels and matchExpressions: every entry must hold; empty: every container. */
struct net_selector {
	const char **keys, **values; /* matchLabels */
	size_t n_labels;
	struct net_sel_expr *exprs;
	size_t n_exprs;
};
struct net_prefix {
	uint8_t addr[16];
	uint8_t bits; /* 0..128 */
};
struct net_cidr {
	struct net_prefix net;
	struct net_prefix *except;
	size_t n_except;
};
struct net_port {
	uint16_t port;
	uint8_t proto; /* IPPROTO_TCP, IPPROTO_UDP; 0: ANY */
};
enum net_pol_dir { NET_INGRESS = 0, NET_EGRESS = 1 };
struct net_pol_rule {
	enum net_pol_dir dir;
	bool deny;                 /* ingressDeny / egressDeny */
	size_t index;              /* in its section */
	struct net_selector *peers; /* fromEndpoints / toEndpoints */
	size_t n_peers;
	struct net_cidr *cidrs;    /* fromCIDR(Set) / toCIDR(Set) */
	size_t n_cidrs;
	struct net_port *ports;    /* toPorts[].ports[]; none: every port */
	size_t n_ports;
	int line, col;
};
struct net_policy {
	const char *name, *file;
	int line, col;
	struct net_selector subject; /* spec.endpointSelector */
	bool sections[2];            /* has an ingress(Deny) / egress(Deny) section */
	bool has_spec, has_selector; /* while loading */
	struct net_pol_rule *rules;
	size_t n_rules;
};
struct net_policy_set {
	struct net_policy *pols;
	size_t n_pols;
	void *arena; /* everything above lives here */
};

/*
 * Loads the policies of files[0..n) (YAML: one policy per document, a
 * sequence of them, or a List's items) into a new set. Anything outside the
 * subset is refused: -EINVAL with "file:line:col: what" lines in err (the
 * first few problems). Other errors: negative errno, err says why.
 */
int net_policy_load(const char *const *files, size_t n, struct net_policy_set **out, char *err,
		    size_t errlen);
/* The same for a buffer (tests, fuzzing); name is the file name reported. */
int net_policy_parse(const char *name, const char *text, size_t len, struct net_policy_set **out,
		     char *err, size_t errlen);
void net_policy_free(struct net_policy_set *s);

/* Labels of an identity: a container's Docker labels. */
struct net_labels {
	const struct container_label *v;
	size_t n;
};
bool net_selector_match(const struct net_selector *sel, const struct net_labels *l);
bool net_prefix_contains(const struct net_prefix *p, const uint8_t addr[16]);
/* An address as 16 bytes (IPv4 mapped) from 4 or 16. */
void net_addr16(const uint8_t *ip, uint8_t len, uint8_t out[16]);

/* The other end of a connection, as a policy sees it. */
struct net_pol_peer {
	bool container;           /* a container of this host: judged by its labels only */
	struct net_labels labels; /* when container */
	uint8_t addr[16];         /* otherwise (world): judged by CIDR */
};
/* Does the rule name this peer (ports aside)? */
bool net_rule_covers_peer(const struct net_pol_rule *r, const struct net_pol_peer *peer);
struct net_verdict {
	bool enforced; /* some policy selects the endpoint in this direction */
	bool allowed;
	const struct net_policy *policy; /* the deny or allow that decided; NULL: default */
	const struct net_pol_rule *rule;
};
/* One direction of one endpoint: may `subject` talk to `peer` on proto/port? */
void net_policy_judge(const struct net_policy_set *s, const struct net_labels *subject,
		      enum net_pol_dir dir, const struct net_pol_peer *peer, uint8_t proto,
		      uint16_t port, struct net_verdict *out);
/* "allowed by allow-payment-api (p.yaml:12:7, ingress[0])", "denied: default deny
 * (selected by allow-payment-api)", "allowed: no policy selects it for ingress". */
void net_verdict_text(enum net_pol_dir dir, const struct net_verdict *v, char *buf, size_t size);

/*
 * One verdict, as the enforcer reports it (policy_maps.c) and its users
 * render it (policy_record.c): `palisade policy enforce` as a JSON line, `run`
 * as an alert through its outputs, both counted by the verdict metrics. The
 * strings belong to the enforcer; valid during the callback only.
 */
struct net_pol_record {
	uint64_t time_ns;        /* wall clock, ns since the epoch */
	const char *verdict;     /* "denied", "audit" (would have been), "allowed" */
	enum net_pol_dir dir;
	const char *container;   /* the enforced endpoint: its name ("?": unknown) */
	const char *container_id; /* 12 characters ("" unknown) */
	const char *peer;        /* a container's name, or the address as text */
	uint8_t proto;           /* IPPROTO_TCP, IPPROTO_UDP */
	uint16_t port;           /* the server's port */
	const char *policy;      /* the deny or allow that decided, or the one that put the
				  * endpoint into default deny; "" none */
	const char *reason;      /* net_verdict_text() */
	bool audit;              /* audit mode: nothing is refused */
};
typedef void (*net_pol_record_fn)(const struct net_pol_record *r, void *ctx);
/* {"time":..,"verdict":..,"direction":..,"container":..,"peer":..,"proto":..,
 * "port":..,"policy":..,"reason":..,"audit":..}, malloc'd (NULL: no memory). */
char *net_pol_record_json(const struct net_pol_record *r);
/*
 * A refusal (or a would-be one) as an alert of the `flow` source, rule
 * NET_POL_ALERT_RULE, output fields policy.* and the endpoint's container.*,
 * its palisade_action the label policy's deny (served in kernel, or audit).
 * NULL when out of memory or for an allowed verdict.
 */
#define NET_POL_ALERT_RULE "Network policy denied"
struct alert *net_pol_record_alert(const struct net_pol_record *r, const char *hostname);

/*
 * palisade_policy_verdicts_total{policy,direction,verdict}: at most
 * NET_POL_METRICS_POLICIES policy names (more are counted under
 * policy="other"; "" is a verdict no policy decided), 2 directions, 3
 * verdicts: at most (NET_POL_METRICS_POLICIES + 2) * 6 series.
 */
#define NET_POL_METRICS_POLICIES NET_POL_MAX
struct net_pol_metrics;
int net_pol_metrics_new(struct net_pol_metrics **out);
void net_pol_metrics_free(struct net_pol_metrics *m);
/* Counts one verdict. Thread-safe. */
void net_pol_metrics_count(struct net_pol_metrics *m, const struct net_pol_record *r);
/* The family (a metrics_collect_fn; ctx: the net_pol_metrics). */
void net_pol_metrics_collect(struct metrics_writer *w, void *ctx);

/*
 * One policy file, as the settings check it (network_policy.files, a
 * config_key check): 0, or -1 with every "file:line:col: what" in why.
 */
int net_policy_file_check(const char *path, char *why, size_t why_size);

/*
 * The policy enforced (policy_maps.c): compiled into the flow object's maps
 * for the containers this host runs, again on every container change
 * (net_enforcer_container, any thread) at the next tick, and on a new set
 * (net_enforcer_set_policy: a whole generation, no window; on failure the
 * old set stays in force, the new one is freed, and it returns -ENOSPC).
 * Verdicts go to on_verdict: every refusal (or would-be one in audit mode)
 * from the kernel, and each new allowed flow of an enforced endpoint
 * (net_enforcer_flow). Callbacks run on the thread of tick and flow.
 */
struct net_enforcer_cfg {
	struct net_flows_kernel *k;
	const char *cgroup2_root; /* NULL: found in /proc/self/mountinfo */
	bool audit;               /* report, never refuse */
	net_pol_record_fn on_verdict;
	void *ctx;
};
struct net_enforcer;
/* Takes s (freed with the enforcer). */
int net_enforcer_new(const struct net_enforcer_cfg *cfg, struct net_policy_set *s,
		     struct net_enforcer **out);
void net_enforcer_free(struct net_enforcer *e);
/* e NULL: nothing. */
void net_enforcer_container(struct net_enforcer *e, const struct container_info *c);
int net_enforcer_set_policy(struct net_enforcer *e, struct net_policy_set *s);
/* Audit mode on or off (the kernel's switch and the records). */
void net_enforcer_set_audit(struct net_enforcer *e, bool audit);
void net_enforcer_tick(struct net_enforcer *e);
/* e NULL: nothing. */
void net_enforcer_flow(struct net_enforcer *e, const struct net_flow *f);

/* `palisade policy check|explain|enforce` (policy_cli.c). */
int net_policy_cli_main(int argc, char **argv);

/* `palisade flows` (flows_cli.c). */
int net_flows_cli_main(int argc, char **argv);

#endif
