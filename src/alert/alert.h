/*
 * alert/: an alert as data, from the rule match (or a back-end's own report)
 * until a sink renders it. Owns the owned copy of a match (struct alert: one
 * allocation, valid after the engine's buffers are reused), the result of the
 * action its rule asked for (struct alert_action), and the one rendering to
 * Falco's JSON: hostname, output, output_fields, priority, rule, source,
 * tags, time, and palisade's extra keys `palisade_action` (one action) or
 * `palisade_playbook` (a list of steps, each in palisade_action's shape)
 * (docs/alerts.md, docs/response.md).
 *
 * Must not touch: sinks, the engine's internals (rules.h only), I/O.
 * Threads: an alert belongs to one thread at a time; the caller hands it on.
 */
#ifndef PALISADE_ALERT_H
#define PALISADE_ALERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules/rules.h"

#define ALERT_ACTION_EXTRA_MAX 6
#define ALERT_NA "<NA>"

/*
 * What the rule's action did about the alert, rendered as the alert's
 * "palisade_action" object: type, backend, mode, outcome, detail, then the
 * back-end's own members (extra[]). The const char * members are static
 * strings; alert_set_action copies the rest.
 */
struct alert_action {
	const char *type;    /* "kill", "deny", "pause", "stop" */
	const char *backend; /* "exec-kernel", "fanotify", "cgroup-net", "container", ... */
	const char *mode;    /* "enforce", or "audit" (nothing is done) */
	const char *outcome; /* action_outcome_name(): "done", "served in kernel", ... */
	char detail[256];    /* what was done, or why not */
	struct alert_action_extra {
		const char *key; /* static */
		const char *str; /* copied; NULL: the number below */
		int64_t num;
		bool boolean; /* num is a truth value */
	} extra[ALERT_ACTION_EXTRA_MAX];
	size_t n_extra;
};

/* A notify step's route: this output gets the alert whatever its
 * min_priority, at `priority` (-1: the alert's own). */
struct alert_route {
	char sink[64];
	int priority;
};

struct alert {
	uint64_t time_ns; /* wall clock, ns since the epoch */
	enum rules_priority priority;
	const char *rule, *source, *output, *hostname; /* never NULL */
	const char *const *tags;
	size_t n_tags;
	const struct rules_value *fields; /* output_fields, in the format's order */
	size_t n_fields;
	/* What sinks index by (syslog structured data), as output_fields show
	 * them: container.id (12 characters, "host" for host processes),
	 * container.name ("host"), container.image; ALERT_NA where the JSON has
	 * null. From the event's container, or else from the fields. */
	const char *container_id;
	const char *container_name, *container_image;
	uint32_t pid; /* host pid of the process, 0 if none */
	const char *undecided; /* NULL; or why the rule fired without a decision (docs/rules.md) */
	unsigned json_omit;    /* RULES_JSON_NO_*: keys the configuration leaves out */
	const struct alert_action *action; /* NULL: the rule asked for no action */
	/* A rule whose action is a list or a playbook: each step's result, in
	 * order ("palisade_playbook"; action stays NULL). playbook: its name,
	 * NULL for a list written in the rule. */
	bool is_playbook;
	const char *playbook;
	const struct alert_action *steps;
	size_t n_steps;
	const struct alert_route *routes; /* notify steps that were carried out */
	size_t n_routes;
};

/* An owned copy of a rule match (the engine's buffers are reused at the
 * next event), or of an alert a back-end reports on its own (a deny seen
 * only in the kernel, a->ev NULL: the container comes from the fields).
 * NULL when out of memory. */
struct alert *alert_from_rules(const struct rules_alert *a);
/* Attaches (a copy of) what the rule's action did. 0 or -ENOMEM. */
int alert_set_action(struct alert *al, const struct alert_action *act);
/* A playbook's run: marks the alert as one (name NULL: a list written in the
 * rule), then each step's result in order (at most RULES_ACTION_STEPS_MAX:
 * -ENOSPC). 0 or a negative errno. */
int alert_set_playbook(struct alert *al, const char *name);
int alert_add_step(struct alert *al, const struct alert_action *act);
/* A notify step: output `sink` gets this alert at `priority` (-1: its own). */
int alert_add_route(struct alert *al, const char *sink, int priority);
void alert_free(struct alert *al);

/* The alert as one line of Falco's JSON, without a newline (malloc'd; NULL
 * when out of memory). */
char *alert_to_json(const struct alert *al);

#endif
