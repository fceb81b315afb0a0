#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agent/prefilter_reload.h"

void agent_prefilter_view(const struct prefilter *pf, struct sensor_prefilter *out)
{
	*out = (struct sensor_prefilter){ .paths = pf->e, .n_paths = pf->n,
					  .names = pf->names, .n_names = pf->n_names,
					  .gated_ids = pf->gated_ids, .raws = pf->raws,
					  .n_raws = pf->n_raws, .raw_spans = pf->raw_spans };
}

int agent_prefilter_prepare(struct sensor *s, const uint32_t cur[EV_SYSCALL_NR_MAX],
			    uint32_t spec[EV_SYSCALL_NR_MAX], const struct prefilter *pf)
{
	for (unsigned nr = 0; pf && nr < EV_SYSCALL_NR_MAX; nr++)
		if (spec[nr])
			spec[nr] |= pf->spec_bits[nr];
	return sensor_prefilter_suspend(s, cur, spec);
}

void agent_prefilter_install(struct sensor *s, const uint32_t spec[EV_SYSCALL_NR_MAX],
			     const struct prefilter *pf)
{
	struct sensor_prefilter view;

	if (pf)
		agent_prefilter_view(pf, &view);
	if (sensor_prefilter_replace(s, spec, pf ? &view : NULL) == 0 && pf) {
		fprintf(stderr, "palisade: pre-filter (docs/prefilter.md):\n");
		prefilter_describe(pf, stderr);
	}
}
