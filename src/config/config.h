/*
 * config/: every setting of the agent, once. Owns the table of settings
 * (config_keys.c: file key, command-line flag, type, bounds, default,
 * description, where the value goes) and the table of sink types (name,
 * constructor, keys); parses a configuration file and a command line against
 * them with the same validators (`file:line:` or `--flag:` errors); prints the
 * tables for `--help`, `palisade config keys` and the docs. Knows nothing of
 * what the values do: the agent applies them. Runs on the caller's thread.
 */
#ifndef PALISADE_CONFIG_H
#define PALISADE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "output/sink.h"
#include "rules/rules.h"

#define CONFIG_DEFAULT_PATH "/etc/palisade/palisade.yaml"

/* The largest ring buffer: its size in bytes must fit the sensor's uint32_t. */
#define CONFIG_RINGBUF_KIB_MAX (1u << 20)
/* At most this many -o KEY=VALUE. */
#define CONFIG_OVERRIDES_MAX 64
/* At most this many rules files (rules.files, --rules). */
#define CONFIG_RULES_FILES_MAX 64

/* The subcommands whose command line a flag belongs to (a row's `cmds`). */
enum config_cmd {
	CONFIG_CMD_RUN = 1 << 0,
	CONFIG_CMD_REPLAY = 1 << 1,
};

struct metrics_cfg {
	const char *listen;        /* "host:port" or "unix:/path"; "" : no /metrics endpoint */
	const char *health_listen; /* a second listener for /healthz only; "": none */
	const char *token_file;    /* bearer token /metrics requires; "": none */
	const char *socket_group;  /* unix sockets: the group that may connect; "": root only */
	/* Falco's webserver: the health check's path, and whether /metrics is served */
	const char *healthz_path; /* "/healthz" */
	bool serve_metrics;        /* false: the health check only */
};

struct status_cfg {
	const char *socket; /* unix socket `palisade status` reads; "" or "none": off */
};

/* The `capture` step's bundles (docs/response.md). */
struct capture_cfg {
	const char *dir;
	uint64_t window_s, ring_bytes, containers, max_bytes, hash_max_bytes, per_minute;
};

/* Flows (docs/flows.md). */
struct flows_cfg {
	bool enabled;
	uint64_t max;            /* the kernel's flow table */
	uint64_t idle_timeout_s; /* a flow without a packet this long ends */
	bool loopback;           /* loopback traffic counts too */
	uint64_t metrics_series; /* bound of the palisade_flow_* pair families */
};

/* The live view in the browser (docs/web.md). */
struct web_cfg {
	bool enabled;
	const char *listen;     /* "127.0.0.1:9466", "[::1]:9466", "unix:/path" */
	const char *token_file; /* the token the page and its endpoints require */
};

/* Label policy in `run` (docs/policy.md). */
struct network_policy_cfg {
	const char **files; /* CiliumNetworkPolicy files; none: off */
	size_t n_files;
	const char *mode;   /* "enforce" or "audit" */
};

struct palisade_config {
	const char *path; /* the file read ("defaults": none) */

	/* rules */
	const char **rules_files; /* none: the embedded set */
	size_t n_rules_files;
	bool rules_enabled;
	enum rules_priority min_priority;
	bool first_match;
	bool protect; /* rules.protect: the embedded protect set too */
	const char *fim_config; /* fim.config: "" off; else FIM in real time (rules/fim.yaml too) */
	bool container_fields;
	double rate_per_sec, rate_burst;
	uint64_t dedup_window_ms;

	/* sources and tables */
	bool docker_enabled;
	const char *docker_socket;
	uint64_t ringbuf_kib; /* a power of two, at most CONFIG_RINGBUF_KIB_MAX */
	const char *consumer_priority; /* "realtime", "nice", "normal" */
	const char *syscalls; /* "rules", "all", "none" */
	const char *syscall_hook; /* "auto", "raw" */
	bool prefilter;
	bool prefilter_cache;
	const char *fd_table; /* "auto", "on", "off" */
	uint64_t proc_table_size;
	const char *events_output; /* "": none */
	const char *record_output; /* "": none */
	bool record_learn; /* --learn: learning frames and every file event in the recording */

	struct sink_cfg *outputs;
	size_t n_outputs;

	/* Falco's rule selection and append_output (rules.select, rules.append_output;
	 * -D, -T, -t on the command line). */
	struct rules_select *select;
	size_t n_select;
	struct rules_append *append;
	size_t n_append;
	bool json_include_output, json_include_tags; /* keys of the alert JSON */

	/* what to do when the kernel drops events (Falco's syscall_event_drops) */
	double drops_threshold, drops_rate, drops_max_burst;
	const char **drops_actions;
	size_t n_drops_actions;

	struct metrics_cfg metrics;
	struct status_cfg status;
	struct capture_cfg capture;
	const char *run_dir;  /* the agent's run directory: its handover file */
	/* --handover[=PID|auto]: "" or "auto" (the agent behind status.socket),
	 * or a pid; set by the flag only (config_set_by_flag). docs/upgrade.md */
	const char *handover;
	struct flows_cfg flows;
	struct web_cfg web;
	struct network_policy_cfg network_policy;
	bool enforce;
	/* playbooks: named lists of response steps rules name (docs/response.md) */
	const struct rules_playbook *playbooks;
	size_t n_playbooks;
	uint64_t deny_timeout_ms;
	const char *deny_timeout_verdict; /* "allow", "deny" */
	uint64_t hold_timeout_ms;
	const char *hold_timeout_verdict; /* "release", "kill" */
	/* the posture audit kept current by the agent (docs/audit.md) */
	bool audit_watch;
	uint64_t audit_interval_s;
	const char *audit_alert_on; /* "info", "low", "medium", "high", "critical" */

	/* Falco's command line: what to do instead of running, or around it
	 * (docs/falco-migration.md). */
	bool list_rules;           /* -L */
	const char *describe_rule; /* -l RULE */
	const char *list_source;   /* --list [SOURCE]: "" when given without one; NULL: not */
	bool list_events;          /* --list-events */
	const char *list_format;   /* --format text|markdown|json */
	bool list_names;           /* -N */
	const char **validate;     /* -V FILE...: check these rules files and exit */
	size_t n_validate;
	bool dry_run;              /* load and check everything, attach nothing */
	uint64_t duration_s;       /* -M: stop after this many seconds; 0: never */
	bool unbuffered;           /* -U: every output is unbuffered already */
	bool print_version;        /* --version */
	const char **overrides;    /* -o KEY=VALUE */
	size_t n_overrides;
	const char *falco_config;  /* --falco-config FILE */
	bool from_falco;           /* the file read was a falco.yaml (translated) */

	bool check_prefilter; /* replay only */
	bool force;           /* --output, -e, --record may replace a file of another kind */
	uint64_t verbose;     /* -v: libbpf's warnings as they come, -vv its debug lines */

	void *priv; /* the parsed document the strings point into */
};

/*
 * Reads `path` (NULL: the defaults only). Every problem is printed to diag
 * as `file:line: what is wrong (expected ...)`; any problem refuses the
 * whole file (-EINVAL, *out NULL). -ENOENT when the file does not exist.
 */
int config_load(const char *path, FILE *diag, struct palisade_config **out);
/* The same from text held in memory; `name` stands for the file in messages. */
int config_load_buffer(const char *name, const char *text, size_t len, FILE *diag,
		       struct palisade_config **out);
void config_free(struct palisade_config *c);
/*
 * config_load, but a falco.yaml (falco_path, or a `path` whose keys are
 * Falco's) is read as Falco reads it, `overrides` (Falco's -o KEY=VALUE)
 * applied before it is translated to palisade's keys (docs/falco-migration.md).
 */
int config_load_with(const char *path, const char *falco_path, const char *const *overrides,
		     size_t n_overrides, FILE *diag, struct palisade_config **out);

/*
 * The command line of subcommand `cmd` (argv[0] is its name) over the
 * configuration: --config FILE (or CONFIG_DEFAULT_PATH when it exists; the
 * defaults alone with `no_file`), then every flag, checked by the same
 * validators as the file. Returns 0 and *out; CONFIG_HELP when --help was
 * asked (nothing loaded); -EINVAL with the problems printed to stderr.
 * *first_arg: the index of the first operand (argv[*first_arg] is not a flag).
 */
#define CONFIG_HELP 1
int config_from_command_line(int argc, char **argv, enum config_cmd cmd, bool no_file,
			     int *first_arg, struct palisade_config **out);
/* Was the setting at `member` (a member of c) given on the command line? */
bool config_set_by_flag(const struct palisade_config *c, const void *member);
/* The flags of `cmd`, one per line with its value and default (--help). */
void config_print_flags(FILE *f, enum config_cmd cmd);

/* A sink of `type` with every key at its default (--output FILE uses it). */
int config_output_defaults(struct sink_cfg *o, const char *type);

/* Every key as a Markdown table (the source of docs/configuration.md). */
void config_print_keys(FILE *f);

/*
 * A complete configuration file, every key at its default (or at VALUE for
 * each "KEY=VALUE" of set) under its description. 0, or 2 for an unknown key.
 */
int config_print_example(FILE *f, char **set, int n_set);

/* `palisade config check FILE | keys | example` */
int config_cli_main(int argc, char **argv);

#endif
