/*
 * Shared by the files of src/config/ that read a falco.yaml: the document
 * as Falco sees it (falco_doc.c), before falco_config.c turns it into
 * palisade's configuration.
 */
#ifndef PALISADE_FALCO_DOC_H
#define PALISADE_FALCO_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum falco_node_kind { FALCO_SCALAR, FALCO_SEQ, FALCO_MAP };

struct falco_node {
	enum falco_node_kind kind;
	const char *text;         /* a scalar's text, ${VAR} replaced */
	struct falco_node **kids; /* a list's items; a mapping's key, value, key, value... */
	size_t n_kids;
	const char *file;         /* where it was written ("-o" for the command line) */
	unsigned line;            /* 1-based; 0 for the command line */
};

struct falco_doc;

/*
 * Loads `path`, merges its config_files, applies the overrides ("KEY=VALUE",
 * Falco's -o). Problems are printed to diag as `file:line: ...`; any refuses
 * the load (-EINVAL). An entry of config_files that does not exist is
 * skipped, as in Falco.
 */
int falco_doc_load(const char *path, const char *const *overrides, size_t n_overrides,
		   FILE *diag, struct falco_doc **out);
const struct falco_node *falco_doc_root(const struct falco_doc *d);
void falco_doc_free(struct falco_doc *d);
/* The value of `key` in a mapping node, NULL when absent (or not a mapping). */
const struct falco_node *falco_map_get(const struct falco_node *map, const char *key);

#endif
