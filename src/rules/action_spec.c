/*
 * The `action` rule key: palisade's enforcement extension (see rules.h).
 * Parsed here, once, into struct rules_action_spec; what serves an action is
 * decided by src/action/, never by the engine.
 */
#include <string.h>

#include "rules/rules_internal.h"

static const char *const action_names[] = {
	[RULES_ACTION_ALERT] = "alert", [RULES_ACTION_KILL] = "kill",
	[RULES_ACTION_DENY] = "deny",   [RULES_ACTION_PAUSE] = "pause",
	[RULES_ACTION_STOP] = "stop",
};

const char *rules_action_name(enum rules_action a)
{
	return (unsigned)a <= RULES_ACTION_STOP ? action_names[a] : "unknown";
}

static bool parse_type(struct rl_diags *ds, const struct rl_ynode *v, enum rules_action *out)
{
	if (v->kind == YN_SCALAR)
		for (unsigned i = 0; i <= RULES_ACTION_STOP; i++)
			if (!strcmp(v->text, action_names[i])) {
				*out = i;
				return true;
			}
	rl_diag(ds, true, v->pos, "unknown action '%s' (alert, kill, deny, pause, stop)",
		v->kind == YN_SCALAR ? v->text : "(not a string)");
	return false;
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

bool rl_load_action(struct rl_diags *ds, struct rl_arena *a, const struct rl_ynode *v,
		    struct rules_action_spec *spec)
{
	static const char *const keys[] = { "type", "scope", "enforce", "downgrade", "kill",
					    NULL };

	memset(spec, 0, sizeof(*spec));
	spec->enforce = -1;
	if (v->kind == YN_SCALAR)
		return parse_type(ds, v, &spec->type);
	if (v->kind != YN_MAP) {
		rl_diag(ds, true, v->pos, "'action' must be an action name or a map with 'type'");
		return false;
	}
	if (!rl_ymap_get(v, "type")) {
		rl_diag(ds, true, v->pos, "'action' map needs 'type' (alert, kill, deny, pause, stop)");
		return false;
	}
	for (size_t i = 0; i + 1 < v->n_kids; i += 2) {
		const struct rl_ynode *k = v->kids[i], *val = v->kids[i + 1];
		const char *name = k->kind == YN_SCALAR ? k->text : "";
		bool b;

		if (!strcmp(name, keys[0])) {
			if (!parse_type(ds, val, &spec->type))
				return false;
		} else if (!strcmp(name, keys[1])) {
			if (!parse_scope(ds, a, val, spec))
				return false;
		} else if (!strcmp(name, keys[2])) {
			if (!parse_bool(ds, val, name, &b))
				return false;
			spec->enforce = b;
		} else if (!strcmp(name, keys[3])) {
			if (!parse_bool(ds, val, name, &spec->downgrade))
				return false;
		} else if (!strcmp(name, keys[4])) {
			if (!parse_bool(ds, val, name, &spec->kill))
				return false;
		} else {
			rl_diag(ds, true, k->pos, "unknown action key '%s' (type, scope, enforce, "
				"downgrade, kill)", name);
			return false;
		}
	}
	if (spec->kill && spec->type != RULES_ACTION_DENY) {
		rl_diag(ds, true, v->pos, "'kill: true' goes with 'type: deny' (deny the operation "
			"and kill its caller); for a kill alone write 'type: kill'");
		return false;
	}
	return true;
}
