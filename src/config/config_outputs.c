/* `outputs:`: each sink's type decides which keys it may have; defaults
 * come from the same table. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_parse.h"

#define CONFIG_OUTPUTS_MAX 64

/* "outputs[2].url" style names in messages. */
static void output_where(char *buf, size_t size, size_t idx, const char *key)
{
	snprintf(buf, size, "outputs[%zu]%s%s", idx, key ? "." : "", key ? key : "");
}

/* Key i of a sink of type t: the common keys first, then the type's own. */
static const struct config_key *sink_key(const struct config_sink_type *t, size_t i)
{
	return i < config_sink_common_key_count ? &config_sink_common_keys[i]
						: &t->keys[i - config_sink_common_key_count];
}

static size_t sink_key_count(const struct config_sink_type *t)
{
	return config_sink_common_key_count + t->n_keys;
}

/* The index of `name` among t's keys; *other_type: some other type has it. */
static size_t output_key(const char *name, const struct config_sink_type *t, bool *other_type)
{
	size_t i, j;

	for (i = 0; i < sink_key_count(t); i++)
		if (strcmp(sink_key(t, i)->name, name) == 0)
			return i;
	*other_type = false;
	for (i = 0; i < config_sink_type_count; i++)
		for (j = 0; j < config_sink_types[i].n_keys; j++)
			*other_type |= strcmp(config_sink_types[i].keys[j].name, name) == 0;
	return SIZE_MAX;
}

static void list_output_keys(char *buf, size_t size, const struct config_sink_type *t)
{
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < sink_key_count(t) && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? ", " : "", sink_key(t, i)->name);
}

/* The table's defaults for one sink type (structured keys default empty). */
void config_apply_output_defaults(struct parse *p, struct sink_cfg *o,
				  const struct config_sink_type *t)
{
	size_t i;

	for (i = 0; i < sink_key_count(t); i++) {
		const struct config_key *k = sink_key(t, i);

		if (k->def && !config_is_structured(k->type) && strcmp(k->name, "name"))
			config_set_value(p, k, k->def, NULL, o, true, "default");
	}
	o->type = t->name;
	o->create = t->create;
	o->check = t->check;
}

int config_output_defaults(struct sink_cfg *o, const char *type)
{
	struct parse p = { .file = "defaults" };
	const struct config_sink_type *t = config_sink_type_find(type);

	if (!t)
		return -EINVAL;
	memset(o, 0, sizeof(*o));
	config_apply_output_defaults(&p, o, t);
	return 0;
}

/* The sink's type row, from its `type:` key (problems printed). */
static const struct config_sink_type *output_type(struct parse *p, const yaml_node_t *n,
						  const char *where)
{
	const yaml_node_t *type_node = NULL;
	const struct config_sink_type *t;
	yaml_node_pair_t *pair;
	char types[256];

	config_sink_type_names(types, sizeof(types));
	for (pair = n->data.mapping.pairs.start; pair < n->data.mapping.pairs.top; pair++)
		if (config_scalar(yaml_document_get_node(p->doc, pair->key)) &&
		    strcmp(config_scalar(yaml_document_get_node(p->doc, pair->key)), "type") == 0)
			type_node = yaml_document_get_node(p->doc, pair->value);
	if (!type_node) {
		config_problem(p, n, "%s: no type (expected type: one of %s)", where, types);
		return NULL;
	}
	t = config_scalar(type_node) ? config_sink_type_find(config_scalar(type_node)) : NULL;
	if (!t)
		config_problem(p, type_node, "%s.type: '%s' is not a sink type (expected one of %s)",
			       where, config_scalar(type_node) ? config_scalar(type_node)
							       : config_kind_name(type_node),
			       types);
	return t;
}

/* The name names the spool file: no way out of spool_dir. Unnamed sinks
 * are numbered per type (file#1, webhook#2), stable across reloads. */
static void output_name(struct parse *p, const yaml_node_t *n, const char *where,
			struct sink_cfg *o, unsigned *count)
{
	char *name;

	if (o->name && (!*o->name || strchr(o->name, '/') || !strcmp(o->name, ".") ||
			!strcmp(o->name, "..")))
		config_problem(p, n, "%s.name: '%s' cannot name a file (expected a name without '/')",
			       where, o->name);
	if (!o->name && asprintf(&name, "%s#%u", o->type, ++*count) >= 0)
		o->name = config_own(p, name);
}

/* One sink: its type first (it decides which keys are valid), then the rest. */
static void set_output(struct parse *p, const yaml_node_t *n, size_t idx, struct sink_cfg *o,
		       unsigned *counts)
{
	char where[96], keys[512];
	const struct config_sink_type *t;
	yaml_node_pair_t *pair;
	unsigned char seen[64] = { 0 };
	bool other;
	size_t i;

	output_where(where, sizeof(where), idx, NULL);
	if (n->type != YAML_MAPPING_NODE) {
		config_problem(p, n, "%s: %s here (expected a mapping such as {type: file, path: ...})",
			where, config_kind_name(n));
		return;
	}
	t = output_type(p, n, where);
	if (!t)
		return;
	config_apply_output_defaults(p, o, t);
	for (pair = n->data.mapping.pairs.start; pair < n->data.mapping.pairs.top; pair++) {
		const yaml_node_t *kn = yaml_document_get_node(p->doc, pair->key);
		const yaml_node_t *vn = yaml_document_get_node(p->doc, pair->value);
		const char *name = config_scalar(kn);

		if (!name) {
			config_problem(p, kn, "%s: a key must be a plain name", where);
			continue;
		}
		i = output_key(name, t, &other);
		if (i == SIZE_MAX) {
			list_output_keys(keys, sizeof(keys), t);
			config_problem(p, kn, "%s: unknown key '%s'%s (expected one of %s)", where, name,
				other ? " for this type" : "", keys);
			continue;
		}
		output_where(where, sizeof(where), idx, name);
		if (i < sizeof(seen) && seen[i]++)
			config_problem(p, kn, "%s: duplicate key (expected each key once)", where);
		else
			config_set_from_node(p, sink_key(t, i), vn, o, true, where);
		output_where(where, sizeof(where), idx, NULL);
	}
	for (i = 0; i < sink_key_count(t); i++)
		if (sink_key(t, i)->required && !seen[i])
			config_problem(p, n, "%s: a %s output needs %s (expected %s: %s)", where, o->type,
				sink_key(t, i)->name, sink_key(t, i)->name, sink_key(t, i)->desc);
	output_name(p, n, where, o, &counts[(size_t)(t - config_sink_types) % CONFIG_SINK_TYPES_MAX]);
}

int config_set_outputs(struct parse *p, const yaml_node_t *n, struct palisade_config *c)
{
	unsigned counts[CONFIG_SINK_TYPES_MAX] = { 0 };
	yaml_node_item_t *it;
	size_t i;

	if (n->type != YAML_SEQUENCE_NODE) {
		config_problem(p, n, "outputs: %s here (expected a list of sinks, e.g. - {type: stdout})",
			config_kind_name(n));
		return -EINVAL;
	}
	/* Each output is a thread and a queue; the name check below is pairwise. */
	if (n->data.sequence.items.top - n->data.sequence.items.start > CONFIG_OUTPUTS_MAX) {
		config_problem(p, n, "outputs: %zu outputs (expected at most %d)",
			       (size_t)(n->data.sequence.items.top - n->data.sequence.items.start),
			       CONFIG_OUTPUTS_MAX);
		return -EINVAL;
	}
	c->n_outputs = 0;
	c->outputs = config_own(p, calloc((size_t)(n->data.sequence.items.top -
					    n->data.sequence.items.start) + 1,
				   sizeof(*c->outputs)));
	if (!c->outputs)
		return -ENOMEM;
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		set_output(p, yaml_document_get_node(p->doc, *it), c->n_outputs,
			   &c->outputs[c->n_outputs], counts);
		c->n_outputs++;
	}
	/* Two sinks with one name would share a spool file. */
	for (i = 0; i < c->n_outputs; i++)
		for (size_t j = 0; j < i; j++)
			if (c->outputs[i].name && c->outputs[j].name &&
			    strcmp(c->outputs[i].name, c->outputs[j].name) == 0)
				config_problem(p, yaml_document_get_node(p->doc,
								  n->data.sequence.items.start[i]),
					"outputs[%zu].name: '%s' is used twice (expected unique "
					"names)", i, c->outputs[i].name);
	return 0;
}


void config_outputs_from_text(struct parse *p, const char *text, struct palisade_config *c)
{
	bool std = strcmp(text, "-") == 0;
	struct sink_cfg *o;

	c->n_outputs = 0;
	if (strcmp(text, "none") == 0)
		return;
	o = config_own(p, calloc(1, sizeof(*o)));
	if (!o) {
		p->errors++;
		return;
	}
	config_output_defaults(o, std ? "stdout" : "file");
	o->name = std ? "stdout#1" : "file#1";
	o->file.path = text;
	c->outputs = o;
	c->n_outputs = 1;
}
