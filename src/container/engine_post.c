/* Requests that change a container, for the enforcement back-ends. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container/internal.h"

int container_engine_post(const char *socket_path, const char *path, long timeout_ms,
			  long *status, char *err, size_t errlen)
{
	static const atomic_bool never_stop = false;
	struct container_http h;
	char *body = NULL;
	size_t len = 0;
	int ret;

	*status = 0;
	err[0] = '\0';
	ret = container_http_init(&h, socket_path, &never_stop);
	if (ret) {
		snprintf(err, errlen, "cannot create an HTTP client");
		return ret;
	}
	ret = container_http_post(&h, path, timeout_ms, status, &body, &len, err, errlen);
	if (!ret && (*status < 200 || *status > 299))
		snprintf(err, errlen, "%.*s", (int)(len > 200 ? 200 : len), body ? body : "");
	free(body);
	container_http_release(&h);
	return ret;
}
