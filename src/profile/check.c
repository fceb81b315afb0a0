/*
 * `profile check`: what a profile would have denied of an observation (a
 * recording of the container, or another profile's observation: a diff).
 * Each artefact is judged as it is written: seccomp by the syscalls it
 * allows, AppArmor by its file rules (aa_rules.c, with its globs and deny
 * rules) and network rules, the capabilities granted, the limits' values.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event/event.h"
#include "profile/internal.h"

/* One section's items on one line: "  seccomp would deny: a b c". */
struct line {
	FILE *f;
	const char *what;
	size_t n;
};

static void item(struct line *l, const char *text)
{
	if (l->n++)
		fprintf(l->f, ", %s", text);
	else
		fprintf(l->f, "  %s: %s", l->what, text);
}

static size_t end(struct line *l)
{
	if (l->n)
		fputc('\n', l->f);
	return l->n;
}

static size_t check_syscalls(FILE *f, const struct profile_obs *p, const struct profile_obs *r)
{
	struct line l = { f, "seccomp would deny (EPERM)", 0 };
	char name[64];

	for (unsigned nr = 0; nr < EV_SYSCALL_NR_MAX; nr++) {
		bool used = (r->seen.syscalls[nr / 64] | r->seen.runtime[nr / 64]) & (1ull << (nr % 64));

		if (!used || profile_seccomp_allows(p, nr))
			continue;
		if (profile_syscall_name(nr, name, sizeof(name)))
			snprintf(name, sizeof(name), "#%u", nr);
		item(&l, name);
	}
	return end(&l);
}

static size_t check_caps(FILE *f, const struct profile_obs *p, const struct profile_obs *r)
{
	struct line l = { f, "capabilities not granted (EPERM)", 0 };
	uint64_t missing = r->seen.caps_used & ~p->seen.caps_used;

	for (unsigned b = 0; b < 64; b++)
		if ((missing & (1ull << b)) && event_cap_name(b))
			item(&l, event_cap_name(b) + 4);
	return end(&l);
}

static size_t check_files(FILE *f, const struct profile_obs *p, const struct profile_obs *r)
{
	struct line l = { f, "AppArmor would deny", 0 };
	struct profile_aa_rules rules;
	char m[8], buf[EV_PATH_MAX + 16];

	if (!p->files_seen || !r->files_seen)
		return 0; /* the profile allows every file, or nothing is known */
	if (profile_aa_rules_build(p, &rules))
		return 0;
	for (size_t i = 0; i < r->n_paths; i++) {
		uint32_t denied = r->paths[i].modes & ~profile_aa_allowed(&rules, r->paths[i].path);

		if (!denied)
			continue;
		profile_modes_text(denied, m);
		snprintf(buf, sizeof(buf), "%s %s", r->paths[i].path, m);
		item(&l, buf);
	}
	profile_aa_rules_free(&rules);
	return end(&l);
}

static size_t check_network(FILE *f, const struct profile_obs *p, const struct profile_obs *r)
{
	struct line l = { f, "AppArmor would deny the sockets", 0 };
	char want[PROFILE_NETWORK_MAX][32], have[PROFILE_NETWORK_MAX][32];
	size_t nw = profile_network_list(r, want, PROFILE_NETWORK_MAX);
	size_t nh = profile_network_list(p, have, PROFILE_NETWORK_MAX);

	for (size_t i = 0; i < nw; i++) {
		bool ok = false;

		/* "inet" (no type known) covers every type of inet */
		for (size_t j = 0; j < nh && !ok; j++)
			ok = !strcmp(want[i], have[j]) ||
			     (!strchr(have[j], ' ') && !strncmp(want[i], have[j], strlen(have[j])) &&
			      want[i][strlen(have[j])] == ' ');
		if (!ok)
			item(&l, want[i]);
	}
	return end(&l);
}

static size_t check_limits(FILE *f, const struct profile_obs *p, const struct profile_obs *r,
			   double headroom)
{
	struct line l = { f, "limits exceeded", 0 };
	struct profile_limits lim;
	char t[128];

	profile_limits_suggest(p, headroom, &lim);
	if ((lim.known & r->limits_known & EV_LEARN_MEM) && r->mem_peak > lim.memory) {
		snprintf(t, sizeof(t), "memory peak %llu KiB > --memory %llum (the kernel kills it)",
			 (unsigned long long)(r->mem_peak >> 10),
			 (unsigned long long)(lim.memory >> 20));
		item(&l, t);
	}
	if ((lim.known & r->limits_known & EV_LEARN_PIDS) && r->pids_peak > lim.pids) {
		snprintf(t, sizeof(t), "pids peak %u > --pids-limit %u", r->pids_peak, lim.pids);
		item(&l, t);
	}
	if ((lim.known & r->limits_known & EV_LEARN_CPU) && r->cpu_peak_milli > lim.cpus_milli) {
		snprintf(t, sizeof(t), "CPU peak %.3f > --cpus %.1f (throttled)",
			 r->cpu_peak_milli / 1000.0, lim.cpus_milli / 1000.0);
		item(&l, t);
	}
	return end(&l);
}

size_t profile_check(FILE *f, const struct profile_obs *p, const struct profile_obs *r,
		     double headroom)
{
	size_t n = check_syscalls(f, p, r);

	n += check_caps(f, p, r);
	n += check_files(f, p, r);
	n += check_network(f, p, r);
	n += check_limits(f, p, r, headroom);
	return n;
}

int profile_dir_read(const char *dir, struct profile_obs *o)
{
	char path[4200], err[256], *text = NULL;
	ssize_t n = 0, got;
	int fd, ret;

	snprintf(path, sizeof(path), "%s/profile.json", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		ret = -errno;
		fprintf(stderr, "palisade profile: %s: %s (a directory `profile learn` wrote?)\n",
			path, strerror(-ret));
		return ret;
	}
	text = malloc(PROFILE_FILE_MAX + 1);
	while (text && n <= (ssize_t)PROFILE_FILE_MAX &&
	       (got = read(fd, text + n, PROFILE_FILE_MAX + 1 - (size_t)n)) > 0)
		n += got;
	close(fd);
	if (!text)
		return -ENOMEM;
	ret = profile_json_parse(text, (size_t)n, o, err, sizeof(err));
	if (ret)
		fprintf(stderr, "palisade profile: %s: %s\n", path, err);
	free(text);
	return ret;
}
