/*
 * The stdout and file sinks: one Falco JSON line per alert. A file is opened
 * O_APPEND and each line written with one writev(), so lines never mix with
 * another writer's; reopen() follows logrotate's rename, and rotate_bytes
 * rotates by itself (path -> path.1 -> ... -> path.N) where logrotate is not
 * used.
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

struct file_sink {
	char *name, *path;
	int fd;
	uint64_t size, rotate_bytes;
	uint32_t rotate_keep;
	bool force;
	bool text; /* output lines instead of JSON */
};

/* The line a record is written as: its JSON, or (text) its output line. */
static const char *line_of(const struct sink_record *r, bool text, size_t *len)
{
	*len = text ? strlen(r->output) : r->json_len;
	return text ? r->output : r->json;
}

/* The stdout sink's state is only whether it writes text: no allocation. */
static const bool stdout_json = false, stdout_text = true;

static int stdout_deliver(void *state, const struct sink_record *r)
{
	size_t len;
	const char *line = line_of(r, *(const bool *)state, &len);
	int err = 0;

	/* stdio's lock keeps the line whole against `--events -` on the main thread. */
	flockfile(stdout);
	if (fwrite_unlocked(line, 1, len, stdout) != len ||
	    fputc_unlocked('\n', stdout) == EOF || fflush_unlocked(stdout))
		err = -EIO;
	funlockfile(stdout);
	return err;
}

static const struct sink_ops stdout_ops = {
	.deliver = stdout_deliver,
};

int sink_stdout_create(const struct sink_cfg *cfg, void **state, const struct sink_ops **ops)
{
	*state = (void *)(sink_format_text(cfg->file.format) ? &stdout_text : &stdout_json);
	*ops = &stdout_ops;
	return 0;
}

static int file_open(struct file_sink *f)
{
	const struct outfile_spec spec = { .kind = OUTFILE_ALERTS, .append = true,
					   .force = f->force, .mode = 0640 };
	struct stat st;
	char what[96];
	int err;

	snprintf(what, sizeof(what), "output %s", f->name);
	err = outfile_open(AT_FDCWD, f->path, &spec, what, &f->fd);
	if (!err && fstat(f->fd, &st))
		err = -errno;
	if (err) {
		if (f->fd >= 0)
			close(f->fd);
		f->fd = -1;
		return err;
	}
	f->size = (uint64_t)st.st_size;
	return 0;
}

static int file_reopen(void *state)
{
	struct file_sink *f = state;

	if (f->fd >= 0)
		close(f->fd);
	return file_open(f);
}

/* path.N-1 -> path.N, ..., path -> path.1; the oldest beyond rotate_keep goes. */
static int file_rotate(struct file_sink *f)
{
	size_t len = strlen(f->path) + 16;
	char *from = malloc(len), *to = malloc(len);
	uint32_t i;
	int err = 0;

	if (!from || !to) {
		err = -ENOMEM;
		goto cleanup;
	}
	if (f->rotate_keep == 0) {
		if (unlink(f->path) && errno != ENOENT)
			err = -errno;
		goto reopen;
	}
	snprintf(to, len, "%s.%u", f->path, f->rotate_keep);
	unlink(to);
	for (i = f->rotate_keep; i > 1; i--) {
		snprintf(from, len, "%s.%u", f->path, i - 1);
		snprintf(to, len, "%s.%u", f->path, i);
		if (rename(from, to) && errno != ENOENT) {
			err = -errno;
			goto cleanup;
		}
	}
	snprintf(to, len, "%s.1", f->path);
	if (rename(f->path, to) && errno != ENOENT)
		err = -errno;
reopen:
	if (!err)
		err = file_reopen(f);
cleanup:
	if (err)
		fprintf(stderr, "palisade: output %s: rotating %s failed: %s\n", f->name, f->path,
			strerror(-err));
	free(from);
	free(to);
	return err;
}

static int file_deliver(void *state, const struct sink_record *r)
{
	struct file_sink *f = state;
	size_t len;
	const char *line = line_of(r, f->text, &len);
	struct iovec iov[2] = { { (void *)line, len }, { "\n", 1 } };
	ssize_t n;
	int err;

	if (f->rotate_bytes && f->size && f->size + len + 1 > f->rotate_bytes) {
		err = file_rotate(f);
		if (err)
			return err;
	}
	if (f->fd < 0 && (err = file_open(f)))
		return err;
	n = writev(f->fd, iov, 2);
	if (n < 0)
		return -errno;
	f->size += (uint64_t)n;
	return (size_t)n == len + 1 ? 0 : -EIO;
}

static void file_destroy(void *state)
{
	struct file_sink *f = state;

	if (!f)
		return;
	if (f->fd >= 0)
		close(f->fd);
	free(f->name);
	free(f->path);
	free(f);
}

static const struct sink_ops file_ops = {
	.deliver = file_deliver,
	.reopen = file_reopen,
	.destroy = file_destroy,
};

static const struct outfile_spec *file_spec(const struct sink_cfg *cfg)
{
	static const struct outfile_spec plain = { .kind = OUTFILE_ALERTS, .append = true,
						   .mode = 0640 },
					 forced = { .kind = OUTFILE_ALERTS, .append = true,
						    .force = true, .mode = 0640 };

	return cfg->file.force ? &forced : &plain;
}

int sink_file_check(const struct sink_cfg *cfg)
{
	char what[96];

	if (!cfg->file.path || !*cfg->file.path) {
		fprintf(stderr, "palisade: output %s: a file output needs a path\n", cfg->name);
		return -EINVAL;
	}
	if (strcmp(cfg->file.path, "-") == 0)
		return 0;
	snprintf(what, sizeof(what), "output %s", cfg->name);
	return outfile_check(cfg->file.path, file_spec(cfg), what);
}

int sink_file_create(const struct sink_cfg *cfg, void **state, const struct sink_ops **ops)
{
	struct file_sink *f;
	int err;

	if (!cfg->file.path || !*cfg->file.path) {
		fprintf(stderr, "palisade: output %s: a file output needs a path\n", cfg->name);
		return -EINVAL;
	}
	if (strcmp(cfg->file.path, "-") == 0)
		return sink_stdout_create(cfg, state, ops);
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->fd = -1;
	f->name = strdup(cfg->name ? cfg->name : "file");
	f->path = strdup(cfg->file.path);
	f->rotate_bytes = cfg->file.rotate_bytes;
	f->rotate_keep = cfg->file.rotate_keep;
	f->force = cfg->file.force;
	f->text = sink_format_text(cfg->file.format);
	err = !f->name || !f->path ? -ENOMEM : file_open(f);
	if (err) {
		file_destroy(f);
		return err;
	}
	*state = f;
	*ops = &file_ops;
	return 0;
}
