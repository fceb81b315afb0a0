/*
 * proc.env, proc.env[NAME] and the process-group / session fields on
 * synthetic events: values, missing and truncated environments, the leader
 * lookups; Falco's incubating and sandbox rules that need them, each with a
 * near miss.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "falco_rules.h"
#include "proc/proc.h"
#include "proc_fixture.h"
#include "rules/rules.h"


static struct {
	struct ev_header hdr;
	struct event ev;
	struct proc_entry self, parent, gparent;
	char self_exe[256], parent_exe[256], gparent_exe[256], cwd[8];
	char env[EV_ENV_MAX], args[64];
} F;

static const struct proc_entry *test_ancestor(const struct event *ev, const struct proc_entry *p,
					      unsigned n)
{
	(void)ev;
	(void)p;
	return fixture_ancestor(&F.parent, &F.gparent, n);
}

/*
 * An exec of exe by a process (pid 300, vpid 30) whose parent is 200 and
 * grandparent 100, with tty, group and session (host numbers; in the pid
 * namespace each is a tenth), and an environment of env_len bytes
 * (env NULL: not captured).
 */
static const struct event *exec_with(const char *exe, uint32_t tty, uint32_t pgid, uint32_t sid,
				      const char *env, size_t env_len, bool env_trunc)
{
	const char *base = strrchr(exe, '/') + 1;

	memset(&F.hdr, 0, sizeof(F.hdr));
	memset(&F.ev, 0, sizeof(F.ev));
	fixture_proc(&F.self, 300, 200, base, F.self_exe, sizeof(F.self_exe), exe, F.cwd);
	fixture_proc(&F.parent, 200, 100, "bash", F.parent_exe, sizeof(F.parent_exe), "/bin/bash",
		     F.cwd);
	fixture_proc(&F.gparent, 100, 1, "sshd", F.gparent_exe, sizeof(F.gparent_exe),
		     "/usr/sbin/sshd", F.cwd);
	F.self.vpid = 30;
	F.parent.vpid = 20;
	F.gparent.vpid = 10;
	F.self.tty = tty;
	F.self.pgrp = (struct ev_pgrp){ .pgid = pgid, .vpgid = pgid / 10, .sid = sid,
					.vsid = sid / 10 };
	F.self.pgrp_known = true;
	/* the parent leads the session; the grandparent is in another one */
	F.parent.pgrp = (struct ev_pgrp){ .pgid = 200, .vpgid = 20, .sid = 200, .vsid = 20 };
	F.parent.pgrp_known = true;
	F.gparent.pgrp = (struct ev_pgrp){ .pgid = 100, .vpgid = 10, .sid = 100, .vsid = 10 };
	F.gparent.pgrp_known = true;
	F.self.args_len = (uint32_t)snprintf(F.args, sizeof(F.args), "%s", base) + 1;
	F.self.args = F.args;
	if (env) {
		memcpy(F.env, env, env_len);
		F.self.env = F.env;
		F.self.env_len = (uint32_t)env_len;
		F.self.env_known = true;
		F.self.env_truncated = env_trunc;
	}
	F.hdr.kind = EV_EXEC;
	F.hdr.ts_ns = 5000000000ull;
	F.hdr.pid = F.hdr.tid = 300;
	F.hdr.ppid = 200;
	F.hdr.vpid = 30;
	F.hdr.tty = tty;
	memcpy(F.hdr.comm, F.self.comm, sizeof(F.hdr.comm));
	F.ev.hdr = &F.hdr;
	F.ev.kind = EV_EXEC;
	snprintf(F.ev.exe, sizeof(F.ev.exe), "%s", exe);
	F.ev.proc = &F.self;
	return &F.ev;
}

#define ENV(s) s, sizeof(s) - 1

static struct {
	char rules[32][128];
	size_t n;
	char output[2048];
} A;

static int collect(const struct rules_alert *a, void *ctx)
{
	(void)ctx;
	if (A.n < 32)
		snprintf(A.rules[A.n], sizeof(A.rules[0]), "%s", a->rule->name);
	if (A.n == 0)
		snprintf(A.output, sizeof(A.output), "%s", a->output);
	A.n++;
	return 0;
}

static bool fired(struct rules_engine *e, const struct event *ev, const char *rule)
{
	memset(&A, 0, sizeof(A));
	rules_eval(e, ev, collect, NULL);
	for (size_t i = 0; i < A.n && i < 32; i++)
		if (!strcmp(A.rules[i], rule))
			return true;
	return false;
}

static struct rules_engine *engine_with(const char *const *paths, const char *text)
{
	struct rules_config cfg;
	struct rules_engine *e = NULL;

	rules_config_default(&cfg);
	cfg.hostname = "testhost";
	cfg.boot_to_realtime_ns = 1700000000000000000ll;
	cfg.ancestor = test_ancestor;
	cfg.diag_out = stderr;
	assert_int_equal(rules_engine_new(&cfg, &e), 0);
	for (; paths && *paths; paths++)
		assert_int_equal(rules_engine_add_path(e, *paths), 0);
	if (text)
		assert_int_equal(rules_engine_add_buffer(e, "t.yaml", text, strlen(text)), 0);
	assert_int_equal(rules_engine_compile(e), 0);
	return e;
}

static const char show_rules[] =
	"- rule: show\n"
	"  desc: prints the fields\n"
	"  condition: evt.type = execve\n"
	"  output: \"env=[%proc.env] a=[%proc.env[A]] b=[%proc.env[B]] miss=[%proc.env[MISSING]] "
	"pgid=%proc.pgid vpgid=%proc.vpgid sid=%proc.sid gl=%proc.is_vpgid_leader "
	"sl=%proc.is_sid_leader gname=%proc.vpgid.name gexe=%proc.vpgid.exepath sname=%proc.sname "
	"sexe=%proc.sid.exe\"\n"
	"  priority: INFO\n"
	"- rule: tag set\n"
	"  desc: a variable's value in a condition\n"
	"  condition: evt.type = execve and proc.env[A] = \"1\"\n"
	"  output: tag\n"
	"  priority: INFO\n";

static void test_env_values(void **state)
{
	struct rules_engine *e = engine_with(NULL, show_rules);

	(void)state;
	/* the group led by the process itself, the session by its parent */
	assert_true(fired(e, exec_with("/bin/id", 0, 300, 200, ENV("A=1\0B=x y\0AB=2\0"), false),
			  "show"));
	assert_non_null(strstr(A.output, "env=[A=1 B=x y AB=2] a=[1] b=[x y] miss=[<NA>] pgid=300 "
					 "vpgid=30 sid=20 gl=true sl=false gname=id gexe=/bin/id "
					 "sname=bash sexe=/bin/bash "));
	assert_true(fired(e, &F.ev, "tag set"));

	/* near miss: AB=1 is not A=1, nor is A1=x */
	assert_false(fired(e, exec_with("/bin/id", 0, 300, 200, ENV("AB=1\0"), false), "tag set"));
	assert_true(fired(e, exec_with("/bin/id", 0, 300, 200, ENV("AB=1\0A1=x\0"), false), "show"));
	assert_non_null(strstr(A.output, "env=[AB=1 A1=x] a=[<NA>]"));
	/* an empty environment: proc.env is "", no variable is set */
	assert_true(fired(e, exec_with("/bin/id", 0, 300, 200, ENV(""), false), "show"));
	assert_true(strstr(A.output, "env=[] a=[<NA>]") != NULL);
	/* not captured: no value at all, and conditions on it are false */
	assert_true(fired(e, exec_with("/bin/id", 0, 300, 200, NULL, 0, false), "show"));
	assert_true(strstr(A.output, "env=[<NA>] a=[<NA>]") != NULL);
	assert_false(fired(e, &F.ev, "tag set"));
	/* truncated: the last entry has no NUL; its value is what was read */
	assert_true(fired(e, exec_with("/bin/id", 0, 300, 200, ENV("B=2\0A=1"), true), "tag set"));
	assert_true(fired(e, &F.ev, "show"));
	assert_true(strstr(A.output, "env=[B=2 A=1] a=[1]") != NULL);
	rules_engine_free(e);
}

static void test_group_leaders(void **state)
{
	struct rules_engine *e = engine_with(NULL, show_rules);

	(void)state;
	/* in its parent's group (a script's child): the parent leads it */
	assert_true(fired(e, exec_with("/bin/id", 0, 200, 200, ENV(""), false), "show"));
	assert_true(strstr(A.output, "pgid=200 vpgid=20 sid=20 gl=false sl=false gname=bash "
				     "gexe=/bin/bash sname=bash") != NULL);
	/* a group whose leader is not in the known chain: the eldest member */
	assert_true(fired(e, exec_with("/bin/id", 0, 555, 200, ENV(""), false), "show"));
	assert_true(strstr(A.output, "gl=false") != NULL);
	assert_true(strstr(A.output, "gname=id") != NULL);
	/* group and session unknown (the entry was made from an exit alone) */
	exec_with("/bin/id", 0, 300, 300, ENV(""), false);
	F.self.pgrp_known = false;
	assert_true(fired(e, &F.ev, "show"));
	assert_true(strstr(A.output, "pgid=<NA> vpgid=<NA> sid=<NA> gl=<NA> sl=<NA> gname=<NA>") !=
		    NULL);
	rules_engine_free(e);
}

static void test_falco_env_rules(void **state)
{
	FALCO_NEED("falco_rules.yaml", "falco-incubating_rules.yaml");
	const char *const files[] = { falco_file("falco_rules.yaml"),
				      falco_file("falco-incubating_rules.yaml"), NULL };
	struct rules_engine *e = engine_with(files, NULL);
	const char *glibc = "Potential Local Privilege Escalation via Environment Variables Misuse";
	const char *proxy = "Program run with disallowed http proxy env";

	(void)state;
	assert_true(fired(e, exec_with("/bin/true", 0, 300, 300,
				       ENV("PATH=/bin\0GLIBC_TUNABLES=glibc.malloc.mxfast=0\0"), false),
			  glibc));
	assert_true(strstr(A.output, "env=PATH=/bin GLIBC_TUNABLES=glibc.malloc.mxfast=0") != NULL);
	/* near miss: another glibc variable */
	assert_false(fired(e, exec_with("/bin/true", 0, 300, 300, ENV("PATH=/bin\0GLIBC_VERSION=2\0"),
					false),
			   glibc));
	/* environment not captured: never fires */
	assert_false(fired(e, exec_with("/bin/true", 0, 300, 300, NULL, 0, false), glibc));

	assert_true(fired(e, exec_with("/usr/bin/curl", 0, 300, 300,
				       ENV("http_proxy=http://10.0.0.1:3128\0"), false),
			  proxy));
	/* near miss: the same variable for a binary that is no HTTP client */
	assert_false(fired(e, exec_with("/usr/bin/id", 0, 300, 300,
					ENV("http_proxy=http://10.0.0.1:3128\0"), false),
			   proxy));
	/* near miss: curl without a proxy */
	assert_false(fired(e, exec_with("/usr/bin/curl", 0, 300, 300, ENV("PATH=/bin\0"), false),
			   proxy));
	rules_engine_free(e);
}

static void test_falco_interactive_recon(void **state)
{
	FALCO_NEED("falco_rules.yaml", "falco-sandbox_rules.yaml");
	const char *const files[] = { falco_file("falco_rules.yaml"),
				      falco_file("falco-sandbox_rules.yaml"), NULL };
	struct rules_engine *e = engine_with(files, NULL);
	const char *recon = "Basic Interactive Reconnaissance";

	(void)state;
	/* typed at a terminal: the shell made it a group of its own */
	assert_true(fired(e, exec_with("/usr/bin/whoami", 34816, 300, 200, NULL, 0, false), recon));
	/* near miss: run by a script, in the script's group */
	assert_false(fired(e, exec_with("/usr/bin/whoami", 34816, 200, 200, NULL, 0, false), recon));
	/* near miss: a group of its own but no terminal */
	assert_false(fired(e, exec_with("/usr/bin/whoami", 0, 300, 200, NULL, 0, false), recon));
	rules_engine_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_env_values),
		cmocka_unit_test(test_group_leaders),
		cmocka_unit_test(test_falco_env_rules),
		cmocka_unit_test(test_falco_interactive_recon),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
