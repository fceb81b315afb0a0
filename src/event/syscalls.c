#include <string.h>
#include <sys/syscall.h>

#include "event/syscalls.h"

#define P1(i) (SC_WATCH | ((i) + 1) << SC_PATH_ARG_SHIFT)
#define P2(i) (((i) + 1) << SC_PATH2_ARG_SHIFT)
#define DIRFD(i) (((i) + 1) << SC_DIRFD_ARG_SHIFT)
#define ADDR(i, l) (((i) + 1) << SC_ADDR_ARG_SHIFT | ((l) + 1) << SC_ADDRLEN_ARG_SHIFT)
#define FD_RET (SC_WATCH | SC_FD_RET)
#define FD_ARG0 (SC_WATCH | SC_FD_ARG0)
#define PLAIN SC_WATCH
#define FDS(i) (SC_WATCH | ((i) + 1) << SC_FDS_ARG_SHIFT)

/* Legacy calls (open, rename, ...) exist on x86-64 but not on arm64. */
static const struct syscall_desc table[] = {
#ifdef SYS_open
	{ "open", SYS_open, P1(0) | FD_RET, SCF_FILE, { "name", "flags", "mode" } },
#endif
	{ "openat", SYS_openat, P1(1) | DIRFD(0) | FD_RET, SCF_FILE,
	  { "dirfd", "name", "flags", "mode" } },
#ifdef SYS_openat2
	{ "openat2", SYS_openat2, P1(1) | DIRFD(0) | FD_RET, SCF_FILE,
	  { "dirfd", "name", "how", "size" } },
#endif
#ifdef SYS_creat
	{ "creat", SYS_creat, P1(0) | FD_RET, SCF_FILE, { "name", "mode" } },
#endif
#ifdef SYS_rename
	{ "rename", SYS_rename, P1(0) | P2(1), SCF_FILE, { "oldpath", "newpath" } },
#endif
	{ "renameat", SYS_renameat, P1(1) | DIRFD(0) | P2(3), SCF_FILE,
	  { "olddirfd", "oldpath", "newdirfd", "newpath" } },
	{ "renameat2", SYS_renameat2, P1(1) | DIRFD(0) | P2(3), SCF_FILE,
	  { "olddirfd", "oldpath", "newdirfd", "newpath", "flags" } },
#ifdef SYS_unlink
	{ "unlink", SYS_unlink, P1(0), SCF_FILE, { "path" } },
#endif
	{ "unlinkat", SYS_unlinkat, P1(1) | DIRFD(0), SCF_FILE, { "dirfd", "name", "flags" } },
#ifdef SYS_mkdir
	{ "mkdir", SYS_mkdir, P1(0), SCF_FILE, { "path", "mode" } },
#endif
	{ "mkdirat", SYS_mkdirat, P1(1) | DIRFD(0), SCF_FILE, { "dirfd", "path", "mode" } },
#ifdef SYS_rmdir
	{ "rmdir", SYS_rmdir, P1(0), SCF_FILE, { "path" } },
#endif
#ifdef SYS_chmod
	{ "chmod", SYS_chmod, P1(0), SCF_FILE, { "filename", "mode" } },
#endif
	{ "fchmod", SYS_fchmod, FD_ARG0, SCF_FILE, { "fd", "mode" } },
	{ "truncate", SYS_truncate, P1(0), SCF_FILE, { "path", "length" } },
	{ "ftruncate", SYS_ftruncate, FD_ARG0, SCF_FILE, { "fd", "length" } },
	{ "fchmodat", SYS_fchmodat, P1(1) | DIRFD(0), SCF_FILE, { "dirfd", "filename", "mode" } },
#ifdef SYS_link
	{ "link", SYS_link, P1(0) | P2(1), SCF_FILE, { "oldpath", "newpath" } },
#endif
	{ "linkat", SYS_linkat, P1(1) | DIRFD(0) | P2(3), SCF_FILE,
	  { "olddir", "oldpath", "newdir", "newpath", "flags" } },
#ifdef SYS_symlink
	{ "symlink", SYS_symlink, P1(0) | P2(1), SCF_FILE, { "target", "linkpath" } },
#endif
	{ "symlinkat", SYS_symlinkat, P1(0) | P2(2), SCF_FILE, { "target", "linkdirfd", "linkpath" } },
	{ "memfd_create", SYS_memfd_create, P1(0) | FD_RET, SCF_FILE, { "name", "flags" } },
	{ "dup", SYS_dup, FD_ARG0, SCF_FD, { "oldfd" } },
#ifdef SYS_dup2
	{ "dup2", SYS_dup2, FD_ARG0, SCF_FD, { "oldfd", "newfd" } },
#endif
	{ "dup3", SYS_dup3, FD_ARG0, SCF_FD, { "oldfd", "newfd", "flags" } },
	/* By sys_exit the fd is gone: nothing to resolve, the fd table knows it. */
	{ "close", SYS_close, PLAIN, SCF_FD, { "fd" } },
	{ "fcntl", SYS_fcntl, FD_ARG0, SCF_FD, { "fd", "cmd", "arg" } },
#ifdef SYS_pipe
	{ "pipe", SYS_pipe, FDS(0), SCF_FD, { "fds" } },
#endif
	{ "pipe2", SYS_pipe2, FDS(0), SCF_FD, { "fds", "flags" } },
	{ "socketpair", SYS_socketpair, FDS(3), SCF_FD, { "domain", "type", "proto", "fds" } },
	/* fds of anonymous inodes: the fd table follows them (fd.type event, ...). */
	{ "eventfd2", SYS_eventfd2, FD_RET, SCF_FD, { "initval", "flags" } },
	{ "epoll_create1", SYS_epoll_create1, FD_RET, SCF_FD, { "flags" } },
	{ "inotify_init1", SYS_inotify_init1, FD_RET, SCF_FD, { "flags" } },
	{ "signalfd4", SYS_signalfd4, FD_RET, SCF_FD, { "fd", "mask", "sizemask", "flags" } },
	{ "timerfd_create", SYS_timerfd_create, FD_RET, SCF_FD, { "clockid", "flags" } },
	{ "socket", SYS_socket, FD_RET, SCF_NET, { "domain", "type", "proto" } },
	{ "connect", SYS_connect, FD_ARG0 | ADDR(1, 2), SCF_NET, { "fd", "addr", "addrlen" } },
	{ "accept", SYS_accept, FD_RET, SCF_NET, { "fd", "addr", "addrlen" } },
	{ "accept4", SYS_accept4, FD_RET, SCF_NET, { "fd", "addr", "addrlen", "flags" } },
	{ "bind", SYS_bind, FD_ARG0 | ADDR(1, 2), SCF_NET, { "fd", "addr", "addrlen" } },
	{ "listen", SYS_listen, FD_ARG0, SCF_NET, { "fd", "backlog" } },
	{ "sendto", SYS_sendto, FD_ARG0 | ADDR(4, 5), SCF_NET,
	  { "fd", "data", "size", "flags", "addr", "addrlen" } },
	{ "sendmsg", SYS_sendmsg, FD_ARG0, SCF_NET, { "fd", "msg", "flags" } },
	{ "setuid", SYS_setuid, PLAIN, SCF_PRIV, { "uid" } },
	{ "setgid", SYS_setgid, PLAIN, SCF_PRIV, { "gid" } },
	{ "setreuid", SYS_setreuid, PLAIN, SCF_PRIV, { "ruid", "euid" } },
	{ "setregid", SYS_setregid, PLAIN, SCF_PRIV, { "rgid", "egid" } },
	{ "setresuid", SYS_setresuid, PLAIN, SCF_PRIV, { "ruid", "euid", "suid" } },
	{ "setresgid", SYS_setresgid, PLAIN, SCF_PRIV, { "rgid", "egid", "sgid" } },
	{ "capset", SYS_capset, PLAIN, SCF_PRIV, { "hdrp", "datap" } },
	{ "ptrace", SYS_ptrace, PLAIN, SCF_PRIV, { "request", "pid", "addr", "data" } },
	{ "process_vm_readv", SYS_process_vm_readv, PLAIN, SCF_PRIV, { "pid" } },
	{ "process_vm_writev", SYS_process_vm_writev, PLAIN, SCF_PRIV, { "pid" } },
	{ "mount", SYS_mount, P1(1) | P2(0), SCF_PRIV, { "dev", "dir", "type", "flags", "data" } },
	{ "umount2", SYS_umount2, P1(0), SCF_PRIV, { "name", "flags" } },
	{ "init_module", SYS_init_module, PLAIN, SCF_PRIV, { "img", "length", "uargs" } },
	{ "finit_module", SYS_finit_module, FD_ARG0, SCF_PRIV, { "fd", "uargs", "flags" } },
	{ "delete_module", SYS_delete_module, P1(0), SCF_PRIV, { "name", "flags" } },
	{ "bpf", SYS_bpf, PLAIN, SCF_PRIV, { "cmd", "attr", "size" } },
	{ "unshare", SYS_unshare, PLAIN, SCF_PRIV, { "flags" } },
	{ "setns", SYS_setns, FD_ARG0, SCF_PRIV, { "fd", "nstype" } },
	{ "chroot", SYS_chroot, P1(0), SCF_PRIV, { "path" } },
	{ "pivot_root", SYS_pivot_root, P1(0) | P2(1), SCF_PRIV, { "new_root", "put_old" } },
	{ "userfaultfd", SYS_userfaultfd, PLAIN, SCF_PRIV, { "flags" } },
	{ "execveat", SYS_execveat, P1(1) | DIRFD(0), SCF_PROCESS,
	  { "dirfd", "pathname", "argv", "envp", "flags" } },
	{ "kill", SYS_kill, PLAIN, SCF_PROCESS, { "pid", "sig" } },
	{ "tkill", SYS_tkill, PLAIN, SCF_PROCESS, { "tid", "sig" } },
	{ "tgkill", SYS_tgkill, PLAIN, SCF_PROCESS, { "pid", "tid", "sig" } },
};

_Static_assert(sizeof(table) / sizeof(table[0]) < EV_SYSCALL_NR_MAX, "table fits the map");

size_t syscall_count(void)
{
	return sizeof(table) / sizeof(table[0]);
}

const struct syscall_desc *syscall_at(size_t i)
{
	return i < syscall_count() ? &table[i] : NULL;
}

/* Linear: called per event only through the decoder's cache below. */
static const struct syscall_desc *scan_nr(uint32_t nr)
{
	size_t i;

	for (i = 0; i < syscall_count(); i++)
		if (table[i].nr == nr)
			return &table[i];
	return NULL;
}

const struct syscall_desc *syscall_by_nr(uint32_t nr)
{
	static const struct syscall_desc *by_nr[EV_SYSCALL_NR_MAX];
	static int ready;
	size_t i;

	if (!ready) {
		for (i = 0; i < syscall_count(); i++)
			if (table[i].nr < EV_SYSCALL_NR_MAX)
				by_nr[table[i].nr] = &table[i];
		ready = 1;
	}
	return nr < EV_SYSCALL_NR_MAX ? by_nr[nr] : scan_nr(nr);
}

const struct syscall_desc *syscall_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < syscall_count(); i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}
