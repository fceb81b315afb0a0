/*
 * An action record: Falco's alert schema (hostname, output, output_fields,
 * priority, rule, source, tags, time), so that every sink and every tool
 * behind falcosidekick takes it like an alert. Its source is "palisade" and
 * its rule "<rule> (action)", so it is never mistaken for the alert itself.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "action/internal.h"

static const char *const outcome_names[] = {
	[ACTION_DONE] = "done",
	[ACTION_IN_KERNEL] = "served in kernel",
	[ACTION_WOULD_HAVE] = "would-have",
	[ACTION_REFUSED_SAFETY] = "refused-by-safety",
	[ACTION_FAILED] = "failed",
	[ACTION_MISSED] = "missed",
};

const char *action_outcome_name(enum action_outcome o)
{
	return (unsigned)o < ACTION_OUTCOME_MAX ? outcome_names[o] : "unknown";
}

static json_t *tags_json(const char *csv)
{
	json_t *a = json_array();
	char buf[256], *save = NULL, *t;

	if (!a)
		return NULL;
	snprintf(buf, sizeof(buf), "%s", csv);
	for (t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
		json_array_append_new(a, json_string(t));
	json_array_append_new(a, json_string("palisade_action"));
	return a;
}

char *action_record_json(const struct action_record *r)
{
	json_t *o = json_object(), *f = json_object();
	const char *action = rules_action_name(r->type);
	char outcome[300], output[1024], when[64];
	time_t s = (time_t)(r->time_ns / 1000000000ull);
	struct tm tm;
	char *out = NULL;

	if (!o || !f)
		goto cleanup;
	if (r->res.outcome == ACTION_FAILED || r->res.outcome == ACTION_MISSED)
		snprintf(outcome, sizeof(outcome), "%s: %s", action_outcome_name(r->res.outcome),
			 r->res.detail);
	else
		snprintf(outcome, sizeof(outcome), "%s", action_outcome_name(r->res.outcome));
	gmtime_r(&s, &tm);
	snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02d.%09lluZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned long long)(r->time_ns % 1000000000ull));
	snprintf(output, sizeof(output), "%02d:%02d:%02d.%09llu: %s action %s (rule %s) on pid %u%s%s: %s (%s)",
		 tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned long long)(r->time_ns % 1000000000ull),
		 rules_priority_name(r->priority), action, r->rule, r->pid,
		 r->container_id[0] ? " in container " : "", r->container_id, outcome, r->res.detail);
	json_object_set_new(f, "action", json_string(action));
	json_object_set_new(f, "outcome", json_string(outcome));
	json_object_set_new(f, "detail", json_string(r->res.detail));
	json_object_set_new(f, "backend", json_string(r->backend ? r->backend : "none"));
	json_object_set_new(f, "proc.pid", json_integer(r->pid));
	json_object_set_new(f, "proc.exepath", json_string(r->exepath));
	json_object_set_new(f, "container.id", json_string(r->container_id[0] ? r->container_id
									      : "host"));
	json_object_set_new(f, "container.name", json_string(r->container_name));
	json_object_set_new(f, "container.image", json_string(r->container_image));
	json_object_set_new(o, "hostname", json_string(r->hostname));
	json_object_set_new(o, "output", json_string(output));
	json_object_set_new(o, "output_fields", f);
	f = NULL;
	json_object_set_new(o, "priority", json_string(rules_priority_name(r->priority)));
	snprintf(output, sizeof(output), "%s (action)", r->rule);
	json_object_set_new(o, "rule", json_string(output));
	json_object_set_new(o, "source", json_string("palisade"));
	json_object_set_new(o, "tags", tags_json(r->tags));
	json_object_set_new(o, "time", json_string(when));
	json_object_set_new(o, "host_id", json_string(rules_host_id()));
	json_object_set_new(o, "agent_version", json_string(rules_agent_version()));
	out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
cleanup:
	json_decref(f);
	json_decref(o);
	return out;
}
