/* palisade: subcommand dispatch only. */
#include <stdio.h>
#include <string.h>

#include "agent/agent.h"
#include "audit/audit.h"
#include "authz/authz.h"
#include "capture/capture.h"
#include "output/audit_log.h"
#include "output/nats_tail.h"
#include "profile/profile.h"
#include "config/config.h"
#include "fim/fim.h"
#include "net/net.h"
#include "rules/rules.h"
#include "status/status.h"
#include "supply/supply.h"
#include "version.h"

static const struct command {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "run", agent_run_main, "run the agent: load the eBPF sensors, print alerts" },
	{ "replay", agent_replay_main, "re-run the pipeline over a `run --record` file" },
	{ "rules", rules_cli_main, "check or list rules files (Falco's language)" },
	{ "fields", fields_cli_main, "list every field the rules may use" },
	{ "log", audit_log_cli_main, "verify a tamper-evident audit log (docs/audit-log.md)" },
	{ "status", status_cli_main, "ask the running agent how it is (uptime, losses, sinks)" },
	{ "isolate", isolate_cli_main, "cut a container off the network, or lift it (--undo)" },
	{ "incidents", incidents_cli_main, "recent alerts that acted: steps, outcomes, captures (audit log)" },
	{ "flows", net_flows_cli_main, "network flows of every container, live (top-like) or JSON" },
	{ "policy", net_policy_cli_main, "label policies (CiliumNetworkPolicy): check a file, explain a verdict" },
	{ "config", agent_config_main, "check a configuration file, list every key" },
	{ "tail", nats_tail_main, "print the fleet's alerts from NATS JetStream (--nats URL)" },
	{ "audit", audit_cli_main, "CIS / least-privilege audit of the host, compose files, manifests" },
	{ "authz", authz_main, "the deploy gate: Docker's authorization plugin, judged by the rules" },
	{ "image", supply_image_main, "cosign-compatible image signatures: keygen, sign, verify" },
	{ "fim", fim_cli_main, "file integrity: baseline init, check, update (docs/fim.md)" },
	{ "profile", profile_cli_main, "learn seccomp, capabilities, limits from a container; check" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: palisade COMMAND [OPTIONS]\n\n"
		   "palisade is an eBPF runtime-security agent for Docker hosts.\n\n"
		   "Commands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n  palisade COMMAND --help   options of a command\n"
		   "  palisade --version        print the version\n");
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("palisade %s\n", PALISADE_VERSION);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].main(argc - 1, argv + 1);
	fprintf(stderr, "palisade: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return 2;
}
