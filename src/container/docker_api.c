/*
 * HTTP to the Docker Engine over its unix socket, with libcurl. Knows URLs
 * and bytes, not what they mean (docker_json.c parses the answers).
 *
 * Shutdown must not wait for the daemon: the events stream can stay silent
 * for hours. libcurl's progress callback notices the stop flag within about
 * a second; to be immediate, the socket libcurl opens is recorded (under a
 * lock that its close also takes, so an fd number is never reused under us)
 * and container_http_abort() shuts it down from the stopping thread.
 */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "container/internal.h"

#define ENGINE_BASE "http://localhost/v1.41"
#define CONNECT_TIMEOUT_MS 2000L
#define STREAM_LINE_MAX (1u << 20)
#define ERROR_BODY_MAX 512

static curl_socket_t open_socket(void *clientp, curlsocktype purpose,
				 struct curl_sockaddr *addr)
{
	struct container_http *h = clientp;
	int fd;

	(void)purpose;
	fd = socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
	if (fd < 0)
		return CURL_SOCKET_BAD;
	pthread_mutex_lock(&h->fd_lock);
	h->fd = fd;
	pthread_mutex_unlock(&h->fd_lock);
	return fd;
}

static int close_socket(void *clientp, curl_socket_t fd)
{
	struct container_http *h = clientp;

	pthread_mutex_lock(&h->fd_lock);
	if (h->fd == fd)
		h->fd = -1;
	close(fd);
	pthread_mutex_unlock(&h->fd_lock);
	return 0;
}

static int progress(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		    curl_off_t ulnow)
{
	const struct container_http *h = clientp;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return atomic_load(h->stop) ? 1 : 0;
}

int container_http_init(struct container_http *h, const char *socket_path,
			const atomic_bool *stop)
{
	memset(h, 0, sizeof(*h));
	h->fd = -1;
	h->socket_path = socket_path;
	h->stop = stop;
	if (pthread_mutex_init(&h->fd_lock, NULL))
		return -ENOMEM;
	h->curl = curl_easy_init();
	if (!h->curl) {
		pthread_mutex_destroy(&h->fd_lock);
		return -ENOMEM;
	}
	return 0;
}

void container_http_release(struct container_http *h)
{
	if (!h->curl)
		return;
	curl_easy_cleanup(h->curl);
	h->curl = NULL;
	pthread_mutex_destroy(&h->fd_lock);
}

void container_http_abort(struct container_http *h)
{
	pthread_mutex_lock(&h->fd_lock);
	if (h->fd >= 0)
		shutdown(h->fd, SHUT_RDWR);
	pthread_mutex_unlock(&h->fd_lock);
}

static int setup(struct container_http *h, const char *path, long timeout_ms)
{
	char url[512];
	CURL *c = h->curl;

	if (snprintf(url, sizeof(url), "%s%s", ENGINE_BASE, path) >= (int)sizeof(url))
		return -ENAMETOOLONG;
	curl_easy_reset(c);
	h->curl_err[0] = '\0';
	if (curl_easy_setopt(c, CURLOPT_URL, url) ||
	    curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, h->socket_path) ||
	    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) ||
	    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS) ||
	    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms) ||
	    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->curl_err) ||
	    curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_socket) ||
	    curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, h) ||
	    curl_easy_setopt(c, CURLOPT_CLOSESOCKETFUNCTION, close_socket) ||
	    curl_easy_setopt(c, CURLOPT_CLOSESOCKETDATA, h) ||
	    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress) ||
	    curl_easy_setopt(c, CURLOPT_XFERINFODATA, h) ||
	    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L))
		return -EINVAL;
	return 0;
}

static int map_error(const struct container_http *h, CURLcode rc, bool too_big, char *err,
		     size_t errlen)
{
	snprintf(err, errlen, "%s", h->curl_err[0] ? h->curl_err : curl_easy_strerror(rc));
	if (atomic_load(h->stop))
		return -ECANCELED;
	switch (rc) {
	case CURLE_OK:
		return 0;
	case CURLE_COULDNT_CONNECT:
		return -ECONNREFUSED;
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_ABORTED_BY_CALLBACK:
		return -ECANCELED;
	case CURLE_WRITE_ERROR:
		if (too_big) {
			snprintf(err, errlen, "answer larger than %u bytes",
				 CONTAINER_HTTP_BODY_MAX);
			return -EMSGSIZE;
		}
		return -EIO;
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
		return -ECONNRESET;
	default:
		return -EIO;
	}
}

struct body {
	char *buf;
	size_t len, cap;
	bool too_big;
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct body *b = userdata;
	size_t n = size * nmemb, cap;
	char *tmp;

	if (b->len + n + 1 > CONTAINER_HTTP_BODY_MAX) {
		b->too_big = true;
		return 0;
	}
	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 16384;
		while (cap < b->len + n + 1)
			cap *= 2;
		tmp = realloc(b->buf, cap);
		if (!tmp)
			return 0;
		b->buf = tmp;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, data, n);
	b->len += n;
	b->buf[b->len] = '\0';
	return n;
}

/* Runs the request set up on h, collecting the body. */
static int perform(struct container_http *h, long *status, char **body, size_t *len, char *err,
		   size_t errlen)
{
	struct body b = { 0 };
	CURLcode rc;
	int ret;

	if (curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, on_body) ||
	    curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, &b))
		return -EINVAL;
	rc = curl_easy_perform(h->curl);
	ret = map_error(h, rc, b.too_big, err, errlen);
	if (ret) {
		free(b.buf);
		return ret;
	}
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, status);
	if (!b.buf) {
		b.buf = strdup("");
		if (!b.buf)
			return -ENOMEM;
	}
	*body = b.buf;
	*len = b.len;
	return 0;
}

/* A GET, or a POST with an empty body (pause, stop and friends take their
 * arguments in the URL). */
static int request(struct container_http *h, const char *path, bool post, long timeout_ms,
		   long *status, char **body, size_t *len, char *err, size_t errlen)
{
	int ret;

	*body = NULL;
	*len = 0;
	*status = 0;
	ret = setup(h, path, timeout_ms);
	if (ret) {
		snprintf(err, errlen, "cannot set up the request");
		return ret;
	}
	if (post && (curl_easy_setopt(h->curl, CURLOPT_POST, 1L) ||
		     curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, "") ||
		     curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE, 0L)))
		return -EINVAL;
	return perform(h, status, body, len, err, errlen);
}

int container_http_get(struct container_http *h, const char *path, long timeout_ms, long *status,
		       char **body, size_t *len, char *err, size_t errlen)
{
	return request(h, path, false, timeout_ms, status, body, len, err, errlen);
}

int container_http_post(struct container_http *h, const char *path, long timeout_ms, long *status,
			char **body, size_t *len, char *err, size_t errlen)
{
	return request(h, path, true, timeout_ms, status, body, len, err, errlen);
}

struct stream {
	const struct container_stream_ops *ops;
	CURL *curl;
	long status;
	char *line;
	size_t len, cap;
	char error_body[ERROR_BODY_MAX];
	size_t error_len;
};

static size_t on_header(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct stream *st = userdata;
	size_t n = size * nmemb;
	long code = 0;

	/* The empty line that ends the headers; 1xx answers have their own. */
	if ((n == 2 && data[0] == '\r') || (n == 1 && data[0] == '\n')) {
		curl_easy_getinfo(st->curl, CURLINFO_RESPONSE_CODE, &code);
		if (code >= 200 && !st->status) {
			st->status = code;
			if (st->ops->on_status)
				st->ops->on_status(code, st->ops->ctx);
		}
	}
	return n;
}

static int line_append(struct stream *st, const char *data, size_t n)
{
	size_t cap;
	char *tmp;

	if (st->len + n > STREAM_LINE_MAX)
		n = STREAM_LINE_MAX - st->len; /* the parser will reject the cut line */
	if (st->len + n > st->cap) {
		cap = st->cap ? st->cap : 4096;
		while (cap < st->len + n)
			cap *= 2;
		tmp = realloc(st->line, cap);
		if (!tmp)
			return -ENOMEM;
		st->line = tmp;
		st->cap = cap;
	}
	memcpy(st->line + st->len, data, n);
	st->len += n;
	return 0;
}

static size_t on_stream(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct stream *st = userdata;
	size_t n = size * nmemb, i = 0, j, k;

	if (st->status != 200) {
		k = sizeof(st->error_body) - 1 - st->error_len;
		k = n < k ? n : k;
		memcpy(st->error_body + st->error_len, data, k);
		st->error_len += k;
		st->error_body[st->error_len] = '\0';
		return n;
	}
	while (i < n) {
		for (j = i; j < n && data[j] != '\n'; j++)
			;
		if (line_append(st, data + i, j - i))
			return 0;
		if (j == n)
			break;
		if (st->len)
			st->ops->on_line(st->line, st->len, st->ops->ctx);
		st->len = 0;
		i = j + 1;
	}
	return n;
}

int container_http_stream(struct container_http *h, const char *path,
			  const struct container_stream_ops *ops, char *err, size_t errlen)
{
	struct stream st = { .ops = ops, .curl = h->curl };
	CURLcode rc;
	int ret;

	ret = setup(h, path, 0);
	if (ret) {
		snprintf(err, errlen, "cannot set up the request");
		return ret;
	}
	if (curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, on_stream) ||
	    curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, &st) ||
	    curl_easy_setopt(h->curl, CURLOPT_HEADERFUNCTION, on_header) ||
	    curl_easy_setopt(h->curl, CURLOPT_HEADERDATA, &st))
		return -EINVAL;
	rc = curl_easy_perform(h->curl);
	ret = map_error(h, rc, false, err, errlen);
	if (!ret && st.status != 200) {
		snprintf(err, errlen, "HTTP %ld: %s", st.status, st.error_body);
		ret = -EPROTO;
	} else if (!ret) {
		snprintf(err, errlen, "the daemon closed the stream");
	}
	free(st.line);
	return ret;
}

struct raw {
	int (*on_data)(const void *data, size_t len, void *ctx);
	void *ctx;
	CURL *curl;
	bool refused; /* on_data asked to stop */
};

static size_t on_raw(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct raw *r = userdata;
	size_t n = size * nmemb;
	long code = 0;

	curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &code);
	if (code != 200)
		return n; /* an error body: the status says it */
	if (r->on_data(data, n, r->ctx)) {
		r->refused = true;
		return 0;
	}
	return n;
}

int container_http_get_raw(struct container_http *h, const char *path, long timeout_ms,
			   int (*on_data)(const void *data, size_t len, void *ctx), void *ctx,
			   long *status, char *err, size_t errlen)
{
	struct raw r = { .on_data = on_data, .ctx = ctx, .curl = h->curl };
	CURLcode rc;
	int ret;

	*status = 0;
	ret = setup(h, path, timeout_ms);
	if (ret) {
		snprintf(err, errlen, "cannot set up the request");
		return ret;
	}
	if (curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, on_raw) ||
	    curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, &r))
		return -EINVAL;
	rc = curl_easy_perform(h->curl);
	if (r.refused) {
		snprintf(err, errlen, "stopped by the reader");
		return -ECANCELED;
	}
	ret = map_error(h, rc, false, err, errlen);
	if (!ret)
		curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, status);
	return ret;
}
