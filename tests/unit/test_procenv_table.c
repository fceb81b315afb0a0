/*
 * Process groups, sessions and environments through the decoder and the
 * process table: exec records them, fork takes the group from its record
 * and the environment from the parent, malformed records are refused, and
 * the /proc seeding reads what the kernel side reads (a real child with its
 * own process group and a known environment); recordings of the previous
 * ABI are refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "proc/proc.h"
#include "record/record.h"

struct exec_buf {
	struct ev_exec rec;
	char data[EV_EXEC_DATA_MAX];
};

/* An exec of /bin/sh with this environment (env NULL: not read). */
static size_t build_exec(struct exec_buf *b, uint32_t pid, const char *env, size_t env_len,
			 struct ev_pgrp pgrp)
{
	memset(b, 0, sizeof(*b));
	b->rec.hdr.kind = EV_EXEC;
	b->rec.hdr.pid = b->rec.hdr.tid = b->rec.hdr.vpid = pid;
	b->rec.hdr.ppid = 1;
	memcpy(b->rec.hdr.comm, "sh", 3);
	memcpy(b->data, "sh\0bin\0", 7);
	memcpy(b->data + 7, "sh\0", 3);
	b->rec.exe_len = 7;
	b->rec.args_len = 3;
	b->rec.cwd_len = 0;
	b->rec.pgrp = pgrp;
	if (env) {
		memcpy(b->data + 10, env, env_len);
		b->rec.env_len = (uint32_t)env_len;
		b->rec.env_flags = EV_ENV_READ;
	}
	b->rec.hdr.size = (uint32_t)(sizeof(b->rec) + 10 + b->rec.env_len);
	return b->rec.hdr.size;
}

static const struct proc_entry *apply(struct proc_table *t, const void *rec, size_t len)
{
	static struct event ev;

	assert_int_equal(event_decode(rec, len, &ev), 0);
	proc_table_apply(t, &ev);
	return ev.proc;
}

static void test_decode_env_and_groups(void **state)
{
	static struct exec_buf b;
	struct ev_pgrp g = { .pgid = 500, .vpgid = 5, .sid = 400, .vsid = 1 };
	struct event ev;
	size_t n;

	(void)state;
	n = build_exec(&b, 500, "A=1\0B=2\0", 8, g);
	assert_int_equal(event_decode(&b, n, &ev), 0);
	assert_true(ev.env_known);
	assert_int_equal(ev.env_len, 8);
	assert_memory_equal(ev.env, "A=1\0B=2\0", 8);
	assert_int_equal(ev.pgrp.pgid, 500);
	assert_int_equal(ev.pgrp.vpgid, 5);
	assert_int_equal(ev.pgrp.sid, 400);
	assert_int_equal(ev.pgrp.vsid, 1);
	assert_string_equal(ev.exe, "/bin/sh");

	/* Not read: unknown, not empty. */
	n = build_exec(&b, 500, NULL, 0, g);
	assert_int_equal(event_decode(&b, n, &ev), 0);
	assert_false(ev.env_known);
	assert_int_equal(ev.env_len, 0);

	/* Read and empty (a process started with no environment). */
	n = build_exec(&b, 500, "", 0, g);
	assert_int_equal(event_decode(&b, n, &ev), 0);
	assert_true(ev.env_known);
}

static void test_decode_refuses_bad_env(void **state)
{
	static struct exec_buf b;
	struct ev_pgrp g = { 0 };
	struct event ev;
	size_t n;

	(void)state;
	/* Bytes of environment without the flag that says it was read. */
	n = build_exec(&b, 7, "A=1\0", 4, g);
	b.rec.env_flags = 0;
	assert_int_equal(event_decode(&b, n, &ev), -EINVAL);
	/* Longer than the kernel ever sends. */
	n = build_exec(&b, 7, "A=1\0", 4, g);
	b.rec.env_len = EV_ENV_MAX + 1;
	assert_int_equal(event_decode(&b, n, &ev), -EINVAL);
	/* Sizes that do not add up to the record. */
	n = build_exec(&b, 7, "A=1\0", 4, g);
	b.rec.env_len = 3;
	assert_int_equal(event_decode(&b, n, &ev), -EINVAL);
	/* A fork record of the size before the groups joined (ABI 2). */
	struct ev_fork f = { .hdr = { .kind = EV_FORK, .size = 144, .pid = 8 } };
	assert_int_equal(event_decode(&f, sizeof(f), &ev), -EINVAL);
}

static void test_table_exec_fork_exec(void **state)
{
	static struct exec_buf b;
	struct proc_table *t;
	const struct proc_entry *p;
	struct ev_pgrp g = { .pgid = 100, .vpgid = 100, .sid = 90, .vsid = 90 };
	struct ev_fork f = { .hdr = { .kind = EV_FORK, .size = sizeof(f), .pid = 101, .tid = 101,
				      .ppid = 100, .comm = "sh" },
			     .pgrp = { .pgid = 100, .vpgid = 100, .sid = 90, .vsid = 90 } };

	(void)state;
	assert_int_equal(proc_table_new(64, &t), 0);
	p = apply(t, &b, build_exec(&b, 100, "HOME=/root\0GLIBC_TUNABLES=x\0", 28, g));
	assert_true(p->env_known && p->pgrp_known);
	assert_int_equal(p->env_len, 28);
	assert_int_equal(p->pgrp.sid, 90);

	/* fork: the environment comes from the parent, the group from the record */
	p = apply(t, &f, sizeof(f));
	assert_true(p->env_known);
	assert_int_equal(p->env_len, 28);
	assert_memory_equal(p->env, "HOME=/root\0GLIBC_TUNABLES=x\0", 28);
	assert_int_equal(p->pgrp.pgid, 100);

	/* exec in the child after setpgid(0, 0), without the variable */
	g.pgid = g.vpgid = 101;
	p = apply(t, &b, build_exec(&b, 101, "HOME=/root\0", 11, g));
	assert_int_equal(p->env_len, 11);
	assert_int_equal(p->pgrp.pgid, 101);
	assert_int_equal(proc_table_get(t, 100)->pgrp.pgid, 100); /* parent unchanged */

	/* exec with the capture off: the environment becomes unknown again */
	p = apply(t, &b, build_exec(&b, 101, NULL, 0, g));
	assert_false(p->env_known);
	assert_int_equal(p->env_len, 0);

	/* a fork whose parent is unknown: group known, environment not */
	f.hdr.pid = f.hdr.tid = 300;
	f.hdr.ppid = 299;
	p = apply(t, &f, sizeof(f));
	assert_true(p->pgrp_known);
	assert_false(p->env_known);
	proc_table_free(t);
}

/* The snapshot record of one pid, kept by the emit callback. */
static struct {
	pid_t pid;
	struct exec_buf rec;
	bool found;
} S;

static void keep_pid(const void *rec, size_t len, void *ctx)
{
	const struct ev_header *h = rec;

	(void)ctx;
	if (h->pid != (uint32_t)S.pid || len > sizeof(S.rec))
		return;
	memcpy(&S.rec, rec, len);
	S.found = true;
}

static void test_snapshot_reads_group_and_environ(void **state)
{
	char *const argv[] = { "sleep", "30", NULL };
	char *const envp[] = { "PROCENV_UNIT=42", "OTHER=x y", NULL };
	static const char want[] = "PROCENV_UNIT=42\0OTHER=x y\0";
	int pipefd[2], status;
	struct event ev;
	char c;

	(void)state;
	assert_int_equal(pipe(pipefd), 0);
	S.pid = fork();
	assert_true(S.pid >= 0);
	if (S.pid == 0) {
		/* its own group, as a shell with job control makes one */
		setpgid(0, 0);
		close(pipefd[0]);
		if (fcntl(pipefd[1], F_SETFD, FD_CLOEXEC) < 0)
			_exit(126);
		execve("/bin/sleep", argv, envp);
		_exit(127);
	}
	close(pipefd[1]);
	/* EOF once the exec closed the pipe: the new image's environ is in place. */
	assert_int_equal(read(pipefd[0], &c, 1), 0);
	close(pipefd[0]);

	S.found = false;
	assert_true(proc_snapshot("/proc", NULL, true, keep_pid, NULL) > 0);
	assert_true(S.found);
	assert_int_equal(event_decode(&S.rec, S.rec.rec.hdr.size, &ev), 0);
	assert_true(ev.env_known);
	assert_int_equal(ev.env_len, sizeof(want) - 1);
	assert_memory_equal(ev.env, want, sizeof(want) - 1);
	assert_int_equal(ev.pgrp.pgid, (uint32_t)S.pid);
	assert_int_equal(ev.pgrp.vpgid, (uint32_t)S.pid); /* same pid ns as this test */
	assert_int_equal(ev.pgrp.sid, (uint32_t)getsid(0));
	assert_int_equal(ev.pgrp.vsid, (uint32_t)getsid(0));

	/* without with_env: groups still there, the environment unknown */
	S.found = false;
	assert_true(proc_snapshot("/proc", NULL, false, keep_pid, NULL) > 0);
	assert_true(S.found);
	assert_int_equal(event_decode(&S.rec, S.rec.rec.hdr.size, &ev), 0);
	assert_false(ev.env_known);
	assert_int_equal(ev.pgrp.pgid, (uint32_t)S.pid);

	kill(S.pid, SIGKILL);
	waitpid(S.pid, &status, 0);
}

/* A recording of the ABI before groups and environments joined is refused
 * at open (its exec and fork records have other sizes), not misread. */
static void test_abi2_recording_refused(void **state)
{
	char path[] = "/tmp/palisade-procenv-rec.XXXXXX";
	uint32_t abi = 2;
	struct record_writer *w;
	struct record_reader *r = NULL;
	FILE *f;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(record_writer_open(path, false, 1, "h", &w), 0);
	assert_int_equal(record_writer_close(w), 0);
	assert_int_equal(record_reader_open(path, &r), 0);
	record_reader_close(r);
	f = fopen(path, "r+");
	assert_non_null(f);
	fseek(f, (long)offsetof(struct record_header, abi_version), SEEK_SET);
	assert_int_equal(fwrite(&abi, sizeof(abi), 1, f), 1);
	fclose(f);
	assert_int_equal(record_reader_open(path, &r), -EPROTO);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_env_and_groups),
		cmocka_unit_test(test_decode_refuses_bad_env),
		cmocka_unit_test(test_table_exec_fork_exec),
		cmocka_unit_test(test_snapshot_reads_group_and_environ),
		cmocka_unit_test(test_abi2_recording_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
