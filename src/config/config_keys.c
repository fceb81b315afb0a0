/*
 * Every setting, once: adding one is adding a row here (and the member it
 * fills). The file parser, the command line (getopt options and --help), the
 * defaults, `palisade config keys` and docs/configuration.md all come from
 * these rows; the file and the flag of a row share its validator and bounds.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"
#include "output/syslog_format.h"
#include "metrics/metrics.h"
#include "flows_events.h"
#include "net/net.h"

#define G(m) offsetof(struct palisade_config, m)
#define O(m) offsetof(struct sink_cfg, m)
#define K(n, t, d, ds, o) .name = n, .type = t, .def = d, .desc = ds, .off = o
/* The command line: long flag, the value's name in --help, subcommands. */
#define FLAG(f, a, c) .flag = f, .arg = a, .cmds = c
#define SWITCH(f, v, c) .flag = f, .sets = v, .cmds = c
#define RUN CONFIG_CMD_RUN
#define BOTH (CONFIG_CMD_RUN | CONFIG_CMD_REPLAY)
#define PRIOS "EMERGENCY|ALERT|CRITICAL|ERROR|WARNING|NOTICE|INFORMATIONAL|DEBUG"

/*
 * Falco's own flags keep Falco's meaning (docs/falco-migration.md): those
 * palisade has a counterpart for act as in Falco, the others are refused with
 * the palisade way to do it.
 */
#define REFUSED(f, s, a, why)                                                              \
	{ K(NULL, CFG_REFUSED, NULL, why, 0), FLAG(f, a, RUN), .short_flag = s, .sets = "refused", \
	  .falco = "refused" }
#define FALCO_FLAGS                                                                          \
	{ K(NULL, CFG_OVERRIDE, NULL,                                                          \
	    "set a key of the configuration file, as Falco's -o: `-o rules.min_priority=ERROR`, "  \
	    "or with a falco.yaml `-o json_output=true`, `-o rules[].disable.rule=NAME`; "         \
	    "repeatable", G(overrides)), .off_n = G(n_overrides), .max = CONFIG_OVERRIDES_MAX,    \
	  FLAG("option", "KEY=VALUE", RUN),                                                    \
	  .short_flag = 'o', .falco = "-o, --option <opt>=<val>" },                                                                 \
	{ K(NULL, CFG_STR, "", "read FILE as a falco.yaml (-c detects one by its keys)",          \
	    G(falco_config)), FLAG("falco-config", "FILE", RUN) },                              \
	{ K(NULL, CFG_BOOL, "false", "list the rules (name, priority, tags, file:line, "           \
	    "description) and exit (Falco's -L)", G(list_rules)),                                \
	  SWITCH("list-rules", "true", RUN), .short_flag = 'L', .falco = "-L" },                              \
	{ K(NULL, CFG_STR, "", "describe the rule RULE and exit (Falco's -l)", G(describe_rule)),   \
	  FLAG("describe-rule", "RULE", RUN), .short_flag = 'l', .falco = "-l <rule>" },                             \
	{ K(NULL, CFG_STR, "", "list the fields (of SOURCE: syscall or flow) and exit (Falco's --list)",   \
	    G(list_source)), FLAG("list", "SOURCE", RUN), .optional = true,                    \
	  .falco = "--list [<source>]" },                    \
	{ K(NULL, CFG_BOOL, "false", "list the event types and exit", G(list_events)),            \
	  SWITCH("list-events", "true", RUN), .falco = "--list-events" },                                                \
	{ K(NULL, CFG_ENUM, "text", "how --list, --list-events, -L print", G(list_format)),        \
	  .choices = "text|markdown|json", FLAG("format", "FMT", RUN), .falco = "--format <format>" },                         \
	{ K(NULL, CFG_ENUM, "text", "--format markdown", G(list_format)), .choices = "text|markdown|json", \
	  SWITCH("markdown", "markdown", RUN), .falco = "--markdown" },                                               \
	{ K(NULL, CFG_BOOL, "false", "--list: field names only", G(list_names)),                  \
	  SWITCH("names", "true", RUN), .short_flag = 'N', .falco = "-N" },                                   \
	{ K(NULL, CFG_STRLIST, "[]", "check the rules file FILE (repeatable) and exit "            \
	    "(Falco's -V; `palisade rules check`)", G(validate)), .off_n = G(n_validate),          \
	  .max = CONFIG_RULES_FILES_MAX, FLAG("validate", "FILE", RUN), .short_flag = 'V',    \
	  .falco = "-V, --validate <rules_file>" },     \
	{ K(NULL, CFG_BOOL, "false", "read the configuration and the rules, open the outputs, "    \
	    "load nothing into the kernel, and exit 0 when all is well", G(dry_run)),             \
	  SWITCH("dry-run", "true", RUN), .falco = "--dry-run" },                                                    \
	{ K(NULL, CFG_UINT, "0", "stop after N seconds (Falco's -M); 0: run until stopped",        \
	    G(duration_s)), .max = UINT64_C(1) << 32, FLAG("duration", "N", RUN), .short_flag = 'M', \
	  .falco = "-M <num_seconds>" }, \
	{ K(NULL, CFG_BOOL, "false", "accepted: every output already writes each alert at once "   \
	    "(Falco's -U)", G(unbuffered)), SWITCH("unbuffered", "true", RUN), .short_flag = 'U',     \
	  .falco = "-U, --unbuffered" }, \
	{ K(NULL, CFG_BOOL, "false", "print the version and exit", G(print_version)),             \
	  SWITCH("version", "true", RUN), .falco = "--version" },                                                    \
	REFUSED("all-events", 'A', NULL, "refused: palisade reports the syscalls the rules "       \
		"need; `--syscalls all` reports every syscall it knows"),                         \
	REFUSED("print-base64", 'b', NULL, "refused: no data buffers are captured"),               \
	REFUSED("cri", 0, "PATH", "refused: containerd, CRI-O and podman are found by their "      \
		"cgroups; names come from Docker (`--docker-socket`)"),                           \
	REFUSED("disable-cri-async", 0, NULL, "refused: see --cri"),                               \
	REFUSED("disable-source", 0, "SOURCE", "refused: palisade's sources are syscall (always "   \
		"on) and flow (flows.enabled, --flows)"),                                          \
	REFUSED("enable-source", 0, "SOURCE", "refused: the flow source is flows.enabled "         \
		"(--flows); syscall is always on"),                                                \
	REFUSED("daemon", 'd', NULL, "refused: run palisade under systemd (`Type=simple`)"),       \
	REFUSED("ignored-events", 'i', NULL, "refused: no event is ignored for speed; "           \
		"`--list-events` lists them all"),                                                \
	REFUSED("list-plugins", 0, NULL, "refused: palisade has no plugins (container fields "      \
		"are built in)"),                                                                 \
	REFUSED("plugin-info", 0, "PLUGIN", "refused: palisade has no plugins"),                   \
	REFUSED("print", 'p', "FORMAT", "refused: use -o append_output (falco.yaml) or "           \
		"rules.append_output; container fields are appended by default"),                 \
	REFUSED("pidfile", 'P', "FILE", "refused: `palisade status` (status.socket) finds the "     \
		"running agent and its pid"),                                                     \
	REFUSED("snaplen", 'S', "LEN", "refused: no I/O buffers are captured"),                    \
	REFUSED("support", 0, NULL, "refused: `palisade status --json` and `palisade config "      \
		"keys` say what runs and how it is configured"),                                   \
	REFUSED("config-schema", 0, NULL, "refused: `palisade config keys` lists every key"),       \
	REFUSED("rule-schema", 0, NULL, "refused: docs/rules.md describes the rules language"),     \
	REFUSED("page-size", 0, NULL, "refused: `getconf PAGESIZE`; the ring buffer is "           \
		"`sensor.ringbuf_kib`")

/* --handover's value: empty or "auto", or a pid. */
static int handover_syntax(const char *v, char *why, size_t why_size)
{
	char *end;
	unsigned long pid;

	if (!*v || !strcmp(v, "auto"))
		return 0;
	pid = strtoul(v, &end, 10);
	if (*v >= '1' && *v <= '9' && !*end && pid <= 4194304)
		return 0;
	snprintf(why, why_size, "a pid or 'auto' (the agent behind status.socket)");
	return -1;
}

const struct config_key config_keys[] = {
	{ K(NULL, CFG_STR, "", "configuration file (default " CONFIG_DEFAULT_PATH
	    " when it exists)", G(path)), FLAG("config", "FILE", RUN), .short_flag = 'c',
	  .falco = "-c <path>" },
	{ K("rules.files", CFG_STRLIST, "[]",
	    "rules files or directories (*.yaml), loaded in order; empty: the embedded set",
	    G(rules_files)), .off_n = G(n_rules_files), .max = CONFIG_RULES_FILES_MAX,
	  FLAG("rules", "PATH", BOTH), .short_flag = 'r', .falco = "-r <rules_file>",
	  .flag_desc = "rules file or directory (*.yaml), repeatable, in order, replacing "
		       "rules.files; default: the embedded rules/palisade_rules.yaml" },
	{ K("rules.enabled", CFG_BOOL, "true", "evaluate rules at all", G(rules_enabled)),
	  SWITCH("no-rules", "false", BOTH), .flag_desc = "evaluate nothing (use with --events)" },
	{ K("rules.protect", CFG_BOOL, "false",
	    "also load palisade's protect set (rules/protect.yaml, embedded): denylisted "
	    "executables killed at exec, shells in non-debug containers paused, account file "
	    "writes denied and their writers killed, injection (syscalls, /proc/PID/mem writes) "
	    "and shells on network sockets killed; with enforce "
	    "(--enforce) they act, without it they report \"would have\" (docs/protect.md)",
	    G(protect)), SWITCH("protect", "true", BOTH) },
	{ K("rules.min_priority", CFG_PRIO, "DEBUG", "skip rules below this priority",
	    G(min_priority)), .choices = PRIOS, FLAG("min-priority", "P", BOTH) },
	{ K("rules.first_match", CFG_BOOL, "false",
	    "report only the first matching rule per event (default: every matching rule)",
	    G(first_match)), SWITCH("first-match", "true", BOTH) },
	{ K("rules.container_fields", CFG_BOOL, "true",
	    "append container.id/name/image and proc.pid to every alert", G(container_fields)),
	  SWITCH("no-container-fields", "false", BOTH),
	  .flag_desc = "do not append container.id/name/image and proc.pid to every alert" },
	{ K("rules.select", CFG_SELECT, "[]",
	    "Falco's rule selection, applied in order at every load: `- disable: {rule: "
	    "PATTERN}`, `- enable: {tag: TAG}` (a pattern matches the whole name, `*` any run "
	    "of characters); it overrides the files' `enabled:`", G(select)), .off_n = G(n_select) },
	{ K(NULL, CFG_SELECT, NULL, "disable the rules whose names contain TEXT (Falco's -D)",
	    G(select)), .off_n = G(n_select), FLAG("disable-rules", "TEXT", BOTH), .short_flag = 'D',
	  .falco = "-D <substring>",
	  .sets = "disable-name" },
	{ K(NULL, CFG_SELECT, NULL, "disable the rules with tag TAG (Falco's -T)", G(select)),
	  .off_n = G(n_select), FLAG("disable-tag", "TAG", BOTH), .short_flag = 'T',
	  .falco = "-T <tag>",
	  .sets = "disable-tag" },
	{ K(NULL, CFG_SELECT, NULL, "only the rules with tag TAG, repeatable (Falco's -t; not "
	    "with -D or -T)", G(select)), .off_n = G(n_select), FLAG("only-tag", "TAG", BOTH),
	  .short_flag = 't', .falco = "-t <tag>", .sets = "only-tag" },
	{ K("rules.append_output", CFG_APPEND, "[]",
	    "Falco's append_output: `- match: {source, rule, tags}` picks rules (all when "
	    "absent), `extra_output` is appended to their output line, `extra_fields` (a field, "
	    "or NAME: FORMAT) are added to output_fields", G(append)), .off_n = G(n_append) },
	{ K("alerts.json_include_output", CFG_BOOL, "true",
	    "the alert JSON carries `output` (Falco's json_include_output_property)",
	    G(json_include_output)) },
	{ K("alerts.json_include_tags", CFG_BOOL, "true",
	    "the alert JSON carries `tags` (Falco's json_include_tags_property)",
	    G(json_include_tags)) },
	{ K("rules.rate_limit.per_sec", CFG_NUMBER, "0",
	    "sustained alerts per second per (rule, container); 0: no limit", G(rate_per_sec)) },
	{ K("rules.rate_limit.burst", CFG_NUMBER, "0",
	    "alerts allowed at once before the rate applies (at least 1 when limiting)",
	    G(rate_burst)) },
	{ K("rules.dedup_window_ms", CFG_UINT, "0",
	    "an alert with the same output within this window is dropped; 0: off",
	    G(dedup_window_ms)), .max = 86400000 },
	{ K("docker.enabled", CFG_BOOL, "true",
	    "query the Docker Engine API for names, images, labels", G(docker_enabled)),
	  SWITCH("no-docker", "false", RUN),
	  .flag_desc = "do not query Docker: containers get id only" },
	{ K("docker.socket", CFG_STR, "/var/run/docker.sock", "Docker Engine API socket",
	    G(docker_socket)), FLAG("docker-socket", "PATH", RUN) },
	{ K("sensor.ringbuf_kib", CFG_POW2, "4096", "kernel ring buffer size in KiB, a power of two",
	    G(ringbuf_kib)), .min = 4, .max = CONFIG_RINGBUF_KIB_MAX, FLAG("ringbuf-kib", "N", RUN) },
	{ K("sensor.consumer_priority", CFG_ENUM, "realtime",
	    "scheduling of the thread that drains the ring buffer: \"realtime\" (SCHED_FIFO 1, "
	    "nice -20 where refused), \"nice\" (-20) or \"normal\" (docs/performance.md)",
	    G(consumer_priority)), .choices = "realtime|nice|normal",
	  FLAG("consumer-priority", "P", RUN) },
	{ K("sensor.syscalls", CFG_ENUM, "rules",
	    "syscalls the kernel reports: \"rules\" (those some loaded rule needs), \"all\" "
	    "(every syscall palisade knows, see docs/events.md) or \"none\"", G(syscalls)),
	  .choices = "rules|all|none", FLAG("syscalls", "MODE", RUN) },
	{ K("sensor.syscall_hook", CFG_ENUM, "auto",
	    "\"auto\": a tracepoint per watched syscall, so the others run no program; \"raw\": "
	    "one hook on every syscall, which also sees syscalls this kernel lacks "
	    "(docs/events.md)", G(syscall_hook)),
	  .choices = "auto|raw", FLAG("syscall-hook", "HOOK", RUN) },
	{ K("sensor.prefilter", CFG_BOOL, "true",
	    "drop in the kernel the opens no rule could match (docs/prefilter.md)", G(prefilter)),
	  SWITCH("no-prefilter", "false", RUN),
	  .flag_desc = "report every open the syscall sensor sees, not only those some rule "
		       "could match (docs/prefilter.md)" },
	{ K("sensor.prefilter_cache", CFG_BOOL, "true",
	    "remember in the kernel the paths the pre-filter dropped, so a repeat open skips "
	    "the path walk (docs/prefilter.md, \"The cache\")", G(prefilter_cache)),
	  SWITCH("no-prefilter-cache", "false", RUN),
	  .flag_desc = "judge every open's path afresh: no cache of the pre-filter's "
		       "decisions (docs/prefilter.md)" },
	{ K("fd_table.mode", CFG_ENUM, "auto",
	    "per-process fd tables (docs/events.md): \"auto\" (on when a loaded rule needs "
	    "close, pipe* or socketpair, or sensor.syscalls is all), \"on\" or \"off\"",
	    G(fd_table)), .choices = "auto|on|off", FLAG("fd-table", "MODE", RUN) },
	{ K("proc_table.size", CFG_UINT, "65536",
	    "processes tracked before eviction", G(proc_table_size)),
	  .min = 64, .max = 1u << 24, FLAG("proc-table-size", "N", RUN) },
	{ K("events_output", CFG_STR, "",
	    "also write every raw event (exec, fork, exit, ...) as JSON to this file, \"-\" "
	    "for stdout; empty: none", G(events_output)),
	  FLAG("events", "FILE", BOTH), .short_flag = 'e' },
	{ K("record_output", CFG_STR, "",
	    "also record the raw event stream and container metadata to this file for "
	    "`palisade replay` (docs/record-format.md); empty: none", G(record_output)),
	  FLAG("record", "FILE", RUN) },
	{ K("record_learn", CFG_BOOL, "false",
	    "with --record: also learn every container (bpf/learn.bpf.c: every syscall, the "
	    "capabilities exercised) and record every file and socket event (the pre-filter is "
	    "off), for `palisade profile learn --record` and `profile check` (docs/profiles.md)",
	    G(record_learn)),
	  SWITCH("learn", "true", RUN) },
	{ K("outputs", CFG_OUTPUTS, "[{type: stdout}]",
	    "where alerts go: a list of sinks (keys below); [] discards alerts", G(outputs)),
	  .off_n = G(n_outputs), FLAG("output", "FILE", BOTH),
	  .flag_desc = "write alerts to FILE instead of the configured outputs (\"-\": "
		       "stdout, \"none\": discard); -o is Falco's KEY=VALUE" },
	{ K("syscall_event_drops.threshold", CFG_NUMBER, "0",
	    "act on a second whose share of records lost to a full ring buffer exceeds this "
	    "(0 to 1; Falco's default is .1)", G(drops_threshold)), .max = 1 },
	{ K("syscall_event_drops.actions", CFG_STRLIST, "[log, alert]",
	    "what to do then: ignore, log (stderr), alert (rule \"Falco internal: syscall event "
	    "drop\" to the outputs), exit", G(drops_actions)), .off_n = G(n_drops_actions),
	  .max = 4, .choices = "ignore|log|alert|exit" },
	{ K("syscall_event_drops.rate", CFG_NUMBER, "0.03333",
	    "actions per second the token bucket allows", G(drops_rate)) },
	{ K("syscall_event_drops.max_burst", CFG_NUMBER, "1",
	    "actions the token bucket allows at once", G(drops_max_burst)), .min = 1 },
	{ K("metrics.listen", CFG_STR, "",
	    "host:port (or unix:/path) of the Prometheus /metrics (and /healthz) endpoint, e.g. "
	    "127.0.0.1:9464 (docs/metrics.md); empty: off", G(metrics.listen)),
	  .check = metrics_address_syntax, FLAG("metrics", "ADDR", RUN) },
	{ K("metrics.health_listen", CFG_STR, "",
	    "host:port or unix:/path of a second listener that serves /healthz only, with "
	    "connections of its own (docs/metrics.md); empty: none", G(metrics.health_listen)),
	  .check = metrics_address_syntax },
	{ K("metrics.token_file", CFG_STR, "",
	    "file holding a bearer token that /metrics requires (Authorization: Bearer ...), at "
	    "least 16 bytes; empty: none", G(metrics.token_file)) },
	{ K("metrics.socket_group", CFG_STR, "",
	    "unix:/path listeners: the group that may connect (mode 0660); empty: root only "
	    "(0600)", G(metrics.socket_group)), .check = metrics_group_check },
	{ K("metrics.healthz_path", CFG_STR, "/healthz",
	    "path of the endpoint's health check (Falco's k8s_healthz_endpoint)",
	    G(metrics.healthz_path)) },
	{ K("metrics.serve_metrics", CFG_BOOL, "true",
	    "serve /metrics; false: the health check only (Falco's webserver without "
	    "prometheus_metrics_enabled)", G(metrics.serve_metrics)) },
	{ K("status.socket", CFG_STR, "/run/palisade/status.sock",
	    "unix socket `palisade status` reads; \"none\" or empty: off", G(status.socket)),
	  FLAG("status-socket", "PATH", RUN) },
	{ K("run_dir", CFG_STR, "/run/palisade",
	    "the agent's run directory: a handover's file (docs/upgrade.md)", G(run_dir)),
	  FLAG("run-dir", "DIR", RUN) },
	{ K(NULL, CFG_STR, "",
	    "take over from the running agent PID (default auto: the one behind status.socket): "
	    "load and attach while it runs, then stop it and take its outputs; nothing goes "
	    "unwatched and nothing is reported twice (docs/upgrade.md)", G(handover)),
	  FLAG("handover", "PID|auto", RUN), .optional = true, .check = handover_syntax },
	{ K("flows.enabled", CFG_BOOL, "false",
	    "count every container's network flows in the kernel (cgroup_skb at the cgroup "
	    "root): `palisade flows`, the rules' flow source, palisade_flow_* metrics "
	    "(docs/flows.md)", G(flows.enabled)), SWITCH("flows", "true", RUN) },
	{ K("flows.max", CFG_UINT, "65536",
	    "flows the kernel's table holds; a new flow beyond it is counted as untracked",
	    G(flows.max)), .min = 16, .max = FL_FLOWS_MAX, FLAG("flows-max", "N", RUN) },
	{ K("flows.idle_timeout_s", CFG_UINT, "60",
	    "a flow without a packet this long ends (a closed TCP flow ends 2 s after its "
	    "last packet)", G(flows.idle_timeout_s)), .min = 2, .max = 86400 },
	{ K("flows.loopback", CFG_BOOL, "false",
	    "count traffic on the loopback device too (it never leaves the container or the "
	    "host)", G(flows.loopback)) },
	{ K("flows.metrics_series", CFG_UINT, "1000",
	    "label sets of the palisade_flow_* pair families at most; traffic of further "
	    "pairs is counted under src=\"other\"", G(flows.metrics_series)),
	  .min = 1, .max = 100000 },
	{ K("web.enabled", CFG_BOOL, "false",
	    "serve the live view in the browser (topology, recent alerts, health) on web.listen, "
	    "behind the token of web.token_file (docs/web.md)", G(web.enabled)),
	  SWITCH("web", "true", RUN) },
	{ K("web.listen", CFG_STR, "127.0.0.1:9466",
	    "host:port (or unix:/path) of the live view; loopback unless set otherwise",
	    G(web.listen)), .check = metrics_address_syntax, FLAG("web-listen", "ADDR", RUN) },
	{ K("web.token_file", CFG_STR, "",
	    "file holding the token the live view requires (at least 16 printable bytes, e.g. "
	    "`openssl rand -hex 32`); needed when web.enabled is true", G(web.token_file)),
	  FLAG("web-token-file", "PATH", RUN) },
	{ K("network_policy.files", CFG_STRLIST, "[]",
	    "CiliumNetworkPolicy files enforced in the kernel by label identity (Docker labels; "
	    "turns the flow table on; docs/policy.md); each is checked as `palisade policy "
	    "check` does; read again on SIGHUP", G(network_policy.files)),
	  .off_n = G(network_policy.n_files), .max = CONFIG_RULES_FILES_MAX,
	  .check = net_policy_file_check, FLAG("network-policy", "FILE", RUN),
	  .flag_desc = "CiliumNetworkPolicy file, repeatable, replacing network_policy.files" },
	{ K("network_policy.mode", CFG_ENUM, "enforce",
	    "enforce: refuse what the policies do not allow; audit: refuse nothing and report "
	    "what would have been refused", G(network_policy.mode)), .choices = "enforce|audit",
	  FLAG("network-policy-mode", "MODE", RUN) },
	{ K("enforce", CFG_BOOL, "false",
	    "carry out rule actions (kill, deny, pause, stop, isolate, notify, playbooks); "
	    "otherwise they are reported as \"would have\" (docs/enforcement.md)", G(enforce)),
	  SWITCH("enforce", "true", RUN) },
	{ K("playbooks", CFG_PLAYBOOKS, "{}",
	    "named response playbooks, NAME: [step, ...], run in order when a rule with "
	    "`action: {playbook: NAME}` fires: kill, pause, stop, isolate, capture, notify: "
	    "{sink: NAME, priority: P} (docs/response.md)", G(playbooks)), .off_n = G(n_playbooks) },
	{ K("capture.dir", CFG_STR, "/var/lib/palisade/captures",
	    "where a rule's `capture` step writes its forensic bundles (a directory each; "
	    "created 0700; root's, writable by no one else) (docs/response.md)",
	    G(capture.dir)) },
	{ K("capture.window_s", CFG_UINT, "30",
	    "seconds of the container's events before the alert a bundle holds",
	    G(capture.window_s)), .min = 1, .max = 3600 },
	{ K("capture.ring_bytes", CFG_BYTES, "256K",
	    "memory kept per container for those events (the oldest give way first)",
	    G(capture.ring_bytes)), .min = 4096, .max = UINT64_C(64) << 20 },
	{ K("capture.containers", CFG_UINT, "64",
	    "containers whose events are kept at once (the least recently active gives way)",
	    G(capture.containers)), .min = 1, .max = 4096 },
	{ K("capture.max_bytes", CFG_BYTES, "64M",
	    "size cap of one bundle; what does not fit is left out and named in its manifest",
	    G(capture.max_bytes)), .min = 65536, .max = UINT64_C(1) << 40 },
	{ K("capture.hash_max_bytes", CFG_BYTES, "16M",
	    "changed files of the container larger than this are listed, not hashed",
	    G(capture.hash_max_bytes)), .max = UINT64_C(1) << 40 },
	{ K("capture.per_minute", CFG_UINT, "6",
	    "bundles written at most in any minute; beyond, the step is recorded failed "
	    "(rate-limited) and counted", G(capture.per_minute)), .min = 1, .max = 1000 },
	{ K("deny.timeout_ms", CFG_UINT, "1000",
	    "time the fanotify guard takes at most to answer a file or exec permission event",
	    G(deny_timeout_ms)), .min = 1, .max = 60000, FLAG("deny-timeout-ms", "N", RUN) },
	{ K("deny.timeout_verdict", CFG_ENUM, "allow",
	    "the answer when the guard's decision is late or its context unreadable",
	    G(deny_timeout_verdict)), .choices = "allow|deny",
	  FLAG("deny-timeout-verdict", "allow|deny", RUN) },
	{ K("hold.timeout_ms", CFG_UINT, "2000",
	    "under enforce, a new container's first exec waits (stopped before its first "
	    "instruction) until its enforcement is in place, at most this long "
	    "(docs/enforcement.md, \"No window\")", G(hold_timeout_ms)),
	  .min = 1, .max = 60000, FLAG("hold-timeout-ms", "N", RUN) },
	{ K("hold.timeout_verdict", CFG_ENUM, "release",
	    "then: \"release\" lets it run before its enforcement is in place, \"kill\" "
	    "kills it", G(hold_timeout_verdict)), .choices = "release|kill",
	  FLAG("hold-timeout-verdict", "release|kill", RUN) },
	{ K("fim.config", CFG_STR, "",
	    "file integrity in real time: the FIM configuration (docs/fim.md) whose baseline "
	    "(made by `palisade fim init`) the fim.* fields read; also loads the FIM rules "
	    "(rules/fim.yaml, embedded) and, at start, reports what changed while the agent "
	    "was not running. Empty: off", G(fim_config)), FLAG("fim", "FILE", RUN) },
	{ K("audit.watch", CFG_BOOL, "false",
	    "run the posture audit (`palisade audit`, docs/audit.md) inside the agent: at "
	    "start, every audit.interval seconds and on each container start; its findings "
	    "as gauges on /metrics, each container started in violation as an alert (source "
	    "audit) on the outputs; needs docker.enabled", G(audit_watch)),
	  SWITCH("audit-watch", "true", RUN) },
	{ K("audit.interval", CFG_UINT, "300",
	    "seconds between two full audits (audit.watch)", G(audit_interval_s)),
	  .min = 10, .max = 86400, FLAG("audit-interval", "S", RUN) },
	{ K("audit.alert_on", CFG_ENUM, "high",
	    "the least severity of a finding that makes a started container an alert "
	    "(audit.watch)", G(audit_alert_on)), .choices = "info|low|medium|high|critical",
	  FLAG("audit-alert-on", "SEV", RUN) },
	{ K(NULL, CFG_BOOL, "false",
	    "let --output, -e and --record write over an existing file that is not that kind of "
	    "palisade output (links and other users' files are always refused)", G(force)),
	  SWITCH("force", "true", BOTH) },
	{ K(NULL, CFG_COUNT, "0",
	    "print libbpf's warnings as they come (-vv: its debug lines too); without it they "
	    "are shown only to explain a failure", G(verbose)), .max = 2,
	  .flag = "verbose", .short_flag = 'v', .cmds = RUN, .falco = "-v" },
	{ K(NULL, CFG_BOOL, "false",
	    "also check that every recorded open passes the rules' pre-filter (a recording of "
	    "`run` with it on: the kernel and its user-space twin agree); exit 1 when one does "
	    "not (docs/prefilter.md)", G(check_prefilter)),
	  SWITCH("check-prefilter", "true", CONFIG_CMD_REPLAY) },
	FALCO_FLAGS
};
const size_t config_key_count = sizeof(config_keys) / sizeof(config_keys[0]);

/* ---- sinks ---- */

#define ROWS(a) a, sizeof(a) / sizeof(a[0])

const struct config_key config_sink_common_keys[] = {
	{ K("type", CFG_SINK_TYPE, NULL, "the kind of sink", O(type)), .required = true },
	{ K("name", CFG_STR, "TYPE#N", "names the sink in counters, messages and its spool file",
	    O(name)) },
	{ K("min_priority", CFG_PRIO, "DEBUG", "alerts below this priority skip the sink",
	    O(min_priority)), .choices = PRIOS },
	{ K("queue_size", CFG_UINT, "1024",
	    "alerts queued for the sink's thread; beyond: spooled or dropped (counted)",
	    O(queue_size)), .min = 1, .max = 1u << 20 },
	{ K("spool_dir", CFG_STR, "",
	    "directory of the spool that keeps alerts while the sink is down or behind; "
	    "empty: no spool", O(spool_dir)) },
	{ K("spool_max_bytes", CFG_BYTES, "64M", "spool size cap; beyond: dropped (counted)",
	    O(spool_max_bytes)), .min = 4096, .max = UINT64_C(1) << 40 },
	{ K("retries", CFG_UINT, "3", "further attempts after a failed delivery (without a spool)",
	    O(retries)), .max = 100 },
	{ K("backoff_ms", CFG_UINT, "200",
	    "delay before the first retry, doubled each time up to 30 s", O(backoff_ms)),
	  .min = 1, .max = 60000 },
};
const size_t config_sink_common_key_count =
	sizeof(config_sink_common_keys) / sizeof(config_sink_common_keys[0]);

#define FORMAT(m)                                                                           \
	{ K("format", CFG_ENUM, "json", "json: the alert JSON; text: the output line (Falco's "  \
	    "json_output: false)", O(m)), .choices = "json|text" }

static const struct config_key stdout_keys[] = {
	FORMAT(file.format),
};

static const struct config_key file_keys[] = {
	{ K("path", CFG_STR, NULL, "the alerts file, one per line (\"-\": stdout)", O(file.path)),
	  .required = true, .example = "/var/log/palisade/alerts.json" },
	FORMAT(file.format),
	{ K("rotate_bytes", CFG_BYTES, "0",
	    "rotate when the file would grow past this; 0: never (use logrotate and SIGHUP)",
	    O(file.rotate_bytes)), .max = UINT64_C(1) << 40 },
	{ K("rotate_keep", CFG_UINT, "5", "rotated files kept (path.1 .. path.N)",
	    O(file.rotate_keep)), .max = 1000 },
};

static const struct config_key webhook_keys[] = {
	{ K("url", CFG_STR, NULL, "http:// or https:// URL each alert is POSTed to",
	    O(webhook.url)), .required = true, .example = "http://falcosidekick:2801/" },
	{ K("timeout_ms", CFG_UINT, "5000", "time allowed for one POST", O(webhook.timeout_ms)),
	  .min = 1, .max = 600000 },
	{ K("headers", CFG_HEADERS, "{}", "extra HTTP headers, name: value", O(webhook.headers)),
	  .off_n = O(webhook.n_headers) },
	{ K("tls_ca", CFG_STR, "", "CA file that verifies the server; empty: the system store",
	    O(webhook.tls_ca)) },
	{ K("tls_insecure", CFG_BOOL, "false", "skip certificate checks (testing only)",
	    O(webhook.tls_insecure)) },
	{ K("tls_ca_path", CFG_STR, "", "directory of hashed CA certificates; empty: none",
	    O(webhook.tls_ca_path)) },
	{ K("tls_cert", CFG_STR, "", "client certificate (PEM) for mutual TLS; empty: none",
	    O(webhook.tls_cert)) },
	{ K("tls_key", CFG_STR, "", "the client certificate's key (PEM); empty: in tls_cert",
	    O(webhook.tls_key)) },
	{ K("user_agent", CFG_STR, "palisade", "the User-Agent header", O(webhook.user_agent)) },
	FORMAT(webhook.format),
};

static const struct config_key program_keys[] = {
	{ K("command", CFG_STR, NULL, "the program each alert is written to, run with sh -c",
	    O(program.command)), .required = true, .example = "logger -t palisade" },
	{ K("keep_alive", CFG_BOOL, "false",
	    "one program reads every alert; false: one program per alert", O(program.keep_alive)) },
	{ K("timeout_ms", CFG_UINT, "5000",
	    "time a program has to read an alert (and to exit); then it is killed",
	    O(program.timeout_ms)), .min = 1, .max = 600000 },
	FORMAT(program.format),
};

static const struct config_key syslog_keys[] = {
	{ K("transport", CFG_ENUM, "unix", "how syslog is reached", O(syslog.transport)),
	  .choices = "unix|udp|tcp|tls" },
	{ K("address", CFG_STR, "", "unix socket path (default /dev/log) or host:port",
	    O(syslog.address)) },
	{ K("format", CFG_ENUM, "rfc5424", "syslog message format", O(syslog.format)),
	  .choices = "rfc5424|rfc3164" },
	{ K("facility", CFG_ENUM, "local0", "syslog facility", O(syslog.facility)),
	  .choices = SYSLOG_FACILITIES },
	{ K("app_name", CFG_STR, "palisade", "APP-NAME / tag", O(syslog.app_name)) },
	{ K("tls_ca", CFG_STR, "", "CA file verifying the receiver (tls)", O(syslog.tls_ca)) },
	{ K("tls_cert", CFG_STR, "", "client certificate (tls)", O(syslog.tls_cert)) },
	{ K("tls_key", CFG_STR, "", "client key (tls)", O(syslog.tls_key)) },
	{ K("tls_verify", CFG_BOOL, "true", "verify the receiver's certificate (tls)",
	    O(syslog.tls_verify)) },
	{ K("message", CFG_ENUM, "output",
	    "MSG of each syslog message: the output line or the alert JSON", O(syslog.message)),
	  .choices = "output|json" },
	{ K("max_message", CFG_UINT, "8192",
	    "bytes per message; MSG is cut beyond (and the structured data says so)",
	    O(syslog.max_message)), .min = SYSLOG_MSG_MIN, .max = SYSLOG_MSG_MAX },
	{ K("timeout_ms", CFG_UINT, "5000", "time allowed to connect and to send (tcp, tls)",
	    O(syslog.timeout_ms)), .min = 1, .max = 600000 },
	{ K("sd_id", CFG_STR, SYSLOG_SD_ID,
	    "SD-ID of the structured data, NAME@PEN: your organisation's private enterprise "
	    "number (32473 is the example number RFC 5612 reserves)", O(syslog.sd_id)) },
};

static const struct config_key audit_keys[] = {
	{ K("path", CFG_STR, NULL, "the hash-chained log file", O(audit.path)), .required = true,
	  .example = "/var/log/palisade/audit.log" },
	{ K("hmac_key_file", CFG_STR, "", "HMAC key file; empty: SHA-256 chain only",
	    O(audit.hmac_key_file)) },
	{ K("fsync", CFG_ENUM, "record",
	    "record: each line reaches the disk before the next; none: the page cache",
	    O(audit.fsync)), .choices = "record|none" },
};

static const struct config_key nats_keys[] = {
	{ K("url", CFG_STR, NULL, "the NATS server(s): nats://host:port or tls://host:port, "
	    "comma-separated; user:password@ allowed", O(nats.url)), .required = true,
	  .example = "nats://nats.example.net:4222" },
	{ K("subject_prefix", CFG_STR, "palisade",
	    "each alert goes to PREFIX.HOST.PRIORITY (HOST: the host name, dots and wildcards as "
	    "_; PRIORITY: lower case)", O(nats.subject_prefix)) },
	{ K("stream", CFG_STR, "PALISADE",
	    "JetStream stream created over PREFIX.> when missing; \"\": never created (an "
	    "operator's stream must cover the subjects)", O(nats.stream)) },
	{ K("timeout_ms", CFG_UINT, "5000",
	    "time allowed to connect, and to wait for the stream's acknowledgement",
	    O(nats.timeout_ms)), .min = 100, .max = 600000 },
	{ K("dedup_window_ms", CFG_UINT, "120000",
	    "the duplicate window of a stream palisade creates: a message id seen within it "
	    "is stored once", O(nats.dedup_window_ms)), .min = 1000, .max = 86400000 },
	{ K("tls_ca", CFG_STR, "", "CA file verifying a tls:// server; empty: the system store",
	    O(nats.tls_ca)) },
	{ K("creds_file", CFG_STR, "", "NATS credentials file (JWT and seed); empty: none",
	    O(nats.creds_file)) },
};

const struct config_sink_type config_sink_types[] = {
	{ "stdout", sink_stdout_create, NULL, "alerts on standard output, one per line",
	  ROWS(stdout_keys) },
	{ "file", sink_file_create, sink_file_check,
	  "alerts appended to a file, one per line, rotated by size", ROWS(file_keys) },
	{ "webhook", sink_webhook_create, sink_webhook_check,
	  "one HTTP(S) POST per alert (the JSON, or the output line); mutual TLS",
	  ROWS(webhook_keys) },
	{ "syslog", sink_syslog_create, sink_syslog_check,
	  "RFC 5424 or 3164 messages over unix, UDP, TCP or TLS", ROWS(syslog_keys) },
	{ "audit_log", sink_audit_log_create, sink_audit_log_check,
	  "a hash-chained (optionally HMAC) log file", ROWS(audit_keys) },
	{ "program", sink_program_create, sink_program_check,
	  "each alert written to a program's standard input (Falco's program_output)",
	  ROWS(program_keys) },
	{ "nats", sink_nats_create, sink_nats_check,
	  "NATS JetStream, acknowledged, with a message id for de-duplication (docs/fleet.md)",
	  ROWS(nats_keys) },
};
const size_t config_sink_type_count = sizeof(config_sink_types) / sizeof(config_sink_types[0]);

const struct config_sink_type *config_sink_type_find(const char *name)
{
	for (size_t i = 0; i < config_sink_type_count; i++)
		if (strcmp(config_sink_types[i].name, name) == 0)
			return &config_sink_types[i];
	return NULL;
}

void config_sink_type_names(char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < config_sink_type_count && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? "|" : "", config_sink_types[i].name);
}
