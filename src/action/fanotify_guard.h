/*
 * action/fanotify_guard: the fanotify back-end of `action: deny`. Protected
 * files (open for write, or read of a secret) and forbidden executables are
 * denied synchronously through fanotify permission events (FAN_OPEN_PERM,
 * FAN_OPEN_EXEC_PERM), on the host and inside every container's root.
 *
 * Owns: the fanotify group, its marks, a decision thread and a watchdog
 * thread, the translation of rules into marks (fguard_plan), the decision
 * table, counters and the decision latency histogram. Decides with a rules
 * engine of its own (the engine is single-threaded), evaluating the rule's
 * whole compiled condition on a synthetic event built from the fanotify
 * event, so the verdict is exactly the rule's. Never touches the pipeline's
 * process table: it keeps a private one, filled from /proc per decision.
 *
 * Timeout and failure policy (docs/enforcement-files.md): every event read is
 * answered within timeout_ms (the watchdog answers with on_timeout when the
 * decision is late); when the agent dies the kernel allows every pending and
 * future event of the group (fail-open).
 */
#ifndef PALISADE_FANOTIFY_GUARD_H
#define PALISADE_FANOTIFY_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "alert/alert.h"
#include "metrics/metrics.h"
#include "rules/rules.h"

struct container_store;

/* ---- translation of rules into what fanotify watches (fanotify_plan.c) ---- */

enum fguard_kind {
	FGUARD_OPEN, /* the open family: FAN_OPEN_PERM */
	FGUARD_EXEC, /* execve, execveat: FAN_OPEN_EXEC_PERM */
};

struct fguard_rule {
	size_t index; /* rules_engine_rule() index */
	const struct rules_rule_info *info;
	enum fguard_kind kind;
	struct rules_path *paths; /* what the condition confines the path to */
	size_t n_paths;
	/* exec by proc.name: paths are names, the whole filesystem of each root
	 * is marked for exec and the name is compared at decision time */
	bool by_name;
};

struct fguard_plan {
	struct fguard_rule *rules;
	size_t n;
	bool exec_by_name; /* some rule is by_name */
};

/*
 * Every enabled rule with `action: deny` becomes a served rule, or one line
 * "palisade: rule 'X': cannot be served by fanotify: WHY" on report. Returns
 * the number of deny rules that cannot be served (0: all are), or -ENOMEM.
 */
int fguard_plan_build(struct rules_engine *e, struct fguard_plan *plan, FILE *report);
void fguard_plan_release(struct fguard_plan *plan);
/* Does the rule watch this path (as seen in its root: "/etc/passwd")? For
 * a by_name rule, name is the process name the exec gives (NULL: none). */
bool fguard_rule_covers(const struct fguard_rule *r, const char *path, const char *name);

/* ---- the decision table (fanotify_plan.c) ---- */

enum fguard_verdict {
	FGUARD_ALLOW,
	FGUARD_DENY,
	FGUARD_WOULD_DENY, /* audit mode: the rule matched, the operation went ahead */
};
const char *fguard_verdict_name(enum fguard_verdict v);
/* matched: the rule's condition held; rule_enforce: the rule's `enforce`
 * (-1: the global mode decides). */
enum fguard_verdict fguard_verdict(bool matched, int rule_enforce, bool global_enforce);

struct container_info;
/* Is a process in this container (NULL: the host) in the action's scope? */
bool fguard_in_scope(const struct rules_action_spec *s, const struct container_info *c);

/* ---- the caller's intent (open_intent.c) ---- */

/* A thread's current syscall, as /proc/TID/syscall shows a blocked thread. */
struct fguard_syscall {
	long nr;
	uint64_t args[6];
};
/* Parses "257 0xffffff9c 0x7ffd... ..." -> 0; "running" -> -EBUSY; "-1 ..."
 * (not in a syscall) -> -ENOENT; anything else -> -EINVAL. */
int fguard_parse_syscall(const char *text, struct fguard_syscall *out);
/* Is nr one of the open family (open, openat, openat2, creat,
 * open_by_handle_at)? */
bool fguard_is_open_syscall(long nr);
/* Is nr execve or execveat (the kernel opens the binary read-only)? */
bool fguard_is_exec_syscall(long nr);
/*
 * The open flags the caller passed. openat2 keeps them in user memory
 * (struct open_how): read_user(addr, buf, len) fetches them (from the tid's
 * memory, process_vm_readv in the guard). Returns 0 or a negative errno.
 */
typedef int (*fguard_read_user_fn)(void *ctx, uint64_t addr, void *buf, size_t len);
int fguard_open_flags(const struct fguard_syscall *sc, fguard_read_user_fn read_user, void *ctx,
		      uint64_t *flags);
/* Can an open with these flags change the file? O_WRONLY, O_RDWR, O_TRUNC
 * (Linux truncates even with O_RDONLY|O_TRUNC). */
bool fguard_flags_write(uint64_t flags);

/* ---- the guard (fanotify_guard.c) ---- */

#define FGUARD_TIMEOUT_MS_DEFAULT 1000
#define FGUARD_ALERTS_QUEUED_MAX 4096 /* deny records awaiting the writer */

struct fguard_config {
	struct rules_engine *rules; /* compiled; the guard takes ownership */
	bool enforce;               /* global mode; false: audit ("would deny") */
	unsigned timeout_ms;        /* 0: FGUARD_TIMEOUT_MS_DEFAULT */
	bool timeout_deny;          /* verdict of a late decision (default allow) */
	struct container_store *containers; /* NULL: every process is a host one */
	const struct event_fim *fim; /* file integrity's answers (fim.* fields); NULL: off */
	const char *procfs;         /* NULL: "/proc" */
	FILE *log;                  /* start-up report and errors; NULL: stderr */
	/* Optional: the rules (by rules_engine_rule index) the guard serves,
	 * when another back-end is preferred for some (the in-kernel exec
	 * kill); NULL: every deny rule it can. */
	bool (*wanted)(void *ctx, size_t index);
	void *wanted_ctx;
};

struct fguard_stats {
	uint64_t events;         /* permission events read */
	uint64_t allowed, denied, would_deny;
	uint64_t timeouts;       /* answered by the watchdog with the timeout verdict */
	uint64_t killed;         /* callers killed with their deny (kill: true) */
	uint64_t errors;         /* events whose context could not be read */
	uint64_t unknown_intent; /* opens not from an open syscall: judged as O_RDWR */
	uint64_t alerts_dropped; /* deny records lost to a full queue */
	uint64_t marks;          /* inode marks in place (host and container roots) */
	uint64_t mark_errors, roots;
	uint64_t pinned, pin_errors; /* files made immutable (pin: true), failures */
	struct metrics_hist latency; /* read -> answer, every event */
};

struct fguard;

/* Builds the plan, creates the group and marks the host; nothing answers
 * yet. -ENODATA when no rule is served (nothing to do). */
int fguard_new(const struct fguard_config *cfg, struct fguard **out);
/* Starts the decision and watchdog threads. */
int fguard_start(struct fguard *g);
/* Stops the threads (pending events are answered), closes the group and
 * clears the pins (pin: true) unless fguard_keep_pins was called. */
void fguard_free(struct fguard *g);
/* A successor agent takes over (handover): fguard_free leaves the pins. */
void fguard_keep_pins(struct fguard *g);
/* Did the guard pin path in container c (a write of it fails with EPERM
 * from the kernel, before fanotify sees it)? c may be gone. Any thread. */
bool fguard_pinned_for(struct fguard *g, const struct container_info *c, const char *path);
void fguard_stats(struct fguard *g, struct fguard_stats *out);
/*
 * What the guard did with an operation another thread saw complete (the
 * dispatcher's record of a deny rule's alert must not claim a refusal the
 * guard never made). Every event a served rule covered, and every event
 * answered by the timeout policy, is kept (the last FGUARD_OUTCOMES_MAX).
 */
enum fguard_answer_why {
	FGUARD_WHY_JUDGED,  /* the rule's condition was evaluated */
	FGUARD_WHY_TIMEOUT, /* the decision was late: --deny-timeout-verdict */
	FGUARD_WHY_ERROR,   /* the caller's context could not be read: the same verdict */
};
struct fguard_outcome {
	enum fguard_verdict verdict;
	enum fguard_answer_why why;
	uint64_t ns; /* CLOCK_BOOTTIME just before the answer */
	bool killed; /* the caller was killed before the answer (kill: true) */
};
/* The newest answer for thread tid's operation of this kind given before
 * done_ns (CLOCK_BOOTTIME: the event's time, when the operation completed)
 * and no older than max_age_ns before it, not taken before; marks it taken.
 * -ENOENT: the guard never answered such an event of tid (it never saw it).
 * Any thread. */
int fguard_outcome_take(struct fguard *g, uint32_t tid, enum fguard_kind kind,
			uint64_t done_ns, uint64_t max_age_ns, struct fguard_outcome *out);
/* Marks the root of process pid now, if it is a root the guard has not
 * marked yet (a container whose first exec is held: src/action/hold.c). 0
 * (also for the host's root, marked at start), or a negative errno. Any
 * thread. */
int fguard_arm_root(struct fguard *g, uint32_t pid);

struct action_target;
struct action_result;
/* The record of a deny rule's alert (fanotify_result.c): done only when the
 * guard refused that very operation; failed or missed, and why, otherwise.
 * g NULL: the guard is not running. Event thread. */
void fguard_action_result(struct fguard *g, const struct action_target *t,
			  struct action_result *res);
/* Hands each queued alert of a judged rule (with its "palisade_action") to
 * emit, which takes it (NULL: they are dropped); returns how many. For the
 * consumer thread. */
size_t fguard_drain(struct fguard *g, void (*emit)(struct alert *al, void *ctx), void *ctx);

#endif
