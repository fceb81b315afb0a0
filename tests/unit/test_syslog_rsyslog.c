/*
 * The syslog sink against the real rsyslog: this binary starts its own
 * rsyslogd (imudp, imtcp, imtcp with the ossl TLS driver, imuxsock on a
 * private socket; loopback ports 15140-15143), with certificates made by the
 * openssl CLI, drives the sink through syslog_sink_ops and asserts every
 * field rsyslog parsed (its RFC 5424 properties, written by a template).
 * Needs rsyslog and rsyslog-openssl (scripts/install-deps.sh), no root.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "output/syslog_sink.h"

#define PORT_UDP 15140
#define PORT_TCP 15141
#define PORT_TLS 15142
#define PORT_MTLS 15143 /* TLS that requires a client certificate */

extern char **environ;

static char dir[] = "/tmp/palisade-syslog-test.XXXXXX";
static pid_t rsyslogd = -1;

static void path(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", dir, name);
}

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fail_msg("command failed: %s", cmd);
}

/* A CA, a server certificate for 127.0.0.1 signed by it, a client
 * certificate signed by it, and a second CA that signed nothing we use. */
static void make_certs(void)
{
	sh("cd %s && exec >openssl.log 2>&1 && "
	   "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 "
	   "  -subj '/CN=palisade test CA' && "
	   "openssl req -x509 -newkey rsa:2048 -nodes -keyout other-ca.key -out other-ca.pem "
	   "  -days 2 -subj '/CN=some other CA' && "
	   "openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr "
	   "  -subj '/CN=127.0.0.1' && "
	   "printf 'subjectAltName=IP:127.0.0.1\\n' >server.ext && "
	   "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
	   "  -out server.pem -days 2 -extfile server.ext && "
	   "openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr "
	   "  -subj '/CN=palisade client' && "
	   "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
	   "  -out client.pem -days 2",
	   dir);
}

static void write_config(void)
{
	char conf[300];
	FILE *f;

	path(conf, sizeof(conf), "rsyslog.conf");
	f = fopen(conf, "w");
	assert_non_null(f);
	fprintf(f,
		"global(workDirectory=\"%1$s\" maxMessageSize=\"64k\"\n"
		"  defaultNetstreamDriverCAFile=\"%1$s/ca.pem\"\n"
		"  defaultNetstreamDriverCertFile=\"%1$s/server.pem\"\n"
		"  defaultNetstreamDriverKeyFile=\"%1$s/server.key\")\n"
		"module(load=\"imudp\")\n"
		"module(load=\"imtcp\")\n"
		"module(load=\"imuxsock\" SysSock.Use=\"off\")\n"
		"input(type=\"imudp\" address=\"127.0.0.1\" port=\"%2$d\")\n"
		"input(type=\"imtcp\" address=\"127.0.0.1\" port=\"%3$d\")\n"
		"input(type=\"imtcp\" address=\"127.0.0.1\" port=\"%4$d\" StreamDriver.Name=\"ossl\"\n"
		"  StreamDriver.Mode=\"1\" StreamDriver.AuthMode=\"anon\")\n"
		"input(type=\"imtcp\" address=\"127.0.0.1\" port=\"%5$d\" StreamDriver.Name=\"ossl\"\n"
		"  StreamDriver.Mode=\"1\" StreamDriver.AuthMode=\"x509/certvalid\")\n"
		"input(type=\"imuxsock\" Socket=\"%1$s/log.sock\" UseSpecialParser=\"off\"\n"
		"  ParseHostname=\"on\" IgnoreTimestamp=\"off\")\n"
		"template(name=\"fields\" type=\"string\" string=\"%%PROTOCOL-VERSION%%|"
		"%%TIMESTAMP:::date-rfc3339%%|%%HOSTNAME%%|%%APP-NAME%%|%%PROCID%%|%%MSGID%%|"
		"%%STRUCTURED-DATA%%|%%syslogseverity%%|%%syslogfacility%%|%%msg%%\\n\")\n"
		"action(type=\"omfile\" file=\"%1$s/received.log\" template=\"fields\")\n",
		dir, PORT_UDP, PORT_TCP, PORT_TLS, PORT_MTLS);
	fclose(f);
}

static bool tcp_port_open(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	bool ok;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

static void start_rsyslogd(void)
{
	char conf[300], pidfile[300], sock[300], log[300];
	char *argv[] = { "rsyslogd", "-n", "-f", conf, "-i", pidfile, NULL };
	posix_spawn_file_actions_t fa;
	struct stat st;

	path(conf, sizeof(conf), "rsyslog.conf");
	path(pidfile, sizeof(pidfile), "rsyslogd.pid");
	path(sock, sizeof(sock), "log.sock");
	path(log, sizeof(log), "rsyslogd.log");
	unlink(pidfile);
	/* Its complaints about our port probes and refused handshakes go to a
	 * file, not into the test's output. */
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	if (posix_spawnp(&rsyslogd, "rsyslogd", &fa, NULL, argv, environ))
		fail_msg("cannot start rsyslogd (install rsyslog and rsyslog-openssl)");
	posix_spawn_file_actions_destroy(&fa);
	for (int i = 0; i < 200; i++) {
		if (tcp_port_open(PORT_TCP) && tcp_port_open(PORT_TLS) && tcp_port_open(PORT_MTLS) &&
		    stat(sock, &st) == 0)
			return;
		usleep(50000);
	}
	fail_msg("rsyslogd did not open its ports %d-%d (another test using them?)", PORT_UDP,
		 PORT_MTLS);
}

static void stop_rsyslogd(void)
{
	if (rsyslogd <= 0)
		return;
	kill(rsyslogd, SIGTERM);
	waitpid(rsyslogd, NULL, 0);
	rsyslogd = -1;
}

static int setup(void **state)
{
	(void)state;
	signal(SIGPIPE, SIG_IGN); /* as `palisade run` does */
	/* The sink writes local time; rsyslogd inherits the same zone. */
	setenv("TZ", "UTC0", 1);
	tzset();
	assert_non_null(mkdtemp(dir));
	make_certs();
	write_config();
	start_rsyslogd();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	stop_rsyslogd();
	sh("rm -rf %s", dir);
	return 0;
}

static const char json[] = "{\"output\":\"Shell spawned\",\"rule\":\"x\"}";

static struct sink_record record(const char *rule, const char *output, uint64_t now_ns)
{
	struct sink_record r = {
		.time_ns = now_ns,
		.priority = RULES_PRIO_WARNING,
		.rule = rule,
		.source = "syscall",
		.output = output,
		.hostname = "testhost",
		.container_id = "0123456789ab",
		.container_name = "web",
		.container_image = "nginx:1.25",
		.pid = 4242,
		.json = json,
		.json_len = sizeof(json) - 1,
	};
	return r;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* What rsyslog must print for the timestamp: the same instant, UTC. */
static void rfc3339(uint64_t ns, bool micro, char *out, size_t size)
{
	time_t secs = (time_t)(ns / 1000000000ull);
	struct tm tm;
	char date[32];

	gmtime_r(&secs, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	if (micro)
		snprintf(out, size, "%s.%06u+00:00", date, (unsigned)(ns % 1000000000ull / 1000));
	else
		snprintf(out, size, "%s+00:00", date);
}

/* Waits (10 s at most) for the line of received.log that contains needle. */
static char *received(const char *needle)
{
	char file[300], line[70000];

	path(file, sizeof(file), "received.log");
	for (int i = 0; i < 200; i++) {
		FILE *f = fopen(file, "r");

		while (f && fgets(line, sizeof(line), f)) {
			if (strstr(line, needle)) {
				fclose(f);
				line[strcspn(line, "\n")] = '\0';
				return strdup(line);
			}
		}
		if (f)
			fclose(f);
		usleep(50000);
	}
	fail_msg("rsyslog did not receive a message containing %s", needle);
	return NULL;
}

static void *create(struct syslog_sink_cfg *cfg)
{
	void *s = NULL;
	int ret = syslog_sink_create(cfg, &s);

	if (ret)
		fail_msg("syslog_sink_create: %s", strerror(-ret));
	return s;
}

static void deliver_ok(void *s, const struct sink_record *r)
{
	int ret = syslog_sink_ops.deliver(s, r);

	if (ret)
		fail_msg("deliver: %s: %s", strerror(-ret), syslog_sink_last_error(s));
}

static void expect_line(const char *needle, const char *want)
{
	char *got = received(needle);

	assert_string_equal(got, want);
	free(got);
}

static void test_udp_rfc5424(void **state)
{
	struct syslog_sink_cfg cfg = { .transport = "udp", .address = "127.0.0.1:15140",
				       .facility = "local0", .tls_verify = true };
	uint64_t t = now_ns();
	struct sink_record r = record("udp-5424", "Shell spawned | in web", t);
	struct syslog_sink_stats st;
	char ts[64], want[1024];
	void *s = create(&cfg);

	(void)state;
	deliver_ok(s, &r);
	rfc3339(t, true, ts, sizeof(ts));
	snprintf(want, sizeof(want),
		 "1|%s|testhost|palisade|%d|alert|[palisade@32473 rule=\"udp-5424\" "
		 "priority=\"Warning\" container_id=\"0123456789ab\" container_name=\"web\" "
		 "container_image=\"nginx:1.25\" pid=\"4242\"]|4|16|Shell spawned | in web",
		 ts, (int)getpid());
	expect_line("rule=\"udp-5424\"", want);
	syslog_sink_get_stats(s, &st);
	assert_int_equal(st.sent, 1);
	assert_int_equal(st.failed, 0);
	syslog_sink_ops.destroy(s);
}

/* Octet counting keeps a message with a newline in it one message. */
static void test_tcp_rfc5424_framing(void **state)
{
	struct syslog_sink_cfg cfg = { .transport = "tcp", .address = "127.0.0.1:15141",
				       .facility = "daemon", .tls_verify = true };
	uint64_t t = now_ns();
	struct sink_record r1 = record("tcp-one", "first\nsecond line", t);
	struct sink_record r2 = record("tcp-two", "action taken", t);
	char ts[64], want[1024];
	void *s = create(&cfg);

	(void)state;
	r1.priority = RULES_PRIO_CRITICAL;
	r2.acted = true; /* its JSON carries "palisade_action" */
	r2.priority = RULES_PRIO_NOTICE;
	deliver_ok(s, &r1);
	deliver_ok(s, &r2);
	rfc3339(t, true, ts, sizeof(ts));
	snprintf(want, sizeof(want),
		 "1|%s|testhost|palisade|%d|alert|[palisade@32473 rule=\"tcp-one\" "
		 "priority=\"Critical\" container_id=\"0123456789ab\" container_name=\"web\" "
		 "container_image=\"nginx:1.25\" pid=\"4242\"]|2|3|first#012second line",
		 ts, (int)getpid());
	expect_line("rule=\"tcp-one\"", want);
	snprintf(want, sizeof(want),
		 "1|%s|testhost|palisade|%d|action|[palisade@32473 rule=\"tcp-two\" "
		 "priority=\"Notice\" container_id=\"0123456789ab\" container_name=\"web\" "
		 "container_image=\"nginx:1.25\" pid=\"4242\"]|5|3|action taken",
		 ts, (int)getpid());
	expect_line("rule=\"tcp-two\"", want);
	syslog_sink_ops.destroy(s);
}

static void test_tls_rfc5424_escaping(void **state)
{
	char ca[300];
	struct syslog_sink_cfg cfg = { .transport = "tls", .address = "127.0.0.1:15142",
				       .facility = "local7", .tls_ca = ca, .tls_verify = true };
	uint64_t t = now_ns();
	struct sink_record r = record("tls \"quoted\" \\ [x] rule", "over TLS", t);
	struct syslog_sink_stats st;
	char ts[64], want[1024];
	void *s;

	(void)state;
	path(ca, sizeof(ca), "ca.pem");
	s = create(&cfg);
	r.priority = RULES_PRIO_EMERGENCY;
	r.container_image = "reg:5000/img\"]";
	deliver_ok(s, &r);
	deliver_ok(s, &r); /* the same connection serves the next message */
	rfc3339(t, true, ts, sizeof(ts));
	snprintf(want, sizeof(want),
		 "1|%s|testhost|palisade|%d|alert|[palisade@32473 "
		 "rule=\"tls \\\"quoted\\\" \\\\ [x\\] rule\" priority=\"Emergency\" "
		 "container_id=\"0123456789ab\" container_name=\"web\" "
		 "container_image=\"reg:5000/img\\\"\\]\" pid=\"4242\"]|0|23|over TLS",
		 ts, (int)getpid());
	expect_line("rule=\"tls ", want);
	syslog_sink_get_stats(s, &st);
	assert_int_equal(st.sent, 2);
	assert_int_equal(st.connects, 1);
	syslog_sink_ops.destroy(s);
}

static void test_tls_client_certificate(void **state)
{
	char ca[300], cert[300], key[300];
	struct syslog_sink_cfg cfg = { .transport = "tls", .address = "127.0.0.1:15143",
				       .tls_ca = ca, .tls_cert = cert, .tls_key = key,
				       .tls_verify = true };
	uint64_t t = now_ns();
	struct sink_record r = record("mtls", "with a client certificate", t);
	char ts[64], want[1024];
	void *s;

	(void)state;
	path(ca, sizeof(ca), "ca.pem");
	path(cert, sizeof(cert), "client.pem");
	path(key, sizeof(key), "client.key");
	s = create(&cfg);
	deliver_ok(s, &r);
	rfc3339(t, true, ts, sizeof(ts));
	snprintf(want, sizeof(want),
		 "1|%s|testhost|palisade|%d|alert|[palisade@32473 rule=\"mtls\" "
		 "priority=\"Warning\" container_id=\"0123456789ab\" container_name=\"web\" "
		 "container_image=\"nginx:1.25\" pid=\"4242\"]|4|16|with a client certificate",
		 ts, (int)getpid());
	expect_line("rule=\"mtls\"", want);
	syslog_sink_ops.destroy(s);
}

static void test_unix_json_message(void **state)
{
	char sock[300];
	struct syslog_sink_cfg cfg = { .transport = "unix", .address = sock, .facility = "auth",
				       .message = "json", .app_name = "pal-test",
				       .tls_verify = true };
	uint64_t t = now_ns();
	struct sink_record r = record("unix-json", "unused", t);
	char ts[64], want[1024];
	void *s;

	(void)state;
	path(sock, sizeof(sock), "log.sock");
	s = create(&cfg);
	r.priority = RULES_PRIO_DEBUG;
	deliver_ok(s, &r);
	rfc3339(t, true, ts, sizeof(ts));
	snprintf(want, sizeof(want),
		 "1|%s|testhost|pal-test|%d|alert|[palisade@32473 rule=\"unix-json\" "
		 "priority=\"Debug\" container_id=\"0123456789ab\" container_name=\"web\" "
		 "container_image=\"nginx:1.25\" pid=\"4242\"]|7|4|%s",
		 ts, (int)getpid(), json);
	expect_line("rule=\"unix-json\"", want);
	syslog_sink_ops.destroy(s);
}

static void test_udp_rfc3164(void **state)
{
	struct syslog_sink_cfg cfg = { .transport = "udp", .address = "127.0.0.1:15140",
				       .format = "rfc3164", .facility = "local3",
				       .tls_verify = true };
	uint64_t t = now_ns();
	struct sink_record r = record("bsd", "old-style receiver bsd-3164", t);
	char ts[64], want[1024];
	void *s = create(&cfg);

	(void)state;
	r.priority = RULES_PRIO_ERROR;
	deliver_ok(s, &r);
	rfc3339(t, false, ts, sizeof(ts));
	/* RFC 3164 has no version, MSGID or structured data; rsyslog keeps the
	 * space after "TAG:" in the message. */
	snprintf(want, sizeof(want), "0|%s|testhost|palisade|%d|-|-|3|19| old-style receiver bsd-3164",
		 ts, (int)getpid());
	expect_line("bsd-3164", want);
	syslog_sink_ops.destroy(s);
}

/* A message longer than max_message arrives cut, and says so. */
static void test_udp_truncation_marked(void **state)
{
	struct syslog_sink_cfg cfg = { .transport = "udp", .address = "127.0.0.1:15140",
				       .max_message = 480, .tls_verify = true };
	char output[1001], *line, *msg;
	struct sink_record r = record("cut", output, now_ns());
	struct syslog_sink_stats st;
	void *s = create(&cfg);

	(void)state;
	memset(output, 'z', 1000);
	output[1000] = '\0';
	deliver_ok(s, &r);
	line = received("rule=\"cut\"");
	assert_non_null(strstr(line, " pid=\"4242\" truncated=\"1000\"]|4|16|zzz"));
	msg = strrchr(line, '|') + 1;
	assert_true(strlen(msg) < 1000);
	assert_int_equal(strspn(msg, "z"), strlen(msg));
	free(line);
	syslog_sink_get_stats(s, &st);
	assert_int_equal(st.truncated, 1);
	syslog_sink_ops.destroy(s);
}

/* Wrong CA, or a certificate for another name: delivery fails, clearly. */
static void test_tls_refuses_unverified_receiver(void **state)
{
	char ca[300];
	struct syslog_sink_cfg cfg = { .transport = "tls", .address = "127.0.0.1:15142",
				       .tls_ca = ca, .tls_verify = true };
	struct sink_record r = record("never", "must not arrive", now_ns());
	struct syslog_sink_stats st;
	void *s;

	(void)state;
	path(ca, sizeof(ca), "other-ca.pem");
	s = create(&cfg);
	assert_int_equal(syslog_sink_ops.deliver(s, &r), -EPERM);
	assert_non_null(strstr(syslog_sink_last_error(s), "TLS certificate verification failed"));
	assert_non_null(strstr(syslog_sink_last_error(s), "tls_ca"));
	syslog_sink_get_stats(s, &st);
	assert_int_equal(st.failed, 1);
	assert_int_equal(st.sent, 0);
	syslog_sink_ops.destroy(s);

	/* The right CA, but the certificate names 127.0.0.1, not localhost. */
	path(ca, sizeof(ca), "ca.pem");
	cfg.address = "localhost:15142";
	s = create(&cfg);
	assert_int_equal(syslog_sink_ops.deliver(s, &r), -EPERM);
	assert_non_null(strstr(syslog_sink_last_error(s), "localhost"));
	syslog_sink_ops.destroy(s);
}

static void test_bad_configuration_refused(void **state)
{
	struct syslog_sink_cfg cfg = { .transport = "udp", .address = "127.0.0.1:15140",
				       .tls_verify = true };
	void *s = (void *)1;

	(void)state;
	cfg.facility = "local9";
	assert_int_equal(syslog_sink_create(&cfg, &s), -EINVAL);
	assert_null(s);
	cfg.facility = NULL;
	cfg.transport = "carrier-pigeon";
	assert_int_equal(syslog_sink_create(&cfg, &s), -EINVAL);
	cfg.transport = "tcp";
	cfg.address = "::1:514";
	assert_int_equal(syslog_sink_create(&cfg, &s), -EINVAL);
	cfg.address = "127.0.0.1:port";
	assert_int_equal(syslog_sink_create(&cfg, &s), -EINVAL);
	cfg.address = "127.0.0.1:15141";
	cfg.format = "rfc9999";
	assert_int_equal(syslog_sink_create(&cfg, &s), -EINVAL);
	cfg.format = NULL;
	cfg.max_message = 100;
	assert_int_equal(syslog_sink_create(&cfg, &s), -EINVAL);
	cfg.max_message = 0;
	cfg.transport = "tls";
	cfg.tls_ca = "/nonexistent/ca.pem";
	assert_int_equal(syslog_sink_create(&cfg, &s), -EINVAL);
	cfg.tls_ca = NULL;
	cfg.address = "";
	assert_int_equal(syslog_sink_create(&cfg, &s), -EINVAL);

	/* The configuration file's empty strings mean "the default". */
	{
		struct syslog_sink_cfg empty = { .transport = "udp", .address = "127.0.0.1:15140",
						 .format = "", .facility = "", .app_name = "",
						 .message = "", .tls_ca = "", .tls_cert = "",
						 .tls_key = "", .tls_verify = true };

		assert_int_equal(syslog_sink_create(&empty, &s), 0);
		syslog_sink_ops.destroy(s);
	}
}

/* The receiver goes away and comes back: deliver() fails while it is down
 * and succeeds, on a new connection, once it is up. */
static void test_tcp_reconnects(void **state)
{
	struct syslog_sink_cfg cfg = { .transport = "tcp", .address = "127.0.0.1:15141",
				       .tls_verify = true };
	struct sink_record r = record("before-restart", "one", now_ns());
	struct syslog_sink_stats st;
	void *s = create(&cfg);
	char *line;

	(void)state;
	deliver_ok(s, &r);
	free(received("rule=\"before-restart\""));
	stop_rsyslogd();
	r.rule = "while-down";
	assert_int_equal(syslog_sink_ops.deliver(s, &r), -ECONNREFUSED);
	assert_non_null(strstr(syslog_sink_last_error(s), "cannot connect"));
	start_rsyslogd();
	r.rule = "after-restart";
	deliver_ok(s, &r);
	line = received("rule=\"after-restart\"");
	free(line);
	syslog_sink_get_stats(s, &st);
	assert_int_equal(st.sent, 2);
	assert_int_equal(st.failed, 1);
	assert_int_equal(st.connects, 2);
	syslog_sink_ops.destroy(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_udp_rfc5424),
		cmocka_unit_test(test_tcp_rfc5424_framing),
		cmocka_unit_test(test_tls_rfc5424_escaping),
		cmocka_unit_test(test_tls_client_certificate),
		cmocka_unit_test(test_unix_json_message),
		cmocka_unit_test(test_udp_rfc3164),
		cmocka_unit_test(test_udp_truncation_marked),
		cmocka_unit_test(test_tls_refuses_unverified_receiver),
		cmocka_unit_test(test_bad_configuration_refused),
		cmocka_unit_test(test_tcp_reconnects),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
