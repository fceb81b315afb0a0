/*
 * Numbering of the comparisons an engine's rules repeat. Falco's rules test
 * the same things in many rules through macros (open_write, spawned_process,
 * container, ...), and each use of a macro is compiled again: without this
 * an openat paid for `evt.is_open_write = true` once per rule that asks.
 * Equal comparisons get one number (ccmp->shared); eval.c keeps the truth of
 * each number for the event being judged (rl_evmemo), so the first rule
 * that asks decides it and the others read it.
 *
 * Only comparisons whose truth depends on the event alone are numbered: no
 * regex (an undecided match is reported with its own error), no field on the
 * right side, no pmatch set (not compared here). Equal means the same field
 * (definition, argument, index, transformers), operator and values, compared
 * in full: two comparisons numbered alike always give the same truth.
 *
 * The fields that different comparisons read are numbered the same way
 * (ccmp->value, rl_field_share): proc.cmdline or fd.name, compared by a
 * dozen rules in as many ways, is extracted once per event (rl_vmemo).
 * Runs once when the engine's index is built; allocates only temporaries.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules_internal.h"

/* What is numbered: comparisons (shared) or their fields (value). */
struct share_kind {
	bool (*eligible)(const struct rl_ccmp *c);
	bool (*eq)(const struct rl_ccmp *a, const struct rl_ccmp *b);
	uint64_t (*hash)(const struct rl_ccmp *c);
	size_t slot; /* offsetof the number in struct rl_ccmp */
};

struct share_table {
	const struct share_kind *k;
	const struct rl_ccmp **rep; /* open addressing: one representative each */
	uint32_t *count;            /* rules' comparisons equal to rep[i] */
	size_t cap;
};

static bool shareable(const struct rl_ccmp *c)
{
	return !c->regex && !c->rhs && !c->paths && c->op != OP_REGEX;
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static bool value_eq(const struct rl_value *a, const struct rl_value *b)
{
	if (a->t != b->t || a->len != b->len || a->i != b->i || a->u != b->u ||
	    a->ip_len != b->ip_len || a->prefix != b->prefix ||
	    memcmp(a->ip, b->ip, sizeof(a->ip)) || !a->s != !b->s)
		return false;
	return !a->s || !memcmp(a->s, b->s, a->len);
}

static bool fexpr_eq(const struct rl_cfexpr *a, const struct rl_cfexpr *b)
{
	return a->ref.def == b->ref.def && a->ref.index == b->ref.index &&
	       str_eq(a->ref.arg, b->ref.arg) && a->n_tr == b->n_tr && a->type == b->type &&
	       !memcmp(a->tr, b->tr, a->n_tr * sizeof(a->tr[0]));
}

static bool cmp_eq(const struct rl_ccmp *a, const struct rl_ccmp *b)
{
	if (a->op != b->op || !fexpr_eq(&a->lhs, &b->lhs) || !value_eq(&a->val, &b->val) ||
	    a->n_vals != b->n_vals || !a->set != !b->set)
		return false;
	for (size_t i = 0; i < a->n_vals; i++)
		if (!value_eq(&a->vals[i], &b->vals[i]))
			return false;
	return !a->set || rl_strset_equal(a->set, b->set);
}

static uint64_t field_hash(const struct rl_ccmp *c)
{
	uint64_t h = (uint64_t)(uintptr_t)c->lhs.ref.def * 0x9e3779b97f4a7c15ull;

	h ^= (uint64_t)(int64_t)c->lhs.ref.index * 131 + c->lhs.n_tr;
	if (c->lhs.ref.arg)
		h ^= rl_hash(c->lhs.ref.arg, strlen(c->lhs.ref.arg));
	return h;
}

static uint64_t cmp_hash(const struct rl_ccmp *c)
{
	uint64_t h = field_hash(c);

	h ^= (uint64_t)c->op * 31 + c->n_vals;
	if (c->val.s)
		h ^= rl_hash(c->val.s, c->val.len) * 3;
	return h ^ c->val.u ^ (uint64_t)c->val.i;
}

/* The slot of c's representative, added when new. */
static size_t lookup(struct share_table *t, const struct rl_ccmp *c)
{
	size_t i = t->k->hash(c) & (t->cap - 1);

	while (t->rep[i] && t->rep[i] != c && !t->k->eq(t->rep[i], c))
		i = (i + 1) & (t->cap - 1);
	if (!t->rep[i])
		t->rep[i] = c;
	return i;
}

static size_t count_cmps(const struct rl_cnode *n)
{
	size_t k = n->kind == CN_CMP;

	for (size_t i = 0; i < n->n_kids; i++)
		k += count_cmps(n->kids[i]);
	return k;
}

/* Pass 1 (number == NULL): counts each distinct ccmp under its
 * representative, marking it visited (its slot = UINT32_MAX). Pass 2:
 * numbers the ccmps whose representative was counted at least twice. */
static void walk(struct share_table *t, const struct rl_cnode *n, const uint32_t *number)
{
	struct rl_ccmp *c = n->kind == CN_CMP ? n->cmp : NULL;
	uint32_t *slot;

	for (size_t i = 0; i < n->n_kids; i++)
		walk(t, n->kids[i], number);
	if (!c || !t->k->eligible(c))
		return;
	slot = (uint32_t *)((char *)c + t->k->slot);
	if (!number) {
		if (*slot != UINT32_MAX) {
			*slot = UINT32_MAX;
			t->count[lookup(t, c)]++;
		}
	} else if (*slot == UINT32_MAX) {
		*slot = number[lookup(t, c)];
	}
}

static uint32_t share(const struct rl_cnode *const *const *trees, const uint32_t *n_trees,
		      size_t n_lists, const struct share_kind *k)
{
	struct share_table t = { .k = k };
	uint32_t *number = NULL, slots = 0;
	size_t total = 0;

	for (size_t l = 0; l < n_lists; l++)
		for (uint32_t i = 0; i < n_trees[l]; i++)
			total += count_cmps(trees[l][i]);
	t.cap = 16;
	while (t.cap < 2 * total + 2)
		t.cap *= 2;
	t.rep = calloc(t.cap, sizeof(*t.rep));
	t.count = calloc(t.cap, sizeof(*t.count));
	number = calloc(t.cap, sizeof(*number));
	if (!t.rep || !t.count || !number)
		goto out; /* nothing shared: every rule decides on its own */
	for (size_t l = 0; l < n_lists; l++)
		for (uint32_t i = 0; i < n_trees[l]; i++)
			walk(&t, trees[l][i], NULL);
	for (size_t i = 0; i < t.cap; i++)
		if (t.count[i] >= 2)
			number[i] = ++slots;
	for (size_t l = 0; l < n_lists; l++)
		for (uint32_t i = 0; i < n_trees[l]; i++)
			walk(&t, trees[l][i], number);
out:
	free(t.rep);
	free(t.count);
	free(number);
	return slots;
}

uint32_t rl_cmp_share(const struct rl_cnode *const *const *trees, const uint32_t *n_trees,
		      size_t n_lists)
{
	static const struct share_kind k = { shareable, cmp_eq, cmp_hash,
					     offsetof(struct rl_ccmp, shared) };

	return share(trees, n_trees, n_lists, &k);
}

/* A field read once per comparison (eval_cmp with anc 1): not a list, not
 * proc.aname without an index (read for each ancestor). */
static bool field_once(const struct rl_ccmp *c)
{
	const struct rl_field_def *d = c->lhs.ref.def;

	return !d->list && !(d->arg == FARG_INDEX_OPT && c->lhs.ref.index < 0);
}

static bool field_eq(const struct rl_ccmp *a, const struct rl_ccmp *b)
{
	return fexpr_eq(&a->lhs, &b->lhs);
}

uint32_t rl_field_share(const struct rl_cnode *const *const *trees, const uint32_t *n_trees,
			size_t n_lists)
{
	static const struct share_kind k = { field_once, field_eq, field_hash,
					     offsetof(struct rl_ccmp, value) };

	return share(trees, n_trees, n_lists, &k);
}
