/*
 * What the agent does about losing events (docs/performance.md, "Loss under
 * load"). Two things:
 *  - it keeps its consumer thread ahead of the producers: the thread that
 *    drains the ring buffer runs at a raised scheduling priority, because a
 *    consumer treated as one task among the workloads it watches is starved
 *    by them (measured: runnable 85% of the time, running 7%, while the ring
 *    overflowed);
 *  - when the kernel still drops records to a full ring it says so, as
 *    Falco's `syscall_event_drops` does: once a second, if the share of
 *    records lost passed a threshold and a token bucket allows, it logs,
 *    raises a Falco-schema alert, or exits.
 * The decisions are pure (unit-tested); loss_tick() reads the sensor's
 * counters and hands the alert to the pipeline's outputs. Main thread only.
 */
#ifndef PALISADE_LOSS_H
#define PALISADE_LOSS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alert/alert.h"
#include "events.h"

enum loss_priority {
	LOSS_PRIO_REALTIME, /* SCHED_FIFO 1; where refused, nice -20 */
	LOSS_PRIO_NICE,     /* nice -20 (CFS) */
	LOSS_PRIO_NORMAL,   /* as started */
};

#define LOSS_ACT_LOG (1u << 0)
#define LOSS_ACT_ALERT (1u << 1)
#define LOSS_ACT_EXIT (1u << 2)

/* The rule name and output prefix of the alert: Falco's, so that what
 * routes or counts Falco's drop alerts counts these too. */
#define LOSS_RULE "Falco internal: syscall event drop"

struct loss_options {
	enum loss_priority priority;
	double threshold; /* act when lost / (queued + lost) in a second exceeds it */
	unsigned actions; /* LOSS_ACT_*; 0: ignore */
	double rate;      /* actions per second the token bucket allows */
	double max_burst; /* tokens the bucket holds */
};

/* The defaults of docs/configuration.md: realtime, threshold 0, log and
 * alert, one action per 30 s, burst 1. */
void loss_defaults(struct loss_options *o);
struct palisade_config;
/* The options a checked configuration gives (sensor.consumer_priority,
 * syscall_event_drops.*). */
void loss_options_from_config(const struct palisade_config *c, struct loss_options *o);
/* "realtime" | "nice" | "normal": 0, or -EINVAL. */
int loss_priority_parse(const char *s, enum loss_priority *out);
/* Action names ("ignore", "log", "alert", "exit") into LOSS_ACT_* bits:
 * 0, or -EINVAL naming the first unknown one in *bad. */
int loss_actions_parse(const char *const *names, size_t n, unsigned *out, const char **bad);

/*
 * Raises the calling thread to `p`; the threads and processes it starts
 * later do not inherit it (SCHED_RESET_ON_FORK). desc says what was
 * applied, and why not when refused. Returns 0, or -errno when nothing
 * could be raised (the thread runs as before).
 */
int loss_priority_apply(enum loss_priority p, char *desc, size_t size);

/* One second's figures. */
struct loss_report {
	uint64_t n_evts;  /* records the sensors produced: queued + lost */
	uint64_t n_drops; /* of which lost to a full ring */
	uint64_t ms;      /* the interval, milliseconds */
};

struct loss_watch {
	struct loss_options o;
	uint64_t next_ns;   /* 0: not started */
	uint64_t last_ns, last_queued, last_lost;
	double tokens;
	uint64_t token_ns;
	uint64_t seconds_with_drops, actions_taken;
};

void loss_watch_init(struct loss_watch *w, const struct loss_options *o);
/*
 * Called often with the totals since start (records queued, records lost)
 * at now_ns (any monotonic clock). Once a second it compares with the last
 * check; returns the LOSS_ACT_* bits to carry out now (0: none) with the
 * interval's figures in *r.
 */
unsigned loss_watch_step(struct loss_watch *w, uint64_t now_ns, uint64_t queued, uint64_t lost,
			 struct loss_report *r);

/* Falco's output line: "<rule>. N system calls dropped in last second." */
void loss_output_line(const struct loss_report *r, char *buf, size_t size);
/*
 * The alert (source "internal", output_fields as Falco names them,
 * strings); lost_by (the interval's EV_LOST_SLOTS, NULL: unknown) fills the
 * per-category counts. The caller owns it; NULL when out of memory.
 */
struct alert *loss_alert(const struct loss_report *r, const uint64_t *lost_by, uint64_t time_ns,
			 const char *hostname);

struct sensor;
struct pipeline;
/* The running agent's check, from its loop: reads the sensor's counters,
 * acts. Returns true when an `exit` action asks the agent to stop. */
struct loss_state {
	struct loss_watch watch;
	uint64_t lost_by_last[EV_LOST_SLOTS];
	const char *hostname;
};
bool loss_tick(struct loss_state *st, struct sensor *s, struct pipeline *p);

#endif
