/*
 * Which rules the kernel can decide at exec, from exec data alone: an exact
 * analysis of the compiled condition (see rules_engine_exec_match in
 * rules.h). Exact means the kernel's verdict equals the engine's on every
 * exec event; anything the analysis does not recognise is refused, never
 * approximated, because the kernel acts on its verdict by killing.
 */
#include <errno.h>
#include <string.h>

#include "rules/rules_internal.h"

#define MAX_TERMS 64

enum exe_field { EXE_NONE = -1, EXE_PATH, EXE_NAME, EXE_ARGV0 };

struct analysis {
	const struct rl_ccmp *exe[MAX_TERMS]; /* the exe comparisons, or-ed */
	size_t n_exe;
	bool exe_seen, evttype_seen, container_only;
	const char *why;
};

static enum exe_field exe_field_of(const struct rl_ccmp *c)
{
	const char *name = c->lhs.ref.def->name;

	if (c->lhs.n_tr || c->rhs || c->lhs.ref.arg)
		return EXE_NONE;
	if (!strcmp(name, "proc.exepath"))
		return EXE_PATH;
	if (!strcmp(name, "proc.name"))
		return EXE_NAME;
	if (!strcmp(name, "proc.exe"))
		return EXE_ARGV0;
	return EXE_NONE;
}

/* A comparison the kernel maps can answer exactly. */
static bool exe_cmp_ok(const struct rl_ccmp *c)
{
	enum exe_field f = exe_field_of(c);
	const struct rl_strset *exact;
	size_t len;

	if (f == EXE_NONE)
		return false;
	switch (c->op) {
	case OP_EQ:
		return c->val.t == FT_STR && c->val.s && c->val.s[0];
	case OP_IN:
		return c->set != NULL;
	case OP_PMATCH:
		return f == EXE_PATH && c->paths && rl_pathset_plain(c->paths, &exact);
	case OP_STARTSWITH:
		/* A directory prefix: component boundaries, as the kernel compares. */
		len = c->val.s ? strlen(c->val.s) : 0;
		return f == EXE_PATH && len > 1 && c->val.s[0] == '/' && c->val.s[len - 1] == '/';
	default:
		return false;
	}
}

static bool is_cmp(const struct rl_cnode *n, const char *field, enum rl_op op, const char *val)
{
	const struct rl_ccmp *c = n->cmp;

	return n->kind == CN_CMP && !c->lhs.n_tr && !c->rhs && c->op == op &&
	       !strcmp(c->lhs.ref.def->name, field) && c->val.t == FT_STR && c->val.s &&
	       !strcmp(c->val.s, val);
}

static bool add_exe_or(struct analysis *an, const struct rl_cnode *n)
{
	if (n->kind == CN_OR) {
		for (size_t i = 0; i < n->n_kids; i++)
			if (!add_exe_or(an, n->kids[i]))
				return false;
		return true;
	}
	if (n->kind != CN_CMP || !exe_cmp_ok(n->cmp) || an->n_exe >= MAX_TERMS)
		return false;
	an->exe[an->n_exe++] = n->cmp;
	return true;
}

static bool evttype_is_exec(const struct rl_cnode *n)
{
	int execve = rl_evttype_id("execve"), execveat = rl_evttype_id("execveat");
	bool any = false;

	for (size_t t = 0; t < rl_evttype_count(); t++) {
		if (!rl_evtset_has(&n->evts, (int)t))
			continue;
		if ((int)t != execve && (int)t != execveat)
			return false;
		any = true;
	}
	return any;
}

static bool conjunct(struct analysis *an, const struct rl_cnode *n)
{
	switch (n->kind) {
	case CN_AND:
		for (size_t i = 0; i < n->n_kids; i++)
			if (!conjunct(an, n->kids[i]))
				return false;
		return true;
	case CN_TRUE:
		return true;
	case CN_EVTTYPE:
		if (!evttype_is_exec(n)) {
			an->why = "it tests event types other than execve/execveat";
			return false;
		}
		an->evttype_seen = true;
		return true;
	case CN_CMP:
		if (is_cmp(n, "evt.dir", OP_EQ, "<"))
			return true;
		if (is_cmp(n, "container.id", OP_NE, "host")) {
			an->container_only = true;
			return true;
		}
		break;
	case CN_OR:
		break;
	default:
		an->why = "it has a negation or an exception";
		return false;
	}
	if (an->exe_seen) {
		an->why = "it tests more than one set of executables, or other fields";
		return false;
	}
	an->exe_seen = true;
	if (!add_exe_or(an, n)) {
		an->why = "it tests fields or operators the kernel cannot decide at exec "
			  "(only proc.exepath, proc.name, proc.exe with =, in, pmatch, "
			  "startswith \"/dir/\")";
		return false;
	}
	return true;
}

static size_t values_of(const struct rl_ccmp *c, const char **out, size_t max)
{
	const struct rl_strset *exact;

	if (c->op == OP_IN)
		return rl_strset_items(c->set, out, max);
	if (c->op == OP_PMATCH) {
		rl_pathset_plain(c->paths, &exact);
		return rl_strset_items(exact, out, max);
	}
	if (max)
		out[0] = c->val.s;
	return 1;
}

int rules_engine_exec_match(struct rules_engine *e, size_t i, struct rules_exec_match *out,
			    const char **why)
{
	const struct rl_cnode *cond = rl_engine_rule_cond(e, i);
	struct rl_arena *a = rl_engine_arena(e);
	struct analysis an = { 0 };
	const char ***lists[3] = { &out->paths, &out->names, &out->argv0s };
	size_t *counts[3] = { &out->n_paths, &out->n_names, &out->n_argv0s };
	size_t total[3] = { 0 }, dirs = 0;

	memset(out, 0, sizeof(*out));
	*why = NULL;
	if (!cond) {
		*why = "the rule did not compile";
		return -EOPNOTSUPP;
	}
	if (!conjunct(&an, cond) || !an.evttype_seen || !an.exe_seen) {
		*why = an.why ? an.why
			      : !an.evttype_seen ? "it does not restrict evt.type to execve/execveat"
						 : "it does not test the executable";
		return -EOPNOTSUPP;
	}
	for (size_t k = 0; k < an.n_exe; k++) {
		size_t n = values_of(an.exe[k], NULL, 0);

		if (an.exe[k]->op == OP_PMATCH || an.exe[k]->op == OP_STARTSWITH)
			dirs += n;
		else
			total[exe_field_of(an.exe[k])] += n;
	}
	for (int f = 0; f < 3; f++)
		if (total[f] && !(*lists[f] = rl_alloc(a, total[f] * sizeof(char *))))
			return -ENOMEM;
	if (dirs && !(out->dirs = rl_alloc(a, dirs * sizeof(char *))))
		return -ENOMEM;
	for (size_t k = 0; k < an.n_exe; k++) {
		const struct rl_ccmp *c = an.exe[k];

		if (c->op == OP_STARTSWITH) {
			/* "/dir/" names the directory "/dir" */
			out->dirs[out->n_dirs] = rl_strndup(a, c->val.s, strlen(c->val.s) - 1);
			if (!out->dirs[out->n_dirs++])
				return -ENOMEM;
		} else if (c->op == OP_PMATCH) {
			out->n_dirs += values_of(c, out->dirs + out->n_dirs, dirs - out->n_dirs);
		} else {
			enum exe_field f = exe_field_of(c);

			*counts[f] += values_of(c, *lists[f] + *counts[f], total[f] - *counts[f]);
		}
	}
	out->container_only = an.container_only;
	return 0;
}
