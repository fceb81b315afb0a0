/* `palisade config check FILE`, `config keys` and `config example`. */
#include <stdio.h>
#include <string.h>

#include "config/config_internal.h"

static void type_names(char *buf, size_t size, unsigned types)
{
	static const char *const names[] = { "stdout", "file", "webhook", "syslog", "audit_log" };
	size_t i, n = 0;

	buf[0] = '\0';
	if (types == OUT_ALL) {
		snprintf(buf, size, "all");
		return;
	}
	for (i = 0; i < 5 && n < size; i++)
		if (types & (1u << i))
			n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? ", " : "", names[i]);
}

static const char *type_word(enum config_type t)
{
	static const char *const words[] = {
		[CFG_STR] = "string",	     [CFG_BOOL] = "boolean",
		[CFG_UINT] = "integer",	     [CFG_POW2] = "power of two",
		[CFG_BYTES] = "bytes (K/M/G)", [CFG_NUMBER] = "number",
		[CFG_PRIO] = "priority",     [CFG_ENUM] = "one of",
		[CFG_STRLIST] = "string list", [CFG_HEADERS] = "mapping",
		[CFG_OUTPUTS] = "list of sinks",
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

static void print_row(FILE *f, const struct config_key *k, bool output)
{
	char types[64];

	fprintf(f, "| `%s` |", k->name);
	if (output) {
		type_names(types, sizeof(types), k->types);
		fprintf(f, " %s |", types);
	}
	fprintf(f, " %s", type_word(k->type));
	if (k->type == CFG_ENUM) {
		fputs(": ", f);
		print_choices(f, k->choices);
	}
	if (k->required)
		fputs(" | required", f);
	else if (k->def && *k->def)
		fprintf(f, " | `%s`", k->def);
	else
		fputs(" | `\"\"`", f);
	fprintf(f, " | %s |\n", k->desc);
}

void config_print_keys(FILE *f)
{
	size_t i;

	fprintf(f, "| key | type | default | what it does |\n|---|---|---|---|\n");
	for (i = 0; i < config_key_count; i++)
		print_row(f, &config_keys[i], false);
	fprintf(f, "\nKeys of each entry of `outputs:`\n\n"
		   "| key | sink types | type | default | what it does |\n|---|---|---|---|---|\n");
	for (i = 0; i < config_output_key_count; i++)
		print_row(f, &config_output_keys[i], true);
}

int config_cli_main(int argc, char **argv)
{
	struct palisade_config *c;
	int err;

	if (argc == 2 && strcmp(argv[1], "keys") == 0) {
		config_print_keys(stdout);
		return 0;
	}
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
		"Usage: palisade config check FILE   check a configuration file (file:line "
		"errors)\n"
		"       palisade config keys         every key, its type, default and meaning "
		"(Markdown)\n"
		"       palisade config example [KEY=VALUE...]\n"
		"                                    a commented file with every key at its "
		"default\n"
		"                                    (or VALUE)\n"
		"Default file: %s; `palisade run --config FILE` picks another.\n",
		CONFIG_DEFAULT_PATH);
	return argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) ? 0 : 2;
}
