/*
 * /metrics and /healthz over HTTP, served by libmicrohttpd's own thread from
 * the published snapshot (listening sockets: listen.c).
 *
 * The endpoint is open to whoever can connect, so it is bounded (issue 12:
 * 64 connections trickling headers from an unprivileged user kept every
 * scrape and health check out): HTTP_CONNECTIONS_MAX at once, of which
 * HTTP_PER_CLIENT_MAX from one address; a request read and answered within
 * HTTP_REQUEST_DEADLINE (http_guard.c); optionally /healthz on a listener of
 * its own, /metrics behind a bearer token, a unix socket only root (or one
 * group) can reach.
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
#include <openssl/crypto.h>

#include "metrics/http_internal.h"
#include "outfile/outfile.h"

/* /healthz fails when the event loop has not published for this long. */
#define HEALTH_STALE_SEC 10.0

/* A token shorter than this is guessable. */
#define TOKEN_MIN 16

/* What a listener serves: everything, the health check only, or the web view. */
enum listener_role { ROLE_METRICS, ROLE_HEALTH, ROLE_WEB };

struct listener {
	struct metrics_http *h;
	struct MHD_Daemon *daemon;
	enum listener_role role;
	char *unix_path; /* removed at stop */
};

struct metrics_http {
	struct metrics_registry *reg;
	struct http_guard *guard;
	struct metrics_vec *refused;
	unsigned char *token;
	size_t token_len;
	struct listener l[HTTP_LISTENERS_MAX];
	bool serve_metrics;
	char healthz_path[128];
	metrics_http_handler_fn web;
	void *web_ctx;
	char web_cookie[64];
};

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

/* "Authorization: Bearer TOKEN", compared in constant time. */
static bool authorized(const struct metrics_http *h, struct MHD_Connection *c)
{
	const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						    MHD_HTTP_HEADER_AUTHORIZATION);
	static const char bearer[] = "Bearer ";

	if (!h->token)
		return true;
	if (!v || strncmp(v, bearer, sizeof(bearer) - 1))
		return false;
	v += sizeof(bearer) - 1;
	return strlen(v) == h->token_len && !CRYPTO_memcmp(v, h->token, h->token_len);
}

static enum MHD_Result unauthorized(struct metrics_http *h, struct MHD_Connection *c)
{
	struct MHD_Response *r;
	static char body[] = "unauthorized: send Authorization: Bearer <metrics.token_file>\n";
	enum MHD_Result ret;

	metrics_vec_add(h->refused, 1, (const char *const[]){ "token" });
	r = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
	ret = MHD_queue_response(c, MHD_HTTP_UNAUTHORIZED, r);
	MHD_destroy_response(r);
	return ret;
}

/* The web listener: its handler answers; the server adds the headers it asks for. */
static enum MHD_Result web_answer(struct metrics_http *h, struct MHD_Connection *c,
				  const char *url)
{
	const struct metrics_http_req rq = {
		.path = url,
		.authorization = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_AUTHORIZATION),
		.cookie = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, h->web_cookie),
		.query_token = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token"),
	};
	struct metrics_http_reply out = { 0 };
	struct MHD_Response *r;
	enum MHD_Result ret = MHD_NO;

	h->web(h->web_ctx, &rq, &out);
	r = MHD_create_response_from_buffer(out.len, (void *)(out.body ? out.body : ""),
					    out.body_owned ? MHD_RESPMEM_MUST_FREE
							   : MHD_RESPMEM_PERSISTENT);
	if (!r && out.body_owned)
		free((void *)out.body);
	for (size_t i = 0; i < out.n_headers && i < METRICS_HTTP_HEADERS_MAX; i++) {
		if (r)
			MHD_add_response_header(r, out.headers[i][0], out.headers[i][1]);
		if (out.value_owned[i])
			free((void *)out.headers[i][1]);
	}
	if (!r)
		return MHD_NO;
	if (out.type)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, out.type);
	if (out.status == MHD_HTTP_UNAUTHORIZED)
		metrics_vec_add(h->refused, 1, (const char *const[]){ "token" });
	ret = MHD_queue_response(c, out.status ? out.status : MHD_HTTP_INTERNAL_SERVER_ERROR, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **req_ctx)
{
	struct listener *l = cls;
	struct metrics_http *h = l->h;
	double at = 0;
	size_t len = 0;
	char *snap, msg[256];

	(void)version;
	(void)upload;
	(void)upload_size;
	(void)req_ctx;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n");
	if (l->role == ROLE_WEB)
		return web_answer(h, c, url);
	if (strcmp(url, "/metrics") == 0 && l->role == ROLE_METRICS && h->serve_metrics) {
		if (!authorized(h, c))
			return unauthorized(h, c);
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
	snprintf(msg, sizeof(msg), "not found: try %s%s\n",
		 l->role == ROLE_METRICS && h->serve_metrics ? "/metrics or " : "", h->healthz_path);
	return reply_text(c, MHD_HTTP_NOT_FOUND, msg);
}

static int listener_start(struct metrics_http *h, struct listener *l, const char *addr,
			  const char *group, const char *key)
{
	char err[256];
	int fd, rc;

	rc = metrics_listen_socket(addr, group, &fd, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "palisade: %s %s: %s; give a free HOST:PORT or unix:PATH\n", key,
			addr, err);
		return rc;
	}
	l->h = h;
	if (metrics_address_is_unix(addr) && !(l->unix_path = strdup(addr + 5))) {
		close(fd);
		return -ENOMEM;
	}
	l->daemon = MHD_start_daemon(
		MHD_USE_AUTO_INTERNAL_THREAD, 0, NULL, NULL, on_request, l,
		MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT,
		(unsigned)HTTP_CONNECTIONS_MAX, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		(unsigned)HTTP_PER_CLIENT_MAX, MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned)HTTP_IDLE_SEC, MHD_OPTION_NOTIFY_CONNECTION, http_guard_connection,
		h->guard, MHD_OPTION_NOTIFY_COMPLETED, http_guard_completed, h->guard,
		MHD_OPTION_END);
	if (!l->daemon) {
		fprintf(stderr, "palisade: %s %s: libmicrohttpd did not start\n", key, addr);
		close(fd);
		return -EIO;
	}
	return 0;
}

int metrics_http_start(struct metrics_registry *r, const struct metrics_http_cfg *cfg,
		       struct metrics_http **out)
{
	static const char *const reason[] = { "reason", NULL };
	struct metrics_http *h;
	int rc;

	*out = NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->reg = r;
	h->serve_metrics = cfg->serve_metrics;
	snprintf(h->healthz_path, sizeof(h->healthz_path), "%s",
		 cfg->healthz_path && *cfg->healthz_path ? cfg->healthz_path : "/healthz");
	rc = metrics_vec_new(r, "palisade_http_refused_total", METRICS_COUNTER,
			     "HTTP connections cut because their request missed its deadline "
			     "(reason=deadline), requests refused without the bearer token "
			     "(reason=token).", reason, 4, &h->refused);
	if (!rc && cfg->token_file && *cfg->token_file)
		rc = outfile_read_secret(cfg->token_file, "metrics token file", TOKEN_MIN,
					 &h->token, &h->token_len);
	if (!rc)
		rc = http_guard_new(HTTP_REQUEST_DEADLINE, h->refused, &h->guard);
	if (!rc && cfg->listen && *cfg->listen)
		rc = listener_start(h, &h->l[0], cfg->listen, cfg->socket_group,
				    "metrics.listen/--metrics");
	if (!rc && cfg->health_listen && *cfg->health_listen) {
		h->l[1].role = ROLE_HEALTH;
		rc = listener_start(h, &h->l[1], cfg->health_listen, cfg->socket_group,
				    "metrics.health_listen");
	}
	if (!rc && cfg->web && cfg->web_listen && *cfg->web_listen) {
		h->web = cfg->web;
		h->web_ctx = cfg->web_ctx;
		snprintf(h->web_cookie, sizeof(h->web_cookie), "%s",
			 cfg->web_cookie ? cfg->web_cookie : "");
		h->l[2].role = ROLE_WEB;
		rc = listener_start(h, &h->l[2], cfg->web_listen, cfg->socket_group,
				    "web.listen/--web-listen");
	}
	if (rc) {
		metrics_http_stop(h);
		return rc;
	}
	*out = h;
	return 0;
}

void metrics_http_stop(struct metrics_http *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < HTTP_LISTENERS_MAX; i++) {
		/* Closes the listening socket too. */
		if (h->l[i].daemon)
			MHD_stop_daemon(h->l[i].daemon);
		if (h->l[i].unix_path)
			unlink(h->l[i].unix_path);
		free(h->l[i].unix_path);
	}
	http_guard_free(h->guard);
	free(h->token);
	free(h);
}
