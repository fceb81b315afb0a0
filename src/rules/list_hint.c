/*
 * A bare name in `in (...)` that is no defined list is compared as a literal
 * string, as in Falco: `proc.name in (shell_binariez)` compiles and never
 * matches a shell. The compiler warns when such a name looks like a list:
 * close to a defined list's name, or shaped like one (snake_case ending in a
 * plural that lists are named with). Falco's own rule files have literal
 * values such as `unix_chkpwd` and `init_module`: neither is warned about.
 */
#include <ctype.h>
#include <string.h>

#include "rules/rules_internal.h"

/* Last words of list names (Falco's files name lists this way). */
static const char *const list_words[] = {
	"binaries", "files", "filenames", "ports", "images", "directories", "dirs",
	"containers", "domains", "names", "addresses", "commands", "cmdlines", "processes",
	"procs", "networks", "ipaddrs", "users", "paths", "hosts", "list", "lists",
	"managers", "applications", "children", "programs", "repositories", "registries",
};

static bool snake_case(const char *s)
{
	bool underscore = false;

	for (; *s; s++) {
		if (*s == '_')
			underscore = true;
		else if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s))
			return false;
	}
	return underscore;
}

static bool list_shaped(const char *name)
{
	const char *last = strrchr(name, '_');

	if (!snake_case(name))
		return false;
	for (size_t i = 0; i < sizeof(list_words) / sizeof(list_words[0]); i++)
		if (!strcmp(last + 1, list_words[i]))
			return true;
	return false;
}

static const char *closest_list(const struct rl_collection *c, const char *name)
{
	const char *best = NULL;
	unsigned best_d = 3;
	size_t len = strlen(name);

	if (len < 6)
		return NULL;
	for (size_t i = 0; i < c->lists.n; i++) {
		const struct rl_list_def *l = c->lists.v[i];
		size_t llen = strlen(l->name);
		unsigned d;

		/* The distance is at least the difference of the lengths: every
		 * literal of every `in (...)` comes here (a tenth of loading
		 * Falco's three files went to distances that could not win). */
		if ((len > llen ? len - llen : llen - len) >= best_d)
			continue;
		d = rl_edit_distance_below(name, l->name, best_d);

		if (d < best_d) {
			best_d = d;
			best = l->name;
		}
	}
	return best;
}

/*
 * The hint depends on the name alone and is given once per name, so each
 * name is checked once: macros are compiled at every use and lists expanded
 * at each, and the edit distances of every item of a much-used list to
 * every list name were a tenth of loading Falco's files.
 */
void rl_list_hint(struct rl_compiler *cc, const char *name, struct rl_pos at)
{
	size_t len = strlen(name);
	const char *close;

	if (cc->hinted && rl_strset_has(cc->hinted, name, len))
		return;
	if (rl_strset_put(cc->a, &cc->hinted, name, len))
		return; /* out of memory: no hint, it is only a warning */
	close = closest_list(cc->coll, name);
	if (!close && !list_shaped(name))
		return;
	if (close)
		rl_diag(cc->ds, false, at, "'%s' is not a defined list, so it is compared as a "
			"literal string; did you mean the list '%s'?", name, close);
	else
		rl_diag(cc->ds, false, at, "'%s' is not a defined list, so it is compared as a "
			"literal string (define the list, or quote the value to keep it literal)",
			name);
}
