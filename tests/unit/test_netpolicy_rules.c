/*
 * From rules to network policy (src/action/netpolicy_rules.c) and the rules
 * query it reads (src/rules/rule_query.c): which `action: deny` rules the
 * cgroup hooks serve, exactly what each becomes (hooks, protocols, families,
 * address sets, port ranges, scope, mode), and the reason for each refusal.
 * Then what the back-end writes (no kernel needed): the deny record and the
 * "palisade_action" key on alerts.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "action/netpolicy.h"
#include "falco_rules.h"
#include "rules/rules.h"

static struct rules_engine *E;

/* Compiles one rule with the given condition and action lines. */
static void load(const char *cond, const char *action)
{
	char text[4096];
	struct rules_config cfg;

	rules_engine_free(E);
	rules_config_default(&cfg);
	assert_int_equal(rules_engine_new(&cfg, &E), 0);
	snprintf(text, sizeof(text),
		 "- rule: r\n  desc: d\n  condition: %s\n  output: o %%fd.name\n"
		 "  priority: WARNING\n%s\n",
		 cond, action);
	assert_int_equal(rules_engine_add_buffer(E, "test.yaml", text, strlen(text)), 0);
	if (rules_engine_compile(E)) {
		for (size_t i = 0; i < rules_engine_diag_count(E); i++)
			fprintf(stderr, "%s\n", rules_engine_diag(E, i)->text);
		fail_msg("rules did not compile: %s", cond);
	}
}

static int translate(const char *cond, const char *action, struct netpolicy_rule *r,
		     const char **why)
{
	load(cond, action);
	*why = NULL;
	return netpolicy_rule_from_rules(E, 0, true, r, why);
}

static void assert_net(const struct netpolicy_net *n, const char *addr, unsigned prefix)
{
	uint8_t ip[16];
	int v6 = strchr(addr, ':') != NULL;

	assert_int_equal(inet_pton(v6 ? AF_INET6 : AF_INET, addr, ip), 1);
	assert_int_equal(n->ip_len, v6 ? 16 : 4);
	assert_memory_equal(n->ip, ip, n->ip_len);
	assert_int_equal(n->prefix, prefix);
}

static void test_tcp_address_and_port(void **state)
{
	struct netpolicy_rule r;
	const char *why;

	(void)state;
	assert_int_equal(translate("evt.type = connect and fd.sip = 10.1.2.3 and fd.sport = 443",
				   "  action:\n    type: deny\n    scope: {name: \"web-*\"}", &r,
				   &why),
			 1);
	assert_int_equal(r.hooks, NP_HOOK_CONNECT);
	assert_int_equal(r.protos, NP_PROTO_ALL);
	assert_int_equal(r.families, NP_FAMILY_V4 | NP_FAMILY_V6);
	assert_true(r.has_include);
	assert_false(r.has_exclude);
	assert_int_equal(r.n_include, 1);
	assert_net(&r.include[0], "10.1.2.3", 32);
	assert_int_equal(r.n_ports, 1);
	assert_int_equal(r.ports[0].lo, 443);
	assert_int_equal(r.ports[0].hi, 443);
	assert_int_equal(r.scope.where, RULES_SCOPE_CONTAINERS);
	assert_string_equal(r.scope.name_glob, "web-*");
	assert_true(r.enforce);
	assert_string_equal(r.name, "r");
	netpolicy_rule_release(&r);
}

static void test_udp_networks_both_families(void **state)
{
	struct netpolicy_rule r;
	const char *why;

	(void)state;
	assert_int_equal(translate("evt.type in (sendto, sendmsg) and fd.l4proto = udp and "
				   "fd.snet in (192.168.0.0/16, fd00::/8) and fd.rport in (53, 5353)",
				   "  action: deny", &r, &why),
			 1);
	assert_int_equal(r.hooks, NP_HOOK_SENDMSG);
	assert_int_equal(r.protos, NP_PROTO_UDP);
	assert_int_equal(r.n_include, 2);
	/* sorted: the IPv4 network first */
	assert_net(&r.include[0], "192.168.0.0", 16);
	assert_net(&r.include[1], "fd00::", 8);
	assert_int_equal(r.n_ports, 2);
	assert_int_equal(r.ports[0].lo, 53);
	assert_int_equal(r.ports[1].lo, 5353);
	assert_int_equal(r.scope.where, RULES_SCOPE_ALL);
	netpolicy_rule_release(&r);
}

static void test_negations_become_exclude_and_complement(void **state)
{
	struct netpolicy_rule r;
	const char *why;

	(void)state;
	assert_int_equal(translate("evt.type = connect and not fd.snet in (10.0.0.0/8) and "
				   "fd.sip != 172.16.0.1 and fd.sport != 22 and container.id != host",
				   "  action: deny", &r, &why),
			 1);
	assert_false(r.has_include);
	assert_true(r.has_exclude);
	assert_int_equal(r.n_exclude, 2);
	assert_net(&r.exclude[0], "10.0.0.0", 8);
	assert_net(&r.exclude[1], "172.16.0.1", 32);
	assert_int_equal(r.n_ports, 2);
	assert_int_equal(r.ports[0].lo, 0);
	assert_int_equal(r.ports[0].hi, 21);
	assert_int_equal(r.ports[1].lo, 23);
	assert_int_equal(r.ports[1].hi, 65535);
	/* container.id != host narrows the action's scope "all" to containers */
	assert_int_equal(r.scope.where, RULES_SCOPE_CONTAINERS);
	netpolicy_rule_release(&r);
}

static void test_port_ranges_or_and_and(void **state)
{
	struct netpolicy_rule r;
	const char *why;

	(void)state;
	assert_int_equal(translate("evt.type = connect and (fd.sport = 80 or fd.sport = 443 or "
				   "fd.sport > 8000) and fd.sport < 9000 and fd.typechar = 4",
				   "  action: deny", &r, &why),
			 1);
	assert_int_equal(r.families, NP_FAMILY_V4);
	assert_int_equal(r.n_ports, 3);
	assert_int_equal(r.ports[0].lo, 80);
	assert_int_equal(r.ports[1].lo, 443);
	assert_int_equal(r.ports[2].lo, 8001);
	assert_int_equal(r.ports[2].hi, 8999);
	assert_false(r.has_include);
	netpolicy_rule_release(&r);
}

static void test_connect_and_send_share_one_rule(void **state)
{
	struct netpolicy_rule r;
	const char *why;

	(void)state;
	assert_int_equal(translate("evt.type in (connect, sendto, sendmsg) and evt.dir = < and "
				   "fd.sockfamily = ip and fd.sip in (2001:db8::1, ::ffff:10.9.0.0/112)",
				   "  action:\n    type: deny\n    enforce: false", &r, &why),
			 1);
	assert_int_equal(r.hooks, NP_HOOK_CONNECT | NP_HOOK_SENDMSG);
	assert_int_equal(r.n_include, 2);
	/* an IPv4-mapped network becomes the IPv4 network the kernel looks up */
	assert_net(&r.include[0], "10.9.0.0", 16);
	assert_net(&r.include[1], "2001:db8::1", 128);
	assert_int_equal(r.n_ports, 0);
	assert_false(r.enforce); /* the rule's own enforce: false beats --enforce */
	netpolicy_rule_release(&r);
}

static void test_refusals_say_why(void **state)
{
	static const struct {
		const char *cond, *why;
	} cases[] = {
		{ "evt.type = connect and proc.name = nc and fd.sport = 1", "proc.name =: a field" },
		{ "evt.type = connect and evt.rawres >= 0 and fd.sport = 1", "result" },
		{ "evt.type = sendto and fd.sport = 1", "name both" },
		{ "evt.type = connect and (fd.sport = 1 or fd.sip = 10.0.0.1)", "different fields" },
		{ "evt.type in (connect, openat) and fd.sport = 1", "other event types" },
		{ "evt.type = connect and fd.sip in (10.0.0.1) and fd.snet in (10.0.0.0/8)",
		  "two address sets" },
		{ "evt.type = connect and not (fd.sport = 1 and fd.sip = 10.0.0.1)", "composite" },
		{ "evt.type = connect and fd.sport = 1 and container.id = abcdef123456",
		  "action's scope" },
		{ "fd.sport = 1", "every event type" },
		{ "evt.type = connect and fd.name contains 10.0", "fd.name contains" },
	};
	struct netpolicy_rule r;
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret = translate(cases[i].cond, "  action: deny", &r, &why);

		if (ret != -ENOTSUP || !why || !strstr(why, cases[i].why))
			fail_msg("%s: got %d, why '%s', expected '%s'", cases[i].cond, ret,
				 why ? why : "(null)", cases[i].why);
	}
}

static void test_not_a_network_deny(void **state)
{
	struct netpolicy_rule r;
	const char *why;

	(void)state;
	assert_int_equal(translate("evt.type = execve and proc.name = nc", "  action: deny", &r,
				   &why),
			 0);
	assert_int_equal(translate("evt.type = connect and fd.sport = 1", "  action: alert", &r,
				   &why),
			 0);
	assert_int_equal(translate("evt.type = connect and fd.sport = 1", "", &r, &why), 0);
}

static void test_scope_covers(void **state)
{
	struct container_label labels[] = { { "tier", "db" } };
	struct container_info c = { .id = "abc", .name = "web-1", .image = "nginx:1",
				    .labels = labels, .n_labels = 1, .cgroup_id = 7,
				    .has_metadata = true };
	struct rules_action_spec s = { .where = RULES_SCOPE_ALL };

	(void)state;
	assert_true(netpolicy_scope_covers(&s, NULL));
	assert_true(netpolicy_scope_covers(&s, &c));
	s.where = RULES_SCOPE_HOST;
	assert_true(netpolicy_scope_covers(&s, NULL));
	assert_false(netpolicy_scope_covers(&s, &c));
	s.where = RULES_SCOPE_CONTAINERS;
	assert_false(netpolicy_scope_covers(&s, NULL));
	s.name_glob = "web-*";
	s.image_glob = "nginx:*";
	assert_true(netpolicy_scope_covers(&s, &c));
	s.label_key = "tier";
	s.label_glob = "front";
	assert_false(netpolicy_scope_covers(&s, &c));
	s.label_glob = "d?";
	assert_true(netpolicy_scope_covers(&s, &c));
	s.name_glob = "db-*";
	assert_false(netpolicy_scope_covers(&s, &c));
}

static void test_condition_tree(void **state)
{
	const struct rules_cond *c;

	(void)state;
	load("evt.type in (connect, execve) and (fd.sport in (1, 2) or proc.name = x)",
	     "  action: alert");
	assert_int_equal(rules_rule_condition(E, 0, "nosuchtype", &c), -EINVAL);
	assert_int_equal(rules_rule_condition(E, 0, "connect", &c), 0);
	/* evt.type folded away: what remains is the OR */
	assert_int_equal(c->kind, RULES_COND_OR);
	assert_int_equal(c->n_kids, 2);
	assert_int_equal(c->kids[0]->kind, RULES_COND_CMP);
	assert_string_equal(c->kids[0]->field, "fd.sport");
	assert_string_equal(c->kids[0]->op, "in");
	assert_string_equal(c->kids[0]->type, "uint64");
	assert_int_equal(c->kids[0]->n_vals, 2);
	assert_int_equal(c->kids[0]->vals[1].u, 2);
	assert_string_equal(c->kids[1]->vals[0].s, "x");
	assert_int_equal(rules_rule_condition(E, 0, "openat", &c), 0);
	assert_int_equal(c->kind, RULES_COND_FALSE);
}

static void test_describe(void **state)
{
	struct netpolicy_rule r;
	const char *why;
	char buf[256];

	(void)state;
	assert_int_equal(translate("evt.type = connect and fd.l4proto = tcp and fd.snet in "
				   "(10.0.0.0/8) and fd.sport >= 8000 and fd.sport <= 8080",
				   "  action:\n    type: deny\n    scope: containers", &r, &why),
			 1);
	netpolicy_rule_describe(&r, buf, sizeof(buf));
	assert_string_equal(buf, "connect proto tcp to 10.0.0.0/8 ports 8000-8080 scope "
				 "containers, enforce");
	netpolicy_rule_release(&r);
}

/* Walks a condition tree, counting comparisons and checking its shape. */
static size_t count_cmps(const struct rules_cond *c)
{
	size_t n = c->kind == RULES_COND_CMP;

	if (c->kind == RULES_COND_CMP) {
		assert_non_null(c->field);
		assert_non_null(c->op);
		assert_true(c->opaque || !c->n_vals || c->vals);
	}
	if (c->kind == RULES_COND_NOT)
		assert_int_equal(c->n_kids, 1);
	for (size_t i = 0; i < c->n_kids; i++)
		n += count_cmps(c->kids[i]);
	return n;
}

/* Falco's published rules: every rule's condition, for every event type it
 * names, converts to a tree (ASan and UBSan watch the walk). */
static void test_condition_tree_on_falco_rules(void **state)
{
	FALCO_NEED("falco_rules.yaml", "falco-incubating_rules.yaml", "falco-sandbox_rules.yaml");
	const char *const files[] = {
		falco_file("falco_rules.yaml"),
		falco_file("falco-incubating_rules.yaml"),
		falco_file("falco-sandbox_rules.yaml"),
	};
	size_t trees = 0, cmps = 0;

	(void)state;
	for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		struct rules_config cfg;

		rules_engine_free(E);
		rules_config_default(&cfg);
		assert_int_equal(rules_engine_new(&cfg, &E), 0);
		assert_int_equal(rules_engine_add_path(E, files[f]), 0);
		if (rules_engine_compile(E))
			continue; /* a file palisade refuses is test_rules_parse's business */
		for (size_t i = 0; i < rules_engine_rule_count(E); i++) {
			const struct rules_rule_info *info = rules_engine_rule(E, i);
			const char *p = info->evttypes ? info->evttypes : "all";
			char name[64];

			if (!strcmp(p, "all") || !strcmp(p, "none"))
				continue;
			while (*p) {
				size_t n = strcspn(p, ",");
				const struct rules_cond *c;
				int ret;

				snprintf(name, sizeof(name), "%.*s", (int)n, p);
				p += n + (p[n] == ',');
				ret = rules_rule_condition(E, i, name, &c);
				if (ret == -ENOENT)
					break; /* disabled or below the priority */
				assert_int_equal(ret, 0);
				trees++;
				cmps += count_cmps(c);
			}
		}
	}
	assert_true(trees > 100);
	assert_true(cmps > trees);
}

static json_t *parse(char *json)
{
	json_t *o;

	assert_non_null(json);
	o = json_loads(json, 0, NULL);
	free(json);
	assert_non_null(o);
	return o;
}

/* A kernel deny as its alert's JSON line (the caller frees). */
static char *deny_json(const struct netpolicy_deny *d, const char *host, uint64_t boot)
{
	struct alert *al = netpolicy_deny_alert(d, host, boot);
	char *json = al ? alert_to_json(al) : NULL;

	alert_free(al);
	return json;
}

static void test_deny_record_json(void **state)
{
	struct np_deny_event ev = { .ts_ns = 5000000000ull, .cgroup_id = 42, .pid = 4242,
				    .family = 10, .port = 15171, .protocol = 6,
				    .hook = NP_HOOK_CONNECT, .mapped_v4 = 1,
				    .addr = { 172, 31, 170, 10 }, .comm = "nc" };
	struct container_info c = { .id = "9d1d64e84c9b1344d9be39f890dfb2583a8d9fed769aacf8ca3d28bc6f67cd88",
				    .name = "web-1", .image = "web:1" };
	struct netpolicy_rule r = { .name = "no db" };
	struct netpolicy_deny d = { .ev = &ev, .rule = &r, .container = &c };
	json_t *o, *f, *act;

	(void)state;
	o = parse(deny_json(&d, "vm", 1700000000000000000ull));
	f = json_object_get(o, "output_fields");
	act = json_object_get(o, "palisade_action");
	assert_string_equal(json_string_value(json_object_get(o, "rule")), "no db");
	assert_string_equal(json_string_value(json_object_get(o, "hostname")), "vm");
	assert_string_equal(json_string_value(json_object_get(o, "priority")), "Warning");
	assert_string_equal(json_string_value(json_object_get(o, "time")),
			    "2023-11-14T22:13:25.000000000Z");
	/* an IPv4-mapped destination is shown as the IPv4 address it is */
	assert_string_equal(json_string_value(json_object_get(f, "fd.sip")), "172.31.170.10");
	assert_int_equal(json_integer_value(json_object_get(f, "fd.sport")), 15171);
	assert_string_equal(json_string_value(json_object_get(f, "fd.l4proto")), "tcp");
	assert_string_equal(json_string_value(json_object_get(f, "evt.type")), "connect");
	assert_string_equal(json_string_value(json_object_get(f, "proc.name")), "nc");
	assert_string_equal(json_string_value(json_object_get(f, "container.id")), "9d1d64e84c9b");
	assert_string_equal(json_string_value(json_object_get(f, "container.name")), "web-1");
	assert_string_equal(json_string_value(json_object_get(act, "backend")), "cgroup-net");
	assert_string_equal(json_string_value(json_object_get(act, "type")), "deny");
	assert_string_equal(json_string_value(json_object_get(act, "mode")), "enforce");
	assert_string_equal(json_string_value(json_object_get(act, "outcome")), "served in kernel");
	json_decref(o);

	/* a host process, IPv6, UDP sendmsg */
	memset(ev.addr, 0, sizeof(ev.addr));
	ev.addr[0] = 0xfd;
	ev.addr[15] = 1;
	ev.mapped_v4 = 0;
	ev.protocol = 17;
	ev.hook = NP_HOOK_SENDMSG;
	d.container = NULL;
	o = parse(deny_json(&d, "vm", 0));
	f = json_object_get(o, "output_fields");
	assert_string_equal(json_string_value(json_object_get(f, "fd.sip")), "fd00::1");
	assert_string_equal(json_string_value(json_object_get(f, "fd.l4proto")), "udp");
	assert_string_equal(json_string_value(json_object_get(f, "evt.type")), "sendmsg");
	assert_string_equal(json_string_value(json_object_get(f, "container.id")), "host");
	json_decref(o);
}

static int teardown(void **state)
{
	(void)state;
	rules_engine_free(E);
	E = NULL;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_address_and_port),
		cmocka_unit_test(test_udp_networks_both_families),
		cmocka_unit_test(test_negations_become_exclude_and_complement),
		cmocka_unit_test(test_port_ranges_or_and_and),
		cmocka_unit_test(test_connect_and_send_share_one_rule),
		cmocka_unit_test(test_refusals_say_why),
		cmocka_unit_test(test_not_a_network_deny),
		cmocka_unit_test(test_scope_covers),
		cmocka_unit_test(test_condition_tree),
		cmocka_unit_test(test_condition_tree_on_falco_rules),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_deny_record_json),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
