/*
 * struct container_info as a value: packed into one allocation (so that a
 * published entry is freed with one free() and retiring it never allocates),
 * compared, and converted to and from the JSON that record files carry.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container/internal.h"

struct container_info_block {
	struct container_info_block *retire_next;
	uint64_t free_at_ms;
	struct container_info info; /* then labels, mounts, users, groups, then the strings */
};

#define BLOCK_OF(c) \
	((struct container_info_block *)((char *)(c) - offsetof(struct container_info_block, info)))

static size_t str_size(const char *s)
{
	return (s ? strlen(s) : 0) + 1;
}

static char *put_str(char **cursor, const char *s)
{
	char *dst = *cursor;
	size_t n = str_size(s);

	if (s)
		memcpy(dst, s, n);
	else
		dst[0] = '\0';
	*cursor += n;
	return dst;
}

/* Copies n bytes (which may hold NULs) and a terminating NUL. */
static char *put_bytes(char **cursor, const char *s, size_t n)
{
	char *dst = *cursor;

	if (n)
		memcpy(dst, s, n);
	dst[n] = '\0';
	*cursor += n + 1;
	return dst;
}

static size_t mounts_str_size(const struct container_mount *m, size_t n)
{
	size_t size = 0, i;

	for (i = 0; i < n; i++)
		size += str_size(m[i].source) + str_size(m[i].dest) + str_size(m[i].mode) +
			str_size(m[i].propagation);
	return size;
}

static void put_mounts(struct container_mount *dst, char **cursor,
		       const struct container_mount *src, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		dst[i].rdwr = src[i].rdwr;
		dst[i].source = put_str(cursor, src[i].source);
		dst[i].dest = put_str(cursor, src[i].dest);
		dst[i].mode = put_str(cursor, src[i].mode);
		dst[i].propagation = put_str(cursor, src[i].propagation);
	}
}

static size_t accounts_str_size(const struct container_account *a, size_t n)
{
	size_t size = 0, i;

	for (i = 0; i < n; i++)
		size += str_size(a[i].name);
	return size;
}

/* Copies n accounts to *arrays (advanced) and their names to *cursor. */
static struct container_account *put_accounts(struct container_account **arrays,
					      char **cursor,
					      const struct container_account *src, size_t n)
{
	struct container_account *dst = n ? *arrays : NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		dst[i].id = src[i].id;
		dst[i].name = put_str(cursor, src[i].name);
	}
	*arrays += n;
	return dst;
}

struct container_info *container_info_pack(const struct container_info *src,
					   uint64_t cgroup_id)
{
	size_t n_users = src->has_accounts ? src->n_users : 0;
	size_t n_groups = src->has_accounts ? src->n_groups : 0;
	uint32_t health_len = src->health_argv ? src->health_len : 0;
	struct container_account *accounts;
	struct container_mount *mounts;
	struct container_info_block *b;
	struct container_info *c;
	size_t size = sizeof(*b), i;
	char *cursor;

	size += src->n_labels * sizeof(struct container_label);
	size += src->n_mounts * sizeof(struct container_mount);
	size += (n_users + n_groups) * sizeof(struct container_account);
	size += str_size(src->name) + str_size(src->image) + str_size(src->image_id);
	size += str_size(src->ip) + health_len + 1 + mounts_str_size(src->mounts, src->n_mounts);
	for (i = 0; i < src->n_labels; i++)
		size += str_size(src->labels[i].key) + str_size(src->labels[i].value);
	size += accounts_str_size(src->users, n_users) + accounts_str_size(src->groups, n_groups);
	b = malloc(size);
	if (!b)
		return NULL;
	b->retire_next = NULL;
	b->free_at_ms = 0;
	c = &b->info;
	*c = *src;
	c->id[CONTAINER_ID_LEN] = '\0';
	c->cgroup_id = cgroup_id;
	c->labels = src->n_labels ? (struct container_label *)(b + 1) : NULL;
	mounts = (struct container_mount *)((struct container_label *)(b + 1) + src->n_labels);
	c->mounts = src->n_mounts ? mounts : NULL;
	accounts = (struct container_account *)(mounts + src->n_mounts);
	cursor = (char *)(accounts + n_users + n_groups);
	put_mounts(mounts, &cursor, src->mounts, src->n_mounts);
	for (i = 0; i < src->n_labels; i++) {
		c->labels[i].key = put_str(&cursor, src->labels[i].key);
		c->labels[i].value = put_str(&cursor, src->labels[i].value);
	}
	c->users = put_accounts(&accounts, &cursor, src->users, n_users);
	c->n_users = n_users;
	c->groups = put_accounts(&accounts, &cursor, src->groups, n_groups);
	c->n_groups = n_groups;
	c->name = put_str(&cursor, src->name);
	c->image = put_str(&cursor, src->image);
	c->image_id = put_str(&cursor, src->image_id);
	c->ip = put_str(&cursor, src->ip);
	c->health_len = health_len;
	c->health_argv = put_bytes(&cursor, src->health_argv, health_len);
	return c;
}

struct container_info *container_info_new_bare(const char *id, enum container_runtime rt,
					       uint64_t cgroup_id)
{
	struct container_info bare = { .runtime = rt };

	snprintf(bare.id, sizeof(bare.id), "%s", id);
	return container_info_pack(&bare, cgroup_id);
}

void container_info_free(struct container_info *c)
{
	if (c)
		free(BLOCK_OF(c));
}

const char *container_info_label(const struct container_info *c, const char *key)
{
	size_t i;

	for (i = 0; c && i < c->n_labels; i++) {
		if (strcmp(c->labels[i].key, key) == 0)
			return c->labels[i].value;
	}
	return NULL;
}

static bool accounts_same(const struct container_account *a, const struct container_account *b,
			  size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (a[i].id != b[i].id || strcmp(a[i].name, b[i].name) != 0)
			return false;
	}
	return true;
}

static bool mounts_same(const struct container_mount *a, const struct container_mount *b,
			size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (a[i].rdwr != b[i].rdwr || strcmp(a[i].source, b[i].source) != 0 ||
		    strcmp(a[i].dest, b[i].dest) != 0 || strcmp(a[i].mode, b[i].mode) != 0 ||
		    strcmp(a[i].propagation, b[i].propagation) != 0)
			return false;
	}
	return true;
}

/* What the engine says beyond names and labels: mounts, health check, ... */
static bool container_info_same_engine_facts(const struct container_info *a,
					     const struct container_info *b)
{
	return a->host_pid == b->host_pid && a->host_network == b->host_network &&
	       a->host_ipc == b->host_ipc && a->start_ns == b->start_ns &&
	       strcmp(a->ip, b->ip) == 0 && a->n_addrs == b->n_addrs &&
	       !memcmp(a->addrs, b->addrs, a->n_addrs * sizeof(a->addrs[0])) &&
	       a->health_len == b->health_len &&
	       (!a->health_len || memcmp(a->health_argv, b->health_argv, a->health_len) == 0) &&
	       a->n_mounts == b->n_mounts && mounts_same(a->mounts, b->mounts, a->n_mounts);
}

bool container_info_same(const struct container_info *a, const struct container_info *b)
{
	size_t i;

	if (strcmp(a->id, b->id) != 0 || a->runtime != b->runtime ||
	    a->has_metadata != b->has_metadata || a->privileged != b->privileged ||
	    strcmp(a->name, b->name) != 0 || strcmp(a->image, b->image) != 0 ||
	    strcmp(a->image_id, b->image_id) != 0 || a->n_labels != b->n_labels ||
	    !container_info_same_engine_facts(a, b))
		return false;
	for (i = 0; i < a->n_labels; i++) {
		if (strcmp(a->labels[i].key, b->labels[i].key) != 0 ||
		    strcmp(a->labels[i].value, b->labels[i].value) != 0)
			return false;
	}
	return a->has_accounts == b->has_accounts && a->n_users == b->n_users &&
	       a->n_groups == b->n_groups && accounts_same(a->users, b->users, a->n_users) &&
	       accounts_same(a->groups, b->groups, a->n_groups);
}

void container_retire(struct container_retired *r, struct container_info *c,
		      uint64_t free_at_ms)
{
	struct container_info_block *b;

	if (!c)
		return;
	b = BLOCK_OF(c);
	b->free_at_ms = free_at_ms;
	b->retire_next = NULL;
	if (r->tail)
		r->tail->retire_next = b;
	else
		r->head = b;
	r->tail = b;
}

/* Entries are appended with non-decreasing deadlines: the due ones lead. */
void container_retired_sweep(struct container_retired *r, uint64_t now_ms)
{
	struct container_info_block *b;

	while (r->head && r->head->free_at_ms <= now_ms) {
		b = r->head;
		r->head = b->retire_next;
		if (!r->head)
			r->tail = NULL;
		free(b);
	}
}

/* {"0":"root","1":"daemon"}: ids as keys, as JSON keys must be strings. */
static json_t *accounts_to_json(const struct container_account *a, size_t n)
{
	json_t *o = json_object();
	char key[16];
	size_t i;

	for (i = 0; o && i < n; i++) {
		snprintf(key, sizeof(key), "%" PRIu32, a[i].id);
		if (json_object_set_new(o, key, json_string(a[i].name))) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

int container_argv_join(const char *const *items, size_t n, char **out, uint32_t *len)
{
	size_t size = 0, i;
	char *p;

	*out = NULL;
	*len = 0;
	for (i = 0; i < n; i++)
		size += strlen(items[i]) + 1;
	if (!size)
		return 0;
	if (size > CONTAINER_HEALTH_MAX)
		return -E2BIG;
	p = malloc(size);
	if (!p)
		return -ENOMEM;
	*out = p;
	for (i = 0; i < n; i++)
		p = stpcpy(p, items[i]) + 1;
	*len = (uint32_t)size - 1; /* the last NUL terminates, as in a record's argv */
	return 0;
}

static json_t *mounts_to_json(const struct container_mount *m, size_t n)
{
	json_t *a = json_array(), *o;
	size_t i;

	for (i = 0; a && i < n; i++) {
		o = json_pack("{s:s, s:s, s:s, s:b, s:s}", "source", m[i].source, "dest", m[i].dest,
			      "mode", m[i].mode, "rdwr", m[i].rdwr, "propagation",
			      m[i].propagation);
		if (json_array_append_new(a, o)) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *argv_to_json(const char *argv, uint32_t len)
{
	json_t *a = json_array();
	const char *p = argv, *end = argv + len;

	while (a && len && p <= end) {
		if (json_array_append_new(a, json_string(p))) {
			json_decref(a);
			return NULL;
		}
		p += strlen(p) + 1;
	}
	return a;
}

static json_t *addrs_to_json(const struct container_info *c)
{
	json_t *a = json_array();
	char text[INET6_ADDRSTRLEN];

	for (size_t i = 0; a && i < c->n_addrs; i++)
		if (!inet_ntop(c->addrs[i].len == 4 ? AF_INET : AF_INET6, c->addrs[i].ip, text,
			       sizeof(text)) ||
		    json_array_append_new(a, json_string(text))) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static int addrs_from_json(json_t *a, struct container_info *c)
{
	json_t *v;
	size_t i;

	c->n_addrs = 0;
	if (!a)
		return 0; /* written before addresses were recorded */
	if (!json_is_array(a) || json_array_size(a) > CONTAINER_ADDRS_MAX)
		return -EINVAL;
	json_array_foreach(a, i, v) {
		struct container_addr *ad = &c->addrs[c->n_addrs];
		const char *text = json_is_string(v) ? json_string_value(v) : "";

		memset(ad, 0, sizeof(*ad));
		if (inet_pton(AF_INET, text, ad->ip) == 1)
			ad->len = 4;
		else if (inet_pton(AF_INET6, text, ad->ip) == 1)
			ad->len = 16;
		else
			return -EINVAL;
		c->n_addrs++;
	}
	return 0;
}

/* The engine facts beyond names and labels, as record files carry them. */
static int engine_facts_to_json(json_t *o, const struct container_info *c)
{
	char num[24];

	snprintf(num, sizeof(num), "%" PRIu64, c->start_ns);
	return json_object_set_new(o, "mounts", mounts_to_json(c->mounts, c->n_mounts)) ||
	       json_object_set_new(o, "health", argv_to_json(c->health_argv, c->health_len)) ||
	       json_object_set_new(o, "ip", json_string(c->ip ? c->ip : "")) ||
	       json_object_set_new(o, "addrs", addrs_to_json(c)) ||
	       json_object_set_new(o, "start_ns", json_string(num)) ||
	       json_object_set_new(o, "host_pid", json_boolean(c->host_pid)) ||
	       json_object_set_new(o, "host_network", json_boolean(c->host_network)) ||
	       json_object_set_new(o, "host_ipc", json_boolean(c->host_ipc));
}

/*
 * Record files carry one container per frame. cgroup_id goes out as a JSON
 * integer; jansson's integers are signed, so an id above INT64_MAX (no kernel
 * makes one today) would travel as a decimal string, which the reader accepts.
 */
char *container_info_to_json(const struct container_info *c)
{
	json_t *o = NULL, *labels = NULL, *cg = NULL;
	char *text = NULL, num[24];
	size_t i;

	if (!c)
		return NULL;
	o = json_object();
	labels = json_object();
	if (!o || !labels)
		goto cleanup;
	for (i = 0; i < c->n_labels; i++) {
		if (json_object_set_new(labels, c->labels[i].key, json_string(c->labels[i].value)))
			goto cleanup;
	}
	if (c->cgroup_id <= (uint64_t)INT64_MAX) {
		cg = json_integer((json_int_t)c->cgroup_id);
	} else {
		snprintf(num, sizeof(num), "%" PRIu64, c->cgroup_id);
		cg = json_string(num);
	}
	if (json_object_set_new(o, "id", json_string(c->id)) ||
	    json_object_set_new(o, "runtime", json_string(container_runtime_name(c->runtime))) ||
	    json_object_set_new(o, "has_metadata", json_boolean(c->has_metadata)) ||
	    json_object_set_new(o, "name", json_string(c->name ? c->name : "")) ||
	    json_object_set_new(o, "image", json_string(c->image ? c->image : "")) ||
	    json_object_set_new(o, "image_id", json_string(c->image_id ? c->image_id : "")) ||
	    json_object_set_new(o, "privileged", json_boolean(c->privileged)) ||
	    json_object_set(o, "labels", labels) || json_object_set_new(o, "cgroup_id", cg) ||
	    engine_facts_to_json(o, c))
		goto cleanup;
	if (c->has_accounts &&
	    (json_object_set_new(o, "users", accounts_to_json(c->users, c->n_users)) ||
	     json_object_set_new(o, "groups", accounts_to_json(c->groups, c->n_groups))))
		goto cleanup;
	text = json_dumps(o, JSON_COMPACT);
cleanup:
	json_decref(labels);
	json_decref(o);
	return text;
}

static int get_str(json_t *o, const char *key, const char **out)
{
	json_t *v = json_object_get(o, key);

	if (!v) {
		*out = "";
		return 0;
	}
	if (!json_is_string(v))
		return -EINVAL;
	*out = json_string_value(v);
	return 0;
}

static int get_u64(json_t *v, uint64_t *out)
{
	const char *s;
	char *end;

	*out = 0;
	if (!v)
		return 0;
	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0)
			return -EINVAL;
		*out = (uint64_t)json_integer_value(v);
		return 0;
	}
	if (!json_is_string(v))
		return -EINVAL;
	s = json_string_value(v);
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || *end ? -EINVAL : 0;
}

/* What accounts_to_json wrote, sorted; names point into the JSON tree. */
static int accounts_from_json(json_t *o, struct container_account **out, size_t *n)
{
	struct container_account *a;
	const char *key;
	json_t *val;
	int err;

	*out = NULL;
	*n = 0;
	if (!json_is_object(o))
		return -EINVAL;
	if (!json_object_size(o))
		return 0;
	a = calloc(json_object_size(o), sizeof(*a));
	if (!a)
		return -ENOMEM;
	json_object_foreach(o, key, val) {
		unsigned long id;
		char *end;

		errno = 0;
		id = strtoul(key, &end, 10);
		if (*key < '0' || *key > '9' || *end || errno || id > UINT32_MAX ||
		    !json_is_string(val)) {
			free(a);
			return -EINVAL;
		}
		a[*n].id = (uint32_t)id;
		a[(*n)++].name = (char *)json_string_value(val);
	}
	err = container_accounts_sort(a, *n);
	if (err) {
		free(a);
		*n = 0;
		return err;
	}
	*out = a;
	return 0;
}

/* What mounts_to_json wrote; strings point into the JSON tree. */
static int mounts_from_json(json_t *a, struct container_mount **out, size_t *n)
{
	json_t *m;
	size_t i;
	int rdwr;

	*out = NULL;
	*n = 0;
	if (!a)
		return 0;
	if (!json_is_array(a) || json_array_size(a) > CONTAINER_MOUNTS_MAX)
		return -EINVAL;
	if (!json_array_size(a))
		return 0;
	*out = calloc(json_array_size(a), sizeof(**out));
	if (!*out)
		return -ENOMEM;
	json_array_foreach(a, i, m) {
		struct container_mount *d = &(*out)[i];

		if (json_unpack(m, "{s:s, s:s, s:s, s:b, s:s}", "source", &d->source, "dest",
				&d->dest, "mode", &d->mode, "rdwr", &rdwr, "propagation",
				&d->propagation)) {
			free(*out);
			*out = NULL;
			return -EINVAL;
		}
		d->rdwr = rdwr;
	}
	*n = json_array_size(a);
	return 0;
}

/* A JSON array of strings as a NUL-separated argv (malloc'd). */
int container_argv_from_json(json_t *a, size_t skip, char **out, uint32_t *len)
{
	const char *items[CONTAINER_HEALTH_ARGS_MAX];
	size_t i, n = 0;
	json_t *v;

	*out = NULL;
	*len = 0;
	if (!json_is_array(a) || json_array_size(a) > skip + CONTAINER_HEALTH_ARGS_MAX)
		return -EINVAL;
	json_array_foreach(a, i, v) {
		if (!json_is_string(v))
			return -EINVAL;
		if (i >= skip)
			items[n++] = json_string_value(v);
	}
	return container_argv_join(items, n, out, len);
}

static int engine_facts_from_json(json_t *root, struct container_info *tmp)
{
	json_t *v;
	int err;

	err = mounts_from_json(json_object_get(root, "mounts"), &tmp->mounts, &tmp->n_mounts);
	if (err)
		return err;
	v = json_object_get(root, "health");
	if (v && (err = container_argv_from_json(v, 0, &tmp->health_argv, &tmp->health_len)))
		return err;
	const char *ip;

	if (get_str(root, "ip", &ip) || get_u64(json_object_get(root, "start_ns"), &tmp->start_ns))
		return -EINVAL;
	tmp->ip = (char *)ip;
	if (addrs_from_json(json_object_get(root, "addrs"), tmp))
		return -EINVAL;
	v = json_object_get(root, "host_pid");
	tmp->host_pid = json_is_true(v);
	v = json_object_get(root, "host_network");
	tmp->host_network = json_is_true(v);
	v = json_object_get(root, "host_ipc");
	tmp->host_ipc = json_is_true(v);
	return 0;
}

int container_info_from_json(const char *text, size_t len, struct container_info **out)
{
	struct container_info tmp = { 0 };
	struct container_label *labels = NULL;
	json_t *root = NULL, *v, *lab, *val, *users, *groups;
	const char *key, *s;
	size_t n = 0;
	int err = -EINVAL;

	*out = NULL;
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(root))
		goto cleanup;
	v = json_object_get(root, "id");
	if (!json_is_string(v) || !container_id_valid(json_string_value(v), json_string_length(v)))
		goto cleanup;
	memcpy(tmp.id, json_string_value(v), CONTAINER_ID_LEN + 1);
	v = json_object_get(root, "runtime");
	if (!json_is_string(v) || container_runtime_from_name(json_string_value(v), &tmp.runtime) ||
	    tmp.runtime == RUNTIME_NONE)
		goto cleanup;
	v = json_object_get(root, "has_metadata");
	if (v && !json_is_boolean(v))
		goto cleanup;
	tmp.has_metadata = json_is_true(v);
	v = json_object_get(root, "privileged");
	if (v && !json_is_boolean(v))
		goto cleanup;
	tmp.privileged = json_is_true(v);
	if (get_str(root, "name", &s))
		goto cleanup;
	tmp.name = (char *)s;
	if (get_str(root, "image", &s))
		goto cleanup;
	tmp.image = (char *)s;
	if (get_str(root, "image_id", &s))
		goto cleanup;
	tmp.image_id = (char *)s;
	if (get_u64(json_object_get(root, "cgroup_id"), &tmp.cgroup_id))
		goto cleanup;
	lab = json_object_get(root, "labels");
	if (lab && !json_is_object(lab) && !json_is_null(lab))
		goto cleanup;
	if (json_is_object(lab) && json_object_size(lab)) {
		labels = calloc(json_object_size(lab), sizeof(*labels));
		if (!labels) {
			err = -ENOMEM;
			goto cleanup;
		}
		json_object_foreach(lab, key, val) {
			if (!json_is_string(val))
				goto cleanup;
			labels[n].key = (char *)key;
			labels[n].value = (char *)json_string_value(val);
			n++;
		}
	}
	tmp.labels = labels;
	tmp.n_labels = n;
	err = engine_facts_from_json(root, &tmp);
	if (err)
		goto cleanup;
	err = -EINVAL;
	/* Neither key: the recording run had no accounts for it (or predates them). */
	users = json_object_get(root, "users");
	groups = json_object_get(root, "groups");
	if (users || groups) {
		tmp.has_accounts = true;
		err = accounts_from_json(users, &tmp.users, &tmp.n_users);
		if (!err)
			err = accounts_from_json(groups, &tmp.groups, &tmp.n_groups);
		if (err)
			goto cleanup;
	}
	*out = container_info_pack(&tmp, tmp.cgroup_id);
	err = *out ? 0 : -ENOMEM;
cleanup:
	free(tmp.users);
	free(tmp.groups);
	free(tmp.mounts);
	free(tmp.health_argv);
	free(labels);
	json_decref(root);
	return err;
}
