/* `palisade replay`: the same pipeline as `run`, fed from a record file. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "agent/pipeline.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: palisade replay [OPTIONS] FILE\n"
		   "\n"
		   "Reads a file written by `palisade run --record FILE` and prints the\n"
		   "events as `palisade run` printed them: same process table, same container\n"
		   "attribution (from the metadata stored in the file), deterministic.\n"
		   "\n"
		   "Options:\n"
		   "  -o, --output FILE   write events to FILE (\"-\" = stdout, \"none\" = discard)\n"
		   "  -h, --help          show this help\n");
}

int agent_replay_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct container_store_config ccfg = { 0 };
	struct pipeline p = { 0 };
	struct record_reader *r = NULL;
	const char *output = "-";
	const void *data;
	uint32_t type;
	size_t len;
	int c, err, ret = 1;

	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		if (c == 'o') {
			output = optarg;
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
	if (strcmp(output, "none") == 0)
		p.out = NULL;
	else if (strcmp(output, "-") == 0)
		p.out = stdout;
	else if (!(p.out = fopen(output, "we"))) {
		fprintf(stderr, "palisade replay: cannot open output %s: %s\n", output,
			strerror(errno));
		return 1;
	}
	if (record_reader_open(argv[optind], &r) < 0)
		goto cleanup;
	p.boot_to_epoch_ns = record_reader_header(r)->boot_to_epoch_ns;
	if (proc_table_new(PROC_TABLE_DEFAULT, &p.procs) < 0 ||
	    container_store_new(&ccfg, &p.containers) < 0)
		goto cleanup;
	while ((err = record_read(r, &type, &data, &len)) > 0) {
		if (type == FRAME_EVENT)
			pipeline_record(&p, data, len);
		else if (type == FRAME_CONTAINER && container_store_put_json(p.containers, data) < 0)
			fprintf(stderr, "palisade replay: skipped a malformed container frame\n");
	}
	if (err == 0)
		ret = 0;
	if (p.malformed)
		fprintf(stderr, "palisade replay: %llu malformed event records skipped\n",
			(unsigned long long)p.malformed);
cleanup:
	record_reader_close(r);
	container_store_free(p.containers);
	proc_table_free(p.procs);
	jw_release(&p.json);
	if (p.out && p.out != stdout)
		fclose(p.out);
	return ret;
}
