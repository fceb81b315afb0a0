/*
 * Commands from the status socket (root's `palisade isolate`) carried out on
 * the event thread, which owns the enforcement back-ends: the status thread
 * queues one and waits for its answer, the main loop runs it between two
 * polls of the ring buffer.
 */
#ifndef PALISADE_AGENT_COMMANDS_H
#define PALISADE_AGENT_COMMANDS_H

#include <stddef.h>

#include "action/action.h"
#include "status/status.h"

/* How long a command waits for the event thread before it is answered
 * "busy" (below the client's own 5 s). */
#define AGENT_COMMAND_WAIT_MS 4000

struct agent_commands;

/* Registers the agent's commands with the status server (NULL: none, nothing
 * registered): "isolate" (action_isolate_command on isolate_backend). */
int agent_commands_start(struct status_server *status, struct action_backend *isolate_backend,
			 struct agent_commands **out);
/* action_find_container_fn over the container store (ctx). */
const struct container_info *agent_find_container(void *ctx, const char *query, char *why,
						  size_t len);
/* From the main loop: runs the command waiting, if any. */
void agent_commands_poll(struct agent_commands *m);
/* After the status server stopped (no caller can wait any more). */
void agent_commands_free(struct agent_commands *m);

#endif
