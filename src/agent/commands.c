/*
 * The mailbox between the status thread and the event thread: one command
 * at a time (the status thread serves one client at a time), its answer
 * written into the mailbox and copied out by the waiting caller. A command
 * the event thread has not taken within AGENT_COMMAND_WAIT_MS is withdrawn;
 * one it has taken is always waited for (it is bounded by itself).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/commands.h"

enum box_state { BOX_EMPTY, BOX_QUEUED, BOX_RUNNING, BOX_DONE };

struct agent_commands {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	enum box_state state;
	struct action_backend *isolate;
	char args[512], who[64];
	char reply[16384];
};

/* Status thread: queue, wait, copy the answer. */
static int isolate_cmd(void *ctx, const char *args, const char *who, char *reply, size_t cap)
{
	struct agent_commands *m = ctx;
	struct timespec until;
	int err = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += AGENT_COMMAND_WAIT_MS / 1000;
	pthread_mutex_lock(&m->lock);
	snprintf(m->args, sizeof(m->args), "%s", args);
	snprintf(m->who, sizeof(m->who), "%s", who);
	m->reply[0] = '\0';
	m->state = BOX_QUEUED;
	while (m->state == BOX_QUEUED && !err)
		err = pthread_cond_timedwait(&m->changed, &m->lock, &until);
	if (m->state == BOX_QUEUED) { /* not taken: withdrawn */
		m->state = BOX_EMPTY;
		snprintf(reply, cap, "error: the agent's event thread did not take the command "
			 "within %d ms (busy?); try again\n", AGENT_COMMAND_WAIT_MS);
		pthread_mutex_unlock(&m->lock);
		return -ETIMEDOUT;
	}
	while (m->state != BOX_DONE)
		pthread_cond_wait(&m->changed, &m->lock);
	snprintf(reply, cap, "%s", m->reply);
	m->state = BOX_EMPTY;
	pthread_mutex_unlock(&m->lock);
	return 0;
}

const struct container_info *agent_find_container(void *ctx, const char *query, char *why,
						  size_t len)
{
	return container_store_find(ctx, query, why, len);
}

void agent_commands_poll(struct agent_commands *m)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	if (m->state != BOX_QUEUED) {
		pthread_mutex_unlock(&m->lock);
		return;
	}
	m->state = BOX_RUNNING;
	pthread_cond_broadcast(&m->changed);
	pthread_mutex_unlock(&m->lock);
	/* args, who and reply are ours while RUNNING. */
	action_isolate_command(m->isolate, m->args, m->who, m->reply, sizeof(m->reply));
	pthread_mutex_lock(&m->lock);
	m->state = BOX_DONE;
	pthread_cond_broadcast(&m->changed);
	pthread_mutex_unlock(&m->lock);
}

int agent_commands_start(struct status_server *status, struct action_backend *isolate_backend,
			 struct agent_commands **out)
{
	struct agent_commands *m;
	int err;

	*out = NULL;
	if (!status)
		return 0;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	pthread_mutex_init(&m->lock, NULL);
	pthread_cond_init(&m->changed, NULL);
	m->isolate = isolate_backend;
	err = status_server_command(status, "isolate", isolate_cmd, m);
	if (err) {
		agent_commands_free(m);
		return err;
	}
	*out = m;
	return 0;
}

void agent_commands_free(struct agent_commands *m)
{
	if (!m)
		return;
	pthread_mutex_destroy(&m->lock);
	pthread_cond_destroy(&m->changed);
	free(m);
}
