/* Shared by the files of src/action/ only. */
#ifndef PALISADE_ACTION_INTERNAL_H
#define PALISADE_ACTION_INTERNAL_H

#include "action/action.h"

/* Attaches an action's result to its alert (NULL: none) as "palisade_action".
 * 0, or -ENOMEM (the alert goes without it). */
int action_result_attach(struct alert *al, enum rules_action type, const char *backend,
			  bool enforce, const struct action_result *res);

enum scope_verdict { SCOPE_IN, SCOPE_OUT, SCOPE_UNKNOWN };
/* Is this container (NULL: host) within the action's scope? UNKNOWN when a
 * pattern needs metadata the engine has not given yet. */
enum scope_verdict action_scope_check(const struct rules_action_spec *s,
				      const struct container_info *c);

#endif
