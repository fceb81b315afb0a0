/*
 * The latest alerts and action records, for the web view: a fixed ring of
 * their Falco JSON lines, rendered into the "alerts" document at publish
 * time. Bounded: WEB_RING_MAX lines of at most WEB_ALERT_MAX bytes each.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "output/json_writer.h"
#include "web/web.h"

struct web_ring {
	pthread_mutex_t lock;
	char *line[WEB_RING_MAX]; /* line[(next - 1) % MAX] is the newest */
	size_t next, kept;
	uint64_t total, truncated;
};

int web_ring_new(struct web_ring **out)
{
	struct web_ring *r = calloc(1, sizeof(*r));

	*out = r;
	if (!r)
		return -ENOMEM;
	pthread_mutex_init(&r->lock, NULL);
	return 0;
}

void web_ring_free(struct web_ring *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < WEB_RING_MAX; i++)
		free(r->line[i]);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

/* What is kept of an alert too big to keep whole. */
static char *short_form(const struct alert *al)
{
	struct jw w = { 0 };

	jw_object_begin(&w, NULL);
	jw_time(&w, "time", al->time_ns);
	jw_str(&w, "rule", al->rule);
	jw_str(&w, "priority", rules_priority_name(al->priority));
	jw_str(&w, "source", al->source);
	jw_object_begin(&w, "output_fields");
	jw_str(&w, "container.name", al->container_name);
	jw_str(&w, "container.id", al->container_id);
	jw_object_end(&w);
	jw_bool(&w, "truncated", true);
	jw_object_end(&w);
	if (w.failed) {
		jw_release(&w);
		return NULL;
	}
	return w.buf;
}

void web_ring_add(struct web_ring *r, const struct alert *al)
{
	char *line = alert_to_json(al);
	bool cut = line && strlen(line) > WEB_ALERT_MAX;

	if (cut) {
		free(line);
		line = short_form(al);
	}
	pthread_mutex_lock(&r->lock);
	r->total++;
	r->truncated += cut;
	if (line) {
		free(r->line[r->next]);
		r->line[r->next] = line;
		r->next = (r->next + 1) % WEB_RING_MAX;
		if (r->kept < WEB_RING_MAX)
			r->kept++;
	}
	pthread_mutex_unlock(&r->lock);
}

static bool append(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t c = (*len + n + 1) * 2;
		char *b = realloc(*buf, c);

		if (!b)
			return false;
		*buf = b;
		*cap = c;
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = 0;
	return true;
}

char *web_ring_doc(void *ctx, size_t *len)
{
	struct web_ring *r = ctx;
	char head[160], *buf = NULL;
	size_t n = 0, cap = 0;
	bool ok;

	pthread_mutex_lock(&r->lock);
	snprintf(head, sizeof(head),
		 "{\"total\":%llu,\"kept\":%zu,\"max\":%d,\"truncated\":%llu,\"alerts\":[",
		 (unsigned long long)r->total, r->kept, WEB_RING_MAX,
		 (unsigned long long)r->truncated);
	ok = append(&buf, &n, &cap, head, strlen(head));
	for (size_t i = 0; ok && i < r->kept; i++) {
		const char *line = r->line[(r->next + WEB_RING_MAX - 1 - i) % WEB_RING_MAX];

		ok = (i == 0 || append(&buf, &n, &cap, ",", 1)) &&
		     append(&buf, &n, &cap, line, strlen(line));
	}
	pthread_mutex_unlock(&r->lock);
	ok = ok && append(&buf, &n, &cap, "]}", 2);
	if (!ok) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}
