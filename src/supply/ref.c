/*
 * Image references, parsed and normalised as Docker does (the grammar of
 * distribution's reference package): [registry/]path[:tag][@sha256:hex].
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "supply/supply.h"

#define DOCKER_HUB "docker.io"

static bool is_alnum_lower(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)* */
static bool path_component_ok(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		if (!is_alnum_lower(s[i]))
			return false;
		while (i < n && is_alnum_lower(s[i]))
			i++;
		if (i == n)
			return true;
		if (s[i] == '.' || (s[i] == '_' && !(i + 1 < n && s[i + 1] == '_')))
			i++;
		else if (s[i] == '_')
			i += 2;
		else if (s[i] == '-')
			while (i < n && s[i] == '-')
				i++;
		else
			return false;
		if (i == n)
			return false; /* a separator must be followed by a letter or digit */
	}
	return n > 0;
}

static bool domain_label_ok(const char *s, size_t n)
{
	if (!n || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return false;
	return true;
}

/* host(.host)*(:port)? or [ipv6](:port)? */
static bool domain_ok(const char *s, size_t n)
{
	const char *colon;
	size_t host_len;

	if (n && s[0] == '[') {
		const char *end = memchr(s, ']', n);

		if (!end || end - s < 3)
			return false;
		for (const char *p = s + 1; p < end; p++)
			if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.')
				return false;
		host_len = (size_t)(end - s) + 1;
		if (host_len == n)
			return true;
		colon = s + host_len;
		if (*colon != ':')
			return false;
	} else {
		colon = memchr(s, ':', n);
		host_len = colon ? (size_t)(colon - s) : n;
		for (size_t i = 0, start = 0; i <= host_len; i++) {
			if (i == host_len || s[i] == '.') {
				if (!domain_label_ok(s + start, i - start))
					return false;
				start = i + 1;
			}
		}
		if (!colon)
			return true;
	}
	/* :port */
	size_t plen = n - (size_t)(colon + 1 - s);
	if (!plen || plen > 5)
		return false;
	for (size_t i = 0; i < plen; i++)
		if (!isdigit((unsigned char)colon[1 + i]))
			return false;
	return true;
}

static bool tag_ok(const char *s, size_t n)
{
	if (!n || n > 128)
		return false;
	for (size_t i = 0; i < n; i++) {
		bool word = isalnum((unsigned char)s[i]) || s[i] == '_';

		if (!word && (i == 0 || (s[i] != '.' && s[i] != '-')))
			return false;
	}
	return true;
}

bool supply_digest_valid(const char *text)
{
	if (strncmp(text, "sha256:", 7) || strlen(text) != 7 + 64)
		return false;
	for (size_t i = 7; i < 7 + 64; i++)
		if (!isdigit((unsigned char)text[i]) && !(text[i] >= 'a' && text[i] <= 'f'))
			return false;
	return true;
}

/* Whether the first component names a registry, as Docker decides. */
static bool is_registry(const char *s, size_t n)
{
	if (memchr(s, '.', n) || memchr(s, ':', n) || (n == 9 && !memcmp(s, "localhost", 9)))
		return true;
	for (size_t i = 0; i < n; i++)
		if (isupper((unsigned char)s[i]))
			return true;
	return false;
}

static int parse_path(const char *s, size_t n, struct supply_ref *out, const char **why)
{
	size_t start = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '/')
			continue;
		if (!path_component_ok(s + start, i - start)) {
			*why = "a repository path component must be lower-case letters and digits "
			       "separated by '.', '_', '__' or dashes";
			return -EINVAL;
		}
		start = i + 1;
	}
	if (n >= sizeof(out->repository)) {
		*why = "repository name longer than 255 characters";
		return -EINVAL;
	}
	memcpy(out->repository, s, n);
	out->repository[n] = '\0';
	return 0;
}

static int parse_name(const char *s, size_t n, struct supply_ref *out, const char **why)
{
	const char *slash = memchr(s, '/', n);
	size_t dlen = slash ? (size_t)(slash - s) : 0;
	int ret;

	if (slash && is_registry(s, dlen)) {
		if (!domain_ok(s, dlen) || dlen >= sizeof(out->registry)) {
			*why = "invalid registry host[:port]";
			return -EINVAL;
		}
		memcpy(out->registry, s, dlen);
		out->registry[dlen] = '\0';
		s += dlen + 1;
		n -= dlen + 1;
	} else {
		strcpy(out->registry, DOCKER_HUB);
	}
	if (!strcmp(out->registry, "index.docker.io"))
		strcpy(out->registry, DOCKER_HUB);
	if (!strcmp(out->registry, DOCKER_HUB) && !memchr(s, '/', n)) {
		char lib[256];

		if (n + 8 >= sizeof(lib)) {
			*why = "repository name longer than 255 characters";
			return -EINVAL;
		}
		snprintf(lib, sizeof(lib), "library/%.*s", (int)n, s);
		ret = parse_path(lib, strlen(lib), out, why);
	} else {
		ret = parse_path(s, n, out, why);
	}
	if (!ret && strlen(out->registry) + 1 + strlen(out->repository) > SUPPLY_NAME_MAX) {
		*why = "image name longer than 255 characters";
		ret = -EINVAL;
	}
	return ret;
}

int supply_ref_parse(const char *text, struct supply_ref *out, const char **why)
{
	const char *at, *name_end, *last_slash, *colon;
	size_t len = strlen(text), nlen;

	memset(out, 0, sizeof(*out));
	*why = NULL;
	if (!len || len > 512) {
		*why = len ? "reference longer than 512 characters" : "empty reference";
		return -EINVAL;
	}
	at = strchr(text, '@');
	name_end = at ? at : text + len;
	if (at) {
		if (!supply_digest_valid(at + 1)) {
			*why = "a digest must be sha256: and 64 lower-case hex digits";
			return -EINVAL;
		}
		strcpy(out->digest, at + 1);
	}
	last_slash = memrchr(text, '/', (size_t)(name_end - text));
	colon = memrchr(last_slash ? last_slash : text, ':',
			(size_t)(name_end - (last_slash ? last_slash : text)));
	if (colon) {
		size_t tlen = (size_t)(name_end - colon - 1);

		if (!tag_ok(colon + 1, tlen)) {
			*why = "a tag is at most 128 letters, digits, '_', '.' and '-', not starting "
			       "with '.' or '-'";
			return -EINVAL;
		}
		memcpy(out->tag, colon + 1, tlen);
		out->tag[tlen] = '\0';
		name_end = colon;
	}
	nlen = (size_t)(name_end - text);
	if (!nlen) {
		*why = "no image name";
		return -EINVAL;
	}
	return parse_name(text, nlen, out, why);
}

void supply_ref_name(const struct supply_ref *r, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", r->registry, r->repository);
}

void supply_ref_string(const struct supply_ref *r, char *buf, size_t size)
{
	if (r->digest[0])
		snprintf(buf, size, "%s/%s@%s", r->registry, r->repository, r->digest);
	else
		snprintf(buf, size, "%s/%s:%s", r->registry, r->repository,
			 r->tag[0] ? r->tag : "latest");
}
