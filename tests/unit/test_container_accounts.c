/*
 * A container's own users and groups (src/container/container_accounts.c):
 * the passwd/group parser, the read through a container's root (a temporary
 * directory standing in for /proc/PID/root) with its defences against a
 * hostile image, the lookups, and the record/replay JSON.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "container/container.h"
#include "container/internal.h"
#include "record/record.h"

#define ID "2496f3319c62007f76e8ca6743b861722545a33970622c16406cc4fe96bfc532"

static void test_parse(void **state)
{
	char text[] = "# comment\n"
		      "root:x:0:0:root:/root:/bin/sh\n"
		      "\n"
		      "www-data:x:82:82:Linux User,,,:/home/www-data:/sbin/nologin\n"
		      "daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
		      "+nisuser:::::\n"
		      "bad:x:notanumber:1::/:/bin/sh\n"
		      "neg:x:-1:1::/:/bin/sh\n"
		      "big:x:4294967296:1::/:/bin/sh\n"
		      ":x:7:7::/:/bin/sh\n"
		      "short:x\n"
		      "sp ace:x:9:9::/:/bin/sh\n"
		      "l\xe4tin1:x:10:10::/:/bin/sh\n"
		      "toor:x:0:0:second root:/root:/bin/sh\n"
		      "nobody:x:65534:65534:nobody:/:/bin/false";
	struct container_account *a = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(container_accounts_parse(text, &a, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(a[0].id, 0);
	assert_string_equal(a[0].name, "root"); /* the first entry of uid 0, as getpwuid */
	assert_int_equal(a[1].id, 1);
	assert_string_equal(a[1].name, "daemon");
	assert_int_equal(a[2].id, 82);
	assert_string_equal(a[2].name, "www-data");
	assert_int_equal(a[3].id, 65534);
	assert_string_equal(a[3].name, "nobody");
	free(a);

	/* a group file has the same first three columns */
	char groups[] = "root:x:0:\nwww-data:x:82:nginx,php\n";
	assert_int_equal(container_accounts_parse(groups, &a, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(a[1].name, "www-data");
	free(a);

	char empty[] = "";
	assert_int_equal(container_accounts_parse(empty, &a, &n), 0);
	assert_int_equal(n, 0);
	assert_null(a);
}

static void test_parse_too_many(void **state)
{
	size_t lines = CONTAINER_ACCOUNTS_MAX + 1, i, off = 0;
	char *text = malloc(lines * 24 + 1);
	struct container_account *a = (void *)1;
	size_t n = 7;

	(void)state;
	assert_non_null(text);
	for (i = 0; i < lines; i++)
		off += (size_t)sprintf(text + off, "u%zu:x:%zu:0::/:/\n", i, i);
	assert_int_equal(container_accounts_parse(text, &a, &n), -E2BIG);
	assert_null(a);
	assert_int_equal(n, 0);
	free(text);
}

/* A container root in a temporary directory: ROOT/etc/{passwd,group}. */
struct fake_root {
	char dir[64], etc[96], path[160];
};

static void fake_root_init(struct fake_root *r)
{
	snprintf(r->dir, sizeof(r->dir), "/tmp/palisade-accounts.XXXXXX");
	assert_non_null(mkdtemp(r->dir));
	snprintf(r->etc, sizeof(r->etc), "%s/etc", r->dir);
	assert_int_equal(mkdir(r->etc, 0755), 0);
}

static const char *fake_path(struct fake_root *r, const char *name)
{
	snprintf(r->path, sizeof(r->path), "%s/%s", r->etc, name);
	return r->path;
}

static void fake_write(struct fake_root *r, const char *name, const char *text)
{
	FILE *f = fopen(fake_path(r, name), "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void fake_root_free(struct fake_root *r)
{
	unlink(fake_path(r, "passwd"));
	unlink(fake_path(r, "group"));
	rmdir(r->etc);
	rmdir(r->dir);
}

static struct container_info *bare(void)
{
	struct container_info *c = container_info_new_bare(ID, RUNTIME_DOCKER, 42);

	assert_non_null(c);
	return c;
}

static void test_read_from_root(void **state)
{
	struct container_info *c = bare(), *with = NULL;
	struct fake_root r;

	(void)state;
	fake_root_init(&r);
	fake_write(&r, "passwd", "root:x:0:0::/root:/bin/sh\nwww-data:x:82:82::/:/bin/false\n");
	fake_write(&r, "group", "root:x:0:\nwww-data:x:82:\n");
	assert_false(c->has_accounts);
	assert_null(container_info_user(c, 0));

	assert_int_equal(container_info_with_accounts(c, r.dir, &with), 0);
	assert_true(with->has_accounts);
	assert_int_equal(with->cgroup_id, 42);
	assert_string_equal(with->id, ID);
	assert_string_equal(container_info_user(with, 82), "www-data");
	assert_string_equal(container_info_user(with, 0), "root");
	assert_null(container_info_user(with, 33)); /* the host's www-data: not this image's */
	assert_string_equal(container_info_group(with, 82), "www-data");
	assert_false(container_info_same(c, with));
	container_info_free(with);

	/* no /etc/group (or no /etc/passwd): an empty table, as in Falco */
	unlink(fake_path(&r, "group"));
	assert_int_equal(container_info_with_accounts(c, r.dir, &with), 0);
	assert_true(with->has_accounts);
	assert_int_equal(with->n_groups, 0);
	assert_null(container_info_group(with, 82));
	container_info_free(with);

	/* a root that does not exist (the process exited): an error, no copy */
	assert_int_equal(container_info_with_accounts(c, "/nonexistent-palisade-root", &with),
			 -ENOENT);
	assert_null(with);
	fake_root_free(&r);
	container_info_free(c);
}

/*
 * The image is untrusted: an absolute symlink resolves inside the container's
 * root, never to the host's file; a FIFO is refused at once (a blocking open
 * would stall the engine thread); an oversized file is refused.
 */
static void test_hostile_image(void **state)
{
	struct container_info *c = bare(), *with = NULL;
	struct fake_root r;
	FILE *f;

	(void)state;
	fake_root_init(&r);
	fake_write(&r, "inner", "inside:x:5:5::/:/bin/sh\n");
	/* /etc/passwd -> /etc/inner: inside the container, that is ROOT/etc/inner */
	assert_int_equal(symlink("/etc/inner", fake_path(&r, "passwd")), 0);
	assert_int_equal(container_info_with_accounts(c, r.dir, &with), 0);
	assert_string_equal(container_info_user(with, 5), "inside");
	assert_null(container_info_user(with, 0)); /* the host's root never leaks in */
	container_info_free(with);
	unlink(fake_path(&r, "passwd"));

	assert_int_equal(mkfifo(fake_path(&r, "passwd"), 0600), 0);
	assert_int_equal(container_info_with_accounts(c, r.dir, &with), -EINVAL);
	assert_null(with);
	unlink(fake_path(&r, "passwd"));

	f = fopen(fake_path(&r, "passwd"), "w");
	assert_non_null(f);
	assert_int_equal(fseek(f, 2l << 20, SEEK_SET), 0);
	assert_int_equal(fwrite("x", 1, 1, f), 1);
	fclose(f);
	assert_int_equal(container_info_with_accounts(c, r.dir, &with), -EFBIG);
	assert_null(with);
	unlink(fake_path(&r, "inner"));
	fake_root_free(&r);
	container_info_free(c);
}

/* The largest tables accepted still travel in one record frame. */
static void test_largest_fits_a_record_frame(void **state)
{
	struct container_info *c = bare(), *with = NULL;
	size_t i, off = 0, cap = 256u << 10;
	char *text = malloc(cap), *json;
	struct fake_root r;

	(void)state;
	assert_non_null(text);
	/* as many entries as kept, with names as long as the file size allows */
	for (i = 0; i < CONTAINER_ACCOUNTS_MAX; i++)
		off += (size_t)snprintf(text + off, cap - off, "%016zu:x:%zu:\n",
					(size_t)4294967295u - i, (size_t)4294967295u - i);
	assert_true(off < cap);
	fake_root_init(&r);
	fake_write(&r, "passwd", text);
	fake_write(&r, "group", text);
	assert_int_equal(container_info_with_accounts(c, r.dir, &with), 0);
	assert_int_equal(with->n_users, CONTAINER_ACCOUNTS_MAX);
	json = container_info_to_json(with);
	assert_non_null(json);
	assert_true(strlen(json) < RECORD_FRAME_MAX);
	free(json);
	container_info_free(with);
	fake_root_free(&r);
	container_info_free(c);
	free(text);
}

static void test_json_round_trip(void **state)
{
	struct container_account users[] = { { 0, "root" }, { 82, "www-data" } };
	struct container_info tmp = { .runtime = RUNTIME_DOCKER, .has_metadata = true };
	struct container_info *c, *back = NULL, *none = NULL;
	char *json, *again;

	(void)state;
	snprintf(tmp.id, sizeof(tmp.id), "%s", ID);
	tmp.name = "web";
	tmp.has_accounts = true;
	tmp.users = users;
	tmp.n_users = 2;
	c = container_info_pack(&tmp, 9);
	assert_non_null(c);
	json = container_info_to_json(c);
	assert_non_null(strstr(json, "\"users\":{\"0\":\"root\",\"82\":\"www-data\"}"));
	assert_non_null(strstr(json, "\"groups\":{}"));
	assert_int_equal(container_info_from_json(json, strlen(json), &back), 0);
	assert_true(container_info_same(c, back));
	assert_string_equal(container_info_user(back, 82), "www-data");
	again = container_info_to_json(back);
	assert_string_equal(json, again);
	free(again);
	free(json);
	container_info_free(back);

	/* without accounts: no keys, and back without them */
	tmp.has_accounts = false;
	container_info_free(c);
	c = container_info_pack(&tmp, 9);
	json = container_info_to_json(c);
	assert_null(strstr(json, "\"users\""));
	assert_int_equal(container_info_from_json(json, strlen(json), &none), 0);
	assert_false(none->has_accounts);
	assert_null(container_info_user(none, 0));
	free(json);
	container_info_free(none);
	container_info_free(c);
}

static void test_json_malformed_accounts(void **state)
{
	static const char *const bad[] = {
		"{\"id\":\"" ID "\",\"runtime\":\"docker\",\"users\":[]}",
		"{\"id\":\"" ID "\",\"runtime\":\"docker\",\"users\":{}}", /* groups missing */
		"{\"id\":\"" ID "\",\"runtime\":\"docker\",\"users\":{\"x\":\"a\"},\"groups\":{}}",
		"{\"id\":\"" ID "\",\"runtime\":\"docker\",\"users\":{\"-1\":\"a\"},\"groups\":{}}",
		"{\"id\":\"" ID "\",\"runtime\":\"docker\",\"users\":{\"4294967296\":\"a\"},\"groups\":{}}",
		"{\"id\":\"" ID "\",\"runtime\":\"docker\",\"users\":{\"1\":2},\"groups\":{}}",
		"{\"id\":\"" ID "\",\"runtime\":\"docker\",\"users\":{\"1\":\"a\",\"01\":\"b\"},\"groups\":{}}",
	};
	struct container_info *c = (void *)1;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (container_info_from_json(bad[i], strlen(bad[i]), &c) != -EINVAL)
			fail_msg("accepted: %s", bad[i]);
		assert_null(c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_too_many),
		cmocka_unit_test(test_read_from_root),
		cmocka_unit_test(test_hostile_image),
		cmocka_unit_test(test_largest_fits_a_record_frame),
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_json_malformed_accounts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
