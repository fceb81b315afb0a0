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

static const struct config_key *output_key(const char *name, unsigned type_bit, bool *other_type)
{
	size_t i;

	*other_type = false;
	for (i = 0; i < config_output_key_count; i++) {
		if (strcmp(config_output_keys[i].name, name))
			continue;
		if (config_output_keys[i].types & type_bit)
			return &config_output_keys[i];
		*other_type = true;
	}
	return NULL;
}

static void list_output_keys(char *buf, size_t size, unsigned type_bit)
{
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < config_output_key_count && n < size; i++)
		if (config_output_keys[i].types & type_bit)
			n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? ", " : "",
					      config_output_keys[i].name);
}

/* The table's defaults for one sink type (structured keys default empty). */
void config_apply_output_defaults(struct parse *p, struct sink_cfg *o, unsigned bit)
{
	size_t i;

	for (i = 0; i < config_output_key_count; i++)
		if ((config_output_keys[i].types & bit) && config_output_keys[i].def &&
		    !config_is_structured(config_output_keys[i].type) &&
		    strcmp(config_output_keys[i].name, "name"))
			config_set_value(p, &config_output_keys[i], config_output_keys[i].def, NULL, o, true,
				  "default");
}

int config_output_defaults(struct sink_cfg *o, const char *type)
{
	struct parse p = { .file = "defaults" };
	unsigned bit = config_output_type_bit(type);

	if (!bit)
		return -EINVAL;
	memset(o, 0, sizeof(*o));
	config_apply_output_defaults(&p, o, bit);
	o->type = type;
	return 0;
}

/* One sink: its type first (it decides which keys are valid), then the rest. */
static void set_output(struct parse *p, const yaml_node_t *n, size_t idx, struct sink_cfg *o,
		       unsigned *counts)
{
	char where[96], keys[512];
	const yaml_node_t *type_node = NULL;
	yaml_node_pair_t *pair;
	unsigned bit = 0;
	unsigned char seen[64] = { 0 };
	bool other;
	size_t i;

	output_where(where, sizeof(where), idx, NULL);
	if (n->type != YAML_MAPPING_NODE) {
		config_problem(p, n, "%s: %s here (expected a mapping such as {type: file, path: ...})",
			where, config_kind_name(n));
		return;
	}
	for (pair = n->data.mapping.pairs.start; pair < n->data.mapping.pairs.top; pair++)
		if (config_scalar(yaml_document_get_node(p->doc, pair->key)) &&
		    strcmp(config_scalar(yaml_document_get_node(p->doc, pair->key)), "type") == 0)
			type_node = yaml_document_get_node(p->doc, pair->value);
	if (!type_node) {
		config_problem(p, n, "%s: no type (expected type: one of %s)", where, config_output_types);
		return;
	}
	bit = config_scalar(type_node) ? config_output_type_bit(config_scalar(type_node)) : 0;
	if (!bit) {
		config_problem(p, type_node, "%s.type: '%s' is not a sink type (expected one of %s)", where,
			config_scalar(type_node) ? config_scalar(type_node) : config_kind_name(type_node),
			config_output_types);
		return;
	}
	config_apply_output_defaults(p, o, bit);
	o->type = config_scalar(type_node);
	for (pair = n->data.mapping.pairs.start; pair < n->data.mapping.pairs.top; pair++) {
		const yaml_node_t *kn = yaml_document_get_node(p->doc, pair->key);
		const yaml_node_t *vn = yaml_document_get_node(p->doc, pair->value);
		const struct config_key *k;
		const char *name = config_scalar(kn);

		if (!name) {
			config_problem(p, kn, "%s: a key must be a plain name", where);
			continue;
		}
		k = output_key(name, bit, &other);
		if (!k) {
			list_output_keys(keys, sizeof(keys), bit);
			config_problem(p, kn, "%s: unknown key '%s'%s (expected one of %s)", where, name,
				other ? " for this type" : "", keys);
			continue;
		}
		output_where(where, sizeof(where), idx, name);
		if (seen[k - config_output_keys]++)
			config_problem(p, kn, "%s: duplicate key (expected each key once)", where);
		else
			config_set_from_node(p, k, vn, o, true, where);
		output_where(where, sizeof(where), idx, NULL);
	}
	for (i = 0; i < config_output_key_count; i++)
		if ((config_output_keys[i].types & bit) && config_output_keys[i].required &&
		    !seen[i])
			config_problem(p, n, "%s: a %s output needs %s (expected %s: %s)", where, o->type,
				config_output_keys[i].name, config_output_keys[i].name,
				config_output_keys[i].desc);
	/* The name names the spool file: no way out of spool_dir. */
	if (o->name && (!*o->name || strchr(o->name, '/') || !strcmp(o->name, ".") ||
			!strcmp(o->name, "..")))
		config_problem(p, n, "%s.name: '%s' cannot name a file (expected a name without '/')", where,
			o->name);
	if (!o->name) {
		/* file#1, webhook#2: numbered per type, stable across reloads. */
		char *name;

		i = (size_t)__builtin_ctz(bit);
		if (asprintf(&name, "%s#%u", o->type, ++counts[i]) >= 0)
			o->name = config_own(p, name);
	}
}

int config_set_outputs(struct parse *p, const yaml_node_t *n, struct palisade_config *c)
{
	unsigned counts[8] = { 0 };
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

