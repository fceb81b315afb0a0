/* Values: from YAML scalars, lists and mappings to the members the key
 * table names, each checked against its type with an "expected ..." message. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/config_parse.h"

const char *config_scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

const char *config_kind_name(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE ? "a scalar"
	       : n->type == YAML_SEQUENCE_NODE ? "a list"
					       : "a mapping";
}

static bool in_choices(const char *choices, const char *s)
{
	size_t len = strlen(s);
	const char *c = choices;

	while (c && *c) {
		const char *bar = strchr(c, '|');
		size_t clen = bar ? (size_t)(bar - c) : strlen(c);

		if (clen == len && strncmp(c, s, len) == 0)
			return true;
		c = bar ? bar + 1 : NULL;
	}
	return false;
}

static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on" }, *const no[] = { "false", "no", "off" };
	size_t i;

	for (i = 0; i < 3; i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return *out = true, 0;
		if (strcasecmp(s, no[i]) == 0)
			return *out = false, 0;
	}
	return -EINVAL;
}

static int parse_uint(const char *s, bool suffix, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -ERANGE;
	if (suffix && *end && !end[1]) {
		unsigned shift = *end == 'K' || *end == 'k' ? 10 : *end == 'M' || *end == 'm' ? 20
				 : *end == 'G' || *end == 'g' ? 30 : 0;

		if (!shift)
			return -EINVAL;
		if (v > (UINT64_MAX >> shift))
			return -ERANGE;
		v <<= shift;
		end++;
	}
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Where an unsigned value goes: CFG_BYTES and every global number are 64-bit
 * members, the other numbers of a sink (counts, milliseconds) 32-bit ones. */
static void store_uint(void *dst, const struct config_key *k, uint64_t v, bool in_output)
{
	if (!in_output || k->type == CFG_BYTES)
		*(uint64_t *)dst = v;
	else
		*(uint32_t *)dst = (uint32_t)v;
}


/* Sets one value; `n` NULL means the row's default text (never fails). */
void config_set_value(struct parse *p, const struct config_key *k, const char *text,
		      const yaml_node_t *n, void *base, bool in_output, const char *where)
{
	void *dst = (char *)base + k->off;
	char why[256];
	uint64_t u;
	int err;

	switch (k->type) {
	case CFG_STR:
		/* An empty string in a sink's keys means "not set" to the sinks. */
		*(const char **)dst = in_output && !*text ? NULL : text;
		if (k->check && *text && k->check(text, why, sizeof(why)))
			config_problem(p, n, "%s: '%s': %s", where, text, why);
		return;
	case CFG_BOOL:
		if (parse_bool(text, dst))
			config_problem(p, n, "%s: '%s' is not a boolean (expected true or false)", where,
				text);
		return;
	case CFG_UINT:
	case CFG_POW2:
	case CFG_BYTES:
	case CFG_COUNT:
		err = parse_uint(text, k->type == CFG_BYTES, &u);
		if (err || u < k->min || (k->max && u > k->max) ||
		    (k->type == CFG_POW2 && (u & (u - 1)))) {
			config_problem(p, n, "%s: '%s' is out of range (expected %s from %" PRIu64
				      " to %" PRIu64 "%s)",
				where, text,
				k->type == CFG_POW2    ? "a power of two"
				: k->type == CFG_BYTES ? "a whole number of bytes"
						       : "a whole number",
				k->min, k->max,
				k->type == CFG_BYTES ? ", with an optional K, M or G suffix" : "");
			return;
		}
		store_uint(dst, k, u, in_output);
		return;
	case CFG_NUMBER: {
		char *end;
		double d = strtod(text, &end);

		if (!*text || *end || !(d >= 0) || d > 1e9)
			config_problem(p, n, "%s: '%s' is not a number (expected a number >= 0)", where,
				text);
		else if (d < (double)k->min || (k->max && d > (double)k->max))
			config_problem(p, n, "%s: '%s' is out of range (expected a number from %" PRIu64
				      " to %" PRIu64 ")", where, text, k->min, k->max);
		else
			*(double *)dst = d;
		return;
	}
	case CFG_PRIO:
		if (rules_priority_parse(text, dst))
			config_problem(p, n, "%s: '%s' is not a priority (expected one of %s)", where, text,
				k->choices);
		return;
	case CFG_ENUM:
		if (!in_choices(k->choices, text))
			config_problem(p, n, "%s: '%s' is not allowed (expected one of %s)", where, text,
				k->choices);
		else
			*(const char **)dst = text;
		return;
	case CFG_SINK_TYPE:
		if (!config_sink_type_find(text)) {
			char types[256];

			config_sink_type_names(types, sizeof(types));
			config_problem(p, n, "%s: '%s' is not a sink type (expected one of %s)", where,
				       text, types);
		} else {
			*(const char **)dst = text;
		}
		return;
	case CFG_STRLIST:
		if (!n) /* the command line: one more entry */
			config_strlist_append(p, k, text, base, where);
		return;
	case CFG_OUTPUTS:
		if (!n) /* the command line: --output FILE */
			config_outputs_from_text(p, text, base);
		return;
	case CFG_HEADERS:
	case CFG_APPEND:
	case CFG_PLAYBOOKS:
		return; /* structured: set_structured() */
	case CFG_SELECT:
		if (!n && text) /* the command line: -D, -T, -t */
			config_select_flag(p, k, text, base, where);
		return;
	case CFG_OVERRIDE:
		if (!n && text)
			config_override(p, k, text, base, where);
		return;
	case CFG_REFUSED:
		if (!n && text)
			config_problem(p, NULL, "%s: %s", where, k->desc);
		return;
	}
}

/* One entry of a string list: its row's choices and check. n NULL: the
 * command line. */
static bool strlist_item_ok(struct parse *p, const struct config_key *k, const char *text,
			    const yaml_node_t *n, const char *where)
{
	char why[1024];

	if (k->choices && !in_choices(k->choices, text)) {
		config_problem(p, n, "%s: '%s' is not allowed (expected one of %s)", where, text,
			       k->choices);
		return false;
	}
	if (k->check && k->check(text, why, sizeof(why))) {
		config_problem(p, n, "%s: '%s': %s", where, text, why);
		return false;
	}
	return true;
}

void config_strlist_append(struct parse *p, const struct config_key *k, const char *text,
			   void *base, const char *where)
{
	const char ***list = (const char ***)((char *)base + k->off);
	size_t *count = (size_t *)((char *)base + k->off_n);
	const char **grown;

	if (k->max && *count >= k->max) {
		config_problem(p, NULL, "%s: '%s' is one too many (expected at most %llu)", where, text,
			       (unsigned long long)k->max);
		return;
	}
	if (!strlist_item_ok(p, k, text, NULL, where))
		return;
	grown = config_own(p, calloc(*count + 2, sizeof(*grown)));
	if (!grown) {
		p->errors++;
		return;
	}
	if (*count)
		memcpy(grown, *list, *count * sizeof(*grown));
	grown[(*count)++] = text;
	*list = grown;
}

/* A value that is a list or mapping in the file. */
static void set_structured(struct parse *p, const struct config_key *k, const yaml_node_t *n,
			   void *base, const char *where)
{
	void *dst = (char *)base + k->off;
	size_t *count = (size_t *)((char *)base + k->off_n);
	yaml_node_item_t *it;
	yaml_node_pair_t *pair;
	size_t i = 0;

	if (k->type == CFG_OUTPUTS) {
		config_set_outputs(p, n, base);
		return;
	}
	if (k->type == CFG_SELECT || k->type == CFG_APPEND) {
		config_set_rules_list(p, k, n, base, where);
		return;
	}
	if (k->type == CFG_PLAYBOOKS) {
		config_set_playbooks(p, k, n, base, where);
		return;
	}
	if (k->type == CFG_STRLIST) {
		const char **list;

		if (n->type == YAML_MAPPING_NODE) {
			config_problem(p, n, "%s: %s here (expected a string or a list of strings)", where,
				config_kind_name(n));
			return;
		}
		if (n->type == YAML_SCALAR_NODE) {
			list = config_own(p, calloc(1, sizeof(*list)));
			if (strlist_item_ok(p, k, config_scalar(n), n, where) && list)
				list[i++] = config_scalar(n);
		} else {
			list = config_own(p, calloc((size_t)(n->data.sequence.items.top -
						      n->data.sequence.items.start) + 1,
					     sizeof(*list)));
			for (it = n->data.sequence.items.start; list && it < n->data.sequence.items.top;
			     it++) {
				const yaml_node_t *e = yaml_document_get_node(p->doc, *it);

				if (!config_scalar(e))
					config_problem(p, e, "%s: %s in the list (expected a string)", where,
						config_kind_name(e));
				else if (strlist_item_ok(p, k, config_scalar(e), e, where))
					list[i++] = config_scalar(e);
			}
		}
		*(const char ***)dst = list;
		*count = i;
		if (k->max && i > k->max)
			config_problem(p, n, "%s: %zu entries (expected at most %llu)", where, i,
				       (unsigned long long)k->max);
		return;
	}
	/* CFG_HEADERS */
	if (n->type != YAML_MAPPING_NODE) {
		config_problem(p, n, "%s: %s here (expected a mapping of header name to value)", where,
			config_kind_name(n));
		return;
	}
	struct webhook_header *h = config_own(p, calloc((size_t)(n->data.mapping.pairs.top -
							   n->data.mapping.pairs.start) + 1,
						  sizeof(*h)));
	for (pair = n->data.mapping.pairs.start; h && pair < n->data.mapping.pairs.top; pair++) {
		const yaml_node_t *kn = yaml_document_get_node(p->doc, pair->key);
		const yaml_node_t *vn = yaml_document_get_node(p->doc, pair->value);
		const char *name = config_scalar(kn), *value = config_scalar(vn);

		if (!name || !value || !*name || strpbrk(name, ": \r\n") ||
		    strpbrk(value, "\r\n")) {
			config_problem(p, kn, "%s: a header must be `Name: value` on one line (expected a "
				       "name without spaces or colons and a one-line value)", where);
			continue;
		}
		h[i].name = name;
		h[i++].value = value;
	}
	*(struct webhook_header **)dst = h;
	*count = i;
}

bool config_is_structured(enum config_type t)
{
	return t == CFG_STRLIST || t == CFG_HEADERS || t == CFG_OUTPUTS || t == CFG_SELECT ||
	       t == CFG_APPEND || t == CFG_PLAYBOOKS;
}

/* Sets a key from its node in the file: scalar or structured as the row says. */
void config_set_from_node(struct parse *p, const struct config_key *k, const yaml_node_t *n,
			  void *base, bool in_output, const char *where)
{
	if (config_is_structured(k->type)) {
		set_structured(p, k, n, base, where);
		return;
	}
	if (!config_scalar(n)) {
		config_problem(p, n, "%s: %s here (expected a single value)", where, config_kind_name(n));
		return;
	}
	config_set_value(p, k, config_scalar(n), n, base, in_output, where);
}

