/* fim/: the configuration, the scan of a real tree, the database (format,
 * bounds, authentication by HMAC and by Ed25519) and the comparison. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cmocka.h>

#include "fim/fim_internal.h"

static char dir[] = "/tmp/palisade-fim-XXXXXX";
static char diagbuf[4096];

static void put(const char *name, const char *text, mode_t mode)
{
	char p[512];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

/* Parses text; returns the result, the messages in diagbuf. */
static int parse(const char *text, struct fim_config **c)
{
	FILE *f = fmemopen(diagbuf, sizeof(diagbuf), "w");
	int ret;

	assert_non_null(f);
	memset(diagbuf, 0, sizeof(diagbuf));
	ret = fim_config_parse("fim.yaml", text, strlen(text), f, c);
	fclose(f);
	return ret;
}

static void expect_error(const char *text, const char *where, const char *what)
{
	struct fim_config *c = NULL;

	assert_int_equal(parse(text, &c), -EINVAL);
	assert_null(c);
	if (!strstr(diagbuf, where) || !strstr(diagbuf, what))
		fail_msg("expected '%s' and '%s' in: %s", where, what, diagbuf);
}

static void test_config(void **state)
{
	struct fim_config *c = NULL;

	(void)state;
	assert_int_equal(parse("database: /var/lib/x/fim.db\nkey_file: /etc/k\n"
			       "exclude: ['*.pyc']\n"
			       "paths:\n"
			       "  - /usr/bin/\n"
			       "  - {path: /etc, class: config, attributes: [all, -mtime, -inode],"
			       " exclude: [/etc/mtab]}\n", &c), 0);
	assert_int_equal(c->n_watch, 2);
	assert_string_equal(c->watch[0].path, "/usr/bin");
	assert_int_equal(c->watch[0].attrs, FIM_ATTRS_ALL);
	assert_int_equal(c->watch[1].class, FIM_CLASS_CONFIG);
	assert_int_equal(c->watch[1].attrs,
			 FIM_ATTRS_ALL & ~FIM_ATTR_BIT(FIM_A_MTIME) & ~FIM_ATTR_BIT(FIM_A_INODE));
	assert_string_equal(c->hash, "sha256");
	assert_int_equal(c->auth, FIM_AUTH_HMAC);
	/* which watch covers a path, and what is excluded */
	assert_ptr_equal(fim_config_match(c, "/usr/bin/ls"), &c->watch[0]);
	assert_ptr_equal(fim_config_match(c, "/usr/bin"), &c->watch[0]);
	assert_null(fim_config_match(c, "/usr/binx"));
	assert_null(fim_config_match(c, "/usr/bin/x.pyc"));
	assert_null(fim_config_match(c, "/etc/mtab"));
	assert_ptr_equal(fim_config_match(c, "/etc/passwd"), &c->watch[1]);
	fim_config_free(c);
}

static void test_config_nested_exclude(void **state)
{
	struct fim_config *c = NULL;

	(void)state;
	assert_int_equal(parse("key_file: /k\npaths:\n"
			       "  - {path: /usr, exclude: [cache]}\n"
			       "  - {path: /usr/cache/keep, class: binary}\n", &c), 0);
	/* below an excluded directory: not watched, unless watched on its own */
	assert_null(fim_config_match(c, "/usr/cache/x/y"));
	assert_null(fim_config_match(c, "/usr/lib/cache"));
	assert_ptr_equal(fim_config_match(c, "/usr/cache/keep/a"), &c->watch[1]);
	assert_ptr_equal(fim_config_match(c, "/usr/lib/x"), &c->watch[0]);
	fim_config_free(c);
}

static void test_config_errors(void **state)
{
	(void)state;
	expect_error("key_file: /k\npaths: [usr/bin]\n", "fim.yaml:2:9:", "absolute path");
	expect_error("key_file: /k\npaths:\n  - {path: /a, attributes: [mode, colour]}\n",
		     "fim.yaml:3:35:", "unknown attribute 'colour'");
	expect_error("key_file: /k\npaths: [/a]\nfrobnicate: 1\n", "fim.yaml:3:1:",
		     "unknown key 'frobnicate'");
	expect_error("paths: [/a]\n", "fim.yaml:1:1:", "no key_file");
	expect_error("key_file: /k\nhash: sha257\npaths: [/a]\n", "fim.yaml:1:1:", "sha257");
	expect_error("key_file: /k\npaths: [/a, /a/]\n", "fim.yaml:2:13:", "already configured");
	expect_error("key_file: /k\npaths:\n  - {path: /a, class: secret}\n", "fim.yaml:3:23:",
		     "expected binary, config or other");
	expect_error("key_file: /k\nthreads: 1000\npaths: [/a]\n", "fim.yaml:2:10:", "threads");
	expect_error("key_file: /k\npaths: [/a\n", "fim.yaml:", "YAML syntax");
	expect_error("- a\n", "fim.yaml:1:1:", "expected a mapping");
}

static const char *hello_sha256 = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";

/* A real tree: a file, a setuid file, a symlink, a subdirectory, an xattr. */
static struct fim_config *tree_config(void)
{
	struct fim_config *c = NULL;
	char text[1024], sub[512];

	snprintf(sub, sizeof(sub), "%s/sub", dir);
	mkdir(sub, 0755);
	put("sub/hello", "hello\n", 0644);
	put("tool", "#!/bin/sh\n", 04755);
	snprintf(sub, sizeof(sub), "%s/link", dir);
	unlink(sub);
	assert_int_equal(symlink("sub/hello", sub), 0);
	snprintf(sub, sizeof(sub), "%s/sub/hello", dir);
	/* user xattrs may be refused (tmpfs without user_xattr): the test says so */
	if (setxattr(sub, "user.palisade", "v1", 2, 0))
		print_message("skip - user xattrs refused here: %s\n", strerror(errno));
	snprintf(text, sizeof(text), "key_file: /k\nexclude: ['*.skip']\npaths: [%s]\n", dir);
	put("x.skip", "ignored", 0644);
	assert_int_equal(parse(text, &c), 0);
	return c;
}

static void test_scan(void **state)
{
	struct fim_config *c = tree_config();
	struct fim_scan_stats st;
	struct fim_set *s = NULL;
	const struct fim_entry *e;
	char p[512], buf[256];

	(void)state;
	assert_int_equal(fim_scan(c, 3, stderr, &s, &st), 0);
	assert_int_equal(st.errors, 0);
	assert_int_equal(s->n, 5); /* dir, link, sub, sub/hello, tool */
	snprintf(p, sizeof(p), "%s/sub/hello", dir);
	assert_non_null(e = fim_set_find(s, p));
	fim_attr_format(FIM_A_HASH, e, buf, sizeof(buf));
	assert_string_equal(buf, hello_sha256);
	if (e->xattrs)
		assert_string_equal(e->xattrs, "user.palisade=7631");
	snprintf(p, sizeof(p), "%s/tool", dir);
	assert_non_null(e = fim_set_find(s, p));
	fim_attr_format(FIM_A_MODE, e, buf, sizeof(buf));
	assert_string_equal(buf, "4755");
	snprintf(p, sizeof(p), "%s/link", dir);
	assert_non_null(e = fim_set_find(s, p));
	assert_string_equal(e->target, "sub/hello");
	assert_false(e->attrs & FIM_ATTR_BIT(FIM_A_HASH));
	snprintf(p, sizeof(p), "%s/x.skip", dir);
	assert_null(fim_set_find(s, p));
	for (size_t i = 1; i < s->n; i++)
		assert_true(strcmp(s->v[i - 1].path, s->v[i].path) < 0);
	fim_set_free(s);
	fim_config_free(c);
}

static struct fim_key *hmac_key(char fill)
{
	unsigned char k[32];
	struct fim_key *key = NULL;

	memset(k, fill, sizeof(k));
	assert_int_equal(fim_key_hmac(k, sizeof(k), &key), 0);
	return key;
}

static struct fim_set *scan_tree(struct fim_config *c)
{
	struct fim_scan_stats st;
	struct fim_set *s = NULL;

	assert_int_equal(fim_scan(c, 2, stderr, &s, &st), 0);
	return s;
}

static void assert_same_sets(const struct fim_set *a, const struct fim_set *b)
{
	struct fim_diff d;

	assert_int_equal(a->n, b->n);
	assert_string_equal(a->hash_name, b->hash_name);
	assert_int_equal(fim_diff(a, b, &d), 0);
	assert_int_equal(d.n, 0);
	fim_diff_free(&d);
	for (size_t i = 0; i < a->n; i++) {
		assert_string_equal(a->v[i].path, b->v[i].path);
		assert_int_equal(a->v[i].attrs, b->v[i].attrs);
	}
}

static void test_db_hmac(void **state)
{
	struct fim_config *c = tree_config();
	struct fim_set *s = scan_tree(c), *back = NULL;
	struct fim_key *k = hmac_key('a'), *other = hmac_key('b');
	char *text = NULL, why[256];
	size_t len = 0;

	(void)state;
	assert_int_equal(fim_db_format(s, k, &text, &len), 0);
	assert_int_equal(fim_db_parse(text, len, k, &back, why, sizeof(why)), 0);
	assert_same_sets(s, back);
	fim_set_free(back);
	/* another key, one byte changed, the end cut: all refused */
	assert_int_equal(fim_db_parse(text, len, other, &back, why, sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "does not verify"));
	char *p = strstr(text, "\t4755\t");
	assert_non_null(p);
	p[1] = '0'; /* the setuid file made 0755 in the baseline */
	assert_int_equal(fim_db_parse(text, len, k, &back, why, sizeof(why)), -EBADMSG);
	p[1] = '4';
	assert_int_equal(fim_db_parse(text, len - 10, k, &back, why, sizeof(why)), -EBADMSG);
	free(text);
	fim_key_free(k);
	fim_key_free(other);
	fim_set_free(s);
	fim_config_free(c);
}

static void write_pem(const char *path, EVP_PKEY *pkey, bool private)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(private ? PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL)
				 : PEM_write_PUBKEY(f, pkey), 1);
	fclose(f);
	chmod(path, 0600);
}

static void test_db_ed25519(void **state)
{
	EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	struct fim_config *c = NULL;
	struct fim_key *sign = NULL, *verify = NULL;
	struct fim_set *s, *back = NULL;
	char text[2048], priv[256], pub[256], *db = NULL, why[256];
	size_t len = 0;

	(void)state;
	assert_non_null(pkey);
	snprintf(priv, sizeof(priv), "%s/sign.pem", dir);
	snprintf(pub, sizeof(pub), "%s/verify.pem", dir);
	write_pem(priv, pkey, true);
	write_pem(pub, pkey, false);
	snprintf(text, sizeof(text), "sign_key: %s\nverify_key: %s\nexclude: ['*.pem']\npaths: [%s]\n",
		 priv, pub, dir);
	assert_int_equal(parse(text, &c), 0);
	assert_int_equal(c->auth, FIM_AUTH_ED25519);
	assert_int_equal(fim_key_load(c, true, &sign), 0);
	assert_int_equal(fim_key_load(c, false, &verify), 0);
	s = scan_tree(c);
	assert_int_equal(fim_db_format(s, sign, &db, &len), 0);
	assert_non_null(strstr(db, "\nauth ed25519 "));
	assert_int_equal(fim_db_parse(db, len, verify, &back, why, sizeof(why)), 0);
	assert_same_sets(s, back);
	fim_set_free(back);
	db[strlen("palisade-fim 1\ndigest sha256\ncreated 1")] ^= 1;
	assert_int_equal(fim_db_parse(db, len, verify, &back, why, sizeof(why)), -EBADMSG);
	free(db);
	/* the public key cannot sign */
	assert_int_equal(fim_db_format(s, verify, &db, &len), -EPERM);
	assert_null(db);
	fim_set_free(s);
	fim_key_free(sign);
	fim_key_free(verify);
	fim_config_free(c);
	EVP_PKEY_free(pkey);
}

static void expect_malformed(const char *body, const char *why_part)
{
	struct fim_set *s = NULL;
	char why[256];

	assert_int_equal(fim_db_parse(body, strlen(body), NULL, &s, why, sizeof(why)), -EINVAL);
	assert_null(s);
	if (!strstr(why, why_part))
		fail_msg("expected '%s' in '%s'", why_part, why);
}

#define HDR "palisade-fim 1\ndigest sha256\ncreated 5\ncolumns path attrs type mode uid gid " \
	    "size mtime ctime inode nlink target xattrs caps hash\n"
#define ROW(p) p "\t1fff\tfile\t0644\t0\t0\t3\t1\t1\t7\t1\t\t\t\taa\n"
#define AUTH "auth hmac-sha256 00\n"

static void test_db_malformed(void **state)
{
	struct fim_set *s = NULL;
	char why[256];
	const char *good = HDR ROW("/a") ROW("/b") "end 2\n" AUTH;

	(void)state;
	assert_int_equal(fim_db_parse(good, strlen(good), NULL, &s, why, sizeof(why)), 0);
	assert_int_equal(s->n, 2);
	fim_set_free(s);
	expect_malformed(HDR ROW("/b") ROW("/a") "end 2\n" AUTH, "line 6: paths are not in strictly");
	expect_malformed(HDR ROW("/a") ROW("/a") "end 2\n" AUTH, "strictly increasing");
	expect_malformed(HDR ROW("/a") "end 2\n" AUTH, "line 6: the entry count");
	expect_malformed(HDR ROW("/a") AUTH, "no end line");
	expect_malformed(HDR "/a\t1\n" "end 1\n" AUTH, "line 5: expected 15");
	expect_malformed(HDR ROW("rel") "end 1\n" AUTH, "absolute");
	expect_malformed(HDR "/a\t1fff\tfile\t9644\t0\t0\t3\t1\t1\t7\t1\t\t\t\taa\nend 1\n" AUTH,
			 "malformed");
	expect_malformed(HDR "/a\\x00\t1fff\tfile\t0644\t0\t0\t3\t1\t1\t7\t1\t\t\t\taa\nend 1\n" AUTH,
			 "absolute");
	expect_malformed(HDR "/a\t1fff\tfile\t0644\t0\t0\t99999999999999999999999\t1\t1\t7\t1\t\t\t\taa\n"
			 "end 1\n" AUTH, "malformed");
	expect_malformed("palisade-fim 2\n" AUTH, "not a palisade FIM database");
	expect_malformed(HDR ROW("/a") "end 1\n", "no authentication line");
	expect_malformed(HDR ROW("/a") "end 1\nextra\n" AUTH, "text after the end line");
}

static struct fim_entry entry(const char *path, uint32_t mode)
{
	struct fim_entry e = { .path = strdup(path), .attrs = FIM_ATTRS_ALL, .mode = mode,
			       .nlink = 1, .hash_len = 2, .hash = { 1, 2 } };

	return e;
}

static void test_diff(void **state)
{
	struct fim_set a = { .hash_name = "sha256" }, b = { .hash_name = "sha256" };
	struct fim_entry e;
	struct fim_diff d;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	json_t *j;

	(void)state;
	const char *paths[] = { "/a", "/b", "/c" };
	for (int i = 0; i < 3; i++) {
		e = entry(paths[i], S_IFREG | 0755);
		assert_int_equal(fim_set_push(&a, &e), 0);
	}
	e = entry("/b", S_IFREG | 04755); /* setuid added */
	e.hash[0] = 9;                   /* and the content */
	assert_int_equal(fim_set_push(&b, &e), 0);
	e = entry("/c", S_IFREG | 0755);
	assert_int_equal(fim_set_push(&b, &e), 0);
	e = entry("/d", S_IFLNK | 0777); /* added */
	e.target = strdup("/x");
	assert_int_equal(fim_set_push(&b, &e), 0);
	assert_int_equal(fim_diff(&a, &b, &d), 0);
	assert_int_equal(d.added, 1);
	assert_int_equal(d.removed, 1);
	assert_int_equal(d.changed, 1);
	assert_int_equal(d.v[1].changed, FIM_ATTR_BIT(FIM_A_MODE) | FIM_ATTR_BIT(FIM_A_HASH));
	f = open_memstream(&buf, &len);
	assert_int_equal(fim_report_json(f, &d, &a, &b), 0);
	fclose(f);
	j = json_loads(buf, 0, NULL);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "summary"), "added")), 1);
	json_t *ch = json_object_get(json_array_get(json_object_get(j, "changed"), 0), "changes");
	assert_string_equal(json_string_value(json_object_get(json_object_get(ch, "mode"), "old")), "0755");
	assert_string_equal(json_string_value(json_object_get(json_object_get(ch, "mode"), "new")), "4755");
	json_decref(j);
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	fim_report_text(f, &d, &a, &b);
	fclose(f);
	assert_non_null(strstr(buf, "1 added, 1 removed, 1 changed"));
	assert_non_null(strstr(buf, "    mode    0755 -> 4755\n"));
	free(buf);
	/* another digest: contents are not compared, and the report says so */
	strcpy(b.hash_name, "sha512");
	fim_diff_free(&d);
	assert_int_equal(fim_diff(&a, &b, &d), 0);
	assert_int_equal(d.v[1].changed, FIM_ATTR_BIT(FIM_A_MODE));
	fim_diff_free(&d);
	fim_set_free_entries(&a);
	fim_set_free_entries(&b);
}

static void test_caps_text(void **state)
{
	/* setcap cap_net_raw+ep: VFS_CAP_REVISION_2 | effective, permitted bit 13 */
	const uint8_t v2[20] = { 0x01, 0, 0, 0x02, 0, 0x20, 0, 0 };
	const uint8_t v3[24] = { 0x01, 0, 0, 0x03, 0x02, 0, 0, 0, 0x02, 0, 0, 0,
				 0, 0, 0, 0, 0, 0, 0, 0, 0xe8, 0x03, 0, 0 };
	char buf[128];

	(void)state;
	fim_caps_text(v2, sizeof(v2), buf, sizeof(buf));
	assert_string_equal(buf, "cap_net_raw=ep");
	fim_caps_text(v3, sizeof(v3), buf, sizeof(buf));
	assert_string_equal(buf, "cap_dac_override=eip [rootid=1000]");
	fim_caps_text(v2, 0, buf, sizeof(buf));
	assert_string_equal(buf, "none");
	fim_caps_text(v2, 7, buf, sizeof(buf));
	assert_string_equal(buf, "invalid");
}

static void test_escape(void **state)
{
	const char s[] = "a b\\c=d;e\tf\xff";
	char out[128], *back;

	(void)state;
	assert_int_equal(fim_escape(s, strlen(s), out, sizeof(out)), fim_escaped_len(s, strlen(s)));
	assert_string_equal(out, "a\\x20b\\x5cc\\x3dd\\x3be\\x09f\\xff");
	back = fim_unescape(out, strlen(out));
	assert_string_equal(back, s);
	free(back);
	assert_null(fim_unescape("a\\x2", 4));
	assert_null(fim_unescape("a\\x00", 5));
	assert_null(fim_unescape("a b", 3));
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[256];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_config_nested_exclude),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_scan),
		cmocka_unit_test(test_db_hmac),
		cmocka_unit_test(test_db_ed25519),
		cmocka_unit_test(test_db_malformed),
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_caps_text),
		cmocka_unit_test(test_escape),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
