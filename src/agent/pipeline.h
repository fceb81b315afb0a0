/* The per-record path shared by a live run and a replay. */
#ifndef PALISADE_PIPELINE_H
#define PALISADE_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "container/container.h"
#include "event/event.h"
#include "output/json_writer.h"
#include "proc/proc.h"
#include "record/record.h"
#include "rules/rules.h"

struct netpolicy;

struct pipeline {
	struct proc_table *procs;
	struct container_store *containers;
	struct record_writer *recorder; /* NULL: not recording */
	struct rules_engine *rules;     /* NULL: no rules (--no-rules) */
	struct netpolicy *netpolicy;    /* network denies served in the kernel; NULL: none */
	FILE *alerts_out;               /* alert JSON lines; NULL: discarded */
	FILE *events_out;               /* raw event JSON lines; NULL: none */
	uint64_t boot_to_epoch_ns;
	struct jw json;
	struct event ev;
	uint64_t events, malformed, record_errors, alerts, alert_errors;
};

/* Opens an output: "-" is stdout, "none" is no output (*out = NULL). */
int pipeline_open_output(const char *path, FILE **out);
void pipeline_close_output(FILE *f);

/* Decodes, enriches, records, prints and evaluates one raw record. */
int pipeline_record(struct pipeline *p, const void *rec, size_t len);

#endif
