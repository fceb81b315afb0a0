/*
 * A SIGHUP reload builds on a thread of its own: the event thread goes on
 * while the build (here: one that waits until released, like a rule set that
 * takes long to compile) runs, and swaps it in only once it is done. No
 * timing is asserted: the build waits on a condition the test controls.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/reload.h"

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int released; /* builds allowed to finish */
	int started;  /* builds that began */
	int swaps;
	int fail_next;
	int last_err;
} T = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, 0 };

static void slow_build(struct agent_reload *r, struct agent_reload_build *out)
{
	(void)r;
	pthread_mutex_lock(&T.lock);
	T.started++;
	while (T.released < T.started)
		pthread_cond_wait(&T.cond, &T.lock);
	out->err = T.fail_next ? -EINVAL : 0;
	T.fail_next = 0;
	pthread_mutex_unlock(&T.lock);
}

static int record_swap(void *ctx, struct agent_reload_build *b)
{
	(void)ctx;
	T.swaps++;
	T.last_err = b->err;
	return b->err;
}

static void release_one(void)
{
	pthread_mutex_lock(&T.lock);
	T.released++;
	pthread_cond_broadcast(&T.cond);
	pthread_mutex_unlock(&T.lock);
}

/* Polls as the event loop does, between events, until a reload finished. */
static void poll_until_done(struct agent_reload *r)
{
	while (!agent_reload_poll(r))
		usleep(1000);
}

static void test_events_go_on_while_it_builds(void **state)
{
	struct agent_reload r = { .build = slow_build, .swap = record_swap };

	(void)state;
	assert_int_equal(agent_reload_begin(&r), 0);
	/* The build is held: the event thread is free, and nothing is swapped. */
	for (int turn = 0; turn < 100; turn++)
		assert_false(agent_reload_poll(&r));
	assert_int_equal(T.swaps, 0);
	/* A second SIGHUP while it builds: another build follows this one. */
	assert_int_equal(agent_reload_begin(&r), -EBUSY);
	release_one();
	poll_until_done(&r);
	assert_int_equal(T.swaps, 1);
	assert_int_equal(r.reloads, 1);
	assert_true(r.running); /* the one asked for meanwhile */
	T.fail_next = 1;
	release_one();
	poll_until_done(&r);
	/* A failed build reaches the swap (it reopens the files) and is counted. */
	assert_int_equal(T.swaps, 2);
	assert_int_equal(T.last_err, -EINVAL);
	assert_int_equal(r.failures, 1);
	assert_false(r.running);
}

/* At stop, a build in flight is waited for (it ends by itself) and freed. */
static void test_stop_waits_for_the_build(void **state)
{
	struct agent_reload r = { .build = slow_build, .swap = record_swap };
	int swaps = T.swaps;

	(void)state;
	assert_int_equal(agent_reload_begin(&r), 0);
	release_one();
	agent_reload_stop(&r);
	assert_false(r.running);
	assert_int_equal(T.swaps, swaps); /* stopped: nothing swapped in */
	agent_reload_stop(&r);            /* nothing in flight: nothing to do */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_events_go_on_while_it_builds),
		cmocka_unit_test(test_stop_waits_for_the_build),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
