/* `palisade replay`: the same pipeline as `run`, fed from a record file. */
#include <errno.h>
#include <getopt.h>
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
		"\n"
		"Options:\n"
		"  -o, --output FILE         write alerts to FILE (\"-\" = stdout, \"none\")\n"
		"  -e, --events FILE         also write every event as JSON to FILE\n"
		"      --force               let -o and -e write over an existing file that\n"
		"                            is not that kind of palisade output\n"
		"      --check-prefilter     also check that every recorded open passes the\n"
		"                            rules' pre-filter (a recording of `run` with it\n"
		"                            on: the kernel and its user-space twin agree);\n"
		"                            exit 1 when one does not (docs/prefilter.md)\n"
		"%s"
		"  -h, --help                show this help\n",
		agent_rules_help);
}

int agent_replay_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "events", required_argument, NULL, 'e' },
		{ "check-prefilter", no_argument, NULL, 'P' },
		{ "force", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		AGENT_RULES_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	/* Offline: attribution comes only from the recorded metadata frames. */
	struct container_store_config ccfg = { .offline = true };
	struct agent_rules_options rules_opts;
	struct pipeline p = { 0 };
	struct record_reader *r = NULL;
	struct prefilter *pf = NULL;
	const char *output = "-", *events = NULL;
	bool check_pf = false, force = false;
	uint64_t pf_judged = 0, pf_disagree = 0;
	const void *data;
	uint32_t type;
	size_t len;
	int c, err, ret = 1;

	agent_rules_defaults(&rules_opts);
	while ((c = getopt_long(argc, argv, "o:e:h", longopts, NULL)) != -1) {
		if (c >= AGENT_RULES_OPT_BASE) {
			if (agent_rules_option(&rules_opts, c, optarg))
				return 2;
		} else if (c == 'o') {
			output = optarg;
		} else if (c == 'e') {
			events = optarg;
		} else if (c == 'P') {
			check_pf = true;
		} else if (c == 'F') {
			force = true;
		} else if (c == 'h') {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return 2;
	}
	if (record_reader_open(argv[optind], &r) < 0)
		return 1;
	p.boot_to_epoch_ns = record_reader_header(r)->boot_to_epoch_ns;
	if (agent_rules_load(&rules_opts, (int64_t)p.boot_to_epoch_ns, &p.rules) < 0 ||
	    pipeline_open_output(output, OUTFILE_ALERTS, force, &p.alerts_out) < 0 ||
	    (events && pipeline_open_output(events, OUTFILE_EVENTS, force, &p.events_out) < 0) ||
	    proc_table_new(PROC_TABLE_DEFAULT, &p.procs) < 0 ||
	    fd_table_new(&p.fds) < 0 || /* used only if the recording seeded it */
	    container_store_new(&ccfg, &p.containers) < 0)
		goto cleanup;
	if (check_pf && (!p.rules || prefilter_build(p.rules, &pf) < 0)) {
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
	return ret;
}
