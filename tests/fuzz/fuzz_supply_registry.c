/*
 * libFuzzer target: what a registry (or a token service) sends palisade
 * (src/supply/): manifests and manifest lists with their content type, a
 * signature payload, a WWW-Authenticate challenge, a token answer, an image
 * reference. The first byte chooses the parser; none may read out of bounds
 * or leak, whatever the bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "supply/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const content_types[] = { MT_OCI_MANIFEST, MT_OCI_INDEX, MT_DOCKER_MANIFEST,
					     MT_DOCKER_LIST, "application/json", "" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sup_manifest m;
	struct supply_payload p;
	struct reg_challenge c;
	struct supply_ref r;
	char why[300], *copy, *tok, *man, *cfg;
	const char *w;

	if (size < 1)
		return 0;
	/* An exact-size heap copy, NUL-terminated for the string parsers. */
	copy = malloc(size);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, size - 1);
	copy[size - 1] = '\0';
	switch (data[0] % 5) {
	case 0:
		if (!sup_manifest_parse(copy, size - 1, content_types[data[0] / 5 % 6], &m, why,
					sizeof(why))) {
			sup_index_find(&m, "linux/amd64");
			if (m.kind == SUP_MANIFEST &&
			    !sup_sigmanifest_build(&m, m.digest, 1, "c2ln", &man, &cfg)) {
				free(man);
				free(cfg);
			}
			sup_manifest_release(&m);
		}
		break;
	case 1:
		supply_payload_parse(copy, size - 1, &p, why, sizeof(why));
		break;
	case 2:
		reg_challenge_parse(copy, &c);
		break;
	case 3:
		if (!reg_token_parse(copy, size - 1, &tok))
			free(tok);
		break;
	default:
		supply_ref_parse(copy, &r, &w);
		break;
	}
	free(copy);
	return 0;
}
