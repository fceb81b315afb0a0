/*
 * A blocking Engine API client for one thread: the commands that read the
 * daemon (palisade audit) use it, over the same HTTP code as the store.
 * container_engine_abort() is the one call another thread may make.
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

struct stream_adapter {
	void (*on_line)(const char *line, size_t len, void *ctx);
	void *ctx;
	atomic_bool *up;
};

static void adapter_status(long status, void *ctx)
{
	atomic_store(((struct stream_adapter *)ctx)->up, status == 200);
}

static void adapter_line(const char *line, size_t len, void *ctx)
{
	struct stream_adapter *a = ctx;

	a->on_line(line, len, a->ctx);
}

int container_engine_stream(struct container_engine *e, const char *path,
			    void (*on_line)(const char *line, size_t len, void *ctx), void *ctx,
			    atomic_bool *up, char *err, size_t errlen)
{
	struct stream_adapter a = { .on_line = on_line, .ctx = ctx, .up = up };
	struct container_stream_ops ops = { .on_status = adapter_status, .on_line = adapter_line,
					    .ctx = &a };

	atomic_store(up, false);
	return container_http_stream(&e->http, path, &ops, err, errlen);
}

void container_engine_abort(struct container_engine *e)
{
	atomic_store(&e->stop, true);
	container_http_abort(&e->http);
}

int container_engine_get_raw(struct container_engine *e, const char *path, long timeout_ms,
			     int (*on_data)(const void *data, size_t len, void *ctx), void *ctx,
			     long *status, char *err, size_t errlen)
{
	return container_http_get_raw(&e->http, path, timeout_ms, on_data, ctx, status, err,
				      errlen);
}
