/* The web view's answers (web/web_view.c) and its ring (web/web_ring.c),
 * without a listener: the token, the routes, the headers, the documents. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "web/web.h"

#define TOKEN "0123456789abcdef0123456789abcdef"

struct fixture {
	struct metrics_registry *reg;
	struct web_view *v;
	char path[64];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int fd;

	assert_non_null(f);
	snprintf(f->path, sizeof(f->path), "/tmp/palisade-web-token.XXXXXX");
	fd = mkstemp(f->path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, TOKEN "\n", strlen(TOKEN) + 1), (ssize_t)strlen(TOKEN) + 1);
	close(fd);
	assert_int_equal(metrics_registry_new(&f->reg), 0);
	assert_int_equal(web_view_new(f->reg, f->path, &f->v), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	web_view_free(f->v);
	metrics_registry_free(f->reg);
	unlink(f->path);
	free(f);
	return 0;
}

static const char *header_of(const struct metrics_http_reply *r, const char *name)
{
	for (size_t i = 0; i < r->n_headers; i++)
		if (!strcmp(r->headers[i][0], name))
			return r->headers[i][1];
	return NULL;
}

static void release(struct metrics_http_reply *r)
{
	if (r->body_owned)
		free((void *)r->body);
	for (size_t i = 0; i < r->n_headers; i++)
		if (r->value_owned[i])
			free((void *)r->headers[i][1]);
	memset(r, 0, sizeof(*r));
}

static void answer(struct fixture *f, const struct metrics_http_req *rq,
		   struct metrics_http_reply *out)
{
	memset(out, 0, sizeof(*out));
	web_view_answer(f->v, rq, out);
	/* Every answer, refused or not, carries the policy. */
	assert_non_null(header_of(out, "Content-Security-Policy"));
	assert_string_equal(header_of(out, "X-Content-Type-Options"), "nosniff");
}

static void test_token_required(void **state)
{
	struct fixture *f = *state;
	struct metrics_http_reply r;
	const char *paths[] = { "/", "/app.js", "/api/health", "/api/alerts", "/api/topology",
				"/nowhere" };

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		answer(f, &(struct metrics_http_req){ .path = paths[i] }, &r);
		assert_int_equal(r.status, 401);
		assert_string_equal(header_of(&r, "WWW-Authenticate"), "Bearer");
		release(&r);
		/* a prefix of the token, the token and more, another scheme */
		answer(f, &(struct metrics_http_req){ .path = paths[i],
						      .authorization = "Bearer 0123456789abcdef" },
		       &r);
		assert_int_equal(r.status, 401);
		release(&r);
		answer(f, &(struct metrics_http_req){ .path = paths[i], .cookie = TOKEN "x" }, &r);
		assert_int_equal(r.status, 401);
		release(&r);
		answer(f, &(struct metrics_http_req){ .path = paths[i],
						      .authorization = "Basic " TOKEN },
		       &r);
		assert_int_equal(r.status, 401);
		release(&r);
	}
	/* ?token= signs in on / only */
	answer(f, &(struct metrics_http_req){ .path = "/api/alerts", .query_token = TOKEN }, &r);
	assert_int_equal(r.status, 401);
	release(&r);
	answer(f, &(struct metrics_http_req){ .path = "/", .query_token = "wrong" }, &r);
	assert_int_equal(r.status, 401);
	release(&r);
}

static void test_sign_in_and_page(void **state)
{
	struct fixture *f = *state;
	struct metrics_http_reply r;

	answer(f, &(struct metrics_http_req){ .path = "/", .query_token = TOKEN }, &r);
	assert_int_equal(r.status, 303);
	assert_string_equal(header_of(&r, "Location"), "/");
	assert_string_equal(header_of(&r, "Set-Cookie"),
			    WEB_COOKIE "=" TOKEN "; HttpOnly; SameSite=Strict; Path=/");
	release(&r);
	answer(f, &(struct metrics_http_req){ .path = "/", .cookie = TOKEN }, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.type, "text/html; charset=utf-8");
	assert_non_null(strstr(r.body, "<script src=\"/app.js\""));
	assert_null(strstr(r.body, "<script>"));
	release(&r);
	answer(f, &(struct metrics_http_req){ .path = "/app.js", .authorization = "Bearer " TOKEN },
	       &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.type, "javascript"));
	assert_non_null(strstr(r.body, "textContent"));
	assert_null(strstr(r.body, "innerHTML"));
	release(&r);
	answer(f, &(struct metrics_http_req){ .path = "/nowhere", .cookie = TOKEN }, &r);
	assert_int_equal(r.status, 404);
	release(&r);
}

static struct alert sample(const char *rule, const char *output)
{
	return (struct alert){ .time_ns = 1700000000000000000ull, .priority = RULES_PRIO_WARNING,
			       .rule = rule, .source = "syscall", .output = output,
			       .hostname = "h", .container_id = "abcdef012345",
			       .container_name = "<b>c</b>", .container_image = ALERT_NA };
}

static void test_alerts_newest_first_bounded(void **state)
{
	struct fixture *f = *state;
	struct metrics_http_reply r;
	char rule[32];
	json_t *doc, *alerts;
	struct alert al;

	for (int i = 0; i < WEB_RING_MAX + 50; i++) {
		snprintf(rule, sizeof(rule), "rule %d", i);
		al = sample(rule, "out <script>alert(1)</script> \"q\"");
		web_view_alert(f->v, &al);
	}
	assert_int_equal(metrics_publish(f->reg), 0);
	answer(f, &(struct metrics_http_req){ .path = "/api/alerts", .cookie = TOKEN }, &r);
	assert_int_equal(r.status, 200);
	doc = json_loadb(r.body, r.len, 0, NULL);
	assert_non_null(doc);
	alerts = json_object_get(doc, "alerts");
	assert_int_equal(json_array_size(alerts), WEB_RING_MAX);
	assert_int_equal(json_integer_value(json_object_get(doc, "total")), WEB_RING_MAX + 50);
	assert_string_equal(json_string_value(json_object_get(json_array_get(alerts, 0), "rule")),
			    "rule 249");
	assert_string_equal(
		json_string_value(json_object_get(json_array_get(alerts, WEB_RING_MAX - 1), "rule")),
		"rule 50");
	/* the markup is a JSON string, as the sinks have it */
	assert_string_equal(json_string_value(json_object_get(json_array_get(alerts, 0), "output")),
			    "out <script>alert(1)</script> \"q\"");
	json_decref(doc);
	release(&r);
}

static void test_alert_too_big(void **state)
{
	struct fixture *f = *state;
	struct metrics_http_reply r;
	char *big = malloc(WEB_ALERT_MAX + 10);
	json_t *doc, *first;
	struct alert al;

	assert_non_null(big);
	memset(big, 'x', WEB_ALERT_MAX + 9);
	big[WEB_ALERT_MAX + 9] = 0;
	al = sample("big", big);
	web_view_alert(f->v, &al);
	free(big);
	assert_int_equal(metrics_publish(f->reg), 0);
	answer(f, &(struct metrics_http_req){ .path = "/api/alerts", .cookie = TOKEN }, &r);
	doc = json_loadb(r.body, r.len, 0, NULL);
	assert_non_null(doc);
	first = json_array_get(json_object_get(doc, "alerts"), 0);
	assert_string_equal(json_string_value(json_object_get(first, "rule")), "big");
	assert_true(json_is_true(json_object_get(first, "truncated")));
	assert_null(json_object_get(first, "output"));
	assert_int_equal(json_integer_value(json_object_get(doc, "truncated")), 1);
	json_decref(doc);
	release(&r);
}

static void test_topology_and_health(void **state)
{
	struct fixture *f = *state;
	struct metrics_http_reply r;
	json_t *doc;

	/* no flow monitor: the page says flows are off */
	assert_int_equal(metrics_publish(f->reg), 0);
	answer(f, &(struct metrics_http_req){ .path = "/api/topology", .cookie = TOKEN }, &r);
	assert_int_equal(r.status, 200);
	doc = json_loadb(r.body, r.len, 0, NULL);
	assert_true(json_is_false(json_object_get(doc, "enabled")));
	json_decref(doc);
	release(&r);
	/* the registry holds no agent collector here: an empty summary, still JSON */
	answer(f, &(struct metrics_http_req){ .path = "/api/health", .cookie = TOKEN }, &r);
	assert_true(r.status == 200 || r.status == 503);
	if (r.status == 200) {
		doc = json_loadb(r.body, r.len, 0, NULL);
		assert_non_null(json_object_get(doc, "rules"));
		json_decref(doc);
	}
	release(&r);
}

static void test_token_file_checks(void **state)
{
	struct metrics_registry *reg;
	struct web_view *v = NULL;
	char path[] = "/tmp/palisade-web-bad.XXXXXX";
	int fd;

	(void)state;
	assert_true(web_token_valid((const unsigned char *)TOKEN, strlen(TOKEN)));
	assert_false(web_token_valid((const unsigned char *)"0123456789abcdef;x", 18));
	assert_false(web_token_valid((const unsigned char *)"0123456789 abcdefx", 18));
	assert_false(web_token_valid((const unsigned char *)"", 0));
	assert_int_equal(metrics_registry_new(&reg), 0);
	assert_int_equal(web_view_new(reg, NULL, &v), -EINVAL);
	assert_int_equal(web_view_new(reg, "", &v), -EINVAL);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "0123456789abcdef\"x", 18), 18);
	close(fd);
	assert_int_equal(web_view_new(reg, path, &v), -EINVAL);
	assert_null(v);
	unlink(path);
	metrics_registry_free(reg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_token_required, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sign_in_and_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alerts_newest_first_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alert_too_big, setup, teardown),
		cmocka_unit_test_setup_teardown(test_topology_and_health, setup, teardown),
		cmocka_unit_test(test_token_file_checks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
