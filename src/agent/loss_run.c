/* The running agent's drop check (loss.h): the sensor's counters in, the
 * log line, the alert or the exit out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/loss.h"
#include "agent/pipeline.h"
#include "sensor/sensor.h"

static uint64_t now_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The interval's losses by category: read only in a second that lost
 * records (the map changes only then), so the snapshot before it is the
 * one taken at the last such second. */
static bool lost_by_interval(struct loss_state *st, struct sensor *s, uint64_t *delta)
{
	static uint64_t now[EV_LOST_SLOTS];

	if (sensor_lost_by(s, now) < 0)
		return false;
	for (size_t i = 0; i < EV_LOST_SLOTS; i++)
		delta[i] = now[i] >= st->lost_by_last[i] ? now[i] - st->lost_by_last[i] : now[i];
	memcpy(st->lost_by_last, now, sizeof(now));
	return true;
}

bool loss_tick(struct loss_state *st, struct sensor *s, struct pipeline *p)
{
	static uint64_t delta[EV_LOST_SLOTS];
	uint64_t k[CNT_MAX], t = now_ns(CLOCK_MONOTONIC);
	struct loss_report r = { 0 };
	unsigned act;
	bool by_known;
	char line[160];
	struct alert *al;

	if (st->watch.next_ns && t < st->watch.next_ns)
		return false; /* the common case: no counter read */
	sensor_counters(s, k);
	act = loss_watch_step(&st->watch, t, k[CNT_EVENTS], k[CNT_RINGBUF_FULL], &r);
	if (!r.n_drops)
		return false;
	by_known = lost_by_interval(st, s, delta);
	loss_output_line(&r, line, sizeof(line));
	if (act & LOSS_ACT_LOG)
		fprintf(stderr, "palisade: %s %llu of %llu records lost to a full ring buffer in "
				"%llu ms (docs/performance.md)\n", line,
			(unsigned long long)r.n_drops, (unsigned long long)r.n_evts,
			(unsigned long long)r.ms);
	if (act & LOSS_ACT_ALERT) {
		al = loss_alert(&r, by_known ? delta : NULL, now_ns(CLOCK_REALTIME), st->hostname);
		if (al)
			pipeline_emit(al, p);
		else
			p->alert_errors++;
	}
	if (act & LOSS_ACT_EXIT) {
		fprintf(stderr, "palisade: exiting: events were lost and "
				"syscall_event_drops.actions says exit\n");
		return true;
	}
	return false;
}
