/*
 * An observation from a recording (`palisade run --record FILE --learn`,
 * docs/record-format.md): the container is found by its metadata frames,
 * its syscall and capability sets (and peaks, when known) come from its
 * learn frames, its files and sockets from its events. Two passes: a
 * container's metadata frame may follow its first events.
 */
#include <errno.h>
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event/event.h"
#include "profile/profile.h"
#include "record/record.h"

/* Whether a container frame is the one asked for (name, full id or a prefix
 * of at least 12 characters); its cgroup id and description into o. */
static bool container_match(const void *data, size_t len, const char *want,
			    struct profile_obs *o, uint64_t *cgroup)
{
	json_t *doc = json_loadb(data, len, 0, NULL), *cg;
	const char *id, *name;
	bool hit;

	if (!doc)
		return false;
	id = json_string_value(json_object_get(doc, "id")) ?: "";
	name = json_string_value(json_object_get(doc, "name")) ?: "";
	cg = json_object_get(doc, "cgroup_id");
	hit = (name[0] && !strcmp(name, want)) || (id[0] && !strcmp(id, want)) ||
	      (strlen(want) >= 12 && !strncmp(id, want, strlen(want)));
	if (hit) {
		*cgroup = json_is_integer(cg) ? (uint64_t)json_integer_value(cg)
			  : json_is_string(cg) ? strtoull(json_string_value(cg), NULL, 10)
					       : 0;
		snprintf(o->id, sizeof(o->id), "%s", id);
		if (name[0]) /* a later frame may have the metadata an earlier lacked */
			snprintf(o->name, sizeof(o->name), "%s", name);
		if (json_string_value(json_object_get(doc, "image")))
			snprintf(o->image, sizeof(o->image), "%s",
				 json_string_value(json_object_get(doc, "image")));
	}
	json_decref(doc);
	return hit && *cgroup;
}

static void learn_frame(const void *data, size_t len, uint64_t cgroup, struct profile_obs *o,
			unsigned *frames)
{
	struct ev_learn f;

	if (len < offsetof(struct ev_learn, pad))
		return;
	memcpy(&f, data, offsetof(struct ev_learn, pad));
	if (f.version != EV_LEARN_VERSION || f.cgroup_id != cgroup)
		return;
	(*frames)++;
	profile_obs_merge(o, &f.seen);
	if (f.ts_ns > f.since_ns && f.ts_ns - f.since_ns > o->learned_ns)
		o->learned_ns = f.ts_ns - f.since_ns;
	o->from_start |= (f.flags & EV_LEARN_FROM_START) != 0;
	o->limits_known |= f.flags & (EV_LEARN_MEM | EV_LEARN_CPU | EV_LEARN_PIDS);
	if (f.mem_peak > o->mem_peak)
		o->mem_peak = f.mem_peak;
	if (f.cpu_peak_milli > o->cpu_peak_milli)
		o->cpu_peak_milli = f.cpu_peak_milli;
	if (f.pids_peak > o->pids_peak)
		o->pids_peak = f.pids_peak;
	o->cpu_usage_ns = f.cpu_usage_ns > o->cpu_usage_ns ? f.cpu_usage_ns : o->cpu_usage_ns;
}

/* Pass 1 finds the container; pass 2 reads its learn frames and events. */
static int pass(const char *path, const char *container, struct profile_obs *o,
		uint64_t *cgroup, unsigned *frames)
{
	struct record_reader *r;
	const void *data;
	uint32_t type;
	size_t len;
	int ret;

	ret = record_reader_open(path, &r);
	if (ret)
		return ret;
	while ((ret = record_read(r, &type, &data, &len)) == 1) {
		struct event ev;

		if (type == FRAME_CONTAINER && !*cgroup)
			container_match(data, len, container, o, cgroup);
		else if (type == FRAME_LEARN && *cgroup && frames)
			learn_frame(data, len, *cgroup, o, frames);
		else if (type == FRAME_EVENT && *cgroup && frames && !event_decode(data, len, &ev) &&
			 ev.hdr->cgroup_id == *cgroup && profile_obs_add_event(o, &ev) == -ENOMEM)
			ret = -ENOMEM;
		if (ret < 0)
			break;
	}
	record_reader_close(r);
	return ret < 0 ? ret : 0;
}

int profile_obs_from_record(const char *path, const char *container, struct profile_obs *o)
{
	uint64_t cgroup = 0;
	unsigned frames = 0;
	int err;

	memset(o, 0, sizeof(*o));
	err = pass(path, container, o, &cgroup, NULL);
	if (!err && !cgroup) {
		fprintf(stderr, "palisade profile: %s has no container %s (a name, an id, or an id "
				"prefix of 12 or more characters)\n", path, container);
		err = -ENOENT;
	}
	err = err ?: pass(path, container, o, &cgroup, &frames);
	if (!err && !frames) {
		fprintf(stderr, "palisade profile: %s has no learn frame for %s: record with "
				"`palisade run --record FILE --learn` (docs/profiles.md)\n", path,
			container);
		err = -ENODATA;
	}
	o->files_seen = !err;
	if (err)
		profile_obs_free(o);
	return err;
}
