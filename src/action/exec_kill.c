/*
 * In-kernel exec kill (bpf/exec_deny.bpf.h): serves kill and deny for rules
 * whose condition the kernel can decide from exec data alone
 * (rules_engine_exec_match), by listing their executables in the kernel's
 * deny maps. The exec is killed before the new image runs an instruction;
 * user space learns it from EV_F_KILLED on the exec record. An exec the
 * kernel did not kill (a path too long for a key) is killed from user space.
 */
#include <errno.h>
#include <fnmatch.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action/action.h"
#include "sensor/sensor.h"

struct exec_kernel {
	struct sensor *sensor;
	size_t entries, too_long;
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

static int add_all(struct exec_kernel *k, uint32_t kind, const char **vals, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int ret = sensor_exec_deny_add(k->sensor, kind, vals[i]);

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
	int ret;

	if (rule->action.where != RULES_SCOPE_ALL) {
		*why = "the kernel lists have no scope (needs scope: all)";
		return -EOPNOTSUPP;
	}
	ret = rules_engine_exec_match(e, index, &m, why);
	if (ret)
		return ret;
	if (m.container_only) {
		*why = "the kernel lists have no container scope (the condition says "
		       "`container`)";
		return -EOPNOTSUPP;
	}
	if (enforce) {
		ret = add_all(k, EXEC_DENY_PATH, m.paths, m.n_paths);
		ret = ret ?: add_all(k, EXEC_DENY_DIR, m.dirs, m.n_dirs);
		ret = ret ?: add_all(k, EXEC_DENY_NAME, m.names, m.n_names);
		ret = ret ?: add_all(k, EXEC_DENY_ARGV0, m.argv0s, m.n_argv0s);
		if (ret) {
			*why = "filling the kernel's deny maps failed";
			return ret;
		}
	}
	*how = rule->action.type == RULES_ACTION_DENY
		       ? "deny in kernel at exec (killed before its first instruction)"
		       : "kill in kernel at exec";
	return 0;
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
	 * could not list): the user-space kill is what is left. */
	action_kill_pid(t->pid, t->start_ns, res);
	if (res->outcome == ACTION_DONE) {
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
}

int action_exec_kernel_backend(struct sensor *s, struct action_backend *out)
{
	static struct exec_kernel k; /* one sensor per agent */

	if (!s)
		return -EINVAL;
	k.sensor = s;
	protect_runtime(s);
	*out = (struct action_backend){ .name = "exec-kernel",
					.types = (1u << RULES_ACTION_KILL) |
						 (1u << RULES_ACTION_DENY),
					.prepare = exec_prepare,
					.apply = exec_apply,
					.reset = exec_reset,
					.ctx = &k };
	return 0;
}
