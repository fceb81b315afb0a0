/*
 * sensor/: the kernel side's user-space half. Probes kernel features, opens,
 * configures, loads and attaches the BPF skeletons, consumes the ring buffer
 * and reads the in-kernel loss counters. Hands raw records to a callback and
 * knows nothing of what they mean.
 */
#ifndef PALISADE_SENSOR_H
#define PALISADE_SENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "events.h"

/* The rules' pre-filter as the kernel holds it (src/rules/prefilter.h). */
struct sensor_prefilter {
	const struct pf_entry *paths;
	size_t n_paths;
	const struct pf_name_key *names; /* the name gates */
	size_t n_names;
	uint64_t gated_ids; /* bit id: that class has a name gate */
	const struct pf_raw_key *raws; /* the raw-path gates */
	size_t n_raws;
	const struct pf_raw_span *raw_spans; /* PF_IDS: by id byte, the class's pieces */
};

struct sensor_config {
	uint32_t ringbuf_bytes; /* power of two, >= one page */
	uint64_t wakeup_bytes;  /* wake the consumer at this much queued data */
	/* SC_* spec per syscall number (bpf/events.h); NULL or all zero: the
	 * syscall sensor is not loaded at all. */
	const uint32_t *syscall_spec;
	/* The pre-filter (bpf/events.h, src/rules/prefilter.c), written before
	 * the sensor is attached; the spec's SC_PF_* bits select it. NULL: off
	 * (and the name gate's rename tracker is not attached). */
	const struct sensor_prefilter *prefilter;
	/* The raw sys_exit hook (every syscall runs the program) instead of a
	 * tracepoint per watched syscall (src/sensor/syscall_attach.c). */
	bool syscall_raw_hook;
	/* Remember the paths the pre-filter dropped (bpf/prefilter_cache.bpf.h). */
	bool prefilter_cache;
};

typedef int (*sensor_record_fn)(void *ctx, void *rec, size_t len);

/*
 * libbpf's messages (bpf_log.c): verbosity 0 keeps them out of sight and
 * prints them only to explain a failure (sensor_log_failure), 1 prints its
 * warnings as they come, 2 its debug lines too. Call before any libbpf use.
 */
void sensor_log_init(int verbosity);
/* Prints what libbpf said since the last call or forget (a failed load's
 * verifier log), then forgets it. */
void sensor_log_failure(void);
/* Forgets what libbpf said (the start of an operation that may fail). */
void sensor_log_forget(void);

/* The pseudo file systems the kernel side uses (kernel_fs.c). */
enum sensor_fs { SENSOR_FS_TRACEFS, SENSOR_FS_BPFFS };
/* Mounts it when it is not, saying so; 0, or -errno with what to do printed. */
int sensor_mount_fs(enum sensor_fs which);

struct sensor;

/* Returns 0 or a negative errno; the error was printed with what to do. */
int sensor_open(const struct sensor_config *cfg, sensor_record_fn fn, void *ctx,
		struct sensor **out);
/* Maps the ring into the process (sensor_poll does it when not done): the
 * kernel maps all its pages at once and libbpf maps the data twice, so the
 * agent does it after its other BPF objects loaded (each load parses the
 * kernel's BTF, about 12 MiB for a moment: the two never add up). Records
 * queue in the kernel meanwhile. 0, or -errno (message printed). */
int sensor_map_ring(struct sensor *s);
/* Consumes what is queued, waiting up to timeout_ms, and returns within a
 * short batch (50 ms of records) even when the producer never pauses, so the
 * caller gets to check its stop flag. Returns records or -errno. */
int sensor_poll(struct sensor *s, int timeout_ms);
/* At exit: consumes what is queued for at most max_ms. Records or -errno. */
int sensor_drain(struct sensor *s, int max_ms);
/* Replaces the syscalls the kernel reports (a reload with other rules); loads
 * the syscall sensor if it was not. Returns 0 or -errno (message printed). */
int sensor_update_syscalls(struct sensor *s, const uint32_t spec[EV_SYSCALL_NR_MAX]);
/* Whether exec records carry the environment (a rule reads proc.env);
 * takes effect at the next exec. */
void sensor_capture_env(struct sensor *s, bool on);
/* Records lost to a full ring, by what they were (EV_LOST_SLOTS of
 * bpf/events.h), summed over the CPUs. 0 or -errno. */
int sensor_lost_by(struct sensor *s, uint64_t out[EV_LOST_SLOTS]);
/* Sums the per-CPU counters (enum ev_counter). */
void sensor_counters(struct sensor *s, uint64_t out[CNT_MAX]);
/*
 * Tells the pre-filter that a cgroup is the host's (user space resolved it
 * as no container's and will treat it so for good). Cheap when repeated.
 */
void sensor_prefilter_host(struct sensor *s, uint64_t cgroup_id);
/*
 * The process table is seeded from /proc: until then the name gate keeps
 * every open it could need (bpf/prefilter_names.bpf.h).
 */
void sensor_prefilter_seeded(struct sensor *s);
/*
 * A reload installs another pre-filter in two steps, so that the kernel
 * never drops an open the old or the new rules need: suspend writes the
 * union of the old and new interest with no SC_PF_* bits (every open is
 * kept) and waits until no program still runs with the old filter; the
 * caller drains the ring and swaps the rules, then replace
 * rewrites the maps and writes spec with the new filter's bits. pf NULL:
 * no filter. On a map failure replace leaves spec unfiltered (sound) and
 * says so. Both return 0 or -errno (printed).
 */
int sensor_prefilter_suspend(struct sensor *s, const uint32_t a[EV_SYSCALL_NR_MAX],
			     const uint32_t b[EV_SYSCALL_NR_MAX]);
int sensor_prefilter_replace(struct sensor *s, const uint32_t spec[EV_SYSCALL_NR_MAX],
			     const struct sensor_prefilter *pf);
/* Whether a rename mark did not fit: the name gate then keeps every open of
 * its classes (sound, slower). */
bool sensor_prefilter_marks_full(struct sensor *s);
/* The per-CPU counters: out[cpu * CNT_MAX + counter] for at most max_cpus
 * CPUs. Returns the CPUs written, or a negative errno. */
int sensor_counters_percpu(struct sensor *s, uint64_t *out, int max_cpus);

/*
 * What is loaded and what is attached, for metrics and `palisade status`:
 * each loaded program with the number of links the kernel holds to it,
 * read back from the kernel's link list (sensor_links.c), never assumed.
 * Strings live as long as the sensor.
 */
#define SENSOR_PROGRAMS_MAX 16
struct sensor_program {
	const char *section; /* "tp_btf/sys_enter", "tracepoint" */
	const char *name;    /* the program's name in its object, "on_sys_enter" */
	unsigned links;      /* 0: loaded, not attached */
};
struct sensor_info {
	struct sensor_program programs[SENSOR_PROGRAMS_MAX];
	size_t n_programs;
	int links_error; /* -errno: the kernel's links could not be read (all 0) */
	unsigned syscalls_watched;
	uint32_t ringbuf_bytes;
	int ncpus;
};
void sensor_info(struct sensor *s, struct sensor_info *out);
/* One line: programs attached and kernel features found or missing. */
void sensor_describe(struct sensor *s, char *buf, size_t size);
/*
 * Detaches every program (no record is produced from here on) and keeps the
 * maps and the ring, which sensor_drain still reads: a handover's old agent
 * (docs/upgrade.md). The counters stay readable; sensor_close frees.
 */
void sensor_detach(struct sensor *s);
void sensor_close(struct sensor *s);

/*
 * The in-kernel exec deny lists (bpf/exec_deny.bpf.h), filled by action/.
 * kind is one EXEC_DENY_* bit; value a canonical absolute path (PATH, DIR),
 * a process name (NAME) or an argv[0] (ARGV0). -ENAMETOOLONG when the value
 * does not fit a key (the caller serves that rule another way), -EINVAL for
 * a path that is not canonical. scopes: EXEC_SCOPE_ALL, or the scope bits
 * a process's cgroup must have in sensor_exec_scope_cgroup (or-ed with those
 * of an existing entry). sensor_exec_protect lists a path that a directory
 * entry must never kill. Entries take effect at once.
 */
int sensor_exec_deny_add(struct sensor *s, uint32_t kind, const char *value, uint32_t scopes);
/* Which EXEC_SCOPE_* bits the processes of a cgroup are in. */
int sensor_exec_scope_cgroup(struct sensor *s, uint64_t cgroup_id, uint32_t scopes);
int sensor_exec_protect(struct sensor *s, const char *path);
/* Empties every list (before a reload fills them again). */
void sensor_exec_deny_clear(struct sensor *s);
/* The leaf-first key of a canonical absolute path ("/bin/sh" -> "sh\0bin\0"):
 * bytes written, or -ENAMETOOLONG / -EINVAL. Pure: unit-tested. */
int sensor_exec_path_key(const char *path, char key[EXEC_DENY_KEY]);
/*
 * Kill at syscall entry (bpf/process.bpf.c on_sys_enter): masks[nr] holds
 * ENTRY_DENY_* bits for syscall nr (NULL: none). The sys_enter program is
 * attached the first time a mask is set, and stays (empty masks cost one
 * array lookup per syscall).
 */
int sensor_entry_deny(struct sensor *s, const uint32_t masks[EV_SYSCALL_NR_MAX]);
/*
 * The hold (bpf/hold.bpf.h): the first exec of a container cgroup the agent
 * has not armed is stopped before its first instruction. on: hold from now
 * (off: nothing new is held). arm: the cgroup's enforcement is in place, its
 * execs run. disarm_all: every cgroup is new again (a re-plan). claim: takes
 * the hold of process tgid (0; -ENOENT when another path took it, or the
 * process died). list: up to max holds, for the timeout keeper (any thread);
the number listed.
 * map_fd: the held map, for a process that must release holds when the
 * agent is gone.
 */
void sensor_hold_enable(struct sensor *s, bool on);
int sensor_hold_arm(struct sensor *s, uint64_t cgroup_id);
void sensor_hold_disarm_all(struct sensor *s);
int sensor_hold_claim(struct sensor *s, uint32_t tgid);
int sensor_hold_list(struct sensor *s, uint32_t *tgids, struct hold_value *vals, int max);
int sensor_hold_map_fd(struct sensor *s);

/* Whether the kernel sent SIGKILL to thread tid at the entry of syscall nr
 * (forgets it: each kill is reported once). */
bool sensor_entry_killed_take(struct sensor *s, uint32_t tid, uint32_t nr);

/*
 * Learning (bpf/learn.bpf.c; docs/profiles.md): a raw tp_btf/sys_enter
 * program and tp_btf/cap_capable fill a per-cgroup syscall bitmap and
 * capability sets (struct learn_cgroup). open loads and attaches them;
 * close destroys them, so nothing stays attached when learning is off.
 * all: every cgroup is learned from its first syscall on (up to
 * LEARN_CGROUPS_MAX; unlearned counts the ones that did not fit); otherwise
 * only the cgroups given to add. read: -ENOENT for a cgroup never seen.
 * each: every learned cgroup, until fn returns non-zero (returned).
 */
struct sensor_learn;
int sensor_learn_open(bool all, struct sensor_learn **out);
int sensor_learn_add(struct sensor_learn *l, uint64_t cgroup_id);
int sensor_learn_read(struct sensor_learn *l, uint64_t cgroup_id, struct learn_cgroup *out);
int sensor_learn_each(struct sensor_learn *l,
		      int (*fn)(uint64_t cgroup_id, const struct learn_cgroup *seen, void *ctx),
		      void *ctx);
uint64_t sensor_learn_unlearned(struct sensor_learn *l);
void sensor_learn_close(struct sensor_learn *l);

#endif
