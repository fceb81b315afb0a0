/*
 * The syscall table: one row per syscall (syscalls.h says what a row holds).
 * Everything about a syscall that palisade knows is in its row; readers
 * derive their lists from the rows, never from names of their own.
 */
#include <pthread.h>
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

/* A row's identity: Falco's name, this architecture's number, the kernel
 * side's spec, the family. */
#define SC(n, nr_, spec_, fam) .name = n, .nr = nr_, .spec = spec_, .family = fam

/* Arguments: name, kind, and the name table of flags and enumerations. */
#define A_NUM(n) { n, SA_NUM, NULL }
#define A_INT(n) { n, SA_INT, NULL }
#define A_DIRFD(n) { n, SA_DIRFD, NULL }
#define A_HEX(n) { n, SA_HEX, NULL }
#define A_OCT(n) { n, SA_OCT, NULL }
#define A_MODE(n) { n, SA_MODE, NULL }
#define A_OPEN(n) { n, SA_OPEN, NULL }
#define A_UID(n) { n, SA_UID, NULL }
#define A_GID(n) { n, SA_GID, NULL }
#define A_SIGNAL(n) { n, SA_SIGNAL, NULL }
#define A_PATH(n) { n, SA_PATH, NULL }
#define A_TEXT(n) { n, SA_TEXT, NULL }
#define A_SOCKADDR(n) { n, SA_SOCKADDR, NULL }
#define A_POINTER(n) { n, SA_POINTER, NULL }
#define A_FLAGS(n, t) { n, SA_FLAGS, &sc_##t##_names }
#define A_ENUM(n, t) { n, SA_ENUM, &sc_##t##_names }

/* Legacy calls (open, rename, ...) exist on x86-64 but not on arm64. */
static const struct syscall_desc table[] = {
#ifdef SYS_open
	{ SC("open", SYS_open, P1(0) | FD_RET, SCF_FILE),
	  .args = { A_PATH("name"), A_OPEN("flags"), A_OCT("mode") }, .fd = FDE_OPEN, .open = SCO_FLAGS },
#endif
	{ SC("openat", SYS_openat, P1(1) | DIRFD(0) | FD_RET, SCF_FILE),
	  .args = { A_DIRFD("dirfd"), A_PATH("name"), A_OPEN("flags"), A_OCT("mode") },
	  .fd = FDE_OPEN, .open = SCO_FLAGS },
#ifdef SYS_openat2
	/* The flags, mode and resolve of its struct open_how, read by the
	 * sensor, replace the pointer and size (EV_ARGS_OPEN_HOW). */
	{ SC("openat2", SYS_openat2, P1(1) | DIRFD(0) | FD_RET | SC_OPEN_HOW, SCF_FILE),
	  .args = { A_DIRFD("dirfd"), A_PATH("name"), A_OPEN("flags"), A_OCT("mode"),
	    A_FLAGS("resolve", resolve) },
	  .fd = FDE_OPEN, .open = SCO_HOW },
#endif
	/* A file handle (name_to_handle_at), not a path: the path is the
	 * opened file's, on success only. */
	{ SC("open_by_handle_at", SYS_open_by_handle_at, FD_RET, SCF_FILE),
	  .args = { A_INT("mountfd"), A_POINTER("handle"), A_OPEN("flags") },
	  .fd = FDE_OPEN, .open = SCO_FLAGS },
#ifdef SYS_creat
	{ SC("creat", SYS_creat, P1(0) | FD_RET, SCF_FILE),
	  .args = { A_PATH("name"), A_OCT("mode") }, .fd = FDE_OPEN, .open = SCO_CREAT },
#endif
#ifdef SYS_rename
	{ SC("rename", SYS_rename, P1(0) | P2(1), SCF_FILE),
	  .args = { A_PATH("oldpath"), A_PATH("newpath") } },
#endif
	{ SC("renameat", SYS_renameat, P1(1) | DIRFD(0) | P2(3), SCF_FILE),
	  .args = { A_DIRFD("olddirfd"), A_PATH("oldpath"), A_DIRFD("newdirfd"), A_PATH("newpath") } },
	{ SC("renameat2", SYS_renameat2, P1(1) | DIRFD(0) | P2(3), SCF_FILE),
	  .args = { A_DIRFD("olddirfd"), A_PATH("oldpath"), A_DIRFD("newdirfd"), A_PATH("newpath"),
	    A_FLAGS("flags", rename) } },
#ifdef SYS_unlink
	{ SC("unlink", SYS_unlink, P1(0), SCF_FILE),
	  .args = { A_PATH("path") } },
#endif
	{ SC("unlinkat", SYS_unlinkat, P1(1) | DIRFD(0), SCF_FILE),
	  .args = { A_DIRFD("dirfd"), A_PATH("name"), A_FLAGS("flags", at) } },
#ifdef SYS_mkdir
	{ SC("mkdir", SYS_mkdir, P1(0), SCF_FILE),
	  .args = { A_PATH("path"), A_OCT("mode") } },
#endif
	{ SC("mkdirat", SYS_mkdirat, P1(1) | DIRFD(0), SCF_FILE),
	  .args = { A_DIRFD("dirfd"), A_PATH("path"), A_OCT("mode") } },
#ifdef SYS_rmdir
	{ SC("rmdir", SYS_rmdir, P1(0), SCF_FILE),
	  .args = { A_PATH("path") } },
#endif
#ifdef SYS_chmod
	{ SC("chmod", SYS_chmod, P1(0), SCF_FILE),
	  .args = { A_PATH("filename"), A_MODE("mode") } },
#endif
	{ SC("fchmod", SYS_fchmod, FD_ARG0, SCF_FILE),
	  .args = { A_INT("fd"), A_MODE("mode") } },
	{ SC("truncate", SYS_truncate, P1(0), SCF_FILE),
	  .args = { A_PATH("path"), A_NUM("length") } },
	{ SC("ftruncate", SYS_ftruncate, FD_ARG0, SCF_FILE),
	  .args = { A_INT("fd"), A_NUM("length") } },
	{ SC("fchmodat", SYS_fchmodat, P1(1) | DIRFD(0), SCF_FILE),
	  .args = { A_DIRFD("dirfd"), A_PATH("filename"), A_MODE("mode") } },
#ifdef SYS_chown
	{ SC("chown", SYS_chown, P1(0), SCF_FILE),
	  .args = { A_PATH("path"), A_UID("uid"), A_GID("gid") } },
#endif
#ifdef SYS_lchown
	{ SC("lchown", SYS_lchown, P1(0), SCF_FILE),
	  .args = { A_PATH("path"), A_UID("uid"), A_GID("gid") } },
#endif
	{ SC("fchown", SYS_fchown, FD_ARG0, SCF_FILE),
	  .args = { A_INT("fd"), A_UID("uid"), A_GID("gid") } },
	{ SC("fchownat", SYS_fchownat, P1(1) | DIRFD(0), SCF_FILE),
	  .args = { A_DIRFD("dirfd"), A_PATH("pathname"), A_UID("uid"), A_GID("gid"),
	    A_FLAGS("flags", at) } },
	/* Extended attributes (security.capability among them): the name is
	 * the second string the record carries. */
	{ SC("setxattr", SYS_setxattr, P1(0) | P2(1), SCF_FILE),
	  .args = { A_PATH("path"), A_TEXT("name"), A_POINTER("value"), A_NUM("size"),
	    A_HEX("flags") } },
	{ SC("lsetxattr", SYS_lsetxattr, P1(0) | P2(1), SCF_FILE),
	  .args = { A_PATH("path"), A_TEXT("name"), A_POINTER("value"), A_NUM("size"),
	    A_HEX("flags") } },
	{ SC("fsetxattr", SYS_fsetxattr, FD_ARG0 | P2(1), SCF_FILE),
	  .args = { A_INT("fd"), A_TEXT("name"), A_POINTER("value"), A_NUM("size"),
	    A_HEX("flags") } },
	{ SC("removexattr", SYS_removexattr, P1(0) | P2(1), SCF_FILE),
	  .args = { A_PATH("path"), A_TEXT("name") } },
	{ SC("lremovexattr", SYS_lremovexattr, P1(0) | P2(1), SCF_FILE),
	  .args = { A_PATH("path"), A_TEXT("name") } },
	{ SC("fremovexattr", SYS_fremovexattr, FD_ARG0 | P2(1), SCF_FILE),
	  .args = { A_INT("fd"), A_TEXT("name") } },
#ifdef SYS_link
	{ SC("link", SYS_link, P1(0) | P2(1), SCF_FILE),
	  .args = { A_PATH("oldpath"), A_PATH("newpath") } },
#endif
	{ SC("linkat", SYS_linkat, P1(1) | DIRFD(0) | P2(3), SCF_FILE),
	  .args = { A_DIRFD("olddir"), A_PATH("oldpath"), A_DIRFD("newdir"), A_PATH("newpath"),
	    A_FLAGS("flags", at) } },
#ifdef SYS_symlink
	{ SC("symlink", SYS_symlink, P1(0) | P2(1), SCF_FILE),
	  .args = { A_TEXT("target"), A_PATH("linkpath") } },
#endif
	{ SC("symlinkat", SYS_symlinkat, P1(0) | P2(2), SCF_FILE),
	  .args = { A_TEXT("target"), A_DIRFD("linkdirfd"), A_PATH("linkpath") } },
	{ SC("memfd_create", SYS_memfd_create, P1(0) | FD_RET, SCF_FILE),
	  .args = { A_TEXT("name"), A_FLAGS("flags", memfd) }, .fd = FDE_MEMFD },
	{ SC("dup", SYS_dup, FD_ARG0, SCF_FD),
	  .args = { A_INT("oldfd") }, .fd = FDE_DUP },
#ifdef SYS_dup2
	{ SC("dup2", SYS_dup2, FD_ARG0, SCF_FD),
	  .args = { A_INT("oldfd"), A_INT("newfd") }, .fd = FDE_DUP },
#endif
	{ SC("dup3", SYS_dup3, FD_ARG0, SCF_FD),
	  .args = { A_INT("oldfd"), A_INT("newfd"), A_FLAGS("flags", fdflag) }, .fd = FDE_DUP },
	/* By sys_exit the fd is gone: nothing to resolve, the fd table knows it. */
	{ SC("close", SYS_close, PLAIN, SCF_FD),
	  .args = { A_INT("fd") }, .fd = FDE_CLOSE },
	{ SC("fcntl", SYS_fcntl, FD_ARG0, SCF_FD),
	  .args = { A_INT("fd"), A_NUM("cmd"), A_NUM("arg") }, .fd = FDE_FCNTL },
#ifdef SYS_pipe
	{ SC("pipe", SYS_pipe, FDS(0), SCF_FD),
	  .args = { A_POINTER("fds") }, .fd = FDE_PIPE },
#endif
	{ SC("pipe2", SYS_pipe2, FDS(0), SCF_FD),
	  .args = { A_POINTER("fds"), A_HEX("flags") }, .fd = FDE_PIPE },
	{ SC("socketpair", SYS_socketpair, FDS(3), SCF_FD),
	  .args = { A_ENUM("domain", af), A_NUM("type"), A_NUM("proto"), A_POINTER("fds") },
	  .fd = FDE_PIPE },
	/* fds of anonymous inodes: the fd table follows them (fd.type event, ...). */
	{ SC("eventfd2", SYS_eventfd2, FD_RET, SCF_FD),
	  .args = { A_NUM("initval"), A_HEX("flags") }, .fd = FDE_EVENTFD },
	{ SC("epoll_create1", SYS_epoll_create1, FD_RET, SCF_FD),
	  .args = { A_HEX("flags") }, .fd = FDE_EVENTPOLL },
	{ SC("inotify_init1", SYS_inotify_init1, FD_RET, SCF_FD),
	  .args = { A_HEX("flags") }, .fd = FDE_INOTIFY },
	{ SC("signalfd4", SYS_signalfd4, FD_RET, SCF_FD),
	  .args = { A_INT("fd"), A_NUM("mask"), A_NUM("sizemask"), A_HEX("flags") }, .fd = FDE_SIGNALFD },
	{ SC("timerfd_create", SYS_timerfd_create, FD_RET, SCF_FD),
	  .args = { A_NUM("clockid"), A_HEX("flags") }, .fd = FDE_TIMERFD },
	{ SC("socket", SYS_socket, FD_RET, SCF_NET),
	  .args = { A_ENUM("domain", af), A_NUM("type"), A_NUM("proto") }, .fd = FDE_SOCKET },
	{ SC("connect", SYS_connect, FD_ARG0 | ADDR(1, 2), SCF_NET),
	  .args = { A_INT("fd"), A_SOCKADDR("addr"), A_NUM("addrlen") }, .fd = FDE_CONNECT },
	{ SC("accept", SYS_accept, FD_RET, SCF_NET),
	  .args = { A_INT("fd"), A_POINTER("addr"), A_POINTER("addrlen") }, .fd = FDE_ACCEPT },
	{ SC("accept4", SYS_accept4, FD_RET, SCF_NET),
	  .args = { A_INT("fd"), A_POINTER("addr"), A_POINTER("addrlen"), A_FLAGS("flags", fdflag) },
	  .fd = FDE_ACCEPT },
	{ SC("bind", SYS_bind, FD_ARG0 | ADDR(1, 2), SCF_NET),
	  .args = { A_INT("fd"), A_SOCKADDR("addr"), A_NUM("addrlen") }, .fd = FDE_BIND },
	{ SC("listen", SYS_listen, FD_ARG0, SCF_NET),
	  .args = { A_INT("fd"), A_INT("backlog") }, .fd = FDE_LISTEN },
	{ SC("sendto", SYS_sendto, FD_ARG0 | ADDR(4, 5), SCF_NET),
	  .args = { A_INT("fd"), A_POINTER("data"), A_NUM("size"), A_HEX("flags"), A_SOCKADDR("addr"),
	    A_NUM("addrlen") },
	  .traits = SCT_SEND },
	{ SC("sendmsg", SYS_sendmsg, FD_ARG0, SCF_NET),
	  .args = { A_INT("fd"), A_POINTER("msg"), A_HEX("flags") }, .traits = SCT_SEND },
	{ SC("setuid", SYS_setuid, PLAIN, SCF_PRIV),
	  .args = { A_UID("uid") } },
	{ SC("setgid", SYS_setgid, PLAIN, SCF_PRIV),
	  .args = { A_GID("gid") } },
	{ SC("setreuid", SYS_setreuid, PLAIN, SCF_PRIV),
	  .args = { A_UID("ruid"), A_UID("euid") } },
	{ SC("setregid", SYS_setregid, PLAIN, SCF_PRIV),
	  .args = { A_GID("rgid"), A_GID("egid") } },
	{ SC("setresuid", SYS_setresuid, PLAIN, SCF_PRIV),
	  .args = { A_UID("ruid"), A_UID("euid"), A_UID("suid") } },
	{ SC("setresgid", SYS_setresgid, PLAIN, SCF_PRIV),
	  .args = { A_GID("rgid"), A_GID("egid"), A_GID("sgid") } },
	{ SC("capset", SYS_capset, PLAIN, SCF_PRIV),
	  .args = { A_POINTER("hdrp"), A_POINTER("datap") } },
	{ SC("ptrace", SYS_ptrace, PLAIN, SCF_PRIV),
	  .args = { A_ENUM("request", ptrace), A_INT("pid"), A_HEX("addr"), A_HEX("data") } },
	{ SC("process_vm_readv", SYS_process_vm_readv, PLAIN, SCF_PRIV),
	  .args = { A_INT("pid") } },
	{ SC("process_vm_writev", SYS_process_vm_writev, PLAIN, SCF_PRIV),
	  .args = { A_INT("pid") } },
	{ SC("mount", SYS_mount, P1(1) | P2(0), SCF_PRIV),
	  .args = { A_TEXT("dev"), A_PATH("dir"), A_POINTER("type"), A_FLAGS("flags", mount),
	    A_POINTER("data") } },
	{ SC("umount2", SYS_umount2, P1(0), SCF_PRIV),
	  .args = { A_PATH("name"), A_FLAGS("flags", umount) } },
	{ SC("init_module", SYS_init_module, PLAIN, SCF_PRIV),
	  .args = { A_POINTER("img"), A_NUM("length"), A_POINTER("uargs") } },
	{ SC("finit_module", SYS_finit_module, FD_ARG0, SCF_PRIV),
	  .args = { A_INT("fd"), A_POINTER("uargs"), A_FLAGS("flags", finit) } },
	{ SC("delete_module", SYS_delete_module, P1(0), SCF_PRIV),
	  .args = { A_TEXT("name"), A_HEX("flags") } },
	{ SC("bpf", SYS_bpf, PLAIN, SCF_PRIV),
	  .args = { A_ENUM("cmd", bpf_cmd), A_POINTER("attr"), A_NUM("size") } },
	{ SC("unshare", SYS_unshare, PLAIN, SCF_PRIV),
	  .args = { A_FLAGS("flags", clone) } },
	{ SC("setns", SYS_setns, FD_ARG0, SCF_PRIV),
	  .args = { A_INT("fd"), A_FLAGS("nstype", clone) } },
	{ SC("chroot", SYS_chroot, P1(0), SCF_PRIV),
	  .args = { A_PATH("path") } },
	{ SC("pivot_root", SYS_pivot_root, P1(0) | P2(1), SCF_PRIV),
	  .args = { A_PATH("new_root"), A_PATH("put_old") } },
	{ SC("userfaultfd", SYS_userfaultfd, PLAIN, SCF_PRIV),
	  .args = { A_FLAGS("flags", fdflag) } },
	/* io_uring: its opens and connects are reported as openat, openat2 and
	 * connect (bpf/io_uring.bpf.h); the ring itself, here. */
	{ SC("io_uring_setup", SYS_io_uring_setup, PLAIN, SCF_PRIV),
	  .args = { A_NUM("entries"), A_POINTER("params") } },
	{ SC("io_uring_enter", SYS_io_uring_enter, PLAIN, SCF_PRIV),
	  .args = { A_INT("fd"), A_NUM("to_submit"), A_NUM("min_complete"), A_HEX("flags"),
	    A_POINTER("sig"), A_NUM("sigsz") } },
	{ SC("io_uring_register", SYS_io_uring_register, PLAIN, SCF_PRIV),
	  .args = { A_INT("fd"), A_NUM("opcode"), A_POINTER("arg"), A_NUM("nr_args") } },
	{ SC("execveat", SYS_execveat, P1(1) | DIRFD(0), SCF_PROCESS),
	  .args = { A_DIRFD("dirfd"), A_PATH("pathname"), A_POINTER("argv"), A_POINTER("envp"),
	    A_FLAGS("flags", at) },
	  .traits = SCT_EXEC },
	{ SC("kill", SYS_kill, PLAIN, SCF_PROCESS),
	  .args = { A_INT("pid"), A_SIGNAL("sig") } },
	{ SC("tkill", SYS_tkill, PLAIN, SCF_PROCESS),
	  .args = { A_INT("tid"), A_SIGNAL("sig") } },
	{ SC("tgkill", SYS_tgkill, PLAIN, SCF_PROCESS),
	  .args = { A_INT("pid"), A_INT("tid"), A_SIGNAL("sig") } },
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

static const struct syscall_desc *by_nr[EV_SYSCALL_NR_MAX];
static pthread_once_t by_nr_once = PTHREAD_ONCE_INIT;

static void index_by_nr(void)
{
	for (size_t i = 0; i < syscall_count(); i++)
		if (table[i].nr < EV_SYSCALL_NR_MAX)
			by_nr[table[i].nr] = &table[i];
}

/* The event thread and the fanotify guard's thread both look syscalls up:
 * the index is built once, under pthread_once. */
const struct syscall_desc *syscall_by_nr(uint32_t nr)
{
	pthread_once(&by_nr_once, index_by_nr);
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

int syscall_arg_index(const struct syscall_desc *sc, const char *name)
{
	for (int i = 0; i < 6; i++)
		if (sc->args[i].name && strcmp(sc->args[i].name, name) == 0)
			return i;
	return -1;
}

static const struct syscall_desc *by_name_len(const char *name, size_t len)
{
	for (size_t i = 0; i < syscall_count(); i++)
		if (strlen(table[i].name) == len && !memcmp(table[i].name, name, len))
			return &table[i];
	return NULL;
}

bool syscall_name_is_open(const char *evttype, size_t len)
{
	const struct syscall_desc *d = by_name_len(evttype, len);

	return d && d->open != SCO_NONE;
}

bool syscall_name_is_exec(const char *evttype, size_t len)
{
	const struct syscall_desc *d = by_name_len(evttype, len);

	return (len == 6 && !memcmp(evttype, "execve", 6)) || (d && (d->traits & SCT_EXEC));
}
