/*
 * Which fields a compiled rule reads: lets the agent ask the sensors for
 * data only when some rule needs it (the caller's raw path of a successful
 * open costs a string copy per event, so it is sent only for fd.nameraw and
 * evt.rawarg).
 */
#include <string.h>

#include "rules/rules_internal.h"

static bool is_field(const struct rl_cfexpr *f, const char *name)
{
	return f && f->ref.def && !strcmp(f->ref.def->name, name);
}

bool rl_cnode_uses_field(const struct rl_cnode *n, const char *name)
{
	if (!n)
		return false;
	if (n->kind == CN_CMP && n->cmp &&
	    (is_field(&n->cmp->lhs, name) || is_field(n->cmp->rhs, name)))
		return true;
	for (size_t i = 0; i < n->n_kids; i++)
		if (rl_cnode_uses_field(n->kids[i], name))
			return true;
	return false;
}

bool rl_format_uses_field(const struct rl_format *f, const char *name)
{
	for (size_t i = 0; i < f->n_fields; i++)
		if (is_field(&f->fields[i], name))
			return true;
	for (size_t i = 0; i < f->n_extra; i++) /* append_output's named fields */
		if (rl_format_uses_field(&f->extra[i].fmt, name))
			return true;
	return false;
}
