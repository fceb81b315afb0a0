/*
 * The audit-log sink (see audit_log.h): appends one chained line per record.
 * A line is written with one write(2) on an O_APPEND descriptor and, by
 * default, made durable with fdatasync(2) before deliver() returns; a write
 * or sync that fails is cut back off the file, so the log never keeps a
 * partial line and a retry appends the record cleanly.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outfile/outfile.h"
#include "output/audit_log.h"

struct audit_sink {
	pthread_mutex_t lock; /* deliver() and reopen() may come from two threads */
	char *path;
	int fd;
	unsigned char *key;
	size_t key_len;
	bool sync;
	uint64_t seq;                       /* of the last line written */
	unsigned char prev[AUDIT_HASH_LEN]; /* its hash */
	char *buf;
	size_t cap;
};

/* Reads the last line of the open log into *l (text in *storage) and checks
 * it is whole, well formed and signed as this sink signs. */
static int read_last_line(struct audit_sink *s, off_t size, char **storage, struct audit_line *l)
{
	size_t chunk = 65536;
	char *buf = NULL;

	for (;;) {
		size_t n = (off_t)chunk < size ? chunk : (size_t)size;
		char *p = realloc(buf, n), *start;
		ssize_t got;

		if (!p) {
			free(buf);
			return -ENOMEM;
		}
		buf = p;
		got = pread(s->fd, buf, n, size - (off_t)n);
		if (got != (ssize_t)n) {
			int err = got < 0 ? -errno : -EIO;

			fprintf(stderr, "palisade: audit log %s: cannot read its last line: %s\n",
				s->path, strerror(-err));
			free(buf);
			return err;
		}
		if (buf[n - 1] != '\n') {
			fprintf(stderr, "palisade: audit log %s ends with a partial line (a write "
					"was cut short): check it with `palisade log verify %s`, "
					"then move it aside\n", s->path, s->path);
			free(buf);
			return -EINVAL;
		}
		start = memrchr(buf, '\n', n - 1);
		if (start || (off_t)n == size) {
			start = start ? start + 1 : buf;
			*storage = buf;
			if (audit_line_parse(start, (size_t)(buf + n - 1 - start), l)) {
				fprintf(stderr, "palisade: audit log %s: the last line is not a "
						"palisade audit record; check it with `palisade log "
						"verify %s`\n", s->path, s->path);
				return -EINVAL;
			}
			return 0;
		}
		chunk *= 4;
	}
}

/* Continues the chain from the file's last line (or from genesis). */
static int load_chain_state(struct audit_sink *s)
{
	struct audit_line l;
	char *storage = NULL;
	struct stat st;
	int ret;

	if (fstat(s->fd, &st))
		return -errno;
	if (st.st_size == 0) {
		s->seq = 0;
		memset(s->prev, 0, sizeof(s->prev));
		return 0;
	}
	ret = read_last_line(s, st.st_size, &storage, &l);
	if (ret)
		goto cleanup;
	if (s->key && !audit_line_hmac_ok(&l, s->key, s->key_len)) {
		fprintf(stderr, "palisade: audit log %s: its last record %s: use the key file it "
				"was written with, or start a new log\n", s->path,
			l.has_hmac ? "does not verify with this HMAC key" : "has no HMAC");
		ret = -EINVAL;
		goto cleanup;
	}
	if (!s->key && l.has_hmac) {
		fprintf(stderr, "palisade: audit log %s was written with an HMAC key: configure "
				"hmac_key_file, or start a new log\n", s->path);
		ret = -EINVAL;
		goto cleanup;
	}
	s->seq = l.seq;
	audit_hash(l.text, l.len, s->prev);
cleanup:
	free(storage);
	return ret;
}

/* A new file's directory entry is durable only once its directory is synced. */
static void sync_parent_dir(const char *path)
{
	char *copy = strdup(path);
	int dfd;

	if (!copy)
		return;
	dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	free(copy);
}

static int open_log(struct audit_sink *s)
{
	static const struct outfile_spec spec = { .kind = OUTFILE_AUDIT, .append = true,
						  .mode = 0600 };
	struct stat st;
	int ret;

	ret = outfile_open(AT_FDCWD, s->path, &spec, "audit log", &s->fd);
	if (ret)
		return ret;
	/* Two writers would fork the chain. */
	if (flock(s->fd, LOCK_EX | LOCK_NB)) {
		ret = -errno;
		fprintf(stderr, "palisade: audit log %s is locked by another process (another "
				"palisade writing it?)\n", s->path);
		return ret;
	}
	if (s->sync && fstat(s->fd, &st) == 0 && st.st_size == 0)
		sync_parent_dir(s->path);
	return 0;
}

static void close_log(struct audit_sink *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

static int audit_deliver(void *state, const struct sink_record *r)
{
	struct audit_sink *s = state;
	size_t len = 0, done = 0;
	struct stat st;
	int ret;

	pthread_mutex_lock(&s->lock);
	ret = audit_line_build(&s->buf, &s->cap, &len, s->seq + 1, s->prev, r->json, r->json_len,
			       s->key, s->key_len);
	if (ret) {
		fprintf(stderr, "palisade: audit log %s: rule '%s': %s\n", s->path, r->rule,
			ret == -EINVAL ? "the record is not a one-line JSON object: not written"
				       : strerror(-ret));
		goto cleanup;
	}
	if (s->fd < 0 || fstat(s->fd, &st)) {
		ret = s->fd < 0 ? -EBADF : -errno;
		goto cleanup;
	}
	while (done < len) {
		ssize_t n = write(s->fd, s->buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			break;
		}
		done += (size_t)n;
	}
	if (!ret && s->sync && fdatasync(s->fd))
		ret = -errno;
	if (ret) {
		/* Leave no partial line behind: the retry appends it whole. */
		if (ftruncate(s->fd, st.st_size))
			fprintf(stderr, "palisade: audit log %s: cannot remove a partial line: %s\n",
				s->path, strerror(errno));
		fprintf(stderr, "palisade: audit log %s: cannot append: %s\n", s->path,
			strerror(-ret));
		goto cleanup;
	}
	s->seq++;
	audit_hash(s->buf, len - 1, s->prev);
cleanup:
	pthread_mutex_unlock(&s->lock);
	return ret;
}

/* After logrotate moved the file: a new empty file continues the chain (its
 * first line's prev is the hash of the rotated file's last line). */
static int audit_reopen(void *state)
{
	struct audit_sink *s = state;
	uint64_t seq;
	unsigned char prev[AUDIT_HASH_LEN];
	int ret;

	pthread_mutex_lock(&s->lock);
	seq = s->seq;
	memcpy(prev, s->prev, sizeof(prev));
	close_log(s);
	ret = open_log(s);
	if (!ret)
		ret = load_chain_state(s);
	if (!ret && s->seq == 0) {
		s->seq = seq;
		memcpy(s->prev, prev, sizeof(prev));
	} else if (!ret && (s->seq != seq || memcmp(s->prev, prev, sizeof(prev)))) {
		fprintf(stderr, "palisade: audit log %s: the file was replaced by one whose last "
				"record is seq %llu, not %llu: continuing its chain\n", s->path,
			(unsigned long long)s->seq, (unsigned long long)seq);
	}
	if (ret)
		close_log(s);
	pthread_mutex_unlock(&s->lock);
	return ret;
}

static void audit_destroy(void *state)
{
	struct audit_sink *s = state;

	if (!s)
		return;
	close_log(s);
	pthread_mutex_destroy(&s->lock);
	free(s->key);
	free(s->buf);
	free(s->path);
	free(s);
}

static int check_keys(const struct audit_sink_cfg *cfg)
{
	if (!cfg->path || !cfg->path[0]) {
		fprintf(stderr, "palisade: audit log: path is required\n");
		return -EINVAL;
	}
	if (cfg->fsync && cfg->fsync[0] && strcmp(cfg->fsync, "record") && strcmp(cfg->fsync, "none")) {
		fprintf(stderr, "palisade: audit log %s: fsync '%s': expected record or none\n",
			cfg->path, cfg->fsync);
		return -EINVAL;
	}
	return 0;
}

/* What the constructor refuses: keys, the file (links, owner, kind), the
 * key file, and a log whose last line is cut or not signed with that key. */
int sink_audit_log_check(const struct sink_cfg *cfg)
{
	static const struct outfile_spec spec = { .kind = OUTFILE_AUDIT, .append = true,
						  .mode = 0600 };
	const struct audit_sink_cfg *c = &cfg->audit;
	struct audit_sink t = { .fd = -1, .path = (char *)c->path };
	int ret = check_keys(c);

	if (!ret)
		ret = outfile_check(c->path, &spec, "audit log");
	if (!ret && c->hmac_key_file && c->hmac_key_file[0])
		ret = audit_key_load(c->hmac_key_file, &t.key, &t.key_len);
	if (!ret)
		t.fd = open(c->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (!ret && t.fd >= 0)
		ret = load_chain_state(&t);
	if (t.fd >= 0)
		close(t.fd);
	free(t.key);
	return ret;
}

int audit_sink_create(const struct audit_sink_cfg *cfg, void **state)
{
	struct audit_sink *s = NULL;
	int ret;

	*state = NULL;
	ret = check_keys(cfg);
	if (ret)
		return ret;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	pthread_mutex_init(&s->lock, NULL);
	s->fd = -1;
	s->sync = !cfg->fsync || !cfg->fsync[0] || !strcmp(cfg->fsync, "record");
	s->path = strdup(cfg->path);
	if (!s->path) {
		ret = -ENOMEM;
		goto cleanup;
	}
	/* The configuration file leaves an unset key file empty. */
	if (cfg->hmac_key_file && cfg->hmac_key_file[0]) {
		ret = audit_key_load(cfg->hmac_key_file, &s->key, &s->key_len);
		if (ret)
			goto cleanup;
	}
	ret = open_log(s);
	if (!ret)
		ret = load_chain_state(s);
	if (ret)
		goto cleanup;
	*state = s;
	return 0;
cleanup:
	audit_destroy(s);
	return ret;
}

const struct sink_ops audit_sink_ops = {
	.deliver = audit_deliver,
	.reopen = audit_reopen,
	.destroy = audit_destroy,
};

/* The sink framework's factory for `type: audit_log` (src/output/sink.h). */
int sink_audit_log_create(const struct sink_cfg *cfg, void **state, const struct sink_ops **ops)
{
	*ops = &audit_sink_ops;
	return audit_sink_create(&cfg->audit, state);
}
