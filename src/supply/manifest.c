/*
 * Image manifests and manifest lists (OCI and Docker schema 2), parsed from
 * a registry's untrusted bytes, and the signature manifest cosign attaches
 * under sha256-<digest>.sig: an OCI manifest whose layers are payloads of
 * type application/vnd.dev.cosign.simplesigning.v1+json, each carrying its
 * signature in the annotation dev.cosignproject.cosign/signature.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "supply/internal.h"

#define ENTRIES_MAX 1024

static const struct {
	const char *type;
	enum sup_mkind kind;
} types[] = {
	{ MT_OCI_MANIFEST, SUP_MANIFEST },
	{ MT_DOCKER_MANIFEST, SUP_MANIFEST },
	{ MT_OCI_INDEX, SUP_INDEX },
	{ MT_DOCKER_LIST, SUP_INDEX },
};

static int kind_of(const char *mt)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(mt, types[i].type))
			return (int)types[i].kind;
	return -1;
}

static void desc_release(struct sup_desc *d)
{
	free(d->signature);
	free(d->annotations);
}

void sup_manifest_release(struct sup_manifest *m)
{
	for (size_t i = 0; i < m->n_entries; i++)
		desc_release(&m->entries[i]);
	free(m->entries);
	desc_release(&m->config);
	memset(m, 0, sizeof(*m));
}

static int copy_str(json_t *obj, const char *key, char *out, size_t size, bool required)
{
	json_t *v = json_object_get(obj, key);
	const char *s = json_string_value(v);

	if (!v)
		return required ? -EINVAL : 0;
	if (!s || strlen(s) >= size)
		return -EINVAL;
	strcpy(out, s);
	return 0;
}

static int parse_desc(json_t *obj, struct sup_desc *d, bool platform)
{
	json_t *size = json_object_get(obj, "size"), *ann = json_object_get(obj, "annotations");
	json_t *plat = json_object_get(obj, "platform");

	if (!json_is_object(obj) || copy_str(obj, "mediaType", d->media_type,
					     sizeof(d->media_type), true) ||
	    copy_str(obj, "digest", d->digest, sizeof(d->digest), true) || !json_is_integer(size) ||
	    json_integer_value(size) < 0)
		return -EINVAL;
	d->size = (uint64_t)json_integer_value(size);
	if (ann) {
		const char *sig = json_string_value(json_object_get(ann, COSIGN_SIG_ANNOTATION));
		const char *k;
		json_t *v;

		if (!json_is_object(ann))
			return -EINVAL;
		json_object_foreach(ann, k, v)
			if (!json_is_string(v))
				return -EINVAL;
		if (sig && !(d->signature = strdup(sig)))
			return -ENOMEM;
		if (!(d->annotations = json_dumps(ann, JSON_COMPACT | JSON_SORT_KEYS)))
			return -ENOMEM;
	}
	if (platform && json_is_object(plat)) {
		const char *os = json_string_value(json_object_get(plat, "os"));
		const char *arch = json_string_value(json_object_get(plat, "architecture"));
		const char *var = json_string_value(json_object_get(plat, "variant"));

		snprintf(d->platform, sizeof(d->platform), "%.20s/%.20s%s%.16s", os ? os : "",
			 arch ? arch : "", var ? "/" : "", var ? var : "");
	}
	return 0;
}

static int parse_entries(json_t *arr, struct sup_manifest *m, bool platform)
{
	size_t n = json_array_size(arr);

	if (!json_is_array(arr) || n > ENTRIES_MAX)
		return -EINVAL;
	m->entries = calloc(n ? n : 1, sizeof(*m->entries));
	if (!m->entries)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		int ret = parse_desc(json_array_get(arr, i), &m->entries[i], platform);

		m->n_entries = i + 1;
		if (ret)
			return ret;
	}
	return 0;
}

/* The media type the bytes are, from the content type and the document. */
static int resolve_type(json_t *doc, const char *ct, char *out, size_t size, char *why,
			size_t whysz)
{
	char ctype[128];
	const char *own = json_string_value(json_object_get(doc, "mediaType"));
	bool has_layers = json_object_get(doc, "layers") != NULL;
	bool has_list = json_object_get(doc, "manifests") != NULL;
	size_t n = strcspn(ct ? ct : "", "; \t");

	snprintf(ctype, sizeof(ctype), "%.*s", (int)n, ct ? ct : "");
	if (!strncasecmp(ctype, "application/vnd.docker.distribution.manifest.v1", 47) ||
	    json_integer_value(json_object_get(doc, "schemaVersion")) == 1)
		return sup_err(why, whysz, -EINVAL, "a schema 1 manifest (deprecated, not "
						    "supported): push the image again with a current client");
	if (json_integer_value(json_object_get(doc, "schemaVersion")) != 2)
		return sup_err(why, whysz, -EINVAL, "schemaVersion is not 2");
	if (has_layers && has_list)
		return sup_err(why, whysz, -EINVAL, "both \"layers\" and \"manifests\": ambiguous");
	if (own && kind_of(ctype) >= 0 && strcmp(own, ctype))
		return sup_err(why, whysz, -EINVAL, "served as %s but its mediaType is %s", ctype, own);
	if (own)
		snprintf(out, size, "%s", own);
	else if (kind_of(ctype) >= 0)
		snprintf(out, size, "%s", ctype);
	else
		snprintf(out, size, "%s", has_list ? MT_OCI_INDEX : MT_OCI_MANIFEST);
	if (kind_of(out) < 0)
		return sup_err(why, whysz, -EINVAL, "unsupported manifest type %.100s", out);
	if ((kind_of(out) == SUP_INDEX) != has_list)
		return sup_err(why, whysz, -EINVAL, "a %s without %s", out,
			       has_list ? "\"layers\"" : "\"manifests\"");
	return 0;
}

int sup_manifest_parse(const char *body, size_t len, const char *ct, struct sup_manifest *out,
		       char *why, size_t whysz)
{
	json_error_t jerr;
	json_t *doc;
	int ret;

	memset(out, 0, sizeof(*out));
	sup_digest(body, len, out->digest);
	doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc || !json_is_object(doc)) {
		json_decref(doc);
		return sup_err(why, whysz, -EINVAL, "not a JSON object (or a key repeated): %s",
			       doc ? "" : jerr.text);
	}
	ret = resolve_type(doc, ct, out->media_type, sizeof(out->media_type), why, whysz);
	if (ret)
		goto cleanup;
	out->kind = (enum sup_mkind)kind_of(out->media_type);
	if (out->kind == SUP_INDEX) {
		ret = parse_entries(json_object_get(doc, "manifests"), out, true);
	} else {
		ret = parse_desc(json_object_get(doc, "config"), &out->config, false);
		if (!ret)
			ret = parse_entries(json_object_get(doc, "layers"), out, false);
	}
	if (ret)
		sup_err(why, whysz, ret, ret == -ENOMEM ? "out of memory"
							: "a descriptor is malformed (mediaType, digest, "
							  "size, annotations) or there are more than %d",
			ENTRIES_MAX);
cleanup:
	if (ret)
		sup_manifest_release(out);
	json_decref(doc);
	return ret;
}

const struct sup_desc *sup_index_find(const struct sup_manifest *m, const char *platform)
{
	size_t plen = strlen(platform);

	for (size_t i = 0; m->kind == SUP_INDEX && i < m->n_entries; i++) {
		const char *p = m->entries[i].platform;

		/* "linux/amd64" also takes an entry with a variant. */
		if (!strcmp(p, platform) || (!strncmp(p, platform, plen) && p[plen] == '/'))
			return &m->entries[i];
	}
	return NULL;
}

static json_t *layer_json(const char *mt, const char *digest, uint64_t size, json_t *ann)
{
	return json_pack("{s:s,s:I,s:s,s:o}", "mediaType", mt, "size", (json_int_t)size, "digest",
			 digest, "annotations", ann);
}

static bool same_layer(const struct sup_desc *d, const char *digest, size_t len, const char *sig)
{
	return !strcmp(d->media_type, MT_SIMPLESIGNING) && !strcmp(d->digest, digest) &&
	       d->size == len && d->signature && !strcmp(d->signature, sig);
}

int sup_sigmanifest_build(const struct sup_manifest *old, const char *payload_digest,
			  size_t payload_len, const char *b64_sig, char **manifest, char **config)
{
	json_t *layers = json_array(), *diff = json_array(), *doc = NULL, *cfg = NULL;
	bool dup = false;
	char cdigest[72];
	int ret = -ENOMEM;

	*manifest = *config = NULL;
	for (size_t i = 0; old && i < old->n_entries && layers; i++) {
		const struct sup_desc *d = &old->entries[i];
		json_t *ann = d->annotations ? json_loads(d->annotations, 0, NULL) : json_object();

		dup |= same_layer(d, payload_digest, payload_len, b64_sig);
		if (json_array_append_new(layers, layer_json(d->media_type, d->digest, d->size, ann)) ||
		    json_array_append_new(diff, json_string(d->digest)))
			goto cleanup;
	}
	if (!dup && (json_array_append_new(layers, layer_json(MT_SIMPLESIGNING, payload_digest,
							      payload_len,
							      json_pack("{s:s}", COSIGN_SIG_ANNOTATION,
									b64_sig))) ||
		     json_array_append_new(diff, json_string(payload_digest))))
		goto cleanup;
	cfg = json_pack("{s:s,s:{},s:s,s:s,s:{s:s,s:O}}", "architecture", "", "config", "created",
			"0001-01-01T00:00:00Z", "os", "", "rootfs", "type", "layers", "diff_ids", diff);
	if (!cfg || !(*config = json_dumps(cfg, JSON_COMPACT | JSON_SORT_KEYS)))
		goto cleanup;
	sup_digest(*config, strlen(*config), cdigest);
	doc = json_pack("{s:i,s:s,s:{s:s,s:I,s:s},s:O}", "schemaVersion", 2, "mediaType",
			MT_OCI_MANIFEST, "config", "mediaType", MT_OCI_CONFIG, "size",
			(json_int_t)strlen(*config), "digest", cdigest, "layers", layers);
	if (doc && (*manifest = json_dumps(doc, JSON_COMPACT)))
		ret = 0;
cleanup:
	if (ret) {
		free(*config);
		*config = NULL;
	}
	json_decref(doc);
	json_decref(cfg);
	json_decref(layers);
	json_decref(diff);
	return ret;
}
