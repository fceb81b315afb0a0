/*
 * Seeds the process table from /proc. Each process becomes an
 * EV_PROC_SNAPSHOT record in the kernel's own layout, so the table, the
 * recorder and a later replay all treat it like any other event.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "proc/proc.h"

struct snapshot_rec {
	struct ev_exec rec;
	char data[EV_EXEC_DATA_MAX];
};

struct found {
	uint32_t pid;
	uint64_t start_ticks;
};

static ssize_t read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size);
	if (n < 0)
		n = -errno;
	close(fd);
	return n;
}

uint32_t proc_encode_path(const char *path, char *out, size_t size, bool *trunc)
{
	size_t len = strlen(path), end = len, n = 0;

	*trunc = false;
	if (len == 0 || path[0] != '/')
		return 0; /* unknown, or not a path ("[kthreadd]" has no exe) */
	while (end > 0) {
		size_t start = end;

		while (start > 0 && path[start - 1] != '/')
			start--;
		if (end > start) {
			if (n + (end - start) + 1 > size) {
				*trunc = true;
				break;
			}
			memcpy(out + n, path + start, end - start);
			n += end - start;
			out[n++] = '\0';
		}
		end = start ? start - 1 : 0;
	}
	if (n == 0 && size > 0)
		out[n++] = '\0';
	return (uint32_t)n;
}

static uint32_t ns_inode(const char *procfs, uint32_t pid, const char *ns)
{
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%u/ns/%s", procfs, pid, ns);
	return stat(path, &st) == 0 ? (uint32_t)st.st_ino : 0;
}

static uint32_t read_u32_file(const char *procfs, uint32_t pid, const char *name,
			      uint32_t fallback)
{
	char path[128], buf[32];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%u/%s", procfs, pid, name);
	n = read_file(path, buf, sizeof(buf) - 1);
	if (n <= 0)
		return fallback;
	buf[n] = '\0';
	return (uint32_t)strtoul(buf, NULL, 10);
}

/* The last number of an "NSpid:"-style line: the one in the process's own
 * pid namespace (the kernel prints one per level, outermost first). */
static uint32_t innermost_id(const char *line)
{
	const char *last = strrchr(line, '\t');

	return (uint32_t)strtoul(last ? last + 1 : strchr(line, ':') + 1, NULL, 10);
}

/* Fields of /proc/PID/status that /proc/PID/stat lacks. */
static void parse_status(const char *procfs, struct ev_header *h, struct ev_pgrp *g)
{
	char path[128], buf[4096], *line, *save = NULL;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%u/status", procfs, h->pid);
	n = read_file(path, buf, sizeof(buf) - 1);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned a, b;

		unsigned long long caps;

		if (sscanf(line, "CapEff: %llx", &caps) == 1) {
			h->cap_effective = caps;
		} else if (sscanf(line, "CapPrm: %llx", &caps) == 1) {
			h->cap_permitted = caps;
		} else if (sscanf(line, "CapInh: %llx", &caps) == 1) {
			h->cap_inheritable = caps;
		} else if (sscanf(line, "Uid: %u %u", &a, &b) == 2) {
			h->uid = a;
			h->euid = b;
		} else if (sscanf(line, "Gid: %u %u", &a, &b) == 2) {
			h->gid = a;
			h->egid = b;
		} else if (strncmp(line, "NSpid:", 6) == 0) {
			h->vpid = innermost_id(line);
		} else if (strncmp(line, "NSpgid:", 7) == 0) {
			g->vpgid = innermost_id(line);
		} else if (strncmp(line, "NSsid:", 6) == 0) {
			g->vsid = innermost_id(line);
		}
	}
}

static uint64_t cgroup_id_of(const char *procfs, const char *cgroup2_root, uint32_t pid)
{
	char path[8192], buf[4096], *p;
	struct stat st;
	ssize_t n;

	if (!cgroup2_root)
		return 0;
	snprintf(path, sizeof(path), "%s/%u/cgroup", procfs, pid);
	n = read_file(path, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strstr(buf, "0::");
	if (!p || (p != buf && p[-1] != '\n'))
		return 0;
	p += 3;
	p[strcspn(p, "\n")] = '\0';
	if (snprintf(path, sizeof(path), "%s%s", cgroup2_root, p) >= (int)sizeof(path))
		return 0;
	/* On cgroup2 the directory's inode number is the cgroup id. */
	return stat(path, &st) == 0 ? st.st_ino : 0;
}

/* Reads /proc/PID/stat: comm, ppid, group and session (fields 5 and 6, in
 * the reader's pid namespace: the host's, as the kernel side reads them),
 * tty, start time. g may be NULL. */
static int parse_stat(const char *procfs, uint32_t pid, struct ev_header *h, struct ev_pgrp *g,
		      uint64_t *ticks)
{
	char path[128], buf[1024], *open_paren, *close_paren;
	unsigned long long start = 0;
	int ppid = 0, pgrp, session, tty;
	size_t comm_len;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%u/stat", procfs, pid);
	n = read_file(path, buf, sizeof(buf) - 1);
	if (n <= 0)
		return n ? (int)n : -ENOENT;
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: it ends at the last ')'. */
	open_paren = strchr(buf, '(');
	close_paren = strrchr(buf, ')');
	if (!open_paren || !close_paren || close_paren < open_paren)
		return -EINVAL;
	comm_len = (size_t)(close_paren - open_paren - 1);
	if (comm_len >= EV_COMM_LEN)
		comm_len = EV_COMM_LEN - 1;
	memset(h->comm, 0, sizeof(h->comm));
	memcpy(h->comm, open_paren + 1, comm_len);
	if (sscanf(close_paren + 2,
		   "%*c %d %d %d %d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
		   &ppid, &pgrp, &session, &tty, &start) != 5)
		return -EINVAL;
	h->ppid = (uint32_t)ppid;
	h->tty = (uint32_t)tty;
	if (g) {
		g->pgid = (uint32_t)pgrp;
		g->sid = (uint32_t)session;
	}
	*ticks = start;
	return 0;
}

/*
 * /proc/PID/environ is the area the exec sensor reads (mm->env_start ..
 * env_end), cut at EV_ENV_MAX the same way. A kernel thread has none: an
 * empty environment, read. An unreadable one stays unknown.
 */
static void read_environ(const char *procfs, uint32_t pid, struct ev_exec *e, char *dst)
{
	char path[128], buf[EV_ENV_MAX + 1];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%u/environ", procfs, pid);
	n = read_file(path, buf, sizeof(buf));
	if (n < 0)
		return;
	if (n > EV_ENV_MAX) {
		n = EV_ENV_MAX;
		e->hdr.flags |= EV_F_ENV_TRUNC;
	}
	memcpy(dst, buf, (size_t)n);
	e->env_len = (uint32_t)n;
	e->env_flags = EV_ENV_READ;
}

static int build_record(const char *procfs, const char *cgroup2_root, uint32_t pid,
			uint64_t ticks, bool with_env, struct snapshot_rec *s)
{
	struct ev_exec *e = &s->rec;
	char path[128], link[EV_PATH_MAX + 1];
	uint64_t dummy;
	ssize_t n;
	bool trunc;
	long hz = sysconf(_SC_CLK_TCK);

	memset(e, 0, sizeof(*e));
	e->hdr.kind = EV_PROC_SNAPSHOT;
	e->hdr.pid = e->hdr.tid = e->hdr.vpid = pid;
	if (parse_stat(procfs, pid, &e->hdr, &e->pgrp, &dummy) < 0)
		return -ENOENT; /* gone since the directory listing */
	parse_status(procfs, &e->hdr, &e->pgrp);
	e->hdr.loginuid = read_u32_file(procfs, pid, "loginuid", 0xffffffff);
	e->hdr.sessionid = read_u32_file(procfs, pid, "sessionid", 0xffffffff);
	e->hdr.mnt_ns = ns_inode(procfs, pid, "mnt");
	e->hdr.pid_ns = ns_inode(procfs, pid, "pid");
	e->hdr.cgroup_id = cgroup_id_of(procfs, cgroup2_root, pid);
	e->hdr.start_ns = ticks * (1000000000ull / (uint64_t)(hz > 0 ? hz : 100));
	e->hdr.ts_ns = e->hdr.start_ns;

	snprintf(path, sizeof(path), "%s/%u/exe", procfs, pid);
	n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	e->exe_len = proc_encode_path(link, s->data, EV_PATH_MAX, &trunc);
	if (trunc)
		e->hdr.flags |= EV_F_EXE_TRUNC;
	/* The inode and its times, as the kernel side reads them; the overlay
	 * layer is not visible from /proc, so EV_EXE_UPPER_LAYER stays unknown
	 * (clear) for processes that started before the agent. */
	struct stat st;
	if (stat(path, &st) == 0) {
		e->exe_flags = EV_EXE_INFO;
		e->exe_ino = st.st_ino;
		e->exe_ctime_ns = (uint64_t)st.st_ctim.tv_sec * 1000000000ull + (uint64_t)st.st_ctim.tv_nsec;
		e->exe_mtime_ns = (uint64_t)st.st_mtim.tv_sec * 1000000000ull + (uint64_t)st.st_mtim.tv_nsec;
	}

	snprintf(path, sizeof(path), "%s/%u/cmdline", procfs, pid);
	n = read_file(path, s->data + e->exe_len, EV_ARGS_MAX);
	e->args_len = n > 0 ? (uint32_t)n : 0;
	if (e->args_len == EV_ARGS_MAX)
		e->hdr.flags |= EV_F_ARGS_TRUNC; /* may be exact, reported as cut */

	snprintf(path, sizeof(path), "%s/%u/cwd", procfs, pid);
	n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	e->cwd_len = proc_encode_path(link, s->data + e->exe_len + e->args_len, EV_PATH_MAX, &trunc);
	if (trunc)
		e->hdr.flags |= EV_F_CWD_TRUNC;
	if (with_env)
		read_environ(procfs, pid, e, s->data + e->exe_len + e->args_len + e->cwd_len);
	e->hdr.size = (uint32_t)(sizeof(*e) + e->exe_len + e->args_len + e->cwd_len + e->env_len);
	return 0;
}

static int by_start(const void *a, const void *b)
{
	const struct found *x = a, *y = b;

	if (x->start_ticks != y->start_ticks)
		return x->start_ticks < y->start_ticks ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

int proc_snapshot(const char *procfs, const char *cgroup2_root, bool with_env,
		  proc_snapshot_fn emit, void *ctx)
{
	struct found *list = NULL, *grown;
	struct snapshot_rec *rec = NULL;
	size_t n = 0, cap = 0, i;
	struct dirent *d;
	DIR *dir;
	int ret = 0;

	dir = opendir(procfs);
	if (!dir)
		return -errno;
	while ((d = readdir(dir))) {
		struct ev_header h;
		uint64_t ticks;
		uint32_t pid;

		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		pid = (uint32_t)strtoul(d->d_name, NULL, 10);
		if (parse_stat(procfs, pid, &h, NULL, &ticks) < 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			grown = realloc(list, cap * sizeof(*list));
			if (!grown) {
				ret = -ENOMEM;
				goto cleanup;
			}
			list = grown;
		}
		list[n++] = (struct found){ .pid = pid, .start_ticks = ticks };
	}
	/* Parents started before their children: emit in start order. */
	qsort(list, n, sizeof(*list), by_start);
	rec = malloc(sizeof(*rec));
	if (!rec) {
		ret = -ENOMEM;
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		if (build_record(procfs, cgroup2_root, list[i].pid, list[i].start_ticks, with_env,
				 rec) == 0) {
			emit(rec, rec->rec.hdr.size, ctx);
			ret++;
		}
	}
cleanup:
	closedir(dir);
	free(list);
	free(rec);
	return ret;
}

int proc_stat_identity(const char *procfs, uint32_t pid, char comm[EV_COMM_LEN],
		       uint64_t *start_ns)
{
	struct ev_header h;
	uint64_t ticks;
	long hz = sysconf(_SC_CLK_TCK);
	int ret = parse_stat(procfs, pid, &h, NULL, &ticks);

	if (ret < 0)
		return ret;
	memcpy(comm, h.comm, EV_COMM_LEN);
	*start_ns = ticks * (1000000000ull / (uint64_t)(hz > 0 ? hz : 100));
	return 0;
}

int proc_snapshot_one(const char *procfs, const char *cgroup2_root, uint32_t pid, void *buf,
		      size_t size)
{
	struct snapshot_rec *rec = buf;
	struct ev_header h;
	uint64_t ticks;

	if (size < sizeof(*rec))
		return -ENOSPC;
	if (parse_stat(procfs, pid, &h, NULL, &ticks) < 0 ||
	    build_record(procfs, cgroup2_root, pid, ticks, false, rec) < 0)
		return -ESRCH;
	return (int)rec->rec.hdr.size;
}
