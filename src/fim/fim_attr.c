/*
 * The attributes a baseline keeps, described once: name (configuration,
 * database column, reports), AIDE's counterpart, meaning, how two entries
 * compare on it, how it is shown and how the database stores it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "event/event.h"
#include "fim/fim_internal.h"

static bool eq_type(const struct fim_entry *a, const struct fim_entry *b)
{
	return (a->mode & S_IFMT) == (b->mode & S_IFMT);
}

static bool eq_mode(const struct fim_entry *a, const struct fim_entry *b)
{
	return (a->mode & 07777) == (b->mode & 07777);
}

#define EQ_MEMBER(fn, m)                                                      \
	static bool fn(const struct fim_entry *a, const struct fim_entry *b) \
	{                                                                     \
		return a->m == b->m;                                          \
	}
EQ_MEMBER(eq_uid, uid)
EQ_MEMBER(eq_gid, gid)
EQ_MEMBER(eq_size, size)
EQ_MEMBER(eq_mtime, mtime_ns)
EQ_MEMBER(eq_ctime, ctime_ns)
EQ_MEMBER(eq_ino, ino)
EQ_MEMBER(eq_nlink, nlink)

static bool eq_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

static bool eq_target(const struct fim_entry *a, const struct fim_entry *b)
{
	return eq_str(a->target, b->target);
}

static bool eq_xattrs(const struct fim_entry *a, const struct fim_entry *b)
{
	return eq_str(a->xattrs, b->xattrs);
}

static bool eq_caps(const struct fim_entry *a, const struct fim_entry *b)
{
	return a->caps_len == b->caps_len && memcmp(a->caps, b->caps, a->caps_len) == 0;
}

static bool eq_hash(const struct fim_entry *a, const struct fim_entry *b)
{
	return a->hash_err == b->hash_err && a->hash_len == b->hash_len &&
	       memcmp(a->hash, b->hash, a->hash_len) == 0;
}

static const struct {
	unsigned mode;
	const char *name;
} types[] = {
	{ S_IFREG, "file" }, { S_IFDIR, "dir" },   { S_IFLNK, "symlink" }, { S_IFIFO, "fifo" },
	{ S_IFSOCK, "socket" }, { S_IFCHR, "char" }, { S_IFBLK, "block" },
};

const char *fim_type_name(uint32_t mode)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if ((mode & S_IFMT) == types[i].mode)
			return types[i].name;
	return "unknown";
}

int fim_type_parse(const char *s, size_t len, uint32_t *mode)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strlen(types[i].name) == len && memcmp(types[i].name, s, len) == 0) {
			*mode = (*mode & ~(uint32_t)S_IFMT) | types[i].mode;
			return 0;
		}
	return -EINVAL;
}

static size_t put_time(char *buf, size_t size, int64_t ns)
{
	time_t sec = (time_t)(ns / 1000000000);
	long frac = (long)(ns % 1000000000);
	struct tm tm;
	int n;

	if (frac < 0) {
		frac += 1000000000;
		sec--;
	}
	if (!gmtime_r(&sec, &tm))
		return (size_t)snprintf(buf, size, "%" PRId64, ns);
	n = snprintf(buf, size, "%04d-%02d-%02d %02d:%02d:%02d.%09ld UTC", tm.tm_year + 1900,
		     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
	return n < 0 ? 0 : (size_t)n;
}

static size_t put_hex(char *buf, size_t size, const uint8_t *p, size_t n)
{
	size_t i, w = 0;

	for (i = 0; i < n && w + 3 <= size; i++)
		w += (size_t)snprintf(buf + w, size - w, "%02x", p[i]);
	if (size)
		buf[w < size ? w : size - 1] = '\0';
	return w;
}

size_t fim_attr_format(enum fim_attr a, const struct fim_entry *e, char *buf, size_t size)
{
	int n = 0;

	if (!size)
		return 0;
	buf[0] = '\0';
	switch (a) {
	case FIM_A_TYPE:
		n = snprintf(buf, size, "%s", fim_type_name(e->mode));
		break;
	case FIM_A_MODE:
		n = snprintf(buf, size, "%04o", e->mode & 07777);
		break;
	case FIM_A_UID:
		n = snprintf(buf, size, "%u", e->uid);
		break;
	case FIM_A_GID:
		n = snprintf(buf, size, "%u", e->gid);
		break;
	case FIM_A_SIZE:
		n = snprintf(buf, size, "%" PRIu64, e->size);
		break;
	case FIM_A_MTIME:
		return put_time(buf, size, e->mtime_ns);
	case FIM_A_CTIME:
		return put_time(buf, size, e->ctime_ns);
	case FIM_A_INODE:
		n = snprintf(buf, size, "%" PRIu64, e->ino);
		break;
	case FIM_A_NLINK:
		n = snprintf(buf, size, "%" PRIu64, e->nlink);
		break;
	case FIM_A_TARGET:
		n = snprintf(buf, size, "%s", e->target ? e->target : "");
		break;
	case FIM_A_XATTRS:
		n = snprintf(buf, size, "%s", e->xattrs ? e->xattrs : "none");
		break;
	case FIM_A_CAPS:
		return fim_caps_text(e->caps, e->caps_len, buf, size);
	case FIM_A_HASH:
		if (e->hash_err)
			n = snprintf(buf, size, "unreadable: %s", strerror(e->hash_err));
		else
			return put_hex(buf, size, e->hash, e->hash_len);
		break;
	case FIM_A_COUNT:
		break;
	}
	return n < 0 ? 0 : (size_t)n >= size ? size - 1 : (size_t)n;
}

const struct fim_attr_desc fim_attr_table[FIM_A_COUNT] = {
	[FIM_A_TYPE] = { "type", "ftype", "file type: file, dir, symlink, fifo, socket, char, block", eq_type },
	[FIM_A_MODE] = { "mode", "p", "permission bits with setuid, setgid and sticky, in octal", eq_mode },
	[FIM_A_UID] = { "uid", "u", "owner's user id", eq_uid },
	[FIM_A_GID] = { "gid", "g", "owner's group id", eq_gid },
	[FIM_A_SIZE] = { "size", "s", "size in bytes", eq_size },
	[FIM_A_MTIME] = { "mtime", "m", "modification time, to the nanosecond", eq_mtime },
	[FIM_A_CTIME] = { "ctime", "c", "inode change time, to the nanosecond", eq_ctime },
	[FIM_A_INODE] = { "inode", "i", "inode number", eq_ino },
	[FIM_A_NLINK] = { "nlink", "n", "number of hard links", eq_nlink },
	[FIM_A_TARGET] = { "target", "l", "a symbolic link's target", eq_target },
	[FIM_A_XATTRS] = { "xattrs", "xattrs", "every extended attribute (security.*, trusted.*, user.*, system.* ACLs), names and values", eq_xattrs },
	[FIM_A_CAPS] = { "caps", "caps", "file capabilities (security.capability), as getcap shows them", eq_caps },
	[FIM_A_HASH] = { "hash", "sha256", "digest of the content of a regular file: SHA-256 by default, or the digest `hash:` names", eq_hash },
};

const char *fim_attr_name(enum fim_attr a)
{
	return a < FIM_A_COUNT ? fim_attr_table[a].name : "?";
}

enum fim_attr fim_attr_by_name(const char *name, size_t len)
{
	for (unsigned a = 0; a < FIM_A_COUNT; a++)
		if (strlen(fim_attr_table[a].name) == len && !memcmp(fim_attr_table[a].name, name, len))
			return (enum fim_attr)a;
	return FIM_A_COUNT;
}

void fim_attrs_describe(FILE *f)
{
	fprintf(f, "| attribute | AIDE | meaning |\n|---|---|---|\n");
	for (unsigned a = 0; a < FIM_A_COUNT; a++)
		fprintf(f, "| `%s` | `%s` | %s |\n", fim_attr_table[a].name, fim_attr_table[a].aide,
			fim_attr_table[a].desc);
}

static const char *const class_names[FIM_CLASS_COUNT] = {
	[FIM_CLASS_OTHER] = "other",
	[FIM_CLASS_BINARY] = "binary",
	[FIM_CLASS_CONFIG] = "config",
};

const char *fim_class_name(enum fim_class c)
{
	return c < FIM_CLASS_COUNT ? class_names[c] : "other";
}

int fim_class_parse(const char *s, enum fim_class *out)
{
	for (unsigned c = 0; c < FIM_CLASS_COUNT; c++)
		if (strcmp(class_names[c], s) == 0) {
			*out = (enum fim_class)c;
			return 0;
		}
	return -EINVAL;
}

/* One capability's flags as getcap writes them ("ep", "eip", "i"). */
static void cap_flags(bool eff, bool inh, bool perm, char out[4])
{
	size_t n = 0;

	if (eff && (inh || perm))
		out[n++] = 'e';
	if (inh)
		out[n++] = 'i';
	if (perm)
		out[n++] = 'p';
	out[n] = '\0';
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Appends s (lower-cased when asked) at buf + w; the new length. */
static size_t append(char *buf, size_t size, size_t w, const char *s, bool lower)
{
	for (; *s && w + 1 < size; s++)
		buf[w++] = lower && *s >= 'A' && *s <= 'Z' ? (char)(*s - 'A' + 'a') : *s;
	if (w < size)
		buf[w] = '\0';
	return w;
}

/* Appends "name,name=flags" for every capability whose flags are `want`. */
static size_t caps_group(const uint64_t set[2], bool eff, const char *want, char *buf,
			 size_t size, size_t w)
{
	bool first = true;

	for (unsigned bit = 0; bit < 64; bit++) {
		char flags[4], unnamed[16];
		const char *name = event_cap_name(bit);

		cap_flags(eff, set[1] >> bit & 1, set[0] >> bit & 1, flags);
		if (!*flags || strcmp(flags, want))
			continue;
		if (!name) {
			snprintf(unnamed, sizeof(unnamed), "cap_%u", bit);
			name = unnamed;
		}
		w = append(buf, size, w, first ? (w ? " " : "") : ",", false);
		w = append(buf, size, w, name, true);
		first = false;
	}
	if (!first) {
		w = append(buf, size, w, "=", false);
		w = append(buf, size, w, want, false);
	}
	return w;
}

size_t fim_caps_text(const uint8_t *caps, size_t len, char *buf, size_t size)
{
	static const char *const combos[] = { "ep", "eip", "ei", "p", "ip", "i" };
	uint64_t set[2] = { 0, 0 }; /* permitted, inheritable */
	uint32_t magic;
	unsigned words;
	size_t w = 0;

	if (!size)
		return 0;
	buf[0] = '\0';
	if (!len)
		return append(buf, size, 0, "none", false);
	magic = len >= 4 ? le32(caps) : 0;
	words = (magic & 0xff000000u) == 0x01000000u ? 1 : 2;
	if (len < 4 + 8u * words || (magic & 0xff000000u) > 0x03000000u || !(magic & 0xff000000u))
		return append(buf, size, 0, "invalid", false);
	for (unsigned i = 0; i < words; i++) {
		set[0] |= (uint64_t)le32(caps + 4 + 8 * i) << (32 * i);
		set[1] |= (uint64_t)le32(caps + 8 + 8 * i) << (32 * i);
	}
	for (size_t c = 0; c < sizeof(combos) / sizeof(combos[0]); c++)
		w = caps_group(set, magic & 1, combos[c], buf, size, w);
	if ((magic & 0xff000000u) == 0x03000000u && len >= 24) {
		char rootid[32];

		snprintf(rootid, sizeof(rootid), " [rootid=%u]", le32(caps + 20));
		w = append(buf, size, w, rootid, false);
	}
	return w ? w : append(buf, size, 0, "=", false);
}
