/*
 * The protect set (rules/protect.yaml, embedded; `palisade run --protect`):
 * it compiles and every rule can fire; the back-ends that must serve each
 * rule accept it (the kernel decides the denylist at exec, fanotify marks
 * the account files); and the exec rules on synthetic execs, each with its
 * near miss: a shell from `docker exec` (`busybox sh` too) or an interactive
 * first process is paused, a scripted entry point, a shell an application
 * starts and a debug container are not; a miner under another name is caught by its path or
 * its pool URL, an ordinary command line is not. The open, rename and
 * ptrace rules are exercised for real in tests/integration/test_protect.sh.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "action/fanotify_guard.h"
#include "container/container.h"
#include "proc/proc.h"
#include "proc_fixture.h"
#include "rules/rules.h"

#define R_DENYLIST "Protect - denylisted executable killed at exec"
#define R_RENAMED "Protect - renamed or linked denylisted executable killed"
#define R_SHELL "Protect - shell in a non-debug container"
#define R_WRITE "Protect - account file write denied"

/* One exec and the process chain it sees. */
static struct {
	struct ev_header hdr;
	struct event ev;
	struct proc_entry self, parent, none;
	char self_exe[256], parent_exe[256], cwd[8], args[256];
	struct container_info ci;
	struct container_label label;
} X;

static const struct proc_entry *ancestor(const struct event *ev, const struct proc_entry *p,
					 unsigned n)
{
	(void)ev;
	(void)p;
	return fixture_ancestor(&X.parent, &X.none, n);
}

static struct rules_engine *protect_set(void)
{
	struct rules_config cfg;
	struct rules_engine *e = NULL;

	rules_config_default(&cfg);
	cfg.ancestor = ancestor;
	assert_int_equal(rules_engine_new(&cfg, &e), 0);
	assert_int_equal(rules_engine_add_protect(e), 0);
	assert_int_equal(rules_engine_compile(e), 0);
	return e;
}

static size_t rule_index(struct rules_engine *e, const char *name)
{
	for (size_t i = 0; i < rules_engine_rule_count(e); i++)
		if (!strcmp(rules_engine_rule(e, i)->name, name))
			return i;
	fail_msg("no rule %s", name);
	return 0;
}

/*
 * An exec of exe with argv (spaces separate), comm `comm`, in-namespace pid
 * vpid, tty, started by `parent`; in a container of `image` (NULL: the
 * host) with an optional label palisade.debug=debug_label.
 */
struct exec_spec {
	const char *exe, *argv, *comm, *parent, *image, *debug_label;
	uint32_t vpid, tty;
};

static const struct event *exec_of(const struct exec_spec *s)
{
	size_t n = 0;

	memset(&X, 0, sizeof(X));
	fixture_proc(&X.self, 300, 200, s->comm, X.self_exe, sizeof(X.self_exe), s->exe, X.cwd);
	fixture_proc(&X.parent, 200, 1, s->parent, X.parent_exe, sizeof(X.parent_exe),
		     "/usr/bin/parent", X.cwd);
	for (const char *c = s->argv; *c && n + 1 < sizeof(X.args); c++)
		X.args[n++] = *c == ' ' ? '\0' : *c;
	X.args[n++] = '\0';
	X.self.args = X.args;
	X.self.args_len = (uint32_t)n;
	X.self.vpid = s->vpid;
	X.self.tty = s->tty;
	X.hdr = (struct ev_header){ .kind = EV_EXEC, .pid = 300, .tid = 300, .ppid = 200,
				    .vpid = s->vpid, .tty = s->tty };
	memcpy(X.hdr.comm, X.self.comm, sizeof(X.hdr.comm));
	X.ev = (struct event){ .hdr = &X.hdr, .kind = EV_EXEC, .args = X.args,
			       .args_len = (uint32_t)n, .proc = &X.self };
	snprintf(X.ev.exe, sizeof(X.ev.exe), "%s", s->exe);
	if (s->image) {
		snprintf(X.ci.id, sizeof(X.ci.id), "%064x", 7);
		X.ci.runtime = RUNTIME_DOCKER;
		X.ci.has_metadata = true;
		X.ci.name = "app";
		X.ci.image = (char *)s->image;
		X.ci.image_id = "";
		if (s->debug_label) {
			X.label = (struct container_label){ .key = "palisade.debug",
							    .value = (char *)s->debug_label };
			X.ci.labels = &X.label;
			X.ci.n_labels = 1;
		}
		X.ev.container = &X.ci;
		X.ev.container_key = 42;
	}
	return &X.ev;
}

static int on_alert(const struct rules_alert *a, void *ctx)
{
	(void)a;
	(void)ctx;
	return 0;
}

static void expect(struct rules_engine *e, const char *rule, bool fires, struct exec_spec s)
{
	int got = rules_eval_rule(e, rule_index(e, rule), exec_of(&s), on_alert, NULL);

	if (got != (fires ? 1 : 0))
		fail_msg("%s on %s [%s] parent %s: expected %s", rule, s.exe, s.argv, s.parent,
			 fires ? "a match" : "none");
}

static void test_loads_and_is_served(void **state)
{
	struct rules_engine *e = protect_set();
	struct rules_exec_match m;
	struct fguard_plan plan;
	const char *why = NULL;
	bool served = false;

	(void)state;
	assert_int_equal(rules_engine_cannot_fire_count(e), 0);
	for (size_t i = 0; i < rules_engine_rule_count(e); i++)
		assert_int_not_equal(rules_engine_rule(e, i)->action.type, RULES_ACTION_ALERT);
	/* the denylist is the kernel's to decide, at exec, in containers */
	assert_int_equal(rules_engine_exec_match(e, rule_index(e, R_DENYLIST), &m, &why), 0);
	assert_true(m.container_only);
	assert_true(m.n_names >= 40 && m.n_argv0s == m.n_names);
	/* the account files are marked by fanotify, and the deny kills */
	assert_int_equal(fguard_plan_build(e, &plan, NULL), 0);
	for (size_t i = 0; i < plan.n; i++)
		served |= plan.rules[i].index == rule_index(e, R_WRITE) && plan.rules[i].n_paths == 6;
	assert_true(served);
	assert_true(rules_engine_rule(e, rule_index(e, R_WRITE))->action.kill);
	fguard_plan_release(&plan);
	rules_engine_free(e);
}

static void test_shell(void **state)
{
	struct rules_engine *e = protect_set();
	const char *img = "web:1";

	(void)state;
	/* docker exec: runc starts it, with or without a terminal */
	expect(e, R_SHELL, true, (struct exec_spec){ "/bin/sh", "sh -c id", "sh", "runc", img, NULL, 7, 0 });
	expect(e, R_SHELL, true, (struct exec_spec){ "/bin/bash", "bash", "bash", "runc", img, NULL, 9, 34816 });
	/* a busybox applet from a busybox shell: comm "exe", argv[0] the shell */
	expect(e, R_SHELL, true, (struct exec_spec){ "/bin/busybox", "ash", "exe", "runc", img, NULL, 9, 0 });
	/* busybox by its own name, a shell applet its first argument */
	expect(e, R_SHELL, true, (struct exec_spec){ "/bin/busybox", "busybox sh -c id", "busybox", "runc", img, NULL, 7, 0 });
	expect(e, R_SHELL, true, (struct exec_spec){ "/bin/busybox", "/bin/busybox ash", "busybox", "runc", img, NULL, 7, 34816 });
	expect(e, R_SHELL, true, (struct exec_spec){ "/bin/busybox", "busybox sh", "busybox", "containerd-shim", img, NULL, 1, 0 });
	expect(e, R_SHELL, false, (struct exec_spec){ "/bin/busybox", "busybox sha256sum /etc/hostname", "busybox", "runc", img, NULL, 7, 0 });
	expect(e, R_SHELL, false, (struct exec_spec){ "/bin/busybox", "busybox sh -c sleep 30", "busybox", "containerd-shim", img, NULL, 1, 0 });
	/* an interactive shell on a terminal behind another program:
	 * `docker exec -it C time sh` */
	expect(e, R_SHELL, true, (struct exec_spec){ "/bin/sh", "sh", "sh", "time", img, NULL, 9, 34816 });
	expect(e, R_SHELL, true, (struct exec_spec){ "/bin/busybox", "busybox sh", "busybox", "time", img, NULL, 9, 34816 });
	/* near misses: a command for it, or no terminal */
	expect(e, R_SHELL, false, (struct exec_spec){ "/bin/sh", "sh -c id", "sh", "time", img, NULL, 9, 34816 });
	expect(e, R_SHELL, false, (struct exec_spec){ "/bin/sh", "sh", "sh", "time", img, NULL, 9, 0 });
	/* an interactive shell as the container's first process */
	expect(e, R_SHELL, true, (struct exec_spec){ "/bin/sh", "sh", "sh", "containerd-shim", img, NULL, 1, 0 });
	expect(e, R_SHELL, true, (struct exec_spec){ "/bin/sh", "sh -i", "sh", "containerd-shim", img, NULL, 1, 34816 });
	/* near misses: a scripted entry point, a shell the application starts,
	 * a debug container (label, image), the host */
	expect(e, R_SHELL, false, (struct exec_spec){ "/bin/sh", "sh -c sleep 30", "sh", "containerd-shim", img, NULL, 1, 0 });
	expect(e, R_SHELL, false, (struct exec_spec){ "/bin/sh", "sh /run.sh", "sh", "containerd-shim", img, NULL, 1, 0 });
	expect(e, R_SHELL, false, (struct exec_spec){ "/bin/sh", "sh -c id", "sh", "nginx", img, NULL, 12, 0 });
	expect(e, R_SHELL, false, (struct exec_spec){ "/bin/sh", "sh -c id", "sh", "runc", img, "true", 7, 0 });
	expect(e, R_SHELL, false, (struct exec_spec){ "/bin/sh", "sh -c id", "sh", "runc", "tools-debug:2", NULL, 7, 0 });
	expect(e, R_SHELL, false, (struct exec_spec){ "/bin/sh", "sh -c id", "sh", "runc", NULL, NULL, 7, 0 });
	/* a script whose interpreter is a shell is not a shell someone opened */
	expect(e, R_SHELL, false, (struct exec_spec){ "/bin/dash", "/entrypoint.sh", "entrypoint.sh", "runc", img, NULL, 7, 0 });
	rules_engine_free(e);
}

static void test_denylist(void **state)
{
	struct rules_engine *e = protect_set();
	const char *img = "web:1";

	(void)state;
	expect(e, R_DENYLIST, true, (struct exec_spec){ "/tmp/xmrig", "./xmrig", "xmrig", "sh", img, NULL, 5, 0 });
	expect(e, R_DENYLIST, true, (struct exec_spec){ "/bin/busybox", "nmap", "exe", "sh", img, NULL, 5, 0 });
	expect(e, R_DENYLIST, false, (struct exec_spec){ "/tmp/xmrig", "xmrig", "xmrig", "sh", NULL, NULL, 5, 0 });
	expect(e, R_DENYLIST, false, (struct exec_spec){ "/bin/ls", "ls", "ls", "sh", img, NULL, 5, 0 });
	/* the kernel's rule has it: the user-space one does not kill it twice */
	expect(e, R_RENAMED, false, (struct exec_spec){ "/tmp/xmrig", "xmrig", "xmrig", "sh", img, NULL, 5, 0 });
	/* renamed or linked: by the resolved path, a path argv[0], the pool URL */
	expect(e, R_RENAMED, true, (struct exec_spec){ "/opt/xmrig", "kworker", "kworker", "sh", img, NULL, 5, 0 });
	expect(e, R_RENAMED, true, (struct exec_spec){ "/tmp/k", "/usr/local/bin/masscan -p1-65535 10.0.0.0/8", "k", "sh", img, NULL, 5, 0 });
	expect(e, R_RENAMED, true, (struct exec_spec){ "/tmp/k", "kworker -o stratum+tcp://pool.example:3333 -u x", "kworker", "sh", img, NULL, 5, 0 });
	expect(e, R_RENAMED, true, (struct exec_spec){ "/tmp/k", "kworker --donate-level 1", "kworker", "sh", img, NULL, 5, 0 });
	/* near misses: an ordinary command line, a name that only contains one */
	expect(e, R_RENAMED, false, (struct exec_spec){ "/tmp/k", "kworker -o pool.example:3333", "kworker", "sh", img, NULL, 5, 0 });
	expect(e, R_RENAMED, false, (struct exec_spec){ "/usr/bin/nmap-helper", "nmap-helper", "nmap-helper", "sh", img, NULL, 5, 0 });
	rules_engine_free(e);
}

/* kill: true and pin: true belong to deny: elsewhere each is a load error
 * that says so. */
static void expect_deny_only(const char *action, const char *said_text)
{
	char bad[256];
	struct rules_config cfg;
	struct rules_engine *e = NULL;
	bool said = false;
	int n = snprintf(bad, sizeof(bad), "- rule: r\n  desc: d\n  output: o\n  priority: WARNING\n"
			 "  condition: evt.type = execve\n  action: %s\n", action);

	rules_config_default(&cfg);
	assert_int_equal(rules_engine_new(&cfg, &e), 0);
	assert_int_not_equal(rules_engine_add_buffer(e, "bad.yaml", bad, (size_t)n) ?:
			     rules_engine_compile(e), 0);
	for (size_t i = 0; i < rules_engine_diag_count(e); i++)
		said |= strstr(rules_engine_diag(e, i)->text, said_text) != NULL;
	assert_true(said);
	rules_engine_free(e);
}

static void test_kill_goes_with_deny(void **state)
{
	(void)state;
	expect_deny_only("{type: pause, kill: true}", "'kill: true' goes with 'type: deny'");
	expect_deny_only("{type: kill, pin: true}", "'pin: true' goes with 'type: deny'");
}

/* The protect set pins the account files: the write rule says pin: true. */
static void test_account_files_pinned(void **state)
{
	struct rules_engine *e = protect_set();
	bool pinned = false;

	(void)state;
	for (size_t i = 0; i < rules_engine_rule_count(e); i++) {
		const struct rules_rule_info *r = rules_engine_rule(e, i);

		if (!strcmp(r->name, "Protect - account file write denied"))
			pinned = r->action.pin && r->action.kill && r->action.type == RULES_ACTION_DENY;
	}
	assert_true(pinned);
	rules_engine_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loads_and_is_served),
		cmocka_unit_test(test_shell),
		cmocka_unit_test(test_denylist),
		cmocka_unit_test(test_kill_goes_with_deny),
		cmocka_unit_test(test_account_files_pinned),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
