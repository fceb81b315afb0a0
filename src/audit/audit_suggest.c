/*
 * --suggest: the hardened form of an existing container, keeping what it
 * needs (the capabilities it was given, its ports, volumes, environment,
 * network, limits and command) and adding what the checks ask for:
 * --cap-drop ALL, no-new-privileges, a read-only root with a /tmp tmpfs,
 * memory/CPU/PIDs limits, a bounded restart policy, ports bound to
 * 127.0.0.1, a non-root user. What it removes (host namespaces, sensitive
 * mounts, the Docker socket, secrets in the environment) is said in a
 * comment above the line, never dropped silently.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit/internal.h"

#define DEFAULT_USER "10001:10001"

/* A word for sh: bare when safe, single-quoted otherwise. */
static void sh_word(FILE *f, const char *s)
{
	const char *p;

	if (*s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
			    "-_./:=,@%+") == strlen(s)) {
		fputs(s, f);
		return;
	}
	fputc('\'', f);
	for (p = s; *p; p++)
		if (*p == '\'')
			fputs("'\\''", f);
		else
			fputc(*p, f);
	fputc('\'', f);
}

static bool is_root_user(const char *u)
{
	size_t n = strcspn(u, ":");

	return n == 0 || (n == 1 && u[0] == '0') || (n == 4 && strncmp(u, "root", 4) == 0);
}

static bool dangerous_mount(const struct audit_mount *m)
{
	static const char *const dirs[] = { "/", "/boot", "/dev", "/etc", "/lib",
					    "/proc", "/sys", "/usr" };
	size_t i;

	if (strstr(m->source, "docker.sock") || strstr(m->source, "containerd.sock"))
		return true;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (strcmp(m->source, dirs[i]) == 0)
			return true;
	return false;
}

/* The removals, as comment lines. */
static void removals(FILE *f, const struct audit_workload *w, const char *cmt)
{
	const char *modes[][2] = { { "network", w->net_mode }, { "pid", w->pid_mode },
				   { "ipc", w->ipc_mode },     { "uts", w->uts_mode },
				   { "userns", w->userns_mode } };
	const char *why;
	size_t i;

	if (w->privileged)
		fprintf(f, "%s removed: --privileged (add back only the capabilities it uses)\n", cmt);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strcasecmp(modes[i][1], "host") == 0)
			fprintf(f, "%s removed: --%s host\n", cmt, modes[i][0]);
	for (i = 0; i < w->n_mounts; i++)
		if (dangerous_mount(&w->mounts[i]))
			fprintf(f, "%s removed: the mount of %s at %s\n", cmt, w->mounts[i].source,
				w->mounts[i].target);
	for (i = 0; i < w->n_env; i++)
		if (!w->env[i].from_image && audit_env_is_secret(w->env[i].name, w->env[i].value, &why))
			fprintf(f, "%s removed: -e %s (%s): mount it as a file, e.g. "
				   "--mount type=bind,src=/run/secrets/%s,dst=/run/secrets/%s,ro\n",
				cmt, w->env[i].name, why, w->env[i].name, w->env[i].name);
	if (!w->n_ulimits)
		fprintf(f, "%s kept: the daemon's default ulimits (add --ulimit where needed)\n", cmt);
	if (w->health != AUDIT_HEALTH_SET)
		fprintf(f, "%s missing: a health check (--health-cmd ...), which only you can write\n",
			cmt);
}

static void opt(FILE *f, const char *flag, const char *val)
{
	fprintf(f, " \\\n  %s", flag);
	if (val) {
		fputc(' ', f);
		sh_word(f, val);
	}
}

static void run_ports(FILE *f, const struct audit_workload *w)
{
	char buf[128];
	size_t i;

	for (i = 0; i < w->n_ports; i++) {
		const struct audit_port *p = &w->ports[i];

		if (!p->host_port || strcmp(p->host_ip, "::") == 0)
			continue; /* the IPv6 twin of a wildcard binding */
		snprintf(buf, sizeof(buf), "%s:%u:%u/%s",
			 p->host_ip[0] && strcmp(p->host_ip, "0.0.0.0") ? p->host_ip : "127.0.0.1",
			 p->host_port, p->container_port, p->proto);
		opt(f, "-p", buf);
	}
}

static void run_mounts_env(FILE *f, const struct audit_workload *w)
{
	char buf[8192];
	const char *why;
	size_t i;

	for (i = 0; i < w->n_mounts; i++) {
		const struct audit_mount *m = &w->mounts[i];

		if (dangerous_mount(m))
			continue;
		snprintf(buf, sizeof(buf), "type=%s,src=%s,dst=%s%s", m->type,
			 m->source, m->target, m->rw ? "" : ",readonly");
		if (strcmp(m->type, "volume") == 0 || strcmp(m->type, "bind") == 0)
			opt(f, "--mount", buf);
	}
	for (i = 0; i < w->n_env; i++) {
		if (w->env[i].from_image || audit_env_is_secret(w->env[i].name, w->env[i].value, &why))
			continue;
		snprintf(buf, sizeof(buf), "%s=%s", w->env[i].name, w->env[i].value);
		opt(f, "-e", buf);
	}
}

static void run_limits(FILE *f, const struct audit_workload *w)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%lldb", (long long)w->memory);
	opt(f, "--memory", w->memory > 0 ? buf : "512m");
	snprintf(buf, sizeof(buf), "%.3g", (double)w->nano_cpus / 1e9);
	opt(f, "--cpus", w->nano_cpus > 0 ? buf : "1");
	snprintf(buf, sizeof(buf), "%lld", (long long)w->pids_limit);
	opt(f, "--pids-limit", w->pids_limit > 0 ? buf : "100");
	if (w->restart[0] && strcmp(w->restart, "no") != 0)
		opt(f, "--restart", "on-failure:5");
}

/* Capabilities, security options, root file system and limits. */
static void generic_opts(FILE *f, const struct audit_workload *w)
{
	opt(f, "--cap-drop", "ALL");
	for (size_t i = 0; i < w->n_cap_add; i++)
		opt(f, "--cap-add", w->cap_add[i]);
	opt(f, "--security-opt", "no-new-privileges");
	if (w->seccomp[0] && strcasecmp(w->seccomp, "unconfined") != 0)
		fprintf(f, " \\\n  --security-opt seccomp=PROFILE.json");
	if (w->apparmor[0] && strcmp(w->apparmor, "unconfined") != 0)
		opt(f, "--security-opt", "apparmor=docker-default");
	opt(f, "--read-only", NULL);
	opt(f, "--tmpfs", "/tmp:rw,noexec,nosuid,size=64m");
	opt(f, "--cgroupns", "private");
	run_limits(f, w);
}

/* The learned profile's options instead of the generic ones. */
static void learned_opts(FILE *f, const struct audit_learned *lp)
{
	char buf[4200];

	opt(f, "--cap-drop", "ALL");
	for (size_t i = 0; i < lp->n_caps; i++)
		opt(f, "--cap-add", lp->caps[i]);
	opt(f, "--security-opt", "no-new-privileges");
	snprintf(buf, sizeof(buf), "seccomp=%s/seccomp.json", lp->dir);
	opt(f, "--security-opt", buf);
	snprintf(buf, sizeof(buf), "apparmor=%s", lp->apparmor);
	opt(f, "--security-opt", buf);
	opt(f, "--read-only", NULL);
	opt(f, "--tmpfs", "/tmp:rw,noexec,nosuid,size=64m");
	opt(f, "--cgroupns", "private");
	if (lp->memory[0])
		opt(f, "--memory", lp->memory);
	if (lp->cpus[0])
		opt(f, "--cpus", lp->cpus);
	if (lp->pids[0])
		opt(f, "--pids-limit", lp->pids);
}

char *audit_suggest_docker_run(const struct audit_workload *w, const struct audit_image *img)
{
	return audit_suggest_docker_run_learned(w, img, NULL);
}

char *audit_suggest_docker_run_learned(const struct audit_workload *w,
				       const struct audit_image *img,
				       const struct audit_learned *lp)
{
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fprintf(f, "# palisade audit --suggest %s: a hardened docker run line\n", w->name);
	removals(f, w, "#");
	if (!lp && is_root_user(w->user) && (!img || is_root_user(img->user)))
		fprintf(f, "# --user %s: the image runs as root; check that it works as this user\n",
			DEFAULT_USER);
	if (lp)
		fprintf(f, "# the profile learned in %s: load its AppArmor profile first "
			   "(apparmor_parser -r -W %s/apparmor.profile; a kernel without the "
			   "AppArmor LSM cannot, then leave out --security-opt apparmor=...)\n",
			lp->dir, lp->dir);
	if (lp && lp->writes[0])
		fprintf(f, "# --read-only: the workload wrote outside /tmp (%s): give those "
			   "directories a volume, or leave out --read-only\n", lp->writes);
	fprintf(f, "docker run -d");
	opt(f, "--name", w->name);
	/* A learned profile holds what the workload needed as the user it ran as. */
	if (!lp || w->user[0])
		opt(f, "--user", lp ? w->user : is_root_user(w->user) ? DEFAULT_USER : w->user);
	if (lp)
		learned_opts(f, lp);
	else
		generic_opts(f, w);
	if (w->net_mode[0] && strcmp(w->net_mode, "default") && strcmp(w->net_mode, "bridge") &&
	    strcmp(w->net_mode, "host"))
		opt(f, "--network", w->net_mode);
	run_ports(f, w);
	run_mounts_env(f, w);
	fputs(" \\\n  ", f);
	sh_word(f, w->image);
	for (i = 0; i < w->n_cmd; i++) {
		fputc(' ', f);
		sh_word(f, w->cmd[i]);
	}
	fputc('\n', f);
	fclose(f);
	return buf;
}

/* A YAML scalar in double quotes (JSON escaping is valid YAML). */
static void yq(FILE *f, const char *s)
{
	json_t *j = json_string(s);
	char *d = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;

	fputs(d ? d : "\"\"", f);
	free(d);
	json_decref(j);
}

char *audit_suggest_compose(const struct audit_workload *w, const struct audit_image *img)
{
	char *buf = NULL;
	size_t len = 0, i;
	const char *why;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	(void)img;
	fprintf(f, "# palisade audit --suggest %s --compose: a hardened compose service\n", w->name);
	removals(f, w, "#");
	fprintf(f, "services:\n  ");
	yq(f, w->name);
	fprintf(f, ":\n    image: ");
	yq(f, w->image);
	fprintf(f, "\n    user: \"%s\"\n    cap_drop: [ALL]\n", is_root_user(w->user) ? DEFAULT_USER
											  : w->user);
	if (w->n_cap_add) {
		fprintf(f, "    cap_add:\n");
		for (i = 0; i < w->n_cap_add; i++)
			fprintf(f, "      - %s\n", w->cap_add[i]);
	}
	fprintf(f, "    security_opt: [\"no-new-privileges:true\"]\n    read_only: true\n"
		   "    tmpfs: [\"/tmp:rw,noexec,nosuid,size=64m\"]\n    cgroup: private\n");
	fprintf(f, "    mem_limit: %lld\n", (long long)(w->memory > 0 ? w->memory : 512ll << 20));
	fprintf(f, "    cpus: %.3g\n", w->nano_cpus > 0 ? (double)w->nano_cpus / 1e9 : 1.0);
	fprintf(f, "    pids_limit: %lld\n", (long long)(w->pids_limit > 0 ? w->pids_limit : 100));
	if (w->restart[0] && strcmp(w->restart, "no") != 0)
		fprintf(f, "    restart: on-failure:5\n");
	if (w->n_ports) {
		fprintf(f, "    ports:\n");
		for (i = 0; i < w->n_ports; i++)
			if (w->ports[i].host_port && strcmp(w->ports[i].host_ip, "::") != 0)
				fprintf(f, "      - \"%s:%u:%u/%s\"\n",
					w->ports[i].host_ip[0] && strcmp(w->ports[i].host_ip, "0.0.0.0")
						? w->ports[i].host_ip
						: "127.0.0.1",
					w->ports[i].host_port, w->ports[i].container_port,
					w->ports[i].proto);
	}
	for (i = 0; i < w->n_env; i++) {
		if (w->env[i].from_image || audit_env_is_secret(w->env[i].name, w->env[i].value, &why))
			continue;
		fprintf(f, "%s      %s: ", i == 0 ? "    environment:\n" : "", w->env[i].name);
		yq(f, w->env[i].value);
		fputc('\n', f);
	}
	fclose(f);
	return buf;
}
