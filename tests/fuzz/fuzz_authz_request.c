/*
 * libFuzzer target: what dockerd (and, through it, any API client) hands the
 * deploy gate (src/authz/): a whole plugin request, a request body decoded
 * as Go's encoding/json would into each of Docker's structs, a request URI.
 * The first byte chooses; nothing may read out of bounds, leak or loop.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authz/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static union {
		struct az_create c;
		struct az_hostcfg h;
		struct az_exec x;
		struct az_volume v;
	} out;
	struct az_arena a = { 0 };
	struct authz_req *r;
	struct docker_list params;
	const char *p, *v, *q, *t;
	char why[300], *copy;

	if (size < 1)
		return 0;
	/* An exact-size heap copy, NUL-terminated for the URI parser. */
	copy = malloc(size);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, size - 1);
	copy[size - 1] = '\0';
	switch (data[0] % 3) {
	case 0:
		if (!authz_req_decode(copy, size - 1, data[0] & 0x80, &r, why, sizeof(why)))
			authz_req_free(r);
		break;
	case 1:
		memset(&out, 0, sizeof(out));
		az_go_decode(copy, size - 1, (enum az_body)(data[0] / 3 % 4), &out, &a, why, sizeof(why));
		break;
	default:
		if (!az_normalise_uri(copy, &a, &p, &v, &q) && !az_query_params(q, &a, &params))
			az_classify("POST", p, &t, &a);
		break;
	}
	az_arena_release(&a);
	free(copy);
	return 0;
}
