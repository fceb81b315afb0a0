/* From the configuration file and the command line to the run options and
 * the sinks. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent/run_options.h"

const char *agent_config_path(int argc, char **argv)
{
	int i;

	/* Only options before "--" count, like getopt. */
	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			return argv[i + 1];
		if (strncmp(argv[i], "--config=", 9) == 0)
			return argv[i] + 9;
	}
	return NULL;
}

int agent_config_load(const char *path, struct palisade_config **out)
{
	if (!path && access(CONFIG_DEFAULT_PATH, F_OK) == 0)
		path = CONFIG_DEFAULT_PATH;
	return config_load(path, stderr, out);
}

void agent_options_from_config(const struct palisade_config *c, struct run_options *o)
{
	const char *bad;
	size_t i;

	agent_rules_defaults(&o->rules);
	for (i = 0; i < c->n_rules_files && i < AGENT_RULES_MAX_PATHS; i++)
		o->rules.paths[i] = c->rules_files[i];
	o->rules.n_paths = i;
	if (c->n_rules_files > AGENT_RULES_MAX_PATHS)
		fprintf(stderr, "palisade: %s: rules.files: only the first %d are used\n", c->path,
			AGENT_RULES_MAX_PATHS);
	o->rules.disabled = !c->rules_enabled;
	o->rules.first_match = c->first_match;
	o->rules.no_container_fields = !c->container_fields;
	o->rules.min_priority = c->min_priority;
	o->rules.rate_per_sec = c->rate_per_sec;
	o->rules.rate_burst = c->rate_burst;
	o->rules.dedup_window_ns = c->dedup_window_ms * 1000000ull;
	o->docker_socket = c->docker_enabled ? c->docker_socket : NULL;
	o->syscalls = c->syscalls;
	o->ringbuf_kib = (uint32_t)c->ringbuf_kib;
	loss_defaults(&o->loss);
	/* The file's values passed its checks: these parse. */
	loss_priority_parse(c->consumer_priority, &o->loss.priority);
	loss_actions_parse(c->drops_actions, c->n_drops_actions, &o->loss.actions, &bad);
	o->loss.threshold = c->drops_threshold;
	o->loss.rate = c->drops_rate;
	o->loss.max_burst = c->drops_max_burst;
	o->proc_table_size = (size_t)c->proc_table_size;
	o->events = *c->events_output ? c->events_output : NULL;
	o->output = NULL;
	o->outputs = c->outputs;
	o->n_outputs = c->n_outputs;
	o->enforce = c->enforce;
	observe_defaults(&o->observe);
	if (*c->metrics.listen)
		o->observe.metrics_addr = c->metrics.listen;
	o->observe.status_socket = *c->status.socket ? c->status.socket : NULL;
}

void agent_options_set_output(struct run_options *o, const char *output)
{
	o->output = output;
	if (strcmp(output, "none") == 0) {
		o->n_outputs = 0;
		return;
	}
	config_output_defaults(&o->output_sink, strcmp(output, "-") ? "file" : "stdout");
	o->output_sink.name = strcmp(output, "-") ? "file#1" : "stdout#1";
	o->output_sink.file.path = output;
	o->outputs = &o->output_sink;
	o->n_outputs = 1;
}

int agent_sinks_new(const struct run_options *o, struct sink_set **out)
{
	return sink_set_new(o->outputs, o->n_outputs, out);
}
