/* `palisade run`: the network-enforcement back-end wired into the pipeline. */
#ifndef PALISADE_NET_ENFORCE_H
#define PALISADE_NET_ENFORCE_H

#include <stdbool.h>

#include "action/netpolicy.h"
#include "agent/pipeline.h"

/*
 * Turns the loaded rules' network denies into a policy, printing for each
 * `action: deny` rule on connect/sendto/sendmsg whether the cgroup hooks
 * serve it (and how) or why not; loads and attaches the hooks when some rule
 * enforces (`enforce` is --enforce). A rule to enforce that the hooks cannot
 * serve refuses the start (-EINVAL) unless it has action.downgrade. Sets
 * p->netpolicy (NULL when no rule is a network deny). Returns 0 or a
 * negative errno (message printed).
 */
int agent_net_enforce_start(struct pipeline *p, bool enforce);
/* Reports the kernel's denies queued so far, as alert lines. */
void agent_net_enforce_poll(struct pipeline *p);
/* The dispatcher's view of the hooks (src/action/action.h). */
void agent_net_enforce_backend(struct action_backend *b);
/* The exit/SIGUSR1 counters line, when a policy is loaded. */
void agent_net_enforce_counters(struct pipeline *p, const char *when);

#endif
