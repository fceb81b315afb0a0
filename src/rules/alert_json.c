/*
 * An alert as Falco's JSON: hostname, output, output_fields (typed), priority,
 * rule, source, tags, time (RFC 3339, nanoseconds, UTC). Tools behind
 * falcosidekick read exactly these keys and ignore others; palisade adds
 * host_id and agent_version at the top level (its container context is in
 * output_fields).
 */
#include <jansson.h>
#include <stdio.h>
#include <time.h>

#include "rules/rules_internal.h"

static json_t *value_json(const struct rules_value *v)
{
	switch (v->kind) {
	case RULES_VAL_STRING:
		return json_string(v->s);
	case RULES_VAL_INT:
		return json_integer(v->i);
	case RULES_VAL_UINT:
		return json_integer((json_int_t)v->u);
	case RULES_VAL_BOOL:
		return json_boolean(v->b);
	default:
		return json_null();
	}
}

char *rules_alert_to_json(const struct rules_alert *a)
{
	json_t *o = json_object(), *fields = json_object(), *tags = json_array();
	char when[64];
	time_t s = (time_t)(a->time_ns / 1000000000ull);
	struct tm tm;
	char *out = NULL;

	if (!o || !fields || !tags)
		goto cleanup;
	gmtime_r(&s, &tm);
	snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02d.%09lluZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned long long)(a->time_ns % 1000000000ull));
	for (size_t i = 0; i < a->n_fields; i++)
		json_object_set_new(fields, a->fields[i].field, value_json(&a->fields[i]));
	for (size_t i = 0; i < a->rule->n_tags; i++)
		json_array_append_new(tags, json_string(a->rule->tags[i]));
	json_object_set_new(o, "hostname", json_string(a->hostname ? a->hostname : ""));
	if (!(a->json_omit & RULES_JSON_NO_OUTPUT))
		json_object_set_new(o, "output", json_string(a->output));
	json_object_set_new(o, "output_fields", fields);
	json_object_set_new(o, "priority", json_string(rules_priority_name(a->rule->priority)));
	json_object_set_new(o, "rule", json_string(a->rule->name));
	json_object_set_new(o, "source", json_string(a->rule->source));
	if (!(a->json_omit & RULES_JSON_NO_TAGS))
		json_object_set_new(o, "tags", tags);
	else
		json_decref(tags);
	json_object_set_new(o, "time", json_string(when));
	/* palisade's extras: which machine and agent (a fleet's consumers tell
	 * hosts apart by it; docs/fleet.md), and a rule fired without a
	 * decision (docs/rules.md). */
	json_object_set_new(o, "host_id", json_string(rules_host_id()));
	json_object_set_new(o, "agent_version", json_string(rules_agent_version()));
	if (a->undecided)
		json_object_set_new(o, "undecided", json_string(a->undecided));
	fields = tags = NULL;
	out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
cleanup:
	json_decref(fields);
	json_decref(tags);
	json_decref(o);
	return out;
}
