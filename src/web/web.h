/*
 * web/: the live view in the browser (docs/web.md). Owns the page (HTML,
 * JavaScript and CSS in assets/, embedded into the binary: no external asset),
 * the answers of the web listener (web_view_answer: routing, the token, the
 * security headers) and the ring of the latest alerts and action records.
 *
 * It reads only what the agent publishes with its metrics snapshot: the
 * documents "flows" (the topology, src/net/) and "alerts" (its own ring), and
 * the exposition text, summarized as `palisade status --json` does. The
 * HTTP server (src/metrics/http.c) keeps the listener's bounds and refuses
 * every method but GET and HEAD before the handler runs.
 *
 * Must not touch: the event path, the engine, the sinks, the tables.
 * Threads: web_view_alert on the agent's loop thread; the ring's document at
 * publish time (the loop thread); web_view_answer on libmicrohttpd's threads,
 * which read copies of published snapshots only. A mutex guards the ring.
 */
#ifndef PALISADE_WEB_H
#define PALISADE_WEB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alert/alert.h"
#include "metrics/metrics.h"

/* Alerts the ring keeps (the oldest goes first), and the bytes of one. */
#define WEB_RING_MAX 200
#define WEB_ALERT_MAX (16u << 10)
/* The cookie a valid ?token= is exchanged for. */
#define WEB_COOKIE "palisade_web"

/* ---- The ring of the latest alerts (web_ring.c) ------------------------ */

struct web_ring;

int web_ring_new(struct web_ring **out);
void web_ring_free(struct web_ring *r);
/* Keeps the alert's Falco JSON (with its palisade_action); an alert bigger
 * than WEB_ALERT_MAX is kept as its time, rule, priority, source, container
 * and "truncated": true. */
void web_ring_add(struct web_ring *r, const struct alert *al);
/* {"total":N,"kept":K,"max":WEB_RING_MAX,"alerts":[newest first]}:
 * a metrics_doc_fn (ctx: the ring). */
char *web_ring_doc(void *ctx, size_t *len);

/* ---- The view (web_view.c) --------------------------------------------- */

struct web_view;

/*
 * Reads the token (a file of at least 16 printable bytes, none of them a
 * space, quote, comma, semicolon or backslash: it travels in a cookie) and
 * registers the "alerts" document with the registry. 0 or a negative errno,
 * the reason printed.
 */
int web_view_new(struct metrics_registry *reg, const char *token_file, struct web_view **out);
/* After the HTTP server stopped and the last snapshot was published. */
void web_view_free(struct web_view *v);
/* An alert as it leaves for the outputs (the agent's consumer "web"). */
void web_view_alert(struct web_view *v, const struct alert *al);
/* The web listener's handler (metrics_http_handler_fn; ctx: the view). */
void web_view_answer(void *ctx, const struct metrics_http_req *rq,
		     struct metrics_http_reply *out);
/* Whether token (len bytes) is one the view accepts as a token: printable
 * ASCII, no space, '"', ',', ';' or '\\'. */
bool web_token_valid(const unsigned char *token, size_t len);

/* ---- The page (web_assets.c) ------------------------------------------- */

struct web_asset {
	const char *path; /* "/", "/app.js", "/app.css" */
	const char *type;
	const char *data;
	size_t len;
};
/* The asset served at path into *out; false when none. */
bool web_asset_find(const char *path, struct web_asset *out);

#endif
