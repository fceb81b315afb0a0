// SPDX-License-Identifier: MIT
/*
 * floor: the hooks' price, for palisade's overhead benchmark (bench/run.sh).
 *
 * On this kernel the only hooks that see an open are syscall tracepoints
 * (DESIGN.md section 1), and attaching any program to one puts every task on
 * the kernel's slower syscall-tracing path. That part of palisade's cost is
 * the kernel's, not palisade's: the benchmark measures it in every run by
 * attaching empty programs to exactly the hooks the agent attached, and
 * reports the agent's margin above it.
 *
 *   floor hooks PID     prints the hooks of the BPF links process PID holds,
 *                       read back from the kernel (its fds' link ids, then
 *                       each link's info), one per line:
 *                         tracepoint CATEGORY:NAME
 *                         tp_btf NAME
 *                         raw_tp NAME
 *                         other LINK_TYPE PROG_TYPE   (not reproduced: said so)
 *   floor attach FILE   attaches an empty program (r0 = 0; exit) to each
 *                       hook line of FILE ('-': stdin), prints
 *                       "floor: attached N hooks" and waits for SIGINT or
 *                       SIGTERM; the links go with the process.
 *
 * The empty program is of the agent's program type on each hook (a
 * tracepoint program on a tracepoint, a BTF-typed one on tp_btf), so the
 * kernel's dispatch cost is the same; only the body is empty.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { MAX_HOOKS = 1024, NAME_MAX_LEN = 128 };

/* The leading part of the kernel's struct bpf_link_info (UAPI, stable) for
 * the link kinds read here: Debian 12's headers (6.1) predate the
 * perf_event member (6.6), so its layout is spelled out. The kernel copies
 * at most the size given. */
struct link_info_head {
	__u32 type;
	__u32 id;
	__u32 prog_id;
	__u32 pad;
	union {
		struct {
			__u64 tp_name;
			__u32 tp_name_len;
			__u32 pad;
		} raw_tp;
		struct {
			__u32 type;
			__u32 pad;
			__u64 tp_name; /* the tracepoint member of its union */
			__u32 name_len;
			__u32 pad2;
		} perf_event;
	};
};

#define LINK_TYPE_RAW_TRACEPOINT 1
#define LINK_TYPE_PERF_EVENT 7
#define PERF_EVENT_TRACEPOINT 5

static const char *tracefs_roots[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };

/* The tracefs category of tracepoint NAME: the events/ directory holding it. */
static int tracepoint_category(const char *name, char *cat, size_t size)
{
	for (size_t r = 0; r < sizeof(tracefs_roots) / sizeof(tracefs_roots[0]); r++) {
		char path[512];
		struct dirent *d;
		DIR *dir;

		snprintf(path, sizeof(path), "%s/events", tracefs_roots[r]);
		dir = opendir(path);
		if (!dir)
			continue;
		while ((d = readdir(dir))) {
			if (d->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/events/%s/%s/id", tracefs_roots[r],
				 d->d_name, name);
			if (strlen(d->d_name) < size && access(path, R_OK) == 0) {
				memcpy(cat, d->d_name, strlen(d->d_name) + 1);
				closedir(dir);
				return 0;
			}
		}
		closedir(dir);
	}
	return -ENOENT;
}

static int prog_type_of(__u32 prog_id)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(prog_id), type;

	if (fd < 0)
		return -errno;
	memset(&info, 0, sizeof(info));
	type = bpf_obj_get_info_by_fd(fd, &info, &len) ? -errno : (int)info.type;
	close(fd);
	return type;
}

/* Prints the hook of link id, one line. */
static int print_link(__u32 id)
{
	struct link_info_head info;
	__u32 len = sizeof(info);
	char name[NAME_MAX_LEN] = "", cat[NAME_MAX_LEN];
	int fd = bpf_link_get_fd_by_id(id), ptype, ret = 0;

	if (fd < 0) {
		fprintf(stderr, "floor: link %u: %s\n", id, strerror(errno));
		return -errno;
	}
	memset(&info, 0, sizeof(info));
	/* Asked once for the type, then again with the name buffer. */
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		ret = -errno;
		goto out;
	}
	if (info.type == LINK_TYPE_RAW_TRACEPOINT) {
		info.raw_tp.tp_name = (__u64)(unsigned long)name;
		info.raw_tp.tp_name_len = sizeof(name);
	} else if (info.type == LINK_TYPE_PERF_EVENT &&
		   info.perf_event.type == PERF_EVENT_TRACEPOINT) {
		info.perf_event.tp_name = (__u64)(unsigned long)name;
		info.perf_event.name_len = sizeof(name);
	}
	len = sizeof(info);
	if (name[0] == '\0' && bpf_obj_get_info_by_fd(fd, &info, &len)) {
		ret = -errno;
		goto out;
	}
	ptype = prog_type_of(info.prog_id);
	if (info.type == LINK_TYPE_RAW_TRACEPOINT && name[0])
		printf("%s %s\n", ptype == BPF_PROG_TYPE_TRACING ? "tp_btf" : "raw_tp", name);
	else if (info.type == LINK_TYPE_PERF_EVENT && name[0] &&
		 tracepoint_category(name, cat, sizeof(cat)) == 0)
		printf("tracepoint %s:%s\n", cat, name);
	else
		printf("other %u %d\n", info.type, ptype);
out:
	if (ret)
		fprintf(stderr, "floor: link %u: %s\n", id, strerror(-ret));
	close(fd);
	return ret;
}

/* The link ids in /proc/PID/fdinfo, each once. */
static int list_hooks(const char *pid)
{
	char path[512], line[256];
	__u32 seen[MAX_HOOKS];
	size_t n = 0;
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%s/fdinfo", pid);
	dir = opendir(path);
	if (!dir) {
		fprintf(stderr, "floor: %s: %s\n", path, strerror(errno));
		return 1;
	}
	while ((d = readdir(dir))) {
		FILE *f;

		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fdinfo/%s", pid, d->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			unsigned id;
			size_t i;

			if (sscanf(line, "link_id: %u", &id) != 1)
				continue;
			for (i = 0; i < n && seen[i] != id; i++)
				;
			if (i == n && n < MAX_HOOKS) {
				seen[n++] = id;
				print_link(id);
			}
		}
		fclose(f);
	}
	closedir(dir);
	return 0;
}

static const struct bpf_insn empty_prog[] = {
	{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
	{ .code = BPF_JMP | BPF_EXIT },
};

static int load_empty(enum bpf_prog_type type, __u32 btf_id)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts);
	int fd;

	if (type == BPF_PROG_TYPE_TRACING) {
		opts.expected_attach_type = BPF_TRACE_RAW_TP;
		opts.attach_btf_id = btf_id;
	}
	fd = bpf_prog_load(type, "floor", "GPL", empty_prog, 2, &opts);
	return fd < 0 ? -errno : fd;
}

static int tracepoint_id(const char *cat, const char *name)
{
	for (size_t r = 0; r < sizeof(tracefs_roots) / sizeof(tracefs_roots[0]); r++) {
		char path[512];
		FILE *f;
		int id;

		snprintf(path, sizeof(path), "%s/events/%s/%s/id", tracefs_roots[r], cat, name);
		f = fopen(path, "re");
		if (!f)
			continue;
		id = fscanf(f, "%d", &id) == 1 ? id : -EINVAL;
		fclose(f);
		return id;
	}
	return -ENOENT;
}

static int attach_tracepoint(int prog, char *spec)
{
	struct perf_event_attr attr;
	char *colon = strchr(spec, ':');
	int id, pfd;

	if (!colon)
		return -EINVAL;
	*colon = '\0';
	id = tracepoint_id(spec, colon + 1);
	*colon = ':';
	if (id < 0)
		return id;
	memset(&attr, 0, sizeof(attr));
	attr.type = PERF_TYPE_TRACEPOINT;
	attr.size = sizeof(attr);
	attr.config = (__u64)id;
	attr.sample_period = 1;
	attr.wakeup_events = 1;
	pfd = (int)syscall(SYS_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0)
		return -errno;
	if (bpf_link_create(prog, pfd, BPF_PERF_EVENT, NULL) < 0)
		return -errno;
	return 0; /* the perf fd and the link stay open until exit */
}

static int attach_btf(struct btf *vmlinux, const char *name)
{
	char type_name[NAME_MAX_LEN + 16];
	int btf_id, prog;

	snprintf(type_name, sizeof(type_name), "btf_trace_%s", name);
	btf_id = btf__find_by_name_kind(vmlinux, type_name, BTF_KIND_TYPEDEF);
	if (btf_id < 0)
		return btf_id;
	prog = load_empty(BPF_PROG_TYPE_TRACING, (__u32)btf_id);
	if (prog < 0)
		return prog;
	return bpf_raw_tracepoint_open(NULL, prog) < 0 ? -errno : 0;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int attach_all(const char *file)
{
	FILE *in = strcmp(file, "-") == 0 ? stdin : fopen(file, "re");
	struct btf *vmlinux = NULL;
	char line[256], kind[32], name[NAME_MAX_LEN];
	int tp_prog = -1, raw_prog = -1, n = 0, ret = 0, err;
	sigset_t block, none;

	if (!in) {
		fprintf(stderr, "floor: %s: %s\n", file, strerror(errno));
		return 1;
	}
	while (fgets(line, sizeof(line), in)) {
		if (sscanf(line, "%31s %127s", kind, name) != 2)
			continue;
		if (strcmp(kind, "tracepoint") == 0) {
			if (tp_prog < 0)
				tp_prog = load_empty(BPF_PROG_TYPE_TRACEPOINT, 0);
			err = tp_prog < 0 ? tp_prog : attach_tracepoint(tp_prog, name);
		} else if (strcmp(kind, "raw_tp") == 0) {
			if (raw_prog < 0)
				raw_prog = load_empty(BPF_PROG_TYPE_RAW_TRACEPOINT, 0);
			err = raw_prog < 0 ? raw_prog
					   : (bpf_raw_tracepoint_open(name, raw_prog) < 0 ? -errno : 0);
		} else if (strcmp(kind, "tp_btf") == 0) {
			if (!vmlinux)
				vmlinux = btf__load_vmlinux_btf();
			err = vmlinux ? attach_btf(vmlinux, name) : -ENOENT;
		} else {
			fprintf(stderr, "floor: not reproduced: %s", line);
			continue;
		}
		if (err) {
			fprintf(stderr, "floor: %s %s: %s\n", kind, name, strerror(-err));
			ret = 1;
			break;
		}
		n++;
	}
	if (in != stdin)
		fclose(in);
	btf__free(vmlinux);
	if (ret)
		return ret;
	/* Blocked until sigsuspend: a signal between the test and the wait
	 * would otherwise be missed. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, NULL);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("floor: attached %d hooks\n", n);
	fflush(stdout);
	sigemptyset(&none);
	while (!stop)
		sigsuspend(&none);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "hooks") == 0)
		return list_hooks(argv[2]);
	if (argc == 3 && strcmp(argv[1], "attach") == 0)
		return attach_all(argv[2]);
	fprintf(stderr, "usage: floor hooks PID | floor attach FILE|-\n");
	return 2;
}
