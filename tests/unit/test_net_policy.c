/*
 * net/: label policies (CiliumNetworkPolicy's subset) loaded and judged:
 * the seed's allow-payment-api, selectors (matchLabels, matchExpressions),
 * CIDRs with except, ports and protocols, deny wins, allows add up, default
 * deny per direction, and every refusal at its file:line:col.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alert/alert.h"
#include "net/net.h"

#define HEAD "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\n"

static const char seed[] = HEAD "metadata:\n  name: allow-payment-api\nspec:\n"
				"  endpointSelector:\n    matchLabels:\n      app: payment-service\n"
				"  ingress:\n  - fromEndpoints:\n    - matchLabels:\n"
				"        app: order-processor\n    toPorts:\n    - ports:\n"
				"      - port: \"80\"\n        protocol: TCP\n";

static struct net_policy_set *load(const char *text)
{
	struct net_policy_set *s = NULL;
	char err[2048];
	int rc = net_policy_parse("p.yaml", text, strlen(text), &s, err, sizeof(err));

	if (rc)
		fprintf(stderr, "%s\n", err);
	assert_int_equal(rc, 0);
	return s;
}

/* The first error, or "" when the text loads. */
static const char *refuse(const char *text)
{
	static char err[2048];
	struct net_policy_set *s = NULL;

	if (!net_policy_parse("p.yaml", text, strlen(text), &s, err, sizeof(err))) {
		net_policy_free(s);
		return "";
	}
	return err;
}

static struct container_label L(const char *k, const char *v)
{
	return (struct container_label){ .key = (char *)k, .value = (char *)v };
}

static bool judge(const struct net_policy_set *s, const char *subj_app, enum net_pol_dir dir,
		  const char *peer_app, const char *peer_addr, uint8_t proto, uint16_t port,
		  struct net_verdict *v)
{
	struct container_label sl = L("app", subj_app), pl = L("app", peer_app ? peer_app : "");
	struct net_labels subject = { &sl, 1 };
	struct net_pol_peer peer = { 0 };
	struct net_verdict local;
	uint8_t raw[4];

	if (peer_app) {
		peer.container = true;
		peer.labels.v = &pl;
		peer.labels.n = 1;
	} else {
		assert_int_equal(inet_pton(AF_INET, peer_addr, raw), 1);
		net_addr16(raw, 4, peer.addr);
	}
	net_policy_judge(s, &subject, dir, &peer, proto, port, v ? v : &local);
	return (v ? v : &local)->allowed;
}

static void test_seed(void **state)
{
	struct net_policy_set *s = load(seed);
	struct net_verdict v;
	char why[300];

	(void)state;
	assert_int_equal(s->n_pols, 1);
	assert_true(judge(s, "payment-service", NET_INGRESS, "order-processor", NULL, IPPROTO_TCP, 80, &v));
	net_verdict_text(NET_INGRESS, &v, why, sizeof(why));
	assert_string_equal(why, "allowed by allow-payment-api (p.yaml:10:5, ingress[0])");
	assert_false(judge(s, "payment-service", NET_INGRESS, "order-processor", NULL, IPPROTO_TCP, 81, &v));
	assert_true(v.enforced && !v.rule);
	assert_false(judge(s, "payment-service", NET_INGRESS, "order-processor", NULL, IPPROTO_UDP, 80, NULL));
	assert_false(judge(s, "payment-service", NET_INGRESS, "other", NULL, IPPROTO_TCP, 80, NULL));
	assert_false(judge(s, "payment-service", NET_INGRESS, NULL, "10.0.0.1", IPPROTO_TCP, 80, NULL));
	/* not selected, or not in that direction: no policy applies */
	assert_true(judge(s, "other", NET_INGRESS, "x", NULL, IPPROTO_TCP, 22, &v));
	assert_false(v.enforced);
	assert_true(judge(s, "payment-service", NET_EGRESS, "x", NULL, IPPROTO_TCP, 22, NULL));
	/* an unlabelled container: no app label at all */
	{
		struct container_label sl = L("app", "payment-service");
		struct net_labels subject = { &sl, 1 };
		struct net_pol_peer peer = { .container = true };

		net_policy_judge(s, &subject, NET_INGRESS, &peer, IPPROTO_TCP, 80, &v);
		assert_false(v.allowed);
	}
	net_policy_free(s);
}

static void test_cidr_except_deny_wins(void **state)
{
	struct net_policy_set *s = load(
		HEAD "metadata: {name: out}\nspec:\n  endpointSelector: {matchLabels: {app: web}}\n"
		     "  egress:\n  - toCIDRSet:\n    - cidr: 10.0.0.0/8\n      except: [10.1.0.0/16]\n"
		     "  - toCIDR: [192.168.1.0/24]\n    toPorts: [{ports: [{port: \"53\", protocol: UDP}]}]\n"
		     "  - toEndpoints: [{matchExpressions: [{key: app, operator: In, values: [db, cache]}]}]\n"
		     "  egressDeny:\n  - toCIDR: [10.2.3.4/32]\n"
		     "---\n" HEAD "metadata: {name: more}\nspec:\n  endpointSelector: {}\n"
		     "  egress:\n  - toCIDR: [10.1.2.0/24]\n");
	struct net_verdict v;

	(void)state;
	assert_int_equal(s->n_pols, 2);
	assert_true(judge(s, "web", NET_EGRESS, NULL, "10.9.9.9", IPPROTO_TCP, 443, NULL));
	assert_false(judge(s, "web", NET_EGRESS, NULL, "10.1.9.9", IPPROTO_TCP, 443, NULL));
	/* allows add up: the second policy (every container) allows 10.1.2.0/24 */
	assert_true(judge(s, "web", NET_EGRESS, NULL, "10.1.2.9", IPPROTO_TCP, 443, &v));
	assert_string_equal(v.policy->name, "more");
	/* a deny wins over the /8 allow */
	assert_false(judge(s, "web", NET_EGRESS, NULL, "10.2.3.4", IPPROTO_TCP, 443, &v));
	assert_true(v.rule && v.rule->deny);
	assert_true(judge(s, "web", NET_EGRESS, NULL, "192.168.1.7", IPPROTO_UDP, 53, NULL));
	assert_false(judge(s, "web", NET_EGRESS, NULL, "192.168.1.7", IPPROTO_TCP, 53, NULL));
	assert_true(judge(s, "web", NET_EGRESS, "cache", NULL, IPPROTO_TCP, 6379, NULL));
	assert_false(judge(s, "web", NET_EGRESS, "api", NULL, IPPROTO_TCP, 6379, NULL));
	/* a container is judged by its labels, never by a CIDR */
	assert_false(judge(s, "other", NET_EGRESS, "api", NULL, IPPROTO_TCP, 1, NULL));
	net_policy_free(s);
}

static void test_list_and_sequence(void **state)
{
	struct net_policy_set *s = load("kind: List\nitems:\n- apiVersion: cilium.io/v2\n  kind: CiliumNetworkPolicy\n  metadata: {name: a}\n"
					"  spec: {endpointSelector: {}, ingressDeny: [{toPorts: [{ports: [{port: \"22\"}]}]}]}\n");

	(void)state;
	assert_int_equal(s->n_pols, 1);
	assert_false(judge(s, "x", NET_INGRESS, "y", NULL, IPPROTO_UDP, 22, NULL));
	assert_false(judge(s, "x", NET_INGRESS, "y", NULL, IPPROTO_TCP, 23, NULL)); /* default deny */
	net_policy_free(s);
}

static void test_refusals(void **state)
{
	(void)state;
	assert_string_equal(refuse("apiVersion: cilium.io/v1\nkind: CiliumNetworkPolicy\n"),
			    "p.yaml:1:13: apiVersion must be cilium.io/v2");
	assert_string_equal(refuse(HEAD "metadata: {name: a}\nspec:\n  endpointSelector: {}\n"
					"  egress:\n  - toFQDNs: [{matchName: x.com}]\n"),
			    "p.yaml:7:5: egress: 'toFQDNs' is not supported (palisade takes "
			    "toEndpoints, toCIDR, toCIDRSet, toPorts)");
	assert_non_null(strstr(refuse(HEAD "metadata: {name: a}\nspec:\n  endpointSelector: {}\n"
					     "  ingress:\n  - toPorts: [{ports: [{port: \"80\"}], rules: {}}]\n"),
			       "p.yaml:7:39: a toPorts entry (L7 rules are not supported): 'rules'"));
	assert_non_null(strstr(refuse(HEAD "metadata: {name: a}\nspec:\n  endpointSelector: {}\n"
					     "  ingress:\n  - toPorts: [{ports: [{port: http}]}]\n"),
			       "p.yaml:7:31: port must be a number"));
	assert_non_null(strstr(refuse(HEAD "metadata: {name: a}\nspec:\n  endpointSelector: {}\n"
					     "  egress:\n  - toCIDR: [10.0.0.1/8]\n"),
			       "p.yaml:7:14: '10.0.0.1/8' has address bits set"));
	assert_non_null(strstr(refuse(HEAD "metadata: {name: a}\nspec:\n  egress: []\n"),
			       "spec needs endpointSelector"));
	assert_non_null(strstr(refuse(HEAD "metadata: {name: a}\nspec:\n  endpointSelector: {}\n"
					     "  ingress:\n  - {}\n"),
			       "p.yaml:7:5: an empty ingress rule"));
	assert_non_null(strstr(refuse(HEAD "metadata: {name: a}\nspec:\n  endpointSelector:\n"
					     "    matchLabels: {k8s:app: x}\n"),
			       "label source 'k8s:' is not supported"));
	assert_non_null(strstr(refuse("a: [b\n"), "p.yaml:2:1: YAML:"));
	/* a billion laughs stays within the node budget */
	assert_non_null(strstr(refuse("a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
				      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
				      "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
				      "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"),
			       "p.yaml:"));
}

/* A verdict as the JSON line of `policy enforce`, as an alert of `run`, and
 * counted with its series bounded. */
static void test_records(void **state)
{
	struct net_pol_record r = { .time_ns = 1796652602000000000ull, .verdict = "denied",
				    .dir = NET_INGRESS, .container = "pay", .container_id = "0123456789ab",
				    .peer = "oth", .proto = IPPROTO_TCP, .port = 80,
				    .policy = "allow-payment-api", .reason = "denied: default deny" };
	struct net_pol_metrics *m;
	struct metrics_writer *w;
	char *line, *text, name[32];
	struct alert *al;
	size_t len;

	(void)state;
	line = net_pol_record_json(&r);
	assert_non_null(line);
	assert_string_equal(line, "{\"time\":\"2026-12-07T14:10:02Z\",\"verdict\":\"denied\","
			    "\"direction\":\"ingress\",\"container\":\"pay\",\"peer\":\"oth\","
			    "\"proto\":\"tcp\",\"port\":80,\"policy\":\"allow-payment-api\","
			    "\"reason\":\"denied: default deny\",\"audit\":false}");
	free(line);
	al = net_pol_record_alert(&r, "h");
	assert_non_null(al);
	line = alert_to_json(al);
	assert_non_null(strstr(line, "\"rule\":\"Network policy denied\""));
	assert_non_null(strstr(line, "\"source\":\"flow\""));
	assert_non_null(strstr(line, "\"policy.name\":\"allow-payment-api\""));
	assert_non_null(strstr(line, "\"container.id\":\"0123456789ab\""));
	assert_non_null(strstr(line, "\"outcome\":\"served in kernel\""));
	free(line);
	alert_free(al);
	r.verdict = "allowed";
	assert_null(net_pol_record_alert(&r, "h")); /* counted, not an alert */

	assert_int_equal(net_pol_metrics_new(&m), 0);
	r.verdict = "denied";
	for (int i = 0; i < NET_POL_METRICS_POLICIES + 10; i++) {
		snprintf(name, sizeof(name), "p%d", i);
		r.policy = name;
		net_pol_metrics_count(m, &r);
	}
	r.policy = "";
	r.verdict = "audit";
	r.dir = NET_EGRESS;
	net_pol_metrics_count(m, &r);
	assert_int_equal(metrics_writer_new(&w), 0);
	net_pol_metrics_collect(w, m);
	text = metrics_writer_render(w, &len);
	assert_non_null(text);
	assert_non_null(strstr(text, "palisade_policy_verdicts_total{policy=\"p0\",direction="
				     "\"ingress\",verdict=\"denied\"} 1\n"));
	/* 256 names kept; the 10 after them fold into "other" */
	assert_non_null(strstr(text, "{policy=\"p255\","));
	assert_null(strstr(text, "{policy=\"p256\","));
	assert_non_null(strstr(text, "{policy=\"other\",direction=\"ingress\",verdict=\"denied\"} 10\n"));
	assert_non_null(strstr(text, "{policy=\"\",direction=\"egress\",verdict=\"audit\"} 1\n"));
	free(text);
	metrics_writer_free(w);
	net_pol_metrics_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed),
		cmocka_unit_test(test_cidr_except_deny_wins),
		cmocka_unit_test(test_list_and_sequence),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
