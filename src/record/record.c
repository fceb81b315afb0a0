#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "events.h"
#include "outfile/outfile.h"
#include "record/record.h"

/* stdio buffer of a reader: a replay reads the file in 1 MiB reads. */
#define RECORD_READ_BUFFER (1u << 20)

struct record_writer {
	FILE *f;
	pthread_mutex_t lock;
};

struct record_reader {
	FILE *f;
	const char *path;
	struct record_header hdr;
	void *buf;
	size_t cap;
	uint64_t offset;
};

int record_writer_open(const char *path, bool force, uint64_t boot_to_epoch_ns,
		       const char *hostname, struct record_writer **out)
{
	const struct outfile_spec spec = { .kind = OUTFILE_RECORDING, .truncate = true,
					   .force = force, .mode = 0600 };
	struct record_header h = { .format_version = RECORD_FORMAT_VERSION,
				   .abi_version = PALISADE_ABI_VERSION,
				   .boot_to_epoch_ns = boot_to_epoch_ns };
	struct record_writer *w = calloc(1, sizeof(*w));
	int err, fd;

	if (!w)
		return -ENOMEM;
	memcpy(h.magic, RECORD_MAGIC, sizeof(h.magic));
	snprintf(h.hostname, sizeof(h.hostname), "%s", hostname ? hostname : "");
	err = outfile_open(AT_FDCWD, path, &spec, "record file", &fd);
	if (!err && !(w->f = fdopen(fd, "wb"))) {
		err = -errno;
		close(fd);
	}
	if (err) {
		free(w);
		return err;
	}
	pthread_mutex_init(&w->lock, NULL);
	if (fwrite(&h, sizeof(h), 1, w->f) != 1) {
		record_writer_close(w);
		return -EIO;
	}
	*out = w;
	return 0;
}

int record_write(struct record_writer *w, enum record_frame_type type, const void *data,
		 size_t len)
{
	uint32_t frame[2] = { type, (uint32_t)len };
	int err = 0;

	if (len > RECORD_FRAME_MAX)
		return -E2BIG;
	pthread_mutex_lock(&w->lock);
	if (fwrite(frame, sizeof(frame), 1, w->f) != 1 || fwrite(data, 1, len, w->f) != len)
		err = -EIO;
	pthread_mutex_unlock(&w->lock);
	return err;
}

int record_writer_close(struct record_writer *w)
{
	int err = 0;

	if (!w)
		return 0;
	if (fclose(w->f) != 0)
		err = -errno;
	pthread_mutex_destroy(&w->lock);
	free(w);
	return err;
}

int record_reader_open(const char *path, struct record_reader **out)
{
	struct record_reader *r = calloc(1, sizeof(*r));
	int err;

	if (!r)
		return -ENOMEM;
	r->path = path;
	r->f = fopen(path, "rbe");
	if (!r->f) {
		err = -errno;
		fprintf(stderr, "palisade: cannot open record file %s: %s\n", path, strerror(errno));
		free(r);
		return err;
	}
	/* Frames are a few hundred bytes: with stdio's default buffer (one
	 * block) a replay made a read(2) every few events. Without a buffer
	 * the default stays (setvbuf's failure changes nothing). */
	setvbuf(r->f, NULL, _IOFBF, RECORD_READ_BUFFER);
	if (fread(&r->hdr, sizeof(r->hdr), 1, r->f) != 1 ||
	    memcmp(r->hdr.magic, RECORD_MAGIC, sizeof(r->hdr.magic)) != 0) {
		fprintf(stderr, "palisade: %s is not a palisade record file (bad header)\n", path);
		err = -EINVAL;
		goto fail;
	}
	if (r->hdr.format_version != RECORD_FORMAT_VERSION ||
	    r->hdr.abi_version != PALISADE_ABI_VERSION) {
		fprintf(stderr,
			"palisade: %s: record format %u / event ABI %u, this build reads %u / %u "
			"(docs/record-format.md); record it again with this build\n",
			path, r->hdr.format_version, r->hdr.abi_version, RECORD_FORMAT_VERSION,
			PALISADE_ABI_VERSION);
		err = -EPROTO;
		goto fail;
	}
	r->hdr.hostname[sizeof(r->hdr.hostname) - 1] = '\0';
	r->offset = sizeof(r->hdr);
	*out = r;
	return 0;
fail:
	fclose(r->f);
	free(r);
	return err;
}

const struct record_header *record_reader_header(const struct record_reader *r)
{
	return &r->hdr;
}

int record_read(struct record_reader *r, uint32_t *type, const void **data, size_t *len)
{
	uint32_t frame[2];
	size_t got = fread(frame, 1, sizeof(frame), r->f);

	if (got == 0 && feof(r->f))
		return 0;
	if (got != sizeof(frame) || frame[1] > RECORD_FRAME_MAX) {
		fprintf(stderr, "palisade: %s: corrupt frame header at byte %llu\n", r->path,
			(unsigned long long)r->offset);
		return -EINVAL;
	}
	if (frame[1] + 1 > r->cap) {
		void *n = realloc(r->buf, frame[1] + 1);

		if (!n)
			return -ENOMEM;
		r->buf = n;
		r->cap = frame[1] + 1;
	}
	if (fread(r->buf, 1, frame[1], r->f) != frame[1]) {
		fprintf(stderr, "palisade: %s: truncated frame at byte %llu\n", r->path,
			(unsigned long long)r->offset);
		return -EINVAL;
	}
	((char *)r->buf)[frame[1]] = '\0'; /* JSON frames can be used as strings */
	r->offset += sizeof(frame) + frame[1];
	*type = frame[0];
	*data = r->buf;
	*len = frame[1];
	return 1;
}

void record_reader_close(struct record_reader *r)
{
	if (!r)
		return;
	fclose(r->f);
	free(r->buf);
	free(r);
}
