/*
 * What the network back-end adds to the alert stream: the "palisade_action"
 * key on alerts of the rules it serves (enforced: did the kernel deny the
 * call; audit: it would have), in Falco's schema plus one extra key, which
 * Falco-schema consumers ignore.
 */
#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "action/netpolicy.h"

char *netpolicy_action_json(const char *json, const char *mode, const char *outcome)
{
	json_t *o = json_loads(json, 0, NULL), *act = json_object();
	char *out = NULL;

	if (!o || !act || !json_is_object(o))
		goto cleanup;
	json_object_set_new(act, "type", json_string("deny"));
	json_object_set_new(act, "backend", json_string("cgroup-net"));
	json_object_set_new(act, "mode", json_string(mode));
	json_object_set_new(act, "outcome", json_string(outcome));
	json_object_set_new(o, "palisade_action", act);
	act = NULL;
	out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
cleanup:
	json_decref(act);
	json_decref(o);
	return out;
}
