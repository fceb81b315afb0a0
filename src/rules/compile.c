/*
 * AST to evaluation tree: macros expanded (inlined, compiled per use so
 * each use is independent), fields resolved against the field table,
 * operators checked against field types, lists expanded (recursively) and
 * turned into hash sets or prefix sets, regexes compiled once with PCRE2,
 * evt.type comparisons turned into event-type bitsets (which also gives the
 * rule index, as in Falco).
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <errno.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/field_ids.h"

#define LIST_DEPTH_MAX 16

static struct rl_pos pos_of(const struct rl_ast *n, size_t off)
{
	return rl_text_pos(n->src, off);
}

static struct rl_cnode *cnode(struct rl_compiler *cc, enum rl_cnode_kind k)
{
	struct rl_cnode *n = rl_alloc(cc->a, sizeof(*n));

	if (n)
		n->kind = k;
	return n;
}

static bool op_ok_for(enum rl_op op, enum rl_ftype t)
{
	switch (t) {
	case FT_STR:
		return true;
	case FT_BYTES:
		return op == OP_EQ || op == OP_NE || op == OP_CONTAINS || op == OP_BCONTAINS ||
		       op == OP_STARTSWITH || op == OP_BSTARTSWITH || op == OP_EXISTS ||
		       op == OP_IN || op == OP_INTERSECTS;
	case FT_INT:
	case FT_UINT:
	case FT_ABSTIME:
	case FT_RELTIME:
		return op <= OP_GE || op == OP_IN || op == OP_INTERSECTS || op == OP_EXISTS;
	case FT_BOOL:
		return op == OP_EQ || op == OP_NE || op == OP_IN || op == OP_EXISTS;
	case FT_IPADDR:
	case FT_IPNET:
		return op == OP_EQ || op == OP_NE || op == OP_IN || op == OP_INTERSECTS ||
		       op == OP_EXISTS;
	}
	return false;
}

static const char *suggest_name(struct rl_compiler *cc, const char *name)
{
	const char *best = NULL;
	unsigned best_d = 3;

	for (size_t i = 0; i < cc->coll->macros.n; i++) {
		const struct rl_macro_def *m = cc->coll->macros.v[i];
		unsigned d = rl_edit_distance(name, m->name);

		if (d < best_d) {
			best_d = d;
			best = m->name;
		}
	}
	return best;
}

/* Resolves a field with its transformers; reports problems at its position. */
static bool compile_fexpr(struct rl_compiler *cc, const struct rl_ast *n,
			  const struct rl_fexpr *f, struct rl_cfexpr *out)
{
	const char *sugg, *why;
	int ret = rl_field_resolve(cc->a, f->field, strlen(f->field), &out->ref, &sugg, &why);

	if (ret == -ENOENT) {
		cc->unknown_field_seen = true;
		if (cc->quiet_unknown)
			return false;
		if (sugg)
			rl_diag(cc->ds, true, pos_of(n, f->pos), "unknown field '%s'; did you mean '%s'?",
				f->field, sugg);
		else
			rl_diag(cc->ds, true, pos_of(n, f->pos),
				"unknown field '%s' (see `palisade fields`)", f->field);
		return false;
	}
	if (!ret && (why = rl_field_source_error(cc, out->ref.def)))
		ret = -EINVAL;
	if (ret) {
		rl_diag(cc->ds, true, pos_of(n, f->pos), "field '%s': %s", f->field, why);
		return false;
	}
	if (!out->ref.def->extract && cc->unavailable) {
		bool seen = false;

		for (size_t i = 0; i < cc->unavailable->n && !seen; i++)
			seen = cc->unavailable->v[i] == out->ref.def;
		if (!seen)
			rl_vec_push(cc->a, cc->unavailable, (void *)out->ref.def);
	}
	out->type = out->ref.def->type;
	for (unsigned i = 0; i < f->n_tr; i++) {
		if (out->type != FT_STR && out->type != FT_BYTES) {
			rl_diag(cc->ds, true, pos_of(n, f->pos),
				"type mismatch: transformer applied to '%s' needs a string, the field is %s",
				f->field, rl_ftype_name(out->type));
			return false;
		}
		out->tr[i] = f->tr[i];
		out->type = f->tr[i] == TR_LEN ? FT_UINT : FT_STR;
	}
	out->n_tr = f->n_tr;
	return true;
}

/* Collects the values of a list operand, expanding list names recursively. */
static int expand_value(struct rl_compiler *cc, const char *v, bool quoted, struct rl_vec *out,
			unsigned depth, struct rl_pos at)
{
	struct rl_list_def *l = quoted ? NULL : rl_find_list(cc->coll, v);

	if (!l) {
		if (!quoted)
			rl_list_hint(cc, v, at);
		/* Nested lists that name the same list several times multiply. */
		if (out->n >= RL_LIST_VALUES_MAX || cc->total_values >= RL_TOTAL_LIST_VALUES_MAX)
			return -E2BIG;
		cc->total_values++;
		return rl_vec_push(cc->a, out, (void *)v);
	}
	if (depth >= LIST_DEPTH_MAX)
		return -ELOOP;
	l->used = true;
	for (size_t i = 0; i < l->items.n; i++) {
		const struct rl_ynode *item = l->items.v[i];
		const char *t = item->text;
		size_t len = strlen(t);
		int ret;

		/* Falco splices list items into the condition text, so an item
		 * written '"10.0.0.0/8"' is a quoted value there: unquote it. */
		if (len >= 2 && (t[0] == '"' || t[0] == '\'') && t[len - 1] == t[0]) {
			char *u = rl_alloc(cc->a, len);
			size_t k = 0;

			if (!u)
				return -ENOMEM;
			for (size_t j = 1; j + 1 < len; j++) {
				if (t[j] == '\\' && j + 2 < len && (t[j + 1] == t[0] || t[j + 1] == '\\'))
					j++;
				u[k++] = t[j];
			}
			ret = rl_vec_push(cc->a, out, u);
		} else {
			ret = expand_value(cc, t, false, out, depth + 1, item->pos);
		}

		if (ret)
			return ret;
	}
	return 0;
}

static bool hex_decode(struct rl_arena *a, const char *s, struct rl_value *out)
{
	size_t len = strlen(s);
	char *b;

	if (len % 2)
		return false;
	b = rl_alloc(a, len / 2 + 1);
	if (!b)
		return false;
	for (size_t i = 0; i < len; i += 2) {
		char hex[3] = { s[i], s[i + 1], 0 };

		if (!isxdigit((unsigned char)s[i]) || !isxdigit((unsigned char)s[i + 1]))
			return false;
		b[i / 2] = (char)strtol(hex, NULL, 16);
	}
	out->t = FT_BYTES;
	out->s = b;
	out->len = len / 2;
	return true;
}

static bool compile_regex(struct rl_compiler *cc, const struct rl_ast *n, const struct rl_aval *v,
			  struct rl_ccmp *c)
{
	int err;
	PCRE2_SIZE eoff;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)v->s, PCRE2_ZERO_TERMINATED,
				       PCRE2_ANCHORED | PCRE2_ENDANCHORED, &err, &eoff, NULL);

	if (!re) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(err, msg, sizeof(msg));
		rl_diag(cc->ds, true, pos_of(n, v->pos), "bad regex '%s': %s at offset %zu", v->s,
			(const char *)msg, (size_t)eoff);
		return false;
	}
	pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* optional speed-up; falls back silently */
	rl_vec_push(cc->a, cc->regexes, re);
	c->regex = re;
	return true;
}

static struct rl_cnode *compile_evttype(struct rl_compiler *cc, const struct rl_ast *n,
					struct rl_vec *vals, const size_t *val_pos)
{
	struct rl_cnode *c = cnode(cc, CN_EVTTYPE);
	bool ok = true;

	if (!c)
		return NULL;
	for (size_t i = 0; i < vals->n; i++) {
		const char *name = vals->v[i];
		int id = rl_evttype_id(name);

		if (id < 0) {
			const char *s = rl_evttype_suggest(name);

			if (s)
				rl_diag(cc->ds, true, pos_of(n, val_pos[i]),
					"unknown event type '%s'; did you mean '%s'?", name, s);
			else
				rl_diag(cc->ds, true, pos_of(n, val_pos[i]), "unknown event type '%s'",
					name);
			ok = false;
			continue;
		}
		rl_evtset_add(&c->evts, id);
	}
	if (!ok)
		return NULL;
	if (n->op == OP_NE) {
		struct rl_cnode *no = cnode(cc, CN_NOT);

		if (!no || !(no->kids = rl_alloc(cc->a, sizeof(*no->kids))))
			return NULL;
		no->kids[0] = c;
		no->n_kids = 1;
		return no;
	}
	return c;
}

/* Is the operator defined on the field's type? */
static bool check_operator(struct rl_compiler *cc, const struct rl_ast *n,
			   const struct rl_ccmp *c)
{
	if (op_ok_for(n->op, c->lhs.type))
		return true;
	rl_diag(cc->ds, true, pos_of(n, n->op_pos),
		"operator '%s' is not supported on field '%s' of type %s", rl_op_name(n->op),
		n->lhs.field, rl_ftype_name(c->lhs.type));
	return false;
}

/* field OP field: both sides are strings, or both are numbers. */
static bool compile_rhs_field(struct rl_compiler *cc, const struct rl_ast *n, struct rl_ccmp *c)
{
	c->rhs = rl_alloc(cc->a, sizeof(*c->rhs));
	if (!c->rhs || !compile_fexpr(cc, n, &n->rhs_field, c->rhs))
		return false;
	bool lnum = c->lhs.type != FT_STR && c->lhs.type != FT_BYTES;
	bool rnum = c->rhs->type != FT_STR && c->rhs->type != FT_BYTES;
	if (lnum != rnum) {
		rl_diag(cc->ds, true, pos_of(n, n->rhs_field.pos),
			"type mismatch: '%s' is %s but '%s' is %s", n->lhs.field,
			rl_ftype_name(c->lhs.type), n->rhs_field.field, rl_ftype_name(c->rhs->type));
		return false;
	}
	return true;
}

/* The values of a comparison, lists expanded; pos[i]: where value i (or
 * the list it came from) is written, for messages. */
struct cmp_values {
	struct rl_vec v;
	size_t *pos;
	size_t cap;
};

/* Says why value i of n could not be expanded (ret from expand_value). */
static void expand_error(struct rl_compiler *cc, const struct rl_ast *n, size_t i, int ret)
{
	if (ret == -ELOOP)
		rl_diag(cc->ds, true, pos_of(n, n->vals[i].pos),
			"list '%s' refers to itself, or nests lists deeper than %d levels",
			n->vals[i].s, LIST_DEPTH_MAX);
	else if (ret == -E2BIG)
		rl_diag(cc->ds, true, pos_of(n, n->vals[i].pos),
			"list '%s' expands to more than %d values (%d for all rules and macros)",
			n->vals[i].s, RL_LIST_VALUES_MAX, RL_TOTAL_LIST_VALUES_MAX);
}

/* Gathers the values, expanding lists (for list operators only). */
static bool gather_values(struct rl_compiler *cc, const struct rl_ast *n, struct cmp_values *out)
{
	*out = (struct cmp_values){ .cap = n->n_vals + 1 };
	out->pos = rl_alloc(cc->a, out->cap * sizeof(*out->pos));
	if (!out->pos)
		return false;
	for (size_t i = 0; i < n->n_vals; i++) {
		size_t before = out->v.n;
		int ret = n->rhs_is_list ? expand_value(cc, n->vals[i].s, n->vals[i].quoted, &out->v,
							0, pos_of(n, n->vals[i].pos)) :
					   rl_vec_push(cc->a, &out->v, n->vals[i].s);

		if (ret) {
			expand_error(cc, n, i, ret);
			return false;
		}
		if (out->v.n + 1 > out->cap) { /* a list expanded: grow geometrically */
			size_t *np = rl_alloc(cc->a, 2 * (out->v.n + 1) * sizeof(*np));
			if (!np)
				return false;
			memcpy(np, out->pos, before * sizeof(*np));
			out->pos = np;
			out->cap = 2 * (out->v.n + 1);
		}
		for (size_t k = before; k < out->v.n; k++)
			out->pos[k] = n->vals[i].pos;
	}
	return true;
}

/* An equality or list comparison (what a set of names can answer). */
static bool op_is_membership(enum rl_op op)
{
	return op == OP_EQ || op == OP_NE || op == OP_IN || op == OP_INTERSECTS;
}

/* fd.sip.name = NAME: the agent must resolve NAME (dns_names.c). */
static bool note_dns_names(struct rl_compiler *cc, const struct rl_ast *n,
			   const struct rl_ccmp *c, const struct rl_vec *vals)
{
	int id = c->lhs.ref.def->id;

	if (!cc->dns || c->lhs.n_tr || !op_is_membership(n->op) ||
	    (id != FD_SIP_NAME && id != FD_CIP_NAME && id != FD_LIP_NAME && id != FD_RIP_NAME))
		return true;
	for (size_t i = 0; i < vals->n; i++)
		if (rl_dns_add(cc->a, cc->dns, vals->v[i]))
			return false;
	return true;
}

/* pmatch: a prefix set of paths. */
static bool compile_pathset(struct rl_compiler *cc, struct rl_ccmp *c, const struct rl_vec *vals)
{
	c->paths = rl_pathset_new(cc->a, vals->n);
	for (size_t i = 0; c->paths && i < vals->n; i++)
		if (rl_pathset_add(cc->a, c->paths, vals->v[i]))
			return false;
	return c->paths != NULL;
}

/* in, intersects: a hash set of strings, or an array of typed values. */
static bool compile_value_list(struct rl_compiler *cc, const struct rl_ast *n, struct rl_ccmp *c,
			       const struct cmp_values *vals)
{
	const char *why;

	if (c->lhs.type == FT_STR || c->lhs.type == FT_BYTES) {
		c->set = rl_strset_new(cc->a, vals->v.n);
		for (size_t i = 0; c->set && i < vals->v.n; i++)
			if (rl_strset_add(cc->a, c->set, vals->v.v[i], strlen(vals->v.v[i])))
				return false;
		return c->set != NULL;
	}
	c->vals = rl_alloc(cc->a, (vals->v.n + 1) * sizeof(*c->vals));
	if (!c->vals)
		return false;
	for (size_t i = 0; i < vals->v.n; i++) {
		if (rl_value_parse(cc->a, c->lhs.type, vals->v.v[i], &c->vals[i], &why)) {
			rl_diag(cc->ds, true, pos_of(n, vals->pos[i]),
				"type mismatch: '%s' for field '%s' (%s): %s",
				(const char *)vals->v.v[i], n->lhs.field, rl_ftype_name(c->lhs.type),
				why);
			return false;
		}
	}
	c->n_vals = vals->v.n;
	return true;
}

/* One value, in the form its operator compares: a compiled regex, bytes,
 * lower case, or a value of the field's type. */
static bool compile_single_value(struct rl_compiler *cc, const struct rl_ast *n,
				 struct rl_ccmp *c)
{
	const struct rl_aval *v = &n->vals[0];
	const char *why;

	switch (n->op) {
	case OP_REGEX:
		return compile_regex(cc, n, v, c);
	case OP_BCONTAINS:
	case OP_BSTARTSWITH:
		if (!hex_decode(cc->a, v->s, &c->val)) {
			rl_diag(cc->ds, true, pos_of(n, v->pos),
				"'%s' takes hexadecimal bytes (e.g. CAFEBABE), found '%s'",
				rl_op_name(n->op), v->s);
			return false;
		}
		return true;
	case OP_ICONTAINS:
	case OP_IGLOB: {
		char *low = rl_strdup(cc->a, v->s);

		if (!low)
			return false;
		for (char *p = low; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		c->val.t = FT_STR;
		c->val.s = low;
		c->val.len = strlen(low);
		return true;
	}
	default:
		if (rl_value_parse(cc->a, c->lhs.type == FT_BYTES ? FT_STR : c->lhs.type, v->s,
				   &c->val, &why)) {
			rl_diag(cc->ds, true, pos_of(n, v->pos),
				"type mismatch: '%s' for field '%s' (%s): %s", v->s, n->lhs.field,
				rl_ftype_name(c->lhs.type), why);
			return false;
		}
		return true;
	}
}

/* The right-hand side's values, compiled into what the operator compares
 * (evt.type comparisons become an event-type set: *evt). */
static bool compile_values(struct rl_compiler *cc, const struct rl_ast *n, struct rl_ccmp *c,
			   struct rl_cnode **evt)
{
	struct cmp_values vals;

	if (!gather_values(cc, n, &vals) || !note_dns_names(cc, n, c, &vals.v))
		return false;
	if (!strcmp(c->lhs.ref.def->name, "evt.type") && !c->lhs.n_tr && op_is_membership(n->op)) {
		*evt = compile_evttype(cc, n, &vals.v, vals.pos);
		return *evt != NULL;
	}
	if (n->op == OP_PMATCH)
		return compile_pathset(cc, c, &vals.v);
	if (n->rhs_is_list)
		return compile_value_list(cc, n, c, &vals);
	return compile_single_value(cc, n, c);
}

/* `evt.arg.flags contains O_CREAT` (Falco's "Create files below dev", on
 * every open) decided on the flag bits: building the flags text to search
 * it cost about 200 cycles an open. Other forms keep the text. */
static bool compile_flagtest(struct rl_compiler *cc, struct rl_ccmp *c)
{
	struct rl_flagtest *f, t;

	if (c->op != OP_CONTAINS || c->lhs.n_tr || c->rhs || c->val.t != FT_STR || !c->val.s ||
	    strcmp(c->lhs.ref.def->name, "evt.arg") || c->lhs.ref.index >= 0 ||
	    !c->lhs.ref.arg || strcmp(c->lhs.ref.arg, "flags") ||
	    !rl_open_flagtest_init(&t, c->val.s, c->val.len))
		return true;
	f = rl_alloc(cc->a, sizeof(*f));
	if (!f)
		return false;
	*f = t;
	c->flagtest = f;
	return true;
}

/* field OP value(s), field OP field, or field exists. */
static struct rl_cnode *compile_cmp(struct rl_compiler *cc, const struct rl_ast *n)
{
	struct rl_ccmp *c = rl_alloc(cc->a, sizeof(*c));
	struct rl_cnode *cn = NULL;
	bool ok;

	if (!c || !compile_fexpr(cc, n, &n->lhs, &c->lhs))
		return NULL;
	c->op = n->op;
	if (!check_operator(cc, n, c))
		return NULL;
	if (n->rhs_is_field)
		ok = compile_rhs_field(cc, n, c);
	else if (n->op == OP_EXISTS)
		ok = true;
	else
		ok = compile_values(cc, n, c, &cn) && compile_flagtest(cc, c);
	if (!ok)
		return NULL;
	if (cn)
		return cn; /* an event-type set */
	cn = cnode(cc, CN_CMP);
	if (cn)
		cn->cmp = c;
	return cn;
}

static struct rl_cnode *compile_macro(struct rl_compiler *cc, const struct rl_ast *n)
{
	struct rl_macro_def *m = rl_find_macro(cc->coll, n->macro);
	struct rl_cnode *c;

	if (!m) {
		const char *s = suggest_name(cc, n->macro);

		if (rl_find_list(cc->coll, n->macro))
			rl_diag(cc->ds, true, pos_of(n, n->pos),
				"'%s' is a list, not a macro: use it as 'field in (%s)'", n->macro,
				n->macro);
		else if (s)
			rl_diag(cc->ds, true, pos_of(n, n->pos), "unknown macro '%s'; did you mean '%s'?",
				n->macro, s);
		else
			rl_diag(cc->ds, true, pos_of(n, n->pos),
				"unknown macro '%s' (or a field without an operator)", n->macro);
		return NULL;
	}
	m->used = true;
	if (m->expanding) {
		rl_diag(cc->ds, true, pos_of(n, n->pos), "macro '%s' refers to itself", n->macro);
		return NULL;
	}
	if (!m->parsed) {
		m->parsed = true;
		m->ast = rl_cond_parse(cc->a, cc->ds, &m->cond);
		m->parse_failed = !m->ast;
	}
	if (m->parse_failed || m->compile_failed)
		return NULL; /* already reported where the macro is written */
	m->expanding = true;
	c = rl_compile_ast(cc, m->ast);
	m->expanding = false;
	return c;
}

/*
 * Flattens chains of the same operator: a and b and c -> AND(a, b, c). The
 * parser builds a chain left-deep, ((a and b) and c), as long as the text
 * is: its left spine is walked with a loop, and only right operands (whose
 * depth the parser bounds) are recursed into.
 */
static int flatten(struct rl_compiler *cc, const struct rl_ast *n, enum rl_ast_kind k,
		   struct rl_vec *out)
{
	struct rl_vec spine = { 0 };
	int ret;

	for (; n->kind == k; n = n->a)
		if (rl_vec_push(cc->a, &spine, (void *)n))
			return -ENOMEM;
	ret = rl_vec_push(cc->a, out, (void *)n);
	for (size_t i = spine.n; !ret && i-- > 0;)
		ret = flatten(cc, ((const struct rl_ast *)spine.v[i])->b, k, out);
	return ret;
}

static struct rl_cnode *compile_node(struct rl_compiler *cc, const struct rl_ast *ast);

struct rl_cnode *rl_compile_ast(struct rl_compiler *cc, const struct rl_ast *ast)
{
	struct rl_cnode *c;

	if (cc->depth == 0) {
		cc->limit_reported = false;
		cc->nodes = 0;
	}
	if (cc->depth >= RL_NEST_MAX || cc->nodes >= RL_NODES_MAX ||
	    cc->total_nodes >= RL_TOTAL_NODES_MAX) {
		if (!cc->limit_reported && cc->depth >= RL_NEST_MAX)
			rl_diag(cc->ds, true, pos_of(ast, ast->pos),
				"condition nested deeper than %d levels once macros are expanded",
				RL_NEST_MAX);
		else if (!cc->limit_reported)
			rl_diag(cc->ds, true, pos_of(ast, ast->pos),
				"condition larger than %d nodes once macros are expanded (%d for all rules and macros)",
				RL_NODES_MAX, RL_TOTAL_NODES_MAX);
		cc->limit_reported = true;
		return NULL;
	}
	cc->depth++;
	cc->nodes++;
	cc->total_nodes++;
	c = compile_node(cc, ast);
	cc->depth--;
	return c;
}

static struct rl_cnode *compile_node(struct rl_compiler *cc, const struct rl_ast *ast)
{
	struct rl_cnode *c;

	switch (ast->kind) {
	case AST_AND:
	case AST_OR: {
		struct rl_vec parts = { 0 };
		bool ok = true;

		if (flatten(cc, ast, ast->kind, &parts))
			return NULL;
		c = cnode(cc, ast->kind == AST_AND ? CN_AND : CN_OR);
		if (!c || !(c->kids = rl_alloc(cc->a, parts.n * sizeof(*c->kids))))
			return NULL;
		/* Compile every part even after a failure: report all problems. */
		for (size_t i = 0; i < parts.n; i++) {
			c->kids[i] = rl_compile_ast(cc, parts.v[i]);
			ok = ok && c->kids[i];
		}
		c->n_kids = parts.n;
		return ok ? c : NULL;
	}
	case AST_NOT:
		c = cnode(cc, CN_NOT);
		if (!c || !(c->kids = rl_alloc(cc->a, sizeof(*c->kids))))
			return NULL;
		c->kids[0] = rl_compile_ast(cc, ast->a);
		c->n_kids = 1;
		return c->kids[0] ? c : NULL;
	case AST_MACRO:
		return compile_macro(cc, ast);
	case AST_CMP:
		return compile_cmp(cc, ast);
	}
	return NULL;
}

/* ---- specialisation for one event type ---- */

static struct rl_cnode *const_node(struct rl_arena *a, bool v)
{
	struct rl_cnode *n = rl_alloc(a, sizeof(*n));

	if (n)
		n->kind = v ? CN_TRUE : CN_FALSE;
	return n;
}

struct rl_cnode *rl_cnode_for_type(struct rl_arena *a, struct rl_cnode *n, int t)
{
	struct rl_cnode *k, *c, **kids;
	bool is_and = n->kind == CN_AND, changed = false;

	switch (n->kind) {
	case CN_TRUE:
	case CN_FALSE:
	case CN_CMP:
		return n;
	case CN_EVTTYPE:
		return const_node(a, t >= 0 && rl_evtset_has(&n->evts, t));
	case CN_NOT:
		k = rl_cnode_for_type(a, n->kids[0], t);
		if (!k)
			return NULL;
		if (k->kind == CN_TRUE || k->kind == CN_FALSE)
			return const_node(a, k->kind == CN_FALSE);
		if (k == n->kids[0])
			return n;
		c = rl_alloc(a, sizeof(*c));
		kids = rl_alloc(a, sizeof(*kids));
		if (!c || !kids)
			return NULL;
		c->kind = CN_NOT;
		kids[0] = k;
		c->kids = kids;
		c->n_kids = 1;
		return c;
	case CN_AND:
	case CN_OR:
		break;
	}
	/* AND/OR: fold constants, splice nested nodes of the same kind. */
	struct rl_vec out = { 0 };

	for (size_t i = 0; i < n->n_kids; i++) {
		k = rl_cnode_for_type(a, n->kids[i], t);
		if (!k)
			return NULL;
		changed |= k != n->kids[i];
		if (k->kind == (is_and ? CN_TRUE : CN_FALSE)) {
			changed = true;
			continue; /* neutral */
		}
		if (k->kind == (is_and ? CN_FALSE : CN_TRUE))
			return const_node(a, !is_and); /* absorbing */
		if (k->kind == n->kind) {
			changed = true;
			for (size_t j = 0; j < k->n_kids; j++)
				if (rl_vec_push(a, &out, k->kids[j]))
					return NULL;
			continue;
		}
		if (rl_vec_push(a, &out, k))
			return NULL;
	}
	if (!changed)
		return n;
	if (out.n == 0)
		return const_node(a, is_and);
	if (out.n == 1)
		return out.v[0];
	c = rl_alloc(a, sizeof(*c));
	if (!c)
		return NULL;
	c->kind = n->kind;
	c->kids = (struct rl_cnode **)out.v;
	c->n_kids = out.n;
	return c;
}

/* ---- event types a condition can match ---- */

/* Exact set when pure (made only of evt.type checks), else a superset. */
static bool evtset_of(const struct rl_cnode *n, struct rl_evtset *out)
{
	struct rl_evtset k;
	bool pure = true, p;

	switch (n->kind) {
	case CN_EVTTYPE:
		*out = n->evts;
		return true;
	case CN_TRUE:
		rl_evtset_all(out);
		return true;
	case CN_FALSE:
		memset(out, 0, sizeof(*out));
		return true;
	case CN_CMP:
		rl_evtset_all(out);
		return false;
	case CN_NOT:
		p = evtset_of(n->kids[0], &k);
		rl_evtset_all(out);
		if (p)
			for (int w = 0; w < RL_EVTSET_WORDS; w++)
				out->w[w] &= ~k.w[w];
		return p;
	case CN_AND:
		rl_evtset_all(out);
		for (size_t i = 0; i < n->n_kids; i++) {
			pure = evtset_of(n->kids[i], &k) && pure;
			for (int w = 0; w < RL_EVTSET_WORDS; w++)
				out->w[w] &= k.w[w];
		}
		return pure;
	case CN_OR:
		memset(out, 0, sizeof(*out));
		for (size_t i = 0; i < n->n_kids; i++) {
			pure = evtset_of(n->kids[i], &k) && pure;
			for (int w = 0; w < RL_EVTSET_WORDS; w++)
				out->w[w] |= k.w[w];
		}
		return pure;
	}
	return false;
}

void rl_compile_evtset(const struct rl_cnode *n, struct rl_evtset *out)
{
	evtset_of(n, out);
}

/* ---- can the condition be true with the data provided today? ---- */
enum tri { T_FALSE, T_TRUE, T_MAYBE };

static bool fexpr_available(const struct rl_cfexpr *f)
{
	return f->ref.def->extract != NULL;
}

static enum tri can_be_true(const struct rl_cnode *n)
{
	enum tri r, k;
	bool any;

	switch (n->kind) {
	case CN_TRUE:
		return T_TRUE;
	case CN_FALSE:
		return T_FALSE;
	case CN_EVTTYPE:
		any = false;
		for (size_t i = 0; i < rl_evttype_count() && !any; i++)
			any = rl_evtset_has(&n->evts, (int)i) && rl_evttype_provided((int)i);
		return any ? T_MAYBE : T_FALSE;
	case CN_CMP:
		if (!fexpr_available(&n->cmp->lhs) || (n->cmp->rhs && !fexpr_available(n->cmp->rhs)))
			return T_FALSE; /* Falco: a field that cannot be extracted is false */
		return T_MAYBE;
	case CN_NOT:
		r = can_be_true(n->kids[0]);
		return r == T_MAYBE ? T_MAYBE : r == T_TRUE ? T_FALSE : T_TRUE;
	case CN_AND:
		r = T_TRUE;
		for (size_t i = 0; i < n->n_kids; i++) {
			k = can_be_true(n->kids[i]);
			if (k == T_FALSE)
				return T_FALSE;
			if (k == T_MAYBE)
				r = T_MAYBE;
		}
		return r;
	case CN_OR:
		r = T_FALSE;
		for (size_t i = 0; i < n->n_kids; i++) {
			k = can_be_true(n->kids[i]);
			if (k == T_TRUE)
				return T_TRUE;
			if (k == T_MAYBE)
				r = T_MAYBE;
		}
		return r;
	}
	return T_MAYBE;
}

bool rl_cnode_can_fire(const struct rl_cnode *n)
{
	return can_be_true(n) != T_FALSE;
}
