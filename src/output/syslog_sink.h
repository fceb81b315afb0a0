/*
 * The syslog sink: alerts as RFC 5424 (or 3164) messages over a unix
 * datagram socket (/dev/log), UDP, TCP (RFC 6587 octet counting) or TLS
 * (RFC 5425). Connects lazily and again after any failure; deliver() returns
 * -errno so the framework retries. docs/syslog.md describes every option.
 */
#ifndef PALISADE_SYSLOG_SINK_H
#define PALISADE_SYSLOG_SINK_H

#include <stdint.h>

#include "output/sink.h"

/* Checks cfg (and loads the TLS files) now, so a bad configuration fails at
 * start with a message naming the option. Returns 0 or a negative errno. */
int syslog_sink_create(const struct syslog_sink_cfg *cfg, void **state);
extern const struct sink_ops syslog_sink_ops;

struct syslog_sink_stats {
	uint64_t sent;       /* messages handed to the transport */
	uint64_t failed;     /* deliver() calls that returned an error */
	uint64_t truncated;  /* messages whose MSG was cut to max_message */
	uint64_t connects;   /* connections (re)established */
};
/* Safe from any thread while deliver() runs on the sink's own. */
void syslog_sink_get_stats(void *state, struct syslog_sink_stats *out);
/* The last delivery error ("" when the last delivery succeeded). Only from
 * the thread that calls deliver(). */
const char *syslog_sink_last_error(void *state);

#endif
