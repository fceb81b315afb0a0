/*
 * An alert as Falco's JSON: hostname, output, output_fields (typed), priority,
 * rule, source, tags, time (RFC 3339, nanoseconds, UTC), the keys tools
 * behind falcosidekick read (they ignore others); then palisade's extra keys:
 * host_id and agent_version, undecided, and, when the rule asked for an
 * action, "palisade_action", or for a list of actions "palisade_playbook"
 * (docs/alerts.md, docs/response.md).
 */
#include <jansson.h>

#include "alert/alert.h"
#include "event/event.h"

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

static json_t *action_json(const struct alert_action *act)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	json_object_set_new(o, "type", json_string(act->type ? act->type : ""));
	json_object_set_new(o, "backend", json_string(act->backend ? act->backend : "none"));
	json_object_set_new(o, "mode", json_string(act->mode ? act->mode : ""));
	json_object_set_new(o, "outcome", json_string(act->outcome ? act->outcome : ""));
	json_object_set_new(o, "detail", json_string(act->detail));
	for (size_t i = 0; i < act->n_extra; i++)
		json_object_set_new(o, act->extra[i].key,
				    act->extra[i].str	  ? json_string(act->extra[i].str)
				    : act->extra[i].boolean ? json_boolean(act->extra[i].num)
							    : json_integer(act->extra[i].num));
	return o;
}

/* {"name": ..., "steps": [palisade_action, ...]} (no name: a list in the rule). */
static json_t *playbook_json(const struct alert *al)
{
	json_t *o = json_object(), *steps = json_array();

	if (!o || !steps) {
		json_decref(o);
		json_decref(steps);
		return NULL;
	}
	if (al->playbook)
		json_object_set_new(o, "name", json_string(al->playbook));
	for (size_t i = 0; i < al->n_steps; i++)
		json_array_append_new(steps, action_json(&al->steps[i]));
	json_object_set_new(o, "steps", steps);
	return o;
}

char *alert_to_json(const struct alert *al)
{
	json_t *o = json_object(), *fields = json_object(), *tags = json_array();
	char when[48];
	char *out = NULL;

	if (!o || !fields || !tags)
		goto cleanup;
	event_time_format(al->time_ns, EVENT_TIME_RFC3339_NS, when, sizeof(when));
	for (size_t i = 0; i < al->n_fields; i++)
		json_object_set_new(fields, al->fields[i].field, value_json(&al->fields[i]));
	for (size_t i = 0; i < al->n_tags; i++)
		json_array_append_new(tags, json_string(al->tags[i]));
	json_object_set_new(o, "hostname", json_string(al->hostname));
	if (!(al->json_omit & RULES_JSON_NO_OUTPUT))
		json_object_set_new(o, "output", json_string(al->output));
	json_object_set_new(o, "output_fields", fields);
	json_object_set_new(o, "priority", json_string(rules_priority_name(al->priority)));
	json_object_set_new(o, "rule", json_string(al->rule));
	json_object_set_new(o, "source", json_string(al->source));
	if (!(al->json_omit & RULES_JSON_NO_TAGS))
		json_object_set_new(o, "tags", tags);
	else
		json_decref(tags);
	json_object_set_new(o, "time", json_string(when));
	/* palisade's extras: which machine and agent (a fleet's consumers tell
	 * hosts apart by it; docs/fleet.md), and a rule fired without a
	 * decision (docs/rules.md). */
	json_object_set_new(o, "host_id", json_string(rules_host_id()));
	json_object_set_new(o, "agent_version", json_string(rules_agent_version()));
	if (al->undecided)
		json_object_set_new(o, "undecided", json_string(al->undecided));
	fields = tags = NULL;
	if (al->action)
		json_object_set_new(o, "palisade_action", action_json(al->action));
	if (al->is_playbook)
		json_object_set_new(o, "palisade_playbook", playbook_json(al));
	out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
cleanup:
	json_decref(fields);
	json_decref(tags);
	json_decref(o);
	return out;
}
