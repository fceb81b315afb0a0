/*
 * User-space half of the hold (bpf/hold.bpf.h): the switch, the armed and
 * held maps. What is held and when it is released is decided by
 * src/action/hold.c.
 */
#include <errno.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <bpf/bpf.h>

#include "sensor/internal.h"

void sensor_hold_configure(struct sensor *s)
{
	struct stat st;

	/* The kernel's encoding of a device number (MKDEV): major << 20 | minor. */
	if (stat("/", &st) == 0) {
		s->skel->rodata->host_root_dev =
			((uint64_t)major(st.st_dev) << 20) | (uint64_t)minor(st.st_dev);
		s->skel->rodata->host_root_ino = st.st_ino;
	}
}

void sensor_hold_enable(struct sensor *s, bool on)
{
	s->skel->bss->hold_on = on;
}

int sensor_hold_arm(struct sensor *s, uint64_t cgroup_id)
{
	uint32_t one = 1;

	if (bpf_map_update_elem(bpf_map__fd(s->skel->maps.armed), &cgroup_id, &one, BPF_ANY))
		return -errno;
	return 0;
}

void sensor_hold_disarm_all(struct sensor *s)
{
	int fd = bpf_map__fd(s->skel->maps.armed);
	uint64_t key, next;

	while (bpf_map_get_next_key(fd, NULL, &next) == 0) {
		key = next;
		if (bpf_map_delete_elem(fd, &key))
			break;
	}
}

int sensor_hold_claim(struct sensor *s, uint32_t tgid)
{
	if (bpf_map_delete_elem(bpf_map__fd(s->skel->maps.held), &tgid))
		return -errno;
	return 0;
}

int sensor_hold_list(struct sensor *s, uint32_t *tgids, struct hold_value *vals, int max)
{
	int fd = bpf_map__fd(s->skel->maps.held), n = 0;
	uint32_t key = 0, next;
	bool first = true;

	/* Read only: a key deleted under the walk restarts it, so the caller
	 * acts on the list afterwards. */
	while (n < max && bpf_map_get_next_key(fd, first ? NULL : &key, &next) == 0) {
		first = false;
		key = next;
		if (bpf_map_lookup_elem(fd, &key, &vals[n]) == 0)
			tgids[n++] = key;
	}
	return n;
}

int sensor_hold_map_fd(struct sensor *s)
{
	return bpf_map__fd(s->skel->maps.held);
}
