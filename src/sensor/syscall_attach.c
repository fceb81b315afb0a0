/*
 * Which hook runs the syscall sensor (bpf/syscall.bpf.c): the
 * syscalls:sys_exit_NAME tracepoint of each watched syscall, so that a
 * syscall nobody watches runs no program at all, or, when many syscalls are
 * watched or one has no tracepoint of its own, the one raw sys_exit
 * tracepoint that runs for every syscall. Kept in step with the interest map
 * on every change (start, reload).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "event/syscalls.h"
#include "sensor/internal.h"

/* Past this many watched syscalls the raw tracepoint is used: each syscall
 * tracepoint is a perf event (a file descriptor, and a little more work per
 * watched call than the raw hook), and watching most syscalls gains nothing
 * from skipping the few others. */
#define SYSCALL_TP_MAX 96
#define TRACEFS "/sys/kernel/tracing"

/* The tracepoint's name is the kernel's SYSCALL_DEFINE name, which is not
 * always the syscall's: umount2 is defined as umount. */
static const char *tracepoint_name(const char *syscall)
{
	return strcmp(syscall, "umount2") == 0 ? "umount" : syscall;
}

static void drop_tracepoints(struct sensor *s)
{
	for (unsigned nr = 0; nr < EV_SYSCALL_NR_MAX; nr++) {
		bpf_link__destroy(s->exit_tp[nr]);
		s->exit_tp[nr] = NULL;
	}
	s->exit_tp_n = 0;
}

/* The raw hook first, then the tracepoints go: for an instant a call may be
 * reported twice, never missed. */
static int use_raw(struct sensor *s, const char *why)
{
	if (!s->exit_raw) {
		s->exit_raw = bpf_program__attach(s->sc->progs.on_sys_exit);
		if (!s->exit_raw) {
			int err = -errno;

			fprintf(stderr, "palisade: attaching tp_btf/sys_exit failed: %s\n",
				strerror(-err));
			return err;
		}
		if (why)
			fprintf(stderr, "palisade: syscall sensor on the raw sys_exit tracepoint: "
					"%s\n", why);
	}
	drop_tracepoints(s);
	return 0;
}

/* A syscall this kernel was built without (CONFIG_MODULES=n has no
 * init_module: every call fails with ENOSYS) has no tracepoint of its own,
 * though the syscalls directory exists. */
static bool kernel_lacks(const char *tp)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/events/syscalls/%s", TRACEFS, tp);
	return access(TRACEFS "/events/syscalls", F_OK) == 0 && access(path, F_OK) != 0;
}

int syscall_attach(struct sensor *s, const uint32_t spec[EV_SYSCALL_NR_MAX])
{
	char why[160], lacked[256] = "";
	size_t lacked_len = 0;
	unsigned nr, watched = 0;

	for (nr = 0; nr < EV_SYSCALL_NR_MAX; nr++)
		watched += spec[nr] != 0;
	sensor_io_uring_attach(s, spec); /* a failure is said there; the syscalls go on */
	if (s->exit_raw) /* once on the raw hook, it stays: nothing to gain back */
		return 0;
	if (s->raw_hook)
		return use_raw(s, NULL);
	if (watched > SYSCALL_TP_MAX) {
		snprintf(why, sizeof(why), "%u syscalls watched (more than %d)", watched,
			 SYSCALL_TP_MAX);
		return use_raw(s, why);
	}
	/* Tracepoints are named through tracefs: mounted once if missing; without
	 * it the attach below fails and the raw hook serves (both said). */
	if (!s->tracefs_checked) {
		sensor_mount_fs(SENSOR_FS_TRACEFS);
		s->tracefs_checked = true;
	}
	for (nr = 0; nr < EV_SYSCALL_NR_MAX; nr++) {
		const struct syscall_desc *d;
		char tp[64];

		if (!spec[nr] && s->exit_tp[nr]) {
			bpf_link__destroy(s->exit_tp[nr]);
			s->exit_tp[nr] = NULL;
			s->exit_tp_n--;
		}
		if (!spec[nr] || s->exit_tp[nr])
			continue;
		d = syscall_by_nr(nr);
		if (!d) {
			snprintf(why, sizeof(why), "syscall %u has no name", nr);
			return use_raw(s, why);
		}
		snprintf(tp, sizeof(tp), "sys_exit_%s", tracepoint_name(d->name));
		if (kernel_lacks(tp)) {
			if (lacked_len < sizeof(lacked))
				lacked_len += (size_t)snprintf(lacked + lacked_len,
							       sizeof(lacked) - lacked_len, " %s",
							       d->name);
			continue;
		}
		s->exit_tp[nr] = bpf_program__attach_tracepoint(s->sc->progs.on_sys_exit_tp,
								"syscalls", tp);
		if (!s->exit_tp[nr]) {
			snprintf(why, sizeof(why), "tracepoint syscalls:%s: %s", tp,
				 strerror(errno));
			return use_raw(s, why);
		}
		s->exit_tp_n++;
	}
	if (lacked_len)
		fprintf(stderr, "palisade: this kernel has no syscall%s (each call fails with ENOSYS); "
				"their attempts are reported only with --syscall-hook raw\n", lacked);
	return 0;
}

void syscall_detach(struct sensor *s)
{
	sensor_io_uring_detach(s);
	drop_tracepoints(s);
	bpf_link__destroy(s->exit_raw);
	s->exit_raw = NULL;
}
