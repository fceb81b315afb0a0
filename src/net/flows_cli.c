/*
 * `palisade flows`: the flows of every container, as a live top-like table
 * or as JSON. Reads the running agent's flows document (status socket); with
 * --local it measures here instead, loading the flow accounting itself for
 * as long as it runs. Both ways render the same document.
 */
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "net/net.h"
#include "status/status.h"

#define DEFAULT_DOCKER_SOCKET "/var/run/docker.sock"

struct opts {
	const char *socket, *docker, *filter;
	bool json, local, once;
	unsigned interval_s, count, rows, max_flows;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: palisade flows [OPTIONS]\n"
		"\n"
		"The network flows of every container and of the host: who talks to whom,\n"
		"on which port, how much, in which TCP state; busiest first, refreshed every\n"
		"second (a table like top's on a terminal; once otherwise). Reads the\n"
		"running agent (`palisade run --flows`); --local measures here instead.\n"
		"docs/flows.md describes the columns and the JSON.\n"
		"\n"
		"Options:\n"
		"  -s, --socket PATH     the agent's status socket (default %s)\n"
		"  -j, --json            print the flows document (JSON) once and exit\n"
		"  -1, --once            print the table once and exit\n"
		"  -n, --count N         refresh N times, then exit\n"
		"  -i, --interval S      seconds between refreshes (default 1)\n"
		"  -r, --rows N          flows shown (default: what fits the terminal, else 50)\n"
		"  -c, --container GLOB  only flows one of whose ends (container, host or\n"
		"                        address) matches GLOB\n"
		"      --local           measure here: load the flow accounting (root), for as\n"
		"                        long as the command runs\n"
		"      --docker-socket P names containers through this Engine API socket\n"
		"                        (--local; default %s; \"none\": ids only)\n"
		"      --max-flows N     the kernel's flow table (--local; default %u): beyond\n"
		"                        it new flows are counted as untracked\n"
		"  -h, --help            show this help\n",
		STATUS_DEFAULT_SOCKET, DEFAULT_DOCKER_SOCKET, FL_FLOWS_DEFAULT);
}

static void human(uint64_t v, char *out, size_t size)
{
	static const char *const units[] = { "B", "K", "M", "G", "T" };
	double d = (double)v;
	int u = 0;

	while (d >= 1024 && u < 4) {
		d /= 1024;
		u++;
	}
	snprintf(out, size, u ? "%.1f%s" : "%.0f%s", d, units[u]);
}

static const char *str(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : "";
}

static uint64_t num(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
}

static void row(FILE *out, json_t *f)
{
	char tx[16], rx[16], rate[24], local[64], remote[64];
	const char *state = json_is_string(json_object_get(f, "ended")) ? str(f, "ended") :
			    str(f, "state");
	bool v6 = num(f, "family") == 6;

	human(num(f, "bytes_out"), tx, sizeof(tx));
	human(num(f, "bytes_in"), rx, sizeof(rx));
	human(num(f, "rate_out") + num(f, "rate_in"), rate, sizeof(rate) - 2);
	strcat(rate, "/s");
	snprintf(local, sizeof(local), "%s%s%s:%llu", v6 ? "[" : "", str(f, "local"), v6 ? "]" : "",
		 (unsigned long long)num(f, "lport"));
	snprintf(remote, sizeof(remote), "%s%s%s:%llu", v6 ? "[" : "", str(f, "remote"),
		 v6 ? "]" : "", (unsigned long long)num(f, "rport"));
	fprintf(out, "%-20.20s %-3s %-4s %-22.22s %-20.20s %-28.28s %-11.11s %8s %8s %9s\n",
		str(f, "container"), !strcmp(str(f, "direction"), "egress") ? "out" : "in",
		str(f, "proto"), local, str(f, "peer"), remote, *state ? state : "-", tx, rx,
		rate);
}

/* Keeps the entries of array `key` one of whose ends (a, b) matches glob. */
static void keep_matching(json_t *root, const char *key, const char *a, const char *b,
			  const char *glob)
{
	json_t *arr = json_object_get(root, key), *kept = json_array(), *e;
	size_t i;

	if (!json_is_array(arr) || !kept) {
		json_decref(kept);
		return;
	}
	json_array_foreach(arr, i, e)
		if (!fnmatch(glob, str(e, a), 0) || !fnmatch(glob, str(e, b), 0))
			json_array_append(kept, e);
	json_object_set_new(root, key, kept);
}

/* The document as a table: a header line, then the flows, busiest first. */
static void render(FILE *out, json_t *root, unsigned rows, bool clear)
{
	json_t *flows = json_object_get(root, "flows"), *f, *c = json_object_get(root, "counters");
	size_t i;

	if (clear)
		fputs("\033[H\033[2J", out);
	fprintf(out, "palisade flows  %s  active %llu, ended %llu; untracked (table full) %llu; "
		     "edges %zu\n\n",
		str(root, "time"), (unsigned long long)num(c, "active"),
		(unsigned long long)num(c, "ended"), (unsigned long long)num(c, "untracked_flows"),
		json_array_size(json_object_get(root, "edges")));
	fprintf(out, "%-20s %-3s %-4s %-22s %-20s %-28s %-11s %8s %8s %9s\n", "CONTAINER", "DIR",
		"PROTO", "LOCAL", "PEER", "REMOTE", "STATE", "TX", "RX", "RATE");
	json_array_foreach(json_is_array(flows) ? flows : NULL, i, f) {
		if (i >= rows)
			break;
		row(out, f);
	}
	fflush(out);
}

/* Prints one document as asked: JSON or the table, filtered by --container. */
static int show(const struct opts *o, const char *doc, size_t len, bool clear)
{
	json_error_t jerr;
	json_t *root = json_loadb(doc, len, 0, &jerr);
	char *text;

	if (!json_is_object(root)) {
		fprintf(stderr, "palisade flows: the flows document is not JSON (%s)\n", jerr.text);
		json_decref(root);
		return -EINVAL;
	}
	if (o->filter) {
		keep_matching(root, "flows", "container", "peer", o->filter);
		keep_matching(root, "edges", "src", "dst", o->filter);
	}
	if (o->json) {
		text = json_dumps(root, JSON_COMPACT);
		if (text)
			printf("%s\n", text);
		free(text);
	} else {
		render(stdout, root, o->rows, clear);
	}
	fflush(stdout);
	json_decref(root);
	return 0;
}

/* The agent's document; a message and -ENOENT when it publishes none. */
static int fetch_agent(const struct opts *o, char **doc, size_t *len)
{
	pid_t pid;
	int err = status_fetch(o->socket, "flows", doc, len, &pid);

	if (err) {
		status_fetch_explain("palisade flows", o->socket, err, "start `palisade run "
				     "--flows`, pass --socket PATH, or measure here with --local");
		return err;
	}
	if (**doc != '{') {
		fprintf(stderr, "palisade flows: the agent on %s keeps no flows: start it with "
				"--flows (flows.enabled: true), or measure here with --local\n",
			o->socket);
		free(*doc);
		*doc = NULL;
		return -ENOENT;
	}
	return 0;
}

static void pause_s(unsigned s)
{
	struct timespec ts = { .tv_sec = s };

	while (!stop && nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int loop(const struct opts *o, struct net_monitor *local)
{
	bool tty = isatty(STDOUT_FILENO);
	unsigned n = 0, want = o->count ? o->count : (o->once || o->json || !tty) ? 1 : 0;
	int err = 0;

	while (!stop && (!want || n < want)) {
		char *doc = NULL;
		size_t len = 0;

		if (local) {
			if (n || o->once || o->json || o->count)
				pause_s(o->interval_s); /* something to measure first */
			net_monitor_sweep(local);
			doc = net_monitor_document(local, o->filter, &len);
			err = doc ? 0 : -ENOMEM;
		} else {
			if (n)
				pause_s(o->interval_s);
			err = fetch_agent(o, &doc, &len);
		}
		if (err)
			return err;
		err = show(o, doc, len, tty && !o->once && want != 1);
		free(doc);
		if (err)
			return err;
		n++;
	}
	return 0;
}

static void on_container(const struct container_info *c, void *ctx)
{
	net_monitor_container_update(*(struct net_monitor **)ctx, c);
}

static int run_local(const struct opts *o)
{
	struct net_monitor *m = NULL;
	struct container_store_config ccfg = { .on_update = on_container, .ctx = &m };
	struct container_store *cs = NULL;
	struct net_monitor_cfg mc = { 0 };
	int err;

	if (geteuid() != 0) {
		fprintf(stderr, "palisade flows --local: must run as root (loads BPF programs)\n");
		return -EPERM;
	}
	ccfg.docker_socket = strcmp(o->docker, "none") ? o->docker : NULL;
	err = container_store_new(&ccfg, &cs);
	if (err)
		return err;
	mc.containers = cs;
	mc.max_flows = o->max_flows;
	err = net_monitor_new(&mc, &m);
	if (!err) {
		/* Started once the monitor exists: every container it reports names
		 * its addresses. */
		container_store_start(cs);
		err = loop(o, m);
	}
	net_monitor_free(m);
	container_store_free(cs);
	return err;
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option longs[] = {
		{ "socket", required_argument, NULL, 's' }, { "json", no_argument, NULL, 'j' },
		{ "once", no_argument, NULL, '1' },         { "count", required_argument, NULL, 'n' },
		{ "interval", required_argument, NULL, 'i' }, { "rows", required_argument, NULL, 'r' },
		{ "local", no_argument, NULL, 'L' },        { "docker-socket", required_argument, NULL, 'D' },
		{ "max-flows", required_argument, NULL, 'M' }, { "container", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },         { 0 }
	};
	struct cli_line cl = { "palisade flows", "s:j1n:i:r:c:h", longs, usage, argc, argv, 0 };
	struct winsize ws;
	int c;

	*o = (struct opts){ .socket = STATUS_DEFAULT_SOCKET, .docker = DEFAULT_DOCKER_SOCKET,
			    .interval_s = 1, .rows = 50 };
	if (isatty(STDOUT_FILENO) && !ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_row > 4)
		o->rows = ws.ws_row - 4u;
	while ((c = cli_next(&cl)) > 0) {
		const char *flag = c == 'n' ? "--count" : c == 'i' ? "--interval"
				 : c == 'r' ? "--rows" : "--max-flows";
		long v = 0;

		if ((c == 'n' || c == 'i' || c == 'r' || c == 'M') &&
		    cli_number(&cl, flag, optarg, 1, c == 'M' ? FL_FLOWS_MAX : 86400, &v))
			return 2;
		switch (c) {
		case 's': o->socket = optarg; break;
		case 'j': o->json = true; break;
		case '1': o->once = true; break;
		case 'n': o->count = (unsigned)v; break;
		case 'i': o->interval_s = (unsigned)v; break;
		case 'r': o->rows = (unsigned)v; break;
		case 'L': o->local = true; break;
		case 'D': o->docker = optarg; break;
		case 'M': o->max_flows = (unsigned)v; break;
		case 'c': o->filter = optarg; break;
		}
	}
	if (c == CLI_STOP)
		return cl.status ? cl.status : 1; /* 1: --help */
	if (optind < argc) {
		fprintf(stderr, "palisade flows: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	return 0;
}

int net_flows_cli_main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct opts o;
	int rc = parse(argc, argv, &o);

	if (rc)
		return rc == 1 ? 0 : rc;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	rc = o.local ? run_local(&o) : loop(&o, NULL);
	return rc ? 1 : 0;
}
