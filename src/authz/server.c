/*
 * Docker's authorization plugin protocol over HTTP on a unix socket
 * (libmicrohttpd, a thread per connection): /Plugin.Activate answers that
 * this plugin implements "authz"; /AuthZPlugin.AuthZReq and AuthZRes carry
 * a request, and get {"Allow": bool, "Msg": why}. Anything this side cannot
 * read or judge is refused: a bad envelope, a body over the bound, a request
 * the decoder marks unjudgeable, no policy loaded.
 */
#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authz/internal.h"

#define CONTENT_TYPE "application/vnd.docker.plugins.v1.2+json"
#define CONNECTIONS_MAX 256
#define IDLE_SEC 30

struct az_server {
	struct MHD_Daemon *mhd;
	struct az_gate *g;
};

struct upload {
	char *buf;
	size_t len;
	bool too_big;
};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *json)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(strlen(json), (void *)json, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", CONTENT_TYPE);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result verdict(struct MHD_Connection *c, bool allow, const char *msg)
{
	json_t *o = json_pack("{s:b,s:s}", "Allow", allow, "Msg", msg ? msg : "");
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	enum MHD_Result ret = reply(c, 200, s ? s : "{\"Allow\":false,\"Msg\":\"out of memory\"}");

	free(s);
	json_decref(o);
	return ret;
}

/* One AuthZReq or AuthZRes: decoded, refused unjudged, or judged. */
static enum MHD_Result authorize(struct az_gate *g, struct MHD_Connection *c,
				 const struct upload *u, bool response)
{
	struct authz_req *r = NULL;
	struct az_verdict v;
	char why[512], msg[2200];
	int ret;

	if (u->too_big) {
		__atomic_add_fetch(&g->bad, 1, __ATOMIC_RELAXED);
		return verdict(c, false, "palisade: the plugin request is larger than the gate reads: "
					 "refused");
	}
	ret = authz_req_decode(u->buf ? u->buf : "", u->len, response, &r, why, sizeof(why));
	if (ret) {
		__atomic_add_fetch(&g->bad, 1, __ATOMIC_RELAXED);
		snprintf(msg, sizeof(msg), "palisade: %s: refused", why);
		return verdict(c, false, msg);
	}
	if (authz_req_refusal(r)) {
		__atomic_add_fetch(&g->refused, 1, __ATOMIC_RELAXED);
		snprintf(msg, sizeof(msg), "palisade: %s", authz_req_refusal(r));
		fprintf(stderr, "palisade authz: refused %s %s: %s\n", authz_req_event(r)->method,
			authz_req_event(r)->uri, authz_req_refusal(r));
		authz_req_free(r);
		return verdict(c, false, msg);
	}
	if (!response && az_is_own_request(r, &g->trust)) {
		authz_req_free(r);
		return verdict(c, true, NULL);
	}
	az_attach_trust(r, &g->trust);
	ret = az_policy_judge(&g->policy, &r->event, &v);
	authz_req_free(r);
	if (ret) {
		__atomic_add_fetch(&g->refused, 1, __ATOMIC_RELAXED);
		return verdict(c, false, "palisade: no policy is loaded: refused");
	}
	__atomic_add_fetch(v.allow ? &g->allowed : &g->denied, 1, __ATOMIC_RELAXED);
	if (!v.allow)
		snprintf(msg, sizeof(msg), "palisade: %s", v.msg);
	return verdict(c, v.allow, v.allow ? NULL : msg);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *data,
				  size_t *size, void **con_cls)
{
	struct az_server *s = cls;
	struct upload *u = *con_cls;

	(void)version;
	if (!u) {
		if (!(u = calloc(1, sizeof(*u))))
			return MHD_NO;
		*con_cls = u;
		return MHD_YES;
	}
	if (*size) { /* more of the body */
		if (!u->too_big && u->len + *size <= AUTHZ_REQUEST_MAX) {
			char *nb = realloc(u->buf, u->len + *size + 1);

			if (!nb)
				return MHD_NO;
			memcpy(nb + u->len, data, *size);
			u->buf = nb;
			u->len += *size;
			nb[u->len] = '\0';
		} else {
			u->too_big = true;
		}
		*size = 0;
		return MHD_YES;
	}
	if (strcmp(method, "POST"))
		return reply(c, 405, "{\"Err\":\"POST only\"}");
	if (!strcmp(url, "/Plugin.Activate"))
		return reply(c, 200, "{\"Implements\":[\"authz\"]}");
	if (!strcmp(url, "/AuthZPlugin.AuthZReq"))
		return authorize(s->g, c, u, false);
	if (!strcmp(url, "/AuthZPlugin.AuthZRes"))
		return authorize(s->g, c, u, true);
	return reply(c, 404, "{\"Err\":\"unknown method\"}");
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct upload *u = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (u) {
		free(u->buf);
		free(u);
		*con_cls = NULL;
	}
}

int az_server_start(struct az_gate *g, int fd, struct az_server **out)
{
	struct az_server *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->g = g;
	s->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION,
				  0, NULL, NULL, on_request, s, MHD_OPTION_LISTEN_SOCKET, fd,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNECTIONS_MAX,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_SEC,
				  MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_END);
	if (!s->mhd) {
		free(s);
		return -EIO;
	}
	*out = s;
	return 0;
}

void az_server_stop(struct az_server *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->mhd);
	free(s);
}
