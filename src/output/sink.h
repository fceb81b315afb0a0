/*
 * The contract between the alert stream and the places alerts go (JSON
 * file/stdout, syslog, webhook, audit log). One immutable record is made per
 * alert (or per enforcement action) and shared by every sink; a sink's
 * deliver() runs on that sink's own thread, so it may block on I/O, but it
 * must never touch the rule engine, the process table or the container store.
 */
#ifndef PALISADE_SINK_H
#define PALISADE_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "alert/alert.h"
#include "rules/rules.h"

/* A value the alert has none for: "<NA>", as Falco's output lines write it. */
#define SINK_NA ALERT_NA

/* Whether an output's `format` asks for the output lines ("text") rather
 * than the alert JSON (the default, also for NULL). */
static inline bool sink_format_text(const char *format)
{
	return format && format[0] == 't'; /* the configuration allows json|text only */
}

/* What a sink sees of one alert. Strings are never NULL ("" when absent). */
struct sink_record {
	uint64_t time_ns;             /* wall clock, ns since the epoch */
	enum rules_priority priority;
	const char *rule;             /* rule name */
	const char *source;           /* the rule's source: "syscall", ... */
	const char *output;           /* the formatted output line */
	const char *hostname;
	/* As the alert's output_fields: container.id (12 characters, "host"
	 * for host processes), container.name ("host"), container.image;
	 * SINK_NA where the alert JSON has null. */
	const char *container_id;
	const char *container_name;
	const char *container_image;
	uint32_t pid;                 /* host pid of the process, 0 if none */
	bool acted;                   /* the JSON carries "palisade_action" */
	const char *json;             /* the Falco-schema JSON line, no newline */
	size_t json_len;
};

/* One kind of sink. deliver() returns 0, or a negative errno when the record
 * could not be delivered (the framework retries, spools or counts a drop). */
struct sink_ops {
	int (*deliver)(void *state, const struct sink_record *r);
	int (*reopen)(void *state); /* SIGHUP (logrotate); NULL: nothing to do */
	void (*destroy)(void *state);
};

/* Configuration of the sinks written outside the framework. */
struct syslog_sink_cfg {
	const char *transport; /* "unix" (default, /dev/log), "udp", "tcp", "tls" */
	const char *address;   /* unix socket path, or "host:port" */
	const char *format;    /* "rfc5424" (default) or "rfc3164" */
	const char *facility;  /* "local0".."local7", "user", "daemon", "auth", ... */
	const char *app_name;  /* default "palisade" */
	const char *tls_ca;    /* CA file verifying the receiver (tls) */
	const char *tls_cert;  /* optional client certificate (tls) */
	const char *tls_key;
	bool tls_verify;       /* default true */
	const char *message;   /* MSG: "output" (default, the output line) or "json" */
	uint32_t max_message;  /* bytes per message; 0: 8192 (MSG is cut beyond) */
	uint32_t timeout_ms;   /* connect/send timeout; 0: 5000 */
	const char *sd_id;     /* RFC 5424 SD-ID, NAME@PEN; NULL: palisade@32473 */
};

struct audit_sink_cfg {
	const char *path;          /* the chained log file */
	const char *hmac_key_file; /* NULL: SHA-256 chain only */
	const char *fsync;         /* "record" (default: fdatasync each line) or "none" */
};

/* The stdout and file sinks: JSON lines, or the output lines. */
struct file_sink_cfg {
	const char *path;      /* "-": stdout */
	uint64_t rotate_bytes; /* 0: never rotate (logrotate + SIGHUP instead) */
	uint32_t rotate_keep;  /* rotated files kept: path.1 .. path.N */
	bool force;            /* --force: append even to a file that holds no alerts */
	const char *format;    /* "json" (default) or "text": the output lines (Falco's
				* json_output: false) */
};

struct webhook_header {
	const char *name, *value;
};

/* The webhook sink: one HTTP POST of the Falco JSON per alert. */
struct webhook_sink_cfg {
	const char *url;
	uint32_t timeout_ms;
	const char *tls_ca;  /* CA file verifying the server; NULL: system store */
	const char *tls_ca_path; /* directory of hashed CA certificates; NULL: none */
	bool tls_insecure;   /* skip certificate and host name checks */
	const char *tls_cert; /* client certificate (PEM) for mutual TLS; NULL: none */
	const char *tls_key;  /* its private key (PEM); NULL: in tls_cert */
	const char *user_agent; /* NULL: "palisade" */
	const char *format;   /* "text": POST the output line (text/plain), not the JSON */
	const struct webhook_header *headers;
	size_t n_headers;
};

/* The program sink (Falco's program_output): alerts to `sh -c command`. */
struct program_sink_cfg {
	const char *command;
	bool keep_alive;     /* one program for every alert; false: one per alert */
	const char *format;  /* "text": the output line instead of the JSON */
	uint32_t timeout_ms; /* for each write and exit wait; 0: 5000 */
};

/* The NATS JetStream sink (sink_nats.c, docs/fleet.md). */
struct nats_sink_cfg {
	const char *url;            /* nats://host:port (user:password@ allowed), comma-separated */
	const char *subject_prefix; /* subject: PREFIX.HOST.PRIORITY */
	const char *stream;         /* created when missing over PREFIX.>; "": never created */
	uint32_t timeout_ms;        /* connect, and the wait for the stream's acknowledgement */
	uint64_t dedup_window_ms;   /* the stream's duplicate window, when palisade creates it */
	const char *tls_ca;         /* CA file verifying a tls:// server; "": system store */
	const char *creds_file;     /* NATS credentials (JWT + seed); "": none */
};

struct sink_cfg;
/*
 * Makes one sink from its configuration: *state is handed back to ops. The
 * cfg and its strings live only during the call: copy what is kept. Returns
 * 0 or a negative errno with the reason printed (naming cfg->name).
 */
typedef int (*sink_create_fn)(const struct sink_cfg *cfg, void **state,
			      const struct sink_ops **ops);
/*
 * Checks one sink's configuration as its constructor does, making nothing
 * (no socket, no file created or written): `config check` and `run`, before
 * it starts anything, refuse the same (the constructor calls it first).
 * 0 or a negative errno with the reason printed, as the constructor prints it.
 */
typedef int (*sink_check_fn)(const struct sink_cfg *cfg);

/* The constructors of the built-in types. The list of types, their keys
 * and which constructor each uses is the configuration's (config/config_keys.c). */
int sink_stdout_create(const struct sink_cfg *cfg, void **state, const struct sink_ops **ops);
int sink_file_create(const struct sink_cfg *cfg, void **state, const struct sink_ops **ops);
int sink_webhook_create(const struct sink_cfg *cfg, void **state, const struct sink_ops **ops);
int sink_syslog_create(const struct sink_cfg *cfg, void **state, const struct sink_ops **ops);
int sink_audit_log_create(const struct sink_cfg *cfg, void **state, const struct sink_ops **ops);
int sink_program_create(const struct sink_cfg *cfg, void **state, const struct sink_ops **ops);
int sink_nats_create(const struct sink_cfg *cfg, void **state, const struct sink_ops **ops);
int sink_file_check(const struct sink_cfg *cfg);
int sink_webhook_check(const struct sink_cfg *cfg);
int sink_syslog_check(const struct sink_cfg *cfg);
int sink_audit_log_check(const struct sink_cfg *cfg);
int sink_program_check(const struct sink_cfg *cfg);
int sink_nats_check(const struct sink_cfg *cfg);
/* Everything sink_set_new() and sink_set_start() would refuse of one sink:
 * its spool_dir, then its type's check. */
int sink_cfg_check(const struct sink_cfg *cfg);

/* One configured sink: what the framework needs, then the type's own keys. */
struct sink_cfg {
	const char *type;
	sink_create_fn create;            /* the type's constructor */
	sink_check_fn check;              /* its checks (NULL: none) */
	const char *name;                 /* for counters and messages: "webhook#2" */
	enum rules_priority min_priority; /* records below it are not handed over */
	uint32_t queue_size;              /* records queued before overflow */
	const char *spool_dir;            /* NULL: overflow and failures are dropped */
	uint64_t spool_max_bytes;
	uint32_t retries;                 /* further attempts after a failed delivery */
	uint32_t backoff_ms;              /* first retry delay, doubled each time */
	struct file_sink_cfg file;
	struct webhook_sink_cfg webhook;
	struct syslog_sink_cfg syslog;
	struct audit_sink_cfg audit;
	struct program_sink_cfg program;
	struct nats_sink_cfg nats;
};

/* A shared, immutable record (refcounted); sinks only read it. The alert's
 * JSON is rendered here, once, for every sink. */
struct sink_record *sink_record_from_alert(const struct alert *al);
/* The same record at another priority (a notify step's `priority`). */
struct sink_record *sink_record_from_alert_at(const struct alert *al,
					      enum rules_priority priority);
struct sink_record *sink_record_new(const struct sink_record *fields);
struct sink_record *sink_record_ref(struct sink_record *r);
void sink_record_unref(struct sink_record *r);

/* Per-sink counters, for `palisade status` and /metrics. */
struct sink_stats {
	char name[64];
	char type[32];
	uint64_t delivered; /* records the sink accepted */
	uint64_t failed;    /* delivery attempts that failed (each retry counts) */
	uint64_t dropped;   /* records lost: queue full, retries exhausted, spool full */
	uint64_t spooled;   /* records written to the spool */
	uint64_t queue_depth, queue_size;
	uint64_t spool_bytes; /* undelivered bytes in the spool */
	bool healthy;         /* the last delivery succeeded */
	/* Alert latency, from the event's time (the syscall's, taken in the
	 * kernel) to the end of its delivery by this sink: p50 and p99 over
	 * latency_n records (records older than a minute, as a replay's, are
	 * not counted). 0 when none. */
	uint64_t latency_p50_ns, latency_p99_ns, latency_n;
};

struct sink_set;

/* Creates every sink (no thread yet). 0, or the first error (printed). */
int sink_set_new(const struct sink_cfg *cfgs, size_t n, struct sink_set **out);
/* Starts each sink's thread; it first delivers what its spool holds. */
int sink_set_start(struct sink_set *s);
/* Hands the record to every sink whose min_priority admits it. Never blocks. */
void sink_set_submit(struct sink_set *s, struct sink_record *r);
/* The same, but each sink named in routes gets the route's record (NULL: r)
 * whatever its min_priority: a playbook's notify step (docs/response.md). */
struct sink_route {
	const char *sink;
	struct sink_record *record;
};
void sink_set_submit_routed(struct sink_set *s, struct sink_record *r,
			    const struct sink_route *routes, size_t n_routes);
/* Whether the set has a sink of that name. */
bool sink_set_has(const struct sink_set *s, const char *name);
/* SIGHUP: each sink reopens its files. */
void sink_set_reopen(struct sink_set *s);
/* Drains and stops every sink: what is queued is delivered, or spooled or
 * counted as dropped when it cannot be now; afterwards the counters are
 * final and a record submitted is counted as dropped. NULL is fine. */
void sink_set_stop(struct sink_set *s);
/* sink_set_stop, then frees. NULL is fine. */
void sink_set_free(struct sink_set *s);
size_t sink_set_count(const struct sink_set *s);
/* Copies up to max sinks' counters; returns the number of sinks. */
size_t sink_set_stats(struct sink_set *s, struct sink_stats *out, size_t max);

/* One line per sink with its counters (SIGUSR1, exit). */
void sink_set_report(struct sink_set *s, FILE *f, const char *when);

/* The set the agent currently uses, for readers on other threads (metrics,
 * status): sink_stats_current() is safe against a concurrent reload. */
void sink_set_publish(struct sink_set *s);
size_t sink_stats_current(struct sink_stats *out, size_t max);

#endif
