/* Small helpers shared by the files of src/container/. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "container/internal.h"

void container_log(const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	/* Formatted first so that the line reaches stderr in one write and lines
	 * from the engine thread and the event thread never interleave. */
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "palisade: container: %s\n", line);
}

uint64_t container_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int container_read_all(int fd, size_t max, char **out)
{
	size_t cap = 4096, len = 0;
	char *buf = NULL, *tmp;
	ssize_t n;
	int err = 0;

	*out = NULL;
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (len + 1 >= cap) {
			if (cap >= max) {
				err = -EFBIG;
				goto cleanup;
			}
			tmp = realloc(buf, cap * 2);
			if (!tmp) {
				err = -ENOMEM;
				goto cleanup;
			}
			buf = tmp;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			goto cleanup;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*out = buf;
	buf = NULL;
cleanup:
	free(buf);
	return err;
}
