/*
 * In-kernel exec kill (bpf/exec_deny.bpf.h): serves kill and deny for rules
 * whose condition the kernel can decide from exec data alone
 * (rules_engine_exec_match), by listing their executables in the kernel's
 * deny maps. The exec is killed before the new image runs an instruction;
 * user space learns it from EV_F_KILLED on the exec record. An exec the
 * kernel did not kill (a path too long for a key) is killed from user space.
 *
 * Rules scoped to containers (scope containers or a pattern map, or `and
 * container` in the condition) get a scope bit each; every container cgroup
 * the agent sees gets the bits of the scopes its container is in
 * (exec_scope_cgroup), so the kernel kills there only. A container's cgroup
 * is learnt from its first exec, which the hold stops before its first
 * instruction (bpf/hold.bpf.h): user space judges that one and kills it
 * while it is held; every later exec is judged by the kernel.
 */
#include <errno.h>
#include <fnmatch.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action/internal.h"
#include "sensor/sensor.h"

/* Cgroups whose scope bits are in the kernel, with the container copy they
 * were computed from: a new copy (new metadata) recomputes them. */
#define SEEN_CAP 4096
#define SEEN_PROBE 8

struct exec_kernel {
	struct sensor *sensor;
	size_t entries, too_long;
	const struct rules_action_spec *slots[EXEC_SCOPE_SLOTS]; /* [0]: unused (ALL) */
	unsigned n_slots;
	struct {
		uint64_t cgroup;
		const struct container_info *c;
	} seen[SEEN_CAP];
};

/* Directories a directory rule could cover that hold the runtime. */
static const char *const runtime_dirs[] = {
	"/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin", "/bin", "/sbin", NULL,
};

/* Lists the runtime's executables (resolved, as the kernel sees them) in the
 * kernel's protected map: a directory entry never kills them. */
static void protect_runtime(struct sensor *s)
{
	char path[PATH_MAX], real[PATH_MAX];

	for (size_t d = 0; runtime_dirs[d]; d++) {
		DIR *dir = opendir(runtime_dirs[d]);
		struct dirent *de;

		if (!dir)
			continue;
		while ((de = readdir(dir))) {
			for (size_t i = 0; action_protected_names[i]; i++) {
				if (fnmatch(action_protected_names[i], de->d_name, 0))
					continue;
				snprintf(path, sizeof(path), "%s/%s", runtime_dirs[d], de->d_name);
				if (realpath(path, real) && sensor_exec_protect(s, real) < 0)
					fprintf(stderr, "palisade: enforce: cannot protect %s in the "
						"kernel's exec lists\n", real);
			}
		}
		closedir(dir);
	}
}

static int add_all(struct exec_kernel *k, uint32_t kind, const char **vals, size_t n,
		   uint32_t scopes)
{
	for (size_t i = 0; i < n; i++) {
		int ret = sensor_exec_deny_add(k->sensor, kind, vals[i], scopes);

		if (ret == -ENAMETOOLONG || ret == -EINVAL) {
			/* Cannot be a key: a comm longer than 15 bytes never equals
			 * proc.name; a long or odd path is left to user space. */
			k->too_long++;
			continue;
		}
		if (ret < 0)
			return ret;
		k->entries++;
	}
	return 0;
}

static int exec_prepare(void *ctx, struct rules_engine *e, size_t index,
			const struct rules_rule_info *rule, bool enforce, const char **how,
			const char **why)
{
	struct exec_kernel *k = ctx;
	struct rules_exec_match m;
	uint32_t scopes = EXEC_SCOPE_ALL;
	bool scoped;
	int ret;

	if (rule->action.where == RULES_SCOPE_HOST) {
		*why = "the kernel lists cannot single out host processes (scope: host)";
		return -EOPNOTSUPP;
	}
	ret = rules_engine_exec_match(e, index, &m, why);
	if (ret)
		return ret;
	scoped = m.container_only || rule->action.where == RULES_SCOPE_CONTAINERS;
	if (scoped && enforce) {
		if (k->n_slots >= EXEC_SCOPE_SLOTS) {
			*why = "more than 31 container-scoped rules in the kernel lists";
			return -EOPNOTSUPP;
		}
		k->slots[k->n_slots] = &rule->action;
		scopes = 1u << k->n_slots++;
	}
	if (enforce) {
		ret = add_all(k, EXEC_DENY_PATH, m.paths, m.n_paths, scopes);
		ret = ret ?: add_all(k, EXEC_DENY_DIR, m.dirs, m.n_dirs, scopes);
		ret = ret ?: add_all(k, EXEC_DENY_NAME, m.names, m.n_names, scopes);
		ret = ret ?: add_all(k, EXEC_DENY_ARGV0, m.argv0s, m.n_argv0s, scopes);
		if (ret) {
			*why = "filling the kernel's deny maps failed";
			return ret;
		}
	}
	if (rule->action.type == RULES_ACTION_DENY)
		*how = scoped ? "deny in kernel at exec, in the containers of its scope (killed "
				"before its first instruction)"
			      : "deny in kernel at exec (killed before its first instruction)";
	else
		*how = scoped ? "kill in kernel at exec, in the containers of its scope"
			      : "kill in kernel at exec";
	return 0;
}

/* The scope bits of a container: the scoped rules it falls in. */
static uint32_t container_scopes(const struct exec_kernel *k, const struct container_info *c)
{
	uint32_t scopes = 0;

	for (unsigned i = 1; i < k->n_slots; i++)
		if (action_scope_check(k->slots[i], c) == SCOPE_IN)
			scopes |= 1u << i;
	return scopes;
}

static void exec_observe(void *ctx, uint64_t cgroup_id, const struct container_info *c)
{
	struct exec_kernel *k = ctx;
	size_t h = (size_t)(cgroup_id * 0x9e3779b97f4a7c15ull >> 52) & (SEEN_CAP - 1), slot;

	if (k->n_slots <= 1)
		return;
	slot = h;
	for (size_t i = 0; i < SEEN_PROBE; i++) {
		size_t j = (h + i) & (SEEN_CAP - 1);

		if (k->seen[j].cgroup == cgroup_id) {
			if (k->seen[j].c == c)
				return; /* the common case: nothing new */
			slot = j;
			break;
		}
		if (!k->seen[j].cgroup) {
			slot = j;
			break;
		}
	}
	/* A full probe run overwrites its first entry: this is a cache; the
	 * kernel map keeps the bits until the cgroup ages out. */
	if (sensor_exec_scope_cgroup(k->sensor, cgroup_id, container_scopes(k, c)) == 0) {
		k->seen[slot].cgroup = cgroup_id;
		k->seen[slot].c = c;
	}
}

static int exec_apply(void *ctx, const struct action_target *t, enum rules_action type,
		      struct action_result *res, uint64_t token)
{
	(void)ctx;
	(void)type;
	(void)token;
	if (t->ev_flags & EV_F_KILLED) {
		res->outcome = ACTION_IN_KERNEL;
		snprintf(res->detail, sizeof(res->detail),
			 "killed in kernel at exec, before its first instruction");
		return 0;
	}
	/* Not this exec (an event other than the exec, or a value the kernel
	 * could not list), or a new container's first exec, which the kernel
	 * judged before its scope bits were in place and held: the user-space
	 * kill is what is left. */
	action_kill_target(t, res);
	if (res->outcome == ACTION_DONE && !(t->ev_flags & EV_F_HELD)) {
		char done[sizeof(res->detail)];

		memcpy(done, res->detail, sizeof(done));
		snprintf(res->detail, sizeof(res->detail), "not killed in kernel; %.200s", done);
	}
	return 0;
}

static void exec_reset(void *ctx)
{
	struct exec_kernel *k = ctx;

	sensor_exec_deny_clear(k->sensor);
	k->entries = k->too_long = 0;
	k->n_slots = 1;
	memset(k->seen, 0, sizeof(k->seen));
}

int action_exec_kernel_backend(struct sensor *s, struct action_backend *out)
{
	static struct exec_kernel k; /* one sensor per agent */

	if (!s)
		return -EINVAL;
	k.sensor = s;
	k.n_slots = 1;
	protect_runtime(s);
	*out = (struct action_backend){ .name = "exec-kernel",
					.types = (1u << RULES_ACTION_KILL) |
						 (1u << RULES_ACTION_DENY),
					.prepare = exec_prepare,
					.apply = exec_apply,
					.reset = exec_reset,
					.observe = exec_observe,
					.kills_on_deny = true,
					.ctx = &k };
	return 0;
}
