/*
 * profile.json: the observation a profile was made from, by name (syscalls
 * as libseccomp names them, capabilities as Docker's flags do), so that
 * `profile check` can compare a recording or another profile with it and
 * `palisade audit --suggest` can use it. Read back with bounds: it is a file
 * anyone with access to the directory may have edited.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "event/event.h"
#include "profile/profile.h"

#define PROFILE_JSON_VERSION 1

/* Socket families by number, as AppArmor's network rules name them. */
static const struct family {
	unsigned af;
	const char *name;
} families[] = {
	{ AF_UNIX, "unix" },	 { AF_INET, "inet" },	  { AF_INET6, "inet6" },
	{ AF_NETLINK, "netlink" }, { AF_PACKET, "packet" }, { AF_KEY, "key" },
	{ AF_ALG, "alg" },	 { AF_VSOCK, "vsock" },	  { AF_BLUETOOTH, "bluetooth" },
	{ AF_CAN, "can" },	 { AF_XDP, "xdp" },
};

const char *profile_family_name(unsigned af)
{
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (families[i].af == af)
			return families[i].name;
	return NULL;
}

int profile_family_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (strcmp(families[i].name, name) == 0)
			return (int)families[i].af;
	return -1;
}

const char *profile_sock_type_name(unsigned t)
{
	static const char *const names[16] = { [1] = "stream", [2] = "dgram", [3] = "raw",
					       [4] = "rdm", [5] = "seqpacket", [6] = "dccp",
					       [10] = "packet" };

	return t < 16 ? names[t] : NULL;
}

void profile_modes_text(uint32_t modes, char out[8])
{
	static const char letters[] = "rwxml";
	size_t n = 0;

	for (unsigned i = 0; i < 5; i++)
		if (modes & (1u << i))
			out[n++] = letters[i];
	out[n] = '\0';
}

static json_t *bitmap_names(const __u64 *words)
{
	json_t *arr = json_array();
	char name[64];

	for (unsigned nr = 0; arr && nr < EV_SYSCALL_NR_MAX; nr++)
		if ((words[nr / 64] & (1ull << (nr % 64))) &&
		    profile_syscall_name(nr, name, sizeof(name)) == 0)
			json_array_append_new(arr, json_string(name));
	return arr;
}

/* Runtime syscalls the kernel saw that seccomp_runtime.c does not list. */
static json_t *runtime_unlisted(const __u64 *words)
{
	json_t *arr = json_array();
	char name[64];

	for (unsigned nr = 0; arr && nr < EV_SYSCALL_NR_MAX; nr++)
		if ((words[nr / 64] & (1ull << (nr % 64))) &&
		    profile_syscall_name(nr, name, sizeof(name)) == 0 && !profile_runtime_has(name))
			json_array_append_new(arr, json_string(name));
	return arr;
}

static json_t *cap_names(uint64_t caps)
{
	json_t *arr = json_array();

	for (unsigned b = 0; arr && b < 64; b++)
		if ((caps & (1ull << b)) && event_cap_name(b))
			json_array_append_new(arr, json_string(event_cap_name(b) + 4));
	return arr;
}

static json_t *limits_json(const struct profile_obs *o, double headroom)
{
	struct profile_limits l;
	char flags[128];

	profile_limits_suggest(o, headroom, &l);
	profile_limits_flags(&l, flags, sizeof(flags));
	return json_pack("{s:b, s:I, s:b, s:f, s:f, s:b, s:i, s:f, s:s}", "memory_known",
			 !!(o->limits_known & EV_LEARN_MEM), "memory_peak_bytes",
			 (json_int_t)o->mem_peak, "cpu_known", !!(o->limits_known & EV_LEARN_CPU),
			 "cpu_peak", o->cpu_peak_milli / 1000.0, "cpu_seconds",
			 (double)o->cpu_usage_ns / 1e9, "pids_known",
			 !!(o->limits_known & EV_LEARN_PIDS), "pids_peak", (int)o->pids_peak,
			 "headroom", headroom, "flags", flags);
}

static json_t *files_json(const struct profile_obs *o)
{
	json_t *arr = json_array();
	char modes[8];

	for (size_t i = 0; arr && i < o->n_paths; i++) {
		profile_modes_text(o->paths[i].modes, modes);
		json_array_append_new(arr, json_pack("{s:s, s:s}", "path", o->paths[i].path,
						     "modes", modes));
	}
	return arr;
}

size_t profile_network_list(const struct profile_obs *o, char (*out)[32], size_t max)
{
	size_t n = 0;

	for (unsigned af = 0; af < 64; af++) {
		const char *fam = profile_family_name(af);
		bool typed = false;

		if (!(o->families & (1ull << af)) || !fam)
			continue;
		for (unsigned t = 0; t < 16; t++)
			if ((o->family_types[af] & (1u << t)) && profile_sock_type_name(t)) {
				if (n < max)
					snprintf(out[n], 32, "%s %s", fam, profile_sock_type_name(t));
				n++;
				typed = true;
			}
		if (!typed && n < max)
			snprintf(out[n], 32, "%s", fam);
		n += !typed;
	}
	return n < max ? n : max;
}

static json_t *families_json(const struct profile_obs *o)
{
	char list[PROFILE_NETWORK_MAX][32];
	size_t n = profile_network_list(o, list, PROFILE_NETWORK_MAX);
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < n; i++)
		json_array_append_new(arr, json_string(list[i]));
	return arr;
}

static int family_from(const char *s, struct profile_obs *o)
{
	char fam[32];
	const char *sp = strchr(s, ' ');
	size_t n = sp ? (size_t)(sp - s) : strlen(s);
	int af;

	if (n >= sizeof(fam))
		return -EINVAL;
	memcpy(fam, s, n);
	fam[n] = '\0';
	af = profile_family_from_name(fam);
	if (af < 0 || af > 63)
		return -EINVAL;
	o->families |= 1ull << af;
	for (unsigned t = 0; sp && t < 16; t++)
		if (profile_sock_type_name(t) && !strcmp(sp + 1, profile_sock_type_name(t))) {
			o->family_types[af] |= (uint16_t)(1u << t);
			return 0;
		}
	return sp ? -EINVAL : 0;
}

char *profile_json_render(const struct profile_obs *o, double headroom)
{
	json_t *doc = json_pack(
		"{s:i, s:{s:s, s:s, s:s}, s:f, s:b, s:o, s:o, s:o, s:I, s:I, s:o, s:o, s:o, s:b, "
		"s:o, s:I, s:o}",
		"palisade_profile", PROFILE_JSON_VERSION, "container", "id", o->id, "name", o->name,
		"image", o->image, "learned_seconds", (double)o->learned_ns / 1e9, "from_start",
		o->from_start, "syscalls", bitmap_names(o->seen.syscalls), "runtime_syscalls_seen",
		bitmap_names(o->seen.runtime), "runtime_syscalls_unlisted",
		runtime_unlisted(o->seen.runtime), "compat_calls", (json_int_t)o->seen.compat_calls,
		"other_calls", (json_int_t)o->seen.other_calls, "capabilities",
		cap_names(o->seen.caps_used), "capabilities_denied", cap_names(o->seen.caps_denied),
		"limits", limits_json(o, headroom), "files_seen", o->files_seen, "files",
		files_json(o), "files_dropped", (json_int_t)o->paths_dropped, "network",
		families_json(o));
	char *text;

	if (!doc)
		return NULL;
	text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	return text;
}

/* ---- reading it back ----------------------------------------------------- */

static int names_to_bitmap(json_t *arr, __u64 *words, char *err, size_t errlen)
{
	size_t i = 0;
	json_t *v;

	if (arr && !json_is_array(arr))
		goto bad;
	json_array_foreach(arr, i, v) {
		int nr = json_is_string(v) ? profile_syscall_nr(json_string_value(v)) : -1;

		if (nr < 0 || nr >= EV_SYSCALL_NR_MAX)
			goto bad;
		words[nr / 64] |= 1ull << (nr % 64);
	}
	return 0;
bad:
	snprintf(err, errlen, "\"syscalls\": element %zu is not a syscall of this architecture", i);
	return -EINVAL;
}

static int names_to_caps(json_t *arr, __u64 *caps, char *err, size_t errlen)
{
	size_t i = 0;
	json_t *v;

	if (arr && !json_is_array(arr))
		goto bad;
	json_array_foreach(arr, i, v) {
		int b = json_is_string(v) ? event_cap_from_name(json_string_value(v)) : -1;

		if (b < 0)
			goto bad;
		*caps |= 1ull << b;
	}
	return 0;
bad:
	snprintf(err, errlen, "\"capabilities\": element %zu is not a capability name", i);
	return -EINVAL;
}

static int files_from(json_t *arr, struct profile_obs *o, char *err, size_t errlen)
{
	static const char letters[] = "rwxml";
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v) {
		const char *p = json_string_value(json_object_get(v, "path"));
		const char *m = json_string_value(json_object_get(v, "modes"));
		uint32_t modes = 0;

		for (; m && *m; m++) {
			const char *at = strchr(letters, *m);

			if (!at)
				break;
			modes |= 1u << (at - letters);
		}
		if (!p || !m || *m || profile_obs_add_path(o, p, modes) < 0) {
			snprintf(err, errlen, "\"files\": element %zu is not {\"path\": \"/...\", "
					      "\"modes\": \"rwxml\"}", i);
			return -EINVAL;
		}
	}
	return 0;
}

/* The peaks, each within what a kernel can report. */
static int limits_from(json_t *l, struct profile_obs *o, char *err, size_t errlen)
{
	json_int_t mem = json_integer_value(json_object_get(l, "memory_peak_bytes"));
	json_int_t pids = json_integer_value(json_object_get(l, "pids_peak"));
	double cpu = json_number_value(json_object_get(l, "cpu_peak"));

	if (mem < 0 || pids < 0 || pids > UINT32_MAX || !(cpu >= 0 && cpu <= 4096.0)) {
		snprintf(err, errlen, "\"limits\": a peak out of range");
		return -EINVAL;
	}
	o->mem_peak = (uint64_t)mem;
	o->pids_peak = (uint32_t)pids;
	o->cpu_peak_milli = (uint32_t)(cpu * 1000.0);
	return 0;
}

static void copy_str(char *dst, size_t size, json_t *v)
{
	snprintf(dst, size, "%s", json_is_string(v) ? json_string_value(v) : "");
}

static int from_doc(json_t *doc, struct profile_obs *o, char *err, size_t errlen)
{
	json_t *c = json_object_get(doc, "container"), *l = json_object_get(doc, "limits"), *v;
	size_t i;
	int ret;

	if (json_integer_value(json_object_get(doc, "palisade_profile")) != PROFILE_JSON_VERSION) {
		snprintf(err, errlen, "not a palisade profile.json of version %d",
			 PROFILE_JSON_VERSION);
		return -EINVAL;
	}
	copy_str(o->id, sizeof(o->id), json_object_get(c, "id"));
	copy_str(o->name, sizeof(o->name), json_object_get(c, "name"));
	copy_str(o->image, sizeof(o->image), json_object_get(c, "image"));
	o->from_start = json_is_true(json_object_get(doc, "from_start"));
	v = json_object_get(doc, "learned_seconds");
	if (v && !(json_is_number(v) && json_number_value(v) >= 0 && json_number_value(v) < 1e9)) {
		snprintf(err, errlen, "\"learned_seconds\": not a number of seconds");
		return -EINVAL;
	}
	o->learned_ns = (uint64_t)(json_number_value(v) * 1e9);
	ret = names_to_bitmap(json_object_get(doc, "syscalls"), o->seen.syscalls, err, errlen);
	ret = ret ?: names_to_bitmap(json_object_get(doc, "runtime_syscalls_seen"), o->seen.runtime,
				     err, errlen);
	ret = ret ?: names_to_caps(json_object_get(doc, "capabilities"), &o->seen.caps_used, err,
				   errlen);
	ret = ret ?: names_to_caps(json_object_get(doc, "capabilities_denied"),
				   &o->seen.caps_denied, err, errlen);
	ret = ret ?: files_from(json_object_get(doc, "files"), o, err, errlen);
	if (ret)
		return ret;
	o->files_seen = json_is_true(json_object_get(doc, "files_seen"));
	json_array_foreach(json_object_get(doc, "network"), i, v) {
		if (!json_is_string(v) || family_from(json_string_value(v), o)) {
			snprintf(err, errlen, "\"network\": element %zu is not \"FAMILY [TYPE]\" "
					      "(\"inet stream\")", i);
			return -EINVAL;
		}
	}
	o->limits_known = (json_is_true(json_object_get(l, "memory_known")) ? EV_LEARN_MEM : 0) |
			  (json_is_true(json_object_get(l, "cpu_known")) ? EV_LEARN_CPU : 0) |
			  (json_is_true(json_object_get(l, "pids_known")) ? EV_LEARN_PIDS : 0);
	return limits_from(l, o, err, errlen);
}

int profile_json_parse(const char *text, size_t len, struct profile_obs *o, char *err,
		       size_t errlen)
{
	json_error_t je;
	json_t *doc;
	int ret;

	memset(o, 0, sizeof(*o));
	if (len > PROFILE_FILE_MAX) {
		snprintf(err, errlen, "larger than %u bytes", PROFILE_FILE_MAX);
		return -EFBIG;
	}
	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!doc) {
		snprintf(err, errlen, "%d:%d: %s", je.line, je.column, je.text);
		return -EINVAL;
	}
	ret = json_is_object(doc) ? from_doc(doc, o, err, errlen) : -EINVAL;
	if (ret == -EINVAL && !json_is_object(doc))
		snprintf(err, errlen, "1:1: not a JSON object");
	json_decref(doc);
	if (ret)
		profile_obs_free(o);
	return ret;
}
