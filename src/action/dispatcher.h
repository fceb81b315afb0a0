/*
 * The dispatcher's state, shared by dispatch.c (registration, the plan,
 * counters) and playbook.c (running a rule's steps after its alert). Files of
 * src/action/ only.
 */
#ifndef PALISADE_ACTION_DISPATCHER_H
#define PALISADE_ACTION_DISPATCHER_H

#include <pthread.h>

#include "action/internal.h"

/* Alerts whose steps wait for an asynchronous back-end, at most. */
#define RUNS_MAX 64

/* One step of a rule's plan: who serves it, or why nothing does. */
struct plan_step {
	enum rules_action type;
	const struct rules_action_step *spec; /* engine-owned: valid until the next plan */
	int backend;                          /* index into b[]; -1: not served */
	char why[192];                        /* not served: why */
};

struct plan_entry {
	const struct rules_rule_info *rule;
	bool enforce; /* act, or only report */
	size_t n_steps;
	struct plan_step step[RULES_ACTION_STEPS_MAX];
};

struct counters {
	uint64_t rules;
	uint64_t outcomes[ACTION_OUTCOME_MAX];
};

/*
 * A rule's steps after one alert. Lives on the stack while its steps run
 * synchronously; copied into runs[] (with owned copies of the target) when
 * a step answers later, and run on from action_poll.
 */
struct run {
	bool used;    /* a slot of runs[] */
	bool waiting; /* steps[next] was handed to an asynchronous back-end */
	bool done;    /* ... and its result (res) arrived */
	uint64_t token;
	unsigned gen; /* the plan it follows: a re-plan ends it */
	const struct plan_entry *p; /* the plan's entry; once parked, &plan */
	struct plan_entry plan;     /* a copy, once parked (its spec pointers are
				     * the engine's: read only while gen holds) */
	size_t next;
	bool is_list; /* results are a playbook's steps */
	struct action_target t;
	char *exepath;                   /* owned, once parked */
	struct container_info *container; /* owned copy, once parked */
	struct alert *al;                /* owned; NULL: nothing to emit */
	struct action_result res;
};

struct action_dispatcher {
	struct action_config cfg;
	struct action_backend b[ACTION_BACKENDS_MAX];
	struct counters cnt[ACTION_BACKENDS_MAX];
	size_t n_b;
	size_t observers; /* back-ends with an observe op */
	struct plan_entry *plan; /* sorted by rule pointer */
	size_t n_plan;
	unsigned gen; /* bumped by every plan */
	uint64_t out_of_scope, unserved, emit_errors;
	pthread_mutex_t lock; /* runs[]' waiting/done/res/token */
	struct run runs[RUNS_MAX];
	uint64_t next_token;
	struct action_hold *hold; /* NULL: no hold (action_hold_start) */
};

/* dispatch.c: the plan of a rule, NULL when it has none. */
const struct plan_entry *action_plan_find(const struct action_dispatcher *d,
					  const struct rules_rule_info *rule);
/* playbook.c: runs parked runs on whose step finished; frees every run. */
void action_runs_poll(struct action_dispatcher *d);
void action_runs_free(struct action_dispatcher *d);
/* dispatch.c: one outcome, per back-end (backend < 0: none) and in metrics. */
void action_dispatch_count(struct action_dispatcher *d, int backend, enum action_outcome o,
			   enum rules_action type);

#endif
