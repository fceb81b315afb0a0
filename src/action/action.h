/*
 * action/: enforcement and response (docs/enforcement.md, docs/response.md).
 * Owns the dispatcher, which decides at start (and reload) which back-end
 * serves each step of each rule whose `action` is not alert, runs the steps
 * in order after each of that rule's alerts (or reports what they would have
 * done, in audit mode), and attaches every outcome to the alert (its
 * "palisade_action", or the steps of its "palisade_playbook"); the back-ends
 * (in-kernel exec kill, the fanotify guard, user-space kill, container
 * pause/stop, network isolation, notify, and those other folders register);
 * and the safety rules (never pid 1, the agent or the container runtime).
 *
 * Must not touch: the rules engine's internals (rules.h only), the sinks
 * (alerts leave through the caller), the container store
 * (a target's container comes with its event).
 *
 * Threads: everything is called from the event-consumer thread. Back-ends
 * that block (the Engine API) work on a thread of their own and hand results
 * back through action_poll().
 */
#ifndef PALISADE_ACTION_H
#define PALISADE_ACTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "alert/alert.h"
#include "container/container.h"
#include "rules/rules.h"

enum action_outcome {
	ACTION_DONE,           /* done by user space after the alert */
	ACTION_IN_KERNEL,      /* the kernel did it before user space saw the event */
	ACTION_WOULD_HAVE,     /* audit mode: nothing was done */
	ACTION_REFUSED_SAFETY, /* the target is protected (pid 1, agent, runtime) */
	ACTION_FAILED,         /* tried; the detail says why it did not happen */
	ACTION_MISSED,         /* the back-end never saw the operation: it happened */
	ACTION_OUTCOME_MAX,
};
/* "done", "served in kernel", "would-have", "refused-by-safety", "failed",
 * "missed". */
const char *action_outcome_name(enum action_outcome o);

/* Who an action is aimed at: the process and container of the alert's event. */
struct action_target {
	/* The match: valid only during the first step's apply; NULL in a step
	 * that runs after an asynchronous one (a playbook's later steps). */
	const struct rules_alert *alert;
	const struct rules_rule_info *rule;
	const struct rules_action_step *step; /* this step's options */
	struct alert *al; /* the alert's owned copy (NULL: no outputs): a step may
			   * annotate it (notify adds a route) */
	uint32_t pid;      /* host pid of the process */
	uint64_t start_ns; /* its start time (CLOCK_BOOTTIME): tells pid reuse */
	uint32_t ev_flags; /* EV_F_* of the event (EV_F_KILLED: killed in kernel) */
	const char *exepath;
	const struct container_info *container; /* NULL: a host process */
};

#define ACTION_RESULT_EXTRA_MAX 3
struct action_result {
	enum action_outcome outcome;
	char detail[256]; /* what was done, or why not */
	/* The back-end's own members of the record (capture: "bundle",
	 * "manifest_sha256"); key static. */
	struct {
		const char *key;
		char value[240];
	} extra[ACTION_RESULT_EXTRA_MAX];
	size_t n_extra;
};
/* Adds a member to a result (dropped beyond ACTION_RESULT_EXTRA_MAX). */
void action_result_extra(struct action_result *res, const char *key, const char *value);

/*
 * A back-end. It registers once; the dispatcher offers it every rule whose
 * action type is in `types`, in registration order (register the strongest
 * first), and the first that accepts serves the rule.
 */
struct action_backend {
	const char *name; /* short, for counters: "exec-kernel" */
	unsigned types;   /* 1u << RULES_ACTION_* it can serve */
	/*
	 * Can it serve rule `index` of e? Returns 0 and sets *how to the plan
	 * line ("kill in kernel at exec"); or -EOPNOTSUPP with *why. When
	 * `enforce` is true the back-end also installs what it needs (kernel
	 * maps); in audit mode it must change nothing. Strings are static or
	 * live as long as the back-end.
	 */
	int (*prepare)(void *ctx, struct rules_engine *e, size_t index,
		       const struct rules_rule_info *rule, bool enforce, const char **how,
		       const char **why);
	/*
	 * Applies the action to one target (enforcing rules only, safety already
	 * checked). Returns 0 with *res filled, or 1 when the result will come
	 * later through action_complete() (then `token` identifies it).
	 */
	int (*apply)(void *ctx, const struct action_target *t, enum rules_action type,
		     struct action_result *res, uint64_t token);
	/* Forgets every prepared rule (before a reload prepares them again). */
	void (*reset)(void *ctx);
	/* Optional: a container's cgroup was seen (or its metadata changed):
	 * keeps kernel-side container scopes current. Event thread. */
	void (*observe)(void *ctx, uint64_t cgroup_id, const struct container_info *c);
	/* Optional: the container of cgroup_id is about to run its first
	 * instruction under the agent (its first exec is held, or it ran before
	 * the agent: process pid is in it): put this back-end's enforcement in
	 * place for it now, synchronously (fanotify marks its root). 0 or a
	 * negative errno. Event thread. */
	int (*arm)(void *ctx, uint64_t cgroup_id, uint32_t pid, const struct container_info *c);
	/* Its deny kills the caller itself when the rule says kill: true (the
	 * exec kill, fanotify); for the others the dispatcher kills after the
	 * alert. */
	bool kills_on_deny;
	/* apply may return 1 (the result comes later through action_complete):
	 * the dispatcher keeps the alert, and a playbook's next step waits. */
	bool async;
	void *ctx;
};

struct action_dispatcher;

/* Hands on an alert whose action finished later (ownership passes). */
typedef void (*action_emit_fn)(struct alert *al, void *ctx);

/* The hold (src/action/hold.c, docs/enforcement.md "No window"). */
#define ACTION_HOLD_TIMEOUT_MS_DEFAULT 2000
struct action_hold_config {
	unsigned timeout_ms; /* a hold the agent is late with is answered: 0 = default */
	bool timeout_kill;   /* then killed (fail-closed); default released unarmed */
};

struct action_config {
	bool enforce;         /* global mode: false = audit (report "would have") */
	const char *hostname; /* for records */
	FILE *log;            /* plan lines and errors; NULL: stderr */
	action_emit_fn emit;
	void *emit_ctx;
	/* Optional: each outcome counted, for metrics (action, outcome names). */
	void (*counted)(void *ctx, const char *action, const char *outcome);
	void *counted_ctx;
};

int action_dispatcher_new(const struct action_config *cfg, struct action_dispatcher **out);
void action_dispatcher_free(struct action_dispatcher *d);
/* Hands an alert to the outputs, as the emit function does (a back-end's own
 * record: an isolation lifted). */
void action_emit(struct action_dispatcher *d, struct alert *al);
/* Counts an outcome the dispatcher did not see (a command's: "unisolate"). */
void action_count(struct action_dispatcher *d, const char *action, enum action_outcome o);

/* Up to ACTION_BACKENDS_MAX back-ends; the struct is copied. */
#define ACTION_BACKENDS_MAX 16
int action_register(struct action_dispatcher *d, const struct action_backend *b);

/*
 * Decides who serves every enabled rule with an action other than alert,
 * printing one line per rule. A deny rule that nothing can serve is an error
 * (-EINVAL) unless it has downgrade: true. Call again after a reload (the
 * engine may differ; back-ends are reset first).
 */
int action_plan(struct action_dispatcher *d, struct rules_engine *e);

/*
 * After an alert: applies its rule's action (or, in audit mode, says what it
 * would have done) and attaches the result to `al`, the alert's owned copy
 * (NULL: nothing to attach, the action still happens). A list of steps (a
 * playbook) runs in order, each step after the one before finished, each
 * result attached ("palisade_playbook"). Returns true when it keeps al: a
 * step finishes later (a container paused or stopped through the Engine
 * API, a capture) and al, with every result, goes to the emit function when
 * the last step is done.
 */
bool action_after_alert(struct action_dispatcher *d, const struct rules_alert *a,
			struct alert *al);

/* Every enriched event, before its rules run: lets back-ends learn the
 * containers' cgroups (cheap when the pointer is the one seen last). */
void action_observe(struct action_dispatcher *d, uint64_t cgroup_id,
		    const struct container_info *c);

/* Emits the alerts of asynchronous actions that finished, and releases
 * the holds that waited for them. Event thread. */
void action_poll(struct action_dispatcher *d);

struct sensor;
struct event;
/*
 * Holds the first exec of every container cgroup not armed yet, before its
 * first instruction, whenever the plan has a rule that acts (now, and after
 * each action_plan): the process is released once its exec was judged and
 * every back-end armed its container (bpf/hold.bpf.h, hold.c). Forks the
 * guardian that releases every hold if the agent dies. Call after the first
 * action_plan, before the /proc snapshot. 0 or a negative errno (printed).
 */
int action_hold_start(struct action_dispatcher *d, struct sensor *s,
		      const struct action_hold_config *cfg);
/* Every event, after its rules ran (snapshot records included): arms the
 * containers found running at start, releases a judged held exec. */
void action_event_done(struct action_dispatcher *d, const struct event *ev);

/* From a back-end's own thread: the result of an apply that returned 1. */
void action_complete(struct action_dispatcher *d, uint64_t token,
		     const struct action_result *res);

/*
 * A worker thread with a bounded queue (worker.c) for a back-end whose apply
 * must not block (return 1 from apply after queueing): run() fills the
 * result on the worker's thread, it goes to action_complete(), then
 * free_job(). queue: 0, -EAGAIN when `max` wait already, -ECHILD when no
 * thread could start (the job stays the caller's). free finishes the queue.
 */
typedef void (*action_job_fn)(void *ctx, void *job, struct action_result *res);
struct action_worker;
int action_worker_new(struct action_dispatcher *d, size_t max, action_job_fn run,
		      void (*free_job)(void *job), void *ctx, struct action_worker **out);
int action_worker_queue(struct action_worker *w, void *job, uint64_t token);
void action_worker_free(struct action_worker *w);

/* One line: rules per back-end and outcomes (nothing when no rule has an action). */
void action_print_counters(struct action_dispatcher *d, FILE *f);

/* ---- the back-ends of this folder ---- */
/* In-kernel exec kill (bpf/exec_deny.bpf.h); falls back to user-space kill
 * for an exec the kernel did not kill. NULL sensor: not offered. */
int action_exec_kernel_backend(struct sensor *s, struct action_backend *out);
/* Kill at syscall entry for injection/privilege syscalls (entry_kill.c). */
int action_entry_kill_backend(struct sensor *s, struct action_backend *out);
/* pidfd_open + pidfd_send_signal(SIGKILL). */
void action_proc_kill_backend(struct action_backend *out);
/* Container pause and stop through the Engine API (a worker thread). */
int action_container_backend(struct action_dispatcher *d, const char *docker_socket,
			     struct action_backend *out);
void action_container_backend_free(struct action_backend *b);

/*
 * Isolation (isolate.c, docs/response.md): the container's network cut by
 * the network policy's cgroup hooks; it keeps running. find looks a
 * container up by name or id for the operator's commands (NULL: by id
 * prefix among the isolated only).
 */
typedef const struct container_info *(*action_find_container_fn)(void *ctx, const char *query,
								   char *why, size_t len);
struct netpolicy;
int action_isolate_backend(struct action_dispatcher *d, struct netpolicy *np,
			   const char *hostname, action_find_container_fn find, void *find_ctx,
			   struct action_backend *out);
void action_isolate_backend_free(struct action_backend *b);
/*
 * An operator's command (`palisade isolate`, through the status socket):
 * "list", "add CONTAINER", "add-all CONTAINER" (loopback too), "undo
 * CONTAINER". `who` names the operator in the record ("uid 0, pid 4242").
 * Writes the answer ("ok: ..." or "error: ...", lines) to reply. Event thread.
 */
int action_isolate_command(struct action_backend *b, const char *args, const char *who,
			   char *reply, size_t cap);

/*
 * The fanotify guard (fanotify_guard.h) as the deny back-end
 * (fanotify_backend.c): the plan learns which deny rules fanotify serves
 * (register it after the in-kernel exec back-end, which keeps the execs it
 * kills), and each of their alerts gets the record of what the guard did.
 * The guard starts after the first plan (action_fanotify_start).
 */
struct event_fim;
struct action_fanotify_options {
	bool enforce;        /* global mode; false: audit ("would deny") */
	unsigned timeout_ms; /* a decision later than this is answered ... */
	bool timeout_deny;   /* ... with a deny (false: allow) */
	struct container_store *containers; /* NULL: every process is a host one */
	const struct event_fim *fim;        /* the fim.* fields' answers; NULL: off */
};
int action_fanotify_backend(struct action_backend *out);
/* Does some enabled rule ask for `action: deny` (only then is the guard
 * worth an engine of its own)? */
bool action_fanotify_wanted(const struct rules_engine *rules);
/* Starts the guard, deciding with `rules` (an engine of its own, which it
 * takes: an engine is single-threaded); prints its start-up line. 0 also
 * when no deny rule can be served (nothing runs), or a negative errno
 * (printed). */
int action_fanotify_start(struct action_backend *b, const struct action_fanotify_options *o,
			  struct rules_engine *rules);
/* A successor agent takes over (handover): the stop leaves the pins
 * (`pin: true`) in place for it. */
void action_fanotify_keep_pins(struct action_backend *b);
/* Hands the guard's queued alerts to emit, which takes them. */
void action_fanotify_poll(struct action_backend *b, action_emit_fn emit, void *ctx);
/* Prints its counters and decision latency, hands the last alerts to emit,
 * stops the guard. */
void action_fanotify_stop(struct action_backend *b, action_emit_fn emit, void *ctx);
void action_fanotify_backend_free(struct action_backend *b);

/*
 * The cgroup connect/sendmsg hooks (netpolicy.h) as the back-end of the
 * rules' network denies (netpolicy_backend.c). action_netpolicy_start turns
 * the rules' network denies into the hooks' policy, printing for each
 * `action: deny` rule on connect/sendto/sendmsg whether the hooks serve it
 * (and how) or why not, and loads and attaches them when some rule enforces;
 * a rule to enforce that they cannot serve refuses the start (-EINVAL)
 * unless it has action.downgrade. *out: the policy, kept without rules (an
 * isolation loads the hooks when it needs them). Its denies, read by
 * netpolicy_poll(), become alerts handed to emit (one agent per process).
 */
struct netpolicy;
struct action_netpolicy_options {
	bool enforce;             /* --enforce */
	const char *hostname;     /* of the alerts; lives as long as the policy */
	uint64_t boot_to_epoch_ns;
	action_emit_fn emit;      /* takes each deny's alert */
	void *emit_ctx;
};
int action_netpolicy_start(struct rules_engine *rules, const struct action_netpolicy_options *o,
			   struct netpolicy **out);
/* The dispatcher's view of the hooks: which deny rules they serve. */
void action_netpolicy_backend(struct action_backend *out);
/* The exit/SIGUSR1 counters line, when something is in the kernel. */
void action_netpolicy_counters(struct netpolicy *np, const char *when);

/* notify (notify.c): the alert routed to a named output of *sinks (the
 * agent's set, read at each plan), whatever its min_priority. */
struct sink_set;
void action_notify_backend(struct sink_set *const *sinks, struct action_backend *out);

/* ---- safety (safety.c) ---- */
/*
 * Whether acting on pid is refused: pid 1, the agent itself, the container
 * runtime (dockerd, containerd, containerd-shim*, runc by exe path or name)
 * unless the rule's condition names that program. *why says which.
 */
bool action_protected(uint32_t pid, const char *condition, char *why, size_t len);
/* The same test on the executable path the event carries. */
bool action_protected_exe(const char *exepath, const char *condition, char *why, size_t len);
/* The runtime programs protected by default, for the kernel's list. */
extern const char *const action_protected_names[];

/* Kills pid if it is still the process that started at start_ns (0: any). */
void action_kill_pid(uint32_t pid, uint64_t start_ns, struct action_result *res);
/* The user-space kill of an alert's process; the detail says when it was
 * held at exec (it never ran). */
void action_kill_target(const struct action_target *t, struct action_result *res);
/* The same with any signal (SIGCONT releases a held process). */
void action_signal_pid(uint32_t pid, uint64_t start_ns, int sig, struct action_result *res);

#endif
