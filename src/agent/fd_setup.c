/*
 * The fd table costs events: every open, socket, dup and close on the host
 * must reach user space while it runs. "auto" turns it on only when a loaded
 * rule needs one of the fd-bookkeeping syscalls (close, dup*, fcntl, pipe*,
 * eventfd2, ...: family SCF_FD), whose fd the sensor cannot describe at
 * sys_exit on its own.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agent/fd_setup.h"
#include "event/syscalls.h"
#include "fd/fd_table.h"

enum agent_fd_mode agent_fd_mode_of(const char *mode)
{
	return !strcmp(mode, "on") ? AGENT_FD_ON : !strcmp(mode, "off") ? AGENT_FD_OFF : AGENT_FD_AUTO;
}

bool agent_fd_interest(enum agent_fd_mode mode, const struct rules_engine *rules,
		       uint32_t spec[EV_SYSCALL_NR_MAX])
{
	bool on = mode == AGENT_FD_ON;
	size_t i;

	for (i = 0; mode == AGENT_FD_AUTO && i < syscall_count(); i++) {
		const struct syscall_desc *d = syscall_at(i);

		/* Only for fds the sensor cannot describe at the syscall itself
		 * (a close, a pipe's two ends): dup and fcntl carry their old fd's
		 * file or socket already, and the table costs every open and
		 * close of the host (and the open pre-filter). */
		on |= d->family == SCF_FD && d->nr < EV_SYSCALL_NR_MAX && spec[d->nr] &&
		      !(d->spec & (SC_FD_ARG0 | SC_FD_RET));
	}
	for (i = 0; i < syscall_count(); i++) {
		const struct syscall_desc *d = syscall_at(i);

		if (d->nr >= EV_SYSCALL_NR_MAX)
			continue;
		if (on && fd_table_follows(d))
			spec[d->nr] = d->spec | (spec[d->nr] & SC_RAW_PATH1);
		/* Opens resolve path 1 from the file: the caller's string only on request. */
		if (spec[d->nr] && (d->spec & SC_FD_RET) && SC_ARG_FIELD(d->spec, SC_PATH_ARG_SHIFT) &&
		    rules && (rules_engine_uses_field(rules, d->name, "fd.nameraw") ||
			      rules_engine_uses_field(rules, d->name, "evt.rawarg")))
			spec[d->nr] |= SC_RAW_PATH1;
	}
	return on;
}
