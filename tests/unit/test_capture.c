/*
 * capture/: the per-container rings on synthetic records (a window by time,
 * the oldest giving way with the count of what was lost, records larger
 * than a ring, the least recent container giving way) and a bundle written
 * into a temporary directory (every file in the manifest with the SHA-256
 * of its bytes; the recording readable by record/). No kernel, no daemon.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "capture/capture.h"
#include "events.h"
#include "record/record.h"

#define S 1000000000ull

/* A record of `size` bytes: an ev_header, then filler. */
static void *rec(uint64_t cg, uint64_t ts, size_t size)
{
	static uint8_t buf[4096];
	struct ev_header *h = (struct ev_header *)buf;

	memset(buf, 0xab, sizeof(buf));
	memset(h, 0, sizeof(*h));
	h->cgroup_id = cg;
	h->ts_ns = ts;
	h->size = (uint32_t)size;
	h->pid = (uint32_t)(ts / S);
	return buf;
}

/* The timestamps of the frames of a window. */
static size_t stamps(const void *buf, size_t len, uint64_t *out, size_t max)
{
	const uint8_t *p = buf;
	size_t n = 0;

	while (len && n < max) {
		uint32_t l;
		struct ev_header h;

		memcpy(&l, p, 4);
		memcpy(&h, p + 4, sizeof(h));
		assert_int_equal(h.size, l);
		out[n++] = h.ts_ns;
		p += 4 + l;
		len -= 4 + l;
	}
	return n;
}

static void test_window(void **state)
{
	struct capture_rings *r;
	uint64_t ts[64], lost;
	size_t len, n, sz = sizeof(struct ev_header) + 36;
	void *buf;

	(void)state;
	assert_int_equal(capture_rings_new(10 * (sz + 4), 4, &r), 0);
	for (uint64_t t = 1; t <= 8; t++)
		capture_rings_append(r, rec(7, t * S, sz), sz);
	capture_rings_append(r, rec(9, 5 * S, sz), sz); /* another container */
	assert_int_equal(capture_rings_window(r, 7, 5 * S, &buf, &len, &n, &lost), 0);
	assert_int_equal(n, 4);
	assert_int_equal(stamps(buf, len, ts, 64), 4);
	assert_int_equal(ts[0], 5 * S);
	assert_int_equal(ts[3], 8 * S);
	assert_int_equal(lost, 0);
	free(buf);
	/* 15 more: the ring holds 10, the oldest went, counted. */
	for (uint64_t t = 9; t <= 23; t++)
		capture_rings_append(r, rec(7, t * S, sz), sz);
	assert_int_equal(capture_rings_window(r, 7, 0, &buf, &len, &n, &lost), 0);
	assert_int_equal(n, 10);
	assert_int_equal(stamps(buf, len, ts, 64), 10);
	assert_int_equal(ts[0], 14 * S);
	assert_int_equal(ts[9], 23 * S);
	assert_int_equal(lost, 13);
	free(buf);
	/* Nothing for an unknown cgroup, nor after the last record. */
	assert_int_equal(capture_rings_window(r, 8, 0, &buf, &len, &n, &lost), 0);
	assert_null(buf);
	assert_int_equal(capture_rings_window(r, 7, 24 * S, &buf, &len, &n, &lost), 0);
	assert_int_equal(n, 0);
	capture_rings_free(r);
}

static void test_bounds(void **state)
{
	struct capture_rings *r;
	struct capture_rings_stats st;
	size_t len, n, sz = sizeof(struct ev_header) + 8;
	uint64_t lost;
	void *buf;

	(void)state;
	assert_int_equal(capture_rings_new(512, 2, &r), 0);
	capture_rings_append(r, rec(1, S, 1000), 1000); /* larger than a ring */
	capture_rings_append(r, rec(1, 2 * S, sz), sz);
	capture_rings_append(r, rec(2, 3 * S, sz), sz);
	capture_rings_append(r, rec(1, 4 * S, sz), sz);
	capture_rings_append(r, rec(3, 5 * S, sz), sz); /* 2 wrote least recently: it goes */
	capture_rings_stats(r, &st);
	assert_int_equal(st.too_large, 1);
	assert_int_equal(st.containers, 2);
	assert_int_equal(st.evicted_containers, 1);
	assert_int_equal(capture_rings_window(r, 2, 0, &buf, &len, &n, &lost), 0);
	assert_null(buf);
	assert_int_equal(capture_rings_window(r, 1, 0, &buf, &len, &n, &lost), 0);
	assert_int_equal(n, 2);
	free(buf);
	capture_rings_free(r);
}

/* Reads a whole file of dir. */
static char *slurp(const char *dir, const char *name, size_t *len)
{
	char path[1200];
	FILE *f;
	char *buf = malloc(1 << 20);

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	buf[*len] = '\0';
	return buf;
}

static void test_bundle(void **state)
{
	char tmp[] = "/tmp/palisade-capture-XXXXXX", dir[1200], bundle[800], recpath[1300];
	struct capture_config cfg = { .window_s = 30, .max_bytes = 1 << 20,
				      .hash_max_bytes = 1024, .per_minute = 1,
				      .hostname = "unit" };
	struct capture_job j = { .token = 3, .cgroup_id = 7, .time_ns = 1700000000ull * S,
				 .pid = 999999999 };
	struct capture_rings *r;
	struct action_result res = { 0 };
	struct record_reader *rd;
	json_t *m, *f;
	const void *data;
	uint32_t type;
	size_t len, i, frames = 0;
	char *text;

	(void)state;
	assert_non_null(mkdtemp(tmp));
	snprintf(dir, sizeof(dir), "%s/captures", tmp);
	cfg.dir = dir;
	assert_int_equal(capture_rings_new(4096, 2, &r), 0);
	for (uint64_t t = 1; t <= 3; t++)
		capture_rings_append(r, rec(7, t * S, 200), 200);
	assert_int_equal(capture_rings_window(r, 7, 0, &j.events, &j.events_len, &j.n_events,
					      &j.events_lost), 0);
	snprintf(j.id, sizeof(j.id), "%s", "0123456789abcdef");
	snprintf(j.rule, sizeof(j.rule), "%s", "unit rule");
	j.alert_json = strdup("{\"rule\":\"unit rule\"}");
	j.container_json = strdup("{\"id\":\"0123456789abcdef\",\"cgroup_id\":7}");
	capture_bundle_write(&cfg, &j, &res);
	assert_int_equal(res.outcome, ACTION_DONE);
	assert_int_equal(res.n_extra, 2);
	assert_string_equal(res.extra[0].key, "bundle");
	snprintf(bundle, sizeof(bundle), "%s", res.extra[0].value);
	text = slurp(bundle, "manifest.json", &len);
	m = json_loads(text, 0, NULL);
	assert_non_null(m);
	free(text);
	assert_int_equal(json_integer_value(json_object_get(m, "events")), 3);
	/* Every file listed, with the SHA-256 its bytes have (checked by sha256sum). */
	json_array_foreach(json_object_get(m, "files"), i, f) {
		char cmd[1200], out[128] = "";
		FILE *p;

		snprintf(cmd, sizeof(cmd), "sha256sum '%s/%s'", bundle,
			 json_string_value(json_object_get(f, "name")));
		p = popen(cmd, "r");
		assert_non_null(fgets(out, sizeof(out), p));
		pclose(p);
		assert_memory_equal(out, json_string_value(json_object_get(f, "sha256")), 64);
	}
	assert_true(json_array_size(json_object_get(m, "files")) >= 3);
	/* No engine, a pid that does not exist: said, not silent. */
	assert_true(json_array_size(json_object_get(m, "errors")) >= 1);
	json_decref(m);
	/* The recording: its container frame, then the 3 records. */
	snprintf(recpath, sizeof(recpath), "%s/events.rec", bundle);
	assert_int_equal(record_reader_open(recpath, &rd), 0);
	while (record_read(rd, &type, &data, &len) > 0)
		frames += type == FRAME_EVENT;
	record_reader_close(rd);
	assert_int_equal(frames, 3);
	/* The same bundle name again is refused, with why. */
	memset(&res, 0, sizeof(res));
	capture_bundle_write(&cfg, &j, &res);
	assert_int_equal(res.outcome, ACTION_FAILED);
	assert_non_null(strstr(res.detail, "cannot create"));
	free(j.alert_json);
	free(j.container_json);
	free(j.events);
	capture_rings_free(r);
	snprintf(recpath, sizeof(recpath), "rm -rf '%s'", tmp);
	assert_int_equal(system(recpath), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_bundle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
