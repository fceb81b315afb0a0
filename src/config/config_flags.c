/*
 * The command line of `palisade run` and `replay`, from the same rows as the
 * file (config_keys.c): getopt's options, the values (through the file's
 * validators and bounds) and --help are all derived from the rows that carry
 * a flag. The file is read first (--config FILE), then the flags override it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config_parse.h"

/* getopt's value for a row without a short flag: this plus the row's index. */
#define LONG_ONLY_BASE 256

struct flag_tables {
	struct option longopts[CONFIG_KEYS_MAX + 2];
	char shorts[2 * CONFIG_KEYS_MAX + 3];
};

static bool takes(const struct config_key *k, enum config_cmd cmd)
{
	return k->flag && (k->cmds & cmd);
}

static const char *cmd_name(enum config_cmd cmd)
{
	return cmd == CONFIG_CMD_REPLAY ? "palisade replay" : "palisade run";
}

/* getopt's tables for `cmd` (":" first: a missing value is reported as such). */
static void build(enum config_cmd cmd, struct flag_tables *t)
{
	size_t i, n = 0, s = 0;

	t->shorts[s++] = ':';
	for (i = 0; i < config_key_count && i < CONFIG_KEYS_MAX; i++) {
		const struct config_key *k = &config_keys[i];

		if (!takes(k, cmd))
			continue;
		t->longopts[n++] = (struct option){ k->flag,
						    !k->arg	   ? no_argument
						    : k->optional ? optional_argument
								   : required_argument,
						    NULL, k->short_flag ? k->short_flag
									: LONG_ONLY_BASE + (int)i };
		if (k->short_flag) {
			t->shorts[s++] = k->short_flag;
			if (k->arg)
				t->shorts[s++] = ':';
			if (k->arg && k->optional)
				t->shorts[s++] = ':';
		}
	}
	t->longopts[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	t->longopts[n] = (struct option){ NULL, 0, NULL, 0 };
	t->shorts[s++] = 'h';
	t->shorts[s] = '\0';
}

/* The row getopt's value `c` stands for, or NULL (an unknown flag). */
static const struct config_key *row_of(int c, enum config_cmd cmd)
{
	size_t i;

	if (c >= LONG_ONLY_BASE && (size_t)(c - LONG_ONLY_BASE) < config_key_count)
		return &config_keys[c - LONG_ONLY_BASE];
	for (i = 0; c > 0 && c < LONG_ONLY_BASE && i < config_key_count; i++)
		if (config_keys[i].short_flag == c && takes(&config_keys[i], cmd))
			return &config_keys[i];
	return NULL;
}

/* What the first pass finds: what to read before the flags apply. */
struct first_pass {
	const char *file, *falco_file;
	const char *overrides[CONFIG_OVERRIDES_MAX]; /* -o, for a falco.yaml */
	size_t n_overrides;
	bool help;
};

/* First pass, silent: --config FILE, --falco-config FILE, -o and --help,
 * before anything is read. */
static void scan(int argc, char **argv, enum config_cmd cmd, const struct flag_tables *t,
		 struct first_pass *f)
{
	const struct config_key *k;
	int c;

	opterr = 0;
	optind = 0; /* getopt starts over (also on a reload's second parse) */
	while ((c = getopt_long(argc, argv, t->shorts, t->longopts, NULL)) != -1) {
		k = row_of(c, cmd);
		if (c == 'h')
			f->help = true;
		else if (k && k->type == CFG_STR && !k->name &&
			 k->off == offsetof(struct palisade_config, path))
			f->file = optarg;
		else if (k && k->off == offsetof(struct palisade_config, falco_config))
			f->falco_file = optarg;
		else if (k && k->type == CFG_OVERRIDE && f->n_overrides < CONFIG_OVERRIDES_MAX)
			f->overrides[f->n_overrides++] = optarg;
	}
}

bool config_set_by_flag(const struct palisade_config *c, const void *member)
{
	const struct config_priv *priv = c->priv;
	size_t off = (size_t)((const char *)member - (const char *)c);

	for (size_t i = 0; i < config_key_count && i < CONFIG_KEYS_MAX; i++)
		if (config_keys[i].off == off && priv->from_flag[i])
			return true;
	return false;
}

/* A counted switch (-v, -vv): one more each time, within the row's max. */
static void count(struct parse *p, const struct config_key *k, struct palisade_config *c,
		  const char *where)
{
	uint64_t *n = (uint64_t *)((char *)c + k->off);

	if (k->max && *n >= k->max)
		config_problem(p, NULL, "%s: given more than %llu times", where,
			       (unsigned long long)k->max);
	else
		++*n;
}

/* Second pass: every flag over the configuration, problems counted in p. */
static void apply(struct parse *p, int argc, char **argv, enum config_cmd cmd,
		  const struct flag_tables *t, struct palisade_config *c)
{
	const struct config_key *k;
	char where[64];
	int opt;

	opterr = 0;
	optind = 0;
	while ((opt = getopt_long(argc, argv, t->shorts, t->longopts, NULL)) != -1) {
		if (opt == '?' || opt == ':') {
			config_problem(p, NULL, "%s: %s (see `%s --help`)", argv[optind - 1],
				       opt == ':' ? "needs a value" : "unknown option", p->file);
			continue;
		}
		k = row_of(opt, cmd);
		if (!k)
			continue; /* --help: handled by the first pass */
		snprintf(where, sizeof(where), "--%s", k->flag);
		/* A list given on the command line replaces the file's. */
		if (k->type == CFG_STRLIST && !p->priv->from_flag[k - config_keys])
			*(size_t *)((char *)c + k->off_n) = 0;
		p->priv->from_flag[k - config_keys] = true;
		if (k->type == CFG_COUNT)
			count(p, k, c, where);
		else
			config_set_value(p, k, !k->arg ? k->sets : optarg ? optarg : "", NULL, c, false,
					 where);
	}
	/* --force also lets --output's file be appended to (sink_file.c). */
	if (c->force && config_set_by_flag(c, &c->outputs) && c->n_outputs)
		c->outputs[0].file.force = true;
}

int config_from_command_line(int argc, char **argv, enum config_cmd cmd, bool no_file,
			     int *first_arg, struct palisade_config **out)
{
	struct flag_tables t;
	struct palisade_config *c = NULL;
	struct parse p = { .file = cmd_name(cmd), .diag = stderr };
	struct first_pass f = { 0 };
	int err;

	*out = NULL;
	build(cmd, &t);
	scan(argc, argv, cmd, &t, &f);
	if (f.help)
		return CONFIG_HELP;
	if (!f.file && !f.falco_file && !no_file && access(CONFIG_DEFAULT_PATH, F_OK) == 0)
		f.file = CONFIG_DEFAULT_PATH;
	err = config_load_with(f.file, f.falco_file, f.overrides, f.n_overrides, stderr, &c);
	if (err)
		return err;
	p.priv = c->priv;
	apply(&p, argc, argv, cmd, &t, c);
	*first_arg = optind;
	if (p.errors) {
		config_free(c);
		return -EINVAL;
	}
	*out = c;
	return 0;
}

/* Prints `text` from column `col`, wrapped before column 80, indented by 28. */
static void wrap(FILE *f, const char *text, size_t col)
{
	const size_t indent = 28, width = 80;

	while (*text) {
		size_t len = strcspn(text, " ");

		if (col > indent && col + 1 + len > width) {
			fprintf(f, "\n%*s", (int)indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', f);
			col++;
		}
		fprintf(f, "%.*s", (int)len, text);
		col += len;
		text += len;
		text += strspn(text, " ");
	}
	fputc('\n', f);
}

static void print_flag(FILE *f, const struct config_key *k)
{
	char spec[64], help[512];
	int n;

	n = snprintf(spec, sizeof(spec), "  %c%c%s--%s%s%s", k->short_flag ? '-' : ' ',
		     k->short_flag ? k->short_flag : ' ', k->short_flag ? ", " : "  ", k->flag,
		     k->arg ? " " : "", k->arg ? k->arg : "");
	snprintf(help, sizeof(help), "%s", k->flag_desc ? k->flag_desc : k->desc);
	/* A value's default, as the file would write it. */
	if (k->arg && k->def && *k->def && !(k->type == CFG_STRLIST || k->type == CFG_OUTPUTS))
		snprintf(help + strlen(help), sizeof(help) - strlen(help), " (default %s)", k->def);
	if (n >= 27) {
		fprintf(f, "%s\n%28s", spec, "");
		n = 28;
	} else {
		fprintf(f, "%-28s", spec);
		n = 28;
	}
	wrap(f, help, (size_t)n);
}

void config_print_flags(FILE *f, enum config_cmd cmd)
{
	for (size_t i = 0; i < config_key_count; i++)
		if (takes(&config_keys[i], cmd))
			print_flag(f, &config_keys[i]);
	fprintf(f, "  -h, --help                show this help\n");
}
