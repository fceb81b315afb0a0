/*
 * docker.image.signed: whether the image a create would run carries a valid
 * cosign signature by a trusted key. A tag is not trusted, in the registry
 * or on the host: what runs is the local image, so the digests checked are
 * the ones dockerd recorded when it pulled that image (its RepoDigests for
 * the reference's repository), each verified in the registry (supply/). An
 * image built, loaded or tagged locally has none, and is not signed. Asked
 * only when a rule reads the field, once per request and key.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "authz/internal.h"
#include "container/container.h"
#include "supply/supply.h"

#define INSPECT_TIMEOUT_MS 5000

static const char *copy(struct authz_req *r, const char *s)
{
	const char *c = az_strndup(&r->arena, s, strlen(s));

	return c ? c : "out of memory";
}

/* The local image's RepoDigests, as JSON (caller frees), or NULL with *why. */
static json_t *repo_digests(struct authz_req *r, const char **why)
{
	const struct az_trust *t = r->trust;
	struct container_engine *e = NULL;
	char path[1024], err[256], *body = NULL;
	json_t *doc = NULL, *rd;
	long status = 0;
	size_t len;

	/* The nonce lets the gate recognise (and allow) its own request. */
	snprintf(path, sizeof(path), "/images/%s/json?palisade-authz=%s", r->ev.image, t->nonce);
	if (container_engine_open(t->docker_socket, &e) ||
	    container_engine_get(e, path, INSPECT_TIMEOUT_MS, &status, &body, &len, err,
				 sizeof(err))) {
		*why = copy(r, "cannot ask dockerd for the local image (the Engine API): fail closed");
	} else if (status == 404) {
		*why = "the image is not on this host yet: pull it first (docker pull), so that "
		       "the digest it was pulled by can be verified";
	} else if (status != 200 || !(doc = json_loadb(body, len, 0, NULL))) {
		*why = "dockerd's answer about the local image is unreadable: fail closed";
	}
	free(body);
	container_engine_close(e);
	rd = json_object_get(doc, "RepoDigests");
	if (doc && !json_is_array(rd))
		*why = "the local image has no RepoDigests";
	if (json_is_array(rd))
		json_incref(rd);
	json_decref(doc);
	return json_is_array(rd) ? rd : NULL;
}

/* Verifies each RepoDigest of the reference's repository; 1 on the first
 * that a trusted key (or `key`) signed. */
static int verify_local(struct authz_req *r, struct supply_key *const *keys, size_t n_keys,
			const char **why)
{
	const struct az_trust *t = r->trust;
	struct supply_opts o = { .timeout_ms = t->timeout_ms, .ca_file = t->ca_file,
				 .insecure = t->insecure, .n_insecure = t->n_insecure };
	struct supply_ref want, have;
	const char *w;
	json_t *rd = repo_digests(r, why), *v;
	size_t i;
	int ret = 0;

	if (!rd)
		return 0;
	*why = "the local image was not pulled from its repository (built, loaded or tagged "
	       "here): it has no digest there to verify";
	if (supply_ref_parse(r->ev.image, &want, &w)) {
		*why = "the image reference does not parse";
		json_decref(rd);
		return 0;
	}
	json_array_foreach(rd, i, v) {
		struct supply_verdict verdict;
		const char *s = json_string_value(v);

		if (!s || supply_ref_parse(s, &have, &w) || !have.digest[0] ||
		    strcmp(have.registry, want.registry) || strcmp(have.repository, want.repository) ||
		    (want.digest[0] && strcmp(want.digest, have.digest)))
			continue;
		if (supply_verify_digest(&o, &have, have.digest, keys, n_keys, &verdict))
			continue;
		if (verdict.verified) {
			r->signer = copy(r, verdict.key);
			ret = 1;
			break;
		}
		*why = copy(r, verdict.reason);
	}
	json_decref(rd);
	return ret;
}

static int image_signed(const struct docker_event *d, const char *key, const char **why,
			const char **signer)
{
	struct authz_req *r = d->ctx;
	const struct az_trust *t = r->trust;
	struct supply_key *one[1];
	size_t k = 0;
	int ret;

	if (key) {
		for (k = 0; k < t->n_keys && strcmp(t->names[k], key); k++)
			;
		if (k == t->n_keys) {
			*why = "no trusted key of that name (palisade authz --key NAME=FILE)";
			return 0;
		}
		one[0] = t->keys[k++];
	}
	if (!r->signed_memo[k]) {
		if (!t->n_keys) {
			r->unsigned_why = "no trusted key is configured (palisade authz --key NAME=FILE)";
			ret = 0;
		} else {
			ret = key ? verify_local(r, one, 1, &r->unsigned_why)
				  : verify_local(r, t->keys, t->n_keys, &r->unsigned_why);
		}
		r->signed_memo[k] = ret == 1 ? 1 : 2;
	}
	*why = r->unsigned_why;
	*signer = r->signer;
	return r->signed_memo[k] == 1;
}

void az_attach_trust(struct authz_req *r, const struct az_trust *t)
{
	r->trust = t;
	r->ev.ctx = r;
	r->ev.image_signed = image_signed;
}

bool az_is_own_request(const struct authz_req *r, const struct az_trust *t)
{
	char want[128];

	snprintf(want, sizeof(want), "palisade-authz=%s", t->nonce);
	return !strcasecmp(r->ev.method, "GET") && !strncmp(r->ev.path, "/images/", 8) &&
	       r->ev.params.n == 1 && !strcmp(r->ev.params.v[0], want);
}
