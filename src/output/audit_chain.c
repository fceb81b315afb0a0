/*
 * Audit log lines: building, parsing and verifying the chain (see
 * audit_log.h). No I/O here except audit_key_load(), so every tamper case is
 * a unit test on a buffer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "outfile/outfile.h"
#include "output/audit_log.h"

#define HEX_LEN (2 * AUDIT_HASH_LEN)
static const char seq_prefix[] = "{\"seq\":";
static const char prev_prefix[] = ",\"prev\":\"";
static const char record_prefix[] = "\",\"record\":";
static const char hmac_prefix[] = ",\"hmac\":\"";
/* ,"hmac":"<64 hex>"} */
#define HMAC_TAIL_LEN (sizeof(hmac_prefix) - 1 + HEX_LEN + 2)

void audit_hash(const char *text, size_t len, unsigned char out[AUDIT_HASH_LEN])
{
	SHA256((const unsigned char *)text, len, out);
}

static void hmac(const unsigned char *key, size_t key_len, const char *text, size_t len,
		 unsigned char out[AUDIT_HASH_LEN])
{
	unsigned int out_len = AUDIT_HASH_LEN;

	HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)text, len, out, &out_len);
}

bool audit_line_hmac_ok(const struct audit_line *l, const unsigned char *key, size_t key_len)
{
	unsigned char mac[AUDIT_HASH_LEN];

	if (!l->has_hmac)
		return false;
	hmac(key, key_len, l->text, l->signed_len, mac);
	return CRYPTO_memcmp(mac, l->hmac, AUDIT_HASH_LEN) == 0;
}

static void to_hex(const unsigned char *in, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < AUDIT_HASH_LEN; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1; /* upper case is not what the writer writes: refused */
}

static int from_hex(const char *in, unsigned char *out)
{
	for (size_t i = 0; i < AUDIT_HASH_LEN; i++) {
		int hi = hex_value(in[2 * i]), lo = hex_value(in[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

static bool is_json_object(const char *text, size_t len)
{
	json_t *v;
	bool ok;

	if (len < 2 || text[0] != '{' || memchr(text, '\n', len))
		return false;
	v = json_loadb(text, len, 0, NULL);
	ok = v && json_is_object(v);
	json_decref(v);
	return ok;
}

static int reserve(char **buf, size_t *cap, size_t need)
{
	char *p;
	size_t n = *cap ? *cap : 1024;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	p = realloc(*buf, n);
	if (!p)
		return -ENOMEM;
	*buf = p;
	*cap = n;
	return 0;
}

int audit_line_build(char **buf, size_t *cap, size_t *len, uint64_t seq,
		     const unsigned char prev[AUDIT_HASH_LEN], const char *record,
		     size_t record_len, const unsigned char *key, size_t key_len)
{
	unsigned char mac[AUDIT_HASH_LEN];
	char head[96], hex[HEX_LEN];
	size_t start = *len, n;
	int hl;

	if (!is_json_object(record, record_len))
		return -EINVAL;
	hl = snprintf(head, sizeof(head), "%s%llu%s", seq_prefix, (unsigned long long)seq,
		      prev_prefix);
	if (reserve(buf, cap, start + (size_t)hl + HEX_LEN + sizeof(record_prefix) + record_len +
					HMAC_TAIL_LEN + 2))
		return -ENOMEM;
	n = start;
	memcpy(*buf + n, head, (size_t)hl);
	n += (size_t)hl;
	to_hex(prev, *buf + n);
	n += HEX_LEN;
	memcpy(*buf + n, record_prefix, sizeof(record_prefix) - 1);
	n += sizeof(record_prefix) - 1;
	memcpy(*buf + n, record, record_len);
	n += record_len;
	if (key) {
		hmac(key, key_len, *buf + start, n - start, mac);
		to_hex(mac, hex);
		memcpy(*buf + n, hmac_prefix, sizeof(hmac_prefix) - 1);
		n += sizeof(hmac_prefix) - 1;
		memcpy(*buf + n, hex, HEX_LEN);
		n += HEX_LEN;
		(*buf)[n++] = '"';
	}
	(*buf)[n++] = '}';
	(*buf)[n++] = '\n';
	*len = n;
	return 0;
}

int audit_line_parse(const char *text, size_t len, struct audit_line *l)
{
	const char *p = text, *end = text + len, *rec;
	uint64_t seq = 0;
	size_t digits = 0;

	memset(l, 0, sizeof(*l));
	l->text = text;
	l->len = len;
	if ((size_t)(end - p) < sizeof(seq_prefix) - 1 || memcmp(p, seq_prefix, sizeof(seq_prefix) - 1))
		return -EINVAL;
	p += sizeof(seq_prefix) - 1;
	for (; p < end && *p >= '0' && *p <= '9'; p++, digits++) {
		if (digits == 19)
			return -EINVAL;
		seq = seq * 10 + (uint64_t)(*p - '0');
	}
	if (digits == 0 || (size_t)(end - p) < sizeof(prev_prefix) - 1 + HEX_LEN ||
	    memcmp(p, prev_prefix, sizeof(prev_prefix) - 1))
		return -EINVAL;
	p += sizeof(prev_prefix) - 1;
	if (from_hex(p, l->prev))
		return -EINVAL;
	p += HEX_LEN;
	if ((size_t)(end - p) < sizeof(record_prefix) - 1 ||
	    memcmp(p, record_prefix, sizeof(record_prefix) - 1))
		return -EINVAL;
	rec = p + sizeof(record_prefix) - 1;
	/* The record is a JSON object, so it ends in '}' and the line then in
	 * "}}"; a line with an HMAC ends in '"}' instead: no ambiguity. */
	if ((size_t)(end - rec) >= HMAC_TAIL_LEN && end[-2] == '"' &&
	    !memcmp(end - HMAC_TAIL_LEN, hmac_prefix, sizeof(hmac_prefix) - 1)) {
		if (from_hex(end - HEX_LEN - 2, l->hmac))
			return -EINVAL;
		l->has_hmac = true;
		l->signed_len = len - HMAC_TAIL_LEN;
	} else {
		if (end - rec < 1 || end[-1] != '}')
			return -EINVAL;
		l->signed_len = len - 1;
	}
	if (!is_json_object(rec, (size_t)(text + l->signed_len - rec)))
		return -EINVAL;
	l->seq = seq;
	return 0;
}

int audit_key_load(const char *path, unsigned char **key, size_t *key_len)
{
	/* Anyone who can read the key can forge a chain that verifies. */
	return outfile_read_secret(path, "HMAC key file", AUDIT_KEY_MIN, key, key_len);
}

/* The line starting at data[*pos], advancing *pos past its newline. */
static bool next_line(const char *data, size_t size, size_t *pos, const char **text, size_t *len,
		      bool *terminated)
{
	const char *nl;

	if (*pos >= size)
		return false;
	*text = data + *pos;
	nl = memchr(*text, '\n', size - *pos);
	*terminated = nl != NULL;
	*len = nl ? (size_t)(nl - *text) : size - *pos;
	*pos += *len + (nl ? 1 : 0);
	return true;
}

/* A line read ahead for the checks that need the next one. */
struct cursor {
	struct audit_line l;
	bool present;
	bool parsed; /* audit_line_parse() accepted it */
	unsigned char hash[AUDIT_HASH_LEN];
};

static void read_ahead(const char *data, size_t size, size_t *pos, struct cursor *c)
{
	const char *text;
	size_t len;
	bool terminated;

	memset(c, 0, sizeof(*c));
	if (!next_line(data, size, pos, &text, &len, &terminated))
		return;
	c->present = true;
	c->parsed = audit_line_parse(text, len, &c->l) == 0;
	c->l.text = text;
	c->l.len = len;
	c->l.terminated = terminated;
	audit_hash(text, len, c->hash);
}

static int problem(struct audit_verify_result *res, enum audit_problem p, size_t line,
		   uint64_t expected, uint64_t found)
{
	res->problem = p;
	res->line = line;
	if (res->records >= line)
		res->records = line - 1;
	res->seq_expected = expected;
	res->seq_found = found;
	return 1;
}

/* Line k's seq or link is wrong: tell a removal, a swap and an edit apart
 * (the rules are spelled out in docs/audit-log.md). */
static int classify(struct audit_verify_result *res, size_t k, const struct cursor *prev,
		    const struct cursor *cur, const struct cursor *next)
{
	bool link = !memcmp(cur->l.prev, prev->hash, AUDIT_HASH_LEN);
	bool next_links = next->present && next->parsed &&
			  !memcmp(next->l.prev, cur->hash, AUDIT_HASH_LEN);
	uint64_t want = prev->l.seq + 1, seq = cur->l.seq;

	if (seq == want) {
		/* An edit to line k-1 breaks only link k; an edit to line k's own
		 * prev field breaks link k and link k+1. */
		if (next->present && next->parsed && next->l.seq == seq + 1 && !next_links)
			return problem(res, AUDIT_MODIFIED, k, want, seq);
		return problem(res, AUDIT_MODIFIED, k - 1, want, seq);
	}
	if (seq > want) {
		if (next->present && next->parsed && next->l.seq == want)
			return problem(res, AUDIT_REORDERED, k, want, seq);
		if (link)
			return problem(res, AUDIT_MODIFIED, k, want, seq);
		return problem(res, AUDIT_REMOVED, k, want, seq);
	}
	if (link)
		return problem(res, AUDIT_MODIFIED, k, want, seq);
	return problem(res, AUDIT_REORDERED, k, want, seq);
}

int audit_verify(const char *data, size_t size, const unsigned char *key, size_t key_len,
		 struct audit_verify_result *res)
{
	static const unsigned char genesis[AUDIT_HASH_LEN];
	struct cursor prev, cur, next;
	size_t pos = 0, k;

	memset(res, 0, sizeof(*res));
	res->hmac_checked = key != NULL;
	memset(&prev, 0, sizeof(prev));
	read_ahead(data, size, &pos, &cur);
	read_ahead(data, size, &pos, &next);
	for (k = 1; cur.present; k++) {
		if (!cur.l.terminated)
			return problem(res, AUDIT_TRUNCATED, k, 0, 0);
		if (!cur.parsed)
			return problem(res, AUDIT_MALFORMED, k, 0, 0);
		res->hmac_present |= cur.l.has_hmac;
		/* The sink writes a log with a key or without, never both (it
		 * refuses to continue one the other way): a line that differs
		 * from the first had its HMAC stripped, or one added. */
		if (k > 1 && !prev.l.has_hmac != !cur.l.has_hmac)
			return problem(res, AUDIT_HMAC_MIXED, k, 0, 0);
		if (key && !cur.l.has_hmac)
			return problem(res, AUDIT_NO_HMAC, k, 0, 0);
		if (key && !audit_line_hmac_ok(&cur.l, key, key_len))
			return problem(res, AUDIT_BAD_HMAC, k, 0, 0);
		if (k == 1) {
			bool from_genesis = !memcmp(cur.l.prev, genesis, AUDIT_HASH_LEN);

			if (cur.l.seq != 1 && next.present && next.parsed && next.l.seq == 1)
				return problem(res, AUDIT_REORDERED, 1, 1, cur.l.seq);
			if (cur.l.seq != 1 && !from_genesis)
				return problem(res, AUDIT_HEAD_REMOVED, 1, 1, cur.l.seq);
			if (cur.l.seq != 1 || !from_genesis)
				return problem(res, AUDIT_MODIFIED, 1, 1, cur.l.seq);
		} else if (cur.l.seq != prev.l.seq + 1 ||
			   memcmp(cur.l.prev, prev.hash, AUDIT_HASH_LEN)) {
			return classify(res, k, &prev, &cur, &next);
		}
		res->records = k;
		res->last_seq = cur.l.seq;
		memcpy(res->last_hash, cur.hash, AUDIT_HASH_LEN);
		prev = cur;
		cur = next;
		read_ahead(data, size, &pos, &next);
	}
	return 0;
}
