/* The live view's state, shared by fim_live.c and fim_offline.c. */
#ifndef PALISADE_FIM_LIVE_INTERNAL_H
#define PALISADE_FIM_LIVE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>

#include "event/event.h"
#include "fim/fim_internal.h"

#define FIM_VERDICTS 64

/* A verdict on an executable's content, by what identifies it unread. */
struct fim_verdict {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
	char path[256]; /* the baseline entry it was compared with */
	int ok;         /* 1 the baseline's content, 0 not */
};

/* The comparison at start (fim_offline.c). */
struct fim_offline {
	pthread_t thread;
	bool running, abandoned, lock_made;
	atomic_bool done;
	pthread_mutex_t lock;
	struct alert **v; /* the alerts, until drained */
	size_t n;
	uint64_t scanned, changes, dropped;
	int err;
};

struct fim_live {
	struct event_fim ops; /* first: the callbacks get it back */
	struct fim_config *cfg;
	struct fim_set *base;
	pthread_mutex_t lock;
	struct fim_verdict v[FIM_VERDICTS];
	size_t next;
	struct fim_offline offline;
};

void fim_live_offline_free(struct fim_offline *o);

#endif
