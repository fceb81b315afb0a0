/*
 * supply/: image signatures, compatible with cosign's published formats, and
 * the registry client they travel through (`palisade image keygen|sign|verify`,
 * and the deploy gate's signature check, src/authz/).
 *
 * Owns: image references (Docker's grammar), the Registry HTTP API v2 client
 * (libcurl: token and basic auth, manifests and manifest lists, blobs,
 * uploads), cosign's formats (the encrypted private key PEM: scrypt and NaCl
 * secretbox; PEM public keys; the simple-signing payload; the signature
 * manifest under the tag sha256-<digest>.sig with the signature in the
 * dev.cosignproject.cosign/signature annotation), ECDSA P-256 with SHA-256.
 * Cryptography is OpenSSL's and libsodium's: nothing here is hand-written.
 *
 * Trust: a tag is never trusted. Every manifest fetched is hashed and the
 * digest compared with the one asked for (or, for a tag, with the one the
 * registry announced); a signature counts only when it verifies with a
 * trusted key over a payload that names that same digest and the same
 * repository. Every response is bounded in size, every operation in time.
 *
 * Must not touch: the event path, outputs, files other than the keys it is
 * told to read or write (written through outfile/).
 *
 * Threads: no global state besides libcurl's and OpenSSL's one-time
 * initialisation (supply_init, safe to call from any thread, any number of
 * times). A key may be shared by threads once loaded; each operation makes
 * its own registry connection.
 */
#ifndef PALISADE_SUPPLY_H
#define PALISADE_SUPPLY_H

#include <stdbool.h>
#include <stddef.h>

/* Bounds on what a registry may send. */
#define SUPPLY_MANIFEST_MAX (4u << 20) /* a manifest or manifest list */
#define SUPPLY_PAYLOAD_MAX (1u << 20)  /* a signature payload blob */
#define SUPPLY_SIGNATURES_MAX 64       /* layers of a signature manifest */
#define SUPPLY_TIMEOUT_MS_DEFAULT 30000

/* One-time initialisation of libcurl and libsodium; 0 or -errno. */
int supply_init(void);

/* ---- image references ---- */

#define SUPPLY_NAME_MAX 255
struct supply_ref {
	char registry[256];   /* "docker.io", "127.0.0.1:5000", "[::1]:5000" */
	char repository[256]; /* the path in the registry: "library/nginx" */
	char tag[129];        /* "" when none was given */
	char digest[72];      /* "sha256:<64 hex>", or "" */
};

/*
 * Parses a reference as Docker does ("nginx", "nginx:1.25",
 * "127.0.0.1:5000/app@sha256:..."): a first component with '.' or ':', or
 * "localhost", or an upper-case letter is a registry; otherwise docker.io,
 * and a single-component name gets "library/". Only sha256 digests. Returns
 * 0, or -EINVAL with *why saying what is wrong.
 */
int supply_ref_parse(const char *text, struct supply_ref *out, const char **why);
/* "registry/repository" (the name without tag or digest). */
void supply_ref_name(const struct supply_ref *r, char *buf, size_t size);
/* "registry/repository@digest", or ":tag" when there is no digest. */
void supply_ref_string(const struct supply_ref *r, char *buf, size_t size);
/* Whether text is "sha256:" and 64 lower-case hex digits. */
bool supply_digest_valid(const char *text);

/* ---- keys ---- */

struct supply_key; /* an EC P-256 key, public or private, with a name */

/*
 * A new ECDSA P-256 key pair: the private key in cosign's encrypted PEM
 * ("ENCRYPTED SIGSTORE PRIVATE KEY": PKCS#8, encrypted with NaCl secretbox
 * under a key derived by scrypt N=65536 r=8 p=1 from the passphrase, which
 * may be empty) and the public key as a PEM "PUBLIC KEY" (SubjectPublicKeyInfo).
 * *priv_pem and *pub_pem are malloc'd.
 */
int supply_keygen(const unsigned char *pass, size_t pass_len, char **priv_pem,
		  char **pub_pem, char *err, size_t errsz);
/* A PEM public key (EC P-256 only); `name` names it in verdicts. */
int supply_key_load_public(const char *pem, size_t len, const char *name,
			   struct supply_key **out, char *err, size_t errsz);
int supply_key_read_public(const char *path, struct supply_key **out, char *err, size_t errsz);
/* cosign's encrypted private key PEM ("ENCRYPTED SIGSTORE PRIVATE KEY" or the
 * older "ENCRYPTED COSIGN PRIVATE KEY"); only the scrypt parameters cosign
 * writes are accepted (N 2^15, 2^16 or 2^17, r 8, p 1), so that a tampered
 * file cannot make the derivation take unbounded memory or time. */
int supply_key_load_private(const char *pem, size_t len, const unsigned char *pass,
			    size_t pass_len, const char *name, struct supply_key **out,
			    char *err, size_t errsz);
void supply_key_free(struct supply_key *k);
const char *supply_key_name(const struct supply_key *k);

/* ECDSA P-256 over SHA-256(data), ASN.1 DER, base64: cosign's annotation. */
int supply_sign_blob(const struct supply_key *k, const void *data, size_t len, char **b64_sig,
		     char *err, size_t errsz);
/* 1: the signature verifies; 0: it does not; negative errno: malformed. */
int supply_verify_blob(const struct supply_key *k, const void *data, size_t len,
		       const char *b64_sig);

/* ---- the simple-signing payload ---- */

struct supply_payload {
	char reference[SUPPLY_NAME_MAX + 140]; /* critical.identity.docker-reference */
	char digest[72];                        /* critical.image.docker-manifest-digest */
};
/* cosign's payload for digest and reference (compact JSON, keys sorted). */
char *supply_payload_build(const char *reference, const char *digest);
/*
 * Parses a payload strictly, as containers/image does: exactly the keys
 * "critical" and "optional"; in critical exactly "type" ("cosign container
 * image signature"), "image" and "identity" with one key each; no key twice
 * anywhere. Returns 0 or -EINVAL with why.
 */
int supply_payload_parse(const char *json, size_t len, struct supply_payload *out,
			 char *why, size_t whysz);

/* ---- registry operations ---- */

struct supply_opts {
	unsigned timeout_ms;   /* the whole operation; 0: SUPPLY_TIMEOUT_MS_DEFAULT */
	const char *ca_file;   /* extra CA bundle for TLS; NULL: the system's */
	const char *authfile;  /* credentials (auth.json / config.json format); NULL: the
				* usual places (docs/supply-chain.md) */
	/* Registries (host[:port]) reached over plain HTTP when TLS fails, and
	 * without verifying their certificate, as dockerd's insecure-registries.
	 * A loopback registry may answer in plain HTTP too (as dockerd allows),
	 * but its certificate, when it has TLS, is verified. */
	const char *const *insecure;
	size_t n_insecure;
	const char *platform;  /* instance of a manifest list: "linux/amd64" by default */
};

struct supply_verdict {
	bool verified;
	char digest[72];       /* the manifest digest the reference resolved to */
	char signed_digest[72]; /* the digest the verifying signature covers (a manifest
				 * list's, when the list is signed) */
	char key[128];         /* name of the key that verified */
	char identity[SUPPLY_NAME_MAX + 140]; /* the signed docker-reference */
	char reason[512];      /* why not verified (each signature's failure) */
};

/*
 * Resolves ref to a manifest digest (verified over the bytes), fetches the
 * signature manifest sha256-<digest>.sig of the same repository, and accepts
 * the first signature that verifies with one of keys over a payload naming
 * that digest and that repository. A manifest list is accepted when the list
 * itself is signed, else through the signature of its instance for
 * opts->platform. Returns 0 with *out filled (verified or not, and why), or
 * a negative errno when the question could not be asked (no key, bad ref);
 * network and registry failures are verdicts, with the reason.
 */
int supply_verify(const struct supply_opts *opts, const struct supply_ref *ref,
		  struct supply_key *const *keys, size_t n_keys, struct supply_verdict *out);

/*
 * Verifies that the manifest `digest` of ref's repository is signed (no tag
 * resolution at all: the deploy gate checks what the local image was pulled
 * as). Same verdict as supply_verify.
 */
int supply_verify_digest(const struct supply_opts *opts, const struct supply_ref *ref,
			 const char *digest, struct supply_key *const *keys, size_t n_keys,
			 struct supply_verdict *out);

/*
 * Signs ref: resolves it to a digest (a tag is resolved once, and the digest
 * signed), builds the payload (identity: `identity`, or ref's name), signs it
 * and adds it to the signature manifest sha256-<digest>.sig (created, or
 * extended when it exists; an identical signature is not added twice).
 * *digest_out (72 bytes) receives the signed digest.
 */
int supply_sign(const struct supply_opts *opts, const struct supply_ref *ref,
		const struct supply_key *key, const char *identity, char *digest_out,
		char *err, size_t errsz);

/* `palisade image keygen|sign|verify` (image_cli.c). */
int supply_image_main(int argc, char **argv);

#endif
