/*
 * The pre-filter's loopback class for connect/accept (src/rules/prefilter_net.c)
 * never drops an event a rule matches, and does drop the host's IPv4 loopback
 * traffic under Falco's published files: synthetic records over addresses
 * (loopback, private, public, unset; IPv4 and IPv6; the caller's sockaddr
 * agreeing or not), ports, process names, results and the host/container
 * class are decoded and evaluated by the engine, and every one a rule matches
 * must be kept by prefilter_keep(), the kernel's user-space twin.
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
#include <sys/syscall.h>

#include <cmocka.h>

#include "event/event.h"
#include "falco_rules.h"
#include "rules/prefilter.h"
#include "rules/rules.h"


struct sock_case {
	int nr;
	uint16_t family;
	const char *local, *remote, *caller; /* caller: the sockaddr passed, NULL for none */
	uint16_t port;
	const char *comm;
	int64_t res;
};

static void put_addr(uint16_t family, const char *text, uint8_t out[16])
{
	memset(out, 0, 16);
	assert_int_equal(inet_pton(family == AF_INET ? AF_INET : AF_INET6, text, out), 1);
}

static size_t make_sock(struct ev_syscall *r, const struct sock_case *c)
{
	memset(r, 0, sizeof(*r));
	r->hdr.kind = EV_SYSCALL;
	r->hdr.pid = r->hdr.tid = 4242;
	r->hdr.cgroup_id = 7;
	snprintf(r->hdr.comm, sizeof(r->hdr.comm), "%s", c->comm);
	r->nr = (uint32_t)c->nr;
	r->res = c->nr == SYS_connect ? c->res : (c->res < 0 ? c->res : 5);
	r->args[0] = 3;
	r->sock.family = c->family;
	r->sock.type = 1; /* SOCK_STREAM */
	r->sock.protocol = 6;
	r->sock.lport = c->nr == SYS_connect ? 40000 : c->port;
	r->sock.rport = c->nr == SYS_connect ? c->port : 40000;
	put_addr(c->family, c->local, r->sock.laddr);
	put_addr(c->family, c->remote, r->sock.raddr);
	if (c->caller && c->nr == SYS_connect) {
		struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(c->port) };

		assert_int_equal(inet_pton(AF_INET, c->caller, &sin.sin_addr), 1);
		memcpy(r->uaddr, &sin, sizeof(sin));
		r->uaddr_len = sizeof(sin);
	}
	r->hdr.size = sizeof(*r);
	return sizeof(*r);
}

static struct rules_engine *engine_of(const char *const *files, size_t n, const char *text)
{
	struct rules_config cfg;
	struct rules_engine *e = NULL;

	rules_config_default(&cfg);
	cfg.diag_out = stderr;
	assert_int_equal(rules_engine_new(&cfg, &e), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(rules_engine_add_path(e, files[i]), 0);
	if (text)
		assert_int_equal(rules_engine_add_buffer(e, "test.yaml", text, strlen(text)), 0);
	assert_int_equal(rules_engine_compile(e), 0);
	return e;
}

static const int nrs[] = { SYS_connect, SYS_accept, SYS_accept4 };
static const char *const v4[] = { "127.0.0.1", "127.5.5.5", "10.0.0.1", "192.168.1.2",
				   "8.8.8.8", "0.0.0.0" };
static const char *const v6[] = { "::1", "fe80::1", "2001:db8::1" };
static const char *const callers[] = { NULL, "127.0.0.1", "8.8.8.8", "10.0.0.1" };
static const uint16_t ports[] = { 22, 80, 443, 2222, 4444, 6443 };
static const char *const comms[] = { "tester", "sshd", "ssh", "nc", "curl", "systemd", "java" };
static const int64_t results[] = { 0, -ECONNREFUSED, -EINPROGRESS };

/*
 * Every case under every class: a matched record must be kept. Returns how
 * many loopback records on the host were dropped, and counts in *loop_host
 * how many such records there were.
 */
static unsigned check_sound(struct rules_engine *e, unsigned *loop_host)
{
	struct prefilter *pf = NULL;
	struct ev_syscall r;
	struct event ev;
	unsigned dropped = 0;

	*loop_host = 0;
	assert_int_equal(prefilter_build(e, &pf), 0);
	for (size_t a = 0; a < 3; a++)
	for (size_t l = 0; l < 6 + 3; l++)
	for (size_t m = 0; m < 6 + 3; m++)
	for (size_t u = 0; u < 4; u++)
	for (size_t p = 0; p < 6; p++)
	for (size_t c = 0; c < 7; c++)
	for (size_t x = 0; x < 3; x++) {
		bool six = l >= 6;
		struct sock_case sc = { nrs[a], six ? AF_INET6 : AF_INET,
					six ? v6[l - 6] : v4[l], NULL, callers[u], ports[p],
					comms[c], results[x] };
		size_t len;

		if ((m >= 6) != six)
			continue;
		sc.remote = six ? v6[m - 6] : v4[m];
		len = make_sock(&r, &sc);
		assert_int_equal(event_decode(&r, len, &ev), 0);
		for (int host = 0; host <= 1; host++) {
			bool keep = prefilter_keep(pf, &r, len, host, NULL);
			bool loop = !six && !strncmp(sc.local, "127.", 4) &&
				    !strncmp(sc.remote, "127.", 4) &&
				    (sc.nr != SYS_connect || !sc.caller ||
				     !strncmp(sc.caller, "127.", 4));

			if (!keep && rules_eval(e, &ev, NULL, NULL) > 0)
				fail_msg("dropped nr %d %s -> %s (caller %s) port %u comm %s res %lld "
					 "host %d, which a rule matches", sc.nr, sc.local, sc.remote,
					 sc.caller ? sc.caller : "-", sc.port, sc.comm,
					 (long long)sc.res, host);
			if (!keep && !loop)
				fail_msg("dropped a record outside the loopback class: %s -> %s "
					 "(caller %s)", sc.local, sc.remote,
					 sc.caller ? sc.caller : "-");
			if (host && loop) {
				(*loop_host)++;
				dropped += !keep;
			}
		}
	}
	prefilter_free(pf);
	return dropped;
}

static void test_falco_files(void **state)
{
	FALCO_NEED("falco_rules.yaml", "falco-sandbox_rules.yaml", "falco-incubating_rules.yaml");
	const char *files[] = { "rules/palisade_rules.yaml", falco_file("falco_rules.yaml"),
				falco_file("falco-sandbox_rules.yaml"),
				falco_file("falco-incubating_rules.yaml") };
	struct rules_engine *e = engine_of(files, 4, NULL);
	unsigned loop_host, dropped = check_sound(e, &loop_host);

	(void)state;
	/* Falco's inbound/outbound macros exclude 127.0.0.0/8: the host's
	 * IPv4 loopback connects and accepts all go. */
	assert_true(loop_host > 0);
	assert_int_equal(dropped, loop_host);
	rules_engine_free(e);
}

#define RULE(cond)                                                                           \
	"- rule: r\n  desc: d\n  condition: evt.type in (connect, accept, accept4) and (" cond    \
	")\n  output: o %%fd.name\n  priority: WARNING\n"

/* Rules that do match loopback traffic keep it; those that cannot drop it. */
static void test_constructs(void **state)
{
	static const struct {
		const char *cond;
		bool drops; /* the host's loopback class is dropped */
	} cases[] = {
		{ "fd.sip=127.0.0.1", false },
		{ "fd.net=127.0.0.0/8", false },
		{ "fd.cnet in (127.0.0.0/16, 10.0.0.0/8)", false },
		{ "fd.net=0.0.0.0/0", false },
		{ "fd.rip!=10.0.0.1", false },
		{ "fd.sport=22", false },
		{ "fd.name contains \"127.0.0.1\"", false },
		{ "fd.sip.name=localhost", false },
		{ "fd.net!=127.0.0.0/8", true },
		{ "fd.sip=10.0.0.1", true },
		{ "fd.snet in (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)", true },
		{ "fd.sip=\"::1\"", true },
		{ "not fd.lnet=127.0.0.0/8 and proc.name=nc", true },
		{ "fd.sip=127.0.0.1 and fd.sip=10.0.0.1", true },
		{ "fd.sip=10.0.0.1 or fd.sport=22", false },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[512];
		struct rules_engine *e;
		unsigned loop_host, dropped;

		snprintf(text, sizeof(text), RULE("%s"), cases[i].cond);
		e = engine_of(NULL, 0, text);
		dropped = check_sound(e, &loop_host);
		if ((dropped == loop_host) != cases[i].drops || (!cases[i].drops && dropped))
			fail_msg("%s: dropped %u of %u host loopback records, expected %s",
				 cases[i].cond, dropped, loop_host, cases[i].drops ? "all" : "none");
		rules_engine_free(e);
	}
}

/* A socket() record: the new socket has a family and no address yet. */
static size_t make_socket(struct ev_syscall *r, uint16_t domain, const char *comm)
{
	memset(r, 0, sizeof(*r));
	r->hdr.kind = EV_SYSCALL;
	r->hdr.pid = r->hdr.tid = 4242;
	r->hdr.cgroup_id = 7;
	snprintf(r->hdr.comm, sizeof(r->hdr.comm), "%s", comm);
	r->nr = SYS_socket;
	r->res = 3;
	r->args[0] = domain;
	r->args[1] = 1;
	r->sock.family = domain;
	r->sock.type = 1;
	r->hdr.size = sizeof(*r);
	return sizeof(*r);
}

/* socket() has the host class only: dropped on the host when every rule on
 * it is about containers (Falco's Packet socket rule), kept otherwise. The
 * rules of E drop the host's socket() calls when HOST_DROPPED. */
static void check_socket(struct rules_engine *e, const char *set, bool host_dropped_expected)
{
	static const uint16_t domains[] = { 1, 2, 10, 16, 17 };
	struct prefilter *pf = NULL;
	unsigned host_dropped = 0, n = 0;

	assert_int_equal(prefilter_build(e, &pf), 0);
	for (size_t d = 0; d < sizeof(domains) / sizeof(domains[0]); d++)
	for (size_t c = 0; c < 7; c++) {
		struct ev_syscall r;
		struct event ev;
		size_t len = make_socket(&r, domains[d], comms[c]);

		assert_int_equal(event_decode(&r, len, &ev), 0);
		for (int host = 0; host <= 1; host++) {
			bool keep = prefilter_keep(pf, &r, len, host, NULL);

			if (!keep && rules_eval(e, &ev, NULL, NULL) > 0)
				fail_msg("%s: dropped socket(%u) by %s, host %d, which a rule matches",
					 set, domains[d], comms[c], host);
			if (!keep && !host)
				fail_msg("%s: dropped socket(%u) outside the host class", set,
					 domains[d]);
			if (host) {
				n++;
				host_dropped += !keep;
			}
		}
	}
	if ((host_dropped == n) != host_dropped_expected ||
	    (!host_dropped_expected && host_dropped))
		fail_msg("%s: %u of %u host socket() records dropped", set, host_dropped, n);
	prefilter_free(pf);
	rules_engine_free(e);
}

static void test_socket(void **state)
{
	static const struct {
		const char *text;
		bool host_dropped;
	} sets[] = {
		{ "- rule: r\n  desc: d\n  condition: evt.type=socket and evt.arg.domain contains "
		  "AF_INET\n  output: o\n  priority: WARNING\n", false },
		{ "- rule: r\n  desc: d\n  condition: evt.type=socket and container.id != host\n  output: o\n"
		  "  priority: WARNING\n", true },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++)
		check_socket(engine_of(NULL, 0, sets[i].text), sets[i].text, sets[i].host_dropped);
}

static void test_socket_falco_files(void **state)
{
	FALCO_NEED("falco_rules.yaml", "falco-sandbox_rules.yaml", "falco-incubating_rules.yaml");
	const char *falco[] = { "rules/palisade_rules.yaml", falco_file("falco_rules.yaml"),
				falco_file("falco-sandbox_rules.yaml"),
				falco_file("falco-incubating_rules.yaml") };

	(void)state;
	check_socket(engine_of(falco, 4, NULL), "Falco's files", true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_constructs),
		cmocka_unit_test(test_falco_files),
		cmocka_unit_test(test_socket),
		cmocka_unit_test(test_socket_falco_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
