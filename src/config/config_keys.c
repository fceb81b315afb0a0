/*
 * Every configuration key, once: adding a key is adding a row here (and the
 * member it fills). The parser, the defaults, `palisade config keys` and
 * docs/configuration.md all come from these rows.
 */
#include <stddef.h>
#include <string.h>

#include "config/config_internal.h"

#define G(m) offsetof(struct palisade_config, m)
#define O(m) offsetof(struct sink_cfg, m)
#define K(n, t, d, ds, o) .name = n, .type = t, .def = d, .desc = ds, .off = o
#define PRIOS "EMERGENCY|ALERT|CRITICAL|ERROR|WARNING|NOTICE|INFORMATIONAL|DEBUG"

const struct config_key config_keys[] = {
	{ K("rules.files", CFG_STRLIST, "[]",
	  "rules files or directories (*.yaml), loaded in order; empty: the embedded set "
	  "(--rules)", G(rules_files)), .off_n = G(n_rules_files) },
	{ K("rules.enabled", CFG_BOOL, "true",
	  "evaluate rules at all; false is --no-rules", G(rules_enabled)) },
	{ K("rules.min_priority", CFG_PRIO, "DEBUG",
	  "skip rules below this priority (--min-priority)", G(min_priority)),
	  .choices = PRIOS },
	{ K("rules.first_match", CFG_BOOL, "false",
	  "report only the first matching rule per event (--first-match)", G(first_match)) },
	{ K("rules.container_fields", CFG_BOOL, "true",
	  "append container.id/name/image and proc.pid to every alert; false is "
	  "--no-container-fields", G(container_fields)) },
	{ K("rules.rate_limit.per_sec", CFG_NUMBER, "0",
	  "sustained alerts per second per (rule, container); 0: no limit", G(rate_per_sec)) },
	{ K("rules.rate_limit.burst", CFG_NUMBER, "0",
	  "alerts allowed at once before the rate applies (at least 1 when limiting)",
	  G(rate_burst)) },
	{ K("rules.dedup_window_ms", CFG_UINT, "0",
	  "an alert with the same output within this window is dropped; 0: off",
	  G(dedup_window_ms)), .max = 86400000 },
	{ K("docker.enabled", CFG_BOOL, "true",
	  "query the Docker Engine API for names, images, labels; false is --no-docker",
	  G(docker_enabled)) },
	{ K("docker.socket", CFG_STR, "/var/run/docker.sock",
	  "Docker Engine API socket (--docker-socket)", G(docker_socket)) },
	{ K("sensor.ringbuf_kib", CFG_POW2, "4096",
	  "kernel ring buffer size in KiB, a power of two (--ringbuf-kib)", G(ringbuf_kib)),
	  .min = 4, .max = 1u << 20 },
	{ K("sensor.consumer_priority", CFG_ENUM, "realtime",
	  "scheduling of the thread that drains the ring buffer: realtime (SCHED_FIFO 1, "
	  "nice -20 where refused), nice (-20) or normal; docs/performance.md "
	  "(--consumer-priority)", G(consumer_priority)), .choices = "realtime|nice|normal" },
	{ K("sensor.syscalls", CFG_ENUM, "rules",
	  "syscalls the kernel reports: those the rules need, all, or none (--syscalls)",
	  G(syscalls)), .choices = "rules|all|none" },
	{ K("proc_table.size", CFG_UINT, "65536",
	  "processes tracked before eviction (--proc-table-size)", G(proc_table_size)),
	  .min = 64, .max = 1u << 24 },
	{ K("events_output", CFG_STR, "",
	  "also write every raw event as JSON to this file, \"-\" for stdout; empty: none "
	  "(--events)", G(events_output)) },
	{ K("outputs", CFG_OUTPUTS, "[{type: stdout}]",
	  "where alerts go: a list of sinks (keys below); [] discards alerts; -o replaces "
	  "the list", G(outputs)), .off_n = G(n_outputs) },
	{ K("syscall_event_drops.threshold", CFG_NUMBER, "0",
	  "act on a second whose share of records lost to a full ring buffer exceeds this "
	  "(0 to 1; Falco's default is .1)", G(drops_threshold)), .max = 1 },
	{ K("syscall_event_drops.actions", CFG_STRLIST, "[log, alert]",
	  "what to do then: ignore, log (stderr), alert (rule \"Falco internal: syscall event "
	  "drop\" to the outputs), exit", G(drops_actions)), .off_n = G(n_drops_actions),
	  .choices = "ignore|log|alert|exit" },
	{ K("syscall_event_drops.rate", CFG_NUMBER, "0.03333",
	  "actions per second the token bucket allows", G(drops_rate)) },
	{ K("syscall_event_drops.max_burst", CFG_NUMBER, "1",
	  "actions the token bucket allows at once", G(drops_max_burst)), .min = 1 },
	{ K("metrics.listen", CFG_STR, "",
	  "host:port of the Prometheus /metrics endpoint; empty: off", G(metrics.listen)) },
	{ K("status.socket", CFG_STR, "/run/palisade/status.sock",
	  "unix socket `palisade status` reads", G(status.socket)) },
	{ K("enforce", CFG_BOOL, "false",
	  "enforcement mode: rules that ask for an action take it (false: alert only)",
	  G(enforce)) },
};
const size_t config_key_count = sizeof(config_keys) / sizeof(config_keys[0]);

#define S OUT_SYSLOG
const struct config_key config_output_keys[] = {
	{ K("type", CFG_ENUM, NULL, "the kind of sink", O(type)), .types = OUT_ALL,
	  .required = true, .choices = "stdout|file|webhook|syslog|audit_log" },
	{ K("name", CFG_STR, "TYPE#N",
	  "names the sink in counters, messages and its spool file", O(name)), .types = OUT_ALL },
	{ K("min_priority", CFG_PRIO, "DEBUG", "alerts below this priority skip the sink",
	  O(min_priority)), .types = OUT_ALL, .choices = PRIOS },
	{ K("queue_size", CFG_UINT, "1024",
	  "alerts queued for the sink's thread; beyond: spooled or dropped (counted)",
	  O(queue_size)), .min = 1, .max = 1u << 20, .types = OUT_ALL },
	{ K("spool_dir", CFG_STR, "",
	  "directory of the spool that keeps alerts while the sink is down or behind; "
	  "empty: no spool", O(spool_dir)), .types = OUT_ALL },
	{ K("spool_max_bytes", CFG_BYTES, "64M", "spool size cap; beyond: dropped (counted)",
	  O(spool_max_bytes)), .min = 4096, .max = UINT64_C(1) << 40, .types = OUT_ALL },
	{ K("retries", CFG_UINT, "3",
	  "further attempts after a failed delivery (without a spool)", O(retries)),
	  .max = 100, .types = OUT_ALL },
	{ K("backoff_ms", CFG_UINT, "200",
	  "delay before the first retry, doubled each time up to 30 s", O(backoff_ms)),
	  .min = 1, .max = 60000, .types = OUT_ALL },
	{ K("path", CFG_STR, NULL, "the JSON lines file (\"-\": stdout)", O(file.path)),
	  .types = OUT_FILE, .required = true },
	{ K("rotate_bytes", CFG_BYTES, "0",
	  "rotate when the file would grow past this; 0: never (use logrotate and SIGHUP)",
	  O(file.rotate_bytes)), .max = UINT64_C(1) << 40, .types = OUT_FILE },
	{ K("rotate_keep", CFG_UINT, "5", "rotated files kept (path.1 .. path.N)",
	  O(file.rotate_keep)), .max = 1000, .types = OUT_FILE },
	{ K("url", CFG_STR, NULL, "http:// or https:// URL each alert is POSTed to",
	  O(webhook.url)), .types = OUT_WEBHOOK, .required = true },
	{ K("timeout_ms", CFG_UINT, "5000", "time allowed for one POST", O(webhook.timeout_ms)),
	  .min = 1, .max = 600000, .types = OUT_WEBHOOK },
	{ K("headers", CFG_HEADERS, "{}", "extra HTTP headers, name: value",
	  O(webhook.headers)), .off_n = O(webhook.n_headers), .types = OUT_WEBHOOK },
	{ K("tls_ca", CFG_STR, "", "CA file that verifies the server; empty: the system store",
	  O(webhook.tls_ca)), .types = OUT_WEBHOOK },
	{ K("tls_insecure", CFG_BOOL, "false", "skip certificate checks (testing only)",
	  O(webhook.tls_insecure)), .types = OUT_WEBHOOK },
	{ K("transport", CFG_ENUM, "unix", "how syslog is reached", O(syslog.transport)),
	  .types = S, .choices = "unix|udp|tcp|tls" },
	{ K("address", CFG_STR, "", "unix socket path (default /dev/log) or host:port",
	  O(syslog.address)), .types = S },
	{ K("format", CFG_ENUM, "rfc5424", "syslog message format", O(syslog.format)),
	  .types = S, .choices = "rfc5424|rfc3164" },
	{ K("facility", CFG_ENUM, "local0", "syslog facility", O(syslog.facility)), .types = S,
	  .choices = "kern|user|mail|daemon|auth|syslog|lpr|news|uucp|cron|authpriv|ftp|"
		     "local0|local1|local2|local3|local4|local5|local6|local7" },
	{ K("app_name", CFG_STR, "palisade", "APP-NAME / tag", O(syslog.app_name)), .types = S },
	{ K("tls_ca", CFG_STR, "", "CA file verifying the receiver (tls)", O(syslog.tls_ca)),
	  .types = S },
	{ K("tls_cert", CFG_STR, "", "client certificate (tls)", O(syslog.tls_cert)), .types = S },
	{ K("tls_key", CFG_STR, "", "client key (tls)", O(syslog.tls_key)), .types = S },
	{ K("tls_verify", CFG_BOOL, "true", "verify the receiver's certificate (tls)",
	  O(syslog.tls_verify)), .types = S },
	{ K("message", CFG_ENUM, "output", "MSG of each syslog message: the output line or the alert JSON",
	  O(syslog.message)), .types = S, .choices = "output|json" },
	{ K("path", CFG_STR, NULL, "the hash-chained log file", O(audit.path)), .types = OUT_AUDIT,
	  .required = true },
	{ K("hmac_key_file", CFG_STR, "", "HMAC key file; empty: SHA-256 chain only",
	  O(audit.hmac_key_file)), .types = OUT_AUDIT },
	{ K("fsync", CFG_ENUM, "record", "record: each line reaches the disk before the next; none: the page cache",
	  O(audit.fsync)), .types = OUT_AUDIT, .choices = "record|none" },
};
const size_t config_output_key_count = sizeof(config_output_keys) / sizeof(config_output_keys[0]);

const char config_output_types[] = "stdout|file|webhook|syslog|audit_log";

unsigned config_output_type_bit(const char *type)
{
	static const char *const names[] = { "stdout", "file", "webhook", "syslog", "audit_log" };
	unsigned i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(type, names[i]) == 0)
			return 1u << i;
	return 0;
}
