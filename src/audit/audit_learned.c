/*
 * --suggest NAME --profile DIR: the learned profile's parts for the line
 * (profile/: its profile.json read back, its limits with the default
 * headroom, its AppArmor profile's name).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/internal.h"
#include "event/event.h"
#include "profile/profile.h"

#define LEARNED_HEADROOM 2.0 /* profile learn's default */

int audit_learned_load(const char *dir, struct audit_learned *out)
{
	struct profile_obs o;
	struct profile_limits l;
	int err;

	memset(out, 0, sizeof(*out));
	if (!realpath(dir, out->dir)) {
		err = -errno;
		fprintf(stderr, "palisade audit: --profile %s: %s\n", dir, strerror(-err));
		return err;
	}
	err = profile_dir_read(out->dir, &o);
	if (err)
		return err;
	for (unsigned b = 0; b < 64 && out->n_caps < AUDIT_LEARNED_CAPS; b++)
		if ((o.seen.caps_used & (1ull << b)) && event_cap_name(b))
			out->caps[out->n_caps++] = event_cap_name(b) + 4;
	profile_apparmor_name(&o, out->apparmor, sizeof(out->apparmor));
	profile_limits_suggest(&o, LEARNED_HEADROOM, &l);
	if (l.known & EV_LEARN_MEM)
		snprintf(out->memory, sizeof(out->memory), "%llum",
			 (unsigned long long)(l.memory >> 20));
	if (l.known & EV_LEARN_CPU)
		snprintf(out->cpus, sizeof(out->cpus), "%.1f", l.cpus_milli / 1000.0);
	if (l.known & EV_LEARN_PIDS)
		snprintf(out->pids, sizeof(out->pids), "%u", l.pids);
	for (size_t i = 0, n = 0; i < o.n_paths; i++) {
		const char *p = o.paths[i].path;

		if (!(o.paths[i].modes & PROFILE_W) || !strncmp(p, "/tmp/", 5) ||
		    !strncmp(p, "/dev/", 5) || !strncmp(p, "/proc/", 6))
			continue;
		n += (size_t)snprintf(out->writes + n, n < sizeof(out->writes) ? sizeof(out->writes) - n
									       : 0,
				      "%s%s", n ? ", " : "", p);
		if (n >= sizeof(out->writes))
			break; /* cut: the first ones say enough */
	}
	profile_obs_free(&o);
	return 0;
}
