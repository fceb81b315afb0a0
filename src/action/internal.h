/* Shared by the files of src/action/ only. */
#ifndef PALISADE_ACTION_INTERNAL_H
#define PALISADE_ACTION_INTERNAL_H

#include "action/action.h"

/* One action record: what was asked, of whom, and what came of it. Copied
 * (not pointing into the engine) so that it outlives a reload. */
struct action_record {
	char rule[256];
	char tags[256]; /* the rule's tags, comma-separated */
	enum rules_priority priority;
	enum rules_action type;
	const char *backend; /* static */
	uint64_t time_ns;
	char hostname[128];
	uint32_t pid;
	char exepath[256];
	char container_id[CONTAINER_ID_LEN + 1]; /* "": host */
	char container_name[128];
	char container_image[128];
	struct action_result res;
};

/* Falco-schema JSON (source "palisade", rule "RULE (action)"); caller frees. */
char *action_record_json(const struct action_record *r);

enum scope_verdict { SCOPE_IN, SCOPE_OUT, SCOPE_UNKNOWN };
/* Is this container (NULL: host) within the action's scope? UNKNOWN when a
 * pattern needs metadata the engine has not given yet. */
enum scope_verdict action_scope_check(const struct rules_action_spec *s,
				      const struct container_info *c);

#endif
