/*
 * Syscall names from libseccomp's tables, which cover every syscall of every
 * architecture (palisade's own table, src/event/syscalls.c, knows only the
 * ones its rules can watch): the learned bitmap is by number, a seccomp
 * profile by name.
 */
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>

#include "profile/profile.h"

int profile_syscall_name(unsigned nr, char *buf, size_t size)
{
	char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, (int)nr);

	if (!name)
		return -ENOENT;
	snprintf(buf, size, "%s", name);
	free(name);
	return 0;
}

int profile_syscall_nr(const char *name)
{
	int nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_NATIVE, name);

	return nr >= 0 ? nr : -1; /* __NR_SCMP_ERROR, or a pseudo number for
				   * a syscall this architecture lacks */
}

/* Docker's archMap for the build's architecture, flattened: the native
 * architecture first, then those whose binaries it also runs. */
const char *const *profile_seccomp_arches(size_t *n)
{
#if defined(__x86_64__)
	static const char *const arches[] = { "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32" };
#elif defined(__aarch64__)
	static const char *const arches[] = { "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM" };
#else
#error "seccomp architecture names unknown for this architecture"
#endif
	*n = sizeof(arches) / sizeof(arches[0]);
	return arches;
}
