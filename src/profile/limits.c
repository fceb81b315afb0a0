/*
 * Resource use from the container's cgroup files, and the limits suggested
 * from it. cgroup v2 first (memory.peak, pids.peak, cpu.stat usage_usec),
 * the v1 controllers of a hybrid host otherwise (memory.max_usage_in_bytes,
 * pids.peak, cpuacct.usage). Peaks are the kernel's own high-water marks,
 * since the cgroup was made; CPU has none, so its peak is the highest use
 * over one sampling interval (profile_limits_sample, about a second).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "profile/profile.h"

/* Floors of the suggested limits: below them a container's own start-up
 * (a shell, a libc, a health check) may fail for reasons learning cannot see. */
#define MEMORY_FLOOR (32ull << 20)
#define CPU_FLOOR_MILLI 100
#define PIDS_FLOOR 32

/* The first number in a file, or of the line starting with key. */
static int read_u64(const char *dir, const char *file, const char *key, uint64_t *out)
{
	char path[4352], line[256];
	size_t klen = key ? strlen(key) : 0;
	FILE *f;
	int err = -ENOENT;

	if (!dir[0] || snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
		return -ENOENT;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (err && fgets(line, sizeof(line), f))
		if ((!key || (!strncmp(line, key, klen) && line[klen] == ' ')) &&
		    sscanf(line + klen, "%" SCNu64, out) == 1)
			err = 0;
	fclose(f);
	return err;
}

/* CPU time of the cgroup so far, ns. */
static int cpu_usage_ns(const struct container_cgroup_dirs *cg, uint64_t *ns)
{
	uint64_t usec;

	if (read_u64(cg->v2, "cpu.stat", "usage_usec", &usec) == 0) {
		*ns = usec * 1000;
		return 0;
	}
	return read_u64(cg->cpuacct, "cpuacct.usage", NULL, ns);
}

void profile_limits_sample(struct profile_sampler *s, struct profile_obs *o, uint64_t now_ns)
{
	const struct container_cgroup_dirs *cg = &s->dirs;
	uint64_t v, usage;

	if (read_u64(cg->v2, "memory.peak", NULL, &v) == 0 ||
	    read_u64(cg->memory, "memory.max_usage_in_bytes", NULL, &v) == 0) {
		o->limits_known |= EV_LEARN_MEM;
		if (v > o->mem_peak)
			o->mem_peak = v;
	}
	if (read_u64(cg->v2, "pids.peak", NULL, &v) == 0 ||
	    read_u64(cg->pids, "pids.peak", NULL, &v) == 0) {
		o->limits_known |= EV_LEARN_PIDS;
		if (v > o->pids_peak)
			o->pids_peak = (uint32_t)(v > UINT32_MAX ? UINT32_MAX : v);
	}
	if (cpu_usage_ns(cg, &usage))
		return;
	if (s->last_ns && now_ns > s->last_ns && usage >= s->last_usage) {
		uint64_t milli = (usage - s->last_usage) * 1000 / (now_ns - s->last_ns);

		o->limits_known |= EV_LEARN_CPU;
		o->cpu_usage_ns += usage - s->last_usage;
		if (milli > o->cpu_peak_milli)
			o->cpu_peak_milli = (uint32_t)(milli > UINT32_MAX ? UINT32_MAX : milli);
	}
	s->last_ns = now_ns;
	s->last_usage = usage;
}

void profile_limits_suggest(const struct profile_obs *o, double headroom,
			    struct profile_limits *l)
{
	double mem = ceil((double)o->mem_peak * headroom / (1 << 20)) * (1 << 20);
	double cpu = ceil((double)o->cpu_peak_milli * headroom / 100.0) * 100.0;
	double pids = ceil((double)o->pids_peak * headroom);

	memset(l, 0, sizeof(*l));
	l->known = o->limits_known;
	/* Bounded before the conversions (a profile.json is read back). */
	l->memory = mem > 0x1p62 ? 1ull << 62 : mem > (double)MEMORY_FLOOR ? (uint64_t)mem : MEMORY_FLOOR;
	l->cpus_milli = cpu > 0x1p31 ? 1u << 31 : cpu > CPU_FLOOR_MILLI ? (uint32_t)cpu : CPU_FLOOR_MILLI;
	l->pids = pids > 0x1p31 ? 1u << 31 : pids > PIDS_FLOOR ? (uint32_t)pids : PIDS_FLOOR;
}

int profile_limits_flags(const struct profile_limits *l, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	if (l->known & EV_LEARN_MEM)
		n += (size_t)snprintf(buf + n, size - n, "--memory %" PRIu64 "m",
				      l->memory >> 20);
	if ((l->known & EV_LEARN_CPU) && n < size)
		n += (size_t)snprintf(buf + n, size - n, "%s--cpus %u.%u", n ? " " : "",
				      l->cpus_milli / 1000, l->cpus_milli % 1000 / 100);
	if ((l->known & EV_LEARN_PIDS) && n < size)
		n += (size_t)snprintf(buf + n, size - n, "%s--pids-limit %u", n ? " " : "", l->pids);
	return n < size ? 0 : -ENOSPC;
}
