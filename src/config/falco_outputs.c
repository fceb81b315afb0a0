/*
 * The outputs of a falco.yaml (falco_config.c): stdout, syslog, file, http
 * and program outputs as palisade outputs (named after Falco's keys, so
 * `palisade status` shows `stdout_output`, ...), and the webserver and
 * metrics as palisade's endpoint.
 */
#include <stdlib.h>
#include <string.h>

#include "config/falco_config.h"

#define QUEUE_DEFAULT "1024" /* palisade's bounded default for Falco's unbounded 0 */
#define QUEUE_MAX 1048576ull

static void head(struct tr *t, const char *type, const char *section)
{
	const char *cap = tr_scalar(t, "outputs_queue.capacity", "0");
	unsigned long long q;
	char *end;

	tr_out(t, "  - type: %s", type);
	tr_origin(t, tr_at(t, section), section);
	tr_out(t, "    name: %s\n", section);
	q = strtoull(cap, &end, 10);
	if (*end || !*cap)
		tr_problem(t, true, tr_at(t, "outputs_queue.capacity"), "outputs_queue.capacity "
			   "'%s': expected a number", cap);
	if (q == 0)
		tr_out(t, "    queue_size: %s\n", QUEUE_DEFAULT);
	else
		tr_out(t, "    queue_size: %llu\n", q > QUEUE_MAX ? QUEUE_MAX : q);
}

static void str_key(struct tr *t, const char *key, const char *path, const char *def)
{
	const char *v = tr_scalar(t, path, def);

	if (!v || !*v)
		return;
	tr_out(t, "    %s: ", key);
	tr_quoted(t, v);
	tr_origin(t, tr_at(t, path), path);
}

static void http(struct tr *t)
{
	const char *url = tr_scalar(t, "http_output.url", "");

	if (!*url) {
		tr_problem(t, true, tr_at(t, "http_output"), "http_output is enabled without a url");
		return;
	}
	head(t, "webhook", "http_output");
	tr_out(t, "    format: %s\n", t->json ? "json" : "text");
	str_key(t, "url", "http_output.url", NULL);
	str_key(t, "user_agent", "http_output.user_agent", "falcosecurity/falco");
	if (tr_bool(t, "http_output.insecure", false))
		tr_out(t, "    tls_insecure: true\n");
	if (*tr_scalar(t, "http_output.ca_cert", ""))
		str_key(t, "tls_ca", "http_output.ca_cert", NULL);
	else
		str_key(t, "tls_ca", "http_output.ca_bundle", NULL);
	str_key(t, "tls_ca_path", "http_output.ca_path", "/etc/ssl/certs");
	if (!tr_bool(t, "http_output.mtls", false))
		return;
	str_key(t, "tls_cert", "http_output.client_cert", "/etc/ssl/certs/client.crt");
	str_key(t, "tls_key", "http_output.client_key", "/etc/ssl/certs/client.key");
}

void tr_outputs(struct tr *t)
{
	const char *fmt = t->json ? "json" : "text";

	tr_out(t, "outputs:%s\n",
	       tr_bool(t, "stdout_output.enabled", true) || tr_bool(t, "syslog_output.enabled", true) ||
			       tr_bool(t, "file_output.enabled", false) ||
			       tr_bool(t, "http_output.enabled", false) ||
			       tr_bool(t, "program_output.enabled", false) ? "" : " []");
	if (tr_bool(t, "stdout_output.enabled", true)) {
		head(t, "stdout", "stdout_output");
		tr_out(t, "    format: %s\n", fmt);
	}
	if (tr_bool(t, "syslog_output.enabled", true)) {
		/* Falco calls syslog(3) with no openlog(): /dev/log, BSD format,
		 * facility user, the program's name as the tag. */
		head(t, "syslog", "syslog_output");
		tr_out(t, "    transport: unix\n    format: rfc3164\n    facility: user\n"
			  "    app_name: falco\n    message: %s\n", t->json ? "json" : "output");
	}
	if (tr_bool(t, "file_output.enabled", false)) {
		head(t, "file", "file_output");
		tr_out(t, "    format: %s\n", fmt);
		str_key(t, "path", "file_output.filename", "./events.txt");
	}
	if (tr_bool(t, "http_output.enabled", false))
		http(t);
	if (tr_bool(t, "program_output.enabled", false)) {
		head(t, "program", "program_output");
		tr_out(t, "    format: %s\n", fmt);
		str_key(t, "command", "program_output.program", "");
		tr_out(t, "    keep_alive: %s\n",
		       tr_bool(t, "program_output.keep_alive", false) ? "true" : "false");
	}
}

void tr_webserver(struct tr *t)
{
	const char *addr = tr_scalar(t, "webserver.listen_address", "0.0.0.0");
	const char *port = tr_scalar(t, "webserver.listen_port", "8765");
	unsigned long p;
	char *end;

	tr_out(t, "metrics:\n");
	if (!tr_bool(t, "webserver.enabled", true)) {
		tr_out(t, "  listen: \"\"");
		tr_origin(t, tr_at(t, "webserver.enabled"), "webserver.enabled");
		return;
	}
	p = strtoul(port, &end, 10);
	if (*end || !*port || p == 0 || p > 65535)
		tr_problem(t, true, tr_at(t, "webserver.listen_port"), "webserver.listen_port '%s': "
			   "expected a port number (1-65535)", port);
	tr_out(t, strchr(addr, ':') ? "  listen: \"[%s]:%lu\"" : "  listen: \"%s:%lu\"", addr, p);
	tr_origin(t, tr_at(t, "webserver.listen_port"), "webserver.listen_address, listen_port");
	tr_out(t, "  healthz_path: ");
	tr_quoted(t, tr_scalar(t, "webserver.k8s_healthz_endpoint", "/healthz"));
	tr_origin(t, tr_at(t, "webserver.k8s_healthz_endpoint"), "webserver.k8s_healthz_endpoint");
	tr_out(t, "  serve_metrics: %s",
	       tr_bool(t, "webserver.prometheus_metrics_enabled", false) &&
			       tr_bool(t, "metrics.enabled", false) ? "true" : "false");
	tr_origin(t, tr_at(t, "webserver.prometheus_metrics_enabled"),
		  "webserver.prometheus_metrics_enabled and metrics.enabled");
}
