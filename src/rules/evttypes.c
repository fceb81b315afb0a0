/*
 * Event type names as Falco rules spell them (syscall names plus Falco's own
 * events such as procexit), and which of them palisade's sensors deliver:
 * the process sensor's execve, clone and procexit, and every syscall of the
 * syscall sensor's table (src/event/syscalls.c), which is the one list of
 * them: a syscall added there is provided here.
 */
#include <pthread.h>
#include <string.h>

#include "event/syscalls.h"
#include "rules/rules_internal.h"

static const char *const names[] = {
	/* Falco's non-syscall events */
	"procexit", "container", "signaldeliver", "pluginevent", "asyncevent", "infra",
	"switch", "page_fault", "procinfo", "drop", "notification", "sysdigevent",
	"cpu_hotplug", "tracer", "k8s", "mesos", "meta",
	/* syscalls (x86-64 names, plus the 32-bit/legacy ones Falco knows) */
	"read", "write", "open", "close", "stat", "fstat", "lstat", "poll", "lseek", "mmap",
	"mprotect", "munmap", "brk", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn",
	"ioctl", "pread", "pwrite", "pread64", "pwrite64", "readv", "writev", "access", "pipe",
	"select", "sched_yield", "mremap", "msync", "mincore", "madvise", "shmget", "shmat",
	"shmctl", "dup", "dup2", "dup3", "pause", "nanosleep", "getitimer", "alarm",
	"setitimer", "getpid", "sendfile", "socket", "connect", "accept", "accept4", "sendto",
	"recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "shutdown", "bind", "listen",
	"getsockname", "getpeername", "socketpair", "setsockopt", "getsockopt", "clone",
	"clone3", "fork", "vfork", "execve", "execveat", "exit", "exit_group", "wait4", "kill",
	"uname", "semget", "semop", "semctl", "shmdt", "msgget", "msgsnd", "msgrcv", "msgctl",
	"fcntl", "flock", "fsync", "fdatasync", "truncate", "ftruncate", "getdents",
	"getdents64", "getcwd", "chdir", "fchdir", "rename", "renameat", "renameat2", "mkdir",
	"mkdirat", "rmdir", "creat", "link", "linkat", "unlink", "unlinkat", "symlink",
	"symlinkat", "readlink", "readlinkat", "chmod", "fchmod", "fchmodat", "fchmodat2",
	"chown", "fchown", "lchown", "fchownat", "umask", "gettimeofday", "getrlimit",
	"setrlimit", "prlimit", "getrusage", "sysinfo", "times", "ptrace", "getuid", "syslog",
	"getgid", "setuid", "setgid", "geteuid", "getegid", "setpgid", "getppid", "getpgrp",
	"setsid", "setreuid", "setregid", "getgroups", "setgroups", "setresuid", "getresuid",
	"setresgid", "getresgid", "getpgid", "setfsuid", "setfsgid", "getsid", "capget",
	"capset", "rt_sigpending", "rt_sigtimedwait", "rt_sigqueueinfo", "rt_sigsuspend",
	"sigaltstack", "utime", "mknod", "mknodat", "uselib", "personality", "ustat", "statfs",
	"fstatfs", "sysfs", "getpriority", "setpriority", "sched_setparam", "sched_getparam",
	"sched_setscheduler", "sched_getscheduler", "mlock", "munlock", "mlockall",
	"munlockall", "mlock2", "vhangup", "modify_ldt", "pivot_root", "prctl", "arch_prctl",
	"adjtimex", "chroot", "sync", "acct", "settimeofday", "mount", "umount", "umount2",
	"swapon", "swapoff", "reboot", "sethostname", "setdomainname", "iopl", "ioperm",
	"init_module", "finit_module", "delete_module", "quotactl", "gettid", "readahead",
	"setxattr", "lsetxattr", "fsetxattr", "getxattr", "lgetxattr", "fgetxattr",
	"listxattr", "removexattr", "lremovexattr", "fremovexattr", "tkill", "tgkill", "time", "futex", "sched_setaffinity",
	"sched_getaffinity", "io_setup", "io_destroy", "io_getevents", "io_submit",
	"io_cancel", "io_uring_setup", "io_uring_enter", "io_uring_register",
	"lookup_dcookie", "epoll_create", "epoll_create1", "epoll_wait", "epoll_pwait",
	"epoll_ctl", "remap_file_pages", "set_tid_address", "restart_syscall", "semtimedop",
	"fadvise64", "timer_create", "timer_settime", "timer_gettime", "timer_getoverrun",
	"timer_delete", "clock_settime", "clock_gettime", "clock_getres", "clock_nanosleep",
	"mbind", "set_mempolicy", "get_mempolicy", "mq_open", "mq_unlink", "mq_timedsend",
	"mq_timedreceive", "mq_notify", "mq_getsetattr", "kexec_load", "kexec_file_load",
	"waitid", "add_key", "request_key", "keyctl", "ioprio_set", "ioprio_get",
	"inotify_init", "inotify_init1", "inotify_add_watch", "inotify_rm_watch",
	"migrate_pages", "openat", "openat2", "open_by_handle_at", "name_to_handle_at",
	"futimesat", "newfstatat", "pselect6", "ppoll", "unshare", "setns", "set_robust_list",
	"get_robust_list", "splice", "tee", "sync_file_range", "vmsplice", "move_pages",
	"utimensat", "signalfd", "signalfd4", "timerfd_create", "timerfd", "eventfd",
	"eventfd2", "fallocate", "timerfd_settime", "timerfd_gettime", "pipe2",
	"perf_event_open", "fanotify_init", "fanotify_mark", "clock_adjtime", "syncfs",
	"getcpu", "process_vm_readv", "process_vm_writev", "kcmp", "sched_setattr",
	"sched_getattr", "seccomp", "getrandom", "memfd_create", "memfd_secret", "bpf",
	"userfaultfd", "membarrier", "copy_file_range", "preadv", "pwritev", "preadv2",
	"pwritev2", "pkey_mprotect", "pkey_alloc", "pkey_free", "statx", "rseq",
	"pidfd_send_signal", "pidfd_open", "pidfd_getfd", "open_tree", "move_mount",
	"fsopen", "fsconfig", "fsmount", "fspick", "close_range", "faccessat", "faccessat2",
	"process_madvise", "epoll_pwait2", "mount_setattr", "quotactl_fd",
	"landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self",
	"process_mrelease", "futex_waitv", "set_mempolicy_home_node", "cachestat",
	"map_shadow_stack", "lsm_get_self_attr", "lsm_set_self_attr", "lsm_list_modules",
	"mmap2", "socketcall", "stat64", "fstat64", "lstat64", "llseek", "_llseek", "signal",
	"sigaction", "sigprocmask", "sigreturn", "sigsuspend", "sigpending", "nice", "uid16",
	"getuid32", "setuid32", "getgid32", "setgid32", "setresuid32", "setresgid32",
	"geteuid32", "getegid32", "setreuid32", "setregid32", "fchown32", "chown32",
	"lchown32", "getdents32", "waitpid", "olduname", "oldstat", "oldfstat", "oldlstat",
	"create_module", "get_kernel_syms", "query_module", "nfsservctl", "getpmsg",
	"putpmsg", "afs_syscall", "tuxcall", "security", "vserver", "epoll_ctl_old",
	"epoll_wait_old", "set_thread_area", "get_thread_area",
	/* The other sources' events come last (tail_source says whose); "all"
	 * event types, for the sensors, are the syscall source's. */
	/* the docker source (src/authz/): a request to the Engine API, its answer */
	"authz_request", "authz_response",
	/* the flow source (src/net/): a container's conversation began, ended */
	"flow_start", "flow_end",
};
static const enum rl_source tail_source[] = { RL_SRC_DOCKER, RL_SRC_DOCKER, RL_SRC_FLOW,
					      RL_SRC_FLOW };
#define N_NAMES (sizeof(names) / sizeof(names[0]))
#define TAIL (sizeof(tail_source) / sizeof(tail_source[0]))
#define SOURCES_FIRST (N_NAMES - TAIL) /* the first type of a source other than syscall */

_Static_assert(N_NAMES <= RL_EVTTYPE_MAX, "raise RL_EVTTYPE_MAX");

/* The process sensor's events (bpf/process.bpf.c); syscalls come from the table. */
static const char *const process_events[] = { "execve", "clone", "procexit" };

static struct rl_evtset provided;
static int sc_type[EV_SYSCALL_NR_MAX]; /* evttype id by syscall table index */
static int exec_id, clone_id, exit_id, execveat_id, flow_start_id, flow_end_id;
static const char *const source_names[RL_SRC_COUNT] = {
	[RL_SRC_SYSCALL] = "syscall", [RL_SRC_DOCKER] = "docker", [RL_SRC_FLOW] = "flow",
};

enum rl_source rl_evttype_source(int id)
{
	return id >= (int)SOURCES_FIRST && (size_t)id < N_NAMES ? tail_source[id - (int)SOURCES_FIRST] :
								  RL_SRC_SYSCALL;
}

int rl_source_parse(const char *name, enum rl_source *out)
{
	for (int i = 0; i < RL_SRC_COUNT; i++)
		if (!strcmp(name, source_names[i])) {
			*out = (enum rl_source)i;
			return 0;
		}
	return -1;
}

const char *rl_source_name(enum rl_source s)
{
	return (unsigned)s < RL_SRC_COUNT ? source_names[s] : "unknown";
}

void rl_evtset_keep_source(struct rl_evtset *s, enum rl_source src)
{
	for (size_t i = 0; i < N_NAMES; i++)
		if (rl_evttype_source((int)i) != src)
			s->w[i / 64] &= ~(1ull << (i % 64));
}
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init(void)
{
	size_t n = syscall_count();
	exec_id = rl_evttype_id("execve");
	clone_id = rl_evttype_id("clone");
	exit_id = rl_evttype_id("procexit");
	execveat_id = rl_evttype_id("execveat");
	flow_start_id = rl_evttype_id("flow_start");
	flow_end_id = rl_evttype_id("flow_end");
	for (size_t i = 0; i < sizeof(process_events) / sizeof(process_events[0]); i++) {
		int id = rl_evttype_id(process_events[i]);

		if (id >= 0)
			rl_evtset_add(&provided, id);
	}
	for (size_t i = SOURCES_FIRST; i < N_NAMES; i++)
		rl_evtset_add(&provided, (int)i); /* palisade authz, palisade run --flows */
	for (size_t i = 0; i < n && i < EV_SYSCALL_NR_MAX; i++) {
		/* A name Falco does not know is never evaluated (-1); the
		 * unit tests check the table has none. */
		sc_type[i] = rl_evttype_id(syscall_at(i)->name);
		if (sc_type[i] >= 0)
			rl_evtset_add(&provided, sc_type[i]);
	}
}

int rl_evttype_id(const char *name)
{
	for (size_t i = 0; i < N_NAMES; i++)
		if (!strcmp(names[i], name))
			return (int)i;
	return -1;
}

const char *rl_evttype_name(int id)
{
	return id >= 0 && (size_t)id < N_NAMES ? names[id] : "unknown";
}

size_t rl_evttype_count(void)
{
	return N_NAMES;
}

bool rl_evttype_provided(int id)
{
	pthread_once(&once, init);
	return id >= 0 && id < RL_EVTTYPE_MAX && rl_evtset_has(&provided, id);
}

/*
 * The Falco event type of a decoded event. Cached ids: this runs once per
 * event. A /proc snapshot is not an event anything happened in: no rule runs.
 * A successful execveat is the exec sensor's execve event already (the new
 * image, its arguments): only a failed one is evaluated as execveat.
 */
int rl_evttype_of_event(const struct event *ev)
{
	const struct syscall_desc *first;
	size_t k;

	pthread_once(&once, init);
	if (ev->docker)
		return (int)SOURCES_FIRST + ev->docker->response; /* authz_request, _response */
	switch (ev->kind) {
	case EV_EXEC:
		return exec_id;
	case EV_FORK:
		return clone_id;
	case EV_EXIT:
		return exit_id;
	case EV_FLOW:
		return ev->flow && ev->flow->what == EV_FLOW_END ? flow_end_id : flow_start_id;
	case EV_SYSCALL:
		first = syscall_at(0);
		if (!ev->sc || !first || ev->sc < first)
			return -1;
		k = (size_t)(ev->sc - first);
		if (k >= syscall_count() || k >= EV_SYSCALL_NR_MAX)
			return -1;
		if (sc_type[k] == execveat_id && ev->res >= 0)
			return -1;
		return sc_type[k];
	default:
		return -1;
	}
}

const char *rl_evttype_suggest(const char *name)
{
	const char *best = NULL;
	unsigned best_d = 3;

	for (size_t i = 0; i < N_NAMES; i++) {
		unsigned d = rl_edit_distance(name, names[i]);

		if (d < best_d) {
			best_d = d;
			best = names[i];
		}
	}
	return best;
}

/* Word by word: every comparison of every rule asks (a condition without
 * evt.type may match any type). The first n types set. */
static uint64_t first_word(size_t w, size_t n)
{
	size_t lo = w * 64;

	if (lo >= n)
		return 0;
	return n - lo >= 64 ? ~0ull : (1ull << (n - lo)) - 1;
}

void rl_evtset_all(struct rl_evtset *s)
{
	for (size_t w = 0; w < RL_EVTSET_WORDS; w++)
		s->w[w] = first_word(w, N_NAMES);
}

/* "All" as the sensors mean it: every syscall-source type (the other
 * sources' come last and do not count). */
bool rl_evtset_is_all(const struct rl_evtset *s)
{
	for (size_t w = 0; w < RL_EVTSET_WORDS; w++)
		if ((s->w[w] & first_word(w, SOURCES_FIRST)) != first_word(w, SOURCES_FIRST))
			return false;
	return true;
}
