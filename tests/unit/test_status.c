/* The status socket and `palisade status` end to end, without root: a real
 * unix socket in a temporary directory, a registry with sinks, the command's
 * JSON and text output; the socket's life (mode, live, stale, foreign file). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "status/status.h"

static size_t one_sink(void *ctx, struct metrics_sink_stats *out, size_t max)
{
	(void)ctx;
	(void)max;
	out[0] = (struct metrics_sink_stats){ .name = "siem", .type = "syslog", .delivered = 10,
					      .failed = 2, .dropped = 1, .queue_depth = 3,
					      .healthy = true };
	return 1;
}

struct fixture {
	char dir[64], sock[128];
	struct metrics_registry *reg;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/palisade-status.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->sock, sizeof(f->sock), "%s/run/status.sock", f->dir);
	assert_int_equal(metrics_registry_new(&f->reg), 0);
	assert_int_equal(metrics_register(f->reg, metrics_collect_process, NULL), 0);
	assert_int_equal(metrics_add_sinks(f->reg, one_sink, NULL), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[160];

	metrics_registry_free(f->reg);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* Runs `palisade status ARGS` with its stdout in a string (caller frees). */
static int run_status(const char *sock, bool json, char **out)
{
	char *argv[] = { "status", "--socket", (char *)sock, json ? "--json" : NULL, NULL };
	int argc = json ? 4 : 3, saved, rc;
	FILE *tmp = tmpfile();
	long n;

	assert_non_null(tmp);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	dup2(fileno(tmp), STDOUT_FILENO);
	optind = 0; /* glibc: start getopt afresh */
	rc = status_cli_main(argc, argv);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	n = ftell(tmp);
	*out = calloc(1, (size_t)n + 1);
	rewind(tmp);
	assert_int_equal(fread(*out, 1, (size_t)n, tmp), (size_t)n);
	fclose(tmp);
	return rc;
}

static void test_status_json_and_text(void **state)
{
	struct fixture *f = *state;
	struct status_server *srv, *second;
	json_t *o, *sink;
	struct stat st;
	char *out;

	assert_int_equal(metrics_publish(f->reg), 0);
	assert_int_equal(status_server_start(f->reg, f->sock, &srv), 0);
	assert_int_equal(stat(f->sock, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	/* A second server may not take a path one serves. */
	assert_int_equal(status_server_start(f->reg, f->sock, &second), -EADDRINUSE);
	assert_null(second);

	assert_int_equal(run_status(f->sock, true, &out), 0);
	o = json_loads(out, 0, NULL);
	assert_non_null(o);
	assert_int_equal(json_integer_value(json_object_get(o, "pid")), getpid());
	assert_true(json_integer_value(json_object_get(o, "uptime_seconds")) >= 0);
	assert_string_equal(json_string_value(json_object_get(o, "version")), "0.1.0");
	sink = json_array_get(json_object_get(o, "sinks"), 0);
	assert_non_null(sink);
	assert_string_equal(json_string_value(json_object_get(sink, "name")), "siem");
	assert_string_equal(json_string_value(json_object_get(sink, "type")), "syslog");
	assert_true(json_is_true(json_object_get(sink, "up")));
	assert_int_equal(json_integer_value(json_object_get(sink, "delivered")), 10);
	assert_int_equal(json_integer_value(json_object_get(sink, "failed")), 2);
	assert_int_equal(json_integer_value(json_object_get(sink, "dropped")), 1);
	assert_int_equal(json_integer_value(json_object_get(sink, "queue_depth")), 3);
	json_decref(o);
	free(out);

	assert_int_equal(run_status(f->sock, false, &out), 0);
	assert_non_null(strstr(out, "sink        siem (syslog): up; delivered 10, failed 2, "
				    "dropped 1, queued 3\n"));
	assert_non_null(strstr(out, "palisade 0.1.0 (commit "));
	free(out);

	status_server_stop(srv);
	assert_int_equal(access(f->sock, F_OK), -1); /* removed at exit */
	/* No agent now: exit status 1, nothing on stdout. */
	assert_int_equal(run_status(f->sock, true, &out), 1);
	assert_string_equal(out, "");
	free(out);
}

static void test_stale_and_foreign_files(void **state)
{
	struct fixture *f = *state;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct status_server *srv;
	char *out;
	int fd;

	assert_int_equal(metrics_publish(f->reg), 0);
	/* A socket nobody listens on, as a killed agent leaves it. */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/stale.sock", f->dir);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	assert_int_equal(status_server_start(f->reg, sa.sun_path, &srv), 0);
	assert_int_equal(run_status(sa.sun_path, true, &out), 0);
	free(out);
	status_server_stop(srv);

	/* A regular file is somebody else's: refused, left alone. */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/file", f->dir);
	fd = open(sa.sun_path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(status_server_start(f->reg, sa.sun_path, &srv), -EEXIST);
	assert_int_equal(access(sa.sun_path, F_OK), 0);
}

static void test_before_first_snapshot(void **state)
{
	struct fixture *f = *state;
	struct status_server *srv;
	char *out;

	/* The agent is up but has not published: status says so, exit 1. */
	assert_int_equal(status_server_start(f->reg, f->sock, &srv), 0);
	assert_int_equal(run_status(f->sock, false, &out), 1);
	assert_string_equal(out, "");
	free(out);
	status_server_stop(srv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_status_json_and_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_and_foreign_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_before_first_snapshot, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
