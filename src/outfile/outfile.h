/*
 * outfile/: every file the agent writes as root is opened here (and the
 * secret files it reads: secret.c): recordings,
 * event streams, alert files (and their rotation), the audit log, the spool,
 * the reports of `palisade audit -o` and the keys of `palisade image keygen`.
 * The agent runs as root and operators name these files in shared places
 * (/tmp, /var/tmp), where another user can plant a link: a link there must
 * never make root truncate or append to a file it points at. So:
 *
 *   - the last component is opened without following a symbolic link
 *     (O_NOFOLLOW), a new file is created with O_EXCL, at `mode`;
 *   - an existing file must be a regular file (or a named pipe) owned by root (or by the
 *     agent's uid) with one link (a hard link planted by another user would
 *     redirect the write just as a symlink would), or /dev/null (discard);
 *   - an existing, non-empty file must already hold the same kind of palisade
 *     output (its start, below), unless the operator passed --force;
 *   - a file opened to be truncated (a recording, an event stream) is
 *     narrowed to `mode` (0600: command lines and environments are private).
 *
 * How each kind is recognised (docs/outputs.md "Files palisade writes"):
 *   recording  starts with "PLSDREC\n" (record/record.h)
 *   events     its first line is a JSON object with string keys "time" and
 *              "type" (docs/events.md: every event line has both)
 *   alerts     its first line is a JSON object with "rule", "priority" and
 *              "output" (Falco's alert schema, which action records share),
 *              or Falco's text line "HH:MM:SS.nnnnnnnnn: Priority ..."
 *              (json_output: false, an output's `format: text`)
 *   audit      its first line is a JSON object with "seq", "prev", "record"
 *   spool      starts with the spool record magic "PSP1"
 *   report     starts as `palisade audit` writes its text, JSON or SARIF
 *   key        a PEM cosign key: "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----"
 *              (or COSIGN), or "-----BEGIN PUBLIC KEY-----"
 *   fimdb      starts with "palisade-fim 1\n" (fim/fim_db.c)
 *   profile    a file `palisade profile learn` writes: "# palisade profile" (text),
 *              or JSON starting with "defaultAction" (seccomp) or "palisade_profile"
 *   handover   starts with "palisade handover\n" (run --handover's cut)
 *
 * Stateless; any thread. Errors are printed (the path, the reason, what to
 * do) and returned as a negative errno.
 */
#ifndef PALISADE_OUTFILE_H
#define PALISADE_OUTFILE_H

#include <stdbool.h>
#include <sys/types.h>

enum outfile_kind {
	OUTFILE_RECORDING,
	OUTFILE_EVENTS,
	OUTFILE_ALERTS,
	OUTFILE_AUDIT,
	OUTFILE_SPOOL,
	OUTFILE_REPORT, /* palisade audit -o: text, JSON or SARIF */
	OUTFILE_KEY,    /* palisade image keygen: PEM keys */
	OUTFILE_FIMDB,  /* palisade fim: the baseline database */
	OUTFILE_PROFILE, /* palisade profile learn: the files of a profile directory */
	OUTFILE_HANDOVER, /* run --handover: RUN_DIR/handover.PID (agent/handover.h) */
};

struct outfile_spec {
	enum outfile_kind kind;
	bool append;   /* O_APPEND (alerts, audit log) */
	bool truncate; /* start the file empty (recording, events) */
	bool force;    /* --force: an existing file of another kind may be replaced */
	mode_t mode;   /* of a new file; a truncated file is narrowed to it */
};

/*
 * Opens `path` (relative to dirfd, or AT_FDCWD) for reading and writing under
 * the rules above; *fd is the open descriptor. `what` names the file in a
 * message ("--record", "output alerts", "spool of webhook").
 */
int outfile_open(int dirfd, const char *path, const struct outfile_spec *spec,
		 const char *what, int *fd);

/*
 * Creates directory `path` (mode 0700) or opens it if it exists; refuses a
 * symbolic link, a non-directory and a directory not owned by root or the
 * agent's uid. *dirfd is an O_DIRECTORY descriptor for outfile_open().
 */
int outfile_dir(const char *path, const char *what, int *dirfd);

/*
 * What outfile_open() and outfile_dir() would refuse, found without creating,
 * truncating or writing anything (`config check`, and `run` before it starts
 * anything): the same checks of an existing file or directory, and for a
 * missing one that its directory exists. Messages as those functions print.
 */
int outfile_check(const char *path, const struct outfile_spec *spec, const char *what);
int outfile_dir_check(const char *path, const char *what);

/*
 * Writes all `len` bytes of `buf` to `fd` (a short write is continued, EINTR
 * retried): 0, or the negative errno (-EIO when write() returns 0). Prints
 * nothing: the caller names the file.
 */
int outfile_write_all(int fd, const void *buf, size_t len);

/* Whether the first `len` bytes of a file (its start) are of `kind`. */
bool outfile_is_kind(enum outfile_kind kind, const char *start, size_t len);

/*
 * Reads a secret file (a key, a token) of at least `min` bytes, at most 4096,
 * without its trailing newline; warns when others can read it. `what` names it
 * in messages ("HMAC key file"). *out is malloc'd.
 */
int outfile_read_secret(const char *path, const char *what, size_t min, unsigned char **out,
			size_t *out_len);

#endif
