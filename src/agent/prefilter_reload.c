#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agent/prefilter_reload.h"

void agent_prefilter_view(const struct prefilter *pf, struct sensor_prefilter *out)
{
	*out = (struct sensor_prefilter){ .paths = pf->e, .n_paths = pf->n,
					  .names = pf->names, .n_names = pf->n_names,
					  .gated_ids = pf->gated_ids, .raws = pf->raws,
					  .n_raws = pf->n_raws, .raw_ids = pf->raw_ids };
}

int agent_prefilter_prepare(struct agent_reload *r, const struct palisade_config *c,
			    const struct rules_engine *rules, uint32_t spec[EV_SYSCALL_NR_MAX],
			    struct prefilter **out)
{
	int err;

	*out = NULL;
	/* Same conditions as at start (agent/run.c); the fd table, which
	 * needs every open, is never turned on by a reload. */
	if (c->prefilter && strcmp(c->syscalls, "all")) {
		err = prefilter_build(rules, out);
		if (err) {
			fprintf(stderr, "palisade: reload: building the pre-filter failed: %s\n",
				strerror(-err));
			return err;
		}
		for (unsigned nr = 0; nr < EV_SYSCALL_NR_MAX; nr++)
			if (spec[nr])
				spec[nr] |= (*out)->spec_bits[nr];
	}
	err = sensor_prefilter_suspend(r->sensor, r->spec, spec);
	if (err) {
		prefilter_free(*out);
		*out = NULL;
	}
	return err;
}

void agent_prefilter_install(struct agent_reload *r, const uint32_t spec[EV_SYSCALL_NR_MAX],
			     struct prefilter *pf)
{
	struct sensor_prefilter view;

	if (pf)
		agent_prefilter_view(pf, &view);
	if (sensor_prefilter_replace(r->sensor, spec, pf ? &view : NULL) == 0 && pf) {
		fprintf(stderr, "palisade: pre-filter (docs/prefilter.md):\n");
		prefilter_describe(pf, stderr);
	}
	prefilter_free(*r->pf);
	*r->pf = pf;
}
