/*
 * `palisade incidents`: the recent alerts that acted, read back from the
 * tamper-evident audit log (docs/audit-log.md): each with its actions or
 * playbook steps, their outcomes, and the captures' bundles and manifest
 * hashes. Text or --json. It reads the log; `palisade log verify` checks it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "capture/capture.h"
#include "cli/cli.h"
#include "config/config.h"
#include "output/sink.h"

#define LINE_MAX_BYTES (1u << 20) /* a longer line is not a record of ours */
#define LIMIT_DEFAULT 20
#define LIMIT_MAX 10000

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: palisade incidents [--log FILE | -c CONFIG] [--all] [--limit N] [--json]\n"
		"\n"
		"The recent alerts whose rules acted (kill, isolate, capture, playbooks, ...),\n"
		"with each step's outcome and each capture's bundle and manifest SHA-256, read\n"
		"from the audit log (the configuration's audit_log output, or --log FILE).\n"
		"\n"
		"  -l, --log FILE     the audit log to read\n"
		"  -c, --config FILE  find it in this configuration (default %s)\n"
		"  -a, --all          every alert, also those without actions\n"
		"  -n, --limit N      the N most recent (default %d, at most %d)\n"
		"  -j, --json         one JSON array, oldest first\n"
		"  -h, --help         show this help\n",
		CONFIG_DEFAULT_PATH, LIMIT_DEFAULT, LIMIT_MAX);
}

/* The first audit_log output of the configuration at path. */
static char *log_of_config(const char *path)
{
	struct palisade_config *c = NULL;
	char *found = NULL;

	if (config_load(path, stderr, &c) < 0) {
		fprintf(stderr, "palisade incidents: cannot read the configuration %s: give "
				"--log FILE\n", path);
		return NULL;
	}
	for (size_t i = 0; i < c->n_outputs && !found; i++)
		if (!strcmp(c->outputs[i].type, "audit_log") && c->outputs[i].audit.path)
			found = strdup(c->outputs[i].audit.path);
	if (!found)
		fprintf(stderr, "palisade incidents: %s has no audit_log output: give --log FILE\n",
			path);
	config_free(c);
	return found;
}

/* One step, as the incident lists it. */
static json_t *step_of(json_t *a)
{
	json_t *s = json_pack("{s:O?, s:O?, s:O?, s:O?}", "type", json_object_get(a, "type"),
			      "outcome", json_object_get(a, "outcome"), "mode",
			      json_object_get(a, "mode"), "detail", json_object_get(a, "detail"));
	const char *keys[] = { "bundle", "manifest_sha256" };

	for (size_t i = 0; s && i < 2; i++)
		if (json_object_get(a, keys[i]))
			json_object_set(s, keys[i], json_object_get(a, keys[i]));
	return s;
}

/* The incident of one audit line, or NULL (not a record, or no action and !all). */
static json_t *incident_of(const char *line, bool all)
{
	json_t *doc = json_loads(line, 0, NULL), *rec, *steps = json_array(), *inc = NULL;
	json_t *pb, *act, *v;
	size_t i;

	rec = json_object_get(doc, "record");
	if (!json_is_object(rec) || !steps)
		goto out;
	pb = json_object_get(json_object_get(rec, "palisade_playbook"), "steps");
	act = json_object_get(rec, "palisade_action");
	json_array_foreach(pb, i, v)
		json_array_append_new(steps, step_of(v));
	if (json_is_object(act))
		json_array_append_new(steps, step_of(act));
	if (!all && !json_array_size(steps))
		goto out;
	v = json_object_get(rec, "output_fields");
	inc = json_pack("{s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:O}", "seq",
			json_object_get(doc, "seq"), "time", json_object_get(rec, "time"), "rule",
			json_object_get(rec, "rule"), "priority", json_object_get(rec, "priority"),
			"output", json_object_get(rec, "output"), "container_id",
			json_object_get(v, "container.id"), "container_name",
			json_object_get(v, "container.name"), "playbook",
			json_object_get(json_object_get(rec, "palisade_playbook"), "name"),
			"actions", steps);
out:
	json_decref(steps);
	json_decref(doc);
	return inc;
}

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "-";
}

static void print_text(json_t *list)
{
	json_t *inc, *s;
	size_t i, k;

	if (!json_array_size(list))
		printf("no incidents in the log\n");
	json_array_foreach(list, i, inc) {
		printf("%s  %s  %s  container %s (%s)\n", str(inc, "time"), str(inc, "priority"),
		       str(inc, "rule"), str(inc, "container_id"), str(inc, "container_name"));
		printf("    %s\n", str(inc, "output"));
		json_array_foreach(json_object_get(inc, "actions"), k, s) {
			printf("    %-8s %-17s %s\n", str(s, "type"), str(s, "outcome"),
			       str(s, "detail"));
			if (json_object_get(s, "bundle"))
				printf("             bundle %s  manifest sha256 %s\n",
				       str(s, "bundle"), str(s, "manifest_sha256"));
		}
	}
}

/* The last `limit` incidents of the log, oldest first. */
char *capture_incident_json(const char *line, bool all)
{
	json_t *inc = incident_of(line, all);
	char *text = inc ? json_dumps(inc, JSON_COMPACT) : NULL;

	json_decref(inc);
	return text;
}

static int read_log(const char *path, bool all, size_t limit, json_t *list)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t n;

	if (!f) {
		fprintf(stderr, "palisade incidents: cannot open %s: %s\n", path, strerror(errno));
		return -errno;
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		json_t *inc;

		lineno++;
		if ((size_t)n > LINE_MAX_BYTES) {
			fprintf(stderr, "palisade incidents: %s:%zu: a line over 1 MiB, skipped\n",
				path, lineno);
			continue;
		}
		inc = incident_of(line, all);
		if (!inc)
			continue;
		json_array_append_new(list, inc);
		if (json_array_size(list) > limit)
			json_array_remove(list, 0);
	}
	free(line);
	fclose(f);
	return 0;
}

int incidents_cli_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "log", required_argument, NULL, 'l' },   { "config", required_argument, NULL, 'c' },
		{ "all", no_argument, NULL, 'a' },	   { "limit", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },	   { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct cli_line cl = { "palisade incidents", "l:c:an:jh", opts, usage, argc, argv, 0 };
	const char *cfg = CONFIG_DEFAULT_PATH, *log_arg = NULL;
	char *log;
	bool all = false, as_json = false;
	long limit = LIMIT_DEFAULT;
	json_t *list;
	int c, ret;

	while ((c = cli_next(&cl)) > 0) {
		switch (c) {
		case 'l':
			log_arg = optarg;
			break;
		case 'c':
			cfg = optarg;
			break;
		case 'a':
			all = true;
			break;
		case 'n':
			if (cli_number(&cl, "--limit", optarg, 1, LIMIT_MAX, &limit))
				return 2;
			break;
		case 'j':
			as_json = true;
			break;
		}
	}
	if (c == CLI_STOP)
		return cl.status;
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	log = log_arg ? strdup(log_arg) : log_of_config(cfg);
	if (!log)
		return 2;
	list = json_array();
	ret = list && read_log(log, all, (size_t)limit, list) == 0 ? 0 : 1;
	if (!ret && as_json) {
		json_dumpf(list, stdout, JSON_COMPACT);
		putchar('\n');
	} else if (!ret) {
		print_text(list);
	}
	json_decref(list);
	free(log);
	return ret;
}
