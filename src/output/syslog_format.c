/*
 * RFC 5424 and RFC 3164 encoders (see syslog_format.h). Everything is
 * appended through struct out, which stops at the buffer's end and says so,
 * so no field can overrun the caller's buffer whatever its content.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "event/event.h"
#include "output/syslog_format.h"

int syslog_facility_parse(const char *name, int *facility)
{
	const char *at = SYSLOG_FACILITIES;
	size_t len = name ? strlen(name) : 0;

	/* The n-th name of SYSLOG_FACILITIES is facility n (RFC 5424 table 1). */
	for (int n = 0; len && *at; n++) {
		size_t w = strcspn(at, "|");

		if (w == len && !strncmp(at, name, len)) {
			*facility = n;
			return 0;
		}
		at += w + (at[w] == '|');
	}
	return -EINVAL;
}

int syslog_severity(enum rules_priority p)
{
	if ((int)p < RULES_PRIO_EMERGENCY || p > RULES_PRIO_DEBUG)
		return RULES_PRIO_DEBUG;
	return (int)p; /* the enum is ordered as syslog's severities */
}

int syslog_app_name_check(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n < 1 || n > 32)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return -EINVAL;
	}
	return 0;
}

struct out {
	char *buf;
	size_t size, len;
	bool full; /* something did not fit */
};

static void put(struct out *o, const char *s, size_t n)
{
	if (n > o->size - o->len) {
		o->full = true;
		n = o->size - o->len;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void putf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct out *o, const char *fmt, ...)
{
	char tmp[128]; /* every use is bounded: numbers, dates, a checked app name */
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		o->full = true;
		return;
	}
	put(o, tmp, (size_t)n);
}

/* HOSTNAME (RFC 5424 6.2.4: 1*255 PRINTUSASCII, "-" when unknown): a space
 * or control byte would shift every field after it, so it becomes '_'. */
static void put_hostname(struct out *o, const char *host)
{
	size_t n = host ? strlen(host) : 0;

	if (n == 0) {
		puts_(o, "-");
		return;
	}
	if (n > 255)
		n = 255;
	for (size_t i = 0; i < n; i++) {
		char c = (unsigned char)host[i] > 32 && (unsigned char)host[i] < 127 ? host[i] : '_';

		put(o, &c, 1);
	}
}

/* PARAM-VALUE (RFC 5424 6.3.3): '"', '\' and ']' are escaped with '\'. */
static void put_param(struct out *o, const char *name, const char *val)
{
	putf(o, " %s=\"", name);
	for (const char *p = val ? val : ""; *p; p++) {
		if (*p == '"' || *p == '\\' || *p == ']')
			put(o, "\\", 1);
		put(o, p, 1);
	}
	put(o, "\"", 1);
}

/* A syslog header's time: RFC 5424 6.2.3 (local, microseconds, offset) or
 * RFC 3164 4.1.2 ("Mmm dd hh:mm:ss", local). */
static void put_time(struct out *o, uint64_t epoch_ns, enum event_time_style style)
{
	char t[48];
	size_t n = event_time_format(epoch_ns, style, t, sizeof(t));

	put(o, t, n < sizeof(t) ? n : sizeof(t) - 1);
}

/* Appends as much of msg as fits, never splitting a UTF-8 sequence.
 * Returns true when msg was cut. */
static bool put_msg_cut(struct out *o, const char *msg, size_t len)
{
	size_t room = o->size - o->len;

	if (len <= room) {
		put(o, msg, len);
		return false;
	}
	len = room;
	while (len > 0 && ((unsigned char)msg[len] & 0xC0) == 0x80)
		len--;
	put(o, msg, len);
	return true;
}

int syslog_sd_id_check(const char *id)
{
	const char *at = id ? strchr(id, '@') : NULL;
	const char *p;

	if (!at || at == id || strlen(id) > 32 || !isdigit((unsigned char)at[1]))
		return -EINVAL;
	for (p = id; p < at; p++)
		if ((unsigned char)*p <= 32 || (unsigned char)*p >= 127 || strchr("= ]\"@", *p))
			return -EINVAL;
	for (p = at + 1; *p; p++)
		if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1])))
			return -EINVAL;
	return 0;
}

int syslog_format(char *buf, size_t size, const struct syslog_format_opts *opt,
		  const struct sink_record *r, bool *truncated)
{
	struct out o = { .buf = buf, .size = size };
	const char *msg = opt->msg_json ? r->json : r->output;
	size_t msg_len = opt->msg_json ? r->json_len : strlen(r->output);
	int pri;

	*truncated = false;
	if (size < SYSLOG_MSG_MIN || opt->facility < 0 || opt->facility > 23 ||
	    syslog_app_name_check(opt->app_name) != 0 ||
	    (opt->sd_id && syslog_sd_id_check(opt->sd_id) != 0))
		return -EINVAL;
	pri = opt->facility * 8 + syslog_severity(r->priority);

	if (opt->format == SYSLOG_RFC3164) {
		putf(&o, "<%d>", pri);
		put_time(&o, r->time_ns, EVENT_TIME_LOCAL_BSD);
		put(&o, " ", 1);
		put_hostname(&o, r->hostname);
		putf(&o, " %s[%d]: ", opt->app_name, (int)opt->procid);
	} else {
		putf(&o, "<%d>1 ", pri);
		put_time(&o, r->time_ns, EVENT_TIME_LOCAL_US);
		put(&o, " ", 1);
		put_hostname(&o, r->hostname);
		putf(&o, " %s %d %s [%s", opt->app_name, (int)opt->procid,
		     r->acted ? "action" : "alert",
		     opt->sd_id ? opt->sd_id : SYSLOG_SD_ID);
		put_param(&o, "rule", r->rule);
		put_param(&o, "priority", rules_priority_name(r->priority));
		put_param(&o, "container_id", r->container_id);
		put_param(&o, "container_name", r->container_name);
		put_param(&o, "container_image", r->container_image);
		putf(&o, " pid=\"%u\"", (unsigned)r->pid);
		if (o.len + 2 + msg_len > size)
			putf(&o, " truncated=\"%zu\"", msg_len);
		puts_(&o, "] ");
	}
	/* The header and structured data must be whole; only MSG may be cut. */
	if (o.full)
		return -EMSGSIZE;
	*truncated = put_msg_cut(&o, msg, msg_len);
	return (int)o.len;
}
