/*
 * Field identifiers: the table in fields.c names them, the extractors in
 * extract_*.c switch on them. Internal to src/rules/.
 */
#ifndef PALISADE_RULES_FIELD_IDS_H
#define PALISADE_RULES_FIELD_IDS_H

#include "fd/fd_table.h"
#include "rules/rules_internal.h"

enum rl_field_id {
	/* proc / thread */
	P_PID = 1, P_PPID, P_VPID, P_NAME, P_EXE, P_EXEPATH, P_ARGS, P_CMDLINE, P_CWD, P_TTY,
	P_PNAME, P_PEXE, P_PEXEPATH, P_PCMDLINE, P_ANAME, P_APID, P_AEXE, P_AEXEPATH,
	P_ACMDLINE, P_DURATION, P_PPID_DURATION, P_START_TS, P_PSTART_TS, P_LOGINSHELLID,
	P_SESSIONID, P_EXE_TRUNC, T_TID, T_VTID, P_PIDNS, P_MNTNS, P_IS_CONTAINER,
	P_PVPID,
	/* user / group */
	U_UID, U_NAME, U_LOGINUID, U_LOGINNAME, U_EUID, G_GID, G_NAME,
	/* evt */
	E_TYPE, E_NUM, E_TIME, E_DATETIME, E_RAWTIME, E_DIR, E_RES, E_RAWRES, E_FAILED,
	E_HOSTNAME, E_ARGS, E_ARG, E_RAWARG, E_SOURCE, E_CATEGORY, E_TIME_S, E_ISO8601,
	E_SYSCALL_TYPE, E_IS_OPEN_READ, E_IS_OPEN_WRITE, E_IS_OPEN_EXEC, E_IS_OPEN_CREATE,
	E_IS_IO_URING,
	/* fd, fs.path */
	FD_NUM, FD_TYPE, FD_TYPECHAR, FD_NAME, FD_NAMERAW, FD_DIRECTORY, FD_FILENAME,
	FD_NAME_CHANGED, FD_CONTAINERNAME, FD_CONTAINERDIR, FD_IP, FD_CIP, FD_SIP, FD_LIP, FD_RIP,
	FD_CIP_NAME, FD_SIP_NAME, FD_LIP_NAME, FD_RIP_NAME,
	FD_PORT, FD_CPORT, FD_SPORT, FD_LPORT, FD_RPORT, FD_L4PROTO, FD_SOCKFAMILY, FD_IS_SERVER,
	FD_CONNECTED, FD_NET, FD_CNET, FD_SNET, FD_LNET, FD_RNET, FS_PATH_NAME, FS_PATH_SOURCE,
	FS_PATH_TARGET,
	P_IS_EXE_FROM_MEMFD, P_IS_EXE_UPPER_LAYER, P_EXE_INO, P_EXE_INO_CTIME, P_EXE_INO_MTIME,
	P_EXE_INO_CTIME_DUR_START, T_CAP_PERMITTED, T_CAP_EFFECTIVE, T_CAP_INHERITABLE,
	/* groups, sessions, environment (docs/procenv.md) */
	P_PGID, P_VPGID, P_SID, P_IS_VPGID_LEADER, P_IS_SID_LEADER, P_VPGID_NAME, P_VPGID_EXE,
	P_VPGID_EXEPATH, P_SNAME, P_SID_EXE, P_SID_EXEPATH, P_ENV,
	P_STDIN_TYPE, P_STDOUT_TYPE, P_STDERR_TYPE, /* in fd order: 0, 1, 2 */
	/* container */
	C_ID, C_FULL_ID, C_NAME, C_IMAGE, C_IMAGE_REPO, C_IMAGE_TAG, C_IMAGE_ID,
	C_IMAGE_DIGEST, C_PRIVILEGED, C_TYPE, C_LABEL, C_LABELS, C_START_TS, C_DURATION,
	C_MOUNTS, C_MOUNT, C_MOUNT_SOURCE, C_MOUNT_DEST, C_MOUNT_MODE, C_MOUNT_RDWR,
	C_MOUNT_PROPAGATION, C_IP, C_HEALTHCHECK, C_HOST_PID, C_HOST_NETWORK, C_HOST_IPC,
	P_IS_CONTAINER_HEALTHCHECK,
	/* flow (source: flow) */
	FL_DIRECTION, FL_PEER, FL_PEER_KIND, FL_BYTES, FL_BYTES_OUT, FL_BYTES_IN, FL_PACKETS_OUT,
	FL_PACKETS_IN, FL_DURATION, FL_STATE, FL_END,
	/* the docker source (extract_docker.c) */
	D_METHOD, D_PATH, D_URI, D_API_VERSION, D_QUERY, D_USER, D_AUTHN, D_OP, D_TARGET,
	D_STATUS, D_IMAGE, D_IMAGE_REGISTRY, D_IMAGE_REPOSITORY, D_IMAGE_TAG, D_IMAGE_DIGEST,
	D_IMAGE_SIGNED, D_IMAGE_SIGNER, D_IMAGE_UNSIGNED_WHY, D_PRIVILEGED, D_READONLY_ROOTFS,
	D_CAP_ADD, D_CAP_DROP, D_BINDS, D_DEVICES, D_SECURITY_OPT, D_ENV, D_NETWORK_MODE,
	D_PID_MODE, D_IPC_MODE, D_UTS_MODE, D_USERNS_MODE, D_CGROUPNS_MODE, D_CFG_USER, D_CMDLINE,
	/* file integrity (extract_fim.c) */
	F_PATH, F_CHANGE, F_WATCHED, F_CLASS, F_BASELINE, F_PKGMGR, F_PKGMGR_VERIFIED,
	/* fields without a data source yet */
	X_UNAVAILABLE,
};

bool rl_x_proc(const struct rl_eval_ctx *c, const struct rl_field_ref *r, int anc,
	       struct rl_value *out, struct rl_buf *buf);
bool rl_x_user(const struct rl_eval_ctx *c, const struct rl_field_ref *r, int anc,
	       struct rl_value *out, struct rl_buf *buf);
bool rl_x_evt(const struct rl_eval_ctx *c, const struct rl_field_ref *r, int anc,
	      struct rl_value *out, struct rl_buf *buf);
bool rl_x_fd(const struct rl_eval_ctx *c, const struct rl_field_ref *r, int anc,
	     struct rl_value *out, struct rl_buf *buf);
bool rl_x_container(const struct rl_eval_ctx *c, const struct rl_field_ref *r, int anc,
		    struct rl_value *out, struct rl_buf *buf);
bool rl_x_flow(const struct rl_eval_ctx *c, const struct rl_field_ref *r, int anc,
	       struct rl_value *out, struct rl_buf *buf);
bool rl_x_docker(const struct rl_eval_ctx *c, const struct rl_field_ref *r, int anc,
		 struct rl_value *out, struct rl_buf *buf);
bool rl_x_fim(const struct rl_eval_ctx *c, const struct rl_field_ref *r, int anc,
	      struct rl_value *out, struct rl_buf *buf);

/* Helpers shared by the extractors. */
bool rl_set_str(struct rl_value *out, const char *s);
bool rl_set_buf(struct rl_value *out, struct rl_buf *buf, size_t len);
bool rl_set_int(struct rl_value *out, int64_t v);
bool rl_set_uint(struct rl_value *out, uint64_t v);
bool rl_set_bool(struct rl_value *out, bool v);

/*
 * proc.env from a NUL-separated environment of len bytes (extract_env.c):
 * with name NULL all of it, "VAR=value" entries joined by spaces; else the
 * value of variable `name`, false when it is not set.
 */
bool rl_env_value(const char *env, size_t len, const char *name, struct rl_value *out,
		  struct rl_buf *buf);

/* ---- syscall events (extract_args.c, extract_net.c) ---- */
struct syscall_desc;

enum { RL_OPEN_NONE, RL_OPEN_FLAGS, RL_OPEN_CREAT };
enum { RL_ROLE_UNKNOWN, RL_ROLE_SERVER, RL_ROLE_CLIENT };

/* What the rules need to know about a syscall, derived once from the
 * syscall table's spec and argument names. Argument indexes: -1 = none. */
struct rl_sc_info {
	int8_t path1_arg, path2_arg;             /* the user paths of the record */
	int8_t path1_dirfd_arg, path2_dirfd_arg; /* the dirfd each is relative to */
	int8_t flags_arg, mode_arg;
	uint8_t open;        /* RL_OPEN_*: which open flags the event has */
	bool open_how;       /* openat2: args 2..4 from struct open_how, when read */
	uint8_t role;        /* RL_ROLE_*: which end of a socket is the server */
	bool path1_text;     /* path 1 is text, not a file (symlink target) */
	bool path2_text;     /* path 2 is text (mount device) */
	bool memfd, is_connect, is_bind, sends;
	bool fdless_file;    /* a filesystem syscall without an fd: unlink, ... */
	bool fd_arg0;        /* arg 0 is the fd the event is about (connect, close, ...) */
};
/* NULL when sc is not an entry of the syscall table. */
const struct rl_sc_info *rl_sc_info(const struct syscall_desc *sc);

/* evt.arg.NAME (index < 0) or evt.arg[index]; raw: evt.rawarg. */
bool rl_sc_arg(const struct rl_eval_ctx *c, const char *name, int index, bool raw,
	       struct rl_value *out, struct rl_buf *buf);
/* evt.args of a syscall event: "res=0 name=/etc/passwd flags=O_RDONLY ...". */
size_t rl_sc_args_text(const struct rl_eval_ctx *c, char *p, size_t cap);
/* Open flags of an open-family event; false when unknown (openat2 whose
 * struct open_how could not be read). */
bool rl_sc_open_flags(const struct event *ev, uint64_t *flags, uint64_t *mode);
/* The caller's path 1 string (not resolved), when the record has it. */
const char *rl_sc_raw_path1(const struct event *ev, size_t *len);
/* Sets out to that string, copied into buf; false when the record lacks it. */
bool rl_set_raw_path1(const struct event *ev, struct rl_value *out, struct rl_buf *buf);
/* Path 2 made absolute where its directory is known. */
bool rl_sc_path2(const struct rl_eval_ctx *c, struct rl_value *out, struct rl_buf *buf);
/* "SUCCESS" for res >= 0, else the errno name ("ENOENT"). */
const char *rl_errno_name(int64_t res, char *tmp, size_t cap);
size_t rl_clone_flags_text(uint64_t flags, char *p, size_t cap);
size_t rl_open_flags_text(uint64_t flags, char *p, size_t cap);
/* `evt.arg.flags contains NAME` decided on an open's flag bits instead of
 * its text (compile.c): which names of sc_open_names, and which access
 * modes (a bit per flags & O_ACCMODE), contain the needle. */
struct rl_flagtest {
	uint64_t names;
	uint64_t bits; /* non-zero: names of single bits no other name has */
	uint8_t acc;
};
/* False when the text could match where no single name does (a '|', or a
 * needle that could fall in the number of unnamed bits): keep the text. */
bool rl_open_flagtest_init(struct rl_flagtest *f, const char *needle, size_t len);
/* Whether rl_open_flags_text(flags) contains the needle of f. */
bool rl_open_flags_contain(uint64_t flags, const struct rl_flagtest *f);
/* The test on the event's evt.arg.flags: 1/0, or -1 when that argument is
 * not an open's flags (then the text decides). */
int rl_sc_flags_contain(const struct rl_eval_ctx *c, const struct rl_flagtest *f);

/* One end of a socket. */
struct rl_endpoint {
	uint8_t ip[16];
	uint8_t ip_len; /* 4 or 16 */
	uint16_t port;
};

enum rl_sock_kind { RL_SK_NONE, RL_SK_IPV4, RL_SK_IPV6, RL_SK_UNIX, RL_SK_NETLINK, RL_SK_OTHER };

struct rl_sockview {
	enum rl_sock_kind kind;
	uint16_t family, type, protocol;
	struct rl_endpoint local, remote;
	bool remote_known;   /* a peer, from the kernel or the caller's sockaddr */
	bool server_local;   /* the local end is the server */
	bool connected;      /* the kernel's socket has a peer */
	bool addr_from_call; /* the peer is the sockaddr the caller passed */
	const char *path;    /* unix: the path the caller named (not NUL-terminated) */
	size_t path_len;
};
/* false when the event has no socket. */
bool rl_sock_view(const struct event *ev, struct rl_sockview *v);

/* What an event's fd is (extract_fd.c). FDK_TABLE: what the fd table says
 * (pipe, eventfd, ...; see fd_type_name). */
enum rl_fd_kind { FDK_NONE, FDK_FILE, FDK_DIR, FDK_MEMFD, FDK_PATHONLY, FDK_SOCK, FDK_TABLE };

struct rl_fdview {
	enum rl_fd_kind kind;
	enum fd_type table_type; /* FDK_TABLE */
	const struct rl_sc_info *in;
	bool has_num;
	int64_t num;
	struct rl_sockview sv;
};

/* The values of the fields that several comparisons read (ccmp->value,
 * rl_field_share): val[slot] (ok[slot]: it has one) when gen[slot] is the
 * memo's cur. A string is copied into bytes, which the engine empties for
 * each event; one that does not fit is not kept. The engine owns it all. */
struct rl_vmemo {
	struct rl_value *val;
	uint8_t *ok;
	uint32_t *gen;
	char *bytes;
	size_t cap, used;
};

/* The per-event memo of rl_eval_ctx: the fd view is built once per event
 * instead of once per fd.* field of every rule, and each shared comparison
 * (ccmp->shared, cmp_share.c) is decided once: its truth is truth[slot]
 * when gen[slot] == cur. The engine owns truth and gen (one entry per slot,
 * slot 0 unused) and gives each event, and each event again after an alert
 * (whose consumers may act on the host), a new cur. truth NULL: no memo. */
struct rl_evmemo {
	bool fd_ready;
	struct rl_fdview fd;
	uint8_t *truth;
	uint32_t *gen;
	uint32_t cur;
	/* For an event type of at most 64 rules: kill[slot] has the bits of
	 * the rules of the type that a false slot rules out (their guards,
	 * rl_insn_guards); dead collects them as slots are decided false in
	 * this generation (cleared with it). kill NULL: none. */
	const uint64_t *kill;
	uint64_t dead;
	struct rl_vmemo *vals; /* NULL: none */
};
/* "cip:cport->sip:sport", "ip:port" for a listener, a unix path. */
size_t rl_sock_name(const struct rl_sockview *v, char *p, size_t cap);
/* AF_INET/AF_INET6 (into ep), AF_UNIX (into path), or 0. */
int rl_parse_sockaddr(const uint8_t *sa, size_t len, struct rl_endpoint *ep, const char **path,
		      size_t *path_len);
size_t rl_endpoint_text(const struct rl_endpoint *ep, char *p, size_t cap);

#endif
