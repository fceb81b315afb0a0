/*
 * The on-disk spool of one sink. Each record is a fixed header followed by
 * its strings, lengths explicit, so a reader never trusts a terminator and a
 * record cut by a crash is recognised and skipped (counted).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "outfile/outfile.h"
#include "output/sink_internal.h"

#define SPOOL_MAGIC 0x31505350u /* "PSP1" */
#define SPOOL_NSTR 8
/* In the header's priority: the record carries "palisade_action" (a spool
 * written before this bit existed has it clear, as its records had none). */
#define SPOOL_ACTED (1u << 8)
/* Beyond this a header is garbage, not a record. */
#define SPOOL_RECORD_MAX (16u << 20)

struct spool_header {
	uint32_t magic;
	uint32_t payload; /* bytes of strings after the header */
	uint64_t time_ns;
	uint32_t priority;
	uint32_t pid;
	uint32_t len[SPOOL_NSTR]; /* rule source output hostname cid cname cimage json */
};
_Static_assert(sizeof(struct spool_header) == 56, "spool header layout");

int sink_spool_open(struct sink_spool *sp, const char *dir, const char *name,
		    uint64_t max_bytes)
{
	static const struct outfile_spec spec = { .kind = OUTFILE_SPOOL, .mode = 0600 };
	struct stat st;
	char what[96], *file = NULL;
	int err, dirfd = -1;

	memset(sp, 0, sizeof(*sp));
	sp->fd = -1;
	sp->max_bytes = max_bytes;
	snprintf(what, sizeof(what), "spool_dir of sink %s", name);
	err = outfile_dir(dir, what, &dirfd);
	if (err)
		return err;
	if (asprintf(&sp->path, "%s/%s.spool", dir, name) < 0)
		sp->path = NULL;
	if (asprintf(&file, "%s.spool", name) < 0)
		file = NULL;
	if (!sp->path || !file) {
		err = -ENOMEM;
		goto cleanup;
	}
	snprintf(what, sizeof(what), "spool of sink %s", name);
	err = outfile_open(dirfd, file, &spec, what, &sp->fd);
	if (!err && fstat(sp->fd, &st))
		err = -errno;
	if (!err)
		sp->write_off = (uint64_t)st.st_size;
cleanup:
	if (err)
		sink_spool_close(sp);
	free(file);
	close(dirfd);
	return err;
}

bool sink_spool_empty(const struct sink_spool *sp)
{
	return sp->read_off >= sp->write_off;
}

uint64_t sink_spool_bytes(const struct sink_spool *sp)
{
	return sp->write_off - sp->read_off;
}

int sink_spool_append(struct sink_spool *sp, const struct sink_record *r)
{
	const char *s[SPOOL_NSTR] = { r->rule,         r->source,         r->output,
				      r->hostname,     r->container_id,   r->container_name,
				      r->container_image, r->json };
	struct spool_header h = { .magic = SPOOL_MAGIC, .time_ns = r->time_ns,
				  .priority = (uint32_t)r->priority | (r->acted ? SPOOL_ACTED : 0),
				  .pid = r->pid };
	struct iovec iov[SPOOL_NSTR + 1];
	uint64_t total;
	ssize_t n;
	int i;

	iov[0] = (struct iovec){ &h, sizeof(h) };
	for (i = 0; i < SPOOL_NSTR; i++) {
		h.len[i] = (uint32_t)(i == SPOOL_NSTR - 1 ? r->json_len : strlen(s[i]));
		h.payload += h.len[i];
		iov[i + 1] = (struct iovec){ (void *)s[i], h.len[i] };
	}
	total = sizeof(h) + h.payload;
	if (h.payload > SPOOL_RECORD_MAX || sp->write_off + total > sp->max_bytes)
		return -ENOSPC;
	n = pwritev(sp->fd, iov, SPOOL_NSTR + 1, (off_t)sp->write_off);
	if (n < 0)
		return -errno;
	if ((uint64_t)n != total) {
		/* Disk full mid-record: cut it off so the file stays readable. */
		if (ftruncate(sp->fd, (off_t)sp->write_off))
			return -errno;
		return -ENOSPC;
	}
	sp->write_off += total;
	return 0;
}

int sink_spool_prepend(struct sink_spool *sp, struct sink_record *const *recs, size_t n,
		       size_t *saved)
{
	uint64_t tail_len = sink_spool_bytes(sp), max = sp->max_bytes;
	char *tail = NULL;
	int err = 0;

	*saved = 0;
	if (!n)
		return 0;
	if (tail_len) {
		tail = malloc(tail_len);
		if (!tail)
			return -ENOMEM;
		if (pread(sp->fd, tail, tail_len, (off_t)sp->read_off) != (ssize_t)tail_len) {
			free(tail);
			return -EIO;
		}
	}
	/* Write the older records where the tail began, then the tail after them;
	 * the tail's room counts against the cap. */
	sp->write_off = sp->read_off;
	sp->max_bytes = max > sp->read_off + tail_len ? max - tail_len : 0;
	for (; *saved < n; (*saved)++) {
		err = sink_spool_append(sp, recs[*saved]);
		if (err)
			break;
	}
	sp->max_bytes = max;
	if (tail_len) {
		if (pwrite(sp->fd, tail, tail_len, (off_t)sp->write_off) != (ssize_t)tail_len) {
			err = -EIO;
			fprintf(stderr, "palisade: spool %s: rewriting its undelivered part failed; "
					"those records are lost\n", sp->path);
		} else {
			sp->write_off += tail_len;
		}
	}
	free(tail);
	return err;
}

int sink_spool_peek(struct sink_spool *sp, struct sink_record **out)
{
	struct spool_header h;
	struct sink_record f = { 0 };
	const char **dst[SPOOL_NSTR] = { &f.rule,         &f.source,         &f.output,
					 &f.hostname,     &f.container_id,   &f.container_name,
					 &f.container_image, &f.json };
	char *buf = NULL, *raw = NULL, *pos;
	const char *src;
	uint64_t sum = 0;
	ssize_t n;
	int i, err = 0;

	*out = NULL;
	if (sink_spool_empty(sp))
		return 0;
	n = pread(sp->fd, &h, sizeof(h), (off_t)sp->read_off);
	for (i = 0; n == (ssize_t)sizeof(h) && i < SPOOL_NSTR; i++)
		sum += h.len[i];
	if (n != (ssize_t)sizeof(h) || h.magic != SPOOL_MAGIC || h.payload != sum ||
	    h.payload > SPOOL_RECORD_MAX ||
	    sp->read_off + sizeof(h) + h.payload > sp->write_off)
		goto corrupt;
	raw = malloc(h.payload + 1);
	buf = malloc(h.payload + SPOOL_NSTR);
	if (!raw || !buf) {
		free(raw);
		free(buf);
		return -ENOMEM;
	}
	n = pread(sp->fd, raw, h.payload, (off_t)(sp->read_off + sizeof(h)));
	if (n != (ssize_t)h.payload)
		goto corrupt;
	/* The strings are packed on disk; the record wants them NUL-terminated. */
	for (i = 0, pos = buf, src = raw; i < SPOOL_NSTR; i++) {
		memcpy(pos, src, h.len[i]);
		pos[h.len[i]] = '\0';
		*dst[i] = pos;
		pos += h.len[i] + 1;
		src += h.len[i];
	}
	f.time_ns = h.time_ns;
	f.priority = (enum rules_priority)(h.priority & ~SPOOL_ACTED);
	f.acted = (h.priority & SPOOL_ACTED) != 0;
	f.pid = h.pid;
	f.json_len = h.len[SPOOL_NSTR - 1];
	*out = sink_record_new(&f);
	if (!*out)
		err = -ENOMEM;
	sp->peeked_len = sizeof(h) + h.payload;
	free(raw);
	free(buf);
	return err;
corrupt:
	/* A cut or damaged tail (crash while writing): nothing after it can be
	 * trusted, so it is skipped as a whole and counted. */
	free(raw);
	free(buf);
	sp->corrupt++;
	sp->read_off = sp->write_off;
	sink_spool_advance(sp);
	return -EBADMSG;
}

/* Moves the undelivered tail to the front, so a restart delivers exactly it. */
static void compact(struct sink_spool *sp)
{
	uint64_t len = sink_spool_bytes(sp);
	char *buf;

	if (!sp->read_off || !len)
		return;
	buf = malloc(len);
	if (buf && pread(sp->fd, buf, len, (off_t)sp->read_off) == (ssize_t)len &&
	    pwrite(sp->fd, buf, len, 0) == (ssize_t)len && ftruncate(sp->fd, (off_t)len) == 0) {
		sp->read_off = 0;
		sp->write_off = len;
	}
	free(buf);
}

int sink_spool_advance(struct sink_spool *sp)
{
	sp->read_off += sp->peeked_len;
	sp->peeked_len = 0;
	/* Offsets count against the cap: while records keep coming in behind
	 * the reader, move the undelivered part back to the front now and then. */
	if (sp->read_off < sp->write_off) {
		if (sp->read_off >= sp->max_bytes / 2)
			compact(sp);
		return 0;
	}
	sp->read_off = sp->write_off = 0;
	return ftruncate(sp->fd, 0) ? -errno : 0;
}

void sink_spool_close(struct sink_spool *sp)
{
	if (sp->fd >= 0) {
		compact(sp);
		close(sp->fd);
	}
	sp->fd = -1;
	free(sp->path);
	sp->path = NULL;
}
