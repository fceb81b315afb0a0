/*
 * apparmor.profile: an AppArmor profile in the seed's docker-restricted
 * style, in the order: the network families used, the file rules
 * (aa_rules.c), the capabilities used, deny rules for the sensitive paths
 * the workload did not use, audit rules for its writes to /tmp. Compiled
 * with `apparmor_parser -Q -K` (parsed and compiled, never loaded).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "event/event.h"
#include "profile/profile.h"

extern char **environ;

void profile_apparmor_name(const struct profile_obs *o, char *buf, size_t size)
{
	size_t n = (size_t)snprintf(buf, size, "palisade-%s", o->name[0] ? o->name : o->id);

	for (size_t i = 9; i < n && i < size; i++)
		if (!isalnum((unsigned char)buf[i]) && !strchr("._-", buf[i]))
			buf[i] = '_';
}

static void modes_text(uint32_t m, char out[8])
{
	size_t n = 0;

	if (m & PROFILE_R)
		out[n++] = 'r';
	if (m & PROFILE_W)
		out[n++] = 'w';
	if (m & PROFILE_M)
		out[n++] = 'm';
	if (m & PROFILE_L)
		out[n++] = 'l';
	if (m & PROFILE_X) { /* executed in this profile (inherit) */
		out[n++] = 'i';
		out[n++] = 'x';
	}
	out[n] = '\0';
}

static void network(FILE *f, const struct profile_obs *o)
{
	char list[PROFILE_NETWORK_MAX][32];
	size_t n = profile_network_list(o, list, PROFILE_NETWORK_MAX);

	fprintf(f, "  # network families used\n");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "  network %s,\n", list[i]);
}

static bool tmp_write(const struct profile_aa_rule *r)
{
	return (r->modes & PROFILE_W) && !strncmp(r->glob, "/tmp/", 5);
}

static void rule(FILE *f, const char *prefix, const struct profile_aa_rule *r)
{
	char m[8];

	modes_text(r->modes, m);
	fprintf(f, strchr(r->glob, ' ') ? "  %s\"%s\" %s,\n" : "  %s%s %s,\n", prefix, r->glob,
		m);
}

static void files(FILE *f, const struct profile_obs *o, const struct profile_aa_rules *r)
{
	fprintf(f, "\n  # files (r read, w write, m executable mapping, l link, ix execute here)\n");
	if (!o->files_seen) {
		fprintf(f, "  # the file events were not followed: every file is allowed\n  file,\n");
		return;
	}
	for (size_t i = 0; i < r->n; i++)
		if (!tmp_write(&r->v[i]))
			rule(f, "", &r->v[i]);
}

static void caps_denies_audits(FILE *f, const struct profile_obs *o,
			       const struct profile_aa_rules *r)
{
	char name[32];

	fprintf(f, "\n  # capabilities used\n");
	for (unsigned b = 0; b < 64; b++)
		if ((o->seen.caps_used & (1ull << b)) && event_cap_name(b)) {
			snprintf(name, sizeof(name), "%s", event_cap_name(b) + 4);
			for (char *p = name; *p; p++)
				*p = (char)tolower((unsigned char)*p);
			fprintf(f, "  capability %s,\n", name);
		}
	fprintf(f, "\n  # sensitive paths the workload did not use\n");
	for (size_t i = 0; i < r->n_deny; i++) {
		char m[8];

		modes_text(r->deny[i]->modes, m);
		fprintf(f, "  deny %s %s,\n", r->deny[i]->glob, m);
	}
	for (size_t i = 0; i < r->n_skipped; i++)
		fprintf(f, "  # not denied, the workload used it: %s\n", r->deny_skipped[i]->glob);
	fprintf(f, "\n  # writes to /tmp, audited\n");
	for (size_t i = 0; o->files_seen && i < r->n; i++)
		if (tmp_write(&r->v[i]))
			rule(f, "audit ", &r->v[i]);
}

/* Every path seen must be allowed with the modes it was used with. */
static size_t uncovered(const struct profile_obs *o, const struct profile_aa_rules *r)
{
	size_t n = 0;

	for (size_t i = 0; i < o->n_paths; i++) {
		uint32_t need = o->paths[i].modes;

		n += (profile_aa_allowed(r, o->paths[i].path) & need) != need;
	}
	return n;
}

char *profile_apparmor_render(const struct profile_obs *o, const char *name,
			      struct profile_aa_stats *st)
{
	struct profile_aa_rules r;
	char *text = NULL;
	size_t len;
	FILE *f;

	if (profile_aa_rules_build(o, &r))
		return NULL;
	f = open_memstream(&text, &len);
	if (!f) {
		profile_aa_rules_free(&r);
		return NULL;
	}
	fprintf(f, "# palisade profile: AppArmor profile of container %s (%.12s, %s), learned for "
		   "%.0f s%s.\n# Load: apparmor_parser -r -W FILE; use: docker run "
		   "--security-opt apparmor=%s ...\n# Globs: " PROFILE_GLOB_RULES ".\n"
		   "# Writes to /tmp are allowed where seen, and audited.\n\n"
		   "profile %s flags=(attach_disconnected,mediate_deleted) {\n",
		o->name, o->id, o->image, (double)o->learned_ns / 1e9,
		o->from_start ? " from its start" : "", name, name);
	network(f, o);
	files(f, o, &r);
	caps_denies_audits(f, o, &r);
	fprintf(f, "\n  # signals from the runtime (docker stop) and within the container\n"
		   "  signal (receive) peer=unconfined,\n  signal (send,receive) peer=%s,\n}\n",
		name);
	*st = (struct profile_aa_stats){ .rules = r.n, .collapsed = r.collapsed,
					 .unwritable = r.unwritable, .denies = r.n_deny,
					 .uncovered = uncovered(o, &r) };
	profile_aa_rules_free(&r);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

int profile_apparmor_compile(const char *path, char *msg, size_t size)
{
	char *argv[] = { "apparmor_parser", "-Q", "-K", (char *)path, NULL };
	posix_spawn_file_actions_t fa;
	int pipefd[2], status, err;
	size_t n = 0;
	ssize_t r;
	pid_t pid;

	msg[0] = '\0';
	if (access("/sbin/apparmor_parser", X_OK) && access("/usr/sbin/apparmor_parser", X_OK))
		return -ENOENT;
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
	argv[0] = access("/usr/sbin/apparmor_parser", X_OK) ? "/sbin/apparmor_parser"
							    : "/usr/sbin/apparmor_parser";
	err = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (err) {
		close(pipefd[0]);
		return -err;
	}
	for (;;) { /* read to the end (the rest of a long message is dropped) */
		char drop[512];
		bool room = n + 1 < size;

		r = read(pipefd[0], room ? msg + n : drop, room ? size - 1 - n : sizeof(drop));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += room ? (size_t)r : 0;
	}
	msg[n] = '\0';
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

bool profile_apparmor_kernel(char *lsm, size_t size)
{
	FILE *f = fopen("/sys/kernel/security/lsm", "re");
	bool yes;

	snprintf(lsm, size, "unknown");
	if (f) {
		if (!fgets(lsm, (int)size, f))
			snprintf(lsm, size, "unknown");
		fclose(f);
	}
	lsm[strcspn(lsm, "\n")] = '\0';
	yes = strstr(lsm, "apparmor") != NULL;
	return yes;
}
