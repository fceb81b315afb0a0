/*
 * The syscalls palisade can report, each described once, as one row (as
 * falcosecurity/libs' event table does): Falco's event-type name, the build
 * architecture's number, what the kernel side reads (the SC_* spec of
 * bpf/events.h), each argument's name and kind with its flag or name table,
 * its effect on the caller's fds, and how an open's flags are known. The
 * sensor fills its in-kernel interest map from this table, the decoder names
 * events with it, the rule engine renders evt.arg.* from it, the fd table
 * follows fds by it, the pre-filters and the fanotify plan pick their
 * syscalls from it. Adding a syscall is adding a row (docs/architecture.md).
 */
#ifndef PALISADE_SYSCALLS_H
#define PALISADE_SYSCALLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "events.h"

enum syscall_family {
	SCF_FILE,    /* paths: open, rename, unlink, chmod, ... */
	SCF_FD,      /* fd bookkeeping: dup, close, fcntl, pipe */
	SCF_NET,     /* sockets */
	SCF_PRIV,    /* credentials, namespaces, mounts, modules, tracing */
	SCF_PROCESS, /* execveat, kill */
};

/* A value's symbolic name: a flag bit, or one value of an enumeration. */
struct sc_name {
	uint64_t bit;
	const char *name;
};
struct sc_names {
	const struct sc_name *v;
	size_t n;
};
/* The name tables, one each (syscall_names.c), shared by every reader. */
extern const struct sc_names sc_clone_names, sc_open_names, sc_mode_names, sc_at_names,
	sc_rename_names, sc_memfd_names, sc_mount_names, sc_umount_names, sc_fdflag_names,
	sc_finit_names, sc_ptrace_names, sc_af_names, sc_bpf_cmd_names, sc_resolve_names;
/* Appends the names of v's bits in t ("A|B") to p[0..n); unnamed bits as a
 * number. Returns the new length (cut at cap). */
size_t sc_flags_text(uint64_t v, const struct sc_names *t, char *p, size_t n, size_t cap);
/* The entries of t (the first 64) whose name contains needle, as a bit per
 * entry; and whether sc_flags_text(v, t) would write a name of such a set. */
uint64_t sc_names_containing(const struct sc_names *t, const char *needle);
bool sc_flags_named(uint64_t v, const struct sc_names *t, uint64_t which);

/* What an argument is: how it renders, what it names. */
enum sc_arg_kind {
	SA_NONE,
	SA_NUM,      /* unsigned decimal */
	SA_INT,      /* int: fds, pids, as signed 32-bit */
	SA_DIRFD,    /* an fd a path argument is relative to (AT_FDCWD: the cwd) */
	SA_HEX,      /* addresses, unnamed flags */
	SA_OCT,      /* permission bits of open/mkdir */
	SA_FLAGS,    /* bit set, names from the arg's table */
	SA_ENUM,     /* one value, name from the arg's table */
	SA_MODE,     /* chmod family: S_I* names */
	SA_OPEN,     /* open flags: the access mode, then the other bits */
	SA_UID,      /* user name when known */
	SA_GID,      /* group name when known */
	SA_SIGNAL,   /* SIGKILL */
	SA_PATH,     /* a path the record carries (path 1 or 2 by the spec), a file */
	SA_TEXT,     /* the same, but free text: a symlink target, a module name */
	SA_SOCKADDR, /* the sockaddr the caller passed */
	SA_POINTER,  /* a user pointer to data palisade does not read */
};

struct sc_arg {
	const char *name; /* evt.arg.NAME, the JSON's args; NULL: unused */
	uint8_t kind;     /* enum sc_arg_kind */
	const struct sc_names *names; /* SA_FLAGS, SA_ENUM */
};

/* What the call does to the caller's fd table (the fd table follows these). */
enum sc_fd_effect {
	FDE_NONE,
	FDE_OPEN,      /* a new fd of the opened file: the return value */
	FDE_MEMFD,
	FDE_SOCKET,
	FDE_ACCEPT,    /* a new connected socket */
	FDE_CONNECT,   /* the fd's peer */
	FDE_BIND,
	FDE_LISTEN,
	FDE_DUP,
	FDE_FCNTL,     /* F_DUPFD*, FD_CLOEXEC */
	FDE_CLOSE,
	FDE_PIPE,      /* two new fds at the int[2] argument (pipe*, socketpair) */
	FDE_EVENTFD,   /* a new fd of an anonymous inode, of this type ... */
	FDE_EVENTPOLL,
	FDE_INOTIFY,
	FDE_SIGNALFD,
	FDE_TIMERFD,
};

/* How an open-family call's flags are known. */
enum sc_open {
	SCO_NONE,  /* not an open */
	SCO_FLAGS, /* in its SA_OPEN argument */
	SCO_HOW,   /* in a struct open_how (openat2): the sensor reads flags, mode and
		    * resolve into args 2..4; unknown without EV_ARGS_OPEN_HOW */
	SCO_CREAT, /* implied: O_CREAT|O_WRONLY|O_TRUNC */
};

/* Other roles. */
enum {
	SCT_SEND = 1 << 0, /* sends data on a socket (sendto, sendmsg) */
	SCT_EXEC = 1 << 1, /* runs a new program (execveat; execve is the process sensor's) */
};

struct syscall_desc {
	const char *name; /* Falco's evt.type */
	uint32_t nr;      /* __NR_* of this architecture */
	uint32_t spec;    /* SC_* bits for the kernel side */
	enum syscall_family family;
	struct sc_arg args[6];
	uint8_t fd;     /* enum sc_fd_effect */
	uint8_t open;   /* enum sc_open */
	uint8_t traits; /* SCT_* */
};

size_t syscall_count(void);
const struct syscall_desc *syscall_at(size_t i);
/* Thread-safe (the table is built once, under pthread_once). */
const struct syscall_desc *syscall_by_nr(uint32_t nr);
const struct syscall_desc *syscall_by_name(const char *name);
/* The index of the argument named `name`, -1 when it has none. */
int syscall_arg_index(const struct syscall_desc *sc, const char *name);
/* Is `evttype` (Falco's name) an open-family event? An exec? By the rows;
 * execve is the process sensor's event, an exec too. */
bool syscall_name_is_open(const char *evttype, size_t len);
bool syscall_name_is_exec(const char *evttype, size_t len);

#endif
