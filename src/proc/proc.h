/*
 * proc/: the process table. Seeded from /proc at start-up, kept current by
 * fork/exec/exit events, bounded. Gives every event its process and the
 * parent chain. Owns no I/O but the /proc scan; knows nothing of containers
 * or output.
 *
 * Bound and eviction: at most `capacity` entries (default PROC_TABLE_DEFAULT).
 * An exited process stays PROC_EXITED_GRACE events long so that late events
 * (a child's exit after its parent's) still find their parent chain. Counting
 * events, not seconds, keeps a replay identical to the live run. When the
 * table is full the least recently touched exited entry goes first, then the
 * least recently touched live one. Evictions are counted.
 */
#ifndef PALISADE_PROC_H
#define PALISADE_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event/event.h"

#define PROC_TABLE_DEFAULT 65536
#define PROC_ANCESTORS_MAX 16 /* parent chain walked for proc.aname[N] & co */
#define PROC_EXITED_GRACE 4096 /* events an exited process stays findable */
#define PROC_EXITED_QUEUE 16384 /* exited processes awaiting reaping */

struct proc_entry {
	uint32_t pid, ppid, vpid;
	uint32_t uid, gid, euid, egid, loginuid, sessionid, tty;
	uint32_t mnt_ns, pid_ns;
	uint64_t start_ns; /* CLOCK_BOOTTIME; 0 when unknown */
	uint64_t cgroup_id;
	char comm[EV_COMM_LEN];
	char *exe;  /* resolved executable path, "" when unknown; never NULL */
	char *args; /* argv, NUL-separated, args_len bytes */
	uint32_t args_len, argc;
	char *cwd;  /* "" when unknown */
	struct exe_info exe_info;
	struct ev_pgrp pgrp; /* as of the last exec or fork (docs/procenv.md) */
	bool pgrp_known;     /* false: the entry was made from an exit alone */
	/* The environment as of the last exec, NUL-separated: env_len bytes,
	 * never NULL; env_known false when it was not captured. */
	char *env;
	uint32_t env_len;
	bool env_known, env_truncated;
	bool args_truncated;
	bool exited;
	uint32_t exit_code; /* wait(2) status once exited */

	/* table internals */
	struct proc_entry *hash_next;
	uint64_t touched; /* event sequence number of the last update */
	size_t exe_cap, args_cap, cwd_cap, env_cap;
};

struct proc_table_stats {
	size_t entries, capacity;
	uint64_t evictions, misses, alloc_failures;
};

struct proc_table;

int proc_table_new(size_t capacity, struct proc_table **out);
void proc_table_free(struct proc_table *t);

/*
 * Applies one decoded event (fork, exec, exit, snapshot) to the table and
 * points ev->proc at the process's entry (NULL only when the entry could not
 * be created). Every other event kind just looks its process up.
 */
void proc_table_apply(struct proc_table *t, struct event *ev);

const struct proc_entry *proc_table_get(const struct proc_table *t, uint32_t pid);

/*
 * The n-th ancestor of p (1 = parent), NULL past the known chain or past
 * PROC_ANCESTORS_MAX. Stops at pid 1 and at loops.
 */
const struct proc_entry *proc_table_ancestor(const struct proc_table *t,
					     const struct proc_entry *p, unsigned n);

void proc_table_stats(const struct proc_table *t, struct proc_table_stats *out);

/*
 * Scans procfs and feeds each process to `emit` as an
 * EV_PROC_SNAPSHOT record built in the bpf/events.h layout, so a live
 * agent and a replay of its record file seed the table the same way.
 * Parents are emitted before their children. cgroup2_root (NULL: unknown)
 * is where cgroup v2 is mounted, to give each process its cgroup id.
 * with_env: also read /proc/PID/environ (what the exec sensor reads when a
 * rule needs proc.env). Returns processes seen or a negative errno.
 */
typedef void (*proc_snapshot_fn)(const void *rec, size_t len, void *ctx);
int proc_snapshot(const char *procfs, const char *cgroup2_root, bool with_env,
		  proc_snapshot_fn emit, void *ctx);

/*
 * One process as the EV_PROC_SNAPSHOT record proc_snapshot would emit
 * (without the environment), into
 * buf (at least PROC_SNAPSHOT_REC_MAX bytes): for a caller that needs a
 * process's state at this moment (the fanotify guard). Returns the record's
 * length, -ESRCH when the process is gone, -ENOSPC when buf is too small.
 */
#define PROC_SNAPSHOT_REC_MAX (sizeof(struct ev_exec) + EV_EXEC_DATA_MAX)
int proc_snapshot_one(const char *procfs, const char *cgroup2_root, uint32_t pid, void *buf,
		      size_t size);

/* The comm and start time (CLOCK_BOOTTIME ns, as in proc_entry) of a
 * process from /proc/PID/stat alone: enough to tell whether a cached entry
 * is still that process and image. 0 or a negative errno. */
int proc_stat_identity(const char *procfs, uint32_t pid, char comm[EV_COMM_LEN],
		       uint64_t *start_ns);

/* "/a/b" -> "b\0a\0" (the leaf-first encoding of bpf/events.h); "/" ->
 * "\0"; "" or a relative path -> 0 bytes. *trunc when size was too small. */
uint32_t proc_encode_path(const char *path, char *out, size_t size, bool *trunc);

#endif
