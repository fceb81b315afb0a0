/*
 * Which deny rules fanotify can serve, what each must watch, and the
 * decision table. Pure logic: no fanotify, no /proc.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "action/internal.h"
#include "action/fanotify_guard.h"
#include "container/container.h"
#include "event/syscalls.h"

/* The most paths one rule may confine to before it is refused. */
#define FGUARD_RULE_PATHS_MAX 65536

/* Opens and execs are known by their syscall rows (event/syscalls.h). */
/* The kind every event type of the rule belongs to; -1 when mixed or other. */
static int kind_of(const char *evttypes)
{
	bool open = false, exec = false;
	const char *p = evttypes;

	if (!p || !*p || !strcmp(p, "all") || !strcmp(p, "none"))
		return -1;
	while (*p) {
		size_t len = strcspn(p, ",");

		if (syscall_name_is_open(p, len))
			open = true;
		else if (syscall_name_is_exec(p, len))
			exec = true;
		else
			return -1;
		p += len + (p[len] == ',');
	}
	if (open == exec)
		return -1;
	return open ? FGUARD_OPEN : FGUARD_EXEC;
}

static int serve(struct rules_engine *e, size_t i, const struct rules_rule_info *info,
		 struct fguard_plan *plan, const char **why)
{
	int kind = kind_of(info->evttypes);
	const char *field;
	struct fguard_rule *r;
	int n;

	if (kind < 0) {
		*why = "its event types must be the open family (open, openat, openat2, creat, "
		       "open_by_handle_at) or execve/execveat, not a mix or others";
		return -EINVAL;
	}
	field = kind == FGUARD_OPEN ? "fd.name" : "proc.exepath";
	n = rules_rule_paths(e, i, field, NULL, 0, why);
	if (n == -ENOENT && kind == FGUARD_EXEC) {
		const char *why_name;
		int by_name = rules_rule_paths(e, i, "proc.name", NULL, 0, &why_name);

		if (by_name >= 0) {
			field = "proc.name";
			n = by_name;
		}
	}
	if (n < 0)
		return n;
	if (n > FGUARD_RULE_PATHS_MAX) {
		*why = "its condition names more than 65536 paths";
		return -E2BIG;
	}
	r = realloc(plan->rules, (plan->n + 1) * sizeof(*r));
	if (!r)
		return -ENOMEM;
	plan->rules = r;
	r = &plan->rules[plan->n];
	*r = (struct fguard_rule){ .index = i, .info = info, .kind = (enum fguard_kind)kind,
				   .by_name = !strcmp(field, "proc.name") };
	plan->exec_by_name |= r->by_name;
	r->paths = calloc((size_t)n + 1, sizeof(*r->paths));
	if (!r->paths)
		return -ENOMEM;
	r->n_paths = (size_t)rules_rule_paths(e, i, field, r->paths, (size_t)n, why);
	plan->n++;
	return 0;
}

int fguard_plan_build(struct rules_engine *e, struct fguard_plan *plan, FILE *report)
{
	int refused = 0;

	*plan = (struct fguard_plan){ 0 };
	for (size_t i = 0; i < rules_engine_rule_count(e); i++) {
		const struct rules_rule_info *info = rules_engine_rule(e, i);
		const char *why = NULL;
		int ret;

		if (!info->enabled || info->action.type != RULES_ACTION_DENY)
			continue;
		ret = serve(e, i, info, plan, &why);
		if (ret == -ENOMEM)
			return ret;
		if (ret == 0)
			continue;
		refused++;
		if (report) {
			if (ret == -ENOENT)
				fprintf(report, "palisade: rule '%s': cannot be served by fanotify: "
						"%s (field %s)\n", info->name, why,
					kind_of(info->evttypes) == FGUARD_EXEC ? "proc.exepath or proc.name"
									      : "fd.name");
			else
				fprintf(report, "palisade: rule '%s': cannot be served by fanotify: %s\n",
					info->name, why ? why : strerror(-ret));
		}
	}
	return refused;
}

void fguard_plan_release(struct fguard_plan *plan)
{
	for (size_t i = 0; i < plan->n; i++)
		free(plan->rules[i].paths);
	free(plan->rules);
	*plan = (struct fguard_plan){ 0 };
}

bool fguard_rule_covers(const struct fguard_rule *r, const char *path, const char *name)
{
	size_t len;

	if (r->by_name) {
		if (!name)
			return false;
		path = name;
	}
	len = strlen(path);

	for (size_t i = 0; i < r->n_paths; i++) {
		const char *p = r->paths[i].path;
		size_t plen = strlen(p);
		const char *slash;

		switch (r->paths[i].kind) {
		case RULES_PATH_EXACT:
			if (!strcmp(p, path))
				return true;
			break;
		case RULES_PATH_PREFIX:
			if (len >= plen && !memcmp(p, path, plen))
				return true;
			break;
		case RULES_PATH_DIR:
			slash = strrchr(path, '/');
			if (slash && (size_t)(slash - path) == (plen == 1 ? 0 : plen) &&
			    !memcmp(p, path, plen == 1 ? 0 : plen))
				return true;
			break;
		}
	}
	return false;
}

static const char *const verdict_names[] = {
	[FGUARD_ALLOW] = "allowed",
	[FGUARD_DENY] = "denied",
	[FGUARD_WOULD_DENY] = "would deny",
};

const char *fguard_verdict_name(enum fguard_verdict v)
{
	return (unsigned)v <= FGUARD_WOULD_DENY ? verdict_names[v] : "unknown";
}

enum fguard_verdict fguard_verdict(bool matched, int rule_enforce, bool global_enforce)
{
	bool enforce = rule_enforce < 0 ? global_enforce : rule_enforce != 0;

	if (!matched)
		return FGUARD_ALLOW;
	return enforce ? FGUARD_DENY : FGUARD_WOULD_DENY;
}

bool fguard_in_scope(const struct rules_action_spec *s, const struct container_info *c)
{
	return action_scope_check(s, c) == SCOPE_IN;
}
