/* `palisade replay`: the same pipeline as `run`, fed from a record file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "agent/pipeline.h"
#include "agent/rules_load.h"
#include "rules/prefilter.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: palisade replay [OPTIONS] FILE\n"
		"\n"
		"Reads a file written by `palisade run --record FILE` and runs the same\n"
		"pipeline as `palisade run`: same process table, same container attribution\n"
		"(from the metadata stored in the file), same rules, deterministic output.\n"
		"The configuration file is not read: the defaults and these options apply.\n"
		"\n"
		"Options:\n");
	config_print_flags(f, CONFIG_CMD_REPLAY);
}

/* Where replayed alerts go: --output FILE, "-" (stdout, the default) or none. */
static const char *alerts_path(const struct palisade_config *c)
{
	if (c->n_outputs == 0)
		return NULL;
	return c->outputs[0].file.path ? c->outputs[0].file.path : "-";
}

int agent_replay_main(int argc, char **argv)
{
	/* Offline: attribution comes only from the recorded metadata frames. */
	struct container_store_config ccfg = { .offline = true };
	struct palisade_config *cfg = NULL;
	struct pipeline p = { 0 };
	struct record_reader *r = NULL;
	struct prefilter *pf = NULL;
	const char *output;
	uint64_t pf_judged = 0, pf_disagree = 0;
	const void *data;
	uint32_t type;
	size_t len;
	int err, ret = 1, first_arg;

	err = config_from_command_line(argc, argv, CONFIG_CMD_REPLAY, true, &first_arg, &cfg);
	if (err == CONFIG_HELP) {
		usage(stdout);
		return 0;
	}
	if (err)
		return 2;
	if (first_arg + 1 != argc) {
		usage(stderr);
		config_free(cfg);
		return 2;
	}
	output = alerts_path(cfg);
	if (record_reader_open(argv[first_arg], &r) < 0)
		goto cleanup;
	p.boot_to_epoch_ns = record_reader_header(r)->boot_to_epoch_ns;
	if (agent_rules_load(cfg, (int64_t)p.boot_to_epoch_ns, &p.rules) < 0 ||
	    (output && pipeline_open_output(output, OUTFILE_ALERTS, cfg->force, &p.alerts_out) < 0) ||
	    (*cfg->events_output && pipeline_open_output(cfg->events_output, OUTFILE_EVENTS,
							  cfg->force, &p.events_out) < 0) ||
	    proc_table_new((size_t)cfg->proc_table_size, &p.procs) < 0 ||
	    fd_table_new(&p.fds) < 0 || /* used only if the recording seeded it */
	    container_store_new(&ccfg, &p.containers) < 0)
		goto cleanup;
	if (cfg->check_prefilter && (!p.rules || prefilter_build(p.rules, &pf) < 0)) {
		fprintf(stderr, "palisade replay: --check-prefilter needs rules (and memory)\n");
		goto cleanup;
	}
	while ((err = record_read(r, &type, &data, &len)) > 0) {
		/* The kernel knew the cgroup as the host or not: either may hold. */
		if (type == FRAME_EVENT && pf) {
			const struct proc_entry *pe = len >= sizeof(struct ev_header) ?
				proc_table_get(p.procs, ((const struct ev_header *)data)->pid) : NULL;
			const char *comm = pe ? pe->comm : NULL;
			bool kept = prefilter_keep(pf, data, len, false, comm) ||
				    prefilter_keep(pf, data, len, true, comm);

			pf_judged++;
			pf_disagree += !kept;
		}
		if (type == FRAME_EVENT)
			pipeline_record(&p, data, len);
		else if (type == FRAME_CONTAINER && container_store_put_json(p.containers, data) < 0)
			fprintf(stderr, "palisade replay: skipped a malformed container frame\n");
	}
	if (err == 0)
		ret = 0;
	if (pf) {
		fprintf(stderr, "palisade replay: pre-filter check: %llu records, %llu the "
				"pre-filter would have dropped\n",
			(unsigned long long)pf_judged, (unsigned long long)pf_disagree);
		if (pf_disagree)
			ret = 1;
	}
	fprintf(stderr, "palisade replay: %llu events, %llu alerts, %llu malformed records "
			"skipped\n",
		(unsigned long long)p.events, (unsigned long long)p.alerts,
		(unsigned long long)p.malformed);
cleanup:
	prefilter_free(pf);
	record_reader_close(r);
	container_store_free(p.containers);
	proc_table_free(p.procs);
	fd_table_free(p.fds);
	rules_engine_free(p.rules);
	jw_release(&p.json);
	pipeline_close_output(p.alerts_out);
	pipeline_close_output(p.events_out);
	config_free(cfg);
	return ret;
}
