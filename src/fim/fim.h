/*
 * fim/: file integrity. Owns the FIM configuration (its own YAML file: what
 * to watch, what to exclude, which attributes to keep per path, how the
 * baseline is authenticated), the scan of the watched trees (parallel walk,
 * parallel hashing in inode order), the baseline database (a text file
 * authenticated by HMAC-SHA-256 or an Ed25519 signature, parsed with every
 * size bounded), the comparison of two scans and its reports (text, JSON),
 * and `palisade fim init|check|update` (docs/fim.md).
 *
 * Must not touch: the rules engine's internals, the run loop, any file but
 * the database and its temporary (written through outfile/). Reads the
 * watched trees only.
 *
 * Threads: a scan runs its own worker threads and joins them before it
 * returns; everything else runs on the caller's thread. A loaded
 * configuration and a set are read-only once built and may be shared.
 */
#ifndef PALISADE_FIM_H
#define PALISADE_FIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define FIM_CONFIG_DEFAULT "/etc/palisade/fim.yaml"

/* The attributes a baseline entry may keep (fim_attr.c describes each). */
enum fim_attr {
	FIM_A_TYPE,   /* file, dir, symlink, ... */
	FIM_A_MODE,   /* permission bits with setuid, setgid, sticky */
	FIM_A_UID,
	FIM_A_GID,
	FIM_A_SIZE,
	FIM_A_MTIME,
	FIM_A_CTIME,
	FIM_A_INODE,
	FIM_A_NLINK,
	FIM_A_TARGET, /* a symbolic link's target */
	FIM_A_XATTRS, /* every extended attribute, names and values */
	FIM_A_CAPS,   /* security.capability, decoded */
	FIM_A_HASH,   /* the content's digest (regular files) */
	FIM_A_COUNT,
};
#define FIM_ATTR_BIT(a) (1u << (a))
#define FIM_ATTRS_ALL ((1u << FIM_A_COUNT) - 1)

/* Name of an attribute as the configuration, the database and the reports
 * spell it; FIM_A_COUNT for an unknown name. */
const char *fim_attr_name(enum fim_attr a);
enum fim_attr fim_attr_by_name(const char *name, size_t len);
/* One line per attribute: name, AIDE's counterpart, meaning (fim --help, docs). */
void fim_attrs_describe(FILE *f);

/* What a watched path holds, for the rules (fim.class). */
enum fim_class {
	FIM_CLASS_OTHER,
	FIM_CLASS_BINARY, /* executables and libraries */
	FIM_CLASS_CONFIG, /* configuration */
	FIM_CLASS_COUNT,
};
const char *fim_class_name(enum fim_class c);

/* A configured path: its tree (or the file) is watched with these settings. */
struct fim_watch {
	char *path;           /* absolute, normalised, no trailing '/' */
	uint32_t attrs;       /* FIM_ATTR_BIT set */
	enum fim_class class;
	char **exclude;       /* globs of this path only (see fim_config_excluded) */
	size_t n_exclude;
	unsigned line;        /* where it is configured */
};

enum fim_auth {
	FIM_AUTH_HMAC,    /* key_file: HMAC-SHA-256 */
	FIM_AUTH_ED25519, /* sign_key (init, update) / verify_key (check) */
};

struct fim_config {
	char *file;        /* the configuration read */
	char *database;
	enum fim_auth auth;
	char *key_file;    /* HMAC key (at least 32 bytes) */
	char *sign_key;    /* Ed25519 private key, PEM */
	char *verify_key;  /* Ed25519 public key, PEM (defaults: derived from sign_key) */
	char *hash;        /* an OpenSSL digest name: "sha256" */
	unsigned threads;  /* 0: two per online CPU */
	struct fim_watch *watch;
	size_t n_watch;
	char **exclude;    /* globs for every watched path */
	size_t n_exclude;
	/* package_managers: executable paths (a default list when absent) */
	char **pkgmgr;
	size_t n_pkgmgr;
};

/* Bounds of the configuration (each refused beyond, with the file:line:col). */
#define FIM_WATCH_MAX 4096
#define FIM_EXCLUDE_MAX 4096
#define FIM_CONFIG_FILE_MAX (1u << 20)

/*
 * Reads the FIM configuration: `path`, or text held in memory (`name` stands
 * for the file in messages). Every problem is printed to diag (may be NULL)
 * as `file:line:col: what is wrong (what to do)`; any problem refuses the
 * whole file with -EINVAL. -ENOENT when the file does not exist.
 */
int fim_config_load(const char *path, FILE *diag, struct fim_config **out);
int fim_config_parse(const char *name, const char *text, size_t len, FILE *diag,
		     struct fim_config **out);
void fim_config_free(struct fim_config *c);
/* The watch that covers `path` (the longest configured prefix), NULL when the
 * path is not watched or is excluded. */
const struct fim_watch *fim_config_match(const struct fim_config *c, const char *path);
/* Whether an exclude glob of the configuration or of `w` matches `path`:
 * a glob with a '/' is matched against the whole path ('*' crosses '/'), one
 * without against the last component. */
bool fim_config_excluded(const struct fim_config *c, const struct fim_watch *w,
			 const char *path);

/* One file as a scan found it, or as the database holds it. */
struct fim_entry {
	char *path;
	uint32_t attrs;       /* FIM_ATTR_BIT of what was recorded */
	uint32_t mode;        /* st_mode: type and permission bits */
	uint32_t uid, gid;
	uint64_t size, ino, nlink, dev;
	int64_t mtime_ns, ctime_ns;
	char *target;         /* symlink target, or NULL */
	char *xattrs;         /* "name=hex;name=hex" sorted by name, or NULL: none */
	uint8_t caps[24];     /* security.capability as stored */
	uint8_t caps_len;     /* 0: none */
	uint8_t hash_len;     /* 0: not hashed (not a regular file, or hash_err) */
	uint8_t hash[64];
	int hash_err;         /* errno when the content could not be read */
	enum fim_class class;
};

/* A set of entries sorted by path (strcmp), with what produced it. */
struct fim_set {
	struct fim_entry *v;
	size_t n, cap;
	char hash_name[32];   /* the digest of every hash ("sha256") */
	int64_t created;      /* seconds since the epoch */
	/* a scan's counters */
	uint64_t bytes_hashed, errors;
};
void fim_set_free(struct fim_set *s);
const struct fim_entry *fim_set_find(const struct fim_set *s, const char *path);

/* How a scan went (printed by the commands). */
struct fim_scan_stats {
	uint64_t entries, dirs, files_hashed, bytes_hashed;
	uint64_t errors;      /* entries that could not be read (each printed) */
	unsigned threads;
	double walk_seconds, hash_seconds; /* the two phases */
};

/*
 * Walks every watched path (threads: the configuration's, or `threads` when
 * not 0) and hashes regular files with the configured digest, in inode
 * order. Unreadable entries are printed to diag and counted, not fatal.
 * Returns 0 and a set sorted by path, or a negative errno (an unknown
 * digest: -EINVAL).
 */
int fim_scan(const struct fim_config *c, unsigned threads, FILE *diag, struct fim_set **out,
	     struct fim_scan_stats *stats);

/* The authentication key of a database. */
struct fim_key;
/*
 * Loads what c names: the HMAC key, or for Ed25519 the private key
 * (`for_writing`) or the public key. Messages to stderr.
 */
int fim_key_load(const struct fim_config *c, bool for_writing, struct fim_key **out);
void fim_key_free(struct fim_key *k);
/* HMAC keys from memory (tests, the fuzzer). */
int fim_key_hmac(const unsigned char *key, size_t len, struct fim_key **out);

/* Bounds of a database (anything beyond is refused as malformed). */
#define FIM_DB_MAX (UINT64_C(1) << 31)
#define FIM_DB_LINE_MAX (1u << 20)
#define FIM_DB_ENTRIES_MAX 20000000u

/* The database as text, authenticated with k: *out malloc'd, *len bytes. */
int fim_db_format(const struct fim_set *s, const struct fim_key *k, char **out, size_t *len);
/*
 * Writes the database to `path` atomically (a temporary file beside it,
 * renamed over it), through outfile/: an existing file must be a palisade
 * FIM database unless `force`.
 */
int fim_db_write(const char *path, const struct fim_set *s, const struct fim_key *k, bool force);
/*
 * Parses a database of len bytes (untrusted: every length checked). With a
 * key, its authentication is checked first: -EBADMSG when it does not hold
 * (rewritten, truncated, or another key). Without (k NULL), parsed only
 * (tests, the fuzzer). Other problems: -EINVAL, with why set
 * ("line 12: ...").
 */
int fim_db_parse(const char *buf, size_t len, const struct fim_key *k, struct fim_set **out,
		 char *why, size_t why_size);
/* Reads and parses `path` (at most FIM_DB_MAX bytes); messages to stderr. */
int fim_db_read(const char *path, const struct fim_key *k, struct fim_set **out);

/* One difference between a baseline and a scan. */
struct fim_change {
	const struct fim_entry *old; /* NULL: added */
	const struct fim_entry *cur; /* NULL: removed */
	uint32_t changed;            /* FIM_ATTR_BIT of the attributes that differ */
};
struct fim_diff {
	struct fim_change *v;
	size_t n, added, removed, changed;
};
/* Compares two sets sorted by path; only attributes both recorded count. */
int fim_diff(const struct fim_set *old, const struct fim_set *cur, struct fim_diff *out);
void fim_diff_free(struct fim_diff *d);

/* An attribute of an entry as the reports show it ("0755", "file", ...). */
size_t fim_attr_format(enum fim_attr a, const struct fim_entry *e, char *buf, size_t size);

/* Reports: text for people, JSON (one object) for tools. */
void fim_report_text(FILE *f, const struct fim_diff *d, const struct fim_set *old,
		     const struct fim_set *cur);
int fim_report_json(FILE *f, const struct fim_diff *d, const struct fim_set *old,
		    const struct fim_set *cur);

/*
 * The live agent's view (palisade run --fim FILE): the configuration and its
 * authenticated baseline (a database that does not verify refuses the open:
 * -EBADMSG), answering the fim.* fields of the rules (struct event_fim,
 * event/event.h) from any thread. Messages to stderr.
 */
struct event_fim;
struct fim_live;
int fim_live_open(const char *config, struct fim_live **out);
const struct event_fim *fim_live_fields(const struct fim_live *l);
const struct fim_config *fim_live_config(const struct fim_live *l);
const struct fim_set *fim_live_baseline(const struct fim_live *l);
/* Stops the comparison at start (below) first, waiting for nothing: one
 * still running keeps what it reads allocated. */
void fim_live_free(struct fim_live *l);
/*
 * What changed while the agent was not running: starts the scan of the
 * watched paths on a thread and its comparison with the baseline; once done,
 * fim_live_offline_drain (event thread) hands each difference to emit as an
 * alert of rule "FIM - changed while the agent was not running" (source
 * fim) and returns true (false: not done, or drained already).
 * fim_live_offline_stop waits at most wait_ms for it.
 */
struct alert;
int fim_live_offline_start(struct fim_live *l);
bool fim_live_offline_drain(struct fim_live *l, void (*emit)(struct alert *al, void *ctx),
			    void *ctx);
void fim_live_offline_stop(struct fim_live *l, unsigned wait_ms);

/* `palisade fim init|check|update` */
int fim_cli_main(int argc, char **argv);

#endif
