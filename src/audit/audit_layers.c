/*
 * Setuid and setgid files of an image, as a container sees them: the merged
 * view of its overlay2 layers, read from the graph driver's diff
 * directories (top layer first) without mounting anything.
 *
 * Each layer is walked once (lstat only, no file is opened, symlinks and
 * other mounts not followed, at most AUDIT_LAYER_ENTRIES_MAX entries per
 * image: beyond, the result says it was cut). A setuid file found in a
 * layer is shown only if no layer above hides it, with overlayfs's rules:
 * the same path above (a replacement, or a whiteout: a 0/0 character
 * device), a non-directory above in place of one of its directories, or an
 * opaque directory above (xattr trusted.overlay.opaque or
 * user.overlay.opaque = "y").
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "audit/internal.h"

struct walk {
	const char *dir;
	size_t dir_len, layer;
	struct audit_setuid_hit *hits;
	size_t n_hits;
	uint64_t entries;
	bool oom, truncated;
};

/* nftw has no user pointer; a scan runs on one thread at a time per thread. */
static __thread struct walk *cur;

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	struct audit_setuid_hit *h;

	(void)type;
	(void)ftw;
	if (++cur->entries > AUDIT_LAYER_ENTRIES_MAX) {
		cur->truncated = true;
		return 1;
	}
	if (!S_ISREG(st->st_mode) || !(st->st_mode & (S_ISUID | S_ISGID)))
		return 0;
	h = audit_grow(&cur->hits, &cur->n_hits, sizeof(*h), &cur->oom);
	if (!h)
		return 1;
	h->path = audit_dup(&cur->oom, path + cur->dir_len);
	h->mode = st->st_mode & 07777;
	h->layer = cur->layer;
	return cur->oom ? 1 : 0;
}

static bool opaque(const char *path)
{
	char v[4];
	ssize_t n = lgetxattr(path, "trusted.overlay.opaque", v, sizeof(v));

	if (n < 0)
		n = lgetxattr(path, "user.overlay.opaque", v, sizeof(v));
	return n == 1 && v[0] == 'y';
}

/* Does layer dir (above the hit's) hide rel ("/usr/bin/su")? */
static bool hides(const char *dir, const char *rel)
{
	char path[8192];
	struct stat st;
	const char *slash;
	size_t n;

	for (slash = strchr(rel + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		n = (size_t)snprintf(path, sizeof(path), "%s%.*s", dir, (int)(slash - rel), rel);
		if (n >= sizeof(path))
			return false;
		if (lstat(path, &st) != 0)
			continue;
		if (!S_ISDIR(st.st_mode) || opaque(path))
			return true;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s%s", dir, rel) >= sizeof(path))
		return false;
	return lstat(path, &st) == 0;
}

int audit_image_keep_setuid(struct audit_image *img, const char *path, uint32_t mode,
			    bool *oom)
{
	char line[4200];

	img->n_setuid_total++;
	if (img->n_setuid >= AUDIT_SETUID_LIST_MAX)
		return 0;
	snprintf(line, sizeof(line), "%s (mode %04o%s%s)", path, mode,
		 mode & S_ISUID ? ", setuid" : "", mode & S_ISGID ? ", setgid" : "");
	return audit_strv_push(&img->setuid, &img->n_setuid, oom, line);
}

static void not_scanned(struct audit_image *img, const char *why, bool *oom)
{
	free(img->layers_why);
	img->layers_why = audit_dup(oom, why);
	img->layers = AUDIT_LAYERS_NOT_SCANNED;
}

int audit_image_scan_layers(struct audit_image *img)
{
	struct walk w = { 0 };
	char why[512];
	bool oom = false;
	size_t i, j;
	int ret = 0;

	if (strcmp(img->driver, "overlay2") != 0 || !img->n_layer_dirs) {
		snprintf(why, sizeof(why), "graph driver %s: only overlay2 layers are read",
			 img->driver[0] ? img->driver : "unknown");
		not_scanned(img, why, &oom);
		return oom ? -ENOMEM : 0;
	}
	for (i = 0; i < img->n_layer_dirs && !w.oom && !w.truncated; i++) {
		if (access(img->layer_dirs[i], R_OK | X_OK)) {
			snprintf(why, sizeof(why), "cannot read %s: %s%s", img->layer_dirs[i],
				 strerror(errno), errno == EACCES ? " (run as root)" : "");
			not_scanned(img, why, &oom);
			goto out;
		}
		w.dir = img->layer_dirs[i];
		w.dir_len = strlen(w.dir);
		w.layer = i;
		cur = &w;
		if (nftw(w.dir, visit, 32, FTW_PHYS | FTW_MOUNT) < 0) {
			snprintf(why, sizeof(why), "walking %s: %s", w.dir, strerror(errno));
			not_scanned(img, why, &oom);
			goto out;
		}
	}
	for (i = 0; i < w.n_hits && !w.oom && !oom; i++) {
		for (j = 0; j < w.hits[i].layer; j++)
			if (hides(img->layer_dirs[j], w.hits[i].path))
				break;
		if (j == w.hits[i].layer &&
		    audit_image_keep_setuid(img, w.hits[i].path, w.hits[i].mode, &oom))
			ret = -ENOMEM;
	}
	img->layers = w.truncated ? AUDIT_LAYERS_TRUNCATED : AUDIT_LAYERS_SCANNED;
	img->layer_entries = w.entries;
out:
	cur = NULL;
	for (i = 0; i < w.n_hits; i++)
		free(w.hits[i].path);
	free(w.hits);
	return ret ? ret : (oom || w.oom) ? -ENOMEM : 0;
}

int audit_image_scan_setuid(struct audit_image *img, const char *socket)
{
	int ret = audit_image_scan_layers(img);

	if (!ret && img->layers != AUDIT_LAYERS_NOT_SCANNED) {
		img->layers_via = "overlay2 layer directories";
		return 0;
	}
	if (ret)
		return ret;
	img->layers_via = "docker save";
	return audit_image_scan_save(img, socket);
}
