/*
 * container/: which container a process runs in, and what that container is.
 * Owns cgroup-path parsing for each runtime (Docker cgroupfs and systemd
 * drivers, containerd, CRI-O, podman), cgroup id -> path resolution, the
 * Docker Engine API client (unix socket, API 1.41) and the store of container
 * metadata kept current from /events. Knows nothing of processes or output.
 *
 * Threads. The store runs two threads of its own when given a Docker socket:
 * one streams GET /events, one inspects containers and seeds the store (at
 * start and after every reconnect). Every function is thread-safe;
 * container_store_lookup() is designed for the single event-consumer thread.
 *
 * Miss path. A lookup of a cgroup id seen before is a hash probe under an
 * uncontended mutex: no system call, no allocation. A new cgroup id is
 * resolved once (open_by_handle_at + readlink, or a walk of the hierarchy
 * where handles are refused), parsed, and cached; host cgroups are cached too
 * (bounded, oldest evicted). A container the engine has not described yet is
 * published at once with its id and runtime (has_metadata false) and the
 * engine thread is asked to inspect it; the lookup never waits for dockerd,
 * which may be busy starting that very container (an inspect waits for the
 * start to finish). Usually the "create" event has been handled before the
 * first process of a container execs, and containers that started before the
 * agent come from the seed, so only a race or an unreachable daemon yields
 * id-only entries; they gain their metadata (a new copy, reported through
 * on_update) as soon as the inspect answers, well before a `docker exec`.
 *
 * Lifetime. Published entries are immutable. An update publishes a new copy
 * and retires the old one; a removed container's copies are retired too.
 * Retired copies are freed CONTAINER_RETIRE_SEC after retirement, or by
 * container_store_free().
 */
#ifndef PALISADE_CONTAINER_H
#define PALISADE_CONTAINER_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONTAINER_ID_LEN 64

/* How long a pointer from a lookup stays valid after its entry is replaced
 * or removed: far longer than one event takes to process. */
#define CONTAINER_RETIRE_SEC 60
/* A destroyed container (or a dead container's cgroups) stays attributable
 * this long: its last events may still be queued in the ring buffer. */
#define CONTAINER_DESTROY_GRACE_SEC 10
#define CONTAINER_INSPECT_TIMEOUT_MS 2000
#define CONTAINER_RECONNECT_MAX_MS 5000 /* backoff cap while dockerd is away */
/* Bounds. Beyond them new containers/cgroups are reported as host processes
 * and counted in lookups_unresolved; host cgroups are evicted oldest first. */
#define CONTAINER_MAX 16384
#define CONTAINER_CGROUPS_MAX 65536
#define CONTAINER_HOST_CGROUPS_MAX 4096
/* An engine answer beyond these is refused (the container keeps its id only). */
#define CONTAINER_MOUNTS_MAX 1024
#define CONTAINER_HEALTH_ARGS_MAX 256
#define CONTAINER_HEALTH_MAX 65536 /* bytes of the health check's argv */

enum container_runtime {
	RUNTIME_NONE = 0, /* host */
	RUNTIME_DOCKER,
	RUNTIME_CONTAINERD,
	RUNTIME_CRIO,
	RUNTIME_PODMAN,
};

struct container_label {
	char *key;
	char *value;
};

/* Addresses of a container on its networks (NetworkSettings.Networks.*:
 * IPAddress, GlobalIPv6Address), at most CONTAINER_ADDRS_MAX; none while it
 * is not running. */
#define CONTAINER_ADDRS_MAX 16
struct container_addr {
	uint8_t ip[16]; /* IPv4 in the first 4 bytes */
	uint8_t len;    /* 4 or 16 */
};

/* One entry of the Engine API's Mounts (docker inspect), as Falco keeps it. */
struct container_mount {
	char *source;      /* host path or volume path */
	char *dest;        /* path inside the container */
	char *mode;        /* "ro", "z", ... as the engine says; "" for the default */
	char *propagation; /* "rprivate", ...; "" for volumes */
	bool rdwr;         /* RW */
};

/* One entry of the container's own /etc/passwd (a user) or /etc/group. */
struct container_account {
	uint32_t id;
	char *name;
};

/*
 * Immutable once published by the store: an update publishes a new copy.
 * A pointer returned by a lookup stays valid at least CONTAINER_RETIRE_SEC
 * seconds after the entry is replaced or removed, far longer than one event
 * is processed. Strings are never NULL ("" when unknown).
 */
struct container_info {
	char id[CONTAINER_ID_LEN + 1]; /* full id, lowercase hex */
	enum container_runtime runtime;
	bool has_metadata; /* false: only the id is known (engine unreachable) */
	char *name;        /* without the leading '/' */
	char *image;       /* as the user named it, e.g. "busybox:latest" */
	char *image_id;    /* "sha256:..." */
	bool privileged;
	bool host_pid, host_network, host_ipc; /* HostConfig.*Mode "host" */
	char *ip;          /* NetworkSettings: the primary IPv4 address, "" when none */
	struct container_addr addrs[CONTAINER_ADDRS_MAX]; /* every address, v4 and v6 */
	uint8_t n_addrs;
	uint64_t start_ns; /* State.StartedAt, ns since the epoch; 0 when unknown */
	/*
	 * The Docker HEALTHCHECK (Config.Healthcheck.Test) as the command it
	 * runs, argv NUL-separated (CMD-SHELL "x" is /bin/sh -c x), as
	 * libsinsp reads it; health_len 0: no health check (none or NONE).
	 */
	char *health_argv;
	uint32_t health_len;
	struct container_mount *mounts;
	size_t n_mounts;
	struct container_label *labels;
	size_t n_labels;
	uint64_t cgroup_id; /* the cgroup this copy was published for; 0 when none */
	/*
	 * The container's own users and groups (its /etc/passwd and /etc/group,
	 * read when the engine described it running), sorted by id, as Falco
	 * names a container process's user. has_accounts false: they could not
	 * be read (not running yet, engine unreachable); callers then fall back
	 * to the host's. A container without those files has them, empty.
	 */
	bool has_accounts;
	struct container_account *users, *groups;
	size_t n_users, n_groups;
};

/* "host", "docker", "containerd", "cri-o", "podman" (Falco's container.type). */
const char *container_runtime_name(enum container_runtime rt);
/* The inverse; -EINVAL for an unknown name. */
int container_runtime_from_name(const char *name, enum container_runtime *rt);

/*
 * Parses a cgroup path ("/docker/<id>", "/system.slice/docker-<id>.scope",
 * ".../crio-<id>.scope", ".../cri-containerd-<id>.scope",
 * ".../libpod-<id>.scope", "/kubepods/.../<id>", ...). On a match writes the
 * 64-hex id and returns the runtime; returns RUNTIME_NONE for host cgroups,
 * including the conmon monitors (crio-conmon-<id>, libpod-conmon-<id>),
 * which run on the host side. The outermost container wins when nested.
 * A bare id under a containerd namespace ("/default/<id>") or under kubepods
 * is reported as containerd (see cgroup_path.c).
 */
enum container_runtime container_parse_cgroup_path(const char *path,
						   char id[CONTAINER_ID_LEN + 1]);

/* The value of a label, NULL when absent. */
const char *container_info_label(const struct container_info *c, const char *key);

/* The container's name for a uid / gid; NULL when it has none (or when its
 * accounts were not read: see has_accounts). */
const char *container_info_user(const struct container_info *c, uint32_t uid);
const char *container_info_group(const struct container_info *c, uint32_t gid);

/* Where cgroup v2 is mounted (/sys/fs/cgroup, or .../unified on hybrid
 * hosts), from /proc/self/mountinfo; -ENOENT when it is not mounted. */
int container_cgroup2_mount(char *mnt, size_t mnt_len);

/*
 * The directories of process pid's cgroups: the v2 one and its id (the
 * inode, as the kernel's cgroup id), and on hybrid hosts the v1 directories
 * of the memory, pids and cpuacct controllers ("" when that controller is
 * not on v1). 0, or -errno (no such process, no cgroup v2 mount).
 */
struct container_cgroup_dirs {
	uint64_t id;
	char v2[4096];
	char memory[4096], pids[4096], cpuacct[4096];
};
int container_cgroup_dirs(int pid, struct container_cgroup_dirs *out);

struct container_store;

struct container_store_config {
	const char *docker_socket; /* NULL: no engine (replay, --no-docker) */
	const char *cgroup2_root;  /* NULL: found in /proc/self/mountinfo */
	/* Replay: cgroup ids come from another run and another host; never resolve
	 * them here. Only container_store_put_json() fills the store. */
	bool offline;
	/*
	 * Called whenever a copy becomes visible to lookups (one per cgroup of a
	 * container, again on every change), before it is visible, with the
	 * store's lock held: a recorder that writes it there writes it before any
	 * event that can see it. It must be quick and must not call the store.
	 * The pointer is valid as long as a lookup's would be.
	 */
	void (*on_update)(const struct container_info *c, void *ctx);
	void *ctx;
};

/* Fails only when out of memory: no engine or no cgroup2 mount is logged and
 * leaves the store working with what it has. */
int container_store_new(const struct container_store_config *cfg,
			struct container_store **out);
/* Seeds from the engine (containers started before the agent) and starts the
 * /events thread; an unreachable engine is logged, retried in the background.
 * Waits for the first seed at most a few seconds. */
int container_store_start(struct container_store *s);
void container_store_free(struct container_store *s);

/* The container of a cgroup id, NULL for a host cgroup. Never blocks long:
 * an unknown container is published with its id only, metadata follows. */
const struct container_info *container_store_lookup(struct container_store *s,
						    uint64_t cgroup_id);

/* The same, waiting up to timeout_ms for the engine to describe a container
 * it has not described yet (has_metadata false). Blocks: for the first exec
 * of a container, held in the kernel until the agent has judged it with the
 * container's image, name and labels (src/action/hold.c). Returns what is
 * known at the deadline. */
const struct container_info *container_store_lookup_wait(struct container_store *s,
							 uint64_t cgroup_id, int timeout_ms);

/* A container by name, full id or id prefix (4+ characters), for operator
 * commands; a cgroup's copy (cgroup_id set) when the store has seen one.
 * NULL with why when none or several match. Valid as a lookup's result. */
const struct container_info *container_store_find(struct container_store *s, const char *query,
						  char *why, size_t why_len);

/* Record/replay: a container as one compact JSON object (malloc'd; includes
 * cgroup_id), and back. put_json publishes it for its cgroup_id exactly as
 * the recorded run's lookups returned it. */
char *container_info_to_json(const struct container_info *c);
int container_store_put_json(struct container_store *s, const char *json);
/* Parses what container_info_to_json wrote; free with container_info_free. */
int container_info_from_json(const char *json, size_t len, struct container_info **out);
void container_info_free(struct container_info *c);

/*
 * One Engine API request that changes a container (POST /containers/ID/pause,
 * /stop?t=N, ...), on its own connection: blocking, for a worker thread (the
 * enforcement back-end in src/action/). Returns 0 with the HTTP status (and
 * the daemon's message in err when it is not 2xx), or a negative errno when
 * no answer came (err says what libcurl reported).
 */
int container_engine_post(const char *socket_path, const char *path, long timeout_ms,
			  long *status, char *err, size_t errlen);

/*
 * A blocking Engine API client for one thread (commands that read the daemon:
 * palisade audit). GET answers as container_engine_post's: 0 with the HTTP
 * status and the body (malloc'd, NUL-terminated, at most 8 MiB), or a
 * negative errno (-ECONNREFUSED: no daemon) with libcurl's words in err.
 * The connection is kept between requests.
 */
struct container_engine;
int container_engine_open(const char *socket_path, struct container_engine **out);
/* In an Engine API answer: the value at "A.B.C" through nested objects; NULL
 * when any step is missing (a key of 64 bytes or more counts as missing). */
json_t *container_json_path(json_t *o, const char *path);
int container_engine_get(struct container_engine *e, const char *path, long timeout_ms,
			 long *status, char **body, size_t *len, char *err, size_t errlen);
/*
 * Streams GET path (e.g. /events?filters=...) line by line until the daemon
 * closes it, an error, or container_engine_abort(). *up becomes true as
 * soon as the stream is established (HTTP 200: from then on no event is
 * missed) and stays so when it ends: another thread may read it.
 */
int container_engine_stream(struct container_engine *e, const char *path,
			    void (*on_line)(const char *line, size_t len, void *ctx), void *ctx,
			    atomic_bool *up, char *err, size_t errlen);
/* GET path with the body handed to on_data chunk by chunk (no size limit
 * here: the reader bounds it, a non-zero return stops it with -ECANCELED).
 * For large binary answers: GET /images/ID/get (docker save). */
int container_engine_get_raw(struct container_engine *e, const char *path, long timeout_ms,
			     int (*on_data)(const void *data, size_t len, void *ctx), void *ctx,
			     long *status, char *err, size_t errlen);
/* From any thread: ends the request or stream in progress and every later one. */
void container_engine_abort(struct container_engine *e);
void container_engine_close(struct container_engine *e);

struct container_store_stats {
	size_t containers; /* known containers */
	size_t cgroups;    /* cached cgroup ids, host ones included */
	uint64_t engine_errors;      /* failed or malformed engine answers */
	uint64_t engine_reconnects;  /* events stream re-established */
	uint64_t lookups_unresolved; /* cgroup ids that could not be attributed */
	uint64_t lookups_missed;     /* lookups that had to resolve a new cgroup id */
	uint64_t inspects_dropped;   /* inspect requests over the queue bound (retried) */
	bool engine_connected;
};
void container_store_stats(struct container_store *s, struct container_store_stats *out);

#endif
