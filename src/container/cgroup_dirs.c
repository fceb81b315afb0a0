/*
 * The directories of a process's cgroups as this host mounts them: the
 * cgroup v2 directory (whose inode is the id bpf_get_current_cgroup_id()
 * gives), and, on a hybrid host where Docker's cgroupfs driver puts the
 * controllers on v1 hierarchies (this development machine), the v1
 * directories of the memory, pids and cpuacct controllers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container/internal.h"

#define PROC_TEXT_MAX (4u << 20)

static int read_text(const char *path, char **out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;

	*out = NULL;
	if (fd < 0)
		return -errno;
	err = container_read_all(fd, PROC_TEXT_MAX, out);
	close(fd);
	return err;
}

/* Whether a comma-separated option list holds `opt`. */
static bool has_option(const char *opts, size_t len, const char *opt)
{
	size_t n = strlen(opt);
	const char *p = opts, *end = opts + len;

	while (p < end) {
		const char *q = memchr(p, ',', (size_t)(end - p));

		if (!q)
			q = end;
		if ((size_t)(q - p) == n && memcmp(p, opt, n) == 0)
			return true;
		p = q + 1;
	}
	return false;
}

/* Where the v1 hierarchy of `controller` is mounted (its root must be "/",
 * as on a host; a container's view is not supported). */
static int v1_mount(const char *mountinfo, const char *controller, char *mnt, size_t len)
{
	const char *line = mountinfo;

	while (*line) {
		const char *end = strchrnul(line, '\n'), *sep = memmem(line, (size_t)(end - line),
								    " - cgroup ", 10);
		char root[8], point[4096];
		const char *opts;

		if (sep && sscanf(line, "%*s %*s %*s %7s %4095s", root, point) == 2 &&
		    !strcmp(root, "/") && (opts = memrchr(sep + 10, ' ', (size_t)(end - sep - 10))) &&
		    has_option(opts + 1, (size_t)(end - opts - 1), controller)) {
			snprintf(mnt, len, "%s", point);
			return 0;
		}
		line = *end ? end + 1 : end;
	}
	return -ENOENT;
}

/* The path of `controller` in /proc/PID/cgroup ("8:memory:/docker/ID"). */
static int v1_path(const char *proc_cgroup, const char *controller, char *out, size_t len)
{
	const char *line = proc_cgroup;

	while (*line) {
		const char *end = strchrnul(line, '\n'), *a = memchr(line, ':', (size_t)(end - line));
		const char *b = a ? memchr(a + 1, ':', (size_t)(end - a - 1)) : NULL;

		if (b && has_option(a + 1, (size_t)(b - a - 1), controller)) {
			if ((size_t)(end - b - 1) >= len)
				return -ENAMETOOLONG;
			memcpy(out, b + 1, (size_t)(end - b - 1));
			out[end - b - 1] = '\0';
			return 0;
		}
		line = *end ? end + 1 : end;
	}
	return -ENOENT;
}

static void v1_dir(const char *mountinfo, const char *proc_cgroup, const char *controller,
		   char *out, size_t len)
{
	char mnt[4096], path[4096];

	out[0] = '\0';
	if (v1_mount(mountinfo, controller, mnt, sizeof(mnt)) == 0 &&
	    v1_path(proc_cgroup, controller, path, sizeof(path)) == 0 &&
	    snprintf(out, len, "%s%s", mnt, path) >= (int)len)
		out[0] = '\0';
}

int container_cgroup_dirs(int pid, struct container_cgroup_dirs *out)
{
	char file[64], mnt[4096], root[4096], path[4096], *mountinfo = NULL, *cg = NULL;
	struct stat st;
	int err;

	memset(out, 0, sizeof(*out));
	snprintf(file, sizeof(file), "/proc/%d/cgroup", pid);
	err = read_text("/proc/self/mountinfo", &mountinfo);
	err = err ?: read_text(file, &cg);
	err = err ?: container_mountinfo_cgroup2(mountinfo, mnt, sizeof(mnt), root, sizeof(root));
	err = err ?: container_proc_cgroup_v2(cg, path, sizeof(path));
	if (!err && snprintf(out->v2, sizeof(out->v2), "%s%s", mnt,
			     strcmp(path, "/") ? path : "") >= (int)sizeof(out->v2))
		err = -ENAMETOOLONG;
	if (!err && stat(out->v2, &st) < 0)
		err = -errno;
	if (!err) {
		out->id = (uint64_t)st.st_ino;
		v1_dir(mountinfo, cg, "memory", out->memory, sizeof(out->memory));
		v1_dir(mountinfo, cg, "pids", out->pids, sizeof(out->pids));
		v1_dir(mountinfo, cg, "cpuacct", out->cpuacct, sizeof(out->cpuacct));
	}
	free(mountinfo);
	free(cg);
	return err;
}
