/*
 * What the caller of a fanotify permission event meant to do. fanotify's
 * event does not carry the open flags, but the caller is blocked inside its
 * system call until the guard answers, so the arguments it passed are still
 * in its saved registers, which /proc/TID/syscall prints (number and six
 * arguments): exactly the values the kernel is acting on. Nothing runs on the
 * host's other syscalls (a BPF program on every syscall entry would), only
 * events on protected files pay for one small read.
 *
 * openat2 keeps its flags in a struct open_how in the caller's memory, read
 * with process_vm_readv. The kernel copied it before opening; another thread
 * of the caller could change it since, and then the guard judges other
 * flags than the kernel's copy (docs/enforcement-files.md, limits).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "action/fanotify_guard.h"

int fguard_parse_syscall(const char *text, struct fguard_syscall *out)
{
	char *end;

	memset(out, 0, sizeof(*out));
	if (!strncmp(text, "running", 7))
		return -EBUSY;
	out->nr = strtol(text, &end, 10);
	if (end == text)
		return -EINVAL;
	if (out->nr < 0)
		return -ENOENT;
	for (int i = 0; i < 6; i++) {
		const char *p = end;

		while (*p == ' ')
			p++;
		if (strncmp(p, "0x", 2))
			return -EINVAL;
		out->args[i] = strtoull(p, &end, 16);
		if (end == p)
			return -EINVAL;
	}
	return 0;
}

bool fguard_is_open_syscall(long nr)
{
	switch (nr) {
#ifdef SYS_open
	case SYS_open:
#endif
#ifdef SYS_creat
	case SYS_creat:
#endif
	case SYS_openat:
	case SYS_openat2:
	case SYS_open_by_handle_at:
		return true;
	default:
		return false;
	}
}

bool fguard_is_exec_syscall(long nr)
{
	return nr == SYS_execve || nr == SYS_execveat;
}

int fguard_open_flags(const struct fguard_syscall *sc, fguard_read_user_fn read_user, void *ctx,
		      uint64_t *flags)
{
	uint64_t how_flags;
	int ret;

	switch (sc->nr) {
#ifdef SYS_open
	case SYS_open:
		*flags = sc->args[1];
		return 0;
#endif
#ifdef SYS_creat
	case SYS_creat:
		*flags = O_CREAT | O_WRONLY | O_TRUNC;
		return 0;
#endif
	case SYS_openat:
	case SYS_open_by_handle_at:
		*flags = sc->args[2];
		return 0;
	case SYS_openat2:
		/* struct open_how starts with __u64 flags (include/uapi/linux/openat2.h). */
		ret = read_user(ctx, sc->args[2], &how_flags, sizeof(how_flags));
		if (ret)
			return ret;
		*flags = how_flags;
		return 0;
	default:
		return -ENOSYS;
	}
}

bool fguard_flags_write(uint64_t flags)
{
	return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC);
}
