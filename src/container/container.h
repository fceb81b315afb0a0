/*
 * container/: which container a process runs in, and what that container is.
 * Owns cgroup-path parsing for each runtime (Docker cgroupfs and systemd
 * drivers, containerd, CRI-O, podman), cgroup id -> path resolution, the
 * Docker Engine API client (unix socket, API 1.41) and the store of container
 * metadata kept current from /events. Knows nothing of processes or output.
 */
#ifndef PALISADE_CONTAINER_H
#define PALISADE_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONTAINER_ID_LEN 64

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

/*
 * Immutable once published by the store: an update publishes a new copy.
 * A pointer returned by a lookup stays valid at least CONTAINER_RETIRE_SEC
 * seconds after the entry is replaced or removed, far longer than one event
 * is processed.
 */
struct container_info {
	char id[CONTAINER_ID_LEN + 1]; /* full id, lowercase hex */
	enum container_runtime runtime;
	bool has_metadata; /* false: only the id is known (engine unreachable) */
	char *name;        /* without the leading '/' */
	char *image;       /* as the user named it, e.g. "busybox:latest" */
	char *image_id;    /* "sha256:..." */
	bool privileged;
	struct container_label *labels;
	size_t n_labels;
	uint64_t cgroup_id; /* 0 when unknown */
};

const char *container_runtime_name(enum container_runtime rt);

/*
 * Parses a cgroup path ("/docker/<id>", "/system.slice/docker-<id>.scope",
 * ".../crio-<id>.scope", ".../cri-containerd-<id>.scope",
 * ".../libpod-<id>.scope", "/kubepods/.../<id>", ...). On a match writes the
 * 64-hex id and returns the runtime; returns RUNTIME_NONE for host cgroups.
 */
enum container_runtime container_parse_cgroup_path(const char *path,
						   char id[CONTAINER_ID_LEN + 1]);

struct container_store;

struct container_store_config {
	const char *docker_socket; /* NULL: no engine (replay, --no-docker) */
	const char *cgroup2_root;  /* NULL: found in /proc/self/mountinfo */
	/* Called, from any thread, when an entry is published or updated. */
	void (*on_update)(const struct container_info *c, void *ctx);
	void *ctx;
};

int container_store_new(const struct container_store_config *cfg,
			struct container_store **out);
/* Seeds from the engine (containers started before the agent) and starts the
 * /events thread; an unreachable engine is logged, retried in the background. */
int container_store_start(struct container_store *s);
void container_store_free(struct container_store *s);

/* The container of a cgroup id, NULL for a host cgroup. Never blocks long:
 * an unknown container is published with its id only, metadata follows. */
const struct container_info *container_store_lookup(struct container_store *s,
						    uint64_t cgroup_id);

/* Record/replay: a container as one JSON object, and back. */
char *container_info_to_json(const struct container_info *c);
int container_store_put_json(struct container_store *s, const char *json);

struct container_store_stats {
	size_t containers;
	uint64_t engine_errors, engine_reconnects, lookups_unresolved;
	bool engine_connected;
};
void container_store_stats(struct container_store *s, struct container_store_stats *out);

#endif
