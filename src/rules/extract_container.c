/*
 * container.* extractors, from the container_info the agent attached to
 * the event. Outside a container (ev->container == NULL) container.id and
 * container.name are "host", as Falco's container plugin reports them, and
 * image fields have no value.
 */
#include <stdio.h>
#include <string.h>

#include "container/container.h"
#include "rules/field_ids.h"

/* "reg:5000/ns/img:tag@sha256:..": the tag colon is after the last '/'. */
static void split_image(const char *img, size_t *repo_len, const char **tag, size_t *tag_len,
			const char **digest)
{
	const char *at = strchr(img, '@');
	size_t end = at ? (size_t)(at - img) : strlen(img);
	const char *slash = memrchr(img, '/', end);
	const char *colon = memrchr(slash ? slash : img, ':', end - (size_t)((slash ? slash : img) - img));

	*digest = at ? at + 1 : NULL;
	*repo_len = colon ? (size_t)(colon - img) : end;
	*tag = colon ? colon + 1 : NULL;
	*tag_len = colon ? end - (size_t)(colon + 1 - img) : 0;
}

static const char *runtime_name(enum container_runtime rt)
{
	switch (rt) {
	case RUNTIME_DOCKER: return "docker";
	case RUNTIME_CONTAINERD: return "containerd";
	case RUNTIME_CRIO: return "cri-o";
	case RUNTIME_PODMAN: return "podman";
	default: return "host";
	}
}

static bool copy(struct rl_value *out, struct rl_buf *buf, const char *s, size_t len)
{
	if (len >= buf->cap)
		len = buf->cap - 1;
	memcpy(buf->p, s, len);
	return rl_set_buf(out, buf, len);
}

bool rl_x_container(const struct rl_eval_ctx *c, const struct rl_field_ref *r, int anc,
		    struct rl_value *out, struct rl_buf *buf)
{
	const struct container_info *ci = c->ev->container;
	const char *img = ci && ci->image && ci->image[0] ? ci->image : NULL;
	size_t repo_len, tag_len;
	const char *tag, *digest;

	(void)anc;
	switch (r->def->id) {
	case C_ID:
		return ci ? copy(out, buf, ci->id, strnlen(ci->id, 12)) : rl_set_str(out, "host");
	case C_FULL_ID:
		return rl_set_str(out, ci ? ci->id : "host");
	case C_NAME:
		if (!ci)
			return rl_set_str(out, "host");
		return ci->name && ci->name[0] && rl_set_str(out, ci->name);
	case C_TYPE:
		return rl_set_str(out, runtime_name(ci ? ci->runtime : RUNTIME_NONE));
	case C_PRIVILEGED:
		return ci && ci->has_metadata && rl_set_bool(out, ci->privileged);
	case C_IMAGE_ID:
		return ci && ci->image_id && ci->image_id[0] && rl_set_str(out, ci->image_id);
	case C_LABEL:
		for (size_t i = 0; ci && i < ci->n_labels; i++)
			if (!strcmp(ci->labels[i].key, r->arg))
				return rl_set_str(out, ci->labels[i].value ? ci->labels[i].value : "");
		return false;
	case C_LABELS: {
		size_t n = 0;

		if (!ci || !ci->n_labels)
			return false;
		for (size_t i = 0; i < ci->n_labels; i++) {
			int w = snprintf(buf->p + n, buf->cap - n, "%s%s:%s", i ? ", " : "",
					 ci->labels[i].key, ci->labels[i].value ? ci->labels[i].value : "");
			if (w < 0 || (size_t)w >= buf->cap - n)
				break;
			n += (size_t)w;
		}
		return rl_set_buf(out, buf, n);
	}
	}
	if (!img)
		return false;
	split_image(img, &repo_len, &tag, &tag_len, &digest);
	switch (r->def->id) {
	case C_IMAGE:
		return rl_set_str(out, img);
	case C_IMAGE_REPO:
		return copy(out, buf, img, repo_len);
	case C_IMAGE_TAG:
		return tag && copy(out, buf, tag, tag_len);
	case C_IMAGE_DIGEST:
		return digest && rl_set_str(out, digest);
	}
	return false;
}
