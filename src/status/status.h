/*
 * status/: `palisade status` and the agent's side of it. The agent answers
 * each connection on a unix stream socket with its last metrics snapshot (the
 * exposition text /metrics serves) and closes; the command reads it, parses
 * it with metrics_parse() and prints a summary, human or JSON. One source of
 * truth: status shows exactly what Prometheus scrapes.
 *
 * Must not touch: the event path. The server thread only copies snapshots.
 */
#ifndef PALISADE_STATUS_H
#define PALISADE_STATUS_H

#include <stdbool.h>
#include <sys/types.h>

#include "metrics/metrics.h"

#define STATUS_DEFAULT_SOCKET "/run/palisade/status.sock"

struct status_server;

/*
 * Creates the socket (mode 0600, its directory made if missing) and starts
 * the thread. A stale socket left by a dead agent is replaced; a socket a
 * live agent answers on is refused (-EADDRINUSE) after saying so.
 */
int status_server_start(struct metrics_registry *r, const char *path, struct status_server **out);
/* Stops the thread and removes the socket (if it is still ours). */
void status_server_stop(struct status_server *s);

/*
 * Asks the agent on socket `path` for `what` ("metrics": the exposition
 * text; a document name such as "flows") and reads the answer (malloc'd,
 * NUL-terminated); *pid is the agent's pid (SO_PEERCRED). Returns 0 or a
 * negative errno (-ENOENT, -ECONNREFUSED: no agent there).
 */
int status_fetch(const char *path, const char *what, char **text, size_t *len, pid_t *pid);

/* palisade status [--socket PATH] [--json] */
int status_cli_main(int argc, char **argv);

#endif
