/*
 * The bundle: a new directory (0700) under capture.dir holding the alert,
 * the container's last events as a recording, its processes, its network
 * connections, the engine's inspect and diff (with hashes), and last the
 * manifest: each file's size and SHA-256 as read back from the disk, and
 * what could not be captured, with why. The manifest's own SHA-256 goes in
 * the step's record, and so in the audit log.
 *
 * Files are created with O_EXCL | O_NOFOLLOW in the directory made for this
 * bundle; capture.dir itself must be root's and writable by no one else.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "capture/capture_internal.h"
#include "outfile/outfile.h"
#include "record/record.h"

void capture_job_free(struct capture_job *j)
{
	if (!j)
		return;
	free(j->alert_json);
	free(j->container_json);
	free(j->events);
	free(j);
}

/* mkdir -p, each new directory 0700. */
static int make_dirs(const char *dir)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s", dir);
	for (char *p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(path, 0700) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(path, 0700) && errno != EEXIST ? -1 : 0;
}

/* capture.dir, created if missing (0700), opened without following a link,
 * refused when another user could write it. */
static int open_base(const char *dir, char *why, size_t len)
{
	struct stat st;
	int fd;

	if (make_dirs(dir)) {
		snprintf(why, len, "cannot create capture.dir %s: %s", dir, strerror(errno));
		return -1;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, len, "cannot open capture.dir %s: %s", dir, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || st.st_uid != geteuid() || (st.st_mode & 022)) {
		snprintf(why, len, "capture.dir %s must be a directory of root's that no one "
			 "else can write (chown root; chmod 0700)", dir);
		close(fd);
		return -1;
	}
	return fd;
}

/* The SHA-256 of a file of the bundle, as lowercase hex; its size. */
static int hash_file(int dirfd, const char *name, char hex[65], uint64_t *size)
{
	unsigned char buf[65536], md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), err = 0;
	ssize_t n;

	*size = 0;
	if (fd < 0 || !ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		err = fd < 0 ? -errno : -ENOMEM;
		goto out;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		EVP_DigestUpdate(ctx, buf, (size_t)n);
		*size += (uint64_t)n;
	}
	if (n < 0)
		err = -errno;
	else if (!EVP_DigestFinal_ex(ctx, md, &md_len))
		err = -EIO;
	for (unsigned int i = 0; !err && i < md_len; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
out:
	if (fd >= 0)
		close(fd);
	EVP_MD_CTX_free(ctx);
	return err;
}

void cb_error(struct capture_bundle *b, const char *part, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_array_append_new(b->errors, json_pack("{s:s, s:s}", "part", part, "error", msg));
}

int cb_write(struct capture_bundle *b, const char *name, const void *data, size_t len)
{
	int fd, err;

	if (len > b->budget) {
		cb_error(b, name, "not written: %zu bytes, over what capture.max_bytes leaves "
			 "(%llu)", len, (unsigned long long)b->budget);
		return -EFBIG;
	}
	fd = openat(b->dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		cb_error(b, name, "cannot create: %s", strerror(errno));
		return -errno;
	}
	err = outfile_write_all(fd, data, len);
	if (close(fd) && !err)
		err = -errno;
	if (err) {
		cb_error(b, name, "write failed: %s", strerror(-err));
		return err;
	}
	b->budget -= len;
	json_array_append_new(b->files, json_string(name));
	return 0;
}

int cb_write_json(struct capture_bundle *b, const char *name, json_t *doc)
{
	char *text;
	int err;

	if (!doc)
		return -ENOMEM;
	text = json_dumps(doc, JSON_INDENT(1) | JSON_SORT_KEYS);
	json_decref(doc);
	if (!text) {
		cb_error(b, name, "out of memory");
		return -ENOMEM;
	}
	err = cb_write(b, name, text, strlen(text));
	free(text);
	return err;
}

/* events.rec: the window as a recording (record/), its container frame
 * first; the oldest records left out when the size cap says so. */
static void write_events(struct capture_bundle *b, const struct capture_config *cfg,
			 const struct capture_job *j)
{
	const uint8_t *p = j->events, *end = p + j->events_len;
	size_t need = sizeof(struct record_header) + 8 * (j->n_events + 1) +
		      (j->container_json ? strlen(j->container_json) : 0) + j->events_len;
	struct record_writer *w = NULL;
	char path[4200];
	size_t skipped = 0;
	int err;

	/* Frames are u32 length + record; the recording's add u32 type. */
	while (p < end && need > b->budget) {
		uint32_t l;

		memcpy(&l, p, sizeof(l));
		p += sizeof(l) + l;
		need -= 8 + l;
		skipped++;
	}
	snprintf(path, sizeof(path), "%s/%s/events.rec", cfg->dir, b->name);
	err = record_writer_open(path, false, j->boot_to_epoch_ns, cfg->hostname, &w);
	if (!err && j->container_json)
		err = record_write(w, FRAME_CONTAINER, j->container_json, strlen(j->container_json));
	while (!err && p < end) {
		uint32_t l;

		memcpy(&l, p, sizeof(l));
		err = record_write(w, FRAME_EVENT, p + sizeof(l), l);
		p += sizeof(l) + l;
	}
	err = record_writer_close(w) ?: err;
	if (err) {
		cb_error(b, "events.rec", "the recording failed: %s", strerror(-err));
		return;
	}
	b->budget -= need < b->budget ? need : b->budget;
	json_array_append_new(b->files, json_string("events.rec"));
	if (skipped)
		cb_error(b, "events.rec", "the %zu oldest records left out (capture.max_bytes)",
			 skipped);
}

/* manifest.json: every file with its size and SHA-256, read back. */
static int write_manifest(struct capture_bundle *b, const struct capture_config *cfg,
			  const struct capture_job *j, char hex[65])
{
	json_t *files = json_array(), *m;
	uint64_t size;
	size_t i;
	json_t *v;
	int err;

	json_array_foreach(b->files, i, v) {
		char h[65] = "";

		err = hash_file(b->dirfd, json_string_value(v), h, &size);
		if (err)
			cb_error(b, json_string_value(v), "cannot read back: %s", strerror(-err));
		else
			json_array_append_new(files, json_pack("{s:s, s:I, s:s}", "name",
							       json_string_value(v), "bytes",
							       (json_int_t)size, "sha256", h));
	}
	m = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:o, s:O}", "format",
		      "palisade-capture/1", "rule", j->rule, "container", j->id, "alert_time_ns",
		      (json_int_t)j->time_ns, "window_s", (json_int_t)cfg->window_s, "events",
		      (json_int_t)j->n_events, "events_lost_before", (json_int_t)j->events_lost,
		      "max_bytes", (json_int_t)cfg->max_bytes, "files", files, "errors",
		      b->errors);
	b->budget = UINT64_MAX; /* the manifest is always written */
	err = cb_write_json(b, "manifest.json", m);
	return err ?: hash_file(b->dirfd, "manifest.json", hex, &size);
}

static void name_bundle(const struct capture_job *j, char *name, size_t len)
{
	time_t t = (time_t)(j->time_ns / 1000000000ull);
	char when[32];
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(name, len, "%s-%.12s-%llu", when, j->id, (unsigned long long)j->token);
}

void capture_bundle_write(const struct capture_config *cfg, const struct capture_job *j,
			  struct action_result *res)
{
	struct capture_bundle b = { .dirfd = -1, .budget = cfg->max_bytes };
	char why[512], hex[65] = "", path[4200];
	int base = open_base(cfg->dir, why, sizeof(why));

	res->outcome = ACTION_FAILED;
	if (base < 0) {
		snprintf(res->detail, sizeof(res->detail), "no bundle: %.240s", why);
		return;
	}
	name_bundle(j, b.name, sizeof(b.name));
	if (mkdirat(base, b.name, 0700) ||
	    (b.dirfd = openat(base, b.name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		if (snprintf(res->detail, sizeof(res->detail), "no bundle: cannot create %s/%s: %s",
			     cfg->dir, b.name, strerror(errno)) < 0)
			res->detail[0] = '\0';
		close(base);
		return;
	}
	close(base);
	b.files = json_array();
	b.errors = json_array();
	cb_write(&b, "alert.json", j->alert_json, strlen(j->alert_json));
	write_events(&b, cfg, j);
	capture_system_state(&b, cfg, j);
	snprintf(path, sizeof(path), "%s/%s", cfg->dir, b.name);
	if (write_manifest(&b, cfg, j, hex)) {
		snprintf(res->detail, sizeof(res->detail), "the bundle %.200s has no manifest "
			 "(see the agent's log)", path);
	} else {
		size_t errs = json_array_size(b.errors);

		res->outcome = ACTION_DONE;
		snprintf(res->detail, sizeof(res->detail), "%zu events of the last %llu s, "
			 "processes, network, inspect, diff; %zu part(s) incomplete (manifest)",
			 j->n_events, (unsigned long long)cfg->window_s, errs);
		action_result_extra(res, "bundle", path);
		action_result_extra(res, "manifest_sha256", hex);
	}
	json_decref(b.files);
	json_decref(b.errors);
	close(b.dirfd);
}
