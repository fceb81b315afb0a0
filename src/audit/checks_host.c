/*
 * The checks on the host the daemon runs on (CIS 1.1.1 and palisade's own
 * posture checks: Secure Boot, lockdown, a mandatory-access-control LSM, a
 * read-only root filesystem). Read by audit_host.c from /sys and /proc.
 */
#include <string.h>

#include "audit/checks.h"

static const struct audit_loc nowhere;

void audit_check_host_partition(const struct audit_subject *s, struct audit_emit *e)
{
	if (s->host->docker_root_separate == 0)
		audit_emit(e, &nowhere, "%s is not a partition of its own: %s",
			   s->daemon && s->daemon->root_dir[0] ? s->daemon->root_dir
							       : "/var/lib/docker",
			   s->host->docker_root_mount);
}

void audit_check_host_secure_boot(const struct audit_subject *s, struct audit_emit *e)
{
	if (s->host->secure_boot != 1)
		audit_emit(e, &nowhere, "%s", s->host->secure_boot_why);
}

void audit_check_host_lockdown(const struct audit_subject *s, struct audit_emit *e)
{
	if (!s->host->lockdown[0])
		audit_emit(e, &nowhere, "kernel lockdown state unknown: "
					"/sys/kernel/security/lockdown unreadable (is securityfs "
					"mounted? mount -t securityfs none /sys/kernel/security)");
	else if (strcmp(s->host->lockdown, "none") == 0)
		audit_emit(e, &nowhere, "kernel lockdown is none");
}

static bool has_lsm(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p = list;

	while ((p = strstr(p, name))) {
		if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0' || p[n] == '\n'))
			return true;
		p += n;
	}
	return false;
}

void audit_check_host_lsm(const struct audit_subject *s, struct audit_emit *e)
{
	const char *l = s->host->lsms;

	if (!l[0])
		audit_emit(e, &nowhere, "active LSMs unknown: /sys/kernel/security/lsm unreadable "
					"(is securityfs mounted? mount -t securityfs none "
					"/sys/kernel/security)");
	else if (!has_lsm(l, "apparmor") && !has_lsm(l, "selinux"))
		audit_emit(e, &nowhere, "no AppArmor or SELinux among the active LSMs (%s)", l);
}

void audit_check_host_root_ro(const struct audit_subject *s, struct audit_emit *e)
{
	if (s->host->root_read_only == 0)
		audit_emit(e, &nowhere, "/ is mounted read-write");
}
