#include <errno.h>
#include <stdio.h>

#include "agent/pipeline.h"
#include "output/event_json.h"

int pipeline_record(struct pipeline *p, const void *rec, size_t len)
{
	struct event *ev = &p->ev;

	if (event_decode(rec, len, ev) < 0) {
		/* Counted and reported at exit; one bad record must not stop the stream. */
		p->malformed++;
		return 0;
	}
	p->events++;
	if (p->recorder && record_write(p->recorder, FRAME_EVENT, rec, ev->hdr->size) < 0)
		p->record_errors++;
	proc_table_apply(p->procs, ev);
	if (p->containers)
		ev->container = container_store_lookup(p->containers, ev->hdr->cgroup_id);
	if (p->out && ev->kind != EV_PROC_SNAPSHOT) {
		event_to_json(&p->json, ev, p->boot_to_epoch_ns);
		p->json.buf[p->json.len] = '\n';
		fwrite(p->json.buf, 1, p->json.len + 1, p->out);
	}
	return 0;
}
