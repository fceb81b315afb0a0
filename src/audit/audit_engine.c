/*
 * The Engine API's answers (API 1.41) -> the normalised descriptions.
 * Pure: text in, values out, so recorded answers test them and the fuzzer
 * runs them. The daemon is trusted to be Docker, not to be well-formed:
 * every value is type-checked and a wrong type is an error naming the field.
 * Scalar fields are rows of a table; lists have a function each.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "audit/internal.h"

#define W(f) offsetof(struct audit_workload, f)
static const struct audit_jfield container_fields[] = {
	{ "Config.Image", J_STR, W(image) },
	{ "Image", J_STR, W(image_id) },
	{ "State.Status", J_STR, W(state) },
	{ "Config.User", J_STR, W(user) },
	{ "HostConfig.Privileged", J_BOOL, W(privileged) },
	{ "AppArmorProfile", J_STR, W(apparmor) },
	{ "HostConfig.ReadonlyRootfs", J_BOOL, W(read_only) },
	{ "HostConfig.NetworkMode", J_STR, W(net_mode) },
	{ "HostConfig.PidMode", J_STR, W(pid_mode) },
	{ "HostConfig.IpcMode", J_STR, W(ipc_mode) },
	{ "HostConfig.UTSMode", J_STR, W(uts_mode) },
	{ "HostConfig.UsernsMode", J_STR, W(userns_mode) },
	{ "HostConfig.CgroupnsMode", J_STR, W(cgroupns_mode) },
	{ "HostConfig.Memory", J_INT, W(memory) },
	{ "HostConfig.NanoCpus", J_INT, W(nano_cpus) },
	{ "HostConfig.CpuShares", J_INT, W(cpu_shares) },
	{ "HostConfig.CpuQuota", J_INT, W(cpu_quota) },
	{ "HostConfig.PidsLimit", J_INT, W(pids_limit) },
	{ "HostConfig.RestartPolicy.Name", J_STR, W(restart) },
	{ "HostConfig.RestartPolicy.MaximumRetryCount", J_INT, W(restart_max) },
	{ "HostConfig.CgroupParent", J_STR, W(cgroup_parent) },
};
#undef W

#define I(f) offsetof(struct audit_image, f)
static const struct audit_jfield image_fields[] = {
	{ "Id", J_STR, I(id) },
	{ "Config.User", J_STR, I(user) },
	{ "GraphDriver.Name", J_STR, I(driver) },
};
#undef I

/* Missing and null read as the zero value ("" for strings): Docker omits
 * what was never set, and older daemons lack newer fields. */
int audit_read_fields(json_t *root, const struct audit_jfield *f, size_t n, void *base,
		      bool *oom, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < n; i++) {
		json_t *v = container_json_path(root, f[i].path);
		void *dst = (char *)base + f[i].off;

		if (json_is_null(v))
			v = NULL;
		switch (f[i].type) {
		case J_STR:
			if (v && !json_is_string(v))
				return audit_fail(err, errlen, "%s is not a string", f[i].path);
			*(char **)dst = audit_dup(oom, v ? json_string_value(v) : "");
			break;
		case J_BOOL:
			if (v && !json_is_boolean(v))
				return audit_fail(err, errlen, "%s is not a boolean", f[i].path);
			*(bool *)dst = v && json_is_true(v);
			break;
		case J_INT:
			if (v && !json_is_integer(v))
				return audit_fail(err, errlen, "%s is not an integer", f[i].path);
			*(int64_t *)dst = v ? json_integer_value(v) : 0;
			break;
		}
	}
	return 0;
}

/* An array of strings (null or missing: empty). */
static int read_strv(json_t *root, const char *path, char ***v, size_t *n, bool *oom, char *err,
		     size_t errlen)
{
	json_t *a = container_json_path(root, path), *x;
	size_t i;

	if (!a || json_is_null(a))
		return 0;
	if (!json_is_array(a))
		return audit_fail(err, errlen, "%s is not an array", path);
	json_array_foreach(a, i, x) {
		if (!json_is_string(x))
			return audit_fail(err, errlen, "%s[%zu] is not a string", path, i);
		if (audit_strv_push(v, n, oom, json_string_value(x)))
			return -ENOMEM;
	}
	return 0;
}

static int read_env(json_t *root, const char *path, struct audit_env **env, size_t *n,
		    bool *oom, char *err, size_t errlen)
{
	char **v = NULL;
	size_t nv = 0, i;
	int ret;

	ret = read_strv(root, path, &v, &nv, oom, err, errlen);
	for (i = 0; !ret && i < nv; i++) {
		struct audit_env *e = audit_grow(env, n, sizeof(*e), oom);
		const char *eq = strchr(v[i], '=');

		if (!e) {
			ret = -ENOMEM;
			break;
		}
		e->name = audit_dupn(oom, v[i], eq ? (size_t)(eq - v[i]) : strlen(v[i]));
		e->value = audit_dup(oom, eq ? eq + 1 : "");
	}
	audit_strv_free(v, nv);
	return ret;
}

static enum audit_health read_health(json_t *root, const char *path)
{
	json_t *t = container_json_path(root, path), *first;

	if (!json_is_object(t))
		return AUDIT_HEALTH_NONE;
	t = json_object_get(t, "Test");
	first = json_array_get(t, 0);
	if (!json_is_array(t) || json_array_size(t) == 0)
		return AUDIT_HEALTH_NONE; /* inherit: the image said nothing either */
	if (json_is_string(first) && strcmp(json_string_value(first), "NONE") == 0)
		return AUDIT_HEALTH_DISABLED;
	return AUDIT_HEALTH_SET;
}

/* HostConfig.SecurityOpt: seccomp=, label=, no-new-privileges. Not
 * apparmor=: AppArmorProfile says what was applied ("" on a host without
 * AppArmor, whatever was asked). */
static void apply_security_opt(struct audit_workload *w, const char *opt, bool *oom)
{
	const char *val;
	char key[32];
	size_t n = strcspn(opt, "=:");

	val = opt[n] ? opt + n + 1 : "";
	snprintf(key, sizeof(key), "%.*s", (int)(n < sizeof(key) ? n : sizeof(key) - 1), opt);
	if (strcmp(key, "seccomp") == 0) {
		free(w->seccomp);
		w->seccomp = audit_dup(oom, val);
	} else if (strcmp(key, "label") == 0) {
		free(w->selinux);
		w->selinux = audit_dup(oom, val);
	} else if (strcmp(key, "no-new-privileges") == 0) {
		w->no_new_privs = (!*val || strcmp(val, "true") == 0) ? AUDIT_YES : AUDIT_NO;
	}
}

static int read_security_opt(json_t *root, struct audit_workload *w, bool *oom, char *err,
			     size_t errlen)
{
	char **v = NULL;
	size_t n = 0, i;
	int ret;

	ret = read_strv(root, "HostConfig.SecurityOpt", &v, &n, oom, err, errlen);
	for (i = 0; !ret && i < n; i++)
		apply_security_opt(w, v[i], oom);
	audit_strv_free(v, n);
	return ret;
}

static int need_obj_str(json_t *o, const char *key, const char *what, size_t i, const char **out,
			char *err, size_t errlen)
{
	json_t *v = json_object_get(o, key);

	*out = "";
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return audit_fail(err, errlen, "%s[%zu].%s is not a string", what, i, key);
	*out = json_string_value(v);
	return 0;
}

static int read_mounts(json_t *root, struct audit_workload *w, bool *oom, char *err,
		       size_t errlen)
{
	json_t *a = json_object_get(root, "Mounts"), *m;
	const char *type, *src, *dst, *prop;
	size_t i;

	if (!a || json_is_null(a))
		return 0;
	if (!json_is_array(a))
		return audit_fail(err, errlen, "Mounts is not an array");
	json_array_foreach(a, i, m) {
		struct audit_mount *x;

		if (!json_is_object(m))
			return audit_fail(err, errlen, "Mounts[%zu] is not an object", i);
		if (need_obj_str(m, "Type", "Mounts", i, &type, err, errlen) ||
		    need_obj_str(m, "Source", "Mounts", i, &src, err, errlen) ||
		    need_obj_str(m, "Destination", "Mounts", i, &dst, err, errlen) ||
		    need_obj_str(m, "Propagation", "Mounts", i, &prop, err, errlen))
			return -EINVAL;
		x = audit_grow(&w->mounts, &w->n_mounts, sizeof(*x), oom);
		if (!x)
			return -ENOMEM;
		x->type = audit_dup(oom, type);
		x->source = audit_dup(oom, src);
		x->target = audit_dup(oom, dst);
		x->propagation = audit_dup(oom, prop);
		x->rw = json_is_true(json_object_get(m, "RW"));
	}
	return 0;
}

static int read_devices(json_t *root, struct audit_workload *w, bool *oom, char *err,
			size_t errlen)
{
	json_t *a = container_json_path(root, "HostConfig.Devices"), *d;
	const char *host, *cont;
	size_t i;

	if (!a || json_is_null(a))
		return 0;
	if (!json_is_array(a))
		return audit_fail(err, errlen, "HostConfig.Devices is not an array");
	json_array_foreach(a, i, d) {
		struct audit_device *x;

		if (!json_is_object(d))
			return audit_fail(err, errlen, "HostConfig.Devices[%zu] is not an object", i);
		if (need_obj_str(d, "PathOnHost", "HostConfig.Devices", i, &host, err, errlen) ||
		    need_obj_str(d, "PathInContainer", "HostConfig.Devices", i, &cont, err, errlen))
			return -EINVAL;
		x = audit_grow(&w->devices, &w->n_devices, sizeof(*x), oom);
		if (!x)
			return -ENOMEM;
		x->host_path = audit_dup(oom, host);
		x->container_path = audit_dup(oom, cont);
	}
	return 0;
}

/* {"80/tcp": [{"HostIp": "", "HostPort": "8080"}], ...} */
static int read_ports(json_t *ports, const char *what, struct audit_workload *w, bool *oom,
		      char *err, size_t errlen)
{
	const char *key, *ip, *hp;
	json_t *binds, *b;
	size_t i;

	json_object_foreach(ports, key, binds) {
		unsigned long cport = strtoul(key, NULL, 10);
		const char *slash = strchr(key, '/');

		if (json_is_null(binds))
			continue; /* exposed, not published */
		if (!json_is_array(binds))
			return audit_fail(err, errlen, "%s[%s] is not an array", what, key);
		json_array_foreach(binds, i, b) {
			struct audit_port *p;

			if (!json_is_object(b))
				return audit_fail(err, errlen, "%s[%s][%zu] is not an object", what,
						  key, i);
			if (need_obj_str(b, "HostIp", what, i, &ip, err, errlen) ||
			    need_obj_str(b, "HostPort", what, i, &hp, err, errlen))
				return -EINVAL;
			p = audit_grow(&w->ports, &w->n_ports, sizeof(*p), oom);
			if (!p)
				return -ENOMEM;
			p->host_ip = audit_dup(oom, ip);
			p->host_port = (uint32_t)strtoul(hp, NULL, 10);
			p->container_port = (uint32_t)(cport > 65535 ? 0 : cport);
			snprintf(p->proto, sizeof(p->proto), "%s", slash ? slash + 1 : "tcp");
		}
	}
	return 0;
}

/* Published ports: live ones when running, the configured ones otherwise. */
static int read_published(json_t *root, struct audit_workload *w, bool *oom, char *err,
			  size_t errlen)
{
	json_t *live = container_json_path(root, "NetworkSettings.Ports");
	json_t *cfg = container_json_path(root, "HostConfig.PortBindings");

	if (live && !json_is_null(live) && !json_is_object(live))
		return audit_fail(err, errlen, "NetworkSettings.Ports is not an object");
	if (cfg && !json_is_null(cfg) && !json_is_object(cfg))
		return audit_fail(err, errlen, "HostConfig.PortBindings is not an object");
	if (json_is_object(live) && json_object_size(live))
		return read_ports(live, "NetworkSettings.Ports", w, oom, err, errlen);
	if (json_is_object(cfg))
		return read_ports(cfg, "HostConfig.PortBindings", w, oom, err, errlen);
	return 0;
}

static int parse_container(json_t *root, struct audit_workload *w, bool *oom, char *err,
			   size_t errlen)
{
	json_t *id = json_object_get(root, "Id"), *name = json_object_get(root, "Name");
	json_t *ul = container_json_path(root, "HostConfig.Ulimits");
	int ret;

	if (!json_is_object(root))
		return audit_fail(err, errlen, "not a JSON object");
	if (!json_is_string(id) || !json_string_length(id))
		return audit_fail(err, errlen, "Id %s", id ? "is not a string" : "is missing");
	if (name && !json_is_string(name))
		return audit_fail(err, errlen, "Name is not a string");
	w->source = AUDIT_SRC_ENGINE;
	w->id = audit_dup(oom, json_string_value(id));
	w->name = audit_dup(oom, name ? json_string_value(name) + (json_string_value(name)[0] == '/')
				      : json_string_value(id));
	ret = audit_read_fields(root, container_fields,
			  sizeof(container_fields) / sizeof(container_fields[0]), w, oom, err,
			  errlen);
	if (!ret)
		ret = read_strv(root, "HostConfig.CapAdd", &w->cap_add, &w->n_cap_add, oom, err,
				errlen);
	if (!ret)
		ret = read_strv(root, "HostConfig.CapDrop", &w->cap_drop, &w->n_cap_drop, oom, err,
				errlen);
	if (!ret)
		ret = read_strv(root, "Config.Cmd", &w->cmd, &w->n_cmd, oom, err, errlen);
	if (!ret)
		ret = read_security_opt(root, w, oom, err, errlen);
	if (!ret)
		ret = read_mounts(root, w, oom, err, errlen);
	if (!ret)
		ret = read_devices(root, w, oom, err, errlen);
	if (!ret)
		ret = read_published(root, w, oom, err, errlen);
	if (!ret)
		ret = read_env(root, "Config.Env", &w->env, &w->n_env, oom, err, errlen);
	if (!ret && ul && !json_is_null(ul) && !json_is_array(ul))
		ret = audit_fail(err, errlen, "HostConfig.Ulimits is not an array");
	w->n_ulimits = json_is_array(ul) ? json_array_size(ul) : 0;
	w->health = read_health(root, "Config.Healthcheck");
	audit_workload_fill(w, oom);
	return ret;
}

static json_t *load(const char *text, size_t len, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root = json_loadb(text, len, 0, &je);

	if (!root)
		audit_fail(err, errlen, "not JSON (line %d column %d: %s)", je.line, je.column,
			   je.text);
	return root;
}

int audit_engine_parse_container(const char *json, size_t len, struct audit_workload *out,
				 char *err, size_t errlen)
{
	json_t *root = load(json, len, err, errlen);
	bool oom = false;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!root)
		return -EINVAL;
	ret = parse_container(root, out, &oom, err, errlen);
	json_decref(root);
	if (!ret && oom)
		ret = -ENOMEM;
	if (ret)
		audit_workload_release(out);
	return ret;
}

int audit_engine_parse_image(const char *json, size_t len, struct audit_image *out, char *err,
			     size_t errlen)
{
	json_t *root = load(json, len, err, errlen), *tags, *dirs;
	bool oom = false;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!root)
		return -EINVAL;
	ret = json_is_object(root) ? 0 : audit_fail(err, errlen, "not a JSON object");
	if (!ret)
		ret = audit_read_fields(root, image_fields, sizeof(image_fields) / sizeof(image_fields[0]),
				  out, &oom, err, errlen);
	if (!ret)
		ret = read_env(root, "Config.Env", &out->env, &out->n_env, &oom, err, errlen);
	if (!ret && !out->id[0])
		ret = audit_fail(err, errlen, "Id is missing");
	if (ret)
		goto out;
	out->health = read_health(root, "Config.Healthcheck");
	tags = json_array_get(json_object_get(root, "RepoTags"), 0);
	out->name = audit_dup(&oom, json_is_string(tags) ? json_string_value(tags) : out->id);
	/* overlay2: UpperDir is the top layer, LowerDir the rest, top first. */
	dirs = container_json_path(root, "GraphDriver.Data.UpperDir");
	if (json_is_string(dirs))
		audit_strv_push(&out->layer_dirs, &out->n_layer_dirs, &oom, json_string_value(dirs));
	dirs = container_json_path(root, "GraphDriver.Data.LowerDir");
	if (json_is_string(dirs)) {
		const char *p = json_string_value(dirs), *colon;

		for (; *p && !oom; p = *colon ? colon + 1 : colon) {
			char *one;

			colon = strchrnul(p, ':');
			one = audit_dupn(&oom, p, (size_t)(colon - p));
			if (one && audit_strv_push(&out->layer_dirs, &out->n_layer_dirs, &oom, one))
				ret = -ENOMEM;
			free(one);
		}
	}
	out->layers_why = audit_dup(&oom, "");
out:
	json_decref(root);
	if (!ret && oom)
		ret = -ENOMEM;
	if (ret)
		audit_image_release(out);
	return ret;
}

static void release_mounts(struct audit_workload *w)
{
	size_t i;

	for (i = 0; i < w->n_mounts; i++) {
		free(w->mounts[i].source);
		free(w->mounts[i].target);
		free(w->mounts[i].type);
		free(w->mounts[i].propagation);
	}
	free(w->mounts);
	for (i = 0; i < w->n_ports; i++)
		free(w->ports[i].host_ip);
	free(w->ports);
	for (i = 0; i < w->n_devices; i++) {
		free(w->devices[i].host_path);
		free(w->devices[i].container_path);
	}
	free(w->devices);
}

/* The workload's own strings, for filling and freeing them alike. */
#define WORKLOAD_STRINGS(w)                                                                    \
	{ &(w)->name, &(w)->id, &(w)->image, &(w)->image_id, &(w)->state, &(w)->user,          \
	  &(w)->seccomp, &(w)->apparmor, &(w)->selinux, &(w)->net_mode, &(w)->pid_mode,        \
	  &(w)->ipc_mode, &(w)->uts_mode, &(w)->userns_mode, &(w)->cgroupns_mode,              \
	  &(w)->restart, &(w)->cgroup_parent }

void audit_workload_fill(struct audit_workload *w, bool *oom)
{
	char **strs[] = WORKLOAD_STRINGS(w);
	size_t i;

	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		if (!*strs[i])
			*strs[i] = audit_dup(oom, "");
}

void audit_workload_release(struct audit_workload *w)
{
	char **strs[] = WORKLOAD_STRINGS(w);
	size_t i;

	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		free(*strs[i]);
	audit_strv_free(w->cap_add, w->n_cap_add);
	audit_strv_free(w->cap_drop, w->n_cap_drop);
	audit_strv_free(w->cmd, w->n_cmd);
	release_mounts(w);
	audit_env_free(w->env, w->n_env);
	memset(w, 0, sizeof(*w));
}

void audit_image_release(struct audit_image *img)
{
	free(img->id);
	free(img->name);
	free(img->user);
	free(img->driver);
	free(img->layers_why);
	audit_env_free(img->env, img->n_env);
	audit_strv_free(img->layer_dirs, img->n_layer_dirs);
	audit_strv_free(img->setuid, img->n_setuid);
	memset(img, 0, sizeof(*img));
}
