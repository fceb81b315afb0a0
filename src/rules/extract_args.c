/*
 * Arguments of syscall events (EV_SYSCALL) as Falco rules see them:
 * evt.arg.NAME / evt.arg[N] rendered as text (paths absolute, flags and
 * enums by their symbolic names: "O_WRONLY|O_CREAT|O_TRUNC", "AF_PACKET",
 * "PTRACE_ATTACH", "S_ISUID", uids by user name), evt.rawarg as the raw
 * value, evt.args, and the errno names of evt.res.
 *
 * The argument names come from the one syscall table (src/event/syscalls.c);
 * what is derived here from those names (which argument holds the open
 * flags, which path is free text rather than a file, ...) is computed once
 * per syscall and cached by table index. No allocation per event: composed
 * strings go to the caller's scratch buffer.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "event/syscalls.h"
#include "proc/proc.h"
#include "rules/field_ids.h"

struct flag_name {
	uint64_t bit;
	const char *name;
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static const struct flag_name clone_names[] = {
	{ 0x00000100, "CLONE_VM" }, { 0x00000200, "CLONE_FS" }, { 0x00000400, "CLONE_FILES" },
	{ 0x00000800, "CLONE_SIGHAND" }, { 0x00001000, "CLONE_PIDFD" },
	{ 0x00002000, "CLONE_PTRACE" }, { 0x00004000, "CLONE_VFORK" },
	{ 0x00008000, "CLONE_PARENT" }, { 0x00010000, "CLONE_THREAD" },
	{ 0x00020000, "CLONE_NEWNS" }, { 0x00040000, "CLONE_SYSVSEM" },
	{ 0x00080000, "CLONE_SETTLS" }, { 0x00100000, "CLONE_PARENT_SETTID" },
	{ 0x00200000, "CLONE_CHILD_CLEARTID" }, { 0x00800000, "CLONE_UNTRACED" },
	{ 0x01000000, "CLONE_CHILD_SETTID" }, { 0x02000000, "CLONE_NEWCGROUP" },
	{ 0x04000000, "CLONE_NEWUTS" }, { 0x08000000, "CLONE_NEWIPC" },
	{ 0x10000000, "CLONE_NEWUSER" }, { 0x20000000, "CLONE_NEWPID" },
	{ 0x40000000, "CLONE_NEWNET" }, { 0x80000000, "CLONE_IO" },
};

/* Open flags other than the access mode, with this architecture's values. */
static const struct flag_name open_names[] = {
	/* Multi-bit values first: O_SYNC includes O_DSYNC, O_TMPFILE O_DIRECTORY. */
	{ O_SYNC, "O_SYNC" }, { O_TMPFILE, "O_TMPFILE" },
	{ O_CREAT, "O_CREAT" }, { O_EXCL, "O_EXCL" }, { O_NOCTTY, "O_NOCTTY" },
	{ O_TRUNC, "O_TRUNC" }, { O_APPEND, "O_APPEND" }, { O_NONBLOCK, "O_NONBLOCK" },
	{ O_DSYNC, "O_DSYNC" }, { O_DIRECT, "O_DIRECT" },
	{ O_DIRECTORY, "O_DIRECTORY" }, { O_NOFOLLOW, "O_NOFOLLOW" }, { O_NOATIME, "O_NOATIME" },
	{ O_CLOEXEC, "O_CLOEXEC" }, { O_PATH, "O_PATH" },
#if __O_LARGEFILE
	{ __O_LARGEFILE, "O_LARGEFILE" },
#endif
};

static const struct flag_name mode_names[] = {
	{ 04000, "S_ISUID" }, { 02000, "S_ISGID" }, { 01000, "S_ISVTX" },
	{ 0400, "S_IRUSR" }, { 0200, "S_IWUSR" }, { 0100, "S_IXUSR" },
	{ 040, "S_IRGRP" }, { 020, "S_IWGRP" }, { 010, "S_IXGRP" },
	{ 04, "S_IROTH" }, { 02, "S_IWOTH" }, { 01, "S_IXOTH" },
};

static const struct flag_name at_names[] = {
	{ 0x100, "AT_SYMLINK_NOFOLLOW" }, { 0x200, "AT_REMOVEDIR" },
	{ 0x400, "AT_SYMLINK_FOLLOW" }, { 0x800, "AT_NO_AUTOMOUNT" }, { 0x1000, "AT_EMPTY_PATH" },
};

static const struct flag_name rename_names[] = {
	{ 1, "RENAME_NOREPLACE" }, { 2, "RENAME_EXCHANGE" }, { 4, "RENAME_WHITEOUT" },
};

static const struct flag_name memfd_names[] = {
	{ 1, "MFD_CLOEXEC" }, { 2, "MFD_ALLOW_SEALING" }, { 4, "MFD_HUGETLB" },
	{ 8, "MFD_NOEXEC_SEAL" }, { 0x10, "MFD_EXEC" },
};

static const struct flag_name mount_names[] = {
	{ 1, "MS_RDONLY" }, { 2, "MS_NOSUID" }, { 4, "MS_NODEV" }, { 8, "MS_NOEXEC" },
	{ 16, "MS_SYNCHRONOUS" }, { 32, "MS_REMOUNT" }, { 64, "MS_MANDLOCK" },
	{ 128, "MS_DIRSYNC" }, { 1024, "MS_NOATIME" }, { 2048, "MS_NODIRATIME" },
	{ 4096, "MS_BIND" }, { 8192, "MS_MOVE" }, { 16384, "MS_REC" }, { 32768, "MS_SILENT" },
	{ 1 << 16, "MS_POSIXACL" }, { 1 << 17, "MS_UNBINDABLE" }, { 1 << 18, "MS_PRIVATE" },
	{ 1 << 19, "MS_SLAVE" }, { 1 << 20, "MS_SHARED" }, { 1 << 21, "MS_RELATIME" },
	{ 1 << 22, "MS_KERNMOUNT" }, { 1 << 23, "MS_I_VERSION" }, { 1 << 24, "MS_STRICTATIME" },
	{ 1 << 25, "MS_LAZYTIME" },
};

static const struct flag_name umount_names[] = {
	{ 1, "MNT_FORCE" }, { 2, "MNT_DETACH" }, { 4, "MNT_EXPIRE" }, { 8, "UMOUNT_NOFOLLOW" },
};

/* accept4, dup3, userfaultfd: the O_ bits they accept. */
static const struct flag_name fdflag_names[] = {
	{ O_CLOEXEC, "O_CLOEXEC" }, { O_NONBLOCK, "O_NONBLOCK" },
};

static const struct flag_name finit_names[] = {
	{ 1, "MODULE_INIT_IGNORE_MODVERSIONS" }, { 2, "MODULE_INIT_IGNORE_VERMAGIC" },
	{ 4, "MODULE_INIT_COMPRESSED_FILE" },
};

static const struct flag_name ptrace_names[] = {
	{ 0, "PTRACE_TRACEME" }, { 1, "PTRACE_PEEKTEXT" }, { 2, "PTRACE_PEEKDATA" },
	{ 3, "PTRACE_PEEKUSR" }, { 4, "PTRACE_POKETEXT" }, { 5, "PTRACE_POKEDATA" },
	{ 6, "PTRACE_POKEUSR" }, { 7, "PTRACE_CONT" }, { 8, "PTRACE_KILL" },
	{ 9, "PTRACE_SINGLESTEP" }, { 12, "PTRACE_GETREGS" }, { 13, "PTRACE_SETREGS" },
	{ 14, "PTRACE_GETFPREGS" }, { 15, "PTRACE_SETFPREGS" }, { 16, "PTRACE_ATTACH" },
	{ 17, "PTRACE_DETACH" }, { 18, "PTRACE_GETFPXREGS" }, { 19, "PTRACE_SETFPXREGS" },
	{ 24, "PTRACE_SYSCALL" }, { 31, "PTRACE_SYSEMU" }, { 32, "PTRACE_SYSEMU_SINGLESTEP" },
	{ 0x4200, "PTRACE_SETOPTIONS" }, { 0x4201, "PTRACE_GETEVENTMSG" },
	{ 0x4202, "PTRACE_GETSIGINFO" }, { 0x4203, "PTRACE_SETSIGINFO" },
	{ 0x4204, "PTRACE_GETREGSET" }, { 0x4205, "PTRACE_SETREGSET" },
	{ 0x4206, "PTRACE_SEIZE" }, { 0x4207, "PTRACE_INTERRUPT" }, { 0x4208, "PTRACE_LISTEN" },
	{ 0x4209, "PTRACE_PEEKSIGINFO" }, { 0x420a, "PTRACE_GETSIGMASK" },
	{ 0x420b, "PTRACE_SETSIGMASK" }, { 0x420c, "PTRACE_SECCOMP_GET_FILTER" },
	{ 0x420e, "PTRACE_GET_SYSCALL_INFO" },
};

static const struct flag_name af_names[] = {
	{ 0, "AF_UNSPEC" }, { 1, "AF_UNIX" }, { 2, "AF_INET" }, { 3, "AF_AX25" },
	{ 4, "AF_IPX" }, { 5, "AF_APPLETALK" }, { 6, "AF_NETROM" }, { 7, "AF_BRIDGE" },
	{ 8, "AF_ATMPVC" }, { 9, "AF_X25" }, { 10, "AF_INET6" }, { 11, "AF_ROSE" },
	{ 12, "AF_DECnet" }, { 13, "AF_NETBEUI" }, { 14, "AF_SECURITY" }, { 15, "AF_KEY" },
	{ 16, "AF_NETLINK" }, { 17, "AF_PACKET" }, { 18, "AF_ASH" }, { 19, "AF_ECONET" },
	{ 20, "AF_ATMSVC" }, { 21, "AF_RDS" }, { 22, "AF_SNA" }, { 23, "AF_IRDA" },
	{ 24, "AF_PPPOX" }, { 25, "AF_WANPIPE" }, { 26, "AF_LLC" }, { 27, "AF_IB" },
	{ 28, "AF_MPLS" }, { 29, "AF_CAN" }, { 30, "AF_TIPC" }, { 31, "AF_BLUETOOTH" },
	{ 32, "AF_IUCV" }, { 33, "AF_RXRPC" }, { 34, "AF_ISDN" }, { 35, "AF_PHONET" },
	{ 36, "AF_IEEE802154" }, { 37, "AF_CAIF" }, { 38, "AF_ALG" }, { 39, "AF_NFC" },
	{ 40, "AF_VSOCK" }, { 41, "AF_KCM" }, { 42, "AF_QIPCRTR" }, { 43, "AF_SMC" },
	{ 44, "AF_XDP" }, { 45, "AF_MCTP" },
};

static const struct flag_name bpf_cmd_names[] = {
	{ 0, "BPF_MAP_CREATE" }, { 1, "BPF_MAP_LOOKUP_ELEM" }, { 2, "BPF_MAP_UPDATE_ELEM" },
	{ 3, "BPF_MAP_DELETE_ELEM" }, { 4, "BPF_MAP_GET_NEXT_KEY" }, { 5, "BPF_PROG_LOAD" },
	{ 6, "BPF_OBJ_PIN" }, { 7, "BPF_OBJ_GET" }, { 8, "BPF_PROG_ATTACH" },
	{ 9, "BPF_PROG_DETACH" }, { 10, "BPF_PROG_TEST_RUN" }, { 11, "BPF_PROG_GET_NEXT_ID" },
	{ 12, "BPF_MAP_GET_NEXT_ID" }, { 13, "BPF_PROG_GET_FD_BY_ID" },
	{ 14, "BPF_MAP_GET_FD_BY_ID" }, { 15, "BPF_OBJ_GET_INFO_BY_FD" },
	{ 16, "BPF_PROG_QUERY" }, { 17, "BPF_RAW_TRACEPOINT_OPEN" }, { 18, "BPF_BTF_LOAD" },
	{ 19, "BPF_BTF_GET_FD_BY_ID" }, { 20, "BPF_TASK_FD_QUERY" },
	{ 21, "BPF_MAP_LOOKUP_AND_DELETE_ELEM" }, { 22, "BPF_MAP_FREEZE" },
	{ 23, "BPF_BTF_GET_NEXT_ID" }, { 24, "BPF_MAP_LOOKUP_BATCH" },
	{ 25, "BPF_MAP_LOOKUP_AND_DELETE_BATCH" }, { 26, "BPF_MAP_UPDATE_BATCH" },
	{ 27, "BPF_MAP_DELETE_BATCH" }, { 28, "BPF_LINK_CREATE" }, { 29, "BPF_LINK_UPDATE" },
	{ 30, "BPF_LINK_GET_FD_BY_ID" }, { 31, "BPF_LINK_GET_NEXT_ID" },
	{ 32, "BPF_ENABLE_STATS" }, { 33, "BPF_ITER_CREATE" }, { 34, "BPF_LINK_DETACH" },
	{ 35, "BPF_PROG_BIND_MAP" }, { 36, "BPF_TOKEN_CREATE" },
};

/* How an argument renders as text. */
enum arg_kind {
	AK_NUM,      /* unsigned decimal */
	AK_INT,      /* int: fds, pids, signals as signed 32-bit */
	AK_HEX,      /* addresses */
	AK_OCT,      /* permission bits of open/mkdir */
	AK_FLAGS,    /* bit set, names from a table */
	AK_ENUM,     /* one value, name from a table */
	AK_MODE,     /* chmod family: S_I* names */
	AK_OPEN,     /* open flags: access mode then the other bits */
	AK_UID,      /* user name when known */
	AK_GID,      /* group name when known */
	AK_SIGNAL,   /* SIGKILL */
	AK_PATH1,    /* path 1 of the record */
	AK_PATH2,    /* path 2 of the record */
	AK_TEXT1,    /* path 1 is free text (symlink target, module name) */
	AK_TEXT2,    /* path 2 is free text (mount device) */
	AK_SOCKADDR, /* the sockaddr the caller passed */
	AK_POINTER,  /* a user pointer to data palisade does not read */
};

struct arg_info {
	uint8_t kind; /* enum arg_kind */
	const struct flag_name *tab;
	uint8_t n_tab;
};

static struct sc_cache {
	struct arg_info arg[6];
	struct rl_sc_info info;
} cache[EV_SYSCALL_NR_MAX];
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

static bool is(const char *a, const char *b)
{
	return !strcmp(a, b);
}

static bool one_of(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (is(s, *list))
			return true;
	return false;
}

#define TAB(t) t, (uint8_t)N_OF(t)

/* What an argument is, from its name and its syscall. */
static struct arg_info classify(const struct syscall_desc *sc, unsigned i, unsigned p1, unsigned p2,
				unsigned addr)
{
	static const char *const ints[] = { "fd", "dirfd", "olddirfd", "newdirfd", "olddir", "newdir",
					    "linkdirfd", "oldfd", "newfd", "pid", "tid", "backlog", NULL };
	static const char *const pointers[] = { "data", "msg", "img", "uargs", "hdrp", "datap",
						"argv", "envp", "how", "attr", "fds", NULL };
	static const char *const uids[] = { "uid", "ruid", "euid", "suid", NULL };
	static const char *const gids[] = { "gid", "rgid", "egid", "sgid", NULL };
	const char *n = sc->arg_names[i], *s = sc->name;
	struct arg_info a = { AK_NUM, NULL, 0 };

	if (i + 1 == p1) {
		/* Free text, not a file: Falco shows it as the caller wrote it. */
		a.kind = (is(s, "symlink") || is(s, "symlinkat") || is(s, "delete_module") ||
			  is(s, "memfd_create")) ? AK_TEXT1 : AK_PATH1;
		return a;
	}
	if (i + 1 == p2) {
		a.kind = is(s, "mount") ? AK_TEXT2 : AK_PATH2;
		return a;
	}
	if (i + 1 == addr) {
		a.kind = AK_SOCKADDR;
		return a;
	}
	if (is(s, "ptrace")) {
		if (is(n, "request")) {
			a.kind = AK_ENUM;
			a.tab = ptrace_names;
			a.n_tab = (uint8_t)N_OF(ptrace_names);
		} else {
			a.kind = is(n, "pid") ? AK_INT : AK_HEX;
		}
		return a;
	}
	if (one_of(n, pointers) || (is(s, "mount") && is(n, "type")) ||
	    ((is(s, "accept") || is(s, "accept4")) && (is(n, "addr") || is(n, "addrlen")))) {
		a.kind = AK_POINTER;
		return a;
	}
	if (one_of(n, ints)) {
		a.kind = AK_INT;
	} else if (one_of(n, uids)) {
		a.kind = AK_UID;
	} else if (one_of(n, gids)) {
		a.kind = AK_GID;
	} else if (is(n, "sig")) {
		a.kind = AK_SIGNAL;
	} else if (is(n, "domain")) {
		struct arg_info e = { AK_ENUM, TAB(af_names) };
		a = e;
	} else if (is(n, "cmd") && is(s, "bpf")) {
		struct arg_info e = { AK_ENUM, TAB(bpf_cmd_names) };
		a = e;
	} else if (is(n, "nstype")) {
		struct arg_info e = { AK_FLAGS, TAB(clone_names) };
		a = e;
	} else if (is(n, "mode")) {
		a.kind = (is(s, "chmod") || is(s, "fchmod") || is(s, "fchmodat")) ? AK_MODE : AK_OCT;
	} else if (is(n, "flags")) {
		struct arg_info f = { AK_FLAGS, NULL, 0 };

		if (is(s, "open") || is(s, "openat")) {
			f.kind = AK_OPEN;
		} else if (is(s, "unlinkat") || is(s, "linkat") || is(s, "execveat")) {
			f.tab = at_names;
			f.n_tab = (uint8_t)N_OF(at_names);
		} else if (is(s, "renameat2")) {
			f.tab = rename_names;
			f.n_tab = (uint8_t)N_OF(rename_names);
		} else if (is(s, "memfd_create")) {
			f.tab = memfd_names;
			f.n_tab = (uint8_t)N_OF(memfd_names);
		} else if (is(s, "mount")) {
			f.tab = mount_names;
			f.n_tab = (uint8_t)N_OF(mount_names);
		} else if (is(s, "umount2")) {
			f.tab = umount_names;
			f.n_tab = (uint8_t)N_OF(umount_names);
		} else if (is(s, "unshare")) {
			f.tab = clone_names;
			f.n_tab = (uint8_t)N_OF(clone_names);
		} else if (is(s, "accept4") || is(s, "dup3") || is(s, "userfaultfd")) {
			f.tab = fdflag_names;
			f.n_tab = (uint8_t)N_OF(fdflag_names);
		} else if (is(s, "finit_module")) {
			f.tab = finit_names;
			f.n_tab = (uint8_t)N_OF(finit_names);
		} else {
			f.kind = AK_HEX;
		}
		a = f;
	}
	return a;
}

static int arg_index(const struct syscall_desc *sc, const char *name)
{
	for (int i = 0; i < 6; i++)
		if (sc->arg_names[i] && sc->arg_names[i][0] && is(sc->arg_names[i], name))
			return i;
	return -1;
}

static void build_cache(void)
{
	size_t n = syscall_count();

	for (size_t k = 0; k < n && k < EV_SYSCALL_NR_MAX; k++) {
		const struct syscall_desc *sc = syscall_at(k);
		struct sc_cache *c = &cache[k];
		unsigned p1 = SC_ARG_FIELD(sc->spec, SC_PATH_ARG_SHIFT);
		unsigned p2 = SC_ARG_FIELD(sc->spec, SC_PATH2_ARG_SHIFT);
		unsigned addr = SC_ARG_FIELD(sc->spec, SC_ADDR_ARG_SHIFT);
		const char *s = sc->name;

		for (unsigned i = 0; i < 6; i++)
			if (sc->arg_names[i] && sc->arg_names[i][0])
				c->arg[i] = classify(sc, i, p1, p2, addr);
		c->info.path1_arg = (int8_t)p1 - 1;
		c->info.path2_arg = (int8_t)p2 - 1;
		c->info.path1_text = p1 && c->arg[p1 - 1].kind == AK_TEXT1;
		c->info.path2_text = p2 && c->arg[p2 - 1].kind == AK_TEXT2;
		/* The directory a relative path 2 is relative to: the argument
		 * before it when that is a directory fd (renameat, linkat, ...). */
		c->info.path2_dirfd_arg = -1;
		if (p2 >= 2) {
			const char *d = sc->arg_names[p2 - 2];

			if (d && (strstr(d, "dirfd") || (strlen(d) >= 3 && is(d + strlen(d) - 3, "dir"))))
				c->info.path2_dirfd_arg = (int8_t)(p2 - 2);
		}
		c->info.path1_dirfd_arg = (int8_t)SC_ARG_FIELD(sc->spec, SC_DIRFD_ARG_SHIFT) - 1;
		c->info.flags_arg = (int8_t)arg_index(sc, "flags");
		c->info.mode_arg = (int8_t)arg_index(sc, "mode");
		if (is(s, "open") || is(s, "openat"))
			c->info.open = RL_OPEN_FLAGS;
		else if (is(s, "openat2"))
			c->info.open = RL_OPEN_UNKNOWN; /* flags are in struct open_how */
		else if (is(s, "creat"))
			c->info.open = RL_OPEN_CREAT;
		c->info.memfd = is(s, "memfd_create");
		c->info.fd_arg0 = (sc->spec & SC_FD_ARG0) || is(s, "close");
		if (is(s, "accept") || is(s, "accept4") || is(s, "listen") || is(s, "bind"))
			c->info.role = RL_ROLE_SERVER;
		else if (is(s, "connect") || is(s, "sendto") || is(s, "sendmsg") || is(s, "socket"))
			c->info.role = RL_ROLE_CLIENT;
		c->info.is_connect = is(s, "connect");
		c->info.is_bind = is(s, "bind");
		c->info.sends = is(s, "sendto") || is(s, "sendmsg");
		/* Filesystem syscalls without an fd of their own (unlink, rename,
		 * mkdir, chmod, link, symlink): fd.name is the path they act on. */
		c->info.fdless_file = sc->family == SCF_FILE &&
				      !(sc->spec & (SC_FD_RET | SC_FD_ARG0)) && p1;
	}
}

size_t rl_sc_index(const struct syscall_desc *sc)
{
	const struct syscall_desc *first = syscall_at(0);
	size_t n = syscall_count();

	if (!sc || !first || sc < first || sc >= first + n)
		return SIZE_MAX;
	return (size_t)(sc - first);
}

const struct rl_sc_info *rl_sc_info(const struct syscall_desc *sc)
{
	size_t k = rl_sc_index(sc);

	if (k >= EV_SYSCALL_NR_MAX)
		return NULL;
	pthread_once(&cache_once, build_cache);
	return &cache[k].info;
}

static const struct arg_info *arg_info(const struct syscall_desc *sc, unsigned i)
{
	size_t k = rl_sc_index(sc);

	if (k >= EV_SYSCALL_NR_MAX || i >= 6)
		return NULL;
	pthread_once(&cache_once, build_cache);
	return &cache[k].arg[i];
}

static size_t flags_text(uint64_t v, const struct flag_name *t, size_t n_t, size_t n, char *p,
			 size_t cap)
{
	for (size_t i = 0; i < n_t; i++) {
		int w;

		if (!t[i].bit || (v & t[i].bit) != t[i].bit)
			continue;
		w = snprintf(p + n, cap - n, "%s%s", n ? "|" : "", t[i].name);
		if (w < 0 || (size_t)w >= cap - n)
			break;
		n += (size_t)w;
		v &= ~t[i].bit;
	}
	/* Bits without a name stay visible, as a number. */
	if (v && n + 20 < cap)
		n += (size_t)snprintf(p + n, cap - n, "%s0x%" PRIx64, n ? "|" : "", v);
	return n;
}

size_t rl_clone_flags_text(uint64_t flags, char *p, size_t cap)
{
	if (!cap)
		return 0;
	p[0] = '\0';
	return flags_text(flags, clone_names, N_OF(clone_names), 0, p, cap);
}

size_t rl_open_flags_text(uint64_t flags, char *p, size_t cap)
{
	const char *acc;
	int w;

	if (!cap)
		return 0;
	switch (flags & O_ACCMODE) {
	case O_WRONLY: acc = "O_WRONLY"; break;
	case O_RDWR: acc = "O_RDWR"; break;
	case O_RDONLY: acc = "O_RDONLY"; break;
	default: acc = "O_ACCMODE"; break;
	}
	w = snprintf(p, cap, "%s", acc);
	if (w < 0 || (size_t)w >= cap)
		return 0;
	flags &= ~(uint64_t)O_ACCMODE;
	return flags_text(flags, open_names, N_OF(open_names), (size_t)w, p, cap);
}

const char *rl_errno_name(int64_t res, char *tmp, size_t cap)
{
	const char *s;

	if (res >= 0)
		return "SUCCESS";
	s = res > -4096 ? strerrorname_np((int)-res) : NULL;
	if (s)
		return s;
	snprintf(tmp, cap, "%" PRId64, res);
	return tmp;
}

bool rl_sc_open_flags(const struct event *ev, uint64_t *flags, uint64_t *mode)
{
	const struct rl_sc_info *in;

	if (ev->kind != EV_SYSCALL || !ev->sc_args)
		return false;
	in = rl_sc_info(ev->sc);
	if (!in || in->open == RL_OPEN_NONE || in->open == RL_OPEN_UNKNOWN)
		return false;
	if (in->open == RL_OPEN_CREAT) {
		*flags = O_CREAT | O_WRONLY | O_TRUNC;
		*mode = in->mode_arg >= 0 ? ev->sc_args[in->mode_arg] : 0;
		return true;
	}
	if (in->flags_arg < 0)
		return false;
	*flags = ev->sc_args[in->flags_arg];
	*mode = in->mode_arg >= 0 ? ev->sc_args[in->mode_arg] : 0;
	return true;
}

/* The record an EV_SYSCALL event was decoded from, when it is one. */
static const struct ev_syscall *record(const struct event *ev)
{
	const struct ev_syscall *e = (const struct ev_syscall *)(const void *)ev->hdr;

	if (!e || ev->kind != EV_SYSCALL || e->hdr.kind != EV_SYSCALL ||
	    e->hdr.size < sizeof(*e) || (uint64_t)e->hdr.size < sizeof(*e) + (uint64_t)e->path_len)
		return NULL;
	return e;
}

const char *rl_sc_raw_path1(const struct event *ev, size_t *len)
{
	const struct ev_syscall *e = record(ev);
	const char *data;

	if (!e)
		return NULL;
	data = (const char *)(e + 1);
	/* A resolved path 1 (successful open) with the caller's string beside it. */
	if ((e->path_flags & EV_PATH2_RAW1) && e->path2_len &&
	    (uint64_t)e->hdr.size >= sizeof(*e) + (uint64_t)e->path_len + e->path2_len) {
		*len = strnlen(data + e->path_len, e->path2_len);
		return data + e->path_len;
	}
	if (!(e->path_flags & EV_PATH1_USER) || !e->path_len)
		return NULL;
	*len = strnlen(data, e->path_len);
	return data;
}

bool rl_set_raw_path1(const struct event *ev, struct rl_value *out, struct rl_buf *buf)
{
	size_t len;
	const char *s = rl_sc_raw_path1(ev, &len);

	if (!s)
		return false;
	if (len >= buf->cap)
		len = buf->cap - 1;
	memcpy(buf->p, s, len);
	return rl_set_buf(out, buf, len);
}

/* Joins base and rel into buf and normalises: an absolute path. */
static size_t join_abs(const char *base, size_t base_len, const char *rel, struct rl_buf *buf)
{
	int w;

	if (base_len >= buf->cap)
		return 0;
	w = snprintf(buf->p, buf->cap, "%.*s/%s", (int)base_len, base, rel);
	if (w < 0 || (size_t)w >= buf->cap)
		return 0;
	event_normalize_path(buf->p);
	return strlen(buf->p);
}

bool rl_sc_path2(const struct rl_eval_ctx *c, struct rl_value *out, struct rl_buf *buf)
{
	const struct event *ev = c->ev;
	const struct rl_sc_info *in = rl_sc_info(ev->sc);
	const struct ev_syscall *e;
	const char *p2 = ev->path2;
	int64_t d2 = -100, d1 = -100; /* AT_FDCWD */
	size_t n;

	if (!in || !p2 || !p2[0])
		return false;
	if (p2[0] == '/' || in->path2_text) {
		if (p2[0] == '/' && !in->path2_text) {
			n = strnlen(p2, buf->cap - 1);
			memcpy(buf->p, p2, n);
			buf->p[n] = '\0';
			event_normalize_path(buf->p);
			return rl_set_buf(out, buf, strlen(buf->p));
		}
		return rl_set_str(out, p2);
	}
	if (in->path2_dirfd_arg >= 0 && ev->sc_args)
		d2 = (int32_t)ev->sc_args[in->path2_dirfd_arg];
	if (in->path1_dirfd_arg >= 0 && ev->sc_args)
		d1 = (int32_t)ev->sc_args[in->path1_dirfd_arg];
	/* The kernel resolved the directory of a relative path 1: reuse it
	 * when path 2 is relative to the same directory. */
	e = record(ev);
	if (e && (e->path_flags & EV_BASE_RESOLVED) && d1 == d2 &&
	    (uint64_t)e->hdr.size >= sizeof(*e) + (uint64_t)e->path_len + e->path2_len + e->base_len) {
		char base[EV_PATH_MAX + 1];
		size_t bl = event_join_path((const char *)(e + 1) + e->path_len + e->path2_len,
					    e->base_len, 0, base, sizeof(base));

		n = join_abs(base, bl, p2, buf);
		return n ? rl_set_buf(out, buf, n) : false;
	}
	/* Else the cwd the process table knows (as of its last exec). */
	if (d2 == -100 && ev->proc && ev->proc->cwd && ev->proc->cwd[0] == '/') {
		n = join_abs(ev->proc->cwd, strlen(ev->proc->cwd), p2, buf);
		return n ? rl_set_buf(out, buf, n) : false;
	}
	return rl_set_str(out, p2); /* relative to a directory fd we cannot name */
}

static bool text(struct rl_value *out, struct rl_buf *buf, int n)
{
	return n > 0 && rl_set_buf(out, buf, (size_t)n < buf->cap ? (size_t)n : buf->cap - 1);
}

static const char *enum_name(const struct flag_name *t, size_t n, uint64_t v)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].bit == v)
			return t[i].name;
	return NULL;
}

static bool id_name(const struct rl_eval_ctx *c, bool user, uint64_t v, struct rl_value *out,
		    struct rl_buf *buf)
{
	uint32_t id = (uint32_t)v;
	const char *name;

	if (id == UINT32_MAX)
		return rl_set_str(out, "-1"); /* "unchanged" */
	name = user ? rl_user_name(c, id) : rl_group_name(c, id);
	if (name)
		return rl_set_str(out, name);
	return text(out, buf, snprintf(buf->p, buf->cap, "%" PRIu32, id));
}

/* The sockaddr the caller passed, as Falco prints it: ip:port or a path. */
static bool sockaddr_text(const struct event *ev, struct rl_value *out, struct rl_buf *buf)
{
	struct rl_endpoint ep;
	const char *path = NULL;
	size_t n = 0;

	switch (rl_parse_sockaddr(ev->uaddr, ev->uaddr_len, &ep, &path, &n)) {
	case AF_INET:
	case AF_INET6:
		n = rl_endpoint_text(&ep, buf->p, buf->cap);
		return n && rl_set_buf(out, buf, n);
	case AF_UNIX:
		if (n + 1 >= buf->cap)
			return false;
		memcpy(buf->p, path, n);
		if (!path[0])
			buf->p[0] = '@'; /* abstract name */
		return rl_set_buf(out, buf, n);
	default:
		return false;
	}
}

static bool render(const struct rl_eval_ctx *c, unsigned i, bool raw, struct rl_value *out,
		   struct rl_buf *buf)
{
	const struct event *ev = c->ev;
	const struct arg_info *a = arg_info(ev->sc, i);
	uint64_t v = ev->sc_args[i];
	const char *s;

	if (!a)
		return false;
	switch (a->kind) {
	case AK_PATH1:
		if (raw && rl_set_raw_path1(ev, out, buf))
			return true;
		return ev->path[0] && rl_set_str(out, ev->path);
	case AK_TEXT1:
		return rl_set_raw_path1(ev, out, buf);
	case AK_PATH2:
		if (raw)
			return ev->path2 && ev->path2[0] && rl_set_str(out, ev->path2);
		return rl_sc_path2(c, out, buf);
	case AK_TEXT2:
		return ev->path2 && ev->path2[0] && rl_set_str(out, ev->path2);
	case AK_SOCKADDR:
		return sockaddr_text(ev, out, buf);
	case AK_POINTER:
		return false;
	default:
		break;
	}
	if (raw) {
		if (a->kind == AK_INT)
			return text(out, buf, snprintf(buf->p, buf->cap, "%" PRId32, (int32_t)v));
		return text(out, buf, snprintf(buf->p, buf->cap, "%" PRIu64, v));
	}
	switch (a->kind) {
	case AK_INT:
		return text(out, buf, snprintf(buf->p, buf->cap, "%" PRId32, (int32_t)v));
	case AK_HEX:
		return text(out, buf, snprintf(buf->p, buf->cap, "0x%" PRIx64, v));
	case AK_OCT:
		return text(out, buf, snprintf(buf->p, buf->cap, "%#" PRIo64, v & 07777));
	case AK_MODE:
		if (!(v & 07777))
			return rl_set_str(out, "0");
		return text(out, buf, (int)flags_text(v & 07777, mode_names, N_OF(mode_names), 0,
						      buf->p, buf->cap));
	case AK_OPEN:
		return text(out, buf, (int)rl_open_flags_text(v, buf->p, buf->cap));
	case AK_FLAGS:
		if (!v)
			return rl_set_str(out, "0");
		return text(out, buf, (int)flags_text(v, a->tab, a->n_tab, 0, buf->p, buf->cap));
	case AK_ENUM:
		s = enum_name(a->tab, a->n_tab, v);
		if (s)
			return rl_set_str(out, s);
		return text(out, buf, snprintf(buf->p, buf->cap, "%" PRIu64, v));
	case AK_UID:
	case AK_GID:
		return id_name(c, a->kind == AK_UID, v, out, buf);
	case AK_SIGNAL:
		s = (int64_t)v > 0 && v < 65 ? sigabbrev_np((int)v) : NULL;
		if (s)
			return text(out, buf, snprintf(buf->p, buf->cap, "SIG%s", s));
		return text(out, buf, snprintf(buf->p, buf->cap, "%" PRId32, (int32_t)v));
	default:
		return text(out, buf, snprintf(buf->p, buf->cap, "%" PRIu64, v));
	}
}

bool rl_sc_arg(const struct rl_eval_ctx *c, const char *name, int index, bool raw,
	       struct rl_value *out, struct rl_buf *buf)
{
	const struct event *ev = c->ev;
	const struct syscall_desc *sc = ev->sc;
	int k;

	if (ev->kind != EV_SYSCALL || !sc || !ev->sc_args)
		return false;
	if (index >= 0) {
		/* evt.arg[N]: the N-th named argument of the syscall table. */
		int seen = -1;

		for (k = 0; k < 6; k++) {
			if (sc->arg_names[k] && sc->arg_names[k][0] && ++seen == index)
				break;
		}
		if (k == 6)
			return false;
		return render(c, (unsigned)k, raw, out, buf);
	}
	if (!name)
		return false;
	k = arg_index(sc, name);
	if (k >= 0)
		return render(c, (unsigned)k, raw, out, buf);
	/* Falco's exit events also carry the result: res, or fd for calls
	 * returning one (open, socket, accept), res_or_fd for bpf. */
	if (is(name, "res") || is(name, "res_or_fd") || (is(name, "fd") && (sc->spec & SC_FD_RET))) {
		char tmp[32];

		if (!raw && is(name, "res") && ev->res < 0)
			return text(out, buf, snprintf(buf->p, buf->cap, "%s",
						       rl_errno_name(ev->res, tmp, sizeof(tmp))));
		return text(out, buf, snprintf(buf->p, buf->cap, "%" PRId64, ev->res));
	}
	return false;
}

size_t rl_sc_args_text(const struct rl_eval_ctx *c, char *p, size_t cap)
{
	const struct event *ev = c->ev;
	const struct syscall_desc *sc = ev->sc;
	char tmpbuf[EV_PATH_MAX + 64];
	struct rl_buf tmp = { tmpbuf, sizeof(tmpbuf) };
	char errbuf[32];
	size_t n = 0;
	int w;

	if (ev->kind != EV_SYSCALL || !sc || !ev->sc_args || !cap)
		return 0;
	if (ev->res < 0)
		w = snprintf(p, cap, "res=%s", rl_errno_name(ev->res, errbuf, sizeof(errbuf)));
	else
		w = snprintf(p, cap, "res=%" PRId64, ev->res);
	if (w < 0 || (size_t)w >= cap)
		return 0;
	n = (size_t)w;
	for (unsigned i = 0; i < 6; i++) {
		struct rl_value v;

		if (!sc->arg_names[i] || !sc->arg_names[i][0] || !render(c, i, false, &v, &tmp))
			continue;
		w = snprintf(p + n, cap - n, " %s=%.*s", sc->arg_names[i], (int)v.len, v.s);
		if (w < 0 || (size_t)w >= cap - n)
			break;
		n += (size_t)w;
	}
	return n;
}
