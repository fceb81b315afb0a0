/* The one formatter of wall-clock times (event.h, enum event_time_style). */
#include <stdio.h>
#include <time.h>

#include "event/event.h"

size_t event_time_format(uint64_t epoch_ns, enum event_time_style style, char *buf, size_t size)
{
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t s = (time_t)(epoch_ns / 1000000000ull);
	unsigned long ns = (unsigned long)(epoch_ns % 1000000000ull);
	bool local = style == EVENT_TIME_LOCAL_US || style == EVENT_TIME_LOCAL_BSD;
	struct tm tm;
	long off;
	int n;

	if (local)
		localtime_r(&s, &tm);
	else
		gmtime_r(&s, &tm);
	off = tm.tm_gmtoff / 60;
	switch (style) {
	case EVENT_TIME_RFC3339_S:
		n = snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
			     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		break;
	case EVENT_TIME_DATETIME_NS:
		n = snprintf(buf, size, "%04d-%02d-%02d %02d:%02d:%02d.%09lu", tm.tm_year + 1900,
			     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ns);
		break;
	case EVENT_TIME_OF_DAY_NS:
		n = snprintf(buf, size, "%02d:%02d:%02d.%09lu", tm.tm_hour, tm.tm_min, tm.tm_sec, ns);
		break;
	case EVENT_TIME_OF_DAY_S:
		n = snprintf(buf, size, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
		break;
	case EVENT_TIME_LOCAL_US:
		n = snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%06lu%c%02ld:%02ld",
			     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			     tm.tm_sec, ns / 1000, off < 0 ? '-' : '+', (off < 0 ? -off : off) / 60,
			     (off < 0 ? -off : off) % 60);
		break;
	case EVENT_TIME_LOCAL_BSD:
		n = snprintf(buf, size, "%s %2d %02d:%02d:%02d", months[tm.tm_mon], tm.tm_mday,
			     tm.tm_hour, tm.tm_min, tm.tm_sec);
		break;
	default: /* EVENT_TIME_RFC3339_NS */
		n = snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%09luZ", tm.tm_year + 1900,
			     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ns);
	}
	return n < 0 ? 0 : (size_t)n;
}
