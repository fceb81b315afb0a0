/*
 * Build and process metrics, with the names Prometheus client libraries use
 * (process_*), so stock dashboards and alerts work on them unchanged.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "metrics/metrics.h"
#include "version.h"

/* Set by the Makefile from `git rev-parse`; a tarball build has none. */
#ifndef PALISADE_GIT_COMMIT
#define PALISADE_GIT_COMMIT "unknown"
#endif

const char *metrics_git_commit(void)
{
	return PALISADE_GIT_COMMIT[0] ? PALISADE_GIT_COMMIT : "unknown";
}

/* Seconds since the epoch at which this process started: the boot time
 * (btime in /proc/stat) plus field 22 of /proc/self/stat (clock ticks). */
static double process_start_time(void)
{
	char line[256], buf[1024], *p;
	unsigned long long btime = 0, start = 0;
	FILE *f = fopen("/proc/stat", "re");
	size_t n;
	int field;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "btime %llu", &btime) == 1)
			break;
	fclose(f);
	f = fopen("/proc/self/stat", "re");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	/* The command name may hold spaces and parentheses: count from the last ')'. */
	p = strrchr(buf, ')');
	for (field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &start) != 1)
		return 0;
	return (double)btime + (double)start / (double)sysconf(_SC_CLK_TCK);
}

static size_t open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	size_t n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n > 0 ? n - 1 : 0; /* the directory's own fd */
}

void metrics_collect_process(struct metrics_writer *w, void *ctx)
{
	struct rusage ru;
	struct utsname u;
	unsigned long long vsize = 0, rss = 0;
	long page = sysconf(_SC_PAGESIZE);
	FILE *f;

	(void)ctx;
	if (uname(&u) != 0)
		strcpy(u.release, "unknown");
	metrics_family(w, "palisade_build_info", METRICS_GAUGE,
		       "Always 1; the labels say which build runs on which kernel.");
	metrics_sample(w, 1, "version", PALISADE_VERSION, "commit", metrics_git_commit(),
		       "kernel", u.release);

	f = fopen("/proc/self/statm", "re");
	if (f) {
		if (fscanf(f, "%llu %llu", &vsize, &rss) != 2)
			vsize = rss = 0;
		fclose(f);
	}
	metrics_family(w, "process_resident_memory_bytes", METRICS_GAUGE,
		       "Resident memory of the agent, bytes.");
	metrics_sample(w, (double)(rss * (unsigned long long)page));
	metrics_family(w, "process_virtual_memory_bytes", METRICS_GAUGE,
		       "Virtual memory of the agent, bytes.");
	metrics_sample(w, (double)(vsize * (unsigned long long)page));
	if (getrusage(RUSAGE_SELF, &ru) == 0) {
		metrics_family(w, "process_cpu_seconds_total", METRICS_COUNTER,
			       "CPU time the agent used, user and system, seconds.");
		metrics_sample(w,
			       (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
				       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6);
	}
	metrics_family(w, "process_start_time_seconds", METRICS_GAUGE,
		       "When the agent started, seconds since the epoch.");
	metrics_sample(w, process_start_time());
	metrics_family(w, "process_open_fds", METRICS_GAUGE, "File descriptors the agent holds.");
	metrics_sample(w, (double)open_fds());
}
