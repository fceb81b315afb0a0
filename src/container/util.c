/* Small helpers shared by the files of src/container/. */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

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
