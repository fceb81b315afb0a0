/* Internals shared by the files of the fanotify guard; others use fanotify_guard.h. */
#ifndef PALISADE_FGUARD_INTERNAL_H
#define PALISADE_FGUARD_INTERNAL_H

#include <pthread.h>
#include <sys/types.h>

#include "action/fanotify_guard.h"
#include "event/event.h"
#include "proc/proc.h"

#define FGUARD_PENDING_MAX 1024 /* events read in one batch, awaiting an answer */
#define FGUARD_ROOTS_MAX 4096   /* container roots marked */
#define FGUARD_SCAN_MS 1000     /* new containers are marked within this */
#define FGUARD_REMARK_MS 5000   /* a replaced protected file is re-marked within this */
#define FGUARD_WALK_DIRS_MAX 4096 /* directories marked for one prefix in one root */
#define FGUARD_PROC_TABLE 4096  /* the decision thread's private process table */

struct fguard_root {
	dev_t dev;
	ino_t ino;
	uint32_t pid;      /* a process that has this root */
	uint64_t marked_ns; /* CLOCK_MONOTONIC of the last marking */
	bool seen;         /* in the current scan */
	bool announced;    /* "watching the root of pid N" printed */
	uint64_t marks;    /* placed by the last marking */
};

struct fguard_pending {
	int fd;
	uint32_t tid;
	enum fguard_kind kind;
	uint64_t t0_ns;
	bool answered;
	bool judged;    /* a served rule covered it: its verdict is worth logging */
	bool why_error; /* its context could not be read: the policy answered */
	bool killed;    /* its caller was killed (a deny rule with kill: true) */
	uint64_t decided_ns; /* CLOCK_BOOTTIME before the kill: the caller's syscall
			      * ends right after it, before the answer is logged */
};

/* What the guard answered for one event, kept for fguard_outcome_take. */
#define FGUARD_OUTCOMES_MAX 512
struct fguard_logged {
	struct fguard_outcome o;
	uint32_t tid;
	enum fguard_kind kind;
	bool taken;
};

struct fguard {
	struct fguard_config cfg;
	struct fguard_plan plan;
	char procfs[256];
	char cgroup2_root[512];
	bool have_cgroup2;
	pid_t self;
	int fan_fd, stop_fd;
	pthread_t decider, keeper;
	bool decider_running, keeper_running;
	bool stopping; /* __atomic: fguard_free has begun */

	/* the keeper thread, and fguard_arm_root (the event thread), under
	 * roots_lock */
	pthread_mutex_t roots_lock;
	void *keeper_snap; /* PROC_SNAPSHOT_REC_MAX */
	struct fguard_root *roots;
	size_t n_roots;
	uint64_t host_marks; /* placed by the last marking of the host */
	dev_t host_dev;
	ino_t host_ino;

	/* shared by the decider and the keeper (watchdog) */
	pthread_mutex_t pending_lock;
	struct fguard_pending pending[FGUARD_PENDING_MAX];
	size_t n_pending;

	/* deny records for the consumer thread */
	pthread_mutex_t queue_lock;
	struct alert **queue;
	size_t n_queue;

	/* answers the event thread asks about (fguard_outcome_take): a ring */
	pthread_mutex_t log_lock;
	struct fguard_logged log[FGUARD_OUTCOMES_MAX];
	size_t log_next;

	struct fguard_stats st; /* counters updated with __atomic */
	uint64_t decided;       /* decisions made: the keeper's sign of progress */

	/* the decider thread only */
	struct proc_table *procs;
	void *snap, *anc_snap; /* PROC_SNAPSHOT_REC_MAX: the caller, an ancestor */
	void *raw;  /* the synthetic record */
	struct event ev, tmp_ev;
	struct alert *alert; /* set by the alert callback of the rule being judged */
};

static inline void fguard_count(uint64_t *c, uint64_t n)
{
	__atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

uint64_t fguard_now_ns(void); /* CLOCK_MONOTONIC */
uint64_t fguard_boot_ns(void); /* CLOCK_BOOTTIME, the events' clock */

/* fanotify_marks.c: marks every served path under one root (pid 0: the
 * host's, else /proc/PID/root), *placed the marks now in place. Returns 1
 * when the root is a container the engine has not described yet (mark it
 * again soon), 0, or a negative errno. The keeper's periodic scan for
 * container roots. */
int fguard_mark_root(struct fguard *g, uint32_t pid, uint64_t *placed);
void fguard_scan_roots(struct fguard *g);

/* fanotify_event.c: the synthetic event of a permission event by tid on
 * path (name: the process name an exec gives, see fguard_exec_name). *judge
 * false: nothing for the open rules to judge (an exec's open of its binary).
 * Returns 0 or a negative errno (the process is gone, ...). */
int fguard_build_event(struct fguard *g, enum fguard_kind kind, uint32_t tid, uint32_t tgid,
		       const char *path, const char *name, bool *judge);
/* The name the exec tid is in gives the process (the kernel's comm): the
 * basename of the filename it passed, else of the binary's path. */
void fguard_exec_name(struct fguard *g, uint32_t tid, const char *path, char *name, size_t size);
/* The thread group of a thread, from /proc/TID/status; negative errno. */
int fguard_tgid_of(const char *procfs, uint32_t tid, uint32_t *tgid);

#endif
