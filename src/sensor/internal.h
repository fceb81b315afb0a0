/* Shared by the files of src/sensor/ only: the loaded skeletons. */
#ifndef PALISADE_SENSOR_INTERNAL_H
#define PALISADE_SENSOR_INTERNAL_H

#include <bpf/libbpf.h>

#include "process.skel.h"
#include "syscall.skel.h"
#include "sensor/sensor.h"

#define HOST_SEEN_SLOTS 8192 /* at most half used: 4096 host cgroups */

struct sensor {
	struct process_bpf *skel;
	struct syscall_bpf *sc; /* NULL: no syscall watched */
	unsigned watched;
	uint64_t wakeup_bytes; /* kept to load the syscall sensor on a reload */
	struct ring_buffer *rb;
	sensor_record_fn fn;
	void *ctx;
	/* the batch a poll consumes (sensor_poll): records, and when it ends */
	uint64_t batch_records, batch_end_ns;
	bool batch_over; /* the last poll stopped at the end of its batch */
	int ncpus;
	char features[256];
	/* Cgroups already in pf_host_cgroups: a bpf() call per event would cost
	 * more than the filter saves. Open addressing, 0 = empty. */
	uint64_t host_seen[HOST_SEEN_SLOTS];
	struct bpf_link *entry_link; /* sys_enter, once some rule kills at entry */
	unsigned host_n;
	/* The syscall sensor's hook (syscall_attach.c): one tracepoint link per
	 * watched syscall, or the raw sys_exit link. */
	struct bpf_link *exit_tp[EV_SYSCALL_NR_MAX];
	unsigned exit_tp_n;
	struct bpf_link *exit_raw;
	bool raw_hook; /* --syscall-hook raw */
	bool tracefs_checked; /* sensor_mount_fs(SENSOR_FS_TRACEFS) was tried */
	bool renames_tracked; /* the name gate's rename tracker is attached */
	bool io_uring_ok;     /* the kernel has the io_uring hook (io_uring_attach.c) */
	bool io_uring_refused; /* it failed to load: the syscall sensor goes without */
	struct bpf_link *io_uring_link; /* attached while openat(2)/connect are watched */
};

/* The host's root for the hold's container test, before load (hold.c). */
void sensor_hold_configure(struct sensor *s);

/* Attaches the syscall sensor for the syscalls spec watches (its interest
 * map already written), detaching what it no longer needs. */
int syscall_attach(struct sensor *s, const uint32_t spec[EV_SYSCALL_NR_MAX]);
void syscall_detach(struct sensor *s);
/* io_uring requests reported as syscalls (io_uring_attach.c): before load,
 * whether the kernel allows the hook; then attached or detached with the
 * interest, as syscall_attach does. */
void sensor_io_uring_prepare(struct sensor *s);
int sensor_io_uring_attach(struct sensor *s, const uint32_t spec[EV_SYSCALL_NR_MAX]);
void sensor_io_uring_detach(struct sensor *s);
/* Fills the pre-filter's first-component index from its entries
 * (prefilter_tops.c); call before the specs that select them. */
int sensor_prefilter_tops(struct syscall_bpf *sc, const struct pf_entry *e, size_t n);
/* Turns the first-component test off for every id (a reload, before the
 * entries are cleared; sensor_prefilter_tops turns it on again). */
int sensor_prefilter_tops_off(struct syscall_bpf *sc);
/* Turns the raw-path gates off and clears their pieces (a reload). */
int sensor_prefilter_raws_off(struct syscall_bpf *sc);

/* Writes the pre-filter's maps into empty ones (src/sensor/prefilter_maps.c);
 * unseeded: the process table is not seeded yet. 0 or -errno, printed. */
int sensor_prefilter_write(struct syscall_bpf *sc, const struct sensor_prefilter *pf,
			   bool unseeded);

#endif
