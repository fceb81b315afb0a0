/*
 * Questions a back-end asks about one compiled rule: which literal paths its
 * condition confines a field to (rules_rule_paths), so that a back-end that
 * must name its objects in advance (fanotify marks inodes) knows what to
 * watch. The answer is sound, never a guess: when the condition is true, the
 * field's value is one of the paths returned, or the question is refused.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules_internal.h"

struct pathlist {
	struct rules_path *v;
	size_t n, cap;
	bool bounded;
	const char *why; /* when !bounded */
};

struct add_ctx {
	struct pathlist *l;
	enum rules_path_kind kind;
};

static int push(struct pathlist *l, enum rules_path_kind kind, const char *path)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct rules_path *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = (struct rules_path){ .kind = kind, .path = path };
	return 0;
}

/* Set and path-set strings are NUL-terminated arena copies. */
static int add_one(const char *str, size_t len, void *ctx)
{
	struct add_ctx *a = ctx;

	(void)len;
	return push(a->l, a->kind, str);
}

static const char *const why_unbounded =
	"no test in the condition confines the field to literal paths "
	"(=, in, startswith, pmatch; fd.directory =, in)";

static int from_cmp(const struct rl_ccmp *c, const char *field, struct pathlist *out)
{
	const char *name = c->lhs.ref.def->name;
	bool dir = !strcmp(field, "fd.name") && !strcmp(name, "fd.directory");
	struct add_ctx a = { .l = out, .kind = dir ? RULES_PATH_DIR : RULES_PATH_EXACT };

	out->bounded = false;
	out->why = why_unbounded;
	if ((strcmp(name, field) && !dir) || c->lhs.n_tr || c->rhs)
		return 0;
	switch (c->op) {
	case OP_EQ:
		out->bounded = true;
		return push(out, a.kind, c->val.s);
	case OP_IN:
	case OP_INTERSECTS:
		if (!c->set)
			return 0;
		out->bounded = true;
		return rl_strset_foreach(c->set, add_one, &a);
	case OP_STARTSWITH:
		if (dir)
			return 0;
		out->bounded = true;
		return push(out, RULES_PATH_PREFIX, c->val.s);
	case OP_PMATCH:
		if (dir)
			return 0;
		a.kind = RULES_PATH_PREFIX;
		out->bounded = true;
		{
			const struct rl_strset *exact;

			/* A glob or "/" names no finite set of directories to walk. */
			if (!rl_pathset_plain(c->paths, &exact)) {
				out->bounded = false;
				out->why = "pmatch with a glob or \"/\" names no finite set of paths";
				return 0;
			}
			return rl_strset_foreach(exact, add_one, &a);
		}
	default:
		return 0;
	}
}

static int derive(const struct rl_cnode *n, const char *field, struct pathlist *out);

/* and: any bounded operand bounds the whole; the smallest is kept. */
static int derive_and(const struct rl_cnode *n, const char *field, struct pathlist *out)
{
	const char *why = why_unbounded;
	int ret = 0;

	out->bounded = false;
	for (size_t i = 0; i < n->n_kids && !ret; i++) {
		struct pathlist k = { 0 };

		ret = derive(n->kids[i], field, &k);
		if (!ret && k.bounded && (!out->bounded || k.n < out->n)) {
			free(out->v);
			*out = k;
			continue;
		}
		if (!k.bounded && k.why != why_unbounded)
			why = k.why;
		free(k.v);
	}
	if (!out->bounded)
		out->why = why;
	return ret;
}

/* or: bounded only when every operand is; the union. */
static int derive_or(const struct rl_cnode *n, const char *field, struct pathlist *out)
{
	int ret = 0;

	out->bounded = true;
	for (size_t i = 0; i < n->n_kids && !ret && out->bounded; i++) {
		struct pathlist k = { 0 };

		ret = derive(n->kids[i], field, &k);
		if (!ret && !k.bounded) {
			out->bounded = false;
			out->why = k.why == why_unbounded ?
				"an 'or' has an operand that does not confine the field to literal paths" :
				k.why;
		}
		for (size_t j = 0; !ret && out->bounded && j < k.n; j++)
			ret = push(out, k.v[j].kind, k.v[j].path);
		free(k.v);
	}
	return ret;
}

static int derive(const struct rl_cnode *n, const char *field, struct pathlist *out)
{
	switch (n->kind) {
	case CN_FALSE:
		out->bounded = true; /* never true: nothing to watch */
		return 0;
	case CN_CMP:
		return from_cmp(n->cmp, field, out);
	case CN_AND:
		return derive_and(n, field, out);
	case CN_OR:
		return derive_or(n, field, out);
	default: /* true, not, evt.type: no bound on the field */
		out->bounded = false;
		out->why = why_unbounded;
		return 0;
	}
}

int rules_rule_paths(const struct rules_engine *e, size_t i, const char *field,
		     struct rules_path *out, size_t max, const char **why)
{
	const struct rl_cnode *cond = rl_engine_rule_cond(e, i);
	struct pathlist l = { 0 };
	int ret;

	*why = NULL;
	if (!cond) {
		*why = "the rule did not compile";
		return -EINVAL;
	}
	ret = derive(cond, field, &l);
	if (!ret && !l.bounded) {
		*why = l.why;
		ret = -ENOENT;
	}
	if (!ret) {
		if (max && l.n)
			memcpy(out, l.v, (l.n < max ? l.n : max) * sizeof(*out));
		ret = l.n > (size_t)0x7fffffff ? -E2BIG : (int)l.n;
	}
	free(l.v);
	return ret;
}
