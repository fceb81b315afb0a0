/* The key table shared by the parser and the docs printer. */
#ifndef PALISADE_CONFIG_INTERNAL_H
#define PALISADE_CONFIG_INTERNAL_H

#include "config/config.h"

enum config_type {
	CFG_STR,
	CFG_BOOL,
	CFG_UINT,    /* decimal, within [min, max]; uint64_t, or uint32_t in a sink */
	CFG_POW2,    /* CFG_UINT that must also be a power of two */
	CFG_BYTES,   /* uint64_t with an optional K, M or G suffix (1024-based) */
	CFG_NUMBER,  /* a non-negative decimal number */
	CFG_PRIO,    /* EMERGENCY .. DEBUG */
	CFG_ENUM,    /* one of `choices` */
	CFG_STRLIST, /* a string or a list of strings; count at off_n */
	CFG_HEADERS, /* a mapping of header name to value; count at off_n */
	CFG_OUTPUTS, /* the list of sinks, each checked against the output keys */
};

/* Sink types, for output keys that belong to some types only. */
enum {
	OUT_STDOUT = 1 << 0,
	OUT_FILE = 1 << 1,
	OUT_WEBHOOK = 1 << 2,
	OUT_SYSLOG = 1 << 3,
	OUT_AUDIT = 1 << 4,
	OUT_ALL = (1 << 5) - 1,
};

struct config_key {
	const char *name;    /* dotted path ("rules.min_priority") or output key */
	enum config_type type;
	const char *def;     /* the default, as it would be written in the file */
	const char *desc;
	size_t off, off_n;   /* where the value (and a list's count) goes */
	uint64_t min, max;   /* CFG_UINT, CFG_POW2, CFG_BYTES; CFG_NUMBER when not 0 */
	const char *choices; /* CFG_ENUM: "a|b|c"; CFG_STRLIST: each element's */
	unsigned types;      /* output keys: the sink types it applies to */
	bool required;       /* output keys: the type needs it */
};

extern const struct config_key config_keys[];
extern const size_t config_key_count;
extern const struct config_key config_output_keys[];
extern const size_t config_output_key_count;

/* "file" -> OUT_FILE; 0 for an unknown type. */
unsigned config_output_type_bit(const char *type);
extern const char config_output_types[]; /* "stdout|file|webhook|syslog|audit_log" */

#endif
