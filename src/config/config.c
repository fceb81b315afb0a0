/*
 * Parsing the configuration file against the key table (config_keys.c).
 * libyaml builds the document; every scalar the configuration keeps points
 * into it, so the document lives as long as the configuration. Every problem
 * is reported with the file and line of the offending node, and any problem
 * refuses the whole file: a half-applied configuration is worse than none.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "config/config_internal.h"

struct parse {
	const char *file;
	FILE *diag;
	yaml_document_t *doc;
	int errors;
	struct config_priv *priv;
};

/* What the configuration owns besides the structure. */
struct config_priv {
	yaml_document_t doc;
	bool have_doc;
	void **allocs; /* lists, names */
	size_t n_allocs;
};

static void problem(struct parse *p, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void problem(struct parse *p, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;

	p->errors++;
	if (!p->diag)
		return;
	if (n)
		fprintf(p->diag, "%s:%zu: ", p->file, n->start_mark.line + 1);
	else
		fprintf(p->diag, "%s: ", p->file);
	va_start(ap, fmt);
	vfprintf(p->diag, fmt, ap);
	va_end(ap);
	fputc('\n', p->diag);
}

static void *own(struct parse *p, void *mem)
{
	void **grown;

	if (!mem)
		return NULL;
	grown = realloc(p->priv->allocs, (p->priv->n_allocs + 1) * sizeof(*grown));
	if (!grown) {
		free(mem);
		return NULL;
	}
	p->priv->allocs = grown;
	grown[p->priv->n_allocs++] = mem;
	return mem;
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static const char *kind_name(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE ? "a scalar"
	       : n->type == YAML_SEQUENCE_NODE ? "a list"
					       : "a mapping";
}

static bool in_choices(const char *choices, const char *s)
{
	size_t len = strlen(s);
	const char *c = choices;

	while (c && *c) {
		const char *bar = strchr(c, '|');
		size_t clen = bar ? (size_t)(bar - c) : strlen(c);

		if (clen == len && strncmp(c, s, len) == 0)
			return true;
		c = bar ? bar + 1 : NULL;
	}
	return false;
}

static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on" }, *const no[] = { "false", "no", "off" };
	size_t i;

	for (i = 0; i < 3; i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return *out = true, 0;
		if (strcasecmp(s, no[i]) == 0)
			return *out = false, 0;
	}
	return -EINVAL;
}

static int parse_uint(const char *s, bool suffix, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -ERANGE;
	if (suffix && *end && !end[1]) {
		unsigned shift = *end == 'K' || *end == 'k' ? 10 : *end == 'M' || *end == 'm' ? 20
				 : *end == 'G' || *end == 'g' ? 30 : 0;

		if (!shift)
			return -EINVAL;
		if (v > (UINT64_MAX >> shift))
			return -ERANGE;
		v <<= shift;
		end++;
	}
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Where an unsigned value goes: CFG_BYTES and every global number are 64-bit
 * members, the other numbers of a sink (counts, milliseconds) 32-bit ones. */
static void store_uint(void *dst, const struct config_key *k, uint64_t v, bool in_output)
{
	if (!in_output || k->type == CFG_BYTES)
		*(uint64_t *)dst = v;
	else
		*(uint32_t *)dst = (uint32_t)v;
}

static int set_outputs(struct parse *p, const yaml_node_t *n, struct palisade_config *c);
static bool structured(enum config_type t);

/* Sets one value; `n` NULL means the row's default text (never fails). */
static void set_value(struct parse *p, const struct config_key *k, const char *text,
		      const yaml_node_t *n, void *base, bool in_output, const char *where)
{
	void *dst = (char *)base + k->off;
	uint64_t u;
	int err;

	switch (k->type) {
	case CFG_STR:
		/* An empty string in a sink's keys means "not set" to the sinks. */
		*(const char **)dst = in_output && !*text ? NULL : text;
		return;
	case CFG_BOOL:
		if (parse_bool(text, dst))
			problem(p, n, "%s: '%s' is not a boolean (expected true or false)", where,
				text);
		return;
	case CFG_UINT:
	case CFG_POW2:
	case CFG_BYTES:
		err = parse_uint(text, k->type == CFG_BYTES, &u);
		if (err || u < k->min || (k->max && u > k->max) ||
		    (k->type == CFG_POW2 && (u & (u - 1)))) {
			problem(p, n, "%s: '%s' is out of range (expected %s from %" PRIu64
				      " to %" PRIu64 "%s)",
				where, text,
				k->type == CFG_POW2    ? "a power of two"
				: k->type == CFG_BYTES ? "a whole number of bytes"
						       : "a whole number",
				k->min, k->max,
				k->type == CFG_BYTES ? ", with an optional K, M or G suffix" : "");
			return;
		}
		store_uint(dst, k, u, in_output);
		return;
	case CFG_NUMBER: {
		char *end;
		double d = strtod(text, &end);

		if (!*text || *end || !(d >= 0) || d > 1e9)
			problem(p, n, "%s: '%s' is not a number (expected a number >= 0)", where,
				text);
		else
			*(double *)dst = d;
		return;
	}
	case CFG_PRIO:
		if (rules_priority_parse(text, dst))
			problem(p, n, "%s: '%s' is not a priority (expected one of %s)", where, text,
				k->choices);
		return;
	case CFG_ENUM:
		if (!in_choices(k->choices, text))
			problem(p, n, "%s: '%s' is not allowed (expected one of %s)", where, text,
				k->choices);
		else
			*(const char **)dst = text;
		return;
	case CFG_STRLIST:
	case CFG_HEADERS:
	case CFG_OUTPUTS:
		return; /* structured: set_structured() */
	}
}

/* A value that is a list or mapping in the file. */
static void set_structured(struct parse *p, const struct config_key *k, const yaml_node_t *n,
			   void *base, const char *where)
{
	void *dst = (char *)base + k->off;
	size_t *count = (size_t *)((char *)base + k->off_n);
	yaml_node_item_t *it;
	yaml_node_pair_t *pair;
	size_t i = 0;

	if (k->type == CFG_OUTPUTS) {
		set_outputs(p, n, base);
		return;
	}
	if (k->type == CFG_STRLIST) {
		const char **list;

		if (n->type == YAML_MAPPING_NODE) {
			problem(p, n, "%s: %s here (expected a string or a list of strings)", where,
				kind_name(n));
			return;
		}
		if (n->type == YAML_SCALAR_NODE) {
			list = own(p, calloc(1, sizeof(*list)));
			if (list)
				list[i++] = scalar(n);
		} else {
			list = own(p, calloc((size_t)(n->data.sequence.items.top -
						      n->data.sequence.items.start) + 1,
					     sizeof(*list)));
			for (it = n->data.sequence.items.start; list && it < n->data.sequence.items.top;
			     it++) {
				const yaml_node_t *e = yaml_document_get_node(p->doc, *it);

				if (!scalar(e))
					problem(p, e, "%s: %s in the list (expected a string)", where,
						kind_name(e));
				else
					list[i++] = scalar(e);
			}
		}
		*(const char ***)dst = list;
		*count = i;
		return;
	}
	/* CFG_HEADERS */
	if (n->type != YAML_MAPPING_NODE) {
		problem(p, n, "%s: %s here (expected a mapping of header name to value)", where,
			kind_name(n));
		return;
	}
	struct webhook_header *h = own(p, calloc((size_t)(n->data.mapping.pairs.top -
							   n->data.mapping.pairs.start) + 1,
						  sizeof(*h)));
	for (pair = n->data.mapping.pairs.start; h && pair < n->data.mapping.pairs.top; pair++) {
		const yaml_node_t *kn = yaml_document_get_node(p->doc, pair->key);
		const yaml_node_t *vn = yaml_document_get_node(p->doc, pair->value);
		const char *name = scalar(kn), *value = scalar(vn);

		if (!name || !value || !*name || strpbrk(name, ": \r\n") ||
		    strpbrk(value, "\r\n")) {
			problem(p, kn, "%s: a header must be `Name: value` on one line (expected a "
				       "name without spaces or colons and a one-line value)", where);
			continue;
		}
		h[i].name = name;
		h[i++].value = value;
	}
	*(struct webhook_header **)dst = h;
	*count = i;
}

static bool structured(enum config_type t)
{
	return t == CFG_STRLIST || t == CFG_HEADERS || t == CFG_OUTPUTS;
}

/* Sets a key from its node in the file: scalar or structured as the row says. */
static void set_from_node(struct parse *p, const struct config_key *k, const yaml_node_t *n,
			  void *base, bool in_output, const char *where)
{
	if (structured(k->type)) {
		set_structured(p, k, n, base, where);
		return;
	}
	if (!scalar(n)) {
		problem(p, n, "%s: %s here (expected a single value)", where, kind_name(n));
		return;
	}
	set_value(p, k, scalar(n), n, base, in_output, where);
}

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
static void apply_output_defaults(struct parse *p, struct sink_cfg *o, unsigned bit)
{
	size_t i;

	for (i = 0; i < config_output_key_count; i++)
		if ((config_output_keys[i].types & bit) && config_output_keys[i].def &&
		    !structured(config_output_keys[i].type) &&
		    strcmp(config_output_keys[i].name, "name"))
			set_value(p, &config_output_keys[i], config_output_keys[i].def, NULL, o, true,
				  "default");
}

int config_output_defaults(struct sink_cfg *o, const char *type)
{
	struct parse p = { .file = "defaults" };
	unsigned bit = config_output_type_bit(type);

	if (!bit)
		return -EINVAL;
	memset(o, 0, sizeof(*o));
	apply_output_defaults(&p, o, bit);
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
		problem(p, n, "%s: %s here (expected a mapping such as {type: file, path: ...})",
			where, kind_name(n));
		return;
	}
	for (pair = n->data.mapping.pairs.start; pair < n->data.mapping.pairs.top; pair++)
		if (scalar(yaml_document_get_node(p->doc, pair->key)) &&
		    strcmp(scalar(yaml_document_get_node(p->doc, pair->key)), "type") == 0)
			type_node = yaml_document_get_node(p->doc, pair->value);
	if (!type_node) {
		problem(p, n, "%s: no type (expected type: one of %s)", where, config_output_types);
		return;
	}
	bit = scalar(type_node) ? config_output_type_bit(scalar(type_node)) : 0;
	if (!bit) {
		problem(p, type_node, "%s.type: '%s' is not a sink type (expected one of %s)", where,
			scalar(type_node) ? scalar(type_node) : kind_name(type_node),
			config_output_types);
		return;
	}
	apply_output_defaults(p, o, bit);
	o->type = scalar(type_node);
	for (pair = n->data.mapping.pairs.start; pair < n->data.mapping.pairs.top; pair++) {
		const yaml_node_t *kn = yaml_document_get_node(p->doc, pair->key);
		const yaml_node_t *vn = yaml_document_get_node(p->doc, pair->value);
		const struct config_key *k;
		const char *name = scalar(kn);

		if (!name) {
			problem(p, kn, "%s: a key must be a plain name", where);
			continue;
		}
		k = output_key(name, bit, &other);
		if (!k) {
			list_output_keys(keys, sizeof(keys), bit);
			problem(p, kn, "%s: unknown key '%s'%s (expected one of %s)", where, name,
				other ? " for this type" : "", keys);
			continue;
		}
		output_where(where, sizeof(where), idx, name);
		if (seen[k - config_output_keys]++)
			problem(p, kn, "%s: duplicate key (expected each key once)", where);
		else
			set_from_node(p, k, vn, o, true, where);
		output_where(where, sizeof(where), idx, NULL);
	}
	for (i = 0; i < config_output_key_count; i++)
		if ((config_output_keys[i].types & bit) && config_output_keys[i].required &&
		    !seen[i])
			problem(p, n, "%s: a %s output needs %s (expected %s: %s)", where, o->type,
				config_output_keys[i].name, config_output_keys[i].name,
				config_output_keys[i].desc);
	/* The name names the spool file: no way out of spool_dir. */
	if (o->name && (!*o->name || strchr(o->name, '/') || !strcmp(o->name, ".") ||
			!strcmp(o->name, "..")))
		problem(p, n, "%s.name: '%s' cannot name a file (expected a name without '/')", where,
			o->name);
	if (!o->name) {
		/* file#1, webhook#2: numbered per type, stable across reloads. */
		char *name;

		i = (size_t)__builtin_ctz(bit);
		if (asprintf(&name, "%s#%u", o->type, ++counts[i]) >= 0)
			o->name = own(p, name);
	}
}

static int set_outputs(struct parse *p, const yaml_node_t *n, struct palisade_config *c)
{
	unsigned counts[8] = { 0 };
	yaml_node_item_t *it;
	size_t i;

	if (n->type != YAML_SEQUENCE_NODE) {
		problem(p, n, "outputs: %s here (expected a list of sinks, e.g. - {type: stdout})",
			kind_name(n));
		return -EINVAL;
	}
	c->n_outputs = 0;
	c->outputs = own(p, calloc((size_t)(n->data.sequence.items.top -
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
				problem(p, yaml_document_get_node(p->doc,
								  n->data.sequence.items.start[i]),
					"outputs[%zu].name: '%s' is used twice (expected unique "
					"names)", i, c->outputs[i].name);
	return 0;
}

static const struct config_key *global_key(const char *path)
{
	size_t i;

	for (i = 0; i < config_key_count; i++)
		if (strcmp(config_keys[i].name, path) == 0)
			return &config_keys[i];
	return NULL;
}

/* Is `prefix.` the start of some key? Then a mapping is expected there. */
static bool is_section(const char *prefix)
{
	size_t len = strlen(prefix), i;

	for (i = 0; i < config_key_count; i++)
		if (strncmp(config_keys[i].name, prefix, len) == 0 &&
		    config_keys[i].name[len] == '.')
			return true;
	return false;
}

/* The next name component of key i under `prefix` ("" for the top level);
 * false when the key is not under it. */
static bool next_component(size_t i, const char *prefix, const char **at, size_t *len)
{
	const char *name = config_keys[i].name, *dot;
	size_t plen = strlen(prefix);

	if (plen && (strncmp(name, prefix, plen) || name[plen] != '.'))
		return false;
	*at = plen ? name + plen + 1 : name;
	dot = strchr(*at, '.');
	*len = dot ? (size_t)(dot - *at) : strlen(*at);
	return true;
}

/* The names valid right under `prefix`, each once. */
static void list_section(char *buf, size_t size, const char *prefix)
{
	const char *at, *prev;
	size_t i, j, len, plen, n = 0;

	buf[0] = '\0';
	for (i = 0; i < config_key_count && n < size; i++) {
		if (!next_component(i, prefix, &at, &len))
			continue;
		for (j = 0; j < i; j++)
			if (next_component(j, prefix, &prev, &plen) && plen == len &&
			    strncmp(prev, at, len) == 0)
				break;
		if (j == i)
			n += (size_t)snprintf(buf + n, size - n, "%s%.*s", n ? ", " : "", (int)len,
					      at);
	}
}

static void walk(struct parse *p, const yaml_node_t *map, const char *prefix,
		 struct palisade_config *c, unsigned char *seen)
{
	char path[128], keys[512];
	yaml_node_pair_t *pair;

	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		const yaml_node_t *kn = yaml_document_get_node(p->doc, pair->key);
		const yaml_node_t *vn = yaml_document_get_node(p->doc, pair->value);
		const struct config_key *k;
		const char *name = scalar(kn);

		if (!name) {
			problem(p, kn, "%s here is not a key (expected a plain name)", kind_name(kn));
			continue;
		}
		snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "", name);
		k = global_key(path);
		if (k) {
			if (seen[k - config_keys]++)
				problem(p, kn, "%s: duplicate key (expected each key once)", path);
			else
				set_from_node(p, k, vn, c, false, path);
		} else if (is_section(path)) {
			if (vn->type != YAML_MAPPING_NODE) {
				list_section(keys, sizeof(keys), path);
				problem(p, vn, "%s: %s here (expected a mapping with %s)", path,
					kind_name(vn), keys);
			} else {
				walk(p, vn, path, c, seen);
			}
		} else {
			list_section(keys, sizeof(keys), prefix);
			problem(p, kn, "unknown key '%s' (expected one of %s%s%s)", path, keys,
				*prefix ? " under " : "", prefix);
		}
	}
}

static void set_defaults(struct parse *p, struct palisade_config *c)
{
	struct sink_cfg *stdout_sink = own(p, calloc(1, sizeof(*stdout_sink)));
	size_t i;

	for (i = 0; i < config_key_count; i++)
		if (!structured(config_keys[i].type))
			set_value(p, &config_keys[i], config_keys[i].def, NULL, c, false, "default");
	/* outputs: [{type: stdout}] */
	if (!stdout_sink) {
		p->errors++;
		return;
	}
	config_output_defaults(stdout_sink, "stdout");
	stdout_sink->name = "stdout#1";
	c->outputs = stdout_sink;
	c->n_outputs = 1;
}

static int load(const char *name, yaml_parser_t *parser, FILE *diag,
		struct palisade_config **out)
{
	struct palisade_config *c = calloc(1, sizeof(*c));
	struct config_priv *priv = calloc(1, sizeof(*priv));
	struct parse p = { .file = name, .diag = diag, .priv = priv };
	unsigned char seen[64] = { 0 };
	yaml_node_t *root;

	*out = NULL;
	if (!c || !priv) {
		free(c);
		free(priv);
		return -ENOMEM;
	}
	c->priv = priv;
	c->path = name;
	set_defaults(&p, c);
	if (parser) {
		if (!yaml_parser_load(parser, &priv->doc)) {
			if (diag)
				fprintf(diag, "%s:%zu: YAML syntax: %s%s%s (expected valid YAML)\n",
					name, parser->problem_mark.line + 1,
					parser->problem ? parser->problem : "unreadable",
					parser->context ? " " : "",
					parser->context ? parser->context : "");
			config_free(c);
			return -EINVAL;
		}
		priv->have_doc = true;
		p.doc = &priv->doc;
		root = yaml_document_get_root_node(&priv->doc);
		if (root && root->type == YAML_SCALAR_NODE && !*scalar(root))
			root = NULL; /* an empty file: the defaults */
		if (root && root->type != YAML_MAPPING_NODE)
			problem(&p, root, "the file is %s (expected a mapping of keys, e.g. "
					  "rules: {...})", kind_name(root));
		else if (root)
			walk(&p, root, "", c, seen);
	}
	if (p.errors) {
		if (diag)
			fprintf(diag, "%s: %d problem%s; nothing was applied (keys: `palisade config "
				      "keys`, docs/configuration.md)\n",
				name, p.errors, p.errors == 1 ? "" : "s");
		config_free(c);
		return -EINVAL;
	}
	*out = c;
	return 0;
}

int config_load_buffer(const char *name, const char *text, size_t len, FILE *diag,
		       struct palisade_config **out)
{
	yaml_parser_t parser;
	int err;

	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	err = load(name, &parser, diag, out);
	yaml_parser_delete(&parser);
	return err;
}

int config_load(const char *path, FILE *diag, struct palisade_config **out)
{
	yaml_parser_t parser;
	FILE *f;
	int err;

	*out = NULL;
	if (!path)
		return load("defaults", NULL, diag, out);
	f = fopen(path, "re");
	if (!f) {
		err = -errno;
		if (diag)
			fprintf(diag, "%s: cannot read the configuration: %s\n", path,
				strerror(-err));
		return err;
	}
	if (!yaml_parser_initialize(&parser)) {
		fclose(f);
		return -ENOMEM;
	}
	yaml_parser_set_input_file(&parser, f);
	err = load(path, &parser, diag, out);
	yaml_parser_delete(&parser);
	fclose(f);
	return err;
}

void config_free(struct palisade_config *c)
{
	struct config_priv *priv;
	size_t i;

	if (!c)
		return;
	priv = c->priv;
	if (priv) {
		for (i = 0; i < priv->n_allocs; i++)
			free(priv->allocs[i]);
		free(priv->allocs);
		if (priv->have_doc)
			yaml_document_delete(&priv->doc);
		free(priv);
	}
	free(c);
}
