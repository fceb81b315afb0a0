/*
 * Small helpers of supply/: one-time library initialisation, error text,
 * digests and base64 (libsodium's strict codec).
 */
#include <curl/curl.h>
#include <errno.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supply/internal.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int init_ret;

static void init(void)
{
	if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT))
		init_ret = -ENOMEM;
}

int supply_init(void)
{
	pthread_once(&once, init);
	return init_ret;
}

int sup_err(char *err, size_t errsz, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err && errsz) {
		va_start(ap, fmt);
		vsnprintf(err, errsz, fmt, ap);
		va_end(ap);
	}
	return ret;
}

void sup_digest(const void *data, size_t len, char out[72])
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
	memcpy(out, "sha256:", 7);
	for (unsigned i = 0; i < 32; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
}

char *sup_b64_encode(const void *data, size_t len)
{
	size_t n = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	char *out = malloc(n);

	if (out)
		sodium_bin2base64(out, n, data, len, sodium_base64_VARIANT_ORIGINAL);
	return out;
}

int sup_b64_decode(const char *b64, size_t len, unsigned char **out, size_t *out_len)
{
	unsigned char *buf = malloc(len / 4 * 3 + 3);
	const char *end;

	*out = NULL;
	*out_len = 0;
	if (!buf)
		return -ENOMEM;
	if (sodium_base642bin(buf, len / 4 * 3 + 3, b64, len, NULL, out_len, &end,
			      sodium_base64_VARIANT_ORIGINAL) ||
	    end != b64 + len) {
		free(buf);
		return -EINVAL;
	}
	*out = buf;
	return 0;
}
