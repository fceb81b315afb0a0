/*
 * `palisade run --record FILE --learn`: learning as a consumer of the agent
 * (docs/profiles.md). The learning programs (bpf/learn.bpf.c, every cgroup
 * from its first syscall on) are attached from the start to the stop; the
 * containers seen in events are remembered, and at stop one learn frame per
 * container goes into the recording, for `palisade profile learn --record`
 * and `palisade profile check`. The file and socket events come through the
 * recording itself (agent_syscall_interest adds their syscalls, the
 * pre-filter is off).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/agent_run.h"
#include "agent/learn_record.h"
#include "event/event.h"
#include "record/record.h"
#include "sensor/sensor.h"

#define SLOTS (2 * LEARN_CGROUPS_MAX) /* open addressing, at most half full */

struct learn_rec {
	struct sensor_learn *learn;
	uint64_t since_ns; /* CLOCK_BOOTTIME when learning began */
	uint64_t cgroup[SLOTS];
	bool from_start[SLOTS];
	unsigned n;
};

static uint64_t boottime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The slot of a cgroup, taken when new; -1 when the set is full. */
static int slot(struct learn_rec *l, uint64_t cg)
{
	unsigned i = (unsigned)(cg * 0x9E3779B97F4A7C15ull >> 52) % SLOTS;

	while (l->cgroup[i] && l->cgroup[i] != cg)
		i = (i + 1) % SLOTS;
	if (!l->cgroup[i]) {
		if (l->n >= LEARN_CGROUPS_MAX)
			return -1;
		l->cgroup[i] = cg;
		l->n++;
	}
	return (int)i;
}

static void learn_event(void *ctx, struct agent *a, const struct event *ev)
{
	struct learn_rec *l = ctx;
	int i;

	(void)a;
	if (!ev->container || !ev->hdr)
		return;
	i = slot(l, ev->hdr->cgroup_id);
	/* Its first process started after learning began: learned from its start. */
	if (i >= 0 && ev->hdr->vpid == 1 && ev->hdr->start_ns > l->since_ns)
		l->from_start[i] = true;
}

static void learn_stop(void *ctx, struct agent *a)
{
	struct learn_rec *l = ctx;
	struct ev_learn f;
	unsigned written = 0;

	for (unsigned i = 0; l->learn && i < SLOTS; i++) {
		if (!l->cgroup[i])
			continue;
		memset(&f, 0, sizeof(f));
		if (sensor_learn_read(l->learn, l->cgroup[i], &f.seen))
			continue; /* it made no syscall while learned */
		f.version = EV_LEARN_VERSION;
		f.size = sizeof(f);
		f.cgroup_id = l->cgroup[i];
		f.ts_ns = boottime_ns();
		f.since_ns = l->since_ns;
		f.flags = l->from_start[i] ? EV_LEARN_FROM_START : 0;
		written += record_write(a->p.recorder, FRAME_LEARN, &f, sizeof(f)) == 0;
	}
	if (l->learn)
		fprintf(stderr, "palisade: learn: %u containers' learned sets written to the "
				"recording%s\n", written,
			sensor_learn_unlearned(l->learn) ? " (some cgroups did not fit the table)"
							 : "");
	sensor_learn_close(l->learn); /* nothing stays attached */
	l->learn = NULL;
}

static void learn_release(void *ctx, struct agent *a)
{
	struct learn_rec *l = ctx;

	(void)a;
	sensor_learn_close(l->learn);
	free(l);
}

int learn_record_register(struct agent *a)
{
	struct learn_rec *l;
	struct agent_consumer c = { .name = "learn", .event = learn_event, .stop = learn_stop,
				    .release = learn_release };
	int err;

	if (!a->cfg->record_learn)
		return 0;
	if (!a->p.recorder) {
		fprintf(stderr, "palisade run: --learn writes into a recording: give --record "
				"FILE\n");
		return -EINVAL;
	}
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->since_ns = boottime_ns();
	err = sensor_learn_open(true, &l->learn);
	c.ctx = l;
	err = err ?: agent_register(a, &c);
	if (err) {
		sensor_learn_close(l->learn);
		free(l);
	}
	return err;
}
