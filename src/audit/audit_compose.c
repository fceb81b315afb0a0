/*
 * A compose file's services (the Compose Specification's keys) -> one
 * workload each. Scalar keys are table rows; volumes, ports, environment and
 * resources have a function each. Every value's location is kept, so a
 * finding points at the key to change. A key of the wrong type is an
 * error with file:line:col; keys the checks do not read are ignored.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/yaml_src.h"

enum ctype { C_STR, C_BOOL, C_STRV };

#define W(f) offsetof(struct audit_workload, f)
static const struct ckey {
	const char *key;
	enum ctype type;
	size_t off, n_off;
	enum audit_field field;
} ckeys[] = {
	{ "image", C_STR, W(image), 0, AUDIT_F_ENTRY },
	{ "user", C_STR, W(user), 0, AUDIT_F_USER },
	{ "privileged", C_BOOL, W(privileged), 0, AUDIT_F_PRIVILEGED },
	{ "read_only", C_BOOL, W(read_only), 0, AUDIT_F_READ_ONLY },
	{ "cap_add", C_STRV, W(cap_add), W(n_cap_add), AUDIT_F_CAP_ADD },
	{ "cap_drop", C_STRV, W(cap_drop), W(n_cap_drop), AUDIT_F_CAP_DROP },
	{ "network_mode", C_STR, W(net_mode), 0, AUDIT_F_NET_MODE },
	{ "pid", C_STR, W(pid_mode), 0, AUDIT_F_PID_MODE },
	{ "ipc", C_STR, W(ipc_mode), 0, AUDIT_F_IPC_MODE },
	{ "uts", C_STR, W(uts_mode), 0, AUDIT_F_UTS_MODE },
	{ "userns_mode", C_STR, W(userns_mode), 0, AUDIT_F_USERNS_MODE },
	{ "cgroup", C_STR, W(cgroupns_mode), 0, AUDIT_F_CGROUPNS_MODE },
	{ "cgroup_parent", C_STR, W(cgroup_parent), 0, AUDIT_F_CGROUP_PARENT },
	{ "restart", C_STR, W(restart), 0, AUDIT_F_RESTART },
};
#undef W

static int scalar_key(struct audit_ysrc *y, struct audit_workload *w, const struct ckey *k,
		      yaml_node_t *v, yaml_node_t *kn)
{
	void *dst = (char *)w + k->off;
	size_t i;

	if (k->field != AUDIT_F_ENTRY) /* the entry is the service's name */
		audit_y_at(y, w, k->field, kn);
	switch (k->type) {
	case C_STR:
		if (!audit_y_str(v))
			return audit_y_fail(y, v, "%s: a string is expected", k->key);
		*(char **)dst = audit_dup(&y->oom, audit_y_str(v));
		return 0;
	case C_BOOL:
		if (audit_y_bool(v, (bool *)dst))
			return audit_y_fail(y, v, "%s: true or false is expected", k->key);
		return 0;
	case C_STRV:
		if (v->type != YAML_SEQUENCE_NODE)
			return audit_y_fail(y, v, "%s: a list is expected", k->key);
		for (i = 0; i < audit_y_len(v); i++) {
			const char *s = audit_y_str(audit_y_item(y, v, i));

			if (!s)
				return audit_y_fail(y, audit_y_item(y, v, i), "%s: a string is "
									 "expected", k->key);
			if (audit_strv_push((char ***)dst, (size_t *)((char *)w + k->n_off), &y->oom,
					    s))
				return -ENOMEM;
		}
		return 0;
	}
	return 0;
}

/* security_opt: "seccomp:unconfined", "seccomp=unconfined", "apparmor=...",
 * "label=...", "no-new-privileges[:true]" (compose accepts ':' and '='). */
static int security_opts(struct audit_ysrc *y, struct audit_workload *w, yaml_node_t *v,
			 yaml_node_t *kn)
{
	size_t i;

	if (v->type != YAML_SEQUENCE_NODE)
		return audit_y_fail(y, v, "security_opt: a list is expected");
	audit_y_at(y, w, AUDIT_F_NO_NEW_PRIVS, kn); /* an entry below is more precise */
	for (i = 0; i < audit_y_len(v); i++) {
		yaml_node_t *it = audit_y_item(y, v, i);
		const char *s = audit_y_str(it), *val;
		size_t n;

		if (!s)
			return audit_y_fail(y, it, "security_opt: a string is expected");
		n = strcspn(s, ":=");
		val = s[n] ? s + n + 1 : "";
		if (n == 7 && strncmp(s, "seccomp", 7) == 0) {
			free(w->seccomp);
			w->seccomp = audit_dup(&y->oom, val);
			audit_y_at(y, w, AUDIT_F_SECCOMP, it);
		} else if (n == 8 && strncmp(s, "apparmor", 8) == 0) {
			free(w->apparmor);
			w->apparmor = audit_dup(&y->oom, val);
			audit_y_at(y, w, AUDIT_F_APPARMOR, it);
		} else if (n == 5 && strncmp(s, "label", 5) == 0) {
			free(w->selinux);
			w->selinux = audit_dup(&y->oom, val);
			audit_y_at(y, w, AUDIT_F_SELINUX, it);
		} else if (n == 17 && strncmp(s, "no-new-privileges", 17) == 0) {
			w->no_new_privs = !*val || strcmp(val, "true") == 0 ? AUDIT_YES : AUDIT_NO;
			audit_y_at(y, w, AUDIT_F_NO_NEW_PRIVS, it);
		}
	}
	return 0;
}

static struct audit_mount *new_mount(struct audit_ysrc *y, struct audit_workload *w,
				     yaml_node_t *at)
{
	struct audit_mount *m = audit_grow(&w->mounts, &w->n_mounts, sizeof(*m), &y->oom);

	if (m) {
		audit_y_loc(y, at, &m->loc);
		m->rw = true;
	}
	return m;
}

/* "SRC:DST[:MODE]" with MODE a comma list (ro, rw, z, shared, rslave...);
 * a SRC that is a path (/, ., ~) is a bind mount, otherwise a named volume. */
static int short_volume(struct audit_ysrc *y, struct audit_workload *w, yaml_node_t *it,
			const char *s)
{
	const char *c1 = strchr(s, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	struct audit_mount *m = new_mount(y, w, it);
	bool bind = strchr("/.~", s[0]) != NULL;

	if (!m)
		return -ENOMEM;
	m->type = audit_dup(&y->oom, c1 ? (bind ? "bind" : "volume") : "volume");
	m->source = c1 ? audit_dupn(&y->oom, s, (size_t)(c1 - s)) : audit_dup(&y->oom, "");
	m->target = c1 ? (c2 ? audit_dupn(&y->oom, c1 + 1, (size_t)(c2 - c1 - 1))
			     : audit_dup(&y->oom, c1 + 1))
		       : audit_dup(&y->oom, s);
	m->propagation = audit_dup(&y->oom, "");
	if (c2) {
		m->rw = !strstr(c2 + 1, "ro");
		if (strstr(c2 + 1, "rshared") || strstr(c2 + 1, "shared")) {
			free(m->propagation);
			m->propagation = audit_dup(&y->oom, strstr(c2 + 1, "rshared") ? "rshared"
										: "shared");
		}
	}
	return 0;
}

static int long_volume(struct audit_ysrc *y, struct audit_workload *w, yaml_node_t *it)
{
	const char *type = audit_y_str(audit_y_get(y, it, "type", NULL));
	const char *src = audit_y_str(audit_y_get(y, it, "source", NULL));
	const char *dst = audit_y_str(audit_y_get(y, it, "target", NULL));
	yaml_node_t *ro = audit_y_get(y, it, "read_only", NULL);
	const char *prop = audit_y_str(audit_y_get(y, audit_y_get(y, it, "bind", NULL),
						   "propagation", NULL));
	struct audit_mount *m;
	bool b = false;

	if (!dst)
		return audit_y_fail(y, it, "volumes: target is missing");
	if (ro && audit_y_bool(ro, &b))
		return audit_y_fail(y, ro, "read_only: true or false is expected");
	m = new_mount(y, w, it);
	if (!m)
		return -ENOMEM;
	m->type = audit_dup(&y->oom, type ? type : "volume");
	m->source = audit_dup(&y->oom, src ? src : "");
	m->target = audit_dup(&y->oom, dst);
	m->propagation = audit_dup(&y->oom, prop ? prop : "");
	m->rw = !b;
	return 0;
}

static int volumes(struct audit_ysrc *y, struct audit_workload *w, yaml_node_t *v)
{
	size_t i;
	int ret;

	if (v->type != YAML_SEQUENCE_NODE)
		return audit_y_fail(y, v, "volumes: a list is expected");
	for (i = 0; i < audit_y_len(v); i++) {
		yaml_node_t *it = audit_y_item(y, v, i);

		if (audit_y_str(it))
			ret = short_volume(y, w, it, audit_y_str(it));
		else if (it->type == YAML_MAPPING_NODE)
			ret = long_volume(y, w, it);
		else
			ret = audit_y_fail(y, it, "volumes: a string or a mapping is expected");
		if (ret)
			return ret;
	}
	return 0;
}

/* "[IP:]HOST:CONTAINER[/PROTO]" or "CONTAINER"; ranges keep their first port. */
static int short_port(struct audit_ysrc *y, struct audit_port *p, yaml_node_t *it, const char *s)
{
	char buf[256], *parts[3], *slash, *save = NULL, *tok;
	size_t n = 0;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash) {
		*slash = '\0';
		snprintf(p->proto, sizeof(p->proto), "%s", slash + 1);
	}
	/* an IPv6 address in brackets: [::1]:8080:80 */
	if (buf[0] == '[' && strchr(buf, ']')) {
		*strchr(buf, ']') = '\0';
		p->host_ip = audit_dup(&y->oom, buf + 1);
		tok = buf + strlen(buf) + 1;
		tok += *tok == ':';
		memmove(buf, tok, strlen(tok) + 1);
	}
	for (tok = strtok_r(buf, ":", &save); tok && n < 3; tok = strtok_r(NULL, ":", &save))
		parts[n++] = tok;
	if (n == 0)
		return audit_y_fail(y, it, "ports: empty");
	if (n == 3 && !p->host_ip)
		p->host_ip = audit_dup(&y->oom, parts[0]);
	if (!p->host_ip)
		p->host_ip = audit_dup(&y->oom, "");
	p->container_port = (uint32_t)strtoul(parts[n - 1], NULL, 10);
	p->host_port = n >= 2 ? (uint32_t)strtoul(parts[n - 2], NULL, 10) : 0;
	return 0;
}

static int ports(struct audit_ysrc *y, struct audit_workload *w, yaml_node_t *v)
{
	size_t i;

	if (v->type != YAML_SEQUENCE_NODE)
		return audit_y_fail(y, v, "ports: a list is expected");
	for (i = 0; i < audit_y_len(v); i++) {
		yaml_node_t *it = audit_y_item(y, v, i);
		struct audit_port *p = audit_grow(&w->ports, &w->n_ports, sizeof(*p), &y->oom);
		const char *ip, *proto;

		if (!p)
			return -ENOMEM;
		audit_y_loc(y, it, &p->loc);
		snprintf(p->proto, sizeof(p->proto), "tcp");
		if (audit_y_str(it)) {
			if (short_port(y, p, it, audit_y_str(it)))
				return -EINVAL;
			continue;
		}
		if (it->type != YAML_MAPPING_NODE)
			return audit_y_fail(y, it, "ports: a string or a mapping is expected");
		ip = audit_y_str(audit_y_get(y, it, "host_ip", NULL));
		proto = audit_y_str(audit_y_get(y, it, "protocol", NULL));
		p->host_ip = audit_dup(&y->oom, ip ? ip : "");
		p->container_port = (uint32_t)strtoul(
			audit_y_str(audit_y_get(y, it, "target", NULL)) ?: "0", NULL, 10);
		p->host_port = (uint32_t)strtoul(
			audit_y_str(audit_y_get(y, it, "published", NULL)) ?: "0", NULL, 10);
		if (proto)
			snprintf(p->proto, sizeof(p->proto), "%s", proto);
	}
	return 0;
}

static int add_env(struct audit_ysrc *y, struct audit_workload *w, yaml_node_t *at,
		   const char *name, size_t name_len, const char *value)
{
	struct audit_env *e = audit_grow(&w->env, &w->n_env, sizeof(*e), &y->oom);

	if (!e)
		return -ENOMEM;
	e->name = audit_dupn(&y->oom, name, name_len);
	e->value = audit_dup(&y->oom, value);
	audit_y_loc(y, at, &e->loc);
	return 0;
}

/* environment: a mapping NAME: value, or a list of "NAME=value". */
static int environment(struct audit_ysrc *y, struct audit_workload *w, yaml_node_t *v)
{
	yaml_node_pair_t *p;
	size_t i;

	if (v->type == YAML_MAPPING_NODE) {
		for (p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(y->doc, p->key);
			const char *val = audit_y_str(yaml_document_get_node(y->doc, p->value));

			if (audit_y_str(k) && add_env(y, w, k, audit_y_str(k), strlen(audit_y_str(k)),
						      val ? val : ""))
				return -ENOMEM;
		}
		return 0;
	}
	if (v->type != YAML_SEQUENCE_NODE)
		return audit_y_fail(y, v, "environment: a mapping or a list is expected");
	for (i = 0; i < audit_y_len(v); i++) {
		yaml_node_t *it = audit_y_item(y, v, i);
		const char *s = audit_y_str(it), *eq;

		if (!s)
			return audit_y_fail(y, it, "environment: a string is expected");
		eq = strchr(s, '=');
		if (add_env(y, w, it, s, eq ? (size_t)(eq - s) : strlen(s), eq ? eq + 1 : ""))
			return -ENOMEM;
	}
	return 0;
}

static int devices(struct audit_ysrc *y, struct audit_workload *w, yaml_node_t *v)
{
	size_t i;

	if (v->type != YAML_SEQUENCE_NODE)
		return audit_y_fail(y, v, "devices: a list is expected");
	for (i = 0; i < audit_y_len(v); i++) {
		yaml_node_t *it = audit_y_item(y, v, i);
		const char *s = audit_y_str(it), *c;
		struct audit_device *d;

		if (!s)
			return audit_y_fail(y, it, "devices: a string is expected");
		d = audit_grow(&w->devices, &w->n_devices, sizeof(*d), &y->oom);
		if (!d)
			return -ENOMEM;
		c = strchr(s, ':');
		d->host_path = audit_dupn(&y->oom, s, c ? (size_t)(c - s) : strlen(s));
		d->container_path = audit_dup(&y->oom, c ? c + 1 : s);
		audit_y_loc(y, it, &d->loc);
	}
	return 0;
}

static int service(struct audit_ysrc *y, yaml_node_t *key, yaml_node_t *svc)
{
	struct audit_workload *w;
	yaml_node_t *v, *kn;
	size_t i;
	int ret = 0;

	if (!svc || svc->type != YAML_MAPPING_NODE)
		return audit_y_fail(y, svc ? svc : key, "services.%s: a mapping is expected",
				    audit_y_str(key));
	w = audit_y_new_workload(y, AUDIT_SRC_COMPOSE, key);
	if (!w)
		return y->oom ? -ENOMEM : -EINVAL;
	w->name = audit_dup(&y->oom, audit_y_str(key));
	for (i = 0; !ret && i < sizeof(ckeys) / sizeof(ckeys[0]); i++)
		if ((v = audit_y_get(y, svc, ckeys[i].key, &kn)))
			ret = scalar_key(y, w, &ckeys[i], v, kn);
	if (!ret && (v = audit_y_get(y, svc, "security_opt", &kn)))
		ret = security_opts(y, w, v, kn);
	if (!ret && (v = audit_y_get(y, svc, "volumes", NULL)))
		ret = volumes(y, w, v);
	if (!ret && (v = audit_y_get(y, svc, "ports", NULL)))
		ret = ports(y, w, v);
	if (!ret && (v = audit_y_get(y, svc, "environment", NULL)))
		ret = environment(y, w, v);
	if (!ret && (v = audit_y_get(y, svc, "devices", NULL)))
		ret = devices(y, w, v);
	if (!ret)
		ret = audit_compose_limits(y, w, svc);
	audit_workload_fill(w, &y->oom);
	return ret;
}

int audit_compose_parse(struct audit_ysrc *y, yaml_node_t *root)
{
	yaml_node_t *svcs = audit_y_get(y, root, "services", NULL);
	yaml_node_pair_t *p;
	int ret;

	if (svcs->type != YAML_MAPPING_NODE)
		return audit_y_fail(y, svcs, "services: a mapping is expected");
	for (p = svcs->data.mapping.pairs.start; p < svcs->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(y->doc, p->key);

		if (!audit_y_str(k))
			return audit_y_fail(y, k, "services: a service name is expected");
		ret = service(y, k, yaml_document_get_node(y->doc, p->value));
		if (ret)
			return ret;
	}
	return 0;
}
