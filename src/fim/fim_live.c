/*
 * The live agent's view of file integrity (palisade run --fim FILE): the
 * configuration and the authenticated baseline, loaded once, answering the
 * fim.* fields (struct event_fim) from the event thread and the fanotify
 * guard's thread alike. The one mutable part, the verdicts on executables,
 * is a small cache under a mutex, keyed by what identifies a file's content
 * without reading it (device, inode, size, mtime, ctime).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fim/fim_live_internal.h"

static const struct fim_live *live_of(const struct event_fim *f)
{
	return (const struct fim_live *)f;
}

static const char *watch_class(const struct event_fim *f, const char *path)
{
	const struct fim_watch *w = fim_config_match(live_of(f)->cfg, path);

	return w ? fim_class_name(w->class) : NULL;
}

static bool in_baseline(const struct event_fim *f, const char *path)
{
	return fim_set_find(live_of(f)->base, path) != NULL;
}

static bool is_pkgmgr(const struct event_fim *f, const char *exepath)
{
	const struct fim_config *c = live_of(f)->cfg;

	for (size_t i = 0; i < c->n_pkgmgr; i++)
		if (!strcmp(c->pkgmgr[i], exepath))
			return true;
	return false;
}

static bool same_file(const struct fim_verdict *v, const struct stat *st, const char *path)
{
	return v->dev == st->st_dev && v->ino == st->st_ino && v->size == st->st_size &&
	       v->mtime.tv_sec == st->st_mtim.tv_sec && v->mtime.tv_nsec == st->st_mtim.tv_nsec &&
	       v->ctime.tv_sec == st->st_ctim.tv_sec && v->ctime.tv_nsec == st->st_ctim.tv_nsec &&
	       !strcmp(v->path, path);
}

/* The executable the process runs (its inode: what runs, even when its path
 * was replaced since), when /proc/PID/exe still names exepath (the pid was
 * not reused); else the file at exepath. */
static int open_exe(int pid, const char *exepath)
{
	char proc[64], link[PATH_MAX + 16];
	size_t n = strlen(exepath);
	ssize_t len = -1;
	int fd = -1;

	if (pid > 0) {
		snprintf(proc, sizeof(proc), "/proc/%d/exe", pid);
		len = readlink(proc, link, sizeof(link) - 1);
	}
	if (len > 0) {
		link[len] = '\0';
		if (!strncmp(link, exepath, n) && (!link[n] || !strcmp(link + n, " (deleted)")))
			fd = open(proc, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	}
	if (fd < 0)
		fd = open(exepath, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
	return fd < 0 ? -errno : fd;
}

static int exe_verified(const struct event_fim *f, int pid, const char *exepath)
{
	struct fim_live *l = (struct fim_live *)live_of(f);
	const struct fim_entry *e = fim_set_find(l->base, exepath);
	uint8_t hash[64], len = 0;
	struct fim_verdict *v;
	struct stat st;
	int fd, ok = -1;

	if (!e || !e->hash_len || strlen(exepath) >= sizeof(v->path))
		return 0; /* not in the baseline: not a sanctioned executable */
	fd = open_exe(pid, exepath);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		goto out;
	pthread_mutex_lock(&l->lock);
	for (size_t i = 0; i < FIM_VERDICTS && ok < 0; i++)
		if (same_file(&l->v[i], &st, exepath))
			ok = l->v[i].ok;
	pthread_mutex_unlock(&l->lock);
	if (ok >= 0 || fim_hash_one(fd, l->base->hash_name, hash, &len))
		goto out;
	ok = len == e->hash_len && !memcmp(hash, e->hash, len);
	pthread_mutex_lock(&l->lock);
	v = &l->v[l->next++ % FIM_VERDICTS];
	*v = (struct fim_verdict){ .dev = st.st_dev, .ino = st.st_ino, .size = st.st_size,
			       .mtime = st.st_mtim, .ctime = st.st_ctim, .ok = ok };
	strcpy(v->path, exepath);
	pthread_mutex_unlock(&l->lock);
out:
	close(fd);
	return ok;
}

int fim_live_open(const char *config, struct fim_live **out)
{
	struct fim_live *l = calloc(1, sizeof(*l));
	struct fim_key *k = NULL;
	int err = -ENOMEM;

	*out = NULL;
	if (!l)
		return err;
	pthread_mutex_init(&l->lock, NULL);
	err = fim_config_load(config, stderr, &l->cfg);
	if (err == -ENOENT)
		fprintf(stderr, "palisade: fim: %s: no such file (the FIM configuration, "
				"docs/fim.md)\n", config);
	err = err ?: fim_key_load(l->cfg, false, &k);
	err = err ?: fim_db_read(l->cfg->database, k, &l->base);
	if (err == -ENOENT)
		fprintf(stderr, "palisade: fim: no baseline yet: run `palisade fim init -c %s` "
				"first\n", config);
	fim_key_free(k);
	if (err) {
		fim_live_free(l);
		return err;
	}
	l->ops = (struct event_fim){ .watch_class = watch_class, .in_baseline = in_baseline,
				     .is_pkgmgr = is_pkgmgr, .exe_verified = exe_verified };
	*out = l;
	return 0;
}

const struct event_fim *fim_live_fields(const struct fim_live *l)
{
	return l ? &l->ops : NULL;
}

const struct fim_config *fim_live_config(const struct fim_live *l)
{
	return l->cfg;
}

const struct fim_set *fim_live_baseline(const struct fim_live *l)
{
	return l->base;
}

void fim_live_free(struct fim_live *l)
{
	if (!l)
		return;
	fim_live_offline_stop(l, 0);
	if (l->offline.abandoned)
		return; /* its thread still reads them */
	fim_live_offline_free(&l->offline);
	fim_config_free(l->cfg);
	fim_set_free(l->base);
	pthread_mutex_destroy(&l->lock);
	free(l);
}
