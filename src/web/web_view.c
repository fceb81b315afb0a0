/*
 * The web listener's answers: the page, and the JSON it polls. Every answer
 * but the sign-in needs the token: as "Authorization: Bearer TOKEN", or as
 * the HttpOnly cookie a GET /?token=TOKEN is exchanged for (then redirected
 * to /, so the token leaves the address bar). Tokens are compared in
 * constant time. Every answer carries a Content-Security-Policy that allows
 * the page's own script and style only (no inline script, no other origin).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "outfile/outfile.h"
#include "status/status.h"
#include "web/web.h"

#define TOKEN_MIN 16
#define JSON_TYPE "application/json; charset=utf-8"
#define TEXT_TYPE "text/plain; charset=utf-8"

struct web_view {
	struct metrics_registry *reg;
	struct web_ring *ring;
	unsigned char *token;
	size_t token_len;
};

/* On every answer. */
static const char *const security_headers[][2] = {
	{ "Content-Security-Policy",
	  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
	  "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'" },
	{ "X-Content-Type-Options", "nosniff" },
	{ "X-Frame-Options", "DENY" },
	{ "Referrer-Policy", "no-referrer" },
	{ "Cache-Control", "no-store" },
};

bool web_token_valid(const unsigned char *token, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (token[i] <= ' ' || token[i] > '~' || strchr("\",;\\", token[i]))
			return false;
	return len > 0;
}

int web_view_new(struct metrics_registry *reg, const char *token_file, struct web_view **out)
{
	struct web_view *v;
	int err;

	*out = NULL;
	if (!reg)
		return -EINVAL;
	if (!token_file || !*token_file) {
		fprintf(stderr, "palisade: web.enabled needs web.token_file (--web-token-file "
				"PATH): a file of at least %d bytes, e.g. `openssl rand -hex 32 > "
				"PATH`\n", TOKEN_MIN);
		return -EINVAL;
	}
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->reg = reg;
	err = outfile_read_secret(token_file, "web token file", TOKEN_MIN, &v->token,
				  &v->token_len);
	if (!err && !web_token_valid(v->token, v->token_len)) {
		fprintf(stderr, "palisade: web token file %s: the token must be printable ASCII "
				"without spaces, quotes, commas, semicolons or backslashes (it travels "
				"in a cookie); e.g. `openssl rand -hex 32`\n", token_file);
		err = -EINVAL;
	}
	err = err ?: web_ring_new(&v->ring);
	err = err ?: metrics_register_doc(reg, "alerts", web_ring_doc, v->ring);
	if (err) {
		web_view_free(v);
		return err;
	}
	*out = v;
	return 0;
}

void web_view_free(struct web_view *v)
{
	if (!v)
		return;
	web_ring_free(v->ring);
	if (v->token)
		OPENSSL_cleanse(v->token, v->token_len);
	free(v->token);
	free(v);
}

void web_view_alert(struct web_view *v, const struct alert *al)
{
	if (v)
		web_ring_add(v->ring, al);
}

static bool token_equal(const struct web_view *v, const char *t)
{
	return t && strlen(t) == v->token_len && !CRYPTO_memcmp(t, v->token, v->token_len);
}

static bool authorized(const struct web_view *v, const struct metrics_http_req *rq)
{
	static const char bearer[] = "Bearer ";
	const char *a = rq->authorization;

	if (a && !strncmp(a, bearer, sizeof(bearer) - 1) && token_equal(v, a + sizeof(bearer) - 1))
		return true;
	return token_equal(v, rq->cookie);
}

static void header(struct metrics_http_reply *out, const char *name, const char *value,
		   bool owned)
{
	if (out->n_headers == METRICS_HTTP_HEADERS_MAX) {
		if (owned)
			free((void *)value);
		return;
	}
	out->headers[out->n_headers][0] = name;
	out->headers[out->n_headers][1] = value;
	out->value_owned[out->n_headers++] = owned;
}

static void body(struct metrics_http_reply *out, unsigned status, const char *type,
		 const char *text, size_t len, bool owned)
{
	out->status = status;
	out->type = type;
	out->body = text;
	out->len = len;
	out->body_owned = owned;
}

static void text(struct metrics_http_reply *out, unsigned status, const char *msg)
{
	body(out, status, TEXT_TYPE, msg, strlen(msg), false);
}

/* GET /?token=TOKEN: the cookie, and back to / without the token. */
static void sign_in(const struct web_view *v, struct metrics_http_reply *out)
{
	char *cookie = NULL;

	if (asprintf(&cookie, WEB_COOKIE "=%.*s; HttpOnly; SameSite=Strict; Path=/",
		     (int)v->token_len, (const char *)v->token) < 0) {
		text(out, 500, "out of memory\n");
		return;
	}
	header(out, "Set-Cookie", cookie, true);
	header(out, "Location", "/", false);
	text(out, 303, "signed in: see /\n");
}

/* The agent's health: the summary `palisade status --json` prints. */
static void health(const struct web_view *v, struct metrics_http_reply *out)
{
	struct metrics_parsed parsed = { 0 };
	size_t len = 0, bad = 0;
	double at = 0;
	char *snap = metrics_snapshot(v->reg, &len, &at), *dump = NULL;
	json_t *o = NULL;

	if (snap && !metrics_parse(snap, len, &parsed, &bad) && parsed.n_samples)
		o = status_summary(&parsed, getpid());
	free(snap);
	metrics_parsed_release(&parsed);
	if (o)
		dump = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	if (!dump) {
		text(out, 503, "no snapshot yet\n");
		return;
	}
	body(out, 200, JSON_TYPE, dump, strlen(dump), true);
}

/* A document published with the snapshot; `off` when there is none. */
static void document(const struct web_view *v, const char *name, const char *off,
		     struct metrics_http_reply *out)
{
	size_t len = 0;
	char *doc = metrics_doc_snapshot(v->reg, name, &len);

	if (doc)
		body(out, 200, JSON_TYPE, doc, len, true);
	else
		body(out, 200, JSON_TYPE, off, strlen(off), false);
}

void web_view_answer(void *ctx, const struct metrics_http_req *rq,
		     struct metrics_http_reply *out)
{
	const struct web_view *v = ctx;
	struct web_asset asset;
	const char *path = rq->path ? rq->path : "";

	for (size_t i = 0; i < sizeof(security_headers) / sizeof(security_headers[0]); i++)
		header(out, security_headers[i][0], security_headers[i][1], false);
	if (!strcmp(path, "/") && token_equal(v, rq->query_token)) {
		sign_in(v, out);
		return;
	}
	if (!authorized(v, rq)) {
		header(out, "WWW-Authenticate", "Bearer", false);
		text(out, 401, "unauthorized: open /?token=TOKEN (web.token_file) once, or send "
			       "Authorization: Bearer TOKEN\n");
		return;
	}
	if (web_asset_find(path, &asset))
		body(out, 200, asset.type, asset.data, asset.len, false);
	else if (!strcmp(path, "/api/health"))
		health(v, out);
	else if (!strcmp(path, "/api/topology"))
		document(v, "flows", "{\"enabled\":false,\"edges\":[],\"flows\":[]}", out);
	else if (!strcmp(path, "/api/alerts"))
		document(v, "alerts", "{\"total\":0,\"kept\":0,\"alerts\":[]}", out);
	else
		text(out, 404, "not found: try /, /api/health, /api/topology or /api/alerts\n");
}
