/*
 * Evaluation of a compiled condition on one event. No allocation: composed
 * strings go to the engine's scratch buffers. Falco's rule: a field that
 * cannot be extracted makes its comparison false (and `not` of it true).
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <fnmatch.h>
#include <pcre2.h>
#include <string.h>

#include "proc/proc.h"
#include "rules/field_ids.h"

static size_t b64_decode(const char *in, size_t len, char *out, size_t cap)
{
	unsigned val = 0;
	int bits = -8;
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		const char *tbl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		const char *p = in[i] ? strchr(tbl, in[i]) : NULL;

		if (in[i] == '=')
			break;
		if (!p)
			return (size_t)-1;
		val = (val << 6) | (unsigned)(p - tbl);
		bits += 6;
		if (bits >= 0) {
			if (n + 1 >= cap)
				return (size_t)-1;
			out[n++] = (char)((val >> bits) & 0xff);
			bits -= 8;
		}
	}
	return n;
}

static bool transform(enum rl_transform tr, struct rl_value *v, struct rl_buf *dst)
{
	size_t n = v->len < dst->cap ? v->len : dst->cap - 1;
	const char *slash;

	switch (tr) {
	case TR_TOLOWER:
	case TR_TOUPPER:
		for (size_t i = 0; i < n; i++)
			dst->p[i] = (char)(tr == TR_TOLOWER ? tolower((unsigned char)v->s[i]) :
							      toupper((unsigned char)v->s[i]));
		return rl_set_buf(v, dst, n);
	case TR_B64:
		n = b64_decode(v->s, v->len, dst->p, dst->cap);
		return n != (size_t)-1 && rl_set_buf(v, dst, n);
	case TR_BASENAME:
		slash = memrchr(v->s, '/', v->len);
		if (!slash)
			return true;
		n = v->len - (size_t)(slash + 1 - v->s);
		memmove(dst->p, slash + 1, n);
		return rl_set_buf(v, dst, n);
	case TR_LEN:
		return rl_set_uint(v, v->len);
	}
	return false;
}

bool rl_extract_fexpr(const struct rl_eval_ctx *c, const struct rl_cfexpr *f, int anc,
		      struct rl_value *out, struct rl_buf *buf, struct rl_buf *tmp)
{
	const struct rl_field_def *d = f->ref.def;

	if (!d->extract || !d->extract(c, &f->ref, anc, out, buf))
		return false;
	for (unsigned i = 0; i < f->n_tr; i++) {
		/* Alternate buffers: the input may live in the one written last. */
		struct rl_buf *dst = (i % 2) ? buf : tmp;

		if (!transform(f->tr[i], out, dst))
			return false;
	}
	return true;
}

static int cmp_num(const struct rl_value *a, const struct rl_value *b)
{
	if (a->t == FT_INT || b->t == FT_INT) {
		int64_t x = a->t == FT_INT ? a->i : (int64_t)a->u;
		int64_t y = b->t == FT_INT ? b->i : (int64_t)b->u;
		return x < y ? -1 : x > y;
	}
	return a->u < b->u ? -1 : a->u > b->u;
}

static bool ip_in(const struct rl_value *ip, const struct rl_value *net)
{
	unsigned bits = net->prefix;

	if (ip->ip_len != net->ip_len)
		return false;
	for (unsigned i = 0; i < ip->ip_len && bits; i++) {
		unsigned take = bits >= 8 ? 8 : bits;
		uint8_t mask = (uint8_t)(0xff << (8 - take));

		if ((ip->ip[i] & mask) != (net->ip[i] & mask))
			return false;
		bits -= take;
	}
	return true;
}

static bool equal(const struct rl_value *a, const struct rl_value *b)
{
	switch (a->t) {
	case FT_STR:
	case FT_BYTES:
		return a->len == b->len && !memcmp(a->s, b->s, a->len);
	case FT_IPADDR:
	case FT_IPNET:
		return ip_in(a, b);
	default:
		return cmp_num(a, b) == 0;
	}
}

/*
 * Whether needle occurs in [h, h + hlen). memmem builds a shift table on
 * every call, which costs more than the search on the short values rules
 * test (paths, command lines: `fd.name contains /.ssh/` on every open):
 * memchr finds the candidates for one byte of the needle, one that paths
 * hold less often than '/' or '.', and memcmp checks them.
 */
static bool contains(const char *h, size_t hlen, const char *needle, size_t nlen)
{
	const char *p, *last;
	size_t j = 0;

	if (nlen == 0)
		return true;
	if (nlen > hlen)
		return false;
	while (j + 1 < nlen && needle[j] && strchr("/._-", needle[j]))
		j++;
	last = h + (hlen - nlen) + j; /* the last place byte j can be */
	for (p = h + j; p <= last && (p = memchr(p, needle[j], (size_t)(last - p) + 1)); p++)
		if (p[-(ptrdiff_t)j] == needle[0] && !memcmp(p - j, needle, nlen))
			return true;
	return false;
}

/* The next byte of [p, end) that can start a match of needle (lowered):
 * its first byte in either case (memchr, not a tolower per byte: a
 * `proc.env icontains` reads every exec's environment). */
static const char *icontains_next(const char *p, const char *end, unsigned char first)
{
	unsigned char upper = (unsigned char)toupper(first);
	const char *a = memchr(p, first, (size_t)(end - p));
	const char *b = upper == first ? NULL : memchr(p, upper, (size_t)((a ? a : end) - p));

	return b ? b : a;
}

static bool icontains(const struct rl_value *v, const char *needle, size_t nlen)
{
	const char *end, *p;

	if (nlen > v->len)
		return false;
	if (nlen == 0)
		return true;
	end = v->s + (v->len - nlen + 1); /* the last possible start, plus one */
	for (p = v->s; p < end && (p = icontains_next(p, end, (unsigned char)needle[0])); p++) {
		size_t k = 0;

		while (k < nlen && tolower((unsigned char)p[k]) == needle[k])
			k++;
		if (k == nlen)
			return true;
	}
	return false;
}

const char *rl_regex_error_text(int pcre2_error)
{
	switch (pcre2_error) {
	case PCRE2_ERROR_MATCHLIMIT:
		return "regex match limit exceeded";
	case PCRE2_ERROR_DEPTHLIMIT:
		return "regex depth limit exceeded";
	case PCRE2_ERROR_HEAPLIMIT:
		return "regex heap limit exceeded";
	case PCRE2_ERROR_JIT_STACKLIMIT:
		return "regex JIT stack limit exceeded";
	case PCRE2_ERROR_NOMEMORY:
		return "regex out of memory";
	default:
		return "regex match error";
	}
}

/* A failed match is an error, not a non-match: a padded argument that makes
 * PCRE2 give up must not read as "does not match" (RL_UNKNOWN). */
static enum rl_truth regex_match(const struct rl_ccmp *cmp, const struct rl_value *v,
				 struct rl_scratch *s)
{
	int rc = pcre2_match((pcre2_code *)cmp->regex, (PCRE2_SPTR)v->s, v->len, 0, 0, s->match,
			     s->match_ctx);

	if (rc >= 0)
		return RL_TRUE;
	if (rc == PCRE2_ERROR_NOMATCH)
		return RL_FALSE;
	s->regex_error = rc;
	s->regex_errors++;
	return RL_UNKNOWN;
}

static enum rl_truth compare(const struct rl_eval_ctx *c, const struct rl_ccmp *cmp,
			     const struct rl_value *v, struct rl_scratch *s)
{
	struct rl_value rhs;
	const struct rl_value *r = &cmp->val;
	int ord;

	if (cmp->rhs) {
		if (!rl_extract_fexpr(c, cmp->rhs, 1, &rhs, &s->rhs, &s->tmp2))
			return false;
		r = &rhs;
	}
	switch (cmp->op) {
	case OP_EQ:
		return equal(v, r);
	case OP_NE:
		return !equal(v, r);
	case OP_LT: case OP_LE: case OP_GT: case OP_GE:
		if (v->t == FT_STR || v->t == FT_BYTES) {
			size_t n = v->len < r->len ? v->len : r->len;
			ord = memcmp(v->s, r->s, n);
			if (!ord)
				ord = v->len < r->len ? -1 : v->len > r->len;
		} else {
			ord = cmp_num(v, r);
		}
		return cmp->op == OP_LT ? ord < 0 : cmp->op == OP_LE ? ord <= 0 :
		       cmp->op == OP_GT ? ord > 0 : ord >= 0;
	case OP_IN:
	case OP_INTERSECTS:
		if (cmp->set)
			return rl_strset_has(cmp->set, v->s, v->len);
		for (size_t i = 0; i < cmp->n_vals; i++)
			if (equal(v, &cmp->vals[i]))
				return true;
		return false;
	case OP_PMATCH:
		return rl_pathset_match(cmp->paths, v->s, v->len);
	case OP_CONTAINS:
	case OP_BCONTAINS:
		return contains(v->s, v->len, r->s, r->len);
	case OP_ICONTAINS:
		return icontains(v, r->s, r->len);
	case OP_STARTSWITH:
	case OP_BSTARTSWITH:
		return v->len >= r->len && !memcmp(v->s, r->s, r->len);
	case OP_ENDSWITH:
		return v->len >= r->len && !memcmp(v->s + v->len - r->len, r->s, r->len);
	case OP_GLOB:
		return !fnmatch(r->s, v->s, 0);
	case OP_IGLOB:
		return !fnmatch(r->s, v->s, FNM_CASEFOLD);
	case OP_REGEX:
		/* Match data is created once per engine: none per event. */
		return regex_match(cmp, v, s);
	case OP_EXISTS:
		return true;
	}
	return false;
}

/* A list field: `in` holds when every element is in the set (none: true),
 * `exists` when there is an element, any other operator when some element
 * satisfies it. */
static enum rl_truth eval_list(const struct rl_eval_ctx *c, const struct rl_ccmp *cmp,
			       struct rl_scratch *s)
{
	enum rl_truth t = cmp->op == OP_IN ? RL_TRUE : RL_FALSE, one;
	struct rl_value v;

	for (int i = 1; i <= DOCKER_LIST_MAX; i++) {
		if (!rl_extract_fexpr(c, &cmp->lhs, i, &v, &s->lhs, &s->tmp))
			return cmp->op == OP_EXISTS ? (i > 1 ? RL_TRUE : RL_FALSE) : t;
		one = compare(c, cmp, &v, s);
		if (cmp->op == OP_IN && one == RL_FALSE)
			return RL_FALSE;
		if (cmp->op != OP_IN && one == RL_TRUE)
			return RL_TRUE;
		if (one == RL_UNKNOWN)
			t = RL_UNKNOWN;
	}
	return t;
}

/* The comparison's field (anc 1): from the memo when another comparison
 * read it in this generation (ccmp->value), else extracted, and kept for
 * the next one when it has a slot and its string fits. */
static bool extract_lhs(const struct rl_eval_ctx *c, const struct rl_ccmp *cmp,
			struct rl_value *v, struct rl_scratch *s)
{
	struct rl_vmemo *m = c->memo ? c->memo->vals : NULL;
	uint32_t k = cmp->value;
	bool ok;

	if (!k || !m)
		return rl_extract_fexpr(c, &cmp->lhs, 1, v, &s->lhs, &s->tmp);
	if (m->gen[k] == c->memo->cur) {
		*v = m->val[k];
		return m->ok[k];
	}
	ok = rl_extract_fexpr(c, &cmp->lhs, 1, v, &s->lhs, &s->tmp);
	if (ok && (v->t == FT_STR || v->t == FT_BYTES)) {
		char *p = m->bytes + m->used;

		if (v->len >= m->cap - m->used)
			return true;
		memcpy(p, v->s, v->len);
		p[v->len] = '\0';
		m->used += v->len + 1;
		v->s = p;
	}
	if (ok)
		m->val[k] = *v;
	m->ok[k] = ok;
	m->gen[k] = c->memo->cur;
	return ok;
}

static enum rl_truth eval_cmp(const struct rl_eval_ctx *c, const struct rl_ccmp *cmp,
			      struct rl_scratch *s)
{
	enum rl_truth t = RL_FALSE, one;
	struct rl_value v;
	int has;

	if (cmp->flagtest && (has = rl_sc_flags_contain(c, cmp->flagtest)) >= 0)
		return has ? RL_TRUE : RL_FALSE;
	if (cmp->lhs.ref.def->list)
		return eval_list(c, cmp, s);
	/* proc.aname (no index) in a condition: any ancestor. */
	if (cmp->lhs.ref.def->arg == FARG_INDEX_OPT && cmp->lhs.ref.index < 0) {
		for (int anc = 1; anc <= PROC_ANCESTORS_MAX; anc++) {
			if (!rl_extract_fexpr(c, &cmp->lhs, anc, &v, &s->lhs, &s->tmp))
				return t;
			one = compare(c, cmp, &v, s);
			if (one == RL_TRUE)
				return RL_TRUE;
			if (one == RL_UNKNOWN)
				t = RL_UNKNOWN;
		}
		return t;
	}
	if (!extract_lhs(c, cmp, &v, s))
		return RL_FALSE;
	return compare(c, cmp, &v, s);
}

/* A comparison other rules repeat: decided once per event (cmp_share.c). */
static enum rl_truth eval_shared(const struct rl_eval_ctx *c, const struct rl_ccmp *cmp,
				 uint32_t slot, struct rl_scratch *s)
{
	struct rl_evmemo *m = c->memo;
	enum rl_truth t;

	if (!slot || !m || !m->truth)
		return eval_cmp(c, cmp, s);
	if (m->gen[slot] == m->cur)
		return (enum rl_truth)m->truth[slot];
	t = eval_cmp(c, cmp, s);
	m->truth[slot] = (uint8_t)t;
	m->gen[slot] = m->cur;
	if (t == RL_FALSE && m->kill)
		m->dead |= m->kill[slot];
	return t;
}

/* `and` (stop at false) and `or` (stop at true); an unknown side is kept.
 * The program is flat (program.c): the kids follow their parent, each
 * sibling size entries after the one before. */
static enum rl_truth insn_junction(const struct rl_eval_ctx *c, const struct rl_insn *n,
				   struct rl_scratch *s, enum rl_truth decisive)
{
	enum rl_truth t = decisive == RL_FALSE ? RL_TRUE : RL_FALSE, one;
	const struct rl_insn *end = n + n->size;

	for (const struct rl_insn *k = n + 1; k < end; k += k->size) {
		/* Most kids are comparisons: called directly, not through the
		 * switch of rl_eval_insn (an indirect jump per node). */
		one = k->kind == CN_CMP ? eval_shared(c, k->cmp, k->shared, s) : rl_eval_insn(c, k, s);
		if (one == decisive)
			return decisive;
		if (one == RL_UNKNOWN)
			t = RL_UNKNOWN;
	}
	return t;
}

enum rl_truth rl_eval_insn(const struct rl_eval_ctx *c, const struct rl_insn *n,
			   struct rl_scratch *s)
{
	enum rl_truth t;

	switch ((enum rl_cnode_kind)n->kind) {
	case CN_TRUE:
		return RL_TRUE;
	case CN_FALSE:
		return RL_FALSE;
	case CN_AND:
		return insn_junction(c, n, s, RL_FALSE);
	case CN_OR:
		return insn_junction(c, n, s, RL_TRUE);
	case CN_NOT:
		t = rl_eval_insn(c, n + 1, s);
		return t == RL_UNKNOWN ? RL_UNKNOWN : t == RL_TRUE ? RL_FALSE : RL_TRUE;
	case CN_EVTTYPE:
		return c->evt_type >= 0 && rl_evtset_has(n->evts, c->evt_type) ? RL_TRUE : RL_FALSE;
	case CN_CMP:
		return eval_shared(c, n->cmp, n->shared, s);
	}
	return RL_FALSE;
}
