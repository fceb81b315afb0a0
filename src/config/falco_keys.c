/*
 * Every falco.yaml key palisade knows, once, with what it becomes in
 * palisade: the translator (falco_config.c) reads the keys it maps, this
 * table says which keys exist (any other is warned about, by name), which
 * have no effect, and which are refused with the reason; docs/falco-migration.md
 * prints it (`palisade config falco-keys`).
 */
#include <stdio.h>
#include <string.h>

#include "config/falco_config.h"

/* A key palisade reads (MAP), accepts without effect when at Falco's default
 * value and warns about otherwise (NOTE), or refuses unless at the default
 * (REFUSE). A path ending in ".*" covers every key below it. */
#define MAP(k, to) { k, FALCO_KEY_MAPPED, NULL, to }
#define NOTE(k, def, why) { k, FALCO_KEY_NOTE, def, why }
#define REFUSE(k, def, why) { k, FALCO_KEY_REFUSED, def, why }

const struct falco_key falco_keys[] = {
	MAP("config_files", "read as Falco reads it: each file, or each file of a directory "
			    "(config.d) in name order, merged per top-level key by its strategy "
			    "(append, override, add-only); absent entries skipped"),
	NOTE("watch_config_files", "true", "palisade reloads its configuration and rules on "
					   "SIGHUP (`kill -HUP`), not when a file changes"),
	MAP("rules_files", "`rules.files` (files and directories such as rules.d, *.yaml and "
			   "*.yml in name order; entries that do not exist are skipped, as in Falco)"),
	MAP("rules_file", "`rules.files` (Falco's older spelling; both at once are refused, as "
			  "in Falco)"),
	MAP("rules", "`rules.select`: `- disable: {rule: PATTERN}`, `- enable: {tag: TAG}`, in "
		     "order, at every load and reload"),
	MAP("priority", "`rules.min_priority`"),
	MAP("rule_matching", "`rules.first_match` (`first`: true, `all`: false)"),
	MAP("append_output", "`rules.append_output` (match source, rule, tags; extra_output; "
			     "extra_fields); `suggested_output: true` is `rules.container_fields: "
			     "true` (without it, false: the output line is Falco's)"),
	MAP("json_output", "`format: json` (true) or `format: text` of the stdout, file, "
			   "webhook and program outputs, `message: json` or `output` of syslog"),
	MAP("json_include_output_property", "`alerts.json_include_output`"),
	MAP("json_include_tags_property", "`alerts.json_include_tags`"),
	NOTE("json_include_message_property", "false",
	     "palisade's alert JSON has no `message` key (the output line is in `output`)"),
	NOTE("json_include_output_fields_property", "true",
	     "palisade's alert JSON always carries `output_fields`"),
	NOTE("buffered_outputs", "false", "palisade writes every alert at once (one write per "
					  "line); there is no output buffer to turn on"),
	MAP("outputs_queue.capacity", "`queue_size` of each output (0, unbounded in Falco, is "
				      "palisade's bounded default 1024; at most 1048576)"),
	MAP("stdout_output.enabled", "an output `type: stdout`"),
	MAP("syslog_output.enabled", "an output `type: syslog` as Falco writes it: /dev/log, "
				     "RFC 3164, facility user, app_name falco"),
	MAP("file_output.enabled", "an output `type: file`"),
	MAP("file_output.filename", "its `path`"),
	NOTE("file_output.keep_alive", "false", "palisade keeps the file open and reopens it on "
						"SIGHUP (logrotate); both values append"),
	MAP("http_output.enabled", "an output `type: webhook`"),
	MAP("http_output.url", "its `url`"),
	MAP("http_output.user_agent", "its `user_agent`"),
	MAP("http_output.insecure", "its `tls_insecure`"),
	MAP("http_output.ca_cert", "its `tls_ca`"),
	MAP("http_output.ca_bundle", "its `tls_ca` (when ca_cert is empty)"),
	MAP("http_output.ca_path", "its `tls_ca_path`"),
	MAP("http_output.mtls", "with `client_cert` and `client_key`: its `tls_cert`, `tls_key` "
				"(mutual TLS)"),
	MAP("http_output.client_cert", "its `tls_cert` when mtls is true"),
	MAP("http_output.client_key", "its `tls_key` when mtls is true"),
	NOTE("http_output.echo", "false", "palisade does not print the receiver's answers"),
	NOTE("http_output.compress_uploads", "false", "palisade sends alerts uncompressed"),
	NOTE("http_output.keep_alive", "false", "palisade reuses the connection either way"),
	NOTE("http_output.max_consecutive_timeouts", "5",
	     "palisade retries with backoff (`retries`, `backoff_ms`) or spools (`spool_dir`)"),
	MAP("program_output.enabled", "an output `type: program`"),
	MAP("program_output.program", "its `command` (run with `sh -c`)"),
	MAP("program_output.keep_alive", "its `keep_alive`"),
	MAP("webserver.enabled", "`metrics.listen` (off when false)"),
	MAP("webserver.listen_address", "the address of `metrics.listen`"),
	MAP("webserver.listen_port", "the port of `metrics.listen`"),
	MAP("webserver.k8s_healthz_endpoint", "`metrics.healthz_path`"),
	MAP("webserver.prometheus_metrics_enabled",
	    "`metrics.serve_metrics` (with metrics.enabled: /metrics, Falco's names next to "
	    "palisade's; docs/metrics.md)"),
	NOTE("webserver.threadiness", "0", "palisade's endpoint has its own bounded threads"),
	REFUSE("webserver.ssl_enabled", "false", "palisade's endpoint is plain HTTP: put it "
						 "behind a TLS proxy, or listen on 127.0.0.1"),
	NOTE("webserver.ssl_certificate", "/etc/falco/falco.pem", "only with ssl_enabled"),
	MAP("metrics.enabled", "`metrics.serve_metrics` (with webserver.prometheus_metrics_enabled)"),
	NOTE("metrics.interval", "1h", "Prometheus scrapes at its own interval; palisade "
				       "refreshes its figures every second"),
	NOTE("metrics.output_rule", "true", "no periodic \"metrics snapshot\" alert: scrape "
					    "/metrics or run `palisade status`"),
	NOTE("metrics.output_file", "", "no metrics file: scrape /metrics"),
	NOTE("metrics.*", NULL, "palisade exports every family it has (docs/metrics.md); "
				"these switches change nothing"),
	MAP("load_plugins", "refused, unless empty or only `container` (built in): palisade "
			    "has no plugin interface"),
	MAP("plugins", "each plugin that load_plugins (or its absence) would load is refused, "
		       "but `container`, whose fields are built in"),
	NOTE("plugins_hostinfo", "true", "no plugins"),
	MAP("falco_libs.thread_table_size", "`proc_table.size`"),
	NOTE("falco_libs.*", NULL, "palisade's process table evicts the least recently used "
				   "process; these tunables have no counterpart"),
	MAP("engine.kind", "palisade's own eBPF sensors serve `modern_ebpf`, `ebpf` and `kmod`; "
			   "`replay` is refused (use `palisade replay`), other kinds too"),
	NOTE("engine.*", NULL, "buffer sizes: `sensor.ringbuf_kib` (one ring for all CPUs)"),
	NOTE("capture.enabled", "false", "palisade records everything with `--record FILE`, "
					 "not per rule"),
	NOTE("capture.*", NULL, "see capture.enabled"),
	NOTE("log_stderr", "true", "palisade logs to stderr"),
	NOTE("log_syslog", "true", "palisade logs to stderr only (systemd's journal keeps it)"),
	NOTE("log_level", "info", "`-v` shows more"),
	NOTE("libs_logger.*", NULL, "libbpf's messages are shown with `-v`"),
	NOTE("output_timeout", "2000", "each output has its own thread and queue: a slow one "
				       "never holds the others"),
	NOTE("syscall_event_timeouts.*", NULL, "no counterpart"),
	MAP("syscall_event_drops.threshold", "`syscall_event_drops.threshold`"),
	MAP("syscall_event_drops.actions", "`syscall_event_drops.actions` (ignore, log, alert, "
					   "exit)"),
	MAP("syscall_event_drops.rate", "`syscall_event_drops.rate`"),
	MAP("syscall_event_drops.max_burst", "`syscall_event_drops.max_burst`"),
	NOTE("syscall_event_drops.simulate_drops", "false", "no simulated drops"),
	NOTE("base_syscalls.*", NULL, "palisade watches the syscalls the rules need "
				      "(`sensor.syscalls`)"),
	NOTE("time_format_iso_8601", "false", "output lines start with the time as Falco's "
					      "default writes it"),
	NOTE("buffer_format_base64", "false", "no data buffers are captured"),
	NOTE("static_fields", NULL, "no static fields"),
	REFUSE("grpc.enabled", "false", "no gRPC API: use the webhook output (falcosidekick)"),
	NOTE("grpc.*", NULL, "see grpc.enabled"),
	REFUSE("grpc_output.enabled", "false", "no gRPC output: use the webhook output"),
	NOTE("syscall_buf_size_preset", NULL, "`sensor.ringbuf_kib`"),
	NOTE("modern_bpf.*", NULL, "`sensor.ringbuf_kib`"),
	NOTE("metadata_download.*", NULL, "no Kubernetes metadata"),
};
const size_t falco_key_count = sizeof(falco_keys) / sizeof(falco_keys[0]);

const struct falco_key *falco_key_find(const char *path)
{
	const struct falco_key *wild = NULL;

	for (size_t i = 0; i < falco_key_count; i++) {
		const char *k = falco_keys[i].path;
		size_t len = strlen(k);

		if (!strcmp(k, path))
			return &falco_keys[i];
		if (len > 2 && !strcmp(k + len - 2, ".*") && !strncmp(k, path, len - 1))
			wild = &falco_keys[i];
	}
	return wild;
}

/* A key that has children in the table ("webserver" of webserver.enabled). */
bool falco_key_is_section(const char *path)
{
	size_t len = strlen(path);

	for (size_t i = 0; i < falco_key_count; i++)
		if (!strncmp(falco_keys[i].path, path, len) && falco_keys[i].path[len] == '.')
			return true;
	return false;
}

void falco_keys_print(FILE *f)
{
	static const char *const what[] = { "", "no effect: ", "refused unless `" };

	fprintf(f, "| falco.yaml key | in palisade |\n|---|---|\n");
	for (size_t i = 0; i < falco_key_count; i++) {
		const struct falco_key *k = &falco_keys[i];

		fprintf(f, "| `%s` | %s", k->path, what[k->kind]);
		if (k->kind == FALCO_KEY_REFUSED)
			fprintf(f, "%s`, because ", k->def);
		fprintf(f, "%s |\n", k->palisade);
	}
}
