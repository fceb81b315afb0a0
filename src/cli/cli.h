/*
 * cli/: the command line of every subcommand whose flags are not settings
 * (`run` and `replay` take theirs from the settings table, config/): getopt_long
 * with getopt's own messages off, so that every command reports an unknown
 * option, a missing value and a bad number in the same words, the same way
 * (`CMD: --x: unknown option (see `CMD --help`)`, as config/ does for `run`).
 * Knows no command: each passes its options, its usage printer and its name.
 * Depends on nothing in src/. Caller's thread (getopt's globals: one parse at a
 * time).
 *
 * Usage:
 *
 *	struct cli_line cl = { "palisade tail", "h", longopts, usage, argc, argv, 0 };
 *	while ((c = cli_next(&cl)) > 0)
 *		switch (c) { ... }
 *	if (c == CLI_STOP)
 *		return cl.status;
 *
 * cli_next() reads argv from optind (set it first: 1, or 2 after a verb) and
 * returns the next option's value (> 0), CLI_END once the options are read
 * (optind: the first operand), or CLI_STOP: -h/--help printed the usage on
 * stdout (status 0), or an unknown option or a missing value was reported on
 * stderr, followed by the usage (status 2). `shorts` holds "h" to take -h.
 */
#ifndef PALISADE_CLI_H
#define PALISADE_CLI_H

#include <getopt.h>
#include <stdio.h>

#define CLI_END 0
#define CLI_STOP (-1)

struct cli_line {
	const char *cmd; /* "palisade tail": how messages start */
	const char *shorts;
	const struct option *longs;
	void (*usage)(FILE *f);
	int argc;
	char **argv;
	int status; /* after CLI_STOP: what the command exits with */
};

int cli_next(struct cli_line *c);

/*
 * `arg` of option `flag` as a whole number from min to max into *out; else
 * "CMD: FLAG ARG: expected a whole number from MIN to MAX" and -EINVAL.
 */
int cli_number(const struct cli_line *c, const char *flag, const char *arg, long min, long max,
	       long *out);

#endif
