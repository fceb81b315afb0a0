/* The decoder of the kernel/user contract: paths, argv, malformed input. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "event/event.h"
#include "event/syscalls.h"
#include "output/event_json.h"
#include "output/json_writer.h"

struct exec_buf {
	struct ev_exec rec;
	char data[EV_EXEC_DATA_MAX];
};

static size_t build_exec(struct exec_buf *b, const char *exe, size_t exe_len,
			 const char *args, size_t args_len, const char *cwd, size_t cwd_len)
{
	memset(b, 0, sizeof(*b));
	b->rec.hdr.kind = EV_EXEC;
	b->rec.hdr.pid = 42;
	memcpy(b->data, exe, exe_len);
	memcpy(b->data + exe_len, args, args_len);
	memcpy(b->data + exe_len + args_len, cwd, cwd_len);
	b->rec.exe_len = (uint32_t)exe_len;
	b->rec.args_len = (uint32_t)args_len;
	b->rec.cwd_len = (uint32_t)cwd_len;
	b->rec.hdr.size = (uint32_t)(sizeof(b->rec) + exe_len + args_len + cwd_len);
	return b->rec.hdr.size;
}

/* A recording may hold any result: `replay -e` of res = INT64_MIN negated it
 * (UBSan: signed overflow in event_json.c). Every result encodes. */
static void test_json_of_any_result(void **state)
{
	static const int64_t results[] = { INT64_MIN, -4096, -4095, -13, -1, 0, INT64_MAX };
	static struct ev_syscall rec;
	static struct event ev;
	struct jw w = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(results) / sizeof(results[0]); i++) {
		memset(&rec, 0, sizeof(rec));
		rec.hdr.kind = EV_SYSCALL;
		rec.hdr.size = sizeof(rec);
		rec.hdr.pid = 42;
		rec.nr = syscall_at(0)->nr;
		rec.res = results[i];
		assert_int_equal(event_decode(&rec, sizeof(rec), &ev), 0);
		jw_reset(&w);
		event_to_json(&w, &ev, 0);
		assert_false(w.failed);
		assert_non_null(strstr(w.buf, "\"res\":"));
		if (results[i] == -13)
			assert_non_null(strstr(w.buf, "\"error\":\"EACCES\""));
		if (results[i] == INT64_MIN)
			assert_null(strstr(w.buf, "\"error\""));
	}
	jw_release(&w);
}

static void test_exec_paths_and_argv(void **state)
{
	static struct exec_buf b;
	static struct event ev;
	size_t len = build_exec(&b, "busybox\0bin\0", 12, "sh\0-c\0echo hi\0", 14,
				"tmp\0", 4);

	(void)state;
	assert_int_equal(event_decode(&b, len, &ev), 0);
	assert_int_equal(ev.kind, EV_EXEC);
	assert_string_equal(ev.exe, "/bin/busybox");
	assert_string_equal(ev.cwd, "/tmp");
	assert_int_equal(ev.argc, 3);
	assert_int_equal(ev.args_len, 14);
	assert_memory_equal(ev.args, "sh\0-c\0echo hi\0", 14);
	assert_string_equal(event_kind_name(ev.kind), "execve");
}

static void test_root_and_unknown_paths(void **state)
{
	static struct exec_buf b;
	static struct event ev;
	size_t len = build_exec(&b, "", 0, "x\0", 2, "\0", 1);

	(void)state;
	assert_int_equal(event_decode(&b, len, &ev), 0);
	assert_string_equal(ev.exe, ""); /* unknown */
	assert_string_equal(ev.cwd, "/"); /* the root */
}

static void test_truncated_flags(void **state)
{
	static struct exec_buf b;
	static struct event ev;
	size_t len = build_exec(&b, "leaf\0mid\0", 9, "abc", 3, "", 0);
	char line[16];

	(void)state;
	b.rec.hdr.flags = EV_F_EXE_TRUNC | EV_F_ARGS_TRUNC;
	assert_int_equal(event_decode(&b, len, &ev), 0);
	assert_string_equal(ev.exe, ".../mid/leaf");
	assert_int_equal(ev.argc, 1); /* a cut argument still counts */
	event_cmdline(ev.args, ev.args_len, line, sizeof(line));
	assert_string_equal(line, "abc");
}

static void test_join_path_bounded(void **state)
{
	char out[8];

	(void)state;
	/* "/bin/busybox" does not fit in 8 bytes: whole pieces only, NUL kept. */
	assert_true(event_join_path("busybox\0bin\0", 12, 0, out, sizeof(out)) < sizeof(out));
	assert_string_equal(out, "/bin");
}

static void test_cmdline_joins_with_spaces(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(event_cmdline("ls\0-la\0/tmp\0", 12, out, sizeof(out)), 11);
	assert_string_equal(out, "ls -la /tmp");
	event_cmdline("abcdef\0", 7, out, 4);
	assert_string_equal(out, "abc");
}

/* Paths already normal are left as they are (the fast path); the others
 * lose empty, "." and ".." segments and a trailing '/'. */
static void test_normalize_path(void **state)
{
	static const char *const cases[][2] = {
		{ "/usr/lib/libc.so.6", "/usr/lib/libc.so.6" }, { "/", "/" },
		{ "/a//b", "/a/b" }, { "/a/./b", "/a/b" }, { "/a/../b", "/b" },
		{ "/a/b/", "/a/b" }, { "//", "/" }, { "/..", "/" }, { "/a/b/..", "/a" },
		{ "/.ssh/id_rsa", "/.ssh/id_rsa" }, { "/a/...", "/a/..." }, { "/a/.", "/a" },
		{ "rel/./x", "rel/./x" }, { "", "" },
	};
	char buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		strcpy(buf, cases[i][0]);
		event_normalize_path(buf);
		assert_string_equal(buf, cases[i][1]);
	}
}

static void test_malformed_records_rejected(void **state)
{
	static struct exec_buf b;
	static struct event ev;
	size_t len = build_exec(&b, "a\0", 2, "b\0", 2, "c\0", 2);
	struct ev_fork f = { .hdr = { .kind = EV_FORK, .size = sizeof(f) } };
	struct ev_exit x = { .hdr = { .kind = EV_EXIT, .size = sizeof(x) }, .exit_code = 9 };

	(void)state;
	assert_int_equal(event_decode(&b, 10, &ev), -EINVAL);       /* shorter than a header */
	assert_int_equal(event_decode(&b, len - 1, &ev), -EINVAL);  /* size beyond the buffer */
	b.rec.args_len = 3;                                          /* lengths disagree with size */
	assert_int_equal(event_decode(&b, len, &ev), -EINVAL);
	b.rec.args_len = 2;
	b.rec.cwd_len = EV_PATH_MAX + 1;
	assert_int_equal(event_decode(&b, len, &ev), -EINVAL);
	b.rec.cwd_len = 2;
	b.rec.hdr.kind = 99;
	assert_int_equal(event_decode(&b, len, &ev), -EINVAL);
	assert_int_equal(event_decode(&f, sizeof(f), &ev), 0);
	f.hdr.size = sizeof(f) - 8;
	assert_int_equal(event_decode(&f, sizeof(f), &ev), -EINVAL);
	assert_int_equal(event_decode(&x, sizeof(x), &ev), 0);
	assert_int_equal(ev.exit_code, 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_paths_and_argv),
		cmocka_unit_test(test_root_and_unknown_paths),
		cmocka_unit_test(test_truncated_flags),
		cmocka_unit_test(test_join_path_bounded),
		cmocka_unit_test(test_cmdline_joins_with_spaces),
		cmocka_unit_test(test_malformed_records_rejected),
		cmocka_unit_test(test_normalize_path),
		cmocka_unit_test(test_json_of_any_result),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
