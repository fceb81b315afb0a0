#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event/event.h"
#include "output/json_writer.h"

static bool reserve(struct jw *w, size_t more)
{
	size_t cap;
	char *n;

	if (w->failed)
		return false;
	if (w->len + more + 1 <= w->cap)
		return true;
	cap = w->cap ? w->cap : 1024;
	while (cap < w->len + more + 1)
		cap *= 2;
	n = realloc(w->buf, cap);
	if (!n) {
		w->failed = true;
		return false;
	}
	w->buf = n;
	w->cap = cap;
	return true;
}

static void put(struct jw *w, const char *s, size_t n)
{
	if (!reserve(w, n))
		return;
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

static void put_escaped(struct jw *w, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	put(w, "\"", 1);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

		if (c == '"' || c == '\\') {
			char two[2] = { '\\', (char)c };

			put(w, two, 2);
		} else if (c == '\n') {
			put(w, "\\n", 2);
		} else if (c == '\t') {
			put(w, "\\t", 2);
		} else if (c < 0x20 || c == 0x7f) {
			put(w, esc, 6);
		} else {
			put(w, (const char *)&s[i], 1);
		}
	}
	put(w, "\"", 1);
}

static void key(struct jw *w, const char *k)
{
	if (w->need_comma)
		put(w, ",", 1);
	w->need_comma = true;
	if (k) {
		put_escaped(w, k, strlen(k));
		put(w, ":", 1);
	}
}

void jw_reset(struct jw *w)
{
	w->len = 0;
	w->need_comma = false;
	w->failed = false;
	if (w->buf)
		w->buf[0] = '\0';
}

void jw_release(struct jw *w)
{
	free(w->buf);
	memset(w, 0, sizeof(*w));
}

void jw_object_begin(struct jw *w, const char *k)
{
	key(w, k);
	put(w, "{", 1);
	w->need_comma = false;
}

void jw_object_end(struct jw *w)
{
	put(w, "}", 1);
	w->need_comma = true;
}

void jw_array_begin(struct jw *w, const char *k)
{
	key(w, k);
	put(w, "[", 1);
	w->need_comma = false;
}

void jw_array_end(struct jw *w)
{
	put(w, "]", 1);
	w->need_comma = true;
}

void jw_strn(struct jw *w, const char *k, const char *val, size_t len)
{
	key(w, k);
	put_escaped(w, val, len);
}

void jw_str(struct jw *w, const char *k, const char *val)
{
	if (!val) {
		jw_null(w, k);
		return;
	}
	jw_strn(w, k, val, strlen(val));
}

void jw_u64(struct jw *w, const char *k, uint64_t val)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%llu", (unsigned long long)val);

	key(w, k);
	put(w, num, (size_t)n);
}

void jw_i64(struct jw *w, const char *k, int64_t val)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%lld", (long long)val);

	key(w, k);
	put(w, num, (size_t)n);
}

void jw_bool(struct jw *w, const char *k, bool val)
{
	key(w, k);
	put(w, val ? "true" : "false", val ? 4 : 5);
}

void jw_null(struct jw *w, const char *k)
{
	key(w, k);
	put(w, "null", 4);
}

void jw_time(struct jw *w, const char *k, uint64_t epoch_ns)
{
	char ts[40];

	event_time_format(epoch_ns, EVENT_TIME_RFC3339_NS, ts, sizeof(ts));
	jw_str(w, k, ts);
}
