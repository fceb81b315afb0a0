/*
 * The pseudo file systems the kernel side needs, mounted when missing (a
 * fresh machine, a container) and said so on stderr: tracefs names the
 * per-syscall tracepoints (without it the raw sys_exit hook serves), bpffs
 * holds pinned objects. One row per file system.
 */
#include <errno.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statfs.h>

#include "sensor/sensor.h"

static const struct {
	const char *path, *type;
	unsigned long magic;
	const char *without; /* what the agent does without it */
} fs_rows[] = {
	[SENSOR_FS_TRACEFS] = { "/sys/kernel/tracing", "tracefs", TRACEFS_MAGIC,
				"the syscall sensor uses the raw sys_exit hook instead of a "
				"tracepoint per syscall" },
	[SENSOR_FS_BPFFS] = { "/sys/fs/bpf", "bpf", BPF_FS_MAGIC,
			      "BPF objects cannot be pinned" },
};

int sensor_mount_fs(enum sensor_fs which)
{
	const char *path = fs_rows[which].path, *type = fs_rows[which].type;
	struct statfs st;
	int err;

	if (statfs(path, &st) == 0 && (unsigned long)st.f_type == fs_rows[which].magic)
		return 0;
	if (mount(type, path, type, MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == 0) {
		fprintf(stderr, "palisade: %s was not mounted: mounted it at %s\n", type, path);
		return 0;
	}
	err = -errno;
	fprintf(stderr, "palisade: %s is not mounted at %s and mounting it failed (%s): %s; "
			"mount it (mount -t %s %s %s)%s\n", type, path, strerror(-err),
		fs_rows[which].without, type, type, path,
		err == -EPERM || err == -EACCES ? " or give the agent CAP_SYS_ADMIN" : "");
	return err;
}
