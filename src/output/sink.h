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

#include "rules/rules.h"

/* What a sink sees of one alert. Strings are never NULL ("" when absent). */
struct sink_record {
	uint64_t time_ns;             /* wall clock, ns since the epoch */
	enum rules_priority priority;
	const char *rule;             /* rule name */
	const char *source;           /* "syscall", or "palisade" for actions */
	const char *output;           /* the formatted output line */
	const char *hostname;
	const char *container_id;     /* "host" for host processes */
	const char *container_name;
	const char *container_image;
	uint32_t pid;                 /* host pid of the process, 0 if none */
	const char *json;             /* the Falco-schema JSON line, no newline */
	size_t json_len;
};

/* One kind of sink. deliver() returns 0, or a negative errno when the record
 * could not be delivered (the framework retries, spools or counts a drop). */
struct sink_ops {
	const char *type; /* "file", "syslog", "webhook", "audit_log", ... */
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
	size_t max_message;    /* bytes per message; 0: 8192 (MSG is cut beyond) */
	int timeout_ms;        /* connect/send timeout; 0: 5000 */
};

struct audit_sink_cfg {
	const char *path;          /* the chained log file */
	const char *hmac_key_file; /* NULL: SHA-256 chain only */
	const char *fsync;         /* "record" (default: fdatasync each line) or "none" */
};

#endif
