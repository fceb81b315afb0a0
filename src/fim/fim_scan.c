/*
 * The walk of a scan: every watched tree, on several threads at once (a cold
 * page cache makes a walk wait on the disk for each directory and inode:
 * several outstanding requests keep it busy). Directories are a shared
 * stack, so each thread stays deep in one subtree. Nothing is followed: no
 * symbolic link, no planted path (openat on the directory's descriptor,
 * O_NOFOLLOW). The content is hashed afterwards, in inode order (fim_hash.c).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "event/event.h"
#include "fim/fim_internal.h"

#define XATTR_LIST_BYTES 65536
#define XATTR_VALUE_BYTES 65536

struct dirjob {
	char *path;
	const struct fim_watch *w;
};

struct walk {
	const struct fim_config *c;
	FILE *diag;
	char **roots; /* the watched paths, sorted: a subtree watched on its own is skipped */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct dirjob *q;
	size_t qn, qcap;
	unsigned busy;
	int err; /* -ENOMEM: the scan is abandoned */
	uint64_t errors;
};

struct walker {
	struct walk *wk;
	struct fim_set set;
	pthread_t tid;
	char *xbuf, *vbuf; /* xattr names and one value */
};

static void report(struct walk *wk, const char *path, const char *what, int err)
{
	pthread_mutex_lock(&wk->mu);
	wk->errors++;
	if (wk->diag)
		fprintf(wk->diag, "palisade: fim: %s: %s: %s\n", path, what, strerror(err));
	pthread_mutex_unlock(&wk->mu);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_other_root(const struct walk *wk, const char *path)
{
	const char *key = path;

	return bsearch(&key, wk->roots, wk->c->n_watch, sizeof(char *), cmp_str) != NULL;
}

static int push_dir(struct walk *wk, const char *path, const struct fim_watch *w)
{
	char *copy = strdup(path);
	int ret = 0;

	pthread_mutex_lock(&wk->mu);
	if (copy && wk->qn == wk->qcap) {
		size_t cap = wk->qcap ? wk->qcap * 2 : 256;
		struct dirjob *q = realloc(wk->q, cap * sizeof(*q));

		if (q) {
			wk->q = q;
			wk->qcap = cap;
		}
	}
	if (!copy || wk->qn == wk->qcap) {
		free(copy);
		wk->err = ret = -ENOMEM;
	} else {
		wk->q[wk->qn++] = (struct dirjob){ copy, w };
		pthread_cond_signal(&wk->cv);
	}
	pthread_mutex_unlock(&wk->mu);
	return ret;
}

static int cmp_xname(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every extended attribute as "name=hex;name=hex", names sorted. */
static int read_xattrs(struct walker *me, const char *path, struct fim_entry *e)
{
	const char *names[1024];
	size_t n = 0, len = 0, cap = 0;
	ssize_t got = llistxattr(path, me->xbuf, XATTR_LIST_BYTES);
	char *out = NULL;

	if (got < 0)
		return errno == ENOTSUP ? 0 : -errno;
	for (ssize_t i = 0; i < got && n < 1024; i += (ssize_t)strlen(me->xbuf + i) + 1)
		names[n++] = me->xbuf + i;
	qsort(names, n, sizeof(*names), cmp_xname);
	for (size_t i = 0; i < n; i++) {
		ssize_t v = lgetxattr(path, names[i], me->vbuf, XATTR_VALUE_BYTES);
		size_t need;
		char *grown;

		if (v < 0)
			continue; /* removed meanwhile */
		need = len + fim_escaped_len(names[i], strlen(names[i])) + 2 + 2 * (size_t)v + 1;
		if (need > cap) {
			cap = need * 2;
			if (!(grown = realloc(out, cap))) {
				free(out);
				return -ENOMEM;
			}
			out = grown;
		}
		if (len)
			out[len++] = ';';
		len += fim_escape(names[i], strlen(names[i]), out + len, cap - len);
		out[len++] = '=';
		for (ssize_t b = 0; b < v; b++)
			len += (size_t)snprintf(out + len, cap - len, "%02x", (unsigned char)me->vbuf[b]);
	}
	e->xattrs = out;
	return 0;
}

static void read_caps(const char *path, struct fim_entry *e)
{
	ssize_t v = lgetxattr(path, "security.capability", e->caps, sizeof(e->caps));

	e->caps_len = v > 0 ? (uint8_t)v : 0;
}

/* Fills e from the file `name` of directory dfd (path: its full path). */
static int record(struct walker *me, int dfd, const char *name, const char *path,
		  const struct fim_watch *w, struct fim_entry *e)
{
	struct stat st;
	int ret;

	memset(e, 0, sizeof(*e));
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return -errno;
	e->mode = st.st_mode;
	e->uid = st.st_uid;
	e->gid = st.st_gid;
	e->size = (uint64_t)st.st_size;
	e->ino = st.st_ino;
	e->nlink = st.st_nlink;
	e->dev = st.st_dev;
	e->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	e->ctime_ns = (int64_t)st.st_ctim.tv_sec * 1000000000 + st.st_ctim.tv_nsec;
	e->class = w->class;
	e->attrs = w->attrs;
	if (!S_ISLNK(st.st_mode))
		e->attrs &= ~FIM_ATTR_BIT(FIM_A_TARGET);
	if (!S_ISREG(st.st_mode))
		e->attrs &= ~FIM_ATTR_BIT(FIM_A_HASH);
	if (!(e->path = strdup(path)))
		return -ENOMEM;
	if (e->attrs & FIM_ATTR_BIT(FIM_A_TARGET)) {
		char buf[EV_PATH_MAX + 1];
		ssize_t n = readlinkat(dfd, name, buf, EV_PATH_MAX);

		if (n < 0)
			return -errno;
		buf[n] = '\0';
		if (!(e->target = strdup(buf)))
			return -ENOMEM;
	}
	if (e->attrs & FIM_ATTR_BIT(FIM_A_CAPS))
		read_caps(path, e);
	if (e->attrs & FIM_ATTR_BIT(FIM_A_XATTRS) && (ret = read_xattrs(me, path, e)))
		return ret;
	return 0;
}

/* Records `name` of dfd; a directory is queued for the walk. */
static void visit(struct walker *me, int dfd, const char *name, const char *path,
		  const struct fim_watch *w)
{
	struct fim_entry e;
	int ret = record(me, dfd, name, path, w, &e);

	if (ret == -ENOENT) { /* removed since the directory was read */
		fim_entry_release(&e);
		return;
	}
	if (ret == 0)
		ret = fim_set_push(&me->set, &e);
	else
		report(me->wk, path, "cannot read its attributes", -ret);
	fim_entry_release(&e);
	if (ret == 0 && S_ISDIR(me->set.v[me->set.n - 1].mode))
		push_dir(me->wk, path, w);
}

static void walk_dir(struct walker *me, const struct dirjob *job)
{
	struct walk *wk = me->wk;
	char path[EV_PATH_MAX + 1];
	size_t plen = strlen(job->path);
	struct dirent *d;
	DIR *dir;
	int fd = open(job->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0 || !(dir = fdopendir(fd))) {
		if (errno != ENOENT)
			report(wk, job->path, "cannot read the directory", errno);
		if (fd >= 0)
			close(fd);
		return;
	}
	memcpy(path, job->path, plen);
	if (plen == 1)
		plen = 0; /* the root: "/" + name */
	path[plen] = '/';
	while ((d = readdir(dir)) && !wk->err) {
		size_t nlen = strlen(d->d_name);

		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		if (plen + 1 + nlen > EV_PATH_MAX) {
			report(wk, job->path, "a name below it makes a path too long", ENAMETOOLONG);
			continue;
		}
		memcpy(path + plen + 1, d->d_name, nlen + 1);
		if (fim_config_excluded(wk->c, job->w, path) || is_other_root(wk, path))
			continue;
		visit(me, dirfd(dir), d->d_name, path, job->w);
	}
	closedir(dir);
}

static void *walker_main(void *arg)
{
	struct walker *me = arg;
	struct walk *wk = me->wk;

	for (;;) {
		struct dirjob job;

		pthread_mutex_lock(&wk->mu);
		while (!wk->qn && wk->busy && !wk->err)
			pthread_cond_wait(&wk->cv, &wk->mu);
		if (!wk->qn || wk->err) {
			pthread_cond_broadcast(&wk->cv);
			pthread_mutex_unlock(&wk->mu);
			return NULL;
		}
		job = wk->q[--wk->qn];
		wk->busy++;
		pthread_mutex_unlock(&wk->mu);
		walk_dir(me, &job);
		free(job.path);
		pthread_mutex_lock(&wk->mu);
		if (--wk->busy == 0 && !wk->qn)
			pthread_cond_broadcast(&wk->cv);
		pthread_mutex_unlock(&wk->mu);
	}
}

/* The watched paths themselves (a root's directory is queued). */
static void visit_roots(struct walker *me)
{
	const struct fim_config *c = me->wk->c;

	for (size_t i = 0; i < c->n_watch; i++) {
		const struct fim_watch *w = &c->watch[i];
		struct stat st;

		/* (A root excluded by a shorter watch's glob stays watched: it
		 * is named on its own.) */
		if (lstat(w->path, &st)) {
			report(me->wk, w->path, "a watched path cannot be read", errno);
			continue;
		}
		visit(me, AT_FDCWD, w->path, w->path, w);
	}
}

/* Moves every walker's entries into one set. */
static int merge(struct walker *ws, unsigned n, struct fim_set *out)
{
	for (unsigned t = 0; t < n; t++)
		for (size_t i = 0; i < ws[t].set.n; i++)
			if (fim_set_push(out, &ws[t].set.v[i]))
				return -ENOMEM;
	return 0;
}

static void walkers_free(struct walker *ws, unsigned n)
{
	for (unsigned t = 0; t < n; t++) {
		fim_set_free_entries(&ws[t].set);
		free(ws[t].xbuf);
		free(ws[t].vbuf);
	}
	free(ws);
}

static int walk_all(struct walk *wk, unsigned threads, struct fim_set *out)
{
	struct walker *ws = calloc(threads, sizeof(*ws));
	unsigned started = 0;
	int ret = 0;

	if (!ws)
		return -ENOMEM;
	for (unsigned t = 0; t < threads; t++) {
		ws[t].wk = wk;
		ws[t].xbuf = malloc(XATTR_LIST_BYTES);
		ws[t].vbuf = malloc(XATTR_VALUE_BYTES);
		if (!ws[t].xbuf || !ws[t].vbuf)
			ret = -ENOMEM;
	}
	if (!ret)
		visit_roots(&ws[0]);
	for (; !ret && started < threads; started++)
		if (pthread_create(&ws[started].tid, NULL, walker_main, &ws[started])) {
			pthread_mutex_lock(&wk->mu);
			wk->err = -EAGAIN;
			pthread_cond_broadcast(&wk->cv);
			pthread_mutex_unlock(&wk->mu);
			break;
		}
	for (unsigned t = 0; t < started; t++)
		pthread_join(ws[t].tid, NULL);
	if (!ret)
		ret = wk->err;
	if (!ret)
		ret = merge(ws, threads, out);
	walkers_free(ws, threads);
	return ret;
}

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned default_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 && n < 64 ? 2 * (unsigned)n : 2;
}

int fim_scan(const struct fim_config *c, unsigned threads, FILE *diag, struct fim_set **out,
	     struct fim_scan_stats *stats)
{
	struct walk wk = { .c = c, .diag = diag, .mu = PTHREAD_MUTEX_INITIALIZER,
			   .cv = PTHREAD_COND_INITIALIZER };
	struct fim_set *s = calloc(1, sizeof(*s));
	int ret;

	*out = NULL;
	memset(stats, 0, sizeof(*stats));
	threads = threads ? threads : c->threads ? c->threads : default_threads();
	stats->threads = threads;
	wk.roots = calloc(c->n_watch ? c->n_watch : 1, sizeof(char *));
	if (!s || !wk.roots) {
		ret = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < c->n_watch; i++)
		wk.roots[i] = c->watch[i].path;
	qsort(wk.roots, c->n_watch, sizeof(char *), cmp_str);
	snprintf(s->hash_name, sizeof(s->hash_name), "%s", c->hash);
	s->created = (int64_t)time(NULL);
	double t0 = seconds();

	ret = walk_all(&wk, threads, s);
	if (ret)
		goto cleanup;
	stats->walk_seconds = seconds() - t0;
	fim_set_sort(s);
	stats->entries = s->n;
	for (size_t i = 0; i < s->n; i++)
		stats->dirs += S_ISDIR(s->v[i].mode);
	stats->errors = wk.errors;
	t0 = seconds();
	ret = fim_hash_entries(s, c->hash, threads, diag, stats);
	stats->hash_seconds = seconds() - t0;
	s->errors = stats->errors;
cleanup:
	for (size_t i = 0; i < wk.qn; i++)
		free(wk.q[i].path);
	free(wk.q);
	free(wk.roots);
	if (ret) {
		fim_set_free(s);
		return ret;
	}
	*out = s;
	return 0;
}
