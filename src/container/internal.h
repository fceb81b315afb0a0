/*
 * Shared by the files of src/container/ only; nothing outside includes it.
 * Every non-static name here starts with container_ so that no symbol can
 * clash with another folder when all of src/ is linked into one test binary.
 */
#ifndef PALISADE_CONTAINER_INTERNAL_H
#define PALISADE_CONTAINER_INTERNAL_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "container/container.h"

/* One line on stderr, prefixed "palisade: container: ". */
__attribute__((format(printf, 1, 2))) void container_log(const char *fmt, ...);

/* CLOCK_MONOTONIC in milliseconds (vDSO: no system call). */
uint64_t container_now_ms(void);

/* The rest of fd, whole, into a malloc'd NUL-terminated buffer (for files
 * whose size stat does not tell: /proc); -EFBIG once it reaches max bytes. */
int container_read_all(int fd, size_t max, char **out);

bool container_id_valid(const char *s, size_t len);

/* ---- container_info.c -------------------------------------------------- */

/*
 * Copies src (whose strings may point anywhere, e.g. into a JSON tree) into
 * one allocation that also carries the retirement link, with the given
 * cgroup id. NULL strings become "". Returns NULL when out of memory.
 */
struct container_info *container_info_pack(const struct container_info *src,
					   uint64_t cgroup_id);
/* items as one NUL-separated argv (malloc'd, *len bytes without the final
 * NUL; NULL and 0 for no items); -E2BIG past CONTAINER_HEALTH_MAX. */
int container_argv_join(const char *const *items, size_t n, char **out, uint32_t *len);
/* The same from a JSON array of strings, its first `skip` items left out;
 * -EINVAL when it is not one, or has more than CONTAINER_HEALTH_ARGS_MAX. */
int container_argv_from_json(json_t *a, size_t skip, char **out, uint32_t *len);
/* An entry with the id and runtime only. */
struct container_info *container_info_new_bare(const char *id, enum container_runtime rt,
					       uint64_t cgroup_id);
/* Same content, ignoring cgroup_id. */
bool container_info_same(const struct container_info *a, const struct container_info *b);

/* Retirement list: infos that lookups may still hold, freed when due. */
struct container_info_block;
struct container_retired {
	struct container_info_block *head, *tail;
};
void container_retire(struct container_retired *r, struct container_info *c,
		      uint64_t free_at_ms);
/* Frees every entry due at now_ms (all of them when now_ms is UINT64_MAX). */
void container_retired_sweep(struct container_retired *r, uint64_t now_ms);

/* ---- container_accounts.c: a container's /etc/passwd and /etc/group ---- */

/* Entries kept per file; a file with more is refused (-E2BIG). */
#define CONTAINER_ACCOUNTS_MAX 8192

/*
 * Parses passwd/group text (name:x:id:...), in place: names point into text.
 * Skips comments, NIS (+/-) lines and malformed entries; sorted by id, the
 * first entry of an id kept (as getpwuid() finds it). *out is malloc'd.
 */
int container_accounts_parse(char *text, struct container_account **out, size_t *n);
/* Sorts by id; -EINVAL when an id appears twice. */
int container_accounts_sort(struct container_account *a, size_t n);
/*
 * A packed copy of c with has_accounts set and the accounts of the file
 * system at root (e.g. /proc/PID/root: paths resolved inside it). A missing
 * file is an empty table; any other failure returns its -errno.
 */
int container_info_with_accounts(const struct container_info *c, const char *root,
				 struct container_info **out);

/* ---- docker_json.c: pure parsers of Docker Engine API answers ---------- */

struct container_inspect {
	struct container_info *info; /* packed, cgroup_id 0, has_metadata true */
	int64_t pid;                 /* State.Pid: 0 when not running */
};

/* GET /containers/<id>/json. On error writes what was wrong into err. */
int container_json_parse_inspect(const char *text, size_t len, struct container_inspect *out,
				 char *err, size_t errlen);
/* GET /containers/json: the ids, as a malloc'd array of 65-byte strings. */
int container_json_parse_list(const char *text, size_t len, char (**ids)[CONTAINER_ID_LEN + 1],
			      size_t *n, char *err, size_t errlen);

enum container_event_action {
	CONTAINER_EV_OTHER = 0, /* exec_*, kill, pause, ...: nothing to do */
	CONTAINER_EV_CREATE,
	CONTAINER_EV_START,
	CONTAINER_EV_RENAME,
	CONTAINER_EV_DIE,
	CONTAINER_EV_DESTROY,
};

struct container_event {
	enum container_event_action action;
	char id[CONTAINER_ID_LEN + 1];
	/* Actor.Attributes.name and .image ("" when absent or longer than the
	 * buffer): known from the create event on, before any inspect. */
	char name[256];
	char image[512];
};

/* One line of GET /events. A non-container event parses as OTHER. */
int container_json_parse_event(const char *text, size_t len, struct container_event *out,
			       char *err, size_t errlen);

/* ---- cgroup_resolve.c --------------------------------------------------- */

/*
 * From /proc/self/mountinfo text: the cgroup2 mount point and the mount's
 * root inside the hierarchy ("/" unless in a cgroup namespace or a bind).
 */
int container_mountinfo_cgroup2(const char *text, char *mnt, size_t mnt_len, char *root,
				size_t root_len);
/* From /proc/<pid>/cgroup text: the path of the unified ("0::") line. */
int container_proc_cgroup_v2(const char *text, char *out, size_t out_len);

struct container_cgroupfs;

/* root NULL: found in /proc/self/mountinfo. */
int container_cgroupfs_open(const char *root, struct container_cgroupfs **out);
void container_cgroupfs_close(struct container_cgroupfs *fs);
/* The cgroup path ("/docker/<id>") of a cgroup id; -ENOENT when it is gone. */
int container_cgroupfs_path(struct container_cgroupfs *fs, uint64_t id, char *out,
			    size_t out_len);
/* The cgroup id of a cgroup path (inode number of its directory). */
int container_cgroupfs_id(struct container_cgroupfs *fs, const char *path, uint64_t *id);
/* The cgroup id of a process's unified cgroup, with its path. */
int container_cgroupfs_pid(struct container_cgroupfs *fs, int64_t pid, char *path,
			   size_t path_len, uint64_t *id);

/* ---- docker_api.c: HTTP over the Engine's unix socket (libcurl) --------- */

/* One connection, used by one thread; container_http_abort from any thread. */
struct container_http {
	void *curl; /* CURL * */
	const char *socket_path;
	const atomic_bool *stop;
	pthread_mutex_t fd_lock; /* fd is closed under it: abort never hits a reused fd */
	int fd;
	char curl_err[256];
};

#define CONTAINER_HTTP_BODY_MAX (8u << 20)

int container_http_init(struct container_http *h, const char *socket_path,
			const atomic_bool *stop);
void container_http_release(struct container_http *h);
void container_http_abort(struct container_http *h);
/*
 * GET base + path. Returns 0 with the HTTP status and the body (malloc'd,
 * NUL-terminated), or a negative errno when no answer came: -ECONNREFUSED
 * (no daemon), -ETIMEDOUT, -EMSGSIZE (body over the limit), -ECANCELED.
 * err then says what libcurl reported.
 */
int container_http_get(struct container_http *h, const char *path, long timeout_ms, long *status,
		       char **body, size_t *len, char *err, size_t errlen);

/* POST base + path with an empty body; answers as container_http_get. */
int container_http_post(struct container_http *h, const char *path, long timeout_ms, long *status,
			char **body, size_t *len, char *err, size_t errlen);

/* GET base + path, the body handed over chunk by chunk as it arrives (a
 * non-zero return from on_data stops the transfer: -ECANCELED). */
int container_http_get_raw(struct container_http *h, const char *path, long timeout_ms,
			   int (*on_data)(const void *data, size_t len, void *ctx), void *ctx,
			   long *status, char *err, size_t errlen);

struct container_stream_ops {
	/* The status line arrived; 200 means the stream is up. */
	void (*on_status)(long status, void *ctx);
	/* One complete line of the body, without its '\n'. */
	void (*on_line)(const char *line, size_t len, void *ctx);
	void *ctx;
};
/* Streams base + path until the daemon closes it, an error, or stop. */
int container_http_stream(struct container_http *h, const char *path,
			  const struct container_stream_ops *ops, char *err, size_t errlen);

/* ---- container_store.c / engine_sync.c --------------------------------------- */

struct container_cg;

/* Every container the store knows, by id. */
struct container_slot {
	char id[CONTAINER_ID_LEN + 1];
	enum container_runtime runtime;
	struct container_slot *hash_next;
	struct container_info *meta; /* canonical copy, cgroup_id 0; never NULL */
	struct container_cg *views;  /* its cgroups, each with its own published copy */
	uint64_t touched_ms;         /* created or given metadata */
	uint64_t remove_at_ms;       /* destroyed: removed then; 0 none */
	uint64_t retry_at_ms;        /* next inspect attempt when metadata is missing */
	unsigned attempts;           /* failed inspects since the last seed */
};

/* One cgroup id the store has seen. */
struct container_cg {
	uint64_t cgroup_id;
	struct container_cg *hash_next;
	struct container_slot *slot;       /* NULL: host, or not resolvable */
	struct container_info *info;       /* what lookups return; NULL for host */
	struct container_cg *view_next;    /* next cgroup of the same slot */
	uint64_t remove_at_ms;             /* container died: removed then; 0 none */
};

#define CONTAINER_QUEUE_LEN 256
/* Inspects of one id that failed before it waits for the next seed. */
#define CONTAINER_INSPECT_ATTEMPTS 5

struct container_store {
	struct container_store_config cfg;
	char *docker_socket;
	struct container_cgroupfs *fs; /* NULL: offline, or no cgroup2 mount */

	pthread_mutex_t lock; /* everything below, except the atomics */
	pthread_cond_t wake;  /* engine worker: queue, seed request, stop */
	pthread_cond_t seeded;

	struct container_cg **cg_buckets;
	size_t cg_nbuckets, cg_count;
	size_t view_count; /* the container cgroups among cg_count */
	struct container_slot **slot_buckets;
	size_t slot_nbuckets, slot_count;
	/* Host and unresolvable cgroup ids, oldest first, for bounded eviction. */
	uint64_t *neg_ring;
	size_t neg_head, neg_count;
	struct container_retired retired;

	char queue[CONTAINER_QUEUE_LEN][CONTAINER_ID_LEN + 1];
	size_t q_head, q_count;
	bool seed_requested;
	bool first_attempt_done; /* first seed done, or the first connect failed */
	uint64_t seed_retry_at_ms;

	atomic_bool stop;
	atomic_bool connected;
	atomic_uint_fast64_t engine_errors, engine_reconnects, lookups_unresolved,
		lookups_missed, inspects_dropped;

	bool threads_started;
	pthread_t events_thread, worker_thread;
	struct container_http events_http, worker_http;
	bool events_http_ready, worker_http_ready;
};

/* Store operations the engine uses; all take the lock themselves. */
/* Publishes engine metadata for a container (creating its slot). */
int container_store_set_meta(struct container_store *s, const struct container_info *meta);
/* Maps a cgroup id to a known container if it is not mapped yet. */
void container_store_map_cgroup(struct container_store *s, const char *id, uint64_t cgroup_id);
/* Queues an inspect (deduplicated); false when the queue is full. Lock held. */
bool container_store_queue_locked(struct container_store *s, const char *id);
/* Removal, scheduling and retry bookkeeping; lock held. */
void container_store_sweep_locked(struct container_store *s, uint64_t now_ms);
struct container_slot *container_store_slot_locked(struct container_store *s, const char *id);

/*
 * A container the engine just announced (create/start event): its name and
 * image are published at once, id-only entries gaining them, so the first
 * processes of a short-lived container (a build step) are named before the
 * inspect answers. Leaves an entry the engine already described alone.
 */
void container_store_set_announced(struct container_store *s, const struct container_event *ev);

/* engine_sync.c */
int container_engine_start(struct container_store *s);
void container_engine_stop(struct container_store *s);

#endif
