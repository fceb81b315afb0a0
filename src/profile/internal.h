/* Shared by the files of src/profile/ only. */
#ifndef PALISADE_PROFILE_INTERNAL_H
#define PALISADE_PROFILE_INTERNAL_H

#include <stdio.h>

#include "container/container.h"
#include "profile/profile.h"

/* What learn printed at the end: where the files are, counts, limits; the
 * AppArmor profile compile-checked (-EINVAL: it did not compile). */
int profile_print_summary(FILE *f, const struct profile_obs *o,
			  const struct profile_seccomp_stats *st, const char *dir, double headroom);

/* What profile p would have denied of observation r, one line per kind
 * (check.c); the number of items. */
size_t profile_check(FILE *f, const struct profile_obs *p, const struct profile_obs *r,
		     double headroom);

#endif
