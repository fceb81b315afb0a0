/* The process table: fork/exec/exit, the parent chain, reaping, eviction. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proc/proc.h"

struct exec_buf {
	struct ev_exec rec;
	char data[256];
};

/* Applies a synthetic record through the real decoder. */
static const struct proc_entry *apply(struct proc_table *t, const void *rec, size_t len)
{
	static struct event ev;

	assert_int_equal(event_decode(rec, len, &ev), 0);
	proc_table_apply(t, &ev);
	return ev.proc;
}

static const struct proc_entry *do_exec(struct proc_table *t, uint32_t pid, uint32_t ppid,
					const char *comm, const char *exe_pieces,
					size_t exe_len, const char *args, size_t args_len)
{
	struct exec_buf b;

	memset(&b, 0, sizeof(b));
	b.rec.hdr.kind = EV_EXEC;
	b.rec.hdr.pid = b.rec.hdr.tid = pid;
	b.rec.hdr.ppid = ppid;
	b.rec.hdr.uid = 1000;
	strncpy(b.rec.hdr.comm, comm, sizeof(b.rec.hdr.comm) - 1);
	memcpy(b.data, exe_pieces, exe_len);
	memcpy(b.data + exe_len, args, args_len);
	memcpy(b.data + exe_len + args_len, "\0", 1);
	b.rec.exe_len = (uint32_t)exe_len;
	b.rec.args_len = (uint32_t)args_len;
	b.rec.cwd_len = 1;
	b.rec.hdr.size = (uint32_t)(sizeof(b.rec) + exe_len + args_len + 1);
	return apply(t, &b, b.rec.hdr.size);
}

static const struct proc_entry *do_fork(struct proc_table *t, uint32_t child, uint32_t parent)
{
	struct ev_fork f = { .hdr = { .kind = EV_FORK, .size = sizeof(f), .pid = child,
				      .tid = child, .ppid = parent, .comm = "forked" } };

	return apply(t, &f, sizeof(f));
}

static const struct proc_entry *do_exit(struct proc_table *t, uint32_t pid, uint32_t status)
{
	struct ev_exit x = { .hdr = { .kind = EV_EXIT, .size = sizeof(x), .pid = pid },
			     .exit_code = status };

	return apply(t, &x, sizeof(x));
}

static void test_fork_inherits_exec_replaces(void **state)
{
	struct proc_table *t;
	const struct proc_entry *p;

	(void)state;
	assert_int_equal(proc_table_new(128, &t), 0);
	do_exec(t, 100, 1, "bash", "bash\0bin\0", 9, "bash\0-l\0", 8);
	p = do_fork(t, 101, 100);
	assert_non_null(p);
	assert_string_equal(p->exe, "/bin/bash"); /* a child starts as its parent */
	assert_int_equal(p->args_len, 8);
	assert_int_equal(p->ppid, 100);
	p = do_exec(t, 101, 100, "ls", "ls\0bin\0", 7, "ls\0-l\0", 6);
	assert_string_equal(p->exe, "/bin/ls");
	assert_memory_equal(p->args, "ls\0-l\0", 6);
	assert_string_equal(p->comm, "ls");
	assert_int_equal(p->uid, 1000);
	assert_ptr_equal(proc_table_get(t, 101), p);
	proc_table_free(t);
}

static void test_ancestors(void **state)
{
	struct proc_table *t;
	const struct proc_entry *leaf, *a;

	(void)state;
	assert_int_equal(proc_table_new(128, &t), 0);
	do_exec(t, 1, 0, "init", "init\0sbin\0", 10, "init\0", 5);
	do_exec(t, 10, 1, "sshd", "sshd\0sbin\0", 10, "sshd\0", 5);
	do_exec(t, 20, 10, "bash", "bash\0bin\0", 9, "bash\0", 5);
	leaf = do_exec(t, 30, 20, "cat", "cat\0bin\0", 8, "cat\0", 4);
	a = proc_table_ancestor(t, leaf, 1);
	assert_non_null(a);
	assert_string_equal(a->comm, "bash");
	assert_string_equal(proc_table_ancestor(t, leaf, 2)->comm, "sshd");
	assert_string_equal(proc_table_ancestor(t, leaf, 3)->comm, "init");
	assert_null(proc_table_ancestor(t, leaf, 4)); /* nothing above pid 1 */
	assert_null(proc_table_ancestor(t, leaf, PROC_ANCESTORS_MAX + 1));
	assert_ptr_equal(proc_table_ancestor(t, leaf, 0), leaf);
	proc_table_free(t);
}

static void test_exit_keeps_entry_then_reaps(void **state)
{
	struct proc_table *t;
	struct proc_table_stats st;
	const struct proc_entry *p;
	int i;

	(void)state;
	assert_int_equal(proc_table_new(PROC_EXITED_GRACE * 2, &t), 0);
	do_exec(t, 50, 1, "job", "job\0", 4, "job\0", 4);
	p = do_exit(t, 50, 9); /* killed by SIGKILL */
	assert_true(p->exited);
	assert_int_equal(p->exit_code, 9);
	assert_non_null(proc_table_get(t, 50)); /* still there for late events */
	for (i = 0; i < PROC_EXITED_GRACE + 1; i++)
		do_exec(t, 1000 + (uint32_t)i % 100, 1, "x", "x\0", 2, "x\0", 2);
	assert_null(proc_table_get(t, 50));
	proc_table_stats(t, &st);
	assert_int_equal(st.evictions, 0);
	proc_table_free(t);
}

static void test_pid_reuse_survives_reaping(void **state)
{
	struct proc_table *t;
	int i;

	(void)state;
	assert_int_equal(proc_table_new(PROC_EXITED_GRACE * 2, &t), 0);
	do_exec(t, 60, 1, "old", "old\0", 4, "old\0", 4);
	do_exit(t, 60, 0);
	do_fork(t, 60, 1); /* the pid comes back before the old entry is reaped */
	for (i = 0; i < PROC_EXITED_GRACE + 1; i++)
		do_exec(t, 2000 + (uint32_t)i % 10, 1, "x", "x\0", 2, "x\0", 2);
	assert_non_null(proc_table_get(t, 60));
	assert_false(proc_table_get(t, 60)->exited);
	proc_table_free(t);
}

static void test_bounded_eviction_prefers_exited(void **state)
{
	struct proc_table *t;
	struct proc_table_stats st;
	uint32_t pid;

	(void)state;
	assert_int_equal(proc_table_new(64, &t), 0);
	for (pid = 100; pid < 164; pid++)
		do_exec(t, pid, 1, "p", "p\0", 2, "p\0", 2);
	do_exit(t, 130, 0);
	do_exec(t, 500, 1, "new", "new\0", 4, "new\0", 4);
	proc_table_stats(t, &st);
	assert_int_equal(st.entries, 64);
	assert_int_equal(st.evictions, 1);
	assert_null(proc_table_get(t, 130)); /* the exited one went first */
	assert_non_null(proc_table_get(t, 100));
	do_exec(t, 501, 1, "new", "new\0", 4, "new\0", 4);
	assert_null(proc_table_get(t, 100)); /* then the least recently touched */
	proc_table_free(t);
}

static void test_unknown_parent_counted(void **state)
{
	struct proc_table *t;
	struct proc_table_stats st;
	const struct proc_entry *p;

	(void)state;
	assert_int_equal(proc_table_new(64, &t), 0);
	p = do_fork(t, 77, 76);
	assert_string_equal(p->exe, "");
	do_exit(t, 78, 0);
	proc_table_stats(t, &st);
	assert_int_equal(st.misses, 2);
	proc_table_free(t);
	assert_int_equal(proc_table_new(0, &t), -EINVAL);
	proc_table_free(NULL);
}

static void emit_count(const void *rec, size_t len, void *ctx)
{
	static struct event ev;

	assert_int_equal(event_decode(rec, len, &ev), 0);
	assert_int_equal(ev.kind, EV_PROC_SNAPSHOT);
	(*(int *)ctx)++;
}

static void test_snapshot_of_real_proc(void **state)
{
	int n = 0;

	(void)state;
	assert_true(proc_snapshot("/proc", NULL, false, emit_count, &n) > 0);
	assert_true(n > 0);
	assert_true(proc_snapshot("/nonexistent", NULL, false, emit_count, &n) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fork_inherits_exec_replaces),
		cmocka_unit_test(test_ancestors),
		cmocka_unit_test(test_exit_keeps_entry_then_reaps),
		cmocka_unit_test(test_pid_reuse_survives_reaping),
		cmocka_unit_test(test_bounded_eviction_prefers_exited),
		cmocka_unit_test(test_unknown_parent_counted),
		cmocka_unit_test(test_snapshot_of_real_proc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
