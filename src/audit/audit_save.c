/*
 * Setuid and setgid files of an image through `docker save` (GET
 * /images/ID/get): the way that needs neither root nor overlay2, used when
 * the layer directories cannot be read. The archive streams through two tar
 * readers (the archive, and the layer being read inside it); nothing of it
 * is stored but, per layer, its setuid/setgid files and 64-bit hashes of
 * its paths, non-directories, whiteouts (.wh.NAME) and opaque directories
 * (.wh..wh..opq). manifest.json then gives the layers' order, and a setuid
 * file is shown only if no layer above hides it (overlayfs's rules, as in
 * audit_layers.c). A hash collision could hide a file (odds about 2^-64 per
 * pair). Bounded: AUDIT_LAYER_ENTRIES_MAX entries, AUDIT_SAVE_BYTES_MAX bytes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit/internal.h"
#include "audit/tar.h"
#include "container/container.h"

#define MANIFEST_MAX (1u << 20)
#define SAVE_TIMEOUT_MS 600000L

enum { H_ALL, H_NONDIR, H_WHITEOUT, H_OPAQUE, H_COUNT };

struct hashes {
	uint64_t *v;
	size_t n;
};

struct save_layer {
	char *name; /* in the archive: "ID/layer.tar" or "blobs/sha256/ID" */
	struct audit_setuid_hit *hits;
	size_t n_hits;
	struct hashes h[H_COUNT];
	bool ok; /* a tar read to its end */
};

struct save_scan {
	struct audit_tar outer, inner;
	struct save_layer *layers;
	size_t n_layers;
	bool in_layer, in_manifest;
	char *manifest;
	size_t manifest_len;
	uint64_t entries, bytes;
	bool truncated, oom;
};

static uint64_t fnv1a(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

static void add_hash(struct save_scan *s, struct hashes *h, const char *p, size_t n)
{
	uint64_t *slot = audit_grow(&h->v, &h->n, sizeof(*slot), &s->oom);

	if (slot)
		*slot = fnv1a(p, n);
}

/* "./usr/bin/", "usr/bin" -> "/usr/bin" */
static void normalise(const char *in, char *out, size_t size)
{
	while (in[0] == '.' && in[1] == '/')
		in += 2;
	while (in[0] == '/')
		in++;
	snprintf(out, size, "/%s", in);
	for (size_t n = strlen(out); n > 1 && out[n - 1] == '/'; n--)
		out[n - 1] = '\0';
}

static enum audit_tar_want layer_entry(void *ctx, const char *path, uint32_t mode, char type,
				       uint64_t size)
{
	struct save_scan *s = ctx;
	struct save_layer *l = &s->layers[s->n_layers - 1];
	char p[4200];
	const char *base;
	size_t dir;

	(void)size;
	if (++s->entries > AUDIT_LAYER_ENTRIES_MAX) {
		s->truncated = true;
		return AUDIT_TAR_SKIP;
	}
	normalise(path, p, sizeof(p));
	base = strrchr(p, '/') + 1;
	dir = (size_t)(base - p - 1);
	if (strcmp(base, ".wh..wh..opq") == 0) {
		add_hash(s, &l->h[H_OPAQUE], p, dir ? dir : 1);
	} else if (strncmp(base, ".wh.", 4) == 0) {
		memmove((char *)base, base + 4, strlen(base + 4) + 1);
		add_hash(s, &l->h[H_WHITEOUT], p, strlen(p));
	} else {
		add_hash(s, &l->h[H_ALL], p, strlen(p));
		if (type != '5')
			add_hash(s, &l->h[H_NONDIR], p, strlen(p));
		if ((type == '0' || type == '\0' || type == '7') && (mode & (S_ISUID | S_ISGID))) {
			struct audit_setuid_hit *h = audit_grow(&l->hits, &l->n_hits, sizeof(*h),
								&s->oom);

			if (h) {
				h->path = audit_dup(&s->oom, p);
				h->mode = mode & 07777;
			}
		}
	}
	return AUDIT_TAR_SKIP;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static bool has(const struct hashes *h, const char *p, size_t n)
{
	uint64_t k = fnv1a(p, n);

	return h->n && bsearch(&k, h->v, h->n, sizeof(k), cmp_u64);
}

static enum audit_tar_want archive_entry(void *ctx, const char *path, uint32_t mode, char type,
					 uint64_t size)
{
	struct save_scan *s = ctx;
	size_t n = strlen(path);
	struct save_layer *l;

	(void)mode;
	if (type != '0' && type != '\0')
		return AUDIT_TAR_SKIP;
	if (strcmp(path, "manifest.json") == 0 && size <= MANIFEST_MAX) {
		s->in_manifest = true;
		return AUDIT_TAR_DATA;
	}
	if (!((n > 10 && strcmp(path + n - 10, "/layer.tar") == 0) ||
	      strncmp(path, "blobs/sha256/", 13) == 0))
		return AUDIT_TAR_SKIP;
	l = audit_grow(&s->layers, &s->n_layers, sizeof(*l), &s->oom);
	if (!l)
		return AUDIT_TAR_SKIP;
	l->name = audit_dup(&s->oom, path);
	audit_tar_init(&s->inner, layer_entry, NULL, NULL, s);
	s->in_layer = true;
	return AUDIT_TAR_DATA;
}

static int archive_data(void *ctx, const void *data, size_t len)
{
	struct save_scan *s = ctx;

	if (s->in_manifest) {
		char *tmp = realloc(s->manifest, s->manifest_len + len + 1);

		if (!tmp)
			return -ENOMEM;
		s->manifest = tmp;
		memcpy(s->manifest + s->manifest_len, data, len);
		s->manifest_len += len;
		s->manifest[s->manifest_len] = '\0';
		return 0;
	}
	/* A blob that is not a tar (an image config) fails here: not a layer. */
	if (s->in_layer && !s->inner.failed && !s->inner.done)
		audit_tar_feed(&s->inner, data, len);
	return s->truncated ? -E2BIG : s->oom ? -ENOMEM : 0;
}

static void archive_end(void *ctx)
{
	struct save_scan *s = ctx;
	struct save_layer *l;
	size_t i;

	if (s->in_manifest) {
		s->in_manifest = false;
		return;
	}
	s->in_layer = false;
	l = &s->layers[s->n_layers - 1];
	l->ok = !s->inner.failed && !s->inner.hdr_len && !s->inner.remaining;
	for (i = 0; i < H_COUNT; i++)
		if (l->h[i].n)
			qsort(l->h[i].v, l->h[i].n, sizeof(uint64_t), cmp_u64);
}

/* Does layer above hide path p of a layer below? */
static bool hides(const struct save_layer *above, const char *p)
{
	const char *slash;

	if (has(&above->h[H_ALL], p, strlen(p)) || has(&above->h[H_WHITEOUT], p, strlen(p)))
		return true;
	for (slash = strchr(p + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		size_t n = (size_t)(slash - p);

		if (has(&above->h[H_WHITEOUT], p, n) || has(&above->h[H_NONDIR], p, n) ||
		    has(&above->h[H_OPAQUE], p, n))
			return true;
	}
	return has(&above->h[H_OPAQUE], "/", 1); /* an opaque root hides everything below */
}

/* manifest.json's Layers (bottom first) -> indices into s->layers, top first. */
static int order(struct save_scan *s, size_t **out, size_t *n, char *why, size_t whylen)
{
	json_t *m = s->manifest ? json_loadb(s->manifest, s->manifest_len, 0, NULL) : NULL;
	json_t *names = json_object_get(json_array_get(m, 0), "Layers"), *x;
	size_t i, k;

	*out = NULL;
	if (!json_is_array(names)) {
		json_decref(m);
		snprintf(why, whylen, "docker save gave no manifest.json with Layers");
		return -EINVAL;
	}
	*n = json_array_size(names);
	*out = calloc(*n ? *n : 1, sizeof(**out));
	json_array_foreach(names, i, x) {
		for (k = 0; *out && k < s->n_layers; k++)
			if (json_is_string(x) && strcmp(s->layers[k].name, json_string_value(x)) == 0)
				break;
		if (!*out || k == s->n_layers || !s->layers[k].ok) {
			snprintf(why, whylen, "layer %.80s %s in docker save's archive",
				 json_is_string(x) ? json_string_value(x) : "?",
				 k == s->n_layers ? "missing" : "malformed");
			free(*out);
			*out = NULL;
			json_decref(m);
			return -EINVAL;
		}
		(*out)[*n - 1 - i] = k;
	}
	json_decref(m);
	return 0;
}

static int finish(struct save_scan *s, struct audit_image *img)
{
	size_t *top = NULL, n = 0, i, j, h;
	char why[256];
	bool oom = false;
	int ret = 0;

	if (s->truncated) {
		img->layers = AUDIT_LAYERS_TRUNCATED;
		return 0;
	}
	if (s->outer.failed || order(s, &top, &n, why, sizeof(why))) {
		if (s->outer.failed)
			snprintf(why, sizeof(why), "docker save's archive is malformed");
		free(img->layers_why);
		img->layers_why = audit_dup(&oom, why);
		img->layers = AUDIT_LAYERS_NOT_SCANNED;
		return oom ? -ENOMEM : 0;
	}
	for (i = 0; i < n && !ret; i++) {
		const struct save_layer *l = &s->layers[top[i]];

		for (h = 0; h < l->n_hits && !ret; h++) {
			for (j = 0; j < i && !hides(&s->layers[top[j]], l->hits[h].path); j++)
				;
			if (j == i)
				ret = audit_image_keep_setuid(img, l->hits[h].path, l->hits[h].mode, &oom);
		}
	}
	free(top);
	img->layers = AUDIT_LAYERS_SCANNED;
	img->layer_entries = s->entries;
	return ret ? ret : oom ? -ENOMEM : 0;
}

static void release(struct save_scan *s)
{
	size_t i, k;

	for (i = 0; i < s->n_layers; i++) {
		for (k = 0; k < s->layers[i].n_hits; k++)
			free(s->layers[i].hits[k].path);
		free(s->layers[i].hits);
		for (k = 0; k < H_COUNT; k++)
			free(s->layers[i].h[k].v);
		free(s->layers[i].name);
	}
	free(s->layers);
	free(s->manifest);
	free(s);
}

static struct save_scan *scan_new(void)
{
	struct save_scan *s = calloc(1, sizeof(*s));

	if (s)
		audit_tar_init(&s->outer, archive_entry, archive_data, archive_end, s);
	return s;
}

static int feed(const void *data, size_t len, void *ctx)
{
	struct save_scan *s = ctx;

	s->bytes += len;
	if (s->bytes > AUDIT_SAVE_BYTES_MAX) {
		s->truncated = true;
		return -E2BIG;
	}
	return audit_tar_feed(&s->outer, data, len) == -E2BIG || s->truncated ? -E2BIG : 0;
}

int audit_save_scan_bytes(struct audit_image *img, const void *data, size_t len, size_t chunk)
{
	struct save_scan *s = scan_new();
	size_t off, n;
	int ret;

	if (!s)
		return -ENOMEM;
	for (off = 0; off < len; off += n) {
		n = chunk && chunk < len - off ? chunk : len - off;
		if (feed((const char *)data + off, n, s))
			break;
	}
	ret = s->oom ? -ENOMEM : finish(s, img);
	release(s);
	return ret;
}

int audit_image_scan_save(struct audit_image *img, const char *socket)
{
	struct container_engine *e = NULL;
	struct save_scan *s = scan_new();
	char path[200], err[512], why[700];
	long status = 0;
	bool oom = false;
	int ret;

	if (!s)
		return -ENOMEM;
	snprintf(path, sizeof(path), "/images/%.150s/get", img->id);
	ret = container_engine_open(socket, &e);
	if (!ret)
		ret = container_engine_get_raw(e, path, SAVE_TIMEOUT_MS, feed, s, &status, err,
					       sizeof(err));
	container_engine_close(e);
	if (s->oom) {
		ret = -ENOMEM;
	} else if (s->truncated || (!ret && status == 200)) {
		ret = finish(s, img);
	} else {
		snprintf(why, sizeof(why), "docker save of %.100s failed: %s", img->name,
			 ret ? err : "the daemon refused it");
		free(img->layers_why);
		img->layers_why = audit_dup(&oom, why);
		img->layers = AUDIT_LAYERS_NOT_SCANNED;
		ret = oom ? -ENOMEM : 0;
	}
	release(s);
	return ret;
}
