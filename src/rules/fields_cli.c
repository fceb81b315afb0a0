/*
 * `palisade fields [CLASS...] [--json | --markdown]`: the field table, whole
 * or for some classes (the part of a name before its first dot: proc, fd,
 * container, ...), as text, JSON or the Markdown table of docs/rules.md.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "rules/rules_internal.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: palisade fields [CLASS...] [--source S] [--json | --markdown | --names] "
		   "[--events]\n"
		   "  CLASS            only fields of this class (proc, fd, container, ...) or\n"
		   "                   whose name starts with CLASS (proc.a)\n"
		   "  -s, --source S   only fields of events of source S: syscall, docker or flow\n"
		   "  -j, --json       one JSON array: name, class, type, arg, desc, available, needs,\n"
		   "                   sources\n"
		   "  -m, --markdown   the Markdown table of docs/rules.md\n"
		   "  -n, --names      names only\n"
		   "  -e, --events     the event types rules may name (evt.type), instead\n"
		   "  -h, --help       show this help\n");
}

static size_t class_len(const char *name)
{
	const char *dot = strchr(name, '.');

	return dot ? (size_t)(dot - name) : strlen(name);
}

static bool in_class(const char *name, const char *cls)
{
	size_t n = strlen(cls);

	return (class_len(name) == n && !strncmp(name, cls, n)) ||
	       (strchr(cls, '.') && !strncmp(name, cls, n));
}

static bool wanted(const char *name, char **classes, int n)
{
	for (int i = 0; i < n; i++)
		if (in_class(name, classes[i]))
			return true;
	return n == 0;
}

/* The distinct classes of the table, in order of first appearance. */
static size_t classes_of_table(const char **out, size_t *lens, size_t max)
{
	size_t n = 0;

	for (size_t k = 0; k < rules_field_count(); k++) {
		const char *name = rules_field(k)->name;
		size_t len = class_len(name), j;

		for (j = 0; j < n && (lens[j] != len || strncmp(out[j], name, len)); j++)
			;
		if (j == n && n < max) {
			out[n] = name;
			lens[n++] = len;
		}
	}
	return n;
}

/* Every class named must match some field: a typo is an error that names
 * the closest class and lists them all. */
static int check_classes(char **classes, int n)
{
	const char *cls[64];
	size_t lens[64], ncls = classes_of_table(cls, lens, 64);

	for (int i = 0; i < n; i++) {
		const char *best = NULL;
		unsigned best_d = 3;
		size_t k, best_len = 0;

		for (k = 0; k < rules_field_count(); k++)
			if (in_class(rules_field(k)->name, classes[i]))
				break;
		if (k < rules_field_count())
			continue;
		for (k = 0; k < ncls; k++) {
			char c[64];
			unsigned d;

			snprintf(c, sizeof(c), "%.*s", (int)lens[k], cls[k]);
			d = rl_edit_distance(classes[i], c);
			if (d < best_d) {
				best_d = d;
				best = cls[k];
				best_len = lens[k];
			}
		}
		fprintf(stderr, "palisade fields: no field of class '%s'", classes[i]);
		if (best)
			fprintf(stderr, "; did you mean '%.*s'?", (int)best_len, best);
		fprintf(stderr, " (classes:");
		for (k = 0; k < ncls; k++)
			fprintf(stderr, " %.*s", (int)lens[k], cls[k]);
		fprintf(stderr, ")\n");
		return 2;
	}
	return 0;
}

static json_t *field_json(const struct rules_field_info *f)
{
	json_t *o = json_object();

	json_object_set_new(o, "name", json_string(f->name));
	json_object_set_new(o, "class", json_stringn(f->name, class_len(f->name)));
	json_object_set_new(o, "type", json_string(f->type));
	json_object_set_new(o, "arg", f->arg ? json_string(f->arg) : json_null());
	json_object_set_new(o, "desc", json_string(f->desc));
	json_object_set_new(o, "available", json_boolean(!f->needs));
	json_object_set_new(o, "needs", f->needs ? json_string(f->needs) : json_null());
	json_object_set_new(o, "sources", json_string(f->sources));
	return o;
}

static void print_field(const struct rules_field_info *f, char mode, json_t *all)
{
	if (mode == 'n')
		printf("%s\n", f->name);
	else if (mode == 'j')
		json_array_append_new(all, field_json(f));
	else if (mode == 'm')
		printf("| `%s` | %s | %s | %s | %s |\n", f->name, f->type, f->arg ? f->arg : "",
		       f->desc, f->needs ? f->needs : "yes");
	else
		printf("%-42s %-8s %s%s%s%s%s\n", f->name, f->type, f->desc, f->arg ? " [arg: " : "",
		       f->arg ? f->arg : "", f->arg ? "]" : "",
		       f->needs ? "  (not yet available)" : "");
}

/* --events: every event type rules may name, and whether a sensor gives it. */
static int print_events(char mode)
{
	json_t *all = json_array();

	if (mode == 'm')
		printf("| event type | provided |\n|---|---|\n");
	for (size_t i = 0; i < rl_evttype_count(); i++) {
		const char *name = rl_evttype_name((int)i);
		bool yes = rl_evttype_provided((int)i);

		if (mode == 'j') {
			json_t *o = json_object();

			json_object_set_new(o, "name", json_string(name));
			json_object_set_new(o, "provided", json_boolean(yes));
			json_array_append_new(all, o);
		} else if (mode == 'm') {
			printf("| `%s` | %s |\n", name, yes ? "yes" : "not yet");
		} else {
			printf("%s%s\n", name, yes || mode == 'n' ? "" : "  (not provided yet)");
		}
	}
	if (mode == 'j' && json_dumpf(all, stdout, JSON_INDENT(2)) == 0)
		putchar('\n');
	json_decref(all);
	return 0;
}

int fields_cli_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "markdown", no_argument, NULL, 'm' },
		{ "names", no_argument, NULL, 'n' },
		{ "events", no_argument, NULL, 'e' },
		{ "source", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *source = NULL;
	char mode = 't';
	bool events = false;
	struct cli_line cl = { "palisade fields", "jmnes:h", longopts, usage, argc, argv, 0 };
	json_t *all;
	int c, ret;

	optind = 1;
	while ((c = cli_next(&cl)) > 0) {
		if (c == 'j' || c == 'm' || c == 'n') {
			mode = (char)c;
			continue;
		}
		enum rl_source src;

		if (c == 's' && rl_source_parse(optarg, &src)) {
			fprintf(stderr, "palisade fields: no source '%s' (sources: syscall, docker, "
					"flow)\n", optarg);
			return 2;
		}
		if (c == 's') {
			source = optarg;
			continue;
		}
		if (c == 'e')
			events = true;
	}
	if (c == CLI_STOP)
		return cl.status;
	if (events)
		return print_events(mode);
	ret = check_classes(argv + optind, argc - optind);
	if (ret)
		return ret;
	all = json_array();
	if (mode == 'm')
		printf("| field | type | argument | description | available |\n|---|---|---|---|---|\n");
	for (size_t i = 0; i < rules_field_count(); i++)
		if (wanted(rules_field(i)->name, argv + optind, argc - optind) &&
		    (!source || strstr(rules_field(i)->sources, source)))
			print_field(rules_field(i), mode, all);
	if (mode == 'j' && json_dumpf(all, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0)
		putchar('\n');
	json_decref(all);
	return 0;
}
