/*
 * Which container, if any, a cgroup path names. Pure string work: the
 * patterns below are those runtimes actually create, and a container is only
 * ever recognised by a full 64-hex id so that a host cgroup is never taken
 * for one.
 */
#include <errno.h>
#include <string.h>

#include "container/internal.h"

static const char *const runtime_names[] = {
	[RUNTIME_NONE] = "host",             [RUNTIME_DOCKER] = "docker",
	[RUNTIME_CONTAINERD] = "containerd", [RUNTIME_CRIO] = "cri-o",
	[RUNTIME_PODMAN] = "podman",
};

const char *container_runtime_name(enum container_runtime rt)
{
	if ((unsigned)rt >= sizeof(runtime_names) / sizeof(runtime_names[0]))
		return "unknown";
	return runtime_names[rt];
}

int container_runtime_from_name(const char *name, enum container_runtime *rt)
{
	size_t i;

	for (i = 0; i < sizeof(runtime_names) / sizeof(runtime_names[0]); i++) {
		if (strcmp(name, runtime_names[i]) == 0) {
			*rt = (enum container_runtime)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* Runtimes write ids in lowercase; anything else is not one of their ids. */
bool container_id_valid(const char *s, size_t len)
{
	size_t i;

	if (len != CONTAINER_ID_LEN)
		return false;
	for (i = 0; i < len; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return true;
}

/*
 * Unit-style names "<prefix><id>" or "<prefix><id>.scope" (the .scope form
 * is the systemd cgroup driver's, the bare form the cgroupfs driver's).
 * The monitors "crio-conmon-<id>" and "libpod-conmon-<id>" fail the id test
 * on purpose: conmon is a host process that watches a container from outside,
 * and attributing it to the container would blame the container for what the
 * runtime does.
 */
static const struct {
	const char *prefix;
	enum container_runtime rt;
} unit_prefixes[] = {
	{ "docker-", RUNTIME_DOCKER },             /* Docker, systemd driver */
	{ "cri-containerd-", RUNTIME_CONTAINERD }, /* containerd CRI (Kubernetes) */
	{ "nerdctl-", RUNTIME_CONTAINERD },        /* nerdctl, systemd driver */
	{ "crio-", RUNTIME_CRIO },
	{ "libpod-", RUNTIME_PODMAN },
};

static enum container_runtime match_unit(const char *c, size_t len, const char **id)
{
	static const char scope[] = ".scope";
	size_t i, plen, rest;

	for (i = 0; i < sizeof(unit_prefixes) / sizeof(unit_prefixes[0]); i++) {
		plen = strlen(unit_prefixes[i].prefix);
		if (len <= plen || strncmp(c, unit_prefixes[i].prefix, plen) != 0)
			continue;
		rest = len - plen;
		if (rest == CONTAINER_ID_LEN + sizeof(scope) - 1 &&
		    memcmp(c + plen + CONTAINER_ID_LEN, scope, sizeof(scope) - 1) == 0)
			rest = CONTAINER_ID_LEN;
		if (container_id_valid(c + plen, rest)) {
			*id = c + plen;
			return unit_prefixes[i].rt;
		}
	}
	return RUNTIME_NONE;
}

static bool has_suffix(const char *c, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && memcmp(c + len - n, suffix, n) == 0;
}

/*
 * A first component that can be a containerd namespace (ctr, nerdctl with
 * the cgroupfs driver: "/default/<id>", "/k8s.io/<id>") or a Docker
 * --cgroup-parent. systemd units are excluded: a bare id below a slice is
 * not something any runtime creates.
 */
static bool plausible_parent(const char *c, size_t len)
{
	size_t i;

	if (len == 0 || has_suffix(c, len, ".slice") || has_suffix(c, len, ".scope") ||
	    has_suffix(c, len, ".service"))
		return false;
	for (i = 0; i < len; i++) {
		char ch = c[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-'))
			return false;
	}
	return true;
}

/*
 * The outermost match wins: for Docker-in-Docker or kind
 * ("/docker/<outer>/docker/<inner>", "/docker/<node>/kubepods/...") the outer
 * container is the one this host's engine knows and can act on.
 *
 * A bare id under anything but "docker" or a kubepods tree is ambiguous
 * (containerd namespace or Docker --cgroup-parent); it is reported as
 * containerd and the store asks the Docker engine anyway, which settles it.
 * Kubernetes' cgroupfs driver does not name the runtime either: bare ids under
 * kubepods are reported as containerd, the CRI runtime of current clusters.
 */
enum container_runtime container_parse_cgroup_path(const char *path,
						   char id[CONTAINER_ID_LEN + 1])
{
	const char *p = path, *c, *parent = NULL, *match = NULL;
	size_t len, parent_len = 0, index = 0;
	bool under_kubepods = false;
	enum container_runtime rt = RUNTIME_NONE;

	id[0] = '\0';
	if (!path)
		return RUNTIME_NONE;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		c = p;
		p = strchrnul(p, '/');
		len = (size_t)(p - c);

		rt = match_unit(c, len, &match);
		if (rt != RUNTIME_NONE)
			break;
		if (container_id_valid(c, len) && parent) {
			match = c;
			if (parent_len == 6 && memcmp(parent, "docker", 6) == 0)
				rt = RUNTIME_DOCKER;
			else if (under_kubepods && parent_len > 3 && memcmp(parent, "pod", 3) == 0)
				rt = RUNTIME_CONTAINERD;
			else if (index == 1 && plausible_parent(parent, parent_len))
				rt = RUNTIME_CONTAINERD;
			if (rt != RUNTIME_NONE)
				break;
		}
		if (len >= 8 && memcmp(c, "kubepods", 8) == 0)
			under_kubepods = true;
		parent = c;
		parent_len = len;
		index++;
	}
	if (rt == RUNTIME_NONE || !match)
		return RUNTIME_NONE;
	memcpy(id, match, CONTAINER_ID_LEN);
	id[CONTAINER_ID_LEN] = '\0';
	return rt;
}
