/* The `scope` of an action: host, containers, or containers whose image,
 * name or label match fnmatch patterns (all given patterns must match). */
#include <fnmatch.h>

#include "action/internal.h"

enum scope_verdict action_scope_check(const struct rules_action_spec *s,
				      const struct container_info *c)
{
	const char *label;

	switch (s->where) {
	case RULES_SCOPE_ALL:
		return SCOPE_IN;
	case RULES_SCOPE_HOST:
		return c ? SCOPE_OUT : SCOPE_IN;
	case RULES_SCOPE_CONTAINERS:
		break;
	}
	if (!c)
		return SCOPE_OUT;
	if (!s->image_glob && !s->name_glob && !s->label_key)
		return SCOPE_IN;
	if (!c->has_metadata)
		return SCOPE_UNKNOWN;
	if (s->image_glob && fnmatch(s->image_glob, c->image, 0))
		return SCOPE_OUT;
	if (s->name_glob && fnmatch(s->name_glob, c->name, 0))
		return SCOPE_OUT;
	if (s->label_key) {
		label = container_info_label(c, s->label_key);
		if (!label || fnmatch(s->label_glob, label, 0))
			return SCOPE_OUT;
	}
	return SCOPE_IN;
}
