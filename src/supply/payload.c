/*
 * The simple-signing payload that a cosign signature covers:
 *   {"critical": {"identity": {"docker-reference": REF},
 *                 "image": {"docker-manifest-digest": DIGEST},
 *                 "type": "cosign container image signature"},
 *    "optional": null | {...}}
 * Built as cosign writes it; parsed as strictly as containers/image does, so
 * that a payload two verifiers could read differently is refused.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "supply/internal.h"

#define SIG_TYPE "cosign container image signature"

char *supply_payload_build(const char *reference, const char *digest)
{
	json_t *doc = json_pack("{s:{s:{s:s},s:{s:s},s:s},s:n}", "critical", "identity",
				"docker-reference", reference, "image", "docker-manifest-digest",
				digest, "type", SIG_TYPE, "optional");
	char *out = doc ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

	json_decref(doc);
	return out;
}

/* obj is an object with exactly n keys, and these. */
static bool exact(json_t *obj, size_t n, const char *k1, const char *k2, const char *k3)
{
	return json_is_object(obj) && json_object_size(obj) == n && json_object_get(obj, k1) &&
	       (!k2 || json_object_get(obj, k2)) && (!k3 || json_object_get(obj, k3));
}

static int one_string(json_t *obj, const char *key, char *out, size_t size, const char *what,
		      char *why, size_t whysz)
{
	const char *s;

	if (!exact(obj, 1, key, NULL, NULL))
		return sup_err(why, whysz, -EINVAL, "critical.%s must hold exactly \"%s\"", what, key);
	s = json_string_value(json_object_get(obj, key));
	if (!s || strlen(s) >= size)
		return sup_err(why, whysz, -EINVAL, "critical.%s.%s must be a string of at most %zu "
						    "characters", what, key, size - 1);
	strcpy(out, s);
	return 0;
}

static int check_optional(json_t *opt, char *why, size_t whysz)
{
	json_t *ts;

	if (json_is_null(opt))
		return 0;
	if (!json_is_object(opt))
		return sup_err(why, whysz, -EINVAL, "\"optional\" must be null or an object");
	ts = json_object_get(opt, "timestamp");
	if (ts && !json_is_integer(ts) &&
	    !(json_is_real(ts) && json_real_value(ts) == (double)(long long)json_real_value(ts)))
		return sup_err(why, whysz, -EINVAL, "optional.timestamp is not an integer");
	if (json_object_get(opt, "creator") && !json_is_string(json_object_get(opt, "creator")))
		return sup_err(why, whysz, -EINVAL, "optional.creator is not a string");
	return 0;
}

int supply_payload_parse(const char *json, size_t len, struct supply_payload *out, char *why,
			 size_t whysz)
{
	json_error_t jerr;
	json_t *doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	json_t *crit = json_object_get(doc, "critical");
	const char *type;
	int ret = -EINVAL;

	memset(out, 0, sizeof(*out));
	if (!doc) {
		sup_err(why, whysz, ret, "payload is not JSON (or repeats a key): %s", jerr.text);
		goto cleanup;
	}
	if (!exact(doc, 2, "critical", "optional", NULL) ||
	    !exact(crit, 3, "type", "image", "identity")) {
		sup_err(why, whysz, ret, "payload must hold exactly critical{type, image, identity} "
					 "and optional");
		goto cleanup;
	}
	type = json_string_value(json_object_get(crit, "type"));
	if (!type || strcmp(type, SIG_TYPE)) {
		sup_err(why, whysz, ret, "critical.type is not \"" SIG_TYPE "\"");
		goto cleanup;
	}
	if (one_string(json_object_get(crit, "image"), "docker-manifest-digest", out->digest,
		       sizeof(out->digest), "image", why, whysz) ||
	    one_string(json_object_get(crit, "identity"), "docker-reference", out->reference,
		       sizeof(out->reference), "identity", why, whysz) ||
	    check_optional(json_object_get(doc, "optional"), why, whysz))
		goto cleanup;
	if (!supply_digest_valid(out->digest)) {
		sup_err(why, whysz, ret, "critical.image.docker-manifest-digest is not a sha256 digest");
		goto cleanup;
	}
	ret = 0;
cleanup:
	json_decref(doc);
	return ret;
}
