/*
 * Kubernetes manifests -> one workload per container (and init container)
 * of each Pod, Deployment, DaemonSet, StatefulSet, ReplicaSet, Job and
 * CronJob. The pod's securityContext is the default of each container's
 * (runAsNonRoot, runAsUser, seccompProfile, appArmorProfile, seLinuxOptions),
 * as the kubelet merges them; hostNetwork/hostPID/hostIPC and hostPath
 * volumes come from the pod; AppArmor also from the older annotation. Other
 * kinds (Service, ConfigMap...) are skipped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/yaml_src.h"

/* Where each kind keeps its pod template. */
static const struct {
	const char *kind;
	const char *path[5];
} pod_paths[] = {
	{ "Pod", { NULL } },
	{ "Deployment", { "template", NULL } },
	{ "DaemonSet", { "template", NULL } },
	{ "StatefulSet", { "template", NULL } },
	{ "ReplicaSet", { "template", NULL } },
	{ "ReplicationController", { "template", NULL } },
	{ "Job", { "template", NULL } },
	{ "CronJob", { "jobTemplate", "spec", "template", NULL } },
};

struct pod {
	const char *kind, *name;
	yaml_node_t *meta; /* the pod's metadata (annotations) */
	yaml_node_t *spec; /* the pod spec */
	yaml_node_t *psc;  /* the pod's securityContext */
};

bool audit_k8s_is_manifest(const struct audit_ysrc *y, yaml_node_t *root)
{
	return audit_y_str(audit_y_get(y, root, "kind", NULL)) &&
	       audit_y_str(audit_y_get(y, root, "apiVersion", NULL));
}

/* A securityContext key: the container's, else the pod's; kn its key. */
static yaml_node_t *sc_get(const struct audit_ysrc *y, const struct pod *p, yaml_node_t *csc,
			   const char *key, yaml_node_t **kn)
{
	yaml_node_t *v = audit_y_get(y, csc, key, kn);

	return v ? v : audit_y_get(y, p->psc, key, kn);
}

static int sc_bool(struct audit_ysrc *y, yaml_node_t *v, const char *key, bool *out)
{
	if (v && audit_y_bool(v, out))
		return audit_y_fail(y, v, "securityContext.%s: true or false is expected", key);
	return 0;
}

/* seccompProfile.type / appArmorProfile.type: RuntimeDefault, Unconfined,
 * Localhost (with localhostProfile). */
static char *profile(struct audit_ysrc *y, yaml_node_t *v)
{
	const char *t = audit_y_str(audit_y_get(y, v, "type", NULL));

	if (!t)
		return audit_dup(&y->oom, "");
	return audit_dup(&y->oom, strcmp(t, "Unconfined") == 0 ? "unconfined" : t);
}

static int security(struct audit_ysrc *y, const struct pod *p, yaml_node_t *c,
		    struct audit_workload *w)
{
	yaml_node_t *csc = audit_y_get(y, c, "securityContext", NULL), *v, *kn, *caps;
	bool b = false;
	int ret = 0;

	if ((v = audit_y_get(y, csc, "privileged", &kn))) {
		ret = sc_bool(y, v, "privileged", &w->privileged);
		audit_y_at(y, w, AUDIT_F_PRIVILEGED, kn);
	}
	if (!ret && (v = audit_y_get(y, csc, "allowPrivilegeEscalation", &kn))) {
		ret = sc_bool(y, v, "allowPrivilegeEscalation", &b);
		w->no_new_privs = !ret && b ? AUDIT_NO : AUDIT_YES;
		audit_y_at(y, w, AUDIT_F_NO_NEW_PRIVS, kn);
	}
	if (!ret && (v = audit_y_get(y, csc, "readOnlyRootFilesystem", &kn))) {
		ret = sc_bool(y, v, "readOnlyRootFilesystem", &w->read_only);
		audit_y_at(y, w, AUDIT_F_READ_ONLY, kn);
	}
	if (!ret && (v = sc_get(y, p, csc, "runAsNonRoot", &kn))) {
		ret = sc_bool(y, v, "runAsNonRoot", &b);
		w->run_as_non_root = !ret && b ? AUDIT_YES : AUDIT_NO;
		audit_y_at(y, w, AUDIT_F_USER, kn);
	}
	if (!ret && (v = sc_get(y, p, csc, "runAsUser", &kn))) {
		w->user = audit_dup(&y->oom, audit_y_str(v) ? audit_y_str(v) : "");
		audit_y_at(y, w, AUDIT_F_USER, kn);
	}
	if ((v = sc_get(y, p, csc, "seccompProfile", &kn))) {
		w->seccomp = profile(y, v);
		audit_y_at(y, w, AUDIT_F_SECCOMP, kn);
	}
	if ((v = sc_get(y, p, csc, "appArmorProfile", &kn))) {
		w->apparmor = profile(y, v);
		audit_y_at(y, w, AUDIT_F_APPARMOR, kn);
	}
	caps = audit_y_get(y, csc, "capabilities", NULL);
	for (size_t i = 0; !ret && i < audit_y_len(audit_y_get(y, caps, "add", &kn)); i++) {
		const char *s = audit_y_str(audit_y_item(y, audit_y_get(y, caps, "add", NULL), i));

		audit_y_at(y, w, AUDIT_F_CAP_ADD, kn);
		ret = s ? audit_strv_push(&w->cap_add, &w->n_cap_add, &y->oom, s) : 0;
	}
	for (size_t i = 0; !ret && i < audit_y_len(audit_y_get(y, caps, "drop", &kn)); i++) {
		const char *s = audit_y_str(audit_y_item(y, audit_y_get(y, caps, "drop", NULL), i));

		audit_y_at(y, w, AUDIT_F_CAP_DROP, kn);
		ret = s ? audit_strv_push(&w->cap_drop, &w->n_cap_drop, &y->oom, s) : 0;
	}
	if (!w->at[AUDIT_F_CAP_DROP].file && csc)
		audit_y_at(y, w, AUDIT_F_CAP_DROP, csc);
	return ret;
}

/* The older AppArmor annotation on the pod template. */
static void apparmor_annotation(struct audit_ysrc *y, const struct pod *p, const char *cname,
				struct audit_workload *w)
{
	char key[320];
	yaml_node_t *kn, *v;

	snprintf(key, sizeof(key), "container.apparmor.security.beta.kubernetes.io/%s", cname);
	v = audit_y_get(y, audit_y_get(y, p->meta, "annotations", NULL), key, &kn);
	if (!audit_y_str(v) || w->apparmor[0])
		return;
	free(w->apparmor);
	w->apparmor = audit_dup(&y->oom, strcmp(audit_y_str(v), "unconfined") == 0
						 ? "unconfined"
						 : audit_y_str(v));
	audit_y_at(y, w, AUDIT_F_APPARMOR, kn);
}

/* volumeMounts whose volume is a hostPath. */
static int host_paths(struct audit_ysrc *y, const struct pod *p, yaml_node_t *c,
		      struct audit_workload *w)
{
	yaml_node_t *vms = audit_y_get(y, c, "volumeMounts", NULL);
	yaml_node_t *vols = audit_y_get(y, p->spec, "volumes", NULL);
	size_t i, j;

	for (i = 0; i < audit_y_len(vms); i++) {
		yaml_node_t *vm = audit_y_item(y, vms, i), *ro;
		const char *name = audit_y_str(audit_y_get(y, vm, "name", NULL));
		const char *path = audit_y_str(audit_y_get(y, vm, "mountPath", NULL));
		const char *prop = audit_y_str(audit_y_get(y, vm, "mountPropagation", NULL));

		for (j = 0; name && j < audit_y_len(vols); j++) {
			yaml_node_t *vol = audit_y_item(y, vols, j);
			yaml_node_t *hp = audit_y_get(y, vol, "hostPath", NULL);
			const char *vname = audit_y_str(audit_y_get(y, vol, "name", NULL));
			struct audit_mount *m;
			bool b = false;

			if (!hp || !vname || strcmp(vname, name) != 0)
				continue;
			m = audit_grow(&w->mounts, &w->n_mounts, sizeof(*m), &y->oom);
			if (!m)
				return -ENOMEM;
			ro = audit_y_get(y, vm, "readOnly", NULL);
			if (ro && audit_y_bool(ro, &b))
				return audit_y_fail(y, ro, "readOnly: true or false is expected");
			m->type = audit_dup(&y->oom, "hostPath");
			m->source = audit_dup(&y->oom,
					      audit_y_str(audit_y_get(y, hp, "path", NULL)) ?: "");
			m->target = audit_dup(&y->oom, path ? path : "");
			m->rw = !b;
			m->propagation = audit_dup(&y->oom, prop && strcmp(prop, "Bidirectional") == 0
								   ? "rshared"
								   : "");
			audit_y_loc(y, vol, &m->loc);
		}
	}
	return 0;
}

static int ports_env(struct audit_ysrc *y, yaml_node_t *c, struct audit_workload *w)
{
	yaml_node_t *ps = audit_y_get(y, c, "ports", NULL), *env = audit_y_get(y, c, "env", NULL);
	size_t i;

	for (i = 0; i < audit_y_len(ps); i++) {
		yaml_node_t *it = audit_y_item(y, ps, i);
		const char *hp = audit_y_str(audit_y_get(y, it, "hostPort", NULL));
		const char *cp = audit_y_str(audit_y_get(y, it, "containerPort", NULL));
		const char *ip = audit_y_str(audit_y_get(y, it, "hostIP", NULL));
		const char *proto = audit_y_str(audit_y_get(y, it, "protocol", NULL));
		struct audit_port *p;

		if (!hp)
			continue; /* a container port, not on the host */
		p = audit_grow(&w->ports, &w->n_ports, sizeof(*p), &y->oom);
		if (!p)
			return -ENOMEM;
		p->host_port = (uint32_t)strtoul(hp, NULL, 10);
		p->container_port = cp ? (uint32_t)strtoul(cp, NULL, 10) : 0;
		p->host_ip = audit_dup(&y->oom, ip ? ip : "");
		snprintf(p->proto, sizeof(p->proto), "%s", proto ? proto : "TCP");
		audit_y_loc(y, it, &p->loc);
	}
	for (i = 0; i < audit_y_len(env); i++) {
		yaml_node_t *it = audit_y_item(y, env, i);
		const char *name = audit_y_str(audit_y_get(y, it, "name", NULL));
		const char *value = audit_y_str(audit_y_get(y, it, "value", NULL));
		struct audit_env *e;

		if (!name || !value)
			continue; /* valueFrom: a Secret or ConfigMap reference, as it should be */
		e = audit_grow(&w->env, &w->n_env, sizeof(*e), &y->oom);
		if (!e)
			return -ENOMEM;
		e->name = audit_dup(&y->oom, name);
		e->value = audit_dup(&y->oom, value);
		audit_y_loc(y, it, &e->loc);
	}
	return 0;
}

static int limits(struct audit_ysrc *y, yaml_node_t *c, struct audit_workload *w)
{
	yaml_node_t *kn, *lim = audit_y_get(y, audit_y_get(y, c, "resources", NULL), "limits", &kn);
	yaml_node_t *mem = audit_y_get(y, lim, "memory", NULL), *cpu = audit_y_get(y, lim, "cpu", NULL);

	if (mem && audit_parse_bytes(audit_y_str(mem), &w->memory))
		return audit_y_fail(y, mem, "resources.limits.memory: a quantity is expected");
	if (cpu && audit_parse_cpus(audit_y_str(cpu), &w->nano_cpus))
		return audit_y_fail(y, cpu, "resources.limits.cpu: a quantity is expected");
	audit_y_at(y, w, AUDIT_F_MEMORY, kn);
	audit_y_at(y, w, AUDIT_F_CPU, kn);
	if ((lim = audit_y_get(y, c, "livenessProbe", &kn))) {
		w->health = AUDIT_HEALTH_SET;
		audit_y_at(y, w, AUDIT_F_HEALTH, kn);
	}
	return 0;
}

static void pod_namespaces(struct audit_ysrc *y, const struct pod *p, struct audit_workload *w)
{
	static const struct {
		const char *key;
		size_t off;
		enum audit_field f;
	} ns[] = {
		{ "hostNetwork", offsetof(struct audit_workload, net_mode), AUDIT_F_NET_MODE },
		{ "hostPID", offsetof(struct audit_workload, pid_mode), AUDIT_F_PID_MODE },
		{ "hostIPC", offsetof(struct audit_workload, ipc_mode), AUDIT_F_IPC_MODE },
	};
	yaml_node_t *kn, *v;
	size_t i;
	bool b;

	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		v = audit_y_get(y, p->spec, ns[i].key, &kn);
		if (v && audit_y_bool(v, &b) == 0 && b) {
			*(char **)((char *)w + ns[i].off) = audit_dup(&y->oom, "host");
			audit_y_at(y, w, ns[i].f, kn);
		}
	}
}

static int container(struct audit_ysrc *y, const struct pod *p, yaml_node_t *c)
{
	const char *cname = audit_y_str(audit_y_get(y, c, "name", NULL));
	const char *image = audit_y_str(audit_y_get(y, c, "image", NULL));
	struct audit_workload *w;
	char name[512];
	int ret;

	if (!c || c->type != YAML_MAPPING_NODE || !cname)
		return audit_y_fail(y, c, "a container needs a name");
	w = audit_y_new_workload(y, AUDIT_SRC_K8S, c);
	if (!w)
		return y->oom ? -ENOMEM : -EINVAL;
	snprintf(name, sizeof(name), "%s/%s:%s", p->kind, p->name, cname);
	w->name = audit_dup(&y->oom, name);
	w->image = audit_dup(&y->oom, image ? image : "");
	pod_namespaces(y, p, w);
	ret = security(y, p, c, w);
	audit_workload_fill(w, &y->oom);
	apparmor_annotation(y, p, cname, w);
	if (!ret)
		ret = host_paths(y, p, c, w);
	if (!ret)
		ret = ports_env(y, c, w);
	if (!ret)
		ret = limits(y, c, w);
	return ret;
}

int audit_k8s_parse(struct audit_ysrc *y, yaml_node_t *root)
{
	const char *kind = audit_y_str(audit_y_get(y, root, "kind", NULL));
	yaml_node_t *tmpl = audit_y_get(y, root, "spec", NULL), *lists[2];
	struct pod p = { .kind = kind };
	size_t i, k;
	int ret;

	for (i = 0; i < sizeof(pod_paths) / sizeof(pod_paths[0]); i++)
		if (strcmp(kind, pod_paths[i].kind) == 0)
			break;
	if (i == sizeof(pod_paths) / sizeof(pod_paths[0]))
		return 0; /* Service, ConfigMap, ...: nothing runs */
	p.name = audit_y_str(audit_y_get(y, audit_y_get(y, root, "metadata", NULL), "name", NULL));
	p.name = p.name ? p.name : "(unnamed)";
	p.meta = audit_y_get(y, root, "metadata", NULL);
	for (k = 0; pod_paths[i].path[k] && tmpl; k++)
		tmpl = audit_y_get(y, tmpl, pod_paths[i].path[k], NULL);
	if (k) {
		p.meta = audit_y_get(y, tmpl, "metadata", NULL);
		tmpl = audit_y_get(y, tmpl, "spec", NULL);
	}
	if (!tmpl || tmpl->type != YAML_MAPPING_NODE)
		return audit_y_fail(y, root, "%s %s: no pod spec", kind, p.name);
	p.spec = tmpl;
	p.psc = audit_y_get(y, tmpl, "securityContext", NULL);
	lists[0] = audit_y_get(y, tmpl, "initContainers", NULL);
	lists[1] = audit_y_get(y, tmpl, "containers", NULL);
	if (!audit_y_len(lists[1]))
		return audit_y_fail(y, tmpl, "%s %s: no containers", kind, p.name);
	for (k = 0; k < 2; k++)
		for (i = 0; i < audit_y_len(lists[k]); i++) {
			ret = container(y, &p, audit_y_item(y, lists[k], i));
			if (ret)
				return ret;
		}
	return 0;
}
