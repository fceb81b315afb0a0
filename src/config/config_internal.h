/* The tables shared by the parsers (file and command line) and the printers. */
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
	CFG_STRLIST, /* a string or a list of strings (at most max); count at off_n */
	CFG_HEADERS, /* a mapping of header name to value; count at off_n */
	CFG_OUTPUTS, /* the list of sinks; on the command line FILE, "-" or "none" */
	CFG_SINK_TYPE, /* the name of a row of config_sink_types */
	CFG_COUNT,   /* a switch counted on the command line (-vv: 2), at most max */
	CFG_SELECT,  /* Falco's rule selection: a list of {enable|disable: {rule|tag: X}};
		      * on the command line `sets` says which (-D, -T, -t) */
	CFG_APPEND,  /* Falco's append_output: a list of {match, extra_output, extra_fields} */
	CFG_PLAYBOOKS, /* playbooks: a mapping of NAME: [step, ...] (struct rules_playbook) */
	CFG_OVERRIDE, /* -o KEY=VALUE: a key of the configuration file (or of falco.yaml) */
	CFG_REFUSED, /* a flag of Falco's refused: desc says why and what to use instead */
};

/*
 * One setting. A row with a file key (`name`) is read from the file, a row
 * with a `flag` from the command line, through the same validator; both
 * write the member at `off`. Adding a setting is adding a row (and the
 * member it fills).
 */
struct config_key {
	const char *name;    /* dotted path ("rules.min_priority"); NULL: command line only */
	enum config_type type;
	const char *def;     /* the default, as it would be written in the file */
	const char *desc;
	size_t off, off_n;   /* where the value (and a list's count) goes */
	uint64_t min, max;   /* CFG_UINT, CFG_POW2, CFG_BYTES; CFG_NUMBER when not 0;
			      * CFG_STRLIST: max entries */
	const char *choices; /* CFG_ENUM, CFG_PRIO: "a|b|c"; CFG_STRLIST: each entry's */
	bool required;       /* sink keys: the type needs it */
	/* A string's own validator, for the file and the flag alike (e.g. the
	 * syntax of an address); NULL: any string. 0, or why it is refused. */
	int (*check)(const char *value, char *why, size_t why_size);
	const char *example; /* a required key: a value for `config example` */
	/* The command line (none of these: the file only). */
	const char *flag;      /* long option without "--" */
	char short_flag;       /* e.g. 'o'; 0: none */
	const char *arg;       /* the value's name in --help ("N"); NULL: a switch */
	bool optional;         /* the value may be left out (--list, --list=SOURCE) */
	const char *sets;      /* a switch: the value it gives the setting ("true") */
	const char *flag_desc; /* --help text, when it differs from desc */
	unsigned cmds;         /* enum config_cmd: the subcommands that take the flag */
	const char *falco;     /* the flag of Falco's this row serves ("-r"), for
				* docs/falco-migration.md; NULL: none */
};

extern const struct config_key config_keys[];
extern const size_t config_key_count;

/*
 * One kind of sink: its name in `type:`, the constructor the sink framework
 * calls, and the keys of its own (beyond config_sink_common_keys). Adding a
 * sink type is adding a row here, its key rows and its member of sink_cfg.
 */
struct config_sink_type {
	const char *name;
	sink_create_fn create;
	sink_check_fn check; /* what create refuses, found without making anything */
	const char *desc;
	const struct config_key *keys;
	size_t n_keys;
};

extern const struct config_sink_type config_sink_types[];
extern const size_t config_sink_type_count;
/* The keys every sink has (type, name, queue_size, spool, retries, ...). */
extern const struct config_key config_sink_common_keys[];
extern const size_t config_sink_common_key_count;

/* The row of `name`, or NULL. */
const struct config_sink_type *config_sink_type_find(const char *name);
/* The sink types as "a|b|c" (messages). */
void config_sink_type_names(char *buf, size_t size);

#endif
