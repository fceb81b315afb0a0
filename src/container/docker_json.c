/*
 * Parsers of the Docker Engine API answers the store uses (API 1.41). Pure:
 * text in, values out, no I/O, so that recorded answers can test them. The
 * daemon is trusted to be Docker, not to be well-formed: every field is
 * type-checked and a bad answer is an error that names the field.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "container/internal.h"

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen,
						      const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static json_t *load(const char *text, size_t len, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root;

	root = json_loadb(text, len, 0, &je);
	if (!root)
		fail(err, errlen, "not JSON (line %d column %d: %s)", je.line, je.column, je.text);
	return root;
}

json_t *container_json_path(json_t *o, const char *path)
{
	char key[64];
	const char *dot;
	size_t n;

	while (o && *path) {
		dot = strchrnul(path, '.');
		n = (size_t)(dot - path);
		if (n >= sizeof(key) || !json_is_object(o))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		o = json_object_get(o, key);
		path = *dot ? dot + 1 : dot;
	}
	return o;
}

static int need_string(json_t *root, const char *path, const char **out, char *err,
		       size_t errlen)
{
	json_t *v = container_json_path(root, path);

	if (!json_is_string(v))
		return fail(err, errlen, "%s %s", path, v ? "is not a string" : "is missing");
	*out = json_string_value(v);
	return 0;
}

static int need_id(json_t *root, const char *path, char id[CONTAINER_ID_LEN + 1], char *err,
		   size_t errlen)
{
	json_t *v = container_json_path(root, path);

	if (!json_is_string(v))
		return fail(err, errlen, "%s %s", path, v ? "is not a string" : "is missing");
	if (!container_id_valid(json_string_value(v), json_string_length(v)))
		return fail(err, errlen, "%s is not a 64-hex container id", path);
	memcpy(id, json_string_value(v), CONTAINER_ID_LEN + 1);
	return 0;
}

/* Labels: an object of strings; null and absent both mean none. */
static int get_labels(json_t *root, const char *path, struct container_label **out, size_t *n,
		      char *err, size_t errlen)
{
	json_t *lab = container_json_path(root, path), *val;
	const char *key;

	*out = NULL;
	*n = 0;
	if (!lab || json_is_null(lab) || (json_is_object(lab) && !json_object_size(lab)))
		return 0;
	if (!json_is_object(lab))
		return fail(err, errlen, "%s is not an object", path);
	*out = calloc(json_object_size(lab), sizeof(**out));
	if (!*out)
		return -ENOMEM;
	json_object_foreach(lab, key, val) {
		if (!json_is_string(val)) {
			free(*out);
			*out = NULL;
			*n = 0;
			return fail(err, errlen, "%s.%s is not a string", path, key);
		}
		(*out)[*n].key = (char *)key;
		(*out)[*n].value = (char *)json_string_value(val);
		(*n)++;
	}
	return 0;
}

/* Mounts: an array of objects; null and absent both mean none. Strings
 * point into the JSON tree. */
static int get_mounts(json_t *root, struct container_info *c, char *err, size_t errlen)
{
	json_t *a = json_object_get(root, "Mounts"), *m;
	size_t i;

	if (!a || json_is_null(a) || (json_is_array(a) && !json_array_size(a)))
		return 0;
	if (!json_is_array(a) || json_array_size(a) > CONTAINER_MOUNTS_MAX)
		return fail(err, errlen, "Mounts is not an array of at most %d mounts",
			    CONTAINER_MOUNTS_MAX);
	c->mounts = calloc(json_array_size(a), sizeof(*c->mounts));
	if (!c->mounts)
		return -ENOMEM;
	json_array_foreach(a, i, m) {
		struct container_mount *d = &c->mounts[c->n_mounts];
		json_t *rw = json_object_get(m, "RW");
		const char *src = "", *dst = "", *mode = "", *prop = "";

		/* Source and Mode may be empty, Propagation absent (volumes). */
		if (!json_is_object(m) || json_unpack(m, "{s?s, s:s, s?s, s?s}", "Source", &src,
						      "Destination", &dst, "Mode", &mode,
						      "Propagation", &prop) ||
		    (rw && !json_is_boolean(rw)))
			return fail(err, errlen, "Mounts[%zu] is not a mount (Destination, RW)", i);
		d->source = (char *)src;
		d->dest = (char *)dst;
		d->mode = (char *)mode;
		d->propagation = (char *)prop;
		d->rdwr = json_is_true(rw);
		c->n_mounts++;
	}
	return 0;
}

/*
 * Config.Healthcheck.Test as libsinsp reads it: ["CMD", exe, args...] runs
 * exe; ["CMD-SHELL", cmd] runs /bin/sh -c cmd; ["NONE"], [] or no test: none.
 */
static int get_health(json_t *root, struct container_info *c, char *err, size_t errlen)
{
	json_t *t = container_json_path(root, "Config.Healthcheck.Test");
	const char *kind, *shell[3] = { "/bin/sh", "-c", NULL };
	int ret;

	if (!t || json_is_null(t) || (json_is_array(t) && !json_array_size(t)))
		return 0;
	if (!json_is_array(t) || !json_is_string(json_array_get(t, 0)))
		return fail(err, errlen, "Config.Healthcheck.Test is not an array of strings");
	kind = json_string_value(json_array_get(t, 0));
	if (!strcmp(kind, "CMD-SHELL")) {
		shell[2] = json_string_value(json_array_get(t, 1));
		if (!shell[2] || json_array_size(t) != 2)
			return fail(err, errlen, "Config.Healthcheck.Test: CMD-SHELL takes one string");
		return container_argv_join(shell, 3, &c->health_argv, &c->health_len);
	}
	if (strcmp(kind, "CMD") != 0)
		return 0; /* NONE, or a kind this API version does not define */
	ret = container_argv_from_json(t, 1, &c->health_argv, &c->health_len);
	return ret == -EINVAL ? fail(err, errlen, "Config.Healthcheck.Test is not an array of "
				     "at most %d strings", CONTAINER_HEALTH_ARGS_MAX)
			      : ret;
}

/* "2024-05-01T10:00:00.123456789Z" (RFC 3339, UTC as the engine writes it)
 * in ns since the epoch; 0 for the engine's "never" (year 1) or bad text. */
static uint64_t rfc3339_ns(const char *s)
{
	struct tm tm = { 0 };
	const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	uint64_t frac = 0, scale = 1000000000ull;
	time_t t;

	if (!p || tm.tm_year < 70)
		return 0;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			if (scale > 1) {
				scale /= 10;
				frac += (uint64_t)(*p - '0') * scale;
			}
	if (strcmp(p, "Z") != 0)
		return 0;
	t = timegm(&tm);
	return t < 0 ? 0 : (uint64_t)t * 1000000000ull + frac;
}

/* The primary IPv4 address: NetworkSettings.IPAddress (the default bridge),
 * else the first network's, as Falco's container plugin picks it. */
static const char *primary_ip(json_t *root)
{
	json_t *ip = container_json_path(root, "NetworkSettings.IPAddress"), *nets, *net;
	const char *name;

	if (json_is_string(ip) && json_string_length(ip))
		return json_string_value(ip);
	nets = container_json_path(root, "NetworkSettings.Networks");
	json_object_foreach(json_is_object(nets) ? nets : NULL, name, net) {
		ip = json_object_get(net, "IPAddress");
		if (json_is_string(ip) && json_string_length(ip))
			return json_string_value(ip);
	}
	return "";
}

static void add_addr(struct container_info *c, json_t *v)
{
	struct container_addr a = { 0 };
	const char *text = json_is_string(v) ? json_string_value(v) : "";

	if (inet_pton(AF_INET, text, a.ip) == 1)
		a.len = 4;
	else if (inet_pton(AF_INET6, text, a.ip) == 1)
		a.len = 16;
	else
		return; /* "" while not running; anything else is not an address */
	for (size_t i = 0; i < c->n_addrs; i++)
		if (c->addrs[i].len == a.len && !memcmp(c->addrs[i].ip, a.ip, a.len))
			return;
	if (c->n_addrs < CONTAINER_ADDRS_MAX)
		c->addrs[c->n_addrs++] = a;
}

/* Every address of every network: flows name their peers by them. */
static void get_addrs(json_t *root, struct container_info *c)
{
	json_t *nets = container_json_path(root, "NetworkSettings.Networks"), *net;
	const char *name;

	c->n_addrs = 0;
	add_addr(c, container_json_path(root, "NetworkSettings.IPAddress"));
	add_addr(c, container_json_path(root, "NetworkSettings.GlobalIPv6Address"));
	json_object_foreach(json_is_object(nets) ? nets : NULL, name, net) {
		add_addr(c, json_object_get(net, "IPAddress"));
		add_addr(c, json_object_get(net, "GlobalIPv6Address"));
	}
}

static bool mode_is_host(json_t *root, const char *path)
{
	json_t *v = container_json_path(root, path);

	return json_is_string(v) && !strcmp(json_string_value(v), "host");
}

/* What Falco's container.* fields read beyond name, image and labels. */
static int get_engine_facts(json_t *root, struct container_info *c, char *err, size_t errlen)
{
	json_t *started = container_json_path(root, "State.StartedAt");
	int ret;

	c->host_pid = mode_is_host(root, "HostConfig.PidMode");
	c->host_network = mode_is_host(root, "HostConfig.NetworkMode");
	c->host_ipc = mode_is_host(root, "HostConfig.IpcMode");
	c->ip = (char *)primary_ip(root);
	get_addrs(root, c);
	c->start_ns = json_is_string(started) ? rfc3339_ns(json_string_value(started)) : 0;
	ret = get_mounts(root, c, err, errlen);
	return ret ? ret : get_health(root, c, err, errlen);
}

int container_json_parse_inspect(const char *text, size_t len, struct container_inspect *out,
				 char *err, size_t errlen)
{
	struct container_info tmp = { .runtime = RUNTIME_DOCKER, .has_metadata = true };
	json_t *root = NULL, *v;
	const char *s = "";
	int ret;

	out->info = NULL;
	out->pid = 0;
	root = load(text, len, err, errlen);
	if (!root)
		return -EINVAL;
	ret = fail(err, errlen, "the answer is not a JSON object");
	if (!json_is_object(root))
		goto cleanup;
	ret = need_id(root, "Id", tmp.id, err, errlen);
	if (ret)
		goto cleanup;
	ret = need_string(root, "Name", &s, err, errlen);
	if (ret)
		goto cleanup;
	tmp.name = (char *)(*s == '/' ? s + 1 : s);
	ret = need_string(root, "Config.Image", &s, err, errlen);
	if (ret)
		goto cleanup;
	tmp.image = (char *)s;
	ret = need_string(root, "Image", &s, err, errlen);
	if (ret)
		goto cleanup;
	tmp.image_id = (char *)s;
	v = container_json_path(root, "HostConfig.Privileged");
	if (!json_is_boolean(v)) {
		ret = fail(err, errlen, "HostConfig.Privileged %s",
			   v ? "is not a boolean" : "is missing");
		goto cleanup;
	}
	tmp.privileged = json_is_true(v);
	v = container_json_path(root, "State.Pid");
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		ret = fail(err, errlen, "State.Pid %s",
			   v ? "is not a non-negative integer" : "is missing");
		goto cleanup;
	}
	out->pid = json_integer_value(v);
	ret = get_labels(root, "Config.Labels", &tmp.labels, &tmp.n_labels, err, errlen);
	if (ret)
		goto cleanup;
	ret = get_engine_facts(root, &tmp, err, errlen);
	if (ret)
		goto cleanup;
	out->info = container_info_pack(&tmp, 0);
	ret = out->info ? 0 : -ENOMEM;
cleanup:
	free(tmp.labels);
	free(tmp.mounts);
	free(tmp.health_argv);
	json_decref(root);
	return ret;
}

int container_json_parse_list(const char *text, size_t len, char (**ids)[CONTAINER_ID_LEN + 1],
			      size_t *n, char *err, size_t errlen)
{
	char (*out)[CONTAINER_ID_LEN + 1] = NULL;
	json_t *root = NULL, *item, *id;
	size_t i;
	int ret;

	*ids = NULL;
	*n = 0;
	root = load(text, len, err, errlen);
	if (!root)
		return -EINVAL;
	ret = fail(err, errlen, "the answer is not a JSON array");
	if (!json_is_array(root))
		goto cleanup;
	ret = -ENOMEM;
	out = calloc(json_array_size(root) + 1, sizeof(*out));
	if (!out)
		goto cleanup;
	json_array_foreach(root, i, item) {
		if (!json_is_object(item)) {
			ret = fail(err, errlen, "[%zu] is not an object", i);
			goto cleanup;
		}
		id = json_object_get(item, "Id");
		if (!json_is_string(id) ||
		    !container_id_valid(json_string_value(id), json_string_length(id))) {
			ret = fail(err, errlen, "[%zu].Id is missing or not a 64-hex container id",
				   i);
			goto cleanup;
		}
		memcpy(out[i], json_string_value(id), CONTAINER_ID_LEN + 1);
	}
	*ids = out;
	*n = json_array_size(root);
	out = NULL;
	ret = 0;
cleanup:
	free(out);
	json_decref(root);
	return ret;
}

static const struct {
	const char *name;
	enum container_event_action action;
} actions[] = {
	{ "create", CONTAINER_EV_CREATE }, { "start", CONTAINER_EV_START },
	{ "rename", CONTAINER_EV_RENAME }, { "die", CONTAINER_EV_DIE },
	{ "destroy", CONTAINER_EV_DESTROY },
};

/* Actor.Attributes.KEY into buf; left empty when absent, not a string, or
 * too long (a cut name would name another container). */
static void copy_attribute(json_t *root, const char *key, char *buf, size_t cap)
{
	json_t *v = json_object_get(container_json_path(root, "Actor.Attributes"), key);

	if (json_is_string(v) && json_string_length(v) < cap)
		memcpy(buf, json_string_value(v), json_string_length(v) + 1);
}

/*
 * API 1.41 carries the id twice ("id" for old clients, Actor.ID); Actor.ID
 * is the documented one. Actions with arguments ("exec_start: sh ") are not
 * among those the store acts on and fall to OTHER.
 */
int container_json_parse_event(const char *text, size_t len, struct container_event *out,
			       char *err, size_t errlen)
{
	json_t *root = NULL, *type;
	const char *action = NULL;
	size_t i;
	int ret;

	out->action = CONTAINER_EV_OTHER;
	out->id[0] = '\0';
	out->name[0] = '\0';
	out->image[0] = '\0';
	root = load(text, len, err, errlen);
	if (!root)
		return -EINVAL;
	ret = fail(err, errlen, "the event is not a JSON object");
	if (!json_is_object(root))
		goto cleanup;
	type = json_object_get(root, "Type");
	if (!json_is_string(type)) {
		ret = fail(err, errlen, "Type %s", type ? "is not a string" : "is missing");
		goto cleanup;
	}
	ret = 0;
	if (strcmp(json_string_value(type), "container") != 0)
		goto cleanup;
	ret = need_string(root, "Action", &action, err, errlen);
	if (ret)
		goto cleanup;
	ret = need_id(root, "Actor.ID", out->id, err, errlen);
	if (ret)
		goto cleanup;
	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		if (strcmp(action, actions[i].name) == 0)
			out->action = actions[i].action;
	}
	copy_attribute(root, "name", out->name, sizeof(out->name));
	copy_attribute(root, "image", out->image, sizeof(out->image));
cleanup:
	json_decref(root);
	return ret;
}
