/*
 * A container's own users and groups. Falco names a container process's user
 * from the container's /etc/passwd, not the host's: the same uid is a
 * different account from image to image (www-data is 33 on Debian, 82 on
 * Alpine). The engine thread reads both files through /proc/PID/root when
 * the engine describes a container running, and they travel with its
 * container_info (and into record files).
 *
 * The files belong to the container, so they are read as untrusted input:
 * resolved inside the container's root (an absolute symlink cannot point the
 * agent at a host file), never blocking (a FIFO is refused), bounded in size
 * and entries.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "container/internal.h"

/*
 * Far above any real /etc/passwd; a bigger file is refused, not truncated.
 * With CONTAINER_ACCOUNTS_MAX it keeps a container's JSON (both tables) well
 * inside one record frame (RECORD_FRAME_MAX, 1 MiB).
 */
#define ACCOUNTS_FILE_MAX (256u << 10)

struct parsed {
	struct container_account a;
	size_t line; /* getpwuid() returns the first entry of an id: keep that one */
};

static int cmp_parsed(const void *x, const void *y)
{
	const struct parsed *a = x, *b = y;

	if (a->a.id != b->a.id)
		return a->a.id < b->a.id ? -1 : 1;
	return a->line < b->line ? -1 : a->line > b->line;
}

/* A decimal id: "82" -> 82; "", "-1", "1x", " 1" and ids above 2^32-1 are refused. */
static int parse_id(const char *s, uint32_t *out)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/*
 * Account names are what useradd accepts: printable ASCII. Anything else (a
 * control character, bytes that are not UTF-8) could not go into an alert or
 * a record file as JSON; such an entry is skipped, as a malformed one is.
 */
static bool name_ok(const char *s)
{
	for (; *s; s++) {
		if (*s < 0x21 || *s > 0x7e)
			return false;
	}
	return true;
}

int container_accounts_parse(char *text, struct container_account **out, size_t *n)
{
	struct parsed *p = NULL;
	size_t cap = 0, np = 0, line = 0, i, kept = 0;
	char *save = NULL, *l;
	int err = -ENOMEM;

	*out = NULL;
	*n = 0;
	for (l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save), line++) {
		char *name = l, *pw = strchr(name, ':'), *id, *end;

		if (!pw || name == pw || *name == '#' || *name == '+' || *name == '-')
			continue;
		*pw++ = '\0';
		id = strchr(pw, ':');
		if (!id)
			continue;
		id++;
		end = strchr(id, ':');
		if (end)
			*end = '\0';
		if (np == cap) {
			size_t ncap = cap ? cap * 2 : 32;
			struct parsed *q;

			if (ncap > CONTAINER_ACCOUNTS_MAX) {
				err = -E2BIG;
				goto cleanup;
			}
			q = realloc(p, ncap * sizeof(*p));
			if (!q)
				goto cleanup;
			p = q;
			cap = ncap;
		}
		if (parse_id(id, &p[np].a.id) || !name_ok(name))
			continue;
		p[np].a.name = name;
		p[np].line = line;
		np++;
	}
	err = 0;
	if (!np)
		goto cleanup;
	qsort(p, np, sizeof(*p), cmp_parsed);
	*out = malloc(np * sizeof(**out));
	if (!*out) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (i = 0; i < np; i++) {
		if (i && p[i].a.id == p[i - 1].a.id)
			continue;
		(*out)[kept++] = p[i].a;
	}
	*n = kept;
cleanup:
	free(p);
	return err;
}

int container_accounts_sort(struct container_account *a, size_t n)
{
	struct parsed *p;
	size_t i;

	if (n < 2)
		return 0;
	p = malloc(n * sizeof(*p));
	if (!p)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		p[i].a = a[i];
		p[i].line = i;
	}
	qsort(p, n, sizeof(*p), cmp_parsed);
	for (i = 0; i < n; i++) {
		if (i && p[i].a.id == p[i - 1].a.id) {
			free(p);
			return -EINVAL;
		}
		a[i] = p[i].a;
	}
	free(p);
	return 0;
}

/*
 * ROOT/PATH read whole into a malloc'd, NUL-terminated buffer. -ENOENT when
 * the container has no such file; -EINVAL when it is not a regular file;
 * -EFBIG above ACCOUNTS_FILE_MAX.
 */
static int read_in_root(int rootfd, const char *path, char **text)
{
	struct open_how how = {
		.flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	struct stat st;
	int fd, err;

	*text = NULL;
	fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	if (fd < 0)
		return -errno;
	err = fstat(fd, &st) ? -errno : 0;
	if (!err && !S_ISREG(st.st_mode))
		err = -EINVAL;
	if (!err)
		err = container_read_all(fd, ACCOUNTS_FILE_MAX, text);
	close(fd);
	return err;
}

/* ROOT/PATH parsed; a missing file is an empty table, as it is for Falco. */
static int load_table(int rootfd, const char *path, char **text,
		      struct container_account **a, size_t *n)
{
	int err = read_in_root(rootfd, path, text);

	*a = NULL;
	*n = 0;
	if (err == -ENOENT)
		return 0;
	return err ? err : container_accounts_parse(*text, a, n);
}

int container_info_with_accounts(const struct container_info *c, const char *root,
				 struct container_info **out)
{
	struct container_info tmp = *c;
	char *users_text = NULL, *groups_text = NULL;
	int rootfd, err;

	*out = NULL;
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return -errno;
	tmp.users = tmp.groups = NULL;
	err = load_table(rootfd, "/etc/passwd", &users_text, &tmp.users, &tmp.n_users);
	if (!err)
		err = load_table(rootfd, "/etc/group", &groups_text, &tmp.groups, &tmp.n_groups);
	if (err)
		goto cleanup;
	tmp.has_accounts = true;
	*out = container_info_pack(&tmp, c->cgroup_id);
	err = *out ? 0 : -ENOMEM;
cleanup:
	free(tmp.users);
	free(tmp.groups);
	free(users_text);
	free(groups_text);
	close(rootfd);
	return err;
}

static const char *account_name(const struct container_account *a, size_t n, uint32_t id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (a[mid].id == id)
			return a[mid].name;
		if (a[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const char *container_info_user(const struct container_info *c, uint32_t uid)
{
	return c && c->has_accounts ? account_name(c->users, c->n_users, uid) : NULL;
}

const char *container_info_group(const struct container_info *c, uint32_t gid)
{
	return c && c->has_accounts ? account_name(c->groups, c->n_groups, gid) : NULL;
}
