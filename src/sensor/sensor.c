/* The libbpf-bootstrap lifecycle: open, configure read-only data, load,
 * attach, poll, with one cleanup path. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "sensor/internal.h"

/*
 * One poll consumes for at most SENSOR_BATCH_MS. libbpf's ring_buffer__poll
 * goes on consuming for as long as the producer keeps producing, so under a
 * sustained load faster than the consumer it never returned, and the agent
 * never looked at its stop flag: that was the SIGINT "ignored" until a
 * second one (DESIGN.md section 4; measured: 9.8 s to stop under two open
 * loops). The clock is read every SENSOR_BATCH_CHECK records.
 */
#define SENSOR_BATCH_MS 50
#define SENSOR_BATCH_CHECK 64
#define SENSOR_BATCH_OVER (-EAGAIN) /* never returned by a record callback */

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int on_record(void *ctx, void *data, size_t len)
{
	struct sensor *s = ctx;
	int ret = s->fn(s->ctx, data, len);

	if (ret < 0)
		return ret;
	if (++s->batch_records % SENSOR_BATCH_CHECK == 0 && mono_ns() >= s->batch_end_ns)
		return SENSOR_BATCH_OVER; /* this record was consumed: libbpf stops after it */
	return 0;
}

/* What the kernel offers beyond what the process sensor needs, for the
 * start-up line; later back-ends (LSM, fentry) are chosen from these. */
static void probe_features(struct sensor *s)
{
	int lsm = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_LSM, NULL);
	bool btf = access("/sys/kernel/btf/vmlinux", R_OK) == 0;

	snprintf(s->features, sizeof(s->features),
		 "btf=%s ringbuf=yes tp_btf=yes lsm=%s cpus=%d", btf ? "yes" : "no",
		 lsm == 1 ? "probe-ok" : "no", s->ncpus);
}

/*
 * The syscall sensor is a second object sharing the first one's ring,
 * counters and scratch, so the consumer reads one ring in order.
 */
static int open_syscalls(struct sensor *s, const struct sensor_config *cfg)
{
	struct syscall_bpf *sc = syscall_bpf__open();
	bool track;
	int err;
	__u32 nr;

	if (!sc)
		return -errno;
	s->sc = sc;
	bpf_program__set_autoattach(sc->progs.on_sys_exit, false);
	bpf_program__set_autoattach(sc->progs.on_sys_exit_tp, false);
	sc->rodata->agent_tgid = (uint32_t)getpid();
	sc->rodata->wakeup_bytes = cfg->wakeup_bytes;
	sc->rodata->pf_cache_on = cfg->prefilter_cache;
	err = bpf_map__reuse_fd(sc->maps.events, bpf_map__fd(s->skel->maps.events));
	err = err ?: bpf_map__reuse_fd(sc->maps.counters, bpf_map__fd(s->skel->maps.counters));
	err = err ?: bpf_map__reuse_fd(sc->maps.scratch_map,
				       bpf_map__fd(s->skel->maps.scratch_map));
	err = err ?: bpf_map__reuse_fd(sc->maps.lost_by, bpf_map__fd(s->skel->maps.lost_by));
	if (err) {
		fprintf(stderr, "palisade: sharing maps with the syscall sensor failed: %s\n",
			strerror(-err));
		return err;
	}
	/* The name gate's rename tracker runs only when a gate is in use. */
	track = cfg->prefilter && cfg->prefilter->gated_ids;
	bpf_program__set_autoattach(sc->progs.on_task_rename, track);
	bpf_program__set_autoattach(sc->progs.on_pf_process_exit, track);
	sensor_io_uring_prepare(s);
	sensor_log_forget();
	err = syscall_bpf__load(sc);
	if (err && s->io_uring_ok) {
		/* The io_uring hook must never cost the syscalls: once more without it. */
		fprintf(stderr, "palisade: the io_uring hook does not load on this kernel (%s); "
				"io_uring opens and connects are not reported\n", strerror(-err));
		syscall_bpf__destroy(sc);
		s->sc = NULL;
		s->io_uring_refused = true;
		return open_syscalls(s, cfg);
	}
	if (err) {
		sensor_log_failure();
		fprintf(stderr, "palisade: loading the syscall sensor failed (%s); libbpf's "
				"log is above\n", strerror(-err));
		return err;
	}
	/* The filter's entries before the specs that select them. */
	if (cfg->prefilter) {
		err = sensor_prefilter_write(sc, cfg->prefilter, true);
		if (err)
			return err;
		s->renames_tracked = track;
	}
	for (nr = 0; nr < EV_SYSCALL_NR_MAX; nr++) {
		if (!cfg->syscall_spec[nr])
			continue;
		err = bpf_map_update_elem(bpf_map__fd(sc->maps.syscall_spec), &nr,
					  &cfg->syscall_spec[nr], BPF_ANY);
		if (err)
			return -errno;
	}
	/* The rename tracker (when a name gate is in use) before the sensor. */
	err = syscall_bpf__attach(sc);
	if (err) {
		fprintf(stderr, "palisade: attaching the name gate's rename tracker failed: %s\n",
			strerror(-err));
		return err;
	}
	return syscall_attach(s, cfg->syscall_spec);
}

int sensor_open(const struct sensor_config *cfg, sensor_record_fn fn, void *ctx,
		struct sensor **out)
{
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	struct sensor *s;
	int err;

	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
		fprintf(stderr, "palisade: this kernel has no BTF (/sys/kernel/btf/vmlinux): "
				"a kernel built with CONFIG_DEBUG_INFO_BTF=y is required\n");
		return -ENOTSUP;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fn = fn;
	s->ctx = ctx;
	s->wakeup_bytes = cfg->wakeup_bytes;
	s->raw_hook = cfg->syscall_raw_hook;
	s->ncpus = libbpf_num_possible_cpus();
	sensor_log_forget();
	/* Kernels >= 5.11 charge BPF memory to the cgroup; a refused raise
	 * (no CAP_SYS_RESOURCE here) only matters on older kernels. */
	setrlimit(RLIMIT_MEMLOCK, &rl);

	for (unsigned i = 0; cfg->syscall_spec && i < EV_SYSCALL_NR_MAX; i++)
		s->watched += cfg->syscall_spec[i] != 0;

	s->skel = process_bpf__open();
	if (!s->skel) {
		err = -errno;
		fprintf(stderr, "palisade: cannot open the BPF object: %s\n", strerror(-err));
		goto fail;
	}
	s->skel->rodata->agent_tgid = (uint32_t)getpid();
	s->skel->rodata->wakeup_bytes = cfg->wakeup_bytes;
	sensor_hold_configure(s);
	err = bpf_map__set_max_entries(s->skel->maps.events, cfg->ringbuf_bytes);
	if (err)
		goto fail_msg;
	/* sys_enter runs for every syscall of the host: attached only when a
	 * rule asks for a kill at syscall entry (sensor_entry_deny). */
	bpf_program__set_autoattach(s->skel->progs.on_sys_enter, false);
	err = process_bpf__load(s->skel);
	if (err) {
		sensor_log_failure();
		fprintf(stderr, "palisade: loading the BPF programs failed (%s); run as root "
				"(CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN); libbpf's log is above\n",
			strerror(-err));
		goto fail;
	}
	err = process_bpf__attach(s->skel);
	if (err) {
		sensor_log_failure();
		fprintf(stderr, "palisade: attaching the tracepoints failed: %s\n", strerror(-err));
		goto fail;
	}
	if (s->watched) {
		err = open_syscalls(s, cfg);
		if (err)
			goto fail;
	}
	probe_features(s);
	*out = s;
	return 0;
fail_msg:
	fprintf(stderr, "palisade: setting up the ring buffer failed: %s\n", strerror(-err));
fail:
	sensor_close(s);
	return err;
}

int sensor_map_ring(struct sensor *s)
{
	int err;

	if (s->rb)
		return 0;
	s->rb = ring_buffer__new(bpf_map__fd(s->skel->maps.events), on_record, s, NULL);
	if (s->rb)
		return 0;
	err = -errno;
	fprintf(stderr, "palisade: setting up the ring buffer failed: %s\n", strerror(-err));
	return err;
}

int sensor_poll(struct sensor *s, int timeout_ms)
{
	int n = sensor_map_ring(s);

	if (n)
		return n;

	/* A batch that ran out left records behind, and no wake-up may come for
	 * them (only crossing the mark from below sends one): do not sleep. */
	if (s->batch_over)
		timeout_ms = 0;
	s->batch_over = false;
	s->batch_records = 0;
	s->batch_end_ns = mono_ns() + SENSOR_BATCH_MS * 1000000ull;
	n = ring_buffer__poll(s->rb, timeout_ms);
	if (n == SENSOR_BATCH_OVER) {
		s->batch_over = true;
		return (int)s->batch_records;
	}
	if (n < 0 && n != -EINTR)
		return n;
	/* Records are submitted without a wake-up (DESIGN.md section 6), and
	 * poll consumes only rings that signalled one: drain after the timeout. */
	n = ring_buffer__consume(s->rb);
	s->batch_over = n == SENSOR_BATCH_OVER;
	if (n < 0 && n != -EINTR && n != SENSOR_BATCH_OVER)
		return n;
	return (int)s->batch_records;
}

int sensor_drain(struct sensor *s, int max_ms)
{
	uint64_t end = mono_ns() + (uint64_t)max_ms * 1000000ull;
	int n, total = 0;

	do {
		n = sensor_poll(s, 0);
		if (n < 0)
			return n;
		total += n;
	} while (n > 0 && mono_ns() < end);
	return total;
}

int sensor_update_syscalls(struct sensor *s, const uint32_t spec[EV_SYSCALL_NR_MAX])
{
	struct sensor_config cfg = { .wakeup_bytes = s->wakeup_bytes, .syscall_spec = spec };
	unsigned watched = 0;
	__u32 nr;
	int err;

	for (nr = 0; nr < EV_SYSCALL_NR_MAX; nr++)
		watched += spec[nr] != 0;
	if (!s->sc) {
		if (!watched)
			return 0;
		err = open_syscalls(s, &cfg);
		if (err) {
			syscall_detach(s);
			syscall_bpf__destroy(s->sc);
			s->sc = NULL;
			return err;
		}
		s->watched = watched;
		return 0;
	}
	/* An array map: 0 switches a syscall off, the program stays attached. */
	for (nr = 0; nr < EV_SYSCALL_NR_MAX; nr++) {
		err = bpf_map_update_elem(bpf_map__fd(s->sc->maps.syscall_spec), &nr, &spec[nr],
					  BPF_ANY);
		if (err) {
			err = -errno;
			fprintf(stderr, "palisade: updating the syscall interest map failed at %u: "
					"%s\n", nr, strerror(-err));
			return err;
		}
	}
	s->watched = watched;
	return syscall_attach(s, spec);
}

void sensor_counters(struct sensor *s, uint64_t out[CNT_MAX])
{
	uint64_t *vals = calloc((size_t)s->ncpus, sizeof(*vals));
	uint32_t k;
	int c;

	memset(out, 0, sizeof(uint64_t) * CNT_MAX);
	if (!vals)
		return;
	for (k = 0; k < CNT_MAX; k++) {
		if (bpf_map_lookup_elem(bpf_map__fd(s->skel->maps.counters), &k, vals))
			continue;
		for (c = 0; c < s->ncpus; c++)
			out[k] += vals[c];
	}
	free(vals);
}

int sensor_lost_by(struct sensor *s, uint64_t out[EV_LOST_SLOTS])
{
	uint64_t *vals = calloc((size_t)s->ncpus, sizeof(*vals));
	uint32_t k;
	int c, err = 0;

	memset(out, 0, sizeof(uint64_t) * EV_LOST_SLOTS);
	if (!vals)
		return -ENOMEM;
	for (k = 0; k < EV_LOST_SLOTS && !err; k++) {
		if (bpf_map_lookup_elem(bpf_map__fd(s->skel->maps.lost_by), &k, vals))
			err = -errno;
		for (c = 0; c < s->ncpus && !err; c++)
			out[k] += vals[c];
	}
	free(vals);
	return err;
}

void sensor_prefilter_host(struct sensor *s, uint64_t cgroup_id)
{
	size_t i = (size_t)(cgroup_id * 0x9e3779b97f4a7c15ull) & (HOST_SEEN_SLOTS - 1);
	uint8_t one = 1;

	if (!s->sc || !cgroup_id || s->host_n >= HOST_SEEN_SLOTS / 2)
		return; /* a host cgroup left out is only kept, never wrongly dropped */
	while (s->host_seen[i]) {
		if (s->host_seen[i] == cgroup_id)
			return;
		i = (i + 1) & (HOST_SEEN_SLOTS - 1);
	}
	s->host_seen[i] = cgroup_id;
	s->host_n++;
	if (bpf_map_update_elem(bpf_map__fd(s->sc->maps.pf_host_cgroups), &cgroup_id, &one,
				BPF_ANY))
		s->host_n = HOST_SEEN_SLOTS; /* map full: stop trying */
}

void sensor_describe(struct sensor *s, char *buf, size_t size)
{
	struct sensor_info si;
	size_t i, n = 0;
	int count = 0;

	sensor_info(s, &si);
	n += (size_t)snprintf(buf, size, "programs [");
	for (i = 0; i < si.n_programs && n < size; i++) {
		const struct sensor_program *sp = &si.programs[i];

		if (!sp->links)
			continue;
		if (strcmp(sp->section, "tracepoint") == 0)
			n += (size_t)snprintf(buf + n, size - n, "%stracepoint/syscalls/sys_exit_* x%u",
					      count ? " " : "", sp->links);
		else
			n += (size_t)snprintf(buf + n, size - n, "%s%s", count ? " " : "",
					      sp->section);
		count++;
	}
	if (si.links_error && n < size)
		n += (size_t)snprintf(buf + n, size - n, "%s? the kernel's links are unreadable: %s",
				      count ? " " : "", strerror(-si.links_error));
	if (n < size)
		snprintf(buf + n, size - n, "] (%d attached), %u syscalls watched, ring buffer %u KiB; %s",
			 count, s->watched, si.ringbuf_bytes / 1024, s->features);
}

void sensor_detach(struct sensor *s)
{
	if (!s)
		return;
	bpf_link__destroy(s->entry_link);
	s->entry_link = NULL;
	syscall_detach(s);
	process_bpf__detach(s->skel);
}

void sensor_close(struct sensor *s)
{
	if (!s)
		return;
	ring_buffer__free(s->rb);
	bpf_link__destroy(s->entry_link);
	syscall_detach(s);
	syscall_bpf__destroy(s->sc);
	process_bpf__destroy(s->skel);
	free(s);
}

int sensor_counters_percpu(struct sensor *s, uint64_t *out, int max_cpus)
{
	int n = s->ncpus < max_cpus ? s->ncpus : max_cpus, c;
	uint64_t *vals = calloc((size_t)s->ncpus, sizeof(*vals));
	uint32_t k;

	if (!vals)
		return -ENOMEM;
	memset(out, 0, sizeof(uint64_t) * CNT_MAX * (size_t)n);
	for (k = 0; k < CNT_MAX; k++) {
		if (bpf_map_lookup_elem(bpf_map__fd(s->skel->maps.counters), &k, vals))
			continue;
		for (c = 0; c < n; c++)
			out[(size_t)c * CNT_MAX + k] = vals[c];
	}
	free(vals);
	return n;
}
