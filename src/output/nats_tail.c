/* `palisade tail --nats URL` (nats_tail.h). */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nats/nats.h>

#include "cli/cli.h"
#include "output/nats_tail.h"

struct tail_options {
	const char *url, *subject;
	bool all, json;
	long idle_exit_ms; /* 0: wait for ever */
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: palisade tail --nats URL [OPTIONS]\n"
		"\n"
		"Prints the alerts that palisade agents publish to a NATS JetStream stream\n"
		"(outputs of type nats, docs/fleet.md), one line each: time, host, host id,\n"
		"priority, rule, output. Runs until SIGINT.\n"
		"\n"
		"Options:\n"
		"      --nats URL            the NATS server (nats://host:port)\n"
		"      --subject SUBJECT     what to read (default palisade.>: every host and\n"
		"                            priority; palisade.web1.* one host)\n"
		"      --all                 start at the stream's first message (default: new\n"
		"                            ones only)\n"
		"      --json                print each message's JSON as published\n"
		"      --idle-exit-ms N      exit when no message came for N ms (scripts)\n"
		"  -h, --help                show this help\n");
}

/* -1: go on; else the status to exit with (--help, a problem reported). */
static int parse(int argc, char **argv, struct tail_options *o)
{
	enum { OPT_NATS = 256, OPT_SUBJECT, OPT_ALL, OPT_JSON, OPT_IDLE };
	static const struct option longopts[] = {
		{ "nats", required_argument, NULL, OPT_NATS },
		{ "subject", required_argument, NULL, OPT_SUBJECT },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "idle-exit-ms", required_argument, NULL, OPT_IDLE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_line cl = { "palisade tail", "h", longopts, usage, argc, argv, 0 };
	int c;

	*o = (struct tail_options){ .subject = "palisade.>" };
	while ((c = cli_next(&cl)) > 0) {
		switch (c) {
		case OPT_NATS: o->url = optarg; break;
		case OPT_SUBJECT: o->subject = optarg; break;
		case OPT_ALL: o->all = true; break;
		case OPT_JSON: o->json = true; break;
		case OPT_IDLE:
			if (cli_number(&cl, "--idle-exit-ms", optarg, 1, 86400000, &o->idle_exit_ms))
				return 2;
			break;
		}
	}
	if (c == CLI_STOP)
		return cl.status;
	if (!o->url || optind < argc) {
		fprintf(stderr, "palisade tail: %s\n", o->url ? "unexpected argument" : "--nats URL is needed");
		usage(stderr);
		return 2;
	}
	return -1;
}

/* One line: time host (host id) priority rule: output. */
static void print_alert(const char *data, int len)
{
	json_t *o = json_loadb(data, (size_t)len, 0, NULL);
	const char *id;

	if (!json_is_object(o)) {
		printf("(not an alert: %.*s)\n", len, data);
		json_decref(o);
		return;
	}
	id = json_string_value(json_object_get(o, "host_id"));
	printf("%s %s (%.8s) %s %s: %s\n", json_string_value(json_object_get(o, "time")) ?: "-",
	       json_string_value(json_object_get(o, "hostname")) ?: "-", id && *id ? id : "-",
	       json_string_value(json_object_get(o, "priority")) ?: "-",
	       json_string_value(json_object_get(o, "rule")) ?: "-",
	       json_string_value(json_object_get(o, "output")) ?: "");
	json_decref(o);
}

int nats_tail_main(int argc, char **argv)
{
	struct tail_options o;
	natsConnection *nc = NULL;
	natsSubscription *sub = NULL;
	jsCtx *js = NULL;
	jsSubOptions so;
	jsErrCode jerr = 0;
	natsStatus s;
	long idle = 0;
	int stop = parse(argc, argv, &o);

	if (stop >= 0)
		return stop;
	s = natsConnection_ConnectTo(&nc, o.url);
	if (s == NATS_OK)
		s = natsConnection_JetStream(&js, nc, NULL);
	if (s == NATS_OK) {
		/* An ordered consumer: in stream order, no acknowledgements, gone
		 * when we are. */
		jsSubOptions_Init(&so);
		so.Ordered = true;
		so.Config.DeliverPolicy = o.all ? js_DeliverAll : js_DeliverNew;
		s = js_SubscribeSync(&sub, js, o.subject, NULL, &so, &jerr);
	}
	if (s != NATS_OK) {
		fprintf(stderr, "palisade tail: subscribing to %s on %s failed: %s%s\n", o.subject,
			o.url, natsStatus_GetText(s),
			jerr ? " (is there a JetStream stream over the subject? an agent with a "
			       "nats output creates one)" : "");
		goto cleanup;
	}
	for (;;) {
		natsMsg *m = NULL;

		s = natsSubscription_NextMsg(&m, sub, 500);
		if (s == NATS_TIMEOUT) {
			idle += 500;
			if (o.idle_exit_ms && idle >= o.idle_exit_ms)
				break;
			continue;
		}
		if (s != NATS_OK) {
			fprintf(stderr, "palisade tail: reading from %s failed: %s\n", o.url,
				natsStatus_GetText(s));
			break;
		}
		idle = 0;
		if (o.json)
			printf("%.*s\n", natsMsg_GetDataLength(m), natsMsg_GetData(m));
		else
			print_alert(natsMsg_GetData(m), natsMsg_GetDataLength(m));
		fflush(stdout);
		natsMsg_Destroy(m);
	}
	s = s == NATS_TIMEOUT ? NATS_OK : s;
cleanup:
	natsSubscription_Destroy(sub);
	jsCtx_Destroy(js);
	natsConnection_Destroy(nc);
	return s == NATS_OK ? 0 : 1;
}
