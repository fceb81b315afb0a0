/*
 * event/: the in-memory event model. Owns the decoding of a raw record (the
 * bpf/events.h contract, from the ring buffer or a record file) into a
 * struct event, and nothing else: no I/O, no enrichment, no allocation.
 * A decoded event points into the raw record for argv and into its own
 * buffers for the paths, which the decoder rebuilds from leaf-first pieces.
 */
#ifndef PALISADE_EVENT_H
#define PALISADE_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "events.h"

struct proc_entry;
struct proc_table;
struct syscall_desc;
struct container_info;
struct fd_entry;

/* What the kernel knew of an executable's file (ev_exec.exe_* ). */
struct exe_info {
	uint32_t flags; /* EV_EXE_*; 0: unknown */
	uint64_t ino, ctime_ns, mtime_ns;
};

/*
 * EV_FLOW: a flow of the `flow` source (src/net/ makes them): one
 * conversation of one container, as the rules see it. The local end is the
 * event's container; addresses IPv4 in the first 4 bytes.
 */
enum ev_flow_what { EV_FLOW_START = 0, EV_FLOW_END };
struct ev_flow {
	enum ev_flow_what what;
	uint8_t proto;     /* IPPROTO_TCP, _UDP, _ICMP, _ICMPV6 */
	uint8_t family;    /* 4 or 6 */
	bool egress;       /* the local end began it */
	uint8_t local[16], remote[16];
	uint16_t lport, rport;
	uint64_t bytes_out, bytes_in, packets_out, packets_in;
	uint64_t first_ns, last_ns; /* CLOCK_BOOTTIME */
	const char *state;          /* TCP state ("ESTABLISHED", ...); "" otherwise */
	const char *end;            /* "closed", "reset", "idle", "gone"; "" at the start */
	const char *peer, *peer_kind; /* the remote end's name and kind (container, host, external) */
};

/*
 * The `docker` source: one request to the Docker Engine API as an
 * authorization plugin sees it (src/authz/ decodes it as dockerd does),
 * judged by rules with `source: docker`. Strings are never NULL ("" when
 * absent); lists hold at most DOCKER_LIST_MAX entries (a request with more
 * is refused before any rule runs).
 */
#define DOCKER_LIST_MAX 64
struct docker_list {
	const char *v[DOCKER_LIST_MAX];
	uint32_t n;
};
struct docker_event {
	bool response;            /* AuthZRes: the answer dockerd is about to send */
	const char *method;       /* GET, POST, ... */
	const char *uri;          /* RequestURI as dockerd passed it */
	const char *path;         /* normalised: decoded, dot segments and version removed */
	const char *api_version;  /* "1.41", or "" */
	const char *query;        /* the query string as sent */
	struct docker_list params; /* its parameters decoded, NAME=value, in order */
	const char *user, *authn; /* the requesting user (TLS client certificate), method */
	const char *op;           /* container_create, container_start, exec_create, ... */
	const char *target;       /* /containers/TARGET/..., /exec/TARGET/... */
	uint32_t status;          /* response: HTTP status */
	/* the workload asked for (create; start's legacy HostConfig; exec; pull) */
	const char *image, *user_cfg, *cmdline;
	const char *network_mode, *pid_mode, *ipc_mode, *uts_mode, *userns_mode, *cgroupns_mode;
	bool privileged, readonly_rootfs;
	struct docker_list cap_add, cap_drop, binds, devices, security_opt, env;
	/* the image reference, parsed (supply/): registry, registry/path, tag, digest */
	const char *image_registry, *image_repository, *image_tag, *image_digest;
	/* Whether the image is signed by the trusted key `key` (NULL: any): asked
	 * only when a rule reads docker.image.signed; 1 yes, 0 no (*why set),
	 * negative: could not be decided. */
	int (*image_signed)(const struct docker_event *d, const char *key, const char **why,
			    const char **signer);
	void *ctx; /* the decoder's, for image_signed */
};

/*
 * File integrity's answers about a syscall event (src/fim/ implements them;
 * the fim.* fields ask, only when a rule reads them). NULL when FIM is off.
 * Called from the event thread and from the fanotify guard's thread alike:
 * an implementation is thread-safe.
 */
struct event_fim {
	/* The class ("binary", "config", "other") of the watch covering the
	 * host path `path`, or NULL when it is not watched (or excluded). */
	const char *(*watch_class)(const struct event_fim *f, const char *path);
	/* Whether the baseline holds an entry for `path`. */
	bool (*in_baseline)(const struct event_fim *f, const char *path);
	/* Whether `exepath` is one of the configured package managers. */
	bool (*is_pkgmgr)(const struct event_fim *f, const char *exepath);
	/* Whether the executable process `pid` runs (or, when it is gone, the
	 * file at `exepath`) has the content the baseline holds for `exepath`:
	 * 1 yes, 0 no, negative: could not be read. */
	int (*exe_verified)(const struct event_fim *f, int pid, const char *exepath);
};

struct event {
	const struct ev_header *hdr; /* points into the raw record (EV_FLOW: the source's) */
	enum ev_kind kind;
	/* EV_EXEC / EV_PROC_SNAPSHOT */
	char exe[EV_PATH_MAX + 1];
	char cwd[EV_PATH_MAX + 1];
	const char *args; /* NUL-separated, args_len bytes, in the raw record */
	uint32_t args_len;
	uint32_t argc;
	struct exe_info exe_info;
	/* EV_EXEC / EV_PROC_SNAPSHOT: the environment, NUL-separated, in the raw
	 * record; env_known false when it was not read (no rule needed it). */
	const char *env;
	uint32_t env_len;
	bool env_known;
	/* EV_EXEC / EV_PROC_SNAPSHOT / EV_FORK: group and session (all 0 otherwise) */
	struct ev_pgrp pgrp;
	/* EV_FORK */
	uint64_t clone_flags;
	uint32_t parent_tid;
	/* EV_EXIT */
	uint32_t exit_code;
	/* EV_SYSCALL */
	const struct syscall_desc *sc; /* which syscall; NULL for other kinds */
	int64_t res;                   /* >= 0 success, -errno failure */
	const uint64_t *sc_args;       /* the 6 raw arguments, in the record */
	/* Path 1: from the kernel object when there was one (the opened file),
	 * else the caller's string made absolute against its dirfd or cwd and
	 * normalised; "" when the syscall has none. */
	char path[EV_PATH_MAX + 1];
	const char *path2; /* the caller's second path (rename target), or "" */
	uint32_t path_flags;        /* the record's EV_PATH*, EV_ARGS_OPEN_HOW, EV_FD_FIXED */
	const struct ev_sock *sock; /* family 0: the fd is not a socket */
	const struct ev_flow *flow; /* EV_FLOW; NULL otherwise */
	const uint8_t *uaddr;       /* the sockaddr the caller passed */
	uint16_t uaddr_len;

	/* The fd table's entry for the fd this event is about (src/fd), NULL
	 * when the table is off or does not know it. fd_from_table: the
	 * sensor had not resolved that fd, so path/sock above came from it. */
	const struct fd_entry *fd;
	bool fd_from_table;

	/* Enrichment, filled by the agent after decoding. */
	const struct proc_entry *proc;   /* the process, after this event */
	const struct proc_table *procs;  /* for the parent chain */
	const struct container_info *container; /* NULL: a host process */
	uint64_t container_key;                   /* cgroup id the lookup used */

	/* The docker source (NULL for kernel events): see struct docker_event. */
	const struct docker_event *docker;
	/* File integrity (NULL: off): see struct event_fim. */
	const struct event_fim *fim;
};

/* Name of an event kind as printed in JSON ("execve", "clone", ...). */
const char *event_kind_name(enum ev_kind kind);
/* Falco's evt.type of a decoded event: the syscall name for EV_SYSCALL. */
const char *event_type_name(const struct event *ev);

/* A capability's name by bit ("CAP_CHOWN"), NULL past the last one known;
 * and back, from "CAP_CHOWN" or "chown" (any case): the bit, or -1. */
const char *event_cap_name(unsigned bit);
int event_cap_from_name(const char *name);

/* Lexically removes "." and ".." and repeated '/' from an absolute path. */
void event_normalize_path(char *path);

/*
 * Decodes one raw record of len bytes. Returns 0, or -EINVAL when the record
 * is malformed (sizes inconsistent with len): untrusted input never reads out
 * of bounds. ev->hdr points into rec, which must outlive ev.
 */
int event_decode(const void *rec, size_t len, struct event *ev);

/*
 * Joins leaf-first path pieces ("busybox\0bin\0") into "/bin/busybox".
 * Writes at most out_size bytes, always NUL-terminated. A truncated path
 * (the walk stopped before the root) is prefixed with "...". Returns the
 * length written.
 */
size_t event_join_path(const char *pieces, size_t len, int truncated, char *out,
		       size_t out_size);

/* The name of capability `bit` ("CAP_NET_RAW"), NULL for a bit without one. */
const char *event_cap_name(unsigned bit);

/* Writes argv as one space-separated command line; returns its length. */
size_t event_cmdline(const char *args, size_t len, char *out, size_t out_size);

/*
 * Every text form of a wall-clock time palisade writes, from one formatter
 * (event_time.c): alerts, fields, records, syslog headers, status.
 */
enum event_time_style {
	EVENT_TIME_RFC3339_NS,  /* 2026-11-29T00:02:05.522819758Z (Falco's "time") */
	EVENT_TIME_RFC3339_S,   /* 2026-11-29T00:02:05Z */
	EVENT_TIME_DATETIME_NS, /* 2026-11-29 00:02:05.522819758 (evt.datetime) */
	EVENT_TIME_OF_DAY_NS,   /* 00:02:05.522819758 (evt.time, an output line's prefix) */
	EVENT_TIME_OF_DAY_S,    /* 00:02:05 (evt.time.s) */
	EVENT_TIME_LOCAL_US,    /* local, with offset: 2026-11-29T01:02:05.522819+01:00 (RFC 5424) */
	EVENT_TIME_LOCAL_BSD,   /* local: "Nov 29 01:02:05", day padded with a space (RFC 3164) */
};
/* Writes epoch_ns (ns since the epoch) in `style`; returns the length
 * (snprintf's: >= size means cut). UTC unless the style says local. */
size_t event_time_format(uint64_t epoch_ns, enum event_time_style style, char *buf, size_t size);

#endif
