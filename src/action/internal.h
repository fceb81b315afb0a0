/* Shared by the files of src/action/ only. */
#ifndef PALISADE_ACTION_INTERNAL_H
#define PALISADE_ACTION_INTERNAL_H

#include "action/action.h"

/* Attaches an action's result to its alert (NULL: none) as "palisade_action",
 * or as the next of its playbook's steps. 0, or -ENOMEM (the alert goes
 * without it). */
int action_result_attach(struct alert *al, enum rules_action type, const char *backend,
			 bool enforce, bool step, const struct action_result *res);

enum scope_verdict { SCOPE_IN, SCOPE_OUT, SCOPE_UNKNOWN };
/* Is this container (NULL: host) within the action's scope? UNKNOWN when a
 * pattern needs metadata the engine has not given yet. */
enum scope_verdict action_scope_check(const struct rules_action_spec *s,
				      const struct container_info *c);

/* The hold (hold.c), owned by the dispatcher. */
struct action_hold;
int action_hold_new(struct sensor *s, const struct action_hold_config *cfg,
		    struct action_hold **out);
/* The plan changed: every cgroup is disarmed; holding is on when it enforces. */
int action_hold_plan(struct action_hold *h, bool enforcing);
void action_hold_event(struct action_dispatcher *d, struct action_hold *h,
		       const struct event *ev);
void action_hold_release(struct action_dispatcher *d, struct action_hold *h, uint32_t pid,
			 uint64_t start_ns, uint64_t cgroup, const struct container_info *c);
void action_hold_poll(struct action_dispatcher *d, struct action_hold *h,
		      void (*counted)(void *ctx, const char *action, const char *outcome),
		      void *ctx);
void action_hold_print(struct action_hold *h, FILE *f);
/* Releases whatever is still held (fail-open), stops the keeper and the
 * guardian. */
void action_hold_free(struct action_hold *h);

/* dispatch.c, for the hold: every back-end's arm op (nonzero: one failed,
 * logged); whether an action on pid is still on its way. */
int action_arm_backends(struct action_dispatcher *d, uint64_t cgroup_id, uint32_t pid,
			const struct container_info *c);
bool action_pending_for(struct action_dispatcher *d, uint32_t pid);

#endif
