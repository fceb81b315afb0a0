#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent_metrics.h"
#include "agent/pipeline.h"
#include "output/event_json.h"

static int on_alert(const struct rules_alert *a, void *ctx)
{
	struct pipeline *p = ctx;
	/* The alert stays a struct until the sink renders it (once). */
	struct alert *al = p->sinks || p->alerts_out || p->alert_done ? alert_from_rules(a) : NULL;

	p->alerts++;
	/* Said where the operator looks; 1st, 2nd, 4th, 8th... time only. */
	p->undecided += a->undecided != NULL;
	if (a->undecided && !(p->undecided & (p->undecided - 1)))
		fprintf(stderr, "palisade: rule '%s' fired undecided: %s (fail closed; %llu so far, "
				"palisade_rules_undecided_total; docs/rules.md)\n",
			a->rule->name, a->undecided, (unsigned long long)p->undecided);
	if (p->metrics)
		agent_metrics_alert(p->metrics, a);
	if ((p->sinks || p->alerts_out || p->alert_done) && !al)
		p->alert_errors++;
	/* Its rule's action, whose result the alert carries ("palisade_action");
	 * a container action the Engine API serves hands it back later. */
	if (p->actions && action_after_alert(p->actions, a, al))
		return 0;
	if (al)
		pipeline_emit(al, p);
	return 0;
}

/* To the sinks: notify steps' routes get the alert whatever their
 * min_priority, at their own priority when the step names one. */
static void submit(struct pipeline *p, const struct alert *al)
{
	struct sink_route routes[RULES_ACTION_STEPS_MAX];
	struct sink_record *r = sink_record_from_alert(al);
	size_t n = 0;

	if (!r)
		p->alert_errors++;
	for (size_t i = 0; r && i < al->n_routes && i < RULES_ACTION_STEPS_MAX; i++) {
		int prio = al->routes[i].priority;

		routes[n].sink = al->routes[i].sink;
		routes[n].record = prio >= 0 && prio != (int)al->priority
					   ? sink_record_from_alert_at(al, (enum rules_priority)prio)
					   : NULL;
		if (prio >= 0 && prio != (int)al->priority && !routes[n].record)
			p->alert_errors++;
		n++;
	}
	sink_set_submit_routed(p->sinks, r, routes, n);
	for (size_t i = 0; i < n; i++)
		sink_record_unref(routes[i].record);
	sink_record_unref(r);
}

void pipeline_emit(struct alert *al, void *ctx)
{
	struct pipeline *p = ctx;
	char *json;

	if (p->sinks) {
		submit(p, al);
	} else if (p->alerts_out) {
		json = alert_to_json(al);
		if (json) {
			fputs(json, p->alerts_out);
			fputc('\n', p->alerts_out);
		} else {
			p->alert_errors++;
		}
		free(json);
	}
	if (p->alert_done)
		p->alert_done(p->alert_done_ctx, al);
	alert_free(al);
}

void pipeline_eval(struct pipeline *p, const struct event *ev)
{
	if (p->rules)
		rules_eval(p->rules, ev, on_alert, p);
}

/* Whether this agent reports the event, or the other agent of a handover. */
static bool pipeline_judges(const struct pipeline *p, const struct event *ev)
{
	return ev->hdr->ts_ns >= p->judge_from_ns &&
	       (!p->judge_until_ns || ev->hdr->ts_ns < p->judge_until_ns) &&
	       (!p->quiet_pid || ev->hdr->pid != p->quiet_pid);
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
	ev->fim = p->fim;
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
	if (!pipeline_judges(p, ev)) {
		if (ev->kind == EV_EXIT && ev->hdr->pid == p->quiet_pid)
			p->quiet_pid = 0; /* the pid may be reused from here on */
		p->not_judged++;
		if (p->actions) /* a held exec: the other agent judges it */
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
