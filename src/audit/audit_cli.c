/*
 * palisade audit: the live host (default) or compose files and Kubernetes
 * manifests (arguments), rendered as a text table, JSON or SARIF. The exit
 * status is the CI gate: 1 when a finding at or above --fail-on exists,
 * 2 when the audit itself could not be done.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alert/alert.h"
#include "audit/audit.h"
#include "cli/cli.h"
#include "outfile/outfile.h"

#define EXIT_FINDINGS 1
#define EXIT_ERROR 2

struct cli {
	struct audit_live_opts live;
	enum audit_format format;
	int fail_on; /* -1: never */
	const char *output, *suggest, *sections, *profile;
	bool compose, list, force, watch;
	int alert_on;
	unsigned interval;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: palisade audit [FILE...] [OPTIONS]\n"
		"\n"
		"Checks the live Docker host (no FILE) or compose files and Kubernetes manifests\n"
		"against the CIS Docker Benchmark v1.6 and palisade's own least-privilege checks\n"
		"(docs/audit.md). Each finding: check id, severity, object, evidence, and the\n"
		"exact docker flag / compose key / Kubernetes key that fixes it.\n"
		"\n"
		"  -f, --format text|json|sarif   output format (default text; SARIF 2.1.0)\n"
		"  -o, --output FILE              write there instead of stdout (an existing file\n"
		"                                 only when it is an earlier report, or --force)\n"
		"      --fail-on SEVERITY         exit 1 when a finding is at or above it\n"
		"                                 (info, low, medium, high, critical)\n"
		"      --only LIST                live: host,daemon,images,containers (default all)\n"
		"      --container NAME           live: only this container (name or id)\n"
		"      --no-layers                live: do not search image layers for setuid files\n"
		"      --socket PATH              Docker socket (default /var/run/docker.sock)\n"
		"      --workers N                parallel inspects (default 4)\n"
		"      --root DIR                 the host's root for /proc, /sys, /etc (default /)\n"
		"      --suggest NAME             print a hardened docker run line for a container\n"
		"      --compose                  with --suggest: a compose service instead\n"
		"      --profile DIR              with --suggest: use a profile `palisade profile\n"
		"                                 learn` wrote (seccomp, AppArmor, capabilities,\n"
		"                                 limits) instead of the generic hardening\n"
		"      --list                     list every check (id, CIS, severity, fixes)\n"
		"      --watch                    keep auditing: at start, every --interval seconds\n"
		"                                 (default 300) and when a container starts; print a\n"
		"                                 Falco-schema JSON alert for each container started\n"
		"                                 with a finding at or above --alert-on (default high)\n"
		"\n"
		"Exit status: 0 no finding at or above --fail-on, 1 there is one, 2 error.\n");
}

static int list_checks(FILE *f)
{
	size_t i, s;

	for (i = 0; i < audit_n_checks; i++) {
		const struct audit_check *c = &audit_checks[i];

		fprintf(f, "%-20s cis %-6s %-9s %-8s %s\n", c->id, c->cis ? c->cis : "-",
			audit_kind_name(c->kind), audit_severity_name(c->severity), c->title);
		for (s = 0; s < AUDIT_SRC_COUNT; s++)
			if (c->remedy[s])
				fprintf(f, "%48s%s: %s\n", "",
					c->kind != AUDIT_KIND_CONTAINER ? "fix"
					: s == AUDIT_SRC_ENGINE		? "docker"
					: s == AUDIT_SRC_COMPOSE	? "compose"
									: "kubernetes",
					c->remedy[s]);
	}
	return 0;
}

static int parse_sections(const char *list, struct audit_live_opts *o)
{
	char buf[128], *tok, *save = NULL;

	o->host = o->daemon = o->images = o->containers = false;
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "host") == 0)
			o->host = true;
		else if (strcmp(tok, "daemon") == 0)
			o->daemon = true;
		else if (strcmp(tok, "images") == 0)
			o->images = true;
		else if (strcmp(tok, "containers") == 0)
			o->containers = true;
		else
			return -EINVAL;
	}
	return 0;
}

static const char *default_socket(void)
{
	const char *h = getenv("DOCKER_HOST");

	if (h && strncmp(h, "unix://", 7) == 0)
		return h + 7;
	return "/var/run/docker.sock";
}

/* Returns 0, or the exit status for a usage error (-1: --help). */
static int parse_args(int argc, char **argv, struct cli *c)
{
	enum { O_FAIL = 256, O_ONLY, O_CONTAINER, O_NOLAYERS, O_SOCKET, O_WORKERS, O_ROOT,
	       O_SUGGEST, O_COMPOSE, O_PROFILE, O_LIST, O_FORCE, O_WATCH, O_ALERT_ON, O_INTERVAL };
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "fail-on", required_argument, NULL, O_FAIL },
		{ "only", required_argument, NULL, O_ONLY },
		{ "container", required_argument, NULL, O_CONTAINER },
		{ "no-layers", no_argument, NULL, O_NOLAYERS },
		{ "socket", required_argument, NULL, O_SOCKET },
		{ "workers", required_argument, NULL, O_WORKERS },
		{ "root", required_argument, NULL, O_ROOT },
		{ "suggest", required_argument, NULL, O_SUGGEST },
		{ "compose", no_argument, NULL, O_COMPOSE },
		{ "profile", required_argument, NULL, O_PROFILE },
		{ "list", no_argument, NULL, O_LIST },
		{ "force", no_argument, NULL, O_FORCE },
		{ "watch", no_argument, NULL, O_WATCH },
		{ "alert-on", required_argument, NULL, O_ALERT_ON },
		{ "interval", required_argument, NULL, O_INTERVAL },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct cli_line cl = { "palisade audit", "f:o:h", opts, usage, argc, argv, 0 };
	enum audit_severity sev;
	long n;
	int opt;

	while ((opt = cli_next(&cl)) > 0) {
		switch (opt) {
		case 'f':
			if (audit_format_parse(optarg, &c->format)) {
				fprintf(stderr, "palisade audit: --format %s: use text, json or sarif\n",
					optarg);
				return EXIT_ERROR;
			}
			break;
		case 'o':
			c->output = optarg;
			break;
		case O_FAIL:
			if (audit_severity_parse(optarg, &sev)) {
				fprintf(stderr, "palisade audit: --fail-on %s: use info, low, medium, "
						"high or critical\n",
					optarg);
				return EXIT_ERROR;
			}
			c->fail_on = (int)sev;
			break;
		case O_ONLY:
			if (parse_sections(optarg, &c->live)) {
				fprintf(stderr, "palisade audit: --only %s: a list of host, daemon, "
						"images, containers\n",
					optarg);
				return EXIT_ERROR;
			}
			break;
		case O_CONTAINER:
			c->live.only = optarg;
			break;
		case O_NOLAYERS:
			c->live.scan_layers = false;
			break;
		case O_SOCKET:
			c->live.socket = optarg;
			break;
		case O_WORKERS:
			if (cli_number(&cl, "--workers", optarg, 1, 16, &n))
				return EXIT_ERROR;
			c->live.workers = (unsigned)n;
			break;
		case O_ROOT:
			c->live.root = optarg;
			break;
		case O_SUGGEST:
			c->suggest = optarg;
			break;
		case O_COMPOSE:
			c->compose = true;
			break;
		case O_PROFILE:
			c->profile = optarg;
			break;
		case O_LIST:
			c->list = true;
			break;
		case O_FORCE:
			c->force = true;
			break;
		case O_WATCH:
			c->watch = true;
			break;
		case O_ALERT_ON:
			if (audit_severity_parse(optarg, &sev)) {
				fprintf(stderr, "palisade audit: --alert-on %s: use info, low, medium, "
						"high or critical\n",
					optarg);
				return EXIT_ERROR;
			}
			c->alert_on = (int)sev;
			break;
		case O_INTERVAL:
			if (cli_number(&cl, "--interval", optarg, 1, 86400, &n))
				return EXIT_ERROR;
			c->interval = (unsigned)n;
			break;
		}
	}
	/* --help: -1 (exit 0) */
	return opt == CLI_STOP ? (cl.status ? cl.status : -1) : 0;
}

static int suggest(struct cli *c)
{
	struct audit_input in;
	const struct audit_image *img = NULL;
	struct audit_learned *lp = NULL;
	char err[512], *text;
	size_t i;

	if (c->profile && (c->compose || !(lp = malloc(sizeof(*lp))) ||
			   audit_learned_load(c->profile, lp))) {
		if (c->compose)
			fprintf(stderr, "palisade audit: --profile makes a docker run line, not a "
					"compose service\n");
		free(lp);
		return EXIT_ERROR;
	}
	c->live.only = c->suggest;
	c->live.host = c->live.daemon = false;
	c->live.scan_layers = false;
	if (audit_collect_live(&c->live, &in, err, sizeof(err))) {
		fprintf(stderr, "palisade audit: %s\n", err);
		free(lp);
		return EXIT_ERROR;
	}
	for (i = 0; i < in.n_images; i++)
		if (strcmp(in.images[i].id, in.workloads[0].image_id) == 0)
			img = &in.images[i];
	text = c->compose ? audit_suggest_compose(&in.workloads[0], img)
			  : audit_suggest_docker_run_learned(&in.workloads[0], img, lp);
	if (text)
		fputs(text, stdout);
	free(text);
	free(lp);
	audit_input_release(&in);
	return text ? 0 : EXIT_ERROR;
}

/* -o FILE: as root, through outfile/ (no planted link followed; an existing
 * file is replaced only when it is an earlier report). */
static FILE *open_output(const char *path, bool force)
{
	const struct outfile_spec spec = { .kind = OUTFILE_REPORT, .truncate = true,
					   .force = force, .mode = 0644 };
	FILE *f;
	int fd;

	if (outfile_open(AT_FDCWD, path, &spec, "--output", &fd))
		return NULL;
	f = fdopen(fd, "w");
	if (!f)
		close(fd);
	return f;
}

static void print_violation(const struct audit_violation *v, void *ctx)
{
	struct timespec ts;
	char host[256] = "";
	struct alert *al;
	char *line;

	(void)ctx;
	clock_gettime(CLOCK_REALTIME, &ts);
	gethostname(host, sizeof(host) - 1);
	al = audit_violation_alert(v, host, (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
	line = al ? alert_to_json(al) : NULL;
	alert_free(al);
	if (line) {
		printf("%s\n", line);
		fflush(stdout);
	}
	free(line);
}

/* --watch: until SIGINT or SIGTERM. */
static int watch(struct cli *c)
{
	struct audit_watch_config cfg = { .socket = c->live.socket, .root = c->live.root,
					  .interval_s = c->interval,
					  .alert_min = (enum audit_severity)c->alert_on,
					  .on_violation = print_violation };
	struct audit_watch *w;
	sigset_t set;
	int sig, ret;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	ret = audit_watch_start(&cfg, &w);
	if (ret) {
		fprintf(stderr, "palisade audit: cannot start watching %s: %s\n", c->live.socket,
			strerror(-ret));
		return EXIT_ERROR;
	}
	fprintf(stderr, "palisade audit: watching %s (alerts at %s and above)\n", c->live.socket,
		audit_severity_name(cfg.alert_min));
	sigwait(&set, &sig);
	audit_watch_stop(w);
	return 0;
}

static int collect(struct cli *c, int nfiles, char **files, struct audit_input *in)
{
	char err[1024];
	int i, ret;

	if (!nfiles) {
		ret = audit_collect_live(&c->live, in, err, sizeof(err));
		if (ret)
			fprintf(stderr, "palisade audit: %s\n", err);
		return ret;
	}
	memset(in, 0, sizeof(*in));
	for (i = 0; i < nfiles; i++) {
		ret = audit_file_load(files[i], in, err, sizeof(err));
		if (ret) {
			fprintf(stderr, "palisade audit: %s\n", err);
			audit_input_release(in);
			return ret;
		}
	}
	return 0;
}

int audit_cli_main(int argc, char **argv)
{
	struct cli c = { .fail_on = -1, .alert_on = AUDIT_SEV_HIGH,
			 .live = { .socket = default_socket(), .root = "/", .host = true,
				   .daemon = true, .images = true, .containers = true,
				   .scan_layers = true, .workers = 4 } };
	struct audit_report r;
	struct audit_input in;
	FILE *out = stdout;
	int ret;

	ret = parse_args(argc, argv, &c);
	if (ret)
		return ret < 0 ? 0 : ret;
	if (c.list)
		return list_checks(stdout);
	if (c.profile && !c.suggest) {
		fprintf(stderr, "palisade audit: --profile DIR goes with --suggest NAME\n");
		return EXIT_ERROR;
	}
	if (c.suggest)
		return suggest(&c);
	if (c.watch)
		return watch(&c);
	if (collect(&c, argc - optind, argv + optind, &in))
		return EXIT_ERROR;
	if (audit_run(&in, &r)) {
		fprintf(stderr, "palisade audit: out of memory\n");
		audit_input_release(&in);
		return EXIT_ERROR;
	}
	if (c.output && !(out = open_output(c.output, c.force))) {
		ret = EXIT_ERROR;
	} else if (audit_render(out, c.format, &in, &r) || (out != stdout && fclose(out))) {
		fprintf(stderr, "palisade audit: cannot write the report\n");
		ret = EXIT_ERROR;
	} else if (c.fail_on >= 0 && audit_report_max_severity(&r) >= c.fail_on) {
		ret = EXIT_FINDINGS;
	}
	audit_report_release(&r);
	audit_input_release(&in);
	return ret;
}
