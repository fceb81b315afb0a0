/*
 * Parsers of the Docker Engine API answers the store uses (API 1.41). Pure:
 * text in, values out, no I/O, so that recorded answers can test them. The
 * daemon is trusted to be Docker, not to be well-formed: every field is
 * type-checked and a bad answer is an error that names the field.
 */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Walks "A.B.C" through nested objects; NULL when any step is missing. */
static json_t *path_get(json_t *o, const char *path)
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
	json_t *v = path_get(root, path);

	if (!json_is_string(v))
		return fail(err, errlen, "%s %s", path, v ? "is not a string" : "is missing");
	*out = json_string_value(v);
	return 0;
}

static int need_id(json_t *root, const char *path, char id[CONTAINER_ID_LEN + 1], char *err,
		   size_t errlen)
{
	json_t *v = path_get(root, path);

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
	json_t *lab = path_get(root, path), *val;
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
	v = path_get(root, "HostConfig.Privileged");
	if (!json_is_boolean(v)) {
		ret = fail(err, errlen, "HostConfig.Privileged %s",
			   v ? "is not a boolean" : "is missing");
		goto cleanup;
	}
	tmp.privileged = json_is_true(v);
	v = path_get(root, "State.Pid");
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		ret = fail(err, errlen, "State.Pid %s",
			   v ? "is not a non-negative integer" : "is missing");
		goto cleanup;
	}
	out->pid = json_integer_value(v);
	ret = get_labels(root, "Config.Labels", &tmp.labels, &tmp.n_labels, err, errlen);
	if (ret)
		goto cleanup;
	out->info = container_info_pack(&tmp, 0);
	ret = out->info ? 0 : -ENOMEM;
cleanup:
	free(tmp.labels);
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
cleanup:
	json_decref(root);
	return ret;
}
