/*
 * Fields of the docker source: a request to the Docker Engine API as
 * src/authz/ decoded it (struct docker_event). Lists give one element per
 * index (from 1) and the whole list, comma-separated, at index 0.
 */
#include <string.h>

#include "rules/field_ids.h"

static const struct docker_list *list_of(const struct docker_event *d, int id)
{
	switch (id) {
	case D_CAP_ADD: return &d->cap_add;
	case D_CAP_DROP: return &d->cap_drop;
	case D_BINDS: return &d->binds;
	case D_DEVICES: return &d->devices;
	case D_SECURITY_OPT: return &d->security_opt;
	case D_ENV: return &d->env;
	}
	return NULL;
}

static bool list_value(const struct docker_list *l, int idx, struct rl_value *out,
		       struct rl_buf *buf)
{
	size_t n = 0;

	if (idx > 0)
		return (uint32_t)idx <= l->n && rl_set_str(out, l->v[idx - 1]);
	for (uint32_t i = 0; i < l->n && n + 1 < buf->cap; i++) {
		size_t len = strlen(l->v[i]);

		if (n + len + 2 > buf->cap)
			break;
		if (i)
			buf->p[n++] = ',';
		memcpy(buf->p + n, l->v[i], len);
		n += len;
	}
	return rl_set_buf(out, buf, n);
}

/* docker.req.query[NAME]: its first value, as dockerd's r.Form.Get reads it. */
static bool query_param(const struct docker_list *params, const char *name, struct rl_value *out)
{
	size_t nlen = strlen(name);

	for (uint32_t i = 0; i < params->n; i++)
		if (!strncmp(params->v[i], name, nlen) && params->v[i][nlen] == '=')
			return rl_set_str(out, params->v[i] + nlen + 1);
	return false;
}

static bool signature(const struct rl_eval_ctx *c, const struct rl_field_ref *r,
		      struct rl_value *out)
{
	const struct docker_event *d = c->ev->docker;
	const char *why = "", *signer = "";
	int ret;

	if (!d->image_signed || !d->image[0])
		return r->def->id == D_IMAGE_SIGNED ? rl_set_bool(out, false) : rl_set_str(out, "");
	ret = d->image_signed(d, r->def->id == D_IMAGE_SIGNED ? r->arg : NULL, &why, &signer);
	switch (r->def->id) {
	case D_IMAGE_SIGNED:
		/* Undecidable is not signed: the gate fails closed. */
		return rl_set_bool(out, ret == 1);
	case D_IMAGE_SIGNER:
		return rl_set_str(out, ret == 1 && signer ? signer : "");
	default:
		return rl_set_str(out, ret == 1 || !why ? "" : why);
	}
}

static const char *str_of(const struct docker_event *d, int id)
{
	switch (id) {
	case D_METHOD: return d->method;
	case D_PATH: return d->path;
	case D_URI: return d->uri;
	case D_API_VERSION: return d->api_version;
	case D_USER: return d->user;
	case D_AUTHN: return d->authn;
	case D_OP: return d->op;
	case D_TARGET: return d->target;
	case D_IMAGE: return d->image;
	case D_IMAGE_REGISTRY: return d->image_registry;
	case D_IMAGE_REPOSITORY: return d->image_repository;
	case D_IMAGE_TAG: return d->image_tag;
	case D_IMAGE_DIGEST: return d->image_digest;
	case D_NETWORK_MODE: return d->network_mode;
	case D_PID_MODE: return d->pid_mode;
	case D_IPC_MODE: return d->ipc_mode;
	case D_UTS_MODE: return d->uts_mode;
	case D_USERNS_MODE: return d->userns_mode;
	case D_CGROUPNS_MODE: return d->cgroupns_mode;
	case D_CFG_USER: return d->user_cfg;
	case D_CMDLINE: return d->cmdline;
	}
	return NULL;
}

bool rl_x_docker(const struct rl_eval_ctx *c, const struct rl_field_ref *r, int anc,
		 struct rl_value *out, struct rl_buf *buf)
{
	const struct docker_event *d = c->ev->docker;
	const struct docker_list *l;
	const char *s;

	if (!d)
		return false;
	if ((l = list_of(d, r->def->id)))
		return list_value(l, anc, out, buf);
	switch (r->def->id) {
	case D_QUERY:
		return r->arg ? query_param(&d->params, r->arg, out) : rl_set_str(out, d->query);
	case D_STATUS:
		return d->response && rl_set_uint(out, d->status);
	case D_PRIVILEGED:
		return rl_set_bool(out, d->privileged);
	case D_READONLY_ROOTFS:
		return rl_set_bool(out, d->readonly_rootfs);
	case D_IMAGE_SIGNED: case D_IMAGE_SIGNER: case D_IMAGE_UNSIGNED_WHY:
		return signature(c, r, out);
	}
	s = str_of(d, r->def->id);
	return s && rl_set_str(out, s);
}
