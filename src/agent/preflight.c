/*
 * Configuration checked once, the same way (issue 12): what `run` refuses
 * before it starts anything, found without starting anything. `run` calls
 * agent_preflight() right after loading the rules; `palisade config check`
 * loads the configuration and the rules the same way and calls it too, so
 * that `config check` says "ok" exactly when `run` would get past its
 * checks. What it cannot know is said in docs/configuration.md: a port
 * another process takes, a receiver that is down, a full disk.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/agent.h"
#include "agent/rules_load.h"
#include "config/config.h"
#include "metrics/metrics.h"
#include "outfile/outfile.h"
#include "output/sink.h"

/* The listeners' names resolve and their group exists; the token is usable. */
static int check_metrics(const struct metrics_cfg *m)
{
	const char *addrs[] = { m->listen, m->health_listen }, *keys[] = { "metrics.listen",
									   "metrics.health_listen" };
	unsigned char *token = NULL;
	size_t len;
	char why[256];
	int err = 0;

	if (!*m->listen)
		return 0;
	for (size_t i = 0; i < 2 && !err; i++) {
		if (!*addrs[i] || !(err = metrics_address_check(addrs[i], m->socket_group, why,
								 sizeof(why))))
			continue;
		fprintf(stderr, "palisade: %s %s: %s\n", keys[i], addrs[i], why);
	}
	if (!err && *m->token_file)
		err = outfile_read_secret(m->token_file, "metrics token file", 16, &token, &len);
	free(token);
	return err;
}

int agent_preflight(const struct palisade_config *c)
{
	const struct outfile_spec events = { .kind = OUTFILE_EVENTS, .truncate = true,
					     .force = c->force, .mode = 0600 },
				  record = { .kind = OUTFILE_RECORDING, .truncate = true,
					     .force = c->force, .mode = 0600 };
	int err = 0, one;

	/* Every problem is said, not only the first. */
	for (size_t i = 0; i < c->n_outputs; i++)
		if ((one = sink_cfg_check(&c->outputs[i])))
			err = err ? err : one;
	if (*c->events_output && strcmp(c->events_output, "-") && strcmp(c->events_output, "none") &&
	    (one = outfile_check(c->events_output, &events, "events output")))
		err = err ? err : one;
	if (*c->record_output && (one = outfile_check(c->record_output, &record, "record file")))
		err = err ? err : one;
	if ((one = check_metrics(&c->metrics)))
		err = err ? err : one;
	if (c->audit_watch && !c->docker_enabled) {
		fprintf(stderr, "palisade: audit.watch needs the Docker Engine API, and "
				"docker.enabled is false (--no-docker): drop one of them\n");
		err = err ? err : -EINVAL;
	}
	return err;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* `palisade config check FILE`: the file, then what run checks next. */
static int config_check(const char *path)
{
	struct palisade_config *c = NULL;
	struct rules_engine *rules = NULL;
	int err;

	err = config_load(path, stderr, &c);
	if (err)
		return 1;
	err = agent_rules_load(c, (int64_t)(clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME)),
			       &rules);
	if (agent_preflight(c))
		err = err ? err : -EINVAL;
	if (err)
		fprintf(stderr, "%s: `palisade run` would refuse this configuration\n", path);
	else
		printf("%s: ok (%zu output%s)\n", path, c->n_outputs, c->n_outputs == 1 ? "" : "s");
	rules_engine_free(rules);
	config_free(c);
	return err ? 1 : 0;
}

int agent_config_main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "check") == 0)
		return config_check(argv[2]);
	return config_cli_main(argc, argv);
}
