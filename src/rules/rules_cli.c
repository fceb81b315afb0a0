/*
 * `palisade rules check|list` and `palisade fields`. main.c calls these with
 * argv[0] = "rules" / "fields".
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "rules/prefilter.h"
#include "rules/rules.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: palisade rules check FILE|DIR...   load and compile, report every problem\n"
		   "       palisade rules list [FILE|DIR...]  list rules (default: the embedded set)\n"
		   "       palisade rules prefilter [FILE|DIR...]  the in-kernel pre-filter the\n"
		   "                                     rules allow (docs/prefilter.md)\n");
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

static int cmd_check(int argc, char **argv)
{
	struct rules_engine *e = NULL;
	struct rules_stats st;
	size_t errors = 0;
	int ret;

	if (argc < 1) {
		usage(stderr);
		return 2;
	}
	ret = load(&e, argc, argv, false);
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

static int cmd_list(int argc, char **argv)
{
	struct rules_engine *e = NULL;
	int ret = load(&e, argc, argv, false);

	if (!e)
		return 1;
	if (ret) {
		rules_engine_free(e);
		return 1;
	}
	printf("%-60s %-13s %-8s %-6s %s\n", "RULE", "PRIORITY", "ENABLED", "ACTION",
	       "EVENT TYPES / STATUS");
	for (size_t i = 0; i < rules_engine_rule_count(e); i++) {
		const struct rules_rule_info *r = rules_engine_rule(e, i);

		printf("%-60s %-13s %-8s %-6s %s%s%s%s\n", r->name, rules_priority_name(r->priority),
		       r->enabled ? "yes" : "no", rules_action_name(r->action.type),
		       r->evttypes ? r->evttypes : "-",
		       r->cannot_fire ? "  [cannot fire yet: " : "",
		       r->cannot_fire ? r->cannot_fire : "", r->cannot_fire ? "]" : "");
	}
	rules_engine_free(e);
	return 0;
}

static int cmd_prefilter(int argc, char **argv)
{
	struct rules_engine *e = NULL;
	struct prefilter *pf = NULL;
	int ret = load(&e, argc, argv, true);

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
		return cmd_check(argc - 2, argv + 2);
	if (!strcmp(argv[1], "list"))
		return cmd_list(argc - 2, argv + 2);
	if (!strcmp(argv[1], "prefilter"))
		return cmd_prefilter(argc - 2, argv + 2);
	fprintf(stderr, "palisade rules: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}

int fields_cli_main(int argc, char **argv)
{
	bool markdown = argc > 1 && !strcmp(argv[1], "--markdown");

	if (argc > 1 && !markdown) {
		fprintf(stderr, "usage: palisade fields [--markdown]\n");
		return 2;
	}
	if (markdown)
		printf("| field | type | argument | description | available |\n|---|---|---|---|---|\n");
	for (size_t i = 0; i < rules_field_count(); i++) {
		const struct rules_field_info *f = rules_field(i);

		if (markdown)
			printf("| `%s` | %s | %s | %s | %s |\n", f->name, f->type, f->arg ? f->arg : "",
			       f->desc, f->needs ? f->needs : "yes");
		else
			printf("%-42s %-8s %s%s%s%s%s\n", f->name, f->type, f->desc,
			       f->arg ? " [arg: " : "", f->arg ? f->arg : "", f->arg ? "]" : "",
			       f->needs ? "  (not yet available)" : "");
	}
	return 0;
}
