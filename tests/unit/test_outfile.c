/* outfile/: the agent's output files are never reached through a planted
 * link, never another user's, and never a file of another kind truncated. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "outfile/outfile.h"

static char dir[] = "/tmp/palisade-outfile-XXXXXX";
static char path[256], other[256];

static const struct outfile_spec rec_spec = { .kind = OUTFILE_RECORDING, .truncate = true,
					      .mode = 0600 };

static void put(const char *p, const char *text, mode_t mode)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	fchmod(fd, mode);
	close(fd);
}

static char *slurp(const char *p)
{
	static char buf[4096];
	int fd = open(p, O_RDONLY);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n >= 0);
	buf[n] = 0;
	return buf;
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/out", dir);
	snprintf(other, sizeof(other), "%s/victim", dir);
	return 0;
}

static int reset(void **state)
{
	(void)state;
	unlink(path);
	unlink(other);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	reset(state);
	return rmdir(dir);
}

static void test_new_file_is_private(void **state)
{
	struct stat st;
	int fd;

	(void)state;
	umask(022);
	assert_int_equal(outfile_open(AT_FDCWD, path, &rec_spec, "t", &fd), 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	close(fd);
}

static void test_symlink_refused_target_kept(void **state)
{
	int fd = -1;

	(void)state;
	put(other, "root's secret\n", 0600);
	assert_int_equal(symlink(other, path), 0);
	assert_int_equal(outfile_open(AT_FDCWD, path, &rec_spec, "t", &fd), -EPERM);
	assert_int_equal(fd, -1);
	assert_string_equal(slurp(other), "root's secret\n");
	/* --force never follows a link either. */
	struct outfile_spec forced = rec_spec;

	forced.force = true;
	assert_int_equal(outfile_open(AT_FDCWD, path, &forced, "t", &fd), -EPERM);
	assert_string_equal(slurp(other), "root's secret\n");
	/* A dangling link is not followed to create its target. */
	unlink(other);
	assert_int_equal(outfile_open(AT_FDCWD, path, &rec_spec, "t", &fd), -EPERM);
	assert_int_equal(access(other, F_OK), -1);
}

static void test_hard_link_and_foreign_owner_refused(void **state)
{
	int fd = -1;

	(void)state;
	put(other, "PLSDREC\nsomething", 0600);
	assert_int_equal(link(other, path), 0);
	assert_int_equal(outfile_open(AT_FDCWD, path, &rec_spec, "t", &fd), -EPERM);
	unlink(path);
	if (geteuid() == 0) {
		put(path, "PLSDREC\nsomething", 0600);
		assert_int_equal(chown(path, 65534, 65534), 0);
		assert_int_equal(outfile_open(AT_FDCWD, path, &rec_spec, "t", &fd), -EPERM);
		assert_string_equal(slurp(path), "PLSDREC\nsomething");
	}
	/* /dev/null is the one device accepted: a discard. */
	assert_int_equal(outfile_open(AT_FDCWD, "/dev/null", &rec_spec, "t", &fd), 0);
	close(fd);
}

/* A named pipe the operator made (events piped to another tool) is written
 * as a stream: nothing to truncate, nothing read back; another user's pipe
 * is refused like another user's file. */
static void test_fifo_of_root_written_foreign_refused(void **state)
{
	int rd, fd = -1;
	char buf[8];

	(void)state;
	assert_int_equal(mkfifo(path, 0600), 0);
	rd = open(path, O_RDONLY | O_NONBLOCK);
	assert_true(rd >= 0);
	assert_int_equal(outfile_open(AT_FDCWD, path, &rec_spec, "t", &fd), 0);
	assert_int_equal(write(fd, "PLSDREC", 7), 7);
	assert_int_equal(read(rd, buf, sizeof(buf)), 7);
	close(fd);
	fd = -1;
	if (geteuid() == 0) {
		assert_int_equal(chown(path, 65534, 65534), 0);
		assert_int_equal(outfile_open(AT_FDCWD, path, &rec_spec, "t", &fd), -EPERM);
		assert_int_equal(fd, -1);
	}
	close(rd);
}

static void test_other_kind_kept_unless_forced(void **state)
{
	struct outfile_spec spec = rec_spec;
	struct stat st;
	int fd = -1;

	(void)state;
	/* Falco's -r names a rules file: a recording must not replace it. */
	put(path, "- rule: mine\n  condition: evt.type=open\n", 0644);
	assert_int_equal(outfile_open(AT_FDCWD, path, &spec, "t", &fd), -EEXIST);
	assert_string_equal(slurp(path), "- rule: mine\n  condition: evt.type=open\n");
	spec.force = true;
	assert_int_equal(outfile_open(AT_FDCWD, path, &spec, "t", &fd), 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(st.st_mode & 07777, 0600); /* narrowed */
	close(fd);
	/* An old recording is replaced without --force. */
	put(path, "PLSDREC\nold frames", 0644);
	assert_int_equal(outfile_open(AT_FDCWD, path, &rec_spec, "t", &fd), 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, 0);
	close(fd);
}

static void test_json_kinds(void **state)
{
	const struct outfile_spec events = { .kind = OUTFILE_EVENTS, .truncate = true,
					     .mode = 0600 };
	const struct outfile_spec alerts = { .kind = OUTFILE_ALERTS, .append = true,
					     .mode = 0640 };
	static const char ev[] = "{\"time\":\"2026-01-01T00:00:00.000000000Z\",\"type\":\"execve\"}\n";
	static const char al[] = "{\"hostname\":\"h\",\"output\":\"o\",\"priority\":\"Warning\","
				 "\"rule\":\"r\",\"source\":\"syscall\",\"time\":\"t\"}\n";
	int fd = -1;

	(void)state;
	put(path, ev, 0600);
	assert_int_equal(outfile_open(AT_FDCWD, path, &events, "t", &fd), 0);
	close(fd);
	put(path, ev, 0600);
	assert_int_equal(outfile_open(AT_FDCWD, path, &alerts, "t", &fd), -EEXIST);
	put(path, al, 0640);
	assert_int_equal(outfile_open(AT_FDCWD, path, &alerts, "t", &fd), 0);
	assert_int_equal(write(fd, "x\n", 2), 2);
	close(fd);
	assert_int_equal(strncmp(slurp(path), al, strlen(al)), 0); /* appended, not cut */
	/* An event's unsigned 64-bit argument (AT_FDCWD as a u64) is still an event. */
	put(path, "{\"time\":\"t\",\"type\":\"openat\",\"args\":{\"dirfd\":18446744073709551516}}\n",
	    0600);
	assert_int_equal(outfile_open(AT_FDCWD, path, &events, "t", &fd), 0);
	close(fd);
	put(path, "{\"time\":1,\"typo\":2}\n", 0600);
	assert_int_equal(outfile_open(AT_FDCWD, path, &events, "t", &fd), -EEXIST);
	put(path, "not json\n", 0600);
	assert_int_equal(outfile_open(AT_FDCWD, path, &events, "t", &fd), -EEXIST);
	put(path, "", 0600); /* empty: nothing to lose */
	assert_int_equal(outfile_open(AT_FDCWD, path, &events, "t", &fd), 0);
	close(fd);
	assert_true(outfile_is_kind(OUTFILE_AUDIT, "{\"seq\":1,\"prev\":\"00\",\"record\":{}}\n", 34));
	assert_false(outfile_is_kind(OUTFILE_SPOOL, "PSP", 3));
	/* Falco's text lines (json_output: false) are an alert stream too. */
	assert_true(outfile_is_kind(OUTFILE_ALERTS, "10:56:58.741085754: Warning Detected x\n", 40));
	assert_false(outfile_is_kind(OUTFILE_ALERTS, "10:56:58.741085754: Loud x\n", 27));
	assert_false(outfile_is_kind(OUTFILE_ALERTS, "my notes\n", 9));
}

static void test_directory(void **state)
{
	char sub[300];
	struct stat st;
	int dfd = -1;

	(void)state;
	snprintf(sub, sizeof(sub), "%s/spool", dir);
	assert_int_equal(outfile_dir(sub, "t", &dfd), 0);
	assert_int_equal(fstat(dfd, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	close(dfd);
	rmdir(sub);
	assert_int_equal(mkdir(other, 0700), 0);
	assert_int_equal(symlink(other, sub), 0);
	assert_int_not_equal(outfile_dir(sub, "t", &dfd), 0);
	assert_int_equal(dfd, -1);
	unlink(sub);
	rmdir(other);
}

/* The dry run `config check` uses: the same refusals, nothing made or cut. */
static void test_check_changes_nothing(void **state)
{
	char missing[300], sub[300];

	(void)state;
	assert_int_equal(outfile_check(path, &rec_spec, "t"), 0);
	assert_int_equal(access(path, F_OK), -1); /* not created */
	snprintf(missing, sizeof(missing), "%s/no/such/dir/x", dir);
	assert_int_equal(outfile_check(missing, &rec_spec, "t"), -ENOENT);
	put(path, "PLSDREC\nframes", 0644);
	assert_int_equal(outfile_check(path, &rec_spec, "t"), 0);
	assert_string_equal(slurp(path), "PLSDREC\nframes"); /* not truncated */
	put(path, "my notes\n", 0644);
	assert_int_equal(outfile_check(path, &rec_spec, "t"), -EEXIST);
	unlink(path);
	assert_int_equal(symlink(other, path), 0);
	assert_int_equal(outfile_check(path, &rec_spec, "t"), -EPERM);
	snprintf(sub, sizeof(sub), "%s/spool", dir);
	assert_int_equal(outfile_dir_check(sub, "t"), 0);
	assert_int_equal(access(sub, F_OK), -1); /* not created */
	assert_int_equal(symlink(dir, sub), 0);
	assert_int_not_equal(outfile_dir_check(sub, "t"), 0);
	unlink(sub);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_new_file_is_private, reset),
		cmocka_unit_test_teardown(test_symlink_refused_target_kept, reset),
		cmocka_unit_test_teardown(test_hard_link_and_foreign_owner_refused, reset),
		cmocka_unit_test_teardown(test_fifo_of_root_written_foreign_refused, reset),
		cmocka_unit_test_teardown(test_other_kind_kept_unless_forced, reset),
		cmocka_unit_test_teardown(test_json_kinds, reset),
		cmocka_unit_test_teardown(test_directory, reset),
		cmocka_unit_test_teardown(test_check_changes_nothing, reset),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
