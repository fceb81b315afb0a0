/*
 * The rules' pre-filter in the kernel's maps (bpf/prefilter.bpf.h,
 * bpf/prefilter_names.bpf.h): written at start before the syscall sensor is
 * attached, and replaced on a reload without a window where the kernel
 * drops an open that the old or the new rules need.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "sensor/internal.h"

#define SC_PF_BITS ((15u << SC_PF_ID_SHIFT) | (7u << SC_PF_FLAGS_SHIFT))

static int gate_set(struct syscall_bpf *sc, uint32_t slot, uint64_t v)
{
	if (bpf_map_update_elem(bpf_map__fd(sc->maps.pf_gate), &slot, &v, BPF_ANY))
		return -errno;
	return 0;
}

int sensor_prefilter_write(struct syscall_bpf *sc, const struct sensor_prefilter *pf,
			   bool unseeded)
{
	const char *what = "path";
	size_t i = 0, n = pf->n_paths;
	int err = 0;

	for (; i < pf->n_paths && !err; i++)
		if (bpf_map_update_elem(bpf_map__fd(sc->maps.pf_paths), &pf->paths[i].key,
					&pf->paths[i].val, BPF_ANY))
			err = -errno;
	if (!err) {
		what = "first-component";
		i = n = 1;
		err = sensor_prefilter_tops(sc, pf->paths, pf->n_paths);
	}
	if (!err) {
		uint8_t one = 1;

		what = "name";
		n = pf->n_names;
		for (i = 0; i < pf->n_names && !err; i++)
			if (bpf_map_update_elem(bpf_map__fd(sc->maps.pf_names), &pf->names[i],
						&one, BPF_ANY))
				err = -errno;
	}
	for (i = 0; i < pf->n_raws && !err; i++) {
		what = "raw-path";
		n = pf->n_raws;
		if (bpf_map_update_elem(bpf_map__fd(sc->maps.pf_raws), &(uint32_t){ (uint32_t)i },
					&pf->raws[i], BPF_ANY))
			err = -errno;
	}
	/* The spans after the pieces: no class visits a piece not yet written. */
	for (i = 0; i < PF_IDS && !err; i++) {
		what = "raw-path span";
		n = PF_IDS;
		if (bpf_map_update_elem(bpf_map__fd(sc->maps.pf_raw_spans),
					&(uint32_t){ (uint32_t)i }, &pf->raw_spans[i], BPF_ANY))
			err = -errno;
	}
	/* Seeding first: the gate must not drop before the table is right. */
	if (!err && unseeded) {
		what = "gate";
		i = n = 1;
		err = gate_set(sc, PF_GATE_UNSEEDED, 1);
	}
	if (!err) {
		what = "gate";
		i = n = 1;
		err = gate_set(sc, PF_GATE_IDS, pf->gated_ids);
	}
	if (err)
		fprintf(stderr, "palisade: filling the pre-filter's %s map (entry %zu of %zu) "
				"failed: %s; run with --no-prefilter\n", what, i, n, strerror(-err));
	return err;
}

void sensor_prefilter_seeded(struct sensor *s)
{
	if (s->sc && gate_set(s->sc, PF_GATE_UNSEEDED, 0))
		fprintf(stderr, "palisade: the pre-filter's name gate stays open (every open it "
				"covers is kept): %s\n", strerror(errno));
}

bool sensor_prefilter_marks_full(struct sensor *s)
{
	uint32_t slot = PF_GATE_MARKS_FULL;
	uint64_t v = 0;

	if (!s->sc || bpf_map_lookup_elem(bpf_map__fd(s->sc->maps.pf_gate), &slot, &v))
		return false;
	return v != 0;
}

/* Deletes every key of a map; key_size bytes per key. */
static int map_clear(int fd, size_t key_size)
{
	char *key = calloc(2, key_size), *next = key ? key + key_size : NULL;
	int err = 0;

	if (!key)
		return -ENOMEM;
	/* Always restart from the first key: the one just deleted is gone. */
	while (!bpf_map_get_next_key(fd, NULL, next)) {
		if (bpf_map_delete_elem(fd, next)) {
			err = -errno;
			break;
		}
	}
	if (!err && errno != ENOENT)
		err = -errno;
	free(key);
	return err;
}

/* Deletes every key of a large map: the keys are listed first (one pass),
 * then deleted; map_clear's restart from the first key is quadratic. */
static int map_clear_all(const struct bpf_map *map)
{
	size_t ksz = bpf_map__key_size(map), n = 0, max = bpf_map__max_entries(map);
	char *keys = calloc(max + 1, ksz);
	int fd = bpf_map__fd(map), err = 0;

	if (!keys)
		return -ENOMEM;
	while (n < max && !bpf_map_get_next_key(fd, n ? keys + (n - 1) * ksz : NULL, keys + n * ksz))
		n++;
	for (size_t i = 0; i < n && !err; i++)
		if (bpf_map_delete_elem(fd, keys + i * ksz) && errno != ENOENT)
			err = -errno;
	free(keys);
	return err;
}

/*
 * Returns once every BPF program that was running has finished: updating a
 * map-in-map makes the kernel wait for an RCU grace period for exactly this
 * (maybe_wait_bpf_programs() in kernel/bpf/syscall.c), and tracing programs
 * run inside RCU read-side sections. A program that read the old spec word
 * is then done with the old filter and has queued its record.
 */
static int wait_running_programs(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts);
	uint32_t zero = 0;
	int inner, outer, err = 0;

	inner = bpf_map_create(BPF_MAP_TYPE_ARRAY, "pf_barrier_in", 4, 4, 1, NULL);
	if (inner < 0)
		return -errno;
	opts.inner_map_fd = inner;
	outer = bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "pf_barrier", 4, 4, 1, &opts);
	if (outer < 0 || bpf_map_update_elem(outer, &zero, &inner, BPF_ANY))
		err = -errno;
	if (outer >= 0)
		close(outer);
	close(inner);
	return err;
}

int sensor_prefilter_suspend(struct sensor *s, const uint32_t a[EV_SYSCALL_NR_MAX],
			     const uint32_t b[EV_SYSCALL_NR_MAX])
{
	static uint32_t open_spec[EV_SYSCALL_NR_MAX];
	int err;

	for (unsigned nr = 0; nr < EV_SYSCALL_NR_MAX; nr++)
		open_spec[nr] = (a[nr] | b[nr]) & ~SC_PF_BITS;
	err = sensor_update_syscalls(s, open_spec);
	if (!err)
		err = wait_running_programs();
	if (err)
		fprintf(stderr, "palisade: suspending the pre-filter failed: %s\n", strerror(-err));
	return err;
}

int sensor_prefilter_replace(struct sensor *s, const uint32_t spec[EV_SYSCALL_NR_MAX],
			     const struct sensor_prefilter *pf)
{
	static uint32_t open_spec[EV_SYSCALL_NR_MAX];
	int err = 0;

	/* The maps are rewritten while no spec selects them (suspended). */
	if (s->sc) {
		err = map_clear(bpf_map__fd(s->sc->maps.pf_paths), sizeof(struct pf_key));
		err = err ?: map_clear(bpf_map__fd(s->sc->maps.pf_names),
				       sizeof(struct pf_name_key));
		err = err ?: map_clear(bpf_map__fd(s->sc->maps.pf_tops), sizeof(struct pf_top_key));
		/* No decision outlives the rules it was made under. */
		err = err ?: map_clear_all(s->sc->maps.pf_cache);
		err = err ?: sensor_prefilter_tops_off(s->sc);
		err = err ?: sensor_prefilter_raws_off(s->sc);
		err = err ?: gate_set(s->sc, PF_GATE_IDS, 0);
		if (err)
			fprintf(stderr, "palisade: clearing the pre-filter's maps failed: %s\n",
				strerror(-err));
		if (!err && pf)
			err = sensor_prefilter_write(s->sc, pf, false);
		/* Renames before the tracker was attached are unknown: gated
		 * classes keep everything, as when marks overflow. */
		if (!err && pf && pf->gated_ids && !s->renames_tracked)
			err = gate_set(s->sc, PF_GATE_MARKS_FULL, 1);
	}
	for (unsigned nr = 0; nr < EV_SYSCALL_NR_MAX; nr++)
		open_spec[nr] = err || !pf ? spec[nr] & ~SC_PF_BITS : spec[nr];
	if (err)
		fprintf(stderr, "palisade: the pre-filter is off until the next reload or "
				"restart (every open is reported)\n");
	return sensor_update_syscalls(s, open_spec) ?: err;
}
