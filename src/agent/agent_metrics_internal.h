/*
 * Shared by agent_metrics.c and falco_metrics.c only: what the agent counts,
 * so that Falco's metric names (falco_metrics.c) are written from the same
 * counters as palisade's, never counted twice.
 */
#ifndef PALISADE_AGENT_METRICS_INTERNAL_H
#define PALISADE_AGENT_METRICS_INTERNAL_H

#include "agent/agent_metrics.h"
#include "container/container.h"
#include "event/syscalls.h"
#include "sensor/sensor.h"

/* Open-addressing index of container id -> slot: a power of two, over
 * twice the slots, so probes stay short. */
#define INDEX_SIZE 512
_Static_assert(INDEX_SIZE >= 2 * AGENT_METRICS_CONTAINERS_MAX, "index too small");
#define CPUS_MAX 256

struct container_slot {
	char id[CONTAINER_ID_LEN + 1]; /* "" = free */
	char name[128];
	uint64_t hash;                       /* of id */
	const struct container_info *copy;   /* last copy seen: a new one may rename */
	uint64_t events, alerts;
	uint64_t last_tick; /* publish count at its last event: idle check */
	uint64_t last_seq;  /* order of its last event: least recently active */
};

struct rule_count {
	const struct rules_rule_info *info;
	uint64_t alerts;
};

struct agent_metrics {
	struct metrics_registry *reg;
	struct pipeline *p;
	struct sensor *sensor;
	const uint32_t *syscall_spec; /* the sensor's interest, per syscall number */
	uint64_t by_kind[EV_KIND_MAX];
	uint64_t by_syscall[EV_SYSCALL_NR_MAX];

	const struct rules_engine *rules;
	struct rule_count *rule_counts; /* sorted by info pointer */
	size_t n_rules;
	uint64_t alerts_unknown_rule;
	bool rules_ok;
	double rules_loaded_at; /* seconds since the epoch */

	struct container_slot slots[AGENT_METRICS_CONTAINERS_MAX];
	uint16_t index[INDEX_SIZE]; /* slot + 1; 0: empty */
	/* Events come in runs from one process: the last slot answers most. */
	struct container_slot *last;
	uint64_t host_events, host_alerts;
	uint64_t containers_evicted;
	uint64_t tick;
	uint64_t seq;

	uint64_t percpu[CPUS_MAX * CNT_MAX];
	uint64_t falco_evts_prev, falco_drops_prev; /* for n_drops_perc between snapshots */
};

/* One family `name` of the kernel's per-CPU counter `k` (CNT_*), a sample per
 * CPU of the n that m->percpu holds, labelled cpu="N". */
void agent_metrics_percpu(struct agent_metrics *m, struct metrics_writer *w, int n,
			  const char *name, const char *help, enum ev_counter k);

/* Falco's metric names and labels (falcosecurity_*), next to palisade's. */
void agent_metrics_falco(struct agent_metrics *m, struct metrics_writer *w);

#endif
