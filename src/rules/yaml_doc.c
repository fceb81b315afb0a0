/*
 * YAML to a small node tree that keeps every node's line:column and byte
 * range, so a problem found later (in a condition, deep in a list) can still
 * be reported where the user wrote it. libyaml's event API, one pass.
 *
 * Bounded: nesting depth (libyaml's scanner slows quadratically with it), and
 * what aliases add. An alias shares its node (no copy), but whoever walks the
 * tree walks the node once per alias: aliases of aliases grow exponentially
 * ("billion laughs"). So each node's weight counts its expansion, and the
 * aliases of a file may add at most ALIAS_BUDGET nodes, or as many as the file
 * has. Anchors are unlimited (an index by name; a later one of the same name
 * wins, as in YAML). A NUL in a string (an escaped "\0") is refused: C reads
 * the string only up to it, so a rule would run differently from how it
 * reads ("fd.name=/etc/shadow\0 and proc.name=never").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "rules/rules_internal.h"

#define MAX_DEPTH 64
#define ALIAS_BUDGET (1u << 20)

struct builder {
	struct rl_arena *a;
	struct rl_file *f;
	struct rl_ynode *stack[MAX_DEPTH];
	struct rl_vec kids[MAX_DEPTH];
	int depth;
	struct rl_names anchors;
	size_t nodes, aliased; /* nodes made; nodes aliases added */
};

static struct rl_pos mark_pos(const struct rl_file *f, yaml_mark_t m)
{
	struct rl_pos p = { f, (unsigned)m.line + 1, (unsigned)m.column + 1 };
	return p;
}

static struct rl_ynode *new_node(struct builder *b, enum rl_ynode_kind k, const yaml_event_t *ev)
{
	struct rl_ynode *n = rl_alloc(b->a, sizeof(*n));

	if (!n)
		return NULL;
	n->kind = k;
	n->pos = mark_pos(b->f, ev->start_mark);
	n->raw_start = ev->start_mark.index;
	n->raw_end = ev->end_mark.index;
	n->weight = 1;
	b->nodes++;
	return n;
}

static int remember_anchor(struct builder *b, const yaml_char_t *anchor, struct rl_ynode *n)
{
	if (!anchor)
		return 0;
	return rl_names_put(b->a, &b->anchors, rl_strdup(b->a, (const char *)anchor), n);
}

/* Attaches a finished node to its parent (or makes it the root). */
static int attach(struct builder *b, struct rl_ynode *n)
{
	if (b->depth == 0) {
		if (!b->f->root)
			b->f->root = n;
		return 0;
	}
	b->stack[b->depth - 1]->weight += n->weight;
	return rl_vec_push(b->a, &b->kids[b->depth - 1], n);
}

static int attach_alias(struct builder *b, struct rl_diags *ds, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	struct rl_ynode *n = rl_names_get(&b->anchors, name);
	size_t budget = b->nodes > ALIAS_BUDGET ? b->nodes : ALIAS_BUDGET;

	if (!n) {
		rl_diag(ds, true, mark_pos(b->f, ev->start_mark),
			"unknown YAML alias '*%s' (define '&%s' before it)", name, name);
		return -EINVAL;
	}
	for (int d = 0; d < b->depth; d++) {
		if (b->stack[d] != n)
			continue;
		rl_diag(ds, true, mark_pos(b->f, ev->start_mark),
			"YAML alias '*%s' inside the node it names (a cycle)", name);
		return -EINVAL;
	}
	b->aliased += n->weight;
	if (b->aliased > budget) {
		rl_diag(ds, true, mark_pos(b->f, ev->start_mark),
			"YAML aliases expand to more than %zu nodes (aliases of aliases grow "
			"exponentially); write the items out instead", budget);
		return -E2BIG;
	}
	return attach(b, n);
}

static bool scalar_has_nul(struct builder *b, struct rl_diags *ds, const yaml_event_t *ev)
{
	if (!memchr(ev->data.scalar.value, '\0', ev->data.scalar.length))
		return false;
	rl_diag(ds, true, mark_pos(b->f, ev->start_mark),
		"a NUL character (\\0) in a string is refused: the text after it would be "
		"ignored where the rule runs");
	return true;
}

static int handle(struct builder *b, struct rl_diags *ds, yaml_event_t *ev)
{
	struct rl_ynode *n;

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		if (scalar_has_nul(b, ds, ev))
			return -EINVAL;
		n = new_node(b, YN_SCALAR, ev);
		if (!n)
			return -ENOMEM;
		n->style = ev->data.scalar.style;
		n->text = rl_strndup(b->a, (const char *)ev->data.scalar.value,
				     ev->data.scalar.length);
		if (!n->text || remember_anchor(b, ev->data.scalar.anchor, n))
			return -ENOMEM;
		return attach(b, n);
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if (b->depth == MAX_DEPTH) {
			rl_diag(ds, true, mark_pos(b->f, ev->start_mark),
				"YAML nested deeper than %d levels", MAX_DEPTH);
			return -EINVAL;
		}
		n = new_node(b, ev->type == YAML_SEQUENCE_START_EVENT ? YN_SEQ : YN_MAP, ev);
		if (!n || remember_anchor(b, ev->type == YAML_SEQUENCE_START_EVENT ?
						     ev->data.sequence_start.anchor :
						     ev->data.mapping_start.anchor, n))
			return -ENOMEM;
		b->stack[b->depth] = n;
		memset(&b->kids[b->depth], 0, sizeof(b->kids[0]));
		b->depth++;
		return 0;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		b->depth--;
		n = b->stack[b->depth];
		n->kids = (struct rl_ynode **)b->kids[b->depth].v;
		n->n_kids = b->kids[b->depth].n;
		n->raw_end = ev->end_mark.index;
		return attach(b, n);
	case YAML_ALIAS_EVENT:
		return attach_alias(b, ds, ev);
	default:
		return 0;
	}
}

int rl_yaml_parse(struct rl_arena *a, struct rl_diags *ds, struct rl_file *f)
{
	yaml_parser_t parser;
	struct builder *b = NULL;
	int ret = 0, docs = 0;
	bool done = false;

	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	b = calloc(1, sizeof(*b));
	if (!b) {
		ret = -ENOMEM;
		goto cleanup;
	}
	b->a = a;
	b->f = f;
	yaml_parser_set_input_string(&parser, (const unsigned char *)f->raw, f->raw_len);
	while (!done) {
		yaml_event_t ev;

		if (!yaml_parser_parse(&parser, &ev)) {
			struct rl_pos p = mark_pos(f, parser.problem_mark);

			rl_diag(ds, true, p, "YAML syntax error: %s%s%s",
				parser.problem ? parser.problem : "malformed YAML",
				parser.context ? " " : "", parser.context ? parser.context : "");
			ret = -EINVAL;
			goto cleanup;
		}
		if (ev.type == YAML_DOCUMENT_START_EVENT && ++docs > 1) {
			rl_diag(ds, true, mark_pos(f, ev.start_mark),
				"a rules file holds one YAML document; found a second");
			ret = -EINVAL;
		}
		if (!ret)
			ret = handle(b, ds, &ev);
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
		if (ret)
			goto cleanup;
	}
cleanup:
	free(b);
	yaml_parser_delete(&parser);
	return ret;
}

const struct rl_ynode *rl_ymap_get(const struct rl_ynode *map, const char *key)
{
	if (!map || map->kind != YN_MAP)
		return NULL;
	for (size_t i = 0; i + 1 < map->n_kids; i += 2)
		if (map->kids[i]->kind == YN_SCALAR && !strcmp(map->kids[i]->text, key))
			return map->kids[i + 1];
	return NULL;
}

static bool is_ws(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/*
 * YAML folding and unquoting change only whitespace (and escapes, rare in
 * conditions), so the n-th non-blank character of the value is the n-th
 * non-blank character of the source after the scalar's opening indicator.
 */
struct rl_pos rl_scalar_offset_pos(const struct rl_ynode *n, size_t off)
{
	struct rl_pos p = n->pos;
	const char *raw = n->pos.file ? n->pos.file->raw : NULL;
	size_t want = 0, i = n->raw_start, end = n->raw_end;

	if (!raw || n->kind != YN_SCALAR)
		return p;
	for (size_t k = 0; k < off && n->text[k]; k++)
		want += !is_ws(n->text[k]);
	if (n->style == YAML_LITERAL_SCALAR_STYLE || n->style == YAML_FOLDED_SCALAR_STYLE) {
		while (i < end && raw[i] != '\n') {
			i++;
			p.col++;
		}
	} else if (n->style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
		   n->style == YAML_DOUBLE_QUOTED_SCALAR_STYLE) {
		i++;
		p.col++;
	}
	for (; i < end; i++) {
		char ch = raw[i];

		if (!is_ws(ch)) {
			if (want == 0)
				return p;
			want--;
		}
		if (ch == '\n') {
			p.line++;
			p.col = 1;
		} else {
			p.col++;
		}
	}
	return p;
}

/* A condition appended to (Falco's `append`/`override: append`) joins the
 * pieces with a space; each piece keeps its node for positions. */
int rl_text_append(struct rl_arena *a, struct rl_text *t, const struct rl_ynode *n)
{
	size_t add = strlen(n->text), sep = t->len ? 1 : 0;

	if (rl_reserve(a, (void **)&t->s, &t->cap, t->len, t->len + sep + add + 1, 1) ||
	    rl_reserve(a, (void **)&t->segs, &t->segs_cap, t->n_segs, t->n_segs + 1,
		       sizeof(*t->segs)))
		return -ENOMEM;
	if (sep)
		t->s[t->len] = ' ';
	memcpy(t->s + t->len + sep, n->text, add + 1);
	t->segs[t->n_segs].off = t->len + sep;
	t->segs[t->n_segs].len = add;
	t->segs[t->n_segs].node = n;
	t->len += sep + add;
	t->n_segs++;
	return 0;
}

struct rl_pos rl_text_pos(const struct rl_text *t, size_t off)
{
	struct rl_pos none = { 0 };

	for (size_t i = t->n_segs; i-- > 0;)
		if (off >= t->segs[i].off)
			return rl_scalar_offset_pos(t->segs[i].node, off - t->segs[i].off);
	return t->n_segs ? t->segs[0].node->pos : none;
}
