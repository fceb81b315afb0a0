/* Syslog encoding (RFC 5424, RFC 3164), byte for byte. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "container/container.h"
#include "output/syslog_format.h"

/* 2023-11-14T22:13:20.123456789Z */
#define T0 1700000000123456789ull

static struct sink_record record(void)
{
	static const char json[] = "{\"rule\":\"Shell in container\"}";
	struct sink_record r = {
		.time_ns = T0,
		.priority = RULES_PRIO_WARNING,
		.rule = "Shell in container",
		.source = "syscall",
		.output = "A shell was spawned (user=root)",
		.hostname = "host1",
		.container_id = "0123456789ab",
		.container_name = "web",
		.container_image = "nginx:1.25",
		.pid = 4242,
		.json = json,
		.json_len = sizeof(json) - 1,
	};
	return r;
}

static struct syslog_format_opts opts(enum syslog_format f)
{
	struct syslog_format_opts o = {
		.format = f, .facility = 16, .app_name = "palisade", .procid = 77
	};
	return o;
}

static void set_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

/* Formats into a buffer of size and checks the exact bytes. */
static void expect(size_t size, const struct syslog_format_opts *o, const struct sink_record *r,
		   const char *want, bool want_truncated)
{
	char *buf = malloc(size);
	bool truncated = !want_truncated;
	int n;

	assert_non_null(buf);
	n = syslog_format(buf, size, o, r, &truncated);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(buf, want, strlen(want));
	assert_int_equal(truncated, want_truncated);
	free(buf);
}

static void test_rfc5424_alert(void **state)
{
	struct syslog_format_opts o = opts(SYSLOG_RFC5424);
	struct sink_record r = record();

	(void)state;
	set_tz("UTC0");
	/* local0 (16) * 8 + warning (4) = 132 */
	expect(1024, &o, &r,
	       "<132>1 2023-11-14T22:13:20.123456+00:00 host1 palisade 77 alert "
	       "[palisade@32473 rule=\"Shell in container\" priority=\"Warning\" "
	       "container_id=\"0123456789ab\" container_name=\"web\" container_image=\"nginx:1.25\" "
	       "pid=\"4242\"] A shell was spawned (user=root)",
	       false);
}

static void test_rfc5424_offsets_action_and_json(void **state)
{
	struct syslog_format_opts o = opts(SYSLOG_RFC5424);
	struct sink_record r = record();

	(void)state;
	r.acted = true; /* its JSON carries "palisade_action" */
	r.priority = RULES_PRIO_EMERGENCY;
	r.hostname = "";
	r.container_name = "";
	o.facility = 4; /* auth */
	o.msg_json = true;
	set_tz("IST-5:30");
	expect(1024, &o, &r,
	       "<32>1 2023-11-15T03:43:20.123456+05:30 - palisade 77 action "
	       "[palisade@32473 rule=\"Shell in container\" priority=\"Emergency\" "
	       "container_id=\"0123456789ab\" container_name=\"\" container_image=\"nginx:1.25\" "
	       "pid=\"4242\"] {\"rule\":\"Shell in container\"}",
	       false);
	set_tz("EST5");
	r.priority = RULES_PRIO_DEBUG;
	o.facility = 23;
	o.msg_json = false;
	r.output = "x";
	expect(1024, &o, &r,
	       "<191>1 2023-11-14T17:13:20.123456-05:00 - palisade 77 action "
	       "[palisade@32473 rule=\"Shell in container\" priority=\"Debug\" "
	       "container_id=\"0123456789ab\" container_name=\"\" container_image=\"nginx:1.25\" "
	       "pid=\"4242\"] x",
	       false);
}

/* The longest app name and pid, and a 255-byte host name: the header whole. */
static void test_rfc5424_longest_header_fields(void **state)
{
	struct syslog_format_opts o = opts(SYSLOG_RFC5424);
	struct sink_record r = record();
	char host[300], want[1024];

	(void)state;
	set_tz("UTC0");
	memset(host, 'h', 299);
	host[299] = '\0';
	r.hostname = host;
	r.pid = 4294967295u;
	o.app_name = "abcdefghijklmnopqrstuvwxyz012345";
	o.procid = 2147483647;
	snprintf(want, sizeof(want),
		 "<132>1 2023-11-14T22:13:20.123456+00:00 %.255s abcdefghijklmnopqrstuvwxyz012345 "
		 "2147483647 alert [palisade@32473 rule=\"Shell in container\" priority=\"Warning\" "
		 "container_id=\"0123456789ab\" container_name=\"web\" container_image=\"nginx:1.25\" "
		 "pid=\"4294967295\"] A shell was spawned (user=root)",
		 host);
	expect(1024, &o, &r, want, false);
}

static void test_rfc5424_escaping(void **state)
{
	struct syslog_format_opts o = opts(SYSLOG_RFC5424);
	struct sink_record r = record();

	(void)state;
	set_tz("UTC0");
	r.rule = "a \"quoted\" \\ rule] [x=\"y\"]";
	r.container_image = "]";
	r.hostname = "bad host\n";
	r.output = "msg keeps \"quotes\" ] and \\ as is";
	expect(1024, &o, &r,
	       "<132>1 2023-11-14T22:13:20.123456+00:00 bad_host_ palisade 77 alert "
	       "[palisade@32473 rule=\"a \\\"quoted\\\" \\\\ rule\\] [x=\\\"y\\\"\\]\" "
	       "priority=\"Warning\" container_id=\"0123456789ab\" container_name=\"web\" "
	       "container_image=\"\\]\" pid=\"4242\"] msg keeps \"quotes\" ] and \\ as is",
	       false);
}

static void test_rfc5424_truncation(void **state)
{
	struct syslog_format_opts o = opts(SYSLOG_RFC5424);
	struct sink_record r = record();
	const char *hdr = "<132>1 2023-11-14T22:13:20.123456+00:00 host1 palisade 77 alert "
			  "[palisade@32473 rule=\"Shell in container\" priority=\"Warning\" "
			  "container_id=\"0123456789ab\" container_name=\"web\" "
			  "container_image=\"nginx:1.25\" pid=\"4242\" truncated=\"600\"] ";
	char msg[601], want[SYSLOG_MSG_MIN + 1];
	size_t keep = SYSLOG_MSG_MIN - strlen(hdr);

	(void)state;
	set_tz("UTC0");
	memset(msg, 'a', 600);
	msg[600] = '\0';
	r.output = msg;
	snprintf(want, sizeof(want), "%s%.*s", hdr, (int)keep, msg);
	expect(SYSLOG_MSG_MIN, &o, &r, want, true);

	/* A cut never splits a UTF-8 character: "é" is 2 bytes; place one
	 * across the boundary and the whole character goes. */
	msg[keep - 1] = '\xc3';
	msg[keep] = '\xa9';
	snprintf(want, sizeof(want), "%s%.*s", hdr, (int)keep - 1, msg);
	expect(SYSLOG_MSG_MIN, &o, &r, want, true);

	/* Exactly fitting is not truncated. */
	memset(msg, 'b', 600);
	msg[SYSLOG_MSG_MIN - strlen(hdr) + strlen(" truncated=\"600\"")] = '\0';
	{
		char full[1024];
		const char *h = "<132>1 2023-11-14T22:13:20.123456+00:00 host1 palisade 77 alert "
				"[palisade@32473 rule=\"Shell in container\" priority=\"Warning\" "
				"container_id=\"0123456789ab\" container_name=\"web\" "
				"container_image=\"nginx:1.25\" pid=\"4242\"] ";

		snprintf(full, sizeof(full), "%s%s", h, msg);
		assert_int_equal(strlen(full), SYSLOG_MSG_MIN);
		expect(SYSLOG_MSG_MIN, &o, &r, full, false);
	}
}

static void test_header_that_cannot_fit_is_refused(void **state)
{
	struct syslog_format_opts o = opts(SYSLOG_RFC5424);
	struct sink_record r = record();
	char rule[600], buf[SYSLOG_MSG_MIN];
	bool truncated;

	(void)state;
	memset(rule, 'r', sizeof(rule) - 1);
	rule[sizeof(rule) - 1] = '\0';
	r.rule = rule;
	assert_int_equal(syslog_format(buf, sizeof(buf), &o, &r, &truncated), -EMSGSIZE);
	/* Too small a buffer, bad facility, bad app name: refused. */
	r = record();
	assert_int_equal(syslog_format(buf, SYSLOG_MSG_MIN - 1, &o, &r, &truncated), -EINVAL);
	o.facility = 24;
	assert_int_equal(syslog_format(buf, sizeof(buf), &o, &r, &truncated), -EINVAL);
	o = opts(SYSLOG_RFC5424);
	o.app_name = "has space";
	assert_int_equal(syslog_format(buf, sizeof(buf), &o, &r, &truncated), -EINVAL);
}

static void test_rfc3164(void **state)
{
	struct syslog_format_opts o = opts(SYSLOG_RFC3164);
	struct sink_record r = record();

	(void)state;
	set_tz("UTC0");
	r.time_ns = 1699000000000000000ull; /* 2023-11-03T08:26:40Z: day padded */
	expect(1024, &o, &r, "<132>Nov  3 08:26:40 host1 palisade[77]: A shell was spawned (user=root)",
	       false);
	r.time_ns = T0;
	r.priority = RULES_PRIO_CRITICAL;
	o.facility = 1;
	expect(1024, &o, &r, "<10>Nov 14 22:13:20 host1 palisade[77]: A shell was spawned (user=root)",
	       false);
}

static void test_facility_and_severity(void **state)
{
	int f = -1;

	(void)state;
	assert_int_equal(syslog_facility_parse("kern", &f), 0);
	assert_int_equal(f, 0);
	assert_int_equal(syslog_facility_parse("user", &f), 0);
	assert_int_equal(f, 1);
	assert_int_equal(syslog_facility_parse("auth", &f), 0);
	assert_int_equal(f, 4);
	assert_int_equal(syslog_facility_parse("authpriv", &f), 0);
	assert_int_equal(f, 10);
	assert_int_equal(syslog_facility_parse("local0", &f), 0);
	assert_int_equal(f, 16);
	assert_int_equal(syslog_facility_parse("local7", &f), 0);
	assert_int_equal(f, 23);
	f = -1;
	assert_int_equal(syslog_facility_parse("local8", &f), -EINVAL);
	assert_int_equal(syslog_facility_parse("LOCAL0", &f), -EINVAL);
	assert_int_equal(syslog_facility_parse("", &f), -EINVAL);
	assert_int_equal(syslog_facility_parse(NULL, &f), -EINVAL);
	assert_int_equal(f, -1);

	assert_int_equal(syslog_severity(RULES_PRIO_EMERGENCY), 0);
	assert_int_equal(syslog_severity(RULES_PRIO_CRITICAL), 2);
	assert_int_equal(syslog_severity(RULES_PRIO_WARNING), 4);
	assert_int_equal(syslog_severity(RULES_PRIO_INFORMATIONAL), 6);
	assert_int_equal(syslog_severity(RULES_PRIO_DEBUG), 7);

	assert_int_equal(syslog_app_name_check("palisade"), 0);
	assert_int_equal(syslog_app_name_check("pal-1.x_y"), 0);
	assert_int_equal(syslog_app_name_check(""), -EINVAL);
	assert_int_equal(syslog_app_name_check("a:b"), -EINVAL);
	assert_int_equal(syslog_app_name_check("123456789012345678901234567890123"), -EINVAL);
}

/* The structured data shows the container as the alert JSON does: Falco's
 * 12-character container.id, and "<NA>" (the JSON's null) for a name or
 * image not known; the SD-ID is the configured one. */
static void test_container_convention_and_sd_id(void **state)
{
	struct rules_rule_info rule = { .name = "r", .source = "syscall",
					.priority = RULES_PRIO_WARNING };
	struct container_info ci = { .id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" };
	struct ev_header hdr = { .pid = 9 };
	struct event ev = { .hdr = &hdr, .container = &ci };
	struct rules_alert a = { .rule = &rule, .ev = &ev, .output = "o", .time_ns = T0,
				 .hostname = "h" };
	struct syslog_format_opts o = opts(SYSLOG_RFC5424);
	struct alert *al = alert_from_rules(&a);
	struct sink_record *r = sink_record_from_alert(al);
	char buf[1024];
	bool truncated;
	int n;

	(void)state;
	set_tz("UTC0");
	assert_non_null(r);
	assert_string_equal(r->container_id, "0123456789ab");
	o.sd_id = "acme@12345";
	n = syslog_format(buf, sizeof(buf), &o, r, &truncated);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf, " [acme@12345 rule=\"r\" priority=\"Warning\" "
				    "container_id=\"0123456789ab\" container_name=\"<NA>\" "
				    "container_image=\"<NA>\" pid=\"9\"] o"));
	sink_record_unref(r);

	assert_int_equal(syslog_sd_id_check("palisade@32473"), 0);
	assert_int_equal(syslog_sd_id_check("x@1.3.6"), 0);
	assert_int_equal(syslog_sd_id_check("palisade"), -EINVAL);     /* IANA-reserved form */
	assert_int_equal(syslog_sd_id_check("@123"), -EINVAL);
	assert_int_equal(syslog_sd_id_check("pal isade@1"), -EINVAL);
	assert_int_equal(syslog_sd_id_check("pal]@1"), -EINVAL);
	assert_int_equal(syslog_sd_id_check("pal@x1"), -EINVAL);
	assert_int_equal(syslog_sd_id_check("pal@1."), -EINVAL);
	assert_int_equal(syslog_sd_id_check("abcdefghijklmnopqrstuvwxyz@123456"), -EINVAL); /* 33 */
	o.sd_id = "bad id@1";
	r = sink_record_from_alert(al);
	assert_int_equal(syslog_format(buf, sizeof(buf), &o, r, &truncated), -EINVAL);
	sink_record_unref(r);
	alert_free(al);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc5424_alert),
		cmocka_unit_test(test_rfc5424_offsets_action_and_json),
		cmocka_unit_test(test_rfc5424_longest_header_fields),
		cmocka_unit_test(test_rfc5424_escaping),
		cmocka_unit_test(test_rfc5424_truncation),
		cmocka_unit_test(test_header_that_cannot_fit_is_refused),
		cmocka_unit_test(test_rfc3164),
		cmocka_unit_test(test_facility_and_severity),
		cmocka_unit_test(test_container_convention_and_sd_id),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
