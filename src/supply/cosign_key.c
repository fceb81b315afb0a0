/*
 * cosign's key formats. The private key is PKCS#8 DER, sealed with NaCl
 * secretbox (libsodium) under a 32-byte key that scrypt (OpenSSL) derives
 * from the passphrase, in a JSON envelope
 *   {"kdf": {"name": "scrypt", "params": {"N": .., "r": .., "p": ..}, "salt": B64},
 *    "cipher": {"name": "nacl/secretbox", "nonce": B64}, "ciphertext": B64}
 * carried as the body of a PEM block "ENCRYPTED SIGSTORE PRIVATE KEY" (older
 * cosign: "ENCRYPTED COSIGN PRIVATE KEY"). The public key is a PEM "PUBLIC
 * KEY" (SubjectPublicKeyInfo). Keys are ECDSA P-256.
 */
#include <errno.h>
#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supply/internal.h"

#define PEM_SIGSTORE "ENCRYPTED SIGSTORE PRIVATE KEY"
#define PEM_COSIGN "ENCRYPTED COSIGN PRIVATE KEY"
#define SALT_LEN 32
#define SCRYPT_N_NEW 65536
#define SCRYPT_MAXMEM (300u << 20) /* 128 * N * r at N = 2^17, with room */
#define KEY_PEM_MAX (64u << 10)

struct supply_key {
	EVP_PKEY *pkey;
	bool priv;
	char name[128];
};

/* The parameter sets cosign writes (legacy, standard, OWASP): anything else
 * could make the derivation take unbounded memory or time. */
static bool scrypt_params_ok(json_int_t n, json_int_t r, json_int_t p)
{
	return (n == 32768 || n == 65536 || n == 131072) && r == 8 && p == 1;
}

static bool is_p256(EVP_PKEY *k)
{
	char group[64];

	return EVP_PKEY_is_a(k, "EC") &&
	       EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group,
					      sizeof(group), NULL) &&
	       !strcmp(group, "prime256v1");
}

static struct supply_key *key_new(EVP_PKEY *pkey, bool priv, const char *name)
{
	struct supply_key *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	k->pkey = pkey;
	k->priv = priv;
	snprintf(k->name, sizeof(k->name), "%s", name ? name : "key");
	return k;
}

void supply_key_free(struct supply_key *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
}

const char *supply_key_name(const struct supply_key *k)
{
	return k->name;
}

static char *pem_encode(const char *type, const unsigned char *der, size_t len)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *out = NULL, *p;
	long n;

	if (bio && PEM_write_bio(bio, type, "", der, (long)len) > 0 &&
	    (n = BIO_get_mem_data(bio, &p)) > 0 && (out = malloc((size_t)n + 1))) {
		memcpy(out, p, (size_t)n);
		out[n] = '\0';
	}
	BIO_free(bio);
	return out;
}

static char *pubkey_pem(EVP_PKEY *pkey)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *out = NULL, *p;
	long n;

	if (bio && PEM_write_bio_PUBKEY(bio, pkey) > 0 && (n = BIO_get_mem_data(bio, &p)) > 0 &&
	    (out = malloc((size_t)n + 1))) {
		memcpy(out, p, (size_t)n);
		out[n] = '\0';
	}
	BIO_free(bio);
	return out;
}

static int derive(const unsigned char *pass, size_t pass_len, const unsigned char *salt,
		  size_t salt_len, uint64_t n, unsigned char key[crypto_secretbox_KEYBYTES])
{
	return EVP_PBE_scrypt((const char *)pass, pass_len, salt, salt_len, n, 8, 1, SCRYPT_MAXMEM,
			      key, crypto_secretbox_KEYBYTES) == 1 ? 0 : -ENOMEM;
}

/* The JSON envelope around the sealed PKCS#8 bytes. */
static char *seal(const unsigned char *der, size_t der_len, const unsigned char *pass,
		  size_t pass_len)
{
	unsigned char salt[SALT_LEN], nonce[crypto_secretbox_NONCEBYTES];
	unsigned char key[crypto_secretbox_KEYBYTES];
	unsigned char *ct = malloc(der_len + crypto_secretbox_MACBYTES);
	char *b_salt = NULL, *b_nonce = NULL, *b_ct = NULL, *out = NULL;
	json_t *doc = NULL;

	randombytes_buf(salt, sizeof(salt));
	randombytes_buf(nonce, sizeof(nonce));
	if (!ct || derive(pass, pass_len, salt, sizeof(salt), SCRYPT_N_NEW, key))
		goto cleanup;
	crypto_secretbox_easy(ct, der, der_len, nonce, key);
	b_salt = sup_b64_encode(salt, sizeof(salt));
	b_nonce = sup_b64_encode(nonce, sizeof(nonce));
	b_ct = sup_b64_encode(ct, der_len + crypto_secretbox_MACBYTES);
	if (!b_salt || !b_nonce || !b_ct)
		goto cleanup;
	doc = json_pack("{s:{s:s,s:{s:i,s:i,s:i},s:s},s:{s:s,s:s},s:s}", "kdf", "name", "scrypt",
			"params", "N", SCRYPT_N_NEW, "r", 8, "p", 1, "salt", b_salt, "cipher", "name",
			"nacl/secretbox", "nonce", b_nonce, "ciphertext", b_ct);
	if (doc)
		out = json_dumps(doc, JSON_COMPACT);
cleanup:
	sodium_memzero(key, sizeof(key));
	json_decref(doc);
	free(b_salt);
	free(b_nonce);
	free(b_ct);
	free(ct);
	return out;
}

int supply_keygen(const unsigned char *pass, size_t pass_len, char **priv_pem, char **pub_pem,
		  char *err, size_t errsz)
{
	EVP_PKEY *pkey = NULL;
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	unsigned char *der = NULL;
	char *env = NULL;
	int der_len = 0, ret = 0;

	*priv_pem = *pub_pem = NULL;
	if (supply_init())
		return sup_err(err, errsz, -ENOMEM, "cannot initialise libsodium");
	pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (!pkey || !(p8 = EVP_PKEY2PKCS8(pkey)) || (der_len = i2d_PKCS8_PRIV_KEY_INFO(p8, &der)) <= 0) {
		ret = sup_err(err, errsz, -ENOMEM, "cannot generate an EC P-256 key (OpenSSL)");
		goto cleanup;
	}
	env = seal(der, (size_t)der_len, pass, pass_len);
	if (!env) {
		ret = sup_err(err, errsz, -ENOMEM, "cannot encrypt the private key (scrypt, secretbox)");
		goto cleanup;
	}
	*priv_pem = pem_encode(PEM_SIGSTORE, (unsigned char *)env, strlen(env));
	*pub_pem = pubkey_pem(pkey);
	if (!*priv_pem || !*pub_pem) {
		free(*priv_pem);
		free(*pub_pem);
		*priv_pem = *pub_pem = NULL;
		ret = sup_err(err, errsz, -ENOMEM, "cannot write the keys as PEM");
	}
cleanup:
	if (der) {
		OPENSSL_cleanse(der, (size_t)der_len);
		OPENSSL_free(der);
	}
	free(env);
	PKCS8_PRIV_KEY_INFO_free(p8);
	EVP_PKEY_free(pkey);
	return ret;
}

int supply_key_load_public(const char *pem, size_t len, const char *name, struct supply_key **out,
			   char *err, size_t errsz)
{
	BIO *bio;
	EVP_PKEY *pkey;

	*out = NULL;
	if (len > KEY_PEM_MAX)
		return sup_err(err, errsz, -EINVAL, "%s: longer than %u bytes", name, KEY_PEM_MAX);
	bio = BIO_new_mem_buf(pem, (int)len);
	pkey = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
	BIO_free(bio);
	if (!pkey)
		return sup_err(err, errsz, -EINVAL,
			       "%s: not a PEM public key (-----BEGIN PUBLIC KEY-----, as cosign "
			       "generate-key-pair writes)", name);
	if (!is_p256(pkey)) {
		EVP_PKEY_free(pkey);
		return sup_err(err, errsz, -EINVAL, "%s: not an ECDSA P-256 key (the only kind "
						   "palisade verifies)", name);
	}
	*out = key_new(pkey, false, name);
	if (!*out) {
		EVP_PKEY_free(pkey);
		return -ENOMEM;
	}
	return 0;
}

int supply_key_read_public(const char *path, struct supply_key **out, char *err, size_t errsz)
{
	char buf[KEY_PEM_MAX + 1];
	FILE *f = fopen(path, "re");
	size_t n;

	*out = NULL;
	if (!f)
		return sup_err(err, errsz, -errno, "cannot open the public key %s: %s", path,
			       strerror(errno));
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	return supply_key_load_public(buf, n, path, out, err, errsz);
}

/* The envelope's fields, checked before anything is derived. */
struct envelope {
	json_int_t n, r, p;
	unsigned char *salt, *nonce, *ct;
	size_t salt_len, nonce_len, ct_len;
};

static void envelope_release(struct envelope *e)
{
	free(e->salt);
	free(e->nonce);
	free(e->ct);
}

static int b64_field(json_t *obj, const char *key, unsigned char **out, size_t *len)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? sup_b64_decode(s, strlen(s), out, len) : -EINVAL;
}

static int envelope_parse(const unsigned char *data, size_t len, struct envelope *e, char *err,
			  size_t errsz)
{
	json_t *doc = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, NULL);
	json_t *kdf = json_object_get(doc, "kdf"), *cipher = json_object_get(doc, "cipher");
	json_t *params = json_object_get(kdf, "params");
	const char *kname = json_string_value(json_object_get(kdf, "name"));
	const char *cname = json_string_value(json_object_get(cipher, "name"));
	int ret = -EINVAL;

	memset(e, 0, sizeof(*e));
	if (!doc || !json_is_object(kdf) || !json_is_object(cipher) || !json_is_object(params)) {
		sup_err(err, errsz, ret, "the key's envelope is not the JSON cosign writes");
		goto cleanup;
	}
	if (!kname || strcmp(kname, "scrypt") || !cname || strcmp(cname, "nacl/secretbox")) {
		sup_err(err, errsz, ret, "unsupported key encryption (kdf %s, cipher %s): cosign uses "
					 "scrypt and nacl/secretbox", kname ? kname : "?",
			cname ? cname : "?");
		goto cleanup;
	}
	e->n = json_integer_value(json_object_get(params, "N"));
	e->r = json_integer_value(json_object_get(params, "r"));
	e->p = json_integer_value(json_object_get(params, "p"));
	if (!scrypt_params_ok(e->n, e->r, e->p)) {
		sup_err(err, errsz, ret, "unsupported scrypt parameters N=%lld r=%lld p=%lld",
			(long long)e->n, (long long)e->r, (long long)e->p);
		goto cleanup;
	}
	if (b64_field(kdf, "salt", &e->salt, &e->salt_len) || e->salt_len < 16 || e->salt_len > 64 ||
	    b64_field(cipher, "nonce", &e->nonce, &e->nonce_len) ||
	    e->nonce_len != crypto_secretbox_NONCEBYTES ||
	    b64_field(doc, "ciphertext", &e->ct, &e->ct_len) ||
	    e->ct_len <= crypto_secretbox_MACBYTES) {
		sup_err(err, errsz, ret, "the key's salt, nonce or ciphertext is missing or malformed");
		goto cleanup;
	}
	ret = 0;
cleanup:
	if (ret)
		envelope_release(e);
	json_decref(doc);
	return ret;
}

static int open_envelope(const struct envelope *e, const unsigned char *pass, size_t pass_len,
			 EVP_PKEY **pkey, char *err, size_t errsz)
{
	unsigned char key[crypto_secretbox_KEYBYTES];
	size_t plen = e->ct_len - crypto_secretbox_MACBYTES;
	unsigned char *plain = sodium_malloc(plen);
	const unsigned char *p;
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	int ret = 0;

	*pkey = NULL;
	if (!plain || derive(pass, pass_len, e->salt, e->salt_len, (uint64_t)e->n, key)) {
		ret = sup_err(err, errsz, -ENOMEM, "cannot derive the key (scrypt)");
		goto cleanup;
	}
	if (crypto_secretbox_open_easy(plain, e->ct, e->ct_len, e->nonce, key)) {
		ret = sup_err(err, errsz, -EACCES, "wrong passphrase, or the key file was modified "
						   "(secretbox authentication failed)");
		goto cleanup;
	}
	p = plain;
	p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)plen);
	*pkey = p8 ? EVP_PKCS82PKEY(p8) : NULL;
	if (!*pkey) {
		ret = sup_err(err, errsz, -EINVAL, "the decrypted key is not PKCS#8");
	} else if (!is_p256(*pkey)) {
		EVP_PKEY_free(*pkey);
		*pkey = NULL;
		ret = sup_err(err, errsz, -EINVAL, "not an ECDSA P-256 key (the only kind palisade "
						   "signs with)");
	}
cleanup:
	sodium_memzero(key, sizeof(key));
	PKCS8_PRIV_KEY_INFO_free(p8);
	sodium_free(plain);
	return ret;
}

int supply_key_load_private(const char *pem, size_t len, const unsigned char *pass,
			    size_t pass_len, const char *name, struct supply_key **out, char *err,
			    size_t errsz)
{
	char *type = NULL, *header = NULL;
	unsigned char *data = NULL;
	long dlen = 0;
	struct envelope e;
	EVP_PKEY *pkey = NULL;
	BIO *bio;
	int ret;

	*out = NULL;
	if (supply_init())
		return sup_err(err, errsz, -ENOMEM, "cannot initialise libsodium");
	if (len > KEY_PEM_MAX)
		return sup_err(err, errsz, -EINVAL, "%s: longer than %u bytes", name, KEY_PEM_MAX);
	bio = BIO_new_mem_buf(pem, (int)len);
	if (!bio || PEM_read_bio(bio, &type, &header, &data, &dlen) != 1) {
		BIO_free(bio);
		return sup_err(err, errsz, -EINVAL, "%s: not a PEM file", name);
	}
	BIO_free(bio);
	if (strcmp(type, PEM_SIGSTORE) && strcmp(type, PEM_COSIGN)) {
		ret = sup_err(err, errsz, -EINVAL, "%s: a PEM \"%s\", not cosign's \"" PEM_SIGSTORE
						   "\" (or \"" PEM_COSIGN "\")", name, type);
		goto cleanup;
	}
	ret = envelope_parse(data, (size_t)dlen, &e, err, errsz);
	if (ret)
		goto cleanup;
	ret = open_envelope(&e, pass, pass_len, &pkey, err, errsz);
	envelope_release(&e);
	if (ret)
		goto cleanup;
	*out = key_new(pkey, true, name);
	if (!*out) {
		EVP_PKEY_free(pkey);
		ret = -ENOMEM;
	}
cleanup:
	OPENSSL_free(type);
	OPENSSL_free(header);
	OPENSSL_free(data);
	return ret;
}

int supply_sign_blob(const struct supply_key *k, const void *data, size_t len, char **b64_sig,
		     char *err, size_t errsz)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char sig[128];
	size_t slen = sizeof(sig);
	int ret = 0;

	*b64_sig = NULL;
	if (!k->priv)
		ret = sup_err(err, errsz, -EINVAL, "%s is a public key: signing needs the private key",
			      k->name);
	else if (!ctx || EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, k->pkey) != 1 ||
		 EVP_DigestSign(ctx, sig, &slen, data, len) != 1)
		ret = sup_err(err, errsz, -EIO, "ECDSA signing failed (OpenSSL)");
	else if (!(*b64_sig = sup_b64_encode(sig, slen)))
		ret = -ENOMEM;
	EVP_MD_CTX_free(ctx);
	return ret;
}

int supply_verify_blob(const struct supply_key *k, const void *data, size_t len,
		       const char *b64_sig)
{
	EVP_MD_CTX *ctx;
	unsigned char *sig = NULL;
	size_t slen, blen = strlen(b64_sig);
	int ret;

	/* A P-256 DER signature is at most 72 bytes: 96 characters of base64. */
	if (blen > 256 || sup_b64_decode(b64_sig, blen, &sig, &slen))
		return -EINVAL;
	ctx = EVP_MD_CTX_new();
	if (!ctx) {
		free(sig);
		return -ENOMEM;
	}
	ret = EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, k->pkey) == 1 &&
	      EVP_DigestVerify(ctx, sig, slen, data, len) == 1;
	EVP_MD_CTX_free(ctx);
	free(sig);
	return ret;
}
