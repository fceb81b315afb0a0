/*
 * The FIM configuration file (docs/fim.md): YAML, read with libyaml's
 * document API. Every problem names file:line:col and what to write
 * instead; any problem refuses the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "event/event.h"
#include "fim/fim_internal.h"

#define THREADS_MAX 256

struct cparse {
	const char *file;
	FILE *diag;
	yaml_document_t *doc;
	unsigned errors;
	struct fim_config *c;
};

__attribute__((format(printf, 3, 4))) static void problem(struct cparse *p, const yaml_node_t *n,
							       const char *fmt, ...)
{
	va_list ap;

	p->errors++;
	if (!p->diag)
		return;
	if (n)
		fprintf(p->diag, "%s:%zu:%zu: ", p->file, n->start_mark.line + 1,
			n->start_mark.column + 1);
	else
		fprintf(p->diag, "%s: ", p->file);
	va_start(ap, fmt);
	vfprintf(p->diag, fmt, ap);
	va_end(ap);
	fputc('\n', p->diag);
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static const char *kind(const yaml_node_t *n)
{
	return !n ? "nothing" : n->type == YAML_SCALAR_NODE ? "a scalar"
			     : n->type == YAML_SEQUENCE_NODE ? "a list" : "a mapping";
}

static yaml_node_t *node(struct cparse *p, int id)
{
	return yaml_document_get_node(p->doc, id);
}

/* A string value; problem and NULL otherwise. */
static char *get_string(struct cparse *p, const yaml_node_t *n, const char *key)
{
	const char *s = scalar(n);
	char *copy;

	if (!s || !*s) {
		problem(p, n, "%s: %s here (expected a non-empty string)", key, s ? "an empty string" : kind(n));
		return NULL;
	}
	copy = strdup(s);
	if (!copy)
		problem(p, n, "%s: out of memory", key);
	return copy;
}

/* An absolute path, normalised (no ".", "..", "//", trailing '/'). */
static char *get_path(struct cparse *p, const yaml_node_t *n, const char *key)
{
	const char *s = scalar(n);
	char *out;

	if (!s || s[0] != '/' || strlen(s) >= EV_PATH_MAX) {
		problem(p, n, "%s: %s (expected an absolute path, e.g. /usr/bin)", key,
			s ? "not an absolute path" : kind(n));
		return NULL;
	}
	out = malloc(EV_PATH_MAX + 1);
	if (!out) {
		problem(p, n, "%s: out of memory", key);
		return NULL;
	}
	strcpy(out, s);
	event_normalize_path(out);
	return out;
}

/* A list of globs (a single string counts as a list of one). */
static void get_globs(struct cparse *p, const yaml_node_t *n, const char *key, char ***out,
		      size_t *n_out)
{
	yaml_node_item_t *it;
	size_t count = n->type == YAML_SEQUENCE_NODE
			       ? (size_t)(n->data.sequence.items.top - n->data.sequence.items.start)
			       : 1;

	if (n->type == YAML_MAPPING_NODE) {
		problem(p, n, "%s: a mapping here (expected a list of globs, e.g. [\"*.pyc\"])", key);
		return;
	}
	if (*n_out + count > FIM_EXCLUDE_MAX) {
		problem(p, n, "%s: more than %u globs (merge them)", key, FIM_EXCLUDE_MAX);
		return;
	}
	*out = realloc(*out, (*n_out + count) * sizeof(**out));
	if (!*out) {
		*n_out = 0;
		problem(p, n, "%s: out of memory", key);
		return;
	}
	if (n->type == YAML_SCALAR_NODE) {
		char *g = get_string(p, n, key);

		if (g)
			(*out)[(*n_out)++] = g;
		return;
	}
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		char *g = get_string(p, node(p, *it), key);

		if (g)
			(*out)[(*n_out)++] = g;
	}
}

/* One item of `attributes`: a name, "all", or "-name" to take one away. */
static void attr_item(struct cparse *p, const yaml_node_t *n, uint32_t *attrs)
{
	const char *s = scalar(n);
	bool minus = s && s[0] == '-';
	enum fim_attr a;

	if (!s) {
		problem(p, n, "attributes: %s here (expected an attribute name)", kind(n));
		return;
	}
	if (strcmp(s, "all") == 0) {
		*attrs = FIM_ATTRS_ALL;
		return;
	}
	a = fim_attr_by_name(s + minus, strlen(s + minus));
	if (a == FIM_A_COUNT) {
		char names[256];
		size_t w = 0;

		for (unsigned i = 0; i < FIM_A_COUNT && w < sizeof(names); i++)
			w += (size_t)snprintf(names + w, sizeof(names) - w, "%s, ", fim_attr_name(i));
		problem(p, n, "attributes: unknown attribute '%s' (expected all, or %s"
			"each optionally prefixed by '-' to leave it out)", s, names);
		return;
	}
	if (minus)
		*attrs &= ~FIM_ATTR_BIT(a);
	else
		*attrs |= FIM_ATTR_BIT(a);
}

static void get_attrs(struct cparse *p, const yaml_node_t *n, uint32_t *attrs)
{
	yaml_node_item_t *it;

	if (n->type == YAML_SCALAR_NODE) {
		*attrs = 0;
		attr_item(p, n, attrs);
		return;
	}
	if (n->type != YAML_SEQUENCE_NODE) {
		problem(p, n, "attributes: a mapping here (expected a list such as [all, -mtime])");
		return;
	}
	*attrs = 0;
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++)
		attr_item(p, node(p, *it), attrs);
	if (!*attrs)
		problem(p, n, "attributes: none left (expected at least one attribute)");
}

/* One key of a `paths` item. */
static void watch_key(struct cparse *p, struct fim_watch *w, const yaml_node_t *kn,
		      const yaml_node_t *vn)
{
	const char *k = scalar(kn);

	if (k && strcmp(k, "path") == 0) {
		free(w->path);
		w->path = get_path(p, vn, "path");
	} else if (k && strcmp(k, "class") == 0) {
		const char *s = scalar(vn);

		if (!s || fim_class_parse(s, &w->class))
			problem(p, vn, "class: '%s' (expected binary, config or other)", s ? s : kind(vn));
	} else if (k && strcmp(k, "attributes") == 0) {
		get_attrs(p, vn, &w->attrs);
	} else if (k && strcmp(k, "exclude") == 0) {
		get_globs(p, vn, "exclude", &w->exclude, &w->n_exclude);
	} else {
		problem(p, kn, "unknown key '%s' in a paths item (expected path, class, attributes, "
			"exclude)", k ? k : kind(kn));
	}
}

static void watch_item(struct cparse *p, const yaml_node_t *n)
{
	struct fim_config *c = p->c;
	struct fim_watch *w = &c->watch[c->n_watch];
	yaml_node_pair_t *pair;

	memset(w, 0, sizeof(*w));
	w->attrs = FIM_ATTRS_ALL;
	w->line = (unsigned)n->start_mark.line + 1;
	if (n->type == YAML_SCALAR_NODE) {
		w->path = get_path(p, n, "paths");
	} else if (n->type == YAML_MAPPING_NODE) {
		for (pair = n->data.mapping.pairs.start; pair < n->data.mapping.pairs.top; pair++)
			watch_key(p, w, node(p, pair->key), node(p, pair->value));
		if (!w->path)
			problem(p, n, "a paths item without 'path' (expected path: /ABSOLUTE/PATH)");
	} else {
		problem(p, n, "paths: a list in the list (expected a path or {path: ..., class: ...})");
	}
	c->n_watch++;
	for (size_t i = 0; w->path && i + 1 < c->n_watch; i++)
		if (c->watch[i].path && strcmp(c->watch[i].path, w->path) == 0)
			problem(p, n, "paths: %s is already configured at line %u (expected each path once)",
				w->path, c->watch[i].line);
}

static void get_paths(struct cparse *p, const yaml_node_t *n)
{
	yaml_node_item_t *it;
	size_t count;

	if (n->type != YAML_SEQUENCE_NODE) {
		problem(p, n, "paths: %s here (expected a list of {path: /usr/bin, class: binary})", kind(n));
		return;
	}
	count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (count > FIM_WATCH_MAX || p->c->watch) {
		problem(p, n, "paths: %s", p->c->watch ? "given twice (expected once)"
							: "more than 4096 paths (watch their common directory)");
		return;
	}
	p->c->watch = calloc(count ? count : 1, sizeof(*p->c->watch));
	if (!p->c->watch) {
		problem(p, n, "paths: out of memory");
		return;
	}
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++)
		watch_item(p, node(p, *it));
}

static void get_threads(struct cparse *p, const yaml_node_t *n)
{
	const char *s = scalar(n);
	char *end = NULL;
	unsigned long v = s ? strtoul(s, &end, 10) : 0;

	if (!s || !*s || *end || v > THREADS_MAX || s[0] == '-')
		problem(p, n, "threads: '%s' (expected 0 (two per CPU) to %d)", s ? s : kind(n), THREADS_MAX);
	else
		p->c->threads = (unsigned)v;
}

/* One top-level key. */
static void top_key(struct cparse *p, const yaml_node_t *kn, const yaml_node_t *vn)
{
	struct fim_config *c = p->c;
	const char *k = scalar(kn);
	char **slot = NULL;

	if (!k)
		problem(p, kn, "%s here (expected a key name)", kind(kn));
	else if (!strcmp(k, "paths"))
		get_paths(p, vn);
	else if (!strcmp(k, "exclude"))
		get_globs(p, vn, "exclude", &c->exclude, &c->n_exclude);
	else if (!strcmp(k, "threads"))
		get_threads(p, vn);
	else if (!strcmp(k, "package_managers"))
		get_globs(p, vn, "package_managers", &c->pkgmgr, &c->n_pkgmgr);
	else if (!strcmp(k, "database"))
		slot = &c->database;
	else if (!strcmp(k, "key_file"))
		slot = &c->key_file;
	else if (!strcmp(k, "sign_key"))
		slot = &c->sign_key;
	else if (!strcmp(k, "verify_key"))
		slot = &c->verify_key;
	else if (!strcmp(k, "hash"))
		slot = &c->hash;
	else
		problem(p, kn, "unknown key '%s' (expected database, key_file, sign_key, verify_key, "
			"hash, threads, exclude, paths, package_managers)", k);
	if (!slot)
		return;
	if (*slot) {
		problem(p, kn, "%s: given twice (expected once)", k);
		return;
	}
	*slot = strcmp(k, "hash") ? get_path(p, vn, k) : get_string(p, vn, k);
}

/* The package managers when the file names none: by executable path (a
 * process's name is whatever it chose). An interpreted one (pip) runs as its
 * interpreter: list it by the interpreter's path if wanted (docs/fim.md). */
static const char *const default_pkgmgrs[] = {
	"/usr/bin/dpkg", "/usr/bin/apt", "/usr/bin/apt-get", "/usr/bin/aptitude",
	"/usr/lib/apt/methods/http", "/sbin/apk", "/usr/bin/rpm", "/usr/bin/dnf",
	"/usr/bin/dnf-3", "/usr/bin/yum", "/usr/bin/microdnf",
};

static void check_pkgmgrs(struct cparse *p, const yaml_node_t *root)
{
	struct fim_config *c = p->c;
	size_t n = sizeof(default_pkgmgrs) / sizeof(default_pkgmgrs[0]);

	for (size_t i = 0; i < c->n_pkgmgr; i++)
		if (c->pkgmgr[i][0] != '/')
			problem(p, root, "package_managers: '%s' is not an absolute path (a package "
				"manager is named by its executable's path, e.g. /usr/bin/dpkg)",
				c->pkgmgr[i]);
	if (c->pkgmgr)
		return;
	c->pkgmgr = calloc(n, sizeof(*c->pkgmgr));
	for (size_t i = 0; c->pkgmgr && i < n; i++)
		if ((c->pkgmgr[i] = strdup(default_pkgmgrs[i])))
			c->n_pkgmgr++;
	if (!c->pkgmgr || c->n_pkgmgr != n)
		p->errors++;
}

/* What the keys say together. */
static void check_whole(struct cparse *p, const yaml_node_t *root)
{
	struct fim_config *c = p->c;

	if (!c->n_watch)
		problem(p, root, "no paths (expected paths: [{path: /usr/bin, class: binary}, ...])");
	if (c->key_file && (c->sign_key || c->verify_key))
		problem(p, root, "key_file and sign_key/verify_key both given (expected one way to "
			"authenticate the database)");
	else if (!c->key_file && !c->sign_key && !c->verify_key)
		problem(p, root, "no key_file, sign_key or verify_key (the database must be "
			"authenticated: key_file: FILE holding at least 32 random bytes, e.g. "
			"`openssl rand -hex 32 > FILE`)");
	c->auth = c->key_file ? FIM_AUTH_HMAC : FIM_AUTH_ED25519;
	check_pkgmgrs(p, root);
	if (!c->database && !(c->database = strdup("/var/lib/palisade/fim.db")))
		p->errors++;
	if (!c->hash && !(c->hash = strdup("sha256")))
		p->errors++;
	if (c->hash && fim_digest_check(c->hash, NULL))
		problem(p, root, "hash: '%s' is not a digest OpenSSL provides (expected sha256, "
			"sha512, sha3-256, blake2b512, ...)", c->hash);
}

int fim_config_parse(const char *name, const char *text, size_t len, FILE *diag,
		     struct fim_config **out)
{
	struct fim_config *c = calloc(1, sizeof(*c));
	yaml_parser_t parser;
	yaml_document_t doc;
	struct cparse p = { .file = name, .diag = diag, .doc = &doc, .c = c };
	yaml_node_t *root;
	yaml_node_pair_t *pair;
	int ret = -EINVAL;

	*out = NULL;
	if (!c || !(c->file = strdup(name))) {
		free(c);
		return -ENOMEM;
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		if (diag)
			fprintf(diag, "%s:%zu:%zu: YAML syntax: %s (expected valid YAML)\n", name,
				parser.problem_mark.line + 1, parser.problem_mark.column + 1,
				parser.problem ? parser.problem : "unreadable");
		yaml_parser_delete(&parser);
		fim_config_free(c);
		return -EINVAL;
	}
	root = yaml_document_get_root_node(&doc);
	if (!root || root->type != YAML_MAPPING_NODE) {
		problem(&p, root, "the file is %s (expected a mapping: database, key_file, paths, ...)",
			kind(root));
	} else {
		for (pair = root->data.mapping.pairs.start; pair < root->data.mapping.pairs.top; pair++)
			top_key(&p, node(&p, pair->key), node(&p, pair->value));
		check_whole(&p, root);
	}
	if (!p.errors) {
		*out = c;
		c = NULL;
		ret = 0;
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	fim_config_free(c);
	return ret;
}

int fim_config_load(const char *path, FILE *diag, struct fim_config **out)
{
	char *text = NULL;
	ssize_t n;
	int fd, ret;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		ret = -errno;
		if (diag)
			fprintf(diag, "%s: cannot open the FIM configuration: %s%s\n", path, strerror(errno),
				errno == ENOENT ? " (write one: docs/fim.md, or name it with -c FILE)" : "");
		return ret;
	}
	text = malloc(FIM_CONFIG_FILE_MAX + 1);
	n = text ? read(fd, text, FIM_CONFIG_FILE_MAX + 1) : -1;
	ret = n < 0 ? (text ? -errno : -ENOMEM) : 0;
	close(fd);
	if (!ret && (size_t)n > FIM_CONFIG_FILE_MAX) {
		if (diag)
			fprintf(diag, "%s: larger than %u bytes (expected a configuration file)\n", path,
				FIM_CONFIG_FILE_MAX);
		ret = -EFBIG;
	}
	if (!ret)
		ret = fim_config_parse(path, text, (size_t)n, diag, out);
	else if (diag && ret != -EFBIG)
		fprintf(diag, "%s: cannot read: %s\n", path, strerror(-ret));
	free(text);
	return ret;
}

static void free_globs(char **g, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(g[i]);
	free(g);
}

void fim_config_free(struct fim_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_watch; i++) {
		free(c->watch[i].path);
		free_globs(c->watch[i].exclude, c->watch[i].n_exclude);
	}
	free(c->watch);
	free_globs(c->exclude, c->n_exclude);
	free_globs(c->pkgmgr, c->n_pkgmgr);
	free(c->file);
	free(c->database);
	free(c->key_file);
	free(c->sign_key);
	free(c->verify_key);
	free(c->hash);
	free(c);
}

static bool glob_match(char *const *globs, size_t n, const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	for (size_t i = 0; i < n; i++)
		if (fnmatch(globs[i], strchr(globs[i], '/') ? path : base, 0) == 0)
			return true;
	return false;
}

bool fim_config_excluded(const struct fim_config *c, const struct fim_watch *w, const char *path)
{
	return glob_match(c->exclude, c->n_exclude, path) ||
	       (w && glob_match(w->exclude, w->n_exclude, path));
}

/* Whether `path` is `dir` or below it. */
static bool below(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (n == 1 && dir[0] == '/')
		return path[0] == '/';
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

const struct fim_watch *fim_config_match(const struct fim_config *c, const char *path)
{
	const struct fim_watch *best = NULL;

	for (size_t i = 0; i < c->n_watch; i++)
		if (below(path, c->watch[i].path) &&
		    (!best || strlen(c->watch[i].path) > strlen(best->path)))
			best = &c->watch[i];
	if (!best)
		return NULL;
	/* An excluded directory is not walked: nothing below it is watched. */
	char prefix[EV_PATH_MAX + 1];
	size_t root = strlen(best->path), n = strlen(path);

	if (n > EV_PATH_MAX)
		return NULL;
	memcpy(prefix, path, n + 1);
	for (size_t i = root + 1; i <= n; i++) {
		if (i < n && prefix[i] != '/')
			continue;
		prefix[i] = '\0';
		if (fim_config_excluded(c, best, prefix))
			return NULL;
		prefix[i] = path[i];
	}
	return best;
}
