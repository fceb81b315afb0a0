/*
 * Seeds the fd tables from /proc. Each fd becomes an EV_FD_SNAPSHOT record
 * in the ev_syscall layout of the call that makes such an fd (bpf/events.h),
 * so the table, the recorder and a replay treat it like any other event.
 * Sockets are looked up by inode in the process's own network namespace
 * (procfs/PID/net/...), each namespace read once.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fd/fd_net.h"
#include "fd/fd_table.h"

struct snap_rec {
	struct ev_syscall rec;
	char data[EV_PATH_MAX + 1];
};

/* Open flags of an fd (octal "flags:" line of fdinfo); 0 when unreadable. */
static uint32_t fdinfo_flags(const char *procfs, uint32_t pid, const char *fd)
{
	char path[1024], buf[512], *p;
	unsigned long flags = 0;
	ssize_t n;
	int f;

	snprintf(path, sizeof(path), "%s/%u/fdinfo/%s", procfs, pid, fd);
	f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return 0;
	n = read(f, buf, sizeof(buf) - 1);
	close(f);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strstr(buf, "flags:");
	if (p)
		flags = strtoul(p + 6, NULL, 8);
	return (uint32_t)flags;
}

static uint64_t socket_inode(const char *link)
{
	unsigned long long ino;

	return sscanf(link, "socket:[%llu]", &ino) == 1 ? ino : 0;
}

/* Fills the record for one fd; false when there is nothing to say. */
static bool build(const char *procfs, uint32_t pid, const char *fdname, struct fd_net *net,
		  struct snap_rec *s)
{
	struct ev_syscall *e = &s->rec;
	char path[1024];
	const struct fd_net_sock *ns;
	uint64_t ino;
	uint32_t flags;
	ssize_t n;

	memset(e, 0, sizeof(*e));
	snprintf(path, sizeof(path), "%s/%u/fd/%s", procfs, pid, fdname);
	n = readlink(path, s->data, EV_PATH_MAX);
	if (n <= 0)
		return false; /* closed since the listing */
	s->data[n] = '\0';
	flags = fdinfo_flags(procfs, pid, fdname);
	e->hdr.kind = EV_FD_SNAPSHOT;
	e->hdr.pid = e->hdr.tid = pid;
	e->res = strtol(fdname, NULL, 10);
	e->path_flags = EV_PATH1_USER;
	e->path_len = (uint32_t)n + 1;
	ino = socket_inode(s->data);
	if (ino) {
		e->nr = SYS_socket;
		ns = net ? fd_net_find(net, ino) : NULL;
		e->path_len = 0;
		e->path_flags = 0;
		if (ns) {
			e->sock = ns->sock;
			e->args[0] = ns->sock.family;
			e->args[1] = ns->sock.type | ((flags & O_CLOEXEC) ? SOCK_CLOEXEC : 0);
			e->args[2] = ns->sock.protocol;
			e->args[3] = ns->listening;
			if (ns->path[0]) {
				e->path_len = (uint32_t)strlen(ns->path) + 1;
				memcpy(s->data, ns->path, e->path_len);
				e->path_flags = EV_PATH1_USER;
			}
		} else {
			e->args[1] = (flags & O_CLOEXEC) ? SOCK_CLOEXEC : 0;
		}
	} else if (!strncmp(s->data, "pipe:", 5)) {
		e->nr = SYS_pipe2;
		e->args[1] = flags;
	} else if (!strncmp(s->data, "/memfd:", 7)) {
		e->nr = SYS_memfd_create;
		e->args[1] = (flags & O_CLOEXEC) ? 1 : 0; /* MFD_CLOEXEC */
	} else {
		e->nr = SYS_openat;
		e->args[0] = (uint64_t)(int64_t)AT_FDCWD;
		e->args[2] = flags;
	}
	e->hdr.size = (uint32_t)(sizeof(*e) + e->path_len);
	return true;
}

static int snapshot_pid(const char *procfs, uint32_t pid, struct fd_net_cache *nets,
			struct snap_rec *rec, fd_snapshot_fn emit, void *ctx)
{
	char path[1024];
	struct fd_net *net;
	struct dirent *d;
	DIR *dir;
	int n = 0, budget = FD_TABLE_FDS_PER_PROC;

	snprintf(path, sizeof(path), "%s/%u/fd", procfs, pid);
	dir = opendir(path);
	if (!dir)
		return 0; /* gone, or a kernel thread */
	net = fd_net_cache_get(nets, procfs, pid);
	while ((d = readdir(dir)) && budget > 0) {
		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		if (build(procfs, pid, d->d_name, net, rec)) {
			emit(rec, rec->rec.hdr.size, ctx);
			n++;
			budget--;
		}
	}
	closedir(dir);
	return n;
}

int fd_snapshot(const char *procfs, fd_snapshot_fn emit, void *ctx)
{
	struct fd_net_cache *nets = NULL;
	struct snap_rec *rec = NULL;
	uint32_t self = (uint32_t)getpid();
	struct dirent *d;
	DIR *dir;
	int ret = 0;

	dir = opendir(procfs);
	if (!dir)
		return -errno;
	rec = malloc(sizeof(*rec));
	nets = fd_net_cache_new();
	if (!rec || !nets) {
		ret = -ENOMEM;
		goto cleanup;
	}
	while ((d = readdir(dir))) {
		uint32_t pid;

		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		pid = (uint32_t)strtoul(d->d_name, NULL, 10);
		if (pid == self)
			continue; /* the agent ignores itself (DESIGN.md section 6) */
		ret += snapshot_pid(procfs, pid, nets, rec, emit, ctx);
	}
cleanup:
	closedir(dir);
	fd_net_cache_free(nets);
	free(rec);
	return ret;
}
