/*
 * The learning object (bpf/learn.bpf.c): loaded and attached by
 * sensor_learn_open, destroyed by sensor_learn_close, so that nothing stays
 * attached once learning ends. Independent of struct sensor: a learner
 * needs neither the ring buffer nor the rules.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "learn.skel.h"
#include "sensor/sensor.h"

struct sensor_learn {
	struct learn_bpf *skel;
};

int sensor_learn_open(bool all, struct sensor_learn **out)
{
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	struct sensor_learn *l = calloc(1, sizeof(*l));
	int err;

	if (!l)
		return -ENOMEM;
	setrlimit(RLIMIT_MEMLOCK, &rl); /* charged to the cgroup on >= 5.11 */
	sensor_log_forget();
	l->skel = learn_bpf__open();
	if (!l->skel) {
		err = -errno;
		fprintf(stderr, "palisade: cannot open the learning object: %s\n", strerror(-err));
		goto fail;
	}
	l->skel->rodata->agent_tgid = (uint32_t)getpid();
	l->skel->rodata->learn_all = all;
	err = learn_bpf__load(l->skel);
	if (err) {
		sensor_log_failure();
		fprintf(stderr, "palisade: loading the learning programs failed (%s); run as root; "
				"libbpf's log is above\n", strerror(-err));
		goto fail;
	}
	err = learn_bpf__attach(l->skel);
	if (err) {
		sensor_log_failure();
		fprintf(stderr, "palisade: attaching tp_btf/sys_enter and tp_btf/cap_capable failed: "
				"%s\n", strerror(-err));
		goto fail;
	}
	*out = l;
	return 0;
fail:
	sensor_learn_close(l);
	return err;
}

int sensor_learn_add(struct sensor_learn *l, uint64_t cgroup_id)
{
	static const struct learn_cgroup zero;

	if (bpf_map_update_elem(bpf_map__fd(l->skel->maps.learn_cgroups), &cgroup_id, &zero,
				BPF_NOEXIST) && errno != EEXIST)
		return -errno;
	return 0;
}

int sensor_learn_read(struct sensor_learn *l, uint64_t cgroup_id, struct learn_cgroup *out)
{
	if (bpf_map_lookup_elem(bpf_map__fd(l->skel->maps.learn_cgroups), &cgroup_id, out))
		return -errno;
	return 0;
}

int sensor_learn_each(struct sensor_learn *l,
		      int (*fn)(uint64_t cgroup_id, const struct learn_cgroup *seen, void *ctx),
		      void *ctx)
{
	int fd = bpf_map__fd(l->skel->maps.learn_cgroups), err = 0;
	uint64_t key, next;
	struct learn_cgroup v;
	bool first = true;
	unsigned n = 0;

	/* Bounded by the map's size; an entry deleted meanwhile is skipped. */
	while (!err && n++ < LEARN_CGROUPS_MAX &&
	       !bpf_map_get_next_key(fd, first ? NULL : &key, &next)) {
		first = false;
		key = next;
		if (bpf_map_lookup_elem(fd, &key, &v) == 0)
			err = fn(key, &v, ctx);
	}
	return err;
}

uint64_t sensor_learn_unlearned(struct sensor_learn *l)
{
	int ncpus = libbpf_num_possible_cpus();
	uint64_t *vals, sum = 0;
	uint32_t zero = 0;

	if (ncpus <= 0 || !(vals = calloc((size_t)ncpus, sizeof(*vals))))
		return 0;
	if (bpf_map_lookup_elem(bpf_map__fd(l->skel->maps.learn_full), &zero, vals) == 0)
		for (int c = 0; c < ncpus; c++)
			sum += vals[c];
	free(vals);
	return sum;
}

void sensor_learn_close(struct sensor_learn *l)
{
	if (!l)
		return;
	learn_bpf__destroy(l->skel); /* detaches both programs */
	free(l);
}
