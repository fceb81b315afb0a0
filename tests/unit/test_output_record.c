/* The JSON writer (escaping, timestamps) and the record file framing. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "event/event.h"
#include "output/json_writer.h"
#include "record/record.h"

static void test_json_escaping_and_nesting(void **state)
{
	struct jw w = { 0 };

	(void)state;
	jw_reset(&w);
	jw_object_begin(&w, NULL);
	jw_str(&w, "s", "a\"b\\c\nd\te\x01");
	jw_u64(&w, "u", 18446744073709551615ull);
	jw_i64(&w, "i", -1);
	jw_bool(&w, "b", false);
	jw_str(&w, "n", NULL);
	jw_array_begin(&w, "a");
	jw_strn(&w, NULL, "x\0y", 3);
	jw_object_begin(&w, NULL);
	jw_object_end(&w);
	jw_array_end(&w);
	jw_object_end(&w);
	assert_false(w.failed);
	assert_string_equal(w.buf, "{\"s\":\"a\\\"b\\\\c\\nd\\te\\u0001\",\"u\":18446744073709551615,"
				   "\"i\":-1,\"b\":false,\"n\":null,\"a\":[\"x\\u0000y\",{}]}");
	jw_reset(&w);
	assert_int_equal(w.len, 0);
	jw_release(&w);
}

/* Every style of the one time formatter (UTC styles; local ones in
 * test_syslog_format.c). */
static void test_rfc3339_nanoseconds(void **state)
{
	static const struct {
		enum event_time_style style;
		const char *want;
	} cases[] = {
		{ EVENT_TIME_RFC3339_NS, "2023-11-14T22:13:20.123456789Z" },
		{ EVENT_TIME_RFC3339_S, "2023-11-14T22:13:20Z" },
		{ EVENT_TIME_DATETIME_NS, "2023-11-14 22:13:20.123456789" },
		{ EVENT_TIME_OF_DAY_NS, "22:13:20.123456789" },
		{ EVENT_TIME_OF_DAY_S, "22:13:20" },
	};
	char ts[40];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(event_time_format(1700000000123456789ull, cases[i].style, ts,
						   sizeof(ts)), strlen(cases[i].want));
		assert_string_equal(ts, cases[i].want);
	}
	event_time_format(5, EVENT_TIME_RFC3339_NS, ts, sizeof(ts));
	assert_string_equal(ts, "1970-01-01T00:00:00.000000005Z");
	/* Cut, never overrun: the length says how much was wanted. */
	assert_int_equal(event_time_format(5, EVENT_TIME_RFC3339_NS, ts, 8), 30);
	assert_string_equal(ts, "1970-01");
}

static void test_record_roundtrip_and_damage(void **state)
{
	char path[] = "/tmp/palisade-rec-XXXXXX";
	struct record_writer *w;
	struct record_reader *r;
	const void *data;
	uint32_t type;
	size_t len;
	int fd = mkstemp(path);
	FILE *f;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(record_writer_open(path, false, 1234, "host-a", &w), 0);
	assert_int_equal(record_write(w, FRAME_EVENT, "abcd", 4), 0);
	assert_int_equal(record_write(w, FRAME_CONTAINER, "{\"id\":\"x\"}", 10), 0);
	assert_int_equal(record_write(w, FRAME_EVENT, "x", RECORD_FRAME_MAX + 1), -E2BIG);
	assert_int_equal(record_writer_close(w), 0);

	assert_int_equal(record_reader_open(path, &r), 0);
	assert_int_equal(record_reader_header(r)->boot_to_epoch_ns, 1234);
	assert_string_equal(record_reader_header(r)->hostname, "host-a");
	assert_int_equal(record_read(r, &type, &data, &len), 1);
	assert_int_equal(type, FRAME_EVENT);
	assert_int_equal(len, 4);
	assert_memory_equal(data, "abcd", 4);
	assert_int_equal(record_read(r, &type, &data, &len), 1);
	assert_int_equal(type, FRAME_CONTAINER);
	assert_string_equal(data, "{\"id\":\"x\"}");
	assert_int_equal(record_read(r, &type, &data, &len), 0);
	record_reader_close(r);

	/* Cut the last frame short: an error, not a silent end. */
	assert_int_equal(truncate(path, sizeof(struct record_header) + 8 + 4 + 8 + 5), 0);
	assert_int_equal(record_reader_open(path, &r), 0);
	assert_int_equal(record_read(r, &type, &data, &len), 1);
	assert_int_equal(record_read(r, &type, &data, &len), -EINVAL);
	record_reader_close(r);

	/* A frame claiming more than the limit is corrupt. */
	f = fopen(path, "r+");
	assert_non_null(f);
	fseek(f, sizeof(struct record_header) + 4, SEEK_SET);
	fwrite("\xff\xff\xff\x7f", 1, 4, f);
	fclose(f);
	assert_int_equal(record_reader_open(path, &r), 0);
	assert_int_equal(record_read(r, &type, &data, &len), -EINVAL);
	record_reader_close(r);

	/* Wrong magic and wrong version are refused at open. */
	f = fopen(path, "r+");
	fwrite("NOTAREC!", 1, 8, f);
	fclose(f);
	assert_int_equal(record_reader_open(path, &r), -EINVAL);
	/* Not a recording any more: kept, unless forced (outfile.h). */
	assert_int_equal(record_writer_open(path, false, 1, "h", &w), -EEXIST);
	assert_int_equal(record_writer_open(path, true, 1, "h", &w), 0);
	record_writer_close(w);
	f = fopen(path, "r+");
	fseek(f, 8, SEEK_SET);
	fwrite("\x09\x00\x00\x00", 1, 4, f);
	fclose(f);
	assert_int_equal(record_reader_open(path, &r), -EPROTO);
	assert_int_equal(record_reader_open("/nonexistent/x", &r), -ENOENT);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_escaping_and_nesting),
		cmocka_unit_test(test_rfc3339_nanoseconds),
		cmocka_unit_test(test_record_roundtrip_and_damage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
