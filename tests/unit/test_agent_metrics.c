/* The agent's counters as /metrics exports them: events by kind and type,
 * alerts by rule and priority, per-container series and their bound. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent/agent_metrics.h"
#include "agent/pipeline.h"
#include "container/container.h"
#include "event/syscalls.h"

static const char rules_text[] =
	"- rule: First rule\n"
	"  desc: d\n"
	"  condition: evt.type = execve\n"
	"  output: first %proc.name\n"
	"  priority: WARNING\n"
	"- rule: Second \"quoted\" rule\n"
	"  desc: d\n"
	"  condition: evt.type = execve and proc.name = x\n"
	"  output: second\n"
	"  priority: CRITICAL\n";

struct fixture {
	struct pipeline p;
	struct metrics_registry *reg;
	struct agent_metrics *m;
	struct rules_engine *rules;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct rules_config cfg;

	assert_non_null(f);
	assert_int_equal(proc_table_new(1024, &f->p.procs), 0);
	rules_config_default(&cfg);
	assert_int_equal(rules_engine_new(&cfg, &f->rules), 0);
	assert_int_equal(rules_engine_add_buffer(f->rules, "t.yaml", rules_text,
						 sizeof(rules_text) - 1),
			 0);
	assert_int_equal(rules_engine_compile(f->rules), 0);
	f->p.rules = f->rules;
	assert_int_equal(metrics_registry_new(&f->reg), 0);
	assert_int_equal(agent_metrics_new(f->reg, &f->p, &f->m), 0);
	agent_metrics_rules_loaded(f->m, f->rules, true);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	agent_metrics_free(f->m);
	metrics_registry_free(f->reg);
	rules_engine_free(f->rules);
	proc_table_free(f->p.procs);
	free(f);
	return 0;
}

/* Publishes and returns the sum of the matching samples (NAN: none). */
static double value(struct fixture *f, const char *name, const char *label, const char *v)
{
	struct metrics_parsed p;
	size_t len = 0;
	char *snap;
	bool found;
	double sum;

	assert_int_equal(metrics_publish(f->reg), 0);
	snap = metrics_snapshot(f->reg, &len, NULL);
	assert_non_null(snap);
	assert_int_equal(metrics_parse(snap, len, &p, NULL), 0);
	sum = metrics_parsed_sum(&p, name, label, v, &found);
	metrics_parsed_release(&p);
	free(snap);
	return found ? sum : NAN;
}

static size_t series(struct fixture *f, const char *name)
{
	struct metrics_parsed p;
	size_t len = 0, i, n = 0;
	char *snap = metrics_snapshot(f->reg, &len, NULL);

	assert_int_equal(metrics_parse(snap, len, &p, NULL), 0);
	for (i = 0; i < p.n_samples; i++)
		n += strcmp(p.samples[i].name, name) == 0;
	metrics_parsed_release(&p);
	free(snap);
	return n;
}

static void event(struct fixture *f, enum ev_kind kind, const char *syscall,
		  const struct container_info *c)
{
	struct event ev = { .kind = kind, .container = c };

	if (syscall) {
		ev.sc = syscall_by_name(syscall);
		assert_non_null(ev.sc);
	}
	agent_metrics_event(f->m, &ev);
}

static void test_events_by_kind_and_type(void **state)
{
	struct fixture *f = *state;
	int i;

	for (i = 0; i < 3; i++)
		event(f, EV_EXEC, NULL, NULL);
	event(f, EV_FORK, NULL, NULL);
	event(f, EV_SYSCALL, "openat", NULL);
	event(f, EV_SYSCALL, "openat", NULL);
	event(f, EV_SYSCALL, "connect", NULL);
	assert_true(value(f, "palisade_events_total", "type", "execve") == 3);
	assert_true(value(f, "palisade_events_total", "type", "clone") == 1);
	assert_true(value(f, "palisade_events_total", "type", "openat") == 2);
	assert_true(value(f, "palisade_events_total", "kind", "syscall") == 3);
	assert_true(value(f, "palisade_events_total", "kind", "process") == 4);
	/* A syscall neither watched nor seen has no series. */
	assert_true(isnan(value(f, "palisade_events_total", "type", "chroot")));
	assert_true(value(f, "palisade_container_events_total", "container_id", "host") == 7);
}

static void test_alerts_by_rule_and_priority(void **state)
{
	struct fixture *f = *state;
	struct event ev = { .kind = EV_EXEC };
	struct rules_alert a = { .ev = &ev };
	size_t i;

	for (i = 0; i < rules_engine_rule_count(f->rules); i++)
		if (strcmp(rules_engine_rule(f->rules, i)->name, "First rule") == 0)
			a.rule = rules_engine_rule(f->rules, i);
	assert_non_null(a.rule);
	agent_metrics_alert(f->m, &a);
	agent_metrics_alert(f->m, &a);
	assert_true(value(f, "palisade_alerts_total", "rule", "First rule") == 2);
	assert_true(value(f, "palisade_alerts_total", "priority", "Warning") == 2);
	/* A rule that never fired is exported at 0, so rates start from zero. */
	assert_true(value(f, "palisade_alerts_total", "rule", "Second \"quoted\" rule") == 0);
	assert_true(value(f, "palisade_alerts_total", "priority", "Critical") == 0);
	assert_true(value(f, "palisade_container_alerts_total", "container_id", "host") == 2);
	assert_true(value(f, "palisade_rules_loaded", NULL, NULL) == 2);
	assert_true(value(f, "palisade_rules_last_load_success", NULL, NULL) == 1);
	assert_true(value(f, "palisade_rules_last_load_timestamp_seconds", NULL, NULL) > 1.7e9);
	/* The enforcement hook; metrics off is a no-op. */
	agent_metrics_action(f->m, "kill", "done");
	agent_metrics_action(f->m, "kill", "done");
	agent_metrics_action(f->m, "kill", "unsupported");
	agent_metrics_action(NULL, "kill", "done");
	assert_true(value(f, "palisade_actions_total", "outcome", "done") == 2);
	assert_true(value(f, "palisade_actions_total", "action", "kill") == 3);
	/* A refused reload keeps the engine in force and says so. */
	agent_metrics_rules_loaded(f->m, NULL, false);
	assert_true(value(f, "palisade_rules_last_load_success", NULL, NULL) == 0);
	assert_true(value(f, "palisade_alerts_total", "rule", "First rule") == 2);
}

static void make_container(struct container_info *c, unsigned n, const char *name)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%012x%052x", n, 0);
	c->name = (char *)name;
	c->image = (char *)"";
	c->image_id = (char *)"";
	c->has_metadata = name[0] != 0;
}

static void test_containers_bounded(void **state)
{
	enum { N = AGENT_METRICS_CONTAINERS_MAX + 5 };
	struct fixture *f = *state;
	static struct container_info cs[N], renamed;
	struct rules_alert a = { .rule = rules_engine_rule(f->rules, 0) };
	struct event ev = { .kind = EV_EXEC };
	unsigned i;

	make_container(&cs[0], 0, "");
	event(f, EV_EXEC, NULL, &cs[0]);
	assert_true(value(f, "palisade_container_events_total", "container_id", cs[0].id) == 1);
	/* Its metadata arrives as a new copy: the series takes the name. */
	make_container(&renamed, 0, "web");
	event(f, EV_EXEC, NULL, &renamed);
	ev.container = &renamed;
	a.ev = &ev;
	agent_metrics_alert(f->m, &a);
	assert_true(value(f, "palisade_container_events_total", "container_name", "web") == 2);
	assert_true(value(f, "palisade_container_alerts_total", "container_name", "web") == 1);

	/* One publish later, every other container is more recent than "web". */
	assert_int_equal(metrics_publish(f->reg), 0);
	for (i = 1; i < N; i++) {
		make_container(&cs[i], i, "c");
		event(f, EV_EXEC, NULL, &cs[i]);
	}
	assert_true(value(f, "palisade_container_series_evicted_total", NULL, NULL) == 5);
	/* Bounded: at most the maximum, plus the host series. */
	assert_int_equal(series(f, "palisade_container_events_total"),
			 AGENT_METRICS_CONTAINERS_MAX + 1);
	assert_true(isnan(value(f, "palisade_container_events_total", "container_name", "web")));
	/* The least recently active gave way: "web", then the first four. */
	assert_true(isnan(value(f, "palisade_container_events_total", "container_id", cs[4].id)));
	assert_true(value(f, "palisade_container_events_total", "container_id", cs[5].id) == 1);
	assert_true(value(f, "palisade_container_events_total", "container_id", cs[N - 1].id) == 1);

	/* Containers idle for long leave; an active one stays. */
	for (i = 0; i <= AGENT_METRICS_CONTAINERS_IDLE_PUBLISHES; i++) {
		event(f, EV_EXEC, NULL, &cs[N - 1]);
		assert_int_equal(metrics_publish(f->reg), 0);
	}
	assert_int_equal(series(f, "palisade_container_events_total"), 2);
	assert_true(value(f, "palisade_container_events_total", "container_id", cs[N - 1].id) ==
		    AGENT_METRICS_CONTAINERS_IDLE_PUBLISHES + 2);
}

/* Ids that differ only in their last characters are still told apart. */
static void test_ids_differing_at_the_end(void **state)
{
	struct fixture *f = *state;
	static struct container_info cs[10];
	char id[CONTAINER_ID_LEN + 1];
	unsigned i;

	for (i = 0; i < 10; i++) {
		memset(&cs[i], 0, sizeof(cs[i]));
		snprintf(cs[i].id, sizeof(cs[i].id), "%064x", i);
		cs[i].name = cs[i].image = cs[i].image_id = (char *)"";
		event(f, EV_EXEC, NULL, &cs[i]);
		event(f, EV_EXEC, NULL, &cs[i]);
	}
	assert_true(value(f, "palisade_container_events_total", NULL, NULL) == 20);
	/* Ten series, each labelled with its full id (a 12-character short id
	 * would make them one label set: a scrape Prometheus refuses). */
	assert_int_equal(series(f, "palisade_container_events_total"), 10 + 1);
	snprintf(id, sizeof(id), "%064x", 9);
	assert_true(value(f, "palisade_container_events_total", "container_id", id) == 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_events_by_kind_and_type, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alerts_by_rule_and_priority, setup, teardown),
		cmocka_unit_test_setup_teardown(test_containers_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ids_differing_at_the_end, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
