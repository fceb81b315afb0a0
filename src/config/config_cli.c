/* `palisade config check FILE`, `config keys` and `config example`. */
#include <stdio.h>
#include <string.h>

#include <stdlib.h>

#include "config/config_internal.h"
#include "config/falco_config.h"

static const char *type_word(enum config_type t)
{
	static const char *const words[] = {
		[CFG_STR] = "string",	     [CFG_BOOL] = "boolean",
		[CFG_UINT] = "integer",	     [CFG_POW2] = "power of two",
		[CFG_BYTES] = "bytes (K/M/G)", [CFG_NUMBER] = "number",
		[CFG_PRIO] = "priority",     [CFG_ENUM] = "one of",
		[CFG_STRLIST] = "string list", [CFG_HEADERS] = "mapping",
		[CFG_OUTPUTS] = "list of sinks", [CFG_SINK_TYPE] = "one of", [CFG_COUNT] = "count",
		[CFG_SELECT] = "list of selections", [CFG_APPEND] = "list of additions",
		[CFG_PLAYBOOKS] = "mapping of playbooks", [CFG_OVERRIDE] = "KEY=VALUE", [CFG_REFUSED] = "refused",
	};
	return words[t];
}

/* Choices as "a, b, c": a bare '|' would end the Markdown cell. */
static void print_choices(FILE *f, const char *choices)
{
	for (; *choices; choices++)
		if (*choices == '|')
			fputs(", ", f);
		else
			fputc(*choices, f);
}

/* The flag of a row as the command line spells it ("-e, --events FILE"). */
static void print_flag_cell(FILE *f, const struct config_key *k)
{
	if (!k->flag)
		return;
	fputs(" `", f);
	if (k->short_flag)
		fprintf(f, "-%c, ", k->short_flag);
	fprintf(f, "--%s%s%s`", k->flag, k->arg ? " " : "", k->arg ? k->arg : "");
	if (k->sets && k->type != CFG_SELECT && k->type != CFG_REFUSED)
		fprintf(f, " (sets %s)", k->sets);
}

/* One row: `key` | [extra column] | type | default | [flag] | what it does. */
static void print_row(FILE *f, const char *name, const char *extra,
		      const struct config_key *k, bool flag_column)
{
	char types[256];

	fprintf(f, "| `%s` |", name);
	if (extra)
		fprintf(f, " %s |", extra);
	fprintf(f, " %s", type_word(k->type));
	if (k->type == CFG_ENUM) {
		fputs(": ", f);
		print_choices(f, k->choices);
	} else if (k->type == CFG_SINK_TYPE) {
		config_sink_type_names(types, sizeof(types));
		fputs(": ", f);
		print_choices(f, types);
	}
	if (k->required)
		fputs(" | required", f);
	else if (k->def && *k->def)
		fprintf(f, " | `%s`", k->def);
	else
		fputs(" | `\"\"`", f);
	if (flag_column) {
		fputs(" |", f);
		print_flag_cell(f, k);
	}
	fprintf(f, " | %s |\n", k->desc);
}

void config_print_keys(FILE *f)
{
	size_t i, j;

	fprintf(f, "| key | type | default | command line | what it does |\n"
		   "|---|---|---|---|---|\n");
	for (i = 0; i < config_key_count; i++)
		if (config_keys[i].name)
			print_row(f, config_keys[i].name, NULL, &config_keys[i], true);
	fprintf(f, "\nCommand-line options without a key in the file\n\n"
		   "| option | subcommand | what it does |\n|---|---|---|\n");
	for (i = 0; i < config_key_count; i++)
		if (!config_keys[i].name) {
			fputs("|", f);
			print_flag_cell(f, &config_keys[i]);
			fprintf(f, " | %s | %s |\n",
				config_keys[i].cmds & CONFIG_CMD_RUN ? "run" : "replay",
				config_keys[i].desc);
		}
	fprintf(f, "\nKeys of each entry of `outputs:`\n\n"
		   "| key | sink types | type | default | what it does |\n|---|---|---|---|---|\n");
	for (i = 0; i < config_sink_common_key_count; i++)
		print_row(f, config_sink_common_keys[i].name, "all", &config_sink_common_keys[i],
			  false);
	for (i = 0; i < config_sink_type_count; i++)
		for (j = 0; j < config_sink_types[i].n_keys; j++)
			print_row(f, config_sink_types[i].keys[j].name, config_sink_types[i].name,
				  &config_sink_types[i].keys[j], false);
	fprintf(f, "\nSink types\n\n| type | what it does |\n|---|---|\n");
	for (i = 0; i < config_sink_type_count; i++)
		fprintf(f, "| `%s` | %s |\n", config_sink_types[i].name, config_sink_types[i].desc);
}

/* The keys of one sink type (docs/syslog.md and the other sink pages). */
static int print_sink_keys(FILE *f, const char *type)
{
	const struct config_sink_type *t = config_sink_type_find(type);

	if (!t) {
		fprintf(stderr, "palisade config keys --sink %s: no such sink type\n", type);
		return 2;
	}
	fprintf(f, "| key | type | default | what it does |\n|---|---|---|---|\n");
	for (size_t j = 0; j < t->n_keys; j++)
		print_row(f, t->keys[j].name, NULL, &t->keys[j], false);
	return 0;
}

/* Falco's flags, each with what serves it in palisade (docs/falco-migration.md). */
static void print_falco_flags(FILE *f)
{
	fprintf(f, "| Falco | palisade run | what it does |\n|---|---|---|\n");
	for (size_t i = 0; i < config_key_count; i++) {
		const struct config_key *k = &config_keys[i];

		if (!k->falco)
			continue;
		if (k->type == CFG_REFUSED) {
			fputs("| `", f);
			if (k->short_flag)
				fprintf(f, "-%c, ", k->short_flag);
			fprintf(f, "--%s%s%s` | refused | %s |\n", k->flag, k->arg ? " " : "",
				k->arg ? k->arg : "", k->desc + strlen("refused: "));
			continue;
		}
		fprintf(f, "| `%s` |", k->falco);
		print_flag_cell(f, k);
		fprintf(f, " | %s |\n", k->flag_desc ? k->flag_desc : k->desc);
	}
}

/* `config from-falco FILE [-o KEY=VALUE]...`: the palisade configuration a
 * falco.yaml means, as `run -c FILE` reads it. */
static int from_falco(int argc, char **argv)
{
	const char *ov[CONFIG_OVERRIDES_MAX];
	struct falco_doc *doc = NULL;
	size_t n = 0;
	char *yaml = NULL;
	int i, err;

	for (i = 3; i + 1 < argc && !strcmp(argv[i], "-o") && n < CONFIG_OVERRIDES_MAX; i += 2)
		ov[n++] = argv[i + 1];
	if (i < argc) {
		fprintf(stderr, "palisade config from-falco FILE [-o KEY=VALUE]...\n");
		return 2;
	}
	err = falco_doc_load(argv[2], ov, n, stderr, &doc);
	err = err ?: falco_config_translate(doc, argv[2], stderr, &yaml);
	if (!err)
		fputs(yaml, stdout);
	free(yaml);
	falco_doc_free(doc);
	return err ? 1 : 0;
}

int config_cli_main(int argc, char **argv)
{
	struct palisade_config *c;
	int err;

	if (argc == 2 && strcmp(argv[1], "keys") == 0) {
		config_print_keys(stdout);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "keys") && !strcmp(argv[2], "--sink"))
		return print_sink_keys(stdout, argv[3]);
	if (argc == 2 && !strcmp(argv[1], "falco-flags")) {
		print_falco_flags(stdout);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "falco-keys")) {
		falco_keys_print(stdout);
		return 0;
	}
	if (argc >= 3 && !strcmp(argv[1], "from-falco"))
		return from_falco(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "example") == 0)
		return config_print_example(stdout, argv + 2, argc - 2);
	if (argc == 3 && strcmp(argv[1], "check") == 0) {
		err = config_load(argv[2], stderr, &c);
		if (err)
			return 1;
		printf("%s: ok (%zu output%s)\n", argv[2], c->n_outputs,
		       c->n_outputs == 1 ? "" : "s");
		config_free(c);
		return 0;
	}
	fprintf(argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) ? stdout
										      : stderr,
		"Usage: palisade config check FILE   check a configuration file as `run` does\n"
		"                                    before it starts anything: keys (file:line),\n"
		"                                    rules, outputs, files, listeners\n"
		"       palisade config keys         every key, its type, default and meaning "
		"(Markdown)\n"
		"       palisade config keys --sink TYPE   the keys of one sink type\n"
		"       palisade config from-falco FILE [-o KEY=VALUE]...\n"
		"                                    the configuration a falco.yaml means "
		"(as run -c reads it)\n"
		"       palisade config falco-keys   every falco.yaml key and what it becomes\n"
		"       palisade config falco-flags  every Falco flag and what serves it\n"
		"       palisade config example [KEY=VALUE...]\n"
		"                                    a commented file with every key at its "
		"default\n"
		"                                    (or VALUE)\n"
		"Default file: %s; `palisade run --config FILE` picks another.\n",
		CONFIG_DEFAULT_PATH);
	return argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) ? 0 : 2;
}
