/* File integrity in real time: the embedded FIM rules (rules/fim.yaml) and
 * the fim.* fields on synthetic syscall events, answered by the real live
 * view (fim_live) over a real tree and its real, authenticated baseline. */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "event_fixture.h"
#include "fim/fim.h"

static char dir[] = "/tmp/palisade-fimrules-XXXXXX";
static struct fim_live *live;
static struct rules_engine *engine;

static const char *at(const char *rel)
{
	static char p[8][512];
	static unsigned i;

	snprintf(p[++i % 8], sizeof(p[0]), "%s/%s", dir, rel);
	return p[i % 8];
}

static void put(const char *rel, const char *text, mode_t mode)
{
	FILE *f = fopen(at(rel), "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(at(rel), mode), 0);
}

static int setup(void **state)
{
	struct fim_config *c = NULL;
	struct fim_scan_stats st;
	struct fim_set *s = NULL;
	struct fim_key *k = NULL;
	struct rules_config cfg;
	char text[2048];

	(void)state;
	if (!mkdtemp(dir))
		return -1;
	mkdir(at("bin"), 0755);
	mkdir(at("etc"), 0755);
	mkdir(at("pm"), 0755);
	put("bin/tool", "tool\n", 0755);
	put("etc/app.conf", "a=1\n", 0644);
	put("pm/installer", "#!/bin/true\nthe package manager\n", 0755);
	put("key", "0123456789abcdef0123456789abcdef0123456789abcdef", 0600);
	snprintf(text, sizeof(text),
		 "database: %s\nkey_file: %s\npackage_managers: [%s]\npaths:\n"
		 "  - {path: %s, class: binary}\n  - {path: %s, class: binary}\n"
		 "  - {path: %s, class: config}\n",
		 at("fim.db"), at("key"), at("pm/installer"), at("bin"), at("pm"), at("etc"));
	put("fim.yaml", text, 0600);
	assert_int_equal(fim_config_load(at("fim.yaml"), stderr, &c), 0);
	assert_int_equal(fim_key_load(c, true, &k), 0);
	assert_int_equal(fim_scan(c, 2, stderr, &s, &st), 0);
	assert_int_equal(fim_db_write(c->database, s, k, false), 0);
	fim_set_free(s);
	fim_key_free(k);
	fim_config_free(c);
	assert_int_equal(fim_live_open(at("fim.yaml"), &live), 0);

	rules_config_default(&cfg);
	cfg.hostname = "testhost";
	cfg.boot_to_realtime_ns = BOOT_TO_REAL;
	cfg.ancestor = test_ancestor;
	cfg.diag_out = stderr;
	assert_int_equal(rules_engine_new(&cfg, &engine), 0);
	assert_int_equal(rules_engine_add_fim(engine), 0);
	assert_int_equal(rules_engine_compile(engine), 0);
	return 0;
}

static int teardown_all(void **state)
{
	char cmd[600];

	(void)state;
	rules_engine_free(engine);
	fim_live_free(live);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

#define OUTSIDE "FIM - binary changed outside a package manager"
#define BY_PKGMGR "FIM - binary changed by a package manager"
#define UNKNOWN_USER "FIM - configuration changed by an unknown user"
#define ADMIN "FIM - configuration changed by an administrator"
#define DRIFT "FIM - container drift below a system directory"
#define IMMUTABLE "FIM - drift in an immutable container"

static const struct event *with_fim(const struct event *ev)
{
	F.ev.fim = fim_live_fields(live);
	return ev;
}

/* The parent runs exe (the package manager, or not). */
static void parent_runs(const char *exe)
{
	snprintf(F.exe[1], sizeof(F.exe[1]), "%s", exe);
}

static void test_shell_write(void **state)
{
	(void)state;
	who("/usr/bin/dash", "sh -c x", "bash", "sshd", 0, 1000, NULL);
	expect(engine, with_fim(openat_ev(at("bin/tool"), O_WRONLY | O_TRUNC, 0, 3)), OUTSIDE, true);
	assert_non_null(strstr(A.output, "change=write"));
	expect(engine, with_fim(openat_ev(at("bin/tool"), O_WRONLY | O_TRUNC, 0, 3)), BY_PKGMGR, false);
	/* a read changes nothing; a failed write neither; an unwatched file neither */
	expect(engine, with_fim(openat_ev(at("bin/tool"), O_RDONLY, 0, 3)), OUTSIDE, false);
	expect(engine, with_fim(openat_ev(at("bin/tool"), O_WRONLY, 0, -EACCES)), OUTSIDE, false);
	expect(engine, with_fim(openat_ev("/tmp/elsewhere", O_WRONLY, 0, 3)), OUTSIDE, false);
	/* without FIM the fields have no value: nothing fires */
	expect(engine, openat_ev(at("bin/tool"), O_WRONLY | O_TRUNC, 0, 3), OUTSIDE, false);
}

static void test_package_manager(void **state)
{
	(void)state;
	who("/usr/bin/dash", "sh -c x", "installer", "bash", 0, 1000, NULL);
	parent_runs(at("pm/installer"));
	expect(engine, with_fim(openat_ev(at("bin/tool"), O_WRONLY, 0, 3)), BY_PKGMGR, true);
	assert_non_null(strstr(A.output, "package_manager="));
	expect(engine, with_fim(openat_ev(at("bin/tool"), O_WRONLY, 0, 3)), OUTSIDE, false);
	/* the same path, other content: not the baseline's package manager */
	put("pm/installer", "#!/bin/true\nsomething else entirely\n", 0755);
	expect(engine, with_fim(openat_ev(at("bin/tool"), O_WRONLY, 0, 3)), OUTSIDE, true);
	put("pm/installer", "#!/bin/true\nthe package manager\n", 0755);
	expect(engine, with_fim(openat_ev(at("bin/tool"), O_WRONLY, 0, 3)), BY_PKGMGR, true);
	/* a name is not a path */
	parent_runs("/usr/local/bin/installer");
	expect(engine, with_fim(openat_ev(at("bin/tool"), O_WRONLY, 0, 3)), OUTSIDE, true);
}

static void test_changes(void **state)
{
	struct sc_spec chmod_s = { .sc = "fchmodat", .a = { AT_CWD, 0, 04755 } };
	struct sc_spec rename_s = { .sc = "renameat2", .a = { AT_CWD, 0, AT_CWD, 0 } };
	struct sc_spec xattr_s = { .sc = "fsetxattr", .a = { 3, 0, 0, 20, 0 } };

	(void)state;
	who("/usr/bin/chmod", "chmod u+s x", "bash", NULL, 0, 1000, NULL);
	chmod_s.upath = at("bin/tool");
	expect(engine, with_fim(sc_event(&chmod_s)), OUTSIDE, true);
	assert_non_null(strstr(A.output, "change=chmod"));
	who("/usr/bin/mv", "mv a b", "bash", NULL, 0, 1000, NULL);
	rename_s.upath = "/tmp/new";
	rename_s.upath2 = at("bin/tool");
	expect(engine, with_fim(sc_event(&rename_s)), OUTSIDE, true);
	assert_non_null(strstr(A.output, "change=rename"));
	who("/usr/sbin/setcap", "setcap cap_net_raw+ep x", "bash", NULL, 0, 1000, NULL);
	xattr_s.kpath = at("bin/tool");
	xattr_s.upath2 = "security.capability";
	expect(engine, with_fim(sc_event(&xattr_s)), OUTSIDE, true);
	assert_non_null(strstr(A.output, "change=xattr"));
}

static void test_configuration(void **state)
{
	(void)state;
	who("/usr/bin/vi", "vi app.conf", "bash", NULL, 1000, 1000, NULL);
	expect(engine, with_fim(openat_ev(at("etc/app.conf"), O_WRONLY, 0, 3)), UNKNOWN_USER, true);
	expect(engine, with_fim(openat_ev(at("etc/app.conf"), O_WRONLY, 0, 3)), ADMIN, false);
	who("/usr/bin/vi", "vi app.conf", "bash", NULL, 0, 1000, NULL);
	expect(engine, with_fim(openat_ev(at("etc/app.conf"), O_WRONLY, 0, 3)), ADMIN, true);
	expect(engine, with_fim(openat_ev(at("etc/app.conf"), O_WRONLY, 0, 3)), UNKNOWN_USER, false);
}

static void test_container(void **state)
{
	(void)state;
	who("/bin/busybox", "sh -c x", "containerd-shim", NULL, 0, 1000, "alpine:3");
	expect(engine, with_fim(openat_ev("/etc/drift", O_WRONLY | O_CREAT, 0644, 3)), DRIFT, true);
	assert_non_null(strstr(A.output, "container=web-1"));
	expect(engine, with_fim(openat_ev("/tmp/scratch", O_WRONLY | O_CREAT, 0644, 3)), DRIFT, false);
	/* a container's path is in its own root: never the host's watch */
	expect(engine, with_fim(openat_ev(at("bin/tool"), O_WRONLY, 0, 3)), OUTSIDE, false);
}

static void test_immutable_container(void **state)
{
	struct container_label label = { .key = "palisade.immutable", .value = "true" };

	(void)state;
	who("/bin/busybox", "sh -c x", "containerd-shim", NULL, 0, 1000, "alpine:3");
	F.ci.labels = &label;
	F.ci.n_labels = 1;
	expect(engine, with_fim(openat_ev("/usr/bin/x", O_WRONLY | O_CREAT, 0755, 3)), IMMUTABLE,
	       true);
	expect(engine, with_fim(openat_ev("/usr/bin/x", O_WRONLY | O_CREAT, 0755, 3)), DRIFT, false);
	F.ci.labels = NULL;
	F.ci.n_labels = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shell_write),
		cmocka_unit_test(test_package_manager),
		cmocka_unit_test(test_changes),
		cmocka_unit_test(test_configuration),
		cmocka_unit_test(test_container),
		cmocka_unit_test(test_immutable_container),
	};

	return cmocka_run_group_tests(tests, setup, teardown_all);
}
