/*
 * Secret files the agent reads as root (an HMAC key, a bearer token): read
 * whole but bounded, the trailing newline `openssl rand -hex 32 > FILE`
 * leaves dropped, too short refused, readable by others warned about.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outfile/outfile.h"

#define SECRET_MAX 4096

int outfile_read_secret(const char *path, const char *what, size_t min, unsigned char **out,
			size_t *out_len)
{
	unsigned char *buf = NULL;
	struct stat st;
	ssize_t n;
	size_t len;
	int fd, ret = 0;

	*out = NULL;
	*out_len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		ret = -errno;
		fprintf(stderr, "palisade: cannot open the %s %s: %s\n", what, path, strerror(errno));
		return ret;
	}
	/* Anyone who can read it holds the secret. */
	if (fstat(fd, &st) == 0 && (st.st_mode & 077))
		fprintf(stderr, "palisade: warning: %s %s can be read by other users: chmod 600 %s\n",
			what, path, path);
	buf = malloc(SECRET_MAX + 1);
	if (!buf) {
		ret = -ENOMEM;
		goto cleanup;
	}
	n = read(fd, buf, SECRET_MAX + 1);
	if (n < 0) {
		ret = -errno;
		fprintf(stderr, "palisade: cannot read the %s %s: %s\n", what, path, strerror(errno));
		goto cleanup;
	}
	len = (size_t)n;
	if (len > SECRET_MAX) {
		fprintf(stderr, "palisade: %s %s: longer than %d bytes\n", what, path, SECRET_MAX);
		ret = -EINVAL;
		goto cleanup;
	}
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	if (len < min) {
		fprintf(stderr, "palisade: %s %s: %zu bytes, need at least %zu (e.g. openssl rand "
				"-hex 32 > %s)\n", what, path, len, min, path);
		ret = -EINVAL;
		goto cleanup;
	}
	*out = buf;
	*out_len = len;
	buf = NULL;
cleanup:
	free(buf);
	close(fd);
	return ret;
}
