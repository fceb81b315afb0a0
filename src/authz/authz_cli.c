/*
 * palisade authz: the deploy gate as a long-running plugin (docs/authz.md).
 * The main thread owns the signals: SIGHUP reloads the policy (a broken file
 * keeps the running one), SIGINT and SIGTERM stop. The socket is removed at
 * exit, so that dockerd sees the plugin gone and refuses (fail closed).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "authz/internal.h"
#include "cli/cli.h"
#include "config/config.h"
#include "metrics/metrics.h"
#include "output/sink.h"
#include "supply/supply.h"

#define FILES_MAX 32
#define INSECURE_MAX 16

struct cli {
	const char *socket, *config;
	const char *files[FILES_MAX];
	size_t n_files;
	const char *insecure[INSECURE_MAX];
	bool check;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: palisade authz [OPTIONS]\n"
		"\n"
		"The deploy gate: Docker's authorization plugin (dockerd --authorization-plugin=NAME,\n"
		"where NAME.sock is the socket below). Each request to the Engine API is judged by\n"
		"the rules of source docker (the embedded baseline, rules/authz_baseline.yaml, then\n"
		"--rules); a rule with action deny refuses it, with its output as the message\n"
		"(docs/authz.md). What cannot be judged is refused.\n"
		"\n"
		"      --socket PATH          where to listen (default " AUTHZ_SOCKET_DEFAULT ")\n"
		"  -r, --rules PATH           rules file or directory, after the baseline (repeatable)\n"
		"      --no-baseline          without the embedded baseline\n"
		"      --key NAME=FILE        a trusted cosign public key for docker.image.signed\n"
		"                             (repeatable, at most 8)\n"
		"      --docker-socket PATH   dockerd's Engine API, for the images' digests\n"
		"                             (default /var/run/docker.sock)\n"
		"      --registry-timeout S   bound on one signature check (default 10)\n"
		"      --insecure-registry H  a registry dockerd reaches without TLS (repeatable)\n"
		"      --ca-file FILE         CA certificates for the registries\n"
		"  -c, --config FILE          outputs from this configuration (default: stdout)\n"
		"      --check                load the policy and the keys, report, exit\n");
}

static int add_key(struct az_gate *g, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char err[300];
	size_t n = g->trust.n_keys;

	if (!eq || eq == arg || n == 8) {
		fprintf(stderr, "palisade authz: --key %s: NAME=FILE, at most 8\n", arg);
		return -EINVAL;
	}
	if (supply_key_read_public(eq + 1, &g->trust.keys[n], err, sizeof(err))) {
		fprintf(stderr, "palisade authz: --key %s\n", err);
		return -EINVAL;
	}
	g->trust.names[n] = strndup(arg, (size_t)(eq - arg));
	g->trust.n_keys++;
	return 0;
}

static int parse_args(int argc, char **argv, struct cli *c, struct az_gate *g)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' }, { "rules", required_argument, NULL, 'r' },
		{ "no-baseline", no_argument, NULL, 'B' }, { "key", required_argument, NULL, 'k' },
		{ "docker-socket", required_argument, NULL, 'd' },
		{ "registry-timeout", required_argument, NULL, 't' },
		{ "insecure-registry", required_argument, NULL, 'i' },
		{ "ca-file", required_argument, NULL, 'a' }, { "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'C' }, { "help", no_argument, NULL, 'h' }, { 0 },
	};
	struct cli_line cl = { "palisade authz", "r:c:h", opts, usage, argc, argv, 0 };
	long v;
	int opt;

	while ((opt = cli_next(&cl)) > 0) {
		switch (opt) {
		case 's': c->socket = optarg; break;
		case 'r':
			if (c->n_files == FILES_MAX)
				return fprintf(stderr, "palisade authz: at most %d --rules\n", FILES_MAX), -1;
			c->files[c->n_files++] = optarg;
			break;
		case 'B': g->policy.cfg.baseline = false; break;
		case 'k': if (add_key(g, optarg)) return -1; break;
		case 'd': g->trust.docker_socket = optarg; break;
		case 't':
			if (cli_number(&cl, "--registry-timeout", optarg, 1, 300, &v))
				return -1;
			g->trust.timeout_ms = (unsigned)v * 1000;
			break;
		case 'i':
			if (g->trust.n_insecure == INSECURE_MAX)
				return fprintf(stderr, "palisade authz: too many --insecure-registry\n"), -1;
			c->insecure[g->trust.n_insecure++] = optarg;
			break;
		case 'a': g->trust.ca_file = optarg; break;
		case 'c': c->config = optarg; break;
		case 'C': c->check = true; break;
		}
	}
	if (opt == CLI_STOP && cl.status == 0)
		exit(0); /* --help */
	if (opt == CLI_STOP)
		return -1;
	return optind == argc ? 0 : (usage(stderr), -1);
}

/* The configuration's outputs, else stdout (Falco-schema JSON lines). */
static int start_sinks(const struct cli *c, struct az_policy *p, struct palisade_config **cfg)
{
	struct sink_cfg out;
	int ret;

	*cfg = NULL;
	if (c->config) {
		if (config_load(c->config, stderr, cfg))
			return -EINVAL;
		ret = sink_set_new((*cfg)->outputs, (*cfg)->n_outputs, &p->sinks);
	} else {
		if ((ret = config_output_defaults(&out, "stdout")))
			return ret;
		ret = sink_set_new(&out, 1, &p->sinks);
	}
	return ret ? ret : sink_set_start(p->sinks);
}

static void nonce(char out[33])
{
	unsigned char raw[16];
	FILE *f = fopen("/dev/urandom", "re");

	if (!f || fread(raw, 1, sizeof(raw), f) != sizeof(raw))
		memset(raw, 0, sizeof(raw));
	if (f)
		fclose(f);
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
}

/* Signals to the main thread alone; returns when asked to stop. */
static void serve(struct az_gate *g, const sigset_t *set)
{
	int sig;

	while (sigwait(set, &sig) == 0) {
		if (sig != SIGHUP)
			break;
		if (az_policy_load(&g->policy, stderr))
			fprintf(stderr, "palisade authz: reload failed: the running policy stays\n");
		else
			fprintf(stderr, "palisade authz: reloaded: %zu rules (generation %lu)\n",
				az_policy_rules(&g->policy), g->policy.generation);
	}
}

int authz_main(int argc, char **argv)
{
	struct az_gate g = { .policy = { .cfg = { .baseline = true },
					 .mu = PTHREAD_MUTEX_INITIALIZER },
			     .trust = { .docker_socket = "/var/run/docker.sock", .timeout_ms = 10000 } };
	struct cli c = { .socket = AUTHZ_SOCKET_DEFAULT };
	struct palisade_config *cfg = NULL;
	struct az_server *srv = NULL;
	char err[300], addr[300], id[33];
	sigset_t set;
	int fd = -1, ret = 2;

	g.trust.insecure = c.insecure;
	if (supply_init() || parse_args(argc, argv, &c, &g))
		goto cleanup;
	g.policy.cfg.files = c.files;
	g.policy.cfg.n_files = c.n_files;
	nonce(id);
	g.trust.nonce = id;
	if (az_policy_load(&g.policy, stderr)) {
		fprintf(stderr, "palisade authz: the policy does not load\n");
		goto cleanup;
	}
	fprintf(stderr, "palisade authz: policy: %zu rules, %zu trusted keys\n",
		az_policy_rules(&g.policy), g.trust.n_keys);
	if (c.check) {
		ret = 0;
		goto cleanup;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* before any thread starts */
	snprintf(addr, sizeof(addr), "unix:%s", c.socket);
	if (start_sinks(&c, &g.policy, &cfg) ||
	    metrics_listen_socket(addr, NULL, &fd, err, sizeof(err)) ||
	    az_server_start(&g, fd, &srv)) {
		fprintf(stderr, "palisade authz: cannot serve on %s: %s\n", c.socket,
			fd < 0 ? err : "outputs or server failed");
		goto cleanup;
	}
	fprintf(stderr, "palisade authz: serving %s\n", c.socket);
	serve(&g, &set);
	ret = 0;
cleanup:
	az_server_stop(srv);
	if (fd >= 0) {
		close(fd);
		unlink(c.socket);
	}
	if (g.policy.sinks) {
		sink_set_stop(g.policy.sinks);
		sink_set_free(g.policy.sinks);
	}
	fprintf(stderr, "palisade authz: %lu allowed, %lu denied, %lu refused unjudged, %lu bad "
			"requests\n", g.allowed, g.denied, g.refused, g.bad);
	az_policy_release(&g.policy);
	for (size_t i = 0; i < g.trust.n_keys; i++) {
		supply_key_free(g.trust.keys[i]);
		free((void *)g.trust.names[i]);
	}
	config_free(cfg);
	return ret;
}
