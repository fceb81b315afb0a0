/*
 * The baseline database (docs/fim.md, "The database"): text, one entry per
 * line, sorted by path, every string escaped, then an authentication line
 * covering every byte before it:
 *
 *   palisade-fim 1
 *   digest sha256
 *   created 1765100000
 *   columns path attrs type mode uid gid size mtime ctime inode nlink target xattrs caps hash
 *   /usr/bin/ls<TAB>1fff<TAB>file<TAB>0755<TAB>0<TAB>0<TAB>...
 *   end 41873
 *   auth hmac-sha256 <hex>        (or: auth ed25519 <hex>)
 *
 * The parser trusts nothing: the tag is checked before anything else is
 * read, every field's length and value is bounded, and paths must be
 * strictly increasing (no duplicate, the order lookups rely on).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fim/fim_internal.h"
#include "outfile/outfile.h"

#define MAGIC "palisade-fim 1\n"
#define COLUMNS "columns path attrs type mode uid gid size mtime ctime inode nlink target xattrs caps hash"
#define N_COLUMNS 15

struct buf {
	char *p;
	size_t n, cap;
	int err;
};

static void reserve(struct buf *b, size_t more)
{
	char *p;
	size_t cap;

	if (b->err || b->n + more + 1 <= b->cap)
		return;
	cap = (b->n + more + 1) * 2;
	if (!(p = realloc(b->p, cap))) {
		b->err = -ENOMEM;
		return;
	}
	b->p = p;
	b->cap = cap;
}

__attribute__((format(printf, 2, 3))) static void put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	reserve(b, 256);
	if (b->err)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->n) {
		b->err = -EOVERFLOW;
		return;
	}
	b->n += (size_t)n;
}

static void put_escaped(struct buf *b, const char *s)
{
	size_t len = s ? strlen(s) : 0;

	reserve(b, fim_escaped_len(s ? s : "", len));
	if (!b->err)
		b->n += fim_escape(s ? s : "", len, b->p + b->n, b->cap - b->n);
}

static void put_hex(struct buf *b, const uint8_t *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	reserve(b, 2 * n);
	for (size_t i = 0; !b->err && i < n; i++) {
		b->p[b->n++] = hex[p[i] >> 4];
		b->p[b->n++] = hex[p[i] & 15];
	}
}

static void put_entry(struct buf *b, const struct fim_entry *e)
{
	put_escaped(b, e->path);
	put(b, "\t%x\t%s\t%04o\t%u\t%u\t%" PRIu64 "\t%" PRId64 "\t%" PRId64 "\t%" PRIu64 "\t%" PRIu64 "\t",
	    e->attrs, fim_type_name(e->mode), e->mode & 07777, e->uid, e->gid, e->size, e->mtime_ns,
	    e->ctime_ns, e->ino, e->nlink);
	put_escaped(b, e->target);
	put(b, "\t%s\t", e->xattrs ? e->xattrs : "");
	put_hex(b, e->caps, e->caps_len);
	put(b, "\t");
	if (e->hash_err)
		put(b, "!%d", e->hash_err);
	else
		put_hex(b, e->hash, e->hash_len);
	put(b, "\n");
}

int fim_db_format(const struct fim_set *s, const struct fim_key *k, char **out, size_t *len)
{
	struct buf b = { 0 };
	unsigned char tag[FIM_TAG_MAX];
	size_t tag_len = 0;
	int ret;

	*out = NULL;
	put(&b, MAGIC "digest %s\ncreated %" PRId64 "\n" COLUMNS "\n", s->hash_name, s->created);
	for (size_t i = 0; i < s->n; i++)
		put_entry(&b, &s->v[i]);
	put(&b, "end %zu\n", s->n);
	ret = b.err ? b.err : fim_key_tag(k, b.p, b.n, tag, &tag_len);
	put(&b, "auth %s ", fim_key_scheme(k));
	put_hex(&b, tag, tag_len);
	put(&b, "\n");
	if (!ret)
		ret = b.err;
	if (ret) {
		free(b.p);
		return ret;
	}
	*out = b.p;
	*len = b.n;
	return 0;
}

/* ---- parsing ---- */

struct cursor {
	const char *p, *end;
	unsigned line;
	char *why;
	size_t why_size;
};

__attribute__((format(printf, 2, 3))) static int bad(struct cursor *c, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(c->why, c->why_size, "line %u: ", c->line);

	if (n >= 0 && (size_t)n < c->why_size) {
		va_start(ap, fmt);
		vsnprintf(c->why + n, c->why_size - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* The next line without its '\n'; false at the end (or a line without one). */
static bool next_line(struct cursor *c, const char **line, size_t *len)
{
	const char *nl;

	if (c->p >= c->end || !(nl = memchr(c->p, '\n', (size_t)(c->end - c->p))))
		return false;
	*line = c->p;
	*len = (size_t)(nl - c->p);
	c->p = nl + 1;
	c->line++;
	return *len <= FIM_DB_LINE_MAX;
}

static bool starts(const char *s, size_t len, const char *prefix, const char **rest,
		   size_t *rest_len)
{
	size_t n = strlen(prefix);

	if (len < n || memcmp(s, prefix, n))
		return false;
	*rest = s + n;
	*rest_len = len - n;
	return true;
}

static int parse_uint(const char *s, size_t len, unsigned base, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!len || len > 22)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned d = s[i] >= '0' && s[i] <= '9' ? (unsigned)(s[i] - '0')
			   : s[i] >= 'a' && s[i] <= 'f' ? (unsigned)(s[i] - 'a' + 10) : 99;

		if (d >= base || v > (max - d) / base)
			return -EINVAL;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

static int parse_int(const char *s, size_t len, int64_t *out)
{
	bool neg = len && s[0] == '-';
	uint64_t v;

	if (parse_uint(s + neg, len - neg, 10, INT64_MAX, &v))
		return -EINVAL;
	*out = neg ? -(int64_t)v : (int64_t)v;
	return 0;
}

static int parse_hex(const char *s, size_t len, uint8_t *out, size_t max, uint8_t *n)
{
	uint64_t v;

	if (len % 2 || len / 2 > max)
		return -EINVAL;
	for (size_t i = 0; i < len; i += 2) {
		if (parse_uint(s + i, 2, 16, 255, &v))
			return -EINVAL;
		out[i / 2] = (uint8_t)v;
	}
	*n = (uint8_t)(len / 2);
	return 0;
}

/* The xattrs column as written: escaped names, '=', hex, ';'. */
static bool xattrs_ok(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] > '~')
			return false;
	return true;
}

static int parse_fields(struct cursor *c, const char *f[N_COLUMNS], const size_t n[N_COLUMNS],
			struct fim_entry *e)
{
	uint64_t v[8];
	int64_t t[2];

	if (!(e->path = fim_unescape(f[0], n[0])) || e->path[0] != '/')
		return bad(c, "the path is not an absolute, escaped path");
	if (parse_uint(f[1], n[1], 16, FIM_ATTRS_ALL, &v[0]) || fim_type_parse(f[2], n[2], &e->mode) ||
	    parse_uint(f[3], n[3], 8, 07777, &v[1]) || parse_uint(f[4], n[4], 10, UINT32_MAX, &v[2]) ||
	    parse_uint(f[5], n[5], 10, UINT32_MAX, &v[3]) || parse_uint(f[6], n[6], 10, UINT64_MAX, &v[4]) ||
	    parse_int(f[7], n[7], &t[0]) || parse_int(f[8], n[8], &t[1]) ||
	    parse_uint(f[9], n[9], 10, UINT64_MAX, &v[5]) || parse_uint(f[10], n[10], 10, UINT64_MAX, &v[6]))
		return bad(c, "a number or the type is malformed");
	e->attrs = (uint32_t)v[0];
	e->mode |= (uint32_t)v[1];
	e->uid = (uint32_t)v[2];
	e->gid = (uint32_t)v[3];
	e->size = v[4];
	e->mtime_ns = t[0];
	e->ctime_ns = t[1];
	e->ino = v[5];
	e->nlink = v[6];
	if (n[11] && !(e->target = fim_unescape(f[11], n[11])))
		return bad(c, "the link target is malformed");
	if (n[12] && (!xattrs_ok(f[12], n[12]) || !(e->xattrs = strndup(f[12], n[12]))))
		return bad(c, "the xattrs are malformed");
	if (parse_hex(f[13], n[13], e->caps, sizeof(e->caps), &e->caps_len))
		return bad(c, "the capabilities are malformed");
	if (n[14] && f[14][0] == '!') {
		if (parse_uint(f[14] + 1, n[14] - 1, 10, 4095, &v[7]) || !v[7])
			return bad(c, "the hash error is malformed");
		e->hash_err = (int)v[7];
	} else if (parse_hex(f[14], n[14], e->hash, sizeof(e->hash), &e->hash_len)) {
		return bad(c, "the hash is malformed");
	}
	return 0;
}

static int parse_entry(struct cursor *c, const char *line, size_t len, struct fim_entry *e)
{
	const char *f[N_COLUMNS];
	size_t n[N_COLUMNS], i = 0;
	const char *p = line, *end = line + len;

	memset(e, 0, sizeof(*e));
	while (i < N_COLUMNS) {
		const char *tab = memchr(p, '\t', (size_t)(end - p));

		f[i] = p;
		n[i] = (size_t)((tab ? tab : end) - p);
		i++;
		if (!tab)
			break;
		p = tab + 1;
	}
	if (i != N_COLUMNS || p + n[N_COLUMNS - 1] != end)
		return bad(c, "expected %d tab-separated columns", N_COLUMNS);
	return parse_fields(c, f, n, e);
}

/* The header lines; sets the digest and the creation time. */
static int parse_header(struct cursor *c, struct fim_set *s)
{
	const char *line, *rest;
	size_t len, rlen;
	int64_t created;

	if (!next_line(c, &line, &len) || len != strlen(MAGIC) - 1 || memcmp(line, MAGIC, len))
		return bad(c, "not a palisade FIM database (expected \"palisade-fim 1\")");
	if (!next_line(c, &line, &len) || !starts(line, len, "digest ", &rest, &rlen) || !rlen ||
	    rlen >= sizeof(s->hash_name) || !xattrs_ok(rest, rlen))
		return bad(c, "expected \"digest NAME\"");
	memcpy(s->hash_name, rest, rlen);
	s->hash_name[rlen] = '\0';
	if (!next_line(c, &line, &len) || !starts(line, len, "created ", &rest, &rlen) ||
	    parse_int(rest, rlen, &created))
		return bad(c, "expected \"created SECONDS\"");
	s->created = created;
	if (!next_line(c, &line, &len) || len != strlen(COLUMNS) || memcmp(line, COLUMNS, len))
		return bad(c, "expected the columns of version 1");
	return 0;
}

static int parse_entries(struct cursor *c, struct fim_set *s)
{
	const char *line, *rest;
	size_t len, rlen;
	uint64_t count;
	struct fim_entry e;

	while (next_line(c, &line, &len)) {
		if (starts(line, len, "end ", &rest, &rlen)) {
			if (parse_uint(rest, rlen, 10, FIM_DB_ENTRIES_MAX, &count) || count != s->n)
				return bad(c, "the entry count does not match (the database was cut)");
			return c->p == c->end ? 0 : bad(c, "text after the end line");
		}
		if (s->n >= FIM_DB_ENTRIES_MAX)
			return bad(c, "more than %u entries", FIM_DB_ENTRIES_MAX);
		int ret = parse_entry(c, line, len, &e);

		if (!ret && s->n && strcmp(s->v[s->n - 1].path, e.path) >= 0)
			ret = bad(c, "paths are not in strictly increasing order");
		if (!ret)
			ret = fim_set_push(s, &e); /* takes e's strings */
		fim_entry_release(&e);
		if (ret)
			return ret;
	}
	return bad(c, "no end line (the database was cut)");
}

/* Splits off the authentication line: *data_len bytes are covered by the tag. */
static int split_auth(const char *buf, size_t len, size_t *data_len, const char **scheme,
		      size_t *scheme_len, uint8_t *tag, uint8_t *tag_len)
{
	const char *last, *sp;
	size_t n;

	if (len < 2 || buf[len - 1] != '\n')
		return -EINVAL;
	last = memrchr(buf, '\n', len - 1);
	last = last ? last + 1 : buf;
	n = (size_t)(buf + len - 1 - last);
	if (n < 6 || memcmp(last, "auth ", 5) || !(sp = memchr(last + 5, ' ', n - 5)))
		return -EINVAL;
	*scheme = last + 5;
	*scheme_len = (size_t)(sp - *scheme);
	*data_len = (size_t)(last - buf);
	return parse_hex(sp + 1, (size_t)(last + n - sp - 1), tag, FIM_TAG_MAX, tag_len);
}

int fim_db_parse(const char *buf, size_t len, const struct fim_key *k, struct fim_set **out,
		 char *why, size_t why_size)
{
	struct cursor c = { .p = buf, .why = why, .why_size = why_size };
	struct fim_set *s;
	const char *scheme = NULL;
	size_t data_len = 0, scheme_len = 0;
	uint8_t tag[FIM_TAG_MAX], tag_len = 0;
	int ret;

	*out = NULL;
	if (why_size)
		why[0] = '\0';
	if (len > FIM_DB_MAX || split_auth(buf, len, &data_len, &scheme, &scheme_len, tag, &tag_len)) {
		snprintf(why, why_size, "no authentication line at the end (cut, or not a database)");
		return k ? -EBADMSG : -EINVAL;
	}
	if (k && (scheme_len != strlen(fim_key_scheme(k)) ||
		  memcmp(scheme, fim_key_scheme(k), scheme_len))) {
		snprintf(why, why_size, "authenticated with %.*s, the configuration names %s",
			 (int)(scheme_len < 32 ? scheme_len : 32), scheme, fim_key_scheme(k));
		return -EBADMSG;
	}
	if (k && fim_key_verify(k, buf, data_len, tag, tag_len)) {
		snprintf(why, why_size, "its %s does not verify: the database was modified after it "
			 "was written, or another key wrote it", fim_key_scheme(k));
		return -EBADMSG;
	}
	c.end = buf + data_len;
	if (!(s = calloc(1, sizeof(*s))))
		return -ENOMEM;
	ret = parse_header(&c, s);
	if (!ret)
		ret = parse_entries(&c, s);
	if (ret) {
		fim_set_free(s);
		return ret;
	}
	*out = s;
	return 0;
}

int fim_db_read(const char *path, const struct fim_key *k, struct fim_set **out)
{
	char why[256], *buf = NULL;
	struct stat st;
	size_t got = 0;
	int fd, ret = 0;

	*out = NULL;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > FIM_DB_MAX) {
		ret = fd < 0 ? -errno : !S_ISREG(st.st_mode) ? -EINVAL : -EFBIG;
		fprintf(stderr, "palisade: fim: cannot read the database %s: %s%s\n", path,
			ret == -EINVAL ? "not a regular file" : strerror(-ret),
			ret == -ENOENT ? " (create it with `palisade fim init`)" : "");
		goto cleanup;
	}
	buf = malloc((size_t)st.st_size + 1);
	while (buf && got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (!buf || got != (size_t)st.st_size) {
		ret = buf ? -EIO : -ENOMEM;
		fprintf(stderr, "palisade: fim: cannot read the database %s: %s\n", path, strerror(-ret));
		goto cleanup;
	}
	ret = fim_db_parse(buf, got, k, out, why, sizeof(why));
	if (ret == -EBADMSG)
		fprintf(stderr, "palisade: fim: the database %s is not authentic: %s\n", path, why);
	else if (ret)
		fprintf(stderr, "palisade: fim: the database %s is malformed: %s\n", path, why);
cleanup:
	if (fd >= 0)
		close(fd);
	free(buf);
	return ret;
}

int fim_db_write(const char *path, const struct fim_set *s, const struct fim_key *k, bool force)
{
	const struct outfile_spec final = { .kind = OUTFILE_FIMDB, .force = force, .mode = 0600 };
	const struct outfile_spec tmp_spec = { .kind = OUTFILE_FIMDB, .truncate = true, .mode = 0600 };
	char *text = NULL, *dir_copy = strdup(path), *base_copy = strdup(path), tmp[256];
	const char *dir, *base;
	int dfd = -1, fd = -1, ret;
	size_t len = 0;

	if (!dir_copy || !base_copy) {
		ret = -ENOMEM;
		goto cleanup;
	}
	dir = dirname(dir_copy);
	base = basename(base_copy);
	snprintf(tmp, sizeof(tmp), ".%.200s.%ld.tmp", base, (long)getpid());
	ret = fim_db_format(s, k, &text, &len);
	if (!ret)
		ret = outfile_check(path, &final, "FIM database");
	if (!ret)
		ret = outfile_dir(dir, "FIM database directory", &dfd);
	if (!ret)
		ret = outfile_open(dfd, tmp, &tmp_spec, "FIM database (temporary)", &fd);
	if (!ret)
		ret = outfile_write_all(fd, text, len);
	if (!ret && fsync(fd))
		ret = -errno;
	if (!ret && renameat(dfd, tmp, dfd, base))
		ret = -errno;
	if (ret && fd >= 0)
		unlinkat(dfd, tmp, 0);
	if (ret && ret != -EEXIST && fd >= 0)
		fprintf(stderr, "palisade: fim: cannot write the database %s: %s\n", path, strerror(-ret));
	if (!ret)
		fsync(dfd);
cleanup:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	free(text);
	free(dir_copy);
	free(base_copy);
	return ret;
}
