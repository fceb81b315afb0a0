/*
 * libFuzzer target: a FIM baseline database (`palisade fim check` reads it,
 * and an attacker may have written it). Half the inputs are parsed as they
 * are; the other half get a valid HMAC line appended first, so the parser
 * behind the authentication check is reached too. Every input must be
 * parsed or refused, never crash, read out of bounds or leak.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fim/fim_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned char key_bytes[32] = "palisade-fuzz-key-0123456789abcd";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fim_key *key;
	struct fim_set *s = NULL;
	char why[256], *buf;
	unsigned char tag[FIM_TAG_MAX];
	size_t len = size, tag_len = 0;

	if (!key && fim_key_hmac(key_bytes, sizeof(key_bytes), &key))
		abort();
	if (size && (data[0] & 1)) {
		/* authenticated: data, then "auth hmac-sha256 <hex>\n" */
		buf = malloc(size + 32 + 2 * FIM_TAG_MAX);
		if (!buf)
			return 0;
		memcpy(buf, data + 1, size - 1);
		len = size - 1;
		if (len && buf[len - 1] != '\n')
			buf[len++] = '\n'; /* the auth line is a line of its own */
		if (fim_key_tag(key, buf, len, tag, &tag_len))
			abort();
		len += (size_t)sprintf(buf + len, "auth hmac-sha256 ");
		for (size_t i = 0; i < tag_len; i++)
			len += (size_t)sprintf(buf + len, "%02x", tag[i]);
		buf[len++] = '\n';
		if (fim_db_parse(buf, len, key, &s, why, sizeof(why)) == -EBADMSG)
			abort(); /* a tag just computed must verify */
	} else {
		buf = malloc(size ? size : 1); /* exact size: ASan sees overreads */
		if (!buf)
			return 0;
		memcpy(buf, data, size);
		fim_db_parse(buf, len, NULL, &s, why, sizeof(why));
	}
	/* Touch what check reads, as it would. */
	for (size_t i = 0; s && i < s->n; i++) {
		char text[256];

		for (unsigned a = 0; a < FIM_A_COUNT; a++)
			fim_attr_format(a, &s->v[i], text, sizeof(text));
	}
	fim_set_free(s);
	free(buf);
	return 0;
}
