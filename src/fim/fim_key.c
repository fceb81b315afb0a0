/*
 * The database's authentication: an HMAC-SHA-256 tag under a secret key, or
 * an Ed25519 signature (the host that checks may hold only the public key).
 * OpenSSL does the cryptography; tags are compared in constant time.
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fim/fim_internal.h"
#include "outfile/outfile.h"

#define HMAC_KEY_MIN 32
#define PUBLIC_KEY_MAX 8192

struct fim_key {
	enum fim_auth kind;
	unsigned char *secret; /* HMAC */
	size_t secret_len;
	EVP_PKEY *pkey;        /* Ed25519 */
	bool can_sign;
};

int fim_key_hmac(const unsigned char *key, size_t len, struct fim_key **out)
{
	struct fim_key *k = calloc(1, sizeof(*k));

	*out = NULL;
	if (!k || !(k->secret = malloc(len ? len : 1))) {
		free(k);
		return -ENOMEM;
	}
	memcpy(k->secret, key, len);
	k->secret_len = len;
	k->kind = FIM_AUTH_HMAC;
	*out = k;
	return 0;
}

/* A PEM key of Ed25519 from memory: private or public. */
static EVP_PKEY *pem_key(const unsigned char *pem, size_t len, bool private)
{
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	EVP_PKEY *pkey = NULL;

	if (bio)
		pkey = private ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)
			       : PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (pkey && EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	return pkey;
}

static int read_public(const char *path, unsigned char **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	ssize_t n;

	*out = malloc(PUBLIC_KEY_MAX);
	if (fd < 0 || !*out) {
		int err = fd < 0 ? errno : ENOMEM;

		fprintf(stderr, "palisade: fim: cannot open the public key %s: %s\n", path, strerror(err));
		if (fd >= 0)
			close(fd);
		return -err;
	}
	n = read(fd, *out, PUBLIC_KEY_MAX);
	close(fd);
	if (n < 0 || n == PUBLIC_KEY_MAX) {
		fprintf(stderr, "palisade: fim: %s: %s\n", path,
			n < 0 ? strerror(errno) : "larger than a public key");
		return -EINVAL;
	}
	*len = (size_t)n;
	return 0;
}

static int load_ed25519(const struct fim_config *c, bool for_writing, struct fim_key *k)
{
	bool private = for_writing || !c->verify_key;
	const char *path = private ? c->sign_key : c->verify_key;
	unsigned char *pem = NULL;
	size_t len = 0;
	int ret;

	if (!path) {
		fprintf(stderr, "palisade: fim: %s: writing the database needs sign_key (the Ed25519 "
			"private key; verify_key alone can only check)\n", c->file);
		return -EINVAL;
	}
	ret = private ? outfile_read_secret(path, "FIM signing key", 1, &pem, &len)
		      : read_public(path, &pem, &len);
	if (!ret && !(k->pkey = pem_key(pem, len, private))) {
		fprintf(stderr, "palisade: fim: %s is not an Ed25519 %s key in PEM (make one with "
			"`openssl genpkey -algorithm ed25519 -out KEY`%s)\n", path,
			private ? "private" : "public",
			private ? "" : " and `openssl pkey -in KEY -pubout -out PUB`");
		ret = -EINVAL;
	}
	k->can_sign = private;
	if (pem)
		OPENSSL_cleanse(pem, len);
	free(pem);
	return ret;
}

int fim_key_load(const struct fim_config *c, bool for_writing, struct fim_key **out)
{
	struct fim_key *k = calloc(1, sizeof(*k));
	int ret;

	*out = NULL;
	if (!k)
		return -ENOMEM;
	k->kind = c->auth;
	if (c->auth == FIM_AUTH_HMAC)
		ret = outfile_read_secret(c->key_file, "FIM HMAC key file", HMAC_KEY_MIN, &k->secret,
					  &k->secret_len);
	else
		ret = load_ed25519(c, for_writing, k);
	if (ret) {
		fim_key_free(k);
		return ret;
	}
	*out = k;
	return 0;
}

void fim_key_free(struct fim_key *k)
{
	if (!k)
		return;
	if (k->secret)
		OPENSSL_cleanse(k->secret, k->secret_len);
	free(k->secret);
	EVP_PKEY_free(k->pkey);
	free(k);
}

const char *fim_key_scheme(const struct fim_key *k)
{
	return k->kind == FIM_AUTH_HMAC ? "hmac-sha256" : "ed25519";
}

int fim_key_tag(const struct fim_key *k, const char *data, size_t len, unsigned char *tag,
		size_t *tag_len)
{
	unsigned int hlen = 0;
	EVP_MD_CTX *ctx;
	int ok;

	if (k->kind == FIM_AUTH_HMAC) {
		if (!HMAC(EVP_sha256(), k->secret, (int)k->secret_len, (const unsigned char *)data,
			  len, tag, &hlen))
			return -EINVAL;
		*tag_len = hlen;
		return 0;
	}
	if (!k->can_sign)
		return -EPERM;
	ctx = EVP_MD_CTX_new();
	*tag_len = FIM_TAG_MAX;
	ok = ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
	     EVP_DigestSign(ctx, tag, tag_len, (const unsigned char *)data, len) == 1;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -EINVAL;
}

int fim_key_verify(const struct fim_key *k, const char *data, size_t len,
		   const unsigned char *tag, size_t tag_len)
{
	unsigned char want[FIM_TAG_MAX];
	size_t want_len = 0;
	EVP_MD_CTX *ctx;
	int ok;

	if (k->kind == FIM_AUTH_HMAC) {
		if (fim_key_tag(k, data, len, want, &want_len))
			return -EINVAL;
		return want_len == tag_len && CRYPTO_memcmp(want, tag, tag_len) == 0 ? 0 : -EBADMSG;
	}
	ctx = EVP_MD_CTX_new();
	ok = ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
	     EVP_DigestVerify(ctx, tag, tag_len, (const unsigned char *)data, len) == 1;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -EBADMSG;
}
