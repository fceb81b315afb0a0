/*
 * The synthetic event a permission event is judged on: the record the
 * syscall sensor (open family) or the process sensor (exec) would have
 * produced for this very operation, in the bpf/events.h layout, decoded by
 * the same decoder, with the process (and its parent chain) from /proc in the
 * guard's private process table and the container from the store. So the
 * rule's compiled condition sees the fields it sees on live events.
 *
 * Differences, documented in docs/enforcement-files.md: evt.res is 0 (the
 * open has not happened yet); an openat2 is presented as the openat it is
 * equivalent to (its flags are otherwise not visible to rules); an open that
 * did not come from an open syscall (io_uring, a kernel-internal open) is
 * presented as openat(O_RDWR), the most the caller could intend.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "action/fguard_internal.h"
#include "container/container.h"

#define ARGV_MAX 256 /* argv entries read from an exec's caller */

static ssize_t read_text(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0)
		n = -errno;
	else
		buf[n] = '\0';
	close(fd);
	return n;
}

int fguard_tgid_of(const char *procfs, uint32_t tid, uint32_t *tgid)
{
	char path[300], buf[2048], *p;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%u/status", procfs, tid);
	n = read_text(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	p = strstr(buf, "\nTgid:");
	if (!p)
		return -EINVAL;
	*tgid = (uint32_t)strtoul(p + 6, NULL, 10);
	return 0;
}

static int read_user(void *ctx, uint64_t addr, void *buf, size_t len)
{
	pid_t tid = (pid_t)(uintptr_t)ctx;
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)addr, .iov_len = len };
	ssize_t n = process_vm_readv(tid, &local, 1, &remote, 1, 0);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EFAULT;
}

static uint64_t boottime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * Is the private table's entry for pid still that process, unchanged? One
 * read of /proc/PID/stat (start time and comm) instead of the ten a full
 * snapshot takes: a different start time is a reused pid, a different comm
 * an exec. (An exec of a binary with the same name keeps a stale exe path
 * for up to one decision; the caller itself is always read afresh.)
 */
static bool entry_current(struct fguard *g, uint32_t pid)
{
	const struct proc_entry *e = proc_table_get(g->procs, pid);
	char comm[EV_COMM_LEN];
	uint64_t start_ns;

	return e && !e->exited && proc_stat_identity(g->procfs, pid, comm, &start_ns) == 0 &&
	       e->start_ns == start_ns && !strncmp(e->comm, comm, EV_COMM_LEN);
}

/* The process (its record stays in g->snap for the builders below) and its
 * parent chain, into the private table. The caller is read afresh at every
 * decision; an ancestor only when entry_current says it changed. */
static int load_process(struct fguard *g, uint32_t tgid)
{
	const char *cg = g->have_cgroup2 ? g->cgroup2_root : NULL;
	uint32_t pid;
	int n;

	n = proc_snapshot_one(g->procfs, cg, tgid, g->snap, PROC_SNAPSHOT_REC_MAX);
	if (n < 0)
		return n;
	if (event_decode(g->snap, (size_t)n, &g->tmp_ev) == 0)
		proc_table_apply(g->procs, &g->tmp_ev);
	pid = ((const struct ev_header *)g->snap)->ppid;
	for (unsigned depth = 1; pid && pid != tgid && depth <= PROC_ANCESTORS_MAX; depth++) {
		if (entry_current(g, pid)) {
			if (pid == 1)
				break;
			pid = proc_table_get(g->procs, pid)->ppid;
			continue;
		}
		n = proc_snapshot_one(g->procfs, cg, pid, g->anc_snap, PROC_SNAPSHOT_REC_MAX);
		if (n < 0)
			break; /* a parent gone: the chain ends there */
		if (event_decode(g->anc_snap, (size_t)n, &g->tmp_ev) == 0)
			proc_table_apply(g->procs, &g->tmp_ev);
		if (pid == 1)
			break;
		pid = ((const struct ev_header *)g->anc_snap)->ppid;
	}
	return 0;
}

static void header_from_snapshot(struct fguard *g, struct ev_header *h, uint32_t tid,
				 enum ev_kind kind)
{
	*h = *(const struct ev_header *)g->snap;
	h->kind = kind;
	h->tid = tid;
	h->ts_ns = boottime_ns();
	h->flags = 0;
}

/*
 * The caller's syscall. The kernel queues the permission event, wakes us and
 * only then puts the caller to sleep: read in between, /proc/TID/syscall says
 * "running", and the open would be judged as O_RDWR (a read of a protected
 * file refused as a write). On an idle machine the caller sleeps within
 * microseconds; on a loaded one it can be preempted for tens of
 * milliseconds before it does (seen in CI with 2 cores busy). So ask again
 * with a growing pause, for up to SYSCALL_WAIT_MS: the caller is blocked on
 * our answer anyway, and only a caller caught running pays the wait.
 */
#define SYSCALL_WAIT_MS 200 /* well inside the default 1 s --deny-timeout-ms */
#define SYSCALL_PAUSE_MIN_NS 20000
#define SYSCALL_PAUSE_MAX_NS 2000000

static int read_syscall(const char *file, struct fguard_syscall *sc)
{
	uint64_t deadline = fguard_now_ns() + SYSCALL_WAIT_MS * 1000000ull;
	long pause_ns = SYSCALL_PAUSE_MIN_NS;
	char text[512];
	int ret;

	for (;;) {
		ret = read_text(file, text, sizeof(text)) < 0 ? -ESRCH
							       : fguard_parse_syscall(text, sc);
		if (ret != -EBUSY || fguard_now_ns() >= deadline)
			return ret;
		nanosleep(&(struct timespec){ .tv_nsec = pause_ns }, NULL);
		if (pause_ns < SYSCALL_PAUSE_MAX_NS)
			pause_ns *= 2;
	}
}

/* The caller's open as its syscall says, into r; *judge false for an exec's
 * open of its binary. */
static int open_as_called(struct fguard *g, uint32_t tid, struct ev_syscall *r, bool *judge)
{
	struct fguard_syscall sc;
	char file[300];
	uint64_t flags = O_RDWR;
	int ret;

	snprintf(file, sizeof(file), "%s/%u/syscall", g->procfs, tid);
	ret = read_syscall(file, &sc);
	if (ret == 0 && fguard_is_exec_syscall(sc.nr)) {
		*judge = false; /* the kernel opening a binary to run it, read-only */
		return 0;
	}
	if (ret == 0 && fguard_is_open_syscall(sc.nr))
		ret = fguard_open_flags(&sc, read_user, (void *)(uintptr_t)tid, &flags);
	else
		ret = -ENOSYS;
	if (ret == -ESRCH)
		return ret;
	memset(r, 0, sizeof(*r));
	if (ret == 0 && sc.nr != SYS_openat2) {
		r->nr = (uint32_t)sc.nr;
		memcpy(r->args, sc.args, sizeof(r->args));
		return 0;
	}
	if (ret)
		fguard_count(&g->st.unknown_intent, 1);
	r->nr = SYS_openat;
	r->args[0] = (uint64_t)(int64_t)AT_FDCWD;
	r->args[2] = flags;
	return 0;
}

/* probe: an openat(O_WRONLY) of path, not the caller's syscall. */
static int build_open(struct fguard *g, uint32_t tid, const char *path, bool probe, bool *judge)
{
	struct ev_syscall *r = g->raw;
	bool trunc;
	int ret;

	*judge = true;
	if (probe) {
		memset(r, 0, sizeof(*r));
		r->nr = SYS_openat;
		r->args[0] = (uint64_t)(int64_t)AT_FDCWD;
		r->args[2] = O_WRONLY;
	} else if ((ret = open_as_called(g, tid, r, judge)) || !*judge) {
		return ret;
	}
	header_from_snapshot(g, &r->hdr, tid, EV_SYSCALL);
	r->res = 0;
	r->path_flags = EV_PATH1_RESOLVED;
	r->path_len = proc_encode_path(path, (char *)(r + 1), EV_PATH_MAX, &trunc);
	if (trunc)
		r->hdr.flags |= EV_F_EXE_TRUNC;
	r->hdr.size = (uint32_t)(sizeof(*r) + r->path_len);
	return 0;
}

/* A NUL-terminated string from the caller's memory into out (cap > 0);
 * its length, or -1 when unreadable. */
static ssize_t read_user_string(uint32_t tid, uint64_t addr, char *out, size_t cap)
{
	void *ctx = (void *)(uintptr_t)tid;
	size_t len, chunk;

	/* A string may end near a page edge: read it in small steps. */
	for (len = 0; len < cap; len += chunk) {
		chunk = cap - len < 64 ? cap - len : 64;
		if (read_user(ctx, addr + len, out + len, chunk))
			break;
		if (memchr(out + len, '\0', chunk))
			return (ssize_t)strnlen(out, cap);
	}
	return -1;
}

/* argv of the exec the caller is in, NUL-separated, into out; its length. */
static uint32_t read_argv(uint32_t tid, const struct fguard_syscall *sc, char *out, size_t cap,
			  uint32_t *argc)
{
	uint64_t argv = sc->nr == SYS_execveat ? sc->args[2] : sc->args[1], ptr;
	size_t n = 0;

	*argc = 0;
	for (unsigned i = 0; i < ARGV_MAX && n < cap; i++) {
		ssize_t len;

		if (read_user((void *)(uintptr_t)tid, argv + 8ull * i, &ptr, sizeof(ptr)) || !ptr)
			break;
		len = read_user_string(tid, ptr, out + n, cap - n);
		if (len < 0 || n + (size_t)len >= cap)
			break;
		n += (size_t)len + 1;
		(*argc)++;
	}
	return (uint32_t)n;
}

void fguard_exec_name(struct fguard *g, uint32_t tid, const char *path, char *name, size_t size)
{
	char file[300], text[512], filename[EV_PATH_MAX];
	struct fguard_syscall sc;
	const char *base = strrchr(path, '/');

	snprintf(name, size, "%s", base ? base + 1 : path);
	snprintf(file, sizeof(file), "%s/%u/syscall", g->procfs, tid);
	if (read_text(file, text, sizeof(text)) < 0 || fguard_parse_syscall(text, &sc) ||
	    !fguard_is_exec_syscall(sc.nr))
		return;
	/* The kernel names the process after the filename as passed (a symlink's
	 * own name: busybox applets), not after the binary it resolves to. */
	if (read_user_string(tid, sc.nr == SYS_execveat ? sc.args[1] : sc.args[0], filename,
			     sizeof(filename)) <= 0)
		return;
	base = strrchr(filename, '/');
	snprintf(name, size, "%s", base ? base + 1 : filename);
}

static int build_exec(struct fguard *g, uint32_t tid, const char *path, const char *name)
{
	const struct ev_exec *snap = g->snap;
	struct ev_exec *r = g->raw;
	char *data = (char *)(r + 1), file[300], text[512];
	struct fguard_syscall sc;
	uint32_t argc = 0;
	bool trunc;

	memset(r, 0, sizeof(*r));
	header_from_snapshot(g, &r->hdr, tid, EV_EXEC);
	/* After exec the comm is the name the exec gives. */
	memset(r->hdr.comm, 0, sizeof(r->hdr.comm));
	snprintf(r->hdr.comm, sizeof(r->hdr.comm), "%s", name);
	r->exe_len = proc_encode_path(path, data, EV_PATH_MAX, &trunc);
	if (trunc)
		r->hdr.flags |= EV_F_EXE_TRUNC;
	snprintf(file, sizeof(file), "%s/%u/syscall", g->procfs, tid);
	if (read_text(file, text, sizeof(text)) >= 0 && fguard_parse_syscall(text, &sc) == 0 &&
	    fguard_is_exec_syscall(sc.nr))
		r->args_len = read_argv(tid, &sc, data + r->exe_len, EV_ARGS_MAX, &argc);
	if (!r->args_len) { /* argv unreadable: the path stands for it */
		r->args_len = (uint32_t)snprintf(data + r->exe_len, EV_ARGS_MAX, "%s", path) + 1;
		if (r->args_len > EV_ARGS_MAX)
			r->args_len = EV_ARGS_MAX;
	}
	/* The cwd does not change at exec: the caller's, as /proc gave it. */
	r->cwd_len = snap->cwd_len;
	memcpy(data + r->exe_len + r->args_len,
	       (const char *)(snap + 1) + snap->exe_len + snap->args_len, snap->cwd_len);
	r->pgrp = snap->pgrp; /* exec keeps the group and session */
	r->hdr.size = (uint32_t)(sizeof(*r) + r->exe_len + r->args_len + r->cwd_len);
	return 0;
}

/* The decoded event of g->raw, with its process and container. */
static int decode_raw(struct fguard *g)
{
	const struct ev_header *h = g->raw;
	int ret = event_decode(g->raw, h->size, &g->ev);

	if (ret)
		return ret;
	proc_table_apply(g->procs, &g->ev);
	g->ev.procs = g->procs;
	g->ev.fim = g->cfg.fim;
	if (g->cfg.containers && h->cgroup_id)
		g->ev.container = container_store_lookup(g->cfg.containers, h->cgroup_id);
	g->ev.container_key = h->cgroup_id;
	return 0;
}

int fguard_build_write_probe(struct fguard *g, uint32_t pid, const char *path)
{
	bool judge;

	return load_process(g, pid) ?: build_open(g, pid, path, true, &judge) ?: decode_raw(g);
}

int fguard_build_event(struct fguard *g, enum fguard_kind kind, uint32_t tid, uint32_t tgid,
		       const char *path, const char *name, bool *judge)
{
	int ret;

	*judge = true;
	ret = load_process(g, tgid);
	if (ret)
		return ret;
	if (kind == FGUARD_OPEN)
		ret = build_open(g, tid, path, false, judge);
	else
		ret = build_exec(g, tid, path, name);
	if (ret || !*judge)
		return ret;
	return decode_raw(g);
}
