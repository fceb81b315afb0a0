/*
 * What is attached, read back from the kernel: a program counts as attached
 * only when the kernel holds a link to it, found by walking the kernel's
 * link ids as bpftool does (`bpftool link`). Listing the object's programs
 * reported tp_btf/sys_enter as attached while no rule had asked for it and
 * no link existed.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "sensor/internal.h"

/* Links examined per call: a bound on the work of one scrape. */
#define LINKS_WALK_MAX 65536

static uint32_t prog_id(const struct bpf_program *prog)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);
	int fd = bpf_program__fd(prog);

	memset(&info, 0, sizeof(info));
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.id;
}

static void add_programs(struct bpf_object *obj, struct sensor_info *out, uint32_t *ids)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj) {
		struct sensor_program *sp;

		if (out->n_programs >= SENSOR_PROGRAMS_MAX || bpf_program__fd(prog) < 0)
			continue;
		ids[out->n_programs] = prog_id(prog);
		sp = &out->programs[out->n_programs++];
		sp->section = bpf_program__section_name(prog);
		sp->name = bpf_program__name(prog);
	}
}

/* Counts the kernel's links to each program of ids; -errno when the
 * kernel's link list cannot be read. */
static int count_links(struct sensor_info *out, const uint32_t *ids)
{
	uint32_t id = 0;
	unsigned walked = 0;

	while (walked++ < LINKS_WALK_MAX) {
		struct bpf_link_info info;
		uint32_t len = sizeof(info);
		int fd;

		if (bpf_link_get_next_id(id, &id))
			return errno == ENOENT ? 0 : -errno;
		fd = bpf_link_get_fd_by_id(id);
		if (fd < 0)
			continue; /* detached since: not ours to count */
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0)
			for (size_t i = 0; i < out->n_programs; i++)
				if (ids[i] && ids[i] == info.prog_id)
					out->programs[i].links++;
		close(fd);
	}
	return -E2BIG;
}

void sensor_info(struct sensor *s, struct sensor_info *out)
{
	uint32_t ids[SENSOR_PROGRAMS_MAX] = { 0 };

	memset(out, 0, sizeof(*out));
	add_programs(s->skel->obj, out, ids);
	if (s->sc)
		add_programs(s->sc->obj, out, ids);
	out->links_error = count_links(out, ids);
	out->syscalls_watched = s->watched;
	out->ringbuf_bytes = bpf_map__max_entries(s->skel->maps.events);
	out->ncpus = s->ncpus;
}
