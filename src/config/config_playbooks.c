/*
 * `playbooks:` (docs/response.md): named lists of response steps that rules
 * name with `action: {playbook: NAME}`. Each step is checked by the rules'
 * own step parser (rules_action_step_parse), so a step means the same here
 * and in a rules file; problems are `file:line:` like every other key.
 */
#include <stdlib.h>
#include <string.h>

#include "config/config_parse.h"

static size_t pairs_of(const yaml_node_t *n)
{
	return n->type == YAML_MAPPING_NODE
		       ? (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start)
		       : 0;
}

/* One step: `capture`, or `notify: {sink: soc, priority: CRITICAL}`. */
static int set_step(struct parse *p, const yaml_node_t *e, struct rules_action_step *out,
		    const char *where)
{
	struct rules_step_option opts[4];
	const yaml_node_t *type = e, *o = NULL, *at[4];
	size_t n = 0, bad;
	char why[256];

	if (pairs_of(e) == 1) {
		type = yaml_document_get_node(p->doc, e->data.mapping.pairs.start->key);
		o = yaml_document_get_node(p->doc, e->data.mapping.pairs.start->value);
		if (config_scalar(o) && !config_scalar(o)[0])
			o = NULL; /* `- isolate:` */
	}
	if (!config_scalar(type) || (o && (o->type != YAML_MAPPING_NODE || pairs_of(o) > 4))) {
		config_problem(p, e, "%s: a step is an action name (kill, pause, stop, isolate, "
			       "capture, notify) or one name with a map of at most 4 options "
			       "(`notify: {sink: soc}`)", where);
		return -1;
	}
	for (yaml_node_pair_t *pr = o ? o->data.mapping.pairs.start : NULL;
	     pr && pr < o->data.mapping.pairs.top; pr++) {
		at[n] = yaml_document_get_node(p->doc, pr->key);
		opts[n].key = config_scalar(at[n]);
		opts[n].value = config_scalar(yaml_document_get_node(p->doc, pr->value));
		if (!opts[n].key || !opts[n].value) {
			config_problem(p, at[n], "%s: an option is `name: value`", where);
			return -1;
		}
		n++;
	}
	if (rules_action_step_parse(config_scalar(type), opts, n, out, why, sizeof(why), &bad)) {
		config_problem(p, bad < n ? at[bad] : type, "%s: %s", where, why);
		return -1;
	}
	return 0;
}

/* One playbook: NAME: [step, ...]. */
static void set_playbook(struct parse *p, const yaml_node_t *name, const yaml_node_t *list,
			 struct rules_playbook *pb, const char *where)
{
	size_t n = list->type == YAML_SEQUENCE_NODE
			   ? (size_t)(list->data.sequence.items.top - list->data.sequence.items.start)
			   : 0;
	struct rules_action_step *steps = config_own(p, calloc(n + 1, sizeof(*steps)));
	size_t bad, i = 0;
	char why[256];

	pb->name = config_scalar(name);
	if (!pb->name || !pb->name[0] || !n) {
		config_problem(p, pb->name ? list : name, "%s: a playbook is NAME: [step, ...] with at "
			       "least one step", where);
		return;
	}
	for (yaml_node_item_t *it = list->data.sequence.items.start;
	     steps && it < list->data.sequence.items.top; it++)
		if (set_step(p, yaml_document_get_node(p->doc, *it), &steps[i++], where))
			return;
	if (steps && rules_action_steps_check(steps, n, why, sizeof(why), &bad)) {
		config_problem(p, yaml_document_get_node(p->doc, list->data.sequence.items.start[bad]),
			       "%s: playbook '%s': %s", where, pb->name, why);
		return;
	}
	pb->steps = steps;
	pb->n_steps = n;
}

void config_set_playbooks(struct parse *p, const struct config_key *k, const yaml_node_t *n,
			  void *base, const char *where)
{
	size_t count = pairs_of(n), i = 0;
	struct rules_playbook *v = config_own(p, calloc(count + 1, sizeof(*v)));

	if (n->type != YAML_MAPPING_NODE) {
		config_problem(p, n, "%s: %s here (expected a mapping of NAME: [step, ...])", where,
			       config_kind_name(n));
		return;
	}
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; v && pr < n->data.mapping.pairs.top;
	     pr++) {
		const yaml_node_t *name = yaml_document_get_node(p->doc, pr->key);

		set_playbook(p, name, yaml_document_get_node(p->doc, pr->value), &v[i], where);
		for (size_t j = 0; j < i && v[i].name; j++)
			if (!strcmp(v[j].name, v[i].name))
				config_problem(p, name, "%s: playbook '%s' is defined twice", where,
					       v[i].name);
		i++;
	}
	*(struct rules_playbook **)((char *)base + k->off) = v;
	*(size_t *)((char *)base + k->off_n) = i;
}
