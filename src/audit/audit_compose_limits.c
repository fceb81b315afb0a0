/*
 * A compose service's resources: mem_limit, cpus, cpu_shares, cpu_quota,
 * pids_limit and their deploy.resources.limits forms, ulimits, the
 * health check, and restart (with deploy.restart_policy).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "audit/yaml_src.h"

/* A limit written at key in map: *out set, its location recorded. */
static int size_at(struct audit_ysrc *y, struct audit_workload *w, yaml_node_t *map,
		   const char *key, enum audit_field f, bool cpus, int64_t *out)
{
	yaml_node_t *kn, *v = audit_y_get(y, map, key, &kn);
	int64_t x;

	if (!v)
		return 0;
	if (cpus ? audit_parse_cpus(audit_y_str(v), &x) : audit_parse_bytes(audit_y_str(v), &x))
		return audit_y_fail(y, v, "%s: %s is expected", key,
				    cpus ? "a number of CPUs" : "a size (512m, 1g...)");
	*out = x;
	audit_y_at(y, w, f, kn);
	return 0;
}

static int int_at(struct audit_ysrc *y, struct audit_workload *w, yaml_node_t *map,
		  const char *key, enum audit_field f, int64_t *out)
{
	yaml_node_t *kn, *v = audit_y_get(y, map, key, &kn);
	const char *s = audit_y_str(v);
	char *end;
	long long x;

	if (!v)
		return 0;
	x = s ? strtoll(s, &end, 10) : 0;
	if (!s || !*s || *end)
		return audit_y_fail(y, v, "%s: an integer is expected", key);
	*out = x;
	audit_y_at(y, w, f, kn);
	return 0;
}

static int health(struct audit_ysrc *y, struct audit_workload *w, yaml_node_t *svc)
{
	yaml_node_t *kn, *h = audit_y_get(y, svc, "healthcheck", &kn), *test, *dis;
	bool off = false;

	if (!h)
		return 0;
	audit_y_at(y, w, AUDIT_F_HEALTH, kn);
	if (h->type != YAML_MAPPING_NODE)
		return audit_y_fail(y, h, "healthcheck: a mapping is expected");
	dis = audit_y_get(y, h, "disable", NULL);
	if (dis && audit_y_bool(dis, &off))
		return audit_y_fail(y, dis, "disable: true or false is expected");
	test = audit_y_get(y, h, "test", NULL);
	if (off || (audit_y_str(audit_y_item(y, test, 0)) &&
		    strcmp(audit_y_str(audit_y_item(y, test, 0)), "NONE") == 0))
		w->health = AUDIT_HEALTH_DISABLED;
	else if (test)
		w->health = AUDIT_HEALTH_SET;
	return 0;
}

/* restart: "on-failure:5"; deploy.restart_policy: condition, max_attempts. */
static int restart(struct audit_ysrc *y, struct audit_workload *w, yaml_node_t *deploy)
{
	yaml_node_t *kn, *rp = audit_y_get(y, deploy, "restart_policy", &kn);
	const char *cond = audit_y_str(audit_y_get(y, rp, "condition", NULL));
	char *colon = strchr(w->restart ? w->restart : "", ':');

	if (colon) {
		w->restart_max = strtoll(colon + 1, NULL, 10);
		*colon = '\0';
	}
	if (!rp)
		return 0;
	audit_y_at(y, w, AUDIT_F_RESTART, kn);
	free(w->restart);
	w->restart = audit_dup(&y->oom, !cond || strcmp(cond, "any") == 0 ? "always"
					: strcmp(cond, "none") == 0 ? "no"
								     : cond);
	return int_at(y, w, rp, "max_attempts", AUDIT_F_RESTART, &w->restart_max);
}

int audit_compose_limits(struct audit_ysrc *y, struct audit_workload *w, yaml_node_t *svc)
{
	yaml_node_t *kn, *deploy = audit_y_get(y, svc, "deploy", NULL);
	yaml_node_t *lim = audit_y_get(y, audit_y_get(y, deploy, "resources", NULL), "limits", NULL);
	yaml_node_t *ul = audit_y_get(y, svc, "ulimits", &kn);
	int ret;

	ret = size_at(y, w, svc, "mem_limit", AUDIT_F_MEMORY, false, &w->memory);
	if (!ret)
		ret = size_at(y, w, lim, "memory", AUDIT_F_MEMORY, false, &w->memory);
	if (!ret)
		ret = size_at(y, w, svc, "cpus", AUDIT_F_CPU, true, &w->nano_cpus);
	if (!ret)
		ret = size_at(y, w, lim, "cpus", AUDIT_F_CPU, true, &w->nano_cpus);
	if (!ret)
		ret = int_at(y, w, svc, "cpu_shares", AUDIT_F_CPU, &w->cpu_shares);
	if (!ret)
		ret = int_at(y, w, svc, "cpu_quota", AUDIT_F_CPU, &w->cpu_quota);
	if (!ret)
		ret = int_at(y, w, svc, "pids_limit", AUDIT_F_PIDS, &w->pids_limit);
	if (!ret)
		ret = int_at(y, w, lim, "pids", AUDIT_F_PIDS, &w->pids_limit);
	if (!ret && ul) {
		if (ul->type != YAML_MAPPING_NODE)
			return audit_y_fail(y, ul, "ulimits: a mapping is expected");
		w->n_ulimits = (size_t)(ul->data.mapping.pairs.top - ul->data.mapping.pairs.start);
		audit_y_at(y, w, AUDIT_F_ULIMITS, kn);
	}
	if (!ret)
		ret = health(y, w, svc);
	if (!ret)
		ret = restart(y, w, deploy);
	return ret;
}
