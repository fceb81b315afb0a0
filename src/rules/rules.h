/*
 * rules/: the Falco rules language. Owns YAML loading (items, overrides,
 * appends, exceptions), the condition parser and compiler, the one field
 * table (every field a condition or an output may name), evaluation of
 * decoded events against the compiled rules, output formatting, alert JSON in
 * Falco's schema and per-rule rate limiting.
 *
 * Must not touch: I/O other than reading rule files, the process table or the
 * container store beyond what a struct event already points at. The engine
 * never blocks and never allocates per event once compiled; everything an
 * alert callback sees lives in engine-owned scratch memory and is valid only
 * during the callback.
 *
 * Single-threaded: one engine is used by one thread (the event consumer).
 */
#ifndef PALISADE_RULES_H
#define PALISADE_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "event/event.h"

/* The Falco engine version this engine implements (required_engine_version). */
#define RULES_ENGINE_VERSION "0.57.0"

enum rules_priority {
	RULES_PRIO_EMERGENCY = 0,
	RULES_PRIO_ALERT,
	RULES_PRIO_CRITICAL,
	RULES_PRIO_ERROR,
	RULES_PRIO_WARNING,
	RULES_PRIO_NOTICE,
	RULES_PRIO_INFORMATIONAL,
	RULES_PRIO_DEBUG,
};

/* "Critical", "Warning", ...: the spelling Falco's JSON uses. */
const char *rules_priority_name(enum rules_priority p);
/* The machine's stable id (/etc/machine-id; "" when there is none) and the
 * agent's version: every alert and action record carries both, as "host_id"
 * and "agent_version" beside Falco's "hostname" (host_identity.c). */
const char *rules_host_id(void);
const char *rules_agent_version(void);
/* Case-insensitive; accepts "INFO" for INFORMATIONAL. Returns 0 or -EINVAL. */
int rules_priority_parse(const char *s, enum rules_priority *out);
/* Edit distance between two short names, for "did you mean" messages. */
unsigned rules_edit_distance(const char *a, const char *b);
/* The priority a misspelt name most likely meant ("WARNNG" -> "WARNING"),
 * upper case, or NULL when none is close. */
const char *rules_priority_suggest(const char *s);

struct proc_entry;
/* The parent chain, isolated so tests and replay can supply their own. */
typedef const struct proc_entry *(*rules_ancestor_fn)(const struct event *ev,
						      const struct proc_entry *p,
						      unsigned n);

/*
 * Falco's rule selection (falco.yaml `rules:`, `palisade run -D/-T/-t`):
 * applied in order at every compile, after the files' own `enabled:`, so a
 * rule a file disables may be enabled here. A rule pattern matches the whole
 * name, `*` standing for any run of characters; a tag matches exactly.
 */
struct rules_select {
	bool enable;      /* false: disable */
	const char *rule; /* a name pattern, or NULL */
	const char *tag;  /* or a tag */
};

/*
 * Falco's append_output: what rules matching (all of) source, rule name and
 * tags get added to their alerts. extra_output is appended to the output
 * line (after a blank); each extra field is added to output_fields only: a
 * field by its name (format NULL), or a name whose value is a format such as
 * "%proc.name on %evt.hostname" or a constant.
 */
struct rules_extra_field {
	const char *name;
	const char *format; /* NULL: name is a field */
};
struct rules_append {
	const char *where;  /* names the entry in messages ("falco.yaml:57") */
	const char *source; /* NULL: any */
	const char *rule;   /* NULL: any */
	const char *const *tags;
	size_t n_tags;
	const char *extra_output; /* NULL: none */
	const struct rules_extra_field *fields;
	size_t n_fields;
};

struct rules_config {
	bool first_match_only;   /* false (default): report every matching rule */
	bool append_container;   /* append container.id/name/image and proc.pid */
	enum rules_priority min_priority; /* rules below it are not evaluated */
	/* Rate limiting per rule and container: 0 disables. */
	double rate_per_sec;     /* sustained alerts/s per (rule, container) */
	double rate_burst;       /* bucket size */
	uint64_t dedup_window_ns; /* identical output within this window: dropped */
	const char *hostname;    /* NULL: gethostname() */
	/* Wall-clock minus CLOCK_BOOTTIME, ns: turns hdr->ts_ns into alert
	 * time. 0: measured when the engine is created. Replay sets it from
	 * the recording so alerts are deterministic. */
	int64_t boot_to_realtime_ns;
	rules_ancestor_fn ancestor; /* NULL: proc_table_ancestor on ev->procs */
	FILE *diag_out;          /* where load problems are printed; NULL: none */
	unsigned json_omit; /* RULES_JSON_*: keys left out of the alert JSON (falco.yaml) */
	/* Read by rules_engine_compile() only: they need not outlive it. */
	const struct rules_select *select;
	size_t n_select;
	const struct rules_append *append;
	size_t n_append;
	/* The configuration's playbooks, which `action: {playbook: NAME}`
	 * names (steps are copied). playbooks_known false (`rules check`
	 * without a configuration): a name is accepted unresolved, with a
	 * warning, and the rule has no steps. */
	const struct rules_playbook *playbooks;
	size_t n_playbooks;
	bool playbooks_known;
	/*
	 * Regular expressions run through PCRE2 with a bounded cost: at most
	 * this many match steps (0: RULES_REGEX_MATCH_LIMIT). A match that
	 * hits a bound is an error: counted (rules_stats.regex_errors), and the
	 * comparison is neither true nor false. A condition that stays
	 * undecided because of it fires the rule, flagged (rules_alert.undecided):
	 * fail closed, so padding an argument cannot evade a rule (docs/rules.md).
	 */
	uint32_t regex_match_limit;
};
#define RULES_REGEX_MATCH_LIMIT 1000000

void rules_config_default(struct rules_config *cfg);

struct rules_engine;

int rules_engine_new(const struct rules_config *cfg, struct rules_engine **out);
void rules_engine_free(struct rules_engine *e);

/*
 * Adds rule files in order (later ones append to / override earlier ones).
 * A directory adds its *.yaml and *.yml files in name order. Nothing is
 * compiled yet. Returns 0, or a negative errno for a file that cannot be
 * read (the problem is also recorded as a diagnostic).
 */
int rules_engine_add_path(struct rules_engine *e, const char *path);
/* Adds rule text held in memory; `name` is used in messages. */
int rules_engine_add_buffer(struct rules_engine *e, const char *name,
			    const char *text, size_t len);
/* Adds the default rule set embedded in the binary. -ENOENT if absent. */
int rules_engine_add_default(struct rules_engine *e);
/* Adds the protect set embedded in the binary (rules/protect.yaml: rules
 * that act, docs/protect.md). -ENOENT if absent. */
int rules_engine_add_protect(struct rules_engine *e);
/* Adds the deploy gate's baseline policy (rules/authz_baseline.yaml: rules of
 * source docker, docs/authz.md). -ENOENT if absent. */
int rules_engine_add_authz_baseline(struct rules_engine *e);
/* Adds the file integrity rules (rules/fim.yaml: the fim.* fields, loaded
 * with palisade run --fim, docs/fim.md). -ENOENT if absent. */
int rules_engine_add_fim(struct rules_engine *e);

/*
 * Resolves lists and macros, compiles every rule, indexes rules by event
 * type. Returns 0, or -EINVAL when any file had any problem: every problem
 * was recorded as `file:line:col: message` (see rules_engine_diag) and no
 * rule is evaluated. Call once, after the last add.
 */
int rules_engine_compile(struct rules_engine *e);

struct rules_diag {
	bool error;       /* false: a warning */
	const char *text; /* "file:line:col: message" */
};
size_t rules_engine_diag_count(const struct rules_engine *e);
const struct rules_diag *rules_engine_diag(const struct rules_engine *e, size_t i);

/*
 * palisade's enforcement extension, the rule key `action` (Falco ignores it):
 *   action: kill                 # shorthand: type only
 *   action:
 *     type: deny                 # alert (default) | kill | deny | pause | stop |
 *                                # isolate | capture | notify
 *     scope: containers          # all (default) | host | containers, or a map
 *                                # {image: GLOB, name: GLOB, label: "KEY=GLOB"}
 *     enforce: true              # per-rule override of the global mode
 *     downgrade: true            # no back-end can serve it: alert instead of
 *                                # refusing to load
 *     pin: true                  # deny: the exact files it protects are also made
 *                                # immutable in each container it applies to
 *   action: [capture, isolate, notify: {sink: soc, priority: CRITICAL}]
 *                                # a playbook: steps run in order
 *   action: {steps: [...], scope: ...}   or   {playbook: NAME, scope: ...}
 *                                # a list with keys; a playbook of the
 *                                # configuration (`playbooks:`)
 * See docs/enforcement.md and docs/response.md.
 */
enum rules_action {
	RULES_ACTION_ALERT = 0,
	RULES_ACTION_KILL,    /* the process */
	RULES_ACTION_DENY,    /* prevent the operation */
	RULES_ACTION_PAUSE,   /* freeze the container */
	RULES_ACTION_STOP,    /* stop the container */
	RULES_ACTION_ISOLATE, /* cut the container's network; it keeps running */
	RULES_ACTION_CAPTURE, /* write a forensic bundle */
	RULES_ACTION_NOTIFY,  /* send the alert to a named output, whatever its min_priority */
	RULES_ACTION_MAX,
};
const char *rules_action_name(enum rules_action a);
/* The inverse; -EINVAL for a name that is not an action. */
int rules_action_parse(const char *name, enum rules_action *out);

enum rules_scope_where {
	RULES_SCOPE_ALL = 0,    /* host and every container */
	RULES_SCOPE_HOST,       /* host processes only */
	RULES_SCOPE_CONTAINERS, /* every container (narrowed by the globs below) */
};

/* One step of an action: its type and the options of that type. */
#define RULES_ACTION_STEPS_MAX 8
struct rules_action_step {
	enum rules_action type;
	const char *sink; /* notify: the output's name */
	int priority;     /* notify: the priority that output sees (enum rules_priority);
			   * -1: the alert's own */
	bool cut_loopback; /* isolate: loopback inside the container is cut too */
};

/*
 * A step given as its type's name and its options as text (`notify` with
 * sink=soc, priority=CRITICAL): the rules files and the configuration's
 * playbooks both describe steps this way, and this one parser checks them.
 * Strings in *out point into opts. 0, or -EINVAL with *why (and *bad: the
 * index of the offending option, or (size_t)-1 for the type itself).
 */
struct rules_step_option {
	const char *key, *value;
};
int rules_action_step_parse(const char *type, const struct rules_step_option *opts,
			    size_t n_opts, struct rules_action_step *out, char *why,
			    size_t why_len, size_t *bad);
/* The rules of a list of steps: at least one, at most RULES_ACTION_STEPS_MAX,
 * no `alert`, `deny` only first (it acts at the operation, before any other
 * step could). 0, or -EINVAL with *why and *bad, the offending step. */
int rules_action_steps_check(const struct rules_action_step *steps, size_t n, char *why,
			     size_t why_len, size_t *bad);

/* A named playbook of the configuration (`playbooks:`), which rules name
 * with `action: {playbook: NAME}`. */
struct rules_playbook {
	const char *name;
	const struct rules_action_step *steps;
	size_t n_steps;
};

struct rules_action_spec {
	enum rules_action type; /* the first step's (alert: no action) */
	enum rules_scope_where where;
	/* Container patterns (fnmatch globs), NULL when absent; any set implies
	 * RULES_SCOPE_CONTAINERS and all set ones must match. */
	const char *image_glob, *name_glob;
	const char *label_key, *label_glob;
	int enforce;    /* -1: the global mode decides; 0: audit; 1: enforce */
	bool downgrade; /* may fall back to alert when no back-end serves it */
	bool kill;      /* deny: the caller is killed too (before it returns, where the
			 * back-end can: docs/enforcement.md) */
	bool pin;       /* deny: its exact files are made immutable in each container
			 * where a write of them would be denied, so that the kernel
			 * refuses a rename onto them, an unlink, a link, a chmod
			 * (fanotify sees opens only; docs/protect.md) */
	/* The steps, in order (engine-owned; n_steps 0 for alert, 1 for a
	 * single action). A list or a playbook reports each step's outcome
	 * (the alert's "palisade_playbook") even when it has one step. */
	const struct rules_action_step *steps;
	size_t n_steps;
	bool is_list;
	const char *playbook; /* the configuration's playbook it names; NULL: none */
};
/* "kill", "capture, isolate, notify", "playbook contain: capture, isolate". */
void rules_action_describe(const struct rules_action_spec *s, char *buf, size_t len);


/* One loaded rule, as `rules list` and the alert callback see it. */
struct rules_rule_info {
	const char *name;
	const char *desc;
	const char *source;
	enum rules_priority priority;
	const char *const *tags;
	size_t n_tags;
	bool enabled;
	/* NULL when the rule can fire with the sensors of today; otherwise why
	 * not ("needs event types open, openat (not yet provided)"). */
	const char *cannot_fire;
	const char *file;     /* where the rule is defined (last full definition) */
	unsigned line;
	const char *evttypes; /* "execve,execveat" or "all" */
	const char *condition; /* as written, appends joined; NULL before compile */
	struct rules_action_spec action;
};
size_t rules_engine_rule_count(const struct rules_engine *e);
const struct rules_rule_info *rules_engine_rule(const struct rules_engine *e, size_t i);
/* Rules that are enabled but cannot fire yet (each listed with its reason). */
size_t rules_engine_cannot_fire_count(const struct rules_engine *e);

/*
 * Whether rule i's compiled condition (macros expanded, exceptions included)
 * is exactly "an exec whose executable is one of these", so that the kernel
 * can decide it from exec data alone (src/action/exec_kill.c):
 *   evt.type in (execve, execveat) [and evt.dir = <] and EXE [and container]
 * where EXE is one comparison, or an `or` of them: proc.exepath, proc.name
 * or proc.exe with = or in, or proc.exepath pmatch / startswith "/dir/".
 * Returns 0 with the value lists (engine-owned), or -EOPNOTSUPP with *why
 * saying which part of the condition the kernel cannot decide.
 */
struct rules_exec_match {
	const char **paths;  /* proc.exepath: exact */
	const char **dirs;   /* proc.exepath: below these directories */
	const char **names;  /* proc.name (comm) */
	const char **argv0s; /* proc.exe (argv[0]) */
	size_t n_paths, n_dirs, n_names, n_argv0s;
	bool container_only; /* `and container` (container.id != host) */
};
int rules_engine_exec_match(struct rules_engine *e, size_t i, struct rules_exec_match *out,
			    const char **why);

/* One output field of an alert, with its typed value. */
enum rules_value_kind {
	RULES_VAL_NULL,   /* the field could not be extracted: <NA> */
	RULES_VAL_STRING,
	RULES_VAL_INT,
	RULES_VAL_UINT,
	RULES_VAL_BOOL,
};
struct rules_value {
	const char *field; /* as written in the output: "proc.aname[2]" */
	enum rules_value_kind kind;
	const char *s;
	int64_t i;
	uint64_t u;
	bool b;
};

/* Keys of the alert JSON an operator turned off (Falco's
 * json_include_output_property, json_include_tags_property). */
#define RULES_JSON_NO_OUTPUT 1u
#define RULES_JSON_NO_TAGS 2u

struct rules_alert {
	const struct rules_rule_info *rule;
	unsigned json_omit; /* RULES_JSON_* */
	const struct event *ev;
	const char *output;   /* formatted output line */
	uint64_t time_ns;     /* wall clock, ns since the epoch */
	const char *hostname;
	const struct rules_value *fields;
	size_t n_fields;
	/* NULL; or why the condition could not be decided ("regex match limit
	 * exceeded"): the rule fired because it might have matched. */
	const char *undecided;
};

/* Called once per matching rule; return non-zero to stop evaluating. */
typedef int (*rules_alert_fn)(const struct rules_alert *a, void *ctx);

/*
 * Evaluates one enriched event. Returns the number of alerts delivered
 * (after rate limiting). Never allocates.
 */
int rules_eval(struct rules_engine *e, const struct event *ev, rules_alert_fn cb,
	       void *ctx);

/*
 * Evaluates one rule (index as for rules_engine_rule) on one event: for a
 * back-end that decides an operation synchronously (src/action/). Returns 1
 * when the condition holds (the alert goes to cb unless rate-limited), 0 when
 * not, -EINVAL when the rule is not active. Not thread-safe, like rules_eval.
 */
int rules_eval_rule(struct rules_engine *e, size_t i, const struct event *ev, rules_alert_fn cb,
		    void *ctx);

/* What a rule's condition confines a path field to (src/rules/rule_query.c). */
enum rules_path_kind {
	RULES_PATH_EXACT,  /* this path */
	RULES_PATH_PREFIX, /* any path starting with this string (startswith, pmatch) */
	RULES_PATH_DIR,    /* any file directly in this directory (fd.directory) */
};
struct rules_path {
	enum rules_path_kind kind;
	const char *path; /* engine-owned */
};
/*
 * The literal paths `field` ("fd.name", which counts fd.directory, or
 * "proc.exepath") must match for rule i's condition to be true. Sound: `and`
 * keeps its most restrictive bounded operand, `or` needs every operand
 * bounded, `not` bounds nothing. Writes at most max entries; returns how many
 * there are, or -ENOENT with *why set when the condition does not confine the
 * field (-EINVAL: the rule did not compile).
 */
int rules_rule_paths(const struct rules_engine *e, size_t i, const char *field,
		     struct rules_path *out, size_t max, const char **why);

/* An alert is rendered by src/alert/ (alert_from_rules, alert_to_json). */

struct rules_stats {
	uint64_t events;            /* events evaluated */
	uint64_t events_no_rules;   /* of which no rule was indexed for */
	uint64_t matches;           /* rule conditions that matched */
	uint64_t alerts;            /* alerts delivered */
	uint64_t rate_limited;      /* dropped by the per-rule rate limit */
	uint64_t deduplicated;      /* dropped as identical within the window */
	uint64_t limiter_evictions; /* limiter slots recycled when full */
	uint64_t regex_errors;      /* regex matches that failed (a bound hit) */
	uint64_t undecided;         /* rules fired undecided because of one */
	size_t rules_loaded, rules_enabled, rules_cannot_fire;
	size_t lists, macros;
	size_t memory_bytes; /* what the loaded rule set holds (linear in its files' size) */
};
void rules_engine_stats(const struct rules_engine *e, struct rules_stats *out);

/*
 * Event types the loaded, enabled rules need (Falco names, e.g. "openat"):
 * lets the sensors enable only those. Writes at most max names; returns
 * how many exist. all_types is set when a rule matches every type.
 */
size_t rules_engine_needed_evttypes(const struct rules_engine *e, const char **names,
				    size_t max, bool *all_types);

/*
 * Host names the rules compare addresses with (fd.sip.name = "api.example"):
 * the engine does no I/O, so the caller resolves them, on its own thread,
 * and hands the answers back; rules_engine_dns_set may be called from any
 * thread at any time after compiling. A name never set matches nothing.
 */
struct rules_addr {
	uint8_t len; /* 4 or 16 */
	uint8_t ip[16];
};
size_t rules_engine_dns_count(const struct rules_engine *e);
const char *rules_engine_dns_name(const struct rules_engine *e, size_t i);
void rules_engine_dns_set(struct rules_engine *e, size_t i, const struct rules_addr *addrs,
			  size_t n);

/*
 * Whether an active rule that runs on event type evttype (a Falco name;
 * NULL: any type) reads field (its table name: "fd.nameraw", "evt.rawarg") in its condition
 * or output: lets the sensors send costly data only when a rule needs it.
 */
bool rules_engine_uses_field(const struct rules_engine *e, const char *evttype,
			     const char *field);

/*
 * A rule's compiled condition as a read-only tree, for back-ends that must
 * decide it somewhere else (the kernel): rule_tree.c. Macros and lists are
 * expanded, exceptions are included (as AND NOT ...).
 */
enum rules_cond_kind {
	RULES_COND_TRUE,
	RULES_COND_FALSE,
	RULES_COND_AND, /* every kid */
	RULES_COND_OR,  /* any kid */
	RULES_COND_NOT, /* one kid */
	RULES_COND_CMP, /* field op values */
};
struct rules_cond_value {
	const char *s;  /* strings (NUL-terminated), NULL otherwise */
	uint64_t u;     /* unsigned numbers and booleans */
	int64_t i;      /* signed numbers */
	uint8_t ip[16]; /* addresses and networks */
	uint8_t ip_len; /* 4 or 16; 0: not an address */
	uint8_t prefix; /* prefix length; ip_len * 8 for a plain address */
};
struct rules_cond {
	enum rules_cond_kind kind;
	const struct rules_cond *const *kids;
	size_t n_kids;
	/* RULES_COND_CMP */
	const char *field; /* as written, argument included: "fd.sip", "proc.aname[2]" */
	const char *type;  /* the field's type: "string", "uint64", "ipaddr", "ipnet", ... */
	const char *op;    /* Falco's spelling: "=", "!=", "<", "in", "startswith", ... */
	const struct rules_cond_value *vals; /* the constants compared with, lists expanded */
	size_t n_vals;
	/* Non-NULL: the comparison holds more than field, op and values say (a
	 * transformer, a field on the right, a regex, a pmatch prefix set); why. */
	const char *opaque;
};
/*
 * The condition of rule `rule` (index as for rules_engine_rule) as it stands
 * for events of type `evttype` (Falco name): evt.type checks are folded to
 * true/false and constants folded away. Engine-owned, valid until the engine
 * is freed. Returns 0, -EINVAL for an unknown event type, -ENOENT when the
 * rule is not compiled and enabled, -ENOMEM.
 */
int rules_rule_condition(struct rules_engine *e, size_t rule, const char *evttype,
			 const struct rules_cond **out);

/* The field table, for `palisade fields` and the docs. */
struct rules_field_info {
	const char *name;
	const char *type;  /* "string", "int64", "uint64", "bool", ... */
	const char *desc;
	const char *arg;   /* NULL, or how the field takes an argument */
	const char *needs; /* NULL: available now; else what provides it */
	const char *sources; /* the event sources it describes: "syscall", "flow", "syscall flow" */
};
size_t rules_field_count(void);
const struct rules_field_info *rules_field(size_t i);

/* Entry points for main.c. */
int rules_cli_main(int argc, char **argv);  /* palisade rules check|list */
int fields_cli_main(int argc, char **argv); /* palisade fields */

#endif
