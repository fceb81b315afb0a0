/*
 * Falco's rule selection and append_output as configuration values
 * (rules.select, rules.append_output, -D/-T/-t), parsed into the engine's
 * own structures (struct rules_select, struct rules_append) with the same
 * `file:line` problems as every other key; and -o KEY=VALUE over a palisade
 * configuration file.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_parse.h"

/* Appends one selection entry to the list at k->off. */
static struct rules_select *select_add(struct parse *p, const struct config_key *k, void *base)
{
	struct rules_select **list = (struct rules_select **)((char *)base + k->off);
	size_t *n = (size_t *)((char *)base + k->off_n);
	struct rules_select *grown = config_own(p, calloc(*n + 1, sizeof(*grown)));

	if (!grown) {
		p->errors++;
		return NULL;
	}
	if (*n)
		memcpy(grown, *list, *n * sizeof(*grown));
	*list = grown;
	return &grown[(*n)++];
}

/* -D TEXT, -T TAG, -t TAG (Falco's meanings; -t alone with the others is
 * refused, as in Falco). */
void config_select_flag(struct parse *p, const struct config_key *k, const char *text,
			void *base, const char *where)
{
	struct rules_select *list = *(struct rules_select **)((char *)base + k->off);
	size_t n = *(size_t *)((char *)base + k->off_n), i;
	bool only = !strcmp(k->sets, "only-tag"), seen_only = false, seen_other = false;
	struct rules_select *s;
	char *pattern;

	for (i = 0; i < n; i++) {
		seen_only |= list[i].enable;
		seen_other |= !list[i].enable && !(list[i].rule && !strcmp(list[i].rule, "*"));
	}
	if ((only && seen_other) || (!only && seen_only)) {
		config_problem(p, NULL, "%s: -t does not go with -D or -T (as in Falco)", where);
		return;
	}
	if (only && !seen_only && (s = select_add(p, k, base))) /* first -t: all off */
		*s = (struct rules_select){ .enable = false, .rule = "*" };
	s = select_add(p, k, base);
	if (!s)
		return;
	if (!strcmp(k->sets, "disable-name")) {
		pattern = config_own(p, malloc(strlen(text) + 3));
		if (pattern)
			sprintf(pattern, "*%s*", text); /* Falco's -D: a substring of the name */
		*s = (struct rules_select){ .enable = false, .rule = pattern };
	} else {
		*s = (struct rules_select){ .enable = only, .tag = text };
	}
}

/* rules.select: [{enable|disable: {rule|tag: TEXT}}, ...] */
static void set_select(struct parse *p, const struct config_key *k, const yaml_node_t *n,
		       void *base, const char *where)
{
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		const yaml_node_t *e = yaml_document_get_node(p->doc, *it), *what = NULL, *kn = NULL;
		const yaml_node_pair_t *pair = e->type == YAML_MAPPING_NODE &&
							       e->data.mapping.pairs.top -
									       e->data.mapping.pairs.start == 1
						       ? e->data.mapping.pairs.start
						       : NULL;
		const char *op = pair ? config_scalar(yaml_document_get_node(p->doc, pair->key)) : NULL;
		const char *field = NULL, *value = NULL;
		struct rules_select *s;

		if (pair)
			what = yaml_document_get_node(p->doc, pair->value);
		if (what && what->type == YAML_MAPPING_NODE &&
		    what->data.mapping.pairs.top - what->data.mapping.pairs.start == 1) {
			kn = yaml_document_get_node(p->doc, what->data.mapping.pairs.start->key);
			field = config_scalar(kn);
			value = config_scalar(
				yaml_document_get_node(p->doc, what->data.mapping.pairs.start->value));
		}
		if (!op || (strcmp(op, "enable") && strcmp(op, "disable")) || !field || !value ||
		    (strcmp(field, "rule") && strcmp(field, "tag"))) {
			config_problem(p, e, "%s: an entry is `- enable: {rule: PATTERN}`, or disable, "
				       "or {tag: TAG}", where);
			continue;
		}
		s = select_add(p, k, base);
		if (s)
			*s = (struct rules_select){ .enable = !strcmp(op, "enable"),
						    .rule = field[0] == 'r' ? value : NULL,
						    .tag = field[0] == 't' ? value : NULL };
	}
}

/* A list of scalars (one scalar: a list of one) into an owned array. */
static const char **names_of(struct parse *p, const yaml_node_t *n, size_t *count,
			     const char *where)
{
	size_t max = n->type == YAML_SEQUENCE_NODE
			     ? (size_t)(n->data.sequence.items.top - n->data.sequence.items.start)
			     : 1;
	const char **v = config_own(p, calloc(max + 1, sizeof(*v)));

	*count = 0;
	if (!v)
		return NULL;
	if (config_scalar(n)) {
		v[(*count)++] = config_scalar(n);
		return v;
	}
	for (yaml_node_item_t *it = n->data.sequence.items.start;
	     n->type == YAML_SEQUENCE_NODE && it < n->data.sequence.items.top; it++) {
		const char *s = config_scalar(yaml_document_get_node(p->doc, *it));

		if (s)
			v[(*count)++] = s;
		else
			config_problem(p, n, "%s: expected names", where);
	}
	return v;
}

static void append_fields(struct parse *p, const yaml_node_t *n, struct rules_append *a,
			  const char *where)
{
	size_t max = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	struct rules_extra_field *f = config_own(p, calloc(max + 1, sizeof(*f)));

	for (yaml_node_item_t *it = n->data.sequence.items.start; f && it < n->data.sequence.items.top;
	     it++) {
		const yaml_node_t *e = yaml_document_get_node(p->doc, *it);

		if (config_scalar(e)) {
			f[a->n_fields++] = (struct rules_extra_field){ .name = config_scalar(e) };
		} else if (e->type == YAML_MAPPING_NODE &&
			   e->data.mapping.pairs.top - e->data.mapping.pairs.start == 1 &&
			   config_scalar(yaml_document_get_node(p->doc, e->data.mapping.pairs.start->value))) {
			f[a->n_fields++] = (struct rules_extra_field){
				.name = config_scalar(yaml_document_get_node(p->doc, e->data.mapping.pairs.start->key)),
				.format = config_scalar(yaml_document_get_node(p->doc, e->data.mapping.pairs.start->value)),
			};
		} else {
			config_problem(p, e, "%s: an extra field is a field name or NAME: FORMAT", where);
		}
	}
	a->fields = f;
}

/* One append_output entry. */
static void append_entry(struct parse *p, const yaml_node_t *e, struct rules_append *a,
			 const char *where)
{
	for (yaml_node_pair_t *pair = e->data.mapping.pairs.start; pair < e->data.mapping.pairs.top;
	     pair++) {
		const yaml_node_t *kn = yaml_document_get_node(p->doc, pair->key);
		const yaml_node_t *vn = yaml_document_get_node(p->doc, pair->value);
		const char *key = config_scalar(kn) ?: "";

		if (!strcmp(key, "extra_output") && config_scalar(vn)) {
			a->extra_output = config_scalar(vn);
		} else if (!strcmp(key, "extra_fields") && vn->type == YAML_SEQUENCE_NODE) {
			append_fields(p, vn, a, where);
		} else if (!strcmp(key, "match") && vn->type == YAML_MAPPING_NODE) {
			for (yaml_node_pair_t *m = vn->data.mapping.pairs.start;
			     m < vn->data.mapping.pairs.top; m++) {
				const char *mk = config_scalar(yaml_document_get_node(p->doc, m->key)) ?: "";
				const yaml_node_t *mv = yaml_document_get_node(p->doc, m->value);

				if (!strcmp(mk, "source") && config_scalar(mv))
					a->source = config_scalar(mv);
				else if (!strcmp(mk, "rule") && config_scalar(mv))
					a->rule = config_scalar(mv);
				else if (!strcmp(mk, "tags"))
					a->tags = names_of(p, mv, &a->n_tags, where);
				else
					config_problem(p, mv, "%s: match: '%s' (expected source, rule or "
						       "tags)", where, mk);
			}
		} else {
			config_problem(p, kn, "%s: '%s' (expected match, extra_output or "
				       "extra_fields)", where, key);
		}
	}
}

static void set_append(struct parse *p, const struct config_key *k, const yaml_node_t *n,
		       void *base, const char *where)
{
	size_t max = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	struct rules_append *v = config_own(p, calloc(max + 1, sizeof(*v)));
	size_t i = 0;

	for (yaml_node_item_t *it = n->data.sequence.items.start; v && it < n->data.sequence.items.top;
	     it++) {
		const yaml_node_t *e = yaml_document_get_node(p->doc, *it);
		char *at = config_own(p, malloc(strlen(p->file) + 24));

		if (e->type != YAML_MAPPING_NODE) {
			config_problem(p, e, "%s: each entry is a mapping (match, extra_output, "
				       "extra_fields)", where);
			continue;
		}
		if (at) /* the engine's messages about the entry name its line */
			sprintf(at, "%s:%zu", p->file, e->start_mark.line + 1);
		v[i].where = at ? at : p->file;
		append_entry(p, e, &v[i++], where);
	}
	*(struct rules_append **)((char *)base + k->off) = v;
	*(size_t *)((char *)base + k->off_n) = i;
}

void config_set_rules_list(struct parse *p, const struct config_key *k, const yaml_node_t *n,
			   void *base, const char *where)
{
	if (n->type != YAML_SEQUENCE_NODE) {
		config_problem(p, n, "%s: %s here (expected a list)", where, config_kind_name(n));
		return;
	}
	if (k->type == CFG_SELECT)
		set_select(p, k, n, base, where);
	else
		set_append(p, k, n, base, where);
}

void config_override(struct parse *p, const struct config_key *k, const char *text, void *base,
		     const char *where)
{
	struct palisade_config *c = base;
	const char *eq = strchr(text, '=');
	const struct config_key *row;
	char key[128];

	config_strlist_append(p, k, text, base, where); /* kept: a reload reads them again */
	if (c->from_falco)
		return; /* applied to the falco.yaml before it was translated */
	if (!eq || eq == text || (size_t)(eq - text) >= sizeof(key)) {
		config_problem(p, NULL, "%s '%s': expected KEY=VALUE, as in Falco (to write alerts "
			       "to a file: --output FILE)", where, text);
		return;
	}
	snprintf(key, sizeof(key), "%.*s", (int)(eq - text), text);
	row = config_key_find(key);
	if (!row) {
		config_problem(p, NULL, "%s: unknown key '%s' (`palisade config keys` lists them)",
			       where, key);
		return;
	}
	if (row->type == CFG_STRLIST) {
		*(size_t *)((char *)base + row->off_n) = 0; /* one entry replaces the list */
		config_strlist_append(p, row, eq + 1, base, where);
	} else if (config_is_structured(row->type)) {
		config_problem(p, NULL, "%s: %s is a list of mappings: set it in the file", where, key);
	} else {
		config_set_value(p, row, eq + 1, NULL, base, false, where);
	}
}
