/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * THE kernel/user contract: every record the BPF sensors put on the ring
 * buffer, and every record a `palisade run --record` file stores, has the
 * layout described here. Fixed-width types only, explicit padding, sizes and
 * offsets checked at compile time on both sides of the kernel line.
 *
 * Variable-length data (paths, argv) follows the fixed part of a record, with
 * an explicit length for each piece and a truncation flag in the header: a
 * piece is never cut without the reader being told.
 */
#ifndef PALISADE_EVENTS_H
#define PALISADE_EVENTS_H

#ifndef __bpf__
#include <linux/types.h>
#endif

/* Bumped on any change to a layout below; stored in record files.
 * 3: process group / session ids in exec and fork records, the environment
 * in exec records. */
#define PALISADE_ABI_VERSION 3

enum ev_kind {
	EV_EXEC = 1,          /* a process image was replaced (execve/execveat) */
	EV_FORK = 2,          /* a new process (not a thread) was created */
	EV_EXIT = 3,          /* the last thread of a process exited */
	EV_PROC_SNAPSHOT = 4, /* user space: a process found in /proc at start */
	EV_SYSCALL = 5,       /* a watched syscall returned (success or failure) */
	EV_FD_SNAPSHOT = 6,   /* user space: an fd found in /proc at start (ev_syscall layout) */
	EV_FLOW = 7,          /* user space: a network flow started or ended (src/net/); no
			       * record of this kind exists, the decoder refuses one */
	EV_KIND_MAX,
};

/* Header flags: which parts of a record are incomplete, and why. */
#define EV_F_EXE_TRUNC (1u << 0)  /* exe path deeper/longer than the limits */
#define EV_F_ARGS_TRUNC (1u << 1) /* argv longer than EV_ARGS_MAX */
#define EV_F_CWD_TRUNC (1u << 2)  /* cwd deeper/longer than the limits */
#define EV_F_READ_FAIL (1u << 3)  /* a kernel or user memory read failed */
#define EV_F_KILLED (1u << 4)     /* EV_EXEC: the exec deny list matched, SIGKILL sent
				   * (set only when the kernel accepted the signal) */
#define EV_F_ENV_TRUNC (1u << 5)  /* environment longer than EV_ENV_MAX */
#define EV_F_PF_NAME (1u << 6)    /* EV_SYSCALL: the pre-filter's name gate kept it by the
				   * leader's name or a rename mark (bpf/prefilter_names.bpf.h) */
#define EV_F_HELD (1u << 7)       /* EV_EXEC: the first exec of a cgroup the agent had not
				   * armed: stopped (SIGSTOP) before its first instruction
				   * until the agent arms it (bpf/hold.bpf.h) */
#define EV_F_IO_URING (1u << 8)   /* EV_SYSCALL: an io_uring request the kernel ran for the
				   * process (IORING_OP_OPENAT, ...), reported as the syscall
				   * it stands for (bpf/io_uring.bpf.h) */

#define EV_COMM_LEN 16
/* Bytes of a resolved path, and path components walked, before truncation. */
#define EV_PATH_MAX 4096
#define EV_PATH_DEPTH 64
/* Bytes of the argv area (NUL-separated arguments) before truncation. */
#define EV_ARGS_MAX 4096
/* Bytes of the environment area (NUL-separated VAR=value) before truncation. */
#define EV_ENV_MAX 4096

/*
 * Paths travel as their components from the leaf up to the root, each
 * NUL-terminated ("busybox\0bin\0" for /bin/busybox): the kernel walks
 * dentries leaf-first and writing forward keeps the verifier simple. The
 * decoder joins them in reverse. Length 0 means unknown; the root alone is
 * one empty piece ("\0").
 */

/* Counters kept by the BPF side, per CPU; user space sums and reports them. */
enum ev_counter {
	CNT_RINGBUF_FULL = 0, /* a record could not be queued: event lost */
	CNT_TRUNC_PATH,       /* a path was truncated */
	CNT_TRUNC_ARGS,       /* an argv was truncated */
	CNT_READ_FAIL,        /* a bpf_probe_read_* helper failed */
	CNT_EVENTS,           /* records queued */
	CNT_PREFILTERED,      /* dropped by the rules' path pre-filter (bpf/prefilter.bpf.h) */
	CNT_SELF,             /* the agent's own activity, ignored */
	CNT_EXEC_KILLED,      /* execs killed in kernel by the deny lists */
	CNT_ENTRY_KILLED,     /* callers killed at syscall entry (bpf/process.bpf.c) */
	CNT_TRUNC_ENV,        /* an environment was truncated */
	CNT_KILL_FAILED,      /* an in-kernel SIGKILL could not be sent (user space kills) */
	CNT_HELD,             /* first execs of unarmed container cgroups held (bpf/hold.bpf.h) */
	CNT_HOLD_FAILED,      /* such an exec that could not be held (table full, signal refused) */
	CNT_PF_CACHE_HIT,     /* of CNT_PREFILTERED: judged by the cache (prefilter_cache.bpf.h) */
	CNT_MAX,
};

/*
 * Records lost to a full ring, by what they were (the lost_by map, a u64 per
 * slot and CPU): slot nr for the EV_SYSCALL record of syscall nr, slot
 * EV_SYSCALL_NR_MAX + kind for the other kinds. Only a loss writes it.
 */
#define EV_LOST_SLOTS (EV_SYSCALL_NR_MAX + EV_KIND_MAX)

/* Fixed part of every record. Describes the process the event is about. */
struct ev_header {
	__u64 ts_ns;     /* CLOCK_BOOTTIME, nanoseconds */
	__u64 cgroup_id; /* cgroup v2 id (kernfs inode) of the process */
	__u32 kind;      /* enum ev_kind */
	__u32 size;      /* whole record, header and variable data, bytes */
	__u32 pid;       /* thread-group id as seen from the host pid ns */
	__u32 tid;       /* thread that caused the event */
	__u32 ppid;      /* real parent's thread-group id */
	__u32 vpid;      /* pid inside the process's own pid namespace */
	__u32 uid;
	__u32 gid;
	__u32 euid;
	__u32 egid;
	__u32 loginuid;  /* audit login uid, 0xffffffff when unset */
	__u32 sessionid; /* audit session id */
	__u32 tty;       /* controlling tty, /proc/PID/stat encoding, 0 = none */
	__u32 mnt_ns;    /* mount namespace inode */
	__u32 pid_ns;    /* pid namespace inode */
	__u32 flags;     /* EV_F_* */
	__u64 start_ns;  /* process start, CLOCK_BOOTTIME ns: tells pid reuse */
	char comm[EV_COMM_LEN];
	/* The thread's capability sets (bit n = capability n), read at the
	 * event: setuid/capset/exec change them, so a table would go stale. */
	__u64 cap_effective;
	__u64 cap_permitted;
	__u64 cap_inheritable;
};

/* ev_exec.exe_flags: what the kernel knows about the executable's file. */
#define EV_EXE_INFO (1u << 0)        /* exe_ino/ctime/mtime and the bits below are set */
#define EV_EXE_UPPER_LAYER (1u << 1) /* on overlayfs, and present in the upper
				      * (writable) layer: created or modified
				      * after the container started */
#define EV_EXE_OVERLAY (1u << 2)     /* the file is on an overlayfs mount */
#define EV_EXE_LAYER_KNOWN (1u << 3) /* the two bits above were checked (the
				      * kernel side; /proc cannot tell) */
/*
 * What fds 0, 1 and 2 are as the new image starts (after close-on-exec):
 * EV_EXE_STDIO_KNOWN, then one EV_STDIO_* per fd, 4 bits each, from bit
 * EV_EXE_STDIO_SHIFT(fd). A shell whose stdin is a TCP socket is a reverse
 * shell whatever handed it the socket (nc -e, a dup2 in any language).
 */
#define EV_EXE_STDIO_KNOWN (1u << 4)
#define EV_EXE_STDIO_SHIFT(fd) (8 + 4 * (fd))
#define EV_STDIO_NONE 0 /* not open */
#define EV_STDIO_FILE 1 /* a file or device */
#define EV_STDIO_DIR 2
#define EV_STDIO_IPV4 3
#define EV_STDIO_IPV6 4
#define EV_STDIO_UNIX 5
#define EV_STDIO_NETLINK 6
#define EV_STDIO_SOCK_OTHER 7
#define EV_STDIO_PIPE 8

/*
 * A process's group and session (setpgid(2), setsid(2)), read at exec and
 * fork: the number in the host pid namespace, and in the process's own pid
 * namespace (0 when the group or session leader lives outside it, as
 * pid_nr_ns gives it).
 */
struct ev_pgrp {
	__u32 pgid;
	__u32 vpgid;
	__u32 sid;
	__u32 vsid;
};

/* ev_exec.env_flags */
#define EV_ENV_READ (1u << 0) /* the environment was read: env_len bytes, maybe 0 */

/* EV_EXEC and EV_PROC_SNAPSHOT: header, then exe | args | cwd | env. */
struct ev_exec {
	struct ev_header hdr;
	__u32 exe_len;  /* bytes of exe path components */
	__u32 args_len; /* bytes of argv, NUL-separated */
	__u32 cwd_len;  /* bytes of cwd path components */
	__u32 exe_flags; /* EV_EXE_* */
	__u64 exe_ino;   /* inode number of the executable */
	__u64 exe_ctime_ns; /* its ctime and mtime, ns since the epoch */
	__u64 exe_mtime_ns;
	struct ev_pgrp pgrp;
	/* The environment is read only when a loaded rule needs it (user space
	 * says so at load): without EV_ENV_READ it is unknown, not empty. */
	__u32 env_len;   /* bytes of the environment, NUL-separated VAR=value */
	__u32 env_flags; /* EV_ENV_* */
};

/* EV_FORK: the header describes the child. */
struct ev_fork {
	struct ev_header hdr;
	__u64 clone_flags; /* CLONE_* derived from what parent and child share */
	__u32 parent_tid;  /* thread of the parent that forked */
	__u32 pad;
	struct ev_pgrp pgrp; /* the child's: its parent's group, seen from its pid ns */
};

/* EV_EXIT: the header describes the process that exited. */
struct ev_exit {
	struct ev_header hdr;
	__u32 exit_code; /* wait(2) status: (code << 8) | signal | core 0x80 */
	__u32 pad;
};

/*
 * Which syscalls the syscall sensor reports, and what it reads for each:
 * one __u32 per syscall number (the build architecture's __NR_*), filled by
 * user space from the loaded rules. 0 = not watched (the program returns
 * after one array lookup).
 */
#define EV_SYSCALL_NR_MAX 512
#define SC_WATCH (1u << 0)
#define SC_PATH_ARG_SHIFT 1  /* 3 bits: arg index + 1 of a user path pointer */
#define SC_PATH2_ARG_SHIFT 4 /* 3 bits: arg index + 1 of a second user path */
#define SC_FD_RET (1u << 7)  /* on success the result is an fd: resolve it */
#define SC_FD_ARG0 (1u << 8) /* arg 0 is an fd: resolve it */
#define SC_ADDR_ARG_SHIFT 9  /* 3 bits: arg index + 1 of a user sockaddr */
#define SC_ADDRLEN_ARG_SHIFT 12 /* 3 bits: arg index + 1 of its length */
#define SC_DIRFD_ARG_SHIFT 15   /* 3 bits: arg index + 1 of the dirfd of path 1 */
/* Path 1 came from the kernel object: also send the caller's string, as
 * path 2 (set only when a rule needs fd.nameraw / evt.rawarg). */
#define SC_RAW_PATH1 (1u << 25)
#define SC_FDS_ARG_SHIFT 26    /* 3 bits: arg index + 1 of an int[2] of new fds (pipe, socketpair): copied into uaddr */
/* openat2: arg 2 points to the caller's struct open_how, arg 3 is its size;
 * the sensor reads flags, mode and resolve into args[2..4] (EV_ARGS_OPEN_HOW). */
#define SC_OPEN_HOW (1u << 29)
#define SC_ARG_FIELD(spec, shift) (((spec) >> (shift)) & 7)
/* Set from the rules by the pre-filter (src/rules/prefilter.c), not the table: */
#define SC_PF_ID_SHIFT 18    /* 4 bits: pre-filter id of this syscall, 0 = unfiltered */
#define SC_PF_FLAGS_SHIFT 22 /* 3 bits: arg index + 1 of the open flags */
#define SC_PF_ID(spec) (((spec) >> SC_PF_ID_SHIFT) & 15)

/*
 * Path pre-filter (docs/prefilter.md): an LPM trie keyed by a filter id byte,
 * then the resolved path 1 in "reversed pieces" form: the leaf-first pieces
 * of the record read backwards, which is the forward path with every '/'
 * made NUL and every component spelled backwards ("/etc/passwd" is
 * "\0cte\0dwssap"). Same length as the forward path; a forward prefix that
 * ends with '/' is a prefix here too. Paths longer than PF_PATH_MAX are never
 * dropped. The id byte is (SC_PF_ID << 2) | PF_CLASS_* bits of the event:
 * read-only open (flags known: O_RDONLY, no O_CREAT, no O_TMPFILE), and host
 * (its cgroup is in the pf_host_cgroups map: one user space resolved as no
 * container's, which it then treats as the host for good). For connect and
 * accept, PF_CLASS_RO is the loopback class instead (an IPv4 socket whose
 * addresses, and the caller's, are all in 127.0.0.0/8), and the key has no
 * path: an entry of prefixlen 8 keeps the class, none drops it.
 */
#define PF_CLASS_RO 1u
#define PF_CLASS_HOST 2u
#define PF_CLASSES 4
#define PF_PATH_MAX 255
#define PF_KEEP_PREFIX (1u << 0) /* keep every path that starts with the key */
#define PF_KEEP_EXACT (1u << 1)  /* keep the path of exactly len bytes */
struct pf_key {
	__u32 prefixlen; /* bits: 8 * (1 + path bytes) */
	__u8 id;
	__u8 path[PF_PATH_MAX];
};
struct pf_value {
	__u16 len;  /* path bytes of the entry */
	__u8 flags; /* PF_KEEP_* */
	__u8 pad;
};
/*
 * The first component of a kept entry ("etc" for "/etc/shadow" and for the
 * prefix "/etc/"; "" for the exact "/"), per id byte: a path whose first
 * component is in no entry's set can match no entry, so the kernel drops it
 * without the longest-prefix lookup. Used for an id byte only when every
 * entry has one (the prefix "/" keeps all), marked in pf_top_on; a path
 * whose first component is longer than PF_TOP_MAX bytes skips the test.
 */
#define PF_TOP_MAX 30
struct pf_top_key {
	__u8 id;
	__u8 len;
	char name[PF_TOP_MAX]; /* zero-padded */
};
/*
 * The raw-path gate: a piece the caller's own path string must contain for
 * a rule on fd.nameraw to match ("../" for Falco's directory_traversal). An
 * open no path entry and no name gate keeps is kept when its caller's path
 * contains a piece of its class (bpf/prefilter_raw.bpf.h).
 */
#define PF_RAWS_MAX 16
#define PF_RAW_MAX 29
struct pf_raw_key {
	__u8 id;
	__u8 len;
	char piece[PF_RAW_MAX + 1]; /* NUL-terminated, zero-padded */
};
/*
 * Where the pieces of one class lie in the raw-path table, by id byte: user
 * space writes each class's pieces side by side, so the kernel visits its
 * own and no other class's. count 0: the class has no raw-path gate.
 */
#define PF_IDS 64 /* id bytes: (SC_PF_ID << 2) | PF_CLASS_* bits */
struct pf_raw_span {
	__u8 start;
	__u8 count;
};
/* One map entry, as user space hands the table to the sensor. */
struct pf_entry {
	struct pf_key key;
	struct pf_value val;
};

/*
 * Name gate of the pre-filter (docs/prefilter.md): an open no path entry
 * keeps is still kept when its process's name is one a rule of the class
 * names (key: the class's id byte, as above, and the comm, NUL-padded).
 * PF_GATE_IDS: bit id set = the class with that id byte has a name gate.
 */
struct pf_name_key {
	__u8 id;
	__u8 pad[3];
	char comm[EV_COMM_LEN];
};
enum pf_gate_slot {
	PF_GATE_IDS = 0,   /* written by user space: the gated id bytes, as bits */
	PF_GATE_MARKS_FULL, /* written by the kernel: a rename mark did not fit */
	PF_GATE_UNSEEDED,   /* written by user space: its process table is not seeded yet */
	PF_GATE_SLOTS,
};

/* Path flags of an EV_SYSCALL record. */
#define EV_PATH1_RESOLVED (1u << 0) /* path 1: leaf-first pieces of a kernel object */
#define EV_PATH1_USER (1u << 1)     /* path 1: the string the caller passed */
#define EV_PATH2_USER (1u << 2)     /* path 2: the string the caller passed */
#define EV_BASE_RESOLVED (1u << 3)  /* base: the directory a relative path 1 is in */
#define EV_PATH2_RAW1 (1u << 4)     /* path 2: the caller's string for the resolved path 1 */
/* args[2], [3], [4] are the flags, mode and resolve of the caller's struct
 * open_how (openat2, SC_OPEN_HOW), read at exit; without this flag (the
 * read failed, or a record from before) they are the raw pointer and size
 * and the open's flags are unknown. */
#define EV_ARGS_OPEN_HOW (1u << 5)
/* The result is a slot of io_uring's fixed-file table, not an fd: no path. */
#define EV_FD_FIXED (1u << 6)

/*
 * EV_FD_SNAPSHOT: an fd found in /proc/PID/fd at start, as the ev_syscall
 * record of the call that makes such an fd: nr = openat (files, anonymous
 * inodes; args[2] = flags from fdinfo), socket (args = domain, type,
 * protocol; sock filled from /proc/net; args[3] = 1 for a listener),
 * pipe2 (args[1] = flags) or memfd_create. res is the fd number; path 1 is
 * the /proc/PID/fd link text (EV_PATH1_USER).
 */

/* A socket as the kernel holds it (addresses in network byte order). */
struct ev_sock {
	__u16 family;   /* AF_INET, AF_INET6, AF_UNIX; 0 = the fd is not a socket */
	__u16 type;     /* SOCK_STREAM, SOCK_DGRAM, ... */
	__u16 protocol; /* IPPROTO_TCP, ... */
	__u16 lport;    /* host byte order */
	__u16 rport;    /* host byte order */
	__u16 pad[3];
	__u8 laddr[16]; /* IPv4 in the first 4 bytes */
	__u8 raddr[16];
};

/* EV_SYSCALL: header, then path 1 | path 2 | base, each *_len bytes. */
struct ev_syscall {
	struct ev_header hdr;
	__s64 res;       /* return value: >= 0 success, -errno failure */
	__u64 args[6];   /* raw arguments, as the caller passed them */
	__u32 nr;        /* syscall number (__NR_* of the build architecture) */
	__u32 path_len;  /* path 1 bytes (see path_flags) */
	__u32 path2_len; /* path 2 bytes */
	__u32 base_len;  /* base directory bytes, leaf-first pieces */
	__u32 path_flags; /* EV_PATH*_ */
	__u16 uaddr_len;  /* bytes of uaddr: the sockaddr the caller passed */
	__u16 pad;
	__u8 uaddr[32];
	struct ev_sock sock; /* the socket behind the syscall's fd, if any */
};

/*
 * In-kernel exec deny lists (bpf/exec_deny.bpf.h): keys are paths in the
 * leaf-first form above, zero-padded to EXEC_DENY_KEY bytes; names are comms.
 * The bits say which lists hold entries (the exec_deny_kinds global).
 */
#define EXEC_DENY_KEY 256
#define EXEC_DENY_MAX 16384
#define EXEC_DENY_PATH (1u << 0)  /* exact executable path */
#define EXEC_DENY_DIR (1u << 1)   /* every executable below a directory */
#define EXEC_DENY_NAME (1u << 2)  /* process name (comm) */
#define EXEC_DENY_ARGV0 (1u << 3) /* argv[0] */
/*
 * A deny entry's value is a mask of scopes: EXEC_SCOPE_ALL applies to every
 * process; bit N (1..31) applies to processes whose cgroup has bit N in the
 * exec_scope_cgroup map (user space sets it for containers in that scope).
 */
#define EXEC_SCOPE_ALL (1u << 0)
/*
 * Syscall-entry kill (the entry_deny map, one value per syscall number):
 * ENTRY_DENY_ALL kills every caller but pid 1 and the agent; ENTRY_DENY_CONTAINERS
 * only callers in a pid namespace other than the host's (a container).
 */
#define ENTRY_DENY_ALL (1u << 0)
#define ENTRY_DENY_CONTAINERS (1u << 1)
#define EXEC_SCOPE_SLOTS 32
#define EXEC_SCOPE_CGROUPS 16384

/*
 * The hold (bpf/hold.bpf.h): the held map, thread-group id -> hold_value,
 * lists the processes stopped at their first exec in a cgroup the agent had
 * not armed; the armed map (cgroup id -> 1) lists the cgroups whose
 * enforcement is in place. User space deletes a held entry to claim its
 * release (exactly one of the releasing paths succeeds).
 */
#define HOLD_MAX 4096
struct hold_value {
	__u64 cgroup_id;
	__u64 since_ns; /* CLOCK_BOOTTIME when it was held */
};

/*
 * Learning (bpf/learn.bpf.c, attached only while a profile is learned;
 * docs/profiles.md): per cgroup, every syscall number its processes made and
 * the capabilities they exercised. Not a ring record: user space reads the
 * learn_cgroups map (key: cgroup id, value: struct learn_cgroup). The bitmaps
 * cover every syscall number, known to palisade's table or not, and depend on
 * no rule. A syscall the caller's seccomp filter refused never reaches the
 * hook (seccomp runs first), so the set is what passed the filter in force.
 */
#define LEARN_WORDS (EV_SYSCALL_NR_MAX / 64)
#define LEARN_CGROUPS_MAX 4096
struct learn_cgroup {
	__u64 syscalls[LEARN_WORDS]; /* bit nr: the workload made syscall nr (native ABI) */
	/* The runtime's init (comm "runc:[...") after it installed the
	 * container's seccomp filter: what the runtime needs the profile to allow
	 * between the filter and the workload's first instruction. Before the
	 * filter, its calls (mount, pivot_root, ...) are not the workload's. */
	__u64 runtime[LEARN_WORDS];
	__u64 caps_used;    /* bit n: a check of capability n passed (not the runtime's) */
	__u64 caps_denied;  /* bit n: a check of capability n failed */
	__u64 compat_calls; /* syscalls of the 32-bit ABI: counted, not in the bitmaps */
	__u64 other_calls;  /* numbers >= EV_SYSCALL_NR_MAX (x32 ABI): counted only */
};

/*
 * A recording's learn frame (FRAME_LEARN, type 3; docs/record-format.md):
 * what learning knew of one cgroup when it was written, with the resource
 * peaks user space read from the cgroup's files. `size` lets a later version
 * append fields: a reader takes the fields it knows and ignores the rest.
 */
#define EV_LEARN_VERSION 1
#define EV_LEARN_MEM (1u << 0)  /* mem_peak known */
#define EV_LEARN_CPU (1u << 1)  /* cpu_usage_ns and cpu_peak_milli known */
#define EV_LEARN_PIDS (1u << 2) /* pids_peak known */
#define EV_LEARN_FROM_START (1u << 3) /* learned from the cgroup's first process on */
struct ev_learn {
	__u32 version;   /* EV_LEARN_VERSION */
	__u32 size;      /* bytes of this structure as written */
	__u64 cgroup_id;
	__u64 ts_ns;     /* CLOCK_BOOTTIME when written */
	__u64 since_ns;  /* CLOCK_BOOTTIME when learning began */
	struct learn_cgroup seen;
	__u64 mem_peak;       /* bytes */
	__u64 cpu_usage_ns;   /* CPU time of the cgroup while learned */
	__u32 cpu_peak_milli; /* highest use over one sampling interval, 1/1000 CPU */
	__u32 pids_peak;
	__u32 flags;          /* EV_LEARN_* */
	__u32 pad;
};

/* Largest record a sensor builds (scratch sizing); slack for the last read. */
#define EV_EXEC_DATA_MAX (EV_PATH_MAX + EV_ARGS_MAX + EV_PATH_MAX + EV_ENV_MAX)

#define EV_ASSERT(cond) _Static_assert(cond, #cond)
EV_ASSERT(sizeof(struct ev_header) == 128);
EV_ASSERT(__builtin_offsetof(struct ev_header, start_ns) == 80);
EV_ASSERT(__builtin_offsetof(struct ev_header, comm) == 88);
EV_ASSERT(__builtin_offsetof(struct ev_header, cap_effective) == 104);
EV_ASSERT(sizeof(struct ev_pgrp) == 16);
EV_ASSERT(__builtin_offsetof(struct ev_exec, pgrp) == 168);
EV_ASSERT(__builtin_offsetof(struct ev_exec, env_len) == 184);
EV_ASSERT(sizeof(struct ev_exec) == 192);
EV_ASSERT(__builtin_offsetof(struct ev_fork, pgrp) == 144);
EV_ASSERT(sizeof(struct ev_fork) == 160);
EV_ASSERT(sizeof(struct ev_exit) == 136);
EV_ASSERT(sizeof(struct hold_value) == 16);
EV_ASSERT(sizeof(struct ev_sock) == 48);
EV_ASSERT(sizeof(struct ev_syscall) == 288);
EV_ASSERT(sizeof(struct pf_key) == 260);
EV_ASSERT(sizeof(struct pf_value) == 4);
EV_ASSERT(sizeof(struct pf_top_key) == 32);
EV_ASSERT(sizeof(struct pf_raw_key) == 32);
EV_ASSERT(sizeof(struct pf_raw_span) == 2);
EV_ASSERT(sizeof(struct pf_name_key) == 20);
EV_ASSERT((15u << 2 | 3u) < 64); /* every id byte has a bit in PF_GATE_IDS */
EV_ASSERT((15u << 2 | 3u) < PF_IDS);
EV_ASSERT(PF_RAWS_MAX <= 255); /* a span's start and count fit a byte */
EV_ASSERT(__builtin_offsetof(struct ev_syscall, sock) % 8 == 0);
EV_ASSERT((EV_PATH_MAX & (EV_PATH_MAX - 1)) == 0);
/* The spec word's fields must not overlap (two branches once collided). */
EV_ASSERT(((7u << SC_DIRFD_ARG_SHIFT) & ((15u << SC_PF_ID_SHIFT) | (7u << SC_PF_FLAGS_SHIFT) |
					  SC_RAW_PATH1 | (7u << SC_FDS_ARG_SHIFT))) == 0);
EV_ASSERT(((15u << SC_PF_ID_SHIFT) & ((7u << SC_PF_FLAGS_SHIFT) | SC_RAW_PATH1 |
				      (7u << SC_FDS_ARG_SHIFT))) == 0);
EV_ASSERT(((7u << SC_PF_FLAGS_SHIFT) & (SC_RAW_PATH1 | (7u << SC_FDS_ARG_SHIFT))) == 0);
EV_ASSERT((SC_RAW_PATH1 & (7u << SC_FDS_ARG_SHIFT)) == 0);
EV_ASSERT((7u << SC_FDS_ARG_SHIFT) <= (1u << 31));
EV_ASSERT((SC_OPEN_HOW & ((1u << 29) - 1)) == 0); /* above every field of the spec word */
EV_ASSERT((EV_ARGS_MAX & (EV_ARGS_MAX - 1)) == 0);
EV_ASSERT(EV_SYSCALL_NR_MAX % 64 == 0);
EV_ASSERT(sizeof(struct learn_cgroup) == 160);
EV_ASSERT(__builtin_offsetof(struct ev_learn, seen) == 32);
EV_ASSERT(sizeof(struct ev_learn) == 224);
EV_ASSERT((EV_ENV_MAX & (EV_ENV_MAX - 1)) == 0);

#endif /* PALISADE_EVENTS_H */
