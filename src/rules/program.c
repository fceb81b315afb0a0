/*
 * Conditions laid out flat for evaluation (struct rl_insn). The rules of an
 * event type are judged one after the other on every event of that type; a
 * tree of separately allocated nodes made each visit a pointer chase that
 * missed the cache (the walk was 27% of a replay with Falco's files). The
 * engine writes the programs of one type into one array when its index is
 * built, and each active rule's own condition for rules_eval_rule; eval.c
 * runs them. The trees stay for everything else (queries, fields used).
 */
#include "rules/rules_internal.h"

size_t rl_insn_count(const struct rl_cnode *n)
{
	size_t k = 1;

	for (size_t i = 0; i < n->n_kids; i++)
		k += rl_insn_count(n->kids[i]);
	return k;
}

/* Returns the number of entries written. */
static uint32_t emit(const struct rl_cnode *n, struct rl_insn *out)
{
	uint32_t k = 1;

	out->kind = (uint8_t)n->kind;
	out->shared = 0;
	out->cmp = NULL;
	if (n->kind == CN_CMP) {
		out->cmp = n->cmp;
		out->shared = n->cmp->shared;
	} else if (n->kind == CN_EVTTYPE) {
		out->evts = &n->evts;
	}
	for (size_t i = 0; i < n->n_kids; i++)
		k += emit(n->kids[i], out + k);
	out->size = k;
	return k;
}

void rl_insn_emit(const struct rl_cnode *n, struct rl_insn *out)
{
	emit(n, out);
}

size_t rl_insn_guards(const struct rl_insn *p, uint32_t *out, size_t max)
{
	const struct rl_insn *end = p + p->size;
	size_t n = 0;

	if (p->kind == CN_CMP) {
		if (p->shared && max)
			out[n++] = p->shared;
		return n;
	}
	if (p->kind != CN_AND)
		return 0;
	for (const struct rl_insn *k = p + 1; k < end && n < max; k += k->size)
		if (k->kind == CN_CMP && k->shared)
			out[n++] = k->shared;
	return n;
}
