/*
 * User-space kill: SIGKILL through a pidfd, right after the alert. The pidfd
 * pins the process before it is checked, so a pid reused in between can be
 * neither checked nor signalled by mistake. What the process did between the
 * event and the signal (microseconds to milliseconds) has happened: this
 * back-end stops a process, it does not prevent its first steps.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "action/action.h"
#include "events.h"

/* Start time of pid in CLOCK_BOOTTIME ns, from /proc/PID/stat field 22. */
static int proc_start_ns(uint32_t pid, uint64_t *out)
{
	char path[64], buf[1024], *p;
	unsigned long long ticks;
	long hz = sysconf(_SC_CLK_TCK);
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* comm may hold spaces and parentheses */
	if (!p || hz <= 0)
		return -EINVAL;
	/* after ") ": field 3 is state; starttime is field 22 */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d "
			  "%*d %*d %llu", &ticks) != 1)
		return -EINVAL;
	*out = ticks * (1000000000ull / (uint64_t)hz);
	return 0;
}

void action_kill_pid(uint32_t pid, uint64_t start_ns, struct action_result *res)
{
	action_signal_pid(pid, start_ns, SIGKILL, res);
}

void action_signal_pid(uint32_t pid, uint64_t start_ns, int sig, struct action_result *res)
{
	uint64_t started, tick = 1000000000ull / (uint64_t)sysconf(_SC_CLK_TCK);
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (fd < 0) {
		res->outcome = ACTION_FAILED;
		snprintf(res->detail, sizeof(res->detail), "%s",
			 errno == ESRCH ? "process already exited" : strerror(errno));
		return;
	}
	/* The pid may have been reused since the event: same start time, same process. */
	if (start_ns && proc_start_ns(pid, &started) == 0 &&
	    (started + 2 * tick < start_ns || started > start_ns + 2 * tick)) {
		res->outcome = ACTION_FAILED;
		snprintf(res->detail, sizeof(res->detail),
			 "process already exited (pid %u now belongs to another process)", pid);
		goto cleanup;
	}
	if (syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) < 0) {
		res->outcome = ACTION_FAILED;
		snprintf(res->detail, sizeof(res->detail), "%s",
			 errno == ESRCH ? "process already exited" : strerror(errno));
		goto cleanup;
	}
	res->outcome = ACTION_DONE;
	snprintf(res->detail, sizeof(res->detail), "%s sent to pid %u",
		 sig == SIGKILL ? "SIGKILL" : sig == SIGCONT ? "SIGCONT" : "a signal", pid);
cleanup:
	close(fd);
}

void action_kill_target(const struct action_target *t, struct action_result *res)
{
	char done[sizeof(res->detail)];

	action_kill_pid(t->pid, t->start_ns, res);
	if (res->outcome != ACTION_DONE || !(t->ev_flags & EV_F_HELD))
		return;
	/* Stopped at exec by the hold (bpf/hold.bpf.h): it never ran. */
	memcpy(done, res->detail, sizeof(done));
	snprintf(res->detail, sizeof(res->detail), "%.120s while held at exec, before its first "
		 "instruction (a new container's first exec)", done);
}

static int proc_prepare(void *ctx, struct rules_engine *e, size_t index,
			const struct rules_rule_info *rule, bool enforce, const char **how,
			const char **why)
{
	(void)ctx;
	(void)e;
	(void)index;
	(void)rule;
	(void)enforce;
	(void)why;
	*how = "user-space kill";
	return 0;
}

static int proc_apply(void *ctx, const struct action_target *t, enum rules_action type,
		      struct action_result *res, uint64_t token)
{
	(void)ctx;
	(void)type;
	(void)token;
	action_kill_target(t, res);
	return 0;
}

static void proc_reset(void *ctx)
{
	(void)ctx;
}

void action_proc_kill_backend(struct action_backend *out)
{
	*out = (struct action_backend){ .name = "user-kill",
					.types = 1u << RULES_ACTION_KILL,
					.prepare = proc_prepare,
					.apply = proc_apply,
					.reset = proc_reset };
}
