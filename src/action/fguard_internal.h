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
#define FGUARD_PINS_MAX 16      /* files pinned in one root (pin: true rules' exact paths) */
#define FGUARD_PIN_WAIT_MS 1000 /* a held first exec waits this for its pins at most */
#define FGUARD_PINLOG_MAX 1024  /* pins remembered by container and path (records) */

struct fguard_root {
	dev_t dev;
	ino_t ino;
	uint32_t pid;      /* a process that has this root */
	uint64_t marked_ns; /* CLOCK_MONOTONIC of the last marking */
	bool seen;         /* in the current scan */
	bool announced;    /* "watching the root of pid N" printed */
	uint64_t marks;    /* placed by the last marking */
	ino_t pinned[FGUARD_PINS_MAX]; /* files made immutable here (fanotify_pin.c) */
	unsigned n_pinned;
	bool pin_due, pin_busy; /* asked of the pinner thread; being pinned */
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

	/* judge_lock: the decider (each decision), and the pin's judgement of
	 * a root (fanotify_pin.c), which uses the same buffers and engine */
	pthread_mutex_t judge_lock;
	bool keep_pins; /* __atomic: a successor takes the pins over (handover) */
	/* the pinner thread: roots with pin_due, under roots_lock */
	pthread_t pinner;
	bool pinner_running, pinner_stop;
	pthread_cond_t pin_cond, pin_done;
	void *pin_snap; /* PROC_SNAPSHOT_REC_MAX: the pinner's container lookups */
	/* the pins made, by container id and rule path, for the records of
	 * writes the kernel refused (the container may be gone by then): a
	 * ring under pinlog_lock */
	pthread_mutex_t pinlog_lock;
	struct fguard_pinlog {
		char id[65];
		const char *path; /* the plan's */
	} pinlog[FGUARD_PINLOG_MAX];
	size_t pinlog_next;
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

/* openat2(RESOLVE_IN_ROOT) from a root's directory: an absolute symlink in a
 * container resolves inside it. The descriptor, or a negative errno. */
int fguard_open_in_root(int root_fd, const char *path, uint64_t flags);

/* fanotify_pin.c: `pin: true` rules, served by a thread of their own (the
 * pin opens the file, and the open waits on the decider: neither the keeper
 * nor the event thread may block on it). fguard_pin_request asks for root
 * r (roots_lock held); fguard_pin_wait waits, at most wait_ms, for the
 * root of that device and inode to be done (roots_lock held: released while
 * waiting). */
int fguard_pinner_start(struct fguard *g);
void fguard_pinner_stop(struct fguard *g);
void fguard_pin_request(struct fguard *g, struct fguard_root *r);
void fguard_pin_wait(struct fguard *g, dev_t dev, ino_t ino, unsigned wait_ms);
/* Clears the pins this agent holds (the group closed); kept when
 * keep_pins is set. */
void fguard_unpin_all(struct fguard *g);

/* The container process pid runs in (snap: a PROC_SNAPSHOT_REC_MAX buffer
 * of the calling thread); NULL for the host or when unknown. */
const struct container_info *fguard_container_of(struct fguard *g, uint32_t pid, void *snap);
/* The known root of that device and inode, or NULL; roots_lock held. */
struct fguard_root *fguard_find_root(struct fguard *g, dev_t dev, ino_t ino);

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
/* The synthetic event of an open for writing of path by process pid (the
 * pin's judgement: would a write be denied?). Returns 0 or a negative errno. */
int fguard_build_write_probe(struct fguard *g, uint32_t pid, const char *path);
/* The thread group of a thread, from /proc/TID/status; negative errno. */
int fguard_tgid_of(const char *procfs, uint32_t tid, uint32_t *tgid);

#endif
