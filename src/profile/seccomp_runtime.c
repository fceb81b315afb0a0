/*
 * What the runtime needs a container's seccomp profile to allow: the
 * syscalls runc makes after it has installed the filter and before the
 * workload's first instruction (runc 1.x, libcontainer/standard_init_linux.go
 * for `docker run`, setns_init_linux.go for `docker exec`; Docker does not set
 * no-new-privileges by default, so runc installs the filter before it drops
 * capabilities and changes user). A profile without them makes the container
 * fail to start ("operation not permitted" from runc) even when the workload
 * itself needs none of them.
 *
 * Derived by reading those two files of the runc on this machine (1.1.5,
 * Debian's golang-github-opencontainers-runc-dev) and checked against what
 * the kernel saw: learning a container from its start records runc's
 * post-filter calls separately (bpf/learn.bpf.c: comm "runc:[...", seccomp
 * mode 2), and test_profile.sh checks that every one of them is in this
 * table (docs/profiles.md lists the observed set). Every name here is in
 * Docker's default profile too, which allows them all unconditionally.
 */
#include <string.h>

#include "profile/profile.h"

static const char *const runtime_syscalls[] = {
	/* finalizeNamespace: fds made close-on-exec through /proc/self/fd,
	 * the working directory, the capability sets (cap_last_cap read from
	 * /proc), the bounding set and keep-caps (prctl), user and groups from
	 * the container's /etc/passwd and /etc/group, stdio ownership */
	"openat", "open", "read", "close", "getdents64", "fcntl", "fstat", "fstatfs", "newfstatat",
	"chdir", "getcwd", "capget", "capset", "prctl", "setgroups", "setuid", "setgid",
	"setresuid", "setresgid", "fchown",
	/* the parent-death signal restored, the parent checked, the executable
	 * looked up and its access checked, the exec fifo written, fds closed
	 * (CVE-2024-21626), then the exec itself */
	"getppid", "getpid", "kill", "stat", "lstat", "faccessat", "faccessat2", "access",
	"write", "close_range", "execve",
	/* the Go runtime under runc's init: threads, signals, memory, timers,
	 * the network poller */
	"futex", "nanosleep", "sched_yield", "gettid", "tgkill", "rt_sigaction",
	"rt_sigprocmask", "rt_sigreturn", "sigaltstack", "mmap", "munmap", "madvise",
	"mprotect", "clone", "exit", "exit_group", "epoll_ctl", "epoll_pwait", "epoll_wait",
	"epoll_create1", "pipe2", "getrandom", "arch_prctl", "set_robust_list",
	"sched_getaffinity", "brk", "uname", "readlinkat",
};

size_t profile_runtime_count(void)
{
	return sizeof(runtime_syscalls) / sizeof(runtime_syscalls[0]);
}

const char *profile_runtime_at(size_t i)
{
	return i < profile_runtime_count() ? runtime_syscalls[i] : NULL;
}

bool profile_runtime_has(const char *name)
{
	for (size_t i = 0; i < profile_runtime_count(); i++)
		if (strcmp(runtime_syscalls[i], name) == 0)
			return true;
	return false;
}
