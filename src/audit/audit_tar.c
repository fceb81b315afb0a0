/*
 * A streaming tar reader (ustar, with GNU long names and pax path records):
 * bytes are pushed in as they arrive, entries come out through callbacks.
 * It keeps one 512-byte header and at most TAR_META_MAX bytes of a long
 * name at a time, whatever the archive's size. A header whose checksum is
 * wrong ends the archive as malformed (-EINVAL): no guessing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "audit/tar.h"

#define BLOCK 512

static uint64_t octal(const unsigned char *p, size_t n, bool *ok)
{
	uint64_t v = 0;
	size_t i = 0;

	while (i < n && (p[i] == ' ' || p[i] == '\0'))
		i++;
	if (i < n && (p[i] & 0x80)) { /* GNU base-256 for large sizes: positive only */
		if (p[i] != 0x80) {
			*ok = false;
			return 0;
		}
		for (i++; i < n; i++) {
			if (v >> 56) {
				*ok = false;
				return 0;
			}
			v = (v << 8) | p[i];
		}
		return v;
	}
	for (; i < n && p[i] >= '0' && p[i] <= '7'; i++) {
		if (v >> 60) {
			*ok = false;
			return 0;
		}
		v = v * 8 + (uint64_t)(p[i] - '0');
	}
	for (; i < n; i++)
		if (p[i] != ' ' && p[i] != '\0')
			*ok = false;
	return v;
}

static bool checksum_ok(const unsigned char *h)
{
	bool ok = true;
	uint64_t want = octal(h + 148, 8, &ok), sum = 0;
	size_t i;

	for (i = 0; i < BLOCK; i++)
		sum += (i >= 148 && i < 156) ? ' ' : h[i];
	return ok && sum == want;
}

static bool all_zero(const unsigned char *h)
{
	size_t i;

	for (i = 0; i < BLOCK; i++)
		if (h[i])
			return false;
	return true;
}

/* pax records "LEN path=VALUE\n": the path, if any, into t->name. */
static void pax_path(struct audit_tar *t)
{
	size_t i = 0;

	while (i < t->meta_len) {
		char *sp = memchr(t->meta + i, ' ', t->meta_len - i);
		size_t len = (size_t)strtoul(t->meta + i, NULL, 10);

		if (!sp || len == 0 || len > t->meta_len - i)
			return;
		if ((size_t)(sp - (t->meta + i)) + 6 <= len && strncmp(sp + 1, "path=", 5) == 0) {
			size_t vlen = len - (size_t)(sp + 6 - (t->meta + i)) - 1;

			if (vlen < sizeof(t->name)) {
				memcpy(t->name, sp + 6, vlen);
				t->name[vlen] = '\0';
				t->have_name = true;
			}
		}
		i += len;
	}
}

/* A complete header: an entry, or a long name for the next one. */
static int header(struct audit_tar *t)
{
	const unsigned char *h = t->hdr;
	bool ok = true;
	uint64_t size;
	uint32_t mode;
	char type = (char)h[156], path[sizeof(t->name)];

	if (all_zero(h)) {
		t->zero_blocks++;
		if (t->zero_blocks >= 2)
			t->done = true;
		return 0;
	}
	t->zero_blocks = 0;
	if (!checksum_ok(h))
		return -EINVAL;
	size = octal(h + 124, 12, &ok);
	mode = (uint32_t)octal(h + 100, 8, &ok);
	if (!ok)
		return -EINVAL;
	t->remaining = size;
	t->pad = (BLOCK - size % BLOCK) % BLOCK;
	t->meta_len = 0;
	if (type == 'L' || type == 'x') { /* the next entry's name */
		t->meta_type = type;
		t->want = AUDIT_TAR_META;
		return 0;
	}
	if (type == 'g' || type == 'K') { /* global pax, GNU long link: not names we need */
		t->want = AUDIT_TAR_SKIP;
		return 0;
	}
	if (t->have_name) {
		memcpy(path, t->name, sizeof(path));
	} else {
		/* ustar: prefix (155 at 345) "/" name (100) */
		size_t pl = strnlen((const char *)h + 345, 155), nl = strnlen((const char *)h, 100);

		path[0] = '\0';
		if (h[257] == 'u' && pl) {
			memcpy(path, h + 345, pl);
			path[pl] = '/';
			pl++;
		} else {
			pl = 0;
		}
		memcpy(path + pl, h, nl);
		path[pl + nl] = '\0';
	}
	t->have_name = false;
	t->want = t->on_entry(t->ctx, path, mode, type, size);
	return 0;
}

static int meta_byte_run(struct audit_tar *t, const unsigned char *d, size_t n)
{
	if (t->meta_len + n > AUDIT_TAR_META_MAX)
		return -E2BIG;
	memcpy(t->meta + t->meta_len, d, n);
	t->meta_len += n;
	return 0;
}

/* The end of an entry's data. */
static void entry_end(struct audit_tar *t)
{
	if (t->want == AUDIT_TAR_META) {
		if (t->meta_type == 'L') {
			size_t n = strnlen(t->meta, t->meta_len);

			if (n < sizeof(t->name)) {
				memcpy(t->name, t->meta, n);
				t->name[n] = '\0';
				t->have_name = true;
			}
		} else {
			pax_path(t);
		}
	} else if (t->want == AUDIT_TAR_DATA && t->on_end) {
		t->on_end(t->ctx);
	}
	t->want = AUDIT_TAR_SKIP;
}

int audit_tar_feed(struct audit_tar *t, const void *data, size_t n)
{
	const unsigned char *d = data;
	int ret;

	while (n && !t->done && !t->failed) {
		size_t k;

		if (t->remaining) {
			k = n < t->remaining ? n : (size_t)t->remaining;
			if (t->want == AUDIT_TAR_DATA)
				ret = t->on_data(t->ctx, d, k);
			else if (t->want == AUDIT_TAR_META)
				ret = meta_byte_run(t, d, k);
			else
				ret = 0;
			if (ret) {
				t->failed = true;
				return ret;
			}
			t->remaining -= k;
			d += k;
			n -= k;
			if (!t->remaining)
				entry_end(t);
			continue;
		}
		if (t->pad) {
			k = n < t->pad ? n : (size_t)t->pad;
			t->pad -= k;
			d += k;
			n -= k;
			continue;
		}
		k = BLOCK - t->hdr_len;
		k = n < k ? n : k;
		memcpy(t->hdr + t->hdr_len, d, k);
		t->hdr_len += k;
		d += k;
		n -= k;
		if (t->hdr_len < BLOCK)
			continue;
		t->hdr_len = 0;
		ret = header(t);
		if (ret) {
			t->failed = true;
			return ret;
		}
		if (!t->remaining && t->want != AUDIT_TAR_SKIP)
			entry_end(t); /* an empty entry */
	}
	return 0;
}

void audit_tar_init(struct audit_tar *t,
		    enum audit_tar_want (*on_entry)(void *ctx, const char *path, uint32_t mode,
						    char type, uint64_t size),
		    int (*on_data)(void *ctx, const void *data, size_t len), void (*on_end)(void *ctx),
		    void *ctx)
{
	memset(t, 0, sizeof(*t));
	t->on_entry = on_entry;
	t->on_data = on_data;
	t->on_end = on_end;
	t->ctx = ctx;
}
