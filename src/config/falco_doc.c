/*
 * A falco.yaml as Falco reads it: the file, then each of its config_files
 * (files, or directories of them in name order) merged per top-level key by
 * the entry's strategy (append: a list is extended, anything else replaced;
 * override: replaced; add-only: only a key not there yet), `${VAR}` replaced
 * by the environment's value (`$${X}` is a literal `${X}`), and the command
 * line's `-o KEY=VALUE` on top. Every node keeps the file and line it came
 * from, for messages. Bounded: nesting depth and node count are capped, as
 * the rules parser caps them.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <yaml.h>

#include "config/falco_doc.h"

#define FALCO_DEPTH_MAX 32
#define FALCO_NODES_MAX 200000
#define FALCO_INCLUDES_MAX 64
#define FALCO_FILE_MAX (4 << 20)

struct falco_doc {
	struct falco_node *root;
	void **allocs; /* strings */
	size_t n_allocs;
	struct falco_node **all; /* every node, with its kids array */
	size_t nodes;
	FILE *diag;
	int errors;
};

static void problem(struct falco_doc *d, const char *file, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void problem(struct falco_doc *d, const char *file, unsigned line, const char *fmt, ...)
{
	va_list ap;

	d->errors++;
	if (!d->diag)
		return;
	if (line)
		fprintf(d->diag, "%s:%u: ", file, line);
	else
		fprintf(d->diag, "%s: ", file);
	va_start(ap, fmt);
	vfprintf(d->diag, fmt, ap);
	va_end(ap);
	fputc('\n', d->diag);
}

static void *own(struct falco_doc *d, void *mem)
{
	void **grown;

	if (!mem)
		return NULL;
	grown = realloc(d->allocs, (d->n_allocs + 1) * sizeof(*grown));
	if (!grown) {
		free(mem);
		return NULL;
	}
	d->allocs = grown;
	grown[d->n_allocs++] = mem;
	return mem;
}

static struct falco_node *new_node(struct falco_doc *d, enum falco_node_kind kind,
				   const char *file, unsigned line)
{
	struct falco_node *n;

	struct falco_node **all;

	if (d->nodes >= FALCO_NODES_MAX)
		return NULL;
	if ((d->nodes & (d->nodes - 1)) == 0) { /* 0, 1, 2, 4, ...: full, double it */
		all = realloc(d->all, (d->nodes ? 2 * d->nodes : 1) * sizeof(*all));
		if (!all)
			return NULL;
		d->all = all;
	}
	n = calloc(1, sizeof(*n));
	if (n) {
		d->all[d->nodes++] = n;
		n->kind = kind;
		n->file = file;
		n->line = line;
	}
	return n;
}

/* Kids arrays grow by doubling and are freed with their node (falco_doc_free
 * walks d->all), so they are not in d->allocs. */
static int add_kid(struct falco_doc *d, struct falco_node *parent, struct falco_node *kid)
{
	(void)d;
	if ((parent->n_kids & (parent->n_kids - 1)) == 0) { /* 0, 1, 2, 4, ...: full */
		size_t cap = parent->n_kids ? 2 * parent->n_kids : 1;
		struct falco_node **v = realloc(parent->kids, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		parent->kids = v;
	}
	parent->kids[parent->n_kids++] = kid;
	return 0;
}

/* ${VAR} -> its value ("" when unset); $${X} -> ${X}; anything else as is. */
static char *expand_env(const char *s)
{
	size_t cap = strlen(s) + 1, len = 0;
	char *out = malloc(cap);

	while (out && *s) {
		const char *val = NULL, *close = NULL;
		size_t vlen = 1;

		if (s[0] == '$' && s[1] == '$' && s[2] == '{') {
			val = s + 1; /* "$${" is a literal "${" */
			vlen = 2;
			s += 3;
		} else if (s[0] == '$' && s[1] == '{' && (close = strchr(s, '}'))) {
			char name[256];

			snprintf(name, sizeof(name), "%.*s", (int)(close - s - 2), s + 2);
			val = getenv(name) ?: "";
			vlen = strlen(val);
			s = close + 1;
		}
		if (!val) {
			val = s++;
			vlen = 1;
		}
		if (len + vlen + 1 > cap) {
			char *grown = realloc(out, cap = 2 * (len + vlen + 1));

			if (!grown) {
				free(out);
				return NULL;
			}
			out = grown;
		}
		memcpy(out + len, val, vlen);
		len += vlen;
	}
	if (out)
		out[len] = '\0';
	return out;
}

static struct falco_node *convert(struct falco_doc *d, yaml_document_t *doc, yaml_node_t *y,
				  const char *file, unsigned depth)
{
	unsigned line = (unsigned)y->start_mark.line + 1;
	struct falco_node *n;

	if (depth > FALCO_DEPTH_MAX) {
		problem(d, file, line, "nested deeper than %d levels", FALCO_DEPTH_MAX);
		return NULL;
	}
	if (y->type == YAML_SCALAR_NODE) {
		n = new_node(d, FALCO_SCALAR, file, line);
		if (n && !(n->text = own(d, expand_env((const char *)y->data.scalar.value))))
			n = NULL;
		return n;
	}
	n = new_node(d, y->type == YAML_SEQUENCE_NODE ? FALCO_SEQ : FALCO_MAP, file, line);
	if (n && y->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *i = y->data.sequence.items.start;
		     i < y->data.sequence.items.top; i++) {
			struct falco_node *k = convert(d, doc, yaml_document_get_node(doc, *i), file,
						       depth + 1);

			if (!k || add_kid(d, n, k))
				return NULL;
		}
	} else if (n) {
		for (yaml_node_pair_t *p = y->data.mapping.pairs.start; p < y->data.mapping.pairs.top;
		     p++) {
			struct falco_node *k = convert(d, doc, yaml_document_get_node(doc, p->key), file,
						       depth + 1);
			struct falco_node *v = convert(d, doc, yaml_document_get_node(doc, p->value),
						       file, depth + 1);

			if (!k || !v || k->kind != FALCO_SCALAR || add_kid(d, n, k) || add_kid(d, n, v))
				return NULL;
		}
	}
	return n;
}

/* Parses one file into a tree; NULL after a message (an empty file: an
 * empty mapping). */
static struct falco_node *load_file(struct falco_doc *d, const char *path)
{
	FILE *f = fopen(path, "re");
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	struct falco_node *n = NULL;
	const char *file = own(d, strdup(path));

	struct stat st;

	if (!f) {
		problem(d, path, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode) || st.st_size > FALCO_FILE_MAX) {
		problem(d, path, 0, "not a regular file of at most %d MiB (a configuration is "
			"small)", FALCO_FILE_MAX >> 20);
		fclose(f);
		return NULL;
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc)) {
		problem(d, path, (unsigned)parser.problem_mark.line + 1, "YAML: %s",
			parser.problem ? parser.problem : "cannot parse");
		goto out;
	}
	root = yaml_document_get_root_node(&doc);
	if (!root)
		n = new_node(d, FALCO_MAP, file, 1);
	else if (root->type != YAML_MAPPING_NODE)
		problem(d, path, (unsigned)root->start_mark.line + 1, "expected a mapping of keys");
	else if (file && !(n = convert(d, &doc, root, file, 0)) && !d->errors)
		problem(d, path, 0, "too large (at most %d nodes) or out of memory",
			FALCO_NODES_MAX);
	yaml_document_delete(&doc);
out:
	yaml_parser_delete(&parser);
	fclose(f);
	return n;
}

const struct falco_node *falco_map_get(const struct falco_node *map, const char *key)
{
	for (size_t i = 0; map && map->kind == FALCO_MAP && i + 1 < map->n_kids; i += 2)
		if (!strcmp(map->kids[i]->text, key))
			return map->kids[i + 1];
	return NULL;
}

/* Sets key of map to v (replacing), or appends v's items to a list there. */
static int merge_key(struct falco_doc *d, struct falco_node *map, struct falco_node *key,
		     struct falco_node *v, bool append)
{
	for (size_t i = 0; i + 1 < map->n_kids; i += 2) {
		struct falco_node *old = map->kids[i + 1];

		if (strcmp(map->kids[i]->text, key->text))
			continue;
		if (append && old->kind == FALCO_SEQ && v->kind == FALCO_SEQ) {
			for (size_t k = 0; k < v->n_kids; k++)
				if (add_kid(d, old, v->kids[k]))
					return -ENOMEM;
			return 0;
		}
		map->kids[i + 1] = v;
		return 0;
	}
	return add_kid(d, map, key) ?: add_kid(d, map, v);
}

static void include(struct falco_doc *d, const char *path, const char *strategy)
{
	struct falco_node *inc = load_file(d, path);

	for (size_t i = 0; inc && i + 1 < inc->n_kids; i += 2) {
		struct falco_node *k = inc->kids[i];

		if (!strcmp(k->text, "config_files")) {
			problem(d, k->file, k->line, "config_files in an included file (Falco "
				"refuses them too: includes do not nest)");
			continue;
		}
		if (!strcmp(strategy, "add-only") && falco_map_get(d->root, k->text))
			continue;
		if (merge_key(d, d->root, k, inc->kids[i + 1], !strcmp(strategy, "append")))
			problem(d, path, 0, "out of memory");
	}
}

static int name_order(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* One config_files entry: a file, or every regular file of a directory in
 * name order; an entry that does not exist is skipped, as Falco does. */
static void include_entry(struct falco_doc *d, const char *main_path, const struct falco_node *e,
			  unsigned *count)
{
	const struct falco_node *pn = e->kind == FALCO_MAP ? falco_map_get(e, "path") : e;
	const struct falco_node *sn = e->kind == FALCO_MAP ? falco_map_get(e, "strategy") : NULL;
	const char *strategy = sn && sn->kind == FALCO_SCALAR ? sn->text : "append";
	struct dirent **list = NULL;
	struct stat st;
	int n;

	if (!pn || pn->kind != FALCO_SCALAR) {
		problem(d, e->file, e->line, "config_files: expected a path, or {path, strategy}");
		return;
	}
	if (strcmp(strategy, "append") && strcmp(strategy, "override") &&
	    strcmp(strategy, "add-only")) {
		problem(d, sn->file, sn->line, "config_files: strategy '%s': expected append, "
			"override or add-only", strategy);
		return;
	}
	if (!strcmp(pn->text, main_path)) {
		problem(d, pn->file, pn->line, "config_files includes the main file %s", main_path);
		return;
	}
	if (stat(pn->text, &st))
		return;
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
		problem(d, pn->file, pn->line, "config_files: %s is neither a file nor a directory",
			pn->text);
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		if ((*count)++ < FALCO_INCLUDES_MAX)
			include(d, pn->text, strategy);
		return;
	}
	n = scandir(pn->text, &list, NULL, name_order);
	for (int i = 0; i < n; i++) {
		char *full = NULL;

		if (list[i]->d_name[0] != '.' &&
		    asprintf(&full, "%s/%s", pn->text, list[i]->d_name) >= 0 &&
		    !stat(full, &st) && S_ISREG(st.st_mode) && (*count)++ < FALCO_INCLUDES_MAX)
			include(d, full, strategy);
		free(full);
		free(list[i]);
	}
	free(list);
}

/* One component of an override's key: a name, and "[]" (append) or "[N]". */
struct comp {
	char name[128];
	bool indexed, append;
	size_t index;
};

/* Splits "a.b\.c.list[2].x" into components; false when malformed. */
static bool split_key(const char *key, struct comp *c, size_t max, size_t *n)
{
	*n = 0;
	while (*key && *n < max) {
		struct comp *k = &c[(*n)++];
		size_t len = 0;

		memset(k, 0, sizeof(*k));
		while (*key && *key != '.' && *key != '[') {
			if (*key == '\\' && key[1])
				key++;
			if (len + 1 >= sizeof(k->name))
				return false;
			k->name[len++] = *key++;
		}
		if (*key == '[') {
			char *end;

			k->indexed = true;
			k->append = key[1] == ']';
			k->index = k->append ? 0 : strtoul(key + 1, &end, 10);
			if (!k->append && (end == key + 1 || *end != ']'))
				return false;
			key = strchr(key, ']') + 1;
		}
		if (!len)
			return false;
		if (*key == '.')
			key++;
		else if (*key)
			return false;
	}
	return *key == '\0';
}

/* The node at map[name], made as `kind` when missing or of another kind. */
static struct falco_node *child(struct falco_doc *d, struct falco_node *map, const char *name,
				enum falco_node_kind kind, const char *where)
{
	struct falco_node *k, *v;

	for (size_t i = 0; i + 1 < map->n_kids; i += 2)
		if (!strcmp(map->kids[i]->text, name)) {
			if (map->kids[i + 1]->kind == kind)
				return map->kids[i + 1];
			v = new_node(d, kind, where, 0);
			if (v)
				map->kids[i + 1] = v;
			return v;
		}
	k = new_node(d, FALCO_SCALAR, where, 0);
	v = new_node(d, kind, where, 0);
	if (!k || !v || !(k->text = own(d, strdup(name))) || add_kid(d, map, k) || add_kid(d, map, v))
		return NULL;
	return v;
}

/* The command line's `-o KEY=VALUE`, as Falco applies it over the files. */
static void apply_override(struct falco_doc *d, const char *arg)
{
	const char *eq = strchr(arg, '=');
	struct comp c[16];
	char key[512];
	size_t n, i;
	struct falco_node *at = d->root, *val;

	if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof(key)) {
		problem(d, "-o", 0, "'%s': expected KEY=VALUE (Falco's configuration override; "
			"to write alerts to a file use --output FILE)", arg);
		return;
	}
	snprintf(key, sizeof(key), "%.*s", (int)(eq - arg), arg);
	if (!split_key(key, c, 16, &n)) {
		problem(d, "-o", 0, "'%s': not a key path (a.b, list[], list[2], dotted\\.name)", key);
		return;
	}
	if (!strcmp(eq + 1, "[]") || !strcmp(eq + 1, "{}"))
		val = new_node(d, eq[1] == '[' ? FALCO_SEQ : FALCO_MAP, "-o", 0);
	else if ((val = new_node(d, FALCO_SCALAR, "-o", 0)))
		val->text = own(d, expand_env(eq + 1));
	for (i = 0; at && val && i < n; i++) {
		bool last = i + 1 == n;
		enum falco_node_kind kind = c[i].indexed ? FALCO_SEQ : last ? val->kind : FALCO_MAP;
		struct falco_node *slot = child(d, at, c[i].name, kind, "-o");

		if (!slot || !c[i].indexed) {
			if (slot && last) { /* the value replaces what was there */
				free(slot->kids);
				*slot = *val;
			}
			at = slot;
			continue;
		}
		if (c[i].append || c[i].index >= slot->n_kids) {
			struct falco_node *item = last ? val : new_node(d, FALCO_MAP, "-o", 0);

			if (!item || add_kid(d, slot, item))
				at = NULL;
			else
				at = item;
		} else if (last) {
			slot->kids[c[i].index] = val;
		} else {
			at = slot->kids[c[i].index];
			if (at->kind != FALCO_MAP) {
				free(at->kids);
				*at = (struct falco_node){ .kind = FALCO_MAP, .file = "-o" };
			}
		}
	}
	if (!at || !val)
		problem(d, "-o", 0, "'%s': out of memory", arg);
}

int falco_doc_load(const char *path, const char *const *overrides, size_t n_overrides,
		   FILE *diag, struct falco_doc **out)
{
	struct falco_doc *d = calloc(1, sizeof(*d));
	const struct falco_node *files;
	unsigned count = 0;

	*out = NULL;
	if (!d)
		return -ENOMEM;
	d->diag = diag;
	d->root = load_file(d, path);
	if (!d->root) {
		falco_doc_free(d);
		return -EINVAL;
	}
	/* -o config_files=... counts before the merge, as in Falco. */
	for (size_t i = 0; i < n_overrides; i++)
		if (!strncmp(overrides[i], "config_files", 12))
			apply_override(d, overrides[i]);
	files = falco_map_get(d->root, "config_files");
	if (files && files->kind == FALCO_SCALAR)
		include_entry(d, path, files, &count);
	for (size_t i = 0; files && files->kind == FALCO_SEQ && i < files->n_kids; i++)
		include_entry(d, path, files->kids[i], &count);
	if (count > FALCO_INCLUDES_MAX)
		problem(d, path, 0, "config_files: more than %d files", FALCO_INCLUDES_MAX);
	for (size_t i = 0; i < n_overrides; i++)
		if (strncmp(overrides[i], "config_files", 12))
			apply_override(d, overrides[i]);
	if (d->errors) {
		falco_doc_free(d);
		return -EINVAL;
	}
	*out = d;
	return 0;
}

const struct falco_node *falco_doc_root(const struct falco_doc *d)
{
	return d->root;
}

void falco_doc_free(struct falco_doc *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n_allocs; i++)
		free(d->allocs[i]);
	for (size_t i = 0; i < d->nodes; i++) {
		free(d->all[i]->kids);
		free(d->all[i]);
	}
	free(d->allocs);
	free(d->all);
	free(d);
}
