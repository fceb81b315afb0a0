/* The libbpf-bootstrap lifecycle: open, configure read-only data, load,
 * attach, poll, with one cleanup path. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "sensor/internal.h"

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, args);
}

/*
 * libbpf's consume loop returns only once the ring is empty: under a flood
 * that keeps it full it would never return, and the agent's loop (signals,
 * reloads, the drop check) would never run. A callback error stops the loop
 * with the record it was given consumed: past the batch, yield that way.
 */
static int on_record(void *ctx, void *data, size_t len)
{
	struct sensor *s = ctx;
	int err = s->fn(s->ctx, data, len);

	if (err)
		return err;
	return ++s->batch_n < SENSOR_BATCH ? 0 : -EAGAIN;
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
	err = syscall_bpf__load(sc);
	if (err) {
		fprintf(stderr, "palisade: loading the syscall sensor failed (%s); see the "
				"verifier log above\n", strerror(-err));
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
	libbpf_set_print(libbpf_print);
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
	err = bpf_map__set_max_entries(s->skel->maps.events, cfg->ringbuf_bytes);
	if (err)
		goto fail_msg;
	/* sys_enter runs for every syscall of the host: attached only when a
	 * rule asks for a kill at syscall entry (sensor_entry_deny). */
	bpf_program__set_autoattach(s->skel->progs.on_sys_enter, false);
	err = process_bpf__load(s->skel);
	if (err) {
		fprintf(stderr, "palisade: loading the BPF programs failed (%s); run as root, "
				"and see the verifier log above\n", strerror(-err));
		goto fail;
	}
	err = process_bpf__attach(s->skel);
	if (err) {
		fprintf(stderr, "palisade: attaching the tracepoints failed: %s\n", strerror(-err));
		goto fail;
	}
	if (s->watched) {
		err = open_syscalls(s, cfg);
		if (err)
			goto fail;
	}
	s->rb = ring_buffer__new(bpf_map__fd(s->skel->maps.events), on_record, s, NULL);
	if (!s->rb) {
		err = -errno;
		goto fail_msg;
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

int sensor_poll(struct sensor *s, int timeout_ms)
{
	int n;

	/* After a full batch more is waiting, and no wake-up may come for it
	 * (only crossing the mark from below sends one): do not sleep. */
	if (s->batch_n >= SENSOR_BATCH)
		timeout_ms = 0;
	s->batch_n = 0;
	n = ring_buffer__poll(s->rb, timeout_ms);
	/* Records are submitted without a wake-up (DESIGN.md section 6), and
	 * poll consumes only rings that signalled one: drain after the timeout. */
	if (n >= 0 || n == -EINTR)
		n = ring_buffer__consume(s->rb);
	if (n == -EAGAIN && s->batch_n >= SENSOR_BATCH)
		return (int)s->batch_n; /* a full batch: the caller comes back */
	return n == -EINTR ? 0 : n;
}

int sensor_drain(struct sensor *s)
{
	/* A record is at least its header and the ring's own 8 bytes: a ring's
	 * worth of them covers everything queued at the call. */
	uint64_t most = bpf_map__max_entries(s->skel->maps.events) /
			(sizeof(struct ev_header) + 8), n = 0;
	int got;

	do {
		got = sensor_poll(s, 0);
		if (got < 0)
			return got;
		n += (uint64_t)got;
	} while (got >= SENSOR_BATCH && n < most);
	return 0;
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
	struct bpf_program *prog;
	size_t n = 0;
	int count = 0;

	n += (size_t)snprintf(buf, size, "programs [");
	bpf_object__for_each_program(prog, s->skel->obj) {
		if (n < size)
			n += (size_t)snprintf(buf + n, size - n, "%s%s", count ? " " : "",
					      bpf_program__section_name(prog));
		count++;
	}
	if (s->sc && syscall_hook_name(s) && n < size) {
		n += (size_t)snprintf(buf + n, size - n, " %s", syscall_hook_name(s));
		count++;
	}
	if (s->renames_tracked && n < size) {
		n += (size_t)snprintf(buf + n, size - n, " tp_btf/task_rename");
		count++;
	}
	if (n < size)
		snprintf(buf + n, size - n, "] (%d), %u syscalls watched, ring buffer %u KiB; %s",
			 count, s->watched, bpf_map__max_entries(s->skel->maps.events) / 1024,
			 s->features);
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

void sensor_info(struct sensor *s, struct sensor_info *out)
{
	struct bpf_program *prog;

	memset(out, 0, sizeof(*out));
	bpf_object__for_each_program(prog, s->skel->obj)
		if (out->n_programs < SENSOR_PROGRAMS_MAX)
			out->programs[out->n_programs++] = bpf_program__section_name(prog);
	if (s->sc && syscall_hook_name(s) && out->n_programs < SENSOR_PROGRAMS_MAX)
		out->programs[out->n_programs++] = syscall_hook_name(s);
	if (s->renames_tracked && out->n_programs < SENSOR_PROGRAMS_MAX)
		out->programs[out->n_programs++] = "tp_btf/task_rename";
	out->syscalls_watched = s->watched;
	out->ringbuf_bytes = bpf_map__max_entries(s->skel->maps.events);
	out->ncpus = s->ncpus;
}
