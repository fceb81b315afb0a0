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

#include "profile/internal.h"

#define EXIT_DENIED 1
#define EXIT_ERROR 2
#define DEFAULT_HEADROOM 2.0
#define PROFILES_DIR "/var/lib/palisade/profiles"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: palisade profile learn --container NAME|ID [OPTIONS]\n"
		"\n"
		"Learns what a container does (every syscall, the capabilities it exercises,\n"
		"its peak memory, CPU and pids) and writes a profile directory: seccomp.json\n"
		"(Docker's format: docker run --security-opt seccomp=FILE, or Kubernetes'\n"
		"seccompProfile Localhost), capabilities.txt (--cap-drop ALL --cap-add ...),\n"
		"limits.txt (--memory --cpus --pids-limit), docker-flags.txt (all of them) and\n"
		"profile.json (what was seen). docs/profiles.md.\n"
		"\n"
		"  --container NAME|ID   the container (Docker Engine API)\n"
		"  --duration D          learn for D (90, 30s, 5m, 1h; default: until SIGINT)\n"
		"  --wait                the container may not be running yet: wait for it and\n"
		"                        learn it from its first process on (complete profiles)\n"
		"  --output DIR          the profile directory (default " PROFILES_DIR "/NAME)\n"
		"  --headroom F          limits are F times the peaks seen (default 2)\n"
		"  --socket PATH         Docker socket (default /var/run/docker.sock)\n"
		"  --force               replace files that are not palisade profile files\n"
		"\n"
		"Needs root (loads BPF programs); they are attached only while learning.\n");
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

static const char *default_socket(void)
{
	const char *h = getenv("DOCKER_HOST");

	return h && !strncmp(h, "unix://", 7) ? h + 7 : "/var/run/docker.sock";
}

static int learn_main(int argc, char **argv)
{
	enum { O_CONTAINER = 256, O_DURATION, O_WAIT, O_OUTPUT, O_HEADROOM, O_SOCKET, O_FORCE };
	static const struct option opts[] = {
		{ "container", required_argument, NULL, O_CONTAINER },
		{ "duration", required_argument, NULL, O_DURATION },
		{ "wait", no_argument, NULL, O_WAIT },
		{ "output", required_argument, NULL, O_OUTPUT },
		{ "headroom", required_argument, NULL, O_HEADROOM },
		{ "socket", required_argument, NULL, O_SOCKET },
		{ "force", no_argument, NULL, O_FORCE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct profile_learn_opts o = { .docker_socket = default_socket(),
					.headroom = DEFAULT_HEADROOM };
	char dir[PATH_MAX], *end;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
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
			o.headroom = strtod(optarg, &end);
			if (*end || !(o.headroom >= 1.0 && o.headroom <= 100.0)) {
				fprintf(stderr, "palisade profile learn: --headroom %s: a factor from 1 "
						"to 100\n", optarg);
				return EXIT_ERROR;
			}
			break;
		case O_SOCKET: o.docker_socket = optarg; break;
		case O_FORCE: o.force = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_ERROR;
		}
	}
	if (!o.container || optind < argc || !o.container[0] || strchr(o.container, '/')) {
		fprintf(stderr, "palisade profile learn: --container NAME|ID is required (and "
				"nothing else)\n");
		usage(stderr);
		return EXIT_ERROR;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "palisade profile learn: must run as root (loads BPF programs)\n");
		return EXIT_ERROR;
	}
	if (!o.output) {
		snprintf(dir, sizeof(dir), "%s/%s", PROFILES_DIR, o.container);
		o.output = dir;
		if (profile_mkdirs(PROFILES_DIR))
			return EXIT_ERROR;
	}
	return profile_learn_live(&o) ? EXIT_ERROR : 0;
}

int profile_cli_main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_ERROR : 0;
	}
	if (!strcmp(argv[1], "learn"))
		return learn_main(argc - 1, argv + 1);
	fprintf(stderr, "palisade profile: unknown subcommand '%s' (learn)\n", argv[1]);
	return EXIT_ERROR;
}
