/*
 * Request bodies decoded the way dockerd decodes them: Go's encoding/json
 * into Docker's API structs. A plugin that reads the JSON any other way can
 * be told one thing while dockerd does another ({"Privileged": false,
 * "privileged": true} is privileged to dockerd). So the fields that matter
 * are described once, as Docker's structs declare them (the tables below),
 * and a streaming decoder applies Go's rules to them in document order; see
 * az_go_decode in internal.h for the rules.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "authz/internal.h"

#define DEPTH_MAX 64

enum gk {
	GK_BOOL,     /* bool */
	GK_STR,      /* string */
	GK_LIST,     /* []string */
	GK_STRSLICE, /* strslice.StrSlice: a string or []string */
	GK_OBJ,      /* *struct */
	GK_MAP,      /* map[string]string */
	GK_OBJLIST,  /* []struct */
};

struct gschema;
struct gfield {
	const char *name;
	enum gk kind;
	size_t off;                 /* of the member */
	const struct gschema *sub;  /* GK_OBJ, GK_OBJLIST */
	size_t flag_off;            /* GK_OBJ: its "present" bool; GK_OBJLIST: its count */
	size_t elem;                /* GK_OBJLIST: element size */
};
struct gschema {
	const struct gfield *f;
	size_t n, size;
};

#define O(t, m) offsetof(struct t, m)
#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct gfield driver_f[] = {
	{ "Name", GK_STR, O(az_mount, driver), NULL, 0, 0 },
	{ "Options", GK_MAP, O(az_mount, opts), NULL, 0, 0 },
};
/* VolumeOptions and its DriverConfig decode into the mount itself. */
static const struct gschema driver_s = { driver_f, N(driver_f), sizeof(struct az_mount) };
static const struct gfield volopts_f[] = {
	{ "DriverConfig", GK_OBJ, 0, &driver_s, O(az_mount, has_driver), 0 },
};
static const struct gschema volopts_s = { volopts_f, N(volopts_f), sizeof(struct az_mount) };
static const struct gfield mount_f[] = {
	{ "Type", GK_STR, O(az_mount, type), NULL, 0, 0 },
	{ "Source", GK_STR, O(az_mount, source), NULL, 0, 0 },
	{ "Target", GK_STR, O(az_mount, target), NULL, 0, 0 },
	{ "VolumeOptions", GK_OBJ, 0, &volopts_s, O(az_mount, has_vol), 0 },
};
static const struct gschema mount_s = { mount_f, N(mount_f), sizeof(struct az_mount) };
static const struct gfield device_f[] = {
	{ "PathOnHost", GK_STR, O(az_device, path_on_host), NULL, 0, 0 },
	{ "PathInContainer", GK_STR, O(az_device, path_in_container), NULL, 0, 0 },
};
static const struct gschema device_s = { device_f, N(device_f), sizeof(struct az_device) };

/* container.HostConfig: the fields a policy judges. */
static const struct gfield host_f[] = {
	{ "Binds", GK_LIST, O(az_hostcfg, binds), NULL, 0, 0 },
	{ "NetworkMode", GK_STR, O(az_hostcfg, network_mode), NULL, 0, 0 },
	{ "CapAdd", GK_STRSLICE, O(az_hostcfg, cap_add), NULL, 0, 0 },
	{ "CapDrop", GK_STRSLICE, O(az_hostcfg, cap_drop), NULL, 0, 0 },
	{ "Capabilities", GK_LIST, O(az_hostcfg, capabilities), NULL, 0, 0 },
	{ "CgroupnsMode", GK_STR, O(az_hostcfg, cgroupns_mode), NULL, 0, 0 },
	{ "IpcMode", GK_STR, O(az_hostcfg, ipc_mode), NULL, 0, 0 },
	{ "PidMode", GK_STR, O(az_hostcfg, pid_mode), NULL, 0, 0 },
	{ "Privileged", GK_BOOL, O(az_hostcfg, privileged), NULL, 0, 0 },
	{ "ReadonlyRootfs", GK_BOOL, O(az_hostcfg, readonly_rootfs), NULL, 0, 0 },
	{ "SecurityOpt", GK_LIST, O(az_hostcfg, security_opt), NULL, 0, 0 },
	{ "UTSMode", GK_STR, O(az_hostcfg, uts_mode), NULL, 0, 0 },
	{ "UsernsMode", GK_STR, O(az_hostcfg, userns_mode), NULL, 0, 0 },
	{ "Devices", GK_OBJLIST, O(az_hostcfg, devices), &device_s, O(az_hostcfg, n_devices),
	  sizeof(struct az_device) },
	{ "Mounts", GK_OBJLIST, O(az_hostcfg, mounts), &mount_s, O(az_hostcfg, n_mounts),
	  sizeof(struct az_mount) },
};
static const struct gschema host_s = { host_f, N(host_f), sizeof(struct az_hostcfg) };

/* ContainerConfigWrapper: container.Config embedded, then HostConfig. */
static const struct gfield create_f[] = {
	{ "User", GK_STR, O(az_create, user), NULL, 0, 0 },
	{ "Env", GK_LIST, O(az_create, env), NULL, 0, 0 },
	{ "Cmd", GK_STRSLICE, O(az_create, cmd), NULL, 0, 0 },
	{ "Image", GK_STR, O(az_create, image), NULL, 0, 0 },
	{ "Entrypoint", GK_STRSLICE, O(az_create, entrypoint), NULL, 0, 0 },
	{ "HostConfig", GK_OBJ, O(az_create, host), &host_s, O(az_create, has_host), 0 },
};
static const struct gfield exec_f[] = {
	{ "User", GK_STR, O(az_exec, user), NULL, 0, 0 },
	{ "Privileged", GK_BOOL, O(az_exec, privileged), NULL, 0, 0 },
	{ "Env", GK_LIST, O(az_exec, env), NULL, 0, 0 },
	{ "Cmd", GK_LIST, O(az_exec, cmd), NULL, 0, 0 },
};
static const struct gfield volume_f[] = {
	{ "Name", GK_STR, O(az_volume, name), NULL, 0, 0 },
	{ "Driver", GK_STR, O(az_volume, driver), NULL, 0, 0 },
	{ "DriverOpts", GK_MAP, O(az_volume, opts), NULL, 0, 0 },
};
static const struct gschema tops[] = {
	[AZ_BODY_CREATE] = { create_f, N(create_f), sizeof(struct az_create) },
	[AZ_BODY_HOSTCFG] = { host_f, N(host_f), sizeof(struct az_hostcfg) },
	[AZ_BODY_EXEC] = { exec_f, N(exec_f), sizeof(struct az_exec) },
	[AZ_BODY_VOLUME] = { volume_f, N(volume_f), sizeof(struct az_volume) },
};

struct dec {
	const char *p, *end;
	struct az_arena *a;
	unsigned depth;
	char *why;
	size_t whysz;
};

static int fail(struct dec *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct dec *d, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (d->why[0]) /* the first problem is the one to report */
		return -EINVAL;
	n = (size_t)snprintf(d->why, d->whysz, "body: ");
	va_start(ap, fmt);
	if (n < d->whysz)
		vsnprintf(d->why + n, d->whysz - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static void ws(struct dec *d)
{
	while (d->p < d->end && (*d->p == ' ' || *d->p == '\t' || *d->p == '\n' || *d->p == '\r'))
		d->p++;
}

static int peek(struct dec *d)
{
	ws(d);
	return d->p < d->end ? (unsigned char)*d->p : -1;
}

static size_t put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80)
		return o[0] = (char)cp, 1;
	if (cp < 0x800)
		return o[0] = (char)(0xc0 | cp >> 6), o[1] = (char)(0x80 | (cp & 0x3f)), 2;
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned cp;
	size_t len;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] < 0xe0)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] < 0xf0)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] < 0xf5)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp < 0xe000))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

static int hex4(const char *s, unsigned *out)
{
	*out = 0;
	for (int i = 0; i < 4; i++) {
		char c = s[i];
		unsigned v = c >= '0' && c <= '9' ? (unsigned)(c - '0')
			     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
			     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 16u;
		if (v == 16)
			return -1;
		*out = *out << 4 | v;
	}
	return 0;
}

/* One escape after the backslash at *p; Go turns a lone surrogate into U+FFFD. */
static int escape(struct dec *d, const char **p, char *o, size_t *n)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *s = *p, *k;
	unsigned cp, lo;

	if (s >= d->end)
		return fail(d, "unterminated escape");
	if (*s != 'u') {
		if (!(k = strchr(from, *s)) || !*s)
			return fail(d, "invalid escape \\%c", *s);
		o[(*n)++] = to[k - from];
		*p = s + 1;
		return 0;
	}
	if (d->end - s < 5 || hex4(s + 1, &cp))
		return fail(d, "invalid \\u escape");
	s += 5;
	if (cp >= 0xd800 && cp < 0xdc00 && d->end - s >= 6 && s[0] == '\\' && s[1] == 'u' &&
	    !hex4(s + 2, &lo) && lo >= 0xdc00 && lo < 0xe000) {
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		s += 6;
	} else if (cp >= 0xd800 && cp < 0xe000) {
		cp = 0xfffd;
	}
	*n += put_utf8(o + *n, cp);
	*p = s;
	return 0;
}

/* A JSON string, unescaped, invalid UTF-8 replaced by U+FFFD as Go does. */
static int string(struct dec *d, const char **out, size_t *out_len)
{
	const char *s, *raw;
	char *o;
	size_t n = 0;

	if (peek(d) != '"')
		return fail(d, "expected a string");
	s = ++d->p;
	/* The raw string's length first: each of its bytes yields at most 3
	 * (U+FFFD), and an allocation must not be sized by the whole body. */
	for (raw = s; raw < d->end && *raw != '"'; raw++)
		if (*raw == '\\' && raw + 1 < d->end)
			raw++;
	o = az_alloc(d->a, (size_t)(raw - s) * 3 + 1);
	if (!o)
		return fail(d, "too large");
	while (s < d->end && *s != '"') {
		unsigned char c = (unsigned char)*s;
		size_t len;

		if (c < 0x20)
			return fail(d, "control character in a string");
		if (c == '\\') {
			s++;
			if (escape(d, &s, o, &n))
				return -EINVAL;
			continue;
		}
		len = utf8_len((const unsigned char *)s, (size_t)(d->end - s));
		if (!len) {
			n += put_utf8(o + n, 0xfffd);
			s++;
			continue;
		}
		memcpy(o + n, s, len);
		n += len;
		s += len;
	}
	if (s >= d->end)
		return fail(d, "unterminated string");
	d->p = s + 1;
	o[n] = '\0';
	*out = o;
	if (out_len)
		*out_len = n;
	return 0;
}

static int literal(struct dec *d, const char *word)
{
	size_t n = strlen(word);

	ws(d);
	if ((size_t)(d->end - d->p) < n || memcmp(d->p, word, n))
		return fail(d, "invalid literal");
	d->p += n;
	return 0;
}

static int number(struct dec *d)
{
	const char *s = d->p;

	if (s < d->end && *s == '-')
		s++;
	if (s < d->end && *s == '0')
		s++;
	else if (s < d->end && *s >= '1' && *s <= '9')
		while (s < d->end && *s >= '0' && *s <= '9')
			s++;
	else
		return fail(d, "invalid number");
	if (s < d->end && *s == '.') {
		if (++s >= d->end || *s < '0' || *s > '9')
			return fail(d, "invalid number");
		while (s < d->end && *s >= '0' && *s <= '9')
			s++;
	}
	if (s < d->end && (*s == 'e' || *s == 'E')) {
		s++;
		if (s < d->end && (*s == '+' || *s == '-'))
			s++;
		if (s >= d->end || *s < '0' || *s > '9')
			return fail(d, "invalid number");
		while (s < d->end && *s >= '0' && *s <= '9')
			s++;
	}
	d->p = s;
	return 0;
}

static int skip(struct dec *d);

/* Calls each(d, ctx) on every element or member (the key already read). */
static int container(struct dec *d, char open, int (*each)(struct dec *, const char *, void *),
		     void *ctx)
{
	char close = open == '{' ? '}' : ']';
	const char *key = NULL;
	bool first = true;

	if (++d->depth > DEPTH_MAX)
		return fail(d, "nested deeper than %d levels", DEPTH_MAX);
	d->p++;
	while (peek(d) != close) {
		if (!first) {
			if (peek(d) != ',')
				return fail(d, "expected ',' or '%c'", close);
			d->p++;
		}
		first = false;
		if (open == '{') {
			if (string(d, &key, NULL))
				return -EINVAL;
			if (peek(d) != ':')
				return fail(d, "expected ':'");
			d->p++;
		}
		if (each(d, key, ctx))
			return -EINVAL;
	}
	d->p++;
	d->depth--;
	return 0;
}

static int skip_each(struct dec *d, const char *key, void *ctx)
{
	(void)key;
	(void)ctx;
	return skip(d);
}

static int skip(struct dec *d)
{
	const char *s;

	switch (peek(d)) {
	case '{': case '[':
		return container(d, *d->p, skip_each, NULL);
	case '"':
		return string(d, &s, NULL);
	case 't': return literal(d, "true");
	case 'f': return literal(d, "false");
	case 'n': return literal(d, "null");
	case -1: return fail(d, "unexpected end");
	default: return number(d);
	}
}

/* Go's case-insensitive match of a key to an ASCII field name: ASCII
 * letters in either case, and U+212A (Kelvin) for k, U+017F (long s) for s. */
static bool fold_equal(const char *key, const char *name)
{
	const unsigned char *k = (const unsigned char *)key;

	for (; *name; name++) {
		char c = (char)(*name | 0x20);

		if (k[0] == 0xe2 && k[1] == 0x84 && k[2] == 0xaa && c == 'k') {
			k += 3;
		} else if (k[0] == 0xc5 && k[1] == 0xbf && c == 's') {
			k += 2;
		} else if (*k && (char)(*k | 0x20) == c &&
			   ((*k >= 'A' && *k <= 'Z') || (*k >= 'a' && *k <= 'z') ||
			    *k == (unsigned char)*name)) {
			k++;
		} else {
			return false;
		}
	}
	return !*k;
}

static const struct gfield *field_for(const struct gschema *s, const char *key)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->f[i].name, key))
			return &s->f[i];
	for (size_t i = 0; i < s->n; i++)
		if (fold_equal(key, s->f[i].name))
			return &s->f[i];
	return NULL;
}

static int object_into(struct dec *d, const struct gschema *s, void *base);

struct list_ctx {
	struct docker_list *l;
	const char *name;
};

static int list_each(struct dec *d, const char *key, void *ctx)
{
	struct list_ctx *c = ctx;
	const char *v = "";

	(void)key;
	if (c->l->n == DOCKER_LIST_MAX)
		return fail(d, "%s: more than %d entries", c->name, DOCKER_LIST_MAX);
	if (peek(d) == 'n') {
		if (literal(d, "null"))
			return -EINVAL;
	} else if (string(d, &v, NULL)) {
		return fail(d, "%s: an entry is not a string", c->name);
	}
	c->l->v[c->l->n++] = v;
	return 0;
}

static int list(struct dec *d, const struct gfield *f, struct docker_list *l)
{
	struct list_ctx c = { l, f->name };

	l->n = 0; /* Go replaces a slice; null clears it */
	if (peek(d) == 'n')
		return literal(d, "null");
	if (f->kind == GK_STRSLICE && peek(d) == '"') {
		l->n = 1;
		return string(d, &l->v[0], NULL);
	}
	if (peek(d) != '[')
		return fail(d, "%s: expected an array of strings", f->name);
	return container(d, '[', list_each, &c);
}

struct map_ctx {
	struct az_map *m;
	const char *name;
	struct az_arena *a;
};

static int map_each(struct dec *d, const char *key, void *ctx)
{
	struct map_ctx *c = ctx;
	const char *v = "";
	size_t klen = strlen(key), i;
	char *kv;

	if (peek(d) == 'n' ? literal(d, "null") : string(d, &v, NULL))
		return fail(d, "%s: a value is not a string", c->name);
	kv = az_alloc(c->a, klen + strlen(v) + 2);
	if (!kv)
		return fail(d, "too large");
	sprintf(kv, "%s=%s", key, v);
	for (i = 0; i < c->m->n; i++) /* a key again: the last value wins */
		if (!strncmp(c->m->v[i], kv, klen + 1))
			break;
	if (i == DOCKER_LIST_MAX)
		return fail(d, "%s: more than %d entries", c->name, DOCKER_LIST_MAX);
	c->m->v[i] = kv;
	c->m->n += i == c->m->n;
	return 0;
}

struct objlist_ctx {
	const struct gfield *f;
	void *arr;
	uint32_t *count;
};

static int objlist_each(struct dec *d, const char *key, void *ctx)
{
	struct objlist_ctx *c = ctx;
	void *el;

	(void)key;
	if (*c->count == DOCKER_LIST_MAX)
		return fail(d, "%s: more than %d entries", c->f->name, DOCKER_LIST_MAX);
	el = (char *)c->arr + (size_t)*c->count * c->f->elem;
	memset(el, 0, c->f->elem);
	(*c->count)++;
	if (peek(d) == 'n')
		return literal(d, "null");
	if (peek(d) != '{')
		return fail(d, "%s: an entry is not an object", c->f->name);
	return object_into(d, c->f->sub, el);
}

static int value_into(struct dec *d, const struct gfield *f, void *base)
{
	void *m = (char *)base + f->off;
	int c = peek(d);

	if (c == 'n' && (f->kind == GK_BOOL || f->kind == GK_STR))
		return literal(d, "null"); /* Go: null leaves a scalar as it was */
	switch (f->kind) {
	case GK_BOOL:
		if (c != 't' && c != 'f')
			return fail(d, "%s: expected true or false", f->name);
		*(bool *)m = c == 't';
		return literal(d, c == 't' ? "true" : "false");
	case GK_STR:
		return string(d, (const char **)m, NULL) ? fail(d, "%s: expected a string", f->name) : 0;
	case GK_LIST: case GK_STRSLICE:
		return list(d, f, m);
	case GK_MAP: {
		struct map_ctx mc = { m, f->name, d->a };

		if (c == 'n') {
			((struct az_map *)m)->n = 0;
			return literal(d, "null");
		}
		return c == '{' ? container(d, '{', map_each, &mc)
				: fail(d, "%s: expected an object", f->name);
	}
	case GK_OBJ:
		if (c == 'n') { /* a nil pointer: what was decoded before is gone */
			memset(m, 0, f->sub->size);
			*(bool *)((char *)base + f->flag_off) = false;
			return literal(d, "null");
		}
		if (c != '{')
			return fail(d, "%s: expected an object", f->name);
		*(bool *)((char *)base + f->flag_off) = true;
		return object_into(d, f->sub, m);
	case GK_OBJLIST: {
		struct objlist_ctx oc = { f, m, (uint32_t *)((char *)base + f->flag_off) };

		*oc.count = 0;
		if (c == 'n')
			return literal(d, "null");
		return c == '[' ? container(d, '[', objlist_each, &oc)
				: fail(d, "%s: expected an array", f->name);
	}
	}
	return -EINVAL;
}

struct obj_ctx {
	const struct gschema *s;
	void *base;
};

static int object_each(struct dec *d, const char *key, void *ctx)
{
	struct obj_ctx *c = ctx;
	const struct gfield *f = field_for(c->s, key);

	return f ? value_into(d, f, c->base) : skip(d);
}

static int object_into(struct dec *d, const struct gschema *s, void *base)
{
	struct obj_ctx c = { s, base };

	return container(d, '{', object_each, &c);
}

int az_go_decode(const char *body, size_t len, enum az_body kind, void *out, struct az_arena *a,
		 char *why, size_t whysz)
{
	struct dec d = { body, body + len, a, 0, why, whysz };

	why[0] = '\0';
	if (peek(&d) != '{')
		return fail(&d, "not a JSON object");
	if (object_into(&d, &tops[kind], out))
		return -EINVAL;
	if (peek(&d) != -1)
		return fail(&d, "data after the JSON object");
	return 0;
}
