/* The program sink (Falco's program_output) with real programs through
 * /bin/sh: one per alert or kept alive, JSON or text lines, a failing or
 * stuck program counted as a failed delivery within the timeout. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "output/sink.h"

static char dir[] = "/tmp/palisade-sinkprog.XXXXXX";

static struct sink_record *rec(const char *json, const char *output)
{
	struct sink_record f = { .rule = "r", .source = "syscall", .output = output,
				 .hostname = "h", .json = json, .json_len = strlen(json) };

	return sink_record_new(&f);
}

static int make(const char *command, bool keep_alive, bool text, uint32_t timeout_ms,
		void **state, const struct sink_ops **ops)
{
	struct sink_cfg cfg = { .type = "program", .name = "prog" };

	cfg.program = (struct program_sink_cfg){ .command = command, .keep_alive = keep_alive,
						 .format = text ? "text" : "json", .timeout_ms = timeout_ms };
	return sink_program_create(&cfg, state, ops);
}

static char *slurp(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = '\0';
	return buf;
}

static void test_one_program_per_alert(void **state)
{
	char cmd[512], out[128];
	const struct sink_ops *ops;
	struct sink_record *a = rec("{\"n\":1}", "line one"), *b = rec("{\"n\":2}", "line two");
	void *s;

	(void)state;
	snprintf(out, sizeof(out), "%s/per-alert", dir);
	snprintf(cmd, sizeof(cmd), "cat >> %s; echo x$$ >> %s.pids", out, out);
	assert_int_equal(make(cmd, false, false, 5000, &s, &ops), 0);
	assert_int_equal(ops->deliver(s, a), 0);
	assert_int_equal(ops->deliver(s, b), 0);
	assert_string_equal(slurp(out), "{\"n\":1}\n{\"n\":2}\n");
	strcat(out, ".pids");
	assert_int_equal(strlen(slurp(out)) > 0, 1);
	{ /* two programs ran: two different pids */
		char p1[32], p2[32];

		assert_int_equal(sscanf(slurp(out), "%31s %31s", p1, p2), 2);
		assert_string_not_equal(p1, p2);
	}
	ops->destroy(s);
	sink_record_unref(a);
	sink_record_unref(b);
}

static void test_keep_alive_text(void **state)
{
	char cmd[512], out[128];
	const struct sink_ops *ops;
	struct sink_record *a = rec("{}", "12:00:00.0: Warning one"), *b = rec("{}", "two");
	void *s;

	(void)state;
	snprintf(out, sizeof(out), "%s/kept", dir);
	snprintf(cmd, sizeof(cmd), "echo start >> %s; exec cat >> %s", out, out);
	assert_int_equal(make(cmd, true, true, 5000, &s, &ops), 0);
	assert_int_equal(ops->deliver(s, a), 0);
	assert_int_equal(ops->deliver(s, b), 0);
	ops->destroy(s); /* closes its stdin, waits for it */
	assert_string_equal(slurp(out), "start\n12:00:00.0: Warning one\ntwo\n");
	sink_record_unref(a);
	sink_record_unref(b);
}

static void test_failures_bounded(void **state)
{
	const struct sink_ops *ops;
	struct sink_record *a = rec("{}", "x");
	struct timespec t0, t1;
	void *s;

	(void)state;
	/* exits with an error */
	assert_int_equal(make("cat >/dev/null; exit 3", false, false, 5000, &s, &ops), 0);
	assert_int_equal(ops->deliver(s, a), -EIO);
	ops->destroy(s);
	/* never exits: killed after the timeout */
	assert_int_equal(make("sleep 30", false, false, 300, &s, &ops), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(ops->deliver(s, a), -ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec < 10);
	ops->destroy(s);
	/* no command */
	assert_int_equal(make("", false, false, 0, &s, &ops), -EINVAL);
	sink_record_unref(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_program_per_alert),
		cmocka_unit_test(test_keep_alive_text),
		cmocka_unit_test(test_failures_bounded),
	};
	char cleanup[64];
	int ret;

	signal(SIGPIPE, SIG_IGN); /* as the agent does */
	if (!mkdtemp(dir))
		return 1;
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cleanup, sizeof(cleanup), "rm -rf %s", dir);
	if (system(cleanup) != 0)
		ret = ret ? ret : 1;
	return ret;
}
