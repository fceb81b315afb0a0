/*
 * Internals of src/fd/: the table's data structure (fd_store.c), shared with
 * what events do to it (fd_apply.c). Not for other folders: they use
 * fd_table.h.
 */
#ifndef PALISADE_FD_INTERNAL_H
#define PALISADE_FD_INTERNAL_H

#include "fd/fd_table.h"

struct fd_proc {
	uint32_t pid;
	uint32_t n, cap;
	struct fd_entry *fds; /* sorted by num */
	struct fd_proc *hash_next;
	struct fd_proc *lru_prev, *lru_next; /* most recently touched first */
};

struct fd_table {
	struct fd_proc **buckets; /* FD_TABLE_PROCS of them */
	struct fd_proc lru;       /* sentinel of the recency list */
	struct fd_entry closed;   /* what the last close removed (ev->fd of it) */
	size_t procs, entries, bytes;
	uint64_t proc_evictions, fds_untracked, misses, alloc_failures;
};

/* Names: NULL for "". */
struct fd_name *fd_name_new(struct fd_table *t, const char *s);
struct fd_name *fd_name_ref(struct fd_name *n);
void fd_name_put(struct fd_table *t, struct fd_name *n);

/* Processes: fd_proc_get touches (most recent) and may create, evicting the
 * least recently touched one beyond FD_TABLE_PROCS. */
struct fd_proc *fd_proc_find(const struct fd_table *t, uint32_t pid);
struct fd_proc *fd_proc_get(struct fd_table *t, uint32_t pid, bool create);
void fd_proc_touch(struct fd_table *t, struct fd_proc *p);
void fd_proc_drop(struct fd_table *t, struct fd_proc *p);

/* Entries: fd_entry_put gives a cleared entry for num (replacing any), or
 * NULL when a bound or memory says no; it may move the other entries of the
 * process. */
struct fd_entry *fd_entry_find(const struct fd_proc *p, int32_t num);
struct fd_entry *fd_entry_put(struct fd_table *t, uint32_t pid, int32_t num);
void fd_entry_remove(struct fd_table *t, struct fd_proc *p, struct fd_entry *e);


#endif
