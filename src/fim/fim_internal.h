/* Shared by the files of fim/ only. */
#ifndef PALISADE_FIM_INTERNAL_H
#define PALISADE_FIM_INTERNAL_H

#include "fim/fim.h"

struct fim_attr_desc {
	const char *name;
	const char *aide; /* AIDE's attribute of the same meaning */
	const char *desc;
	bool (*equal)(const struct fim_entry *a, const struct fim_entry *b);
};
extern const struct fim_attr_desc fim_attr_table[FIM_A_COUNT];

const char *fim_type_name(uint32_t mode);
/* Sets the type bits of *mode from a type name; -EINVAL when unknown. */
int fim_type_parse(const char *s, size_t len, uint32_t *mode);
int fim_class_parse(const char *s, enum fim_class *out);

/* security.capability (struct vfs_cap_data) as getcap shows it:
 * "cap_net_raw=ep", "none" without one, "invalid" when malformed. */
size_t fim_caps_text(const uint8_t *caps, size_t len, char *buf, size_t size);

/*
 * The database's escaping of a string: every byte outside '!'..'~', and
 * '\\', '=', ';', as \xHH. fim_escape returns the length written (NUL
 * included in size); fim_unescape decodes len bytes into a malloc'd string,
 * NULL when malformed (a truncated or non-hex escape, an escaped NUL).
 */
size_t fim_escape(const char *s, size_t len, char *out, size_t size);
size_t fim_escaped_len(const char *s, size_t len);
char *fim_unescape(const char *s, size_t len);

/* Frees what an entry owns. */
void fim_entry_release(struct fim_entry *e);
/* Appends a copy of *e (taking its pointers) to s; -ENOMEM. */
int fim_set_push(struct fim_set *s, struct fim_entry *e);
/* Frees the entries of s, not s. */
void fim_set_free_entries(struct fim_set *s);
/* Sorts s by path. */
void fim_set_sort(struct fim_set *s);

/* The authentication tag of a database's text (fim_key.c): an HMAC-SHA-256
 * (32 bytes) or an Ed25519 signature (64 bytes). */
#define FIM_TAG_MAX 64
const char *fim_key_scheme(const struct fim_key *k); /* "hmac-sha256", "ed25519" */
int fim_key_tag(const struct fim_key *k, const char *data, size_t len, unsigned char *tag,
		size_t *tag_len);
/* 0, or -EBADMSG when the tag is not that of data under k. */
int fim_key_verify(const struct fim_key *k, const char *data, size_t len,
		   const unsigned char *tag, size_t tag_len);

/* The digest's name as OpenSSL knows it; -EINVAL with a message when it
 * does not (fim_hash.c). */
int fim_digest_check(const char *name, FILE *diag);

/* The digest of what fd holds, read from where it stands (fim_live.c). */
int fim_hash_one(int fd, const char *digest, uint8_t out[64], uint8_t *len);

/* The hashing phase of a scan (fim_hash.c): every entry of s whose
 * attributes ask for it, in inode order, on `threads` threads. */
int fim_hash_entries(struct fim_set *s, const char *digest, unsigned threads, FILE *diag,
		     struct fim_scan_stats *stats);

#endif
