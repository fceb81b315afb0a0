/* The per-record path shared by a live run and a replay. */
#ifndef PALISADE_PIPELINE_H
#define PALISADE_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "agent/agent_metrics.h"
#include "action/action.h"
#include "container/container.h"
#include "event/event.h"
#include "fd/fd_table.h"
#include "output/json_writer.h"
#include "outfile/outfile.h"
#include "output/sink.h"
#include "proc/proc.h"
#include "record/record.h"
#include "rules/rules.h"

struct agent_metrics;
struct netpolicy;
struct net_monitor;
struct net_enforcer;

struct pipeline {
	struct proc_table *procs;
	/* NULL: off. Applied from the first EV_FD_SNAPSHOT record on, so a
	 * replay applies exactly what the live run did. */
	struct fd_table *fds;
	bool fds_seeded;
	struct container_store *containers;
	struct record_writer *recorder; /* NULL: not recording */
	struct rules_engine *rules;     /* NULL: no rules (--no-rules) */
	struct sink_set *sinks;         /* where alerts go (run); NULL: alerts_out */
	struct netpolicy *netpolicy;    /* network denies served in the kernel; NULL: none */
	struct net_monitor *flows;      /* flows.enabled: the flow monitor; NULL: off */
	struct net_enforcer *label_policy; /* network_policy.files; NULL: off */
	FILE *alerts_out;               /* alert JSON lines; NULL: discarded */
	FILE *events_out;               /* raw event JSON lines; NULL: none */
	struct agent_metrics *metrics;  /* NULL: not counted (replay, metrics off) */
	struct action_dispatcher *actions; /* NULL: no enforcement (replay) */
	const struct event_fim *fim;    /* file integrity's answers; NULL: off */
	uint64_t boot_to_epoch_ns;
	struct jw json;
	struct event ev;
	uint64_t events, malformed, record_errors, alerts, alert_errors;
	uint64_t undecided; /* alerts fired undecided (a regex hit a bound) */
	/* A handover (docs/upgrade.md) splits the events at the old agent's cut
	 * (CLOCK_BOOTTIME): the old one judges those before it, the new one
	 * those from it on. The events outside [judge_from_ns, judge_until_ns)
	 * (0: no bound), and the old agent's own until its exit (quiet_pid),
	 * update the tables only. */
	uint64_t judge_from_ns, judge_until_ns;
	uint32_t quiet_pid;
	uint64_t not_judged; /* events so left to the other agent */
	/* Each alert as it leaves for the outputs (run: the consumers' alert
	 * hooks); NULL: none. */
	void (*alert_done)(void *ctx, const struct alert *al);
	void *alert_done_ctx;
};

/* Opens an output: "-" is stdout, "none" is no output (*out = NULL), else
 * a file of `kind` started empty (outfile.h: 0600, links refused, a file of
 * another kind kept unless `force`). */
int pipeline_open_output(const char *path, enum outfile_kind kind, bool force, FILE **out);
void pipeline_close_output(FILE *f);

/* Hands one alert to the outputs (the sinks, or the alerts file) and frees
 * it: action_emit_fn. */
void pipeline_emit(struct alert *al, void *ctx);

/* How long a held first exec waits for its container's description. */
#define PIPELINE_DESCRIBE_WAIT_MS 1000

/* Judges an event that is not a raw record (a flow's start or end) by the
 * rules: alerts go where pipeline_record's go. */
void pipeline_eval(struct pipeline *p, const struct event *ev);

/* Decodes, enriches, records, prints and evaluates one raw record. */
int pipeline_record(struct pipeline *p, const void *rec, size_t len);

#endif
