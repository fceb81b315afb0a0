/*
 * Internals shared by the files of src/authz/ (cross-file names carry the
 * az_ prefix). Other folders use authz.h.
 */
#ifndef PALISADE_AUTHZ_INTERNAL_H
#define PALISADE_AUTHZ_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pthread.h>
#include <stdio.h>

#include "authz/authz.h"
#include "event/event.h"
#include "rules/rules.h"

/* ---- a bump allocator: one per decoded request, freed at once ---- */
struct az_arena {
	struct az_chunk *head;
	size_t used; /* bytes handed out, bounded by AZ_ARENA_MAX */
};
#define AZ_ARENA_MAX (16u << 20)
void *az_alloc(struct az_arena *a, size_t n); /* zeroed; NULL past the bound */
char *az_strndup(struct az_arena *a, const char *s, size_t n);
void az_arena_release(struct az_arena *a);

/* ---- the workload a request asks for, decoded as dockerd's Go code does ---- */

struct az_map { /* map[string]string: "key=value" entries, a key at most once */
	const char *v[DOCKER_LIST_MAX];
	uint32_t n;
};
struct az_mount {
	const char *type, *source, *target;
	bool has_vol, has_driver;
	const char *driver;
	struct az_map opts; /* VolumeOptions.DriverConfig.Options */
};
struct az_device {
	const char *path_on_host, *path_in_container;
};
struct az_hostcfg {
	bool privileged, readonly_rootfs;
	const char *network_mode, *pid_mode, *ipc_mode, *uts_mode, *userns_mode, *cgroupns_mode;
	struct docker_list binds, cap_add, cap_drop, capabilities, security_opt;
	struct az_mount mounts[DOCKER_LIST_MAX];
	uint32_t n_mounts;
	struct az_device devices[DOCKER_LIST_MAX];
	uint32_t n_devices;
};
/* POST /containers/create (ContainerConfigWrapper: Config's fields at the top). */
struct az_create {
	const char *image, *user;
	struct docker_list env, cmd, entrypoint;
	bool has_host;
	struct az_hostcfg host;
};
/* POST /containers/ID/exec (ExecConfig). */
struct az_exec {
	const char *user;
	bool privileged;
	struct docker_list cmd, env;
};
/* POST /volumes/create. */
struct az_volume {
	const char *name, *driver;
	struct az_map opts;
};

enum az_body { AZ_BODY_CREATE, AZ_BODY_HOSTCFG, AZ_BODY_EXEC, AZ_BODY_VOLUME };

/*
 * Decodes body into out (a struct of `kind`, zeroed by the caller) with the
 * semantics of Go's encoding/json, which dockerd uses: keys matched to fields
 * exactly, else case-insensitively (the Kelvin sign and the long s fold to k
 * and s), a repeated key decoded again into the same field (the last scalar
 * wins, objects merge, arrays are replaced), null leaving a scalar unchanged
 * and clearing a list, map or object, unknown keys ignored, escapes and
 * invalid UTF-8 decoded as Go does. Stricter where it must be: a value of
 * the wrong type (dockerd would refuse the request), more than
 * DOCKER_LIST_MAX entries, more than 64 levels, or anything but white space
 * after the value is an error. Returns 0 or -EINVAL with why.
 */
int az_go_decode(const char *body, size_t len, enum az_body kind, void *out, struct az_arena *a,
		 char *why, size_t whysz);

/* ---- the request (request.c) ---- */

/*
 * The path as dockerd routes it: percent-decoded (an invalid escape is an
 * error, as in Go), absolute-form URIs reduced to their path, repeated
 * slashes and dot segments resolved, one /vX.Y version prefix taken off
 * (into *version). *query: the query string as sent. 0 or -EINVAL.
 */
int az_normalise_uri(const char *uri, struct az_arena *a, const char **path,
		     const char **version, const char **query);
/* The query's parameters, decoded, NAME=value (a NAME never holds '='). */
int az_query_params(const char *query, struct az_arena *a, struct docker_list *out);
/* What a method and normalised path do ("container_create", ...), and the
 * object the path names (or ""). */
const char *az_classify(const char *method, const char *path, const char **target,
			struct az_arena *a);

struct authz_req {
	struct az_arena arena;
	struct docker_event ev;
	struct ev_header hdr; /* the event's time; nothing else of a kernel event */
	struct event event;
	const char *refusal;  /* set: refuse before any rule (fail closed), and why */
	/* the signature verdicts already asked, per key (signed.c) */
	const struct az_trust *trust;
	int signed_memo[9];   /* per key index + 1 (0: any key); 0 unknown, 1 yes, 2 no */
	const char *signer, *unsigned_why;
};

/* ---- signatures (signed.c) ---- */

struct supply_key;
struct az_trust {
	const char *docker_socket;  /* the Engine API, for the image's RepoDigests */
	struct supply_key *keys[8];
	const char *names[8];
	size_t n_keys;
	unsigned timeout_ms;
	const char *const *insecure; /* registries dockerd reaches insecurely */
	size_t n_insecure;
	const char *ca_file;
	const char *nonce;          /* marks the gate's own Engine API requests */
};
/* Installs the lazy docker.image.signed callback on r. */
void az_attach_trust(struct authz_req *r, const struct az_trust *t);
/* Whether a request is the gate's own image inspect (allowed at once). */
bool az_is_own_request(const struct authz_req *r, const struct az_trust *t);

/* ---- the policy (policy.c): compiled rule generations, swapped whole on
 * reload, and the judgement of one request ---- */

struct az_policy_cfg {
	bool baseline;             /* the embedded rules/authz_baseline.yaml first */
	const char *const *files;  /* then these rules files or directories */
	size_t n_files;
};

struct az_gen;
struct sink_set;
struct az_policy {
	struct az_policy_cfg cfg;
	pthread_mutex_t mu;        /* guards cur and the generations' counts */
	struct az_gen *cur;
	unsigned long generation;  /* loads that succeeded */
	unsigned turn;             /* round robin when every engine is busy */
	struct sink_set *sinks;    /* where alerts go (NULL: nowhere) */
};

struct az_verdict {
	bool allow;
	char msg[2048]; /* the deny rules' outputs: what the docker CLI shows */
};

/* Compiles a new generation from cfg and swaps it in; on failure (messages
 * on diag) the current one stays. 0 or negative errno. */
int az_policy_load(struct az_policy *p, FILE *diag);
size_t az_policy_rules(struct az_policy *p);
/* Judges ev: every matching rule's alert goes to the sinks, a deny rule
 * refuses (v->msg). -ENOENT when no policy is loaded. Any thread. */
int az_policy_judge(struct az_policy *p, const struct event *ev, struct az_verdict *v);
void az_policy_release(struct az_policy *p);

/* ---- the plugin server (server.c) ---- */

struct az_server;
struct az_gate {
	struct az_policy policy;
	struct az_trust trust;
	/* counters (atomic) */
	unsigned long allowed, denied, refused, bad;
};
/* Serves the plugin protocol on the listening unix socket fd. */
int az_server_start(struct az_gate *g, int fd, struct az_server **out);
void az_server_stop(struct az_server *s);

#endif
