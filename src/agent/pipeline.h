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

struct pipeline {
	struct proc_table *procs;
	struct container_store *containers;
	struct record_writer *recorder; /* NULL: not recording */
	FILE *out;                      /* JSON lines; NULL: no event output */
	uint64_t boot_to_epoch_ns;
	struct jw json;
	struct event ev;
	uint64_t events, malformed, record_errors;
};

/* Decodes, enriches, records and prints one raw record. */
int pipeline_record(struct pipeline *p, const void *rec, size_t len);

#endif
