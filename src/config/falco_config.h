/*
 * Shared by src/config/ only: reading a falco.yaml as palisade's
 * configuration. falco_doc.c reads the file as Falco does, falco_keys.c
 * lists every key it knows, falco_config.c writes the palisade
 * configuration the keys mean, as YAML text that config.c then loads like
 * any configuration file.
 */
#ifndef PALISADE_FALCO_CONFIG_H
#define PALISADE_FALCO_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "config/config.h"
#include "config/falco_doc.h"

enum falco_key_kind { FALCO_KEY_MAPPED, FALCO_KEY_NOTE, FALCO_KEY_REFUSED };

struct falco_key {
	const char *path;     /* dotted; "a.*": every key below a */
	enum falco_key_kind kind;
	const char *def;      /* NOTE, REFUSED: Falco's default (NULL: any value) */
	const char *palisade; /* what it becomes, or why it has no effect / is refused */
};
extern const struct falco_key falco_keys[];
extern const size_t falco_key_count;

/* The row of a dotted path (exact, else a covering "a.*"), or NULL. */
const struct falco_key *falco_key_find(const char *path);
/* Whether some row lies below path (it is a mapping of known keys). */
bool falco_key_is_section(const char *path);
/* The table as Markdown (docs/falco-migration.md). */
void falco_keys_print(FILE *f);

/* The translation under way: the YAML text written so far, the problems. */
struct tr {
	char *buf;
	size_t len, cap;
	bool oom;
	FILE *diag;
	int errors;
	const struct falco_node *root;
	bool json; /* json_output */
};
void tr_out(struct tr *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A YAML double-quoted scalar: any text survives (quotes, colons, #). */
void tr_quoted(struct tr *t, const char *s);
/* Ends a line with a comment naming where the value came from (n NULL:
 * Falco's default). */
void tr_origin(struct tr *t, const struct falco_node *n, const char *key);
/* file:line: message to diag; an error refuses the translation. */
void tr_problem(struct tr *t, bool error, const struct falco_node *n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The node at a dotted path of the document, NULL when absent. */
const struct falco_node *tr_at(const struct tr *t, const char *path);
/* A scalar's text (def when absent); another kind is an error. */
const char *tr_scalar(struct tr *t, const char *path, const char *def);
/* A boolean as yaml-cpp reads one (true/false/yes/no/on/off). */
bool tr_bool(struct tr *t, const char *path, bool def);

/* The sections (falco_rules.c, falco_outputs.c). */
void tr_rules(struct tr *t);
void tr_outputs(struct tr *t);
void tr_webserver(struct tr *t);

/*
 * The palisade configuration a falco.yaml means, as YAML text (*yaml, to
 * free()), each value commented with the falco.yaml line it came from.
 * Unknown keys and keys without effect are warned about on diag; refused
 * keys and bad values are errors (-EINVAL), each `file:line: ...`.
 */
int falco_config_translate(const struct falco_doc *doc, const char *path, FILE *diag,
			   char **yaml);

/* Whether a configuration's top-level keys are Falco's (a falco.yaml). */
bool config_text_is_falco(const char *text, size_t len);
/* Loads a falco.yaml: read as Falco reads it, overrides applied, translated,
 * then loaded as palisade's configuration (from_falco set). */
int config_load_falco(const char *path, const char *const *overrides, size_t n_overrides,
		      FILE *diag, struct palisade_config **out);

#endif
