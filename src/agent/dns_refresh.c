/*
 * The resolver behind fd.sip.name and its siblings (see
 * src/rules/dns_names.c): getaddrinfo may block for seconds on a slow DNS
 * server, so it runs here, never on the thread that drains the ring buffer.
 * Answers replace the previous ones name by name; a name that stops
 * resolving keeps its last answer, as a cache would.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "agent/dns_refresh.h"

#define DNS_ADDRS_MAX 16

struct dns_refresh {
	struct rules_engine *engine;
	unsigned interval_s;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;
};

static size_t resolve(const char *name, struct rules_addr *out, size_t max)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	size_t n = 0;

	if (getaddrinfo(name, NULL, &hints, &res))
		return 0;
	for (struct addrinfo *ai = res; ai && n < max; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET) {
			out[n].len = 4;
			memcpy(out[n].ip, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, 4);
		} else if (ai->ai_family == AF_INET6) {
			out[n].len = 16;
			memcpy(out[n].ip, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, 16);
		} else {
			continue;
		}
		n++;
	}
	freeaddrinfo(res);
	return n;
}

static void *run(void *arg)
{
	struct dns_refresh *r = arg;
	size_t names = rules_engine_dns_count(r->engine);
	bool first = true;

	pthread_mutex_lock(&r->lock);
	while (!r->stop) {
		size_t resolved = 0;

		pthread_mutex_unlock(&r->lock);
		for (size_t i = 0; i < names; i++) {
			struct rules_addr addrs[DNS_ADDRS_MAX];
			size_t n = resolve(rules_engine_dns_name(r->engine, i), addrs, DNS_ADDRS_MAX);

			if (n) {
				rules_engine_dns_set(r->engine, i, addrs, n);
				resolved++;
			}
		}
		if (first)
			fprintf(stderr, "palisade: dns: %zu of %zu host names in the rules resolved\n",
				resolved, names);
		first = false;
		pthread_mutex_lock(&r->lock);
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += r->interval_s;
		while (!r->stop && pthread_cond_timedwait(&r->wake, &r->lock, &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

int dns_refresh_start(struct rules_engine *e, unsigned interval_s, struct dns_refresh **out)
{
	struct dns_refresh *r;
	int err;

	*out = NULL;
	if (!rules_engine_dns_count(e))
		return 0;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->engine = e;
	r->interval_s = interval_s ? interval_s : 60;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->wake, NULL);
	err = pthread_create(&r->thread, NULL, run, r);
	if (err) {
		pthread_cond_destroy(&r->wake);
		pthread_mutex_destroy(&r->lock);
		free(r);
		return -err;
	}
	*out = r;
	return 0;
}

void dns_refresh_stop(struct dns_refresh *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->stop = true;
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	pthread_cond_destroy(&r->wake);
	pthread_mutex_destroy(&r->lock);
	free(r);
}
