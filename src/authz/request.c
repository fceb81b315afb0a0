/*
 * One plugin request (AuthZReq or AuthZRes) decoded into a docker event:
 * the envelope dockerd sends, the URI as dockerd's router reads it, the
 * operation, and the workload its body asks for. Whatever cannot be judged
 * is marked refused (fail closed) with the reason, never guessed.
 */
#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "authz/internal.h"
#include "supply/supply.h"

static const char *str(struct az_arena *a, json_t *v)
{
	const char *s = json_string_value(v);

	return s ? az_strndup(a, s, json_string_length(v)) : "";
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Percent-decoding as Go's url package: %XX (an invalid escape is an error);
 * `plus` (a query) also turns '+' into a space. No NUL may come out. */
static char *unescape(struct az_arena *a, const char *s, size_t len, bool plus)
{
	char *o = az_alloc(a, len + 1);
	size_t n = 0;

	for (size_t i = 0; o && i < len; i++) {
		int hi, lo;

		if (s[i] != '%') {
			o[n++] = plus && s[i] == '+' ? ' ' : s[i];
			continue;
		}
		if (i + 2 >= len || (hi = hexval(s[i + 1])) < 0 || (lo = hexval(s[i + 2])) < 0 ||
		    !(hi | lo))
			return NULL;
		o[n++] = (char)(hi << 4 | lo);
		i += 2;
	}
	return o;
}

/* Lexical clean, as Go's path.Clean: "." and ".." resolved, "//" folded. */
static void clean(char *p)
{
	char *w = p + 1, *r = p + 1;

	while (*r) {
		if (*r == '/') {
			r++;
		} else if (r[0] == '.' && (r[1] == '/' || !r[1])) {
			r++;
		} else if (r[0] == '.' && r[1] == '.' && (r[2] == '/' || !r[2])) {
			r += 2;
			if (w > p + 1) {
				w--;
				while (w > p + 1 && w[-1] != '/')
					w--;
			}
		} else {
			while (*r && *r != '/')
				*w++ = *r++;
			if (*r)
				*w++ = *r++;
		}
	}
	if (w > p + 1 && w[-1] == '/')
		w--;
	*w = '\0';
}

int az_normalise_uri(const char *uri, struct az_arena *a, const char **path, const char **version,
		     const char **query)
{
	const char *q, *scheme = strstr(uri, "://");
	char *p;
	size_t vlen = 0;

	*path = *version = *query = "";
	/* An absolute-form URI (http://host/v1.41/...) routes by its path. */
	if (uri[0] != '/') {
		if (!scheme || scheme != uri + strcspn(uri, ":/?"))
			return -EINVAL;
		uri = scheme + 3 + strcspn(scheme + 3, "/?");
		if (!*uri || *uri == '?')
			uri = "/";
	}
	q = strchr(uri, '?');
	p = unescape(a, uri, q ? (size_t)(q - uri) : strlen(uri), false);
	if (!p || p[0] != '/')
		return -EINVAL;
	if (q)
		*query = az_strndup(a, q + 1, strlen(q + 1));
	clean(p);
	/* dockerd's router: an optional /v{version:[0-9.]+} in front. */
	if (p[1] == 'v') {
		while (p[2 + vlen] && strchr("0123456789.", p[2 + vlen]))
			vlen++;
		if (vlen && (p[2 + vlen] == '/' || !p[2 + vlen])) {
			*version = az_strndup(a, p + 2, vlen);
			memmove(p, p + 2 + vlen, strlen(p + 2 + vlen) + 1);
			if (!p[0])
				strcpy(p, "/");
		}
	}
	*path = p;
	return 0;
}

/* The query's parameters as Go's url.ParseQuery splits them: on '&' (and
 * ';' in Go before 1.17: refused here), each name and value decoded. */
int az_query_params(const char *query, struct az_arena *a, struct docker_list *out)
{
	out->n = 0;
	for (const char *p = query; *p;) {
		size_t len = strcspn(p, "&"), nl = strcspn(p, "=");
		char *name, *val, *kv;

		if (nl > len)
			nl = len;
		if (memchr(p, ';', len) || out->n == DOCKER_LIST_MAX)
			return -EINVAL;
		if (len) {
			name = unescape(a, p, nl, true);
			val = unescape(a, p + nl + (nl < len), len - nl - (nl < len), true);
			if (!name || !val || strchr(name, '='))
				return -EINVAL;
			kv = az_alloc(a, strlen(name) + strlen(val) + 2);
			if (!kv)
				return -EINVAL;
			sprintf(kv, "%s=%s", name, val);
			out->v[out->n++] = kv;
		}
		p += len + (p[len] == '&');
	}
	return 0;
}

/* "/containers/ID/start" against head "/containers/", tail "/start": the
 * part between is the target (with slashes only where they may be: an
 * image name). */
static bool route(const char *path, const char *head, const char *tail, bool slashes,
		  const char **target, struct az_arena *a)
{
	size_t hl = strlen(head), tl = strlen(tail), pl = strlen(path), n;

	if (pl <= hl + tl || strncmp(path, head, hl) || strcmp(path + pl - tl, tail))
		return false;
	n = pl - hl - tl;
	if (!slashes && memchr(path + hl, '/', n))
		return false;
	*target = az_strndup(a, path + hl, n);
	return *target != NULL;
}

const char *az_classify(const char *method, const char *path, const char **target,
			struct az_arena *a)
{
	static const struct {
		const char *head, *tail, *op;
		bool slashes;
	} routes[] = {
		{ "/containers/", "/start", "container_start", false },
		{ "/containers/", "/update", "container_update", false },
		{ "/containers/", "/exec", "exec_create", false },
		{ "/exec/", "/start", "exec_start", false },
		{ "/images/", "/push", "image_push", true },
	};
	static const struct {
		const char *path, *op;
	} fixed[] = {
		{ "/containers/create", "container_create" }, { "/images/create", "image_pull" },
		{ "/images/load", "image_load" }, { "/build", "image_build" },
		{ "/volumes/create", "volume_create" }, { "/plugins/pull", "plugin_install" },
	};

	*target = "";
	if (strcasecmp(method, "POST"))
		return "other";
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (!strcmp(path, fixed[i].path))
			return fixed[i].op;
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (route(path, routes[i].head, routes[i].tail, routes[i].slashes, target, a))
			return routes[i].op;
	*target = "";
	return "other";
}

/* ---- the workload, as fields ---- */

/* Docker's capability spelling: CAP_ and upper case ("sys_admin" is
 * CAP_SYS_ADMIN), ALL as it is. */
static void add_caps(struct az_arena *a, struct docker_list *out, const struct docker_list *in)
{
	for (uint32_t i = 0; i < in->n && out->n < DOCKER_LIST_MAX; i++) {
		const char *c = in->v[i];
		bool prefixed = !strncasecmp(c, "CAP_", 4) || !strcasecmp(c, "ALL");
		char *u = az_alloc(a, strlen(c) + 5);

		if (!u)
			return;
		sprintf(u, "%s%s", prefixed ? "" : "CAP_", c);
		for (char *p = u; *p; p++)
			*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
		out->v[out->n++] = u;
	}
}

/* A host path, cleaned, and its real path on this host when that differs:
 * a symbolic link to the socket is the socket to dockerd. */
static void add_bind(struct az_arena *a, struct docker_list *out, const char *src)
{
	char real[PATH_MAX], *c;

	if (src[0] != '/' || out->n + 2 > DOCKER_LIST_MAX || !(c = az_strndup(a, src, strlen(src))))
		return;
	clean(c);
	out->v[out->n++] = c;
	if (realpath(c, real) && strcmp(real, c) && (c = az_strndup(a, real, strlen(real))))
		out->v[out->n++] = c;
}

static const char *map_get(const struct az_map *m, const char *key)
{
	size_t kl = strlen(key);

	for (uint32_t i = 0; i < m->n; i++)
		if (!strncmp(m->v[i], key, kl) && m->v[i][kl] == '=')
			return m->v[i] + kl + 1;
	return NULL;
}

/* The local volume driver's bind: o=bind and device=PATH. */
static void add_volume_bind(struct az_arena *a, struct docker_list *out, const struct az_map *opts)
{
	const char *o = map_get(opts, "o"), *dev = map_get(opts, "device");

	if (o && strstr(o, "bind") && dev)
		add_bind(a, out, dev);
}

static void host_fields(struct authz_req *r, const struct az_hostcfg *h)
{
	struct docker_event *e = &r->ev;
	struct az_arena *a = &r->arena;

	e->privileged = h->privileged;
	e->readonly_rootfs = h->readonly_rootfs;
	e->network_mode = h->network_mode ? h->network_mode : "";
	e->pid_mode = h->pid_mode ? h->pid_mode : "";
	e->ipc_mode = h->ipc_mode ? h->ipc_mode : "";
	e->uts_mode = h->uts_mode ? h->uts_mode : "";
	e->userns_mode = h->userns_mode ? h->userns_mode : "";
	e->cgroupns_mode = h->cgroupns_mode ? h->cgroupns_mode : "";
	add_caps(a, &e->cap_add, &h->cap_add);
	add_caps(a, &e->cap_add, &h->capabilities);
	add_caps(a, &e->cap_drop, &h->cap_drop);
	/* "SRC:DST[:MODE]" (a single path is an anonymous volume, no host path). */
	for (uint32_t i = 0; i < h->binds.n; i++) {
		const char *b = h->binds.v[i];

		if (strchr(b, ':'))
			add_bind(a, &e->binds, az_strndup(a, b, strcspn(b, ":")) ?: "");
	}
	for (uint32_t i = 0; i < h->n_mounts; i++) {
		const struct az_mount *m = &h->mounts[i];

		if (m->type && !strcmp(m->type, "bind") && m->source)
			add_bind(a, &e->binds, m->source);
		else if (m->type && !strcmp(m->type, "volume"))
			add_volume_bind(a, &e->binds, &m->opts);
	}
	for (uint32_t i = 0; i < h->n_devices && e->devices.n < DOCKER_LIST_MAX; i++)
		if (h->devices[i].path_on_host)
			e->devices.v[e->devices.n++] = h->devices[i].path_on_host;
	/* "seccomp:unconfined" is dockerd's older spelling of seccomp=unconfined. */
	for (uint32_t i = 0; i < h->security_opt.n; i++) {
		char *o = az_strndup(a, h->security_opt.v[i], strlen(h->security_opt.v[i]));

		if (o && !strchr(o, '=') && strchr(o, ':'))
			*strchr(o, ':') = '=';
		if (o)
			e->security_opt.v[e->security_opt.n++] = o;
	}
}

static const char *join(struct az_arena *a, const struct docker_list *x, const struct docker_list *y)
{
	size_t n = 1;
	char *s;

	for (uint32_t i = 0; i < x->n; i++)
		n += strlen(x->v[i]) + 1;
	for (uint32_t i = 0; i < y->n; i++)
		n += strlen(y->v[i]) + 1;
	s = az_alloc(a, n);
	for (uint32_t i = 0; s && i < x->n + y->n; i++) {
		if (*s)
			strcat(s, " ");
		strcat(s, i < x->n ? x->v[i] : y->v[i - x->n]);
	}
	return s ? s : "";
}

static void image_fields(struct authz_req *r, const char *image)
{
	struct supply_ref ref;
	const char *why;
	char name[SUPPLY_NAME_MAX + 2];

	r->ev.image = image;
	if (!image[0] || supply_ref_parse(image, &ref, &why))
		return;
	supply_ref_name(&ref, name, sizeof(name));
	r->ev.image_registry = az_strndup(&r->arena, ref.registry, strlen(ref.registry));
	r->ev.image_repository = az_strndup(&r->arena, name, strlen(name));
	r->ev.image_tag = az_strndup(&r->arena, ref.tag, strlen(ref.tag));
	r->ev.image_digest = az_strndup(&r->arena, ref.digest, strlen(ref.digest));
}

static bool version_below(const char *v, int major, int minor)
{
	int ma = 0, mi = 0;

	return v[0] && sscanf(v, "%d.%d", &ma, &mi) >= 1 && (ma < major || (ma == major && mi < minor));
}

/* The operations whose body holds what a policy judges. */
static int judge_body(struct authz_req *r, const char *body, size_t len, char *why, size_t whysz)
{
	struct docker_event *e = &r->ev;
	struct az_arena *a = &r->arena;
	const char *op = e->op;
	void *out = NULL;
	enum az_body kind;
	int ret;

	if (!strcmp(op, "container_create"))
		kind = AZ_BODY_CREATE;
	else if (!strcmp(op, "exec_create"))
		kind = AZ_BODY_EXEC;
	else if (!strcmp(op, "volume_create"))
		kind = AZ_BODY_VOLUME;
	else if (!strcmp(op, "container_start") && (len || version_below(e->api_version, 1, 24)))
		kind = AZ_BODY_HOSTCFG; /* before API 1.24, start took a HostConfig */
	else
		return 0;
	if (!len) {
		r->refusal = "the request's body was not passed to the plugin (chunked, larger than "
			     "1 MiB, not application/json, or Content-Length 0: the CVE-2024-41110 "
			     "class): it cannot be judged, so it is refused";
		return 0;
	}
	out = az_alloc(a, kind == AZ_BODY_CREATE ? sizeof(struct az_create)
			  : kind == AZ_BODY_HOSTCFG ? sizeof(struct az_hostcfg)
			  : kind == AZ_BODY_EXEC ? sizeof(struct az_exec) : sizeof(struct az_volume));
	if (!out)
		return -ENOMEM;
	ret = az_go_decode(body, len, kind, out, a, why, whysz);
	if (ret) {
		r->refusal = az_strndup(a, why, strlen(why));
		return r->refusal ? 0 : -ENOMEM;
	}
	if (kind == AZ_BODY_CREATE) {
		struct az_create *c = out;

		image_fields(r, c->image ? c->image : "");
		e->user_cfg = c->user ? c->user : "";
		e->env = c->env;
		e->cmdline = join(a, &c->entrypoint, &c->cmd);
		host_fields(r, &c->host);
	} else if (kind == AZ_BODY_HOSTCFG) {
		host_fields(r, out);
	} else if (kind == AZ_BODY_EXEC) {
		struct az_exec *x = out;
		static const struct docker_list none;

		e->privileged = x->privileged;
		e->user_cfg = x->user ? x->user : "";
		e->env = x->env;
		e->cmdline = join(a, &x->cmd, &none);
	} else {
		add_volume_bind(a, &e->binds, &((struct az_volume *)out)->opts);
	}
	return 0;
}

static const char *param(const struct docker_list *params, const char *name)
{
	size_t n = strlen(name);

	for (uint32_t i = 0; i < params->n; i++)
		if (!strncmp(params->v[i], name, n) && params->v[i][n] == '=')
			return params->v[i] + n + 1;
	return "";
}

/* fromImage and tag of POST /images/create (a digest in tag: NAME@DIGEST). */
static void pull_fields(struct authz_req *r)
{
	const char *from = param(&r->ev.params, "fromImage"), *tag = param(&r->ev.params, "tag");
	char *img = az_alloc(&r->arena, strlen(from) + strlen(tag) + 2);

	if (!img || !from[0])
		return;
	sprintf(img, "%s%s%s", from, !tag[0] ? "" : strncmp(tag, "sha256:", 7) ? ":" : "@", tag);
	image_fields(r, img);
}

static void fill_defaults(struct docker_event *e)
{
	const char **s[] = { &e->method, &e->uri, &e->path, &e->api_version, &e->query, &e->user,
			     &e->authn, &e->op, &e->target, &e->image, &e->user_cfg, &e->cmdline,
			     &e->network_mode, &e->pid_mode, &e->ipc_mode, &e->uts_mode,
			     &e->userns_mode, &e->cgroupns_mode, &e->image_registry,
			     &e->image_repository, &e->image_tag, &e->image_digest };

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		if (!*s[i])
			*s[i] = "";
}

static int envelope(struct authz_req *r, json_t *doc, bool response, const unsigned char **body,
		    size_t *blen, char *why, size_t whysz)
{
	struct docker_event *e = &r->ev;
	json_t *b = json_object_get(doc, "RequestBody");
	unsigned char *raw = NULL;

	/* Docker's authorization.Request: the URI's JSON name is "RequestUri". */
	json_t *uri = json_object_get(doc, "RequestUri");

	if (!uri)
		uri = json_object_get(doc, "RequestURI");
	if (!json_is_object(doc) || !json_is_string(json_object_get(doc, "RequestMethod")) ||
	    !json_is_string(uri))
		return snprintf(why, whysz, "not an authorization request (RequestMethod, RequestUri)"),
		       -EINVAL;
	e->response = response;
	e->method = str(&r->arena, json_object_get(doc, "RequestMethod"));
	e->uri = str(&r->arena, uri);
	e->user = str(&r->arena, json_object_get(doc, "User"));
	e->authn = str(&r->arena, json_object_get(doc, "UserAuthNMethod"));
	e->status = (uint32_t)json_integer_value(json_object_get(doc, "ResponseStatusCode"));
	*body = NULL;
	*blen = 0;
	if (json_is_string(b) && json_string_length(b)) {
		size_t n = json_string_length(b);

		raw = malloc(n / 4 * 3 + 3);
		if (!raw || sodium_base642bin(raw, n / 4 * 3 + 3, json_string_value(b), n, NULL, blen,
					      NULL, sodium_base64_VARIANT_ORIGINAL)) {
			free(raw);
			return snprintf(why, whysz, "RequestBody is not base64"), -EINVAL;
		}
		*body = raw;
	} else if (b && !json_is_null(b) && !json_is_string(b)) {
		return snprintf(why, whysz, "RequestBody is not base64"), -EINVAL;
	}
	return 0;
}

int authz_req_decode(const char *json, size_t len, bool response, struct authz_req **out,
		     char *why, size_t whysz)
{
	struct authz_req *r = calloc(1, sizeof(*r));
	json_t *doc = NULL;
	const unsigned char *body = NULL;
	struct timespec ts;
	size_t blen = 0;
	int ret = -EINVAL;

	*out = NULL;
	why[0] = '\0';
	if (!r)
		return -ENOMEM;
	if (len > AUTHZ_REQUEST_MAX) {
		snprintf(why, whysz, "plugin request larger than %u bytes", AUTHZ_REQUEST_MAX);
		goto cleanup;
	}
	doc = json_loadb(json, len, 0, NULL);
	if ((ret = envelope(r, doc, response, &body, &blen, why, whysz)))
		goto cleanup;
	if (az_normalise_uri(r->ev.uri, &r->arena, &r->ev.path, &r->ev.api_version,
			     &r->ev.query)) {
		r->refusal = "the request URI does not decode (an invalid %-escape or a NUL)";
	} else if (az_query_params(r->ev.query, &r->arena, &r->ev.params)) {
		r->refusal = "the query string does not decode (an invalid %-escape, a ';', a name "
			     "with '=', or more than 64 parameters)";
	} else {
		r->ev.op = az_classify(r->ev.method, r->ev.path, &r->ev.target, &r->arena);
		if (!strcmp(r->ev.op, "image_pull"))
			pull_fields(r);
		if (!response && (ret = judge_body(r, (const char *)body, blen, why, whysz)))
			goto cleanup;
	}
	fill_defaults(&r->ev);
	clock_gettime(CLOCK_BOOTTIME, &ts);
	r->hdr.ts_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	r->event.hdr = &r->hdr;
	r->event.docker = &r->ev;
	*out = r;
	r = NULL;
	ret = 0;
cleanup:
	free((void *)body);
	json_decref(doc);
	authz_req_free(r);
	return ret;
}

const struct docker_event *authz_req_event(const struct authz_req *r)
{
	return &r->ev;
}

const char *authz_req_refusal(const struct authz_req *r)
{
	return r->refusal;
}

void authz_req_free(struct authz_req *r)
{
	if (!r)
		return;
	az_arena_release(&r->arena);
	free(r);
}
