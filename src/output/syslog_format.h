/*
 * Syslog message encoding: RFC 5424 (the structured format every current
 * receiver parses) and RFC 3164 (the BSD format old receivers expect). Pure
 * functions into a caller buffer: no I/O, no allocation, so they are tested
 * byte for byte and the transports (syslog_sink.c) only move bytes.
 */
#ifndef PALISADE_SYSLOG_FORMAT_H
#define PALISADE_SYSLOG_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "output/sink.h"

/* RFC 5424 6.3.2: the default SD-ID of palisade's structured data. 32473 is
 * the private enterprise number RFC 5612 reserves for documentation and
 * examples: a site with its own number sets sd_id (docs/syslog.md). */
#define SYSLOG_SD_ID "palisade@32473"

/* The smallest buffer a message may be formatted into: a typical header and
 * some of the message (a longer header is refused, never cut). */
#define SYSLOG_MSG_MIN 480 /* RFC 5426 3.2: what every IPv4 receiver accepts */
#define SYSLOG_MSG_DEFAULT 8192 /* rsyslog's default maxMessageSize */
#define SYSLOG_MSG_MAX 65000    /* a UDP datagram's payload, with room to spare */

enum syslog_format { SYSLOG_RFC5424, SYSLOG_RFC3164 };

struct syslog_format_opts {
	enum syslog_format format;
	int facility;          /* 0..23, from syslog_facility_parse() */
	const char *app_name;  /* APP-NAME / TAG, checked by syslog_app_name_check() */
	pid_t procid;          /* the sender's pid (PROCID / TAG[pid]) */
	bool msg_json;         /* MSG is the alert JSON instead of the output line */
	const char *sd_id;     /* NULL: SYSLOG_SD_ID; checked by syslog_sd_id_check() */
};

/* The facilities by number (RFC 5424 table 1; "auth" and "authpriv" as
 * syslog(3) names them): the one list the parser, the configuration's
 * choices and the docs read. */
#define SYSLOG_FACILITIES                                                               \
	"kern|user|mail|daemon|auth|syslog|lpr|news|uucp|cron|authpriv|ftp|ntp|audit|"  \
	"alert|clock|local0|local1|local2|local3|local4|local5|local6|local7"

/* A name of SYSLOG_FACILITIES to its number. Returns 0, or -EINVAL for any
 * other name (case-sensitive, as in syslog.conf). */
int syslog_facility_parse(const char *name, int *facility);

/* Falco's priorities are syslog's severities by name and order: Emergency
 * is 0, Debug is 7. */
int syslog_severity(enum rules_priority p);

/* An APP-NAME must be 1..48 printable US-ASCII characters (RFC 5424 6.2.5);
 * RFC 3164 TAGs are alphanumeric, which is stricter, so one check serves
 * both: [A-Za-z0-9_.-]{1,32}. Returns 0 or -EINVAL. */
int syslog_app_name_check(const char *name);

/* A private SD-ID is NAME@PEN (RFC 5424 6.3.2, 7.2.2): NAME 1 or more
 * printable US-ASCII characters but '=', ' ', ']', '"' and '@', PEN an
 * enterprise number (digits, dots allowed after the first), 32 characters in
 * all. Returns 0 or -EINVAL. */
int syslog_sd_id_check(const char *id);

/*
 * Formats one record into buf (size bytes, at least SYSLOG_MSG_MIN), without
 * a trailing newline or NUL. Returns the length, or -EINVAL (bad options,
 * size too small). A MSG that does not fit is cut at a UTF-8 character
 * boundary and *truncated is set; RFC 5424 messages then also carry
 * truncated="ORIGINAL-BYTES" in their structured data, so the receiver sees
 * the loss too.
 */
int syslog_format(char *buf, size_t size, const struct syslog_format_opts *o,
		  const struct sink_record *r, bool *truncated);

#endif
