/*
 * `palisade isolate`: asks the running agent, through its status socket, to
 * cut a container off the network, to lift that, or to list the isolated
 * containers (docs/response.md). The agent does it, records it on its
 * outputs (the audit log), and answers; root only.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "status/status.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: palisade isolate [--socket PATH] [--all] CONTAINER\n"
		   "       palisade isolate [--socket PATH] --undo CONTAINER\n"
		   "       palisade isolate [--socket PATH] --list [--json]\n"
		   "\n"
		   "Cuts a container off the network while it keeps running: the running agent\n"
		   "refuses its connects and addressed sends in the kernel (EPERM), loopback\n"
		   "inside the container excepted (--all: loopback too). --undo lifts it (an\n"
		   "isolation made by a rule too). Each is recorded on the agent's outputs.\n"
		   "CONTAINER: a name, an id, or 4+ characters of an id. Root only; exit 1\n"
		   "when the agent refuses or does not answer (docs/response.md).\n"
		   "\n"
		   "Options:\n"
		   "  -s, --socket PATH  the agent's status socket (default %s)\n"
		   "  -u, --undo         lift the isolation\n"
		   "  -a, --all          cut loopback too\n"
		   "  -l, --list         list the isolated containers\n"
		   "  -j, --json         --list as JSON\n"
		   "  -h, --help         show this help\n",
		   STATUS_DEFAULT_SOCKET);
}

/* The list's lines ("ID\tloopback\tby\trefused N\tdropped N") as a JSON array. */
static int print_json(const char *text)
{
	json_t *arr = json_array();
	const char *line = strchr(text, '\n');

	while (arr && line && line[1]) {
		char id[80] = "", lo[32] = "", by[200] = "";
		unsigned long long refused = 0, dropped = 0;
		const char *next = strchr(line + 1, '\n');

		if (sscanf(line + 1, "%79[^\t]\t%31[^\t]\t%199[^\t]\trefused %llu\tdropped %llu",
			   id, lo, by, &refused, &dropped) >= 4)
			json_array_append_new(arr, json_pack("{s:s, s:b, s:s, s:I, s:I}", "container",
							     id, "loopback_cut", !strcmp(lo, "all"),
							     "by", by, "refused", (json_int_t)refused,
							     "dropped", (json_int_t)dropped));
		line = next;
	}
	if (!arr)
		return 1;
	json_dumpf(arr, stdout, JSON_COMPACT);
	putchar('\n');
	json_decref(arr);
	return 0;
}

int isolate_cli_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' }, { "undo", no_argument, NULL, 'u' },
		{ "all", no_argument, NULL, 'a' },	    { "list", no_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },	    { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *path = STATUS_DEFAULT_SOCKET;
	bool undo = false, all = false, list = false, json = false;
	char req[512], *text = NULL;
	size_t len = 0;
	pid_t pid = 0;
	struct cli_line cl = { "palisade isolate", "s:ualjh", opts, usage, argc, argv, 0 };
	int c, err;

	while ((c = cli_next(&cl)) > 0) {
		switch (c) {
		case 's': path = optarg; break;
		case 'u': undo = true; break;
		case 'a': all = true; break;
		case 'l': list = true; break;
		case 'j': json = true; break;
		}
	}
	if (c == CLI_STOP)
		return cl.status;
	if (list ? optind != argc || undo || all : optind + 1 != argc || (undo && all)) {
		usage(stderr);
		return 2;
	}
	snprintf(req, sizeof(req), "isolate %s%s",
		 list ? "list" : undo ? "undo " : all ? "add-all " : "add ", list ? "" : argv[optind]);
	err = status_fetch(path, req, &text, &len, &pid);
	if (err) {
		status_fetch_explain("palisade isolate", path, err, "is `palisade run` running? "
				     "Pass --socket PATH if it uses another socket");
		return 1;
	}
	if (strncmp(text, "ok", 2)) {
		fprintf(stderr, "palisade isolate: %s", strncmp(text, "# ", 2) ? text :
			"the agent does not take commands (an older agent?)\n");
		free(text);
		return 1;
	}
	err = list && json ? print_json(text) : (fputs(text + strspn(text, "ok: "), stdout), 0);
	free(text);
	return err;
}
