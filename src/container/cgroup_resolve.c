/*
 * cgroup id -> cgroup path, on the cgroup v2 hierarchy of this host.
 *
 * The id bpf_get_current_cgroup_id() returns is the kernfs node id of the
 * cgroup's directory, which is both its inode number and the payload of its
 * kernfs file handle. open_by_handle_at() on that handle finds the directory
 * in two system calls whatever the size of the tree; where it is refused
 * (no CAP_DAC_READ_SEARCH, or a kernel without kernfs handles) a walk of the
 * hierarchy comparing inode numbers gives the same answer, more slowly.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container/internal.h"

#define FILEID_KERNFS 0xfe /* include/linux/exportfs.h: u64 node id */
#define WALK_DEPTH_MAX 32
#define PROC_FILE_MAX (4u << 20)

struct container_cgroupfs {
	int mount_fd;
	char mnt[PATH_MAX];  /* where the hierarchy is mounted */
	char root[PATH_MAX]; /* the mount's root inside the hierarchy; "" for "/" */
	bool handles;
};

/* mountinfo escapes ' ', '\t', '\n' and '\\' as \ooo. */
static int copy_unescaped(const char *s, size_t len, char *out, size_t out_len)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		char ch = s[i];

		if (ch == '\\' && i + 3 < len && s[i + 1] >= '0' && s[i + 1] <= '3' &&
		    s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
			ch = (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
			i += 3;
		}
		if (o + 1 >= out_len)
			return -ENAMETOOLONG;
		out[o++] = ch;
	}
	out[o] = '\0';
	return 0;
}

/* Field n (0-based, space-separated) of a line; false when absent. */
static bool field(const char *line, const char *end, int n, const char **f, size_t *len)
{
	const char *p = line, *q;

	for (;;) {
		while (p < end && *p == ' ')
			p++;
		if (p >= end)
			return false;
		q = p;
		while (q < end && *q != ' ')
			q++;
		if (n-- == 0) {
			*f = p;
			*len = (size_t)(q - p);
			return true;
		}
		p = q;
	}
}

int container_mountinfo_cgroup2(const char *text, char *mnt, size_t mnt_len, char *root,
				size_t root_len)
{
	const char *line = text, *end, *sep, *f, *r, *m;
	size_t flen, rlen, mlen;
	int err;

	while (*line) {
		end = strchrnul(line, '\n');
		/* Optional fields come between the mount options and " - ". */
		sep = memmem(line, (size_t)(end - line), " - ", 3);
		if (sep && field(sep + 3, end, 0, &f, &flen) && flen == 7 &&
		    memcmp(f, "cgroup2", 7) == 0 && field(line, sep, 3, &r, &rlen) &&
		    field(line, sep, 4, &m, &mlen)) {
			err = copy_unescaped(m, mlen, mnt, mnt_len);
			if (!err)
				err = copy_unescaped(r, rlen, root, root_len);
			return err;
		}
		line = *end ? end + 1 : end;
	}
	return -ENOENT;
}

int container_proc_cgroup_v2(const char *text, char *out, size_t out_len)
{
	const char *line = text, *end;
	size_t n;

	while (*line) {
		end = strchrnul(line, '\n');
		if (strncmp(line, "0::", 3) == 0) {
			n = (size_t)(end - line) - 3;
			if (n == 0 || n >= out_len)
				return -ENAMETOOLONG;
			memcpy(out, line + 3, n);
			out[n] = '\0';
			return 0;
		}
		line = *end ? end + 1 : end;
	}
	return -ENOENT;
}

/* A whole /proc file: its size is unknown until read. */
static int read_file(const char *path, char **out)
{
	int fd, err;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = container_read_all(fd, PROC_FILE_MAX, out);
	close(fd);
	return err;
}

struct kernfs_handle {
	struct file_handle fh;
	uint64_t id;
};

/*
 * Handles are usable when the root's handle is a kernfs one whose payload is
 * the root's inode number (what the kernel calls the cgroup id), and when
 * open_by_handle_at is allowed to us.
 */
static bool probe_handles(struct container_cgroupfs *fs)
{
	struct {
		struct file_handle fh;
		unsigned char bytes[MAX_HANDLE_SZ];
	} h;
	struct stat st;
	uint64_t id;
	int mount_id, fd;

	h.fh.handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(fs->mount_fd, "", &h.fh, &mount_id, AT_EMPTY_PATH) < 0 ||
	    h.fh.handle_type != FILEID_KERNFS || h.fh.handle_bytes != sizeof(id) ||
	    fstat(fs->mount_fd, &st) < 0)
		return false;
	memcpy(&id, h.fh.f_handle, sizeof(id));
	if (id != (uint64_t)st.st_ino)
		return false;
	fd = open_by_handle_at(fs->mount_fd, &h.fh, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		container_log("open_by_handle_at on %s refused (%s): cgroup ids are resolved by "
			      "walking the hierarchy instead, once per new cgroup (slower); run "
			      "with CAP_DAC_READ_SEARCH to avoid it",
			      fs->mnt, strerror(errno));
		return false;
	}
	close(fd);
	return true;
}

int container_cgroup2_mount(char *mnt, size_t mnt_len)
{
	char root[4096], *mountinfo = NULL;
	int err = read_file("/proc/self/mountinfo", &mountinfo);

	if (!err)
		err = container_mountinfo_cgroup2(mountinfo, mnt, mnt_len, root, sizeof(root));
	free(mountinfo);
	return err;
}

int container_cgroupfs_open(const char *root, struct container_cgroupfs **out)
{
	struct container_cgroupfs *fs = NULL;
	char *mountinfo = NULL;
	int err;

	*out = NULL;
	fs = calloc(1, sizeof(*fs));
	if (!fs)
		return -ENOMEM;
	fs->mount_fd = -1;
	if (root) {
		err = snprintf(fs->mnt, sizeof(fs->mnt), "%s", root) >= (int)sizeof(fs->mnt) ?
			      -ENAMETOOLONG :
			      0;
	} else {
		err = read_file("/proc/self/mountinfo", &mountinfo);
		if (!err)
			err = container_mountinfo_cgroup2(mountinfo, fs->mnt, sizeof(fs->mnt),
							  fs->root, sizeof(fs->root));
		if (err == -ENOENT)
			container_log("no cgroup2 mount in /proc/self/mountinfo: processes cannot "
				      "be attributed to containers; mount cgroup2 (e.g. on "
				      "/sys/fs/cgroup/unified) and restart");
		else if (err)
			container_log("cannot read /proc/self/mountinfo: %s", strerror(-err));
		if (err)
			goto cleanup;
	}
	if (strcmp(fs->root, "/") == 0)
		fs->root[0] = '\0';
	fs->mount_fd = open(fs->mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fs->mount_fd < 0) {
		err = -errno;
		container_log("cannot open the cgroup2 mount %s: %s", fs->mnt, strerror(errno));
		goto cleanup;
	}
	fs->handles = probe_handles(fs);
	*out = fs;
	fs = NULL;
cleanup:
	free(mountinfo);
	container_cgroupfs_close(fs);
	return err;
}

void container_cgroupfs_close(struct container_cgroupfs *fs)
{
	if (!fs)
		return;
	if (fs->mount_fd >= 0)
		close(fs->mount_fd);
	free(fs);
}

/* out := root + rel, where rel is relative to the mount ("" is its top). */
static int join_root(const struct container_cgroupfs *fs, const char *rel, char *out,
		     size_t out_len)
{
	int n;

	while (*rel == '/')
		rel++;
	n = snprintf(out, out_len, "%s/%s", fs->root, rel);
	if (n < 0 || (size_t)n >= out_len)
		return -ENAMETOOLONG;
	if (n > 1 && out[n - 1] == '/')
		out[n - 1] = '\0';
	return 0;
}

/* 1: found (path in buf), 0: not below fd_dir, negative errno: failure. */
static int walk(int fd_dir, uint64_t id, char *buf, size_t len, size_t cap, int depth)
{
	struct dirent *d;
	struct stat st;
	DIR *dir;
	size_t n;
	int fd, ret = 0;

	if (depth > WALK_DEPTH_MAX)
		return 0;
	dir = fdopendir(fd_dir);
	if (!dir) {
		close(fd_dir);
		return -errno;
	}
	while (ret == 0 && (d = readdir(dir))) {
		if (d->d_name[0] == '.' &&
		    (d->d_name[1] == '\0' || (d->d_name[1] == '.' && d->d_name[2] == '\0')))
			continue;
		if (d->d_type == DT_UNKNOWN) {
			if (fstatat(dirfd(dir), d->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
			    !S_ISDIR(st.st_mode))
				continue;
		} else if (d->d_type != DT_DIR) {
			continue;
		}
		n = strlen(d->d_name);
		if (len + 1 + n + 1 > cap)
			continue;
		buf[len] = '/';
		memcpy(buf + len + 1, d->d_name, n + 1);
		if ((uint64_t)d->d_ino == id)
			ret = 1;
		if (ret == 0) {
			fd = openat(dirfd(dir), d->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (fd >= 0)
				ret = walk(fd, id, buf, len + 1 + n, cap, depth + 1);
			/* A cgroup removed under the walk: the rest of the tree still counts. */
			if (ret < 0)
				ret = 0;
		}
	}
	if (ret == 0)
		buf[len] = '\0';
	closedir(dir);
	return ret;
}

static int path_by_walk(struct container_cgroupfs *fs, uint64_t id, char *out, size_t out_len)
{
	char rel[PATH_MAX] = "";
	struct stat st;
	int fd, ret;

	if (fstat(fs->mount_fd, &st) < 0)
		return -errno;
	if ((uint64_t)st.st_ino == id)
		return join_root(fs, "", out, out_len);
	fd = openat(fs->mount_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = walk(fd, id, rel, 0, sizeof(rel), 0);
	if (ret < 0)
		return ret;
	if (ret == 0)
		return -ENOENT;
	return join_root(fs, rel, out, out_len);
}

static int path_by_handle(struct container_cgroupfs *fs, uint64_t id, char *out,
			  size_t out_len)
{
	struct kernfs_handle h = { .fh = { .handle_bytes = sizeof(uint64_t),
					   .handle_type = FILEID_KERNFS },
				   .id = id };
	char link[64], target[PATH_MAX];
	size_t mlen = strlen(fs->mnt);
	ssize_t n;
	int fd;

	fd = open_by_handle_at(fs->mount_fd, &h.fh, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	while (mlen > 1 && fs->mnt[mlen - 1] == '/')
		mlen--;
	/* Outside our mount (another mount namespace view): let the walk decide. */
	if (strncmp(target, fs->mnt, mlen) != 0 || (target[mlen] != '/' && target[mlen] != '\0'))
		return -EXDEV;
	return join_root(fs, target + mlen, out, out_len);
}

int container_cgroupfs_path(struct container_cgroupfs *fs, uint64_t id, char *out,
			    size_t out_len)
{
	int err;

	if (fs->handles) {
		err = path_by_handle(fs, id, out, out_len);
		/* ESTALE: the cgroup is gone; the walk would not find it either. */
		if (err == -ESTALE || err == -ENOENT)
			return -ENOENT;
		if (err != -EPERM && err != -EXDEV && err != -EOPNOTSUPP && err != -EINVAL)
			return err;
	}
	return path_by_walk(fs, id, out, out_len);
}

int container_cgroupfs_id(struct container_cgroupfs *fs, const char *path, uint64_t *id)
{
	size_t rlen = strlen(fs->root);
	struct stat st;
	const char *rel = path;

	if (rlen) {
		if (strncmp(path, fs->root, rlen) != 0 || (path[rlen] != '/' && path[rlen] != '\0'))
			return -ENOENT;
		rel = path + rlen;
	}
	while (*rel == '/')
		rel++;
	if (fstatat(fs->mount_fd, *rel ? rel : ".", &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	*id = (uint64_t)st.st_ino;
	return 0;
}

int container_cgroupfs_pid(struct container_cgroupfs *fs, int64_t pid, char *path,
			   size_t path_len, uint64_t *id)
{
	char file[64], *text = NULL;
	int err;

	snprintf(file, sizeof(file), "/proc/%lld/cgroup", (long long)pid);
	err = read_file(file, &text);
	if (!err)
		err = container_proc_cgroup_v2(text, path, path_len);
	if (!err)
		err = container_cgroupfs_id(fs, path, id);
	free(text);
	return err;
}
