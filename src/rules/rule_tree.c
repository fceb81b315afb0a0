/*
 * rules_rule_condition(): a rule's compiled condition shown as a read-only
 * tree of field/operator/values (rule_query.c answers the narrower question
 * of which paths a condition confines a field to), for back-ends that decide a rule outside
 * the engine (the cgroup network hooks decide connect/sendmsg rules in the
 * kernel). The tree is the one the engine evaluates for that event type, so
 * a back-end that serves exactly what it shows agrees with the alerts.
 */
#include <errno.h>
#include <string.h>

#include "rules/rules_internal.h"

static void value_of(const struct rl_value *v, struct rules_cond_value *out)
{
	memset(out, 0, sizeof(*out));
	switch (v->t) {
	case FT_STR:
	case FT_BYTES:
		out->s = v->s;
		break;
	case FT_INT:
		out->i = v->i;
		break;
	case FT_IPADDR:
	case FT_IPNET:
		memcpy(out->ip, v->ip, sizeof(out->ip));
		out->ip_len = v->ip_len;
		out->prefix = v->prefix;
		break;
	default:
		out->u = v->u;
	}
}

static int cmp_values(struct rl_arena *a, const struct rl_ccmp *c, struct rules_cond *out)
{
	struct rules_cond_value *vals;
	size_t n = 1;

	if (c->op == OP_EXISTS)
		return 0;
	if (c->set)
		n = rl_strset_items(c->set, NULL, 0);
	else if (c->vals)
		n = c->n_vals;
	vals = rl_alloc(a, (n + 1) * sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	if (c->set) {
		const char **strs = rl_alloc(a, (n + 1) * sizeof(*strs));

		if (!strs)
			return -ENOMEM;
		rl_strset_items(c->set, strs, n);
		for (size_t i = 0; i < n; i++)
			vals[i].s = strs[i];
	} else if (c->vals) {
		for (size_t i = 0; i < n; i++)
			value_of(&c->vals[i], &vals[i]);
	} else {
		value_of(&c->val, &vals[0]);
	}
	out->vals = vals;
	out->n_vals = n;
	return 0;
}

static const struct rules_cond *convert(struct rl_arena *a, const struct rl_cnode *n)
{
	struct rules_cond *out = rl_alloc(a, sizeof(*out));
	const struct rules_cond **kids;
	const struct rl_ccmp *c;

	if (!out)
		return NULL;
	switch (n->kind) {
	case CN_TRUE:
		out->kind = RULES_COND_TRUE;
		return out;
	case CN_FALSE:
	case CN_EVTTYPE: /* folded away for a given type; never reached */
		out->kind = RULES_COND_FALSE;
		return out;
	case CN_AND:
	case CN_OR:
	case CN_NOT:
		out->kind = n->kind == CN_AND ? RULES_COND_AND :
			    n->kind == CN_OR  ? RULES_COND_OR : RULES_COND_NOT;
		kids = rl_alloc(a, (n->n_kids + 1) * sizeof(*kids));
		if (!kids)
			return NULL;
		for (size_t i = 0; i < n->n_kids; i++)
			if (!(kids[i] = convert(a, n->kids[i])))
				return NULL;
		out->kids = kids;
		out->n_kids = n->n_kids;
		return out;
	case CN_CMP:
		break;
	}
	c = n->cmp;
	out->kind = RULES_COND_CMP;
	out->field = c->lhs.ref.text;
	out->type = rl_ftype_name(c->lhs.type);
	out->op = rl_op_name(c->op);
	if (c->lhs.n_tr)
		out->opaque = "the field is transformed (tolower, b64, ...)";
	else if (c->rhs)
		out->opaque = "compares with another field";
	else if (c->regex)
		out->opaque = "a regular expression";
	else if (c->paths)
		out->opaque = "a pmatch prefix set";
	if (!out->opaque && cmp_values(a, c, out))
		return NULL;
	return out;
}

int rules_rule_condition(struct rules_engine *e, size_t rule, const char *evttype,
			 const struct rules_cond **out)
{
	struct rl_arena *a = rl_engine_arena(e);
	const struct rules_rule_info *info = rules_engine_rule(e, rule);
	struct rl_cnode *cond, *spec;
	int t = rl_evttype_id(evttype);

	if (t < 0)
		return -EINVAL;
	/* The tree is read only; rl_cnode_for_type copies what it changes. */
	cond = (struct rl_cnode *)rl_engine_rule_cond(e, rule);
	if (!cond || !info || !info->enabled)
		return -ENOENT;
	spec = rl_cnode_for_type(a, cond, t);
	if (!spec)
		return -ENOMEM;
	*out = convert(a, spec);
	return *out ? 0 : -ENOMEM;
}
