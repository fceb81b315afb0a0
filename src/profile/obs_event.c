/*
 * The files and sockets of an observation, from the syscall sensor's events
 * (live or recorded). Independent of rules: the sensor is opened with the
 * spec below, every file and socket call palisade's table knows, and each
 * event is read by its row (its open flags, its paths), never by a rule.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "event/event.h"
#include "event/syscalls.h"
#include "profile/profile.h"

#ifndef AT_REMOVEDIR
#define AT_REMOVEDIR 0x200
#endif

void profile_event_spec(uint32_t spec[EV_SYSCALL_NR_MAX])
{
	memset(spec, 0, sizeof(uint32_t) * EV_SYSCALL_NR_MAX);
	for (size_t i = 0; i < syscall_count(); i++) {
		const struct syscall_desc *d = syscall_at(i);

		if (d->nr >= EV_SYSCALL_NR_MAX)
			continue;
		if (d->family == SCF_FILE || d->fd == FDE_SOCKET || (d->traits & SCT_EXEC) ||
		    !strcmp(d->name, "socketpair"))
			spec[d->nr] = d->spec;
	}
}

/* runc's init and its stages ("exe" as it re-executes itself through
 * /proc/self/exe, "runc", "runc:[2:INIT]"): its calls before the workload's
 * exec are the runtime's, made before AppArmor confines it. (The learning
 * program counts "exe"'s few syscalls as the workload's: more permissive.) */
static bool is_runtime(const char *comm)
{
	return !strcmp(comm, "exe") ||
	       (!strncmp(comm, "runc", 4) && (comm[4] == '\0' || comm[4] == ':'));
}

static int add(struct profile_obs *o, const char *path, bool dir, uint32_t modes)
{
	char buf[EV_PATH_MAX + 2];
	size_t n;

	if (!path || path[0] != '/')
		return 0;
	n = strlen(path);
	if (dir && path[n - 1] != '/' && n + 1 < sizeof(buf)) {
		memcpy(buf, path, n);
		buf[n] = '/';
		buf[n + 1] = '\0';
		path = buf;
	}
	return profile_obs_add_path(o, path, modes) ?: 1;
}

static int arg_of_kind(const struct syscall_desc *d, enum sc_arg_kind kind)
{
	for (int i = 0; i < 6; i++)
		if (d->args[i].kind == kind)
			return i;
	return -1;
}

/* An open by its access mode; O_PATH opens no content and is not mediated. */
static int add_open(struct profile_obs *o, const struct event *ev)
{
	const struct syscall_desc *d = ev->sc;
	uint64_t flags;
	uint32_t modes;
	int i;

	if (d->open == SCO_CREAT)
		return add(o, ev->path, false, PROFILE_W);
	/* openat2: its flags are in its struct open_how, read by the sensor when
	 * it could (EV_ARGS_OPEN_HOW); else unknown, and the file gets both. */
	if (d->open == SCO_HOW && !(ev->path_flags & EV_ARGS_OPEN_HOW))
		return add(o, ev->path, false, PROFILE_R | PROFILE_W);
	i = arg_of_kind(d, SA_OPEN);
	if (i < 0)
		return 0;
	flags = ev->sc_args[i];
	if (flags & O_PATH)
		return 0;
	modes = (flags & O_ACCMODE) == O_RDONLY ? PROFILE_R
		: (flags & O_ACCMODE) == O_WRONLY ? PROFILE_W
						  : PROFILE_R | PROFILE_W;
	if (flags & (O_CREAT | O_TRUNC))
		modes |= PROFILE_W;
	/* The loader maps shared objects executable (mmap is not followed):
	 * a file named *.so or *.so.N read is given m. */
	if ((modes & PROFILE_R) && (strstr(ev->path, ".so.") || (strlen(ev->path) > 3 &&
	    !strcmp(ev->path + strlen(ev->path) - 3, ".so"))))
		modes |= PROFILE_M;
	return add(o, ev->path, (flags & O_DIRECTORY) != 0, modes);
}

static int add_file_call(struct profile_obs *o, const struct event *ev)
{
	const char *n = ev->sc->name;
	bool dir = !strncmp(n, "mkdir", 5) || !strcmp(n, "rmdir") ||
		   (!strcmp(n, "unlinkat") && (ev->sc_args[2] & AT_REMOVEDIR));
	int a, b;

	if (ev->sc->open != SCO_NONE)
		return add_open(o, ev);
	if (!strncmp(n, "link", 4)) /* AppArmor's l is the new name's */
		return add(o, ev->path2, false, PROFILE_L);
	if (!strncmp(n, "symlink", 7)) /* path 1 is the link's text, not a file */
		return add(o, ev->path2, false, PROFILE_W);
	a = add(o, ev->path, dir, PROFILE_W);
	if (a < 0 || strncmp(n, "rename", 6))
		return a;
	b = add(o, ev->path2, false, PROFILE_W);
	return b < 0 ? b : a | b;
}

int profile_obs_add_event(struct profile_obs *o, const struct event *ev)
{
	if (is_runtime(ev->hdr->comm))
		return 0;
	if (ev->kind == EV_EXEC)
		return add(o, ev->exe, false, PROFILE_X);
	if (ev->kind != EV_SYSCALL || !ev->sc || ev->res < 0 || !ev->sc_args)
		return 0;
	if (ev->sc->fd == FDE_SOCKET || !strcmp(ev->sc->name, "socketpair")) {
		profile_obs_add_socket(o, (unsigned)ev->sc_args[0], (unsigned)ev->sc_args[1]);
		return 1;
	}
	if (ev->sc->traits & SCT_EXEC)
		return add(o, ev->path, false, PROFILE_X);
	if (ev->sc->family == SCF_FILE)
		return add_file_call(o, ev);
	return 0;
}
