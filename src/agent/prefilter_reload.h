/*
 * The pre-filter across a SIGHUP reload (docs/prefilter.md): the new rules'
 * filter, built with them, is installed so that the kernel never drops an
 * open the old or the new rules need (the agent's reload swap calls these).
 */
#ifndef PALISADE_PREFILTER_RELOAD_H
#define PALISADE_PREFILTER_RELOAD_H

#include "rules/prefilter.h"
#include "sensor/sensor.h"

/* The kernel's view of a built filter (pointers into pf). */
void agent_prefilter_view(const struct prefilter *pf, struct sensor_prefilter *out);

/*
 * Before the rules are swapped: ORs the new filter's bits (pf NULL: none)
 * into spec and makes the kernel keep every open of the current (cur) and
 * the new interest. Returns 0, or -errno with nothing changed in the kernel.
 */
int agent_prefilter_prepare(struct sensor *s, const uint32_t cur[EV_SYSCALL_NR_MAX],
			    uint32_t spec[EV_SYSCALL_NR_MAX], const struct prefilter *pf);

/* After the swap: the new filter (NULL: none) replaces the old in the
 * kernel, and is printed. */
void agent_prefilter_install(struct sensor *s, const uint32_t spec[EV_SYSCALL_NR_MAX],
			     const struct prefilter *pf);

#endif
