/*
 * The options of `palisade run`: the configuration file's values, overridden
 * by the command line. Kept in one structure so a SIGHUP reload can rebuild
 * them the same way from the new file and the original command line.
 */
#ifndef PALISADE_RUN_OPTIONS_H
#define PALISADE_RUN_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "agent/fd_setup.h"
#include "agent/guard_setup.h"
#include "agent/loss.h"
#include "agent/observe.h"
#include "agent/rules_load.h"
#include "config/config.h"
#include "output/sink.h"

struct run_options {
	const char *config; /* --config FILE; NULL: CONFIG_DEFAULT_PATH if it exists */
	const char *output, *events, *record, *docker_socket, *syscalls;
	struct agent_rules_options rules;
	struct observe_options observe; /* /metrics and the status socket */
	bool no_prefilter;
	bool syscall_raw_hook; /* --syscall-hook raw */
	struct agent_guard_options guard; /* the fanotify guard (deny on files, exec) */
	enum agent_fd_mode fd_mode; /* --fd-table */
	bool enforce; /* carry rule actions out; otherwise "would have" */
	int verbose; /* -v: libbpf's warnings as they come, -vv its debug lines */
	bool force; /* --force: -o, -e, --record may replace a file of another kind */
	uint32_t ringbuf_kib;
	struct loss_options loss; /* the consumer's priority, the drop alert */
	size_t proc_table_size;
	/* Where alerts go: the file's outputs, or the one sink -o asked for. */
	const struct sink_cfg *outputs;
	size_t n_outputs;
	struct sink_cfg output_sink; /* -o */
};

/* Parses argv over the configuration's values. 0 or -EINVAL (printed). */
typedef int (*run_options_parse_fn)(int argc, char **argv, const struct palisade_config *cfg,
				    struct run_options *o);

/* The --config FILE of argv, without parsing the rest. NULL when absent. */
const char *agent_config_path(int argc, char **argv);
/*
 * Loads the configuration: `path`, or CONFIG_DEFAULT_PATH when path is NULL
 * and that file exists, or the built-in defaults. Errors as file:line.
 */
int agent_config_load(const char *path, struct palisade_config **out);
/* The run options a configuration gives, before the command line. */
void agent_options_from_config(const struct palisade_config *c, struct run_options *o);
/* Applies -o: "-" stdout, "none" no sink, else a file sink. */
void agent_options_set_output(struct run_options *o, const char *output);
/* Creates (not starts) the sinks the options name. */
int agent_sinks_new(const struct run_options *o, struct sink_set **out);

#endif
