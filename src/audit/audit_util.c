/* Small helpers the audit's parsers and collectors share. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/internal.h"

int audit_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

char *audit_dupn(bool *oom, const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (!d) {
		*oom = true;
		return NULL;
	}
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *audit_dup(bool *oom, const char *s)
{
	return audit_dupn(oom, s ? s : "", s ? strlen(s) : 0);
}

void *audit_grow(void *arr_ptr, size_t *n, size_t elem, bool *oom)
{
	char **arr = arr_ptr;
	char *tmp;

	if (*n >= AUDIT_LIST_MAX) {
		*oom = true;
		return NULL;
	}
	/* Doubling capacities: grow when n is 0 or a power of two. */
	if ((*n & (*n - 1)) == 0) {
		tmp = realloc(*arr, (*n ? *n * 2 : 1) * elem);
		if (!tmp) {
			*oom = true;
			return NULL;
		}
		*arr = tmp;
	}
	tmp = *arr + *n * elem;
	memset(tmp, 0, elem);
	(*n)++;
	return tmp;
}

int audit_strv_push(char ***v, size_t *n, bool *oom, const char *s)
{
	char **slot = audit_grow(v, n, sizeof(char *), oom);

	if (!slot)
		return -ENOMEM;
	*slot = audit_dup(oom, s);
	return *slot ? 0 : -ENOMEM;
}

void audit_strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void audit_env_free(struct audit_env *e, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(e[i].name);
		free(e[i].value);
	}
	free(e);
}

int audit_read_file(const char *path, size_t max, char **out, size_t *len)
{
	char *buf = NULL, *tmp;
	size_t cap = 0, n = 0;
	ssize_t got;
	int fd, ret = 0;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (n + 1 >= cap) {
			if (cap >= max + 1) {
				ret = -EFBIG;
				goto out;
			}
			cap = cap ? cap * 2 : 16384;
			if (cap > max + 1)
				cap = max + 1;
			tmp = realloc(buf, cap + 1);
			if (!tmp) {
				ret = -ENOMEM;
				goto out;
			}
			buf = tmp;
		}
		got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			ret = -errno;
			goto out;
		}
		if (got == 0)
			break;
		n += (size_t)got;
		if (n > max) {
			ret = -EFBIG;
			goto out;
		}
	}
	if (!buf && !(buf = malloc(1))) {
		ret = -ENOMEM;
		goto out;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return ret;
}

bool audit_cap_eq(const char *a, const char *b)
{
	if (strncasecmp(a, "CAP_", 4) == 0)
		a += 4;
	if (strncasecmp(b, "CAP_", 4) == 0)
		b += 4;
	return strcasecmp(a, b) == 0;
}
