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

/* The first number after `key` in a /proc file of "key value" lines. */
static unsigned long long proc_value(const char *path, const char *key)
{
	char line[256];
	unsigned long long v = 0;
	size_t klen = strlen(key);
	FILE *f = fopen(path, "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && sscanf(line + klen, "%llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

void metrics_process_read(struct metrics_process *out)
{
	struct rusage ru;
	unsigned long long vsize = 0, rss = 0;
	unsigned long long page = (unsigned long long)sysconf(_SC_PAGESIZE);
	FILE *f = fopen("/proc/self/statm", "re");

	memset(out, 0, sizeof(*out));
	if (f) {
		if (fscanf(f, "%llu %llu", &vsize, &rss) != 2)
			vsize = rss = 0;
		fclose(f);
	}
	out->rss_bytes = (double)(rss * page);
	out->vsz_bytes = (double)(vsize * page);
	out->pss_bytes = (double)proc_value("/proc/self/smaps_rollup", "Pss:") * 1024;
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		out->cpu_seconds = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
				   (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	out->start_time = process_start_time();
	out->open_fds = open_fds();
}

void metrics_host_read(struct metrics_host *out)
{
	unsigned long long v[8] = { 0 }, open = 0;
	FILE *f = fopen("/proc/stat", "re");

	memset(out, 0, sizeof(*out));
	/* cpu user nice system idle iowait irq softirq steal: busy is all but idle, iowait */
	if (f) {
		if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
			   &v[4], &v[5], &v[6], &v[7]) == 8) {
			out->cpu_total = (double)(v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7]);
			out->cpu_busy = out->cpu_total - (double)(v[3] + v[4]);
		}
		fclose(f);
	}
	out->boot_time = (double)proc_value("/proc/stat", "btime");
	out->procs_running = (double)proc_value("/proc/stat", "procs_running");
	out->mem_used_bytes = ((double)proc_value("/proc/meminfo", "MemTotal:") -
			       (double)proc_value("/proc/meminfo", "MemAvailable:")) * 1024;
	f = fopen("/proc/sys/fs/file-nr", "re");
	if (f) {
		if (fscanf(f, "%llu", &open) != 1)
			open = 0;
		fclose(f);
	}
	out->open_fds = (double)open;
	out->ncpus = sysconf(_SC_NPROCESSORS_ONLN);
}

void metrics_collect_process(struct metrics_writer *w, void *ctx)
{
	struct metrics_process pi;
	struct utsname u;

	(void)ctx;
	if (uname(&u) != 0)
		strcpy(u.release, "unknown");
	metrics_family(w, "palisade_build_info", METRICS_GAUGE,
		       "Always 1; the labels say which build runs on which kernel.");
	metrics_sample(w, 1, "version", PALISADE_VERSION, "commit", metrics_git_commit(),
		       "kernel", u.release);
	metrics_process_read(&pi);
	metrics_family(w, "process_resident_memory_bytes", METRICS_GAUGE,
		       "Resident memory of the agent, bytes.");
	metrics_sample(w, pi.rss_bytes);
	metrics_family(w, "process_virtual_memory_bytes", METRICS_GAUGE,
		       "Virtual memory of the agent, bytes.");
	metrics_sample(w, pi.vsz_bytes);
	metrics_family(w, "process_cpu_seconds_total", METRICS_COUNTER,
		       "CPU time the agent used, user and system, seconds.");
	metrics_sample(w, pi.cpu_seconds);
	metrics_family(w, "process_start_time_seconds", METRICS_GAUGE,
		       "When the agent started, seconds since the epoch.");
	metrics_sample(w, pi.start_time);
	metrics_family(w, "process_open_fds", METRICS_GAUGE, "File descriptors the agent holds.");
	metrics_sample(w, (double)pi.open_fds);
}
