/*
 * libFuzzer target: the web view's answer to a request (web/web_view.c),
 * whose path, Authorization header, cookie and ?token= come from whoever can
 * connect. The input is four NUL-separated strings. Whatever they are, the
 * answer must be complete (a status, headers within bounds) and nothing but
 * the sign-in (GET / with the right ?token=) or a request carrying the right
 * token may get past 401.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "web/web.h"

#define TOKEN "fuzz-token-0123456789abcdef"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct web_view *view(void)
{
	static struct metrics_registry *reg;
	static struct web_view *v;
	char path[] = "/tmp/palisade-fuzz-web.XXXXXX";
	int fd;

	if (v)
		return v;
	fd = mkstemp(path);
	if (fd < 0 || write(fd, TOKEN, strlen(TOKEN)) != (ssize_t)strlen(TOKEN))
		abort();
	close(fd);
	if (metrics_registry_new(&reg) || web_view_new(reg, path, &v) || metrics_publish(reg))
		abort();
	unlink(path);
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 4), *part[4];
	struct metrics_http_reply out = { 0 };
	struct metrics_http_req rq;
	size_t at = 0;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	memset(buf + size, 0, 4);
	for (int i = 0; i < 4; i++) {
		part[i] = buf + at;
		at += strlen(buf + at) + (at < size ? 1 : 0);
		if (at > size)
			at = size;
	}
	rq = (struct metrics_http_req){ .path = part[0],
					.authorization = *part[1] ? part[1] : NULL,
					.cookie = *part[2] ? part[2] : NULL,
					.query_token = *part[3] ? part[3] : NULL };
	web_view_answer(view(), &rq, &out);
	if (!out.status || out.n_headers > METRICS_HTTP_HEADERS_MAX || (out.len && !out.body))
		abort();
	if (out.status != 401 && strcmp(part[1], "Bearer " TOKEN) && strcmp(part[2], TOKEN) &&
	    !(out.status == 303 && !strcmp(part[0], "/") && !strcmp(part[3], TOKEN)))
		abort(); /* past the token without it */
	if (out.body_owned)
		free((void *)out.body);
	for (size_t i = 0; i < out.n_headers; i++)
		if (out.value_owned[i])
			free((void *)out.headers[i][1]);
	free(buf);
	return 0;
}
