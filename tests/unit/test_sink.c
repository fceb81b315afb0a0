/* The sink framework: queue, backoff, spool file, records, and a set of sinks
 * driven through a test sink type (order kept through the spool, retries,
 * drops counted, the detection side never blocked). */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "output/sink.h"
#include "output/sink_internal.h"

static struct sink_record *rec(const char *json, enum rules_priority prio)
{
	struct sink_record f = { .time_ns = 42, .priority = prio, .rule = "r", .source = "syscall",
				 .output = "out", .hostname = "h", .container_id = "abc",
				 .container_name = "n", .container_image = NULL, .pid = 7,
				 .json = json, .json_len = strlen(json) };
	struct sink_record *r = sink_record_new(&f);

	assert_non_null(r);
	return r;
}

static void test_record_copies_and_refcounts(void **state)
{
	char json[] = "{\"a\":1}";
	struct sink_record *r = rec(json, RULES_PRIO_ERROR);

	(void)state;
	json[1] = 'X'; /* the record owns its copy */
	assert_string_equal(r->json, "{\"a\":1}");
	assert_int_equal(r->json_len, 7);
	assert_string_equal(r->container_image, ""); /* NULL becomes "" */
	assert_int_equal(r->pid, 7);
	assert_ptr_equal(sink_record_ref(r), r);
	sink_record_unref(r);
	sink_record_unref(r); /* ASan reports a leak or a double free */
	sink_record_unref(NULL);
}

static void test_queue_bounded_fifo(void **state)
{
	struct sink_queue q;
	struct sink_record *a = rec("a", 0), *b = rec("b", 0), *c = rec("c", 0);

	(void)state;
	assert_int_equal(sink_queue_init(&q, 2), 0);
	assert_null(sink_queue_pop(&q));
	assert_int_equal(sink_queue_push(&q, a), 0);
	assert_int_equal(sink_queue_push(&q, b), 0);
	assert_int_equal(sink_queue_push(&q, c), -ENOSPC);
	assert_ptr_equal(sink_queue_pop(&q), a);
	assert_int_equal(sink_queue_push(&q, c), 0); /* wraps around */
	assert_ptr_equal(sink_queue_pop(&q), b);
	sink_record_unref(a);
	sink_record_unref(b);
	sink_queue_release(&q); /* drops c's reference */
}

static void test_backoff_doubles_and_caps(void **state)
{
	(void)state;
	assert_int_equal(sink_backoff_ms(200, 0), 200);
	assert_int_equal(sink_backoff_ms(200, 1), 400);
	assert_int_equal(sink_backoff_ms(200, 3), 1600);
	assert_int_equal(sink_backoff_ms(200, 40), SINK_BACKOFF_MAX_MS);
	assert_int_equal(sink_backoff_ms(UINT32_MAX, 0), SINK_BACKOFF_MAX_MS);
}

static char tmpdir[64];

static int make_tmpdir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/palisade-sink-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void expect_front(struct sink_spool *sp, const char *json)
{
	struct sink_record *r;

	assert_int_equal(sink_spool_peek(sp, &r), 0);
	assert_non_null(r);
	assert_string_equal(r->json, json);
	assert_string_equal(r->rule, "r");
	assert_string_equal(r->container_id, "abc");
	assert_int_equal(r->time_ns, 42);
	assert_int_equal(r->priority, RULES_PRIO_WARNING);
	assert_int_equal(r->pid, 7);
	sink_record_unref(r);
	assert_int_equal(sink_spool_advance(sp), 0);
}

static void test_spool_order_cap_restart_and_damage(void **state)
{
	struct sink_spool sp;
	struct sink_record *r1 = rec("{\"n\":1}", RULES_PRIO_WARNING),
			   *r2 = rec("{\"n\":2}", RULES_PRIO_WARNING),
			   *r3 = rec("{\"n\":3}", RULES_PRIO_WARNING), *r, *recs[2];
	size_t saved;
	char path[128];
	struct stat st;
	FILE *f;

	(void)state;
	assert_int_equal(sink_spool_open(&sp, tmpdir, "t", 4096), 0);
	assert_true(sink_spool_empty(&sp));
	assert_int_equal(sink_spool_append(&sp, r3), 0);
	/* Older records go in front of what the spool holds. */
	recs[0] = r1;
	recs[1] = r2;
	assert_int_equal(sink_spool_prepend(&sp, recs, 2, &saved), 0);
	assert_int_equal(saved, 2);
	expect_front(&sp, "{\"n\":1}");
	/* Exit with two undelivered: kept, compacted, delivered first after a start. */
	sink_spool_close(&sp);
	assert_int_equal(sink_spool_open(&sp, tmpdir, "t", 4096), 0);
	expect_front(&sp, "{\"n\":2}");
	expect_front(&sp, "{\"n\":3}");
	assert_true(sink_spool_empty(&sp));
	snprintf(path, sizeof(path), "%s/t.spool", tmpdir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 0); /* emptied once delivered */

	/* The cap: what would pass max_bytes is refused, not half-written. */
	while (sink_spool_append(&sp, r1) == 0)
		;
	assert_int_equal(sink_spool_append(&sp, r1), -ENOSPC);
	assert_true(sink_spool_bytes(&sp) <= 4096);
	sink_spool_close(&sp);

	/* A record cut by a crash: refused as damaged, counted, skipped. */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("PSP1garbage", f);
	fclose(f);
	assert_int_equal(sink_spool_open(&sp, tmpdir, "t", 4096), 0);
	assert_int_equal(sink_spool_peek(&sp, &r), -EBADMSG);
	assert_null(r);
	assert_int_equal(sp.corrupt, 1);
	assert_true(sink_spool_empty(&sp));
	sink_spool_close(&sp);
	sink_record_unref(r1);
	sink_record_unref(r2);
	sink_record_unref(r3);
}

/* ---- a test sink type: records what it took, fails while `down` ---- */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static bool down, gate_closed, in_deliver;
static char got[64][32];
static size_t n_got;

static int test_deliver(void *st, const struct sink_record *r)
{
	int err = 0;

	(void)st;
	pthread_mutex_lock(&lock);
	in_deliver = true;
	pthread_cond_broadcast(&changed);
	while (gate_closed)
		pthread_cond_wait(&changed, &lock);
	if (down)
		err = -ECONNREFUSED;
	else if (n_got < 64)
		snprintf(got[n_got++], sizeof(got[0]), "%s", r->json);
	pthread_mutex_unlock(&lock);
	return err;
}

static const struct sink_ops test_ops = { .deliver = test_deliver };

static int test_create(const struct sink_cfg *cfg, void **st, const struct sink_ops **ops)
{
	(void)cfg;
	*st = NULL;
	*ops = &test_ops;
	return 0;
}

static void reset(bool is_down)
{
	pthread_mutex_lock(&lock);
	down = is_down;
	gate_closed = in_deliver = false;
	n_got = 0;
	pthread_mutex_unlock(&lock);
}

static void set_down(bool v)
{
	pthread_mutex_lock(&lock);
	down = v;
	pthread_mutex_unlock(&lock);
}

/* Polls the counters until `ok` holds (bounded: 10 s). */
static bool failed_once(const struct sink_stats *st) { return st->failed >= 1; }
static bool delivered5(const struct sink_stats *st) { return st->delivered == 5; }

static struct sink_stats wait_stats(struct sink_set *s, bool (*ok)(const struct sink_stats *))
{
	struct sink_stats st;
	int i;

	for (i = 0; i < 10000; i++) {
		sink_set_stats(s, &st, 1);
		if (ok(&st))
			return st;
		usleep(1000);
	}
	fail_msg("counters never reached the expected state: delivered %llu failed %llu "
		 "dropped %llu spooled %llu",
		 (unsigned long long)st.delivered, (unsigned long long)st.failed,
		 (unsigned long long)st.dropped, (unsigned long long)st.spooled);
	return st;
}

static struct sink_cfg test_cfg(void)
{
	return (struct sink_cfg){ .type = "test", .create = test_create, .name = "t1",
				  .min_priority = RULES_PRIO_DEBUG,
				  .queue_size = 16, .spool_max_bytes = 1 << 20, .retries = 1,
				  .backoff_ms = 1 };
}

static void submit(struct sink_set *s, const char *json, enum rules_priority prio)
{
	struct sink_record *r = rec(json, prio);

	sink_set_submit(s, r);
	sink_record_unref(r);
}

/* A sink is made by the constructor its configuration names; none: refused. */
static void test_constructor_from_the_configuration(void **state)
{
	struct sink_cfg c = test_cfg();
	struct sink_set *s;

	(void)state;
	assert_int_equal(sink_set_new(&c, 1, &s), 0);
	assert_int_equal(sink_set_count(s), 1);
	sink_set_free(s);
	c.create = NULL;
	assert_int_not_equal(sink_set_new(&c, 1, &s), 0);
	assert_null(s);
}

static bool failed_twice(const struct sink_stats *st) { return st->failed >= 2; }
static bool delivered6(const struct sink_stats *st) { return st->delivered == 6 && !st->spool_bytes; }

static void expect_got(const char *const *want, size_t n)
{
	size_t i;

	assert_int_equal(n_got, n);
	for (i = 0; i < n; i++)
		assert_string_equal(got[i], want[i]);
}

static const char *const a_to_f[] = { "a", "b", "c", "d", "e", "f" };

/* The receiver fails: what was queued and what comes next go to the spool,
 * and all of it arrives in order once the receiver is back. */
static void test_spool_keeps_everything_in_order(void **state)
{
	struct sink_cfg c = test_cfg();
	struct sink_set *s;
	struct sink_stats st;
	size_t i;

	(void)state;
	reset(true);
	c.spool_dir = tmpdir;
	c.name = "spooled";
	c.backoff_ms = 5;
	c.queue_size = 2;
	assert_int_equal(sink_set_new(&c, 1, &s), 0);
	assert_int_equal(sink_set_start(s), 0);
	for (i = 0; i < 6; i++)
		submit(s, a_to_f[i], RULES_PRIO_ERROR);
	st = wait_stats(s, failed_twice);
	assert_false(st.healthy);
	assert_true(st.spooled >= 4); /* at most two wait in the queue */
	set_down(false);
	st = wait_stats(s, delivered6);
	assert_int_equal(st.dropped, 0);
	assert_true(st.healthy);
	expect_got(a_to_f, 6);
	sink_set_free(s);
}

/* A receiver slower than the alerts: the full queue spills to the spool
 * without blocking, and the order holds. */
static void test_full_queue_spools_in_order(void **state)
{
	static const char *const want[] = { "held", "q1", "q2", "x1", "x2" };
	struct sink_cfg c = test_cfg();
	struct sink_set *s;
	struct sink_stats st;

	(void)state;
	reset(false);
	c.spool_dir = tmpdir;
	c.name = "spill";
	c.queue_size = 2;
	assert_int_equal(sink_set_new(&c, 1, &s), 0);
	assert_int_equal(sink_set_start(s), 0);
	pthread_mutex_lock(&lock);
	gate_closed = true;
	pthread_mutex_unlock(&lock);
	submit(s, "held", RULES_PRIO_ERROR);
	pthread_mutex_lock(&lock);
	while (!in_deliver)
		pthread_cond_wait(&changed, &lock);
	pthread_mutex_unlock(&lock);
	submit(s, "q1", RULES_PRIO_ERROR);
	submit(s, "q2", RULES_PRIO_ERROR);
	submit(s, "x1", RULES_PRIO_ERROR);
	submit(s, "x2", RULES_PRIO_ERROR);
	sink_set_stats(s, &st, 1);
	assert_int_equal(st.dropped, 0);
	assert_int_equal(st.spooled, 2);
	assert_int_equal(st.queue_depth, 2);
	pthread_mutex_lock(&lock);
	gate_closed = false;
	pthread_cond_broadcast(&changed);
	pthread_mutex_unlock(&lock);
	st = wait_stats(s, delivered5);
	assert_int_equal(st.spool_bytes, 0);
	expect_got(want, 5);
	sink_set_free(s);
}

/* Stopping while the receiver is down keeps everything on disk, in order,
 * for the next start (a reload or a restart). */
static void test_stop_while_down_keeps_all_for_next_start(void **state)
{
	struct sink_cfg c = test_cfg();
	struct sink_set *s;
	struct sink_stats st;
	size_t i;

	(void)state;
	reset(true);
	c.spool_dir = tmpdir;
	c.name = "restart";
	c.backoff_ms = 10000; /* no second attempt before the stop */
	c.queue_size = 4;
	assert_int_equal(sink_set_new(&c, 1, &s), 0);
	assert_int_equal(sink_set_start(s), 0);
	submit(s, "a", RULES_PRIO_ERROR);
	wait_stats(s, failed_once);
	for (i = 1; i < 6; i++)
		submit(s, a_to_f[i], RULES_PRIO_ERROR);
	sink_set_free(s);

	set_down(false);
	c.backoff_ms = 1;
	assert_int_equal(sink_set_new(&c, 1, &s), 0);
	assert_int_equal(sink_set_start(s), 0);
	st = wait_stats(s, delivered6);
	assert_int_equal(st.dropped, 0);
	expect_got(a_to_f, 6);
	sink_set_free(s);
}

static bool dropped3(const struct sink_stats *st) { return st->dropped == 3; }

static void test_no_spool_retries_then_counts_drops(void **state)
{
	struct sink_cfg c = test_cfg();
	struct sink_set *s;
	struct sink_stats st;

	(void)state;
	reset(true);
	assert_int_equal(sink_set_new(&c, 1, &s), 0);
	assert_int_equal(sink_set_start(s), 0);
	submit(s, "a", RULES_PRIO_ERROR);
	submit(s, "b", RULES_PRIO_ERROR);
	submit(s, "c", RULES_PRIO_ERROR);
	st = wait_stats(s, dropped3);
	assert_int_equal(st.failed, 6); /* first attempt + 1 retry each */
	assert_int_equal(st.delivered, 0);
	assert_int_equal(st.spooled, 0);
	sink_set_free(s);
}

static void test_full_queue_drops_without_blocking(void **state)
{
	struct sink_cfg c = test_cfg();
	struct sink_set *s;
	struct sink_stats st;

	(void)state;
	reset(false);
	c.queue_size = 2;
	assert_int_equal(sink_set_new(&c, 1, &s), 0);
	assert_int_equal(sink_set_start(s), 0);
	pthread_mutex_lock(&lock);
	gate_closed = true;
	pthread_mutex_unlock(&lock);
	submit(s, "held", RULES_PRIO_ERROR);
	pthread_mutex_lock(&lock);
	while (!in_deliver) /* the sink's thread is now stuck in deliver() */
		pthread_cond_wait(&changed, &lock);
	pthread_mutex_unlock(&lock);
	submit(s, "q1", RULES_PRIO_ERROR);
	submit(s, "q2", RULES_PRIO_ERROR);
	submit(s, "x1", RULES_PRIO_ERROR); /* each returns at once: counted drops */
	submit(s, "x2", RULES_PRIO_ERROR);
	sink_set_stats(s, &st, 1);
	assert_int_equal(st.dropped, 2);
	assert_int_equal(st.queue_depth, 2);
	pthread_mutex_lock(&lock);
	gate_closed = false;
	pthread_cond_broadcast(&changed);
	pthread_mutex_unlock(&lock);
	sink_set_free(s); /* drains the queue */
	assert_int_equal(n_got, 3);
	assert_string_equal(got[2], "q2");
}

static void test_min_priority_filters(void **state)
{
	struct sink_cfg c = test_cfg();
	struct sink_set *s;
	struct sink_stats st;

	(void)state;
	reset(false);
	c.min_priority = RULES_PRIO_WARNING;
	assert_int_equal(sink_set_new(&c, 1, &s), 0);
	assert_int_equal(sink_set_start(s), 0);
	submit(s, "debug", RULES_PRIO_DEBUG);
	submit(s, "notice", RULES_PRIO_NOTICE);
	submit(s, "warning", RULES_PRIO_WARNING);
	submit(s, "critical", RULES_PRIO_CRITICAL);
	sink_set_free(s);
	assert_int_equal(n_got, 2);
	assert_string_equal(got[0], "warning");
	assert_string_equal(got[1], "critical");
	(void)st;
}

/* The latency counts delivered records from their event time: a record
 * 2 ms old counts about 2 ms; one older than a minute (a replay's) and one
 * without a time are not counted. */
static void test_latency_from_event_time(void **state)
{
	struct sink_cfg c = test_cfg();
	struct sink_record f = { .rule = "r", .json = "{}", .json_len = 2 }, *r;
	struct sink_set *s;
	struct sink_stats st;
	struct timespec now;
	uint64_t t;

	(void)state;
	reset(false);
	assert_int_equal(sink_set_new(&c, 1, &s), 0);
	assert_int_equal(sink_set_start(s), 0);
	clock_gettime(CLOCK_REALTIME, &now);
	t = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
	f.time_ns = t - 2000000; /* 2 ms ago */
	r = sink_record_new(&f);
	sink_set_submit(s, r);
	sink_record_unref(r);
	f.time_ns = t - 3600ull * 1000000000ull; /* an hour ago */
	r = sink_record_new(&f);
	sink_set_submit(s, r);
	sink_record_unref(r);
	f.time_ns = 0;
	r = sink_record_new(&f);
	sink_set_submit(s, r);
	sink_record_unref(r);
	sink_set_stop(s);
	sink_set_stats(s, &st, 1);
	assert_int_equal(st.delivered, 3);
	assert_int_equal(st.latency_n, 1);
	assert_true(st.latency_p50_ns >= 2000000 && st.latency_p99_ns < 60ull * 1000000000ull);
	sink_set_free(s);
}

static void test_published_stats(void **state)
{
	struct sink_cfg c[2] = { test_cfg(), test_cfg() };
	struct sink_stats st[4];
	struct sink_set *s;

	(void)state;
	reset(false);
	c[1].name = "t2";
	assert_int_equal(sink_set_new(c, 2, &s), 0);
	assert_int_equal(sink_stats_current(st, 4), 0);
	sink_set_publish(s);
	assert_int_equal(sink_stats_current(st, 4), 2);
	assert_string_equal(st[1].name, "t2");
	assert_string_equal(st[1].type, "test");
	sink_set_free(s); /* unpublishes */
	assert_int_equal(sink_stats_current(st, 4), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_copies_and_refcounts),
		cmocka_unit_test(test_queue_bounded_fifo),
		cmocka_unit_test(test_backoff_doubles_and_caps),
		cmocka_unit_test(test_spool_order_cap_restart_and_damage),
		cmocka_unit_test(test_constructor_from_the_configuration),
		cmocka_unit_test(test_spool_keeps_everything_in_order),
		cmocka_unit_test(test_full_queue_spools_in_order),
		cmocka_unit_test(test_stop_while_down_keeps_all_for_next_start),
		cmocka_unit_test(test_no_spool_retries_then_counts_drops),
		cmocka_unit_test(test_full_queue_drops_without_blocking),
		cmocka_unit_test(test_min_priority_filters),
		cmocka_unit_test(test_published_stats),
		cmocka_unit_test(test_latency_from_event_time),
	};
	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
