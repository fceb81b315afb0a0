/*
 * What only the daemon's host tells: dockerd's command line (the process
 * serving our socket), the daemon.json it reads, and the owners and modes
 * of its files (CIS section 3). Each file is one row: its key (the check
 * rows' arg), the owner and widest mode CIS allows, where to look.
 */
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit/internal.h"

#define DM(f) offsetof(struct audit_daemon, f)
static const struct file_spec {
	const char *key, *owner;
	uint32_t max_mode;
	size_t from; /* a path the daemon's settings name (offset of a char *); 0: paths */
	const char *paths[3];
} file_specs[] = {
	{ "docker.service", "root:root", 0644, 0,
	  { "etc/systemd/system/docker.service", "lib/systemd/system/docker.service",
	    "usr/lib/systemd/system/docker.service" } },
	{ "docker.socket", "root:root", 0644, 0,
	  { "etc/systemd/system/docker.socket", "lib/systemd/system/docker.socket",
	    "usr/lib/systemd/system/docker.socket" } },
	{ "/etc/docker", "root:root", 0755, 0, { "etc/docker" } },
	{ "daemon.json", "root:root", 0644, DM(config_file), { NULL } },
	{ "/etc/default/docker", "root:root", 0644, 0, { "etc/default/docker" } },
	{ "/etc/sysconfig/docker", "root:root", 0644, 0, { "etc/sysconfig/docker" } },
	{ "containerd.sock", "root:root", 0660, 0,
	  { "run/containerd/containerd.sock", "var/run/docker/containerd/containerd.sock" } },
	{ "tlscacert", "root:root", 0444, DM(tlscacert), { NULL } },
	{ "tlscert", "root:root", 0444, DM(tlscert), { NULL } },
	{ "tlskey", "root:root", 0400, DM(tlskey), { NULL } },
	{ "docker.sock", "root:docker", 0660, 0, { NULL } }, /* the socket we talk to */
};
#undef DM

static char *owner_name(uint32_t uid, uint32_t gid, bool *oom)
{
	char buf[4096], out[256], u[32], g[32];
	struct passwd pw, *pwp = NULL;
	struct group gr, *grp = NULL;

	snprintf(u, sizeof(u), "%u", uid);
	snprintf(g, sizeof(g), "%u", gid);
	getpwuid_r(uid, &pw, buf, sizeof(buf), &pwp);
	snprintf(out, sizeof(out), "%s:", pwp ? pwp->pw_name : u);
	getgrgid_r(gid, &gr, buf, sizeof(buf), &grp);
	snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s", grp ? grp->gr_name : g);
	return audit_dup(oom, out);
}

static void fact(const struct file_spec *spec, const char *root, const char *path,
		 struct audit_file_fact *f, bool *oom)
{
	char full[4096], shown[4096];
	const char *rel = NULL;
	struct stat st;
	size_t i;

	memset(f, 0, sizeof(*f));
	f->key = spec->key;
	f->want_owner = spec->owner;
	f->max_mode = spec->max_mode;
	if (path)
		rel = path[0] == '/' ? path + 1 : path;
	for (i = 0; !path && !rel && i < 3 && spec->paths[i]; i++) {
		snprintf(full, sizeof(full), "%s/%s", root, spec->paths[i]);
		if (lstat(full, &st) == 0)
			rel = spec->paths[i];
	}
	if (!rel || !rel[0] || snprintf(full, sizeof(full), "%s/%s", root, rel) >= (int)sizeof(full) ||
	    lstat(full, &st)) {
		f->path = audit_dup(oom, "");
		f->owner = audit_dup(oom, "");
		return;
	}
	snprintf(shown, sizeof(shown), "/%s", rel);
	f->path = audit_dup(oom, shown);
	f->uid = st.st_uid;
	f->gid = st.st_gid;
	f->mode = st.st_mode;
	f->owner = owner_name(st.st_uid, st.st_gid, oom);
}

void audit_file_fact_release(struct audit_file_fact *f)
{
	free(f->path);
	free(f->owner);
}

/* The dockerd serving socket: its -H names it, or it has none and the
 * socket is the default one (systemd's fd:// is the default one too). */
static bool serves(const char *argv, size_t len, const char *socket)
{
	bool any_host = false, is_default = strcmp(socket, "/var/run/docker.sock") == 0 ||
					    strcmp(socket, "/run/docker.sock") == 0;
	const char *end = argv + len, *a;
	char want[300];

	snprintf(want, sizeof(want), "unix://%s", socket);
	if (!len || argv[len - 1] != '\0')
		return false; /* /proc/PID/cmdline ends each argument with a NUL */
	for (a = argv; a < end; a += strlen(a) + 1) {
		const char *v = strchr(a, '=');

		if (strncmp(a, "-H", 2) && strncmp(a, "--host", 6))
			continue;
		any_host = true;
		v = v ? v + 1 : a + strlen(a) + 1;
		if (v < end && (strcmp(v, want) == 0 || (is_default && strncmp(v, "fd://", 5) == 0)))
			return true;
	}
	return !any_host && is_default;
}

static int find_dockerd(const char *root, const char *socket, char **argv, size_t *len)
{
	char path[4096], *comm = NULL;
	struct dirent *de;
	size_t n;
	DIR *d;

	snprintf(path, sizeof(path), "%s/proc", root);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "%s/proc/%s/comm", root, de->d_name);
		if (audit_read_file(path, 64, &comm, &n))
			continue;
		if (strcmp(comm, "dockerd\n") == 0) {
			snprintf(path, sizeof(path), "%s/proc/%s/cmdline", root, de->d_name);
			if (!audit_read_file(path, 1u << 20, argv, len) && serves(*argv, *len, socket)) {
				free(comm);
				closedir(d);
				return 0;
			}
			free(*argv);
			*argv = NULL;
		}
		free(comm);
	}
	closedir(d);
	return -ENOENT;
}

/* --config-file PATH or --config-file=PATH; the default otherwise. */
static const char *config_path(const char *argv, size_t len, char *buf, size_t size)
{
	const char *end = argv + len, *a;

	if (!argv || !len || argv[len - 1] != '\0')
		return "/etc/docker/daemon.json";
	for (a = argv; a < end; a += strlen(a) + 1) {
		if (strncmp(a, "--config-file=", 14) == 0) {
			snprintf(buf, size, "%s", a + 14);
			return buf;
		}
		if (strcmp(a, "--config-file") == 0 && a + strlen(a) + 1 < end) {
			snprintf(buf, size, "%s", a + strlen(a) + 1);
			return buf;
		}
	}
	return "/etc/docker/daemon.json";
}

static void read_config(const char *root, const char *cfg, struct audit_daemon *d, bool *oom)
{
	char full[4096], err[512];
	char *text = NULL;
	size_t len = 0;
	int ret;

	if (snprintf(full, sizeof(full), "%s/%s", root, cfg[0] == '/' ? cfg + 1 : cfg) >=
	    (int)sizeof(full))
		ret = -ENAMETOOLONG;
	else
		ret = audit_read_file(full, 1u << 20, &text, &len);
	if (ret == -ENOENT) {
		err[0] = '\0';
	} else if (ret) {
		snprintf(err, sizeof(err), "%.300s: %s", cfg, strerror(-ret));
	} else if (audit_daemon_parse_config(cfg, text, len, d, err, sizeof(err)) == 0) {
		err[0] = '\0';
	}
	/* parse_config filled the unset strings: replace, not leak, them */
	free(d->config_file);
	free(d->config_error);
	d->config_file = audit_dup(oom, ret ? "" : cfg);
	d->config_error = audit_dup(oom, err);
	free(text);
}

int audit_daemon_collect_local(const char *root, const char *socket, struct audit_daemon *d)
{
	char *argv = NULL, cfgbuf[4096];
	size_t len = 0, i;
	bool oom = false;

	find_dockerd(root, socket, &argv, &len);
	read_config(root, config_path(argv, len, cfgbuf, sizeof(cfgbuf)), d, &oom);
	if (argv)
		audit_daemon_parse_cmdline(argv, len, d);
	free(argv);
	for (i = 0; i < sizeof(file_specs) / sizeof(file_specs[0]) && i < 16; i++) {
		const struct file_spec *s = &file_specs[i];
		const char *path = s->from ? *(char **)((char *)d + s->from) : NULL;

		if (strcmp(s->key, "docker.sock") == 0)
			path = socket;
		if (s->from && (!path || !path[0]))
			path = ""; /* not configured: nothing to check */
		fact(s, root, path, &d->files[d->n_files++], &oom);
	}
	return oom ? -ENOMEM : 0;
}
