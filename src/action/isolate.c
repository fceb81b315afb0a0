/*
 * The `isolate` action (docs/response.md): the container keeps running, and
 * its network is cut in the kernel by the network policy's hooks
 * (netpolicy_isolate). Also the operator's side of it, `palisade isolate
 * [--undo] CONTAINER` through the agent's command channel: each isolation
 * and each lift is a record on the outputs (and so in the audit log).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "action/internal.h"
#include "action/netpolicy.h"

struct isolation {
	struct netpolicy *np;
	struct action_dispatcher *d;
	const char *hostname;
	action_find_container_fn find;
	void *find_ctx;
};

/* What the hooks cut, for plan lines and records. */
#define CUT "connects and addressed sends refused (EPERM), packets in and out dropped"
#define LIMITS "inbound and established connections included"
#define NO_PACKETS "the packet hooks are not loaded (%s): inbound connections and " \
		   "connections made before are not cut"

/* What this isolation cuts besides the calls, for records and answers. */
static void limits(struct isolation *iso, char *buf, size_t len)
{
	char why[128];

	if (netpolicy_isolate_packets(iso->np, why, sizeof(why)))
		snprintf(buf, len, NO_PACKETS, why);
	else
		snprintf(buf, len, "%s", LIMITS);
}

static int iso_prepare(void *ctx, struct rules_engine *e, size_t index,
		       const struct rules_rule_info *rule, bool enforce, const char **how,
		       const char **why)
{
	struct isolation *iso = ctx;

	(void)e;
	(void)index;
	if (rule->action.where == RULES_SCOPE_HOST) {
		*why = "isolate acts on containers, and the rule's scope is host";
		return -EOPNOTSUPP;
	}
	if (!iso->np) {
		*why = "the network policy is not available";
		return -EOPNOTSUPP;
	}
	/* Loaded now: the first isolation must not wait for a BPF load. */
	if (enforce && netpolicy_load(iso->np)) {
		*why = "the cgroup hooks could not be loaded (see above)";
		return -EOPNOTSUPP;
	}
	*how = "cut the container off the network: " CUT ", loopback kept unless "
	       "loopback: false";
	return 0;
}

static int iso_apply(void *ctx, const struct action_target *t, enum rules_action type,
		     struct action_result *res, uint64_t token)
{
	struct isolation *iso = ctx;
	bool cut_lo = t->step && t->step->cut_loopback;
	char lim[256];
	int err;

	(void)type;
	(void)token;
	if (!t->container) {
		res->outcome = ACTION_FAILED;
		snprintf(res->detail, sizeof(res->detail), "the process is not in a container");
		return 0;
	}
	err = netpolicy_isolate(iso->np, t->container, cut_lo, t->rule->name);
	if (err) {
		res->outcome = ACTION_FAILED;
		snprintf(res->detail, sizeof(res->detail), "the container could not be isolated: %s",
			 err == -ENOSPC ? "too many isolated containers" : strerror(-err));
		return 0;
	}
	res->outcome = ACTION_DONE;
	limits(iso, lim, sizeof(lim));
	/* The lift first: a long limit (the packet hooks' error) may be cut. */
	if (snprintf(res->detail, sizeof(res->detail), "isolated: %s%s; lift with `palisade "
		     "isolate --undo %.12s`; it keeps running; %s", CUT,
		     cut_lo ? ", loopback too" : " except on loopback", t->container->id, lim) < 0)
		res->detail[0] = '\0';
	return 0;
}

int action_isolate_backend(struct action_dispatcher *d, struct netpolicy *np,
			   const char *hostname, action_find_container_fn find, void *find_ctx,
			   struct action_backend *out)
{
	struct isolation *iso = calloc(1, sizeof(*iso));

	if (!iso)
		return -ENOMEM;
	*iso = (struct isolation){ .np = np, .d = d, .hostname = hostname, .find = find,
				   .find_ctx = find_ctx };
	*out = (struct action_backend){ .name = "cgroup-isolate",
					.types = 1u << RULES_ACTION_ISOLATE,
					.prepare = iso_prepare,
					.apply = iso_apply,
					.ctx = iso };
	return 0;
}

void action_isolate_backend_free(struct action_backend *b)
{
	if (b)
		free(b->ctx);
}

/* ---- the operator's commands ---- */

/* The record of an operator's isolation or lift, on the outputs. */
static void emit_record(struct isolation *iso, const struct container_info *c, const char *id,
			const char *type, const char *rule, const char *detail)
{
	char out[512], cid[13];
	struct timespec now;
	const char *name = c && c->name[0] ? c->name : "<NA>";
	struct rules_value f[2] = {
		{ "container.id", RULES_VAL_STRING, .s = cid },
		{ "container.name", RULES_VAL_STRING, .s = name },
	};
	struct rules_rule_info info = { .name = rule, .source = "palisade",
					.priority = RULES_PRIO_NOTICE };
	struct rules_alert a = { .rule = &info, .output = out, .hostname = iso->hostname,
				 .fields = f, .n_fields = 2 };
	struct alert_action act = { .type = type, .backend = "cgroup-isolate", .mode = "enforce",
				    .outcome = "done" };
	struct alert *al;

	clock_gettime(CLOCK_REALTIME, &now);
	a.time_ns = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
	snprintf(cid, sizeof(cid), "%.12s", id);
	snprintf(out, sizeof(out), "%s: container %s (%s)", rule, cid, name);
	snprintf(act.detail, sizeof(act.detail), "%s", detail);
	al = alert_from_rules(&a);
	if (al && alert_set_action(al, &act) == 0) {
		action_emit(iso->d, al);
		al = NULL;
	}
	alert_free(al);
	action_count(iso->d, type, ACTION_DONE);
}

/* The isolated container a query names: an id prefix (4+ characters) of
 * one, or a container the store finds by name. NULL with why. */
static const char *isolated_match(struct isolation *iso, const char *query,
				  const struct container_info **c, char *why, size_t len)
{
	static struct netpolicy_isolated_info list[NP_ISOLATED_MAX];
	size_t n = netpolicy_isolated(iso->np, list, NP_ISOLATED_MAX), hits = 0, at = 0;

	*c = iso->find ? iso->find(iso->find_ctx, query, why, len) : NULL;
	for (size_t i = 0; i < n && i < NP_ISOLATED_MAX; i++)
		if ((*c && !strcmp(list[i].id, (*c)->id)) ||
		    (strlen(query) >= 4 && !strncmp(list[i].id, query, strlen(query)))) {
			hits++;
			at = i;
		}
	if (hits == 1)
		return list[at].id;
	snprintf(why, len, hits ? "'%s' names several isolated containers: give more of the id"
				: "no isolated container is named '%s' (palisade isolate --list)",
		 query);
	return NULL;
}

static int cmd_undo(struct isolation *iso, const char *query, const char *who, char *reply,
		    size_t cap)
{
	const struct container_info *c;
	char why[256], detail[256], id[CONTAINER_ID_LEN + 1];
	const char *hit = isolated_match(iso, query, &c, why, sizeof(why));
	int err;

	if (!hit) {
		snprintf(reply, cap, "error: %s\n", why);
		return -ENOENT;
	}
	snprintf(id, sizeof(id), "%s", hit);
	err = netpolicy_unisolate(iso->np, id);
	if (err) {
		snprintf(reply, cap, "error: lifting the isolation of %.12s failed: %s\n", id,
			 strerror(-err));
		return err;
	}
	snprintf(detail, sizeof(detail), "isolation lifted by %s with `palisade isolate --undo`: "
		 "its network works again", who);
	emit_record(iso, c, id, "unisolate", "Container isolation lifted", detail);
	snprintf(reply, cap, "ok: container %.12s%s%s%s: isolation lifted\n", id, c ? " (" : "",
		 c ? c->name : "", c ? ")" : "");
	return 0;
}

static int cmd_isolate(struct isolation *iso, const char *query, bool cut_lo, const char *who,
		       char *reply, size_t cap)
{
	char why[256], detail[256], by[160], lim[256];
	const struct container_info *c = iso->find ? iso->find(iso->find_ctx, query, why,
								 sizeof(why))
						   : NULL;
	int err;

	if (!c) {
		snprintf(reply, cap, "error: %s\n", iso->find ? why : "containers cannot be looked up");
		return -ENOENT;
	}
	snprintf(by, sizeof(by), "an operator (%s)", who);
	err = netpolicy_isolate(iso->np, c, cut_lo, by);
	if (err) {
		snprintf(reply, cap, "error: isolating %.12s failed: %s\n", c->id, strerror(-err));
		return err;
	}
	snprintf(detail, sizeof(detail), "isolated by %s with `palisade isolate`: %s%s", who, CUT,
		 cut_lo ? ", loopback too" : " except on loopback");
	emit_record(iso, c, c->id, "isolate", "Container isolated by an operator", detail);
	limits(iso, lim, sizeof(lim));
	snprintf(reply, cap, "ok: container %.12s (%s) isolated: %s%s; %s\n", c->id, c->name, CUT,
		 cut_lo ? ", loopback too" : " except on loopback", lim);
	return 0;
}

static int cmd_list(struct isolation *iso, char *reply, size_t cap)
{
	static struct netpolicy_isolated_info list[NP_ISOLATED_MAX];
	size_t n = netpolicy_isolated(iso->np, list, NP_ISOLATED_MAX), len;

	len = (size_t)snprintf(reply, cap, "ok: %zu isolated\n", n);
	for (size_t i = 0; i < n && i < NP_ISOLATED_MAX && len < cap; i++)
		len += (size_t)snprintf(reply + len, cap - len,
					"%.12s\t%s\t%s\trefused %llu\tdropped %llu\n", list[i].id,
					list[i].cut_loopback ? "all" : "loopback kept", list[i].by,
					(unsigned long long)list[i].refused,
					(unsigned long long)list[i].dropped);
	return 0;
}

int action_isolate_command(struct action_backend *b, const char *args, const char *who,
			   char *reply, size_t cap)
{
	struct isolation *iso = b ? b->ctx : NULL;
	char verb[16] = "", query[200] = "";

	if (!iso || !iso->np) {
		snprintf(reply, cap, "error: this agent has no network policy\n");
		return -ENOTSUP;
	}
	if (sscanf(args, "%15s %199s", verb, query) < 1 ||
	    (strcmp(verb, "list") && !query[0])) {
		snprintf(reply, cap, "error: expected `list`, `add CONTAINER`, `add-all CONTAINER` "
			 "or `undo CONTAINER`\n");
		return -EINVAL;
	}
	if (!strcmp(verb, "list"))
		return cmd_list(iso, reply, cap);
	if (!strcmp(verb, "undo"))
		return cmd_undo(iso, query, who, reply, cap);
	if (!strcmp(verb, "add") || !strcmp(verb, "add-all"))
		return cmd_isolate(iso, query, verb[3] == '-', who, reply, cap);
	snprintf(reply, cap, "error: unknown isolate command '%s'\n", verb);
	return -EINVAL;
}
