/*
 * The rules side of a falco.yaml (falco_config.c): rules files, priority,
 * matching, selection, append_output, plugins and the engine kind, written
 * as palisade's `rules:` (and `proc_table:`) keys.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config/falco_config.h"
#include "rules/rules.h"

#define PROC_TABLE_MIN 64
#define PROC_TABLE_MAX (1u << 24)

static void rules_files(struct tr *t)
{
	const struct falco_node *many = tr_at(t, "rules_files"), *one = tr_at(t, "rules_file");
	const struct falco_node *n = many ? many : one;
	size_t kept = 0;
	struct stat st;

	if (many && one) {
		tr_problem(t, true, one, "rules_file and rules_files are both set (Falco refuses "
			   "that too): keep rules_files");
		return;
	}
	if (!n || (n->kind == FALCO_SEQ && !n->n_kids)) {
		tr_problem(t, true, n, "no rules_files: Falco refuses to start without rules too "
			   "(palisade's own configuration may use its embedded rules)");
		return;
	}
	tr_out(t, "  files: [");
	for (size_t i = 0; i < (n->kind == FALCO_SEQ ? n->n_kids : 1); i++) {
		const struct falco_node *f = n->kind == FALCO_SEQ ? n->kids[i] : n;

		if (f->kind != FALCO_SCALAR) {
			tr_problem(t, true, f, "rules_files: expected file or directory names");
			continue;
		}
		if (stat(f->text, &st)) {
			tr_problem(t, false, f, "rules file %s does not exist: skipped, as Falco skips it",
				   f->text);
			continue;
		}
		tr_out(t, "%s", kept++ ? ", " : "");
		tr_quoted(t, f->text);
	}
	tr_out(t, "]");
	tr_origin(t, n, many ? "rules_files" : "rules_file");
	if (!kept)
		tr_problem(t, true, n, "none of the rules files exists (Falco refuses to start "
			   "without rules too)");
}

static void priority(struct tr *t)
{
	const char *v = tr_scalar(t, "priority", "debug");
	enum rules_priority p;
	char up[32];
	size_t i;

	if (rules_priority_parse(v, &p)) {
		const char *s = rules_priority_suggest(v);

		tr_problem(t, true, tr_at(t, "priority"), "priority '%s': expected emergency, alert, "
			   "critical, error, warning, notice, info or debug%s%s%s", v,
			   s ? " (did you mean " : "", s ? s : "", s ? "?)" : "");
		return;
	}
	for (i = 0; rules_priority_name(p)[i] && i + 1 < sizeof(up); i++)
		up[i] = (char)toupper((unsigned char)rules_priority_name(p)[i]);
	up[i] = '\0';
	tr_out(t, "  min_priority: %s", up);
	tr_origin(t, tr_at(t, "priority"), "priority");
	v = tr_scalar(t, "rule_matching", "first");
	if (strcmp(v, "first") && strcmp(v, "all")) {
		tr_problem(t, true, tr_at(t, "rule_matching"), "rule_matching '%s': expected first "
			   "or all", v);
		return;
	}
	tr_out(t, "  first_match: %s", strcmp(v, "first") ? "false" : "true");
	tr_origin(t, tr_at(t, "rule_matching"), "rule_matching");
}

/* One `rules:` entry: {enable|disable: {rule|tag: TEXT}}. */
static void select_item(struct tr *t, const struct falco_node *item)
{
	const struct falco_node *what, *key, *val;

	if (item->kind != FALCO_MAP || item->n_kids != 2 ||
	    (strcmp(item->kids[0]->text, "enable") && strcmp(item->kids[0]->text, "disable")) ||
	    (what = item->kids[1])->kind != FALCO_MAP || what->n_kids != 2 ||
	    (strcmp((key = what->kids[0])->text, "rule") && strcmp(key->text, "tag")) ||
	    (val = what->kids[1])->kind != FALCO_SCALAR) {
		tr_problem(t, true, item, "rules: each entry is `- enable: {rule: NAME}` (or "
			   "disable, or tag: TAG)");
		return;
	}
	tr_out(t, "    - %s: {%s: ", item->kids[0]->text, key->text);
	tr_quoted(t, val->text);
	tr_out(t, "}");
	tr_origin(t, item, "rules");
}

static void selection(struct tr *t)
{
	const struct falco_node *n = tr_at(t, "rules");

	if (!n)
		return;
	if (n->kind != FALCO_SEQ) {
		tr_problem(t, true, n, "rules: expected a list of enable/disable entries");
		return;
	}
	tr_out(t, "  select:\n");
	for (size_t i = 0; i < n->n_kids; i++)
		select_item(t, n->kids[i]);
}

/* A scalar, or a list of scalars, as a flow list. */
static void list_of(struct tr *t, const struct falco_node *n, const char *what)
{
	tr_out(t, "[");
	for (size_t i = 0; i < (n->kind == FALCO_SEQ ? n->n_kids : 1); i++) {
		const struct falco_node *v = n->kind == FALCO_SEQ ? n->kids[i] : n;

		if (v->kind != FALCO_SCALAR)
			tr_problem(t, true, v, "%s: expected names", what);
		else
			tr_out(t, "%s", i ? ", " : "");
		if (v->kind == FALCO_SCALAR)
			tr_quoted(t, v->text);
	}
	tr_out(t, "]");
}

static void append_match(struct tr *t, const struct falco_node *m)
{
	const char *sep = "";

	tr_out(t, "      match: {");
	for (size_t i = 0; m->kind == FALCO_MAP && i + 1 < m->n_kids; i += 2) {
		const struct falco_node *k = m->kids[i], *v = m->kids[i + 1];

		if (!strcmp(k->text, "tags")) {
			tr_out(t, "%stags: ", sep);
			list_of(t, v, "append_output match tags");
		} else if ((!strcmp(k->text, "source") || !strcmp(k->text, "rule")) &&
			   v->kind == FALCO_SCALAR) {
			tr_out(t, "%s%s: ", sep, k->text);
			tr_quoted(t, v->text);
		} else {
			tr_problem(t, true, k, "append_output match: '%s': expected source, rule or "
				   "tags", k->text);
		}
		sep = ", ";
	}
	tr_out(t, "}\n");
}

static void append_fields(struct tr *t, const struct falco_node *f)
{
	tr_out(t, "      extra_fields: [");
	for (size_t i = 0; f->kind == FALCO_SEQ && i < f->n_kids; i++) {
		const struct falco_node *x = f->kids[i];

		tr_out(t, "%s", i ? ", " : "");
		if (x->kind == FALCO_SCALAR) {
			tr_quoted(t, x->text);
		} else if (x->kind == FALCO_MAP && x->n_kids == 2 &&
			   x->kids[1]->kind == FALCO_SCALAR) {
			tr_out(t, "{");
			tr_quoted(t, x->kids[0]->text);
			tr_out(t, ": ");
			tr_quoted(t, x->kids[1]->text);
			tr_out(t, "}");
		} else {
			tr_problem(t, true, x, "extra_fields: each is a field, or NAME: FORMAT");
		}
	}
	tr_out(t, "]\n");
}

/* append_output; `suggested_output: true` entries set container_fields. */
static void append_output(struct tr *t)
{
	const struct falco_node *n = tr_at(t, "append_output");
	bool suggested = false, header = false;

	if (n && n->kind != FALCO_SEQ) {
		tr_problem(t, true, n, "append_output: expected a list");
		return;
	}
	for (size_t i = 0; n && i < n->n_kids; i++) {
		const struct falco_node *e = n->kids[i], *s = falco_map_get(e, "suggested_output");
		const struct falco_node *m = falco_map_get(e, "match");
		const struct falco_node *o = falco_map_get(e, "extra_output");
		const struct falco_node *f = falco_map_get(e, "extra_fields");

		suggested |= s && s->kind == FALCO_SCALAR && !strcasecmp(s->text, "true");
		if (!m && !o && !f)
			continue;
		if (!header)
			tr_out(t, "  append_output:\n");
		header = true;
		tr_out(t, "    -");
		tr_origin(t, e, "append_output");
		if (m)
			append_match(t, m);
		if (o && o->kind == FALCO_SCALAR) {
			tr_out(t, "      extra_output: ");
			tr_quoted(t, o->text);
			tr_out(t, "\n");
		}
		if (f)
			append_fields(t, f);
	}
	tr_out(t, "  container_fields: %s", suggested ? "true" : "false");
	tr_origin(t, n, "append_output suggested_output");
}

/* Plugins are refused, but the container plugin: its fields are built in. */
static void plugins(struct tr *t)
{
	const struct falco_node *load = tr_at(t, "load_plugins"), *all = tr_at(t, "plugins");
	const struct falco_node *n = load ? load : all;

	for (size_t i = 0; n && n->kind == FALCO_SEQ && i < n->n_kids; i++) {
		const struct falco_node *p = n->kids[i];
		const struct falco_node *name = load ? p : falco_map_get(p, "name");

		if (name && name->kind == FALCO_SCALAR && !strcmp(name->text, "container"))
			continue;
		tr_problem(t, true, p, "plugin '%s': refused: palisade has no plugin interface (the "
			   "container plugin's fields are built in); remove it from %s",
			   name && name->kind == FALCO_SCALAR ? name->text : "?",
			   load ? "load_plugins" : "plugins");
	}
}

static void engine(struct tr *t)
{
	const char *kind = tr_scalar(t, "engine.kind", "modern_ebpf");

	if (!strcmp(kind, "modern_ebpf") || !strcmp(kind, "ebpf") || !strcmp(kind, "kmod"))
		return;
	tr_problem(t, true, tr_at(t, "engine.kind"), "engine.kind %s: refused: palisade runs its "
		   "own eBPF sensors%s", kind,
		   !strcmp(kind, "replay") ? "; replay a recording with `palisade replay FILE`" : "");
}

static void proc_table(struct tr *t)
{
	const char *v = tr_scalar(t, "falco_libs.thread_table_size", NULL);
	unsigned long long n;
	char *end;

	if (!v)
		return;
	n = strtoull(v, &end, 10);
	if (*end || !*v) {
		tr_problem(t, true, tr_at(t, "falco_libs.thread_table_size"), "thread_table_size "
			   "'%s': expected a number", v);
		return;
	}
	n = n < PROC_TABLE_MIN ? PROC_TABLE_MIN : n > PROC_TABLE_MAX ? PROC_TABLE_MAX : n;
	tr_out(t, "proc_table:\n  size: %llu", n);
	tr_origin(t, tr_at(t, "falco_libs.thread_table_size"), "falco_libs.thread_table_size");
}

/* syscall_event_drops: palisade's keys have Falco's names and meanings. */
static void drops(struct tr *t)
{
	static const char *const keys[] = { "threshold", "rate", "max_burst" };
	const struct falco_node *n = tr_at(t, "syscall_event_drops"), *a;
	char path[64];

	if (!n)
		return;
	tr_out(t, "syscall_event_drops:\n");
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(path, sizeof(path), "syscall_event_drops.%s", keys[i]);
		if (!tr_scalar(t, path, NULL))
			continue;
		tr_out(t, "  %s: ", keys[i]);
		tr_quoted(t, tr_scalar(t, path, NULL));
		tr_origin(t, tr_at(t, path), path);
	}
	a = falco_map_get(n, "actions");
	if (a) {
		tr_out(t, "  actions: ");
		list_of(t, a, "syscall_event_drops.actions");
		tr_origin(t, a, "syscall_event_drops.actions");
	}
}

void tr_rules(struct tr *t)
{
	tr_out(t, "rules:\n");
	rules_files(t);
	priority(t);
	selection(t);
	append_output(t);
	plugins(t);
	engine(t);
	proc_table(t);
	drops(t);
}
