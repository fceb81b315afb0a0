/* The audit log: chain building through the real sink on a temporary file,
 * and every tamper case the verifier must name. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "output/audit_log.h"

static char dir[] = "/tmp/palisade-audit-test.XXXXXX";
static char log_path[256], key_path[256], other_key_path[256];
static const unsigned char key[] = "0123456789abcdef0123456789abcdef";

static void write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf = malloc(1 << 20);

	assert_non_null(f);
	assert_non_null(buf);
	*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

static int setup(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(log_path, sizeof(log_path), "%s/audit.log", dir);
	snprintf(key_path, sizeof(key_path), "%s/key", dir);
	snprintf(other_key_path, sizeof(other_key_path), "%s/other", dir);
	write_file(key_path, "0123456789abcdef0123456789abcdef\n", 33);
	write_file(other_key_path, "fedcba9876543210fedcba9876543210\n", 33);
	chmod(key_path, 0600);
	chmod(other_key_path, 0600);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(log_path);
	unlink(key_path);
	unlink(other_key_path);
	rmdir(dir);
	return 0;
}

/* Appends n records, numbered from first, through the sink's ops. */
static void append(const char *key_file, int first, int n)
{
	struct audit_sink_cfg cfg = { .path = log_path, .hmac_key_file = key_file };
	void *s = NULL;

	assert_int_equal(audit_sink_create(&cfg, &s), 0);
	for (int i = first; i < first + n; i++) {
		char json[128];
		struct sink_record r = { .rule = "r", .json = json };

		r.json_len = (size_t)snprintf(json, sizeof(json),
					      "{\"rule\":\"Rule %d\",\"output\":\"x\\\"y\"}", i);
		assert_int_equal(audit_sink_ops.deliver(s, &r), 0);
	}
	audit_sink_ops.destroy(s);
}

static void fresh_log(const char *key_file, int n)
{
	unlink(log_path);
	append(key_file, 1, n);
}

static int verify(const char *data, size_t len, bool with_key, struct audit_verify_result *res)
{
	return audit_verify(data, len, with_key ? key : NULL, with_key ? sizeof(key) - 1 : 0, res);
}

/* Start offsets of each line in buf (up to 16). */
static size_t line_starts(const char *buf, size_t len, size_t *starts)
{
	size_t n = 0;

	for (size_t i = 0; i < len && n < 16; i++)
		if (i == 0 || buf[i - 1] == '\n')
			starts[n++] = i;
	return n;
}

static void test_chain_and_genesis(void **state)
{
	static const char first[] =
		"{\"seq\":1,\"prev\":\"00000000000000000000000000000000000000000000000000000000"
		"00000000\",\"record\":{\"rule\":\"Rule 1\",\"output\":\"x\\\"y\"}}\n";
	unsigned char h[AUDIT_HASH_LEN];
	struct audit_verify_result res;
	struct audit_line l;
	size_t len, n;
	char *buf;

	(void)state;
	fresh_log(NULL, 3);
	buf = read_all(log_path, &len);
	assert_int_equal(verify(buf, len, false, &res), 0);
	assert_int_equal(res.problem, AUDIT_OK);
	assert_int_equal(res.records, 3);
	assert_int_equal(res.last_seq, 3);
	assert_false(res.hmac_present);
	/* The first line starts from 64 zeros and carries the record as is. */
	assert_true(len > strlen(first));
	assert_memory_equal(buf, first, strlen(first));
	/* The second line's prev is the SHA-256 of the first (without newline). */
	n = strlen(first);
	assert_int_equal(audit_line_parse(buf + n, (size_t)(strchr(buf + n, '\n') - buf - n), &l), 0);
	audit_hash(buf, n - 1, h);
	assert_memory_equal(l.prev, h, AUDIT_HASH_LEN);
	assert_int_equal(l.seq, 2);
	free(buf);

	/* Reopening continues the chain. */
	append(NULL, 4, 2);
	buf = read_all(log_path, &len);
	assert_int_equal(verify(buf, len, false, &res), 0);
	assert_int_equal(res.records, 5);
	free(buf);
	/* An empty log is a valid log. */
	assert_int_equal(verify("", 0, false, &res), 0);
	assert_int_equal(res.records, 0);
}

static void test_byte_flipped(void **state)
{
	struct audit_verify_result res;
	size_t len, st[16];
	char *buf;

	(void)state;
	fresh_log(NULL, 4);
	buf = read_all(log_path, &len);
	assert_int_equal(line_starts(buf, len, st), 4);
	/* A byte of line 2's record flipped (" " -> "%"): line 3's link breaks. */
	buf[st[1] + 105] ^= 0x05;
	assert_int_equal(verify(buf, len, false, &res), 1);
	assert_int_equal(res.problem, AUDIT_MODIFIED);
	assert_int_equal(res.line, 2);
	assert_int_equal(res.records, 1);
	buf[st[1] + 105] ^= 0x05;
	assert_int_equal(verify(buf, len, false, &res), 0);
	/* A flip in line 3's prev field breaks links 3 and 4: line 3 is named. */
	buf[st[2] + 20] = buf[st[2] + 20] == 'a' ? 'b' : 'a';
	assert_int_equal(verify(buf, len, false, &res), 1);
	assert_int_equal(res.problem, AUDIT_MODIFIED);
	assert_int_equal(res.line, 3);
	buf[st[2] + 20] = '{'; /* now not even a record */
	assert_int_equal(verify(buf, len, false, &res), 1);
	assert_int_equal(res.problem, AUDIT_MALFORMED);
	assert_int_equal(res.line, 3);
	free(buf);
}

static void test_record_removed(void **state)
{
	struct audit_verify_result res;
	size_t len, st[16];
	char *buf;

	(void)state;
	fresh_log(NULL, 5);
	buf = read_all(log_path, &len);
	line_starts(buf, len, st);
	/* Remove line 3. */
	memmove(buf + st[2], buf + st[3], len - st[3]);
	len -= st[3] - st[2];
	assert_int_equal(verify(buf, len, false, &res), 1);
	assert_int_equal(res.problem, AUDIT_REMOVED);
	assert_int_equal(res.line, 3);
	assert_int_equal(res.seq_expected, 3);
	assert_int_equal(res.seq_found, 4);
	free(buf);

	/* Remove the first line: the chain no longer starts at genesis. */
	buf = read_all(log_path, &len);
	assert_int_equal(verify(buf + st[1], len - st[1], false, &res), 1);
	assert_int_equal(res.problem, AUDIT_HEAD_REMOVED);
	assert_int_equal(res.line, 1);
	assert_int_equal(res.seq_found, 2);
	free(buf);
}

static void test_two_swapped(void **state)
{
	struct audit_verify_result res;
	size_t len, st[16], a, b;
	char *buf, *out;

	(void)state;
	fresh_log(NULL, 4);
	buf = read_all(log_path, &len);
	line_starts(buf, len, st);
	out = malloc(len);
	assert_non_null(out);
	/* Lines 2 and 3 change places. */
	a = st[2] - st[1];
	b = st[3] - st[2];
	memcpy(out, buf, st[1]);
	memcpy(out + st[1], buf + st[2], b);
	memcpy(out + st[1] + b, buf + st[1], a);
	memcpy(out + st[3], buf + st[3], len - st[3]);
	assert_int_equal(verify(out, len, false, &res), 1);
	assert_int_equal(res.problem, AUDIT_REORDERED);
	assert_int_equal(res.line, 2);
	assert_int_equal(res.seq_found, 3);
	assert_int_equal(res.seq_expected, 2);
	/* Lines 1 and 2. */
	a = st[1];
	b = st[2] - st[1];
	memcpy(out, buf + st[1], b);
	memcpy(out + b, buf, a);
	memcpy(out + st[2], buf + st[2], len - st[2]);
	assert_int_equal(verify(out, len, false, &res), 1);
	assert_int_equal(res.problem, AUDIT_REORDERED);
	assert_int_equal(res.line, 1);
	free(out);
	free(buf);
}

static void test_tail_truncated(void **state)
{
	struct audit_sink_cfg cfg = { .path = log_path };
	struct audit_verify_result res;
	void *s = NULL;
	size_t len;
	char *buf;

	(void)state;
	fresh_log(NULL, 3);
	buf = read_all(log_path, &len);
	assert_int_equal(verify(buf, len - 10, false, &res), 1);
	assert_int_equal(res.problem, AUDIT_TRUNCATED);
	assert_int_equal(res.line, 3);
	assert_int_equal(res.records, 2);
	/* Only the newline gone is still a cut write. */
	assert_int_equal(verify(buf, len - 1, false, &res), 1);
	assert_int_equal(res.problem, AUDIT_TRUNCATED);
	/* The sink refuses to continue a log with a partial tail. */
	write_file(log_path, buf, len - 10);
	assert_int_equal(audit_sink_create(&cfg, &s), -EINVAL);
	assert_null(s);
	free(buf);
}

static void test_hmac(void **state)
{
	struct audit_sink_cfg cfg = { .path = log_path };
	struct audit_verify_result res;
	unsigned char *other;
	size_t len, other_len, st[16];
	void *s = NULL;
	char *buf;

	(void)state;
	fresh_log(key_path, 3);
	buf = read_all(log_path, &len);
	assert_int_equal(verify(buf, len, true, &res), 0);
	assert_true(res.hmac_checked);
	assert_true(res.hmac_present);
	/* Without the key the chain still verifies. */
	assert_int_equal(verify(buf, len, false, &res), 0);
	/* The wrong key fails on line 1. */
	assert_int_equal(audit_key_load(other_key_path, &other, &other_len), 0);
	assert_int_equal(audit_verify(buf, len, other, other_len, &res), 1);
	assert_int_equal(res.problem, AUDIT_BAD_HMAC);
	assert_int_equal(res.line, 1);
	free(other);
	/* A change to the last line, which no later link covers, fails its HMAC. */
	line_starts(buf, len, st);
	buf[st[2] + 105] ^= 0x05;
	assert_int_equal(verify(buf, len, true, &res), 1);
	assert_int_equal(res.problem, AUDIT_BAD_HMAC);
	assert_int_equal(res.line, 3);
	free(buf);

	/* Reopening with another key, or none, is refused. */
	cfg.hmac_key_file = other_key_path;
	assert_int_equal(audit_sink_create(&cfg, &s), -EINVAL);
	cfg.hmac_key_file = NULL;
	assert_int_equal(audit_sink_create(&cfg, &s), -EINVAL);
	/* A chain-only log checked with a key: no HMAC on line 1. */
	fresh_log(NULL, 1);
	buf = read_all(log_path, &len);
	assert_int_equal(verify(buf, len, true, &res), 1);
	assert_int_equal(res.problem, AUDIT_NO_HMAC);
	free(buf);
}

static void test_rotation_lock_and_bad_input(void **state)
{
	struct audit_sink_cfg cfg = { .path = log_path, .fsync = "none" };
	struct audit_verify_result res;
	char rotated[300], *a, *b, *both;
	size_t la, lb;
	void *s = NULL, *s2 = NULL;
	struct sink_record bad = { .rule = "bad", .json = "{\"a\":\n1}", .json_len = 8 };
	struct sink_record good = { .rule = "ok", .json = "{\"a\":1}", .json_len = 7 };

	(void)state;
	unlink(log_path);
	assert_int_equal(audit_sink_create(&cfg, &s), 0);
	/* A second writer is refused while the first holds the log. */
	assert_int_equal(audit_sink_create(&cfg, &s2), -EWOULDBLOCK);
	assert_int_equal(audit_sink_ops.deliver(s, &good), 0);
	assert_int_equal(audit_sink_ops.deliver(s, &bad), -EINVAL);
	bad.json = "[1]";
	bad.json_len = 3;
	assert_int_equal(audit_sink_ops.deliver(s, &bad), -EINVAL);
	/* logrotate: move the file, reopen: the new file continues the chain. */
	snprintf(rotated, sizeof(rotated), "%s.1", log_path);
	assert_int_equal(rename(log_path, rotated), 0);
	assert_int_equal(audit_sink_ops.reopen(s), 0);
	assert_int_equal(audit_sink_ops.deliver(s, &good), 0);
	audit_sink_ops.destroy(s);

	a = read_all(rotated, &la);
	b = read_all(log_path, &lb);
	assert_int_equal(verify(b, lb, false, &res), 1);
	assert_int_equal(res.problem, AUDIT_HEAD_REMOVED);
	both = malloc(la + lb);
	assert_non_null(both);
	memcpy(both, a, la);
	memcpy(both + la, b, lb);
	assert_int_equal(verify(both, la + lb, false, &res), 0);
	assert_int_equal(res.records, 2);
	free(both);
	free(a);
	free(b);
	unlink(rotated);

	cfg.fsync = "sometimes";
	assert_int_equal(audit_sink_create(&cfg, &s), -EINVAL);
	write_file(key_path, "short\n", 6);
	cfg.fsync = NULL;
	cfg.hmac_key_file = key_path;
	assert_int_equal(audit_sink_create(&cfg, &s), -EINVAL);
	write_file(key_path, "0123456789abcdef0123456789abcdef\n", 33);
}

/* A write the file system refuses half-way (here: the file size limit) is
 * cut back off the file; the retry appends the record whole and in order. */
static void test_failed_write_leaves_no_partial_line(void **state)
{
	struct audit_sink_cfg cfg = { .path = log_path };
	struct sink_record r = { .rule = "r", .json = "{\"n\":1}", .json_len = 7 };
	struct audit_verify_result res;
	struct rlimit old, lim;
	struct stat before, after;
	void *s = NULL;
	size_t len;
	char *buf;

	(void)state;
	unlink(log_path);
	signal(SIGXFSZ, SIG_IGN); /* EFBIG instead of death */
	assert_int_equal(audit_sink_create(&cfg, &s), 0);
	assert_int_equal(audit_sink_ops.deliver(s, &r), 0);
	assert_int_equal(stat(log_path, &before), 0);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = (rlim_t)before.st_size + 40; /* less than a line */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	assert_int_equal(audit_sink_ops.deliver(s, &r), -EFBIG);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(stat(log_path, &after), 0);
	assert_int_equal(after.st_size, before.st_size);
	assert_int_equal(audit_sink_ops.deliver(s, &r), 0);
	audit_sink_ops.destroy(s);
	buf = read_all(log_path, &len);
	assert_int_equal(verify(buf, len, false, &res), 0);
	assert_int_equal(res.records, 2);
	assert_int_equal(res.last_seq, 2);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain_and_genesis),
		cmocka_unit_test(test_byte_flipped),
		cmocka_unit_test(test_record_removed),
		cmocka_unit_test(test_two_swapped),
		cmocka_unit_test(test_tail_truncated),
		cmocka_unit_test(test_hmac),
		cmocka_unit_test(test_rotation_lock_and_bad_input),
		cmocka_unit_test(test_failed_write_leaves_no_partial_line),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
