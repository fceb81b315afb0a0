/*
 * The checks on the daemon (CIS section 2, 3 and 5.1): `docker info`,
 * daemon.json and dockerd's command line, merged into struct audit_daemon
 * by audit_daemon.c, and the owners and modes of its files.
 */
#include <string.h>

#include "audit/checks.h"

static const struct audit_loc nowhere;

#define D (s->daemon)

void audit_check_daemon_icc(const struct audit_subject *s, struct audit_emit *e)
{
	if (D->icc != AUDIT_NO)
		audit_emit(e, &nowhere, "icc is %s", D->icc == AUDIT_YES ? "true" : "not set (true)");
}

void audit_check_daemon_log_level(const struct audit_subject *s, struct audit_emit *e)
{
	if (D->log_level[0] && strcmp(D->log_level, "info") != 0)
		audit_emit(e, &nowhere, "log-level is %s", D->log_level);
}

void audit_check_daemon_iptables(const struct audit_subject *s, struct audit_emit *e)
{
	if (D->iptables == AUDIT_NO)
		audit_emit(e, &nowhere, "iptables is false");
}

void audit_check_daemon_insecure_registry(const struct audit_subject *s, struct audit_emit *e)
{
	size_t i;

	for (i = 0; i < D->n_insecure_registries; i++)
		audit_emit(e, &nowhere, "insecure registry %s", D->insecure_registries[i]);
}

void audit_check_daemon_aufs(const struct audit_subject *s, struct audit_emit *e)
{
	if (strcmp(D->storage_driver, "aufs") == 0)
		audit_emit(e, &nowhere, "storage driver is aufs");
}

void audit_check_daemon_tcp_tls(const struct audit_subject *s, struct audit_emit *e)
{
	size_t i;

	if (D->tlsverify == AUDIT_YES)
		return;
	for (i = 0; i < D->n_hosts; i++)
		if (strncmp(D->hosts[i], "tcp://", 6) == 0)
			audit_emit(e, &nowhere, "listens on %s %s", D->hosts[i],
				   D->tls == AUDIT_YES ? "with TLS but without client verification (tlsverify)"
						       : "without TLS");
}

void audit_check_daemon_userns(const struct audit_subject *s, struct audit_emit *e)
{
	if (!D->userns && !D->userns_remap[0])
		audit_emit(e, &nowhere, "user namespace remapping is off (no userns-remap)");
}

void audit_check_daemon_authz(const struct audit_subject *s, struct audit_emit *e)
{
	if (!D->n_authz_plugins)
		audit_emit(e, &nowhere, "no authorization plugin");
}

void audit_check_daemon_remote_log(const struct audit_subject *s, struct audit_emit *e)
{
	if (strcmp(D->logging_driver, "json-file") == 0)
		audit_emit(e, &nowhere, "logging driver is %s (local files only)", D->logging_driver);
}

void audit_check_daemon_no_new_privs(const struct audit_subject *s, struct audit_emit *e)
{
	if (D->no_new_privileges != AUDIT_YES)
		audit_emit(e, &nowhere, "no-new-privileges is not set for every container");
}

void audit_check_daemon_live_restore(const struct audit_subject *s, struct audit_emit *e)
{
	/* Swarm mode refuses live restore; CIS accepts that. */
	if (!D->live_restore && strcmp(D->swarm_state, "active") != 0)
		audit_emit(e, &nowhere, "live restore is disabled");
}

void audit_check_daemon_userland_proxy(const struct audit_subject *s, struct audit_emit *e)
{
	if (D->userland_proxy != AUDIT_NO)
		audit_emit(e, &nowhere, "userland-proxy is %s",
			   D->userland_proxy == AUDIT_YES ? "true" : "not set (true)");
}

void audit_check_daemon_seccomp(const struct audit_subject *s, struct audit_emit *e)
{
	if (!D->seccomp_profile[0])
		audit_emit(e, &nowhere, "seccomp is not among the daemon's security options");
	else if (strcmp(D->seccomp_profile, "unconfined") == 0)
		audit_emit(e, &nowhere, "the daemon's default seccomp profile is unconfined");
}

void audit_check_daemon_experimental(const struct audit_subject *s, struct audit_emit *e)
{
	if (D->experimental)
		audit_emit(e, &nowhere, "experimental features are on");
}

void audit_check_daemon_swarm(const struct audit_subject *s, struct audit_emit *e)
{
	if (strcmp(D->swarm_state, "active") == 0)
		audit_emit(e, &nowhere, "swarm mode is active");
}

static const struct audit_file_fact *file_of(const struct audit_subject *s,
					     const struct audit_emit *e)
{
	size_t i;

	for (i = 0; i < D->n_files; i++)
		if (strcmp(D->files[i].key, e->check->arg) == 0)
			return D->files[i].path[0] ? &D->files[i] : NULL;
	return NULL;
}

void audit_check_daemon_file_owner(const struct audit_subject *s, struct audit_emit *e)
{
	const struct audit_file_fact *f = file_of(s, e);

	if (f && strcmp(f->owner, f->want_owner) != 0)
		audit_emit(e, &nowhere, "%s is owned by %s (want %s)", f->path, f->owner,
			   f->want_owner);
}

void audit_check_daemon_file_mode(const struct audit_subject *s, struct audit_emit *e)
{
	const struct audit_file_fact *f = file_of(s, e);

	if (f && (f->mode & 07777 & ~f->max_mode))
		audit_emit(e, &nowhere, "%s has mode %04o (want %04o or stricter)", f->path,
			   f->mode & 07777, f->max_mode);
}
