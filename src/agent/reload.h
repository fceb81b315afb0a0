/*
 * SIGHUP: reload the configuration file and the rules without stalling the
 * events. The new configuration, rule engine, sinks and pre-filter are built
 * on a thread of their own (compiling a large rule set takes long); the event
 * thread goes on judging events with the old ones meanwhile. When the build
 * is done, the event thread swaps it in between two events (agent_run.h's
 * swap step), or keeps everything as it was when the build failed (printed
 * and counted). A SIGHUP during a build starts another once it is done.
 */
#ifndef PALISADE_RELOAD_H
#define PALISADE_RELOAD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "output/sink.h"
#include "rules/prefilter.h"
#include "rules/rules.h"

/* What the build thread makes; the swap step takes it over. */
struct agent_reload_build {
	int err; /* 0, or what refused the reload (printed) */
	struct palisade_config *cfg;
	struct rules_engine *rules;
	struct sink_set *sinks;
	struct prefilter *pf; /* the new rules' pre-filter; NULL: none */
};

struct agent_reload;
/* The build, on the reload thread: touches nothing the event thread uses. */
typedef void (*agent_reload_build_fn)(struct agent_reload *r, struct agent_reload_build *out);
/* The swap, on the event thread, also for a failed build (b->err: keep the
 * old, reopen its files for logrotate): takes what it keeps out of b (NULLs
 * it); what stays in b is freed. Returns 0, or the error that kept the old. */
typedef int (*agent_reload_swap_fn)(void *ctx, struct agent_reload_build *b);

struct agent_reload {
	/* Set once by the agent. */
	int argc;
	char **argv;         /* the original command line: its flags still override */
	int64_t boot_to_epoch_ns;
	bool prefilter;      /* the path pre-filter ran at start (a reload never turns it on) */
	agent_reload_build_fn build;
	agent_reload_swap_fn swap;
	void *swap_ctx;
	/* The reload in flight. */
	pthread_t thread;
	bool running;        /* a build thread exists; agent_reload_poll joins it */
	bool again;          /* a SIGHUP came during the build */
	atomic_bool done;
	struct agent_reload_build out;
	uint64_t reloads, failures;
};

/* The build `palisade run` uses: the file and the command line, the rules,
 * the sinks (not started), the pre-filter. */
void agent_reload_build_default(struct agent_reload *r, struct agent_reload_build *out);
/* Starts a build; while one runs, remembers to start another after it. */
int agent_reload_begin(struct agent_reload *r);
/* Event thread, from the loop: when the build is done, joins it and swaps it
 * in (or counts the failure). Returns true when a reload finished. */
bool agent_reload_poll(struct agent_reload *r);
/* At stop: waits for a build in flight (it ends by itself: reading and
 * compiling bounded files), then frees what it made. */
void agent_reload_stop(struct agent_reload *r);
/* Frees what a build made (any member may be NULL). */
void agent_reload_build_free(struct agent_reload_build *b);

#endif
