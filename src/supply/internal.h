/*
 * Internals shared by the files of src/supply/ (cross-file names carry the
 * sup_ or reg_ prefix). Other folders use supply.h.
 */
#ifndef PALISADE_SUPPLY_INTERNAL_H
#define PALISADE_SUPPLY_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "supply/supply.h"

/* Media types. */
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_SIMPLESIGNING "application/vnd.dev.cosign.simplesigning.v1+json"
#define COSIGN_SIG_ANNOTATION "dev.cosignproject.cosign/signature"

/* Formats into err (always terminated); returns ret, for `return sup_err(...)`. */
int sup_err(char *err, size_t errsz, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* "sha256:<hex>" of data into out (72 bytes). */
void sup_digest(const void *data, size_t len, char out[72]);
/* Standard base64 with padding; malloc'd, NULL on ENOMEM. */
char *sup_b64_encode(const void *data, size_t len);
/* Strict standard base64; *out malloc'd. 0 or -EINVAL / -ENOMEM. */
int sup_b64_decode(const char *b64, size_t len, unsigned char **out, size_t *out_len);

/* ---- manifests (manifest.c) ---- */

enum sup_mkind { SUP_MANIFEST, SUP_INDEX };

struct sup_desc {
	char media_type[128];
	char digest[72];
	uint64_t size;
	char platform[64];   /* index entries: "os/arch[/variant]" */
	char *signature;     /* a simple-signing layer's annotation, malloc'd, or NULL */
	char *annotations;   /* the layer's annotations as compact JSON, malloc'd, or NULL */
};

struct sup_manifest {
	enum sup_mkind kind;
	char media_type[128];
	char digest[72];     /* of the bytes */
	struct sup_desc config; /* SUP_MANIFEST */
	struct sup_desc *entries; /* layers, or the list's manifests */
	size_t n_entries;
};

/*
 * Parses manifest bytes served with content type ct. The kind comes from
 * the media type; a document whose own mediaType disagrees with ct, or that
 * has both "layers" and "manifests", is refused (the ambiguity behind
 * CVE-2021-41190). Schema 1 manifests are refused. 0 or -EINVAL with why.
 */
int sup_manifest_parse(const char *body, size_t len, const char *ct, struct sup_manifest *out,
		       char *why, size_t whysz);
void sup_manifest_release(struct sup_manifest *m);
/* The entry of an index for "os/arch[/variant]", or NULL. */
const struct sup_desc *sup_index_find(const struct sup_manifest *m, const char *platform);
/*
 * The signature manifest with `old`'s layers (NULL: none) and one more layer
 * for payload (when an identical one is not there already), and its config
 * blob; both compact JSON, malloc'd.
 */
int sup_sigmanifest_build(const struct sup_manifest *old, const char *payload_digest,
			  size_t payload_len, const char *b64_sig, char **manifest, char **config);

/* ---- the registry client (registry.c, registry_auth.c) ---- */

struct reg_client;

struct reg_resp {
	long status;
	char *body;            /* malloc'd, NUL-terminated, or NULL */
	size_t len;
	char content_type[128];
	char digest[80];       /* Docker-Content-Digest */
	char location[2048];
	char challenge[1024];  /* WWW-Authenticate */
	bool too_big;
};
void reg_resp_release(struct reg_resp *r);

/*
 * A client for ref's repository: pings /v2/, picks https (or http for an
 * insecure or loopback registry whose TLS fails, as dockerd does), and
 * authenticates for pull (and push) as the registry's challenge asks.
 */
int reg_open(const struct supply_opts *o, const struct supply_ref *ref, bool push,
	     struct reg_client **out, char *err, size_t errsz);
void reg_close(struct reg_client *c);
/* "https://host:port" of the registry (for messages). */
const char *reg_base(const struct reg_client *c);

/*
 * Fetches manifest `reference` (tag or digest) and checks its digest: equal
 * to a digest reference, and to Docker-Content-Digest when the registry sent
 * one. *found false (and 0) for 404 / MANIFEST_UNKNOWN.
 */
int reg_get_manifest(struct reg_client *c, const char *reference, struct sup_manifest *out,
		     bool *found, char *err, size_t errsz);
/* A blob of at most max bytes, its sha256 and size checked against d. */
int reg_get_blob(struct reg_client *c, const char *digest, uint64_t size, size_t max,
		 char **out, size_t *len, char *err, size_t errsz);
int reg_put_blob(struct reg_client *c, const void *data, size_t len, char *err, size_t errsz);
int reg_put_manifest(struct reg_client *c, const char *tag, const char *media_type,
		     const char *body, size_t len, char *err, size_t errsz);

/* One request, authorised, bounded (registry.c). url: absolute or a path. */
struct reg_req {
	const char *method;    /* GET, HEAD, POST, PUT */
	const char *url;
	const char *accept;
	const char *content_type;
	const void *body;
	size_t body_len;
	size_t max;            /* response body bound */
	bool follow;           /* follow redirects (blobs are often served elsewhere) */
};
int reg_do(struct reg_client *c, const struct reg_req *q, struct reg_resp *r, char *err,
	   size_t errsz);

/* ---- authentication (registry_auth.c) ---- */

struct reg_challenge {
	char scheme[16];      /* "bearer" or "basic", lower case */
	char realm[1024];
	char service[256];
	char scope[512];
};
/* Parses a WWW-Authenticate value (the first challenge). 0 or -EINVAL. */
int reg_challenge_parse(const char *value, struct reg_challenge *out);
/*
 * "user:password" for registry host from the authfile (or the usual places),
 * malloc'd into *creds; 0 with *creds NULL when there are none. A credential
 * helper (credsStore, credHelpers) is not run: *note says so.
 */
int reg_creds_lookup(const char *authfile, const char *registry, char **creds,
		     const char **note);
/* Parses the token endpoint's JSON answer; *token malloc'd. */
int reg_token_parse(const char *body, size_t len, char **token);

#endif
