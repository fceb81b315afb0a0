#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action/netpolicy.h"
#include "agent/pipeline.h"
#include "output/event_json.h"

static int on_alert(const struct rules_alert *a, void *ctx)
{
	struct pipeline *p = ctx;
	char *json;

	p->alerts++;
	if (!p->alerts_out)
		return 0;
	json = rules_alert_to_json(a);
	if (!json) {
		p->alert_errors++;
		return 0;
	}
	if (p->netpolicy) {
		char *noted = netpolicy_annotate_alert(p->netpolicy, a, json);

		if (noted) {
			free(json);
			json = noted;
		}
	}
	fputs(json, p->alerts_out);
	fputc('\n', p->alerts_out);
	free(json);
	return 0;
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
	if (p->recorder && record_write(p->recorder, FRAME_EVENT, rec, ev->hdr->size) < 0)
		p->record_errors++;
	proc_table_apply(p->procs, ev);
	/* A snapshot is the state at start, not something a process did. */
	if (ev->kind == EV_PROC_SNAPSHOT)
		return 0;
	if (p->events_out) {
		event_to_json(&p->json, ev, p->boot_to_epoch_ns);
		if (!p->json.failed) {
			p->json.buf[p->json.len] = '\n';
			fwrite(p->json.buf, 1, p->json.len + 1, p->events_out);
		}
	}
	if (p->rules)
		rules_eval(p->rules, ev, on_alert, p);
	return 0;
}

int pipeline_open_output(const char *path, FILE **out)
{
	*out = NULL;
	if (strcmp(path, "none") == 0)
		return 0;
	if (strcmp(path, "-") == 0) {
		*out = stdout;
		return 0;
	}
	*out = fopen(path, "we");
	if (!*out) {
		fprintf(stderr, "palisade: cannot open output %s: %s\n", path, strerror(errno));
		return -errno;
	}
	return 0;
}

void pipeline_close_output(FILE *f)
{
	if (f && f != stdout)
		fclose(f);
	else if (f)
		fflush(f);
}
