/*
 * User-space half of the in-kernel exec deny lists (bpf/exec_deny.bpf.h):
 * turns rule values into the kernel's key form and fills the maps. What goes
 * in them is decided by src/action/exec_kill.c.
 */
#include <errno.h>
#include <string.h>

#include <bpf/bpf.h>

#include "sensor/internal.h"

int sensor_exec_path_key(const char *path, char key[EXEC_DENY_KEY])
{
	size_t len = strlen(path), end, start, off = 0;

	memset(key, 0, EXEC_DENY_KEY);
	/* Canonical only: the kernel compares resolved paths, which have no
	 * empty, "." or ".." components and no trailing slash. */
	if (len < 2 || path[0] != '/' || path[len - 1] == '/' || strstr(path, "//") ||
	    strstr(path, "/./") || strstr(path, "/../") ||
	    (len >= 2 && !strcmp(path + len - 2, "/.")) ||
	    (len >= 3 && !strcmp(path + len - 3, "/..")))
		return -EINVAL;
	if (len > EXEC_DENY_KEY)
		return -ENAMETOOLONG;
	/* Components leaf-first, each NUL-terminated: as the sensor writes them. */
	end = len;
	while (end > 0) {
		start = end;
		while (start > 0 && path[start - 1] != '/')
			start--;
		if (off + (end - start) + 1 > EXEC_DENY_KEY)
			return -ENAMETOOLONG;
		memcpy(key + off, path + start, end - start);
		off += end - start + 1;
		end = start - 1; /* skip the '/' */
	}
	return (int)off;
}

static int map_fd(struct sensor *s, uint32_t kind)
{
	switch (kind) {
	case EXEC_DENY_PATH:
		return bpf_map__fd(s->skel->maps.exec_deny_path);
	case EXEC_DENY_DIR:
		return bpf_map__fd(s->skel->maps.exec_deny_dir);
	case EXEC_DENY_NAME:
		return bpf_map__fd(s->skel->maps.exec_deny_name);
	case EXEC_DENY_ARGV0:
		return bpf_map__fd(s->skel->maps.exec_deny_argv0);
	default:
		return -EINVAL;
	}
}

int sensor_exec_deny_add(struct sensor *s, uint32_t kind, const char *value, uint32_t scopes)
{
	char key[EXEC_DENY_KEY] = { 0 };
	uint32_t old = 0;
	int fd = map_fd(s, kind), ret;
	size_t len = strlen(value);

	if (fd < 0)
		return fd;
	if (kind == EXEC_DENY_PATH || kind == EXEC_DENY_DIR) {
		ret = sensor_exec_path_key(value, key);
		if (ret < 0)
			return ret;
	} else if (kind == EXEC_DENY_NAME) {
		/* The kernel cuts comm at 15 bytes: a longer name never equals
		 * proc.name, so it is not listed (the rule could not match). */
		if (!len || len >= EV_COMM_LEN)
			return -ENAMETOOLONG;
		memcpy(key, value, len);
	} else {
		if (!len || len >= EXEC_DENY_KEY)
			return -ENAMETOOLONG;
		memcpy(key, value, len);
	}
	/* Two rules may list the same value with different scopes. */
	bpf_map_lookup_elem(fd, key, &old);
	old |= scopes;
	if (bpf_map_update_elem(fd, key, &old, BPF_ANY))
		return -errno;
	s->skel->bss->exec_deny_kinds |= kind;
	return 0;
}

int sensor_exec_protect(struct sensor *s, const char *path)
{
	char key[EXEC_DENY_KEY];
	uint32_t one = 1;
	int ret = sensor_exec_path_key(path, key);

	if (ret < 0)
		return ret;
	if (bpf_map_update_elem(bpf_map__fd(s->skel->maps.exec_protected), key, &one, BPF_ANY))
		return -errno;
	return 0;
}

int sensor_exec_scope_cgroup(struct sensor *s, uint64_t cgroup_id, uint32_t scopes)
{
	if (bpf_map_update_elem(bpf_map__fd(s->skel->maps.exec_scope_cgroup), &cgroup_id, &scopes,
				BPF_ANY))
		return -errno;
	return 0;
}

static void map_clear(int fd)
{
	char key[EXEC_DENY_KEY], next[EXEC_DENY_KEY];

	while (bpf_map_get_next_key(fd, NULL, next) == 0) {
		memcpy(key, next, sizeof(key));
		if (bpf_map_delete_elem(fd, key))
			break;
	}
}

void sensor_exec_deny_clear(struct sensor *s)
{
	s->skel->bss->exec_deny_kinds = 0;
	map_clear(bpf_map__fd(s->skel->maps.exec_deny_path));
	map_clear(bpf_map__fd(s->skel->maps.exec_deny_dir));
	map_clear(bpf_map__fd(s->skel->maps.exec_deny_name));
	map_clear(bpf_map__fd(s->skel->maps.exec_deny_argv0));
	map_clear(bpf_map__fd(s->skel->maps.exec_scope_cgroup));
}

int sensor_entry_deny(struct sensor *s, const uint32_t masks[EV_SYSCALL_NR_MAX])
{
	int fd = bpf_map__fd(s->skel->maps.entry_deny);
	bool any = false;

	for (uint32_t nr = 0; nr < EV_SYSCALL_NR_MAX; nr++) {
		uint32_t v = masks ? masks[nr] : 0;

		if (bpf_map_update_elem(fd, &nr, &v, BPF_ANY))
			return -errno;
		any |= v != 0;
	}
	if (any && !s->entry_link) {
		s->entry_link = bpf_program__attach(s->skel->progs.on_sys_enter);
		if (!s->entry_link) {
			int err = -errno;

			sensor_entry_deny(s, NULL);
			return err;
		}
	}
	return 0;
}

bool sensor_entry_killed_take(struct sensor *s, uint32_t tid, uint32_t nr)
{
	uint32_t got = 0;

	if (bpf_map_lookup_and_delete_elem(bpf_map__fd(s->skel->maps.entry_killed), &tid, &got))
		return false;
	return got == nr;
}
