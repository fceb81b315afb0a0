/* Metrics: the exposition format (escaping, one block per family, values),
 * reading it back, the registry's snapshot, labelled vectors and hooks. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "metrics/metrics.h"


static char *render(struct metrics_writer *w)
{
	size_t len = 0;
	char *text = metrics_writer_render(w, &len);

	assert_non_null(text);
	assert_int_equal(strlen(text), len);
	return text;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (hay = strstr(hay, needle); hay; hay = strstr(hay + 1, needle))
		n++;
	return n;
}

static void test_escaping_exact_text(void **state)
{
	struct metrics_writer *w;
	char *text;

	(void)state;
	assert_int_equal(metrics_writer_new(&w), 0);
	metrics_family(w, "x_total", METRICS_COUNTER, "Help with a \\ and a\nnew line.");
	metrics_sample(w, 3, "rule", "a\\b\"c\nd", "priority", "Warning");
	metrics_family(w, "g", METRICS_GAUGE, "A gauge.");
	metrics_sample(w, 0.5);
	text = render(w);
	assert_string_equal(text, "# HELP x_total Help with a \\\\ and a\\nnew line.\n"
				  "# TYPE x_total counter\n"
				  "x_total{rule=\"a\\\\b\\\"c\\nd\",priority=\"Warning\"} 3\n"
				  "# HELP g A gauge.\n"
				  "# TYPE g gauge\n"
				  "g 0.5\n");
	assert_int_equal(metrics_writer_errors(w), 0);
	free(text);
	metrics_writer_free(w);
}

/* Two collectors adding to the same family, interleaved with another one. */
static void test_family_written_once(void **state)
{
	struct metrics_writer *w;
	struct metrics_parsed p;
	char *text, *a, *b, *c;

	(void)state;
	assert_int_equal(metrics_writer_new(&w), 0);
	metrics_family(w, "sink_delivered_total", METRICS_COUNTER, "first");
	metrics_sample(w, 1, "sink", "a");
	metrics_family(w, "other", METRICS_GAUGE, "other");
	metrics_sample(w, 7);
	metrics_family(w, "sink_delivered_total", METRICS_COUNTER, "second help is ignored");
	metrics_sample(w, 2, "sink", "b");
	text = render(w);
	assert_int_equal(count(text, "# TYPE sink_delivered_total"), 1);
	assert_int_equal(count(text, "# HELP sink_delivered_total first\n"), 1);
	assert_int_equal(count(text, "second help"), 0);
	/* The family's samples are one block, before the next family. */
	a = strstr(text, "sink_delivered_total{sink=\"a\"} 1\n");
	b = strstr(text, "sink_delivered_total{sink=\"b\"} 2\n");
	c = strstr(text, "# TYPE other");
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_true(a < b && b < c);
	assert_int_equal(metrics_parse(text, strlen(text), &p, NULL), 0);
	assert_int_equal(p.n_families, 2);
	assert_int_equal(p.n_samples, 3);
	metrics_parsed_release(&p);
	free(text);
	metrics_writer_free(w);
}

static void test_bad_names_and_type_conflicts_refused(void **state)
{
	struct metrics_writer *w;
	char *text;

	(void)state;
	assert_int_equal(metrics_writer_new(&w), 0);
	metrics_family(w, "9starts_with_digit", METRICS_GAUGE, "");
	metrics_sample(w, 1);
	metrics_family(w, "has-dash", METRICS_GAUGE, "");
	metrics_sample(w, 1);
	metrics_family(w, "ok", METRICS_GAUGE, "");
	metrics_sample(w, 1, "bad-label", "v");
	metrics_sample(w, 2, "__reserved", "v");
	metrics_sample(w, 3, "l", "v", "l", "w");
	metrics_sample(w, 4, "l", "v");
	metrics_family(w, "ok", METRICS_COUNTER, "");
	metrics_sample(w, 5);
	assert_int_equal(metrics_writer_errors(w), 6);
	text = render(w);
	assert_string_equal(text, "# HELP ok \n# TYPE ok gauge\nok{l=\"v\"} 4\n");
	free(text);
	metrics_writer_free(w);
}

static void test_values_read_back_exactly(void **state)
{
	const double values[] = { 0, 1, -1, 0.1, 1e20, 9007199254740993.0, 1795910416.44,
				  123456789.123456789, -2.5e-300 };
	struct metrics_writer *w;
	struct metrics_parsed p;
	char *text;
	size_t i;

	(void)state;
	assert_int_equal(metrics_writer_new(&w), 0);
	metrics_family(w, "v", METRICS_GAUGE, "values");
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		metrics_sample(w, values[i]);
	metrics_sample(w, NAN);
	metrics_sample(w, INFINITY);
	metrics_sample(w, -INFINITY);
	text = render(w);
	assert_non_null(strstr(text, "\nv 1795910416.44\n"));
	assert_non_null(strstr(text, "\nv 0.1\n"));
	assert_non_null(strstr(text, "\nv NaN\nv +Inf\nv -Inf\n"));
	assert_int_equal(metrics_parse(text, strlen(text), &p, NULL), 0);
	assert_int_equal(p.n_samples, sizeof(values) / sizeof(values[0]) + 3);
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		assert_true(p.samples[i].value == values[i]);
	assert_true(isnan(p.samples[i].value));
	assert_true(isinf(p.samples[i + 1].value) && p.samples[i + 1].value > 0);
	assert_true(isinf(p.samples[i + 2].value) && p.samples[i + 2].value < 0);
	metrics_parsed_release(&p);
	free(text);
	metrics_writer_free(w);
}

/* Whatever a label value holds comes back unchanged. */
static void test_label_values_round_trip(void **state)
{
	const char *values[] = { "", "plain", "\\", "\"", "\n", "a\\\"\n\\n", "}{,=\" x",
				 "Write below /etc in container", "ünïcode ✓" };
	struct metrics_writer *w;
	struct metrics_parsed p;
	char *text;
	size_t i;

	(void)state;
	assert_int_equal(metrics_writer_new(&w), 0);
	metrics_family(w, "rt_total", METRICS_COUNTER, "round trip");
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		metrics_sample(w, (double)i, "v", values[i], "other", "x");
	text = render(w);
	assert_int_equal(metrics_parse(text, strlen(text), &p, NULL), 0);
	assert_int_equal(p.n_samples, sizeof(values) / sizeof(values[0]));
	for (i = 0; i < p.n_samples; i++) {
		assert_string_equal(p.samples[i].name, "rt_total");
		assert_string_equal(metrics_parsed_label(&p.samples[i], "v"), values[i]);
		assert_string_equal(metrics_parsed_label(&p.samples[i], "other"), "x");
		assert_null(metrics_parsed_label(&p.samples[i], "absent"));
		assert_true(p.samples[i].value == (double)i);
	}
	assert_true(metrics_parsed_sum(&p, "rt_total", "v", "plain", NULL) == 1);
	assert_true(metrics_parsed_sum(&p, "rt_total", NULL, NULL, NULL) == 36);
	metrics_parsed_release(&p);
	free(text);
	metrics_writer_free(w);
}

static void test_parse_rejects_malformed(void **state)
{
	static const struct {
		const char *text;
		size_t line;
	} bad[] = {
		{ "a{l=\"unterminated} 1\n", 1 },
		{ "a{l=\"x\\q\"} 1\n", 1 },      /* unknown escape */
		{ "# TYPE a gauge\na\n", 2 },     /* no value */
		{ "a 1\nb{l=x} 2\n", 2 },         /* unquoted value */
		{ "a one\n", 1 },
		{ "# TYPE a gauge\na 1\n# TYPE a gauge\n", 3 }, /* family twice */
		{ "# TYPE a colour\n", 1 },
		{ "-a 1\n", 1 },
	};
	struct metrics_parsed p;
	const char *ok;
	size_t i, line;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		line = 0;
		assert_int_equal(metrics_parse(bad[i].text, strlen(bad[i].text), &p, &line), -EINVAL);
		assert_int_equal(line, bad[i].line);
		assert_int_equal(p.n_samples, 0);
	}
	/* Comments, blank lines and a timestamp are fine. */
	ok = "# a comment\n\na{b=\"c\"} 2 1700000000000\n";
	assert_int_equal(metrics_parse(ok, strlen(ok), &p, NULL), 0);
	assert_int_equal(p.n_samples, 1);
	metrics_parsed_release(&p);
}

static void collect_two(struct metrics_writer *w, void *ctx)
{
	int *calls = ctx;

	(*calls)++;
	metrics_family(w, "test_collected", METRICS_GAUGE, "From a collector.");
	metrics_sample(w, *calls);
}

struct adder {
	struct metrics_vec *v;
	struct metrics_registry *r;
	const char *label;
};

static void *add_many(void *arg)
{
	struct adder *a = arg;
	const char *values[] = { a->label };
	int i;

	for (i = 0; i < 10000; i++) {
		metrics_vec_add(a->v, 1, values);
		if (i % 100 == 0)
			metrics_count_action(a->r, "kill", "done");
	}
	return NULL;
}

static double scrape_value(struct metrics_registry *r, const char *name, const char *label,
			   const char *value)
{
	struct metrics_parsed p;
	size_t len = 0;
	char *snap = metrics_snapshot(r, &len, NULL);
	bool found = false;
	double v;

	assert_non_null(snap);
	assert_int_equal(metrics_parse(snap, len, &p, NULL), 0);
	v = metrics_parsed_sum(&p, name, label, value, &found);
	metrics_parsed_release(&p);
	free(snap);
	return found ? v : NAN;
}

static void test_registry_snapshot_and_threads(void **state)
{
	static const char *const labels[] = { "worker", NULL };
	struct metrics_registry *r;
	struct metrics_vec *v;
	struct adder a[4];
	pthread_t t[4];
	const char *names[] = { "w0", "w1", "w2", "w3" };
	size_t len;
	double at;
	int calls = 0, i, kept;
	char *snap;

	(void)state;
	assert_int_equal(metrics_registry_new(&r), 0);
	assert_null(metrics_snapshot(r, &len, &at));
	assert_true(at == 0);
	assert_int_equal(metrics_register(r, collect_two, &calls), 0);
	assert_int_equal(metrics_vec_new(r, "test_work_total", METRICS_COUNTER, "Work.", labels, 3,
					 &v),
			 0);
	for (i = 0; i < 4; i++) {
		a[i] = (struct adder){ v, r, names[i] };
		assert_int_equal(pthread_create(&t[i], NULL, add_many, &a[i]), 0);
	}
	/* Publishing while the threads count: never a torn snapshot. */
	for (i = 0; i < 20; i++)
		assert_int_equal(metrics_publish(r), 0);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(metrics_publish(r), 0);
	assert_int_equal(calls, 21);
	assert_true(scrape_value(r, "test_collected", NULL, NULL) == 21);
	/* Three series kept; the fourth label set was refused and counted. */
	assert_true(scrape_value(r, "test_work_total", NULL, NULL) == 30000);
	for (i = 0, kept = 0; i < 4; i++) {
		double n = scrape_value(r, "test_work_total", "worker", names[i]);

		assert_true(isnan(n) || n == 10000);
		kept += !isnan(n);
	}
	assert_int_equal(kept, 3);
	assert_true(scrape_value(r, "palisade_metrics_series_dropped_total", NULL, NULL) == 10000);
	assert_true(scrape_value(r, "palisade_actions_total", "outcome", "done") == 400);
	assert_true(scrape_value(r, "palisade_metrics_write_errors", NULL, NULL) == 0);
	snap = metrics_snapshot(r, &len, &at);
	assert_non_null(snap);
	assert_true(at > 0);
	free(snap);
	metrics_count_action(NULL, "kill", "done"); /* metrics off: a no-op */
	metrics_registry_free(r);
}

static size_t two_sinks(void *ctx, struct metrics_sink_stats *out, size_t max)
{
	(void)ctx;
	assert_true(max >= 2);
	out[0] = (struct metrics_sink_stats){ .name = "siem", .type = "syslog", .delivered = 10,
					      .failed = 1, .queue_depth = 3, .queue_capacity = 1024,
					      .healthy = true };
	out[1] = (struct metrics_sink_stats){ .name = "hook", .type = "webhook", .dropped = 5,
					      .spooled = 2 };
	return 2;
}

static void test_sinks_hook(void **state)
{
	struct metrics_registry *r;

	(void)state;
	assert_int_equal(metrics_registry_new(&r), 0);
	assert_int_equal(metrics_add_sinks(r, two_sinks, NULL), 0);
	assert_int_equal(metrics_add_sinks(NULL, two_sinks, NULL), 0); /* metrics off */
	assert_int_equal(metrics_publish(r), 0);
	assert_true(scrape_value(r, "palisade_sink_delivered_total", "sink", "siem") == 10);
	assert_true(scrape_value(r, "palisade_sink_failed_total", "sink", "siem") == 1);
	assert_true(scrape_value(r, "palisade_sink_queue_depth", "sink", "siem") == 3);
	assert_true(scrape_value(r, "palisade_sink_queue_capacity", "type", "syslog") == 1024);
	assert_true(scrape_value(r, "palisade_sink_dropped_total", "sink", "hook") == 5);
	assert_true(scrape_value(r, "palisade_sink_spooled_total", "type", "webhook") == 2);
	assert_true(scrape_value(r, "palisade_sink_up", "sink", "siem") == 1);
	assert_true(scrape_value(r, "palisade_sink_up", "sink", "hook") == 0);
	metrics_registry_free(r);
}

static void test_process_metrics(void **state)
{
	struct metrics_registry *r;
	time_t now = time(NULL);
	double start;

	(void)state;
	assert_int_equal(metrics_registry_new(&r), 0);
	assert_int_equal(metrics_register(r, metrics_collect_process, NULL), 0);
	assert_int_equal(metrics_publish(r), 0);
	assert_true(scrape_value(r, "palisade_build_info", NULL, NULL) == 1);
	assert_true(scrape_value(r, "process_resident_memory_bytes", NULL, NULL) > 1024 * 1024);
	start = scrape_value(r, "process_start_time_seconds", NULL, NULL);
	assert_true(start > (double)now - 3600 && start <= (double)now + 1);
	assert_true(scrape_value(r, "process_open_fds", NULL, NULL) >= 3);
	assert_true(scrape_value(r, "process_cpu_seconds_total", NULL, NULL) >= 0);
	metrics_registry_free(r);
}

static void test_listen_addresses(void **state)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	char err[256], addr[64];
	int fd, fd2;

	(void)state;
	assert_int_equal(metrics_listen_socket("127.0.0.1", NULL, &fd, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "HOST:PORT"));
	assert_int_equal(metrics_listen_socket("127.0.0.1:http", NULL, &fd, err, sizeof(err)), -EINVAL);
	assert_int_equal(metrics_listen_socket("127.0.0.1:70000", NULL, &fd, err, sizeof(err)), -EINVAL);
	assert_int_equal(metrics_listen_socket("[::1:9", NULL, &fd, err, sizeof(err)), -EINVAL);
	assert_int_equal(metrics_listen_socket("no.such.host.invalid:9", NULL, &fd, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "cannot resolve"));
	/* A port in use is refused with its cause. */
	assert_int_equal(metrics_listen_socket("127.0.0.1:0", NULL, &fd, err, sizeof(err)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", ntohs(sa.sin_port));
	assert_int_equal(metrics_listen_socket(addr, NULL, &fd2, err, sizeof(err)), -EADDRINUSE);
	assert_int_equal(fd2, -1);
	assert_non_null(strstr(err, "in use"));
	close(fd);
	/* config check runs the same parser, without a socket (issue 12). */
	assert_int_equal(metrics_address_check("999.1.1.1:70000", NULL, err, sizeof(err)), -EINVAL);
	assert_int_equal(metrics_address_check("[::1", NULL, err, sizeof(err)), -EINVAL);
	assert_int_equal(metrics_address_check("127.0.0.1:9464", NULL, err, sizeof(err)), 0);
	assert_int_equal(metrics_address_check("unix:relative.sock", NULL, err, sizeof(err)), -EINVAL);
	assert_int_equal(metrics_address_check("unix:/run/x.sock", "no-such-group-x", err,
					       sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unknown group"));
	assert_int_equal(metrics_address_check("unix:/run/x.sock", "root", err, sizeof(err)), 0);
}

/* A unix listener: root only (0600), or one group (0660); a stale socket
 * file is replaced, a live one or a file that is not a socket is not. */
static void test_listen_unix(void **state)
{
	char dir[] = "/tmp/palisade-harden-unix-XXXXXX", addr[128], err[256];
	struct stat st;
	int fd, fd2;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(addr, sizeof(addr), "unix:%s/m.sock", dir);
	assert_int_equal(metrics_listen_socket(addr, NULL, &fd, err, sizeof(err)), 0);
	assert_int_equal(stat(addr + 5, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(metrics_listen_socket(addr, NULL, &fd2, err, sizeof(err)), -EADDRINUSE);
	close(fd);
	assert_int_equal(metrics_listen_socket(addr, "root", &fd, err, sizeof(err)), 0);
	assert_int_equal(stat(addr + 5, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0660);
	close(fd);
	unlink(addr + 5);
	fd = open(addr + 5, O_CREAT | O_WRONLY, 0600);
	close(fd);
	assert_int_equal(metrics_listen_socket(addr, NULL, &fd, err, sizeof(err)), -EEXIST);
	unlink(addr + 5);
	rmdir(dir);
}

/* One port of the range this test suite may use (loopback only). */
#define HTTP_TEST_ADDR "127.0.0.1:15159"

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
	(void)p;
	*(size_t *)ctx += size * n;
	return size * n;
}

/* Status code of METHOD url; *ctype gets the Content-Type (static storage). */
static long http(const char *method, const char *path, const char **ctype)
{
	char url[128];
	CURL *c = curl_easy_init();
	long code = 0;
	size_t got = 0;
	char *ct = NULL;
	static char ct_copy[128];

	assert_non_null(c);
	snprintf(url, sizeof(url), "http://" HTTP_TEST_ADDR "%s", path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &got);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 5L);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
	snprintf(ct_copy, sizeof(ct_copy), "%s", ct ? ct : "");
	if (ctype)
		*ctype = ct_copy;
	curl_easy_cleanup(c);
	return code;
}

static void test_http_endpoints(void **state)
{
	struct metrics_registry *r;
	struct metrics_http *h, *h2;
	const char *ct;

	(void)state;
	assert_int_equal(metrics_registry_new(&r), 0);
	assert_int_equal(metrics_register(r, metrics_collect_process, NULL), 0);
	assert_int_equal(metrics_http_start(r, &(struct metrics_http_cfg){ .listen = HTTP_TEST_ADDR, .serve_metrics = true }, &h), 0);
	/* Before the first snapshot: not ready, not healthy. */
	assert_int_equal(http("GET", "/metrics", NULL), 503);
	assert_int_equal(http("GET", "/healthz", NULL), 503);
	assert_int_equal(metrics_publish(r), 0);
	assert_int_equal(http("GET", "/metrics", &ct), 200);
	assert_string_equal(ct, METRICS_CONTENT_TYPE);
	assert_int_equal(http("GET", "/healthz", NULL), 200);
	assert_int_equal(http("GET", "/", NULL), 404);
	assert_int_equal(http("POST", "/metrics", NULL), 405);
	/* The port is taken now: a second endpoint is refused. */
	assert_int_equal(metrics_http_start(r, &(struct metrics_http_cfg){ .listen = HTTP_TEST_ADDR, .serve_metrics = true }, &h2), -EADDRINUSE);
	assert_null(h2);
	metrics_http_stop(h);
	metrics_registry_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escaping_exact_text),
		cmocka_unit_test(test_family_written_once),
		cmocka_unit_test(test_bad_names_and_type_conflicts_refused),
		cmocka_unit_test(test_values_read_back_exactly),
		cmocka_unit_test(test_label_values_round_trip),
		cmocka_unit_test(test_parse_rejects_malformed),
		cmocka_unit_test(test_registry_snapshot_and_threads),
		cmocka_unit_test(test_sinks_hook),
		cmocka_unit_test(test_process_metrics),
		cmocka_unit_test(test_listen_addresses),
		cmocka_unit_test(test_listen_unix),
		cmocka_unit_test(test_http_endpoints),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
