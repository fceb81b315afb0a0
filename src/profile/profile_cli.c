/*
 * `palisade profile learn|check`: the command line. Exit status: 0 done,
 * 1 check found something the profile would deny (or two profiles differ),
 * 2 usage or an error.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "profile/internal.h"

#define EXIT_DENIED 1
#define EXIT_ERROR 2
#define DEFAULT_HEADROOM 2.0
#define PROFILES_DIR "/var/lib/palisade/profiles"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: palisade profile learn --container NAME|ID [OPTIONS]\n"
		"       palisade profile learn --container NAME|ID --record FILE [OPTIONS]\n"
		"       palisade profile check --profile DIR --record FILE [--container NAME|ID]\n"
		"       palisade profile check --profile DIR --against DIR2\n"
		"\n"
		"Learns what a container does (every syscall, the capabilities it exercises,\n"
		"its peak memory, CPU and pids) and writes a profile directory: seccomp.json\n"
		"(Docker's format: docker run --security-opt seccomp=FILE, or Kubernetes'\n"
		"seccompProfile Localhost), capabilities.txt (--cap-drop ALL --cap-add ...),\n"
		"limits.txt (--memory --cpus --pids-limit), docker-flags.txt (all of them) and\n"
		"profile.json (what was seen), apparmor.profile. docs/profiles.md.\n"
		"\n"
		"  --container NAME|ID   the container (Docker Engine API)\n"
		"  --duration D          learn for D (90, 30s, 5m, 1h; default: until SIGINT)\n"
		"  --wait                the container may not be running yet: wait for it and\n"
		"                        learn it from its first process on (complete profiles)\n"
		"  --output DIR          the profile directory (default " PROFILES_DIR "/NAME)\n"
		"  --headroom F          limits are F times the peaks seen (default 2)\n"
		"  --socket PATH         Docker socket (default /var/run/docker.sock)\n"
		"  --force               replace files that are not palisade profile files\n"
		"  --record FILE         learn from a recording of `palisade run --record FILE\n"
		"                        --learn` instead of the live container\n"
		"\n"
		"Live learning needs root (loads BPF programs); they are attached only while\n"
		"learning.\n"
		"\n"
		"check lists what the profile in DIR would have denied of a container's\n"
		"recorded run (--record; the container named in DIR unless --container), or\n"
		"of another profile's observation and back (--against: a diff). Exit status\n"
		"1 when something would have been denied.\n");
}

/* "90", "30s", "500ms", "5m", "1h" -> ms; -EINVAL. */
static int parse_duration(const char *s, uint64_t *ms)
{
	char *end;
	unsigned long long v;
	uint64_t mult = 1000;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	if (!strcmp(end, "ms"))
		mult = 1;
	else if (!strcmp(end, "m"))
		mult = 60000;
	else if (!strcmp(end, "h"))
		mult = 3600000;
	else if (*end && strcmp(end, "s"))
		return -EINVAL;
	if (v == 0 || v > UINT64_MAX / 1000 / 3600)
		return -EINVAL;
	*ms = v * mult;
	return 0;
}

/* --headroom F: a factor from 1 to 100; -EINVAL (said). */
static int parse_headroom(const char *cmd, const char *s, double *out)
{
	char *end;

	*out = strtod(s, &end);
	if (end != s && !*end && *out >= 1.0 && *out <= 100.0)
		return 0;
	fprintf(stderr, "palisade profile %s: --headroom %s: a factor from 1 to 100\n", cmd, s);
	return -EINVAL;
}

static const char *default_socket(void)
{
	const char *h = getenv("DOCKER_HOST");

	return h && !strncmp(h, "unix://", 7) ? h + 7 : "/var/run/docker.sock";
}

/* `learn --record FILE`: the observation comes from the recording. */
static int learn_record(const struct profile_learn_opts *o, const char *record)
{
	struct profile_seccomp_stats st;
	struct profile_obs obs;
	char *text;
	int err = profile_obs_from_record(record, o->container, &obs);

	err = err ?: profile_dir_write(o->output, &obs, o->headroom, o->force);
	if (!err) {
		text = profile_seccomp_render(&obs, &st);
		free(text);
		err = profile_print_summary(stdout, &obs, &st, o->output, o->headroom);
	}
	if (!err && !obs.limits_known)
		printf("note: the recording has no resource peaks: limits.txt is empty (learn "
		       "live for them)\n");
	profile_obs_free(&obs);
	return err;
}

static int learn_main(int argc, char **argv)
{
	enum { O_CONTAINER = 256, O_DURATION, O_WAIT, O_OUTPUT, O_HEADROOM, O_SOCKET, O_FORCE,
	       O_RECORD };
	static const struct option opts[] = {
		{ "container", required_argument, NULL, O_CONTAINER },
		{ "duration", required_argument, NULL, O_DURATION },
		{ "wait", no_argument, NULL, O_WAIT },
		{ "output", required_argument, NULL, O_OUTPUT },
		{ "headroom", required_argument, NULL, O_HEADROOM },
		{ "socket", required_argument, NULL, O_SOCKET },
		{ "force", no_argument, NULL, O_FORCE },
		{ "record", required_argument, NULL, O_RECORD },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *record = NULL;
	struct profile_learn_opts o = { .docker_socket = default_socket(),
					.headroom = DEFAULT_HEADROOM };
	struct cli_line cl = { "palisade profile learn", "h", opts, usage, argc, argv, 0 };
	char dir[PATH_MAX];
	int c;

	optind = 1;
	while ((c = cli_next(&cl)) > 0) {
		switch (c) {
		case O_CONTAINER: o.container = optarg; break;
		case O_DURATION:
			if (parse_duration(optarg, &o.duration_ms)) {
				fprintf(stderr, "palisade profile learn: --duration %s: a positive "
						"number of seconds, or with ms, s, m or h\n", optarg);
				return EXIT_ERROR;
			}
			break;
		case O_WAIT: o.wait = true; break;
		case O_OUTPUT: o.output = optarg; break;
		case O_HEADROOM:
			if (parse_headroom("learn", optarg, &o.headroom))
				return EXIT_ERROR;
			break;
		case O_SOCKET: o.docker_socket = optarg; break;
		case O_FORCE: o.force = true; break;
		case O_RECORD: record = optarg; break;
		}
	}
	if (c == CLI_STOP)
		return cl.status;
	if (!o.container || optind < argc || !o.container[0] || strchr(o.container, '/')) {
		fprintf(stderr, "palisade profile learn: --container NAME|ID is required (and "
				"nothing else)\n");
		usage(stderr);
		return EXIT_ERROR;
	}
	if (record && (o.wait || o.duration_ms)) {
		fprintf(stderr, "palisade profile learn: --record reads a recording: --wait and "
				"--duration are for live learning\n");
		return EXIT_ERROR;
	}
	if (geteuid() != 0 && !record) {
		fprintf(stderr, "palisade profile learn: must run as root (loads BPF programs)\n");
		return EXIT_ERROR;
	}
	if (!o.output) {
		snprintf(dir, sizeof(dir), "%s/%s", PROFILES_DIR, o.container);
		o.output = dir;
		if (profile_mkdirs(PROFILES_DIR))
			return EXIT_ERROR;
	}
	return (record ? learn_record(&o, record) : profile_learn_live(&o)) ? EXIT_ERROR : 0;
}

/* The check of a profile against a recording, or two profiles both ways. */
static int check_main(int argc, char **argv)
{
	enum { O_PROFILE = 256, O_RECORD, O_AGAINST, O_CONTAINER, O_HEADROOM };
	static const struct option opts[] = {
		{ "profile", required_argument, NULL, O_PROFILE },
		{ "record", required_argument, NULL, O_RECORD },
		{ "against", required_argument, NULL, O_AGAINST },
		{ "container", required_argument, NULL, O_CONTAINER },
		{ "headroom", required_argument, NULL, O_HEADROOM },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL, *record = NULL, *against = NULL, *container = NULL;
	struct profile_obs p, r;
	double headroom = DEFAULT_HEADROOM;
	struct cli_line cl = { "palisade profile check", "h", opts, usage, argc, argv, 0 };
	size_t n;
	int c;

	optind = 1;
	while ((c = cli_next(&cl)) > 0) {
		switch (c) {
		case O_PROFILE: dir = optarg; break;
		case O_RECORD: record = optarg; break;
		case O_AGAINST: against = optarg; break;
		case O_CONTAINER: container = optarg; break;
		case O_HEADROOM:
			if (parse_headroom("check", optarg, &headroom))
				return EXIT_ERROR;
			break;
		}
	}
	if (c == CLI_STOP)
		return cl.status;
	if (!dir || optind < argc || !record == !against || (against && container)) {
		fprintf(stderr, "palisade profile check: --profile DIR and one of --record FILE "
				"[--container NAME] or --against DIR2\n");
		return EXIT_ERROR;
	}
	if (profile_dir_read(dir, &p))
		return EXIT_ERROR;
	if (against ? profile_dir_read(against, &r)
		    : profile_obs_from_record(record, container ?: p.name, &r)) {
		profile_obs_free(&p);
		return EXIT_ERROR;
	}
	printf("what the profile in %s (container %s) would deny of %s %s (container %s):\n",
	       dir, p.name, against ? "the profile in" : "the recording", against ?: record, r.name);
	n = profile_check(stdout, &p, &r, headroom);
	if (against) {
		printf("what the profile in %s would deny of the profile in %s:\n", against, dir);
		n += profile_check(stdout, &r, &p, headroom);
	}
	printf(n ? "%zu denied in all\n" : "nothing would have been denied\n", n);
	profile_obs_free(&p);
	profile_obs_free(&r);
	return n ? EXIT_DENIED : 0;
}

int profile_cli_main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_ERROR : 0;
	}
	if (!strcmp(argv[1], "learn"))
		return learn_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "check"))
		return check_main(argc - 1, argv + 1);
	fprintf(stderr, "palisade profile: unknown subcommand '%s' (learn, check)\n", argv[1]);
	return EXIT_ERROR;
}
