/*
 * Parsing the configuration file against the key table (config_keys.c).
 * libyaml builds the document; every scalar the configuration keeps points
 * into it, so the document lives as long as the configuration. Every problem
 * is reported with the file and line of the offending node, and any problem
 * refuses the whole file: a half-applied configuration is worse than none.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_parse.h"
#include "config/falco_config.h"

#define CONFIG_FILE_MAX (4u << 20)

void config_problem(struct parse *p, const yaml_node_t *n, const char *fmt, ...)
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

void *config_own(struct parse *p, void *mem)
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

const struct config_key *config_key_find(const char *path)
{
	size_t i;

	for (i = 0; i < config_key_count; i++)
		if (config_keys[i].name && strcmp(config_keys[i].name, path) == 0)
			return &config_keys[i];
	return NULL;
}

/* Is `prefix.` the start of some key? Then a mapping is expected there. */
static bool is_section(const char *prefix)
{
	size_t len = strlen(prefix), i;

	for (i = 0; i < config_key_count; i++)
		if (config_keys[i].name && strncmp(config_keys[i].name, prefix, len) == 0 &&
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

	if (!name || (plen && (strncmp(name, prefix, plen) || name[plen] != '.')))
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
		const char *name = config_scalar(kn);

		if (!name) {
			config_problem(p, kn, "%s here is not a key (expected a plain name)", config_kind_name(kn));
			continue;
		}
		snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "", name);
		k = config_key_find(path);
		if (k) {
			if (seen[k - config_keys]++)
				config_problem(p, kn, "%s: duplicate key (expected each key once)", path);
			else
				config_set_from_node(p, k, vn, c, false, path);
		} else if (is_section(path)) {
			if (vn->type != YAML_MAPPING_NODE) {
				list_section(keys, sizeof(keys), path);
				config_problem(p, vn, "%s: %s here (expected a mapping with %s)", path,
					config_kind_name(vn), keys);
			} else {
				walk(p, vn, path, c, seen);
			}
		} else {
			list_section(keys, sizeof(keys), prefix);
			config_problem(p, kn, "unknown key '%s' (expected one of %s%s%s)", path, keys,
				*prefix ? " under " : "", prefix);
		}
	}
}

static void set_defaults(struct parse *p, struct palisade_config *c)
{
	static const char *drop_actions[] = { "log", "alert" }; /* syscall_event_drops.actions */
	size_t i;

	for (i = 0; i < config_key_count; i++)
		if (!config_is_structured(config_keys[i].type))
			config_set_value(p, &config_keys[i], config_keys[i].def, NULL, c, false, "default");
	c->drops_actions = drop_actions;
	c->n_drops_actions = 2;
	config_outputs_from_text(p, "-", c); /* outputs: [{type: stdout}] */
}

static int load(const char *name, yaml_parser_t *parser, FILE *diag,
		struct palisade_config **out)
{
	struct palisade_config *c = calloc(1, sizeof(*c));
	struct config_priv *priv = calloc(1, sizeof(*priv));
	struct parse p = { .file = name, .diag = diag, .priv = priv };
	unsigned char seen[CONFIG_KEYS_MAX] = { 0 };
	yaml_node_t *root;

	*out = NULL;
	if (!c || !priv) {
		free(c);
		free(priv);
		return -ENOMEM;
	}
	c->priv = priv;
	set_defaults(&p, c);
	c->path = name;
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
		if (root && root->type == YAML_SCALAR_NODE && !*config_scalar(root))
			root = NULL; /* an empty file: the defaults */
		if (root && root->type != YAML_MAPPING_NODE)
			config_problem(&p, root, "the file is %s (expected a mapping of keys, e.g. "
					  "rules: {...})", config_kind_name(root));
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

	*out = NULL;
	err = config_yaml_guard(name, text, len, diag);
	if (err) {
		if (diag && err == -EINVAL)
			fprintf(diag, "%s: nothing was applied\n", name);
		return err;
	}
	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	err = load(name, &parser, diag, out);
	yaml_parser_delete(&parser);
	return err;
}

/* The whole file, at most CONFIG_FILE_MAX bytes (a configuration is small). */
static int read_file(const char *path, FILE *diag, char **text, size_t *len)
{
	FILE *f = fopen(path, "re");
	size_t cap = 0;
	int err = 0;

	*text = NULL;
	*len = 0;
	if (!f) {
		err = -errno;
		goto cleanup;
	}
	do {
		char *grown;

		if (cap > CONFIG_FILE_MAX) {
			err = -EFBIG;
			goto cleanup;
		}
		cap = cap ? 2 * cap : 65536;
		grown = realloc(*text, cap);
		if (!grown) {
			err = -ENOMEM;
			goto cleanup;
		}
		*text = grown;
		*len += fread(*text + *len, 1, cap - *len, f);
	} while (*len == cap);
	if (ferror(f))
		err = -EIO;
cleanup:
	if (err && diag)
		fprintf(diag, "%s: cannot read the configuration: %s\n", path,
			err == -EFBIG ? "larger than 4 MiB" : strerror(-err));
	if (err) {
		free(*text);
		*text = NULL;
	}
	if (f)
		fclose(f);
	return err;
}

int config_load_with(const char *path, const char *falco_path, const char *const *overrides,
		     size_t n_overrides, FILE *diag, struct palisade_config **out)
{
	char *text;
	size_t len;
	int err;

	*out = NULL;
	if (path && falco_path) {
		if (diag)
			fprintf(diag, "palisade: --config %s and --falco-config %s: give one "
				      "configuration\n", path, falco_path);
		return -EINVAL;
	}
	if (falco_path)
		return config_load_falco(falco_path, overrides, n_overrides, diag, out);
	if (!path)
		return load("defaults", NULL, diag, out);
	err = read_file(path, diag, &text, &len);
	if (err)
		return err;
	if (config_text_is_falco(text, len)) { /* -c /etc/falco/falco.yaml */
		free(text);
		return config_load_falco(path, overrides, n_overrides, diag, out);
	}
	err = config_load_buffer(path, text, len, diag, out);
	free(text);
	return err;
}

int config_load(const char *path, FILE *diag, struct palisade_config **out)
{
	return config_load_with(path, NULL, NULL, 0, diag, out);
}

void *config_keep(struct palisade_config *c, void *mem)
{
	struct parse p = { .priv = c->priv };

	return config_own(&p, mem);
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

