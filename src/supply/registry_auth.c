/*
 * Registry authentication: the WWW-Authenticate challenge (RFC 7235), the
 * token service's answer (Docker's token authentication: {"token"} or
 * {"access_token"}), and the credentials docker login and podman login keep
 * (config.json / auth.json "auths" entries: base64 of user:password).
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "supply/internal.h"

#define AUTHFILE_MAX (1u << 20)
#define TOKEN_MAX (64u << 10)

static bool tchar(char c)
{
	return c > ' ' && c < 127 && !strchr("\"(),/:;<=>?@[\\]{}", c);
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* token or quoted-string into out; returns the position after it, or NULL. */
static const char *param_value(const char *p, char *out, size_t size)
{
	size_t n = 0;

	if (*p != '"') {
		while (tchar(*p) || *p == '/' || *p == ':' || *p == '=') {
			if (n + 1 >= size)
				return NULL;
			out[n++] = *p++;
		}
		out[n] = '\0';
		return n ? p : NULL;
	}
	for (p++; *p && *p != '"'; p++) {
		if (*p == '\\' && p[1])
			p++;
		if (n + 1 >= size)
			return NULL;
		out[n++] = *p;
	}
	if (*p != '"')
		return NULL;
	out[n] = '\0';
	return p + 1;
}

/* A value too long for its place is refused, never cut. */
static int put(char *dst, size_t size, const char *v)
{
	size_t n = strlen(v);

	if (n >= size)
		return -EINVAL;
	memcpy(dst, v, n + 1);
	return 0;
}

int reg_challenge_parse(const char *value, struct reg_challenge *out)
{
	const char *p = skip_ws(value);
	size_t n = 0;

	memset(out, 0, sizeof(*out));
	while (tchar(*p) && n + 1 < sizeof(out->scheme))
		out->scheme[n++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p), p++;
	if (!n || (*p != ' ' && *p != '\0'))
		return -EINVAL;
	p = skip_ws(p);
	while (*p) {
		char name[32], val[1024];
		size_t k = 0;

		while (tchar(*p) && k + 1 < sizeof(name))
			name[k++] = *p++;
		name[k] = '\0';
		p = skip_ws(p);
		if (!k || *p != '=')
			return -EINVAL;
		p = param_value(skip_ws(p + 1), val, sizeof(val));
		if (!p)
			return -EINVAL;
		if ((!strcasecmp(name, "realm") && put(out->realm, sizeof(out->realm), val)) ||
		    (!strcasecmp(name, "service") && put(out->service, sizeof(out->service), val)) ||
		    (!strcasecmp(name, "scope") && put(out->scope, sizeof(out->scope), val)))
			return -EINVAL;
		p = skip_ws(p);
		if (*p == ',')
			p = skip_ws(p + 1);
		else if (*p)
			return -EINVAL; /* a second challenge: the first one is enough */
	}
	return 0;
}

int reg_token_parse(const char *body, size_t len, char **token)
{
	json_t *doc = body ? json_loadb(body, len, 0, NULL) : NULL;
	const char *t = json_string_value(json_object_get(doc, "token"));
	int ret = -EINVAL;

	if (!t || !*t)
		t = json_string_value(json_object_get(doc, "access_token"));
	*token = NULL;
	/* A token goes into a header line: printable, bounded. */
	if (t && *t && strlen(t) <= TOKEN_MAX && !strpbrk(t, "\r\n")) {
		*token = strdup(t);
		ret = *token ? 0 : -ENOMEM;
	}
	json_decref(doc);
	return ret;
}

/* "https://index.docker.io/v1/" -> "index.docker.io" */
static void key_host(const char *key, char *out, size_t size)
{
	const char *p = strstr(key, "://");

	p = p ? p + 3 : key;
	snprintf(out, size, "%.*s", (int)strcspn(p, "/"), p);
}

static bool host_matches(const char *host, const char *registry)
{
	static const char *const hub[] = { "docker.io", "index.docker.io", "registry-1.docker.io" };
	bool h = false, r = false;

	if (!strcmp(host, registry))
		return true;
	for (size_t i = 0; i < 3; i++) {
		h |= !strcmp(host, hub[i]);
		r |= !strcmp(registry, hub[i]);
	}
	return h && r;
}

static int creds_from(json_t *doc, const char *registry, char **creds)
{
	json_t *auths = json_object_get(doc, "auths"), *v;
	const char *key;

	json_object_foreach(auths, key, v) {
		char host[256];
		const char *b64 = json_string_value(json_object_get(v, "auth"));
		unsigned char *raw;
		size_t len;

		key_host(key, host, sizeof(host));
		if (!b64 || !host_matches(host, registry))
			continue;
		if (sup_b64_decode(b64, strlen(b64), &raw, &len))
			return -EINVAL;
		if (!memchr(raw, ':', len) || memchr(raw, '\0', len)) {
			free(raw);
			return -EINVAL;
		}
		*creds = malloc(len + 1);
		if (*creds) {
			memcpy(*creds, raw, len);
			(*creds)[len] = '\0';
		}
		explicit_bzero(raw, len);
		free(raw);
		return *creds ? 0 : -ENOMEM;
	}
	return 0;
}

static json_t *load_authfile(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;
	json_t *doc = NULL;

	if (!f)
		return NULL;
	buf = malloc(AUTHFILE_MAX);
	n = buf ? fread(buf, 1, AUTHFILE_MAX, f) : 0;
	fclose(f);
	if (buf && n < AUTHFILE_MAX)
		doc = json_loadb(buf, n, 0, NULL);
	if (buf)
		explicit_bzero(buf, n);
	free(buf);
	return doc;
}

int reg_creds_lookup(const char *authfile, const char *registry, char **creds, const char **note)
{
	char paths[4][512];
	const char *env;
	size_t n = 0;
	int ret = 0;

	*creds = NULL;
	*note = NULL;
	if (authfile) {
		snprintf(paths[n++], sizeof(paths[0]), "%s", authfile);
	} else {
		if ((env = getenv("REGISTRY_AUTH_FILE")))
			snprintf(paths[n++], sizeof(paths[0]), "%s", env);
		if ((env = getenv("XDG_RUNTIME_DIR")))
			snprintf(paths[n++], sizeof(paths[0]), "%s/containers/auth.json", env);
		if ((env = getenv("DOCKER_CONFIG")))
			snprintf(paths[n++], sizeof(paths[0]), "%s/config.json", env);
		else if ((env = getenv("HOME")))
			snprintf(paths[n++], sizeof(paths[0]), "%s/.docker/config.json", env);
	}
	for (size_t i = 0; i < n && !*creds && !ret; i++) {
		json_t *doc = load_authfile(paths[i]);

		if (!doc)
			continue;
		ret = creds_from(doc, registry, creds);
		if (!*creds && !ret && (json_object_get(doc, "credsStore") ||
					json_object_get(doc, "credHelpers")))
			*note = "credential helpers (credsStore, credHelpers) are not run: give the "
				"credentials in an --authfile";
		if (ret)
			*note = "an \"auth\" entry for this registry is not base64 of user:password";
		json_decref(doc);
	}
	return ret;
}
