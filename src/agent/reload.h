/*
 * SIGHUP: reload the configuration file and the rules atomically. The new
 * rule engine and sinks are built completely first; any error keeps the old
 * ones (and is printed and counted). On success the swap happens between two
 * events, on the event thread, and the kernel's syscall interest follows the
 * new rules.
 */
#ifndef PALISADE_RELOAD_H
#define PALISADE_RELOAD_H

#include "agent/pipeline.h"
#include "config/config.h"
#include "sensor/sensor.h"

typedef void (*syscall_interest_fn)(const char *mode, const struct rules_engine *rules,
				    uint32_t spec[EV_SYSCALL_NR_MAX]);

struct agent_reload {
	int argc;
	char **argv; /* the original command line: its flags still override */
	syscall_interest_fn interest;
	struct pipeline *p;
	struct sensor *sensor;
	struct palisade_config *cfg; /* in use; replaced on success */
	uint32_t spec[EV_SYSCALL_NR_MAX]; /* the kernel's current interest */
	/* Called once the new engine is in use and before the old one is
	 * freed, so whatever holds rule pointers can move over. */
	void (*on_swap)(void *ctx, struct rules_engine *rules);
	void *swap_ctx;
	/* The filter in the kernel (agent/prefilter_reload.h); NULL: the
	 * pre-filter was off at start and stays off. */
	struct prefilter **pf;
	uint64_t reloads, failures;
};

/* Returns 0 (swapped) or the error that kept the old configuration. */
int agent_reload(struct agent_reload *r);

#endif
