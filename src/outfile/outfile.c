/*
 * Opening the agent's output files without being redirected by a planted
 * link (outfile.h says what is refused and why).
 *
 * An existing file is first opened O_PATH|O_NOFOLLOW: that opens nothing
 * (no device side effect, no FIFO wait) and pins the inode, which is then
 * checked and reopened through /proc/self/fd, so the file checked is the file
 * written.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "outfile/outfile.h"

/* The longest first line read to recognise a JSON lines file. */
#define FIRST_LINE_MAX (1u << 20)
/* An existing file removed between the two opens: try again, a few times. */
#define OPEN_TRIES 4

static bool starts_with_any(const char *start, size_t len, const char *const *starts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (len >= strlen(starts[i]) && memcmp(start, starts[i], strlen(starts[i])) == 0)
			return true;
	return false;
}

/* `palisade audit -o`: a report in one of its three formats (docs/audit.md),
 * each recognised by how it starts. */
static bool is_audit_report(const char *start, size_t len)
{
	static const char *const starts[] = {
		"{\n  \"tool\": \"palisade\"",                          /* json */
		"{\n  \"$schema\": \"https://docs.oasis-open.org/sarif/", /* sarif */
		"SEVERITY  CHECK ",                                       /* text */
		"0 findings on ",                                         /* text, clean */
		"note: ",                                                 /* text, clean */
	};

	return starts_with_any(start, len, starts, sizeof(starts) / sizeof(starts[0]));
}

/* `palisade image keygen`: a PEM key, as cosign and palisade write them. */
static bool is_key_pem(const char *start, size_t len)
{
	static const char *const starts[] = {
		"-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----",
		"-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----",
		"-----BEGIN PUBLIC KEY-----",
	};

	return starts_with_any(start, len, starts, sizeof(starts) / sizeof(starts[0]));
}

/* `palisade profile learn`: its text files, its seccomp JSON, its profile.json. */
static bool is_profile_file(const char *start, size_t len)
{
	static const char *const starts[] = {
		"# palisade profile",
		"{\n  \"defaultAction\": ",
		"{\n  \"palisade_profile\": ",
	};

	return starts_with_any(start, len, starts, sizeof(starts) / sizeof(starts[0]));
}

/* Whether the first line of a JSON lines file is an object with these keys. */
static bool first_line_has(const char *start, size_t len, const char *const keys[3])
{
	const char *nl = memchr(start, '\n', len);
	/* As reals: an event's unsigned 64-bit arguments exceed jansson's integers. */
	json_t *o = json_loadb(start, nl ? (size_t)(nl - start) : len, JSON_DECODE_INT_AS_REAL, NULL);
	bool ok = json_is_object(o);

	for (size_t i = 0; ok && i < 3 && keys[i]; i++)
		ok = json_object_get(o, keys[i]) != NULL;
	json_decref(o);
	return ok;
}

/* Alerts: Falco's JSON lines, or Falco's text lines (json_output: false, the
 * `format: text` of an output): "HH:MM:SS.nnnnnnnnn: Priority ...", so that a
 * Falco user's file_output keeps its history. */
static bool is_alert_stream(const char *start, size_t len)
{
	static const char *const keys[3] = { "rule", "priority", "output" };
	static const char *const prios[] = { "Emergency", "Alert", "Critical", "Error", "Warning",
					     "Notice", "Informational", "Debug" };
	static const char shape[] = "00:00:00.000000000: ";
	size_t i, n = sizeof(shape) - 1;

	if (first_line_has(start, len, keys))
		return true;
	for (i = 0; i < n && i < len; i++)
		if (shape[i] == '0' ? !isdigit((unsigned char)start[i]) : start[i] != shape[i])
			return false;
	for (size_t p = 0; i == n && p < sizeof(prios) / sizeof(prios[0]); p++)
		if (len > n + strlen(prios[p]) && !memcmp(start + n, prios[p], strlen(prios[p])) &&
		    start[n + strlen(prios[p])] == ' ')
			return true;
	return false;
}

static const struct kind_desc {
	const char *name;
	const char *magic; /* binary kinds: the first bytes */
	const char *keys[3]; /* JSON kinds: keys of the first line's object */
	bool (*match)(const char *start, size_t len); /* other kinds */
} kinds[] = {
	[OUTFILE_RECORDING] = { "a palisade recording", "PLSDREC\n", { NULL }, NULL },
	[OUTFILE_EVENTS] = { "a palisade event stream", NULL, { "time", "type", NULL }, NULL },
	[OUTFILE_ALERTS] = { "an alert stream (Falco's JSON or text lines)", NULL, { NULL },
			     is_alert_stream },
	[OUTFILE_AUDIT] = { "a palisade audit log", NULL, { "seq", "prev", "record" }, NULL },
	[OUTFILE_SPOOL] = { "a palisade spool", "PSP1", { NULL }, NULL },
	[OUTFILE_REPORT] = { "a palisade audit report", NULL, { NULL }, is_audit_report },
	[OUTFILE_KEY] = { "a cosign key (PEM)", NULL, { NULL }, is_key_pem },
	[OUTFILE_FIMDB] = { "a palisade FIM database", "palisade-fim 1\n", { NULL }, NULL },
	[OUTFILE_PROFILE] = { "a palisade profile file", NULL, { NULL }, is_profile_file },
	[OUTFILE_HANDOVER] = { "a palisade handover file", "palisade handover\n", { NULL }, NULL },
};

bool outfile_is_kind(enum outfile_kind kind, const char *start, size_t len)
{
	const struct kind_desc *d = &kinds[kind];

	if (d->match)
		return d->match(start, len);
	if (d->magic)
		return len >= strlen(d->magic) && memcmp(start, d->magic, strlen(d->magic)) == 0;
	return first_line_has(start, len, d->keys);
}

static bool is_dev_null(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == makedev(1, 3);
}

/* Why an existing file may not be written, or NULL. */
static const char *refusal(const struct stat *st)
{
	if (S_ISLNK(st->st_mode))
		return "it is a symbolic link (a link planted in a shared directory would "
		       "redirect root's write); remove it, or name the file it points to";
	if (is_dev_null(st))
		return NULL;
	if (!S_ISREG(st->st_mode) && !S_ISFIFO(st->st_mode))
		return "it is neither a regular file nor a named pipe (use \"-\" for stdout, "
		       "\"none\" to discard)";
	if (st->st_uid != 0 && st->st_uid != geteuid())
		return "it is owned by another user, who could have planted it; remove it or "
		       "choose another path";
	if (st->st_nlink > 1)
		return "it has more than one hard link (a planted link would redirect root's "
		       "write); remove it or choose another path";
	return NULL;
}

/* Reads the file's start and says whether it is of the spec's kind. */
static int check_kind(int fd, const struct stat *st, const struct outfile_spec *spec,
		      const char *what, const char *path)
{
	size_t cap = st->st_size < FIRST_LINE_MAX ? (size_t)st->st_size : FIRST_LINE_MAX;
	char *buf;
	ssize_t n;
	bool ok;

	if (st->st_size == 0 || spec->force || is_dev_null(st) || S_ISFIFO(st->st_mode))
		return 0;
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	n = pread(fd, buf, cap, 0);
	ok = n > 0 && outfile_is_kind(spec->kind, buf, (size_t)n);
	free(buf);
	if (n < 0)
		return -errno;
	if (ok)
		return 0;
	fprintf(stderr, "palisade: %s %s: refusing to %s it: it exists and is not %s; "
			"choose another path, move it away, or pass --force to replace it\n",
		what, path, spec->truncate ? "overwrite" : "append to", kinds[spec->kind].name);
	return -EEXIST;
}

/* The existing file at path, opened for I/O once its inode passed the checks
 * (`dry`: only read, to check it; nothing is changed and *fd stays -1). */
static int open_existing(int dirfd, const char *path, const struct outfile_spec *spec,
			 const char *what, int *fd, bool dry)
{
	int flags = O_CLOEXEC | O_NOCTTY;
	int pfd = openat(dirfd, path, O_PATH | O_NOFOLLOW | O_CLOEXEC), ret = 0;
	char proc[64];
	const char *why;
	struct stat st;

	*fd = -1;
	if (pfd < 0)
		return -errno;
	if (fstat(pfd, &st)) {
		ret = -errno;
		goto cleanup;
	}
	/* A pipe is opened write-only, so that its reader going away is seen
	 * (EPIPE) rather than hidden by a read end of our own; reading it to
	 * check its kind would consume what another writer sent. */
	if (S_ISFIFO(st.st_mode))
		flags |= O_WRONLY;
	else
		flags |= dry ? O_RDONLY : O_RDWR | (spec->append ? O_APPEND : 0);
	why = refusal(&st);
	if (why) {
		fprintf(stderr, "palisade: %s %s: refusing to write it: %s\n", what, path, why);
		ret = -EPERM;
		goto cleanup;
	}
	if (dry && S_ISFIFO(st.st_mode))
		goto cleanup; /* opening it would wait for a reader */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	*fd = open(proc, flags);
	if (*fd < 0) {
		ret = -errno;
		goto cleanup;
	}
	ret = check_kind(*fd, &st, spec, what, path);
	if (dry && *fd >= 0) {
		close(*fd);
		*fd = -1;
	}
	if (!ret && !dry && spec->truncate && S_ISREG(st.st_mode) &&
	    (ftruncate(*fd, 0) || fchmod(*fd, st.st_mode & spec->mode & 07777)))
		ret = -errno;
cleanup:
	if (ret && *fd >= 0) {
		close(*fd);
		*fd = -1;
	}
	close(pfd);
	return ret;
}

int outfile_open(int dirfd, const char *path, const struct outfile_spec *spec,
		 const char *what, int *fd)
{
	int create = O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
		     (spec->append ? O_APPEND : 0);
	int tries, ret = -ENOENT;

	for (tries = 0; tries < OPEN_TRIES && ret == -ENOENT; tries++) {
		*fd = openat(dirfd, path, create, spec->mode);
		if (*fd >= 0)
			return 0;
		ret = errno == EEXIST ? open_existing(dirfd, path, spec, what, fd, false) : -errno;
	}
	if (ret && ret != -EPERM && ret != -EEXIST)
		fprintf(stderr, "palisade: cannot open %s %s: %s\n", what, path, strerror(-ret));
	return ret;
}

/* Whether the directory path names (or the one a new file would go in) is there. */
static int parent_exists(const char *path)
{
	char *copy = strdup(path);
	struct stat st;
	int ret;

	if (!copy)
		return -ENOMEM;
	ret = stat(dirname(copy), &st) ? -errno : S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
	free(copy);
	return ret;
}

int outfile_check(const char *path, const struct outfile_spec *spec, const char *what)
{
	struct stat st;
	int fd = -1, ret;

	if (fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW) == 0)
		ret = open_existing(AT_FDCWD, path, spec, what, &fd, true);
	else
		ret = errno == ENOENT ? parent_exists(path) : -errno;
	if (ret && ret != -EPERM && ret != -EEXIST)
		fprintf(stderr, "palisade: cannot open %s %s: %s\n", what, path, strerror(-ret));
	return ret;
}

/* The checks outfile_dir() makes of an existing directory. */
static int dir_refusal(int dirfd, const char *path, const char *what)
{
	struct stat st;

	if (fstat(dirfd, &st))
		return -errno;
	if (st.st_uid == 0 || st.st_uid == geteuid())
		return 0;
	fprintf(stderr, "palisade: %s %s: refusing the directory: it is owned by another "
			"user; choose a directory owned by root\n", what, path);
	return -EPERM;
}

int outfile_dir_check(const char *path, const char *what)
{
	int dirfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), ret;

	if (dirfd < 0 && errno == ENOENT)
		ret = parent_exists(path); /* created 0700 at start */
	else
		ret = dirfd < 0 ? -errno : dir_refusal(dirfd, path, what);
	if (dirfd >= 0)
		close(dirfd);
	if (ret && ret != -EPERM)
		fprintf(stderr, "palisade: %s %s: cannot open the directory: %s%s\n", what, path,
			strerror(-ret), ret == -ELOOP || ret == -ENOTDIR
						? " (a symbolic link is refused: name the directory itself)"
						: "");
	return ret;
}

int outfile_dir(const char *path, const char *what, int *dirfd)
{
	int ret = 0;

	if (mkdir(path, 0700) && errno != EEXIST) {
		ret = -errno;
		fprintf(stderr, "palisade: %s %s: cannot create the directory: %s\n", what, path,
			strerror(-ret));
		return ret;
	}
	*dirfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (*dirfd < 0) {
		ret = -errno;
		fprintf(stderr, "palisade: %s %s: cannot open the directory: %s%s\n", what, path,
			strerror(-ret), ret == -ELOOP || ret == -ENOTDIR
						? " (a symbolic link is refused: name the directory itself)"
						: "");
	} else {
		ret = dir_refusal(*dirfd, path, what);
	}
	if (ret && *dirfd >= 0)
		close(*dirfd);
	if (ret)
		*dirfd = -1;
	return ret;
}

int outfile_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
