/*
 * Playbooks (docs/response.md) without a kernel: the `action` key's list
 * and playbook forms and their errors (file:line:col), the configuration's
 * `playbooks:` (file:line), a rule naming one, and the dispatcher running
 * steps in order: an asynchronous step holds the next one and the alert,
 * audit mode reports every step "would-have", an unserved step is
 * reported failed, a re-plan ends a waiting run, and the alert carries
 * "palisade_playbook" with each step in palisade_action's shape.
 */
#include <errno.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "action/action.h"
#include "alert/alert.h"
#include "config/config.h"
#include "event/event.h"

#define RULE "- rule: r\n  desc: d\n  output: o\n  priority: WARNING\n" \
	     "  condition: evt.type = execve\n"
/* A pid that cannot exist (above the kernel's PID_MAX_LIMIT). */
#define NO_PID 4194305u

static const struct rules_action_step contain_steps[] = {
	{ .type = RULES_ACTION_CAPTURE, .priority = -1 },
	{ .type = RULES_ACTION_ISOLATE, .priority = -1, .cut_loopback = true },
};
static const struct rules_action_step hold_steps[] = {
	{ .type = RULES_ACTION_PAUSE, .priority = -1 },
	{ .type = RULES_ACTION_KILL, .priority = -1 },
};
static const struct rules_playbook playbooks[] = { { "contain", contain_steps, 2 },
						   { "hold", hold_steps, 2 } };

/* Loads text; returns the engine, or NULL with the diagnostics in diag. */
static struct rules_engine *load(const char *text, bool known, char *diag, size_t cap)
{
	struct rules_config cfg;
	struct rules_engine *e = NULL;
	size_t n = 0;

	rules_config_default(&cfg);
	cfg.playbooks = playbooks;
	cfg.n_playbooks = 2;
	cfg.playbooks_known = known;
	assert_int_equal(rules_engine_new(&cfg, &e), 0);
	rules_engine_add_buffer(e, "t.yaml", text, strlen(text));
	diag[0] = '\0';
	if (rules_engine_compile(e)) {
		for (size_t i = 0; i < rules_engine_diag_count(e) && n < cap; i++)
			n += (size_t)snprintf(diag + n, cap - n, "%s\n", rules_engine_diag(e, i)->text);
		rules_engine_free(e);
		return NULL;
	}
	for (size_t i = 0; i < rules_engine_diag_count(e) && n < cap; i++)
		n += (size_t)snprintf(diag + n, cap - n, "%s\n", rules_engine_diag(e, i)->text);
	return e;
}

static void test_action_forms(void **state)
{
	char diag[2048];
	struct rules_engine *e;
	const struct rules_action_spec *a;

	(void)state;
	e = load(RULE "  action: [capture, isolate, notify: {sink: soc, priority: CRITICAL}]\n",
		 true, diag, sizeof(diag));
	assert_non_null(e);
	a = &rules_engine_rule(e, 0)->action;
	assert_true(a->is_list);
	assert_int_equal(a->n_steps, 3);
	assert_int_equal(a->type, RULES_ACTION_CAPTURE);
	assert_int_equal(a->steps[1].type, RULES_ACTION_ISOLATE);
	assert_false(a->steps[1].cut_loopback);
	assert_string_equal(a->steps[2].sink, "soc");
	assert_int_equal(a->steps[2].priority, RULES_PRIO_CRITICAL);
	rules_engine_free(e);

	/* the map form: a single type with its options beside it */
	e = load(RULE "  action: {type: isolate, loopback: false, scope: containers}\n", true, diag,
		 sizeof(diag));
	assert_non_null(e);
	a = &rules_engine_rule(e, 0)->action;
	assert_false(a->is_list);
	assert_int_equal(a->n_steps, 1);
	assert_true(a->steps[0].cut_loopback);
	assert_int_equal(a->where, RULES_SCOPE_CONTAINERS);
	rules_engine_free(e);

	/* steps with keys; a playbook of the configuration, copied in */
	e = load(RULE "  action:\n    steps:\n      - deny\n      - capture\n    kill: true\n", true,
		 diag, sizeof(diag));
	assert_non_null(e);
	assert_true(rules_engine_rule(e, 0)->action.kill);
	rules_engine_free(e);
	e = load(RULE "  action: {playbook: contain, enforce: true}\n", true, diag, sizeof(diag));
	assert_non_null(e);
	a = &rules_engine_rule(e, 0)->action;
	assert_string_equal(a->playbook, "contain");
	assert_int_equal(a->n_steps, 2);
	assert_true(a->steps[1].cut_loopback);
	assert_int_equal(a->enforce, 1);
	rules_engine_free(e);
	/* plain alert: no steps */
	e = load(RULE, true, diag, sizeof(diag));
	assert_int_equal(rules_engine_rule(e, 0)->action.n_steps, 0);
	rules_engine_free(e);
}

static void test_action_errors(void **state)
{
	static const struct {
		const char *action, *diag;
	} bad[] = {
		{ "[capture, deny]", "t.yaml:6:21: 'deny' can only be the first step" },
		{ "[alert, kill]", "t.yaml:6:12: 'alert' is not a step" },
		{ "[notify]", "t.yaml:6:12: notify needs 'sink'" },
		{ "[notify: {sink: a, level: 3}]", "t.yaml:6:30: action 'notify' takes no option "
						   "'level' (its options: sink, priority)" },
		{ "[isolate: {loopback: maybe}]", "t.yaml:6:22: isolate: 'loopback' must be true" },
		{ "[notify: {sink: a, priority: LOUD}]", "notify: unknown priority 'LOUD'" },
		{ "[quarantine]", "t.yaml:6:12: unknown action 'quarantine'" },
		{ "[kill, kill, kill, kill, kill, kill, kill, kill, kill]", "1 to 8 steps" },
		{ "{playbook: nosuch}", "t.yaml:6:22: no playbook 'nosuch' in the configuration" },
		{ "{type: kill, steps: [kill]}", "needs one of 'type'" },
		{ "{type: capture, loopback: true}", "action 'capture' takes no option 'loopback'" },
		{ "{steps: [capture], kill: true}", "'kill: true' goes with 'type: deny'" },
		{ "{playbook: contain, kill: true}", "playbook 'contain' starts with 'capture'" },
	};
	char text[512], diag[2048];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), RULE "  action: %s\n", bad[i].action);
		assert_null(load(text, true, diag, sizeof(diag)));
		if (!strstr(diag, bad[i].diag))
			fail_msg("%s: expected '%s' in:\n%s", bad[i].action, bad[i].diag, diag);
	}
	/* `rules check` has no configuration: a playbook name is a warning */
	struct rules_engine *e = load(RULE "  action: {playbook: elsewhere}\n", false, diag,
				      sizeof(diag));
	assert_non_null(e);
	assert_non_null(strstr(diag, "playbook 'elsewhere' is defined in the configuration"));
	rules_engine_free(e);
}

static void test_config_playbooks(void **state)
{
	static const char good[] = "playbooks:\n"
				   "  contain:\n"
				   "    - capture\n"
				   "    - isolate: {loopback: false}\n"
				   "    - notify: {sink: soc, priority: CRITICAL}\n"
				   "  stopit: [stop]\n";
	static const struct {
		const char *text, *diag;
	} bad[] = {
		{ "playbooks:\n  p: [capture, deny]\n", "c.yaml:2: playbooks: playbook 'p': 'deny' "
							 "can only be the first step" },
		{ "playbooks:\n  p: []\n", "at least one step" },
		{ "playbooks:\n  p: [notify: {priority: ERROR}]\n", "notify needs 'sink'" },
		{ "playbooks:\n  p:\n    - isolate: {x: 1}\n", "c.yaml:3: playbooks: action 'isolate' "
							   "takes no option 'x'" },
		{ "playbooks: [capture]\n", "expected a mapping of NAME: [step, ...]" },
	};
	struct palisade_config *c = NULL;
	char diag[1024];
	FILE *f;

	(void)state;
	f = fmemopen(diag, sizeof(diag), "w");
	assert_int_equal(config_load_buffer("c.yaml", good, strlen(good), f, &c), 0);
	fclose(f);
	assert_int_equal(c->n_playbooks, 2);
	assert_string_equal(c->playbooks[0].name, "contain");
	assert_int_equal(c->playbooks[0].n_steps, 3);
	assert_true(c->playbooks[0].steps[1].cut_loopback);
	assert_string_equal(c->playbooks[0].steps[2].sink, "soc");
	assert_int_equal(c->playbooks[1].steps[0].type, RULES_ACTION_STOP);
	config_free(c);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(diag, 0, sizeof(diag));
		f = fmemopen(diag, sizeof(diag), "w");
		c = NULL;
		assert_int_equal(config_load_buffer("c.yaml", bad[i].text, strlen(bad[i].text), f,
						    &c), -EINVAL);
		fclose(f);
		if (!strstr(diag, bad[i].diag))
			fail_msg("expected '%s' in:\n%s", bad[i].diag, diag);
	}
}

/* ---- the dispatcher running steps ---- */

static struct {
	char lines[4][4096];
	size_t n;
	unsigned kills, pauses;
	uint64_t token;
} out;

static void on_emit(struct alert *al, void *ctx)
{
	char *json = alert_to_json(al);

	(void)ctx;
	if (json && out.n < 4)
		snprintf(out.lines[out.n++], sizeof(out.lines[0]), "%s", json);
	free(json);
	alert_free(al);
}

static int fake_prepare(void *ctx, struct rules_engine *e, size_t index,
			const struct rules_rule_info *rule, bool enforce, const char **how,
			const char **why)
{
	(void)ctx;
	(void)e;
	(void)index;
	(void)rule;
	(void)enforce;
	(void)why;
	*how = "fake";
	return 0;
}

/* kill: at once; pause: later, through action_complete. */
static int fake_apply(void *ctx, const struct action_target *t, enum rules_action type,
		      struct action_result *res, uint64_t token)
{
	(void)ctx;
	(void)t;
	res->outcome = ACTION_DONE;
	snprintf(res->detail, sizeof(res->detail), "fake %s", rules_action_name(type));
	if (type == RULES_ACTION_PAUSE) {
		out.pauses++;
		out.token = token;
		return 1;
	}
	out.kills++;
	return 0;
}

static const struct action_backend fake = { .name = "fake",
					    .types = (1u << RULES_ACTION_KILL) |
						     (1u << RULES_ACTION_PAUSE),
					    .prepare = fake_prepare,
					    .apply = fake_apply,
					    .async = true };

static struct action_dispatcher *dispatcher(bool enforce)
{
	struct action_config cfg = { .enforce = enforce, .hostname = "h", .log = stderr,
				     .emit = on_emit };
	struct action_dispatcher *d;

	memset(&out, 0, sizeof(out));
	assert_int_equal(action_dispatcher_new(&cfg, &d), 0);
	assert_int_equal(action_register(d, &fake), 0);
	return d;
}

static bool alert_on(struct action_dispatcher *d, struct rules_engine *e)
{
	static const struct container_info c = {
		.id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		.runtime = RUNTIME_DOCKER, .has_metadata = true, .name = "n", .image = "i",
		.image_id = "", .ip = "", .cgroup_id = 77
	};
	struct ev_header hdr = { .pid = NO_PID, .kind = EV_EXEC };
	struct event ev = { .hdr = &hdr, .kind = EV_EXEC, .container = &c };
	struct rules_alert a = { .rule = rules_engine_rule(e, 0), .ev = &ev, .output = "o",
				 .time_ns = 1700000000123456789ull, .hostname = "h" };
	struct alert *al = alert_from_rules(&a);

	assert_non_null(al);
	if (action_after_alert(d, &a, al))
		return true;
	on_emit(al, NULL);
	return false;
}

/* The steps of the last alert: [type, outcome, detail] each. */
static json_t *steps_of(size_t line)
{
	json_t *j = json_loads(out.lines[line], 0, NULL), *steps;

	assert_non_null(j);
	assert_null(json_object_get(j, "palisade_action"));
	steps = json_object_get(json_object_get(j, "palisade_playbook"), "steps");
	assert_non_null(steps);
	json_incref(steps);
	json_decref(j);
	return steps;
}

static const char *member(json_t *steps, size_t i, const char *key)
{
	return json_string_value(json_object_get(json_array_get(steps, i), key));
}

static void test_steps_in_order(void **state)
{
	char diag[1024];
	struct rules_engine *e = load(RULE "  action: [pause, kill, capture]\n", true, diag,
				      sizeof(diag));
	struct action_dispatcher *d = dispatcher(true);
	struct action_result done = { .outcome = ACTION_DONE, .detail = "paused late" };
	json_t *steps;

	(void)state;
	assert_int_equal(action_plan(d, e), 0);
	assert_true(alert_on(d, e)); /* kept: pause answers later */
	assert_int_equal(out.pauses, 1);
	assert_int_equal(out.kills, 0); /* the kill waits for the pause */
	action_poll(d);
	assert_int_equal(out.n, 0);
	action_complete(d, out.token, &done);
	action_poll(d);
	assert_int_equal(out.kills, 1);
	assert_int_equal(out.n, 1); /* one alert, every step */
	steps = steps_of(0);
	assert_int_equal(json_array_size(steps), 3);
	assert_string_equal(member(steps, 0, "type"), "pause");
	assert_string_equal(member(steps, 0, "detail"), "paused late");
	assert_string_equal(member(steps, 1, "type"), "kill");
	assert_string_equal(member(steps, 1, "outcome"), "done");
	assert_string_equal(member(steps, 2, "type"), "capture");
	assert_string_equal(member(steps, 2, "outcome"), "failed");
	assert_string_equal(member(steps, 2, "backend"), "none");
	assert_non_null(strstr(member(steps, 2, "detail"), "not served: no back-end serves capture"));
	json_decref(steps);
	action_dispatcher_free(d);
	rules_engine_free(e);
}

static void test_audit_would_have(void **state)
{
	char diag[1024];
	struct rules_engine *e = load(RULE "  action: {playbook: hold}\n", true, diag,
				      sizeof(diag));
	struct action_dispatcher *d = dispatcher(false);
	json_t *j, *steps;

	(void)state;
	action_plan(d, e);
	assert_false(alert_on(d, e));
	assert_int_equal(out.n, 1);
	j = json_loads(out.lines[0], 0, NULL);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "palisade_playbook"),
								"name")), "hold");
	json_decref(j);
	steps = steps_of(0);
	for (size_t i = 0; i < 2; i++) {
		assert_string_equal(member(steps, i, "mode"), "audit");
		assert_string_equal(member(steps, i, "outcome"), "would-have");
	}
	assert_string_equal(member(steps, 0, "detail"), "audit mode: would have paused the container");
	assert_string_equal(member(steps, 1, "detail"), "audit mode: would have killed the process");
	assert_int_equal(out.kills + out.pauses, 0);
	json_decref(steps);
	action_dispatcher_free(d);
	rules_engine_free(e);
}

static void test_replan_ends_run(void **state)
{
	char diag[1024];
	struct rules_engine *e = load(RULE "  action: [pause, kill]\n", true, diag, sizeof(diag));
	struct action_dispatcher *d = dispatcher(true);
	struct action_result done = { .outcome = ACTION_DONE, .detail = "paused" };
	json_t *steps;

	(void)state;
	action_plan(d, e);
	assert_true(alert_on(d, e));
	action_plan(d, e); /* a SIGHUP while the pause is on its way */
	action_complete(d, out.token, &done);
	action_poll(d);
	assert_int_equal(out.kills, 0);
	steps = steps_of(0);
	assert_string_equal(member(steps, 0, "outcome"), "done");
	assert_string_equal(member(steps, 1, "outcome"), "failed");
	assert_non_null(strstr(member(steps, 1, "detail"), "rules were reloaded"));
	json_decref(steps);
	/* freed with a run still waiting: nothing leaks (ASan) */
	assert_true(alert_on(d, e));
	action_dispatcher_free(d);
	rules_engine_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_action_forms),	  cmocka_unit_test(test_action_errors),
		cmocka_unit_test(test_config_playbooks),  cmocka_unit_test(test_steps_in_order),
		cmocka_unit_test(test_audit_would_have), cmocka_unit_test(test_replan_ends_run),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
