/*
 * What the fd table costs in user space per event: decode + apply of an
 * open and a close, against decode alone, with 1000 processes of 20 fds in
 * the table. The kernel side's cost is the events themselves (docs/events.md:
 * the table makes every fd syscall an event). Prints one line; `make -C bench
 * fd_table && bench/fd_table`.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "event/syscalls.h"
#include "fd/fd_table.h"

#define PAIRS 2000000

struct rec_buf {
	struct ev_syscall rec;
	char data[64];
};

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Decodes an open and a close of fd 20 in process pid; applies them if t. */
static void pair(struct fd_table *t, struct rec_buf *o, struct rec_buf *c, uint32_t pid)
{
	static struct event ev;

	o->rec.hdr.pid = c->rec.hdr.pid = pid;
	if (event_decode(o, o->rec.hdr.size, &ev) == 0 && t)
		fd_table_apply(t, &ev);
	if (event_decode(c, c->rec.hdr.size, &ev) == 0 && t)
		fd_table_apply(t, &ev);
}

int main(void)
{
	static struct rec_buf o, c;
	static struct event ev;
	struct fd_table *t;
	struct fd_table_stats st;
	double t0, base, with;

	if (fd_table_new(&t) < 0)
		return 1;
	o.rec.hdr.kind = c.rec.hdr.kind = EV_SYSCALL;
	o.rec.nr = syscall_by_name("openat")->nr;
	c.rec.nr = syscall_by_name("close")->nr;
	memcpy(o.data, "passwd\0etc\0", 11); /* /etc/passwd, leaf first */
	o.rec.path_len = 11;
	o.rec.path_flags = EV_PATH1_RESOLVED;
	o.rec.hdr.size = (uint32_t)sizeof(o.rec) + 11;
	c.rec.hdr.size = (uint32_t)sizeof(c.rec);
	for (uint32_t p = 1; p <= 1000; p++) {
		o.rec.hdr.pid = p;
		for (int f = 0; f < 20; f++) {
			o.rec.res = f;
			if (event_decode(&o, o.rec.hdr.size, &ev) == 0)
				fd_table_apply(t, &ev);
		}
	}
	o.rec.res = 20;
	c.rec.args[0] = 20;
	t0 = now();
	for (int i = 0; i < PAIRS; i++)
		pair(NULL, &o, &c, 1 + (uint32_t)i % 1000);
	base = now() - t0;
	t0 = now();
	for (int i = 0; i < PAIRS; i++)
		pair(t, &o, &c, 1 + (uint32_t)i % 1000);
	with = now() - t0;
	fd_table_stats(t, &st);
	printf("fd table: %.0f ns per event on top of decoding (%.0f ns per open+close pair "
	       "decoded, %.0f with the table); %zu fds of %zu processes in %zu bytes\n",
	       (with - base) / PAIRS / 2 * 1e9, base / PAIRS * 1e9, with / PAIRS * 1e9, st.entries,
	       st.procs, st.bytes);
	fd_table_free(t);
	return 0;
}
