/*
 * palisade fim init | check | update (docs/fim.md). The exit status is the
 * gate: 0 nothing changed (or the baseline was written), 1 check found
 * changes, 2 the command could not run, 3 the database is not authentic.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "fim/fim_internal.h"

#define EXIT_CHANGES 1
#define EXIT_ERROR 2
#define EXIT_NOT_AUTHENTIC 3

struct fim_opts {
	const char *config;
	bool json, force;
	unsigned threads;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: palisade fim init|check|update [OPTIONS]\n"
		"\n"
		"File integrity baselines (docs/fim.md). The configuration names the paths to\n"
		"watch, what to exclude, the attributes kept per path, the database and its key.\n"
		"\n"
		"  init     scan the watched paths and write the baseline (refuses to replace an\n"
		"           existing one without --force: use update)\n"
		"  check    scan again and report what was added, removed and changed, with the\n"
		"           old and new value of each attribute\n"
		"  update   check, then write the scan as the new baseline\n"
		"  attributes  list the attributes a baseline can keep\n"
		"\n"
		"  -c, --config FILE    the FIM configuration (default " FIM_CONFIG_DEFAULT ")\n"
		"  -f, --format FMT     text (default) or json (check, update)\n"
		"  -j, --threads N      scan threads (default: the configuration's, else two per CPU)\n"
		"      --force          init: replace an existing baseline; any: replace a file at\n"
		"                       the database's path that is not a FIM database\n"
		"\n"
		"Exit status: 0 no change (or baseline written), 1 check found changes, 2 error,\n"
		"3 the database is not authentic (modified, cut, or written with another key).\n");
}

static int parse_opts(int argc, char **argv, struct fim_opts *o)
{
	static const struct option longs[] = {
		{ "config", required_argument, NULL, 'c' }, { "format", required_argument, NULL, 'f' },
		{ "threads", required_argument, NULL, 'j' }, { "force", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },         { NULL, 0, NULL, 0 },
	};
	struct cli_line cl = { "palisade fim", "c:f:j:h", longs, usage, argc, argv, 0 };
	long v;
	int ch;

	o->config = FIM_CONFIG_DEFAULT;
	while ((ch = cli_next(&cl)) > 0) {
		switch (ch) {
		case 'c':
			o->config = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "text") && strcmp(optarg, "json")) {
				fprintf(stderr, "palisade fim: --format %s: expected text or json\n", optarg);
				return -EINVAL;
			}
			o->json = !strcmp(optarg, "json");
			break;
		case 'j':
			if (cli_number(&cl, "--threads", optarg, 1, 256, &v))
				return -EINVAL;
			o->threads = (unsigned)v;
			break;
		case 'F':
			o->force = true;
			break;
		}
	}
	if (ch == CLI_STOP)
		return cl.status ? -EINVAL : 1; /* 1: --help */
	if (optind != argc) {
		fprintf(stderr, "palisade fim: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int scan(const struct fim_config *c, const struct fim_opts *o, struct fim_set **out)
{
	struct fim_scan_stats st;
	double t0 = now_s();
	int ret = fim_scan(c, o->threads, stderr, out, &st);

	if (ret) {
		fprintf(stderr, "palisade fim: the scan failed: %s\n", strerror(-ret));
		return ret;
	}
	fprintf(stderr, "palisade fim: scanned %" PRIu64 " entries (%" PRIu64 " directories), hashed "
		"%" PRIu64 " files (%.1f MiB, %s) in %.2f s (walk %.2f s, hash %.2f s) on %u threads; "
		"%" PRIu64 " unreadable\n", st.entries, st.dirs, st.files_hashed,
		(double)st.bytes_hashed / (1 << 20), c->hash, now_s() - t0, st.walk_seconds,
		st.hash_seconds, st.threads, st.errors);
	return 0;
}

static int cmd_init(struct fim_config *c, const struct fim_opts *o)
{
	struct fim_key *k = NULL;
	struct fim_set *s = NULL;
	struct stat st;
	int ret;

	if (!o->force && lstat(c->database, &st) == 0) {
		fprintf(stderr, "palisade fim: %s exists: `palisade fim update` replaces a baseline "
			"after showing what changed (or init --force)\n", c->database);
		return EXIT_ERROR;
	}
	ret = fim_key_load(c, true, &k);
	if (!ret)
		ret = scan(c, o, &s);
	if (!ret)
		ret = fim_db_write(c->database, s, k, o->force);
	if (!ret)
		fprintf(stderr, "palisade fim: baseline of %zu entries written to %s (%s)\n", s->n,
			c->database, fim_key_scheme(k));
	fim_set_free(s);
	fim_key_free(k);
	return ret ? EXIT_ERROR : 0;
}

/* check and update: the baseline, a scan with its digest, the report. */
static int cmd_compare(struct fim_config *c, const struct fim_opts *o, bool update)
{
	struct fim_key *k = NULL;
	struct fim_set *old = NULL, *cur = NULL;
	struct fim_diff d = { 0 };
	char *digest = c->hash;
	int ret, status = EXIT_ERROR;

	ret = fim_key_load(c, update, &k);
	if (!ret && (ret = fim_db_read(c->database, k, &old)) == -EBADMSG)
		status = EXIT_NOT_AUTHENTIC;
	if (!ret && !update)
		c->hash = old->hash_name; /* the baseline's digest, whatever the file says now */
	if (!ret)
		ret = scan(c, o, &cur);
	c->hash = digest;
	if (!ret)
		ret = fim_diff(old, cur, &d);
	if (!ret)
		ret = o->json ? fim_report_json(stdout, &d, old, cur)
			      : (fim_report_text(stdout, &d, old, cur), 0);
	fflush(stdout);
	if (!ret && update)
		ret = fim_db_write(c->database, cur, k, o->force);
	if (!ret && update)
		fprintf(stderr, "palisade fim: baseline of %zu entries written to %s\n", cur->n,
			c->database);
	if (!ret)
		status = !update && d.n ? EXIT_CHANGES : 0;
	fim_diff_free(&d);
	fim_set_free(old);
	fim_set_free(cur);
	fim_key_free(k);
	return status;
}

int fim_cli_main(int argc, char **argv)
{
	struct fim_opts o = { 0 };
	struct fim_config *c = NULL;
	const char *cmd = argc > 1 ? argv[1] : "";
	int ret;

	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "attributes")) {
		fim_attrs_describe(stdout);
		return 0;
	}
	if (strcmp(cmd, "init") && strcmp(cmd, "check") && strcmp(cmd, "update")) {
		fprintf(stderr, "palisade fim: %s%s%s (expected init, check, update or attributes)\n",
			*cmd ? "unknown command '" : "no command", cmd, *cmd ? "'" : "");
		usage(stderr);
		return EXIT_ERROR;
	}
	optind = 1;
	ret = parse_opts(argc - 1, argv + 1, &o);
	if (ret)
		return ret > 0 ? 0 : EXIT_ERROR;
	if (fim_config_load(o.config, stderr, &c))
		return EXIT_ERROR;
	if (!strcmp(cmd, "init"))
		ret = cmd_init(c, &o);
	else
		ret = cmd_compare(c, &o, !strcmp(cmd, "update"));
	fim_config_free(c);
	return ret;
}
