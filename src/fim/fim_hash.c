/*
 * The hashing phase of a scan: the content of every regular file whose
 * attributes ask for it, through OpenSSL's EVP interface, on several
 * threads. Files are taken in inode order (on ext4 and xfs close to their
 * order on disk), a few at a time: each batch is opened and announced to the
 * kernel (POSIX_FADV_WILLNEED) before the first is read, so the disk always
 * has several requests to serve, then read sequentially in large blocks.
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fim/fim_internal.h"

#define READ_BYTES (1u << 20)
#define BATCH 8
#define WILLNEED_BYTES (4u << 20)

struct hash_run {
	struct fim_entry *v;
	size_t *order; /* indexes into v, by inode */
	size_t n;
	atomic_size_t next;
	const EVP_MD *md;
	FILE *diag;
	pthread_mutex_t mu;
	uint64_t files, bytes, errors;
};

int fim_digest_check(const char *name, FILE *diag)
{
	EVP_MD *md = EVP_MD_fetch(NULL, name, NULL);
	int size = md ? EVP_MD_get_size(md) : 0;

	EVP_MD_free(md);
	if (size > 0 && size <= 64)
		return 0;
	if (diag)
		fprintf(diag, "palisade: fim: '%s' is not a fixed-size digest OpenSSL provides "
			"(sha256, sha512, sha3-256, blake2b512, ...)\n", name);
	return -EINVAL;
}

static int open_content(const struct fim_entry *e)
{
	int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	int fd = open(e->path, flags | O_NOATIME);
	struct stat st;

	if (fd < 0 && errno == EPERM) /* not the owner, no CAP_FOWNER */
		fd = open(e->path, flags);
	if (fd < 0)
		return -errno;
	/* The file the walk saw, not one put in its place since. */
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_ino != e->ino || st.st_dev != e->dev) {
		close(fd);
		return -ESTALE;
	}
	return fd;
}

static int hash_fd(int fd, EVP_MD_CTX *ctx, const EVP_MD *md, char *buf, struct fim_entry *e,
		   uint64_t *bytes)
{
	unsigned int len = 0;
	ssize_t n;

	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	if (!EVP_DigestInit_ex2(ctx, md, NULL))
		return -EINVAL;
	while ((n = read(fd, buf, READ_BYTES)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (!EVP_DigestUpdate(ctx, buf, (size_t)n))
			return -EINVAL;
		*bytes += (uint64_t)n;
	}
	if (!EVP_DigestFinal_ex(ctx, e->hash, &len))
		return -EINVAL;
	e->hash_len = (uint8_t)len;
	return 0;
}

static void hash_failed(struct hash_run *r, struct fim_entry *e, int err)
{
	e->hash_err = err;
	e->hash_len = 0;
	pthread_mutex_lock(&r->mu);
	r->errors++;
	if (r->diag)
		fprintf(r->diag, "palisade: fim: %s: cannot read its content: %s\n", e->path,
			err == ESTALE ? "replaced during the scan" : strerror(err));
	pthread_mutex_unlock(&r->mu);
}

static void hash_batch(struct hash_run *r, size_t from, size_t to, EVP_MD_CTX *ctx, char *buf,
		       uint64_t *files, uint64_t *bytes)
{
	int fds[BATCH];

	for (size_t i = from; i < to; i++) {
		struct fim_entry *e = &r->v[r->order[i]];

		fds[i - from] = open_content(e);
		if (fds[i - from] >= 0)
			posix_fadvise(fds[i - from], 0,
				      e->size < WILLNEED_BYTES ? (off_t)e->size : WILLNEED_BYTES,
				      POSIX_FADV_WILLNEED);
	}
	for (size_t i = from; i < to; i++) {
		struct fim_entry *e = &r->v[r->order[i]];
		int fd = fds[i - from], ret = fd;

		if (fd >= 0) {
			ret = hash_fd(fd, ctx, r->md, buf, e, bytes);
			close(fd);
		}
		if (ret < 0)
			hash_failed(r, e, -ret);
		else
			(*files)++;
	}
}

static void *hasher_main(void *arg)
{
	struct hash_run *r = arg;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	char *buf = malloc(READ_BYTES);
	uint64_t files = 0, bytes = 0;
	size_t from;

	while (ctx && buf && (from = atomic_fetch_add(&r->next, BATCH)) < r->n)
		hash_batch(r, from, from + BATCH < r->n ? from + BATCH : r->n, ctx, buf, &files,
			   &bytes);
	/* Without a context or a buffer, the other threads take the work. */
	pthread_mutex_lock(&r->mu);
	r->files += files;
	r->bytes += bytes;
	pthread_mutex_unlock(&r->mu);
	EVP_MD_CTX_free(ctx);
	free(buf);
	return NULL;
}

static int by_inode(const void *a, const void *b, void *base)
{
	const struct fim_entry *v = base;
	const struct fim_entry *x = &v[*(const size_t *)a], *y = &v[*(const size_t *)b];

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

static int run_threads(struct hash_run *r, unsigned threads)
{
	pthread_t *tids = calloc(threads, sizeof(*tids));
	unsigned started = 0;

	if (!tids)
		return -ENOMEM;
	while (started < threads && !pthread_create(&tids[started], NULL, hasher_main, r))
		started++;
	if (!started) /* no thread at all: this one does the work */
		hasher_main(r);
	for (unsigned t = 0; t < started; t++)
		pthread_join(tids[t], NULL);
	free(tids);
	return 0;
}

int fim_hash_entries(struct fim_set *s, const char *digest, unsigned threads, FILE *diag,
		     struct fim_scan_stats *stats)
{
	struct hash_run r = { .v = s->v, .diag = diag, .mu = PTHREAD_MUTEX_INITIALIZER };
	EVP_MD *md = EVP_MD_fetch(NULL, digest, NULL);
	int ret = 0;

	if (!md)
		return fim_digest_check(digest, diag);
	r.md = md;
	r.order = malloc((s->n ? s->n : 1) * sizeof(*r.order));
	if (!r.order) {
		ret = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].attrs & FIM_ATTR_BIT(FIM_A_HASH))
			r.order[r.n++] = i;
	qsort_r(r.order, r.n, sizeof(*r.order), by_inode, s->v);
	ret = run_threads(&r, threads);
	stats->files_hashed = r.files;
	stats->bytes_hashed = r.bytes;
	stats->errors += r.errors;
	s->bytes_hashed = r.bytes;
cleanup:
	free(r.order);
	EVP_MD_free(md);
	return ret;
}

int fim_hash_one(int fd, const char *digest, uint8_t out[64], uint8_t *len)
{
	EVP_MD *md = EVP_MD_fetch(NULL, digest, NULL);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	char *buf = malloc(READ_BYTES);
	struct fim_entry e = { 0 };
	uint64_t bytes = 0;
	int err = -ENOMEM;

	if (!md || !ctx || !buf)
		goto out;
	err = hash_fd(fd, ctx, md, buf, &e, &bytes);
	if (!err) {
		memcpy(out, e.hash, e.hash_len);
		*len = e.hash_len;
	}
out:
	free(buf);
	EVP_MD_CTX_free(ctx);
	EVP_MD_free(md);
	return md ? err : -EINVAL;
}
