/*
 * The Registry HTTP API v2 client, over libcurl: one connection per
 * operation, every request bounded by the operation's deadline and every
 * response body by a size fixed by what is asked for. Manifests and blobs
 * are hashed on arrival and compared with the digest they were asked by:
 * the registry is not trusted to serve what it is asked for.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "supply/internal.h"

#define CONNECT_TIMEOUT_MS 10000
#define ERROR_BODY_MAX (64u << 10)
#define MAX_REDIRECTS 5
#define MANIFEST_ACCEPT                                                                            \
	"Accept: " MT_OCI_MANIFEST ", " MT_OCI_INDEX ", " MT_DOCKER_MANIFEST ", " MT_DOCKER_LIST

struct reg_client {
	CURL *curl;
	const struct supply_opts *o;
	char base[300];       /* https://host[:port] */
	char name[256];       /* repository */
	char registry[256];
	char scope[600];      /* repository:NAME:pull[,push] */
	char *auth;           /* "Authorization: ..." or NULL */
	char *creds;          /* user:password, or NULL */
	bool insecure;        /* listed: plain HTTP allowed, certificate not verified */
	bool http_ok;         /* plain HTTP when TLS fails (listed, or loopback) */
	uint64_t deadline_ms; /* CLOCK_MONOTONIC */
	char curl_err[CURL_ERROR_SIZE];
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

const char *reg_base(const struct reg_client *c)
{
	return c->base;
}

void reg_resp_release(struct reg_resp *r)
{
	free(r->body);
	memset(r, 0, sizeof(*r));
}

static bool listed(const struct supply_opts *o, const char *registry)
{
	for (size_t i = 0; i < o->n_insecure; i++)
		if (!strcmp(o->insecure[i], registry))
			return true;
	return false;
}

/* A loopback registry may speak plain HTTP, as dockerd allows by default
 * (its TLS, when it has TLS, is still verified: stricter than dockerd). */
static bool is_loopback(const char *registry)
{
	char host[256];
	unsigned char a[16];
	const char *end;

	if (registry[0] == '[') {
		end = strchr(registry, ']');
		snprintf(host, sizeof(host), "%.*s", end ? (int)(end - registry - 1) : 0, registry + 1);
	} else {
		snprintf(host, sizeof(host), "%.*s", (int)strcspn(registry, ":"), registry);
	}
	if (!strcmp(host, "localhost"))
		return true;
	if (inet_pton(AF_INET, host, a) == 1)
		return a[0] == 127;
	return inet_pton(AF_INET6, host, a) == 1 && !memcmp(a, in6addr_loopback.s6_addr, 16);
}

struct sink {
	struct reg_resp *r;
	size_t max;
};

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct sink *s = ctx;
	size_t len = size * n;
	char *nb;

	if (s->r->len + len > s->max) {
		s->r->too_big = true;
		return 0;
	}
	nb = realloc(s->r->body, s->r->len + len + 1);
	if (!nb)
		return 0;
	memcpy(nb + s->r->len, p, len);
	s->r->body = nb;
	s->r->len += len;
	nb[s->r->len] = '\0';
	return len;
}

static void take_header(const char *line, size_t len, const char *name, char *out, size_t size)
{
	size_t nl = strlen(name);

	if (len <= nl || strncasecmp(line, name, nl))
		return;
	line += nl;
	len -= nl;
	while (len && (*line == ' ' || *line == '\t'))
		line++, len--;
	while (len && (line[len - 1] == '\r' || line[len - 1] == '\n' || line[len - 1] == ' '))
		len--;
	snprintf(out, size, "%.*s", (int)(len < size ? len : size - 1), line);
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
	struct reg_resp *r = ctx;
	size_t len = size * n;

	/* A redirect's headers are not the answer's. */
	if (len > 5 && !strncmp(p, "HTTP/", 5)) {
		r->content_type[0] = r->digest[0] = r->location[0] = r->challenge[0] = '\0';
		return len;
	}
	take_header(p, len, "content-type:", r->content_type, sizeof(r->content_type));
	take_header(p, len, "docker-content-digest:", r->digest, sizeof(r->digest));
	take_header(p, len, "location:", r->location, sizeof(r->location));
	take_header(p, len, "www-authenticate:", r->challenge, sizeof(r->challenge));
	return len;
}

static void setup(struct reg_client *c, const struct reg_req *q, struct curl_slist *hdrs,
		  struct sink *s, uint64_t left)
{
	CURL *h = c->curl;

	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, q->url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)left);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
			 (long)(left < CONNECT_TIMEOUT_MS ? left : CONNECT_TIMEOUT_MS));
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->curl_err);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "palisade");
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, s->r);
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)q->max);
	if (q->follow) {
		curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(h, CURLOPT_MAXREDIRS, (long)MAX_REDIRECTS);
		/* Never from https down to http. */
		curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR,
				 strncmp(q->url, "https:", 6) ? "http,https" : "https");
	}
	if (c->o->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->o->ca_file);
	if (c->insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (!strcmp(q->method, "HEAD")) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else if (strcmp(q->method, "GET")) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, q->body ? q->body : "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->body_len);
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, q->method);
	}
}

static struct curl_slist *headers(const struct reg_client *c, const struct reg_req *q)
{
	char ct[160];
	struct curl_slist *h = curl_slist_append(NULL, "Expect:"), *t;

	if (h && q->accept && (t = curl_slist_append(h, q->accept)))
		h = t;
	if (h && q->content_type) {
		snprintf(ct, sizeof(ct), "Content-Type: %s", q->content_type);
		if ((t = curl_slist_append(h, ct)))
			h = t;
	}
	if (h && c->auth && (t = curl_slist_append(h, c->auth)))
		h = t;
	return h;
}

/* One exchange, no retry. */
static int exchange(struct reg_client *c, const struct reg_req *q, struct reg_resp *r, char *err,
		    size_t errsz)
{
	uint64_t now = now_ms();
	struct sink s = { .r = r, .max = q->max };
	struct curl_slist *hdrs;
	CURLcode rc;

	reg_resp_release(r);
	if (now >= c->deadline_ms)
		return sup_err(err, errsz, -ETIMEDOUT, "%s %s: out of time (--timeout)", q->method,
			       q->url);
	hdrs = headers(c, q);
	if (!hdrs)
		return -ENOMEM;
	c->curl_err[0] = '\0';
	setup(c, q, hdrs, &s, c->deadline_ms - now);
	rc = curl_easy_perform(c->curl);
	curl_slist_free_all(hdrs);
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &r->status);
	if (r->too_big || rc == CURLE_FILESIZE_EXCEEDED)
		return sup_err(err, errsz, -EFBIG, "%s %s: the answer is larger than %zu bytes",
			       q->method, q->url, q->max);
	if (rc == CURLE_OPERATION_TIMEDOUT)
		return sup_err(err, errsz, -ETIMEDOUT, "%s %s: timed out (--timeout)", q->method,
			       q->url);
	if (rc != CURLE_OK)
		return sup_err(err, errsz, rc == CURLE_SSL_CONNECT_ERROR ? -EPROTO : -EIO,
			       "%s %s: %s", q->method, q->url,
			       c->curl_err[0] ? c->curl_err : curl_easy_strerror(rc));
	return 0;
}

static int fetch_token(struct reg_client *c, const char *challenge, char *err, size_t errsz);

int reg_do(struct reg_client *c, const struct reg_req *q, struct reg_resp *r, char *err,
	   size_t errsz)
{
	char url[4096];
	struct reg_req qq = *q;
	int ret;

	if (q->url[0] == '/') {
		snprintf(url, sizeof(url), "%s%s", c->base, q->url);
		qq.url = url;
	}
	ret = exchange(c, &qq, r, err, errsz);
	/* A token that expired, or one for too narrow a scope: once more. */
	if (!ret && r->status == 401 && r->challenge[0]) {
		char challenge[sizeof(r->challenge)];

		memcpy(challenge, r->challenge, sizeof(challenge));
		ret = fetch_token(c, challenge, err, errsz);
		if (!ret)
			ret = exchange(c, &qq, r, err, errsz);
	}
	return ret;
}

/* The registry's own words for a failure: {"errors": [{"code", "message"}]}. */
static void registry_error(const struct reg_resp *r, char *out, size_t size)
{
	json_t *doc = r->body ? json_loadb(r->body, r->len, 0, NULL) : NULL;
	json_t *e0 = json_array_get(json_object_get(doc, "errors"), 0);
	const char *code = json_string_value(json_object_get(e0, "code"));
	const char *msg = json_string_value(json_object_get(e0, "message"));

	if (code)
		snprintf(out, size, "HTTP %ld %.64s: %.200s", r->status, code, msg ? msg : "");
	else
		snprintf(out, size, "HTTP %ld", r->status);
	json_decref(doc);
}

static int status_err(const struct reg_resp *r, const char *what, char *err, size_t errsz)
{
	char detail[300];

	registry_error(r, detail, sizeof(detail));
	return sup_err(err, errsz, r->status == 401 || r->status == 403 ? -EACCES : -EIO,
		       "%s: %s%s", what, detail,
		       r->status == 401 || r->status == 403
			       ? " (credentials: docker login, or --authfile)" : "");
}

/* ---- authentication ---- */

static char *url_escape(CURL *h, const char *s)
{
	return curl_easy_escape(h, s, 0);
}

static int set_auth(struct reg_client *c, const char *scheme, const char *value)
{
	size_t n = strlen(scheme) + strlen(value) + 32;

	free(c->auth);
	c->auth = malloc(n);
	if (!c->auth)
		return -ENOMEM;
	snprintf(c->auth, n, "Authorization: %s %s", scheme, value);
	return 0;
}

static int basic_auth(struct reg_client *c, char *err, size_t errsz)
{
	char *b64;
	int ret;

	if (!c->creds)
		return sup_err(err, errsz, -EACCES, "%s asks for a user and password: docker login "
						    "%s, or --authfile", c->registry, c->registry);
	b64 = sup_b64_encode(c->creds, strlen(c->creds));
	if (!b64)
		return -ENOMEM;
	ret = set_auth(c, "Basic", b64);
	free(b64);
	return ret;
}

static int fetch_token(struct reg_client *c, const char *challenge, char *err, size_t errsz)
{
	struct reg_challenge ch;
	struct reg_resp r = { 0 };
	struct reg_req q = { .method = "GET", .max = 1u << 20 };
	char *service = NULL, *scope = NULL, *url = NULL, *token = NULL, *saved = c->auth;
	size_t n;
	int ret;

	if (reg_challenge_parse(challenge, &ch))
		return sup_err(err, errsz, -EPROTO, "%s: cannot read its WWW-Authenticate: %.200s",
			       c->registry, challenge);
	if (!strcmp(ch.scheme, "basic"))
		return basic_auth(c, err, errsz);
	if (strcmp(ch.scheme, "bearer") || (strncmp(ch.realm, "https://", 8) &&
					    strncmp(ch.realm, "http://", 7)))
		return sup_err(err, errsz, -EPROTO, "%s: unsupported authentication %.200s",
			       c->registry, challenge);
	service = url_escape(c->curl, ch.service);
	scope = url_escape(c->curl, c->scope);
	n = strlen(ch.realm) + (service ? strlen(service) : 0) + (scope ? strlen(scope) : 0) + 32;
	url = malloc(n);
	if (!service || !scope || !url) {
		ret = -ENOMEM;
		goto cleanup;
	}
	snprintf(url, n, "%s%sservice=%s&scope=%s", ch.realm, strchr(ch.realm, '?') ? "&" : "?",
		 service, scope);
	/* The token service sees the user's credentials, never a stale token. */
	c->auth = NULL;
	if (c->creds && (ret = basic_auth(c, err, errsz)))
		goto cleanup;
	q.url = url;
	ret = exchange(c, &q, &r, err, errsz);
	free(c->auth);
	c->auth = NULL;
	if (!ret && r.status != 200)
		ret = status_err(&r, "token service", err, errsz);
	if (!ret && reg_token_parse(r.body, r.len, &token))
		ret = sup_err(err, errsz, -EPROTO, "token service %s: no token in its answer",
			      ch.realm);
	if (!ret)
		ret = set_auth(c, "Bearer", token);
cleanup:
	if (ret && !c->auth) {
		c->auth = saved;
		saved = NULL;
	}
	free(saved);
	curl_free(service);
	curl_free(scope);
	free(url);
	free(token);
	reg_resp_release(&r);
	return ret;
}

/* GET /v2/: which scheme answers, and what authentication it asks. */
static int ping(struct reg_client *c, char *err, size_t errsz)
{
	struct reg_req q = { .method = "GET", .url = "/v2/", .max = ERROR_BODY_MAX };
	struct reg_resp r = { 0 };
	int ret = reg_do(c, &q, &r, err, errsz);

	if (ret == -EPROTO && c->http_ok && !strncmp(c->base, "https:", 6)) {
		/* dockerd's fallback for an insecure registry: plain HTTP. */
		memmove(c->base + 4, c->base + 5, strlen(c->base + 5) + 1);
		ret = reg_do(c, &q, &r, err, errsz);
	}
	if (!ret && r.status != 200)
		ret = r.status == 401 ? status_err(&r, "authentication", err, errsz)
				      : sup_err(err, errsz, -EPROTO,
						"%s/v2/ answered HTTP %ld: not a registry (API v2)",
						c->base, r.status);
	reg_resp_release(&r);
	return ret;
}

int reg_open(const struct supply_opts *o, const struct supply_ref *ref, bool push,
	     struct reg_client **out, char *err, size_t errsz)
{
	struct reg_client *c;
	const char *note = NULL;
	int ret;

	*out = NULL;
	if ((ret = supply_init()))
		return sup_err(err, errsz, ret, "cannot initialise libcurl");
	c = calloc(1, sizeof(*c));
	if (!c || !(c->curl = curl_easy_init())) {
		free(c);
		return -ENOMEM;
	}
	c->o = o;
	c->deadline_ms = now_ms() + (o->timeout_ms ? o->timeout_ms : SUPPLY_TIMEOUT_MS_DEFAULT);
	snprintf(c->registry, sizeof(c->registry), "%s", ref->registry);
	snprintf(c->name, sizeof(c->name), "%s", ref->repository);
	snprintf(c->scope, sizeof(c->scope), "repository:%s:%s", ref->repository,
		 push ? "pull,push" : "pull");
	snprintf(c->base, sizeof(c->base), "https://%s",
		 strcmp(ref->registry, "docker.io") ? ref->registry : "registry-1.docker.io");
	c->insecure = listed(o, ref->registry);
	c->http_ok = c->insecure || is_loopback(ref->registry);
	ret = reg_creds_lookup(o->authfile, ref->registry, &c->creds, &note);
	if (note)
		fprintf(stderr, "palisade: %s\n", note);
	if (!ret)
		ret = ping(c, err, errsz);
	if (ret) {
		reg_close(c);
		return ret;
	}
	*out = c;
	return 0;
}

void reg_close(struct reg_client *c)
{
	if (!c)
		return;
	if (c->creds)
		explicit_bzero(c->creds, strlen(c->creds));
	free(c->creds);
	free(c->auth);
	curl_easy_cleanup(c->curl);
	free(c);
}

/* ---- manifests and blobs ---- */

int reg_get_manifest(struct reg_client *c, const char *reference, struct sup_manifest *out,
		     bool *found, char *err, size_t errsz)
{
	char path[700], what[800], why[300];
	struct reg_req q = { .method = "GET", .url = path, .accept = MANIFEST_ACCEPT,
			     .max = SUPPLY_MANIFEST_MAX };
	struct reg_resp r = { 0 };
	int ret;

	*found = false;
	memset(out, 0, sizeof(*out));
	snprintf(path, sizeof(path), "/v2/%s/manifests/%s", c->name, reference);
	snprintf(what, sizeof(what), "%s/%s:%s", c->registry, c->name, reference);
	ret = reg_do(c, &q, &r, err, errsz);
	if (ret || r.status == 404)
		goto cleanup;
	if (r.status != 200) {
		ret = status_err(&r, what, err, errsz);
		goto cleanup;
	}
	ret = sup_manifest_parse(r.body ? r.body : "", r.len, r.content_type, out, why, sizeof(why));
	if (ret) {
		sup_err(err, errsz, ret, "%s: malformed manifest: %s", what, why);
		goto cleanup;
	}
	*found = true;
	if (supply_digest_valid(reference) && strcmp(reference, out->digest))
		ret = sup_err(err, errsz, -EBADMSG, "%s: digest mismatch: the bytes served hash to %s",
			      what, out->digest);
	else if (supply_digest_valid(r.digest) && strcmp(r.digest, out->digest))
		ret = sup_err(err, errsz, -EBADMSG, "%s: digest mismatch: the registry announced %s, "
						    "the bytes hash to %s", what, r.digest,
			      out->digest);
	if (ret)
		sup_manifest_release(out);
cleanup:
	reg_resp_release(&r);
	return ret;
}

int reg_get_blob(struct reg_client *c, const char *digest, uint64_t size, size_t max, char **out,
		 size_t *len, char *err, size_t errsz)
{
	char path[700], got[72];
	struct reg_req q = { .method = "GET", .url = path, .max = max, .follow = true };
	struct reg_resp r = { 0 };
	int ret;

	*out = NULL;
	*len = 0;
	if (!supply_digest_valid(digest))
		return sup_err(err, errsz, -EINVAL, "blob digest %.80s is not sha256", digest);
	if (size > max)
		return sup_err(err, errsz, -EFBIG, "blob %s: %llu bytes, more than %zu", digest,
			       (unsigned long long)size, max);
	snprintf(path, sizeof(path), "/v2/%s/blobs/%s", c->name, digest);
	ret = reg_do(c, &q, &r, err, errsz);
	if (!ret && r.status != 200)
		ret = status_err(&r, path, err, errsz);
	if (ret)
		goto cleanup;
	sup_digest(r.body ? r.body : "", r.len, got);
	if (strcmp(got, digest) || r.len != size) {
		ret = sup_err(err, errsz, -EBADMSG, "blob %s: the bytes served (%zu) hash to %s",
			      digest, r.len, got);
		goto cleanup;
	}
	*out = r.body ? r.body : strdup("");
	*len = r.len;
	r.body = NULL;
cleanup:
	reg_resp_release(&r);
	return ret;
}

int reg_put_blob(struct reg_client *c, const void *data, size_t len, char *err, size_t errsz)
{
	char digest[72], path[700], *url = NULL;
	struct reg_req q = { .method = "HEAD", .url = path, .max = ERROR_BODY_MAX };
	struct reg_resp r = { 0 };
	size_t n;
	int ret;

	sup_digest(data, len, digest);
	snprintf(path, sizeof(path), "/v2/%s/blobs/%s", c->name, digest);
	ret = reg_do(c, &q, &r, err, errsz);
	if (ret || r.status == 200)
		goto cleanup;
	snprintf(path, sizeof(path), "/v2/%s/blobs/uploads/", c->name);
	q.method = "POST";
	ret = reg_do(c, &q, &r, err, errsz);
	if (!ret && (r.status != 202 || !r.location[0]))
		ret = status_err(&r, "starting an upload", err, errsz);
	if (ret)
		goto cleanup;
	n = strlen(c->base) + strlen(r.location) + 100;
	if (!(url = malloc(n))) {
		ret = -ENOMEM;
		goto cleanup;
	}
	/* The upload URL may be absolute (another host) or a path. */
	snprintf(url, n, "%s%s%sdigest=sha256%%3A%s", r.location[0] == '/' ? c->base : "",
		 r.location, strchr(r.location, '?') ? "&" : "?", digest + 7);
	q = (struct reg_req){ .method = "PUT", .url = url, .content_type = "application/octet-stream",
			      .body = data, .body_len = len, .max = ERROR_BODY_MAX };
	ret = reg_do(c, &q, &r, err, errsz);
	if (!ret && r.status != 201)
		ret = status_err(&r, "uploading a blob", err, errsz);
cleanup:
	free(url);
	reg_resp_release(&r);
	return ret;
}

int reg_put_manifest(struct reg_client *c, const char *tag, const char *media_type,
		     const char *body, size_t len, char *err, size_t errsz)
{
	char path[700], digest[72];
	struct reg_req q = { .method = "PUT", .url = path, .content_type = media_type, .body = body,
			     .body_len = len, .max = ERROR_BODY_MAX };
	struct reg_resp r = { 0 };
	int ret;

	snprintf(path, sizeof(path), "/v2/%s/manifests/%s", c->name, tag);
	ret = reg_do(c, &q, &r, err, errsz);
	if (!ret && r.status != 201)
		ret = status_err(&r, "uploading the signature manifest", err, errsz);
	sup_digest(body, len, digest);
	if (!ret && supply_digest_valid(r.digest) && strcmp(r.digest, digest))
		ret = sup_err(err, errsz, -EBADMSG, "the registry stored the signature manifest as "
						    "%s, not %s", r.digest, digest);
	reg_resp_release(&r);
	return ret;
}
