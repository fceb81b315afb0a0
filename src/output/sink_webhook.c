/*
 * The webhook sink: each alert is one HTTP(S) POST of its Falco-schema JSON
 * with Content-Type application/json, which is exactly what falcosidekick's
 * "/" endpoint (and Falco's own http_output) expects. A 2xx status is a
 * delivery; anything else is a failure the framework retries or spools.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "output/sink_internal.h"

struct webhook_sink {
	char *name, *url;
	CURL *curl;
	struct curl_slist *headers;
	char error[CURL_ERROR_SIZE];
	bool reported; /* one message per outage, not one per attempt */
	bool text;     /* the output line, not the JSON */
};

/* The response body is not needed; reading it keeps the connection reusable. */
static size_t discard(char *ptr, size_t size, size_t nmemb, void *ud)
{
	(void)ptr;
	(void)ud;
	return size * nmemb;
}

static int webhook_deliver(void *state, const struct sink_record *r)
{
	struct webhook_sink *w = state;
	long status = 0;
	CURLcode rc;

	curl_easy_setopt(w->curl, CURLOPT_POSTFIELDS, w->text ? r->output : r->json);
	curl_easy_setopt(w->curl, CURLOPT_POSTFIELDSIZE_LARGE,
			 (curl_off_t)(w->text ? strlen(r->output) : r->json_len));
	w->error[0] = '\0';
	rc = curl_easy_perform(w->curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(w->curl, CURLINFO_RESPONSE_CODE, &status);
	if (rc == CURLE_OK && status >= 200 && status < 300) {
		if (w->reported)
			fprintf(stderr, "palisade: output %s: %s accepts alerts again\n", w->name,
				w->url);
		w->reported = false;
		return 0;
	}
	if (!w->reported) {
		if (rc != CURLE_OK)
			fprintf(stderr, "palisade: output %s: POST %s failed: %s\n", w->name, w->url,
				w->error[0] ? w->error : curl_easy_strerror(rc));
		else
			fprintf(stderr, "palisade: output %s: POST %s answered HTTP %ld\n", w->name,
				w->url, status);
	}
	w->reported = true;
	return rc == CURLE_OPERATION_TIMEDOUT ? -ETIMEDOUT : rc != CURLE_OK ? -ECONNREFUSED : -EIO;
}

static void webhook_destroy(void *state)
{
	struct webhook_sink *w = state;

	if (!w)
		return;
	curl_easy_cleanup(w->curl);
	curl_slist_free_all(w->headers);
	free(w->name);
	free(w->url);
	free(w);
}

static const struct sink_ops webhook_ops = {
	.deliver = webhook_deliver,
	.destroy = webhook_destroy,
};

static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static int add_header(struct webhook_sink *w, const char *name, const char *value)
{
	struct curl_slist *l;
	char *line;

	if (asprintf(&line, "%s: %s", name, value) < 0)
		return -ENOMEM;
	l = curl_slist_append(w->headers, line);
	free(line);
	if (!l)
		return -ENOMEM;
	w->headers = l;
	return 0;
}

/* curl would take file://, ftp:// and more: only HTTP(S) is a webhook. */
int sink_webhook_check(const struct sink_cfg *cfg)
{
	const char *url = cfg->webhook.url;

	if (!url || (strncasecmp(url, "http://", 7) && strncasecmp(url, "https://", 8)) ||
	    !url[strncasecmp(url, "http://", 7) ? 8 : 7]) {
		fprintf(stderr, "palisade: output %s: url '%s': a webhook needs http://HOST/... "
				"or https://HOST/...\n", cfg->name, url ? url : "");
		return -EINVAL;
	}
	return 0;
}

int sink_webhook_create(const struct sink_cfg *cfg, void **state, const struct sink_ops **ops)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	const struct webhook_sink_cfg *c = &cfg->webhook;
	struct webhook_sink *w;
	size_t i;
	int err;

	err = sink_webhook_check(cfg);
	if (err)
		return err;
	pthread_once(&once, curl_init_once);
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->name = strdup(cfg->name ? cfg->name : "webhook");
	w->url = strdup(c->url);
	w->text = sink_format_text(c->format);
	w->curl = curl_easy_init();
	err = !w->name || !w->url || !w->curl ? -ENOMEM : 0;
	err = err ?: add_header(w, "Content-Type",
				 sink_format_text(c->format) ? "text/plain" : "application/json");
	/* curl would otherwise wait a second for "100 Continue" on large bodies. */
	err = err ?: add_header(w, "Expect", "");
	for (i = 0; !err && i < c->n_headers; i++)
		err = add_header(w, c->headers[i].name, c->headers[i].value);
	if (err) {
		webhook_destroy(w);
		return err;
	}
	curl_easy_setopt(w->curl, CURLOPT_URL, w->url);
	curl_easy_setopt(w->curl, CURLOPT_HTTPHEADER, w->headers);
	curl_easy_setopt(w->curl, CURLOPT_TIMEOUT_MS, (long)c->timeout_ms);
	curl_easy_setopt(w->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(w->curl, CURLOPT_ERRORBUFFER, w->error);
	curl_easy_setopt(w->curl, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(w->curl, CURLOPT_USERAGENT, c->user_agent ? c->user_agent : "palisade");
	curl_easy_setopt(w->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	if (c->tls_ca)
		curl_easy_setopt(w->curl, CURLOPT_CAINFO, c->tls_ca);
	if (c->tls_ca_path)
		curl_easy_setopt(w->curl, CURLOPT_CAPATH, c->tls_ca_path);
	/* Mutual TLS: the receiver verifies the agent's certificate. */
	if (c->tls_cert)
		curl_easy_setopt(w->curl, CURLOPT_SSLCERT, c->tls_cert);
	if (c->tls_key)
		curl_easy_setopt(w->curl, CURLOPT_SSLKEY, c->tls_key);
	if (c->tls_insecure) {
		curl_easy_setopt(w->curl, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(w->curl, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	*state = w;
	*ops = &webhook_ops;
	return 0;
}
