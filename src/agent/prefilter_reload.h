/*
 * The pre-filter across a SIGHUP reload (docs/prefilter.md): the new rules'
 * filter is built with them, and installed so that the kernel never drops an
 * open the old or the new rules need (agent/reload.c calls these).
 */
#ifndef PALISADE_PREFILTER_RELOAD_H
#define PALISADE_PREFILTER_RELOAD_H

#include "agent/reload.h"
#include "rules/prefilter.h"
#include "sensor/sensor.h"

/* The kernel's view of a built filter (pointers into pf). */
void agent_prefilter_view(const struct prefilter *pf, struct sensor_prefilter *out);

/*
 * Before the rules are swapped: builds the new rules' filter into *out (NULL
 * when the new options turn it off), ORs its bits into spec, and makes the
 * kernel keep every open of the old and new interest. Returns 0, or -errno
 * with nothing changed in the kernel (the caller restores r->spec).
 */
int agent_prefilter_prepare(struct agent_reload *r, const struct palisade_config *c,
			    const struct rules_engine *rules, uint32_t spec[EV_SYSCALL_NR_MAX],
			    struct prefilter **out);

/* After the swap: the new filter (NULL: none) replaces the old in the
 * kernel and in *r->pf, and is printed. */
void agent_prefilter_install(struct agent_reload *r, const uint32_t spec[EV_SYSCALL_NR_MAX],
			     struct prefilter *pf);

#endif
