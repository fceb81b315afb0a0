/*
 * audit/: `palisade audit`, the least-privilege and posture audit (CIS Docker
 * Benchmark v1.6 where a check has a number, palisade's own ids otherwise).
 *
 * Owns: the one normalised description of a workload (struct audit_workload)
 * and the sources that fill it (the Engine API's inspect answers, compose
 * files, Kubernetes manifests), the descriptions of the host, the daemon and
 * images, the TABLE of checks (audit_checks.c: id, CIS number, severity,
 * check function, remediation as the exact docker flag / compose key /
 * Kubernetes securityContext key), the findings, their renderings (text
 * table, JSON, SARIF 2.1.0), `--suggest` and the command.
 *
 * Must not touch: the event path. It reaches Docker only through
 * container/'s Engine API client; it reads /proc, /sys and the daemon's
 * files, and writes nothing but its output.
 *
 * Threads: the live collection inspects containers on a few worker threads of
 * its own (joined before it returns); everything else runs on the caller's
 * thread. Nothing here keeps global state: a report is a value.
 */
#ifndef PALISADE_AUDIT_H
#define PALISADE_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rules/rules.h"

/* Bounds on untrusted input. */
#define AUDIT_FILE_MAX (8u << 20)    /* a compose file or manifest */
#define AUDIT_DOCS_MAX 1024          /* documents in one manifest file */
#define AUDIT_WORKLOADS_MAX 16384    /* containers, services, pod containers */
#define AUDIT_LIST_MAX 4096          /* mounts, env, ports, caps... of one workload */
#define AUDIT_SETUID_LIST_MAX 64     /* setuid/setgid files named per image */
#define AUDIT_LAYER_ENTRIES_MAX 2000000u /* files walked per image */
#define AUDIT_SAVE_BYTES_MAX (16ull << 30) /* docker save read per image */

enum audit_severity {
	AUDIT_SEV_INFO = 0,
	AUDIT_SEV_LOW,
	AUDIT_SEV_MEDIUM,
	AUDIT_SEV_HIGH,
	AUDIT_SEV_CRITICAL,
};
const char *audit_severity_name(enum audit_severity s);
int audit_severity_parse(const char *s, enum audit_severity *out);

/* What a check looks at. */
enum audit_kind {
	AUDIT_KIND_HOST = 0,
	AUDIT_KIND_DAEMON,
	AUDIT_KIND_IMAGE,
	AUDIT_KIND_CONTAINER, /* a workload: container, compose service, pod container */
};
const char *audit_kind_name(enum audit_kind k);

/* Where a workload was described. */
enum audit_source {
	AUDIT_SRC_ENGINE = 0, /* the Engine API (a live container) */
	AUDIT_SRC_COMPOSE,
	AUDIT_SRC_K8S,
	AUDIT_SRC_COUNT,
};

/* A place in a file (line and column from 1); file NULL: live state. */
struct audit_loc {
	const char *file;
	int line, col;
};

/*
 * Fields a finding may point at: each has a location in a file source (the
 * key that set it, or the service/container when the key is absent).
 */
enum audit_field {
	AUDIT_F_ENTRY = 0, /* the service / container entry itself */
	AUDIT_F_USER,
	AUDIT_F_PRIVILEGED,
	AUDIT_F_CAP_ADD,
	AUDIT_F_CAP_DROP,
	AUDIT_F_SECCOMP,
	AUDIT_F_APPARMOR,
	AUDIT_F_SELINUX,
	AUDIT_F_NO_NEW_PRIVS,
	AUDIT_F_READ_ONLY,
	AUDIT_F_NET_MODE,
	AUDIT_F_PID_MODE,
	AUDIT_F_IPC_MODE,
	AUDIT_F_UTS_MODE,
	AUDIT_F_USERNS_MODE,
	AUDIT_F_CGROUPNS_MODE,
	AUDIT_F_MEMORY,
	AUDIT_F_CPU,
	AUDIT_F_PIDS,
	AUDIT_F_ULIMITS,
	AUDIT_F_RESTART,
	AUDIT_F_HEALTH,
	AUDIT_F_CGROUP_PARENT,
	AUDIT_F_DEVICES,
	AUDIT_F_COUNT,
};

/* A setting the source may leave unsaid: then the source's default applies. */
enum audit_tri { AUDIT_UNSET = 0, AUDIT_NO, AUDIT_YES };

struct audit_mount {
	char *source; /* host path ("" for a named volume or tmpfs) */
	char *target;
	char *type;   /* bind, volume, tmpfs, hostPath */
	bool rw;
	char *propagation; /* "" when default */
	struct audit_loc loc;
};

struct audit_port {
	char *host_ip; /* "" : every address */
	uint32_t host_port; /* 0: not published on the host */
	uint32_t container_port;
	char proto[8];
	struct audit_loc loc;
};

struct audit_env {
	char *name;
	char *value;
	bool from_image; /* live: the image's ENV, not `docker run -e` */
	struct audit_loc loc;
};

struct audit_device {
	char *host_path;
	char *container_path;
	struct audit_loc loc;
};

enum audit_health { AUDIT_HEALTH_NONE = 0, AUDIT_HEALTH_SET, AUDIT_HEALTH_DISABLED };

/*
 * One workload, whatever described it. Strings are never NULL ("" when the
 * source is silent); enum audit_tri says whether a boolean was said at all,
 * because the defaults differ (Docker confines with seccomp by default, a
 * Kubernetes pod without seccompProfile runs Unconfined).
 */
struct audit_workload {
	enum audit_source source;
	char *name;     /* container name, compose service, "Kind/name:container" */
	char *id;       /* engine: full container id; "" otherwise */
	char *image;    /* as written */
	char *image_id; /* engine: "sha256:..."; "" otherwise */
	char *state;    /* engine: running, exited, created...; "" otherwise */
	char *user;     /* "" unset: the image's USER, root when it has none */
	enum audit_tri run_as_non_root; /* Kubernetes runAsNonRoot */
	bool privileged;
	char **cap_add, **cap_drop;
	size_t n_cap_add, n_cap_drop;
	char *seccomp;  /* "" unset; "unconfined"; "default"/"RuntimeDefault"; a profile */
	char *apparmor; /* "" unset; "unconfined"; a profile name */
	char *selinux;  /* the label= options, "" none */
	enum audit_tri no_new_privs; /* YES: --security-opt no-new-privileges /
				       * allowPrivilegeEscalation: false */
	bool read_only;
	char *net_mode, *pid_mode, *ipc_mode, *uts_mode, *userns_mode, *cgroupns_mode;
	struct audit_mount *mounts;
	size_t n_mounts;
	struct audit_port *ports;
	size_t n_ports;
	struct audit_device *devices;
	size_t n_devices;
	struct audit_env *env;
	size_t n_env;
	int64_t memory;      /* bytes; 0 unlimited */
	int64_t nano_cpus;   /* 1e9 = one CPU; 0 unlimited */
	int64_t cpu_shares;  /* 0 default */
	int64_t cpu_quota;
	int64_t pids_limit;  /* <= 0 unlimited */
	size_t n_ulimits;
	char *restart;       /* "", no, always, unless-stopped, on-failure */
	int64_t restart_max; /* on-failure: MaximumRetryCount */
	enum audit_health health;
	char *cgroup_parent;
	char **cmd; /* live: Config.Cmd, for --suggest */
	size_t n_cmd;
	int sshd_pid; /* live: a process named sshd in the container; 0 none seen */
	struct audit_loc at[AUDIT_F_COUNT]; /* file sources: where each field was set */
};

/* An image, from the Engine's image inspect and its layers. */
enum audit_layers_status {
	AUDIT_LAYERS_NOT_SCANNED = 0, /* said in the finding: why */
	AUDIT_LAYERS_SCANNED,
	AUDIT_LAYERS_TRUNCATED, /* more than AUDIT_LAYER_ENTRIES_MAX files */
};
struct audit_image {
	char *id;
	char *name; /* first RepoTag, else the id */
	char *user;
	enum audit_health health;
	struct audit_env *env;
	size_t n_env;
	char *driver;     /* GraphDriver.Name */
	char **layer_dirs; /* top first (overlay2 diff directories) */
	size_t n_layer_dirs;
	enum audit_layers_status layers;
	char *layers_why; /* NOT_SCANNED: the reason */
	const char *layers_via; /* "overlay2 layer directories", "docker save" */
	char **setuid;    /* "/path (mode 4755)" of the merged view, at most AUDIT_SETUID_LIST_MAX */
	size_t n_setuid, n_setuid_total;
	uint64_t layer_entries;
};

/* A daemon file's owner and mode, against what CIS section 3 asks. */
struct audit_file_fact {
	const char *key;        /* the check rows' arg: "docker.sock", "daemon.json"... */
	const char *want_owner; /* "root:root", "root:docker" */
	uint32_t max_mode;      /* 0644: no permission bit beyond these */
	char *path;             /* the file found ("" none: the checks pass) */
	uint32_t uid, gid, mode;
	char *owner;            /* "user:group" by name (numbers when unnamed) */
};

/* The daemon: docker info, daemon.json and dockerd's command line merged. */
struct audit_daemon {
	bool reachable;
	char *version, *storage_driver, *logging_driver, *swarm_state, *root_dir;
	bool live_restore, userns, rootless, selinux, apparmor, experimental;
	char *seccomp_profile; /* "" when seccomp is not in SecurityOptions */
	char **authz_plugins;
	size_t n_authz_plugins;
	char **insecure_registries; /* other than the built-in 127.0.0.0/8 */
	size_t n_insecure_registries;
	/* daemon.json / command line; AUDIT_UNSET where neither says */
	char *config_file;  /* the daemon.json read ("" none) */
	char *config_error; /* "" or why it could not be read */
	enum audit_tri icc, userland_proxy, no_new_privileges, live_restore_cfg, iptables;
	enum audit_tri tls, tlsverify;
	char *log_level, *cgroup_parent, *userns_remap;
	char **hosts; /* -H / "hosts" */
	size_t n_hosts;
	char *tlscacert, *tlscert, *tlskey;
	struct audit_file_fact files[16];
	size_t n_files;
};

/* The host the daemon runs on. */
struct audit_host {
	int secure_boot; /* -1 unknown (no EFI), 0 off, 1 on */
	char *secure_boot_why;
	char *lockdown; /* "none", "integrity", "confidentiality"; "" unknown */
	char *lsms;     /* /sys/kernel/security/lsm; "" unknown */
	int root_read_only;        /* -1 unknown */
	int docker_root_separate;  /* -1 unknown (root dir not known) */
	char *docker_root_mount;   /* separate 0: what it is instead */
};

/* Everything one audit looked at. */
struct audit_input {
	bool live;
	struct audit_host *host;     /* NULL: not audited (file sources) */
	struct audit_daemon *daemon; /* NULL: not audited */
	struct audit_image *images;
	size_t n_images;
	struct audit_workload *workloads;
	size_t n_workloads;
	/* What was not examined and why, and a file's warnings
	 * ("file:line:col: ..."): printed with the findings, never silent. */
	char **notes;
	size_t n_notes;
	char **files; /* the file names locations point to */
	size_t n_files;
};
void audit_input_release(struct audit_input *in);

/* ---- the checks (audit_checks.c) ------------------------------------------- */

struct audit_subject {
	enum audit_kind kind;
	const struct audit_input *in;
	const struct audit_host *host;
	const struct audit_daemon *daemon; /* may be NULL */
	const struct audit_image *image;
	const struct audit_workload *w;
};

struct audit_emit; /* where a check writes its findings */

/* One finding of the check that is running; evidence says the exact value. */
__attribute__((format(printf, 3, 4))) void audit_emit(struct audit_emit *e,
						      const struct audit_loc *loc,
						      const char *fmt, ...);
/* The location of a workload's field (its entry when the key is absent). */
const struct audit_loc *audit_field_loc(const struct audit_workload *w, enum audit_field f);

struct audit_check {
	const char *id;   /* "5.5" (CIS v1.6) or "PAL-..." */
	const char *cis;  /* CIS v1.6 number; NULL when CIS has none */
	enum audit_kind kind;
	enum audit_severity severity;
	const char *title;
	const char *arg; /* a row's parameter (section 3: which file) */
	void (*check)(const struct audit_subject *s, struct audit_emit *e);
	/* The remediation, per source; NULL: the check does not apply there.
	 * Host and daemon checks use docker only (the setting to change). */
	const char *remedy[AUDIT_SRC_COUNT];
};

extern const struct audit_check audit_checks[];
extern const size_t audit_n_checks;
const struct audit_check *audit_check_by_id(const char *id);

/* ---- findings and the report (audit_report.c) ------------------------------ */

struct audit_finding {
	const struct audit_check *check;
	enum audit_source source;
	char *object;    /* "host", "daemon", image name, workload name */
	char *object_id; /* container / image id; "" */
	char *evidence;
	const char *remediation;
	struct audit_loc loc;
};

struct audit_report {
	struct audit_finding *findings;
	size_t n, cap;
	size_t objects; /* subjects checked */
	bool failed_alloc;
};

/* Runs every check of the table on every subject of in. */
int audit_run(const struct audit_input *in, struct audit_report *out);
void audit_report_release(struct audit_report *r);
/* The highest severity among the findings; -1 when there are none. */
int audit_report_max_severity(const struct audit_report *r);

/* ---- renderings (audit_render*.c) ------------------------------------------ */

enum audit_format { AUDIT_FMT_TEXT = 0, AUDIT_FMT_JSON, AUDIT_FMT_SARIF };
int audit_format_parse(const char *s, enum audit_format *out);
int audit_render(FILE *f, enum audit_format fmt, const struct audit_input *in,
		 const struct audit_report *r);
/* Into a malloc'd string (tests, the agent). */
char *audit_render_string(enum audit_format fmt, const struct audit_input *in,
			  const struct audit_report *r);

/* ---- sources ----------------------------------------------------------------- */

/* Parsers (pure; fuzzed). err gets "what is wrong" / "file:line:col: ...". */
int audit_engine_parse_container(const char *json, size_t len, struct audit_workload *out,
				 char *err, size_t errlen);
int audit_engine_parse_image(const char *json, size_t len, struct audit_image *out, char *err,
			     size_t errlen);
/* docker info answer into d (daemon.json and the command line come after). */
int audit_engine_parse_info(const char *json, size_t len, struct audit_daemon *d, char *err,
			    size_t errlen);
void audit_workload_release(struct audit_workload *w);
void audit_image_release(struct audit_image *img);
void audit_daemon_release(struct audit_daemon *d);
void audit_host_release(struct audit_host *h);

/*
 * A compose file or Kubernetes manifest (chosen by its content): appends its
 * workloads to in. name is the file's name in locations and messages.
 */
int audit_file_parse(const char *name, const char *text, size_t len, struct audit_input *in,
		     char *err, size_t errlen);
int audit_file_load(const char *path, struct audit_input *in, char *err, size_t errlen);

/* daemon.json text into d's configuration fields; a bad file is an error. */
int audit_daemon_parse_config(const char *name, const char *text, size_t len,
			      struct audit_daemon *d, char *err, size_t errlen);
/* dockerd's argv (NUL-separated, as /proc/PID/cmdline) over d's settings. */
void audit_daemon_parse_cmdline(const char *argv, size_t len, struct audit_daemon *d);

/* Host posture from root ("/" normally; tests pass a tree). */
int audit_host_collect(const char *root, const char *docker_root_dir, struct audit_host *out);

/* The merged view of an image's overlay2 layers, for setuid/setgid files. */
int audit_image_scan_layers(struct audit_image *img);
/* The same, from the layer directories when they can be read (overlay2,
 * root), else through `docker save` on socket; img->layers says the outcome. */
int audit_image_scan_setuid(struct audit_image *img, const char *socket);

/* Does an environment variable look like a secret? why: a short reason. */
bool audit_env_is_secret(const char *name, const char *value, const char **why);

/* ---- live collection (audit_live.c) ------------------------------------------ */

struct audit_live_opts {
	const char *socket; /* Docker socket */
	const char *root;   /* host root for /proc, /sys, /etc ("/") */
	bool host, daemon, images, containers;
	bool scan_layers;
	const char *only;   /* a container name or id: only that one */
	unsigned workers;   /* parallel inspects */
};
int audit_collect_live(const struct audit_live_opts *o, struct audit_input *in, char *err,
		       size_t errlen);

/* ---- --suggest (audit_suggest.c) --------------------------------------------- */

/* A hardened `docker run` line (compose: a service) for w; malloc'd. */
char *audit_suggest_docker_run(const struct audit_workload *w, const struct audit_image *img);
/* What a profile learned by `palisade profile learn` brings to the line
 * (--suggest NAME --profile DIR): its seccomp file, its AppArmor profile,
 * the capabilities exercised, the limits from the peaks ("" unknown). */
#define AUDIT_LEARNED_CAPS 64
struct audit_learned {
	char dir[4096];
	char apparmor[300];
	const char *caps[AUDIT_LEARNED_CAPS];
	size_t n_caps;
	char memory[32], cpus[16], pids[16];
	char writes[512]; /* files it wrote outside /tmp, /dev, /proc ("" none) */
};
/* Reads DIR's profile.json; 0 or -errno (printed). */
int audit_learned_load(const char *dir, struct audit_learned *out);
char *audit_suggest_docker_run_learned(const struct audit_workload *w,
				       const struct audit_image *img,
				       const struct audit_learned *lp);
char *audit_suggest_compose(const struct audit_workload *w, const struct audit_image *img);

/* ---- the live audit kept current (audit_watch.c, audit_watch_out.c) ------- */

#define AUDIT_WATCH_INTERVAL_S 300 /* full re-audit period by default */

/* A container that started with findings at or above the alert severity. */
struct audit_violation {
	const struct audit_workload *w;
	const struct audit_finding *const *findings; /* at or above alert_min */
	size_t n;
	enum audit_severity max;
};

struct audit_watch_config {
	const char *socket; /* Docker socket */
	const char *root;   /* host root ("/") */
	unsigned interval_s; /* full re-audit period; 0: AUDIT_WATCH_INTERVAL_S */
	enum audit_severity alert_min;
	/* Called on the audit thread, once per started container in violation;
	 * the pointers live during the call only. */
	void (*on_violation)(const struct audit_violation *v, void *ctx);
	void *ctx;
};

struct audit_watch;

/* Audits now and then every interval, and when a container starts. */
int audit_watch_start(const struct audit_watch_config *cfg, struct audit_watch **out);
void audit_watch_stop(struct audit_watch *w);

struct audit_watch_stats {
	bool have;      /* an audit succeeded */
	bool events_up; /* following Docker's /events: a container start is seen */
	uint64_t runs, errors, violations, queue_dropped;
	double last_success, last_duration; /* epoch seconds; seconds */
};
void audit_watch_stats(struct audit_watch *w, struct audit_watch_stats *out);

/*
 * A metrics collector (metrics_register(r, audit_watch_collect, w)): the last
 * audit as gauges, palisade_audit_findings{check,cis,severity,kind} for every
 * check of the table (0 included), palisade_audit_object_findings{kind,object,
 * severity} for each object with findings, and the watcher's own state.
 */
struct metrics_writer;
void audit_watch_collect(struct metrics_writer *mw, void *watch);

/*
 * A violation as one alert (alert/alert.h; NULL when out of memory): rule
 * AUDIT_VIOLATION_RULE, source "audit", tags audit, cis, container, the
 * priority of the most severe finding (audit_severity_priority), output
 * fields container.id (12 characters), container.name, container.image,
 * audit.checks ("5.4,5.25": the check ids) and audit.max_severity. The
 * agent hands it to its outputs, `palisade audit --watch` prints its JSON.
 */
#define AUDIT_VIOLATION_RULE "Container started in violation of the audit baseline"
#define AUDIT_VIOLATION_SOURCE "audit"
struct alert;
struct alert *audit_violation_alert(const struct audit_violation *v, const char *hostname,
				    uint64_t time_ns);
/* The Falco priority of a severity: critical Critical, high Error, medium
 * Warning, low Notice, info Informational. */
enum rules_priority audit_severity_priority(enum audit_severity s);

/* Tests: a watcher without threads, given its report by audit_watch_publish
 * (which takes in and rep over). */
int audit_watch_new_offline(struct audit_watch **out);
void audit_watch_publish(struct audit_watch *w, struct audit_input *in, struct audit_report *rep);

/* palisade audit [FILE...] [--format text|json|sarif] [--fail-on SEV] ... */
int audit_cli_main(int argc, char **argv);

#endif
