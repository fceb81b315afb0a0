/*
 * The host's posture, read from files under root ("/" normally, a prepared
 * tree in tests): Secure Boot from efivars, the lockdown mode and the active
 * LSMs from securityfs, and from PID 1's mountinfo whether / is read-only
 * and whether Docker's root directory is a mount of its own. What cannot be
 * read is "unknown", and the finding says why.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit/internal.h"

#define EFI_SECUREBOOT "sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-e98c3e2e7c3c"

static int read_under(const char *root, const char *rel, size_t max, char **out, size_t *len)
{
	char path[4096];

	if (snprintf(path, sizeof(path), "%s/%s", root, rel) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	return audit_read_file(path, max, out, len);
}

static bool exists_under(const char *root, const char *rel)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return stat(path, &st) == 0;
}

/* efivars: 4 bytes of attributes, then the variable (1 byte: 0 or 1). */
static void secure_boot(const char *root, struct audit_host *h, bool *oom)
{
	char *buf = NULL;
	size_t len = 0;

	if (!exists_under(root, "sys/firmware/efi")) {
		h->secure_boot = -1;
		h->secure_boot_why = audit_dup(oom, "not booted with UEFI (no /sys/firmware/efi): "
						    "no Secure Boot");
	} else if (read_under(root, EFI_SECUREBOOT, 64, &buf, &len) || len < 5) {
		h->secure_boot = -1;
		h->secure_boot_why = audit_dup(oom, "Secure Boot state unknown (SecureBoot efivar "
						    "unreadable: is efivarfs mounted?)");
	} else {
		h->secure_boot = buf[4] == 1;
		h->secure_boot_why = audit_dup(oom, buf[4] == 1 ? "" : "Secure Boot is off");
	}
	free(buf);
}

/* "none [integrity] confidentiality" -> "integrity" */
static char *lockdown(const char *root, bool *oom)
{
	char *buf = NULL, *l, *r, *out;
	size_t len;

	if (read_under(root, "sys/kernel/security/lockdown", 4096, &buf, &len))
		return audit_dup(oom, "");
	l = strchr(buf, '[');
	r = l ? strchr(l, ']') : NULL;
	out = l && r ? audit_dupn(oom, l + 1, (size_t)(r - l - 1)) : audit_dup(oom, "");
	free(buf);
	return out;
}

static char *lsm_list(const char *root, bool *oom)
{
	char *buf = NULL, *out;
	size_t len;

	if (read_under(root, "sys/kernel/security/lsm", 4096, &buf, &len))
		return audit_dup(oom, "");
	out = audit_dupn(oom, buf, strcspn(buf, "\n"));
	free(buf);
	return out;
}

/*
 * mountinfo: "id parent maj:min root mountpoint options ...". The last line
 * for a mount point is the one on top. Docker's root is a partition of its
 * own when a mount sits exactly there and it is a file system's root or
 * another device than the one below, not a bind mount of a directory of
 * the same file system (which `mountpoint` would accept). Octal escapes
 * (\040) are compared as they are: a Docker root with a space is not worth
 * a decoder.
 */
static void mounts(const char *text, const char *docker_root, struct audit_host *h, bool *oom)
{
	char mp[4096], opts[1024], root[4096], dev[32], best[4096] = "", best_root[4096] = "";
	char best_dev[32] = "", slash_dev[32] = "";
	const char *line;
	size_t best_len = 0;

	h->root_read_only = -1;
	for (line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		size_t n;

		if (sscanf(line, "%*s %*s %31s %4095s %4095s %1023s", dev, root, mp, opts) != 4)
			continue;
		if (strcmp(mp, "/") == 0) {
			h->root_read_only = strncmp(opts, "ro", 2) == 0 &&
					    (opts[2] == ',' || opts[2] == '\0');
			snprintf(slash_dev, sizeof(slash_dev), "%s", dev);
		}
		n = strlen(mp);
		if (docker_root[0] && strncmp(docker_root, mp, n) == 0 &&
		    (docker_root[n] == '/' || docker_root[n] == '\0' || n == 1) && n >= best_len) {
			best_len = n;
			snprintf(best, sizeof(best), "%s", mp);
			snprintf(best_root, sizeof(best_root), "%s", root);
			snprintf(best_dev, sizeof(best_dev), "%s", dev);
		}
	}
	h->docker_root_separate = -1;
	if (docker_root[0] && best[0])
		h->docker_root_separate = strcmp(best, docker_root) == 0 &&
					  (strcmp(best_root, "/") == 0 || strcmp(best_dev, slash_dev) != 0);
	if (h->docker_root_separate == 0 && strcmp(best, docker_root) == 0)
		snprintf(mp, sizeof(mp), "it is a bind mount of the directory %.1000s of device %s, "
					 "the file system of /", best_root, best_dev);
	else
		snprintf(mp, sizeof(mp), "it is on the file system mounted at %.1000s", best);
	h->docker_root_mount = audit_dup(oom, mp);
}

int audit_host_collect(const char *root, const char *docker_root_dir, struct audit_host *h)
{
	char *mi = NULL;
	size_t len;
	bool oom = false;

	memset(h, 0, sizeof(*h));
	secure_boot(root, h, &oom);
	h->lockdown = lockdown(root, &oom);
	h->lsms = lsm_list(root, &oom);
	if (read_under(root, "proc/1/mountinfo", 4u << 20, &mi, &len) &&
	    read_under(root, "proc/self/mountinfo", 4u << 20, &mi, &len)) {
		h->root_read_only = -1;
		h->docker_root_separate = -1;
		h->docker_root_mount = audit_dup(&oom, "");
	} else {
		mounts(mi, docker_root_dir ? docker_root_dir : "", h, &oom);
	}
	free(mi);
	if (oom) {
		audit_host_release(h);
		return -ENOMEM;
	}
	return 0;
}

void audit_host_release(struct audit_host *h)
{
	free(h->secure_boot_why);
	free(h->lockdown);
	free(h->lsms);
	free(h->docker_root_mount);
	memset(h, 0, sizeof(*h));
}
