/*
 * Deadlines for the HTTP endpoint's connections. libmicrohttpd's timeout is
 * one of inactivity: a client that sends one header line every 2 s is never
 * idle, and 64 of them kept every new /metrics and /healthz connection out.
 * So each connection gets a deadline by which its request must have been read
 * and answered (from its start, or from the end of its previous request on a
 * kept-alive connection); a thread cuts those that miss it.
 *
 * The thread cuts with shutdown() on its own dup() of the connection's
 * socket: shutdown acts on the socket, so libmicrohttpd sees the end of the
 * stream and closes the connection itself, and the duplicate keeps the
 * descriptor number ours, so a descriptor closed and reused meanwhile is
 * never touched. The callbacks run on libmicrohttpd's thread; a mutex guards
 * the slots against the cutting thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "metrics/http_internal.h"

struct guard_slot {
	int fd;          /* our duplicate of the connection's socket */
	double deadline; /* CLOCK_MONOTONIC seconds */
	bool cut;
};

struct http_guard {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	bool thread_started, stop;
	double limit_sec;
	struct metrics_vec *counter;
	struct guard_slot slots[HTTP_CONNECTIONS_MAX * HTTP_LISTENERS_MAX];
};

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void http_guard_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			   enum MHD_ConnectionNotificationCode code)
{
	struct http_guard *g = cls;
	struct guard_slot *s = *socket_context;
	const union MHD_ConnectionInfo *info;

	pthread_mutex_lock(&g->lock);
	if (code == MHD_CONNECTION_NOTIFY_CLOSED && s) {
		close(s->fd);
		s->fd = -1;
		*socket_context = NULL;
	} else if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		for (size_t i = 0; info && i < sizeof(g->slots) / sizeof(g->slots[0]); i++) {
			if (g->slots[i].fd >= 0)
				continue;
			/* No free slot, or no dup: the connection has libmicrohttpd's
			 * inactivity timeout only (the slots outnumber its limit). */
			g->slots[i].fd = fcntl(info->connect_fd, F_DUPFD_CLOEXEC, 0);
			if (g->slots[i].fd < 0)
				break;
			g->slots[i].deadline = now_sec() + g->limit_sec;
			g->slots[i].cut = false;
			*socket_context = &g->slots[i];
			break;
		}
	}
	pthread_mutex_unlock(&g->lock);
}

void http_guard_completed(void *cls, struct MHD_Connection *c, void **req_ctx,
			  enum MHD_RequestTerminationCode code)
{
	struct http_guard *g = cls;
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct guard_slot *s = info ? info->socket_context : NULL;

	(void)req_ctx;
	(void)code;
	pthread_mutex_lock(&g->lock);
	if (s && s->fd >= 0) /* the next request on this connection: a new deadline */
		s->deadline = now_sec() + g->limit_sec;
	pthread_mutex_unlock(&g->lock);
}

static void *cutter(void *arg)
{
	struct http_guard *g = arg;
	struct timespec ts;

	pthread_mutex_lock(&g->lock);
	while (!g->stop) {
		double now = now_sec();

		for (size_t i = 0; i < sizeof(g->slots) / sizeof(g->slots[0]); i++) {
			struct guard_slot *s = &g->slots[i];

			if (s->fd < 0 || s->cut || s->deadline > now)
				continue;
			shutdown(s->fd, SHUT_RDWR);
			s->cut = true;
			if (g->counter)
				metrics_vec_add(g->counter, 1, (const char *const[]){ "deadline" });
		}
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += 250000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&g->wake, &g->lock, &ts);
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

int http_guard_new(double limit_sec, struct metrics_vec *cut, struct http_guard **out)
{
	struct http_guard *g = calloc(1, sizeof(*g));
	pthread_condattr_t attr;
	int rc;

	*out = NULL;
	if (!g)
		return -ENOMEM;
	for (size_t i = 0; i < sizeof(g->slots) / sizeof(g->slots[0]); i++)
		g->slots[i].fd = -1;
	g->limit_sec = limit_sec;
	g->counter = cut;
	pthread_mutex_init(&g->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&g->wake, &attr);
	pthread_condattr_destroy(&attr);
	rc = -pthread_create(&g->thread, NULL, cutter, g);
	if (rc) {
		http_guard_free(g);
		return rc;
	}
	g->thread_started = true;
	*out = g;
	return 0;
}

/* After the daemons stopped (every connection closed). */
void http_guard_free(struct http_guard *g)
{
	if (!g)
		return;
	if (g->thread_started) {
		pthread_mutex_lock(&g->lock);
		g->stop = true;
		pthread_cond_signal(&g->wake);
		pthread_mutex_unlock(&g->lock);
		pthread_join(g->thread, NULL);
	}
	for (size_t i = 0; i < sizeof(g->slots) / sizeof(g->slots[0]); i++)
		if (g->slots[i].fd >= 0)
			close(g->slots[i].fd);
	pthread_cond_destroy(&g->wake);
	pthread_mutex_destroy(&g->lock);
	free(g);
}
