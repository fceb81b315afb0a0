/*
 * The pure parts of the fanotify guard: the caller's syscall as
 * /proc/TID/syscall prints it, the open flags of each open-family call, the
 * write test on flags, the decision table, action scopes, the latency
 * histogram, the translation of rules into paths to mark (which rules are
 * served, which are refused and why), and a rule judged on the synthetic
 * event the guard builds.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include <cmocka.h>

#include "action/action.h"
#include "action/fanotify_guard.h"
#include "action/fguard_internal.h"
#include "container/container.h"
#include "proc/proc.h"

static void test_parse_syscall(void **state)
{
	struct fguard_syscall sc;

	(void)state;
	/* As read from a shell blocked in openat(AT_FDCWD, p, O_WRONLY|O_CREAT|O_APPEND, 0666). */
	assert_int_equal(fguard_parse_syscall("257 0xffffff9c 0x5562204d25c0 0x441 0x1b6 0x0 0x20 "
					      "0x7ffd58d312a0 0x7f1c0299f011\n", &sc), 0);
	assert_int_equal(sc.nr, SYS_openat);
	assert_int_equal(sc.args[0], 0xffffff9c);
	assert_int_equal(sc.args[2], 0x441);
	assert_int_equal(sc.args[3], 0666);
	assert_int_equal(fguard_parse_syscall("running\n", &sc), -EBUSY);
	assert_int_equal(fguard_parse_syscall("-1 0x7ffd 0x7f1c\n", &sc), -ENOENT);
	assert_int_equal(fguard_parse_syscall("", &sc), -EINVAL);
	assert_int_equal(fguard_parse_syscall("257 0x1 0x2", &sc), -EINVAL); /* cut short */
	assert_int_equal(fguard_parse_syscall("257 1 2 3 4 5 6", &sc), -EINVAL);
}

static uint64_t user_flags;
static int fake_read_user(void *ctx, uint64_t addr, void *buf, size_t len)
{
	(void)ctx;
	if (addr != 0x1000 || len != sizeof(user_flags))
		return -EFAULT;
	memcpy(buf, &user_flags, len);
	return 0;
}

static void test_open_flags(void **state)
{
	struct fguard_syscall sc = { 0 };
	uint64_t flags;

	(void)state;
	sc.nr = SYS_openat;
	sc.args[2] = O_RDWR | O_CLOEXEC;
	assert_int_equal(fguard_open_flags(&sc, fake_read_user, NULL, &flags), 0);
	assert_int_equal(flags, O_RDWR | O_CLOEXEC);
#ifdef SYS_open
	sc.nr = SYS_open;
	sc.args[1] = O_WRONLY | O_TRUNC;
	assert_int_equal(fguard_open_flags(&sc, fake_read_user, NULL, &flags), 0);
	assert_int_equal(flags, O_WRONLY | O_TRUNC);
#endif
#ifdef SYS_creat
	sc.nr = SYS_creat;
	assert_int_equal(fguard_open_flags(&sc, fake_read_user, NULL, &flags), 0);
	assert_int_equal(flags, O_CREAT | O_WRONLY | O_TRUNC);
#endif
	/* openat2: struct open_how in the caller's memory. */
	sc.nr = SYS_openat2;
	sc.args[2] = 0x1000;
	user_flags = O_WRONLY | O_APPEND;
	assert_int_equal(fguard_open_flags(&sc, fake_read_user, NULL, &flags), 0);
	assert_int_equal(flags, O_WRONLY | O_APPEND);
	sc.args[2] = 0x2000;
	assert_int_equal(fguard_open_flags(&sc, fake_read_user, NULL, &flags), -EFAULT);
	sc.nr = SYS_open_by_handle_at;
	sc.args[2] = O_RDONLY;
	assert_int_equal(fguard_open_flags(&sc, fake_read_user, NULL, &flags), 0);
	assert_int_equal(flags, O_RDONLY);
	sc.nr = SYS_read;
	assert_int_equal(fguard_open_flags(&sc, fake_read_user, NULL, &flags), -ENOSYS);
	assert_true(fguard_is_open_syscall(SYS_openat2));
	assert_false(fguard_is_open_syscall(SYS_execve));
	assert_true(fguard_is_exec_syscall(SYS_execveat));
	assert_false(fguard_is_exec_syscall(SYS_openat));
}

static void test_flags_write(void **state)
{
	(void)state;
	assert_false(fguard_flags_write(O_RDONLY));
	assert_false(fguard_flags_write(O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
	assert_false(fguard_flags_write(O_RDONLY | O_CREAT)); /* an existing file is not changed */
	assert_true(fguard_flags_write(O_WRONLY));
	assert_true(fguard_flags_write(O_RDWR));
	assert_true(fguard_flags_write(O_WRONLY | O_APPEND));
	assert_true(fguard_flags_write(O_RDONLY | O_TRUNC)); /* Linux truncates */
}

static void test_verdict_table(void **state)
{
	(void)state;
	/* not matched: allowed whatever the mode */
	for (int rule = -1; rule <= 1; rule++) {
		assert_int_equal(fguard_verdict(false, rule, true), FGUARD_ALLOW);
		assert_int_equal(fguard_verdict(false, rule, false), FGUARD_ALLOW);
	}
	/* matched: the rule's enforce wins over the global mode */
	assert_int_equal(fguard_verdict(true, -1, true), FGUARD_DENY);
	assert_int_equal(fguard_verdict(true, -1, false), FGUARD_WOULD_DENY);
	assert_int_equal(fguard_verdict(true, 1, false), FGUARD_DENY);
	assert_int_equal(fguard_verdict(true, 0, true), FGUARD_WOULD_DENY);
	assert_string_equal(fguard_verdict_name(FGUARD_WOULD_DENY), "would deny");
	assert_string_equal(fguard_verdict_name(FGUARD_DENY), "denied");
}

static void test_scope(void **state)
{
	struct container_label lbl = { "team", "payments" };
	struct container_info c = { .name = "fanotify-web", .image = "nginx:1.25", .labels = &lbl,
				    .n_labels = 1, .has_metadata = true };
	struct rules_action_spec s = { .type = RULES_ACTION_DENY };

	(void)state;
	assert_true(fguard_in_scope(&s, NULL));
	assert_true(fguard_in_scope(&s, &c));
	s.where = RULES_SCOPE_HOST;
	assert_true(fguard_in_scope(&s, NULL));
	assert_false(fguard_in_scope(&s, &c));
	s.where = RULES_SCOPE_CONTAINERS;
	assert_false(fguard_in_scope(&s, NULL));
	assert_true(fguard_in_scope(&s, &c));
	s.name_glob = "fanotify-*";
	assert_true(fguard_in_scope(&s, &c));
	s.image_glob = "redis:*";
	assert_false(fguard_in_scope(&s, &c));
	s.image_glob = "nginx:*";
	s.label_key = "team";
	s.label_glob = "pay*";
	assert_true(fguard_in_scope(&s, &c));
	s.label_key = "owner";
	assert_false(fguard_in_scope(&s, &c));
}

static void test_histogram(void **state)
{
	struct metrics_hist *h = calloc(1, sizeof(*h));
	uint64_t p50, p99;

	(void)state;
	assert_non_null(h);
	assert_int_equal(metrics_hist_quantile(h, 0.5), 0);
	/* 1..10000 us, uniform: p50 = 5000 us, p99 = 9900 us, each within 1/8. */
	for (uint64_t us = 1; us <= 10000; us++)
		metrics_hist_add(h, us * 1000);
	p50 = metrics_hist_quantile(h, 0.5);
	p99 = metrics_hist_quantile(h, 0.99);
	assert_true(p50 >= 5000000 && p50 <= 5000000 + 5000000 / 8);
	assert_true(p99 >= 9900000 && p99 <= 9900000 + 9900000 / 8);
	assert_true(metrics_hist_quantile(h, 1.0) >= 10000000);
	metrics_hist_add(h, UINT64_MAX); /* clamped, not out of bounds */
	assert_int_equal(h->total, 10001);
	free(h);
}

static const char plan_rules[] =
	"- list: protected\n"
	"  items: [/etc/passwd, /etc/shadow]\n"
	"- rule: In list\n"
	"  desc: x\n"
	"  condition: evt.type in (open,openat) and evt.is_open_write=true and fd.name in (protected)\n"
	"  output: x\n"
	"  priority: WARNING\n"
	"  action: deny\n"
	"- rule: Prefix and directory\n"
	"  desc: x\n"
	"  condition: >\n"
	"    evt.type=openat and (fd.name startswith /etc/ssh/ or fd.directory = /root/.ssh\n"
	"    or fd.name pmatch (/var/secrets))\n"
	"  output: x\n"
	"  priority: WARNING\n"
	"  action: deny\n"
	"- rule: Exec path\n"
	"  desc: x\n"
	"  condition: evt.type=execve and proc.exepath = /usr/bin/nc and not user.name = root\n"
	"  output: x\n"
	"  priority: WARNING\n"
	"  action: deny\n"
	"- rule: Or unbounded\n"
	"  desc: x\n"
	"  condition: evt.type=openat and (fd.name = /etc/passwd or proc.name = vi)\n"
	"  output: x\n"
	"  priority: WARNING\n"
	"  action: deny\n"
	"- rule: Negated\n"
	"  desc: x\n"
	"  condition: evt.type=openat and not fd.name = /etc/passwd\n"
	"  output: x\n"
	"  priority: WARNING\n"
	"  action: deny\n"
	"- rule: Mixed types\n"
	"  desc: x\n"
	"  condition: evt.type in (openat, connect) and fd.name = /etc/passwd\n"
	"  output: x\n"
	"  priority: WARNING\n"
	"  action: deny\n"
	"- rule: Exec by name\n"
	"  desc: x\n"
	"  condition: evt.type=execve and proc.name = nc\n"
	"  output: x\n"
	"  priority: WARNING\n"
	"  action: deny\n"
	"- rule: Alert only\n"
	"  desc: x\n"
	"  condition: evt.type=openat and fd.name = /etc/hosts\n"
	"  output: x\n"
	"  priority: WARNING\n";

static struct rules_engine *load(const char *text)
{
	struct rules_engine *e = NULL;
	struct rules_config cfg;

	rules_config_default(&cfg);
	cfg.hostname = "test";
	assert_int_equal(rules_engine_new(&cfg, &e), 0);
	assert_int_equal(rules_engine_add_buffer(e, "t.yaml", text, strlen(text)), 0);
	assert_int_equal(rules_engine_compile(e), 0);
	return e;
}

static const struct fguard_rule *plan_rule(const struct fguard_plan *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->rules[i].info->name, name))
			return &p->rules[i];
	return NULL;
}

static void test_plan(void **state)
{
	struct rules_engine *e = load(plan_rules);
	struct fguard_plan plan;
	const struct fguard_rule *r;
	char *report = NULL;
	size_t report_len = 0;
	FILE *f = open_memstream(&report, &report_len);

	(void)state;
	assert_non_null(f);
	assert_int_equal(fguard_plan_build(e, &plan, f), 3);
	fclose(f);
	assert_int_equal(plan.n, 4);
	assert_true(plan.exec_by_name);

	r = plan_rule(&plan, "In list");
	assert_non_null(r);
	assert_int_equal(r->kind, FGUARD_OPEN);
	assert_int_equal(r->n_paths, 2);
	assert_true(fguard_rule_covers(r, "/etc/passwd", NULL));
	assert_true(fguard_rule_covers(r, "/etc/shadow", NULL));
	assert_false(fguard_rule_covers(r, "/etc/passwd-", NULL));

	r = plan_rule(&plan, "Prefix and directory");
	assert_non_null(r);
	assert_int_equal(r->n_paths, 3);
	assert_true(fguard_rule_covers(r, "/etc/ssh/sshd_config", NULL));
	assert_true(fguard_rule_covers(r, "/etc/ssh/keys/host_key", NULL));
	assert_false(fguard_rule_covers(r, "/etc/sshd", NULL));
	assert_true(fguard_rule_covers(r, "/root/.ssh/id_rsa", NULL));
	assert_false(fguard_rule_covers(r, "/root/.ssh/sub/id_rsa", NULL)); /* directly in only */
	assert_true(fguard_rule_covers(r, "/var/secrets/db", NULL));

	r = plan_rule(&plan, "Exec path");
	assert_non_null(r);
	assert_int_equal(r->kind, FGUARD_EXEC);
	assert_int_equal(r->n_paths, 1);
	assert_string_equal(r->paths[0].path, "/usr/bin/nc");
	assert_false(r->by_name);

	/* proc.name names no file: the filesystem is marked, the name compared. */
	r = plan_rule(&plan, "Exec by name");
	assert_non_null(r);
	assert_true(r->by_name);
	assert_true(fguard_rule_covers(r, "/bin/busybox", "nc"));
	assert_false(fguard_rule_covers(r, "/usr/bin/nc", "ncat"));
	assert_false(fguard_rule_covers(r, "/usr/bin/nc", NULL));

	assert_non_null(strstr(report, "rule 'Or unbounded': cannot be served by fanotify: an 'or'"));
	assert_non_null(strstr(report, "rule 'Negated': cannot be served by fanotify"));
	assert_non_null(strstr(report, "rule 'Mixed types': cannot be served by fanotify: its event types"));
	assert_null(strstr(report, "Exec by name"));
	assert_null(strstr(report, "Alert only")); /* not a deny rule: not ours */
	free(report);
	fguard_plan_release(&plan);
	rules_engine_free(e);
}

struct open_rec {
	struct ev_syscall rec;
	char data[EV_PATH_MAX];
};

/* The record the guard builds for an openat of path with flags by `comm`. */
static void synthetic_open(struct open_rec *r, struct event *ev, struct proc_table *t,
			   const char *path, uint64_t flags, const char *comm)
{
	struct proc_entry *p;
	bool trunc;

	memset(r, 0, sizeof(*r));
	r->rec.hdr.kind = EV_SYSCALL;
	r->rec.hdr.pid = r->rec.hdr.tid = 4242;
	snprintf(r->rec.hdr.comm, sizeof(r->rec.hdr.comm), "%s", comm);
	r->rec.nr = SYS_openat;
	r->rec.args[0] = (uint64_t)(int64_t)AT_FDCWD;
	r->rec.args[2] = flags;
	r->rec.path_flags = EV_PATH1_RESOLVED;
	r->rec.path_len = proc_encode_path(path, r->data, sizeof(r->data), &trunc);
	r->rec.hdr.size = (uint32_t)(sizeof(r->rec) + r->rec.path_len);
	assert_int_equal(event_decode(r, r->rec.hdr.size, ev), 0);
	proc_table_apply(t, ev);
	p = (struct proc_entry *)ev->proc;
	if (p)
		snprintf(p->comm, sizeof(p->comm), "%s", comm);
	ev->procs = t;
}

static void test_rule_on_synthetic_event(void **state)
{
	struct rules_engine *e = load(
		"- rule: Protect\n"
		"  desc: x\n"
		"  condition: >\n"
		"    evt.type in (open,openat) and (evt.is_open_write=true or evt.arg.flags contains O_TRUNC)\n"
		"    and fd.name = /etc/passwd and not proc.name = pkgmgr\n"
		"  output: denied %fd.name %evt.arg.flags\n"
		"  priority: WARNING\n"
		"  action: deny\n");
	struct open_rec *r = calloc(1, sizeof(*r));
	struct proc_table *t = NULL;
	struct event ev;

	(void)state;
	assert_non_null(r);
	assert_int_equal(proc_table_new(64, &t), 0);
	synthetic_open(r, &ev, t, "/etc/passwd", O_WRONLY | O_APPEND, "sh");
	assert_int_equal(rules_eval_rule(e, 0, &ev, NULL, NULL), 1);
	synthetic_open(r, &ev, t, "/etc/passwd", O_RDONLY | O_TRUNC, "sh");
	assert_int_equal(rules_eval_rule(e, 0, &ev, NULL, NULL), 1);
	synthetic_open(r, &ev, t, "/etc/passwd", O_RDONLY, "sh");
	assert_int_equal(rules_eval_rule(e, 0, &ev, NULL, NULL), 0);
	synthetic_open(r, &ev, t, "/etc/passwd", O_RDWR, "pkgmgr");
	assert_int_equal(rules_eval_rule(e, 0, &ev, NULL, NULL), 0);
	synthetic_open(r, &ev, t, "/etc/group", O_RDWR, "sh");
	assert_int_equal(rules_eval_rule(e, 0, &ev, NULL, NULL), 0);
	assert_int_equal(rules_eval_rule(e, 7, &ev, NULL, NULL), -EINVAL);
	proc_table_free(t);
	free(r);
	rules_engine_free(e);
}

/* The record of a deny rule's alert says what the guard did with that very
 * operation: done only when it refused it. */
static void record_of(struct fguard *g, uint32_t tid, enum ev_kind kind, int64_t res,
		      struct action_result *out)
{
	struct ev_header hdr = { .pid = 10, .tid = tid, .kind = kind, .ts_ns = fguard_boot_ns() };
	struct event ev = { .hdr = &hdr, .kind = kind, .res = res };
	struct rules_alert a = { .ev = &ev };
	struct action_target t = { .alert = &a, .pid = 10 };

	memset(out, 0, sizeof(*out));
	fguard_action_result(g, &t, out);
}

static void log_one(struct fguard *g, uint32_t tid, enum fguard_kind kind, enum fguard_verdict v,
		    enum fguard_answer_why why)
{
	g->log[g->log_next++ % FGUARD_OUTCOMES_MAX] = (struct fguard_logged){
		.o = { .verdict = v, .why = why, .ns = fguard_boot_ns() }, .tid = tid, .kind = kind
	};
}

static void test_action_result(void **state)
{
	struct fguard *g = calloc(1, sizeof(*g));
	struct action_result r;

	(void)state;
	assert_non_null(g);
	pthread_mutex_init(&g->log_lock, NULL);
	record_of(NULL, 7, EV_SYSCALL, 3, &r);
	assert_int_equal(r.outcome, ACTION_FAILED);

	/* never seen, and the open succeeded: missed */
	record_of(g, 7, EV_SYSCALL, 3, &r);
	assert_int_equal(r.outcome, ACTION_MISSED);
	assert_non_null(strstr(r.detail, "never saw this open"));
	/* never seen, and the open failed by itself */
	record_of(g, 7, EV_SYSCALL, -EACCES, &r);
	assert_int_equal(r.outcome, ACTION_FAILED);
	assert_non_null(strstr(r.detail, "failed by itself"));

	/* refused: done, once; another thread's answer does not count */
	log_one(g, 7, FGUARD_OPEN, FGUARD_DENY, FGUARD_WHY_JUDGED);
	record_of(g, 8, EV_SYSCALL, -EPERM, &r);
	assert_int_equal(r.outcome, ACTION_FAILED);
	record_of(g, 7, EV_EXEC, 0, &r); /* an exec is not that open */
	assert_int_equal(r.outcome, ACTION_MISSED);
	record_of(g, 7, EV_SYSCALL, -EPERM, &r);
	assert_int_equal(r.outcome, ACTION_DONE);
	assert_non_null(strstr(r.detail, "refused by fanotify before the open happened"));
	record_of(g, 7, EV_SYSCALL, 3, &r);
	assert_int_equal(r.outcome, ACTION_MISSED);

	/* seen and let through: failed, with why */
	log_one(g, 9, FGUARD_OPEN, FGUARD_ALLOW, FGUARD_WHY_TIMEOUT);
	record_of(g, 9, EV_SYSCALL, 3, &r);
	assert_int_equal(r.outcome, ACTION_FAILED);
	assert_non_null(strstr(r.detail, "the decision was late"));
	log_one(g, 9, FGUARD_EXEC, FGUARD_ALLOW, FGUARD_WHY_JUDGED);
	record_of(g, 9, EV_EXEC, 0, &r);
	assert_int_equal(r.outcome, ACTION_FAILED);
	assert_non_null(strstr(r.detail, "did not hold"));
	/* a timeout verdict of deny refused it too */
	log_one(g, 9, FGUARD_OPEN, FGUARD_DENY, FGUARD_WHY_TIMEOUT);
	record_of(g, 9, EV_SYSCALL, -EPERM, &r);
	assert_int_equal(r.outcome, ACTION_DONE);

	/* a later answer to the same thread (its next open, a read) is not the
	 * one of the operation that completed before it */
	log_one(g, 13, FGUARD_OPEN, FGUARD_DENY, FGUARD_WHY_JUDGED);
	{
		struct ev_header hdr = { .pid = 10, .tid = 13, .kind = EV_SYSCALL,
					 .ts_ns = fguard_boot_ns() };
		struct event ev = { .hdr = &hdr, .kind = EV_SYSCALL, .res = -EPERM };
		struct rules_alert a = { .ev = &ev };
		struct action_target t = { .alert = &a, .pid = 10 };

		g->log[g->log_next++ % FGUARD_OUTCOMES_MAX] = (struct fguard_logged){
			.o = { .verdict = FGUARD_ALLOW, .why = FGUARD_WHY_JUDGED,
			       .ns = hdr.ts_ns + 1000 }, .tid = 13, .kind = FGUARD_OPEN
		};
		fguard_action_result(g, &t, &r);
		assert_int_equal(r.outcome, ACTION_DONE);
	}

	/* the ring keeps the newest FGUARD_OUTCOMES_MAX answers */
	log_one(g, 11, FGUARD_OPEN, FGUARD_DENY, FGUARD_WHY_JUDGED);
	for (int i = 0; i < FGUARD_OUTCOMES_MAX; i++)
		log_one(g, 12, FGUARD_OPEN, FGUARD_ALLOW, FGUARD_WHY_JUDGED);
	record_of(g, 11, EV_SYSCALL, -EPERM, &r);
	assert_int_equal(r.outcome, ACTION_FAILED); /* overwritten: not claimed */
	pthread_mutex_destroy(&g->log_lock);
	free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_syscall),
		cmocka_unit_test(test_open_flags),
		cmocka_unit_test(test_flags_write),
		cmocka_unit_test(test_verdict_table),
		cmocka_unit_test(test_scope),
		cmocka_unit_test(test_histogram),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_rule_on_synthetic_event),
		cmocka_unit_test(test_action_result),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
