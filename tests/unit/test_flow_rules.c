/*
 * The rules' flow source (docs/flows.md): rules with `source: flow` run on
 * flow starts and ends (net_flow_to_event), through Falco's network fields,
 * container.* and flow.*; a field flows do not have is an error at its
 * position; a syscall rule never runs on a flow, a flow rule never on a
 * syscall. No kernel.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "net/net.h"
#include "rules/rules.h"
#include "rules_fixture.h"

#define RULES                                                                                 \
	"- rule: web talks to the db port\n"                                                  \
	"  desc: d\n"                                                                         \
	"  condition: evt.type = flow_start and fd.sport = 5432 and fd.l4proto = tcp and\n"   \
	"    container.name = web and flow.direction = egress and fd.sip = 10.0.0.3 and\n"  \
	"    fd.snet in (10.0.0.0/8) and flow.peer = db and flow.peer.kind = container\n"     \
	"  output: \"%container.name -> %flow.peer %fd.name %fd.cip %fd.cport\"\n"            \
	"  priority: WARNING\n"                                                               \
	"  source: flow\n"                                                                    \
	"- rule: a big flow ended\n"                                                          \
	"  desc: d\n"                                                                         \
	"  condition: flow.bytes > 1000 and flow.end = closed\n"                              \
	"  output: \"%flow.bytes %flow.state %flow.end %flow.duration %evt.type\"\n"          \
	"  priority: NOTICE\n"                                                                \
	"  source: flow\n"                                                                    \
	"- rule: any event at all\n"                                                          \
	"  desc: a syscall rule without evt.type\n"                                           \
	"  condition: container.id != host\n"                                                 \
	"  output: \"x\"\n"                                                                   \
	"  priority: NOTICE\n"                                                                \
	"  warn_evttypes: false\n"

static struct rules_engine *engine(const char *text)
{
	struct rules_config cfg;
	struct rules_engine *e = NULL;

	rules_config_default(&cfg);
	cfg.hostname = "testhost";
	cfg.boot_to_realtime_ns = 1;
	cfg.diag_out = stderr;
	assert_int_equal(rules_engine_new(&cfg, &e), 0);
	assert_int_equal(rules_engine_add_buffer(e, "t.yaml", text, strlen(text)), 0);
	return e;
}

struct got {
	int n;
	char rule[8][64], output[8][256], source[8][16];
};

static int collect(const struct rules_alert *a, void *ctx)
{
	struct got *g = ctx;

	if (g->n < 8) {
		snprintf(g->rule[g->n], sizeof(g->rule[0]), "%s", a->rule->name);
		snprintf(g->output[g->n], sizeof(g->output[0]), "%s", a->output);
		snprintf(g->source[g->n], sizeof(g->source[0]), "%s", a->rule->source);
	}
	g->n++;
	return 0;
}

static struct net_flow flow(void)
{
	struct net_flow f = { .initiator = FL_OUT, .state = NET_TCP_ESTABLISHED };

	f.key.proto = 6;
	f.key.family = 4;
	f.key.lport = 40000;
	f.key.rport = 5432;
	inet_pton(AF_INET, "10.0.0.2", f.key.local);
	inet_pton(AF_INET, "10.0.0.3", f.key.remote);
	f.remote.kind = NET_PEER_CONTAINER;
	snprintf(f.remote.name, sizeof(f.remote.name), "db");
	f.first_ns = 1000;
	f.last_ns = 3000;
	return f;
}

static void test_flow_rules_fire(void **state)
{
	struct rules_engine *e = engine(RULES);
	struct container_info c = { .name = "web", .image = "web:1", .image_id = "", .ip = "" };
	struct net_flow f = flow();
	struct net_event ne;
	struct got g = { 0 };

	(void)state;
	assert_int_equal(rules_engine_compile(e), 0);
	snprintf(c.id, sizeof(c.id), "%064d", 7);
	net_flow_to_event(&f, NET_FLOW_START, &c, &ne);
	rules_eval(e, &ne.ev, collect, &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.rule[0], "web talks to the db port");
	assert_string_equal(g.source[0], "flow");
	assert_non_null(strstr(g.output[0], "web -> db 10.0.0.2:40000->10.0.0.3:5432 10.0.0.2 40000"));
	/* The end: the other rule, with the counters. */
	f.bytes[FL_OUT] = 600;
	f.bytes[FL_IN] = 700;
	f.state = NET_TCP_CLOSED;
	f.end = NET_END_CLOSED;
	f.ended_ns = 5000;
	memset(&g, 0, sizeof(g));
	net_flow_to_event(&f, NET_FLOW_END, &c, &ne);
	rules_eval(e, &ne.ev, collect, &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.rule[0], "a big flow ended");
	assert_non_null(strstr(g.output[0], "1300 CLOSED closed 2000 flow_end"));
	/* An ingress flow: the local end is the server. */
	f.initiator = FL_IN;
	memset(&g, 0, sizeof(g));
	net_flow_to_event(&f, NET_FLOW_START, &c, &ne);
	rules_eval(e, &ne.ev, collect, &g);
	assert_int_equal(g.n, 0);
	rules_engine_free(e);
}

static void test_wrong_field_refused(void **state)
{
	struct rules_engine *e = engine("- rule: r\n  desc: d\n  condition: evt.type = flow_start "
					"and proc.name = nc\n  output: o\n  priority: INFO\n"
					"  source: flow\n");

	(void)state;
	assert_int_not_equal(rules_engine_compile(e), 0);
	assert_true(has_diag_part(e, "field 'proc.name': a field of the syscall source, not of this rule's (flow"));
	rules_engine_free(e);
	e = engine("- rule: r\n  desc: d\n  condition: evt.type = connect and flow.bytes > 3\n"
		   "  output: o\n  priority: INFO\n");
	assert_int_not_equal(rules_engine_compile(e), 0);
	assert_true(has_diag_part(e, "field 'flow.bytes': a field of the flow source, not of this rule's (syscall"));
	rules_engine_free(e);
	e = engine("- rule: r\n  desc: d\n  condition: evt.type = connect\n  output: o\n"
		   "  priority: INFO\n  source: flow\n");
	assert_int_not_equal(rules_engine_compile(e), 0);
	assert_true(has_diag_part(e, "matches no flow event"));
	rules_engine_free(e);
	e = engine("- rule: r\n  desc: d\n  condition: evt.type = flow_start\n"
		   "  output: \"%proc.name\"\n  priority: INFO\n  source: flow\n");
	assert_int_not_equal(rules_engine_compile(e), 0);
	assert_true(has_diag_part(e, "field 'proc.name': a field of the syscall source, not of this rule's (flow"));
	rules_engine_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flow_rules_fire),
		cmocka_unit_test(test_wrong_field_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
