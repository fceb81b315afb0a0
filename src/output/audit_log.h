/*
 * The tamper-evident audit log: every alert or action appended as one JSON
 * line that carries its sequence number, the SHA-256 of the line before it
 * and, with a key, an HMAC-SHA256 of itself:
 *
 *   {"seq":N,"prev":"<64 hex>","record":<alert JSON>,"hmac":"<64 hex>"}
 *
 * audit_log.c is the sink that writes it, audit_chain.c builds and checks
 * lines (pure, no I/O), audit_cli.c is `palisade log verify`. The format and
 * what it proves: docs/audit-log.md.
 */
#ifndef PALISADE_AUDIT_LOG_H
#define PALISADE_AUDIT_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "output/sink.h"

/* Opens (or creates) cfg->path, locks it against a second writer and
 * continues the chain from its last line. Refuses, with a message naming the
 * file, a log whose last line is partial or does not verify with the key. */
int audit_sink_create(const struct audit_sink_cfg *cfg, void **state);
extern const struct sink_ops audit_sink_ops;

#define AUDIT_HASH_LEN 32
#define AUDIT_KEY_MIN 16

/* One line of the log as parsed by audit_line_parse(). */
struct audit_line {
	const char *text;  /* the line, without its newline */
	size_t len;
	bool terminated;   /* ends with '\n' */
	uint64_t seq;
	unsigned char prev[AUDIT_HASH_LEN];
	bool has_hmac;
	unsigned char hmac[AUDIT_HASH_LEN];
	size_t signed_len; /* the HMAC covers text[0, signed_len) */
};

/* SHA-256 of a line (without its newline): the next line's "prev". */
void audit_hash(const char *text, size_t len, unsigned char out[AUDIT_HASH_LEN]);

/* Appends one line (with its newline) for record (a JSON object on one line)
 * to *buf, growing it. key NULL: no "hmac". Returns 0, -EINVAL (record is not
 * one line of JSON object) or -ENOMEM. */
int audit_line_build(char **buf, size_t *cap, size_t *len, uint64_t seq,
		     const unsigned char prev[AUDIT_HASH_LEN], const char *record,
		     size_t record_len, const unsigned char *key, size_t key_len);

/* Parses the line at text[0, len) (len excludes the newline). Strict: the
 * exact shape audit_line_build() writes, and a record that is a JSON object.
 * Returns 0 or -EINVAL. */
int audit_line_parse(const char *text, size_t len, struct audit_line *l);

/* Whether l's HMAC is right for key (false when it has none). */
bool audit_line_hmac_ok(const struct audit_line *l, const unsigned char *key, size_t key_len);

/* Reads a key file: its bytes, without a trailing newline; at least
 * AUDIT_KEY_MIN bytes. Prints what is wrong. Returns 0 or a negative errno. */
int audit_key_load(const char *path, unsigned char **key, size_t *key_len);

enum audit_problem {
	AUDIT_OK,
	AUDIT_TRUNCATED,     /* line: the last line has no newline (a cut write) */
	AUDIT_MALFORMED,     /* line: not a palisade audit record */
	AUDIT_NO_HMAC,       /* line: a key was given but the line has no HMAC */
	AUDIT_BAD_HMAC,      /* line: HMAC mismatch (modified, or wrong key) */
	AUDIT_MODIFIED,      /* line: its content changed after it was chained */
	AUDIT_REMOVED,       /* before line: seq seq_expected..seq_found-1 missing */
	AUDIT_HEAD_REMOVED,  /* line 1 continues a chain: seq seq_found, not 1 */
	AUDIT_REORDERED,     /* line: seq seq_found follows seq seq_expected - 1 */
	AUDIT_HMAC_MIXED,    /* line: has an HMAC and the first line not, or the reverse */
};

struct audit_verify_result {
	enum audit_problem problem;
	size_t records;        /* lines verified before the problem (all, if OK) */
	size_t line;           /* 1-based line of the problem */
	uint64_t seq_expected; /* AUDIT_REMOVED, AUDIT_REORDERED, AUDIT_HEAD_REMOVED */
	uint64_t seq_found;
	uint64_t last_seq;     /* AUDIT_OK: the last record's seq and hash, to */
	unsigned char last_hash[AUDIT_HASH_LEN]; /* anchor elsewhere */
	bool hmac_checked;     /* a key was given (and every line had an HMAC) */
	bool hmac_present;     /* some line carries an HMAC */
};

/* Checks a whole log held in memory (several rotated files concatenated in
 * order are one log). key NULL: the chain only. Fills *res with the first
 * problem; returns 0 when the log verified, 1 otherwise. */
int audit_verify(const char *data, size_t len, const unsigned char *key, size_t key_len,
		 struct audit_verify_result *res);

/* `palisade log verify FILE... [--hmac-key FILE]`: argv[0] is "log". */
int audit_log_cli_main(int argc, char **argv);

#endif
