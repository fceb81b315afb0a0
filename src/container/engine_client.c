/*
 * A blocking Engine API client for one thread: the commands that read the
 * daemon (palisade audit) use it, over the same HTTP code as the store.
 */
#include <errno.h>
#include <stdlib.h>

#include "container/internal.h"

struct container_engine {
	struct container_http http;
	atomic_bool stop;
};

int container_engine_open(const char *socket_path, struct container_engine **out)
{
	struct container_engine *e = calloc(1, sizeof(*e));
	int ret;

	*out = NULL;
	if (!e)
		return -ENOMEM;
	atomic_init(&e->stop, false);
	ret = container_http_init(&e->http, socket_path, &e->stop);
	if (ret) {
		free(e);
		return ret;
	}
	*out = e;
	return 0;
}

int container_engine_get(struct container_engine *e, const char *path, long timeout_ms,
			 long *status, char **body, size_t *len, char *err, size_t errlen)
{
	return container_http_get(&e->http, path, timeout_ms, status, body, len, err, errlen);
}

void container_engine_close(struct container_engine *e)
{
	if (!e)
		return;
	container_http_release(&e->http);
	free(e);
}
