/*
 * The daemon, from three places merged as dockerd merges them: `docker info`
 * (what is in force: logging driver, live restore, security options,
 * authorization plugins, registries), daemon.json and dockerd's command line
 * (icc, userland-proxy, no-new-privileges, hosts and TLS, which info does
 * not tell). Each setting is one row: its daemon.json key, its flags, its
 * type and where it goes. A flag on the command line wins over the file, as
 * in dockerd (which refuses the same key in both).
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "audit/internal.h"

enum stype { S_TRI, S_STR, S_STRV };

struct setting {
	const char *key;    /* daemon.json */
	const char *flag;   /* --long */
	const char *short_; /* -x, or NULL */
	enum stype type;
	size_t off, n_off;  /* S_STRV: the count */
};

#define DM(f) offsetof(struct audit_daemon, f)
static const struct setting settings[] = {
	{ "icc", "--icc", NULL, S_TRI, DM(icc), 0 },
	{ "userland-proxy", "--userland-proxy", NULL, S_TRI, DM(userland_proxy), 0 },
	{ "no-new-privileges", "--no-new-privileges", NULL, S_TRI, DM(no_new_privileges), 0 },
	{ "live-restore", "--live-restore", NULL, S_TRI, DM(live_restore_cfg), 0 },
	{ "iptables", "--iptables", NULL, S_TRI, DM(iptables), 0 },
	{ "tls", "--tls", NULL, S_TRI, DM(tls), 0 },
	{ "tlsverify", "--tlsverify", NULL, S_TRI, DM(tlsverify), 0 },
	{ "log-level", "--log-level", "-l", S_STR, DM(log_level), 0 },
	{ "cgroup-parent", "--cgroup-parent", NULL, S_STR, DM(cgroup_parent), 0 },
	{ "userns-remap", "--userns-remap", NULL, S_STR, DM(userns_remap), 0 },
	{ "tlscacert", "--tlscacert", NULL, S_STR, DM(tlscacert), 0 },
	{ "tlscert", "--tlscert", NULL, S_STR, DM(tlscert), 0 },
	{ "tlskey", "--tlskey", NULL, S_STR, DM(tlskey), 0 },
	{ "hosts", "--host", "-H", S_STRV, DM(hosts), DM(n_hosts) },
};

static const struct audit_jfield info_fields[] = {
	{ "ServerVersion", J_STR, DM(version) },
	{ "Driver", J_STR, DM(storage_driver) },
	{ "LoggingDriver", J_STR, DM(logging_driver) },
	{ "Swarm.LocalNodeState", J_STR, DM(swarm_state) },
	{ "DockerRootDir", J_STR, DM(root_dir) },
	{ "LiveRestoreEnabled", J_BOOL, DM(live_restore) },
	{ "ExperimentalBuild", J_BOOL, DM(experimental) },
};
#undef DM

#define N_SETTINGS (sizeof(settings) / sizeof(settings[0]))

/* The daemon's own strings, for filling and freeing them alike. */
#define DAEMON_STRINGS(d)                                                                      \
	{ &(d)->version, &(d)->storage_driver, &(d)->logging_driver, &(d)->swarm_state,        \
	  &(d)->root_dir, &(d)->seccomp_profile, &(d)->config_file, &(d)->config_error,        \
	  &(d)->log_level, &(d)->cgroup_parent, &(d)->userns_remap, &(d)->tlscacert,           \
	  &(d)->tlscert, &(d)->tlskey }

static void fill_strings(struct audit_daemon *d, bool *oom)
{
	char **strs[] = DAEMON_STRINGS(d);
	size_t i;

	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		if (!*strs[i])
			*strs[i] = audit_dup(oom, "");
}

/* "name=seccomp,profile=default", "name=userns", ... */
static void security_option(struct audit_daemon *d, const char *opt, bool *oom)
{
	const char *prof;

	if (strncmp(opt, "name=seccomp", 12) == 0) {
		prof = strstr(opt, "profile=");
		free(d->seccomp_profile);
		d->seccomp_profile = audit_dup(oom, prof ? prof + 8 : "default");
	}
	d->userns |= strcmp(opt, "name=userns") == 0;
	d->rootless |= strcmp(opt, "name=rootless") == 0;
	d->selinux |= strcmp(opt, "name=selinux") == 0;
	d->apparmor |= strcmp(opt, "name=apparmor") == 0;
}

static int info_lists(json_t *root, struct audit_daemon *d, bool *oom)
{
	json_t *a, *x, *idx;
	const char *key;
	size_t i;

	json_array_foreach(json_object_get(root, "SecurityOptions"), i, x)
		if (json_is_string(x))
			security_option(d, json_string_value(x), oom);
	json_array_foreach(container_json_path(root, "Plugins.Authorization"), i, x)
		if (json_is_string(x) && audit_strv_push(&d->authz_plugins, &d->n_authz_plugins, oom,
							 json_string_value(x)))
			return -ENOMEM;
	/* 127.0.0.0/8 is insecure in every daemon by design: not a choice. */
	a = container_json_path(root, "RegistryConfig.InsecureRegistryCIDRs");
	json_array_foreach(a, i, x)
		if (json_is_string(x) && strcmp(json_string_value(x), "127.0.0.0/8") != 0 &&
		    audit_strv_push(&d->insecure_registries, &d->n_insecure_registries, oom,
				    json_string_value(x)))
			return -ENOMEM;
	idx = container_json_path(root, "RegistryConfig.IndexConfigs");
	json_object_foreach(idx, key, x)
		if (json_is_false(json_object_get(x, "Secure")) &&
		    audit_strv_push(&d->insecure_registries, &d->n_insecure_registries, oom, key))
			return -ENOMEM;
	return 0;
}

int audit_engine_parse_info(const char *json, size_t len, struct audit_daemon *d, char *err,
			    size_t errlen)
{
	json_error_t je;
	json_t *root = json_loadb(json, len, 0, &je);
	bool oom = false;
	int ret;

	if (!root)
		return audit_fail(err, errlen, "info: not JSON (line %d: %s)", je.line, je.text);
	ret = json_is_object(root) ? 0 : audit_fail(err, errlen, "info: not a JSON object");
	if (!ret)
		ret = audit_read_fields(root, info_fields, sizeof(info_fields) / sizeof(info_fields[0]),
					d, &oom, err, errlen);
	if (!ret)
		ret = info_lists(root, d, &oom);
	json_decref(root);
	fill_strings(d, &oom);
	d->reachable = !ret;
	return ret ? ret : oom ? -ENOMEM : 0;
}

static int set_value(struct audit_daemon *d, const struct setting *s, const char *val,
		     bool append, bool *oom)
{
	char **str = (char **)((char *)d + s->off);
	enum audit_tri *tri = (enum audit_tri *)((char *)d + s->off);

	switch (s->type) {
	case S_TRI:
		*tri = strcmp(val, "false") == 0 ? AUDIT_NO : AUDIT_YES;
		return 0;
	case S_STR:
		free(*str);
		*str = audit_dup(oom, val);
		return 0;
	case S_STRV:
		if (!append) {
			audit_strv_free(*(char ***)str, *(size_t *)((char *)d + s->n_off));
			*(char ***)str = NULL;
			*(size_t *)((char *)d + s->n_off) = 0;
		}
		return audit_strv_push((char ***)str, (size_t *)((char *)d + s->n_off), oom, val);
	}
	return 0;
}

static int config_value(struct audit_daemon *d, const struct setting *s, json_t *v, bool *oom,
			char *err, size_t errlen)
{
	json_t *x;
	size_t i;

	if (s->type == S_TRI && json_is_boolean(v))
		return set_value(d, s, json_is_true(v) ? "true" : "false", false, oom);
	if (s->type == S_STR && json_is_string(v))
		return set_value(d, s, json_string_value(v), false, oom);
	if (s->type == S_STRV && json_is_array(v)) {
		json_array_foreach(v, i, x) {
			if (!json_is_string(x))
				return audit_fail(err, errlen, "\"%s\"[%zu] is not a string", s->key, i);
			if (set_value(d, s, json_string_value(x), true, oom))
				return -ENOMEM;
		}
		return 0;
	}
	return audit_fail(err, errlen, "\"%s\" is not a %s", s->key,
			  s->type == S_TRI ? "boolean" : s->type == S_STR ? "string" : "list");
}

int audit_daemon_parse_config(const char *name, const char *text, size_t len,
			      struct audit_daemon *d, char *err, size_t errlen)
{
	char msg[256];
	json_error_t je;
	json_t *root = json_loadb(text, len, 0, &je), *v;
	bool oom = false;
	size_t i;
	int ret = 0;

	if (!root)
		return audit_fail(err, errlen, "%s:%d:%d: not JSON: %s", name, je.line, je.column,
				  je.text);
	if (!json_is_object(root))
		ret = audit_fail(err, errlen, "%s: not a JSON object", name);
	for (i = 0; !ret && i < N_SETTINGS; i++) {
		v = json_object_get(root, settings[i].key);
		if (v && config_value(d, &settings[i], v, &oom, msg, sizeof(msg)))
			ret = audit_fail(err, errlen, "%s: %s", name, msg);
	}
	json_decref(root);
	fill_strings(d, &oom);
	return ret ? ret : oom ? -ENOMEM : 0;
}

/* --flag=value, --flag value, -x value, --bool (true), --bool=false */
static const struct setting *match_flag(const char *arg, const char **val)
{
	size_t i, n;

	for (i = 0; i < N_SETTINGS; i++) {
		const char *names[2] = { settings[i].flag, settings[i].short_ };
		size_t j;

		for (j = 0; j < 2; j++) {
			if (!names[j])
				continue;
			n = strlen(names[j]);
			if (strncmp(arg, names[j], n) == 0 && (arg[n] == '=' || arg[n] == '\0')) {
				*val = arg[n] == '=' ? arg + n + 1 : NULL;
				return &settings[i];
			}
		}
	}
	return NULL;
}

void audit_daemon_parse_cmdline(const char *argv, size_t len, struct audit_daemon *d)
{
	const char *end = argv + len, *arg, *val;
	bool oom = false, hosts_seen = false;

	/* Every argument is NUL-terminated inside the buffer; a cut last one
	 * (no NUL before the end) is not read at all. */
	for (arg = argv; arg < end && memchr(arg, '\0', (size_t)(end - arg));
	     arg += strlen(arg) + 1) {
		const struct setting *s = match_flag(arg, &val);
		const char *next = arg + strlen(arg) + 1;

		if (!s)
			continue;
		if (!val && s->type == S_TRI)
			val = "true";
		if (!val && next < end && memchr(next, '\0', (size_t)(end - next))) {
			val = next;
			arg = next;
		}
		if (val)
			set_value(d, s, val, s->type == S_STRV && hosts_seen, &oom);
		hosts_seen |= s->type == S_STRV;
	}
	fill_strings(d, &oom);
}

void audit_daemon_release(struct audit_daemon *d)
{
	char **strs[] = DAEMON_STRINGS(d);
	size_t i;

	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		free(*strs[i]);
	audit_strv_free(d->authz_plugins, d->n_authz_plugins);
	audit_strv_free(d->insecure_registries, d->n_insecure_registries);
	audit_strv_free(d->hosts, d->n_hosts);
	for (i = 0; i < d->n_files; i++)
		audit_file_fact_release(&d->files[i]);
	memset(d, 0, sizeof(*d));
}
