/*
 * config/: the agent's configuration file (YAML). Owns the table of every key
 * (name, type, default, description, where the value goes), parsing a file
 * against it with `file:line:` errors, and printing the table for the docs.
 * Knows nothing of what the values do: the agent applies them, command-line
 * flags override them.
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

struct metrics_cfg {
	const char *listen; /* "host:port"; "" : no /metrics endpoint */
};

struct status_cfg {
	const char *socket; /* unix socket `palisade status` reads */
};

struct palisade_config {
	const char *path; /* the file read; NULL: built-in defaults only */

	/* rules */
	const char **rules_files; /* none: the embedded set */
	size_t n_rules_files;
	bool rules_enabled;
	enum rules_priority min_priority;
	bool first_match;
	bool container_fields;
	double rate_per_sec, rate_burst;
	uint64_t dedup_window_ms;

	/* sources and tables */
	bool docker_enabled;
	const char *docker_socket;
	uint64_t ringbuf_kib;
	const char *consumer_priority; /* "realtime", "nice", "normal" */
	const char *syscalls; /* "rules", "all", "none" */
	uint64_t proc_table_size;
	const char *events_output; /* "": none */

	struct sink_cfg *outputs;
	size_t n_outputs;

	/* what to do when the kernel drops events (Falco's syscall_event_drops) */
	double drops_threshold, drops_rate, drops_max_burst;
	const char **drops_actions;
	size_t n_drops_actions;

	struct metrics_cfg metrics;
	struct status_cfg status;
	bool enforce;

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

/* A sink of `type` with every key at its default (-o FILE uses it). */
int config_output_defaults(struct sink_cfg *o, const char *type);

/* Every key as a Markdown table (the source of docs/configuration.md). */
void config_print_keys(FILE *f);

/* `palisade config check FILE | keys` */
int config_cli_main(int argc, char **argv);

#endif
