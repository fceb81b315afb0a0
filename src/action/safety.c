/*
 * What enforcement never touches unless a rule asks by name: the machine's
 * pid 1, the agent, and the container runtime (killing dockerd, containerd,
 * a shim or runc takes every container on the host down with it, or leaves
 * them unmanaged). Checked for every process target before it is signalled;
 * the kill then checks the start time through a pidfd, so a pid reused in
 * between is never signalled in place of the one that was checked.
 */
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "action/action.h"

const char *const action_protected_names[] = {
	"dockerd", "containerd", "containerd-shim*", "runc", NULL,
};

/* The rule names the program itself: "runc", or the shim's stem. */
static bool named_in(const char *condition, const char *pattern)
{
	char stem[64];
	size_t n = strcspn(pattern, "*");

	if (!condition || n >= sizeof(stem))
		return false;
	memcpy(stem, pattern, n);
	stem[n] = '\0';
	return strstr(condition, stem) != NULL;
}

static bool protected_name(const char *name, const char *condition, char *why, size_t len,
			   const char *what)
{
	for (size_t i = 0; action_protected_names[i]; i++) {
		const char *p = action_protected_names[i];

		if (fnmatch(p, name, 0) != 0 || named_in(condition, p))
			continue;
		snprintf(why, len, "%s '%s' is the container runtime (%s); name it in the "
			 "rule's condition to allow it", what, name, p);
		return true;
	}
	return false;
}

/*
 * The executable the kernel reported for the event: decides even when the
 * process has exited by the time the action runs (a short-lived runc child),
 * where /proc has nothing left to read.
 */
bool action_protected_exe(const char *exepath, const char *condition, char *why, size_t len)
{
	const char *base;

	if (!exepath || !exepath[0])
		return false;
	base = strrchr(exepath, '/');
	base = base ? base + 1 : exepath;
	return protected_name(base, condition, why, len, "executable");
}

bool action_protected(uint32_t pid, const char *condition, char *why, size_t len)
{
	char path[64], exe[PATH_MAX], comm[32] = "";
	const char *base;
	ssize_t n;
	FILE *f;

	if (pid <= 1) {
		snprintf(why, len, "pid %u is the host's init", pid);
		return true;
	}
	if (pid == (uint32_t)getpid()) {
		snprintf(why, len, "pid %u is the agent itself", pid);
		return true;
	}
	snprintf(path, sizeof(path), "/proc/%u/exe", pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		base = strrchr(exe, '/');
		base = base ? base + 1 : exe;
		if (protected_name(base, condition, why, len, "executable"))
			return true;
	}
	/* runc re-executes itself from a memfd ("runc:[2:INIT]"): the name says
	 * what the exe path no longer does. */
	snprintf(path, sizeof(path), "/proc/%u/comm", pid);
	f = fopen(path, "re");
	if (f) {
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
	}
	if (!strncmp(comm, "runc", 4) && !named_in(condition, "runc")) {
		snprintf(why, len, "process '%s' is the container runtime (runc); name it in "
			 "the rule's condition to allow it", comm);
		return true;
	}
	return comm[0] && protected_name(comm, condition, why, len, "process");
}
