/*
 * Kill at syscall entry (bpf/process.bpf.c on_sys_enter): serves `kill` for
 * rules about injection and privilege syscalls (ptrace, process_vm_writev,
 * module loading, mount, ...) whose condition the kernel can decide from the
 * syscall alone, optionally limited to containers. The caller gets SIGKILL
 * as it enters the syscall; the signal is delivered on the way back to user
 * space, so the syscall may still complete (DESIGN.md section 5: said, not
 * hidden). A ptrace attach ends with its tracer, a module load with its
 * loader. Rules the kernel cannot decide fall to the user-space kill.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "action/internal.h"
#include "event/event.h"
#include "event/syscalls.h"
#include "sensor/sensor.h"

/* The syscalls worth a kill before their caller returns. */
static const char *const entry_syscalls[] = {
	"ptrace",      "process_vm_writev", "process_vm_readv", "init_module",
	"finit_module", "delete_module",    "mount",            "umount2",
	"pivot_root",  "kexec_load",        "kexec_file_load",  "bpf",
	"setns",       "unshare",           "userfaultfd",      NULL,
};

struct entry_kill {
	struct sensor *sensor;
	uint32_t masks[EV_SYSCALL_NR_MAX];
};

static bool entry_syscall(const char *name, size_t len)
{
	for (size_t i = 0; entry_syscalls[i]; i++)
		if (strlen(entry_syscalls[i]) == len && !strncmp(entry_syscalls[i], name, len))
			return true;
	return false;
}

/*
 * What the condition asks beyond the syscall itself: nothing (true), or that
 * the caller is in a container (`container`, i.e. container.id != host).
 * Anything else the kernel cannot decide: false, with why.
 */
static bool decidable(const struct rules_cond *c, bool *in_container, const char **why)
{
	switch (c->kind) {
	case RULES_COND_TRUE:
		return true;
	case RULES_COND_AND:
		for (size_t i = 0; i < c->n_kids; i++)
			if (!decidable(c->kids[i], in_container, why))
				return false;
		return true;
	case RULES_COND_CMP:
		if (!c->opaque && !strcmp(c->field, "container.id") && !strcmp(c->op, "!=") &&
		    c->n_vals == 1 && c->vals[0].s && !strcmp(c->vals[0].s, "host")) {
			*in_container = true;
			return true;
		}
		*why = "its condition tests more than the syscall and `container`: the kernel "
		       "cannot decide it at entry";
		return false;
	default:
		*why = "its condition has or/not beyond the syscall: the kernel cannot decide it "
		       "at entry";
		return false;
	}
}

static int entry_prepare(void *ctx, struct rules_engine *e, size_t index,
			 const struct rules_rule_info *rule, bool enforce, const char **how,
			 const char **why)
{
	struct entry_kill *k = ctx;
	const char *types = rule->evttypes, *p, *end;
	uint32_t mask, nrs[32];
	size_t n = 0;

	if (!types || !strcmp(types, "all")) {
		*why = "entry kill: it matches every event type";
		return -EOPNOTSUPP;
	}
	if (rule->action.where == RULES_SCOPE_HOST || rule->action.image_glob ||
	    rule->action.name_glob || rule->action.label_key) {
		*why = "entry kill: only scopes all and containers are decided in the kernel";
		return -EOPNOTSUPP;
	}
	mask = rule->action.where == RULES_SCOPE_CONTAINERS ? ENTRY_DENY_CONTAINERS
							    : ENTRY_DENY_ALL;
	for (p = types; *p; p = *end ? end + 1 : end) {
		const struct syscall_desc *d;
		const struct rules_cond *tree;
		char name[64];
		bool in_container = false;

		end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		if (!entry_syscall(p, (size_t)(end - p)) || (size_t)(end - p) >= sizeof(name) ||
		    n == sizeof(nrs) / sizeof(nrs[0])) {
			*why = "entry kill: serves injection and privilege syscalls (ptrace, "
			       "process_vm_*, *_module, mount, ...) only";
			return -EOPNOTSUPP;
		}
		memcpy(name, p, (size_t)(end - p));
		name[end - p] = '\0';
		d = syscall_by_name(name);
		if (!d || d->nr >= EV_SYSCALL_NR_MAX) {
			*why = "entry kill: a syscall this architecture does not have";
			return -EOPNOTSUPP;
		}
		if (rules_rule_condition(e, index, name, &tree) || !decidable(tree, &in_container, why))
			return -EOPNOTSUPP;
		/* `and container` narrows "all" to containers. */
		if (in_container)
			mask = ENTRY_DENY_CONTAINERS;
		nrs[n++] = d->nr;
	}
	if (enforce) {
		for (size_t i = 0; i < n; i++)
			k->masks[nrs[i]] |= mask;
		if (sensor_entry_deny(k->sensor, k->masks) < 0) {
			*why = "entry kill: the sys_enter program could not be attached";
			return -EOPNOTSUPP;
		}
	}
	*how = mask == ENTRY_DENY_ALL ? "kill in kernel at syscall entry (the syscall may still "
					"complete; its caller does not return)"
				      : "kill in kernel at syscall entry, in containers (the syscall "
					"may still complete; its caller does not return)";
	return 0;
}

/* In kernel only when the kernel says it sent the signal to that thread at
 * that syscall; otherwise (a --pid=host container is the host to the
 * kernel's test, a signal it could not send) the user-space kill. */
static int entry_apply(void *ctx, const struct action_target *t, enum rules_action type,
		       struct action_result *res, uint64_t token)
{
	struct entry_kill *k = ctx;
	const struct event *ev = t->alert ? t->alert->ev : NULL; /* NULL: a later step */
	char done[sizeof(res->detail)];

	(void)type;
	(void)token;
	if (ev && ev->kind == EV_SYSCALL && ev->sc &&
	    sensor_entry_killed_take(k->sensor, ev->hdr->tid, (uint32_t)ev->sc->nr)) {
		res->outcome = ACTION_IN_KERNEL;
		snprintf(res->detail, sizeof(res->detail),
			 "SIGKILL sent at syscall entry; the syscall may have completed, its caller "
			 "did not return");
		return 0;
	}
	action_kill_pid(t->pid, t->start_ns, res);
	if (res->outcome == ACTION_DONE) {
		memcpy(done, res->detail, sizeof(done));
		snprintf(res->detail, sizeof(res->detail), "not killed at syscall entry (the kernel "
			 "did not count it in scope, or could not signal it); %.120s after the "
			 "syscall completed", done);
	}
	return 0;
}

static void entry_reset(void *ctx)
{
	struct entry_kill *k = ctx;

	memset(k->masks, 0, sizeof(k->masks));
	sensor_entry_deny(k->sensor, NULL);
}

int action_entry_kill_backend(struct sensor *s, struct action_backend *out)
{
	static struct entry_kill k; /* one sensor per agent */

	if (!s)
		return -EINVAL;
	k.sensor = s;
	*out = (struct action_backend){ .name = "entry-kernel",
					.types = 1u << RULES_ACTION_KILL,
					.prepare = entry_prepare,
					.apply = entry_apply,
					.reset = entry_reset,
					.ctx = &k };
	return 0;
}
