/*
 * Signing and verifying an image in its registry, as cosign does: the
 * signature manifest of digest D is the tag sha256-<hex of D>.sig of the
 * same repository; each of its simple-signing layers is a payload naming D,
 * signed in the layer's annotation.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "supply/internal.h"

static void sig_tag(const char *digest, char out[80])
{
	snprintf(out, 80, "sha256-%.64s.sig", digest + 7);
}

/* Adds "; text" to the verdict's reason (bounded: the rest is cut). */
static void reason(struct supply_verdict *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void reason(struct supply_verdict *v, const char *fmt, ...)
{
	size_t n = strlen(v->reason);
	va_list ap;

	if (n && n + 2 < sizeof(v->reason)) {
		memcpy(v->reason + n, "; ", 3);
		n += 2;
	}
	va_start(ap, fmt);
	vsnprintf(v->reason + n, sizeof(v->reason) - n, fmt, ap);
	va_end(ap);
}

static bool same_repository(const struct supply_ref *ref, const char *signed_ref)
{
	struct supply_ref s;
	const char *why;

	return !supply_ref_parse(signed_ref, &s, &why) && !strcmp(s.registry, ref->registry) &&
	       !strcmp(s.repository, ref->repository);
}

/* One simple-signing layer: verified, or why not (in v->reason). */
static bool check_layer(struct reg_client *c, const struct supply_ref *ref, const char *digest,
			const struct sup_desc *d, size_t idx, struct supply_key *const *keys,
			size_t n_keys, struct supply_verdict *v)
{
	struct supply_payload p;
	char err[400], *blob = NULL;
	size_t len, k;
	bool ok = false;

	if (reg_get_blob(c, d->digest, d->size, SUPPLY_PAYLOAD_MAX, &blob, &len, err, sizeof(err))) {
		reason(v, "signature %zu: %s", idx + 1, err);
		return false;
	}
	for (k = 0; k < n_keys; k++)
		if (supply_verify_blob(keys[k], blob, len, d->signature) == 1)
			break;
	if (k == n_keys)
		reason(v, "signature %zu: does not verify with the trusted key%s", idx + 1,
		       n_keys > 1 ? "s" : "");
	else if (supply_payload_parse(blob, len, &p, err, sizeof(err)))
		reason(v, "signature %zu: payload refused: %s", idx + 1, err);
	else if (strcmp(p.digest, digest))
		reason(v, "signature %zu: signs %s, not this image's %s", idx + 1, p.digest, digest);
	else if (!same_repository(ref, p.reference))
		reason(v, "signature %zu: signed for %.300s, not %s/%s", idx + 1, p.reference,
		       ref->registry, ref->repository);
	else
		ok = true;
	if (ok) {
		v->verified = true;
		snprintf(v->key, sizeof(v->key), "%s", supply_key_name(keys[k]));
		snprintf(v->identity, sizeof(v->identity), "%s", p.reference);
		snprintf(v->signed_digest, sizeof(v->signed_digest), "%s", digest);
	}
	free(blob);
	return ok;
}

/* Whether some signature of `digest` verifies. */
static void check_digest(struct reg_client *c, const struct supply_ref *ref, const char *digest,
			 struct supply_key *const *keys, size_t n_keys, struct supply_verdict *v)
{
	struct sup_manifest sigm;
	char tag[80], err[600];
	bool found;
	size_t seen = 0;

	sig_tag(digest, tag);
	if (reg_get_manifest(c, tag, &sigm, &found, err, sizeof(err))) {
		reason(v, "signature manifest %s: %s", tag, err);
		return;
	}
	if (!found) {
		reason(v, "no signature: %s/%s:%s does not exist", ref->registry, ref->repository, tag);
		return;
	}
	for (size_t i = 0; sigm.kind == SUP_MANIFEST && i < sigm.n_entries && !v->verified; i++) {
		const struct sup_desc *d = &sigm.entries[i];

		if (strcmp(d->media_type, MT_SIMPLESIGNING) || !d->signature)
			continue;
		if (++seen > SUPPLY_SIGNATURES_MAX) {
			reason(v, "more than %d signatures: the rest were not read", SUPPLY_SIGNATURES_MAX);
			break;
		}
		check_layer(c, ref, digest, d, i, keys, n_keys, v);
	}
	if (!seen && !v->verified)
		reason(v, "%s holds no cosign signature (no %s layer with the %s annotation)", tag,
		       MT_SIMPLESIGNING, COSIGN_SIG_ANNOTATION);
	sup_manifest_release(&sigm);
}

static const char *host_platform(const struct supply_opts *o, char *buf, size_t size)
{
	struct utsname u;

	if (o->platform)
		return o->platform;
	if (uname(&u))
		return "linux/amd64";
	snprintf(buf, size, "linux/%.64s",
		 !strcmp(u.machine, "x86_64") ? "amd64" : !strcmp(u.machine, "aarch64") ? "arm64"
											 : u.machine);
	return buf;
}

int supply_verify_digest(const struct supply_opts *opts, const struct supply_ref *ref,
			 const char *digest, struct supply_key *const *keys, size_t n_keys,
			 struct supply_verdict *out)
{
	struct reg_client *c;
	char err[600];

	memset(out, 0, sizeof(*out));
	if (!n_keys || !supply_digest_valid(digest))
		return -EINVAL;
	snprintf(out->digest, sizeof(out->digest), "%s", digest);
	if (reg_open(opts, ref, false, &c, err, sizeof(err))) {
		reason(out, "%s", err);
		return 0;
	}
	check_digest(c, ref, digest, keys, n_keys, out);
	reg_close(c);
	return 0;
}

int supply_verify(const struct supply_opts *opts, const struct supply_ref *ref,
		  struct supply_key *const *keys, size_t n_keys, struct supply_verdict *out)
{
	struct sup_manifest m;
	const struct sup_desc *inst;
	struct reg_client *c;
	char err[600], pbuf[80];
	const char *platform = host_platform(opts, pbuf, sizeof(pbuf));
	bool found;

	memset(out, 0, sizeof(*out));
	if (!n_keys)
		return -EINVAL;
	if (reg_open(opts, ref, false, &c, err, sizeof(err))) {
		reason(out, "%s", err);
		return 0;
	}
	if (reg_get_manifest(c, ref->digest[0] ? ref->digest : ref->tag[0] ? ref->tag : "latest",
			     &m, &found, err, sizeof(err))) {
		reason(out, "%s", err);
		goto cleanup;
	}
	if (!found) {
		reason(out, "no such image in the registry");
		goto cleanup;
	}
	snprintf(out->digest, sizeof(out->digest), "%s", m.digest);
	check_digest(c, ref, m.digest, keys, n_keys, out);
	/* An unsigned list: the instance this host would run may be signed. */
	if (!out->verified && m.kind == SUP_INDEX) {
		inst = sup_index_find(&m, platform);
		if (!inst)
			reason(out, "the manifest list has no %s instance", platform);
		else if (supply_digest_valid(inst->digest))
			check_digest(c, ref, inst->digest, keys, n_keys, out);
	}
	sup_manifest_release(&m);
cleanup:
	reg_close(c);
	return 0;
}

static int push_signature(struct reg_client *c, const char *digest, const char *payload,
			  const char *sig, char *err, size_t errsz)
{
	struct sup_manifest old;
	char tag[80], pdigest[72], *manifest = NULL, *config = NULL;
	bool found;
	int ret;

	sig_tag(digest, tag);
	ret = reg_get_manifest(c, tag, &old, &found, err, errsz);
	if (ret)
		return ret;
	if (found && (old.kind != SUP_MANIFEST || old.n_entries >= SUPPLY_SIGNATURES_MAX)) {
		sup_manifest_release(&old);
		return sup_err(err, errsz, -EEXIST, "%s exists and is not a signature manifest with "
						    "room for another signature", tag);
	}
	sup_digest(payload, strlen(payload), pdigest);
	ret = sup_sigmanifest_build(found ? &old : NULL, pdigest, strlen(payload), sig, &manifest,
				    &config);
	if (ret)
		sup_err(err, errsz, ret, "cannot build the signature manifest");
	if (!ret)
		ret = reg_put_blob(c, payload, strlen(payload), err, errsz);
	if (!ret)
		ret = reg_put_blob(c, config, strlen(config), err, errsz);
	if (!ret)
		ret = reg_put_manifest(c, tag, MT_OCI_MANIFEST, manifest, strlen(manifest), err, errsz);
	if (found)
		sup_manifest_release(&old);
	free(manifest);
	free(config);
	return ret;
}

int supply_sign(const struct supply_opts *opts, const struct supply_ref *ref,
		const struct supply_key *key, const char *identity, char *digest_out, char *err,
		size_t errsz)
{
	struct sup_manifest m;
	struct reg_client *c;
	char name[SUPPLY_NAME_MAX + 2], *payload = NULL, *sig = NULL;
	bool found = false;
	int ret;

	digest_out[0] = '\0';
	ret = reg_open(opts, ref, true, &c, err, errsz);
	if (ret)
		return ret;
	ret = reg_get_manifest(c, ref->digest[0] ? ref->digest : ref->tag[0] ? ref->tag : "latest",
			       &m, &found, err, errsz);
	if (!ret && !found)
		ret = sup_err(err, errsz, -ENOENT, "no such image in the registry");
	if (ret)
		goto cleanup;
	supply_ref_name(ref, name, sizeof(name));
	payload = supply_payload_build(identity ? identity : name, m.digest);
	ret = payload ? supply_sign_blob(key, payload, strlen(payload), &sig, err, errsz) : -ENOMEM;
	if (!ret)
		ret = push_signature(c, m.digest, payload, sig, err, errsz);
	if (!ret)
		snprintf(digest_out, 72, "%s", m.digest);
	sup_manifest_release(&m);
cleanup:
	free(payload);
	free(sig);
	reg_close(c);
	return ret;
}
