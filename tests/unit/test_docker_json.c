/*
 * Docker Engine answers -> container metadata.
 *
 * 1. The pure parsers on answers recorded from a real Docker 20.10 daemon
 *    (tests/data/docker/, see its README) and on malformed variants: every
 *    truncation, wrong types, missing fields. An error, never a crash.
 * 2. Record/replay: container_info_to_json and back, and an offline store
 *    filled by container_store_put_json.
 * 3. The store against a fake daemon on a unix socket (no root, no dockerd):
 *    seeding, /events, an id-only entry gaining its metadata, malformed
 *    answers, no daemon at all, and a daemon restart. cgroup ids are the
 *    inode numbers of directories in a temporary tree, resolved by the walk
 *    fallback, so no cgroupfs is needed either.
 */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "container/container.h"
#include "container/internal.h"

#define DATA "tests/data/docker/"
#define ID_CAP "2496f3319c62007f76e8ca6743b861722545a33970622c16406cc4fe96bfc532"
#define ID_T1 "5006724087f27ddae7ce8e57888e98dd2e745c8bf79cea00141ca0102cf637f6"
#define ID_EV "843b1bf0f46e62e27300fe52474bd764a85c71200513fb3ab33b5ee2c940986c"
#define IMAGE_ID "sha256:c357925c6c362385b608764693930d7c041095b69361ef2025ef217f0505d841"

static char *read_data(const char *name)
{
	char path[256];
	char *buf;
	long n;
	FILE *f;

	snprintf(path, sizeof(path), DATA "%s", name);
	f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s (run the tests from the repository root)", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* ---- 1. parsers ---------------------------------------------------------- */

static void test_inspect_running(void **state)
{
	struct container_inspect in;
	char *text = read_data("inspect_running.json"), err[256];
	const struct container_info *c;

	(void)state;
	assert_int_equal(container_json_parse_inspect(text, strlen(text), &in, err, sizeof(err)),
			 0);
	c = in.info;
	assert_string_equal(c->id, ID_CAP);
	assert_int_equal(c->runtime, RUNTIME_DOCKER);
	assert_true(c->has_metadata);
	assert_string_equal(c->name, "pal-ctr-cap");
	assert_string_equal(c->image, "palisade-test");
	assert_string_equal(c->image_id, IMAGE_ID);
	assert_false(c->privileged);
	assert_int_equal(c->n_labels, 2);
	assert_string_equal(container_info_label(c, "app"), "web");
	assert_string_equal(container_info_label(c, "com.example.team"), "sec ops");
	assert_null(container_info_label(c, "missing"));
	assert_int_equal(c->cgroup_id, 0);
	assert_int_equal(in.pid, 4092);
	container_info_free(in.info);
	free(text);
}

static void test_inspect_variants(void **state)
{
	struct container_inspect in;
	char *text, err[256];

	(void)state;
	text = read_data("inspect_renamed.json");
	assert_int_equal(container_json_parse_inspect(text, strlen(text), &in, err, sizeof(err)),
			 0);
	assert_string_equal(in.info->id, ID_EV);
	assert_string_equal(in.info->name, "pal-ctr-ev2");
	assert_string_equal(container_info_label(in.info, "tier"), "test");
	container_info_free(in.info);
	free(text);

	/* created, never started: no labels, no pid */
	text = read_data("inspect_created_nolabels.json");
	assert_int_equal(container_json_parse_inspect(text, strlen(text), &in, err, sizeof(err)),
			 0);
	assert_string_equal(in.info->name, "pal-ctr-stopped");
	assert_int_equal(in.info->n_labels, 0);
	assert_null(in.info->labels);
	assert_int_equal(in.pid, 0);
	container_info_free(in.info);
	free(text);

	text = read_data("inspect_privileged_edited.json");
	assert_int_equal(container_json_parse_inspect(text, strlen(text), &in, err, sizeof(err)),
			 0);
	assert_true(in.info->privileged);
	container_info_free(in.info);
	free(text);
}

/* Mounts, HEALTHCHECK, host namespaces, start time: each with the property
 * (a recorded container that has them all) and without (inspect_running). */
static void test_inspect_engine_facts(void **state)
{
	struct container_inspect in;
	char *text = read_data("inspect_mounts_health.json"), err[256];
	const struct container_info *c;

	(void)state;
	assert_int_equal(container_json_parse_inspect(text, strlen(text), &in, err, sizeof(err)),
			 0);
	c = in.info;
	assert_int_equal(c->n_mounts, 3);
	assert_string_equal(c->mounts[0].source, "/proc");
	assert_string_equal(c->mounts[0].dest, "/hostproc");
	assert_string_equal(c->mounts[0].mode, "ro");
	assert_false(c->mounts[0].rdwr);
	assert_string_equal(c->mounts[0].propagation, "rprivate");
	assert_string_equal(c->mounts[1].dest, "/data");
	assert_string_equal(c->mounts[1].mode, "z");
	assert_true(c->mounts[1].rdwr);
	assert_string_equal(c->mounts[1].propagation, "");
	assert_string_equal(c->mounts[2].source, "");
	assert_string_equal(c->mounts[2].dest, "/scratch");
	assert_int_equal(c->health_len, sizeof("/bin/sh\0-c\0true hc") - 1);
	assert_memory_equal(c->health_argv, "/bin/sh\0-c\0true hc", c->health_len + 1);
	assert_true(c->host_pid && c->host_network && c->host_ipc);
	assert_string_equal(c->ip, "");
	assert_int_equal(c->start_ns, 1796636677203823415ull);
	container_info_free(in.info);
	free(text);

	text = read_data("inspect_running.json");
	assert_int_equal(container_json_parse_inspect(text, strlen(text), &in, err, sizeof(err)),
			 0);
	c = in.info;
	assert_int_equal(c->n_mounts, 0);
	assert_null(c->mounts);
	assert_int_equal(c->health_len, 0);
	assert_false(c->host_pid || c->host_network || c->host_ipc);
	assert_string_equal(c->ip, "172.17.0.3");
	assert_int_equal(c->start_ns, 1795904270386313622ull);
	container_info_free(in.info);
	free(text);
}

/* ["CMD", ...] runs the program itself; NONE means no health check. */
static void test_inspect_health_forms(void **state)
{
	static const char *const tmpl = "{\"Id\":\"%s\",\"Name\":\"/x\",\"Image\":\"i\","
		"\"State\":{\"Pid\":0},\"HostConfig\":{\"Privileged\":false},"
		"\"Config\":{\"Image\":\"i\",\"Healthcheck\":{\"Test\":%s}}%s}";
	struct container_inspect in;
	char text[1024], err[256];

	(void)state;
	snprintf(text, sizeof(text), tmpl, ID_CAP, "[\"CMD\",\"/bin/check\",\"-q\"]", "");
	assert_int_equal(container_json_parse_inspect(text, strlen(text), &in, err, sizeof(err)),
			 0);
	assert_memory_equal(in.info->health_argv, "/bin/check\0-q", in.info->health_len + 1);
	container_info_free(in.info);
	snprintf(text, sizeof(text), tmpl, ID_CAP, "[\"NONE\"]", "");
	assert_int_equal(container_json_parse_inspect(text, strlen(text), &in, err, sizeof(err)),
			 0);
	assert_int_equal(in.info->health_len, 0);
	container_info_free(in.info);
	snprintf(text, sizeof(text), tmpl, ID_CAP, "[\"CMD-SHELL\"]", "");
	assert_int_equal(container_json_parse_inspect(text, strlen(text), &in, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "Healthcheck"));
	snprintf(text, sizeof(text), tmpl, ID_CAP, "[\"CMD\", 7]", "");
	assert_int_equal(container_json_parse_inspect(text, strlen(text), &in, err, sizeof(err)),
			 -EINVAL);
	snprintf(text, sizeof(text), tmpl, ID_CAP, "[]", ",\"Mounts\":[{\"RW\":true}]");
	assert_int_equal(container_json_parse_inspect(text, strlen(text), &in, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "Mounts[0]"));
}

struct bad_file {
	const char *file;
	const char *error; /* a part of the message naming what was wrong */
};

static void test_inspect_malformed_files(void **state)
{
	static const struct bad_file bad[] = {
		{ "inspect_not_found.json", "Id is missing" },
		{ "inspect_truncated.json", "not JSON" },
		{ "inspect_wrong_types.json", "HostConfig.Privileged is not a boolean" },
		{ "inspect_missing_config.json", "Config.Image is missing" },
		{ "inspect_bad_label.json", "Config.Labels.app is not a string" },
		{ "containers_list.json", "not a JSON object" },
	};
	struct container_inspect in;
	char *text, err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		text = read_data(bad[i].file);
		err[0] = '\0';
		assert_int_equal(
			container_json_parse_inspect(text, strlen(text), &in, err, sizeof(err)),
			-EINVAL);
		assert_null(in.info);
		if (!strstr(err, bad[i].error))
			fail_msg("%s: error \"%s\" does not say \"%s\"", bad[i].file, err,
				 bad[i].error);
		free(text);
	}
}

/* Every proper prefix of a real answer is an error, never a crash or a read
 * past the end (ASan watches the latter: each prefix is its own allocation). */
static void test_every_truncation(void **state)
{
	char *text, *cut, err[256];
	struct container_inspect in;
	struct container_event ev;
	char(*ids)[CONTAINER_ID_LEN + 1];
	size_t len, n, k;

	(void)state;
	text = read_data("inspect_running.json");
	len = strcspn(text, "\n");
	for (k = 0; k < len; k++) {
		cut = malloc(k ? k : 1);
		assert_non_null(cut);
		memcpy(cut, text, k);
		assert_int_equal(container_json_parse_inspect(cut, k, &in, err, sizeof(err)),
				 -EINVAL);
		free(cut);
	}
	free(text);

	text = read_data("containers_list.json");
	len = strcspn(text, "\n");
	for (k = 0; k < len; k++) {
		cut = malloc(k ? k : 1);
		assert_non_null(cut);
		memcpy(cut, text, k);
		assert_int_equal(container_json_parse_list(cut, k, &ids, &n, err, sizeof(err)),
				 -EINVAL);
		assert_null(ids);
		free(cut);
	}
	free(text);

	text = read_data("events_lifecycle.jsonl");
	len = strcspn(text, "\n");
	for (k = 0; k < len; k++) {
		cut = malloc(k ? k : 1);
		assert_non_null(cut);
		memcpy(cut, text, k);
		assert_int_equal(container_json_parse_event(cut, k, &ev, err, sizeof(err)),
				 -EINVAL);
		free(cut);
	}
	free(text);
}

struct mutation {
	const char *object; /* "" for the top level, else a key of it */
	const char *key;
	const char *value; /* JSON text; NULL deletes the key */
	const char *error;
};

/* One field at a time, on the real answer: each required field missing or of
 * the wrong type, and the optional ones in their allowed forms. */
static void test_inspect_mutations(void **state)
{
	static const struct mutation m[] = {
		{ "", "Id", NULL, "Id is missing" },
		{ "", "Id", "42", "Id is not a string" },
		{ "", "Id", "\"2496f3319c62\"", "Id is not a 64-hex container id" },
		{ "", "Name", NULL, "Name is missing" },
		{ "", "Name", "[\"/x\"]", "Name is not a string" },
		{ "", "Image", NULL, "Image is missing" },
		{ "", "Image", "null", "Image is not a string" },
		{ "", "Config", "\"palisade-test\"", "Config.Image is missing" },
		{ "Config", "Image", "{}", "Config.Image is not a string" },
		{ "Config", "Labels", "[\"app=web\"]", "Config.Labels is not an object" },
		{ "Config", "Labels", "{\"a\":\"b\",\"c\":null}", "Config.Labels.c is not a string" },
		{ "Config", "Labels", "null", NULL },
		{ "Config", "Labels", NULL, NULL },
		{ "HostConfig", "Privileged", NULL, "HostConfig.Privileged is missing" },
		{ "HostConfig", "Privileged", "1", "HostConfig.Privileged is not a boolean" },
		{ "", "HostConfig", NULL, "HostConfig.Privileged is missing" },
		{ "State", "Pid", NULL, "State.Pid is missing" },
		{ "State", "Pid", "-1", "State.Pid is not a non-negative integer" },
		{ "State", "Pid", "4092.5", "State.Pid is not a non-negative integer" },
		{ "", "State", "[]", "State.Pid is missing" },
	};
	char *text = read_data("inspect_running.json"), *mutated, err[256];
	struct container_inspect in;
	json_t *root, *obj, *val;
	size_t i;
	int ret;

	(void)state;
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		root = json_loads(text, 0, NULL);
		assert_non_null(root);
		obj = m[i].object[0] ? json_object_get(root, m[i].object) : root;
		assert_non_null(obj);
		if (m[i].value) {
			val = json_loads(m[i].value, JSON_DECODE_ANY, NULL);
			assert_non_null(val);
			assert_int_equal(json_object_set_new(obj, m[i].key, val), 0);
		} else {
			assert_int_equal(json_object_del(obj, m[i].key), 0);
		}
		mutated = json_dumps(root, JSON_COMPACT);
		assert_non_null(mutated);
		err[0] = '\0';
		ret = container_json_parse_inspect(mutated, strlen(mutated), &in, err, sizeof(err));
		if (m[i].error && (ret != -EINVAL || !strstr(err, m[i].error)))
			fail_msg("%s.%s=%s: ret %d, error \"%s\", expected \"%s\"", m[i].object,
				 m[i].key, m[i].value ? m[i].value : "(deleted)", ret, err,
				 m[i].error);
		if (!m[i].error && (ret != 0 || in.info->n_labels != 0))
			fail_msg("%s.%s=%s: ret %d (%s)", m[i].object, m[i].key,
				 m[i].value ? m[i].value : "(deleted)", ret, err);
		container_info_free(in.info);
		free(mutated);
		json_decref(root);
	}
	free(text);
}

static void test_list(void **state)
{
	char(*ids)[CONTAINER_ID_LEN + 1];
	char *text, err[256];
	size_t n;

	(void)state;
	text = read_data("containers_list.json");
	assert_int_equal(container_json_parse_list(text, strlen(text), &ids, &n, err, sizeof(err)),
			 0);
	assert_int_equal(n, 2);
	assert_string_equal(ids[0], ID_CAP);
	assert_string_equal(ids[1], ID_T1);
	free(ids);
	free(text);

	assert_int_equal(container_json_parse_list("[]", 2, &ids, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	free(ids);

	text = read_data("containers_list_short_id.json");
	assert_int_equal(container_json_parse_list(text, strlen(text), &ids, &n, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "[1].Id"));
	free(text);
	text = read_data("containers_list_truncated.json");
	assert_int_equal(container_json_parse_list(text, strlen(text), &ids, &n, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "not JSON"));
	free(text);
	text = read_data("inspect_running.json");
	assert_int_equal(container_json_parse_list(text, strlen(text), &ids, &n, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "not a JSON array"));
	free(text);
	assert_int_equal(container_json_parse_list("[1]", 3, &ids, &n, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "[0] is not an object"));
	assert_int_equal(container_json_parse_list("[{}]", 4, &ids, &n, err, sizeof(err)),
			 -EINVAL);
}

static void test_events(void **state)
{
	static const enum container_event_action expected[] = {
		CONTAINER_EV_CREATE, CONTAINER_EV_START,  CONTAINER_EV_OTHER,
		CONTAINER_EV_OTHER,  CONTAINER_EV_OTHER,  CONTAINER_EV_RENAME,
		CONTAINER_EV_OTHER,  CONTAINER_EV_DIE,    CONTAINER_EV_DESTROY,
	};
	char *text = read_data("events_lifecycle.jsonl"), *line, *save = NULL, err[256];
	struct container_event ev;
	size_t i = 0;

	(void)state;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		assert_true(i < sizeof(expected) / sizeof(expected[0]));
		assert_int_equal(container_json_parse_event(line, strlen(line), &ev, err,
							    sizeof(err)),
				 0);
		assert_int_equal(ev.action, expected[i]);
		assert_string_equal(ev.id, ID_EV);
		if (i == 0) { /* the create event names the container and its image */
			assert_string_equal(ev.name, "pal-ctr-ev");
			assert_string_equal(ev.image, "palisade-test");
		}
		i++;
	}
	assert_int_equal(i, sizeof(expected) / sizeof(expected[0]));
	free(text);
}

static void test_events_malformed(void **state)
{
	static const char *const errors[] = {
		"not JSON",
		"Actor.ID is missing",
		"Action is not a string",
		"not a JSON object",
		NULL, /* a network event: not ours, ignored */
	};
	char *text = read_data("events_malformed.jsonl"), *line, *save = NULL, err[256];
	struct container_event ev;
	size_t i = 0;
	int ret;

	(void)state;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		assert_true(i < sizeof(errors) / sizeof(errors[0]));
		err[0] = '\0';
		ret = container_json_parse_event(line, strlen(line), &ev, err, sizeof(err));
		if (errors[i]) {
			assert_int_equal(ret, -EINVAL);
			if (!strstr(err, errors[i]))
				fail_msg("line %zu: \"%s\" does not say \"%s\"", i + 1, err,
					 errors[i]);
		} else {
			assert_int_equal(ret, 0);
			assert_int_equal(ev.action, CONTAINER_EV_OTHER);
		}
		i++;
	}
	assert_int_equal(i, sizeof(errors) / sizeof(errors[0]));
	assert_int_equal(container_json_parse_event("", 0, &ev, err, sizeof(err)), -EINVAL);
	free(text);
}

/* ---- 2. record / replay -------------------------------------------------- */

static struct container_info *running_info(uint64_t cgroup_id)
{
	struct container_inspect in;
	struct container_info *c;
	char *text = read_data("inspect_running.json"), err[256];

	assert_int_equal(container_json_parse_inspect(text, strlen(text), &in, err, sizeof(err)),
			 0);
	c = container_info_pack(in.info, cgroup_id);
	assert_non_null(c);
	container_info_free(in.info);
	free(text);
	return c;
}

static void test_json_round_trip(void **state)
{
	struct container_info *c = running_info(63), *back = NULL, *bare;
	char *json, *again;

	(void)state;
	json = container_info_to_json(c);
	assert_non_null(json);
	assert_null(strchr(json, '\n'));
	assert_non_null(strstr(json, "\"cgroup_id\":63"));
	assert_int_equal(container_info_from_json(json, strlen(json), &back), 0);
	assert_true(container_info_same(c, back));
	assert_int_equal(back->cgroup_id, 63);
	again = container_info_to_json(back);
	assert_string_equal(json, again);
	free(again);
	free(json);
	container_info_free(back);
	container_info_free(c);

	/* mounts, health check, start time and host namespaces survive a record */
	{
		char *t = read_data("inspect_mounts_health.json"), e[128];
		struct container_inspect in;

		assert_int_equal(container_json_parse_inspect(t, strlen(t), &in, e, sizeof(e)), 0);
		json = container_info_to_json(in.info);
		assert_int_equal(container_info_from_json(json, strlen(json), &back), 0);
		assert_true(container_info_same(in.info, back));
		assert_int_equal(back->n_mounts, 3);
		assert_int_equal(back->start_ns, in.info->start_ns);
		free(json);
		container_info_free(back);
		container_info_free(in.info);
		free(t);
	}

	/* id only, and a cgroup id too large for a JSON integer */
	bare = container_info_new_bare(ID_EV, RUNTIME_CRIO, UINT64_MAX);
	json = container_info_to_json(bare);
	assert_non_null(strstr(json, "\"cgroup_id\":\"18446744073709551615\""));
	assert_int_equal(container_info_from_json(json, strlen(json), &back), 0);
	assert_false(back->has_metadata);
	assert_int_equal(back->runtime, RUNTIME_CRIO);
	assert_int_equal(back->cgroup_id, UINT64_MAX);
	assert_string_equal(back->name, "");
	free(json);
	container_info_free(back);
	container_info_free(bare);
	assert_null(container_info_to_json(NULL));
}

static void test_json_from_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"{",
		"[]",
		"{\"runtime\":\"docker\"}",
		"{\"id\":\"" ID_CAP "\"}",
		"{\"id\":\"" ID_CAP "\",\"runtime\":\"host\"}",
		"{\"id\":\"" ID_CAP "\",\"runtime\":\"lxc\"}",
		"{\"id\":\"" ID_CAP "x\",\"runtime\":\"docker\"}",
		"{\"id\":\"" ID_CAP "\",\"runtime\":\"docker\",\"has_metadata\":1}",
		"{\"id\":\"" ID_CAP "\",\"runtime\":\"docker\",\"name\":7}",
		"{\"id\":\"" ID_CAP "\",\"runtime\":\"docker\",\"labels\":[]}",
		"{\"id\":\"" ID_CAP "\",\"runtime\":\"docker\",\"labels\":{\"a\":1}}",
		"{\"id\":\"" ID_CAP "\",\"runtime\":\"docker\",\"cgroup_id\":-1}",
		"{\"id\":\"" ID_CAP "\",\"runtime\":\"docker\",\"cgroup_id\":\"12x\"}",
		"{\"id\":\"" ID_CAP "\",\"runtime\":\"docker\",\"cgroup_id\":1.5}",
		"{\"id\":\"" ID_CAP "\",\"id\":\"" ID_CAP "\",\"runtime\":\"docker\"}",
	};
	struct container_info *c = (void *)1;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (container_info_from_json(bad[i], strlen(bad[i]), &c) != -EINVAL)
			fail_msg("accepted: %s", bad[i]);
		assert_null(c);
	}
}

struct updates {
	int n;
	uint64_t last_cgroup;
	bool last_meta;
};

static void count_update(const struct container_info *c, void *ctx)
{
	struct updates *u = ctx;

	u->n++;
	u->last_cgroup = c->cgroup_id;
	u->last_meta = c->has_metadata;
}

static void test_offline_store(void **state)
{
	struct updates u = { 0 };
	struct container_store_config cfg = { .offline = true, .on_update = count_update,
					      .ctx = &u,
					      /* ignored when offline: never touched */
					      .docker_socket = "/nonexistent.sock" };
	struct container_info *full = running_info(63), *bare;
	const struct container_info *a, *b;
	struct container_store_stats st;
	struct container_store *s;
	char *j_bare, *j_full;

	(void)state;
	bare = container_info_new_bare(ID_CAP, RUNTIME_DOCKER, 63);
	j_bare = container_info_to_json(bare);
	j_full = container_info_to_json(full);
	assert_int_equal(container_store_new(&cfg, &s), 0);
	assert_int_equal(container_store_start(s), 0);

	assert_null(container_store_lookup(s, 63)); /* nothing recorded yet: host */
	assert_int_equal(container_store_put_json(s, j_bare), 0);
	a = container_store_lookup(s, 63);
	assert_non_null(a);
	assert_false(a->has_metadata);
	assert_string_equal(a->id, ID_CAP);
	assert_int_equal(u.n, 1);

	/* the metadata arrives, as in the recorded run: a new copy, the old stays valid */
	assert_int_equal(container_store_put_json(s, j_full), 0);
	b = container_store_lookup(s, 63);
	assert_non_null(b);
	assert_true(b != a);
	assert_true(container_info_same(b, full));
	assert_int_equal(b->cgroup_id, 63);
	assert_string_equal(a->id, ID_CAP); /* retired, not freed */
	assert_int_equal(u.n, 2);
	assert_true(u.last_meta);

	assert_null(container_store_lookup(s, 64));
	assert_null(container_store_lookup(s, 0));
	assert_int_equal(container_store_put_json(s, "{\"id\":1}"), -EINVAL);
	assert_int_equal(container_store_put_json(s, NULL), -EINVAL);

	container_store_stats(s, &st);
	assert_int_equal(st.containers, 1);
	assert_int_equal(st.cgroups, 1);
	assert_false(st.engine_connected);
	assert_int_equal(st.lookups_unresolved, 0);

	container_store_free(s);
	free(j_bare);
	free(j_full);
	container_info_free(bare);
	container_info_free(full);
}

/* ---- 3. the store against a fake daemon ----------------------------------- */

#define MAX_ROUTES 8
#define MAX_EVENTS 32
#define MAX_CONNS 256

struct route {
	char id[CONTAINER_ID_LEN + 1];
	char *body;
};

struct fake {
	char dir[64];
	char sock[96]; /* fits sun_path */
	int listen_fd;
	pthread_t accept_thread;
	bool running;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
	char *list;
	struct route inspect[MAX_ROUTES];
	int ninspect;
	char *events[MAX_EVENTS];
	int nevents;
	int events_served;
	pthread_t conns[MAX_CONNS];
	int nconns;
};

static void send_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

static void reply(int fd, int status, const char *body)
{
	char head[256];

	snprintf(head, sizeof(head),
		 "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
		 "Connection: close\r\n\r\n",
		 status, status == 200 ? "OK" : "Not Found", strlen(body));
	send_all(fd, head, strlen(head));
	send_all(fd, body, strlen(body));
}

/* Sends every event line queued, now and later, until stopped. */
static void serve_events(struct fake *f, int fd)
{
	static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
				   "Transfer-Encoding: chunked\r\n\r\n";
	char chunk[8192];
	int sent;

	send_all(fd, head, sizeof(head) - 1);
	pthread_mutex_lock(&f->lock);
	f->events_served++;
	sent = f->nevents; /* like Docker: only what happens from now on */
	while (!f->stop) {
		while (sent < f->nevents) {
			snprintf(chunk, sizeof(chunk), "%zx\r\n%s\n\r\n",
				 strlen(f->events[sent]) + 1, f->events[sent]);
			sent++;
			send_all(fd, chunk, strlen(chunk));
		}
		pthread_cond_wait(&f->cond, &f->lock);
	}
	pthread_mutex_unlock(&f->lock);
}

struct conn_arg {
	struct fake *f;
	int fd;
};

static void *serve_conn(void *arg)
{
	struct conn_arg *ca = arg;
	struct fake *f = ca->f;
	char req[8192] = "", path[512], id[CONTAINER_ID_LEN + 1];
	size_t len = 0;
	ssize_t n;
	int i, fd = ca->fd;

	free(ca);
	while (len < sizeof(req) - 1 && !strstr(req, "\r\n\r\n")) {
		n = recv(fd, req + len, sizeof(req) - 1 - len, 0);
		if (n <= 0)
			goto out;
		len += (size_t)n;
		req[len] = '\0';
	}
	if (sscanf(req, "GET %511s ", path) != 1)
		goto out;
	if (strncmp(path, "/v1.41/events?", 14) == 0) {
		serve_events(f, fd);
		goto out;
	}
	pthread_mutex_lock(&f->lock);
	if (strcmp(path, "/v1.41/containers/json") == 0) {
		reply(fd, 200, f->list);
	} else if (sscanf(path, "/v1.41/containers/%64[0-9a-f]/json", id) == 1) {
		for (i = 0; i < f->ninspect && strcmp(f->inspect[i].id, id) != 0; i++)
			;
		if (i < f->ninspect)
			reply(fd, 200, f->inspect[i].body);
		else
			reply(fd, 404, "{\"message\":\"No such container\"}");
	} else {
		reply(fd, 404, "{\"message\":\"page not found\"}");
	}
	pthread_mutex_unlock(&f->lock);
out:
	close(fd);
	return NULL;
}

static void *accept_loop(void *arg)
{
	struct fake *f = arg;
	struct pollfd p = { .fd = f->listen_fd, .events = POLLIN };
	struct conn_arg *ca;
	int fd;

	for (;;) {
		pthread_mutex_lock(&f->lock);
		if (f->stop) {
			pthread_mutex_unlock(&f->lock);
			return NULL;
		}
		pthread_mutex_unlock(&f->lock);
		if (poll(&p, 1, 20) <= 0)
			continue;
		fd = accept4(f->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		/* No cmocka asserts here: they may only fail on the test's own thread. */
		ca = malloc(sizeof(*ca));
		pthread_mutex_lock(&f->lock);
		if (ca && f->nconns < MAX_CONNS) {
			ca->f = f;
			ca->fd = fd;
			if (pthread_create(&f->conns[f->nconns], NULL, serve_conn, ca) == 0) {
				f->nconns++;
				ca = NULL;
				fd = -1;
			}
		}
		pthread_mutex_unlock(&f->lock);
		free(ca);
		if (fd >= 0)
			close(fd);
	}
}

static void fake_up(struct fake *f)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };

	f->stop = false;
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", f->sock);
	f->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(f->listen_fd >= 0);
	assert_int_equal(bind(f->listen_fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(f->listen_fd, 16), 0);
	assert_int_equal(pthread_create(&f->accept_thread, NULL, accept_loop, f), 0);
	f->running = true;
}

/* Like dockerd exiting: every connection closes, the socket disappears. */
static void fake_down(struct fake *f)
{
	int i;

	if (!f->running)
		return;
	pthread_mutex_lock(&f->lock);
	f->stop = true;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
	pthread_join(f->accept_thread, NULL);
	for (i = 0; i < f->nconns; i++)
		pthread_join(f->conns[i], NULL);
	f->nconns = 0;
	close(f->listen_fd);
	unlink(f->sock);
	f->running = false;
}

static void fake_set_inspect(struct fake *f, const char *id, const char *file)
{
	char *body = read_data(file);
	int i;

	pthread_mutex_lock(&f->lock);
	for (i = 0; i < f->ninspect && strcmp(f->inspect[i].id, id) != 0; i++)
		;
	assert_true(i < MAX_ROUTES);
	if (i == f->ninspect)
		f->ninspect++;
	free(f->inspect[i].body);
	snprintf(f->inspect[i].id, sizeof(f->inspect[i].id), "%s", id);
	f->inspect[i].body = body;
	pthread_mutex_unlock(&f->lock);
}

static void fake_set_list(struct fake *f, const char *body)
{
	pthread_mutex_lock(&f->lock);
	free(f->list);
	f->list = strdup(body);
	pthread_mutex_unlock(&f->lock);
}

static void fake_event(struct fake *f, const char *line)
{
	pthread_mutex_lock(&f->lock);
	assert_true(f->nevents < MAX_EVENTS);
	f->events[f->nevents++] = strdup(line);
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
}

/* The daemon's socket, and a cgroup-like tree with one directory per id. */
struct env {
	struct fake f;
	char cgroot[96];
	char cgdirs[4][256];
	int ndirs;
	struct updates u;
	struct container_store *s;
};

static uint64_t cg_of(struct env *e, const char *id)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/docker/%s", e->cgroot, id);
	assert_int_equal(stat(path, &st), 0);
	return (uint64_t)st.st_ino;
}

static int env_setup(void **state)
{
	static const char *const ids[] = { ID_CAP, ID_EV, ID_T1 };
	struct env *e = calloc(1, sizeof(*e));
	size_t i;

	assert_non_null(e);
	snprintf(e->f.dir, sizeof(e->f.dir), "/tmp/palisade-dockertest-XXXXXX");
	assert_non_null(mkdtemp(e->f.dir));
	snprintf(e->f.sock, sizeof(e->f.sock), "%s/docker.sock", e->f.dir);
	pthread_mutex_init(&e->f.lock, NULL);
	pthread_cond_init(&e->f.cond, NULL);
	e->f.list = strdup("[]");
	snprintf(e->cgroot, sizeof(e->cgroot), "%s/cg", e->f.dir);
	assert_int_equal(mkdir(e->cgroot, 0755), 0);
	snprintf(e->cgdirs[e->ndirs], sizeof(e->cgdirs[0]), "%s/docker", e->cgroot);
	assert_int_equal(mkdir(e->cgdirs[e->ndirs++], 0755), 0);
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		snprintf(e->cgdirs[e->ndirs], sizeof(e->cgdirs[0]), "%s/docker/%s", e->cgroot, ids[i]);
		assert_int_equal(mkdir(e->cgdirs[e->ndirs++], 0755), 0);
	}
	*state = e;
	return 0;
}

static int env_teardown(void **state)
{
	struct env *e = *state;
	int i;

	container_store_free(e->s);
	fake_down(&e->f);
	for (i = e->ndirs - 1; i >= 0; i--)
		rmdir(e->cgdirs[i]);
	rmdir(e->cgroot);
	rmdir(e->f.dir);
	for (i = 0; i < e->f.ninspect; i++)
		free(e->f.inspect[i].body);
	for (i = 0; i < e->f.nevents; i++)
		free(e->f.events[i]);
	free(e->f.list);
	pthread_cond_destroy(&e->f.cond);
	pthread_mutex_destroy(&e->f.lock);
	free(e);
	return 0;
}

static void env_store(struct env *e)
{
	struct container_store_config cfg = { .docker_socket = e->f.sock,
					      .cgroup2_root = e->cgroot,
					      .on_update = count_update,
					      .ctx = &e->u };

	assert_int_equal(container_store_new(&cfg, &e->s), 0);
	assert_int_equal(container_store_start(e->s), 0);
}

static struct container_store_stats stats_of(struct env *e)
{
	struct container_store_stats st;

	container_store_stats(e->s, &st);
	return st;
}

/* Conditions that depend on the store's threads: polled, with a generous
 * bound that only a hang reaches. */
#define WAIT_UNTIL(expr)                                              \
	do {                                                          \
		int tries_;                                           \
		for (tries_ = 0; tries_ < 1000 && !(expr); tries_++)  \
			usleep(10 * 1000);                            \
		if (!(expr))                                          \
			fail_msg("timed out waiting for: %s", #expr); \
	} while (0)

static const struct container_info *wait_meta(struct env *e, uint64_t cg)
{
	const struct container_info *c;

	WAIT_UNTIL((c = container_store_lookup(e->s, cg)) && c->has_metadata);
	return c;
}

static char *event_line(int n)
{
	char *text = read_data("events_lifecycle.jsonl"), *line = text, *end, *out;

	while (n-- > 0)
		line = strchr(line, '\n') + 1;
	end = strchr(line, '\n');
	out = strndup(line, (size_t)(end - line));
	free(text);
	return out;
}

/* Containers running before the agent come from the seed; later ones from
 * /events; bad event lines are counted and skipped. */
static void test_engine_seed_and_events(void **state)
{
	struct env *e = *state;
	const struct container_info *c;
	char *text, *line, *save = NULL;
	uint64_t errors;

	fake_set_inspect(&e->f, ID_CAP, "inspect_running.json");
	/* ID_T1 is listed but gone by the time it is inspected: a 404 */
	text = read_data("containers_list.json");
	fake_set_list(&e->f, text);
	free(text);
	fake_up(&e->f);
	env_store(e);

	WAIT_UNTIL(stats_of(e).containers >= 1); /* before any lookup: the seed */
	assert_true(stats_of(e).engine_connected);
	c = container_store_lookup(e->s, cg_of(e, ID_CAP));
	assert_non_null(c);
	assert_true(c->has_metadata);
	assert_string_equal(c->name, "pal-ctr-cap");
	assert_string_equal(c->image, "palisade-test");
	assert_string_equal(container_info_label(c, "app"), "web");
	assert_int_equal(c->cgroup_id, cg_of(e, ID_CAP));
	assert_null(container_store_lookup(e->s, cg_of(e, ID_T1) + 1000000)); /* no such id */

	/* create + start of a new container: described before its first lookup */
	fake_set_inspect(&e->f, ID_EV, "inspect_renamed.json");
	line = event_line(0);
	fake_event(&e->f, line);
	free(line);
	line = event_line(1);
	fake_event(&e->f, line);
	free(line);
	WAIT_UNTIL(stats_of(e).containers >= 2);
	c = wait_meta(e, cg_of(e, ID_EV));
	assert_string_equal(c->name, "pal-ctr-ev2");

	errors = stats_of(e).engine_errors;
	text = read_data("events_malformed.jsonl");
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		fake_event(&e->f, line);
	free(text);
	WAIT_UNTIL(stats_of(e).engine_errors >= errors + 4);
	assert_true(stats_of(e).engine_connected); /* the stream goes on */
	assert_true(e->u.n >= 2);
}

/* The first exec of a container can come before the engine has said anything:
 * the lookup answers at once with the id, and the metadata follows. */
static void test_engine_id_first_then_metadata(void **state)
{
	struct env *e = *state;
	const struct container_info *first, *later;

	fake_up(&e->f);
	env_store(e);
	WAIT_UNTIL(stats_of(e).engine_connected);
	fake_set_inspect(&e->f, ID_CAP, "inspect_running.json");

	first = container_store_lookup(e->s, cg_of(e, ID_CAP));
	assert_non_null(first);
	assert_string_equal(first->id, ID_CAP);
	assert_int_equal(first->runtime, RUNTIME_DOCKER);
	assert_string_equal(first->name, "");
	later = wait_meta(e, cg_of(e, ID_CAP));
	assert_string_equal(later->name, "pal-ctr-cap");
	assert_string_equal(first->id, ID_CAP); /* still readable: retired, not freed */
	assert_true(e->u.n >= 2);
	assert_true(e->u.last_meta);
	assert_int_equal(e->u.last_cgroup, cg_of(e, ID_CAP));
}

/* A malformed inspect answer is counted and logged; the entry keeps its id,
 * and a later good answer (the retry) gives it its metadata. */
static void test_engine_malformed_inspect(void **state)
{
	struct env *e = *state;
	const struct container_info *c;

	fake_set_inspect(&e->f, ID_CAP, "inspect_truncated.json");
	fake_set_inspect(&e->f, ID_EV, "inspect_wrong_types.json");
	fake_up(&e->f);
	env_store(e);
	WAIT_UNTIL(stats_of(e).engine_connected);

	c = container_store_lookup(e->s, cg_of(e, ID_CAP));
	assert_non_null(c);
	assert_false(c->has_metadata);
	/* inspect_wrong_types.json is about ID_CAP: rejected for ID_EV as well */
	c = container_store_lookup(e->s, cg_of(e, ID_EV));
	assert_non_null(c);
	WAIT_UNTIL(stats_of(e).engine_errors >= 2);
	c = container_store_lookup(e->s, cg_of(e, ID_CAP));
	assert_false(c->has_metadata);

	fake_set_inspect(&e->f, ID_CAP, "inspect_running.json");
	c = wait_meta(e, cg_of(e, ID_CAP));
	assert_string_equal(c->name, "pal-ctr-cap");
	c = container_store_lookup(e->s, cg_of(e, ID_EV));
	assert_false(c->has_metadata);
}

/* No daemon at all: nothing stops, containers are known by id. */
static void test_engine_absent(void **state)
{
	struct env *e = *state;
	const struct container_info *c;
	struct container_store_stats st;

	env_store(e); /* the fake is not up: its socket does not exist */
	c = container_store_lookup(e->s, cg_of(e, ID_CAP));
	assert_non_null(c);
	assert_string_equal(c->id, ID_CAP);
	assert_false(c->has_metadata);
	st = stats_of(e);
	assert_false(st.engine_connected);
	assert_true(st.engine_errors >= 1);
	assert_int_equal(st.lookups_unresolved, 0);
	assert_int_equal(st.lookups_missed, 1);
	assert_true(container_store_lookup(e->s, cg_of(e, ID_CAP)) == c); /* a hit */
	assert_int_equal(stats_of(e).lookups_missed, 1);
}

/* dockerd restarts: the stream reconnects, the store re-seeds, and a
 * container seen while the daemon was away gets its metadata. */
static void test_engine_restart(void **state)
{
	struct env *e = *state;
	const struct container_info *c;
	char list[256];

	fake_up(&e->f);
	env_store(e);
	WAIT_UNTIL(stats_of(e).engine_connected);

	fake_down(&e->f);
	WAIT_UNTIL(!stats_of(e).engine_connected);
	c = container_store_lookup(e->s, cg_of(e, ID_EV));
	assert_non_null(c);
	assert_false(c->has_metadata);

	snprintf(list, sizeof(list), "[{\"Id\":\"%s\"}]", ID_EV);
	fake_set_list(&e->f, list);
	fake_set_inspect(&e->f, ID_EV, "inspect_renamed.json");
	fake_up(&e->f);
	WAIT_UNTIL(stats_of(e).engine_connected);
	c = wait_meta(e, cg_of(e, ID_EV));
	assert_string_equal(c->name, "pal-ctr-ev2");
	assert_true(stats_of(e).engine_reconnects >= 1);
	pthread_mutex_lock(&e->f.lock);
	assert_true(e->f.events_served >= 1);
	pthread_mutex_unlock(&e->f.lock);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inspect_running),
		cmocka_unit_test(test_inspect_variants),
		cmocka_unit_test(test_inspect_engine_facts),
		cmocka_unit_test(test_inspect_health_forms),
		cmocka_unit_test(test_inspect_malformed_files),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_inspect_mutations),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_events_malformed),
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_json_from_malformed),
		cmocka_unit_test(test_offline_store),
		cmocka_unit_test_setup_teardown(test_engine_seed_and_events, env_setup,
						env_teardown),
		cmocka_unit_test_setup_teardown(test_engine_id_first_then_metadata, env_setup,
						env_teardown),
		cmocka_unit_test_setup_teardown(test_engine_malformed_inspect, env_setup,
						env_teardown),
		cmocka_unit_test_setup_teardown(test_engine_absent, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_engine_restart, env_setup, env_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
