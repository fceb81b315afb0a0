/*
 * The `action` rule key: palisade's enforcement extension (see rules.h).
 * Parsed here, once, into struct rules_action_spec; what serves an action is
 * decided by src/action/, never by the engine. The grammar of one step
 * (rules_action_step_parse) is shared with the configuration's playbooks.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "rules/rules_internal.h"

static const char *const action_names[RULES_ACTION_MAX] = {
	[RULES_ACTION_ALERT] = "alert",	    [RULES_ACTION_KILL] = "kill",
	[RULES_ACTION_DENY] = "deny",	    [RULES_ACTION_PAUSE] = "pause",
	[RULES_ACTION_STOP] = "stop",	    [RULES_ACTION_ISOLATE] = "isolate",
	[RULES_ACTION_CAPTURE] = "capture", [RULES_ACTION_NOTIFY] = "notify",
};
#define ACTION_LIST "alert, kill, deny, pause, stop, isolate, capture, notify"

/* The options each step type takes (a step's map, or the action map's keys
 * beside `type:`). */
static const char *const step_keys[RULES_ACTION_MAX][3] = {
	[RULES_ACTION_ISOLATE] = { "loopback", NULL },
	[RULES_ACTION_NOTIFY] = { "sink", "priority", NULL },
};

const char *rules_action_name(enum rules_action a)
{
	return (unsigned)a < RULES_ACTION_MAX ? action_names[a] : "unknown";
}

int rules_action_parse(const char *name, enum rules_action *out)
{
	for (unsigned i = 0; i < RULES_ACTION_MAX; i++)
		if (!strcmp(name, action_names[i])) {
			*out = i;
			return 0;
		}
	return -EINVAL;
}

void rules_action_describe(const struct rules_action_spec *s, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	if (s->playbook)
		n = (size_t)snprintf(buf, len, "playbook %s%s", s->playbook, s->n_steps ? ": " : "");
	for (size_t i = 0; i < s->n_steps && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "",
				      rules_action_name(s->steps[i].type));
	if (!s->playbook && !s->n_steps)
		snprintf(buf, len, "%s", rules_action_name(s->type));
}

static bool step_takes(enum rules_action t, const char *key)
{
	for (size_t i = 0; step_keys[t][i]; i++)
		if (!strcmp(step_keys[t][i], key))
			return true;
	return false;
}

int rules_action_step_parse(const char *type, const struct rules_step_option *opts,
			    size_t n_opts, struct rules_action_step *out, char *why,
			    size_t why_len, size_t *bad)
{
	enum rules_priority prio;

	memset(out, 0, sizeof(*out));
	out->priority = -1;
	*bad = (size_t)-1;
	if (rules_action_parse(type, &out->type)) {
		snprintf(why, why_len, "unknown action '%s' (" ACTION_LIST ")", type);
		return -EINVAL;
	}
	for (size_t i = 0; i < n_opts; i++) {
		const char *k = opts[i].key, *v = opts[i].value;

		*bad = i;
		if (!step_takes(out->type, k)) {
			size_t len = (size_t)snprintf(why, why_len, "action '%s' takes no option '%s'",
						      type, k);

			for (size_t j = 0; step_keys[out->type][j] && len < why_len; j++)
				len += (size_t)snprintf(why + len, why_len - len, "%s%s",
							j ? ", " : " (its options: ",
							step_keys[out->type][j]);
			if (step_keys[out->type][0] && len < why_len)
				snprintf(why + len, why_len - len, ")");
			return -EINVAL;
		}
		if (!v || !v[0]) {
			snprintf(why, why_len, "action '%s': '%s' needs a value", type, k);
			return -EINVAL;
		}
		if (!strcmp(k, "loopback")) {
			if (strcmp(v, "true") && strcmp(v, "false")) {
				snprintf(why, why_len, "isolate: 'loopback' must be true (loopback "
					 "inside the container keeps working, the default) or false");
				return -EINVAL;
			}
			out->cut_loopback = v[0] == 'f';
		} else if (!strcmp(k, "sink")) {
			out->sink = v;
		} else if (rules_priority_parse(v, &prio)) {
			snprintf(why, why_len, "notify: unknown priority '%s' (EMERGENCY, ALERT, "
				 "CRITICAL, ERROR, WARNING, NOTICE, INFORMATIONAL, DEBUG)", v);
			return -EINVAL;
		} else {
			out->priority = (int)prio;
		}
	}
	if (out->type == RULES_ACTION_NOTIFY && !out->sink) {
		*bad = (size_t)-1;
		snprintf(why, why_len, "notify needs 'sink': the name of an output "
			 "(`notify: {sink: NAME}`)");
		return -EINVAL;
	}
	return 0;
}

int rules_action_steps_check(const struct rules_action_step *steps, size_t n, char *why,
			     size_t why_len, size_t *bad)
{
	*bad = 0;
	if (!n || n > RULES_ACTION_STEPS_MAX) {
		snprintf(why, why_len, "a list of actions has 1 to %d steps, not %zu",
			 RULES_ACTION_STEPS_MAX, n);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		*bad = i;
		if (steps[i].type == RULES_ACTION_ALERT) {
			snprintf(why, why_len, "'alert' is not a step: every rule alerts; leave it "
				 "out of the list");
			return -EINVAL;
		}
		if (steps[i].type == RULES_ACTION_DENY && i) {
			snprintf(why, why_len, "'deny' can only be the first step: it acts on the "
				 "operation itself, before any other step runs");
			return -EINVAL;
		}
	}
	return 0;
}

static bool parse_bool(struct rl_diags *ds, const struct rl_ynode *v, const char *key, bool *out)
{
	if (v->kind == YN_SCALAR && (!strcmp(v->text, "true") || !strcmp(v->text, "false"))) {
		*out = v->text[0] == 't';
		return true;
	}
	rl_diag(ds, true, v->pos, "action '%s' must be true or false", key);
	return false;
}

static bool parse_scope(struct rl_diags *ds, struct rl_arena *a, const struct rl_ynode *v,
			struct rules_action_spec *spec)
{
	static const char *const keys[] = { "image", "name", "label", NULL };

	if (v->kind == YN_SCALAR) {
		if (!strcmp(v->text, "all"))
			spec->where = RULES_SCOPE_ALL;
		else if (!strcmp(v->text, "host"))
			spec->where = RULES_SCOPE_HOST;
		else if (!strcmp(v->text, "containers"))
			spec->where = RULES_SCOPE_CONTAINERS;
		else {
			rl_diag(ds, true, v->pos,
				"unknown action scope '%s' (all, host, containers, or a map of image/name/label patterns)",
				v->text);
			return false;
		}
		return true;
	}
	if (v->kind != YN_MAP) {
		rl_diag(ds, true, v->pos, "action scope must be a word or a map");
		return false;
	}
	spec->where = RULES_SCOPE_CONTAINERS;
	for (size_t i = 0; i + 1 < v->n_kids; i += 2) {
		const struct rl_ynode *k = v->kids[i], *val = v->kids[i + 1];
		size_t which = 0;

		while (keys[which] && strcmp(k->text ? k->text : "", keys[which]))
			which++;
		if (!keys[which]) {
			rl_diag(ds, true, k->pos, "unknown action scope key '%s' (image, name, label)",
				k->text ? k->text : "");
			return false;
		}
		if (val->kind != YN_SCALAR || !val->text[0]) {
			rl_diag(ds, true, val->pos, "action scope '%s' must be a non-empty pattern",
				keys[which]);
			return false;
		}
		if (which == 0) {
			spec->image_glob = rl_strdup(a, val->text);
		} else if (which == 1) {
			spec->name_glob = rl_strdup(a, val->text);
		} else {
			const char *eq = strchr(val->text, '=');

			if (!eq || eq == val->text) {
				rl_diag(ds, true, val->pos,
					"action scope label must be KEY=PATTERN, got '%s'", val->text);
				return false;
			}
			spec->label_key = rl_strndup(a, val->text, (size_t)(eq - val->text));
			spec->label_glob = rl_strdup(a, eq + 1);
		}
	}
	return true;
}

/*
 * One step from YAML: its type and the option nodes (a map's pairs, or
 * several keys of the action map). opts_map holds key, value, key, value...
 * of which those listed in `use` (NULL: all) are options.
 */
static bool load_step(struct rl_diags *ds, struct rl_arena *a, const struct rl_ynode *type,
		      const struct rl_ynode *const *pairs, size_t n_pairs,
		      struct rules_action_step *out)
{
	struct rules_step_option opts[4] = { { 0 } };
	const struct rl_ynode *at[4] = { 0 };
	size_t n = 0, bad;
	char why[256];

	if (type->kind != YN_SCALAR) {
		rl_diag(ds, true, type->pos, "an action step is a name (" ACTION_LIST ") or a map "
			"of one name to its options (`notify: {sink: soc}`)");
		return false;
	}
	for (size_t i = 0; i + 1 < 2 * n_pairs; i += 2) {
		const struct rl_ynode *k = pairs[i], *v = pairs[i + 1];

		if (n == 4 || k->kind != YN_SCALAR || v->kind != YN_SCALAR) {
			rl_diag(ds, true, (n == 4 ? k : v)->pos, "action '%s': options are "
				"name: value pairs, at most 4", type->text);
			return false;
		}
		opts[n] = (struct rules_step_option){ rl_strdup(a, k->text), rl_strdup(a, v->text) };
		at[n++] = k;
	}
	if (rules_action_step_parse(type->text, opts, n, out, why, sizeof(why), &bad)) {
		rl_diag(ds, true, bad < n ? at[bad]->pos : type->pos, "%s", why);
		return false;
	}
	return true;
}

/* A list of steps: `[capture, isolate, notify: {sink: soc}]`. */
static bool load_steps(struct rl_diags *ds, struct rl_arena *a, const struct rl_ynode *v,
		       struct rules_action_spec *spec)
{
	struct rules_action_step *steps;
	size_t bad;
	char why[256];

	if (v->kind != YN_SEQ || !v->n_kids || v->n_kids > RULES_ACTION_STEPS_MAX) {
		rl_diag(ds, true, v->pos, "a list of actions has 1 to %d steps",
			RULES_ACTION_STEPS_MAX);
		return false;
	}
	steps = rl_alloc(a, v->n_kids * sizeof(*steps));
	if (!steps)
		return false;
	for (size_t i = 0; i < v->n_kids; i++) {
		const struct rl_ynode *s = v->kids[i];

		if (s->kind == YN_MAP && s->n_kids == 2) {
			const struct rl_ynode *o = s->kids[1];

			if (o->kind == YN_SCALAR && !o->text[0]) /* `- isolate:` */
				o = NULL;
			if (o && o->kind != YN_MAP) {
				rl_diag(ds, true, o->pos, "the options of action '%s' are a map "
					"(`%s: {key: value}`)", s->kids[0]->text ? s->kids[0]->text : "",
					s->kids[0]->text ? s->kids[0]->text : "");
				return false;
			}
			if (!load_step(ds, a, s->kids[0], o ? (const struct rl_ynode *const *)o->kids
							     : NULL,
				       o ? o->n_kids / 2 : 0, &steps[i]))
				return false;
		} else if (!load_step(ds, a, s, NULL, 0, &steps[i])) {
			return false;
		}
	}
	if (rules_action_steps_check(steps, v->n_kids, why, sizeof(why), &bad)) {
		rl_diag(ds, true, v->kids[bad]->pos, "%s", why);
		return false;
	}
	spec->steps = steps;
	spec->n_steps = v->n_kids;
	spec->type = steps[0].type;
	spec->is_list = true;
	return true;
}

/* `action: NAME` or `type: NAME` with the type's options beside it. */
static bool load_single(struct rl_diags *ds, struct rl_arena *a, const struct rl_ynode *type,
			const struct rl_ynode *const *pairs, size_t n_pairs,
			struct rules_action_spec *spec)
{
	struct rules_action_step *step = rl_alloc(a, sizeof(*step));

	if (!step || !load_step(ds, a, type, pairs, n_pairs, step))
		return false;
	spec->type = step->type;
	if (step->type != RULES_ACTION_ALERT) {
		spec->steps = step;
		spec->n_steps = 1;
	}
	return true;
}

/* The map form's own keys (the rest are the step type's options). */
static const char *const spec_keys[] = { "type", "scope", "enforce", "downgrade", "kill",
					 "steps", "playbook", "pin", NULL };

static int spec_key(const char *name)
{
	for (int i = 0; spec_keys[i]; i++)
		if (!strcmp(name, spec_keys[i]))
			return i;
	return -1;
}

/* The keys of the map form other than the step's: scope, enforce, downgrade, kill, pin. */
static bool load_spec_key(struct rl_diags *ds, struct rl_arena *a, int key,
			  const struct rl_ynode *val, struct rules_action_spec *spec)
{
	bool b;

	switch (key) {
	case 1:
		return parse_scope(ds, a, val, spec);
	case 2:
		if (!parse_bool(ds, val, spec_keys[key], &b))
			return false;
		spec->enforce = b;
		return true;
	case 3:
		return parse_bool(ds, val, spec_keys[key], &spec->downgrade);
	case 4:
		return parse_bool(ds, val, spec_keys[key], &spec->kill);
	case 7:
		return parse_bool(ds, val, spec_keys[key], &spec->pin);
	default:
		return true;
	}
}

/* The map form: type (with its options), steps or playbook, and the keys
 * that apply to the whole action. */
static bool load_map(struct rl_diags *ds, struct rl_arena *a, const struct rl_ynode *v,
		     struct rules_action_spec *spec, struct rl_pos *playbook_pos)
{
	const struct rl_ynode *type = rl_ymap_get(v, "type"), *steps = rl_ymap_get(v, "steps"),
			      *playbook = rl_ymap_get(v, "playbook");
	const struct rl_ynode *opts[8] = { 0 };
	size_t n_opts = 0;

	if ((type != NULL) + (steps != NULL) + (playbook != NULL) != 1) {
		rl_diag(ds, true, v->pos, "'action' map needs one of 'type' (" ACTION_LIST "), "
			"'steps' (a list of them) or 'playbook' (a name from the configuration's "
			"playbooks)");
		return false;
	}
	for (size_t i = 0; i + 1 < v->n_kids; i += 2) {
		const struct rl_ynode *k = v->kids[i], *val = v->kids[i + 1];
		int key = spec_key(k->kind == YN_SCALAR ? k->text : "");

		if (key < 0 && type && n_opts < 8) { /* an option of the type: checked there */
			opts[n_opts++] = k;
			opts[n_opts++] = val;
		} else if (key < 0) {
			rl_diag(ds, true, k->pos, "unknown action key '%s' (type, scope, enforce, "
				"downgrade, kill, pin, steps, playbook)", k->kind == YN_SCALAR ? k->text : "");
			return false;
		} else if (!load_spec_key(ds, a, key, val, spec)) {
			return false;
		}
	}
	if (type)
		return load_single(ds, a, type, opts, n_opts / 2, spec);
	if (steps)
		return load_steps(ds, a, steps, spec);
	if (playbook->kind != YN_SCALAR || !playbook->text[0]) {
		rl_diag(ds, true, playbook->pos, "'playbook' is the name of a playbook of the "
			"configuration (`playbooks:`)");
		return false;
	}
	spec->playbook = rl_strdup(a, playbook->text);
	spec->is_list = true;
	*playbook_pos = playbook->pos;
	return true;
}

bool rl_load_action(struct rl_diags *ds, struct rl_arena *a, const struct rl_ynode *v,
		    struct rules_action_spec *spec, struct rl_pos *playbook_pos)
{
	bool ok;

	memset(spec, 0, sizeof(*spec));
	spec->enforce = -1;
	if (v->kind == YN_SCALAR)
		ok = load_single(ds, a, v, NULL, 0, spec);
	else if (v->kind == YN_SEQ)
		ok = load_steps(ds, a, v, spec);
	else if (v->kind == YN_MAP)
		ok = load_map(ds, a, v, spec, playbook_pos);
	else
		ok = false;
	if (!ok && v->kind != YN_SCALAR && v->kind != YN_SEQ && v->kind != YN_MAP)
		rl_diag(ds, true, v->pos, "'action' must be an action name, a list of them, or "
			"a map with 'type', 'steps' or 'playbook'");
	if (ok && spec->kill && spec->type != RULES_ACTION_DENY && !spec->playbook) {
		rl_diag(ds, true, v->pos, "'kill: true' goes with 'type: deny' (deny the operation "
			"and kill its caller); for a kill alone write 'type: kill'");
		return false;
	}
	if (ok && spec->pin && spec->type != RULES_ACTION_DENY) {
		rl_diag(ds, true, v->pos, "'pin: true' goes with 'type: deny' (the files the deny "
			"protects are also made immutable in each container)");
		return false;
	}
	return ok;
}

/* The configuration's playbook a rule names, its steps copied in. */
static void resolve_one(struct rl_diags *ds, struct rl_arena *a, const struct rules_config *cfg,
			struct rl_rule_def *d)
{
	struct rules_action_spec *spec = &d->info.action;
	struct rules_action_step *steps;
	const struct rules_playbook *pb = NULL;

	for (size_t i = 0; i < cfg->n_playbooks && !pb; i++)
		if (!strcmp(cfg->playbooks[i].name, spec->playbook))
			pb = &cfg->playbooks[i];
	if (!pb && !cfg->playbooks_known) {
		rl_diag(ds, false, d->action_pos, "playbook '%s' is defined in the configuration, "
			"which is not read here: check it with `palisade config check`",
			spec->playbook);
		return;
	}
	if (!pb) {
		rl_diag(ds, true, d->action_pos, "no playbook '%s' in the configuration "
			"(`playbooks:` defines %zu)", spec->playbook, cfg->n_playbooks);
		return;
	}
	steps = rl_alloc(a, pb->n_steps * sizeof(*steps));
	if (!steps)
		return;
	for (size_t i = 0; i < pb->n_steps; i++) {
		steps[i] = pb->steps[i];
		steps[i].sink = pb->steps[i].sink ? rl_strdup(a, pb->steps[i].sink) : NULL;
	}
	spec->steps = steps;
	spec->n_steps = pb->n_steps;
	spec->type = steps[0].type;
	if (spec->kill && spec->type != RULES_ACTION_DENY)
		rl_diag(ds, true, d->action_pos, "'kill: true' goes with a first step 'deny'; "
			"playbook '%s' starts with '%s'", pb->name, rules_action_name(spec->type));
}

void rl_resolve_playbooks(struct rl_diags *ds, struct rl_arena *a, const struct rules_config *cfg,
			  struct rl_collection *c)
{
	for (size_t i = 0; i < c->rules.n; i++) {
		struct rl_rule_def *d = c->rules.v[i];

		if (d->info.action.playbook)
			resolve_one(ds, a, cfg, d);
	}
}
