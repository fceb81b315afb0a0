/*
 * Falco rule items (rule, macro, list, required_engine_version,
 * required_plugin_versions) from the YAML tree into the collection, applying
 * redefinitions, the deprecated `append: true` and `override:` in file order.
 * Conditions are only stored here; they are parsed and compiled once every
 * file is in, so a macro may be used before (or in another file than) it is
 * defined, as in Falco.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules_internal.h"

struct ld {
	struct rl_arena *a;
	struct rl_diags *ds;
	struct rl_collection *c;
	struct rl_file *f;
};

static const char *const rule_keys[] = {
	"rule", "condition", "output", "desc", "priority", "source", "enabled",
	"tags", "exceptions", "override", "append", "warn_evttypes",
	"skip-if-unknown-filter", "capture", "capture_duration",
	"action", /* palisade: enforcement, ignored by Falco */
	NULL,
};
static const char *const macro_keys[] = { "macro", "condition", "override", "append", NULL };
static const char *const list_keys[] = { "list", "items", "override", "append", NULL };
static const char *const item_kinds[] = { "rule", "macro", "list", "required_engine_version",
					   "required_plugin_versions", NULL };

static const char *closest(const char *word, const char *const *cands)
{
	const char *best = NULL;
	unsigned best_d = 3;

	for (size_t i = 0; cands[i]; i++) {
		unsigned d = rl_edit_distance(word, cands[i]);

		if (d < best_d) {
			best_d = d;
			best = cands[i];
		}
	}
	return best;
}

static void err(struct ld *l, const struct rl_ynode *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void err(struct ld *l, const struct rl_ynode *n, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rl_diag(l->ds, true, n->pos, "%s", msg);
}

/* A rule's priority; a misspelt one is refused with the closest name. */
static void load_priority(struct ld *l, const struct rl_ynode *n, const char *text,
			  enum rules_priority *out)
{
	const char *s;

	if (!rules_priority_parse(text, out))
		return;
	s = rules_priority_suggest(text);
	err(l, n, "unknown priority '%s'%s%s%s (EMERGENCY, ALERT, CRITICAL, ERROR, WARNING, NOTICE, "
		  "INFORMATIONAL, DEBUG)", text, s ? "; did you mean '" : "", s ? s : "",
	    s ? "'?" : "");
}

static bool check_keys(struct ld *l, const struct rl_ynode *item, const char *const *allowed,
		       const char *what)
{
	bool ok = true;

	for (size_t i = 0; i + 1 < item->n_kids; i += 2) {
		const struct rl_ynode *k = item->kids[i];
		bool found = false;

		if (k->kind != YN_SCALAR) {
			err(l, k, "%s keys must be plain names", what);
			ok = false;
			continue;
		}
		for (size_t j = 0; allowed[j] && !found; j++)
			found = !strcmp(k->text, allowed[j]);
		if (!found) {
			const char *s = closest(k->text, allowed);

			if (s)
				err(l, k, "unknown %s key '%s'; did you mean '%s'?", what, k->text, s);
			else
				err(l, k, "unknown %s key '%s'", what, k->text);
			ok = false;
		}
	}
	return ok;
}

static const char *get_str(struct ld *l, const struct rl_ynode *item, const char *key,
			   const struct rl_ynode **node)
{
	const struct rl_ynode *n = rl_ymap_get(item, key);

	if (node)
		*node = n;
	if (!n)
		return NULL;
	if (n->kind != YN_SCALAR) {
		err(l, n, "'%s' must be a string", key);
		return NULL;
	}
	return n->text;
}

static int get_bool(struct ld *l, const struct rl_ynode *item, const char *key, bool *out)
{
	const struct rl_ynode *n = rl_ymap_get(item, key);

	if (!n)
		return 0;
	if (n->kind == YN_SCALAR && (!strcmp(n->text, "true") || !strcmp(n->text, "True") ||
				     !strcmp(n->text, "TRUE"))) {
		*out = true;
		return 1;
	}
	if (n->kind == YN_SCALAR && (!strcmp(n->text, "false") || !strcmp(n->text, "False") ||
				     !strcmp(n->text, "FALSE"))) {
		*out = false;
		return 1;
	}
	err(l, n, "'%s' must be true or false", key);
	return -EINVAL;
}

struct rl_list_def *rl_find_list(const struct rl_collection *c, const char *name)
{
	return rl_names_get(&c->list_names, name);
}

struct rl_macro_def *rl_find_macro(const struct rl_collection *c, const char *name)
{
	return rl_names_get(&c->macro_names, name);
}

struct rl_rule_def *rl_find_rule(const struct rl_collection *c, const char *name)
{
	return rl_names_get(&c->rule_names, name);
}

/*
 * Reads `override:`; fills mode[k] with 'a' (append) or 'r' (replace) for
 * each key of keys[]. Checks what Falco allows: the overridden keys must be
 * present, and no other key may be.
 */
static bool read_override(struct ld *l, const struct rl_ynode *item, const struct rl_ynode *ov,
			  const char *const *keys, const char *can_append, const char *can_replace,
			  char *mode, const char *name_key)
{
	bool ok = true;

	if (ov->kind != YN_MAP) {
		err(l, ov, "'override' must map keys to append or replace");
		return false;
	}
	for (size_t i = 0; i + 1 < ov->n_kids; i += 2) {
		const struct rl_ynode *k = ov->kids[i], *v = ov->kids[i + 1];
		size_t idx = 0;

		if (k->kind != YN_SCALAR) { /* e.g. `? [a, b]: append`: no text */
			err(l, k, "'override' keys must be plain names");
			ok = false;
			continue;
		}
		while (keys[idx] && strcmp(keys[idx], k->text))
			idx++;
		if (!keys[idx]) {
			err(l, k, "'override' names unknown key '%s'", k->text);
			ok = false;
			continue;
		}
		if (v->kind != YN_SCALAR || (strcmp(v->text, "append") && strcmp(v->text, "replace"))) {
			err(l, v, "override of '%s' must be append or replace", k->text);
			ok = false;
			continue;
		}
		const char *allowed = v->text[0] == 'a' ? can_append : can_replace;
		char probe[64];

		snprintf(probe, sizeof(probe), ",%s,", k->text);
		if (!strstr(allowed, probe)) {
			err(l, v, "'%s' cannot be overridden with %s", k->text, v->text);
			ok = false;
			continue;
		}
		if (!rl_ymap_get(item, k->text)) {
			err(l, k, "override of '%s' but the item has no '%s' key", k->text, k->text);
			ok = false;
			continue;
		}
		mode[idx] = v->text[0] == 'a' ? 'a' : 'r';
	}
	for (size_t i = 0; i + 1 < item->n_kids; i += 2) {
		const char *k = item->kids[i]->text;
		size_t idx = 0;

		if (!strcmp(k, name_key) || !strcmp(k, "override"))
			continue;
		while (keys[idx] && strcmp(keys[idx], k))
			idx++;
		if (keys[idx] && !mode[idx]) {
			err(l, item->kids[i], "key '%s' is present but not listed in 'override'", k);
			ok = false;
		}
	}
	return ok;
}

/*
 * `override:` of a list or a macro: its one overridable key (items,
 * condition) may be appended to or replaced. Sets *append_out from it;
 * false after a diagnostic. `append` is the item's deprecated append flag,
 * which cannot be combined with override.
 */
static bool one_key_override(struct ld *l, const struct rl_ynode *item, const struct rl_ynode *ov,
			     const char *kind, const char *name, const char *key, bool append,
			     bool *append_out)
{
	const char *keys[] = { key, NULL };
	char allowed[32], mode[8] = { 0 };

	if (append) {
		err(l, ov, "%s '%s': 'override' and 'append' cannot be used together", kind, name);
		return false;
	}
	snprintf(allowed, sizeof(allowed), ",%s,", key);
	if (!read_override(l, item, ov, keys, allowed, allowed, mode, kind))
		return false;
	*append_out = mode[0] == 'a';
	return true;
}

static void load_list(struct ld *l, const struct rl_ynode *item)
{
	const struct rl_ynode *name_n, *items = rl_ymap_get(item, "items"), *ov;
	const char *name = get_str(l, item, "list", &name_n);
	struct rl_list_def *d;
	bool append = false, replace = true;

	if (!check_keys(l, item, list_keys, "list") || !name)
		return;
	if (get_bool(l, item, "append", &append) < 0)
		return;
	ov = rl_ymap_get(item, "override");
	if (ov) {
		if (!one_key_override(l, item, ov, "list", name, "items", append, &append))
			return;
		replace = !append;
	}
	if (!items) {
		err(l, item, "list '%s' has no 'items'", name);
		return;
	}
	if (items->kind != YN_SEQ) {
		err(l, items, "list '%s': 'items' must be a sequence", name);
		return;
	}
	d = rl_find_list(l->c, name);
	if ((append || ov) && !d) {
		err(l, name_n, "list '%s' is %s but no list by that name is defined earlier", name,
		    append ? "appended to" : "overridden");
		return;
	}
	if (!d) {
		d = rl_alloc(l->a, sizeof(*d));
		if (!d || !(d->name = rl_strdup(l->a, name)) || rl_vec_push(l->a, &l->c->lists, d) ||
		    rl_names_put(l->a, &l->c->list_names, d->name, d))
			return;
	}
	if (!append && replace) {
		memset(&d->items, 0, sizeof(d->items));
		d->pos = name_n->pos;
	}
	for (size_t i = 0; i < items->n_kids; i++) {
		if (items->kids[i]->kind != YN_SCALAR) {
			err(l, items->kids[i], "list '%s': items must be strings", name);
			continue;
		}
		rl_vec_push(l->a, &d->items, items->kids[i]);
	}
}

static void load_macro(struct ld *l, const struct rl_ynode *item)
{
	const struct rl_ynode *name_n, *cond_n, *ov;
	const char *name = get_str(l, item, "macro", &name_n);
	const char *cond = get_str(l, item, "condition", &cond_n);
	struct rl_macro_def *d;
	bool append = false;

	if (!check_keys(l, item, macro_keys, "macro") || !name)
		return;
	if (get_bool(l, item, "append", &append) < 0)
		return;
	ov = rl_ymap_get(item, "override");
	if (ov && !one_key_override(l, item, ov, "macro", name, "condition", append, &append))
		return;
	if (!cond) {
		if (!cond_n)
			err(l, item, "macro '%s' has no 'condition'", name);
		return;
	}
	d = rl_find_macro(l->c, name);
	if ((append || ov) && !d) {
		err(l, name_n, "macro '%s' is %s but no macro by that name is defined earlier", name,
		    append ? "appended to" : "overridden");
		return;
	}
	if (!d) {
		d = rl_alloc(l->a, sizeof(*d));
		if (!d || !(d->name = rl_strdup(l->a, name)) ||
		    rl_vec_push(l->a, &l->c->macros, d) ||
		    rl_names_put(l->a, &l->c->macro_names, d->name, d))
			return;
	}
	if (!append) {
		memset(&d->cond, 0, sizeof(d->cond));
		d->pos = name_n->pos;
	}
	rl_text_append(l->a, &d->cond, cond_n);
}

static bool load_tags(struct ld *l, const struct rl_ynode *n, struct rl_vec *tags)
{
	if (n->kind != YN_SEQ) {
		err(l, n, "'tags' must be a sequence of strings");
		return false;
	}
	for (size_t i = 0; i < n->n_kids; i++) {
		if (n->kids[i]->kind != YN_SCALAR) {
			err(l, n->kids[i], "tags must be strings");
			return false;
		}
		rl_vec_push(l->a, tags, n->kids[i]->text);
	}
	return true;
}

static struct rl_exception *find_exception(struct rl_vec *v, const char *name)
{
	for (size_t i = 0; i < v->n; i++) {
		struct rl_exception *x = v->v[i];
		if (!strcmp(x->name, name))
			return x;
	}
	return NULL;
}

/* Structure only: fields and operators are checked when compiling. */
static bool load_exceptions(struct ld *l, const struct rl_ynode *n, struct rl_vec *out,
			    bool append)
{
	static const char *const keys[] = { "name", "fields", "comps", "values", NULL };
	bool ok = true;

	if (n->kind != YN_SEQ) {
		err(l, n, "'exceptions' must be a sequence");
		return false;
	}
	for (size_t i = 0; i < n->n_kids; i++) {
		const struct rl_ynode *x = n->kids[i], *name_n, *values;
		const char *name;
		struct rl_exception *e;

		if (x->kind != YN_MAP) {
			err(l, x, "each exception must be a mapping with name, fields, comps, values");
			ok = false;
			continue;
		}
		if (!check_keys(l, x, keys, "exception")) {
			ok = false;
			continue;
		}
		name = get_str(l, x, "name", &name_n);
		if (!name) {
			if (!name_n)
				err(l, x, "exception has no 'name'");
			ok = false;
			continue;
		}
		values = rl_ymap_get(x, "values");
		if (values && values->kind != YN_SEQ) {
			err(l, values, "exception '%s': 'values' must be a sequence", name);
			ok = false;
			continue;
		}
		e = append ? find_exception(out, name) : NULL;
		if (!e) {
			if (find_exception(out, name)) {
				err(l, name_n, "exception '%s' defined twice", name);
				ok = false;
				continue;
			}
			e = rl_alloc(l->a, sizeof(*e));
			if (!e)
				return false;
			e->name = rl_strdup(l->a, name);
			e->pos = name_n->pos;
			e->fields = rl_ymap_get(x, "fields");
			e->comps = rl_ymap_get(x, "comps");
			if (!e->fields) {
				err(l, x, "exception '%s' has no 'fields'", name);
				ok = false;
				continue;
			}
			rl_vec_push(l->a, out, e);
		}
		for (size_t j = 0; values && j < values->n_kids; j++)
			rl_vec_push(l->a, &e->values, values->kids[j]);
	}
	return ok;
}

static void rule_append(struct ld *l, const struct rl_ynode *item, struct rl_rule_def *d,
			const char *mode, const char *const *keys)
{
	for (size_t k = 0; keys[k]; k++) {
		const struct rl_ynode *v = rl_ymap_get(item, keys[k]);

		if (!v || !mode[k])
			continue;
		if (!strcmp(keys[k], "condition") && v->kind == YN_SCALAR) {
			if (mode[k] == 'r')
				memset(&d->cond, 0, sizeof(d->cond));
			rl_text_append(l->a, &d->cond, v);
		} else if (!strcmp(keys[k], "output") && v->kind == YN_SCALAR) {
			if (mode[k] == 'r')
				memset(&d->output, 0, sizeof(d->output));
			rl_text_append(l->a, &d->output, v);
		} else if (!strcmp(keys[k], "desc") && v->kind == YN_SCALAR) {
			d->info.desc = mode[k] == 'r' ? rl_strdup(l->a, v->text) :
				       rl_sprintf(l->a, "%s %s", d->info.desc, v->text);
		} else if (!strcmp(keys[k], "tags")) {
			if (mode[k] == 'r')
				memset(&d->tags, 0, sizeof(d->tags));
			load_tags(l, v, &d->tags);
		} else if (!strcmp(keys[k], "exceptions")) {
			if (mode[k] == 'r')
				memset(&d->exceptions, 0, sizeof(d->exceptions));
			load_exceptions(l, v, &d->exceptions, mode[k] == 'a');
		} else if (!strcmp(keys[k], "priority") && v->kind == YN_SCALAR) {
			load_priority(l, v, v->text, &d->info.priority);
		} else if (!strcmp(keys[k], "enabled")) {
			get_bool(l, item, "enabled", &d->info.enabled);
		} else if (!strcmp(keys[k], "action")) {
			rl_load_action(l->ds, l->a, v, &d->info.action, &d->action_pos);
		}
	}
}

/* A full definition of rule `name` (a new one, or one that replaces the
 * earlier definition d in its place). */
static void define_rule(struct ld *l, const struct rl_ynode *item, const char *name,
			const struct rl_ynode *name_n, struct rl_rule_def *d)
{
	const struct rl_ynode *n;
	bool b;

	if (!d) {
		d = rl_alloc(l->a, sizeof(*d));
		if (!d || rl_vec_push(l->a, &l->c->rules, d) ||
		    rl_names_put(l->a, &l->c->rule_names, rl_strdup(l->a, name), d))
			return;
		d->order = l->c->rules.n - 1;
	} else {
		size_t order = d->order;

		memset(d, 0, sizeof(*d));
		d->order = order;
	}
	d->pos = name_n->pos;
	d->info.file = rl_file_name(name_n->pos.file);
	d->info.line = name_n->pos.line;
	d->info.name = rl_strdup(l->a, name);
	d->info.enabled = true;
	d->info.source = "syscall";
	d->info.action.enforce = -1;
	d->warn_evttypes = true;
	n = rl_ymap_get(item, "condition");
	if (n->kind == YN_SCALAR)
		rl_text_append(l->a, &d->cond, n);
	else
		err(l, n, "'condition' must be a string");
	n = rl_ymap_get(item, "output");
	if (n->kind == YN_SCALAR)
		rl_text_append(l->a, &d->output, n);
	else
		err(l, n, "'output' must be a string");
	d->info.desc = rl_strdup(l->a, get_str(l, item, "desc", NULL) ?: "");
	const char *prio = get_str(l, item, "priority", &n);
	if (prio)
		load_priority(l, n, prio, &d->info.priority);
	const char *src = get_str(l, item, "source", NULL);
	if (src)
		d->info.source = rl_strdup(l->a, src);
	get_bool(l, item, "enabled", &d->info.enabled);
	if (get_bool(l, item, "skip-if-unknown-filter", &b) > 0)
		d->skip_if_unknown_filter = b;
	if (get_bool(l, item, "warn_evttypes", &b) > 0)
		d->warn_evttypes = b;
	n = rl_ymap_get(item, "tags");
	if (n)
		load_tags(l, n, &d->tags);
	n = rl_ymap_get(item, "exceptions");
	if (n)
		load_exceptions(l, n, &d->exceptions, false);
	n = rl_ymap_get(item, "action");
	if (n)
		rl_load_action(l->ds, l->a, n, &d->info.action, &d->action_pos);
}

static void load_rule(struct ld *l, const struct rl_ynode *item)
{
	static const char *const ov_keys[] = { "condition", "output", "desc", "tags", "exceptions",
					       "priority", "enabled", "action", NULL };
	const struct rl_ynode *name_n, *ov;
	const char *name = get_str(l, item, "rule", &name_n);
	struct rl_rule_def *d;
	bool append = false;
	size_t errs = l->ds->errors;

	if (!check_keys(l, item, rule_keys, "rule") || !name)
		return;
	if (get_bool(l, item, "append", &append) < 0)
		return;
	d = rl_find_rule(l->c, name);
	ov = rl_ymap_get(item, "override");
	if (ov) {
		char mode[8] = { 0 };

		if (append) {
			err(l, ov, "rule '%s': 'override' and 'append' cannot be used together", name);
			return;
		}
		if (!read_override(l, item, ov, ov_keys, ",condition,output,desc,tags,exceptions,",
				   ",condition,output,desc,tags,exceptions,priority,enabled,action,", mode,
				   "rule"))
			return;
		if (!d) {
			err(l, name_n, "rule '%s' is overridden but no rule by that name is defined earlier",
			    name);
			return;
		}
		rule_append(l, item, d, mode, ov_keys);
		return;
	}
	if (append) {
		static const char mode[] = { 'a', 0, 0, 0, 'a', 0, 0, 0 };

		if (!d) {
			err(l, name_n, "rule '%s' is appended to but no rule by that name is defined earlier",
			    name);
			return;
		}
		for (size_t i = 0; i + 1 < item->n_kids; i += 2) {
			const char *k = item->kids[i]->text;

			if (strcmp(k, "rule") && strcmp(k, "append") && strcmp(k, "condition") &&
			    strcmp(k, "exceptions"))
				err(l, item->kids[i],
				    "rule '%s': only condition and exceptions can be appended with 'append: true' (use 'override' for '%s')",
				    name, k);
		}
		rule_append(l, item, d, mode, ov_keys);
		return;
	}
	/* `- rule: X` with only `enabled:` toggles an existing rule. */
	if (item->n_kids == 4 && rl_ymap_get(item, "enabled")) {
		if (!d) {
			err(l, name_n, "rule '%s' is enabled/disabled but no rule by that name is defined earlier",
			    name);
			return;
		}
		get_bool(l, item, "enabled", &d->info.enabled);
		return;
	}
	static const char *const required[] = { "condition", "output", "desc", "priority", NULL };
	for (size_t i = 0; required[i]; i++)
		if (!rl_ymap_get(item, required[i]))
			err(l, name_n, "rule '%s' has no '%s'", name, required[i]);
	if (l->ds->errors != errs)
		return;
	define_rule(l, item, name, name_n, d);
}

static int parse_version(const char *s, unsigned v[3])
{
	char extra;

	v[0] = v[1] = v[2] = 0;
	if (sscanf(s, "%u.%u.%u%c", &v[0], &v[1], &v[2], &extra) == 3)
		return 0;
	/* Falco's old engine versions were plain integers, all older than 0.x. */
	if (sscanf(s, "%u%c", &v[2], &extra) == 1) {
		v[0] = v[1] = 0;
		v[2] = 0;
		return 0;
	}
	return -EINVAL;
}

static void load_engine_version(struct ld *l, const struct rl_ynode *item)
{
	const struct rl_ynode *n = rl_ymap_get(item, "required_engine_version");
	unsigned want[3], have[3];

	if (item->n_kids != 2)
		err(l, item, "'required_engine_version' stands alone in its item");
	if (n->kind != YN_SCALAR || parse_version(n->text, want)) {
		err(l, n, "required_engine_version must be a version like 0.57.0");
		return;
	}
	parse_version(RULES_ENGINE_VERSION, have);
	for (int i = 0; i < 3; i++) {
		if (want[i] < have[i])
			return;
		if (want[i] > have[i]) {
			err(l, n, "this file needs engine version %s; palisade implements %s",
			    n->text, RULES_ENGINE_VERSION);
			return;
		}
	}
}

/* palisade provides the container plugin's fields natively; nothing else. */
static void load_plugin_versions(struct ld *l, const struct rl_ynode *item)
{
	const struct rl_ynode *n = rl_ymap_get(item, "required_plugin_versions");

	if (n->kind != YN_SEQ) {
		err(l, n, "required_plugin_versions must be a sequence");
		return;
	}
	for (size_t i = 0; i < n->n_kids; i++) {
		const struct rl_ynode *p = n->kids[i];
		const char *name = get_str(l, p, "name", NULL);
		bool ok = name && !strcmp(name, "container");
		const struct rl_ynode *alts = rl_ymap_get(p, "alternatives");

		if (p->kind != YN_MAP || !name || !rl_ymap_get(p, "version")) {
			err(l, p, "each required plugin needs a name and a version");
			continue;
		}
		for (size_t j = 0; !ok && alts && alts->kind == YN_SEQ && j < alts->n_kids; j++) {
			const char *an = get_str(l, alts->kids[j], "name", NULL);
			ok = an && !strcmp(an, "container");
		}
		if (!ok)
			err(l, p, "this file requires plugin '%s', which palisade does not provide (only the container plugin's fields are built in)",
			    name);
	}
}

void rl_load_items(struct rl_arena *a, struct rl_diags *ds, struct rl_collection *c,
		   struct rl_file *f)
{
	struct ld l = { a, ds, c, f };
	const struct rl_ynode *root = f->root;

	if (!root || (root->kind == YN_SCALAR && !root->text[0]))
		return; /* empty file */
	if (root->kind != YN_SEQ) {
		err(&l, root, "a rules file is a sequence of items (- rule:, - macro:, - list:)");
		return;
	}
	for (size_t i = 0; i < root->n_kids; i++) {
		const struct rl_ynode *item = root->kids[i];
		const char *kind = NULL;

		if (item->kind != YN_MAP || item->n_kids == 0) {
			err(&l, item, "each item must be a mapping (- rule:, - macro:, - list:)");
			continue;
		}
		for (size_t k = 0; item_kinds[k] && !kind; k++)
			if (rl_ymap_get(item, item_kinds[k]))
				kind = item_kinds[k];
		if (!kind) {
			const struct rl_ynode *k0 = item->kids[0];
			const char *s = k0->kind == YN_SCALAR ? closest(k0->text, item_kinds) : NULL;

			if (s)
				err(&l, k0, "unknown item '%s'; did you mean '%s'?", k0->text, s);
			else
				err(&l, k0, "unknown item '%s' (expected rule, macro, list, required_engine_version or required_plugin_versions)",
				    k0->kind == YN_SCALAR ? k0->text : "?");
			continue;
		}
		if (!strcmp(kind, "rule"))
			load_rule(&l, item);
		else if (!strcmp(kind, "macro"))
			load_macro(&l, item);
		else if (!strcmp(kind, "list"))
			load_list(&l, item);
		else if (!strcmp(kind, "required_engine_version"))
			load_engine_version(&l, item);
		else
			load_plugin_versions(&l, item);
	}
}
