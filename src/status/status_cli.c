/*
 * `palisade status`: asks the running agent for its snapshot and prints what
 * an operator checks first: is it up, what does it watch, what did it lose,
 * where do alerts go.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "event/event.h"
#include "status/status.h"

#define READ_TIMEOUT_SEC 5
#define SNAPSHOT_MAX (64u << 20)

static void usage(FILE *f)
{
	fprintf(f, "Usage: palisade status [--socket PATH] [--json]\n"
		   "\n"
		   "Asks the running agent (`palisade run`) how it is: uptime, rules loaded,\n"
		   "sensors attached, kernel losses, events and alerts, sink health.\n"
		   "Exit status 1 when no agent answers.\n"
		   "\n"
		   "Options:\n"
		   "  -s, --socket PATH  the agent's status socket (default %s)\n"
		   "  -j, --json         one JSON object instead of text\n"
		   "  -h, --help         show this help\n",
		   STATUS_DEFAULT_SOCKET);
}

void status_fetch_explain(const char *cmd, const char *path, int err, const char *hint)
{
	if (err == -EACCES || err == -EPERM)
		fprintf(stderr, "%s: %s: permission denied (the agent's socket is root's "
				"alone): run as root (sudo) to reach the agent\n", cmd, path);
	else
		fprintf(stderr, "%s: no agent answers on %s (%s): %s\n", cmd, path, strerror(-err),
			hint);
}

int status_fetch(const char *path, const char *what, char **text, size_t *len, pid_t *pid)
{
	char req[512];
	int rl;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = READ_TIMEOUT_SEC };
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	size_t cap = 0, n = 0;
	char *buf = NULL;
	ssize_t got;
	int fd, err = 0;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		err = -errno;
		goto out;
	}
	*pid = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) == 0 ? cred.pid : 0;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	rl = snprintf(req, sizeof(req), "%s\n", what);
	if (rl < 0 || (size_t)rl >= sizeof(req) || send(fd, req, (size_t)rl, MSG_NOSIGNAL) != rl) {
		err = rl < 0 || (size_t)rl >= sizeof(req) ? -EINVAL : -errno;
		goto out;
	}
	for (;;) {
		if (cap - n < 4096) {
			char *v;

			cap = cap ? cap * 2 : 65536;
			if (cap > SNAPSHOT_MAX || !(v = realloc(buf, cap))) {
				err = -EFBIG;
				goto out;
			}
			buf = v;
		}
		got = recv(fd, buf + n, cap - n - 1, 0);
		if (got < 0) {
			err = -errno;
			goto out;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	buf[n] = 0;
	*text = buf;
	*len = n;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return err;
}


static json_int_t num(json_t *o, const char *path1, const char *path2)
{
	json_t *v = json_object_get(o, path1);

	if (path2)
		v = json_object_get(v, path2);
	return json_integer_value(v);
}

static void print_human(json_t *o)
{
	json_t *rules = json_object_get(o, "rules"), *progs, *sinks, *v;
	json_int_t up = num(o, "uptime_seconds", NULL);
	time_t loaded = (time_t)num(o, "rules", "last_load_time");
	char when[64] = "never";
	size_t i;

	if (loaded)
		event_time_format((uint64_t)loaded * 1000000000ull, EVENT_TIME_RFC3339_S, when,
				  sizeof(when));
	printf("palisade %s (commit %s) on kernel %s, pid %lld\n",
	       json_string_value(json_object_get(o, "version")),
	       json_string_value(json_object_get(o, "commit")),
	       json_string_value(json_object_get(o, "kernel")), (long long)num(o, "pid", NULL));
	printf("uptime      %lldd %02lldh %02lldm %02llds\n", (long long)(up / 86400),
	       (long long)(up / 3600 % 24), (long long)(up / 60 % 60), (long long)(up % 60));
	printf("rules       %lld loaded, %lld enabled, %lld cannot fire; last load %s at %s\n",
	       (long long)num(rules, "loaded", NULL), (long long)num(rules, "enabled", NULL),
	       (long long)num(rules, "cannot_fire", NULL),
	       json_is_true(json_object_get(rules, "last_load_ok")) ? "ok" : "REFUSED", when);
	progs = json_object_get(json_object_get(o, "sensors"), "programs");
	printf("sensors     %zu attached:", json_array_size(progs));
	for (i = 0; i < json_array_size(progs); i++)
		printf(" %s", json_string_value(json_array_get(progs, i)));
	progs = json_object_get(json_object_get(o, "sensors"), "not_attached");
	if (json_array_size(progs))
		printf("; loaded, not attached:");
	for (i = 0; i < json_array_size(progs); i++)
		printf(" %s", json_string_value(json_array_get(progs, i)));
	if (json_is_true(json_object_get(json_object_get(o, "sensors"), "links_unreadable")))
		printf(" (the kernel's links could not be read)");
	printf("; %lld syscalls watched\n", (long long)num(o, "sensors", "syscalls_watched"));
	v = json_object_get(json_object_get(o, "kernel_counters"), "losses");
	printf("kernel      %lld records; lost %lld (ring buffer full); truncated paths %lld, "
	       "args %lld; failed reads %lld\n",
	       (long long)num(o, "kernel_counters", "records"),
	       (long long)num(v, "ring_buffer_full", NULL), (long long)num(v, "path_truncated", NULL),
	       (long long)num(v, "args_truncated", NULL), (long long)num(v, "read_failed", NULL));
	printf("events      %lld (malformed %lld)\n", (long long)num(o, "events", "total"),
	       (long long)num(o, "events", "malformed"));
	printf("alerts      %lld (rate-limited %lld, deduplicated %lld)\n",
	       (long long)num(o, "alerts", "total"), (long long)num(o, "alerts", "rate_limited"),
	       (long long)num(o, "alerts", "deduplicated"));
	v = json_object_get(o, "tables");
	printf("tables      %lld/%lld processes; %lld containers (docker engine %s)\n",
	       (long long)num(v, "processes", NULL), (long long)num(v, "processes_capacity", NULL),
	       (long long)num(v, "containers", NULL),
	       json_is_true(json_object_get(v, "docker_engine_up")) ? "up" : "down");
	sinks = json_object_get(o, "sinks");
	if (json_array_size(sinks) == 0)
		printf("sinks       none reported\n");
	for (i = 0; i < json_array_size(sinks) && (v = json_array_get(sinks, i)); i++)
		printf("sink        %s (%s): %s; delivered %lld, failed %lld, dropped %lld, "
		       "queued %lld\n",
		       json_string_value(json_object_get(v, "name")),
		       json_string_value(json_object_get(v, "type")),
		       json_is_true(json_object_get(v, "up")) ? "up" : "DOWN",
		       (long long)num(v, "delivered", NULL), (long long)num(v, "failed", NULL),
		       (long long)num(v, "dropped", NULL), (long long)num(v, "queue_depth", NULL));
}

int status_cli_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = STATUS_DEFAULT_SOCKET;
	struct metrics_parsed parsed = { 0 };
	bool as_json = false;
	size_t len = 0, bad = 0;
	char *text = NULL, *out;
	pid_t pid = 0;
	json_t *summary;
	struct cli_line cl = { "palisade status", "s:jh", longopts, usage, argc, argv, 0 };
	int c, err;

	while ((c = cli_next(&cl)) > 0) {
		if (c == 's')
			path = optarg;
		else if (c == 'j')
			as_json = true;
	}
	if (c == CLI_STOP)
		return cl.status;
	if (optind < argc) {
		fprintf(stderr, "palisade status: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	err = status_fetch(path, "metrics", &text, &len, &pid);
	if (err) {
		status_fetch_explain("palisade status", path, err, "is `palisade run` running? "
				     "Pass --socket PATH if it uses another socket");
		return 1;
	}
	err = metrics_parse(text, len, &parsed, &bad);
	free(text);
	if (err) {
		fprintf(stderr, "palisade status: the agent on %s sent a snapshot that does not "
				"parse (line %zu); is it a palisade agent of this version?\n", path, bad);
		return 1;
	}
	if (parsed.n_samples == 0) {
		fprintf(stderr, "palisade status: the agent on %s is starting (no snapshot yet); "
				"try again in a second\n", path);
		metrics_parsed_release(&parsed);
		return 1;
	}
	summary = status_summary(&parsed, pid);
	metrics_parsed_release(&parsed);
	if (as_json) {
		out = json_dumps(summary, JSON_SORT_KEYS);
		if (out)
			puts(out);
		free(out);
	} else {
		print_human(summary);
	}
	json_decref(summary);
	return 0;
}
