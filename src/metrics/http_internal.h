/* Shared by the HTTP endpoint's files (http.c, http_guard.c, listen.c). */
#ifndef PALISADE_METRICS_HTTP_INTERNAL_H
#define PALISADE_METRICS_HTTP_INTERNAL_H

#include <stdint.h>

#include <microhttpd.h>

#include "metrics/metrics.h"

/* Bounds of one listener (docs/metrics.md "Exposure"). */
#define HTTP_CONNECTIONS_MAX 64   /* at once, every client */
#define HTTP_PER_CLIENT_MAX 8     /* at once, from one address */
#define HTTP_REQUEST_DEADLINE 5.0 /* s to read and answer a request */
#define HTTP_IDLE_SEC 5           /* libmicrohttpd's inactivity timeout */
#define HTTP_LISTENERS_MAX 3      /* metrics.listen, metrics.health_listen, web.listen */

struct http_guard;

/* Cuts connections whose request misses its deadline; `cut` counts them. */
int http_guard_new(double limit_sec, struct metrics_vec *cut, struct http_guard **out);
void http_guard_free(struct http_guard *g);
/* libmicrohttpd's MHD_OPTION_NOTIFY_CONNECTION and _NOTIFY_COMPLETED, cls = the guard. */
void http_guard_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			   enum MHD_ConnectionNotificationCode code);
void http_guard_completed(void *cls, struct MHD_Connection *c, void **req_ctx,
			  enum MHD_RequestTerminationCode code);

#endif
