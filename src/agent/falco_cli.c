/*
 * The flags of Falco's command line that print something and exit instead
 * of running (docs/falco-migration.md): -L, -l RULE, --list [SOURCE],
 * --list-events, -V FILE, --version. Each is the palisade command that does
 * the same (`rules list`, `fields`, `rules check`), over the configured
 * rules files, so a Falco user's habits and scripts keep working.
 */
#include <stdio.h>
#include <string.h>

#include "agent/agent.h"
#include "rules/rules.h"
#include "version.h"

#define ARGV_MAX (CONFIG_RULES_FILES_MAX + 8)

/* argv of a palisade command: `words`, then the configured rules files. */
static int with_files(const struct palisade_config *c, int (*cmd)(int, char **),
		      const char *const *words, size_t n_words, const char *const *files,
		      size_t n_files)
{
	char *argv[ARGV_MAX + 1];
	int argc = 0;

	for (size_t i = 0; i < n_words && argc < ARGV_MAX; i++)
		argv[argc++] = (char *)words[i];
	if (!strcmp(c->list_format, "json") && cmd == rules_cli_main && argc < ARGV_MAX)
		argv[argc++] = "--json";
	for (size_t i = 0; i < n_files && argc < ARGV_MAX; i++)
		argv[argc++] = (char *)files[i];
	argv[argc] = NULL;
	return cmd(argc, argv);
}

static int list_fields(const struct palisade_config *c)
{
	const char *words[5] = { "fields" };
	size_t n = 1;

	if (*c->list_source && strcmp(c->list_source, "syscall") && strcmp(c->list_source, "flow")) {
		fprintf(stderr, "palisade run --list %s: palisade's event sources are syscall and "
				"flow\n", c->list_source);
		return 2;
	}
	if (*c->list_source) {
		words[n++] = "--source";
		words[n++] = c->list_source;
	}
	if (!strcmp(c->list_format, "json"))
		words[n++] = "--json";
	else if (!strcmp(c->list_format, "markdown"))
		words[n++] = "--markdown";
	if (c->list_names)
		words[n++] = "--names";
	return with_files(c, fields_cli_main, words, n, NULL, 0);
}

int agent_falco_action(const struct palisade_config *c)
{
	if (c->print_version) {
		printf("palisade %s (Falco rules engine %s)\n", PALISADE_VERSION,
		       RULES_ENGINE_VERSION);
		return 0;
	}
	if (c->n_validate) {
		const char *words[] = { "rules", "check" };

		return with_files(c, rules_cli_main, words, 2, c->validate, c->n_validate);
	}
	if (config_set_by_flag(c, &c->list_source))
		return list_fields(c);
	if (c->list_events) {
		const char *words[] = { "fields", "--events",
					!strcmp(c->list_format, "json")	? "--json"
					: !strcmp(c->list_format, "markdown") ? "--markdown"
									       : "--names" };

		return with_files(c, fields_cli_main, words, 3, NULL, 0);
	}
	if (c->list_rules || *c->describe_rule) {
		const char *words[] = { "rules", "list", "--rule", c->describe_rule };

		return with_files(c, rules_cli_main, words, c->list_rules ? 2 : 4, c->rules_files,
				  c->n_rules_files);
	}
	return -1;
}
