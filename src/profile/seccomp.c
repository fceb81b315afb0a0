/*
 * The seccomp profile, in Docker's JSON format (`docker run --security-opt
 * seccomp=FILE`; the same file serves Kubernetes' `seccompProfile: {type:
 * Localhost}` through containerd or CRI-O): everything the container was seen
 * doing plus what the runtime needs after installing the filter
 * (seccomp_runtime.c) is allowed, everything else fails with EPERM.
 *
 * Where Docker's default profile filters arguments, so does this one:
 *  - clone only without namespace flags (CLONE_NEWNS | NEWUTS | NEWIPC |
 *    NEWUSER | NEWPID | NEWNET | NEWCGROUP = 0x7E020000), unless the
 *    container has CAP_SYS_ADMIN;
 *  - clone3 answers ENOSYS (its flags live in memory, where seccomp cannot
 *    look), so the C library falls back to clone and its flag check. It also
 *    keeps runc's ENOSYS stub (which answers ENOSYS, not EPERM, to every
 *    syscall numbered above the profile's highest) to the syscalls newer
 *    than clone3;
 *  - personality only with the values Docker allows (the Linux personality,
 *    with UNAME26 / PER_LINUX32 variants, and the 0xffffffff query).
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "profile/profile.h"

#define CLONE_NS_FLAGS 0x7E020000ull
#define ENOSYS_ERRNO 38
#define CAP_SYS_ADMIN_NAME "CAP_SYS_ADMIN"

/* Docker's default profile allows personality with exactly these. */
static const unsigned long long personality_values[] = { 0x0, 0x8, 0x20000, 0x20008,
							 0xffffffff };

/* Syscalls with a rule of their own below: not in the plain lists. */
static bool special(const char *name)
{
	return !strcmp(name, "clone") || !strcmp(name, "clone3") || !strcmp(name, "personality");
}

static int add_name(json_t *arr, const char *name)
{
	for (size_t i = 0; i < json_array_size(arr); i++)
		if (!strcmp(json_string_value(json_array_get(arr, i)), name))
			return 0;
	return json_array_append_new(arr, json_string(name));
}

static int cmp_json_str(const void *a, const void *b)
{
	return strcmp(json_string_value(*(json_t *const *)a), json_string_value(*(json_t *const *)b));
}

/* A sorted copy of a JSON array of strings. */
static json_t *sorted(json_t *arr)
{
	size_t n = json_array_size(arr);
	json_t **v = calloc(n ? n : 1, sizeof(*v)), *out = json_array();

	if (!v || !out) {
		free(v);
		json_decref(out);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = json_array_get(arr, i);
	qsort(v, n, sizeof(*v), cmp_json_str);
	for (size_t i = 0; i < n; i++)
		json_array_append(out, v[i]);
	free(v);
	return out;
}

static json_t *rule(json_t *names, const char *action, const char *comment)
{
	return json_pack("{s:o, s:s, s:s}", "names", names, "action", action, "comment", comment);
}

static json_t *caps_filter(const char *cap)
{
	return json_pack("{s:[s]}", "caps", cap);
}

/* clone, clone3 and personality, as Docker's default profile has them. */
static int special_rules(json_t *rules, bool clone, bool clone3, bool personality)
{
	json_t *r;
	int err = 0;

	if (clone) {
		r = rule(json_pack("[s]", "clone"), "SCMP_ACT_ALLOW",
			 "clone without namespace flags (as Docker's default profile)");
		json_object_set_new(r, "args", json_pack("[{s:i, s:I, s:i, s:s}]", "index", 0, "value",
							 (json_int_t)CLONE_NS_FLAGS, "valueTwo",
							 0, "op", "SCMP_CMP_MASKED_EQ"));
		json_object_set_new(r, "excludes", caps_filter(CAP_SYS_ADMIN_NAME));
		err |= json_array_append_new(rules, r);
		r = rule(json_pack("[s]", "clone"), "SCMP_ACT_ALLOW",
			 "any clone when the container has CAP_SYS_ADMIN");
		json_object_set_new(r, "includes", caps_filter(CAP_SYS_ADMIN_NAME));
		err |= json_array_append_new(rules, r);
	}
	r = rule(json_pack("[s]", "clone3"), "SCMP_ACT_ERRNO",
		 "ENOSYS: the C library falls back to clone, whose flags are checked above "
		 "(as Docker's default profile)");
	json_object_set_new(r, "errnoRet", json_integer(ENOSYS_ERRNO));
	json_object_set_new(r, "excludes", caps_filter(CAP_SYS_ADMIN_NAME));
	err |= json_array_append_new(rules, r);
	if (clone3) {
		r = rule(json_pack("[s]", "clone3"), "SCMP_ACT_ALLOW",
			 "seen: clone3, when the container has CAP_SYS_ADMIN");
		json_object_set_new(r, "includes", caps_filter(CAP_SYS_ADMIN_NAME));
		err |= json_array_append_new(rules, r);
	}
	for (size_t i = 0; personality && i < sizeof(personality_values) / sizeof(personality_values[0]);
	     i++) {
		r = rule(json_pack("[s]", "personality"), "SCMP_ACT_ALLOW",
			 "seen: personality, with the values Docker's default profile allows");
		json_object_set_new(r, "args", json_pack("[{s:i, s:I, s:s}]", "index", 0, "value",
							 (json_int_t)personality_values[i], "op",
							 "SCMP_CMP_EQ"));
		err |= json_array_append_new(rules, r);
	}
	return err ? -ENOMEM : 0;
}

static bool bit(const __u64 *words, unsigned nr)
{
	return words[nr / 64] & (1ull << (nr % 64));
}

/* The learned numbers as names: the workload's, and the runtime's observed. */
static void learned_names(const struct profile_obs *o, json_t *work, json_t *rt_seen,
			  struct profile_seccomp_stats *st)
{
	char name[64];

	for (unsigned nr = 0; nr < EV_SYSCALL_NR_MAX; nr++) {
		bool w = bit(o->seen.syscalls, nr), r = bit(o->seen.runtime, nr);

		if (!w && !r)
			continue;
		if (profile_syscall_name(nr, name, sizeof(name))) {
			st->unnamed++;
			continue;
		}
		if (w)
			add_name(work, name);
		if (r)
			add_name(rt_seen, name);
	}
}

static bool has(json_t *arr, const char *name)
{
	for (size_t i = 0; i < json_array_size(arr); i++)
		if (!strcmp(json_string_value(json_array_get(arr, i)), name))
			return true;
	return false;
}

static json_t *build(const struct profile_obs *o, struct profile_seccomp_stats *st)
{
	json_t *work = json_array(), *rt_seen = json_array(), *plain = json_array();
	json_t *rt_only = json_array(), *rules = json_array(), *arches = json_array(), *doc = NULL;
	const char *const *an;
	size_t n_arch;
	bool clone, clone3, pers;

	if (!work || !rt_seen || !plain || !rt_only || !rules || !arches)
		goto out;
	learned_names(o, work, rt_seen, st);
	/* The runtime's set, and what the kernel saw it do beyond that set. */
	for (size_t i = 0; i < profile_runtime_count(); i++)
		add_name(rt_seen, profile_runtime_at(i));
	for (size_t i = 0; i < json_array_size(work); i++) {
		const char *name = json_string_value(json_array_get(work, i));

		if (!special(name))
			add_name(plain, name);
	}
	for (size_t i = 0; i < json_array_size(rt_seen); i++) {
		const char *name = json_string_value(json_array_get(rt_seen, i));

		if (!special(name) && !has(work, name) && profile_syscall_nr(name) >= 0)
			add_name(rt_only, name);
	}
	clone = has(work, "clone") || has(rt_seen, "clone");
	clone3 = has(work, "clone3");
	pers = has(work, "personality");
	st->workload = (unsigned)json_array_size(work);
	st->runtime = (unsigned)json_array_size(rt_only);
	st->allowed = (unsigned)(json_array_size(plain) + json_array_size(rt_only)) + clone +
		      clone3 + pers;
	if (json_array_size(plain) &&
	    json_array_append_new(rules, rule(sorted(plain), "SCMP_ACT_ALLOW",
					      "seen: the workload made these syscalls while learned")))
		goto out;
	if (json_array_size(rt_only) &&
	    json_array_append_new(rules, rule(sorted(rt_only), "SCMP_ACT_ALLOW",
					      "the runtime (runc) after installing this filter, "
					      "before the workload starts (docs/profiles.md)")))
		goto out;
	if (special_rules(rules, clone, clone3, pers))
		goto out;
	an = profile_seccomp_arches(&n_arch);
	for (size_t i = 0; i < n_arch; i++)
		json_array_append_new(arches, json_string(an[i]));
	doc = json_pack("{s:s, s:i, s:O, s:O}", "defaultAction", "SCMP_ACT_ERRNO", "defaultErrnoRet",
			1, "architectures", arches, "syscalls", rules);
out:
	json_decref(work);
	json_decref(rt_seen);
	json_decref(plain);
	json_decref(rt_only);
	json_decref(rules);
	json_decref(arches);
	return doc;
}

char *profile_seccomp_render(const struct profile_obs *o, struct profile_seccomp_stats *st)
{
	json_t *doc;
	char *text;

	memset(st, 0, sizeof(*st));
	doc = build(o, st);
	if (!doc)
		return NULL;
	text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	return text;
}

bool profile_seccomp_allows(const struct profile_obs *o, unsigned nr)
{
	char name[64];

	if (nr >= EV_SYSCALL_NR_MAX || bit(o->seen.syscalls, nr) || bit(o->seen.runtime, nr))
		return true;
	if (profile_syscall_name(nr, name, sizeof(name)))
		return false; /* unnamed: never in a profile */
	/* clone3 answers ENOSYS in every profile: the C library falls back. */
	return profile_runtime_has(name) || !strcmp(name, "clone3");
}
