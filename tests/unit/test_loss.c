/* The drop check (src/agent/loss.c): once a second, the threshold, the token
 * bucket, the actions, the Falco-schema alert and its categories. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include <cmocka.h>
#include <jansson.h>

#include "agent/loss.h"
#include "config/config.h"

#define S 1000000000ull

/* The loss alert as the sinks render it. */
static char *alert_json_of(const struct loss_report *r, const uint64_t *by, uint64_t t,
			   const char *host)
{
	struct alert *al = loss_alert(r, by, t, host);
	char *json = al ? alert_to_json(al) : NULL;

	alert_free(al);
	return json;
}

static struct loss_watch watch_with(double threshold, double rate, double burst)
{
	struct loss_options o;
	struct loss_watch w;

	loss_defaults(&o);
	o.threshold = threshold;
	o.rate = rate;
	o.max_burst = burst;
	loss_watch_init(&w, &o);
	return w;
}

static void test_defaults_are_documented(void **state)
{
	struct loss_options o;

	(void)state;
	loss_defaults(&o);
	assert_int_equal(o.priority, LOSS_PRIO_REALTIME);
	assert_true(o.threshold == 0);
	assert_int_equal(o.actions, LOSS_ACT_LOG | LOSS_ACT_ALERT);
	assert_true(o.rate > 0.033 && o.rate < 0.034);
	assert_true(o.max_burst == 1);
}

static void test_once_a_second(void **state)
{
	struct loss_watch w = watch_with(0, 1, 1);
	struct loss_report r = { 0 };

	(void)state;
	assert_int_equal(loss_watch_step(&w, 10 * S, 100, 0, &r), 0); /* starts the count */
	/* Drops before the second is over wait for it. */
	assert_int_equal(loss_watch_step(&w, 10 * S + S / 2, 150, 7, &r), 0);
	assert_int_equal(r.n_drops, 0);
	assert_int_equal(loss_watch_step(&w, 11 * S, 200, 10, &r), LOSS_ACT_LOG | LOSS_ACT_ALERT);
	assert_int_equal(r.n_drops, 10);
	assert_int_equal(r.n_evts, 110); /* Falco's n_evts counts the drops too */
	assert_int_equal(r.ms, 1000);
	/* A second without drops: nothing. */
	assert_int_equal(loss_watch_step(&w, 12 * S, 300, 10, &r), 0);
	assert_int_equal(r.n_drops, 0);
	assert_int_equal(r.n_evts, 100);
}

static void test_threshold(void **state)
{
	struct loss_watch w = watch_with(0.1, 100, 100);
	struct loss_report r;

	(void)state;
	loss_watch_step(&w, 0 + 1, 0, 0, &r);
	/* 10 of 100 is not above 0.1 */
	assert_int_equal(loss_watch_step(&w, S + 1, 90, 10, &r), 0);
	assert_int_equal(r.n_drops, 10);
	/* 11 of 100 is */
	assert_int_not_equal(loss_watch_step(&w, 2 * S + 1, 179, 21, &r), 0);
	assert_int_equal(w.seconds_with_drops, 1);
}

static void test_token_bucket(void **state)
{
	struct loss_watch w = watch_with(0, 1.0 / 30, 1);
	struct loss_report r;
	uint64_t t = 5 * S, lost = 0, acts = 0;

	(void)state;
	loss_watch_step(&w, t, 0, 0, &r);
	/* Drops every second for 60 s: the burst (1) at once, then one per 30 s. */
	for (int i = 0; i < 60; i++) {
		t += S;
		lost += 5;
		acts += loss_watch_step(&w, t, 1000 * (uint64_t)i, lost, &r) != 0;
	}
	assert_int_equal(w.seconds_with_drops, 60);
	assert_int_equal(acts, 2);
	assert_int_equal(w.actions_taken, 2);
}

static void test_ignore_acts_on_nothing(void **state)
{
	struct loss_watch w = watch_with(0, 1, 1);
	const char *names[] = { "ignore" }, *bad = NULL;
	struct loss_report r;

	(void)state;
	assert_int_equal(loss_actions_parse(names, 1, &w.o.actions, &bad), 0);
	assert_int_equal(w.o.actions, 0);
	loss_watch_step(&w, S, 0, 0, &r);
	assert_int_equal(loss_watch_step(&w, 2 * S, 10, 10, &r), 0);
	assert_int_equal(r.n_drops, 10);
	assert_int_equal(w.seconds_with_drops, 1);
}

static void test_counter_restart(void **state)
{
	struct loss_watch w = watch_with(0, 1, 1);
	struct loss_report r;

	(void)state;
	loss_watch_step(&w, S, 1000, 500, &r);
	/* A smaller total (the sensor was reloaded) counts from zero, never wraps. */
	loss_watch_step(&w, 2 * S, 20, 3, &r);
	assert_int_equal(r.n_drops, 3);
	assert_int_equal(r.n_evts, 23);
}

static void test_parsers(void **state)
{
	const char *acts[] = { "log", "exit" }, *badacts[] = { "alert", "page" }, *bad = NULL;
	enum loss_priority p;
	unsigned a;

	(void)state;
	assert_int_equal(loss_priority_parse("nice", &p), 0);
	assert_int_equal(p, LOSS_PRIO_NICE);
	assert_int_equal(loss_priority_parse("normal", &p), 0);
	assert_int_equal(p, LOSS_PRIO_NORMAL);
	assert_int_equal(loss_priority_parse("fifo", &p), -EINVAL);
	assert_int_equal(loss_actions_parse(acts, 2, &a, &bad), 0);
	assert_int_equal(a, LOSS_ACT_LOG | LOSS_ACT_EXIT);
	assert_int_equal(loss_actions_parse(badacts, 2, &a, &bad), -EINVAL);
	assert_string_equal(bad, "page");
}

static const char *field(json_t *f, const char *k)
{
	return json_string_value(json_object_get(f, k));
}

static void test_alert_json(void **state)
{
	static uint64_t by[EV_LOST_SLOTS];
	struct loss_report r = { .n_evts = 1000, .n_drops = 60, .ms = 1000 };
	json_error_t err;
	json_t *o, *f;
	char *s;

	(void)state;
	by[SYS_openat] = 30;
	by[SYS_connect] = 5;
	by[SYS_unlinkat] = 4;
	by[SYS_ptrace] = 1;
	by[EV_SYSCALL_NR_MAX + EV_EXEC] = 10;
	by[EV_SYSCALL_NR_MAX + EV_FORK] = 7;
	by[EV_SYSCALL_NR_MAX + EV_EXIT] = 3;
	s = alert_json_of(&r, by, 1700000000ull * S + 5, "h1");
	assert_non_null(s);
	o = json_loads(s, 0, &err);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "rule")), LOSS_RULE);
	assert_string_equal(json_string_value(json_object_get(o, "source")), "internal");
	assert_string_equal(json_string_value(json_object_get(o, "priority")), "Critical");
	assert_string_equal(json_string_value(json_object_get(o, "hostname")), "h1");
	assert_string_equal(json_string_value(json_object_get(o, "time")),
			    "2023-11-14T22:13:20.000000005Z");
	assert_string_equal(json_string_value(json_object_get(o, "output")),
			    "Falco internal: syscall event drop. 60 system calls dropped in last "
			    "second.");
	f = json_object_get(o, "output_fields");
	assert_string_equal(field(f, "n_evts"), "1000");
	assert_string_equal(field(f, "n_drops"), "60");
	assert_string_equal(field(f, "n_drops_buffer_total"), "60");
	assert_string_equal(field(f, "n_drops_buffer_open_exit"), "30");
	assert_string_equal(field(f, "n_drops_buffer_connect_exit"), "5");
	assert_string_equal(field(f, "n_drops_buffer_dir_file_exit"), "4");
	assert_string_equal(field(f, "n_drops_buffer_other_interest_exit"), "1");
	assert_string_equal(field(f, "n_drops_buffer_execve_exit"), "10");
	assert_string_equal(field(f, "n_drops_buffer_clone_fork_exit"), "7");
	assert_string_equal(field(f, "n_drops_buffer_proc_exit"), "3");
	json_decref(o);
	free(s);
	/* Categories unknown: only the totals. */
	s = alert_json_of(&r, NULL, 0, NULL);
	o = json_loads(s, 0, &err);
	f = json_object_get(o, "output_fields");
	assert_string_equal(field(f, "n_drops"), "60");
	assert_null(json_object_get(f, "n_drops_buffer_open_exit"));
	json_decref(o);
	free(s);
}

/* The configuration keys: defaults, the allowed actions, the threshold's range. */
static void test_config_keys(void **state)
{
	static const char good[] = "sensor:\n  consumer_priority: nice\n"
				   "syscall_event_drops:\n  threshold: .1\n  actions: [log, exit]\n"
				   "  rate: 1\n  max_burst: 3\n";
	static const char bad_action[] = "syscall_event_drops:\n  actions: [log, page]\n";
	static const char bad_threshold[] = "syscall_event_drops:\n  threshold: 2\n";
	static const char bad_prio[] = "sensor:\n  consumer_priority: fifo\n";
	struct palisade_config *c = NULL;
	char *msg = NULL;
	size_t len = 0;
	FILE *diag;

	(void)state;
	assert_int_equal(config_load_buffer("d.yaml", "", 0, stderr, &c), 0);
	assert_string_equal(c->consumer_priority, "realtime");
	assert_int_equal(c->n_drops_actions, 2);
	assert_string_equal(c->drops_actions[0], "log");
	assert_string_equal(c->drops_actions[1], "alert");
	assert_true(c->drops_threshold == 0 && c->drops_max_burst == 1);
	config_free(c);
	assert_int_equal(config_load_buffer("g.yaml", good, sizeof(good) - 1, stderr, &c), 0);
	assert_string_equal(c->consumer_priority, "nice");
	assert_int_equal(c->n_drops_actions, 2);
	assert_string_equal(c->drops_actions[1], "exit");
	assert_true(c->drops_threshold > 0.09 && c->drops_threshold < 0.11);
	assert_true(c->drops_rate == 1 && c->drops_max_burst == 3);
	config_free(c);
	diag = open_memstream(&msg, &len);
	assert_int_equal(config_load_buffer("a.yaml", bad_action, sizeof(bad_action) - 1, diag, &c),
			 -EINVAL);
	assert_int_equal(config_load_buffer("t.yaml", bad_threshold, sizeof(bad_threshold) - 1, diag,
					    &c), -EINVAL);
	assert_int_equal(config_load_buffer("p.yaml", bad_prio, sizeof(bad_prio) - 1, diag, &c),
			 -EINVAL);
	fclose(diag);
	assert_non_null(strstr(msg, "a.yaml:2"));
	assert_non_null(strstr(msg, "'page' is not allowed"));
	assert_non_null(strstr(msg, "t.yaml:2"));
	assert_non_null(strstr(msg, "'2' is out of range"));
	assert_non_null(strstr(msg, "p.yaml:2"));
	free(msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_are_documented),
		cmocka_unit_test(test_once_a_second),
		cmocka_unit_test(test_threshold),
		cmocka_unit_test(test_token_bucket),
		cmocka_unit_test(test_ignore_acts_on_nothing),
		cmocka_unit_test(test_counter_restart),
		cmocka_unit_test(test_parsers),
		cmocka_unit_test(test_alert_json),
		cmocka_unit_test(test_config_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
