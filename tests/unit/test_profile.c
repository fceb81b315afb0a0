/* profile/: the seccomp rendering, profile.json both ways, the limits rule. */
#include <errno.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "outfile/outfile.h"
#include "profile/profile.h"

static void set_nr(__u64 *words, const char *name)
{
	int nr = profile_syscall_nr(name);

	assert_true(nr >= 0 && nr < EV_SYSCALL_NR_MAX);
	words[nr / 64] |= 1ull << (nr % 64);
}

/* The rules that name a syscall. */
static json_t *rules_named(json_t *doc, const char *name)
{
	json_t *out = json_array(), *r;
	size_t i;

	json_array_foreach(json_object_get(doc, "syscalls"), i, r) {
		json_t *names = json_object_get(r, "names"), *n;
		size_t j;

		json_array_foreach(names, j, n)
			if (!strcmp(json_string_value(n), name))
				json_array_append(out, r);
	}
	return out;
}

static void test_seccomp_render(void **state)
{
	struct profile_obs o = { 0 };
	struct profile_seccomp_stats st;
	json_t *doc, *clone, *pers, *clone3, *plain;
	char *text;

	(void)state;
	set_nr(o.seen.syscalls, "write");
	set_nr(o.seen.syscalls, "read");
	set_nr(o.seen.syscalls, "clone");
	set_nr(o.seen.syscalls, "personality");
	set_nr(o.seen.runtime, "capset");
	text = profile_seccomp_render(&o, &st);
	assert_non_null(text);
	assert_true(outfile_is_kind(OUTFILE_PROFILE, text, strlen(text)));
	doc = json_loads(text, 0, NULL);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "defaultAction")),
			    "SCMP_ACT_ERRNO");
	/* The workload's plain list first, sorted, without the special ones. */
	plain = json_object_get(json_array_get(json_object_get(doc, "syscalls"), 0), "names");
	assert_int_equal(json_array_size(plain), 2);
	assert_string_equal(json_string_value(json_array_get(plain, 0)), "read");
	assert_string_equal(json_string_value(json_array_get(plain, 1)), "write");
	/* clone: filtered without CAP_SYS_ADMIN, free with it. */
	clone = rules_named(doc, "clone");
	assert_int_equal(json_array_size(clone), 2);
	assert_int_equal(json_integer_value(json_object_get(
				 json_array_get(json_object_get(json_array_get(clone, 0), "args"), 0),
				 "value")),
			 0x7E020000);
	clone3 = rules_named(doc, "clone3");
	assert_int_equal(json_array_size(clone3), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(clone3, 0), "errnoRet")),
			 38);
	pers = rules_named(doc, "personality");
	assert_int_equal(json_array_size(pers), 5);
	/* The runtime's set is in, capset with it. */
	for (size_t i = 0; i < 2; i++) {
		json_t *r = rules_named(doc, i ? "execve" : "capset");

		assert_int_equal(json_array_size(r), 1);
		json_decref(r);
	}
	assert_int_equal(st.workload, 4);
	assert_true(st.runtime > 20);
	assert_int_equal(st.allowed, 2 + st.runtime + 2 /* clone, personality */);
	json_decref(clone);
	json_decref(clone3);
	json_decref(pers);
	json_decref(doc);
	free(text);
}

static void test_profile_json_roundtrip(void **state)
{
	struct profile_obs o = { 0 }, back;
	char err[256], *text;

	(void)state;
	snprintf(o.id, sizeof(o.id), "%s", "0123456789abcdef");
	snprintf(o.name, sizeof(o.name), "%s", "web");
	set_nr(o.seen.syscalls, "accept4");
	set_nr(o.seen.runtime, "capset");
	o.seen.caps_used = (1ull << 0) | (1ull << 7);
	o.limits_known = EV_LEARN_MEM | EV_LEARN_PIDS;
	o.mem_peak = 5 << 20;
	o.pids_peak = 7;
	o.from_start = true;
	profile_obs_add_socket(&o, 2, 1);
	profile_obs_add_socket(&o, 2, 2 | 0x80000); /* SOCK_DGRAM | SOCK_CLOEXEC */
	profile_obs_add_socket(&o, 1, 1);
	assert_int_equal(profile_obs_add_path(&o, "/www/index.html", PROFILE_R), 0);
	assert_int_equal(profile_obs_add_path(&o, "/www/index.html", PROFILE_W), 0);
	assert_int_equal(profile_obs_add_path(&o, "relative", PROFILE_R), 0);
	assert_int_equal(o.n_paths, 1);
	text = profile_json_render(&o, 2.0);
	assert_non_null(text);
	assert_true(outfile_is_kind(OUTFILE_PROFILE, text, strlen(text)));
	assert_int_equal(profile_json_parse(text, strlen(text), &back, err, sizeof(err)), 0);
	assert_memory_equal(back.seen.syscalls, o.seen.syscalls, sizeof(o.seen.syscalls));
	assert_memory_equal(back.seen.runtime, o.seen.runtime, sizeof(o.seen.runtime));
	assert_true(back.seen.caps_used == o.seen.caps_used);
	assert_string_equal(back.name, "web");
	assert_true(back.from_start);
	assert_true(back.mem_peak == o.mem_peak);
	assert_int_equal(back.pids_peak, 7);
	assert_int_equal(back.limits_known, EV_LEARN_MEM | EV_LEARN_PIDS);
	assert_true(back.families == o.families);
	assert_int_equal(back.family_types[2], (1 << 1) | (1 << 2));
	assert_int_equal(back.family_types[1], 1 << 1);
	assert_int_equal(back.n_paths, 1);
	assert_int_equal(back.paths[0].modes, PROFILE_R | PROFILE_W);
	profile_obs_free(&back);
	profile_obs_free(&o);
	free(text);
}

static void test_profile_json_errors(void **state)
{
	static const char *const bad[] = {
		"[]",
		"{\"palisade_profile\": 2}",
		"{\"palisade_profile\": 1, \"syscalls\": [\"no_such_call\"]}",
		"{\"palisade_profile\": 1, \"capabilities\": [\"CAP_NOPE\"]}",
		"{\"palisade_profile\": 1, \"files\": [{\"path\": \"/x\", \"modes\": \"rq\"}]}",
		"{\"palisade_profile\": 1, \"network\": [\"martian\"]}",
		"{\"palisade_profile\": 1, \"network\": [\"inet warp\"]}",
		"{\"palisade_profile\": 1,",
	};
	struct profile_obs o;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(profile_json_parse(bad[i], strlen(bad[i]), &o, err, sizeof(err)),
				 -EINVAL);
		assert_true(err[0] != '\0');
	}
}

static void test_limits_rule(void **state)
{
	struct profile_obs o = { 0 };
	struct profile_limits l;
	char flags[128];

	(void)state;
	o.limits_known = EV_LEARN_MEM | EV_LEARN_CPU | EV_LEARN_PIDS;
	o.mem_peak = (100ull << 20) + 1;
	o.cpu_peak_milli = 260;
	o.pids_peak = 40;
	profile_limits_suggest(&o, 2.0, &l);
	assert_true(l.memory == 201ull << 20);
	assert_int_equal(l.cpus_milli, 600);
	assert_int_equal(l.pids, 80);
	assert_int_equal(profile_limits_flags(&l, flags, sizeof(flags)), 0);
	assert_string_equal(flags, "--memory 201m --cpus 0.6 --pids-limit 80");
	/* The floors. */
	o.mem_peak = 1 << 20;
	o.cpu_peak_milli = 3;
	o.pids_peak = 2;
	profile_limits_suggest(&o, 2.0, &l);
	assert_true(l.memory == 32ull << 20);
	assert_int_equal(l.cpus_milli, 100);
	assert_int_equal(l.pids, 32);
	/* Unknown peaks give no flag. */
	o.limits_known = EV_LEARN_PIDS;
	profile_limits_suggest(&o, 2.0, &l);
	assert_int_equal(profile_limits_flags(&l, flags, sizeof(flags)), 0);
	assert_string_equal(flags, "--pids-limit 32");
}

static void test_caps_flags(void **state)
{
	char buf[256];

	(void)state;
	assert_int_equal(profile_caps_flags(0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "--cap-drop ALL");
	assert_int_equal(profile_caps_flags((1ull << 0) | (1ull << 10), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "--cap-drop ALL --cap-add CHOWN --cap-add NET_BIND_SERVICE");
	assert_int_equal(profile_caps_flags(~0ull, buf, 20), -ENOSPC);
}

static void test_aa_glob(void **state)
{
	(void)state;
	assert_true(profile_aa_glob_match("/proc/[0-9]*/status", "/proc/123/status"));
	assert_false(profile_aa_glob_match("/proc/[0-9]*/status", "/proc/self/status"));
	assert_false(profile_aa_glob_match("/etc/*", "/etc/ssl/certs"));
	assert_true(profile_aa_glob_match("/etc/*", "/etc/passwd"));
	assert_true(profile_aa_glob_match("/sys/**", "/sys/fs/cgroup/x"));
	assert_true(profile_aa_glob_match("/a\\*b", "/a*b"));
	assert_false(profile_aa_glob_match("/a\\*b", "/axb"));
	assert_false(profile_aa_glob_match("/tmp/x", "/tmp/xy"));
}

/* The stated rules: pids under /proc, four files of one directory with the
 * same modes; denies unless used; every path covered. */
static void test_aa_rules(void **state)
{
	static const char *const etc[] = { "/etc/passwd", "/etc/group", "/etc/hosts",
					   "/etc/resolv.conf" };
	struct profile_obs o = { .files_seen = true };
	struct profile_aa_rules r;
	struct profile_aa_stats st;
	char *text;

	(void)state;
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(profile_obs_add_path(&o, etc[i], PROFILE_R), 0);
	assert_int_equal(profile_obs_add_path(&o, "/etc/hostname", PROFILE_R | PROFILE_W), 0);
	assert_int_equal(profile_obs_add_path(&o, "/proc/42/status", PROFILE_R), 0);
	assert_int_equal(profile_obs_add_path(&o, "/proc/sys/net/ipv4/ip_forward", PROFILE_W), 0);
	assert_int_equal(profile_obs_add_path(&o, "/tmp/a b", PROFILE_W), 0);
	assert_int_equal(profile_obs_add_path(&o, "/bin/busybox", PROFILE_X), 0);
	assert_int_equal(profile_obs_add_path(&o, "/bad\nname", PROFILE_R), 0);
	assert_int_equal(profile_aa_rules_build(&o, &r), 0);
	assert_int_equal(r.collapsed, 4);
	assert_int_equal(r.unwritable, 1);
	assert_int_equal(r.n_deny, 2); /* /proc/sys was written: not denied */
	assert_string_equal(r.deny_skipped[0]->glob, "/proc/sys/**");
	assert_int_equal(profile_aa_allowed(&r, "/etc/shadow"), 0);
	assert_int_equal(profile_aa_allowed(&r, "/etc/services"), PROFILE_R);
	assert_int_equal(profile_aa_allowed(&r, "/etc/hostname"), PROFILE_R | PROFILE_W);
	assert_int_equal(profile_aa_allowed(&r, "/proc/7/status"), PROFILE_R);
	assert_int_equal(profile_aa_allowed(&r, "/proc/7/environ"), 0);
	assert_int_equal(profile_aa_allowed(&r, "/sys/kernel/x"), 0);
	profile_aa_rules_free(&r);
	o.seen.caps_used = 1ull << 0;
	profile_obs_add_socket(&o, 2, 1);
	text = profile_apparmor_render(&o, "palisade-t", &st);
	assert_non_null(text);
	assert_int_equal(st.uncovered, 1); /* the unwritable one */
	assert_non_null(strstr(text, "  network inet stream,\n"));
	assert_non_null(strstr(text, "  /etc/* r,\n"));
	assert_non_null(strstr(text, "  /etc/hostname rw,\n"));
	assert_non_null(strstr(text, "  /proc/[0-9]*/status r,\n"));
	assert_non_null(strstr(text, "  /bin/busybox ix,\n"));
	assert_non_null(strstr(text, "  capability chown,\n"));
	assert_non_null(strstr(text, "  deny /etc/shadow r,\n"));
	assert_null(strstr(text, "deny /proc/sys"));
	assert_non_null(strstr(text, "  audit \"/tmp/a b\" w,\n"));
	assert_true(strstr(text, "\n  network ") < strstr(text, "\n  /etc/*"));
	assert_true(strstr(text, "\n  /etc/*") < strstr(text, "\n  capability "));
	assert_true(strstr(text, "\n  capability ") < strstr(text, "\n  deny "));
	assert_true(strstr(text, "\n  deny ") < strstr(text, "\n  audit "));
	assert_true(outfile_is_kind(OUTFILE_PROFILE, text, strlen(text)));
	free(text);
	profile_obs_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seccomp_render),
		cmocka_unit_test(test_profile_json_roundtrip),
		cmocka_unit_test(test_profile_json_errors),
		cmocka_unit_test(test_limits_rule),
		cmocka_unit_test(test_caps_flags),
		cmocka_unit_test(test_aa_glob),
		cmocka_unit_test(test_aa_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
