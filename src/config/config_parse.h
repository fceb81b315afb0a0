/* Shared by the configuration parser's files (config*.c): the parse state
 * and the helpers that set values from YAML nodes. */
#ifndef PALISADE_CONFIG_PARSE_H
#define PALISADE_CONFIG_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <yaml.h>

#include "config/config_internal.h"

struct parse {
	const char *file;
	FILE *diag;
	yaml_document_t *doc;
	int errors;
	struct config_priv *priv;
};

/* Rows of config_keys at most (the command line's tables are sized by it). */
#define CONFIG_KEYS_MAX 128
/* Sink types at most (unnamed sinks are numbered per type). */
#define CONFIG_SINK_TYPES_MAX 32

/* What the configuration owns besides the structure. */
struct config_priv {
	yaml_document_t doc;
	bool have_doc;
	void **allocs; /* lists, names */
	size_t n_allocs;
	bool from_flag[CONFIG_KEYS_MAX]; /* by row of config_keys: set on the command line */
};


/*
 * The YAML's bounds, checked on its event stream before the document is
 * built (config_guard.c): depth, one document, no NUL in a string, anchors and
 * alias expansion. 0, or -EINVAL with `file:line: why` printed to diag.
 */
int config_yaml_guard(const char *file, const char *text, size_t len, FILE *diag);

/* Prints `file:line: message` (or `file: message` without a node), counts it. */
void config_problem(struct parse *p, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Keeps mem until config_free(); NULL (mem freed) when out of memory. */
void *config_own(struct parse *p, void *mem);
/* The text of a scalar node, NULL for any other node. */
const char *config_scalar(const yaml_node_t *n);
/* "a scalar", "a list", "a mapping": for messages. */
const char *config_kind_name(const yaml_node_t *n);
/* Lists and mappings (set from their node only, never from default text). */
bool config_is_structured(enum config_type t);
/* Sets one value from text; `n` NULL means the row's default (never fails). */
void config_set_value(struct parse *p, const struct config_key *k, const char *text,
		      const yaml_node_t *n, void *base, bool in_output, const char *where);
/* Sets a key from its node: scalar or structured as the row says. */
void config_set_from_node(struct parse *p, const struct config_key *k, const yaml_node_t *n,
			  void *base, bool in_output, const char *where);
/* `outputs:`: the list of sinks, each checked against the output keys. */
int config_set_outputs(struct parse *p, const yaml_node_t *n, struct palisade_config *c);
/* The table's defaults for one sink type (and its type and constructor). */
void config_apply_output_defaults(struct parse *p, struct sink_cfg *o,
				  const struct config_sink_type *t);
/* The outputs from --output's text: FILE, "-" (stdout) or "none". */
void config_outputs_from_text(struct parse *p, const char *text, struct palisade_config *c);
/* rules.select and rules.append_output from their list (config_rules.c). */
void config_set_rules_list(struct parse *p, const struct config_key *k, const yaml_node_t *n,
			   void *base, const char *where);
/* playbooks: NAME: [step, ...] (config_playbooks.c). */
void config_set_playbooks(struct parse *p, const struct config_key *k, const yaml_node_t *n,
			  void *base, const char *where);
/* -D TEXT, -T TAG, -t TAG: one more selection entry. */
void config_select_flag(struct parse *p, const struct config_key *k, const char *text,
			void *base, const char *where);
/* -o KEY=VALUE over a palisade configuration (a falco.yaml takes them when read). */
void config_override(struct parse *p, const struct config_key *k, const char *text, void *base,
		     const char *where);
/* Keeps mem until config_free(c) (NULL, mem freed, when out of memory). */
void *config_keep(struct palisade_config *c, void *mem);
/* The row of a file key ("rules.min_priority"), or NULL. */
const struct config_key *config_key_find(const char *name);
/* Appends one string to a CFG_STRLIST (the command line; at most k->max). */
void config_strlist_append(struct parse *p, const struct config_key *k, const char *text,
			   void *base, const char *where);

#endif
