/*
 * The fd table: open/dup/close semantics, fork/exec/exit, what an event
 * learns from it, the bounds, seeding from a fake /proc tree, the
 * /proc/net parsers, and the memory one thousand processes take.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/fd_setup.h"
#include "event/syscalls.h"
#include "fd/fd_net.h"
#include "fd/fd_table.h"
#include "rules/rules.h"

struct sc_buf {
	struct ev_syscall rec;
	char data[2 * EV_PATH_MAX];
};

static struct event ev;

static void apply_rec(struct fd_table *t, const void *rec, size_t len)
{
	assert_int_equal(event_decode(rec, len, &ev), 0);
	fd_table_apply(t, &ev);
}

/* A syscall record as the sensor sends it; path (if any) resolved, leaf-first. */
static struct event *sc(struct fd_table *t, uint32_t pid, const char *name, int64_t res,
			const uint64_t args[6], const char *path, const struct ev_sock *sock)
{
	static struct sc_buf b;
	const struct syscall_desc *d = syscall_by_name(name);
	uint32_t n = 0;

	assert_non_null(d);
	memset(&b, 0, sizeof(b));
	b.rec.hdr.kind = EV_SYSCALL;
	b.rec.hdr.pid = b.rec.hdr.tid = pid;
	b.rec.nr = d->nr;
	b.rec.res = res;
	if (args)
		memcpy(b.rec.args, args, sizeof(b.rec.args));
	if (path) {
		/* "/a/b" -> "b\0a\0": the kernel walk's encoding. */
		const char *end = path + strlen(path);

		while (end > path) {
			const char *start = end;

			while (start > path && start[-1] != '/')
				start--;
			memcpy(b.data + n, start, (size_t)(end - start));
			n += (uint32_t)(end - start);
			b.data[n++] = '\0';
			end = start > path ? start - 1 : path;
		}
		b.rec.path_flags = EV_PATH1_RESOLVED;
		b.rec.path_len = n;
	}
	if (sock)
		b.rec.sock = *sock;
	b.rec.hdr.size = (uint32_t)(sizeof(b.rec) + n);
	apply_rec(t, &b, b.rec.hdr.size);
	return &ev;
}

static void do_open(struct fd_table *t, uint32_t pid, int fd, const char *path, uint64_t flags)
{
	uint64_t a[6] = { (uint64_t)(int64_t)AT_FDCWD, 0, flags, 0 };

	sc(t, pid, "openat", fd, a, path, NULL);
	assert_non_null(ev.fd);
	assert_int_equal(ev.fd->num, fd);
}

static void do_close(struct fd_table *t, uint32_t pid, int fd, int64_t res)
{
	uint64_t a[6] = { (uint64_t)fd };

	sc(t, pid, "close", res, a, NULL, NULL);
}

static void do_fork(struct fd_table *t, uint32_t child, uint32_t parent)
{
	struct ev_fork f = { .hdr = { .kind = EV_FORK, .size = sizeof(f), .pid = child,
				      .tid = child, .ppid = parent },
			     .parent_tid = parent };

	apply_rec(t, &f, sizeof(f));
}

static void do_exec(struct fd_table *t, uint32_t pid)
{
	struct ev_exec x = { .hdr = { .kind = EV_EXEC, .size = sizeof(x), .pid = pid, .tid = pid } };

	apply_rec(t, &x, sizeof(x));
}

static void do_exit(struct fd_table *t, uint32_t pid)
{
	struct ev_exit x = { .hdr = { .kind = EV_EXIT, .size = sizeof(x), .pid = pid } };

	apply_rec(t, &x, sizeof(x));
}

static struct ev_sock tcp4(uint16_t lport, uint16_t rport)
{
	struct ev_sock s = { .family = AF_INET, .type = SOCK_STREAM, .protocol = 6,
			     .lport = lport, .rport = rport };

	s.laddr[0] = s.raddr[0] = 127;
	s.laddr[3] = s.raddr[3] = 1;
	return s;
}

static void test_open_close(void **state)
{
	struct fd_table *t;
	struct fd_table_stats st;

	(void)state;
	assert_int_equal(fd_table_new(&t), 0);
	do_open(t, 100, 3, "/etc/hostname", O_RDONLY | O_CLOEXEC);
	assert_string_equal(fd_entry_name(fd_table_get(t, 100, 3)), "/etc/hostname");
	assert_true(fd_table_get(t, 100, 3)->cloexec);
	assert_int_equal(fd_table_get(t, 100, 3)->type, FD_T_FILE);
	do_open(t, 100, 4, "/tmp", O_RDONLY | O_DIRECTORY);
	assert_int_equal(fd_table_get(t, 100, 4)->type, FD_T_DIR);

	/* The close names the file from the table: the sensor could not. */
	do_close(t, 100, 3, 0);
	assert_non_null(ev.fd);
	assert_true(ev.fd_from_table);
	assert_string_equal(ev.path, "/etc/hostname");
	assert_null(fd_table_get(t, 100, 3));
	assert_int_equal(fd_table_count(t, 100), 1);

	/* A close that failed with EBADF names nothing and counts no miss. */
	fd_table_stats(t, &st);
	do_close(t, 100, 3, -EBADF);
	assert_null(ev.fd);
	assert_string_equal(ev.path, "");
	/* A failed open creates nothing. */
	sc(t, 100, "openat", -ENOENT, NULL, NULL, NULL);
	assert_int_equal(fd_table_count(t, 100), 1);
	fd_table_free(t);
}

static void test_dup_family(void **state)
{
	struct fd_table *t;
	uint64_t a[6] = { 0 };
	struct ev_sock s = tcp4(40000, 4444);

	(void)state;
	assert_int_equal(fd_table_new(&t), 0);
	a[0] = (uint64_t)AF_INET;
	a[1] = SOCK_STREAM;
	sc(t, 7, "socket", 3, a, NULL, &s);
	a[0] = 3;
	sc(t, 7, "connect", 0, a, NULL, &s);
	assert_int_equal(fd_table_get(t, 7, 3)->role, FD_ROLE_CLIENT);

	/* dup2(3, 0): stdin is now the socket (and not close-on-exec). */
	a[0] = 3;
	a[1] = 0;
	sc(t, 7, "dup2", 0, a, NULL, &s);
	assert_int_equal(fd_table_get(t, 7, 0)->type, FD_T_IPV4);
	assert_int_equal(fd_table_get(t, 7, 0)->role, FD_ROLE_CLIENT);
	assert_false(fd_table_get(t, 7, 0)->cloexec);
	/* dup3 with O_CLOEXEC, fcntl(F_DUPFD_CLOEXEC), dup. */
	a[1] = 1;
	a[2] = O_CLOEXEC;
	sc(t, 7, "dup3", 1, a, NULL, &s);
	assert_true(fd_table_get(t, 7, 1)->cloexec);
	a[1] = F_DUPFD_CLOEXEC;
	a[2] = 10;
	sc(t, 7, "fcntl", 10, a, NULL, &s);
	assert_true(fd_table_get(t, 7, 10)->cloexec);
	sc(t, 7, "dup", 4, a, NULL, &s);
	assert_false(fd_table_get(t, 7, 4)->cloexec);
	/* F_SETFD clears close-on-exec on fd 10. */
	a[0] = 10;
	a[1] = F_SETFD;
	a[2] = 0;
	sc(t, 7, "fcntl", 0, a, NULL, &s);
	assert_false(fd_table_get(t, 7, 10)->cloexec);
	/* A failed dup2 changes nothing. */
	a[0] = 55;
	a[1] = 2;
	sc(t, 7, "dup2", -EBADF, a, NULL, NULL);
	assert_null(fd_table_get(t, 7, 2));

	/* Closing the original keeps the copies: they share the socket. */
	do_close(t, 7, 3, 0);
	assert_int_equal(ev.sock->rport, 4444);
	assert_true(ev.fd_from_table);
	assert_int_equal(fd_table_get(t, 7, 0)->sock.rport, 4444);
	assert_int_equal(fd_table_count(t, 7), 4);
	fd_table_free(t);
}

static void test_dup_learns_unknown_fd(void **state)
{
	struct fd_table *t;
	uint64_t a[6] = { 5, 1 };

	(void)state;
	assert_int_equal(fd_table_new(&t), 0);
	/* fd 5 predates the table; the sensor resolved it at the dup2. */
	sc(t, 9, "dup2", 1, a, "/var/log/app.log", NULL);
	assert_string_equal(fd_entry_name(fd_table_get(t, 9, 5)), "/var/log/app.log");
	assert_string_equal(fd_entry_name(fd_table_get(t, 9, 1)), "/var/log/app.log");
	fd_table_free(t);
}

static void test_pipe(void **state)
{
	struct fd_table *t;
	struct sc_buf b;
	int32_t fds[2] = { 5, 6 };
	const struct syscall_desc *d = syscall_by_name("pipe2");

	(void)state;
	assert_int_equal(fd_table_new(&t), 0);
	memset(&b, 0, sizeof(b));
	b.rec.hdr.kind = EV_SYSCALL;
	b.rec.hdr.pid = 3;
	b.rec.nr = d->nr;
	b.rec.args[1] = O_CLOEXEC;
	memcpy(b.rec.uaddr, fds, sizeof(fds));
	b.rec.uaddr_len = 8;
	b.rec.hdr.size = sizeof(b.rec);
	apply_rec(t, &b, b.rec.hdr.size);
	assert_int_equal(fd_table_get(t, 3, 5)->type, FD_T_PIPE);
	assert_int_equal(fd_table_get(t, 3, 6)->type, FD_T_PIPE);
	assert_true(fd_table_get(t, 3, 6)->cloexec);
	assert_string_equal(fd_type_name(FD_T_PIPE), "pipe");
	assert_int_equal(fd_type_char(FD_T_PIPE), 'p');
	/* socketpair: two connected unix sockets. */
	b.rec.nr = syscall_by_name("socketpair")->nr;
	b.rec.args[0] = AF_UNIX;
	b.rec.args[1] = SOCK_STREAM | SOCK_CLOEXEC;
	memcpy(b.rec.uaddr, (int32_t[2]){ 7, 8 }, 8);
	apply_rec(t, &b, b.rec.hdr.size);
	assert_int_equal(fd_table_get(t, 3, 7)->type, FD_T_UNIX);
	assert_int_equal(fd_table_get(t, 3, 8)->sock.type, SOCK_STREAM);
	assert_true(fd_table_get(t, 3, 8)->cloexec);
	assert_int_equal(ev.sock->family, 0); /* the event's own socket is untouched */
	/* The kernel's walk of a pipe says "/": the table's type wins. */
	{
		uint64_t a[6] = { 5, 0 };

		sc(t, 3, "dup2", 0, a, "/", NULL);
		assert_true(ev.fd_from_table);
		assert_string_equal(ev.path, "");
	}
	fd_table_free(t);
}

static void test_anonymous_inodes(void **state)
{
	struct fd_table *t;
	uint64_t a[6] = { 0, O_CLOEXEC };

	(void)state;
	assert_int_equal(fd_table_new(&t), 0);
	sc(t, 4, "eventfd2", 3, a, "/", NULL);
	assert_true(ev.fd_from_table);
	assert_string_equal(ev.path, ""); /* not the kernel walk's "/" */
	assert_int_equal(fd_table_get(t, 4, 3)->type, FD_T_EVENTFD);
	assert_true(fd_table_get(t, 4, 3)->cloexec);
	a[0] = 0; /* epoll_create1(0) */
	sc(t, 4, "epoll_create1", 5, a, NULL, NULL);
	assert_int_equal(fd_table_get(t, 4, 5)->type, FD_T_EVENTPOLL);
	assert_false(fd_table_get(t, 4, 5)->cloexec);
	a[1] = 0;
	sc(t, 4, "timerfd_create", -EINVAL, a, NULL, NULL);
	assert_int_equal(fd_table_count(t, 4), 2);
	do_close(t, 4, 5, 0);
	assert_string_equal(fd_type_name((enum fd_type)ev.fd->type), "eventpoll");
	fd_table_free(t);
}

static void test_fork_exec_exit(void **state)
{
	struct fd_table *t;

	(void)state;
	assert_int_equal(fd_table_new(&t), 0);
	do_open(t, 10, 0, "/dev/null", O_RDONLY);
	do_open(t, 10, 3, "/etc/passwd", O_RDONLY | O_CLOEXEC);
	do_fork(t, 11, 10);
	assert_int_equal(fd_table_count(t, 11), 2);
	/* The child's table is its own: closing there keeps the parent's. */
	do_close(t, 11, 0, 0);
	assert_non_null(fd_table_get(t, 10, 0));
	/* exec drops close-on-exec fds only. */
	do_open(t, 11, 4, "/tmp/keep", O_WRONLY);
	do_exec(t, 11);
	assert_null(fd_table_get(t, 11, 3));
	assert_non_null(fd_table_get(t, 11, 4));
	do_exit(t, 11);
	assert_int_equal(fd_table_count(t, 11), 0);
	/* Names are shared, not copied: the parent's survive the child. */
	assert_string_equal(fd_entry_name(fd_table_get(t, 10, 3)), "/etc/passwd");
	fd_table_free(t);
}

static void test_bounds(void **state)
{
	struct fd_table *t;
	struct fd_table_stats st;
	uint32_t pid;
	int fd;

	(void)state;
	assert_int_equal(fd_table_new(&t), 0);
	for (fd = 0; fd <= FD_TABLE_FDS_PER_PROC; fd++) {
		uint64_t a[6] = { (uint64_t)(int64_t)AT_FDCWD, 0, 0 };

		sc(t, 1, "openat", fd, a, "/x", NULL);
	}
	fd_table_stats(t, &st);
	assert_int_equal(st.entries, FD_TABLE_FDS_PER_PROC);
	assert_int_equal(st.fds_untracked, 1);
	/* Processes beyond the bound evict the least recently touched. */
	for (pid = 2; pid <= FD_TABLE_PROCS + 1; pid++)
		do_open(t, pid, 0, "/y", O_RDONLY);
	fd_table_stats(t, &st);
	assert_int_equal(st.procs, FD_TABLE_PROCS);
	assert_int_equal(st.proc_evictions, 1);
	assert_int_equal(fd_table_count(t, 1), 0); /* the oldest went */
	assert_int_equal(fd_table_count(t, FD_TABLE_PROCS + 1), 1);
	fd_table_free(t);
}

static void test_total_bound(void **state)
{
	struct fd_table *t;
	struct fd_table_stats st;
	uint32_t pid, n = FD_TABLE_ENTRIES / FD_TABLE_FDS_PER_PROC;

	(void)state;
	assert_int_equal(fd_table_new(&t), 0);
	for (pid = 1; pid <= n; pid++)
		for (int fd = 0; fd < FD_TABLE_FDS_PER_PROC; fd++) {
			uint64_t a[6] = { (uint64_t)(int64_t)AT_FDCWD, 0, 0 };

			sc(t, pid, "socket", fd, a, NULL, NULL);
		}
	fd_table_stats(t, &st);
	assert_int_equal(st.entries, FD_TABLE_ENTRIES);
	{
		uint64_t a[6] = { (uint64_t)(int64_t)AT_FDCWD, 0, 0 };

		sc(t, n + 1, "openat", 0, a, "/z", NULL);
		assert_null(ev.fd); /* not tracked */
	}
	do_fork(t, n + 2, 1); /* a copy would pass the bound: refused, counted */
	fd_table_stats(t, &st);
	assert_int_equal(st.entries, FD_TABLE_ENTRIES);
	assert_int_equal(st.fds_untracked, 1 + FD_TABLE_FDS_PER_PROC);
	fd_table_free(t);
}

/* Memory of 1000 processes x 20 fds, each with its own 40-byte path. */
static void test_memory_1000_processes(void **state)
{
	struct fd_table *t;
	struct fd_table_stats st;
	char path[64];

	(void)state;
	assert_int_equal(fd_table_new(&t), 0);
	for (uint32_t pid = 1; pid <= 1000; pid++)
		for (int fd = 0; fd < 20; fd++) {
			snprintf(path, sizeof(path), "/var/lib/app/data/%06u/file-%04d.dat", pid, fd);
			do_open(t, pid, fd, path, O_RDONLY);
		}
	fd_table_stats(t, &st);
	assert_int_equal(st.entries, 20000);
	print_message("fd table, 1000 processes x 20 fds: %zu bytes (%.1f KiB/process)\n",
		      st.bytes, (double)st.bytes / 1000 / 1024);
	assert_true(st.bytes < 4u * 1024 * 1024);
	fd_table_free(t);
}

static char *write_file(const char *dir, const char *name, const char *text)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void emit(const void *rec, size_t len, void *ctx)
{
	apply_rec(ctx, rec, len);
}

static void test_seed_from_fake_proc(void **state)
{
	char root[] = "/tmp/palisade-fdproc.XXXXXX", d[600], l[600];
	struct fd_table *t;
	const struct fd_entry *e;
	static const char *const links[][2] = {
		{ "0", "/dev/null" },         { "3", "socket:[1000]" }, { "4", "pipe:[55]" },
		{ "5", "/srv/www" },          { "6", "anon_inode:[eventfd]" },
		{ "7", "socket:[2000]" },     { "8", "/memfd:blob (deleted)" },
		{ "9", "socket:[3000]" },
	};

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(d, sizeof(d), "%s/4242", root);
	assert_int_equal(mkdir(d, 0700), 0);
	snprintf(d, sizeof(d), "%s/4242/fd", root);
	assert_int_equal(mkdir(d, 0700), 0);
	snprintf(d, sizeof(d), "%s/4242/fdinfo", root);
	assert_int_equal(mkdir(d, 0700), 0);
	snprintf(d, sizeof(d), "%s/4242/net", root);
	assert_int_equal(mkdir(d, 0700), 0);
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		snprintf(l, sizeof(l), "%s/4242/fd/%s", root, links[i][0]);
		assert_int_equal(symlink(links[i][1], l), 0);
		snprintf(d, sizeof(d), "%s/4242/fdinfo", root);
		/* fd 5: a directory, close-on-exec (O_DIRECTORY|O_CLOEXEC). */
		write_file(d, links[i][0], !strcmp(links[i][0], "5") ? "pos:\t0\nflags:\t02200000\n"
								     : "pos:\t0\nflags:\t02\n");
	}
	snprintf(d, sizeof(d), "%s/4242/net", root);
	write_file(d, "tcp",
		   "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
		   "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1000 1 0 100 0 0 10 0\n");
	write_file(d, "tcp6", "header\n");
	write_file(d, "udp", "header\n");
	write_file(d, "udp6", "header\n");
	write_file(d, "unix",
		   "Num       RefCount Protocol Flags    Type St Inode Path\n"
		   "0000000000000000: 00000002 00000000 00010000 0001 01 2000 /run/app.sock\n"
		   "0000000000000000: 00000003 00000000 00000000 0001 03 3000\n");

	assert_int_equal(fd_table_new(&t), 0);
	assert_int_equal(fd_snapshot(root, emit, t), 8);
	assert_int_equal(fd_table_count(t, 4242), 8);
	e = fd_table_get(t, 4242, 0);
	assert_int_equal(e->type, FD_T_FILE);
	assert_string_equal(fd_entry_name(e), "/dev/null");
	assert_int_equal(e->flags, O_RDWR);
	e = fd_table_get(t, 4242, 3);
	assert_int_equal(e->type, FD_T_IPV4);
	assert_int_equal(e->sock.lport, 8080);
	assert_int_equal(e->sock.laddr[0], 127);
	assert_int_equal(e->role, FD_ROLE_SERVER);
	assert_int_equal(fd_table_get(t, 4242, 4)->type, FD_T_PIPE);
	assert_string_equal(fd_entry_name(fd_table_get(t, 4242, 4)), "pipe:[55]");
	e = fd_table_get(t, 4242, 5);
	assert_int_equal(e->type, FD_T_DIR);
	assert_true(e->cloexec);
	assert_int_equal(fd_table_get(t, 4242, 6)->type, FD_T_EVENTFD);
	e = fd_table_get(t, 4242, 7);
	assert_int_equal(e->type, FD_T_UNIX);
	assert_string_equal(fd_entry_name(e), "/run/app.sock");
	assert_int_equal(e->role, FD_ROLE_SERVER);
	assert_int_equal(fd_table_get(t, 4242, 8)->type, FD_T_MEMFD);
	assert_int_equal(fd_table_get(t, 4242, 9)->type, FD_T_UNIX);
	assert_string_equal(fd_entry_name(fd_table_get(t, 4242, 9)), "");
	fd_table_free(t);

	/* A tree without the process: nothing, and a missing procfs is an error. */
	assert_int_equal(fd_snapshot("/nonexistent-procfs", emit, NULL), -ENOENT);
	snprintf(d, sizeof(d), "rm -rf '%s'", root);
	assert_int_equal(system(d), 0);
}

static void test_net_parsers(void **state)
{
	struct fd_net *n = fd_net_new();
	const struct fd_net_sock *s;

	(void)state;
	assert_non_null(n);
	assert_int_equal(fd_net_parse_inet(n,
		"header\n"
		"   0: 0100007F:0016 0200007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 77 1\n"
		"   1: garbage\n"
		"   2: 0100007F:FFFFF 00000000:0000 0A 0:0 0:0 0 0 0 78\n",
		AF_INET, 6), -2);
	assert_int_equal(fd_net_parse_inet(n,
		"header\n"
		"   0: 00000000000000000000000001000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 88 1\n",
		AF_INET6, 6), 0);
	assert_int_equal(fd_net_parse_unix(n,
		"Num RefCount Protocol Flags Type St Inode Path\n"
		"0: 00000002 00000000 00000000 0002 01 99 @abstract\n"
		"bad\n"), -1);
	fd_net_index(n);
	assert_int_equal(fd_net_count(n), 3);
	s = fd_net_find(n, 77);
	assert_non_null(s);
	assert_int_equal(s->sock.lport, 22);
	assert_int_equal(s->sock.rport, 0xD431);
	assert_int_equal(s->sock.raddr[3], 2);
	assert_false(s->listening);
	s = fd_net_find(n, 88);
	assert_int_equal(s->sock.family, AF_INET6);
	assert_int_equal(s->sock.laddr[15], 1); /* ::1 */
	assert_true(s->listening);
	s = fd_net_find(n, 99);
	assert_string_equal(s->path, "@abstract");
	assert_int_equal(s->sock.type, SOCK_DGRAM);
	assert_null(fd_net_find(n, 12345));
	fd_net_free(n);
}

static const char rules_text[] =
	"- rule: close of a file\n"
	"  desc: t\n"
	"  condition: evt.type=close and fd.name=/etc/hostname and fd.typechar=f and fd.num=3 and fd.directory=/etc and fd.filename=hostname\n"
	"  output: \"%fd.name\"\n"
	"  priority: WARNING\n"
	"- rule: close of a pipe\n"
	"  desc: t\n"
	"  condition: evt.type=close and fd.type=pipe and fd.typechar=p\n"
	"  output: \"%fd.num\"\n"
	"  priority: WARNING\n"
	"- rule: socket onto stdout\n"
	"  desc: t\n"
	"  condition: evt.type=dup2 and evt.rawres=1 and fd.type=ipv4 and fd.sip=10.0.0.9 and fd.sport=4444 and fd.cport=1000 and fd.is_server=false and fd.l4proto=tcp\n"
	"  output: \"%fd.name\"\n"
	"  priority: WARNING\n"
	"- rule: traversal\n"
	"  desc: t\n"
	"  condition: evt.type=openat and fd.nameraw=\"/etc/../../etc/passwd\" and fd.name=/etc/passwd\n"
	"  output: \"%fd.nameraw\"\n"
	"  priority: WARNING\n";

static char last_rule[128];

static int on_alert(const struct rules_alert *a, void *ctx)
{
	(void)ctx;
	snprintf(last_rule, sizeof(last_rule), "%s", a->rule->name);
	return 0;
}

static const char *fired_on(struct rules_engine *e)
{
	last_rule[0] = '\0';
	rules_eval(e, &ev, on_alert, NULL);
	return last_rule;
}

/* fd.* fields of events whose fd the sensor could not describe, from the table. */
static void test_rules_fall_back_to_table(void **state)
{
	struct rules_config cfg;
	struct rules_engine *e;
	struct fd_table *t;
	struct ev_sock s = tcp4(1000, 4444);
	uint64_t a[6] = { 0 };
	static struct sc_buf b;
	static uint32_t spec[EV_SYSCALL_NR_MAX];
	const struct syscall_desc *openat = syscall_by_name("openat");
	const struct syscall_desc *dup2 = syscall_by_name("dup2");

	(void)state;
	rules_config_default(&cfg);
	cfg.rate_per_sec = 0;
	cfg.dedup_window_ns = 0;
	assert_int_equal(rules_engine_new(&cfg, &e), 0);
	assert_int_equal(rules_engine_add_buffer(e, "t.yaml", rules_text, strlen(rules_text)), 0);
	assert_int_equal(rules_engine_compile(e), 0);
	assert_int_equal(fd_table_new(&t), 0);

	do_open(t, 5, 3, "/etc/hostname", O_RDONLY);
	do_close(t, 5, 3, 0);
	assert_string_equal(fired_on(e), "close of a file");

	s.laddr[0] = s.raddr[0] = 10;
	s.laddr[3] = 5;
	s.raddr[3] = 9;
	a[0] = 3;
	sc(t, 5, "socket", 3, a, NULL, &s);
	sc(t, 5, "connect", 0, a, NULL, &s);
	a[1] = 1;
	/* Local port 1000 < 4444: without the table's "connected", the lower
	 * port would make this end the server. */
	sc(t, 5, "dup2", 1, a, NULL, &s);
	assert_string_equal(fired_on(e), "socket onto stdout");

	memset(&b, 0, sizeof(b));
	b.rec.hdr.kind = EV_SYSCALL;
	b.rec.hdr.pid = 5;
	b.rec.nr = syscall_by_name("pipe")->nr;
	memcpy(b.rec.uaddr, (int32_t[2]){ 7, 8 }, 8);
	b.rec.uaddr_len = 8;
	b.rec.hdr.size = sizeof(b.rec);
	apply_rec(t, &b, b.rec.hdr.size);
	do_close(t, 5, 7, 0);
	assert_string_equal(fired_on(e), "close of a pipe");

	/* A successful open with the caller's string beside the resolved path. */
	memset(&b, 0, sizeof(b));
	b.rec.hdr.kind = EV_SYSCALL;
	b.rec.hdr.pid = 5;
	b.rec.nr = openat->nr;
	b.rec.res = 4;
	b.rec.args[0] = (uint64_t)(int64_t)AT_FDCWD;
	memcpy(b.data, "passwd\0etc\0/etc/../../etc/passwd", 33);
	b.rec.path_len = 11;
	b.rec.path2_len = 22;
	b.rec.path_flags = EV_PATH1_RESOLVED | EV_PATH2_RAW1;
	b.rec.hdr.size = (uint32_t)sizeof(b.rec) + 33;
	apply_rec(t, &b, b.rec.hdr.size);
	assert_string_equal(ev.path, "/etc/passwd");
	assert_string_equal(ev.path2, ""); /* not a second path */
	assert_string_equal(fired_on(e), "traversal");

	/* What the rules ask of the sensor. */
	assert_true(rules_engine_uses_field(e, "openat", "fd.nameraw"));
	assert_false(rules_engine_uses_field(e, "close", "fd.nameraw"));
	memset(spec, 0, sizeof(spec));
	spec[openat->nr] = openat->spec;
	assert_false(agent_fd_interest(AGENT_FD_AUTO, e, spec));
	assert_true(spec[openat->nr] & SC_RAW_PATH1);
	/* dup2 carries its old fd's file or socket: no table needed for it... */
	spec[dup2->nr] = dup2->spec;
	assert_false(agent_fd_interest(AGENT_FD_AUTO, e, spec));
	/* ...a close cannot name its fd without one. */
	spec[syscall_by_name("close")->nr] = syscall_by_name("close")->spec;
	assert_true(agent_fd_interest(AGENT_FD_AUTO, e, spec));
	assert_true(spec[syscall_by_name("close")->nr] & SC_WATCH);
	assert_true(spec[syscall_by_name("pipe2")->nr] & SC_WATCH);
	memset(spec, 0, sizeof(spec));
	spec[dup2->nr] = dup2->spec;
	assert_false(agent_fd_interest(AGENT_FD_OFF, e, spec));
	assert_int_equal(spec[syscall_by_name("close")->nr], 0);

	fd_table_free(t);
	rules_engine_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_close),
		cmocka_unit_test(test_dup_family),
		cmocka_unit_test(test_dup_learns_unknown_fd),
		cmocka_unit_test(test_pipe),
		cmocka_unit_test(test_anonymous_inodes),
		cmocka_unit_test(test_fork_exec_exit),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_total_bound),
		cmocka_unit_test(test_memory_1000_processes),
		cmocka_unit_test(test_seed_from_fake_proc),
		cmocka_unit_test(test_net_parsers),
		cmocka_unit_test(test_rules_fall_back_to_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
