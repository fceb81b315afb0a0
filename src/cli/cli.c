/* A subcommand's command line, one wording for its problems (cli.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

/* The option as the user typed it: "--name" (without "=value") or "-x". */
static void typed(const struct cli_line *c, int opt, char *buf, size_t len)
{
	const char *arg = optind > 0 && optind <= c->argc ? c->argv[optind - 1] : "";

	if (strncmp(arg, "--", 2) == 0)
		snprintf(buf, len, "%.*s", (int)strcspn(arg, "="), arg);
	else if (opt > 0 && opt < 256)
		snprintf(buf, len, "-%c", opt);
	else
		snprintf(buf, len, "%s", arg);
}

int cli_next(struct cli_line *c)
{
	char shorts[64], name[64];
	int opt;

	snprintf(shorts, sizeof(shorts), ":%s", c->shorts);
	opterr = 0;
	opt = getopt_long(c->argc, c->argv, shorts, c->longs, NULL);
	if (opt == -1)
		return CLI_END;
	if (opt == 'h') {
		c->usage(stdout);
		c->status = 0;
		return CLI_STOP;
	}
	if (opt != '?' && opt != ':')
		return opt;
	typed(c, optopt, name, sizeof(name));
	fprintf(stderr, "%s: %s: %s (see `%s --help`)\n", c->cmd, name,
		opt == ':' ? "needs a value" : "unknown option", c->cmd);
	c->usage(stderr);
	c->status = 2;
	return CLI_STOP;
}

int cli_number(const struct cli_line *c, const char *flag, const char *arg, long min, long max,
	       long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < min || v > max) {
		fprintf(stderr, "%s: %s %s: expected a whole number from %ld to %ld\n", c->cmd, flag,
			arg, min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}
