/*
 * The listening sockets of the HTTP endpoint: "HOST:PORT", "[v6]:PORT",
 * ":PORT" (every address) or "unix:PATH". Made here, not by libmicrohttpd,
 * so that a bad address or a port in use is reported with its cause, and so
 * that `config check` runs the same parser as `run` (metrics_address_check).
 *
 * A unix socket is the operator's answer to local users: only root (mode
 * 0600), or root and one group (0660), can connect at all. Its mode and group
 * are set between bind() and listen(): no one can connect before.
 */
#include <errno.h>
#include <grp.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "metrics/metrics.h"

#define UNIX_PREFIX "unix:"

/* Splits a TCP address into host[256] ("" for every address) and *port. */
static int split(const char *addr, char *host, const char **port, char *err, size_t err_size)
{
	const char *colon;
	size_t hlen;

	if (addr[0] == '[') {
		const char *close = strchr(addr, ']');

		if (!close || close[1] != ':') {
			snprintf(err, err_size, "expected [IPv6]:PORT");
			return -EINVAL;
		}
		hlen = (size_t)(close - addr - 1);
		memcpy(host, addr + 1, hlen < 256 ? hlen : 0);
		colon = close + 1;
	} else {
		colon = strrchr(addr, ':');
		if (!colon) {
			snprintf(err, err_size, "expected HOST:PORT (e.g. 127.0.0.1:9464) or unix:PATH");
			return -EINVAL;
		}
		hlen = (size_t)(colon - addr);
		memcpy(host, addr, hlen < 256 ? hlen : 0);
	}
	if (hlen >= 256) {
		snprintf(err, err_size, "host name too long");
		return -EINVAL;
	}
	host[hlen] = 0;
	*port = colon + 1;
	if (!**port || strspn(*port, "0123456789") != strlen(*port) || strlen(*port) > 5 ||
	    atoi(*port) > 65535) {
		snprintf(err, err_size, "port '%s' is not a number from 0 to 65535", *port);
		return -EINVAL;
	}
	return 0;
}

/* Splits a TCP address and resolves it; *res to freeaddrinfo(). */
static int resolve(const char *addr, struct addrinfo **res, char *err, size_t err_size)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE };
	char host[256];
	const char *port;
	int rc;

	*res = NULL;
	rc = split(addr, host, &port, err, err_size);
	if (rc)
		return rc;
	rc = getaddrinfo(*host ? host : NULL, port, &hints, res);
	if (rc) {
		*res = NULL;
		snprintf(err, err_size, "cannot resolve '%s': %s", host, gai_strerror(rc));
		return -EINVAL;
	}
	return 0;
}

static int unix_path(const char *addr, struct sockaddr_un *sun, char *err, size_t err_size)
{
	const char *path = addr + strlen(UNIX_PREFIX);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (path[0] != '/' || strlen(path) >= sizeof(sun->sun_path)) {
		snprintf(err, err_size, "unix:PATH needs an absolute path shorter than %zu bytes",
			 sizeof(sun->sun_path));
		return -EINVAL;
	}
	memcpy(sun->sun_path, path, strlen(path) + 1);
	return 0;
}

static int group_id(const char *group, gid_t *gid, char *err, size_t err_size)
{
	struct group g, *found = NULL;
	char buf[4096];

	if (getgrnam_r(group, &g, buf, sizeof(buf), &found) || !found) {
		snprintf(err, err_size, "unknown group '%s' (metrics.socket_group)", group);
		return -EINVAL;
	}
	*gid = found->gr_gid;
	return 0;
}

int metrics_address_syntax(const char *addr, char *err, size_t err_size)
{
	struct sockaddr_un sun;
	const char *port;
	char host[256];

	if (!strncmp(addr, UNIX_PREFIX, strlen(UNIX_PREFIX)))
		return unix_path(addr, &sun, err, err_size);
	return split(addr, host, &port, err, err_size);
}

int metrics_group_check(const char *group, char *err, size_t err_size)
{
	gid_t gid;

	return group_id(group, &gid, err, err_size);
}

int metrics_address_check(const char *addr, const char *group, char *err, size_t err_size)
{
	struct addrinfo *res;
	struct sockaddr_un sun;
	gid_t gid;
	int rc;

	if (!strncmp(addr, UNIX_PREFIX, strlen(UNIX_PREFIX)))
		return unix_path(addr, &sun, err, err_size) ?:
		       (group && *group ? group_id(group, &gid, err, err_size) : 0);
	rc = resolve(addr, &res, err, err_size);
	freeaddrinfo(res);
	return rc;
}

/* A socket file left by an agent that died is replaced; a live one, or a
 * file that is not a socket, is not. */
static int clear_stale(const struct sockaddr_un *sun, char *err, size_t err_size)
{
	struct stat st;
	int fd, live;

	if (lstat(sun->sun_path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, err_size, "%s exists and is not a socket", sun->sun_path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	live = fd >= 0 && connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0;
	if (fd >= 0)
		close(fd);
	if (live) {
		snprintf(err, err_size, "%s is in use (another agent?)", sun->sun_path);
		return -EADDRINUSE;
	}
	return unlink(sun->sun_path) ? -errno : 0;
}

static int listen_unix(const char *addr, const char *group, int *fd_out, char *err,
		       size_t err_size)
{
	struct sockaddr_un sun;
	gid_t gid = 0;
	int fd = -1, rc;

	rc = unix_path(addr, &sun, err, err_size);
	if (!rc && group && *group)
		rc = group_id(group, &gid, err, err_size);
	if (!rc)
		rc = clear_stale(&sun, err, err_size);
	if (rc)
		return rc;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) ||
	    chmod(sun.sun_path, group && *group ? 0660 : 0600) ||
	    (group && *group && chown(sun.sun_path, 0, gid)) || listen(fd, 64)) {
		rc = -errno;
		snprintf(err, err_size, "cannot listen on %s: %s", sun.sun_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	*fd_out = fd;
	return 0;
}

int metrics_listen_socket(const char *addr, const char *group, int *fd_out, char *err,
			  size_t err_size)
{
	struct addrinfo *res = NULL;
	int fd = -1, one = 1, rc;

	*fd_out = -1;
	if (!strncmp(addr, UNIX_PREFIX, strlen(UNIX_PREFIX)))
		return listen_unix(addr, group, fd_out, err, err_size);
	rc = resolve(addr, &res, err, err_size);
	if (rc)
		return rc;
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 64) < 0)
		goto fail;
	freeaddrinfo(res);
	*fd_out = fd;
	return 0;
fail:
	rc = -errno;
	snprintf(err, err_size, "cannot listen: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
	freeaddrinfo(res);
	return rc;
}

bool metrics_address_is_unix(const char *addr)
{
	return !strncmp(addr, UNIX_PREFIX, strlen(UNIX_PREFIX));
}
