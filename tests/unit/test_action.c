/*
 * Enforcement logic that needs no kernel: which conditions the kernel can
 * decide at exec (exact analysis of the compiled condition), the kernel's
 * path keys, action scopes, the plan (served, unserved deny, downgrade,
 * audit), action records in Falco's schema, and the safety rules.
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
#include <unistd.h>

#include <cmocka.h>

#include "alert/alert.h"
#include "action/internal.h"
#include "sensor/sensor.h"

#define HEAD "- macro: spawned_process\n  condition: evt.type in (execve, execveat) and evt.dir=<\n" \
	     "- macro: container\n  condition: (container.id != host)\n" \
	     "- rule: r\n  desc: d\n  output: o\n  priority: WARNING\n"
/* A pid that cannot exist (above the kernel's PID_MAX_LIMIT). */
#define NO_PID 4194305u

static struct rules_engine *load(const char *text)
{
	struct rules_config cfg;
	struct rules_engine *e = NULL;

	rules_config_default(&cfg);
	cfg.hostname = "testhost";
	assert_int_equal(rules_engine_new(&cfg, &e), 0);
	assert_int_equal(rules_engine_add_buffer(e, "t.yaml", text, strlen(text)), 0);
	if (rules_engine_compile(e)) {
		for (size_t i = 0; i < rules_engine_diag_count(e); i++)
			fprintf(stderr, "%s\n", rules_engine_diag(e, i)->text);
		fail_msg("rules did not compile: %s", text);
	}
	return e;
}

static bool has(const char **list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i], s))
			return true;
	return false;
}

/* Analyses rule 0 of `cond`; returns the result code, fills m and why. */
static int match(const char *cond, struct rules_exec_match *m, const char **why,
		 struct rules_engine **out)
{
	char text[2048];

	snprintf(text, sizeof(text), HEAD "  condition: %s\n", cond);
	*out = load(text);
	return rules_engine_exec_match(*out, 0, m, why);
}

static void test_exec_match_accepts(void **state)
{
	struct rules_exec_match m;
	struct rules_engine *e;
	const char *why;

	(void)state;
	assert_int_equal(match("spawned_process and proc.name in (nc, ncat)", &m, &why, &e), 0);
	assert_int_equal(m.n_names, 2);
	assert_true(has(m.names, m.n_names, "nc") && has(m.names, m.n_names, "ncat"));
	assert_int_equal(m.n_paths + m.n_dirs + m.n_argv0s, 0);
	assert_false(m.container_only);
	rules_engine_free(e);

	assert_int_equal(match("evt.type = execve and proc.exepath = /usr/bin/nc and container",
			       &m, &why, &e), 0);
	assert_int_equal(m.n_paths, 1);
	assert_string_equal(m.paths[0], "/usr/bin/nc");
	assert_true(m.container_only);
	rules_engine_free(e);

	/* An `or` of tests on the executable; directories two ways. */
	assert_int_equal(match("spawned_process and (proc.exepath pmatch (/tmp/a, /dev/shm) or "
			       "proc.exepath startswith \"/opt/x/\" or proc.exe = xmrig)",
			       &m, &why, &e), 0);
	assert_int_equal(m.n_dirs, 3);
	assert_true(has(m.dirs, m.n_dirs, "/tmp/a") && has(m.dirs, m.n_dirs, "/dev/shm") &&
		    has(m.dirs, m.n_dirs, "/opt/x"));
	assert_int_equal(m.n_argv0s, 1);
	assert_string_equal(m.argv0s[0], "xmrig");
	rules_engine_free(e);
}

static void test_exec_match_refuses(void **state)
{
	static const char *const refused[] = {
		/* fields the kernel cannot decide at exec */
		"spawned_process and proc.cmdline contains nc",
		"spawned_process and proc.name = nc and user.name = root",
		/* a negation: the kernel would kill what the rule lets through */
		"spawned_process and not proc.name in (sh)",
		/* operators that are not exact on the kernel's keys */
		"spawned_process and proc.name startswith nc",
		"spawned_process and proc.exepath startswith /usr/bin",
		"spawned_process and proc.exepath pmatch (/usr/*)",
		"spawned_process and proc.name glob \"n*\"",
		/* two sets and-ed: the kernel's lists are a union */
		"spawned_process and proc.name = nc and proc.exepath = /bin/nc",
		/* other event types, or none */
		"evt.type in (execve, openat) and proc.name = nc",
		"proc.name = nc",
		"spawned_process",
		/* transformers */
		"spawned_process and tolower(proc.name) = nc",
		/* host only: the kernel lists have no such scope */
		"spawned_process and proc.name = nc and not container",
	};
	struct rules_exec_match m;
	struct rules_engine *e;
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		int ret = match(refused[i], &m, &why, &e);

		if (ret != -EOPNOTSUPP)
			fail_msg("accepted: %s", refused[i]);
		assert_non_null(why);
		rules_engine_free(e);
	}
	/* An exception makes the condition more than the exe list. */
	const char *with_exc = HEAD "  condition: spawned_process and proc.name = nc\n"
				    "  exceptions:\n  - name: e\n    fields: [user.name]\n"
				    "    values: [[root]]\n";
	e = load(with_exc);
	assert_int_equal(rules_engine_exec_match(e, 0, &m, &why), -EOPNOTSUPP);
	rules_engine_free(e);
}

/* The shipped examples load, and the kernel serves exactly the one meant for it. */
static void test_example_rules(void **state)
{
	struct rules_config cfg;
	struct rules_engine *e = NULL;
	struct rules_exec_match m;
	const char *why;
	size_t kernel = 0;

	(void)state;
	rules_config_default(&cfg);
	assert_int_equal(rules_engine_new(&cfg, &e), 0);
	assert_int_equal(rules_engine_add_path(e, "rules/enforce_examples.yaml"), 0);
	assert_int_equal(rules_engine_compile(e), 0);
	for (size_t i = 0; i < rules_engine_rule_count(e); i++) {
		const struct rules_rule_info *r = rules_engine_rule(e, i);

		assert_int_not_equal(r->action.type, RULES_ACTION_ALERT);
		if (r->action.type == RULES_ACTION_KILL && r->action.where == RULES_SCOPE_ALL &&
		    rules_engine_exec_match(e, i, &m, &why) == 0 && !m.container_only) {
			assert_string_equal(r->name, "Known miner killed at exec");
			assert_int_equal(m.n_names, 9);
			kernel++;
		}
	}
	assert_int_equal(kernel, 1);
	rules_engine_free(e);
}

static void test_path_key(void **state)
{
	char key[EXEC_DENY_KEY], longp[400];

	(void)state;
	assert_int_equal(sensor_exec_path_key("/bin/sh", key), 7);
	assert_memory_equal(key, "sh\0bin\0", 7);
	assert_int_equal(key[7], 0);
	assert_int_equal(sensor_exec_path_key("/x", key), 2);
	assert_memory_equal(key, "x\0", 2);
	assert_int_equal(sensor_exec_path_key("/", key), -EINVAL);
	assert_int_equal(sensor_exec_path_key("bin/sh", key), -EINVAL);
	assert_int_equal(sensor_exec_path_key("/bin//sh", key), -EINVAL);
	assert_int_equal(sensor_exec_path_key("/bin/./sh", key), -EINVAL);
	assert_int_equal(sensor_exec_path_key("/bin/../sh", key), -EINVAL);
	assert_int_equal(sensor_exec_path_key("/bin/", key), -EINVAL);
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	assert_int_equal(sensor_exec_path_key(longp, key), -ENAMETOOLONG);
}

static void test_scope(void **state)
{
	struct container_label labels[] = { { "env", "prod-eu" } };
	struct container_info c = { .id = "abc", .has_metadata = true, .name = "web-1",
				    .image = "nginx:1.25", .image_id = "", .labels = labels,
				    .n_labels = 1 };
	struct rules_action_spec s = { 0 };

	(void)state;
	assert_int_equal(action_scope_check(&s, NULL), SCOPE_IN);
	assert_int_equal(action_scope_check(&s, &c), SCOPE_IN);
	s.where = RULES_SCOPE_HOST;
	assert_int_equal(action_scope_check(&s, NULL), SCOPE_IN);
	assert_int_equal(action_scope_check(&s, &c), SCOPE_OUT);
	s.where = RULES_SCOPE_CONTAINERS;
	assert_int_equal(action_scope_check(&s, NULL), SCOPE_OUT);
	assert_int_equal(action_scope_check(&s, &c), SCOPE_IN);
	s.image_glob = "nginx*";
	s.label_key = "env";
	s.label_glob = "prod*";
	assert_int_equal(action_scope_check(&s, &c), SCOPE_IN);
	s.name_glob = "db-*";
	assert_int_equal(action_scope_check(&s, &c), SCOPE_OUT);
	s.name_glob = NULL;
	s.label_glob = "test*";
	assert_int_equal(action_scope_check(&s, &c), SCOPE_OUT);
	s.label_key = "team";
	assert_int_equal(action_scope_check(&s, &c), SCOPE_OUT);
	c.has_metadata = false;
	assert_int_equal(action_scope_check(&s, &c), SCOPE_UNKNOWN);
}

/* ---- the dispatcher, with a back-end that records what it was asked ---- */

static struct {
	char lines[8][2048];
	size_t n;
	int applied;
} out;

/* What the pipeline does: an alert that carries an action result is one line. */
static void on_emit(struct alert *al, void *ctx)
{
	char *json = al->action ? alert_to_json(al) : NULL;

	(void)ctx;
	if (json && out.n < 8)
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
	(void)enforce;
	if (strstr(rule->name, "unserved")) {
		*why = "not this one";
		return -EOPNOTSUPP;
	}
	*how = "fake kill";
	return 0;
}

static int fake_apply(void *ctx, const struct action_target *t, enum rules_action type,
		      struct action_result *res, uint64_t token)
{
	(void)ctx;
	(void)t;
	(void)type;
	(void)token;
	out.applied++;
	res->outcome = ACTION_DONE;
	snprintf(res->detail, sizeof(res->detail), "fake");
	return 0;
}

static const struct action_backend fake = { .name = "fake",
					    .types = (1u << RULES_ACTION_KILL) |
						     (1u << RULES_ACTION_DENY),
					    .prepare = fake_prepare,
					    .apply = fake_apply };

static struct action_dispatcher *dispatcher(bool enforce, FILE *log)
{
	struct action_config cfg = { .enforce = enforce, .hostname = "h", .log = log,
				     .emit = on_emit };
	struct action_dispatcher *d;

	memset(&out, 0, sizeof(out));
	assert_int_equal(action_dispatcher_new(&cfg, &d), 0);
	assert_int_equal(action_register(d, &fake), 0);
	return d;
}

static void alert_on(struct action_dispatcher *d, struct rules_engine *e, size_t i,
		     const struct container_info *c)
{
	struct ev_header hdr = { .pid = NO_PID, .kind = EV_EXEC };
	struct event ev = { .hdr = &hdr, .kind = EV_EXEC, .container = c };
	struct rules_alert a = { .rule = rules_engine_rule(e, i), .ev = &ev,
				 .output = "o", .time_ns = 1700000000123456789ull,
				 .hostname = "h" };

	struct alert *al;

	snprintf(ev.exe, sizeof(ev.exe), "/tmp/x");
	al = alert_from_rules(&a);
	assert_non_null(al);
	if (!action_after_alert(d, &a, al))
		on_emit(al, NULL);
}

#define RULES2 "- rule: a\n  desc: d\n  output: o\n  priority: CRITICAL\n  tags: [t1]\n" \
	       "  condition: evt.type=execve\n  action: kill\n"

static void test_plan_and_records(void **state)
{
	char logbuf[4096] = "";
	FILE *log = fmemopen(logbuf, sizeof(logbuf), "w");
	struct action_dispatcher *d = dispatcher(false, log);
	struct rules_engine *e = load(RULES2
				      "- rule: b\n  desc: d\n  output: o\n  priority: WARNING\n"
				      "  condition: evt.type=execve\n  action: {type: kill, enforce: true}\n"
				      "- rule: c\n  desc: d\n  output: o\n  priority: WARNING\n"
				      "  condition: evt.type=execve\n  action: {type: kill, scope: host}\n");
	json_t *j;

	(void)state;
	assert_int_equal(action_plan(d, e), 0);
	fflush(log);
	assert_non_null(strstr(logbuf, "palisade: enforce: mode audit"));
	assert_non_null(strstr(logbuf, "palisade: enforce: a: fake kill (audit: would have"));
	assert_non_null(strstr(logbuf, "palisade: enforce: b: fake kill\n"));

	/* audit mode: reported, not applied */
	alert_on(d, e, 0, NULL);
	assert_int_equal(out.applied, 0);
	assert_int_equal(out.n, 1);
	j = json_loads(out.lines[0], 0, NULL);
	assert_non_null(j);
	/* The rule's own alert, in Falco's schema, plus "palisade_action". */
	assert_string_equal(json_string_value(json_object_get(j, "rule")), "a");
	assert_string_equal(json_string_value(json_object_get(j, "source")), "syscall");
	assert_string_equal(json_string_value(json_object_get(j, "priority")), "Critical");
	assert_string_equal(json_string_value(json_object_get(j, "time")),
			    "2023-11-14T22:13:20.123456789Z");
	assert_string_equal(json_string_value(json_object_get(j, "hostname")), "h");
	assert_string_equal(json_string_value(json_array_get(json_object_get(j, "tags"), 0)), "t1");
	json_t *f = json_object_get(j, "palisade_action");
	assert_string_equal(json_string_value(json_object_get(f, "type")), "kill");
	assert_string_equal(json_string_value(json_object_get(f, "backend")), "fake");
	assert_string_equal(json_string_value(json_object_get(f, "mode")), "audit");
	assert_string_equal(json_string_value(json_object_get(f, "outcome")), "would-have");
	assert_string_equal(json_string_value(json_object_get(f, "detail")),
			    "audit mode: would have killed the process");
	/* Falco's eight keys, host_id, agent_version and palisade_action. */
	assert_int_equal(json_object_size(j), 11);
	json_decref(j);

	/* the rule's enforce: true overrides audit */
	alert_on(d, e, 1, NULL);
	assert_int_equal(out.applied, 1);
	assert_non_null(strstr(out.lines[1], "\"outcome\":\"done\""));

	/* scope host: a container's alert is out of scope, no record */
	struct container_info c = { .id = "0123456789abcdef", .has_metadata = true, .name = "n",
				    .image = "i", .image_id = "" };
	alert_on(d, e, 2, &c);
	assert_int_equal(out.n, 2);
	alert_on(d, e, 2, NULL);
	assert_int_equal(out.n, 3);

	action_dispatcher_free(d);
	rules_engine_free(e);
	fclose(log);
}

static void test_unserved_deny(void **state)
{
	char logbuf[4096] = "";
	FILE *log = fmemopen(logbuf, sizeof(logbuf), "w");
	struct action_dispatcher *d = dispatcher(true, log);
	struct rules_engine *e = load("- rule: unserved deny\n  desc: d\n  output: o\n"
				      "  priority: WARNING\n  condition: evt.type=openat\n"
				      "  action: deny\n");

	(void)state;
	assert_int_equal(action_plan(d, e), -EINVAL);
	fflush(log);
	assert_non_null(strstr(logbuf, "unserved deny: cannot be served: fake: not this one"));
	assert_non_null(strstr(logbuf, "downgrade: true"));
	rules_engine_free(e);

	/* downgrade: true: loads; the alert carries no action */
	rewind(log);
	memset(logbuf, 0, sizeof(logbuf));
	e = load("- rule: unserved deny\n  desc: d\n  output: o\n  priority: WARNING\n"
		 "  condition: evt.type=openat\n  action: {type: deny, downgrade: true}\n");
	assert_int_equal(action_plan(d, e), 0);
	fflush(log);
	assert_non_null(strstr(logbuf, "downgraded to alert"));
	alert_on(d, e, 0, NULL);
	assert_int_equal(out.n, 0);
	assert_int_equal(out.applied, 0);

	/* an unserved kill only alerts: not a load error */
	rules_engine_free(e);
	e = load("- rule: unserved kill\n  desc: d\n  output: o\n  priority: WARNING\n"
		 "  condition: evt.type=openat\n  action: kill\n");
	assert_int_equal(action_plan(d, e), 0);
	action_dispatcher_free(d);
	rules_engine_free(e);
	fclose(log);
}

static int count_alert(const struct rules_alert *a, void *ctx)
{
	(void)a;
	(*(int *)ctx)++;
	return 0;
}

/* Rate limiting drops alerts, never the alerts of a rule with an action. */
static void test_actions_not_rate_limited(void **state)
{
	const char *text = "- rule: k\n  desc: d\n  output: o\n  priority: WARNING\n"
			   "  condition: evt.type=execve\n  action: kill\n"
			   "- rule: a\n  desc: d\n  output: o\n  priority: WARNING\n"
			   "  condition: evt.type=execve\n";
	struct rules_config cfg;
	struct rules_engine *e = NULL;
	struct ev_header hdr = { .pid = NO_PID, .kind = EV_EXEC, .ts_ns = 1000 };
	struct event ev = { .hdr = &hdr, .kind = EV_EXEC };
	struct rules_stats st;
	int alerts = 0;

	(void)state;
	rules_config_default(&cfg);
	cfg.rate_per_sec = 1;
	cfg.rate_burst = 1;
	assert_int_equal(rules_engine_new(&cfg, &e), 0);
	assert_int_equal(rules_engine_add_buffer(e, "t.yaml", text, strlen(text)), 0);
	assert_int_equal(rules_engine_compile(e), 0);
	for (int i = 0; i < 3; i++) {
		hdr.ts_ns += 1000; /* well within one second */
		rules_eval(e, &ev, count_alert, &alerts);
	}
	rules_engine_stats(e, &st);
	assert_int_equal(alerts, 3 + 1); /* k every time, a once */
	assert_int_equal(st.rate_limited, 2);
	rules_engine_free(e);
}

static void test_safety(void **state)
{
	char why[256];

	(void)state;
	assert_true(action_protected(1, NULL, why, sizeof(why)));
	assert_non_null(strstr(why, "init"));
	assert_true(action_protected((uint32_t)getpid(), NULL, why, sizeof(why)));
	assert_non_null(strstr(why, "agent"));
	assert_false(action_protected(NO_PID, NULL, why, sizeof(why)));
	/* the test's own parent (a shell or make) is not the runtime */
	assert_false(action_protected((uint32_t)getppid(), "proc.name = x", why, sizeof(why)));
}

static void test_kill_gone_process(void **state)
{
	struct action_result res;

	(void)state;
	action_kill_pid(NO_PID, 0, &res);
	assert_int_equal(res.outcome, ACTION_FAILED);
	assert_string_equal(res.detail, "process already exited");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_match_accepts),
		cmocka_unit_test(test_exec_match_refuses),
		cmocka_unit_test(test_example_rules),
		cmocka_unit_test(test_path_key),
		cmocka_unit_test(test_scope),
		cmocka_unit_test(test_plan_and_records),
		cmocka_unit_test(test_unserved_deny),
		cmocka_unit_test(test_actions_not_rate_limited),
		cmocka_unit_test(test_safety),
		cmocka_unit_test(test_kill_gone_process),
	};

	return cmocka_run_group_tests_name("action", tests, NULL, NULL);
}
