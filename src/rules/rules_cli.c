/*
 * `palisade rules check|list|prefilter`. main.c calls rules_cli_main with
 * argv[0] = "rules"; options are parsed with getopt, so `--help` and
 * `--json` are options, never file names.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "rules/prefilter.h"
#include "rules/rules.h"

#define LIST_TAGS_MAX 32

static void usage(FILE *f)
{
	fprintf(f, "usage: palisade rules check FILE|DIR...   load and compile, report every problem\n"
		   "       palisade rules list [OPTIONS] [FILE|DIR...]\n"
		   "                                     list rules (default: the embedded set)\n"
		   "       palisade rules prefilter [FILE|DIR...]  the in-kernel pre-filter the\n"
		   "                                     rules allow (docs/prefilter.md)\n"
		   "\n"
		   "rules list options:\n"
		   "  -j, --json            one JSON array: name, desc, priority, source, tags,\n"
		   "                        enabled, file, line, event_types, action, cannot_fire\n"
		   "  -t, --tag TAG         only rules with this tag (repeat: any of them)\n"
		   "  -p, --priority PRIO   only rules at PRIO or more severe\n"
		   "  -r, --rule NAME       only the rule NAME\n"
		   "  -h, --help            show this help\n");
}

static int load(struct rules_engine **out, int argc, char **argv, bool quiet_diag)
{
	struct rules_config cfg;
	struct rules_engine *e = NULL;
	int ret;

	rules_config_default(&cfg);
	cfg.diag_out = quiet_diag ? NULL : stderr;
	ret = rules_engine_new(&cfg, &e);
	if (ret) {
		fprintf(stderr, "palisade: cannot create the rule engine: %s\n", strerror(-ret));
		return ret;
	}
	if (argc == 0)
		rules_engine_add_default(e);
	for (int i = 0; i < argc; i++)
		rules_engine_add_path(e, argv[i]);
	ret = rules_engine_compile(e);
	*out = e;
	return ret;
}

static void print_cannot_fire(const struct rules_engine *e, FILE *f)
{
	size_t n = rules_engine_cannot_fire_count(e);

	if (!n)
		return;
	fprintf(f, "%zu enabled rule(s) cannot fire yet:\n", n);
	for (size_t i = 0; i < rules_engine_rule_count(e); i++) {
		const struct rules_rule_info *r = rules_engine_rule(e, i);

		if (r->enabled && r->cannot_fire)
			fprintf(f, "  %s: %s\n", r->name, r->cannot_fire);
	}
}

/* Options of a subcommand without any: only --help. Returns -1 to go on
 * (optind past the options), or the exit status. */
static int plain_options(int argc, char **argv)
{
	static const struct option longopts[] = { { "help", no_argument, NULL, 'h' },
						  { NULL, 0, NULL, 0 } };
	struct cli_line cl = { "palisade rules", "h", longopts, usage, argc, argv, 0 };

	optind = 1;
	return cli_next(&cl) == CLI_STOP ? cl.status : -1;
}

static int cmd_check(int argc, char **argv)
{
	struct rules_engine *e = NULL;
	struct rules_stats st;
	size_t errors = 0;
	int ret = plain_options(argc, argv);

	if (ret >= 0)
		return ret;
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	ret = load(&e, argc - optind, argv + optind, false);
	if (!e)
		return 1;
	for (size_t i = 0; i < rules_engine_diag_count(e); i++)
		errors += rules_engine_diag(e, i)->error;
	rules_engine_stats(e, &st);
	if (ret) {
		fprintf(stderr, "%zu error(s): the rules were refused\n", errors);
		rules_engine_free(e);
		return 1;
	}
	printf("ok: %zu rules (%zu enabled), %zu macros, %zu lists\n", st.rules_loaded,
	       st.rules_enabled, st.macros, st.lists);
	print_cannot_fire(e, stdout);
	rules_engine_free(e);
	return 0;
}

struct list_filter {
	const char *tags[LIST_TAGS_MAX];
	size_t n_tags;
	enum rules_priority priority; /* this or more severe */
	const char *rule;
	bool json;
};

static bool selected(const struct list_filter *f, const struct rules_rule_info *r)
{
	bool tagged = f->n_tags == 0;

	for (size_t i = 0; i < f->n_tags && !tagged; i++)
		for (size_t j = 0; j < r->n_tags && !tagged; j++)
			tagged = strcmp(f->tags[i], r->tags[j]) == 0;
	return tagged && r->priority <= f->priority && (!f->rule || !strcmp(f->rule, r->name));
}

static json_t *rule_json(const struct rules_rule_info *r)
{
	json_t *o = json_object(), *tags = json_array();

	for (size_t i = 0; i < r->n_tags; i++)
		json_array_append_new(tags, json_string(r->tags[i]));
	json_object_set_new(o, "name", json_string(r->name));
	json_object_set_new(o, "desc", json_string(r->desc ? r->desc : ""));
	json_object_set_new(o, "priority", json_string(rules_priority_name(r->priority)));
	json_object_set_new(o, "source", json_string(r->source));
	json_object_set_new(o, "tags", tags);
	json_object_set_new(o, "enabled", json_boolean(r->enabled));
	json_object_set_new(o, "file", json_string(r->file ? r->file : ""));
	json_object_set_new(o, "line", json_integer(r->line));
	json_object_set_new(o, "event_types", r->evttypes ? json_string(r->evttypes) : json_null());
	json_object_set_new(o, "action", json_string(rules_action_name(r->action.type)));
	if (r->action.is_list) {
		json_t *steps = json_array();

		for (size_t i = 0; steps && i < r->action.n_steps; i++)
			json_array_append_new(steps,
					      json_string(rules_action_name(r->action.steps[i].type)));
		json_object_set_new(o, "steps", steps);
		if (r->action.playbook)
			json_object_set_new(o, "playbook", json_string(r->action.playbook));
	}
	json_object_set_new(o, "cannot_fire",
			    r->cannot_fire ? json_string(r->cannot_fire) : json_null());
	return o;
}

static void rule_text(const struct rules_rule_info *r)
{
	char action[256];

	rules_action_describe(&r->action, action, sizeof(action));
	printf("%s\n  priority %s, %s, action %s, %s:%u\n", r->name,
	       rules_priority_name(r->priority), r->enabled ? "enabled" : "disabled", action,
	       r->file ? r->file : "?", r->line);
	printf("  tags:");
	for (size_t i = 0; i < r->n_tags; i++)
		printf("%s%s", i ? ", " : " ", r->tags[i]);
	printf("%s\n  events: %s\n", r->n_tags ? "" : " -", r->evttypes ? r->evttypes : "-");
	if (r->desc && *r->desc) {
		size_t len = strlen(r->desc);

		while (len && (r->desc[len - 1] == '\n' || r->desc[len - 1] == ' '))
			len--;
		printf("  desc: ");
		for (size_t i = 0; i < len; i++) /* one line: a block scalar's breaks become blanks */
			putchar(r->desc[i] == '\n' ? ' ' : r->desc[i]);
		putchar('\n');
	}
	if (r->cannot_fire)
		printf("  cannot fire yet: %s\n", r->cannot_fire);
}

static int list_options(int argc, char **argv, struct list_filter *f)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },	     { "tag", required_argument, NULL, 't' },
		{ "priority", required_argument, NULL, 'p' }, { "rule", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },	     { NULL, 0, NULL, 0 },
	};
	struct cli_line cl = { "palisade rules list", "jt:p:r:h", longopts, usage, argc, argv, 0 };
	int c;

	*f = (struct list_filter){ .priority = RULES_PRIO_DEBUG };
	optind = 1;
	while ((c = cli_next(&cl)) > 0) {
		switch (c) {
		case 'j':
			f->json = true;
			break;
		case 't':
			if (f->n_tags == LIST_TAGS_MAX) {
				fprintf(stderr, "palisade rules list: at most %d --tag\n", LIST_TAGS_MAX);
				return 2;
			}
			f->tags[f->n_tags++] = optarg;
			break;
		case 'p':
			if (rules_priority_parse(optarg, &f->priority)) {
				const char *s = rules_priority_suggest(optarg);

				fprintf(stderr, "palisade rules list: unknown priority '%s'%s%s%s\n",
					optarg, s ? "; did you mean '" : "", s ? s : "", s ? "'?" : "");
				return 2;
			}
			break;
		case 'r':
			f->rule = optarg;
			break;
		}
	}
	return c == CLI_STOP ? cl.status : -1;
}

static int cmd_list(int argc, char **argv)
{
	struct rules_engine *e = NULL;
	struct list_filter f;
	json_t *all = json_array();
	size_t shown = 0;
	int ret = list_options(argc, argv, &f);

	if (ret >= 0)
		goto out;
	ret = 1;
	if (load(&e, argc - optind, argv + optind, false))
		goto out;
	for (size_t i = 0; i < rules_engine_rule_count(e); i++) {
		const struct rules_rule_info *r = rules_engine_rule(e, i);

		if (!selected(&f, r))
			continue;
		shown++;
		if (f.json)
			json_array_append_new(all, rule_json(r));
		else
			rule_text(r);
	}
	if (f.json && json_dumpf(all, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0)
		putchar('\n');
	ret = 0;
	if (f.rule && !shown) {
		fprintf(stderr, "palisade rules list: no rule named '%s'\n", f.rule);
		ret = 1;
	}
out:
	json_decref(all);
	rules_engine_free(e);
	return ret;
}

static int cmd_prefilter(int argc, char **argv)
{
	struct rules_engine *e = NULL;
	struct prefilter *pf = NULL;
	int ret = plain_options(argc, argv);

	if (ret >= 0)
		return ret;
	ret = load(&e, argc - optind, argv + optind, true);
	if (!ret)
		ret = prefilter_build(e, &pf);
	if (ret) {
		fprintf(stderr, "palisade rules prefilter: %s\n",
			ret == -ENOMEM ? "out of memory" : "the rules were refused (see rules check)");
		rules_engine_free(e);
		return 1;
	}
	prefilter_describe(pf, stdout);
	prefilter_free(pf);
	rules_engine_free(e);
	return 0;
}

int rules_cli_main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "check"))
		return cmd_check(argc - 1, argv + 1);
	if (!strcmp(argv[1], "list"))
		return cmd_list(argc - 1, argv + 1);
	if (!strcmp(argv[1], "prefilter"))
		return cmd_prefilter(argc - 1, argv + 1);
	fprintf(stderr, "palisade rules: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
