/*
 * metrics/: what the agent counts, in the Prometheus text exposition format
 * 0.0.4. Owns the exposition writer (families, label escaping, one family
 * written once however many collectors add to it), a parser of that format
 * (for `palisade status` and the tests), the registry of collectors and of
 * thread-safe labelled counters/gauges, the published snapshot, the HTTP
 * endpoint (/metrics, /healthz) and the hooks other parts call (sinks,
 * actions). Knows nothing of events, rules or containers: the agent's
 * collectors (src/agent/agent_metrics.c) turn those into samples.
 *
 * Threads. Collectors run in metrics_publish(), called by the event
 * consumer (once a second and at exit), so they read the consumer's plain
 * counters without locks. The rendered text is swapped in under a mutex held
 * only for a pointer swap; a scrape copies the last snapshot under that mutex.
 * The consumer thus never waits on a scrape, and a scrape never sees a
 * half-written state. Counter vectors (metrics_vec_*) may be updated from any
 * thread.
 */
#ifndef PALISADE_METRICS_H
#define PALISADE_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
/* Labels of one sample or one vector, at most. */
#define METRICS_LABELS_MAX 8

enum metrics_type { METRICS_COUNTER, METRICS_GAUGE };

/* ---- Latency histograms (hist.c) ------------------------------------------ */

/* Nanoseconds in log-linear buckets (8 per power of two): a quantile is
 * within 1/8 above the truth, in a fixed 2 KiB. Adding is atomic (relaxed),
 * so one writer thread and readers elsewhere need no lock. */
#define METRICS_HIST_BUCKETS 256
struct metrics_hist {
	uint64_t count[METRICS_HIST_BUCKETS];
	uint64_t total;
};
void metrics_hist_add(struct metrics_hist *h, uint64_t ns);
/* The value (ns, a bucket's upper bound) below which a fraction q (0..1) of
 * the samples lie; 0 when empty. */
uint64_t metrics_hist_quantile(const struct metrics_hist *h, double q);

/* ---- Writing the exposition format ------------------------------------- */

struct metrics_writer;

int metrics_writer_new(struct metrics_writer **out);
void metrics_writer_free(struct metrics_writer *w);

/*
 * Starts (or returns to) a family: later samples belong to it. A family
 * declared again, by another collector, keeps its HELP and TYPE and gathers
 * its samples in one block. An invalid name or a type that differs from the
 * first declaration refuses the family's samples and counts an error.
 */
void metrics_family(struct metrics_writer *w, const char *name, enum metrics_type type,
		    const char *help);
/*
 * One sample of the current family: value, then label name/value pairs:
 * metrics_sample(w, 3, "rule", r, "priority", p). The macro ends the list.
 */
#define metrics_sample(w, value, ...) \
	metrics_sample_list(w, value, ##__VA_ARGS__, (const char *)NULL)
void metrics_sample_list(struct metrics_writer *w, double value, ...) __attribute__((sentinel));
/* The same with labels as an array of names and one of values. */
void metrics_sample_labels(struct metrics_writer *w, double value, size_t n,
			   const char *const *names, const char *const *values);
/* Samples and families refused so far (bad names, type conflicts). */
size_t metrics_writer_errors(const struct metrics_writer *w);
/*
 * The exposition text of everything written (families in first-declared
 * order). Caller frees. NULL when out of memory.
 */
char *metrics_writer_render(struct metrics_writer *w, size_t *len);

/* ---- Reading it back --------------------------------------------------- */

struct metrics_parsed_sample {
	char *name;
	size_t n_labels;
	char *label_names[METRICS_LABELS_MAX];
	char *label_values[METRICS_LABELS_MAX];
	double value;
};

struct metrics_parsed {
	struct metrics_parsed_sample *samples;
	size_t n_samples;
	size_t n_families; /* # TYPE lines */
};

/*
 * Parses exposition text. Returns 0, or -EINVAL with the 1-based line of
 * the first problem in *bad_line (duplicate TYPE of a family included).
 */
int metrics_parse(const char *text, size_t len, struct metrics_parsed *out, size_t *bad_line);
void metrics_parsed_release(struct metrics_parsed *p);
/* The value of label `label` of a sample, NULL when absent. */
const char *metrics_parsed_label(const struct metrics_parsed_sample *s, const char *label);
/*
 * Sum of the samples named `name` whose label `label` equals `value` (label
 * NULL: every sample of that name). *found tells whether any matched.
 */
double metrics_parsed_sum(const struct metrics_parsed *p, const char *name, const char *label,
			  const char *value, bool *found);

/* ---- Registry, collectors, snapshot ------------------------------------ */

struct metrics_registry;

/* Writes families at publish time, on the thread calling metrics_publish(). */
typedef void (*metrics_collect_fn)(struct metrics_writer *w, void *ctx);

int metrics_registry_new(struct metrics_registry **out);
void metrics_registry_free(struct metrics_registry *r);
/* Collectors run in registration order. Returns 0 or -ENOMEM. */
int metrics_register(struct metrics_registry *r, metrics_collect_fn fn, void *ctx);

/* Runs every collector, renders, and makes the result the snapshot. */
int metrics_publish(struct metrics_registry *r);
/*
 * A copy of the last snapshot (caller frees) and when it was published
 * (CLOCK_MONOTONIC seconds; 0 when never). NULL before the first publish.
 */
char *metrics_snapshot(struct metrics_registry *r, size_t *len, double *published_at);

/* ---- Documents: JSON views published with the snapshot ----------------- */

#define METRICS_DOCS_MAX 8

/* Renders a document (malloc'd, *len bytes), at publish time, on the thread
 * calling metrics_publish(); NULL keeps the last one. */
typedef char *(*metrics_doc_fn)(void *ctx, size_t *len);
/*
 * A document named `name` ("flows") published with every snapshot: the
 * status socket answers a request for it, the HTTP server's web view reads
 * it. r NULL (metrics off): nothing to do, returns 0.
 */
int metrics_register_doc(struct metrics_registry *r, const char *name, metrics_doc_fn fn,
			 void *ctx);
/* A copy of its last text (caller frees); NULL when unknown or not yet published. */
char *metrics_doc_snapshot(struct metrics_registry *r, const char *name, size_t *len);

/* ---- Labelled counters and gauges, updated from any thread ------------- */

struct metrics_vec;

/*
 * A family whose samples are kept by the registry and written at every
 * publish: label_names is a NULL-terminated list (at most METRICS_LABELS_MAX).
 * At most max_series label sets are kept; more are counted in
 * palisade_metrics_series_dropped_total and ignored.
 */
int metrics_vec_new(struct metrics_registry *r, const char *name, enum metrics_type type,
		    const char *help, const char *const *label_names, size_t max_series,
		    struct metrics_vec **out);
/* Adds delta to the series of these label values (as many as the names). */
void metrics_vec_add(struct metrics_vec *v, double delta, const char *const *label_values);
/* Sets a gauge's series. */
void metrics_vec_set(struct metrics_vec *v, double value, const char *const *label_values);

/* ---- Hooks for other parts --------------------------------------------- */

/* One sink, as the sink framework reports it at publish time. */
struct metrics_sink_stats {
	const char *name; /* the sink's configured name */
	const char *type; /* "file", "syslog", "webhook", ... */
	uint64_t delivered, failed, dropped, spooled;
	uint64_t queue_depth, queue_capacity;
	bool healthy; /* false: the last delivery failed */
};
/* Fills at most max sinks; returns how many there are. Runs at publish time. */
typedef size_t (*metrics_sinks_fn)(void *ctx, struct metrics_sink_stats *out, size_t max);
/* The sink framework's one call: its sinks appear as palisade_sink_* families.
 * r NULL (metrics off): nothing to do, returns 0. */
int metrics_add_sinks(struct metrics_registry *r, metrics_sinks_fn fn, void *ctx);

/*
 * Enforcement: counts one action (e.g. "kill", "deny_open") with its outcome
 * ("done", "failed", "unsupported", ...) as palisade_actions_total.
 * Thread-safe; a no-op when r is NULL (metrics off).
 */
void metrics_count_action(struct metrics_registry *r, const char *action, const char *outcome);

/* ---- Process and build ------------------------------------------------- */

/* palisade_build_info, palisade_process_* (RSS, CPU seconds, start time, fds). */
void metrics_collect_process(struct metrics_writer *w, void *ctx);

/* The agent process, from /proc/self; 0 where unreadable. */
struct metrics_process {
	double rss_bytes, vsz_bytes, pss_bytes;
	double cpu_seconds; /* user and system */
	double start_time;  /* seconds since the epoch */
	size_t open_fds;
};
void metrics_process_read(struct metrics_process *out);
/* The host, from /proc; 0 where unreadable. */
struct metrics_host {
	double cpu_busy, cpu_total; /* clock ticks since boot, all CPUs */
	double boot_time;           /* seconds since the epoch */
	double procs_running, mem_used_bytes, open_fds;
	long ncpus;
};
void metrics_host_read(struct metrics_host *out);
/* The git commit this binary was built from ("unknown" outside a checkout). */
const char *metrics_git_commit(void);

/* ---- HTTP endpoint ------------------------------------------------------ */

struct metrics_http;

/*
 * A listener whose GET and HEAD requests a handler answers (the web view,
 * src/web/): the server keeps its bounds (connections, deadline) and refuses
 * other methods (405) before the handler runs. Strings are NULL when absent.
 */
struct metrics_http_req {
	const char *path;          /* the URL's path */
	const char *authorization; /* the Authorization header */
	const char *cookie;        /* the value of the cookie named by web_cookie */
	const char *query_token;   /* the value of the query's "token" */
};

#define METRICS_HTTP_HEADERS_MAX 8
struct metrics_http_reply {
	unsigned status;
	const char *type;        /* Content-Type */
	const char *body;        /* NULL: none */
	size_t len;
	bool body_owned;         /* malloc'd: the server frees it */
	/* Further headers; the values live as long as the handler's ctx, or
	 * are malloc'd when value_owned says so (the server frees them). */
	const char *headers[METRICS_HTTP_HEADERS_MAX][2];
	bool value_owned[METRICS_HTTP_HEADERS_MAX];
	size_t n_headers;
};

/* Runs on libmicrohttpd's threads; fills *out (zeroed by the caller). */
typedef void (*metrics_http_handler_fn)(void *ctx, const struct metrics_http_req *rq,
					struct metrics_http_reply *out);

/* Where and to whom the endpoint answers (docs/metrics.md "Exposure"). */
struct metrics_http_cfg {
	const char *listen;        /* "127.0.0.1:9464", "[::1]:9464", ":9464", "unix:/run/x.sock";
				    * NULL or "": no /metrics listener (the web one only) */
	const char *health_listen; /* NULL or "": none; else a listener for /healthz only */
	const char *token_file;    /* NULL or "": none; else /metrics needs that bearer token */
	const char *socket_group;  /* unix sockets: mode 0660 with this group; NULL/"": 0600 */
	bool serve_metrics;        /* false: the health check only (Falco's webserver default) */
	const char *healthz_path;  /* NULL or "": "/healthz" (Falco's k8s_healthz_endpoint) */
	/* NULL or "": none; else a listener every request of which `web` answers */
	const char *web_listen;
	metrics_http_handler_fn web;
	void *web_ctx;
	const char *web_cookie;    /* the cookie's name handed to `web` */
};

/*
 * Serves GET /metrics (the last snapshot) and /healthz (200 while snapshots
 * are fresh, 503 when the last one is older than 10 s), and the web listener's
 * requests through its handler, from libmicrohttpd's
 * own threads, bounded: 64 connections, 8 per client address, a request read
 * and answered within 5 s. Returns 0, or a negative errno after printing what
 * failed (bad address, port in use, unreadable token file).
 */
int metrics_http_start(struct metrics_registry *r, const struct metrics_http_cfg *cfg,
		       struct metrics_http **out);
void metrics_http_stop(struct metrics_http *h);

/*
 * Parses and resolves a listener address ("host:port", "[v6]:port", ":port",
 * "unix:/path") and the socket group, as metrics_listen_socket() does, without
 * making a socket: `config check` and `run` refuse the same addresses.
 */
int metrics_address_check(const char *addr, const char *group, char *err, size_t err_size);
/* Its syntax alone (no name resolved): what the configuration parser checks. */
int metrics_address_syntax(const char *addr, char *err, size_t err_size);
/* Whether the group of a unix listener exists. */
int metrics_group_check(const char *group, char *err, size_t err_size);
bool metrics_address_is_unix(const char *addr);
/* A listening socket for addr: TCP, or a unix socket (0600, or 0660 and group). */
int metrics_listen_socket(const char *addr, const char *group, int *fd_out, char *err,
			  size_t err_size);

#endif
