/*
 * sensor/: the kernel side's user-space half. Probes kernel features, opens,
 * configures, loads and attaches the BPF skeletons, consumes the ring buffer
 * and reads the in-kernel loss counters. Hands raw records to a callback and
 * knows nothing of what they mean.
 */
#ifndef PALISADE_SENSOR_H
#define PALISADE_SENSOR_H

#include <stddef.h>
#include <stdint.h>

#include "events.h"

struct sensor_config {
	uint32_t ringbuf_bytes; /* power of two, >= one page */
	uint64_t wakeup_bytes;  /* wake the consumer at this much queued data */
	/* SC_* spec per syscall number (bpf/events.h); NULL or all zero: the
	 * syscall sensor is not loaded at all. */
	const uint32_t *syscall_spec;
};

typedef int (*sensor_record_fn)(void *ctx, void *rec, size_t len);

struct sensor;

/* Returns 0 or a negative errno; the error was printed with what to do. */
int sensor_open(const struct sensor_config *cfg, sensor_record_fn fn, void *ctx,
		struct sensor **out);
/* Consumes what is queued, waiting up to timeout_ms. Returns records or -errno. */
int sensor_poll(struct sensor *s, int timeout_ms);
/* Replaces the syscalls the kernel reports (a reload with other rules); loads
 * the syscall sensor if it was not. Returns 0 or -errno (message printed). */
int sensor_update_syscalls(struct sensor *s, const uint32_t spec[EV_SYSCALL_NR_MAX]);
/* Sums the per-CPU counters (enum ev_counter). */
void sensor_counters(struct sensor *s, uint64_t out[CNT_MAX]);
/* One line: programs attached and kernel features found or missing. */
void sensor_describe(struct sensor *s, char *buf, size_t size);
void sensor_close(struct sensor *s);

#endif
