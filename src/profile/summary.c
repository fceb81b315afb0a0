/* The lines `profile learn` ends with: what each file holds, and the limits
 * of what was seen (said where the user meets them). */
#include <inttypes.h>
#include <stdio.h>

#include "event/event.h"
#include "profile/internal.h"

static void caps_line(FILE *f, const char *what, uint64_t caps)
{
	fprintf(f, "%s", what);
	if (!caps)
		fprintf(f, " none");
	for (unsigned b = 0; b < 64; b++)
		if ((caps & (1ull << b)) && event_cap_name(b))
			fprintf(f, " %s", event_cap_name(b) + 4);
	fputc('\n', f);
}

void profile_print_summary(FILE *f, const struct profile_obs *o,
			   const struct profile_seccomp_stats *st, const char *dir, double headroom)
{
	struct profile_limits l;
	char flags[256];

	profile_limits_suggest(o, headroom, &l);
	profile_limits_flags(&l, flags, sizeof(flags));
	fprintf(f, "profile of %s (%.12s, %s), learned for %.1f s%s, in %s/\n", o->name, o->id,
		o->image, (double)o->learned_ns / 1e9, o->from_start ? " from its start" : "", dir);
	fprintf(f, "  seccomp.json: %u syscalls allowed (%u made by the workload, %u more for "
		   "the runtime after the filter); everything else fails with EPERM\n",
		st->allowed, st->workload, st->runtime);
	caps_line(f, "  capabilities.txt: --cap-drop ALL, added:", o->seen.caps_used);
	if (o->seen.caps_denied & ~o->seen.caps_used)
		caps_line(f, "    checked and refused (not added; some are probes, e.g. SYS_ADMIN by "
			     "memory accounting):", o->seen.caps_denied & ~o->seen.caps_used);
	fprintf(f, "  limits.txt: %s (peaks: memory %" PRIu64 " KiB, CPU %.3f, pids %u; "
		   "headroom %.1fx)\n", flags[0] ? flags : "(no cgroup file could be read)",
		o->mem_peak >> 10, o->cpu_peak_milli / 1000.0, o->pids_peak, headroom);
	fprintf(f, "  docker-flags.txt: every option above for docker run\n");
	if (!o->from_start)
		fprintf(f, "note: learning began after the container started: what it did at "
			   "start-up is missing; for a complete profile learn with --wait and "
			   "start the container after\n");
	if (o->seen.compat_calls || o->seen.other_calls)
		fprintf(f, "note: %llu 32-bit and %llu x32 syscalls were seen; the profile lists "
			   "native syscalls only: those will fail\n",
			(unsigned long long)o->seen.compat_calls,
			(unsigned long long)o->seen.other_calls);
	if (st->unnamed)
		fprintf(f, "note: %u syscall numbers libseccomp cannot name were left out\n",
			st->unnamed);
}
