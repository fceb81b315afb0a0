/*
 * A worker thread with a bounded queue, for back-ends whose apply must not
 * block the event thread (container pause and stop through the Engine API,
 * capture): each job runs in order, its result goes back through
 * action_complete(), then the job is freed. Freeing the worker finishes
 * what is queued (each job bounds its own time).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "action/action.h"

struct action_worker {
	struct action_dispatcher *d;
	action_job_fn run;
	void (*free_job)(void *job);
	void *ctx;
	pthread_t thread;
	bool started, stopping;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct {
		void *job;
		uint64_t token;
	} *q;
	size_t max, head, n;
};

static void *worker(void *arg)
{
	struct action_worker *w = arg;
	struct action_result res;
	uint64_t token;
	void *job;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->n && !w->stopping)
			pthread_cond_wait(&w->wake, &w->lock);
		if (!w->n)
			break;
		job = w->q[w->head].job;
		token = w->q[w->head].token;
		w->head = (w->head + 1) % w->max;
		w->n--;
		pthread_mutex_unlock(&w->lock);
		memset(&res, 0, sizeof(res));
		w->run(w->ctx, job, &res);
		action_complete(w->d, token, &res);
		w->free_job(job);
		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int action_worker_new(struct action_dispatcher *d, size_t max, action_job_fn run,
		      void (*free_job)(void *job), void *ctx, struct action_worker **out)
{
	struct action_worker *w = calloc(1, sizeof(*w));

	*out = NULL;
	if (!w || !(w->q = calloc(max ? max : 1, sizeof(*w->q)))) {
		free(w);
		return -ENOMEM;
	}
	*w = (struct action_worker){ .d = d, .run = run, .free_job = free_job, .ctx = ctx,
				     .q = w->q, .max = max ? max : 1 };
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	*out = w;
	return 0;
}

int action_worker_queue(struct action_worker *w, void *job, uint64_t token)
{
	int err = 0;

	pthread_mutex_lock(&w->lock);
	if (!w->started && pthread_create(&w->thread, NULL, worker, w) == 0)
		w->started = true;
	if (!w->started) {
		err = -ECHILD;
	} else if (w->n == w->max) {
		err = -EAGAIN;
	} else {
		w->q[(w->head + w->n) % w->max].job = job;
		w->q[(w->head + w->n) % w->max].token = token;
		w->n++;
		pthread_cond_signal(&w->wake);
	}
	pthread_mutex_unlock(&w->lock);
	return err;
}

void action_worker_free(struct action_worker *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	if (w->started)
		pthread_join(w->thread, NULL);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->wake);
	free(w->q);
	free(w);
}
