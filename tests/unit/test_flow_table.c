/*
 * net/: the flow table on synthetic kernel entries (starts, growth, rates,
 * TCP states, ends by close, reset, idle and disappearance, late segments,
 * a reused port pair, the bound), peer naming from container addresses
 * (claims, releases, a reused address), the bounded metric series with
 * their "other", and the flows document. No kernel, no daemon.
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
#include <jansson.h>

#include "net/net.h"

#define S 1000000000ull

static struct fl_key key(uint64_t cg, const char *l, uint16_t lp, const char *r, uint16_t rp,
			 uint8_t proto)
{
	struct fl_key k = { .cgroup_id = cg, .lport = lp, .rport = rp, .proto = proto, .family = 4 };

	inet_pton(AF_INET, l, k.local);
	inet_pton(AF_INET, r, k.remote);
	return k;
}

struct seen {
	int starts, updates, ends;
	enum net_flow_end last_end;
	uint64_t delta;
};

static void on_event(const struct net_flow *f, enum net_flow_event what, void *ctx)
{
	struct seen *s = ctx;

	if (what == NET_FLOW_START)
		s->starts++;
	else if (what == NET_FLOW_UPDATE) {
		s->updates++;
		s->delta += f->delta_bytes;
	} else {
		s->ends++;
		s->last_end = f->end;
	}
}

static struct flow_table *table(size_t max)
{
	struct flow_table_cfg c = { .max = max, .idle_ns = 30 * S, .close_ns = 2 * S,
				    .keep_ended_ns = 60 * S };
	struct flow_table *t;

	assert_int_equal(flow_table_new(&c, &t), 0);
	return t;
}

static size_t sweep(struct flow_table *t, uint64_t now, const struct fl_key *k,
		    const struct fl_value *v, size_t n, struct seen *s, struct fl_key *del)
{
	return flow_table_sweep(t, now, k, v, n, NULL, on_event, s, del, 16);
}

static const struct net_flow *only(const struct flow_table *t);
static void grab(const struct net_flow *f, void *ctx)
{
	*(const struct net_flow **)ctx = f;
}
static const struct net_flow *only(const struct flow_table *t)
{
	const struct net_flow *f = NULL;

	flow_table_foreach(t, grab, &f);
	return f;
}

static void test_tcp_life(void **state)
{
	struct flow_table *t = table(8);
	struct fl_key k = key(7, "10.0.0.2", 40000, "10.0.0.3", 80, 6), del[16];
	struct fl_value v = { .first_ns = 10 * S, .last_ns = 10 * S, .initiator = FL_OUT,
			      .flags = FL_F_SYN_SEEN };
	struct seen s = { 0 };
	const struct net_flow *f;

	(void)state;
	v.bytes[FL_OUT] = 60;
	v.packets[FL_OUT] = 1;
	v.tcp_flags = FL_TCP_SYN;
	assert_int_equal(sweep(t, 10 * S, &k, &v, 1, &s, del), 0);
	f = only(t);
	assert_int_equal(s.starts, 1);
	assert_int_equal(f->state, NET_TCP_SYN_SENT);
	assert_int_equal(f->initiator, FL_OUT);
	/* The answer and data: established, growth reported, a rate. */
	v.tcp_flags |= (uint64_t)(FL_TCP_SYN | FL_TCP_ACK) << FL_TCP_SHIFT(FL_IN) | FL_TCP_ACK;
	v.bytes[FL_OUT] = 1060;
	v.bytes[FL_IN] = 2060;
	v.last_ns = 11 * S;
	assert_int_equal(sweep(t, 11 * S, &k, &v, 1, &s, del), 0);
	f = only(t);
	assert_int_equal(f->state, NET_TCP_ESTABLISHED);
	assert_int_equal(f->bytes[FL_IN], 2060);
	assert_int_equal(s.delta, 60 + 3060);
	assert_true(f->rate_bps[FL_IN] > 2000 && f->rate_bps[FL_IN] < 2100);
	/* FIN both ways: closed, but kept until it has been quiet for close_ns. */
	v.tcp_flags |= FL_TCP_FIN | (uint64_t)FL_TCP_FIN << FL_TCP_SHIFT(FL_IN);
	v.last_ns = 12 * S;
	assert_int_equal(sweep(t, 12 * S, &k, &v, 1, &s, del), 0);
	assert_int_equal(only(t)->state, NET_TCP_CLOSED);
	assert_int_equal(s.ends, 0);
	assert_int_equal(sweep(t, 15 * S, &k, &v, 1, &s, del), 1);
	assert_memory_equal(&del[0], &k, sizeof(k));
	assert_int_equal(s.ends, 1);
	assert_int_equal(s.last_end, NET_END_CLOSED);
	/* A late ACK makes the kernel entry again: added to the ended flow. */
	memset(&v, 0, sizeof(v));
	v.bytes[FL_OUT] = 52;
	v.tcp_flags = FL_TCP_ACK;
	v.last_ns = 16 * S;
	assert_int_equal(sweep(t, 16 * S, &k, &v, 1, &s, del), 1);
	f = only(t);
	assert_int_equal(f->bytes[FL_OUT], 1112);
	assert_int_equal(s.starts, 1);
	assert_int_equal(s.ends, 1);
	/* A new SYN on the same ports: a new flow. */
	v.flags = FL_F_SYN_SEEN;
	v.tcp_flags = FL_TCP_SYN;
	v.bytes[FL_OUT] = 60;
	v.first_ns = v.last_ns = 20 * S;
	sweep(t, 20 * S, &k, &v, 1, &s, del);
	assert_int_equal(s.starts, 2);
	f = only(t);
	assert_int_equal(f->bytes[FL_OUT], 60);
	assert_int_equal(f->end, NET_END_NONE);
	flow_table_free(t);
}

static void test_reset_idle_gone(void **state)
{
	struct flow_table *t = table(8);
	struct fl_key k[3] = { key(7, "10.0.0.2", 1, "10.0.0.3", 80, 6),
			       key(7, "10.0.0.2", 2, "8.8.8.8", 53, 17),
			       key(8, "10.0.0.4", 3, "10.0.0.3", 80, 6) }, del[16];
	struct fl_value v[3] = { { .first_ns = S, .last_ns = S, .initiator = FL_OUT,
				   .tcp_flags = FL_TCP_RST, .bytes = { 40 } },
				 { .first_ns = S, .last_ns = S, .initiator = FL_OUT, .bytes = { 50 } },
				 { .first_ns = S, .last_ns = S, .initiator = FL_IN, .bytes = { 0, 60 } } };
	struct flow_table_stats st;
	struct seen s = { 0 };

	(void)state;
	sweep(t, S, k, v, 3, &s, del);
	assert_int_equal(s.starts, 3);
	/* Reset and quiet: ends; the third left the kernel: ends unseen. */
	assert_int_equal(sweep(t, 4 * S, k, v, 2, &s, del), 1);
	flow_table_stats(t, &st);
	assert_int_equal(st.active, 1);
	assert_int_equal(st.ended, 2);
	assert_int_equal(s.ends, 2);
	/* The UDP conversation: idle after 30 s. */
	assert_int_equal(sweep(t, 40 * S, &k[1], &v[1], 1, &s, del), 1);
	assert_int_equal(s.last_end, NET_END_IDLE);
	/* It resumes: a new flow (UDP does not continue an ended one). */
	v[1].last_ns = 41 * S;
	sweep(t, 41 * S, &k[1], &v[1], 1, &s, del);
	assert_int_equal(s.starts, 4);
	/* Ended flows are forgotten after keep_ended_ns. */
	sweep(t, 200 * S, &k[1], &v[1], 0, &s, del);
	sweep(t, 300 * S, NULL, NULL, 0, &s, del);
	flow_table_stats(t, &st);
	assert_int_equal(st.active + st.ended, 0);
	flow_table_free(t);
}

static void test_bound(void **state)
{
	struct flow_table *t = table(2);
	struct fl_key k[3] = { key(1, "10.0.0.1", 1, "10.0.0.9", 9, 17),
			       key(1, "10.0.0.1", 2, "10.0.0.9", 9, 17),
			       key(1, "10.0.0.1", 3, "10.0.0.9", 9, 17) }, del[16];
	struct fl_value v[3] = { { .last_ns = S }, { .last_ns = S }, { .last_ns = S } };
	struct flow_table_stats st;
	struct seen s = { 0 };

	(void)state;
	sweep(t, S, k, v, 3, &s, del);
	flow_table_stats(t, &st);
	assert_int_equal(st.active, 2);
	assert_int_equal(st.dropped, 1);
	/* An ended flow makes room for a new one. */
	sweep(t, 2 * S, k, v, 1, &s, del); /* the second left the kernel: ended */
	sweep(t, 3 * S, &k[2], &v[2], 1, &s, del);
	flow_table_stats(t, &st);
	assert_int_equal(st.dropped, 1);
	assert_int_equal(s.starts, 3);
	flow_table_free(t);
}

static void container(struct container_info *c, const char *id, const char *name,
		      uint64_t start, const char *ip)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", id);
	c->name = (char *)name;
	c->start_ns = start;
	if (ip) {
		inet_pton(AF_INET, ip, c->addrs[0].ip);
		c->addrs[0].len = 4;
		c->n_addrs = 1;
	}
}

static void test_peers(void **state)
{
	struct net_peers *p;
	struct container_info a, b, a_stopped;
	struct net_peer out;
	uint8_t ip[4], ext[4], lo[4];

	(void)state;
	assert_int_equal(net_peers_new(&p), 0);
	inet_pton(AF_INET, "172.31.1.5", ip);
	inet_pton(AF_INET, "203.0.113.7", ext);
	inet_pton(AF_INET, "127.0.0.1", lo);
	container(&a, "aaaaaaaaaaaaaaaaaaaa", "web", 100, "172.31.1.5");
	container(&b, "bbbbbbbbbbbbbbbbbbbb", "db", 200, "172.31.1.5");
	container(&a_stopped, "aaaaaaaaaaaaaaaaaaaa", "web", 100, NULL);
	net_peers_container_update(p, &a);
	net_peers_lookup(p, ip, 4, &out);
	assert_int_equal(out.kind, NET_PEER_CONTAINER);
	assert_string_equal(out.name, "web");
	assert_string_equal(out.id, "aaaaaaaaaaaa");
	/* The address goes to a container started later: it names that one, and
	 * the first one's late description (stopped, no address) does not undo it. */
	net_peers_container_update(p, &b);
	net_peers_container_update(p, &a_stopped);
	net_peers_lookup(p, ip, 4, &out);
	assert_string_equal(out.name, "db");
	/* An older description never takes it back. */
	net_peers_container_update(p, &a);
	net_peers_lookup(p, ip, 4, &out);
	assert_string_equal(out.name, "db");
	net_peers_lookup(p, ext, 4, &out);
	assert_int_equal(out.kind, NET_PEER_EXTERNAL);
	assert_string_equal(out.name, "203.0.113.7");
	net_peers_lookup(p, lo, 4, &out);
	assert_int_equal(out.kind, NET_PEER_HOST);
	net_peers_free(p);
}

static struct net_flow pair(const char *src, const char *dst, uint16_t port, uint8_t initiator,
			    enum net_peer_kind remote_kind)
{
	struct net_flow f = { .initiator = initiator };

	f.key = key(1, "10.0.0.1", initiator == FL_OUT ? 40000 : port, "10.0.0.2",
		    initiator == FL_OUT ? port : 40000, 6);
	f.local.kind = NET_PEER_CONTAINER;
	f.remote.kind = remote_kind;
	snprintf(f.local.name, sizeof(f.local.name), "%s", initiator == FL_OUT ? src : dst);
	snprintf(f.remote.name, sizeof(f.remote.name), "%s", initiator == FL_OUT ? dst : src);
	return f;
}

static char *render(struct net_flow_metrics *m)
{
	struct metrics_writer *w;
	size_t len;
	char *text;

	assert_int_equal(metrics_writer_new(&w), 0);
	net_flow_metrics_collect(w, m);
	text = metrics_writer_render(w, &len);
	metrics_writer_free(w);
	assert_non_null(text);
	return text;
}

static void test_metrics_bound(void **state)
{
	struct net_flow_metrics *m;
	struct net_flow f;
	char *text;

	(void)state;
	assert_int_equal(net_flow_metrics_new(2, &m), 0);
	f = pair("cli", "srv", 80, FL_OUT, NET_PEER_CONTAINER);
	net_flow_metrics_add(m, &f, 100, 2, true);
	/* The server's side of the same connection is the client's to count. */
	f = pair("cli", "srv", 80, FL_IN, NET_PEER_CONTAINER);
	net_flow_metrics_add(m, &f, 100, 2, true);
	/* From outside: counted at the receiver. */
	f = pair("203.0.113.7", "srv", 80, FL_IN, NET_PEER_EXTERNAL);
	net_flow_metrics_add(m, &f, 10, 1, true);
	/* Beyond the bound: "other". */
	f = pair("cli", "srv", 443, FL_OUT, NET_PEER_CONTAINER);
	net_flow_metrics_add(m, &f, 7, 1, true);
	text = render(m);
	assert_non_null(strstr(text, "palisade_flow_bytes_total{src=\"cli\",src_kind=\"container\","
				     "dst=\"srv\",dst_kind=\"container\",port=\"80\",proto=\"tcp\"} 100"));
	assert_non_null(strstr(text, "dst=\"srv\",dst_kind=\"container\",port=\"80\",proto=\"tcp\"} 10\n"));
	assert_non_null(strstr(text, "palisade_flow_bytes_total{src=\"other\",src_kind=\"other\","
				     "dst=\"other\",dst_kind=\"other\",port=\"other\",proto=\"other\"} 7"));
	assert_non_null(strstr(text, "palisade_flow_series_max 2"));
	assert_null(strstr(text, "port=\"443\""));
	free(text);
	net_flow_metrics_free(m);
}

static void test_document(void **state)
{
	struct flow_table *t = table(8);
	struct fl_key k = key(7, "10.0.0.2", 40000, "10.0.0.3", 80, 6), del[16];
	struct fl_value v = { .first_ns = S, .last_ns = S, .initiator = FL_OUT, .bytes = { 10, 20 } };
	struct net_doc_totals tot = { .now_ns = S };
	struct seen s = { 0 };
	json_t *root;
	size_t len;
	char *doc;

	(void)state;
	sweep(t, S, &k, &v, 1, &s, del);
	flow_table_stats(t, &tot.table);
	doc = net_flows_json(t, &tot, NULL, &len);
	assert_non_null(doc);
	root = json_loadb(doc, len, 0, NULL);
	assert_non_null(root);
	assert_int_equal(json_array_size(json_object_get(root, "flows")), 1);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(root, "flows"), 0), "remote")),
			    "10.0.0.3");
	assert_int_equal(json_integer_value(json_object_get(
				 json_array_get(json_object_get(root, "edges"), 0), "port")),
			 80);
	json_decref(root);
	free(doc);
	doc = net_flows_json(t, &tot, "nothing-*", &len);
	assert_non_null(strstr(doc, "\"flows\":[]"));
	free(doc);
	flow_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_life),     cmocka_unit_test(test_reset_idle_gone),
		cmocka_unit_test(test_bound),        cmocka_unit_test(test_peers),
		cmocka_unit_test(test_metrics_bound), cmocka_unit_test(test_document),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
