/*
 * Falco condition grammar, recursive descent:
 *
 *   expr    := and ('or' and)*
 *   and     := not ('and' not)*
 *   not     := 'not' not | '(' expr ')' | check
 *   check   := fexpr OP [rhs] | MACRO
 *   fexpr   := TRANSFORMER '(' fexpr ')' | FIELD
 *   rhs     := '(' [value (',' value)*] ')' | 'val' '(' fexpr ')' | fexpr-with-transformer | value
 *
 * Positions are byte offsets into the condition text; rl_text_pos() turns
 * them into file:line:col. The first syntax error stops the parse of that
 * condition (the rest of the file is still checked).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules_internal.h"

struct ps {
	struct rl_arena *a;
	struct rl_diags *ds;
	const struct rl_text *src;
	const char *s;
	size_t i, len;
	bool failed;
	unsigned depth; /* '(' and 'not' levels open */
};

static const struct {
	const char *name;
	enum rl_op op;
} word_ops[] = {
	{ "in", OP_IN }, { "intersects", OP_INTERSECTS }, { "pmatch", OP_PMATCH },
	{ "contains", OP_CONTAINS }, { "icontains", OP_ICONTAINS }, { "bcontains", OP_BCONTAINS },
	{ "startswith", OP_STARTSWITH }, { "bstartswith", OP_BSTARTSWITH },
	{ "endswith", OP_ENDSWITH }, { "glob", OP_GLOB }, { "iglob", OP_IGLOB },
	{ "regex", OP_REGEX }, { "exists", OP_EXISTS },
};

static const struct {
	const char *name;
	enum rl_transform tr;
} transformers[] = {
	{ "tolower", TR_TOLOWER }, { "toupper", TR_TOUPPER }, { "b64", TR_B64 },
	{ "basename", TR_BASENAME }, { "len", TR_LEN },
};

const char *rl_op_name(enum rl_op op)
{
	static const char *const sym[] = { [OP_EQ] = "=", [OP_NE] = "!=", [OP_LT] = "<",
					   [OP_LE] = "<=", [OP_GT] = ">", [OP_GE] = ">=" };

	if (op <= OP_GE)
		return sym[op];
	for (size_t i = 0; i < sizeof(word_ops) / sizeof(word_ops[0]); i++)
		if (word_ops[i].op == op)
			return word_ops[i].name;
	return "?";
}

static void fail(struct ps *p, size_t at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fail(struct ps *p, size_t at, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (p->failed)
		return;
	p->failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rl_diag(p->ds, true, rl_text_pos(p->src, at), "%s", msg);
}

static void skip_ws(struct ps *p)
{
	while (p->i < p->len && isspace((unsigned char)p->s[p->i]))
		p->i++;
}

static bool is_word_char(char ch)
{
	return ch && !isspace((unsigned char)ch) && !strchr("(),=<>!\"'", ch);
}

/* The next word without consuming it; its length in *wl. */
static const char *peek_word(struct ps *p, size_t *wl)
{
	size_t j;

	skip_ws(p);
	for (j = p->i; j < p->len && is_word_char(p->s[j]); j++)
		;
	*wl = j - p->i;
	return p->s + p->i;
}

/*
 * A bare (unquoted) value is wider than a word: Falco's grammar only stops
 * it at blanks, parentheses, quotes, '=' and ',', so `evt.dir=<` and
 * `fd.name in (<NA>)` are valid.
 */
static bool is_value_char(char ch)
{
	return ch && !isspace((unsigned char)ch) && !strchr("(),=\"'", ch);
}

static const char *peek_value(struct ps *p, size_t *wl)
{
	size_t j;

	skip_ws(p);
	for (j = p->i; j < p->len && is_value_char(p->s[j]); j++)
		;
	*wl = j - p->i;
	return p->s + p->i;
}

static bool word_is(const char *w, size_t wl, const char *kw)
{
	return strlen(kw) == wl && !memcmp(w, kw, wl);
}

static bool next_is(struct ps *p, char ch)
{
	skip_ws(p);
	return p->i < p->len && p->s[p->i] == ch;
}

/* Found-token text for messages. */
static const char *found(struct ps *p)
{
	size_t wl;
	const char *w = peek_word(p, &wl);

	if (p->i >= p->len)
		return "end of condition";
	if (!wl)
		wl = 1;
	if (wl > 40)
		wl = 40;
	return rl_strndup(p->a, w, wl);
}

static bool op_at(struct ps *p, enum rl_op *op, size_t *op_len)
{
	size_t wl;
	const char *w;

	skip_ws(p);
	if (p->i >= p->len)
		return false;
	const char *s = p->s + p->i;
	if (s[0] == '=' && s[1] == '=') { *op = OP_EQ; *op_len = 2; return true; }
	if (s[0] == '=') { *op = OP_EQ; *op_len = 1; return true; }
	if (s[0] == '!' && s[1] == '=') { *op = OP_NE; *op_len = 2; return true; }
	if (s[0] == '<' && s[1] == '=') { *op = OP_LE; *op_len = 2; return true; }
	if (s[0] == '<') { *op = OP_LT; *op_len = 1; return true; }
	if (s[0] == '>' && s[1] == '=') { *op = OP_GE; *op_len = 2; return true; }
	if (s[0] == '>') { *op = OP_GT; *op_len = 1; return true; }
	w = peek_word(p, &wl);
	for (size_t k = 0; k < sizeof(word_ops) / sizeof(word_ops[0]); k++)
		if (word_is(w, wl, word_ops[k].name)) {
			*op = word_ops[k].op;
			*op_len = wl;
			return true;
		}
	return false;
}

/* " (did you mean 'contains'?)" when the word after a field is a misspelt
 * word operator, "" otherwise. */
static const char *op_hint(struct ps *p)
{
	size_t wl;
	const char *w = peek_word(p, &wl);
	const char *best = NULL;
	unsigned best_d = 3;
	char word[32];

	if (!wl || wl >= sizeof(word))
		return "";
	memcpy(word, w, wl);
	word[wl] = '\0';
	for (size_t k = 0; k < sizeof(word_ops) / sizeof(word_ops[0]); k++) {
		unsigned d = rl_edit_distance(word, word_ops[k].name);

		if (d < best_d && d < strlen(word_ops[k].name) / 2 + 1) {
			best_d = d;
			best = word_ops[k].name;
		}
	}
	return best ? rl_sprintf(p->a, " (did you mean '%s'?)", best) : "";
}

static int transformer_of(const char *w, size_t wl)
{
	for (size_t k = 0; k < sizeof(transformers) / sizeof(transformers[0]); k++)
		if (word_is(w, wl, transformers[k].name))
			return (int)transformers[k].tr;
	return -1;
}

/* Is the word at p->i followed by '(' (a function call)? */
static bool call_follows(struct ps *p, size_t wl)
{
	size_t j = p->i + wl;

	while (j < p->len && isspace((unsigned char)p->s[j]))
		j++;
	return j < p->len && p->s[j] == '(';
}

/* nest: transformers already open around this one. */
static bool parse_fexpr_in(struct ps *p, struct rl_fexpr *f, unsigned nest)
{
	size_t wl;
	const char *w = peek_word(p, &wl);
	int tr = transformer_of(w, wl);

	if (tr >= 0 && call_follows(p, wl)) {
		if (nest == RL_MAX_TRANSFORMS) {
			fail(p, p->i, "too many nested transformers (at most %s)", "4");
			return false;
		}
		p->i += wl;
		skip_ws(p);
		p->i++; /* '(' */
		if (!parse_fexpr_in(p, f, nest + 1))
			return false;
		if (!next_is(p, ')')) {
			fail(p, p->i, "expected ')' after the transformer's field, found '%s'", found(p));
			return false;
		}
		p->i++;
		if (f->n_tr == RL_MAX_TRANSFORMS) {
			fail(p, p->i, "too many nested transformers (at most %s)", "4");
			return false;
		}
		f->tr[f->n_tr++] = (enum rl_transform)tr;
		return true;
	}
	if (!wl) {
		fail(p, p->i, "expected a field, found '%s'", found(p));
		return false;
	}
	f->field = rl_strndup(p->a, w, wl);
	f->pos = p->i;
	p->i += wl;
	return f->field != NULL;
}

static bool parse_fexpr(struct ps *p, struct rl_fexpr *f)
{
	return parse_fexpr_in(p, f, 0);
}

static bool parse_value(struct ps *p, struct rl_aval *v)
{
	skip_ws(p);
	v->pos = p->i;
	if (p->i < p->len && (p->s[p->i] == '"' || p->s[p->i] == '\'')) {
		char q = p->s[p->i++];
		char *out = rl_alloc(p->a, p->len - p->i + 1);
		size_t n = 0;

		if (!out)
			return false;
		while (p->i < p->len && p->s[p->i] != q) {
			char ch = p->s[p->i++];

			if (ch == '\\' && p->i < p->len) {
				char e = p->s[p->i++];

				if (e == 'x' && p->i + 1 < p->len && isxdigit((unsigned char)p->s[p->i]) &&
				    isxdigit((unsigned char)p->s[p->i + 1])) {
					char hex[3] = { p->s[p->i], p->s[p->i + 1], 0 };
					ch = (char)strtol(hex, NULL, 16);
					p->i += 2;
				} else if (e == 'n') {
					ch = '\n';
				} else if (e == 't') {
					ch = '\t';
				} else if (e == '\\' || e == '"' || e == '\'') {
					ch = e;
				} else {
					out[n++] = '\\';
					ch = e;
				}
			}
			out[n++] = ch;
		}
		if (p->i >= p->len) {
			fail(p, v->pos, "unterminated quoted string %s", "");
			return false;
		}
		p->i++;
		out[n] = '\0';
		v->s = out;
		v->quoted = true;
		return true;
	}
	size_t wl;
	const char *w = peek_value(p, &wl);

	if (!wl) {
		fail(p, p->i, "expected a value, found '%s'", found(p));
		return false;
	}
	v->s = rl_strndup(p->a, w, wl);
	p->i += wl;
	return v->s != NULL;
}

static bool parse_list(struct ps *p, struct rl_ast *n)
{
	struct rl_vec vals = { 0 };

	p->i++; /* '(' */
	if (next_is(p, ')')) {
		p->i++;
		return true;
	}
	for (;;) {
		struct rl_aval *v = rl_alloc(p->a, sizeof(*v));

		if (!v || !parse_value(p, v) || rl_vec_push(p->a, &vals, v))
			return false;
		if (next_is(p, ',')) {
			p->i++;
			continue;
		}
		if (next_is(p, ')')) {
			p->i++;
			break;
		}
		fail(p, p->i, "expected ',' or ')' in the list, found '%s'", found(p));
		return false;
	}
	n->vals = rl_alloc(p->a, vals.n * sizeof(*n->vals));
	if (!n->vals && vals.n)
		return false;
	for (size_t k = 0; k < vals.n; k++)
		n->vals[k] = *(struct rl_aval *)vals.v[k];
	n->n_vals = vals.n;
	return true;
}

static struct rl_ast *new_node(struct ps *p, enum rl_ast_kind k, size_t pos)
{
	struct rl_ast *n = rl_alloc(p->a, sizeof(*n));

	if (n) {
		n->kind = k;
		n->pos = pos;
		n->src = p->src;
	}
	return n;
}

static bool is_ident(const char *w, size_t wl)
{
	if (!wl || !(isalpha((unsigned char)w[0]) || w[0] == '_'))
		return false;
	for (size_t k = 1; k < wl; k++)
		if (!isalnum((unsigned char)w[k]) && w[k] != '_' && w[k] != '-')
			return false;
	return true;
}

static struct rl_ast *parse_check(struct ps *p)
{
	size_t wl, start, op_len;
	const char *w = peek_word(p, &wl);
	struct rl_ast *n;
	enum rl_op op;

	start = p->i;
	if (!wl) {
		fail(p, p->i, "expected a field, a macro or '(', found '%s'", found(p));
		return NULL;
	}
	/* A bare identifier not followed by an operator is a macro. */
	if (transformer_of(w, wl) < 0 || !call_follows(p, wl)) {
		size_t save = p->i;

		p->i += wl;
		if (!op_at(p, &op, &op_len)) {
			p->i = save;
			if (!is_ident(w, wl)) {
				p->i += wl;
				fail(p, p->i, "expected an operator after '%s', found '%s'%s",
				     rl_strndup(p->a, w, wl), found(p), op_hint(p));
				return NULL;
			}
			n = new_node(p, AST_MACRO, start);
			if (n)
				n->macro = rl_strndup(p->a, w, wl);
			p->i += wl;
			return n;
		}
		p->i = save;
	}
	n = new_node(p, AST_CMP, start);
	if (!n || !parse_fexpr(p, &n->lhs))
		return NULL;
	if (!op_at(p, &op, &op_len)) {
		fail(p, p->i, "expected an operator (=, !=, <, <=, >, >=, in, intersects, pmatch, contains, icontains, bcontains, startswith, bstartswith, endswith, glob, iglob, regex, exists), found '%s'%s",
		     found(p), op_hint(p));
		return NULL;
	}
	n->op = op;
	n->op_pos = p->i;
	p->i += op_len;
	if (op == OP_EXISTS)
		return n;
	if (op == OP_IN || op == OP_INTERSECTS || op == OP_PMATCH) {
		if (!next_is(p, '(')) {
			fail(p, p->i, "'%s' needs a list in parentheses", rl_op_name(op));
			return NULL;
		}
		n->rhs_is_list = true;
		return parse_list(p, n) ? n : NULL;
	}
	w = peek_word(p, &wl);
	if ((word_is(w, wl, "val") || transformer_of(w, wl) >= 0) && call_follows(p, wl)) {
		bool is_val = word_is(w, wl, "val");

		if (is_val) {
			p->i += wl;
			skip_ws(p);
			p->i++;
		}
		n->rhs_is_field = true;
		if (!parse_fexpr(p, &n->rhs_field))
			return NULL;
		if (is_val) {
			if (!next_is(p, ')')) {
				fail(p, p->i, "expected ')' to close val(, found '%s'", found(p));
				return NULL;
			}
			p->i++;
		}
		return n;
	}
	n->vals = rl_alloc(p->a, sizeof(*n->vals));
	n->n_vals = 1;
	return n->vals && parse_value(p, n->vals) ? n : NULL;
}

static struct rl_ast *parse_or(struct ps *p);

static struct rl_ast *parse_not(struct ps *p)
{
	size_t wl;
	const char *w = peek_word(p, &wl);
	size_t start = p->i;

	if ((word_is(w, wl, "not") || next_is(p, '(')) && p->depth >= RL_NEST_MAX) {
		fail(p, p->i, "condition nested deeper than %d levels", RL_NEST_MAX);
		return NULL;
	}
	if (word_is(w, wl, "not")) {
		struct rl_ast *n = new_node(p, AST_NOT, start);

		p->i += wl;
		p->depth++;
		if (!n || !(n->a = parse_not(p)))
			return NULL;
		p->depth--;
		return n;
	}
	if (next_is(p, '(')) {
		size_t open = p->i;
		struct rl_ast *n;

		p->i++;
		p->depth++;
		n = parse_or(p);
		if (!n)
			return NULL;
		p->depth--;
		if (!next_is(p, ')')) {
			if (p->i >= p->len)
				fail(p, open, "unbalanced '(': no matching ')'%s", "");
			else
				fail(p, p->i, "expected 'and', 'or' or ')', found '%s'", found(p));
			return NULL;
		}
		p->i++;
		return n;
	}
	return parse_check(p);
}

static struct rl_ast *parse_binary(struct ps *p, const char *kw, enum rl_ast_kind kind,
				   struct rl_ast *(*sub)(struct ps *))
{
	struct rl_ast *left = sub(p);

	while (left) {
		size_t wl, start;
		const char *w = peek_word(p, &wl);

		if (!word_is(w, wl, kw))
			break;
		start = p->i;
		p->i += wl;
		struct rl_ast *n = new_node(p, kind, start);
		if (!n)
			return NULL;
		n->a = left;
		n->b = sub(p);
		if (!n->b)
			return NULL;
		left = n;
	}
	return left;
}

static struct rl_ast *parse_and(struct ps *p)
{
	return parse_binary(p, "and", AST_AND, parse_not);
}

static struct rl_ast *parse_or(struct ps *p)
{
	return parse_binary(p, "or", AST_OR, parse_and);
}

struct rl_ast *rl_cond_parse(struct rl_arena *a, struct rl_diags *ds, const struct rl_text *src)
{
	struct ps p = { a, ds, src, src->s ? src->s : "", 0, src->len, false, 0 };
	struct rl_ast *n;

	skip_ws(&p);
	if (p.i >= p.len) {
		fail(&p, 0, "empty condition%s", "");
		return NULL;
	}
	n = parse_or(&p);
	if (n && !p.failed) {
		skip_ws(&p);
		if (p.i < p.len) {
			if (p.s[p.i] == ')')
				fail(&p, p.i, "unbalanced ')'%s", "");
			else
				fail(&p, p.i, "expected 'and', 'or' or end of condition, found '%s'", found(&p));
		}
	}
	return p.failed ? NULL : n;
}

int rl_op_parse(const char *s, enum rl_op *out)
{
	for (int op = OP_EQ; op <= OP_EXISTS; op++) {
		if (!strcmp(rl_op_name((enum rl_op)op), s)) {
			*out = (enum rl_op)op;
			return 0;
		}
	}
	if (!strcmp(s, "==")) {
		*out = OP_EQ;
		return 0;
	}
	return -EINVAL;
}
