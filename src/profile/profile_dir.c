/*
 * The profile directory: every artefact of one observation, written through
 * outfile/ (the directory and its files are made as root, often in a shared
 * place: no planted link is followed, another kind of file is not replaced
 * without --force).
 *
 *   seccomp.json       Docker's seccomp format (seccomp.c)
 *   apparmor.profile   AppArmor, in the seed's docker-restricted style (apparmor.c)
 *   capabilities.txt   --cap-drop ALL --cap-add ... (the capabilities exercised)
 *   limits.txt         --memory --cpus --pids-limit (the peaks, with headroom)
 *   docker-flags.txt   all of them as one line of `docker run` options
 *   profile.json       the observation itself (profile_json.c)
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "event/event.h"
#include "outfile/outfile.h"
#include "profile/profile.h"

static int write_file(int dirfd, const char *dir, const char *name, const char *text, bool force)
{
	const struct outfile_spec spec = { .kind = OUTFILE_PROFILE, .truncate = true,
					   .force = force, .mode = 0644 };
	int fd, err;

	err = outfile_open(dirfd, name, &spec, "profile file", &fd);
	if (err)
		return err;
	err = outfile_write_all(fd, text, strlen(text));
	if (err)
		fprintf(stderr, "palisade profile: writing %s/%s failed: %s\n", dir, name,
			strerror(-err));
	if (close(fd) < 0 && !err)
		err = -errno;
	return err;
}

/* "--cap-drop ALL --cap-add CHOWN ..." */
int profile_caps_flags(uint64_t caps, char *buf, size_t size)
{
	size_t n = (size_t)snprintf(buf, size, "--cap-drop ALL");

	for (unsigned b = 0; b < 64 && n < size; b++)
		if ((caps & (1ull << b)) && event_cap_name(b))
			n += (size_t)snprintf(buf + n, size - n, " --cap-add %s", event_cap_name(b) + 4);
	return n < size ? 0 : -ENOSPC;
}

static char *text_file(const char *what, const struct profile_obs *o, const char *flags)
{
	char *buf = NULL;

	if (asprintf(&buf, "# palisade profile: %s of container %s (%.12s), learned for %.0f s%s\n"
			   "%s\n",
		     what, o->name, o->id, (double)o->learned_ns / 1e9,
		     o->from_start ? " from its start" : "", flags) < 0)
		return NULL;
	return buf;
}

/* The four texts beside the JSON files. */
static int flags_files(int dirfd, const char *dir, const struct profile_obs *o, double headroom,
		       bool force)
{
	char caps[1024], limits[256], all[4096 + 2048], abs[PATH_MAX], *t;
	struct profile_limits l;
	int err;

	profile_caps_flags(o->seen.caps_used, caps, sizeof(caps));
	profile_limits_suggest(o, headroom, &l);
	profile_limits_flags(&l, limits, sizeof(limits));
	if (!realpath(dir, abs))
		return -errno;
	snprintf(all, sizeof(all), "--security-opt seccomp=%s/seccomp.json %s%s%s", abs, caps,
		 limits[0] ? " " : "", limits);
	t = text_file("capabilities exercised", o, caps);
	err = t ? write_file(dirfd, dir, "capabilities.txt", t, force) : -ENOMEM;
	free(t);
	t = err ? NULL : text_file("resource limits (peaks with headroom)", o, limits);
	err = err ?: t ? write_file(dirfd, dir, "limits.txt", t, force) : -ENOMEM;
	free(t);
	t = err ? NULL : text_file("docker run options", o, all);
	err = err ?: t ? write_file(dirfd, dir, "docker-flags.txt", t, force) : -ENOMEM;
	free(t);
	return err;
}

int profile_mkdirs(const char *path)
{
	char prefix[PATH_MAX];
	struct stat st;
	int fd, err;

	if (strlen(path) >= sizeof(prefix))
		return -ENAMETOOLONG;
	for (const char *p = strchr(path + 1, '/');; p = strchr(p + 1, '/')) {
		size_t n = p ? (size_t)(p - path) : strlen(path);

		memcpy(prefix, path, n);
		prefix[n] = '\0';
		if (lstat(prefix, &st) < 0) { /* made as outfile makes directories */
			err = outfile_dir(prefix, "profile directory", &fd);
			if (err)
				return err;
			close(fd);
		}
		if (!p)
			return 0;
	}
}

int profile_dir_write(const char *dir, const struct profile_obs *o, double headroom, bool force)
{
	struct profile_seccomp_stats st;
	struct profile_aa_stats aa;
	char *seccomp = NULL, *json = NULL, *apparmor = NULL, name[300];
	int dirfd = -1, err;

	err = outfile_dir(dir, "profile directory", &dirfd);
	if (err)
		return err;
	seccomp = profile_seccomp_render(o, &st);
	json = profile_json_render(o, headroom);
	profile_apparmor_name(o, name, sizeof(name));
	apparmor = profile_apparmor_render(o, name, &aa);
	if (!seccomp || !json || !apparmor) {
		err = -ENOMEM;
		goto out;
	}
	err = write_file(dirfd, dir, "seccomp.json", seccomp, force);
	err = err ?: write_file(dirfd, dir, "profile.json", json, force);
	err = err ?: write_file(dirfd, dir, "apparmor.profile", apparmor, force);
	err = err ?: flags_files(dirfd, dir, o, headroom, force);
out:
	free(seccomp);
	free(json);
	free(apparmor);
	close(dirfd);
	return err;
}
