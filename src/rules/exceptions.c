/*
 * Rule exceptions (Falco's `exceptions:` key) turned into condition AST:
 *
 *   fields: [f1, f2], comps: [=, in], values: [[a, [b, c]], ...]
 *     -> not ((f1 = a and f2 in (b, c)) or ...)
 *   fields: f, comps: in (the default for one field), values: [a, b]
 *     -> not (f in (a, b))
 *
 * Values are YAML nodes; a value naming a list expands to its items, as in
 * a condition. Problems are reported at the YAML node they come from.
 */
#include <errno.h>
#include <string.h>

#include "rules/rules_internal.h"

static bool is_list_op(enum rl_op op)
{
	return op == OP_IN || op == OP_INTERSECTS || op == OP_PMATCH;
}

static struct rl_text *text_of(struct rl_arena *a, const struct rl_ynode *n)
{
	struct rl_text *t = rl_alloc(a, sizeof(*t));

	if (!t)
		return NULL;
	t->segs = rl_alloc(a, sizeof(*t->segs));
	if (!t->segs)
		return NULL;
	t->s = n->text ? n->text : "";
	t->len = strlen(t->s);
	t->segs[0].node = n;
	t->segs[0].len = t->len;
	t->n_segs = 1;
	return t;
}

static struct rl_ast *bin(struct rl_arena *a, enum rl_ast_kind k, struct rl_ast *l,
			  struct rl_ast *r)
{
	struct rl_ast *n;

	if (!l)
		return r;
	if (!r)
		return l;
	n = rl_alloc(a, sizeof(*n));
	if (n) {
		n->kind = k;
		n->a = l;
		n->b = r;
		n->src = l->src;
	}
	return n;
}

static bool add_val(struct rl_arena *a, struct rl_vec *v, const struct rl_ynode *n)
{
	struct rl_aval *av = rl_alloc(a, sizeof(*av));

	if (!av)
		return false;
	av->s = n->text;
	return !rl_vec_push(a, v, av);
}

/* One comparison: field op value, where value is a scalar or a sequence. */
static struct rl_ast *cmp(struct rl_compiler *cc, const char *field, enum rl_op op,
			  const struct rl_ynode *val)
{
	struct rl_ast *n = rl_alloc(cc->a, sizeof(*n));
	struct rl_vec vals = { 0 };

	if (!n)
		return NULL;
	n->kind = AST_CMP;
	n->src = text_of(cc->a, val);
	n->lhs.field = (char *)field;
	n->op = op;
	n->rhs_is_list = is_list_op(op);
	if (val->kind == YN_SEQ) {
		if (!n->rhs_is_list) {
			rl_diag(cc->ds, true, val->pos,
				"exception value is a list but the comparison '%s' takes one value",
				rl_op_name(op));
			return NULL;
		}
		for (size_t i = 0; i < val->n_kids; i++) {
			if (val->kids[i]->kind != YN_SCALAR) {
				rl_diag(cc->ds, true, val->kids[i]->pos, "exception values must be strings");
				return NULL;
			}
			if (!add_val(cc->a, &vals, val->kids[i]))
				return NULL;
		}
	} else if (val->kind == YN_SCALAR) {
		if (op != OP_EXISTS && !add_val(cc->a, &vals, val))
			return NULL;
	} else {
		rl_diag(cc->ds, true, val->pos, "exception values must be strings or lists");
		return NULL;
	}
	n->vals = rl_alloc(cc->a, (vals.n + 1) * sizeof(*n->vals));
	if (!n->vals)
		return NULL;
	for (size_t i = 0; i < vals.n; i++)
		n->vals[i] = *(struct rl_aval *)vals.v[i];
	n->n_vals = vals.n;
	return n;
}

static bool check_field(struct rl_compiler *cc, const struct rl_ynode *f)
{
	struct rl_field_ref ref;
	const char *sugg, *why;
	int ret;

	if (f->kind != YN_SCALAR) {
		rl_diag(cc->ds, true, f->pos, "exception fields must be field names");
		return false;
	}
	ret = rl_field_resolve(cc->a, f->text, strlen(f->text), &ref, &sugg, &why);
	if (!ret)
		return true;
	if (ret == -ENOENT && sugg)
		rl_diag(cc->ds, true, f->pos, "unknown field '%s' in exception; did you mean '%s'?",
			f->text, sugg);
	else if (ret == -ENOENT)
		rl_diag(cc->ds, true, f->pos, "unknown field '%s' in exception", f->text);
	else
		rl_diag(cc->ds, true, f->pos, "field '%s': %s", f->text, why);
	return false;
}

static bool parse_comp(struct rl_compiler *cc, const struct rl_ynode *n, enum rl_op *op)
{
	if (n->kind != YN_SCALAR || rl_op_parse(n->text, op)) {
		rl_diag(cc->ds, true, n->pos, "unknown comparison operator '%s' in exception",
			n->kind == YN_SCALAR ? n->text : "?");
		return false;
	}
	return true;
}

static struct rl_ast *one_exception(struct rl_compiler *cc, const struct rl_exception *e)
{
	const struct rl_ynode *fields = e->fields, *comps = e->comps;
	struct rl_ast *any = NULL;

	if (fields->kind == YN_SCALAR) {
		enum rl_op op = OP_IN;
		struct rl_ynode list = { 0 };

		if (!check_field(cc, fields))
			return NULL;
		if (comps && !parse_comp(cc, comps, &op))
			return NULL;
		if (!e->values.n)
			return NULL;
		if (!is_list_op(op)) {
			for (size_t i = 0; i < e->values.n; i++)
				any = bin(cc->a, AST_OR, any, cmp(cc, fields->text, op, e->values.v[i]));
			return any;
		}
		/* All values form one list. */
		list.kind = YN_SEQ;
		list.pos = ((const struct rl_ynode *)e->values.v[0])->pos;
		list.kids = (struct rl_ynode **)e->values.v;
		list.n_kids = e->values.n;
		struct rl_ynode *copy = rl_alloc(cc->a, sizeof(*copy));
		if (!copy)
			return NULL;
		*copy = list;
		return cmp(cc, fields->text, op, copy);
	}
	if (fields->kind != YN_SEQ || !fields->n_kids) {
		rl_diag(cc->ds, true, fields->pos, "exception '%s': 'fields' must be a field or a list of fields",
			e->name);
		return NULL;
	}
	if (comps && (comps->kind != YN_SEQ || comps->n_kids != fields->n_kids)) {
		rl_diag(cc->ds, true, comps->pos,
			"exception '%s': 'comps' must list one operator per field (%zu)", e->name,
			fields->n_kids);
		return NULL;
	}
	enum rl_op ops[32];
	if (fields->n_kids > 32) {
		rl_diag(cc->ds, true, fields->pos, "exception '%s': too many fields", e->name);
		return NULL;
	}
	for (size_t i = 0; i < fields->n_kids; i++) {
		ops[i] = OP_EQ;
		if (!check_field(cc, fields->kids[i]) || (comps && !parse_comp(cc, comps->kids[i], &ops[i])))
			return NULL;
	}
	for (size_t v = 0; v < e->values.n; v++) {
		const struct rl_ynode *tuple = e->values.v[v];
		struct rl_ast *all = NULL;

		if (tuple->kind != YN_SEQ || tuple->n_kids != fields->n_kids) {
			rl_diag(cc->ds, true, tuple->pos,
				"exception '%s': each value must list %zu items, one per field", e->name,
				fields->n_kids);
			return NULL;
		}
		for (size_t i = 0; i < fields->n_kids; i++) {
			struct rl_ast *c = cmp(cc, fields->kids[i]->text, ops[i], tuple->kids[i]);

			if (!c)
				return NULL;
			all = bin(cc->a, AST_AND, all, c);
		}
		any = bin(cc->a, AST_OR, any, all);
	}
	return any;
}

struct rl_ast *rl_exceptions_ast(struct rl_compiler *cc, struct rl_rule_def *r)
{
	struct rl_ast *any = NULL;

	for (size_t i = 0; i < r->exceptions.n; i++)
		any = bin(cc->a, AST_OR, any, one_exception(cc, r->exceptions.v[i]));
	return any;
}
