/*
 * Compose files and Kubernetes manifests: loading (libyaml, every document
 * of a multi-document file, bounded in size and count), what kind of file it
 * is (a mapping with `services:` is compose, documents with `kind:` and
 * `apiVersion:` are manifests), and the navigation both parsers use.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit/yaml_src.h"

#define MERGE_DEPTH_MAX 8
#define MERGE_VISITS_MAX 256 /* mappings one lookup may visit: aliases share nodes,
				* so a few lines could otherwise fan out exponentially */

/* A key of map, else of the mappings its merge key ("<<: *anchor", a
 * YAML 1.1 feature compose files use and libyaml leaves to us) names;
 * the mapping's own keys win, as in YAML. */
static yaml_node_t *get_merged(const struct audit_ysrc *y, yaml_node_t *map, const char *key,
			       yaml_node_t **key_node, int depth, unsigned *visits)
{
	yaml_node_t *merge = NULL, *v;
	yaml_node_pair_t *p;
	size_t i;

	if (!map || map->type != YAML_MAPPING_NODE || depth > MERGE_DEPTH_MAX ||
	    ++*visits > MERGE_VISITS_MAX)
		return NULL;
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(y->doc, p->key);
		const char *s = audit_y_str(k);

		if (s && strcmp(s, key) == 0) {
			if (key_node)
				*key_node = k;
			return yaml_document_get_node(y->doc, p->value);
		}
		if (s && strcmp(s, "<<") == 0)
			merge = yaml_document_get_node(y->doc, p->value);
	}
	if (merge && merge->type == YAML_MAPPING_NODE)
		return get_merged(y, merge, key, key_node, depth + 1, visits);
	for (i = 0; i < audit_y_len(merge); i++)
		if ((v = get_merged(y, audit_y_item(y, merge, i), key, key_node, depth + 1, visits)))
			return v;
	return NULL;
}

yaml_node_t *audit_y_get(const struct audit_ysrc *y, yaml_node_t *map, const char *key,
			 yaml_node_t **key_node)
{
	unsigned visits = 0;

	if (key_node)
		*key_node = NULL;
	return get_merged(y, map, key, key_node, 0, &visits);
}

const char *audit_y_str(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

size_t audit_y_len(const yaml_node_t *seq)
{
	if (!seq || seq->type != YAML_SEQUENCE_NODE)
		return 0;
	return (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
}

yaml_node_t *audit_y_item(const struct audit_ysrc *y, yaml_node_t *seq, size_t i)
{
	if (i >= audit_y_len(seq))
		return NULL;
	return yaml_document_get_node(y->doc, seq->data.sequence.items.start[i]);
}

void audit_y_loc(const struct audit_ysrc *y, const yaml_node_t *n, struct audit_loc *out)
{
	out->file = y->file;
	out->line = n ? (int)n->start_mark.line + 1 : 1;
	out->col = n ? (int)n->start_mark.column + 1 : 1;
}

void audit_y_at(const struct audit_ysrc *y, struct audit_workload *w, enum audit_field f,
		const yaml_node_t *n)
{
	if (n)
		audit_y_loc(y, n, &w->at[f]);
}

int audit_y_fail(const struct audit_ysrc *y, const yaml_node_t *n, const char *fmt, ...)
{
	struct audit_loc l;
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	audit_y_loc(y, n, &l);
	return audit_fail(y->err, y->errlen, "%s:%d:%d: %s", l.file, l.line, l.col, what);
}

int audit_y_bool(const yaml_node_t *n, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", "y" };
	static const char *const no[] = { "false", "no", "off", "n" };
	const char *s = audit_y_str(n);
	size_t i;

	for (i = 0; s && i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

int audit_parse_bytes(const char *s, int64_t *out)
{
	static const struct {
		const char *suffix;
		double mult;
	} units[] = {
		{ "", 1 },	  { "b", 1 },	      { "k", 1024 },     { "kb", 1024 },
		{ "ki", 1024 },	  { "m", 1 << 20 },   { "mb", 1 << 20 }, { "mi", 1 << 20 },
		{ "g", 1 << 30 }, { "gb", 1 << 30 },  { "gi", 1 << 30 }, { "t", 1099511627776.0 },
		{ "ti", 1099511627776.0 },
	};
	char *end;
	double v;
	size_t i;

	if (!s)
		return -EINVAL;
	v = strtod(s, &end);
	if (end == s || v < 0 || v > 9e18)
		return -EINVAL;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcasecmp(end, units[i].suffix) == 0) {
			*out = (int64_t)(v * units[i].mult);
			return *out > 0 || v == 0 ? 0 : -EINVAL;
		}
	return -EINVAL;
}

int audit_parse_cpus(const char *s, int64_t *out)
{
	char *end;
	double v;

	if (!s)
		return -EINVAL;
	v = strtod(s, &end);
	if (end == s || v < 0 || v > 1e6)
		return -EINVAL;
	if (strcmp(end, "m") == 0)
		v /= 1000;
	else if (*end)
		return -EINVAL;
	*out = (int64_t)(v * 1e9);
	return 0;
}

struct audit_workload *audit_y_new_workload(struct audit_ysrc *y, enum audit_source src,
					    const yaml_node_t *entry)
{
	struct audit_workload *w;

	if (y->in->n_workloads >= AUDIT_WORKLOADS_MAX) {
		audit_y_fail(y, entry, "more than %d workloads", AUDIT_WORKLOADS_MAX);
		return NULL;
	}
	w = audit_grow(&y->in->workloads, &y->in->n_workloads, sizeof(*w), &y->oom);
	if (!w)
		return NULL;
	w->source = src;
	audit_y_loc(y, entry, &w->at[AUDIT_F_ENTRY]);
	return w;
}

static int parse_document(struct audit_ysrc *y, size_t index)
{
	yaml_node_t *root = yaml_document_get_root_node(y->doc);

	if (!root)
		return 0;
	if (root->type != YAML_MAPPING_NODE)
		return audit_y_fail(y, root, "document %zu is not a mapping", index + 1);
	if (audit_y_get(y, root, "services", NULL))
		return audit_compose_parse(y, root);
	if (audit_k8s_is_manifest(y, root))
		return audit_k8s_parse(y, root);
	return audit_y_fail(y, root, "neither a compose file (no services:) nor a Kubernetes "
				     "manifest (no apiVersion: and kind:)");
}

/* Keeps name in in->files so that locations can point to it. */
static const char *keep_name(struct audit_input *in, const char *name, bool *oom)
{
	if (audit_strv_push(&in->files, &in->n_files, oom, name))
		return NULL;
	return in->files[in->n_files - 1];
}

int audit_file_parse(const char *name, const char *text, size_t len, struct audit_input *in,
		     char *err, size_t errlen)
{
	struct audit_ysrc y = { .in = in, .err = err, .errlen = errlen };
	yaml_parser_t parser;
	yaml_document_t doc;
	size_t n;
	int ret = 0;

	if (len > AUDIT_FILE_MAX)
		return audit_fail(err, errlen, "%s: larger than %u bytes", name, AUDIT_FILE_MAX);
	y.file = keep_name(in, name, &y.oom);
	if (!y.file || !yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	for (n = 0; !ret; n++) {
		if (n >= AUDIT_DOCS_MAX) {
			ret = audit_fail(err, errlen, "%s: more than %d documents", name,
					 AUDIT_DOCS_MAX);
			break;
		}
		if (!yaml_parser_load(&parser, &doc)) {
			ret = audit_fail(err, errlen, "%s:%zu:%zu: %s", name,
					 parser.problem_mark.line + 1, parser.problem_mark.column + 1,
					 parser.problem ? parser.problem : "invalid YAML");
			break;
		}
		if (!yaml_document_get_root_node(&doc)) {
			yaml_document_delete(&doc);
			break; /* the end of the stream */
		}
		y.doc = &doc;
		ret = parse_document(&y, n);
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
	if (!ret && n == 0)
		ret = audit_fail(err, errlen, "%s: empty: no services and no manifests", name);
	return ret ? ret : y.oom ? -ENOMEM : 0;
}

int audit_file_load(const char *path, struct audit_input *in, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	int ret;

	ret = audit_read_file(path, AUDIT_FILE_MAX, &text, &len);
	if (ret == -EFBIG)
		return audit_fail(err, errlen, "%s: larger than %u bytes", path, AUDIT_FILE_MAX);
	if (ret)
		return audit_fail(err, errlen, "%s: %s", path, strerror(-ret));
	ret = audit_file_parse(path, text, len, in, err, errlen);
	free(text);
	return ret;
}
