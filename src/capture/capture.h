/*
 * capture/: forensic capture (docs/response.md, "capture") and `palisade
 * incidents`.
 *
 * Owns the per-container rings of raw event records (the last seconds of each
 * container's stream, bounded in bytes and in containers), the bundle a
 * rule's `capture` step writes (the alert, that window as a recording
 * `palisade replay` reads, the process tree, the engine's inspect and diff
 * with hashes, the network connections, a manifest with the SHA-256 of each
 * file), the `capture` action back-end (rate-limited, size-capped, on a
 * worker thread), and `palisade incidents`, which reads the audit log back.
 *
 * Must not touch: the rules engine (rules.h only), the sinks (the step's
 * result travels on the alert), the container store (a target's container
 * comes with its event; the engine is asked through container.h's client).
 *
 * Threads: capture_rings_* and the back-end's prepare/apply run on the
 * event-consumer thread; bundles are written on the back-end's own thread,
 * which hands each result back through action_complete().
 */
#ifndef PALISADE_CAPTURE_H
#define PALISADE_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "action/action.h"

/* ---- the per-container rings (ring.c): pure, no I/O ---------------------- */

struct capture_rings;
/* bytes: each container's ring; max: containers kept (the one that wrote
 * least recently gives way). */
int capture_rings_new(size_t bytes, size_t max, struct capture_rings **out);
void capture_rings_free(struct capture_rings *r);
/* One raw record (bpf/events.h: an ev_header first), kept in the ring of its
 * cgroup. A record larger than a ring is counted, not kept. */
void capture_rings_append(struct capture_rings *r, const void *rec, size_t len);
/*
 * The records of cgroup_id whose ts_ns >= since_ns, oldest first, copied as
 * frames (u32 length, then the record) into *buf (malloc'd; NULL when none).
 * *n: records; *lost: records of that cgroup the ring had to let go of (the
 * window may miss its start when not 0).
 */
int capture_rings_window(const struct capture_rings *r, uint64_t cgroup_id, uint64_t since_ns,
			 void **buf, size_t *len, size_t *n, uint64_t *lost);
struct capture_rings_stats {
	size_t containers;
	uint64_t records, too_large, evicted_containers;
};
void capture_rings_stats(const struct capture_rings *r, struct capture_rings_stats *out);

/* ---- the bundle (bundle.c, sysstate.c) ------------------------------------ */

struct capture_config {
	const char *dir;         /* where bundles go (created 0700, root's) */
	uint64_t window_s;       /* seconds of events before the alert */
	uint64_t ring_bytes;     /* per container */
	uint64_t containers;     /* rings kept */
	uint64_t max_bytes;      /* per bundle */
	uint64_t hash_max_bytes; /* changed files hashed up to this size */
	uint64_t per_minute;     /* bundles written at most per minute; the rest counted */
	const char *docker_socket; /* NULL: no inspect, no diff */
	const char *hostname;
};

/* What one bundle is made of (handed to the writer thread). */
struct capture_job {
	uint64_t token;
	uint64_t cgroup_id;
	uint64_t boot_to_epoch_ns;
	uint64_t time_ns; /* the alert's, wall clock */
	uint32_t pid;     /* the alert's process (host pid) */
	char id[CONTAINER_ID_LEN + 1];
	char rule[128];
	char *alert_json;     /* malloc'd */
	char *container_json; /* malloc'd (container_info_to_json) */
	void *events;         /* frames from capture_rings_window */
	size_t events_len, n_events;
	uint64_t events_lost;
};
void capture_job_free(struct capture_job *j);

/*
 * Writes the bundle of j under cfg->dir: a new directory named after the
 * time and the container, its files, and manifest.json last. Fills res: done
 * with the bundle's path and the manifest's SHA-256 as extras ("bundle",
 * "manifest_sha256"), or failed with why. A part that could not be read
 * (the engine away, the container gone) is named in the manifest's errors;
 * the bundle is still written.
 */
void capture_bundle_write(const struct capture_config *cfg, const struct capture_job *j,
			  struct action_result *res);

/* ---- the action back-end (backend.c) ------------------------------------ */

struct capture;
/* Registers nothing: the caller registers *out. get_boot_to_epoch: the
 * offset of the agent's event times. */
int capture_backend(struct action_dispatcher *d, const struct capture_config *cfg,
		    uint64_t boot_to_epoch_ns, struct action_backend *out);
/* Each event with its container (event thread): kept in its ring while a
 * rule captures. */
void capture_backend_event(struct action_backend *b, const void *rec, size_t len);
/* "captures: N written, N failed, N rate-limited" (nothing when none). */
void capture_backend_print(struct action_backend *b, FILE *f);
/* Finishes the bundles queued (bounded) and frees. */
void capture_backend_free(struct action_backend *b);

/* ---- palisade incidents (incidents_cli.c) -------------------------------- */
int incidents_cli_main(int argc, char **argv);
/* One line of the audit log as the incident it lists (JSON, malloc'd), or
 * NULL: not a record, or a record without actions and !all. */
char *capture_incident_json(const char *line, bool all);

#endif
