/*
 * status/: `palisade status` and the agent's side of it. The agent answers
 * each connection on a unix stream socket with its last metrics snapshot (the
 * exposition text /metrics serves) and closes; the command reads it, parses
 * it with metrics_parse() and prints a summary, human or JSON. One source of
 * truth: status shows exactly what Prometheus scrapes. The same socket
 * carries root's commands to the running agent (`palisade isolate`).
 *
 * Must not touch: the event path. The server thread only copies snapshots.
 */
#ifndef PALISADE_STATUS_H
#define PALISADE_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

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
 * text; a document name such as "flows"; or a command line, below) and reads
 * the answer (malloc'd, NUL-terminated); *pid is the agent's pid (SO_PEERCRED). Returns 0 or a
 * negative errno (-ENOENT, -ECONNREFUSED: no agent there).
 */
int status_fetch(const char *path, const char *what, char **text, size_t *len, pid_t *pid);

/*
 * Prints why status_fetch's err left `cmd` without an agent on `path`, then
 * `hint` (what to do when no agent runs). A socket that exists but refuses
 * the caller (EACCES: it is root's, mode 0600) is said as such: the agent
 * may well be running.
 */
void status_fetch_explain(const char *cmd, const char *path, int err, const char *hint);

/*
 * Commands: a request line "VERB ARGS" whose verb was registered here is
 * answered by fn instead of the snapshot, and only for a peer whose uid
 * (SO_PEERCRED, read by the kernel) is 0; others get "error: ... root".
 * fn runs on the status thread and may block (it is bounded by the client's
 * wait); `who` names the peer ("uid 0, pid 4242") for records. The answer
 * is text whose first line is "ok..." or "error: ...". Register before
 * clients may call; at most STATUS_COMMANDS_MAX verbs.
 */
#define STATUS_COMMANDS_MAX 8
typedef int (*status_command_fn)(void *ctx, const char *args, const char *who, char *reply,
				 size_t cap);
int status_server_command(struct status_server *s, const char *verb, status_command_fn fn,
			  void *ctx);

/*
 * The summary of a parsed snapshot (uptime, rules, sensors, kernel losses,
 * events, alerts, tables, sinks): the one structure `palisade status` prints
 * (text or JSON) and the web view serves. pid: the agent's. NULL when out of
 * memory; json_decref() it.
 */
json_t *status_summary(const struct metrics_parsed *p, pid_t pid);

/* palisade isolate [--socket PATH] [--undo|--all] CONTAINER | --list [--json] */
int isolate_cli_main(int argc, char **argv);

/* palisade status [--socket PATH] [--json] */
int status_cli_main(int argc, char **argv);

#endif
