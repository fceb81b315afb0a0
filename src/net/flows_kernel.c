/*
 * The flow accounting's kernel half: loads bpf/flows.bpf.c, attaches its two
 * cgroup_skb programs at the cgroup v2 root (bpf_link multi-attach: other
 * programs there keep running, and the links go with the agent), reads and
 * trims the flow table, sums the counters, keeps the isolation list.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "net/net.h"
#include "sensor/sensor.h"
#include "flows.skel.h"

/* Entries per batch read: large batches, few system calls. */
#define READ_BATCH 4096

struct net_flows_kernel {
	struct flows_bpf *skel;
	struct bpf_link *links[2];
	struct bpf_link *policy_links[4]; /* the label policy's egress hooks, when asked */
	int ncpus;
	bool batch_unsupported; /* then one lookup per key */
};

static int attach(struct net_flows_kernel *k, const char *root)
{
	struct bpf_program *progs[2] = { k->skel->progs.fl_egress, k->skel->progs.fl_ingress };
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC), err = 0;

	if (fd < 0) {
		err = -errno;
		fprintf(stderr, "palisade: flows: cannot open the cgroup v2 root %s: %s\n", root,
			strerror(-err));
		return err;
	}
	for (int i = 0; i < 2 && !err; i++) {
		k->links[i] = bpf_program__attach_cgroup(progs[i], fd);
		if (!k->links[i]) {
			err = -errno;
			fprintf(stderr, "palisade: flows: attaching %s to %s failed: %s\n",
				bpf_program__section_name(progs[i]), root, strerror(-err));
		}
	}
	close(fd);
	return err;
}

int net_flows_kernel_open(const char *cgroup2_root, uint32_t max_flows, bool accounting,
			  bool loopback, struct net_flows_kernel **out)
{
	struct net_flows_kernel *k;
	char mnt[512];
	int err;

	*out = NULL;
	if (!cgroup2_root) {
		if (container_cgroup2_mount(mnt, sizeof(mnt))) {
			fprintf(stderr, "palisade: flows: cgroup v2 is not mounted: mount it "
					"(mount -t cgroup2 none /sys/fs/cgroup) for flows\n");
			return -ENOENT;
		}
		cgroup2_root = mnt;
	}
	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	k->ncpus = libbpf_num_possible_cpus();
	sensor_log_forget();
	k->skel = flows_bpf__open();
	if (!k->skel)
		err = -errno;
	else if (!(err = bpf_map__set_max_entries(k->skel->maps.fl_flows, max_flows))) {
		k->skel->data->accounting = accounting;
		k->skel->bss->loopback = loopback;
		err = flows_bpf__load(k->skel);
	}
	if (err) {
		sensor_log_failure();
		fprintf(stderr, "palisade: flows: loading bpf/flows.bpf.c failed (%s); libbpf's "
				"log is above\n", strerror(-err));
		net_flows_kernel_close(k);
		return err;
	}
	err = attach(k, cgroup2_root);
	if (err) {
		net_flows_kernel_close(k);
		return err;
	}
	*out = k;
	return 0;
}

void net_flows_kernel_close(struct net_flows_kernel *k)
{
	if (!k)
		return;
	for (int i = 0; i < 2; i++)
		bpf_link__destroy(k->links[i]);
	for (int i = 0; i < 4; i++)
		bpf_link__destroy(k->policy_links[i]);
	flows_bpf__destroy(k->skel);
	free(k);
}

/* Without batch operations (old kernels): key by key. */
static long read_by_key(int fd, struct fl_key *keys, struct fl_value *vals, size_t max)
{
	struct fl_key cur, next;
	const void *prev = NULL;
	size_t n = 0;

	while (n < max && !bpf_map_get_next_key(fd, prev, &next)) {
		cur = next;
		prev = &cur;
		if (bpf_map_lookup_elem(fd, &cur, &vals[n]))
			continue; /* deleted in between */
		keys[n++] = cur;
	}
	return (long)n;
}

long net_flows_kernel_read(struct net_flows_kernel *k, struct fl_key *keys,
			   struct fl_value *vals, size_t max)
{
	int fd = bpf_map__fd(k->skel->maps.fl_flows);
	struct fl_key batch_key;
	void *in = NULL;
	size_t n = 0;

	while (!k->batch_unsupported && n < max) {
		__u32 count = (__u32)(max - n < READ_BATCH ? max - n : READ_BATCH);
		int err = bpf_map_lookup_batch(fd, in, &batch_key, keys + n, vals + n, &count,
					       NULL);

		if (err && errno != ENOENT) {
			if (errno == EINVAL || errno == ENOTSUP || errno == EOPNOTSUPP) {
				k->batch_unsupported = true;
				break;
			}
			return -errno;
		}
		n += count;
		if (err) /* ENOENT: that was the last batch */
			return (long)n;
		in = &batch_key;
	}
	if (k->batch_unsupported)
		return read_by_key(fd, keys, vals, max);
	return (long)n;
}

void net_flows_kernel_delete(struct net_flows_kernel *k, const struct fl_key *keys, size_t n)
{
	int fd = bpf_map__fd(k->skel->maps.fl_flows);
	__u32 count = (__u32)n;

	if (!n)
		return;
	if (!bpf_map_delete_batch(fd, keys, &count, NULL))
		return;
	/* A key another sweep already took stops a batch: finish one by one. */
	for (size_t i = count; i < n; i++)
		bpf_map_delete_elem(fd, &keys[i]);
}

void net_flows_kernel_counters(struct net_flows_kernel *k, uint64_t out[FL_CNT_MAX])
{
	uint64_t *vals = calloc((size_t)k->ncpus, sizeof(*vals));
	int fd = bpf_map__fd(k->skel->maps.fl_counters);

	memset(out, 0, FL_CNT_MAX * sizeof(out[0]));
	for (uint32_t key = 0; vals && key < FL_CNT_MAX; key++) {
		if (bpf_map_lookup_elem(fd, &key, vals))
			continue;
		for (int c = 0; c < k->ncpus; c++)
			out[key] += vals[c];
	}
	free(vals);
}

int net_flows_kernel_isolate(struct net_flows_kernel *k, uint64_t cgroup_id, bool on,
			     bool cut_loopback)
{
	int fd = bpf_map__fd(k->skel->maps.fl_isolated);
	uint64_t v = 0;

	if (!on)
		return bpf_map_delete_elem(fd, &cgroup_id) && errno != ENOENT ? -errno : 0;
	/* A cgroup isolated again keeps its drop count; the loopback bit is set anew. */
	bpf_map_lookup_elem(fd, &cgroup_id, &v);
	v = (v & ~FL_ISOLATE_LOOPBACK) | (cut_loopback ? FL_ISOLATE_LOOPBACK : 0);
	if (bpf_map_update_elem(fd, &cgroup_id, &v, BPF_ANY))
		return errno == E2BIG ? -ENOSPC : -errno;
	return 0;
}

uint64_t net_flows_kernel_isolated_drops(struct net_flows_kernel *k, uint64_t cgroup_id)
{
	uint64_t v = 0;

	bpf_map_lookup_elem(bpf_map__fd(k->skel->maps.fl_isolated), &cgroup_id, &v);
	return v & ~FL_ISOLATE_LOOPBACK;
}

/* ---- label policy (bpf/labelpolicy.bpf.h) ---- */

int net_flows_kernel_policy_attach(struct net_flows_kernel *k, const char *cgroup2_root)
{
	struct bpf_program *progs[4] = { k->skel->progs.lp_connect4, k->skel->progs.lp_connect6,
					 k->skel->progs.lp_sendmsg4, k->skel->progs.lp_sendmsg6 };
	char mnt[512];
	int fd, err = 0;

	if (k->policy_links[0])
		return 0;
	if (!cgroup2_root) {
		if (container_cgroup2_mount(mnt, sizeof(mnt)))
			return -ENOENT;
		cgroup2_root = mnt;
	}
	fd = open(cgroup2_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (int i = 0; i < 4 && !err; i++) {
		k->policy_links[i] = bpf_program__attach_cgroup(progs[i], fd);
		if (!k->policy_links[i]) {
			err = -errno;
			fprintf(stderr, "palisade: policy: attaching %s to %s failed: %s\n",
				bpf_program__section_name(progs[i]), cgroup2_root, strerror(-err));
		}
	}
	close(fd);
	return err;
}

void net_flows_kernel_policy_mode(struct net_flows_kernel *k, bool active, bool audit)
{
	k->skel->bss->lp_audit = audit;
	k->skel->bss->lp_active = active;
}

void net_flows_kernel_policy_fds(struct net_flows_kernel *k, int *endpoints, int *rules,
				 int *events)
{
	*endpoints = bpf_map__fd(k->skel->maps.lp_endpoints);
	*rules = bpf_map__fd(k->skel->maps.lp_rules);
	*events = bpf_map__fd(k->skel->maps.lp_events);
}

void net_flows_kernel_policy_counters(struct net_flows_kernel *k, uint64_t out[LP_CNT_MAX])
{
	uint64_t *vals = calloc((size_t)k->ncpus, sizeof(*vals));
	int fd = bpf_map__fd(k->skel->maps.lp_counters);

	memset(out, 0, LP_CNT_MAX * sizeof(out[0]));
	for (uint32_t key = 0; vals && key < LP_CNT_MAX; key++) {
		if (bpf_map_lookup_elem(fd, &key, vals))
			continue;
		for (int c = 0; c < k->ncpus; c++)
			out[key] += vals[c];
	}
	free(vals);
}
