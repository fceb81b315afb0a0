/*
 * The checks on one workload (CIS Docker Benchmark v1.6 section 5, 4.1 as
 * docker-bench-security applies it to containers, and palisade's own). Each
 * reads the normalised description only, so one function serves live
 * containers, compose services and Kubernetes containers alike; where the
 * sources' defaults differ, the description says whether a value was set.
 */
#include <string.h>
#include <strings.h>

#include "audit/checks.h"

/* Docker's default capability set: adding one of these changes nothing
 * (docker-bench-security treats them the same way). */
static const char *const default_caps[] = {
	"AUDIT_WRITE", "CHOWN",  "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL",	  "MKNOD",
	"NET_BIND_SERVICE", "NET_RAW", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
};

/* Host directories whose mount gives the container the host (CIS 5.6's
 * list, as docker-bench-security checks it). */
static const char *const sensitive_dirs[] = { "/",    "/boot", "/dev", "/etc",
					      "/lib", "/proc", "/sys", "/usr" };

static const struct audit_loc *at(const struct audit_subject *s, enum audit_field f)
{
	return audit_field_loc(s->w, f);
}

static bool is_root_user(const char *u)
{
	size_t n = strcspn(u, ":");

	return n == 0 || (n == 1 && u[0] == '0') || (n == 4 && strncmp(u, "root", 4) == 0);
}

void audit_check_user(const struct audit_subject *s, struct audit_emit *e)
{
	const struct audit_workload *w = s->w;

	if (w->run_as_non_root == AUDIT_YES || !is_root_user(w->user))
		return;
	if (w->source == AUDIT_SRC_K8S)
		audit_emit(e, at(s, AUDIT_F_USER),
			   "runAsNonRoot is not true and runAsUser is %s",
			   w->user[0] ? w->user : "not set (the image's USER, root when it has none)");
	else if (w->user[0])
		audit_emit(e, at(s, AUDIT_F_USER), "User is \"%s\"", w->user);
	else
		audit_emit(e, at(s, AUDIT_F_USER), "User is not set: %s",
			   w->source == AUDIT_SRC_ENGINE ? "runs as root"
							 : "the image's USER, root when it has none");
}

void audit_check_apparmor(const struct audit_subject *s, struct audit_emit *e)
{
	const struct audit_workload *w = s->w;

	/* Live: Docker names the profile it applied ("" when none). A file that
	 * says nothing gets the runtime's default profile where AppArmor runs. */
	if (strcmp(w->apparmor, "unconfined") == 0)
		audit_emit(e, at(s, AUDIT_F_APPARMOR), "AppArmor profile is unconfined");
	else if (!w->apparmor[0] && w->source == AUDIT_SRC_ENGINE)
		audit_emit(e, at(s, AUDIT_F_APPARMOR), "AppArmorProfile is empty: no profile applied");
}

void audit_check_selinux(const struct audit_subject *s, struct audit_emit *e)
{
	/* Only meaningful where the daemon runs with SELinux: elsewhere a label
	 * option has no effect. */
	if (!s->daemon || !s->daemon->selinux)
		return;
	if (!s->w->selinux[0])
		audit_emit(e, at(s, AUDIT_F_SELINUX), "no label= security option while the "
						      "daemon runs with SELinux");
	else if (strcmp(s->w->selinux, "disable") == 0)
		audit_emit(e, at(s, AUDIT_F_SELINUX), "SELinux labelling disabled (label=disable)");
}

static bool is_default_cap(const char *c)
{
	size_t i;

	for (i = 0; i < sizeof(default_caps) / sizeof(default_caps[0]); i++)
		if (audit_cap_eq(c, default_caps[i]))
			return true;
	return false;
}

void audit_check_cap_add(const struct audit_subject *s, struct audit_emit *e)
{
	size_t i;

	for (i = 0; i < s->w->n_cap_add; i++)
		if (!is_default_cap(s->w->cap_add[i]))
			audit_emit(e, at(s, AUDIT_F_CAP_ADD), "capability added: %s",
				   s->w->cap_add[i]);
}

void audit_check_cap_drop_all(const struct audit_subject *s, struct audit_emit *e)
{
	size_t i;

	if (s->w->privileged)
		return; /* 5.5 says it: privileged keeps every capability whatever is dropped */
	for (i = 0; i < s->w->n_cap_drop; i++)
		if (audit_cap_eq(s->w->cap_drop[i], "ALL"))
			return;
	audit_emit(e, at(s, AUDIT_F_CAP_DROP), "ALL is not dropped (%zu capabilities dropped)",
		   s->w->n_cap_drop);
}

void audit_check_privileged(const struct audit_subject *s, struct audit_emit *e)
{
	if (s->w->privileged)
		audit_emit(e, at(s, AUDIT_F_PRIVILEGED), "Privileged is true");
}

static bool is_host_mount(const struct audit_mount *m)
{
	return strcmp(m->type, "bind") == 0 || strcmp(m->type, "hostPath") == 0;
}

static bool path_is(const char *path, const char *dir)
{
	size_t n = strlen(path);

	while (n > 1 && path[n - 1] == '/')
		n--; /* "/etc/" is /etc */
	return strlen(dir) == n && strncmp(path, dir, n) == 0;
}

static bool path_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 && path[n] == '/';
}

static const char *sensitive_of(const char *src, bool exact)
{
	size_t i;

	for (i = 0; i < sizeof(sensitive_dirs) / sizeof(sensitive_dirs[0]); i++) {
		if (path_is(src, sensitive_dirs[i]))
			return sensitive_dirs[i];
		if (!exact && i > 0 && path_under(src, sensitive_dirs[i]))
			return sensitive_dirs[i];
	}
	return NULL;
}

static bool is_runtime_socket(const char *p, const char *name)
{
	const char *slash = strrchr(p, '/');

	return strcmp(slash ? slash + 1 : p, name) == 0;
}

void audit_check_sensitive_mount(const struct audit_subject *s, struct audit_emit *e)
{
	size_t i;

	for (i = 0; i < s->w->n_mounts; i++) {
		const struct audit_mount *m = &s->w->mounts[i];

		if (is_host_mount(m) && m->rw && sensitive_of(m->source, true))
			audit_emit(e, &m->loc, "host %s mounted read-write at %s", m->source,
				   m->target);
	}
}

void audit_check_host_path(const struct audit_subject *s, struct audit_emit *e)
{
	size_t i;

	for (i = 0; i < s->w->n_mounts; i++) {
		const struct audit_mount *m = &s->w->mounts[i];
		const char *dir;

		if (!is_host_mount(m) || is_runtime_socket(m->source, "docker.sock") ||
		    is_runtime_socket(m->source, "containerd.sock"))
			continue;
		if (m->rw && sensitive_of(m->source, true))
			continue; /* 5.6 */
		dir = sensitive_of(m->source, false);
		if (dir)
			audit_emit(e, &m->loc, "host %s (under %s) mounted %s at %s", m->source, dir,
				   m->rw ? "read-write" : "read-only", m->target);
		else if (strcmp(m->type, "hostPath") == 0)
			audit_emit(e, &m->loc, "hostPath %s mounted %s at %s", m->source,
				   m->rw ? "read-write" : "read-only", m->target);
	}
}

void audit_check_docker_sock(const struct audit_subject *s, struct audit_emit *e)
{
	size_t i;

	for (i = 0; i < s->w->n_mounts; i++) {
		const struct audit_mount *m = &s->w->mounts[i];

		if (strstr(m->source, "docker.sock") || strstr(m->target, "docker.sock"))
			audit_emit(e, &m->loc, "%s mounted at %s", m->source, m->target);
	}
}

void audit_check_runtime_sock(const struct audit_subject *s, struct audit_emit *e)
{
	static const char *const socks[] = { "containerd.sock", "crio.sock", "podman.sock" };
	size_t i, j;

	for (i = 0; i < s->w->n_mounts; i++)
		for (j = 0; j < sizeof(socks) / sizeof(socks[0]); j++)
			if (is_runtime_socket(s->w->mounts[i].source, socks[j]) ||
			    is_runtime_socket(s->w->mounts[i].target, socks[j]))
				audit_emit(e, &s->w->mounts[i].loc, "%s mounted at %s",
					   s->w->mounts[i].source, s->w->mounts[i].target);
}

void audit_check_propagation(const struct audit_subject *s, struct audit_emit *e)
{
	size_t i;

	for (i = 0; i < s->w->n_mounts; i++) {
		const struct audit_mount *m = &s->w->mounts[i];

		if (strcmp(m->propagation, "shared") == 0 || strcmp(m->propagation, "rshared") == 0)
			audit_emit(e, &m->loc, "%s mounted at %s with %s propagation", m->source,
				   m->target, m->propagation);
	}
}

void audit_check_privileged_port(const struct audit_subject *s, struct audit_emit *e)
{
	size_t i;

	for (i = 0; i < s->w->n_ports; i++) {
		const struct audit_port *p = &s->w->ports[i];

		if (p->host_port > 0 && p->host_port < 1025)
			audit_emit(e, &p->loc, "host port %u -> %u/%s", p->host_port,
				   p->container_port, p->proto);
	}
}

void audit_check_open_port(const struct audit_subject *s, struct audit_emit *e)
{
	size_t i;

	for (i = 0; i < s->w->n_ports; i++) {
		const struct audit_port *p = &s->w->ports[i];

		if (p->host_port)
			audit_emit(e, &p->loc, "host port %s%s%u -> %u/%s", p->host_ip,
				   p->host_ip[0] ? ":" : "", p->host_port, p->container_port,
				   p->proto);
	}
}

static bool is_wildcard(const char *ip)
{
	return !ip[0] || strcmp(ip, "0.0.0.0") == 0 || strcmp(ip, "::") == 0;
}

void audit_check_port_wildcard(const struct audit_subject *s, struct audit_emit *e)
{
	size_t i;

	for (i = 0; i < s->w->n_ports; i++) {
		const struct audit_port *p = &s->w->ports[i];

		if (p->host_port && is_wildcard(p->host_ip))
			audit_emit(e, &p->loc, "host port %u -> %u/%s on every address (%s)",
				   p->host_port, p->container_port, p->proto,
				   p->host_ip[0] ? p->host_ip : "no address given");
	}
}

static void check_mode(const struct audit_subject *s, struct audit_emit *e, const char *mode,
		       enum audit_field f, const char *what)
{
	if (strcasecmp(mode, "host") == 0)
		audit_emit(e, at(s, f), "%s is host", what);
}

void audit_check_net_host(const struct audit_subject *s, struct audit_emit *e)
{
	check_mode(s, e, s->w->net_mode, AUDIT_F_NET_MODE, "network mode");
}

void audit_check_pid_host(const struct audit_subject *s, struct audit_emit *e)
{
	check_mode(s, e, s->w->pid_mode, AUDIT_F_PID_MODE, "PID mode");
}

void audit_check_ipc_host(const struct audit_subject *s, struct audit_emit *e)
{
	check_mode(s, e, s->w->ipc_mode, AUDIT_F_IPC_MODE, "IPC mode");
}

void audit_check_uts_host(const struct audit_subject *s, struct audit_emit *e)
{
	check_mode(s, e, s->w->uts_mode, AUDIT_F_UTS_MODE, "UTS mode");
}

void audit_check_userns_host(const struct audit_subject *s, struct audit_emit *e)
{
	check_mode(s, e, s->w->userns_mode, AUDIT_F_USERNS_MODE, "user namespace mode");
}

void audit_check_cgroupns_host(const struct audit_subject *s, struct audit_emit *e)
{
	check_mode(s, e, s->w->cgroupns_mode, AUDIT_F_CGROUPNS_MODE, "cgroup namespace mode");
}

void audit_check_default_bridge(const struct audit_subject *s, struct audit_emit *e)
{
	const char *m = s->w->net_mode;

	/* Live: "default" is the docker0 bridge. A compose service that says
	 * nothing joins the project's own network instead. */
	if (strcmp(m, "bridge") == 0 || (s->w->source == AUDIT_SRC_ENGINE && strcmp(m, "default") == 0))
		audit_emit(e, at(s, AUDIT_F_NET_MODE), "network mode is %s (docker0)", m);
}

void audit_check_memory(const struct audit_subject *s, struct audit_emit *e)
{
	if (s->w->memory <= 0)
		audit_emit(e, at(s, AUDIT_F_MEMORY), "no memory limit");
}

void audit_check_cpu(const struct audit_subject *s, struct audit_emit *e)
{
	if (s->w->cpu_shares <= 0 && s->w->nano_cpus <= 0 && s->w->cpu_quota <= 0)
		audit_emit(e, at(s, AUDIT_F_CPU), "no CPU shares, CPUs or quota set");
}

void audit_check_pids(const struct audit_subject *s, struct audit_emit *e)
{
	if (s->w->pids_limit <= 0)
		audit_emit(e, at(s, AUDIT_F_PIDS), "no PIDs limit");
}

void audit_check_read_only(const struct audit_subject *s, struct audit_emit *e)
{
	if (!s->w->read_only)
		audit_emit(e, at(s, AUDIT_F_READ_ONLY), "root filesystem is writable");
}

void audit_check_restart(const struct audit_subject *s, struct audit_emit *e)
{
	const char *r = s->w->restart;

	if (strcmp(r, "always") == 0 || strcmp(r, "unless-stopped") == 0)
		audit_emit(e, at(s, AUDIT_F_RESTART), "restart policy is %s", r);
	else if (strcmp(r, "on-failure") == 0 && (s->w->restart_max <= 0 || s->w->restart_max > 5))
		audit_emit(e, at(s, AUDIT_F_RESTART), "restart policy on-failure with %s retries",
			   s->w->restart_max <= 0 ? "unlimited" : "more than 5");
}

void audit_check_devices(const struct audit_subject *s, struct audit_emit *e)
{
	size_t i;

	for (i = 0; i < s->w->n_devices; i++)
		audit_emit(e, &s->w->devices[i].loc, "host device %s at %s",
			   s->w->devices[i].host_path, s->w->devices[i].container_path);
}

void audit_check_ulimits(const struct audit_subject *s, struct audit_emit *e)
{
	if (!s->w->n_ulimits)
		audit_emit(e, at(s, AUDIT_F_ULIMITS), "no ulimit set: the daemon's defaults apply");
}

void audit_check_seccomp(const struct audit_subject *s, struct audit_emit *e)
{
	const char *p = s->w->seccomp;

	if (strcasecmp(p, "unconfined") == 0)
		audit_emit(e, at(s, AUDIT_F_SECCOMP), "seccomp profile is unconfined");
	else if (!p[0] && s->w->source == AUDIT_SRC_K8S)
		audit_emit(e, at(s, AUDIT_F_SECCOMP),
			   "seccompProfile is not set: the kubelet's default is Unconfined");
}

void audit_check_cgroup_parent(const struct audit_subject *s, struct audit_emit *e)
{
	if (s->w->cgroup_parent[0])
		audit_emit(e, at(s, AUDIT_F_CGROUP_PARENT), "cgroup parent is %s",
			   s->w->cgroup_parent);
}

void audit_check_no_new_privs(const struct audit_subject *s, struct audit_emit *e)
{
	if (s->w->no_new_privs == AUDIT_YES || s->w->privileged)
		return; /* privileged: 5.5 */
	if (s->w->source != AUDIT_SRC_K8S && s->daemon &&
	    s->daemon->no_new_privileges == AUDIT_YES)
		return; /* the daemon sets it for every container */
	audit_emit(e, at(s, AUDIT_F_NO_NEW_PRIVS), "%s",
		   s->w->source == AUDIT_SRC_K8S ? "allowPrivilegeEscalation is not false"
						 : "no-new-privileges is not set");
}

void audit_check_health(const struct audit_subject *s, struct audit_emit *e)
{
	if (s->w->health == AUDIT_HEALTH_SET)
		return;
	audit_emit(e, at(s, AUDIT_F_HEALTH), "%s",
		   s->w->health == AUDIT_HEALTH_DISABLED ? "health check disabled"
							  : "no health check");
}

void audit_check_sshd(const struct audit_subject *s, struct audit_emit *e)
{
	if (s->w->sshd_pid > 0)
		audit_emit(e, at(s, AUDIT_F_ENTRY), "sshd runs in the container (host pid %d)",
			   s->w->sshd_pid);
}

void audit_check_env_secret(const struct audit_subject *s, struct audit_emit *e)
{
	const char *why;
	size_t i;

	for (i = 0; i < s->w->n_env; i++) {
		const struct audit_env *v = &s->w->env[i];

		if (!v->from_image && audit_env_is_secret(v->name, v->value, &why))
			audit_emit(e, &v->loc, "environment variable %s: %s (value not shown)",
				   v->name, why);
	}
}
