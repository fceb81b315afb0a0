/* `palisade run --enforce` and the fanotify guard (src/action/fanotify_guard.h):
 * start-up report, draining deny records, exit summary. */
#ifndef PALISADE_GUARD_SETUP_H
#define PALISADE_GUARD_SETUP_H

#include <stdbool.h>
#include <stdio.h>

#include "action/action.h"
#include "config/config.h"
#include "container/container.h"

struct event_fim;

struct fguard;
/*
 * Starts the fanotify guard when some enabled rule of `rules` asks for
 * `action: deny` (*out stays NULL otherwise). It decides with an engine of
 * its own, loaded from the same configuration (enforce, deny.timeout_*).
 * Returns 0 or a negative errno (message printed).
 */
int agent_guard_start(const struct palisade_config *c, int64_t boot_to_epoch_ns,
		      const struct rules_engine *rules,
		      struct container_store *containers, const struct event_fim *fim,
		      struct fguard **out);
/* Hands the guard's queued alerts to emit (which takes them): the alert stream. */
typedef void (*agent_guard_emit_fn)(struct alert *al, void *ctx);
void agent_guard_poll(struct fguard *g, agent_guard_emit_fn emit, void *ctx);
/* The dispatcher's view of the guard (src/action/action.h): which deny
 * rules it serves. Register it after the in-kernel exec back-end. */
void agent_guard_backend(struct action_backend *b);
/* Prints the counters and latency, stops the guard. */
void agent_guard_stop(struct fguard *g, agent_guard_emit_fn emit, void *ctx);

#endif
