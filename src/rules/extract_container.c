/*
 * container.* extractors, from the container_info the agent attached to
 * the event. Outside a container (ev->container == NULL) container.id and
 * container.name are "host", as Falco's container plugin reports them, and
 * image fields have no value.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container/container.h"
#include "proc/proc.h"
#include "rules/field_ids.h"

/* What libsinsp gives no value for, Falco's sandbox macros compare with
 * "N/A" (`not container.mount.dest[/proc*] in ("<NA>","N/A")`): a mount that
 * is not there reads N/A, so those macros mean what they say (docs/rules.md). */
#define MOUNT_NONE "N/A"

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

/* container.mount*[KEY]: KEY all digits is an index, else a glob on the
 * source (on the destination for mount.source), the first match winning. */
static const struct container_mount *mount_of(const struct container_info *ci,
					      const struct rl_field_ref *r)
{
	const char *k = r->arg;
	bool by_dest = r->def->id == C_MOUNT_SOURCE;
	size_t i;

	if (k[0] && strspn(k, "0123456789") == strlen(k)) {
		unsigned long idx = strtoul(k, NULL, 10);

		return idx < ci->n_mounts ? &ci->mounts[idx] : NULL;
	}
	for (i = 0; i < ci->n_mounts; i++)
		if (!fnmatch(k, by_dest ? ci->mounts[i].dest : ci->mounts[i].source, FNM_EXTMATCH))
			return &ci->mounts[i];
	return NULL;
}

static int mount_text(char *p, size_t cap, const struct container_mount *m)
{
	return snprintf(p, cap, "%s:%s:%s:%s:%s", m->source, m->dest, m->mode,
			m->rdwr ? "true" : "false", m->propagation);
}

static bool mounts_all(const struct container_info *ci, struct rl_value *out, struct rl_buf *buf)
{
	size_t n = 0, i;
	int w;

	for (i = 0; i < ci->n_mounts; i++) {
		if (i && n + 1 < buf->cap)
			buf->p[n++] = ',';
		w = mount_text(buf->p + n, buf->cap - n, &ci->mounts[i]);
		if (w < 0 || (size_t)w >= buf->cap - n)
			break;
		n += (size_t)w;
	}
	return rl_set_buf(out, buf, n);
}

static bool mount_field(const struct container_info *ci, const struct rl_field_ref *r,
			struct rl_value *out, struct rl_buf *buf)
{
	const struct container_mount *m = mount_of(ci, r);
	int w;

	if (!m)
		return rl_set_str(out, MOUNT_NONE);
	switch (r->def->id) {
	case C_MOUNT_SOURCE: return rl_set_str(out, m->source);
	case C_MOUNT_DEST: return rl_set_str(out, m->dest);
	case C_MOUNT_MODE: return rl_set_str(out, m->mode);
	case C_MOUNT_RDWR: return rl_set_str(out, m->rdwr ? "true" : "false");
	case C_MOUNT_PROPAGATION: return rl_set_str(out, m->propagation);
	}
	w = mount_text(buf->p, buf->cap, m);
	return w >= 0 && rl_set_buf(out, buf, (size_t)w < buf->cap ? (size_t)w : buf->cap - 1);
}

/* "exe arg1 arg2", as libsinsp renders a probe; NONE without one. */
static bool healthcheck(const struct container_info *ci, struct rl_value *out,
			struct rl_buf *buf)
{
	size_t n = ci->health_len < buf->cap ? ci->health_len : buf->cap - 1, i;

	if (!ci->health_len)
		return rl_set_str(out, "NONE");
	memcpy(buf->p, ci->health_argv, n);
	for (i = 0; i < n; i++)
		if (!buf->p[i])
			buf->p[i] = ' ';
	return rl_set_buf(out, buf, n);
}

/*
 * As Falco's container plugin tells a health check: the process, or its
 * nearest ancestor inside the container that does, runs exactly the probe's
 * argv, and no ancestor inside the container is its pid 1 (the engine
 * started it, as docker exec would; a pid-1 descendant with the same argv
 * is the workload's own).
 */
static bool is_healthcheck(const struct rl_eval_ctx *c, const struct container_info *ci)
{
	const struct proc_entry *p = c->ev->proc, *a;
	bool match = false;
	unsigned n;

	if (!ci || !ci->health_len || !p)
		return false;
	/* Inside the container: its pid namespace and cgroup (--pid host shares
	 * the namespace with the engine and init). */
	for (n = 0, a = p; a && a->pid_ns == p->pid_ns && a->cgroup_id == p->cgroup_id;
	     a = rl_ancestor(c, ++n)) {
		if (a->vpid == 1)
			return false;
		if (a->args_len == ci->health_len + 1 &&
		    !memcmp(a->args, ci->health_argv, ci->health_len))
			match = true;
	}
	return match;
}

static bool engine_field(const struct rl_eval_ctx *c, const struct container_info *ci,
			 const struct rl_field_ref *r, struct rl_value *out, struct rl_buf *buf)
{
	uint64_t now = (c->ev->hdr ? c->ev->hdr->ts_ns : 0) + (uint64_t)c->boot_to_real_ns;

	switch (r->def->id) {
	case C_START_TS:
		out->t = FT_ABSTIME;
		out->u = ci->start_ns;
		return ci->start_ns != 0;
	case C_DURATION:
		out->t = FT_RELTIME;
		out->u = now - ci->start_ns;
		return ci->start_ns && ci->start_ns <= now;
	case C_MOUNTS: return mounts_all(ci, out, buf);
	case C_IP: return ci->ip[0] && rl_set_str(out, ci->ip);
	case C_HEALTHCHECK: return healthcheck(ci, out, buf);
	case C_HOST_PID: return rl_set_bool(out, ci->host_pid);
	case C_HOST_NETWORK: return rl_set_bool(out, ci->host_network);
	case C_HOST_IPC: return rl_set_bool(out, ci->host_ipc);
	}
	return mount_field(ci, r, out, buf);
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
	case P_IS_CONTAINER_HEALTHCHECK:
		return c->ev->proc && rl_set_bool(out, is_healthcheck(c, ci));
	case C_START_TS: case C_DURATION: case C_MOUNTS: case C_MOUNT: case C_MOUNT_SOURCE:
	case C_MOUNT_DEST: case C_MOUNT_MODE: case C_MOUNT_RDWR: case C_MOUNT_PROPAGATION:
	case C_IP: case C_HEALTHCHECK: case C_HOST_PID: case C_HOST_NETWORK: case C_HOST_IPC:
		return ci && ci->has_metadata && engine_field(c, ci, r, out, buf);
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
