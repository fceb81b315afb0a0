/*
 * A handover between two agents (`palisade run --handover`, docs/upgrade.md).
 * The new agent finds the running one and asks for a handover by creating
 * RUN_DIR/handover.PID (empty); it loads and attaches everything while the
 * old one runs, then stops it (SIGTERM through a pidfd, its exit awaited,
 * bounded) and reads the cut the old one wrote there: the boot-time clock
 * just before it detached its programs. Events before the cut are the old
 * agent's to report. The old agent, at stop, finds the request file and
 * writes its cut. Both sides: main thread only; every message printed.
 */
#ifndef PALISADE_AGENT_HANDOVER_H
#define PALISADE_AGENT_HANDOVER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "config/config.h"

struct handover {
	pid_t pid;       /* the agent taken over; 0: no handover */
	int pidfd;       /* -1: none */
	uint64_t cut_ns; /* CLOCK_BOOTTIME; 0: none written (all events kept) */
	uint64_t stop_ms; /* from its SIGTERM to its exit */
};

/* Whether this run takes over (--handover given). */
bool handover_wanted(const struct palisade_config *c);
/* Finds the agent (the pid, or the one behind status.socket), checks it is
 * a palisade agent, holds a pidfd to it and creates the request file.
 * 0 or -errno. */
int handover_begin(const struct palisade_config *c, struct handover *h);
/* SIGTERM, then its exit awaited for at most timeout_ms; reads its cut and
 * removes the request file. 0, or -errno (-ETIMEDOUT: it still runs). */
int handover_stop_old(const struct palisade_config *c, struct handover *h, unsigned timeout_ms);
void handover_end(struct handover *h);

/* The old agent's side: whether a successor asked (RUN_DIR/handover.<own pid>
 * exists), and its cut written there. */
bool handover_requested(const struct palisade_config *c);
int handover_write_cut(const struct palisade_config *c, uint64_t cut_ns);

#endif
