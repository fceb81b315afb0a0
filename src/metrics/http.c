/*
 * /metrics and /healthz over HTTP, served by libmicrohttpd's own thread from
 * the published snapshot. The listening socket is made here, not by
 * libmicrohttpd, so that a bad address or a port in use is reported with its
 * cause before the agent goes on.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "metrics/metrics.h"

/* /healthz fails when the event loop has not published for this long. */
#define HEALTH_STALE_SEC 10.0

struct metrics_http {
	struct MHD_Daemon *daemon;
	struct metrics_registry *reg;
	bool serve_metrics;
	char healthz_path[128];
};

int metrics_listen_socket(const char *addr, int *fd_out, char *err, size_t err_size)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE };
	struct addrinfo *res = NULL;
	char host[256];
	const char *colon, *port;
	size_t hlen;
	int fd = -1, one = 1, rc;

	*fd_out = -1;
	if (addr[0] == '[') {
		const char *close = strchr(addr, ']');

		if (!close || close[1] != ':') {
			snprintf(err, err_size, "expected [IPv6]:PORT");
			return -EINVAL;
		}
		hlen = (size_t)(close - addr - 1);
		memcpy(host, addr + 1, hlen < sizeof(host) ? hlen : 0);
		colon = close + 1;
	} else {
		colon = strrchr(addr, ':');
		if (!colon) {
			snprintf(err, err_size, "expected HOST:PORT, e.g. 127.0.0.1:9464");
			return -EINVAL;
		}
		hlen = (size_t)(colon - addr);
		memcpy(host, addr, hlen < sizeof(host) ? hlen : 0);
	}
	if (hlen >= sizeof(host)) {
		snprintf(err, err_size, "host name too long");
		return -EINVAL;
	}
	host[hlen] = 0;
	port = colon + 1;
	if (!*port || strspn(port, "0123456789") != strlen(port) || atoi(port) > 65535) {
		snprintf(err, err_size, "port '%s' is not a number from 0 to 65535", port);
		return -EINVAL;
	}
	rc = getaddrinfo(hlen ? host : NULL, port, &hints, &res);
	if (rc) {
		snprintf(err, err_size, "cannot resolve '%s': %s", host, gai_strerror(rc));
		return -EINVAL;
	}
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

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
			     char *body, size_t len)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned status, const char *text)
{
	char *body = strdup(text);

	if (!body)
		return MHD_NO;
	return reply(c, status, "text/plain; charset=utf-8", body, strlen(body));
}

static double monotonic_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **req_ctx)
{
	struct metrics_http *h = cls;
	double at = 0;
	size_t len = 0;
	char *snap, msg[256];

	(void)version;
	(void)upload;
	(void)upload_size;
	(void)req_ctx;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n");
	if (strcmp(url, "/metrics") == 0 && h->serve_metrics) {
		snap = metrics_snapshot(h->reg, &len, &at);
		if (!snap)
			return reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE,
					  "no snapshot published yet\n");
		return reply(c, MHD_HTTP_OK, METRICS_CONTENT_TYPE, snap, len);
	}
	if (strcmp(url, h->healthz_path) == 0) {
		free(metrics_snapshot(h->reg, &len, &at));
		if (at > 0 && monotonic_sec() - at <= HEALTH_STALE_SEC)
			return reply_text(c, MHD_HTTP_OK, "ok\n");
		snprintf(msg, sizeof(msg), "stale: the event loop has not published for %.0f s\n",
			 at > 0 ? monotonic_sec() - at : -1.0);
		return reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE,
				  at > 0 ? msg : "starting: no snapshot yet\n");
	}
	snprintf(msg, sizeof(msg), "not found: try %s%s\n", h->serve_metrics ? "/metrics or " : "",
		 h->healthz_path);
	return reply_text(c, MHD_HTTP_NOT_FOUND, msg);
}

int metrics_http_start(struct metrics_registry *r, const char *addr,
		       const struct metrics_http_opts *o, struct metrics_http **out)
{
	struct metrics_http *h;
	char err[256];
	int fd, rc;

	*out = NULL;
	rc = metrics_listen_socket(addr, &fd, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "palisade: --metrics %s: %s; give a free HOST:PORT\n", addr, err);
		return rc;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		close(fd);
		return -ENOMEM;
	}
	h->reg = r;
	h->serve_metrics = o->serve_metrics;
	snprintf(h->healthz_path, sizeof(h->healthz_path), "%s",
		 o->healthz_path && *o->healthz_path ? o->healthz_path : "/healthz");
	h->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, on_request, h,
				     MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT,
				     (unsigned)64, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
				     MHD_OPTION_END);
	if (!h->daemon) {
		fprintf(stderr, "palisade: --metrics %s: libmicrohttpd did not start\n", addr);
		close(fd);
		free(h);
		return -EIO;
	}
	*out = h;
	return 0;
}

void metrics_http_stop(struct metrics_http *h)
{
	if (!h)
		return;
	/* Closes the listening socket too. */
	MHD_stop_daemon(h->daemon);
	free(h);
}
