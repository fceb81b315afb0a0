/*
 * libbpf's messages. A user who did not ask for them sees none: libbpf says
 * many things on paths that end well (a tracepoint it could not resolve
 * before palisade's own fallback, a feature probe). They are kept instead,
 * the last BPF_LOG_KEEP bytes, and printed when they explain a failure
 * (sensor_log_failure: the verifier's log of a refused program). -v prints
 * warnings and notes as they come, -vv libbpf's debug lines too.
 * libbpf may call from any thread that calls it: one lock.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "sensor/sensor.h"

#define BPF_LOG_KEEP (64 * 1024)

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int log_verbosity;
static char kept[BPF_LOG_KEEP];
static size_t kept_len;
static bool kept_cut; /* older lines were dropped to make room */

/* Appends LINE, dropping the oldest text when full. Under log_lock. */
static void keep(const char *line, size_t len)
{
	if (len >= sizeof(kept)) {
		line += len - (sizeof(kept) - 1);
		len = sizeof(kept) - 1;
	}
	if (kept_len + len >= sizeof(kept)) {
		size_t drop = kept_len + len - (sizeof(kept) - 1);

		memmove(kept, kept + drop, kept_len - drop);
		kept_len -= drop;
		kept_cut = true;
	}
	memcpy(kept + kept_len, line, len);
	kept_len += len;
	kept[kept_len] = '\0';
}

__attribute__((format(printf, 2, 0))) static int on_libbpf(enum libbpf_print_level level,
							     const char *fmt, va_list args)
{
	char *text = NULL;
	int n;

	if (level == LIBBPF_DEBUG && log_verbosity < 2)
		return 0;
	if (log_verbosity >= 1)
		return vfprintf(stderr, fmt, args);
	/* One message may be a whole verifier log: its end matters most. */
	n = vasprintf(&text, fmt, args);
	if (n < 0)
		return 0;
	pthread_mutex_lock(&log_lock);
	keep(text, (size_t)n);
	pthread_mutex_unlock(&log_lock);
	free(text);
	return n;
}

void sensor_log_init(int verbosity)
{
	log_verbosity = verbosity;
	libbpf_set_print(on_libbpf);
}

void sensor_log_failure(void)
{
	pthread_mutex_lock(&log_lock);
	if (kept_len)
		fprintf(stderr, "palisade: libbpf's log of the failure%s:\n%s%s",
			kept_cut ? " (its start cut)" : "", kept,
			kept[kept_len - 1] == '\n' ? "" : "\n");
	kept_len = 0;
	kept_cut = false;
	pthread_mutex_unlock(&log_lock);
}

void sensor_log_forget(void)
{
	pthread_mutex_lock(&log_lock);
	kept_len = 0;
	kept_cut = false;
	pthread_mutex_unlock(&log_lock);
}
