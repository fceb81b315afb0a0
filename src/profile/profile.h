/*
 * profile/: `palisade profile`, least-privilege profiles learned from what a
 * container was seen doing (docs/profiles.md). One observation (struct
 * profile_obs), filled live (the learning programs of bpf/learn.bpf.c, the
 * file and network events of the syscall sensor, the container's cgroup
 * files) or from a recording, becomes four artefacts in a profile directory:
 * a seccomp profile in Docker's JSON format, an AppArmor profile, the
 * capabilities as docker flags and resource limits as docker flags, plus
 * profile.json, the observation itself, which `profile check` and
 * `palisade audit --suggest` read back.
 *
 * Owns: the observation, the renderings and their parsers, the runtime's
 * syscall set (seccomp_runtime.c), the profile directory's files.
 * Must not touch: the agent's run loop and rules. It loads BPF only through
 * sensor/ and reaches Docker only through container/'s Engine API client.
 *
 * Threads: every function runs on the caller's thread; nothing is global.
 */
#ifndef PALISADE_PROFILE_H
#define PALISADE_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "container/container.h"
#include "events.h"

/* Bounds on what one observation keeps. */
#define PROFILE_PATHS_MAX 4096 /* distinct file paths (then counted as dropped) */
#define PROFILE_INDEX_SLOTS 8192 /* their hash index: at most half full */
#define PROFILE_FILE_MAX (4u << 20) /* a profile file read back */

/* File access modes, as AppArmor spells them (r w x m l). */
#define PROFILE_R (1u << 0)
#define PROFILE_W (1u << 1)
#define PROFILE_X (1u << 2)
#define PROFILE_M (1u << 3) /* mmap PROT_EXEC of the file */
#define PROFILE_L (1u << 4) /* link: a hard link was made to it */

struct profile_path {
	char *path;
	uint32_t modes; /* PROFILE_* */
};

/* What one container was seen doing. */
struct profile_obs {
	char id[65];
	char name[256];
	char image[512];
	struct learn_cgroup seen;
	bool from_start;      /* learning began before the container's first process */
	uint64_t learned_ns;  /* how long it was learned */
	/* Resource use: EV_LEARN_* bits of what is known. */
	uint32_t limits_known;
	uint64_t mem_peak;     /* bytes */
	uint32_t cpu_peak_milli; /* 1/1000 CPU over one sampling interval */
	uint32_t pids_peak;
	uint64_t cpu_usage_ns;
	/* Files opened, executed, mapped or linked, and socket families. */
	struct profile_path *paths;
	size_t n_paths, paths_cap;
	uint32_t *index;        /* PROFILE_INDEX_SLOTS: path entry + 1, 0 = empty */
	uint64_t paths_dropped; /* over PROFILE_PATHS_MAX */
	uint64_t families;      /* bit AF_*: socket families created (AF_* < 64) */
	uint16_t family_types[64]; /* per family, bit SOCK_*: the socket types created */
	bool files_seen;        /* the file events were followed (else no file rules) */
};

void profile_obs_free(struct profile_obs *o);
/* Adds (or widens) a path's modes; "" and relative paths are ignored. */
int profile_obs_add_path(struct profile_obs *o, const char *path, uint32_t modes);
/* Merges what the kernel learned of a cgroup (bitmaps and sets or-ed). */
void profile_obs_merge(struct profile_obs *o, const struct learn_cgroup *seen);
/* Adds the files and sockets of b (another observation of the same
 * container) to o. 0 or -ENOMEM (-E2BIG counted in paths_dropped). */
int profile_obs_merge_files(struct profile_obs *o, const struct profile_obs *b);
/* Adds a socket's family and type (type's low 4 bits: SOCK_STREAM ...). */
void profile_obs_add_socket(struct profile_obs *o, unsigned family, unsigned type);

/*
 * What one decoded event (the syscall sensor's records, live or from a
 * recording; obs_event.c) says of the files and sockets a container used,
 * added to o: opens by their access mode (r, w; O_DIRECTORY and mkdir as a
 * directory, "path/"), execs (x), links (l on the new name), renames,
 * unlinks, chmods and truncates (w), sockets (family and type). Failed calls
 * and the runtime's own calls (runc, before the workload's exec) are not the
 * workload's and are skipped. 1 when something was added, 0 when nothing,
 * -errno.
 */
struct event;
int profile_obs_add_event(struct profile_obs *o, const struct event *ev);
/* The observation of one container (name, id or a 12+ character id prefix)
 * from a recording of `palisade run --record FILE --learn` (record_obs.c):
 * 0, -ENOENT no such container, -ENODATA no learn frame for it, -errno
 * (each printed). */
int profile_obs_from_record(const char *path, const char *container, struct profile_obs *o);
/* The SC_* spec of the syscalls profile_obs_add_event reads (the file and
 * socket calls of palisade's table), for the sensor. */
void profile_event_spec(uint32_t spec[EV_SYSCALL_NR_MAX]);

/* ---- syscall names (syscall_names.c, libseccomp's tables) ---------------- */

/* The native architecture's name of syscall nr into buf: 0, or -ENOENT when
 * libseccomp knows no syscall of that number. */
int profile_syscall_name(unsigned nr, char *buf, size_t size);
/* The number of a syscall name on the native architecture, or -1. */
int profile_syscall_nr(const char *name);
/* Docker's names of the native architecture and its sub-architectures
 * ("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"); n set. */
const char *const *profile_seccomp_arches(size_t *n);

/* ---- seccomp (seccomp.c, seccomp_runtime.c) ------------------------------ */

/* The syscalls runc makes after installing the filter (seccomp_runtime.c). */
size_t profile_runtime_count(void);
const char *profile_runtime_at(size_t i);
bool profile_runtime_has(const char *name);

struct profile_seccomp_stats {
	unsigned allowed;   /* distinct syscall names the profile allows (any rule) */
	unsigned workload;  /* of which the workload was seen making */
	unsigned runtime;   /* of which only the runtime's set adds */
	unsigned unnamed;   /* learned numbers libseccomp has no name for (left out) */
};
/* Whether the profile made from o lets syscall nr through (its argument
 * filters aside; clone3 answers ENOSYS and the C library falls back). */
bool profile_seccomp_allows(const struct profile_obs *o, unsigned nr);
/* The profile as Docker's JSON, malloc'd text; st filled. NULL: no memory. */
char *profile_seccomp_render(const struct profile_obs *o, struct profile_seccomp_stats *st);

/* ---- AppArmor (aa_rules.c, apparmor.c) ---------------------------------- */

/*
 * File rules: each path seen with its modes, then two rules, stated in the
 * profile's header (PROFILE_GLOB_RULES): a numeric component under /proc
 * becomes [0-9]* (process ids differ every run), and four or more files of
 * one directory used with the same modes become one rule, the directory followed by a star, with those modes.
 * Paths with control characters cannot be written (counted in unwritable).
 */
#define PROFILE_GLOB_RULES                                                           \
	"a numeric component under /proc becomes [0-9]* (process ids differ every "    \
	"run); four or more files of one directory used with the same modes become "   \
	"DIR/* with those modes"
struct profile_aa_rule {
	char *glob;     /* escaped, as written in the profile */
	uint32_t modes; /* PROFILE_* */
};
struct profile_aa_deny {
	const char *glob;
	uint32_t modes;
};
struct profile_aa_rules {
	struct profile_aa_rule *v;
	size_t n, cap;
	size_t collapsed;  /* files that rule 2 folded into a directory glob */
	size_t unwritable; /* paths left out: not expressible in a rule */
	const struct profile_aa_deny *deny[4];         /* written */
	const struct profile_aa_deny *deny_skipped[4]; /* not written: the workload used them */
	size_t n_deny, n_skipped;
};
int profile_aa_rules_build(const struct profile_obs *o, struct profile_aa_rules *r);
void profile_aa_rules_free(struct profile_aa_rules *r);
/* The modes the rules allow on path (deny rules applied). */
uint32_t profile_aa_allowed(const struct profile_aa_rules *r, const char *path);
bool profile_aa_glob_match(const char *glob, const char *path);
/* The seed's sensitive paths (/etc/shadow r, writes under /proc/sys and /sys). */
const struct profile_aa_deny *profile_aa_denies(size_t *n);

struct profile_aa_stats {
	size_t rules, collapsed, unwritable, uncovered;
	size_t denies;
};
/* The profile's text (malloc'd; NULL: no memory); name: its AppArmor name. */
char *profile_apparmor_render(const struct profile_obs *o, const char *name,
			      struct profile_aa_stats *st);
/* "palisade-NAME", NAME's characters outside [A-Za-z0-9._-] as '_'. */
void profile_apparmor_name(const struct profile_obs *o, char *buf, size_t size);
/*
 * Compiles the profile file with `apparmor_parser -Q -K` (no kernel load,
 * no cache): 0 compiled, 1 refused (its message in msg), -ENOENT no
 * apparmor_parser (Debian package apparmor), -errno.
 */
int profile_apparmor_compile(const char *path, char *msg, size_t size);
/* Whether this kernel has the AppArmor LSM (/sys/kernel/security/lsm); the
 * list in lsm when read. */
bool profile_apparmor_kernel(char *lsm, size_t size);

/* ---- profile.json (profile_json.c) --------------------------------------- */

/* The observation as profile.json (malloc'd), with the limits for headroom. */
char *profile_json_render(const struct profile_obs *o, double headroom);
/* Parses profile.json into o (zeroed first; free with profile_obs_free);
 * -EINVAL with "line:col: what" or "key: what" in err. */
int profile_json_parse(const char *text, size_t len, struct profile_obs *o, char *err,
		       size_t errlen);
/* Socket families as AppArmor names them ("inet", "unix"), NULL / -1 unknown. */
const char *profile_family_name(unsigned af);
int profile_family_from_name(const char *name);
/* A socket type as AppArmor names it ("stream"), NULL unknown. */
const char *profile_sock_type_name(unsigned type);
/* The families and types used as AppArmor names them, "inet stream" (the
 * family alone when no type is known), at most max; the number written. */
#define PROFILE_NETWORK_MAX 128
size_t profile_network_list(const struct profile_obs *o, char (*out)[32], size_t max);
/* PROFILE_* modes as AppArmor letters, in "rwxml" order. */
void profile_modes_text(uint32_t modes, char out[8]);

/* ---- the profile directory (profile_dir.c) -------------------------------- */

/* Writes every file of the profile into dir (created 0700 when missing;
 * outfile.h's rules: no link followed, a file of another kind kept unless
 * force). Prints what was written. 0 or -errno (printed). */
int profile_dir_write(const char *dir, const struct profile_obs *o, double headroom, bool force);
/* DIR/profile.json into o (bounded; errors printed). 0 or -errno. */
int profile_dir_read(const char *dir, struct profile_obs *o);
/* Makes the missing directories of path (0700, as outfile_dir does). */
int profile_mkdirs(const char *path);
/* "--cap-drop ALL --cap-add CHOWN ..." for a capability set; -ENOSPC. */
int profile_caps_flags(uint64_t caps, char *buf, size_t size);

/* ---- resource limits (limits.c) ------------------------------------------ */

/* The container's cgroup files and the previous CPU reading. */
struct profile_sampler {
	struct container_cgroup_dirs dirs;
	uint64_t last_ns, last_usage;
};
/* Reads the peaks into o (kept when higher) and the CPU used since the last
 * call (its rate's maximum is the CPU peak). now_ns: a monotonic clock. */
void profile_limits_sample(struct profile_sampler *s, struct profile_obs *o, uint64_t now_ns);

/*
 * The suggested limits: `headroom` times the peak seen, memory rounded up to
 * a MiB and at least 32 MiB, CPUs rounded up to 0.1 and at least 0.1, pids
 * at least 32. known: the EV_LEARN_* bits of the peaks that were read.
 */
struct profile_limits {
	uint32_t known;
	uint64_t memory;     /* bytes */
	uint32_t cpus_milli; /* 1/1000 CPU */
	uint32_t pids;
};
void profile_limits_suggest(const struct profile_obs *o, double headroom,
			    struct profile_limits *l);
/* "--memory 32m --cpus 0.1 --pids-limit 32" (the known ones); -ENOSPC. */
int profile_limits_flags(const struct profile_limits *l, char *buf, size_t size);

/* ---- commands ------------------------------------------------------------ */

int profile_cli_main(int argc, char **argv);
/* `profile learn --container NAME` live (learn_live.c). */
struct profile_learn_opts {
	const char *container;
	const char *output;     /* the profile directory */
	const char *docker_socket;
	uint64_t duration_ms;   /* 0: until SIGINT / SIGTERM */
	double headroom;
	bool wait;              /* the container may start later */
	bool force;
};
int profile_learn_live(const struct profile_learn_opts *o);

#endif
