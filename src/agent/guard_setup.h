/* `palisade run --enforce` and the fanotify guard (src/action/fanotify_guard.h):
 * options, start-up report, draining deny records, exit summary. */
#ifndef PALISADE_GUARD_SETUP_H
#define PALISADE_GUARD_SETUP_H

#include <stdbool.h>
#include <stdio.h>

#include "action/action.h"
#include "agent/rules_load.h"
#include "container/container.h"

struct agent_guard_options {
	bool enforce;        /* run's --enforce: deny for real; default: audit ("would deny") */
	unsigned timeout_ms; /* --deny-timeout-ms */
	bool timeout_deny;   /* --deny-timeout-verdict deny */
	struct action_hold_config hold; /* --hold-timeout-ms, --hold-timeout-verdict */
};

#define AGENT_GUARD_OPT_BASE 600
#define AGENT_GUARD_LONGOPTS                                                              \
	{ "deny-timeout-ms", required_argument, NULL, AGENT_GUARD_OPT_BASE + 1 },          \
	{ "deny-timeout-verdict", required_argument, NULL, AGENT_GUARD_OPT_BASE + 2 },     \
	{ "hold-timeout-ms", required_argument, NULL, AGENT_GUARD_OPT_BASE + 3 },          \
	{ "hold-timeout-verdict", required_argument, NULL, AGENT_GUARD_OPT_BASE + 4 }

extern const char agent_guard_help[];
/* Handles one of AGENT_GUARD_LONGOPTS; 0 or -EINVAL (message printed). */
int agent_guard_option(struct agent_guard_options *o, int opt, const char *arg);

struct fguard;
/*
 * Starts the fanotify guard when some enabled rule of `rules` asks for
 * `action: deny` (*out stays NULL otherwise). It decides with an engine of
 * its own, loaded from the same rule options. Returns 0 or a negative errno
 * (message printed).
 */
int agent_guard_start(const struct agent_guard_options *o, const struct agent_rules_options *ro,
		      int64_t boot_to_epoch_ns, const struct rules_engine *rules,
		      struct container_store *containers, struct fguard **out);
/* Hands queued deny records (JSON lines) to emit: the alert stream. */
typedef void (*agent_guard_emit_fn)(const char *json, void *ctx);
void agent_guard_poll(struct fguard *g, agent_guard_emit_fn emit, void *ctx);
/* The dispatcher's view of the guard (src/action/action.h): which deny
 * rules it serves. Register it after the in-kernel exec back-end. */
void agent_guard_backend(struct action_backend *b);
/* Prints the counters and latency, stops the guard. */
void agent_guard_stop(struct fguard *g, agent_guard_emit_fn emit, void *ctx);

#endif
