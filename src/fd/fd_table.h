/*
 * fd/: the per-process fd tables. Seeded from /proc/PID/fd at start-up
 * (fd_snapshot.c, as EV_FD_SNAPSHOT records so a replay seeds the same
 * way), kept by the fd syscalls the syscall sensor reports (open, socket,
 * accept, connect, bind, listen, dup*, fcntl, close, pipe*, memfd_create,
 * eventfd2, epoll_create1, inotify_init1, signalfd4, timerfd_create)
 * and by fork (the child gets a copy), exec (close-on-exec fds go) and exit
 * (the table goes). Gives an event the fd it is about when the sensor could
 * not resolve it (a close, an fd the kernel no longer holds at sys_exit).
 *
 * Must not touch: rules, containers, output. Owns no I/O but the /proc scan.
 *
 * Bounds (DESIGN.md: nothing is silent): at most FD_TABLE_PROCS processes,
 * FD_TABLE_FDS_PER_PROC fds per process and FD_TABLE_ENTRIES fds in all.
 * A process beyond the first bound evicts the least recently touched one;
 * an fd beyond the others is not tracked. Each is counted (fd_table_stats).
 * The bounds are constants, not options, so a replay keeps what the live
 * run kept.
 */
#ifndef PALISADE_FD_TABLE_H
#define PALISADE_FD_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event/event.h"

#define FD_TABLE_PROCS 65536
#define FD_TABLE_FDS_PER_PROC 4096
#define FD_TABLE_ENTRIES (1u << 18)

enum fd_type {
	FD_T_UNKNOWN = 0,
	FD_T_FILE,
	FD_T_DIR,
	FD_T_IPV4,
	FD_T_IPV6,
	FD_T_UNIX,
	FD_T_NETLINK,
	FD_T_SOCK_OTHER,
	FD_T_PIPE,
	FD_T_MEMFD,
	FD_T_EVENTFD,
	FD_T_SIGNALFD,
	FD_T_EVENTPOLL,
	FD_T_INOTIFY,
	FD_T_TIMERFD,
	FD_T_BPF,
	FD_T_ANON_OTHER, /* another anonymous inode (userfaultfd, pidfd, ...) */
};

enum fd_role { FD_ROLE_UNKNOWN = 0, FD_ROLE_CLIENT, FD_ROLE_SERVER };

/* A name shared by the fds that refer to the same open file (dup, fork). */
struct fd_name {
	uint32_t refs;
	uint32_t len;
	char s[];
};

struct fd_entry {
	int32_t num;
	uint8_t type;    /* enum fd_type */
	uint8_t role;    /* enum fd_role, sockets */
	uint8_t cloexec; /* closed by exec */
	uint8_t pad;
	uint32_t flags;  /* open flags (O_*) when known, else 0 */
	uint32_t pad2;
	struct fd_name *name; /* path, unix socket path, "pipe:[ino]"; NULL: none */
	struct ev_sock sock;  /* sockets; family 0 otherwise or when unknown */
};

/* "" when the entry has no name. */
static inline const char *fd_entry_name(const struct fd_entry *e)
{
	return e && e->name ? e->name->s : "";
}

/* Falco's fd.type name and fd.typechar of a type. */
const char *fd_type_name(enum fd_type t);
char fd_type_char(enum fd_type t);

struct fd_table_stats {
	size_t procs, entries; /* now */
	size_t bytes;          /* heap held: processes, entries, names */
	uint64_t proc_evictions; /* processes evicted when FD_TABLE_PROCS was reached */
	uint64_t fds_untracked;  /* fds not kept: per-process or total bound */
	uint64_t misses;         /* events about an fd the table did not know */
	uint64_t alloc_failures;
};

struct fd_table;

int fd_table_new(struct fd_table **out);
void fd_table_free(struct fd_table *t);

/*
 * Applies one decoded event. For a syscall event it points ev->fd at the
 * entry of the fd the event is about (for a close, the entry as it was) and,
 * when the sensor had not resolved that fd, fills ev->path / ev->sock from
 * it and sets ev->fd_from_table. The entry is valid until the next call.
 */
void fd_table_apply(struct fd_table *t, struct event *ev);

/* The syscalls whose events keep the table (those with an fd effect in their
 * row): the sensor must report all of them while the table is on, or it
 * goes stale. */
struct syscall_desc;
bool fd_table_follows(const struct syscall_desc *sc);

const struct fd_entry *fd_table_get(const struct fd_table *t, uint32_t pid, int32_t fd);
/* Number of fds known for a process; 0 when it has no table. */
size_t fd_table_count(const struct fd_table *t, uint32_t pid);
void fd_table_stats(const struct fd_table *t, struct fd_table_stats *out);

/*
 * Scans procfs and feeds every fd of every process (but the caller) to emit
 * as an EV_FD_SNAPSHOT record. Sockets are described from
 * procfs/PID/net/{tcp,tcp6,udp,udp6,unix}, read once per network namespace.
 * Returns the fds emitted or a negative errno.
 */
typedef void (*fd_snapshot_fn)(const void *rec, size_t len, void *ctx);
int fd_snapshot(const char *procfs, fd_snapshot_fn emit, void *ctx);

#endif
