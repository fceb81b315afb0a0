#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "agent/agent_metrics.h"
#include "action/netpolicy.h"
#include "agent/pipeline.h"
#include "output/event_json.h"

static int on_alert(const struct rules_alert *a, void *ctx)
{
	struct pipeline *p = ctx;
	char *json;

	p->alerts++;
	/* Said where the operator looks; 1st, 2nd, 4th, 8th... time only. */
	p->undecided += a->undecided != NULL;
	if (a->undecided && !(p->undecided & (p->undecided - 1)))
		fprintf(stderr, "palisade: rule '%s' fired undecided: %s (fail closed; %llu so far, "
				"palisade_rules_undecided_total; docs/rules.md)\n",
			a->rule->name, a->undecided, (unsigned long long)p->undecided);
	if (p->metrics)
		agent_metrics_alert(p->metrics, a);
	json = p->sinks || p->alerts_out ? rules_alert_to_json(a) : NULL;
	if ((p->sinks || p->alerts_out) && !json)
		p->alert_errors++;
	/* A network deny the kernel served (or would have): said in the alert. */
	if (json && p->netpolicy) {
		char *noted = netpolicy_annotate_alert(p->netpolicy, a, json);

		if (noted) {
			free(json);
			json = noted;
		}
	}
	if (json && p->sinks) {
		struct sink_record *r = sink_record_from_alert(a, json);

		if (!r)
			p->alert_errors++;
		sink_set_submit(p->sinks, r);
		sink_record_unref(r);
	} else if (json) {
		pipeline_emit(json, p);
	}
	free(json);
	/* After the alert: its action record follows it in the stream. */
	if (p->actions)
		action_after_alert(p->actions, a);
	return 0;
}

/*
 * An action record (Falco-schema JSON from src/action/) into the same
 * outputs as alerts. Actions are rare (one per enforced alert at most), so
 * reading the few fields sinks index by back out of the JSON costs nothing
 * that matters, and keeps src/action/ free of the sink types.
 */
static void emit_to_sinks(struct pipeline *p, const char *json)
{
	json_error_t jerr;
	json_t *o = json_loads(json, 0, &jerr), *f;
	struct sink_record fields = { 0 }, *r;
	enum rules_priority prio = RULES_PRIO_WARNING;

	if (!o) {
		p->alert_errors++;
		return;
	}
	f = json_object_get(o, "output_fields");
	rules_priority_parse(json_string_value(json_object_get(o, "priority")) ?: "", &prio);
	fields.priority = prio;
	fields.rule = json_string_value(json_object_get(o, "rule")) ?: "";
	fields.source = json_string_value(json_object_get(o, "source")) ?: "palisade";
	fields.output = json_string_value(json_object_get(o, "output")) ?: "";
	fields.hostname = json_string_value(json_object_get(o, "hostname")) ?: "";
	fields.container_id = json_string_value(json_object_get(f, "container.id")) ?: "host";
	fields.container_name = json_string_value(json_object_get(f, "container.name")) ?: SINK_NA;
	fields.container_image = json_string_value(json_object_get(f, "container.image")) ?: SINK_NA;
	fields.pid = (uint32_t)json_integer_value(json_object_get(f, "proc.pid"));
	fields.json = json;
	fields.json_len = strlen(json);
	{
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		fields.time_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	}
	r = sink_record_new(&fields);
	if (!r)
		p->alert_errors++;
	sink_set_submit(p->sinks, r);
	sink_record_unref(r);
	json_decref(o);
}

void pipeline_emit(const char *json, void *ctx)
{
	struct pipeline *p = ctx;

	if (p->sinks) {
		emit_to_sinks(p, json);
		return;
	}
	if (!p->alerts_out)
		return;
	fputs(json, p->alerts_out);
	fputc('\n', p->alerts_out);
}

int pipeline_record(struct pipeline *p, const void *rec, size_t len)
{
	struct event *ev = &p->ev;

	if (event_decode(rec, len, ev) < 0) {
		/* Counted and reported at exit; one bad record must not stop the stream. */
		p->malformed++;
		return 0;
	}
	p->events++;
	/* Lookup first: a container's first metadata frame, written by the
	 * lookup, must precede the event in a recording. */
	if (p->containers)
		ev->container = container_store_lookup(p->containers, ev->hdr->cgroup_id);
	/* A new container's first exec, held in the kernel until judged
	 * (bpf/hold.bpf.h): judged with its image, name and labels, which the
	 * engine may still be fetching. */
	if (ev->container && !ev->container->has_metadata && (ev->hdr->flags & EV_F_HELD))
		ev->container = container_store_lookup_wait(p->containers, ev->hdr->cgroup_id,
							    PIPELINE_DESCRIBE_WAIT_MS);
	if (p->actions)
		action_observe(p->actions, ev->hdr->cgroup_id, ev->container);
	if (p->recorder && record_write(p->recorder, FRAME_EVENT, rec, ev->hdr->size) < 0)
		p->record_errors++;
	proc_table_apply(p->procs, ev);
	if (p->metrics)
		agent_metrics_event(p->metrics, ev);
	if (p->fds) {
		p->fds_seeded |= ev->kind == EV_FD_SNAPSHOT;
		if (p->fds_seeded)
			fd_table_apply(p->fds, ev);
	}
	/* A snapshot is the state at start, not something a process did. */
	if (ev->kind == EV_PROC_SNAPSHOT || ev->kind == EV_FD_SNAPSHOT) {
		if (p->actions) /* arms the containers that ran before the agent */
			action_event_done(p->actions, ev);
		return 0;
	}
	if (p->events_out) {
		event_to_json(&p->json, ev, p->boot_to_epoch_ns);
		if (!p->json.failed) {
			p->json.buf[p->json.len] = '\n';
			fwrite(p->json.buf, 1, p->json.len + 1, p->events_out);
		}
	}
	if (p->rules)
		rules_eval(p->rules, ev, on_alert, p);
	if (p->actions) /* judged: a held exec may go on */
		action_event_done(p->actions, ev);
	return 0;
}

int pipeline_open_output(const char *path, enum outfile_kind kind, bool force, FILE **out)
{
	const struct outfile_spec spec = { .kind = kind, .truncate = true, .force = force,
					   .mode = 0600 };
	int fd, err;

	*out = NULL;
	if (strcmp(path, "none") == 0)
		return 0;
	if (strcmp(path, "-") == 0) {
		*out = stdout;
		return 0;
	}
	err = outfile_open(AT_FDCWD, path, &spec,
			   kind == OUTFILE_EVENTS ? "events output" : "alerts output", &fd);
	if (err)
		return err;
	*out = fdopen(fd, "w");
	if (!*out) {
		err = -errno;
		close(fd);
		fprintf(stderr, "palisade: cannot open output %s: %s\n", path, strerror(-err));
	}
	return err;
}

void pipeline_close_output(FILE *f)
{
	if (f && f != stdout)
		fclose(f);
	else if (f)
		fflush(f);
}
