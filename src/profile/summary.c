/* The lines `profile learn` ends with: what each file holds, and the limits
 * of what was seen (said where the user meets them). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

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

/* The AppArmor line: its rules, the compile check, and that this kernel
 * cannot load it when it has no AppArmor LSM. -EINVAL: it did not compile. */
static int apparmor_line(FILE *f, const struct profile_obs *o, const char *dir)
{
	struct profile_aa_stats aa;
	char name[300], path[4200], msg[2048], lsm[256];
	char *text;
	int ret;

	profile_apparmor_name(o, name, sizeof(name));
	text = profile_apparmor_render(o, name, &aa);
	free(text);
	if (!text)
		return -ENOMEM;
	fprintf(f, "  apparmor.profile (%s): %zu file rules (%zu files folded into DIR/* "
		   "globs), %zu deny rules; every path seen is covered%s\n", name, aa.rules,
		aa.collapsed, aa.denies, aa.uncovered ? " EXCEPT SOME (a bug: report it)" : "");
	if (aa.unwritable)
		fprintf(f, "    %zu paths with control characters could not be written as rules\n",
			aa.unwritable);
	snprintf(path, sizeof(path), "%s/apparmor.profile", dir);
	ret = profile_apparmor_compile(path, msg, sizeof(msg));
	if (ret == -ENOENT)
		fprintf(f, "    not compile-checked: apparmor_parser is not installed (Debian "
			   "package apparmor)\n");
	else if (ret)
		fprintf(f, "    apparmor_parser -Q -K REFUSED it:\n%s\n", msg);
	else
		fprintf(f, "    compiled by apparmor_parser -Q -K\n");
	if (!profile_apparmor_kernel(lsm, sizeof(lsm)))
		fprintf(f, "    this kernel has no AppArmor LSM (/sys/kernel/security/lsm: %s): the "
			   "profile was not loaded, and its enforcement is not tested here\n", lsm);
	return ret > 0 || aa.uncovered ? -EINVAL : 0;
}

int profile_print_summary(FILE *f, const struct profile_obs *o,
			  const struct profile_seccomp_stats *st, const char *dir, double headroom)
{
	struct profile_limits l;
	char flags[256];
	int ret;

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
	ret = apparmor_line(f, o, dir);
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
	return ret;
}
