/*
 * The agent's health as one JSON object, from its metrics snapshot: what
 * `palisade status --json` prints and the web view's /api/health serves
 * (one summary, two readers).
 */
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "status/status.h"

static double val(const struct metrics_parsed *p, const char *name)
{
	return metrics_parsed_sum(p, name, NULL, NULL, NULL);
}

static double val_by(const struct metrics_parsed *p, const char *name, const char *label,
		     const char *value)
{
	return metrics_parsed_sum(p, name, label, value, NULL);
}

static const char *build_label(const struct metrics_parsed *p, const char *label)
{
	size_t i;

	for (i = 0; i < p->n_samples; i++)
		if (strcmp(p->samples[i].name, "palisade_build_info") == 0) {
			const char *v = metrics_parsed_label(&p->samples[i], label);

			return v ? v : "";
		}
	return "";
}

static const char *const loss_causes[] = { "ring_buffer_full", "path_truncated", "args_truncated",
					   "read_failed" };

/*
 * The sensor's programs as the agent read them back from the kernel: those
 * with a link (a program with several links, the syscall tracepoint one,
 * as "section xN"), and those loaded with none.
 */
static void sensor_programs(const struct metrics_parsed *p, json_t *attached, json_t *idle)
{
	size_t i;

	for (i = 0; i < p->n_samples; i++) {
		const struct metrics_parsed_sample *sm = &p->samples[i];
		const char *section = metrics_parsed_label(sm, "program") ?: "";
		double links;
		char buf[160];

		if (strcmp(sm->name, "palisade_sensor_program_attached"))
			continue;
		if (sm->value != 1) {
			json_array_append_new(idle, json_string(section));
			continue;
		}
		links = metrics_parsed_sum(p, "palisade_sensor_program_links", "name",
					   metrics_parsed_label(sm, "name") ?: "", NULL);
		if (links > 1)
			snprintf(buf, sizeof(buf), "%s x%.0f", section, links);
		else
			snprintf(buf, sizeof(buf), "%s", section);
		json_array_append_new(attached, json_string(buf));
	}
}

json_t *status_summary(const struct metrics_parsed *p, pid_t pid)
{
	json_t *o = json_object(), *rules = json_object(), *sensors = json_object();
	json_t *kernel = json_object(), *losses = json_object(), *programs = json_array();
	json_t *idle = json_array();
	json_t *events = json_object(), *alerts = json_object(), *tables = json_object();
	json_t *sinks = json_array();
	double start = val(p, "process_start_time_seconds");
	struct timespec now;
	size_t i;

	clock_gettime(CLOCK_REALTIME, &now);
	json_object_set_new(o, "pid", json_integer(pid));
	json_object_set_new(o, "version", json_string(build_label(p, "version")));
	json_object_set_new(o, "commit", json_string(build_label(p, "commit")));
	json_object_set_new(o, "kernel", json_string(build_label(p, "kernel")));
	json_object_set_new(o, "uptime_seconds",
			    json_integer(start > 0 ? (json_int_t)((double)now.tv_sec - start) : 0));

	json_object_set_new(rules, "loaded", json_integer((json_int_t)val(p, "palisade_rules_loaded")));
	json_object_set_new(rules, "enabled", json_integer((json_int_t)val(p, "palisade_rules_enabled")));
	json_object_set_new(rules, "cannot_fire",
			    json_integer((json_int_t)val(p, "palisade_rules_cannot_fire")));
	json_object_set_new(rules, "last_load_ok",
			    json_boolean(val(p, "palisade_rules_last_load_success") == 1));
	json_object_set_new(rules, "last_load_time",
			    json_integer((json_int_t)val(p, "palisade_rules_last_load_timestamp_seconds")));
	json_object_set_new(o, "rules", rules);

	sensor_programs(p, programs, idle);
	json_object_set_new(sensors, "programs", programs);
	json_object_set_new(sensors, "not_attached", idle);
	json_object_set_new(sensors, "links_unreadable",
			    json_boolean(val(p, "palisade_sensor_links_unreadable") == 1));
	json_object_set_new(sensors, "syscalls_watched",
			    json_integer((json_int_t)val(p, "palisade_sensor_syscalls_watched")));
	json_object_set_new(o, "sensors", sensors);

	json_object_set_new(kernel, "records",
			    json_integer((json_int_t)val(p, "palisade_kernel_records_total")));
	for (i = 0; i < sizeof(loss_causes) / sizeof(loss_causes[0]); i++)
		json_object_set_new(losses, loss_causes[i],
				    json_integer((json_int_t)val_by(p, "palisade_kernel_losses_total",
								    "cause", loss_causes[i])));
	json_object_set_new(kernel, "losses", losses);
	json_object_set_new(o, "kernel_counters", kernel);

	json_object_set_new(events, "total", json_integer((json_int_t)val(p, "palisade_events_total")));
	json_object_set_new(events, "malformed",
			    json_integer((json_int_t)val(p, "palisade_records_malformed_total")));
	json_object_set_new(o, "events", events);
	json_object_set_new(alerts, "total", json_integer((json_int_t)val(p, "palisade_alerts_total")));
	json_object_set_new(alerts, "rate_limited",
			    json_integer((json_int_t)val(p, "palisade_rules_rate_limited_total")));
	json_object_set_new(alerts, "deduplicated",
			    json_integer((json_int_t)val(p, "palisade_rules_deduplicated_total")));
	json_object_set_new(o, "alerts", alerts);

	json_object_set_new(tables, "processes",
			    json_integer((json_int_t)val(p, "palisade_proc_table_entries")));
	json_object_set_new(tables, "processes_capacity",
			    json_integer((json_int_t)val(p, "palisade_proc_table_capacity")));
	json_object_set_new(tables, "containers",
			    json_integer((json_int_t)val(p, "palisade_containers_known")));
	json_object_set_new(tables, "docker_engine_up",
			    json_boolean(val(p, "palisade_docker_engine_up") == 1));
	json_object_set_new(o, "tables", tables);

	for (i = 0; i < p->n_samples; i++) {
		const struct metrics_parsed_sample *s = &p->samples[i];
		const char *name = metrics_parsed_label(s, "sink");
		json_t *k;

		if (strcmp(s->name, "palisade_sink_up") != 0 || !name)
			continue;
		k = json_object();
		json_object_set_new(k, "name", json_string(name));
		json_object_set_new(k, "type", json_string(metrics_parsed_label(s, "type") ?: ""));
		json_object_set_new(k, "up", json_boolean(s->value == 1));
		json_object_set_new(k, "delivered", json_integer((json_int_t)val_by(
			p, "palisade_sink_delivered_total", "sink", name)));
		json_object_set_new(k, "failed", json_integer((json_int_t)val_by(
			p, "palisade_sink_failed_total", "sink", name)));
		json_object_set_new(k, "dropped", json_integer((json_int_t)val_by(
			p, "palisade_sink_dropped_total", "sink", name)));
		json_object_set_new(k, "queue_depth", json_integer((json_int_t)val_by(
			p, "palisade_sink_queue_depth", "sink", name)));
		json_array_append_new(sinks, k);
	}
	json_object_set_new(o, "sinks", sinks);
	return o;
}
