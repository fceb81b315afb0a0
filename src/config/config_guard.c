/*
 * The configuration's YAML, checked as an event stream before libyaml's
 * loader builds a document from it. The loader has no bounds of its own:
 * a 400 KB `rules: [[[...]]]` took 95 s (its scanner slows quadratically with
 * the nesting), aliases multiply whatever walks the document, and it looks an
 * anchor up by a linear search. So, as the rules parser does (docs/rules.md,
 * "Limits of a rules file"):
 *
 *   - nesting at most CONFIG_DEPTH_MAX levels (the scan stops at the first
 *     level too deep, before libyaml's scanner goes further);
 *   - one YAML document: a second one (an `enforce: true` after `---`) would
 *     otherwise be silently ignored;
 *   - no NUL in any string, raw or escaped ("\0"): C reads a path or an
 *     address only up to it, so the value used would differ from the value
 *     written;
 *   - at most CONFIG_ANCHORS_MAX anchors, and aliases that add at most
 *     CONFIG_ALIAS_NODES_MAX nodes (aliases of aliases grow exponentially).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "config/config_parse.h"

#define CONFIG_DEPTH_MAX 64
#define CONFIG_ANCHORS_MAX 1024
#define CONFIG_ALIAS_NODES_MAX 65536

struct anchor {
	char *name;
	size_t weight; /* nodes in its expansion */
};

struct guard {
	const char *file;
	FILE *diag;
	size_t weight[CONFIG_DEPTH_MAX + 1]; /* per open node: nodes so far */
	struct anchor open[CONFIG_DEPTH_MAX + 1]; /* its anchor, filled at its end */
	int depth, docs;
	struct anchor anchors[CONFIG_ANCHORS_MAX];
	size_t n_anchors, aliased;
};

static int refuse(struct guard *g, yaml_mark_t m, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int refuse(struct guard *g, yaml_mark_t m, const char *fmt, ...)
{
	va_list ap;

	if (g->diag) {
		fprintf(g->diag, "%s:%zu: ", g->file, m.line + 1);
		va_start(ap, fmt);
		vfprintf(g->diag, fmt, ap);
		va_end(ap);
		fputc('\n', g->diag);
	}
	return -EINVAL;
}

/* The node an alias names: the latest anchor of that name, as in YAML. */
static const struct anchor *find_anchor(const struct guard *g, const char *name)
{
	for (size_t i = g->n_anchors; i-- > 0;)
		if (!strcmp(g->anchors[i].name, name))
			return &g->anchors[i];
	return NULL;
}

/* Takes `name` (malloc'd, or NULL when the copy failed). */
static int add_anchor(struct guard *g, yaml_mark_t m, char *name, size_t weight)
{
	if (!name)
		return -ENOMEM;
	if (g->n_anchors == CONFIG_ANCHORS_MAX) {
		free(name);
		return refuse(g, m, "more than %d YAML anchors (a configuration needs few; "
				    "write the values out)", CONFIG_ANCHORS_MAX);
	}
	g->anchors[g->n_anchors++] = (struct anchor){ name, weight };
	return 0;
}

/* A finished node of `weight` nodes joins its parent. */
static void close_node(struct guard *g, size_t weight)
{
	if (g->depth > 0)
		g->weight[g->depth - 1] += weight;
}

static int on_alias(struct guard *g, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	const struct anchor *a = find_anchor(g, name);

	if (!a)
		return refuse(g, ev->start_mark, "unknown YAML alias '*%s' (define the anchor "
						 "before it, outside the node it names)", name);
	g->aliased += a->weight;
	if (g->aliased > CONFIG_ALIAS_NODES_MAX)
		return refuse(g, ev->start_mark, "YAML aliases expand to more than %d nodes "
						 "(aliases of aliases grow exponentially)",
			      CONFIG_ALIAS_NODES_MAX);
	close_node(g, a->weight);
	return 0;
}

static int on_event(struct guard *g, const yaml_event_t *ev)
{
	const yaml_char_t *anchor;

	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++g->docs > 1)
			return refuse(g, ev->start_mark, "a second YAML document: a configuration "
							 "is one document (remove the '---' and "
							 "merge the keys)");
		return 0;
	case YAML_SCALAR_EVENT:
		if (memchr(ev->data.scalar.value, '\0', ev->data.scalar.length))
			return refuse(g, ev->start_mark, "a NUL character (\\0) in a string is "
							 "refused: the value used would stop there");
		close_node(g, 1);
		anchor = ev->data.scalar.anchor;
		return anchor ? add_anchor(g, ev->start_mark, strdup((const char *)anchor), 1) : 0;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if (g->depth == CONFIG_DEPTH_MAX)
			return refuse(g, ev->start_mark, "YAML nested deeper than %d levels",
				      CONFIG_DEPTH_MAX);
		anchor = ev->type == YAML_SEQUENCE_START_EVENT ? ev->data.sequence_start.anchor
							       : ev->data.mapping_start.anchor;
		/* Named when the node ends, with its weight: an alias inside it
		 * (a cycle) finds no anchor. */
		g->open[g->depth].name = anchor ? strdup((const char *)anchor) : NULL;
		if (anchor && !g->open[g->depth].name)
			return -ENOMEM;
		g->weight[g->depth++] = 1;
		return 0;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT: {
		struct anchor a = g->open[--g->depth];

		g->open[g->depth].name = NULL;
		close_node(g, g->weight[g->depth]);
		return a.name ? add_anchor(g, ev->start_mark, a.name, g->weight[g->depth]) : 0;
	}
	case YAML_ALIAS_EVENT:
		return on_alias(g, ev);
	default:
		return 0;
	}
}

int config_yaml_guard(const char *file, const char *text, size_t len, FILE *diag)
{
	struct guard *g = calloc(1, sizeof(*g));
	yaml_parser_t parser;
	bool done = false;
	int ret = 0;

	if (!g)
		return -ENOMEM;
	g->file = file;
	g->diag = diag;
	if (memchr(text, '\0', len)) {
		free(g);
		if (diag)
			fprintf(diag, "%s: not a text file (it holds a NUL byte)\n", file);
		return -EINVAL;
	}
	if (!yaml_parser_initialize(&parser)) {
		free(g);
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	while (!done && !ret) {
		yaml_event_t ev;

		if (!yaml_parser_parse(&parser, &ev))
			break; /* the loader reports syntax errors, with their line */
		ret = on_event(g, &ev);
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	for (size_t i = 0; i < g->n_anchors; i++)
		free(g->anchors[i].name);
	for (int d = 0; d < g->depth; d++)
		free(g->open[d].name);
	free(g);
	return ret;
}
