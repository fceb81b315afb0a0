/*
 * A falco.yaml turned into palisade's configuration (docs/falco-migration.md):
 * the keys of falco_keys.c that palisade maps are written as the palisade
 * keys they mean, as YAML text, each value followed by a comment naming the
 * falco.yaml line it came from; config.c loads that text like any
 * configuration, so both formats meet the same checks. `palisade config
 * from-falco FILE` prints it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <yaml.h>

#include "config/config_internal.h"
#include "config/config_parse.h"
#include "config/falco_config.h"
#include "rules/rules.h"

/* Falco's defaults (falco.yaml as shipped), where a key is absent. */
#define FALCO_PORT_DEFAULT "8765"
#define FALCO_QUEUE_MAX 1048576


void tr_out(struct tr *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->buf ? t->buf + t->len : NULL, t->buf ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->oom = true;
			return;
		}
		if (t->buf && t->len + (size_t)n < t->cap) {
			t->len += (size_t)n;
			return;
		}
		char *grown = realloc(t->buf, t->cap = 2 * (t->len + (size_t)n + 64));

		if (!grown) {
			t->oom = true;
			return;
		}
		t->buf = grown;
	}
}

/* A YAML double-quoted scalar: any text survives (quotes, colons, #). */
void tr_quoted(struct tr *t, const char *s)
{
	tr_out(t, "\"");
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			tr_out(t, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			tr_out(t, "\\x%02x", (unsigned char)*s);
		else
			tr_out(t, "%c", *s);
	}
	tr_out(t, "\"");
}

void tr_origin(struct tr *t, const struct falco_node *n, const char *key)
{
	if (n && n->line)
		tr_out(t, "  # %s:%u %s\n", n->file, n->line, key);
	else if (n)
		tr_out(t, "  # -o %s\n", key);
	else
		tr_out(t, "  # Falco's default %s\n", key);
}

void tr_problem(struct tr *t, bool error, const struct falco_node *n, const char *fmt, ...)
{
	va_list ap;

	t->errors += error;
	if (!t->diag)
		return;
	if (n && n->line)
		fprintf(t->diag, "%s:%u: %s", n->file, n->line, error ? "" : "warning: ");
	else
		fprintf(t->diag, "%s%s", n ? "-o: " : "", error ? "" : "warning: ");
	va_start(ap, fmt);
	vfprintf(t->diag, fmt, ap);
	va_end(ap);
	fputc('\n', t->diag);
}

/* The node at a dotted path of the document, NULL when absent. */
const struct falco_node *tr_at(const struct tr *t, const char *path)
{
	char part[64];
	const struct falco_node *n = t->root;

	while (n && *path) {
		size_t len = strcspn(path, ".");

		snprintf(part, sizeof(part), "%.*s", (int)len, path);
		n = falco_map_get(n, part);
		path += len + (path[len] == '.');
	}
	return n;
}

const char *tr_scalar(struct tr *t, const char *path, const char *def)
{
	const struct falco_node *n = tr_at(t, path);

	if (n && n->kind != FALCO_SCALAR) {
		tr_problem(t, true, n, "%s: expected a single value", path);
		return def;
	}
	return n ? n->text : def;
}

/* yaml-cpp's booleans, as Falco reads them. */
bool tr_bool(struct tr *t, const char *path, bool def)
{
	static const char *const yes[] = { "true", "yes", "on", "y" }, *const no[] = { "false", "no",
										 "off", "n" };
	const char *v = tr_scalar(t, path, NULL);

	if (!v)
		return def;
	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(v, yes[i]))
			return true;
		if (!strcasecmp(v, no[i]))
			return false;
	}
	tr_problem(t, true, tr_at(t, path), "%s: '%s': expected true or false", path, v);
	return def;
}


/* The known key a misspelt one most likely meant, or NULL: rows are
 * compared cut to as many components as path has (http_outptu against
 * http_output, not http_output.enabled). */
static bool closest_key(const char *path, char *best, size_t cap)
{
	size_t depth = 1;
	unsigned best_d = 3;

	for (const char *p = path; *p; p++)
		depth += *p == '.';
	for (size_t i = 0; i < falco_key_count; i++) {
		const char *k = falco_keys[i].path;
		size_t len = 0, seen = 0;
		char cut[128];
		unsigned d;

		while (k[len] && !(k[len] == '.' && ++seen == depth))
			len++;
		if (len >= sizeof(cut) || k[len - 1] == '*')
			continue;
		snprintf(cut, sizeof(cut), "%.*s", (int)len, k);
		d = rules_edit_distance(path, cut);
		if (d < best_d && d < strlen(path) / 2 + 1) {
			best_d = d;
			snprintf(best, cap, "%s", cut);
		}
	}
	return best_d < 3;
}

/* Warns about every key no row knows, and applies the rows' NOTE and REFUSE
 * to values other than Falco's default. */
static void check_keys(struct tr *t, const struct falco_node *map, const char *prefix)
{
	for (size_t i = 0; i + 1 < map->n_kids; i += 2) {
		const struct falco_node *k = map->kids[i], *v = map->kids[i + 1];
		const struct falco_key *row;
		char path[256];

		snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "", k->text);
		row = falco_key_find(path);
		if (!row && falco_key_is_section(path) && v->kind == FALCO_MAP) {
			check_keys(t, v, path);
			continue;
		}
		if (!row) {
			char close[128];
			bool near = closest_key(path, close, sizeof(close));

			tr_problem(t, false, k, "unknown falco.yaml key '%s': ignored%s%s%s (the keys "
				   "palisade knows: docs/falco-migration.md)", path,
				   near ? "; did you mean '" : "", near ? close : "", near ? "'?" : "");
			continue;
		}
		if (row->kind == FALCO_KEY_MAPPED)
			continue;
		if (row->def && v->kind == FALCO_SCALAR && !strcasecmp(v->text, row->def))
			continue; /* Falco's default: nothing to say */
		if (row->kind == FALCO_KEY_REFUSED)
			tr_problem(t, true, v, "%s: refused (only %s is accepted): %s", path, row->def,
				   row->palisade);
		else if (row->def) /* rows without a default are documented, not warned */
			tr_problem(t, false, v, "%s: no effect in palisade: %s", path, row->palisade);
	}
}

int falco_config_translate(const struct falco_doc *doc, const char *path, FILE *diag,
			   char **yaml)
{
	struct tr t = { .diag = diag, .root = falco_doc_root(doc) };

	*yaml = NULL;
	check_keys(&t, t.root, "");
	t.json = tr_bool(&t, "json_output", false);
	tr_out(&t, "# palisade's configuration from %s (docs/falco-migration.md)\n", path);
	tr_rules(&t);
	tr_outputs(&t);
	tr_webserver(&t);
	if (t.oom) {
		fprintf(diag, "%s: out of memory\n", path);
		t.errors++;
	}
	if (t.errors) {
		free(t.buf);
		return -EINVAL;
	}
	*yaml = t.buf;
	return 0;
}

/* Whether `key` starts some key of table rows (its first component). */
static bool first_component_of(const char *key, const char *path)
{
	size_t len = strcspn(path, ".");

	return len == strlen(key) && !strncmp(path, key, len);
}

/* A top-level key only Falco has: a Falco key that is no palisade section
 * (rules, metrics and syscall_event_drops are both's; Falco's `rules:` is
 * told apart by being a list). */
static bool falco_only(const char *key)
{
	bool falco = false;

	for (size_t i = 0; i < falco_key_count && !falco; i++)
		falco = first_component_of(key, falco_keys[i].path);
	for (size_t i = 0; i < config_key_count && falco; i++)
		if (config_keys[i].name && first_component_of(key, config_keys[i].name))
			return false;
	return falco;
}

bool config_text_is_falco(const char *text, size_t len)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	int depth = 0;
	bool key = true, falco = false, done = false, rules_key = false;

	if (!yaml_parser_initialize(&parser))
		return false;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	while (!done && !falco && yaml_parser_parse(&parser, &ev)) {
		bool top = depth == 1;

		switch (ev.type) {
		case YAML_MAPPING_START_EVENT:
		case YAML_SEQUENCE_START_EVENT:
			/* a value at the top: the next top-level scalar is a key again */
			falco |= top && !key && rules_key && ev.type == YAML_SEQUENCE_START_EVENT;
			depth++;
			key = top ? true : key;
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			depth--;
			done = depth == 0;
			break;
		case YAML_SCALAR_EVENT:
			if (top && key) {
				falco = falco_only((const char *)ev.data.scalar.value);
				rules_key = !strcmp((const char *)ev.data.scalar.value, "rules");
			}
			if (top)
				key = !key;
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return falco;
}

int config_load_falco(const char *path, const char *const *overrides, size_t n_overrides,
		      FILE *diag, struct palisade_config **out)
{
	struct falco_doc *doc = NULL;
	char *yaml = NULL, *name = NULL;
	int err;

	*out = NULL;
	err = falco_doc_load(path, overrides, n_overrides, diag, &doc);
	err = err ?: falco_config_translate(doc, path, diag, &yaml);
	if (!err && asprintf(&name, "%s (as palisade's configuration: `palisade config from-falco "
				    "%s` shows it)", path, path) < 0)
		err = -ENOMEM;
	if (!err)
		err = config_load_buffer(name, yaml, strlen(yaml), diag, out);
	if (!err) {
		(*out)->from_falco = true;
		if (!config_keep(*out, name)) {
			config_free(*out);
			*out = NULL;
			err = -ENOMEM;
		}
		name = NULL;
	}
	free(name);
	free(yaml);
	falco_doc_free(doc);
	return err;
}
