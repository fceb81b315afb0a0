/*
 * A falco.yaml read as palisade's configuration (src/config/falco_*.c):
 * Falco's documented defaults, each output, -o overrides, rule selection and
 * append_output, refusals with the reason, warnings naming unknown keys, and
 * telling a falco.yaml from palisade's own file.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/config.h"
#include "config/falco_config.h"

static char dir[] = "/tmp/palisade-falcocfg.XXXXXX";

/* Falco's falco.yaml defaults (as its documentation ships them), the rules
 * files in `dir`: %s is dir, three times. */
static const char defaults[] =
	"config_files:\n  - %s/config.d\nwatch_config_files: true\n"
	"rules_files:\n  - %s/falco_rules.yaml\n  - %s/falco_rules.local.yaml\n  - %s/rules.d\n"
	"engine:\n  kind: modern_ebpf\n  modern_ebpf:\n    cpus_for_each_buffer: 2\n    buf_size_preset: 4\n"
	"load_plugins: []\nplugins:\n  - name: container\n    library_path: libcontainer.so\n"
	"priority: debug\njson_output: false\njson_include_output_property: true\n"
	"json_include_tags_property: true\nbuffered_outputs: false\nrule_matching: first\n"
	"outputs_queue:\n  capacity: 0\nappend_output:\n  - suggested_output: true\n"
	"stdout_output:\n  enabled: true\nsyslog_output:\n  enabled: true\n"
	"file_output:\n  enabled: false\n  keep_alive: false\n  filename: ./events.txt\n"
	"http_output:\n  enabled: false\n  url: \"\"\n  user_agent: \"falcosecurity/falco\"\n"
	"  insecure: false\n  ca_cert: \"\"\n  ca_bundle: \"\"\n  ca_path: \"/etc/ssl/certs\"\n"
	"  mtls: false\n  client_cert: \"/etc/ssl/certs/client.crt\"\n"
	"  client_key: \"/etc/ssl/certs/client.key\"\n  echo: false\n"
	"program_output:\n  enabled: false\n  keep_alive: false\n  program: \"jq '{text: .output}'\"\n"
	"webserver:\n  enabled: true\n  threadiness: 0\n  listen_port: 8765\n"
	"  listen_address: 0.0.0.0\n  k8s_healthz_endpoint: /healthz\n"
	"  prometheus_metrics_enabled: false\n  ssl_enabled: false\n"
	"  ssl_certificate: /etc/falco/falco.pem\nlog_stderr: true\nlog_syslog: true\n"
	"log_level: info\nmetrics:\n  enabled: false\n  interval: 1h\n  output_rule: true\n"
	"falco_libs:\n  thread_table_size: 262144\n";

static const char *write_file(const char *name, const char *fmt, ...)
{
	static char path[256];
	va_list ap;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
	return path;
}

static const char *falco_yaml(const char *extra)
{
	char text[8192];

	snprintf(text, sizeof(text), defaults, dir, dir, dir, dir);
	return write_file("falco.yaml", "%s%s", text, extra);
}

/* Loads as `run -c` does; the messages, to check. */
static int load(const char *path, const char *const *ov, size_t n, char **diag,
		struct palisade_config **out)
{
	size_t len = 0;
	FILE *f = open_memstream(diag, &len);
	int err = config_load_with(path, NULL, ov, n, f, out);

	fclose(f);
	return err;
}

static void test_falco_defaults(void **state)
{
	struct palisade_config *c;
	char *diag = NULL;

	(void)state;
	assert_int_equal(load(falco_yaml(""), NULL, 0, &diag, &c), 0);
	assert_true(c->from_falco);
	assert_int_equal(c->n_rules_files, 1); /* local.yaml and rules.d absent: skipped */
	assert_non_null(strstr(c->rules_files[0], "/falco_rules.yaml"));
	assert_non_null(strstr(diag, "falco_rules.local.yaml does not exist: skipped"));
	assert_true(c->first_match);
	assert_int_equal(c->min_priority, RULES_PRIO_DEBUG);
	assert_true(c->container_fields);
	assert_int_equal(c->n_outputs, 2);
	assert_string_equal(c->outputs[0].type, "stdout");
	assert_string_equal(c->outputs[0].file.format, "text");
	assert_string_equal(c->outputs[0].name, "stdout_output");
	assert_string_equal(c->outputs[1].type, "syslog");
	assert_string_equal(c->outputs[1].syslog.format, "rfc3164");
	assert_string_equal(c->outputs[1].syslog.facility, "user");
	assert_string_equal(c->outputs[1].syslog.app_name, "falco");
	assert_string_equal(c->metrics.listen, "0.0.0.0:8765");
	assert_string_equal(c->metrics.healthz_path, "/healthz");
	assert_false(c->metrics.serve_metrics);
	assert_int_equal(c->proc_table_size, 262144);
	assert_null(strstr(diag, "unknown")); /* Falco's own defaults raise no warning */
	assert_null(strstr(diag, "no effect"));
	free(diag);
	config_free(c);
}

static void test_outputs_and_overrides(void **state)
{
	const char *ov[] = { "json_output=true", "webserver.listen_port=21990",
			     "webserver.prometheus_metrics_enabled=true", "metrics.enabled=true",
			     "rules[].disable.tag=noisy", "rules[].enable.rule=Shell *",
			     "http_output.enabled=true", "http_output.url=https://sidekick:2801/",
			     "http_output.mtls=true", "program_output.enabled=true",
			     "program_output.keep_alive=true", "file_output.enabled=true" };
	struct palisade_config *c;
	char *diag = NULL;

	(void)state;
	assert_int_equal(load(falco_yaml(""), ov, 12, &diag, &c), 0);
	assert_int_equal(c->n_outputs, 5);
	assert_string_equal(c->outputs[0].file.format, "json");
	assert_string_equal(c->outputs[1].syslog.message, "json");
	assert_string_equal(c->outputs[2].type, "file");
	assert_string_equal(c->outputs[2].file.path, "./events.txt");
	assert_string_equal(c->outputs[3].type, "webhook");
	assert_string_equal(c->outputs[3].webhook.url, "https://sidekick:2801/");
	assert_string_equal(c->outputs[3].webhook.tls_cert, "/etc/ssl/certs/client.crt");
	assert_string_equal(c->outputs[3].webhook.tls_key, "/etc/ssl/certs/client.key");
	assert_string_equal(c->outputs[3].webhook.user_agent, "falcosecurity/falco");
	assert_string_equal(c->outputs[3].webhook.tls_ca_path, "/etc/ssl/certs");
	assert_string_equal(c->outputs[4].type, "program");
	assert_string_equal(c->outputs[4].program.command, "jq '{text: .output}'");
	assert_true(c->outputs[4].program.keep_alive);
	assert_string_equal(c->metrics.listen, "0.0.0.0:21990");
	assert_true(c->metrics.serve_metrics);
	assert_int_equal(c->n_select, 2);
	assert_false(c->select[0].enable);
	assert_string_equal(c->select[0].tag, "noisy");
	assert_true(c->select[1].enable);
	assert_string_equal(c->select[1].rule, "Shell *");
	free(diag);
	config_free(c);
}

static void test_append_output_and_selection_in_file(void **state)
{
	struct palisade_config *c;
	char *diag = NULL;

	(void)state;
	assert_int_equal(load(falco_yaml("rules:\n  - disable:\n      rule: \"*\"\n"
					 "  - enable:\n      tag: network\n"), NULL, 0, &diag, &c), 0);
	assert_int_equal(c->n_select, 2);
	free(diag);
	config_free(c);
	/* append_output with match, extra_output and extra_fields (it replaces the
	 * defaults' entry: no suggested_output, so no container fields) */
	write_file("config.d/x.yaml", "append_output:\n  - match:\n      source: syscall\n"
				      "      tags: [container]\n    extra_output: \"on %%evt.cpu\"\n"
				      "    extra_fields:\n      - evt.hostname\n      - home: \"${HOME}\"\n");
	assert_int_equal(load(falco_yaml(""), NULL, 0, &diag, &c), 0);
	assert_int_equal(c->n_append, 1);
	assert_string_equal(c->append[0].source, "syscall");
	assert_int_equal(c->append[0].n_tags, 1);
	assert_string_equal(c->append[0].extra_output, "on %evt.cpu");
	assert_int_equal(c->append[0].n_fields, 2);
	assert_null(c->append[0].fields[0].format);
	assert_string_equal(c->append[0].fields[1].name, "home");
	assert_string_equal(c->append[0].fields[1].format, getenv("HOME") ?: "");
	assert_true(c->container_fields); /* appended to the defaults' list: still there */
	unlink(write_file("config.d/x.yaml", ""));
	free(diag);
	config_free(c);
}

/* The defaults with one -o override, or (ov NULL) with extra text. */
static void refused(const char *ov, const char *extra, const char *want)
{
	struct palisade_config *c = NULL;
	char *diag = NULL;

	assert_int_equal(load(falco_yaml(extra), &ov, ov ? 1 : 0, &diag, &c), -EINVAL);
	if (!strstr(diag, want))
		fprintf(stderr, "want: %s\nhave: %s\n", want, diag);
	assert_non_null(strstr(diag, want));
	assert_null(c);
	free(diag);
}

static void test_refusals_and_warnings(void **state)
{
	struct palisade_config *c;
	char *diag = NULL;

	(void)state;
	refused("load_plugins[]=k8saudit", "", "plugin 'k8saudit': refused: palisade has no "
						 "plugin interface");
	refused("engine.kind=replay", "", "engine.kind replay: refused");
	refused("webserver.ssl_enabled=true", "", "webserver.ssl_enabled: refused");
	refused("rule_matching=some", "", "rule_matching 'some': expected first or all");
	refused("priority=warnng", "", "priority 'warnng': expected emergency");
	refused(NULL, "rules_file: [/x.yaml]\n", "rules_file and rules_files are both set");
	assert_int_equal(load(falco_yaml("buffered_outputs: true\nhttp_outptu: {}\n"), NULL, 0,
			      &diag, &c), 0);
	assert_non_null(strstr(diag, "buffered_outputs: no effect in palisade"));
	assert_non_null(strstr(diag, "unknown falco.yaml key 'http_outptu': ignored; did you "
				     "mean 'http_output'?"));
	free(diag);
	config_free(c);
}

static void test_detection(void **state)
{
	static const char palisade[] = "rules: {files: [/x.yaml]}\nmetrics: {listen: \":1\"}\n";
	static const char falco_rules[] = "rules:\n  - disable: {rule: x}\n";
	static const char falco_key[] = "outputs: []\njson_output: true\n";

	(void)state;
	assert_false(config_text_is_falco(palisade, sizeof(palisade) - 1));
	assert_true(config_text_is_falco(falco_rules, sizeof(falco_rules) - 1));
	assert_true(config_text_is_falco(falco_key, sizeof(falco_key) - 1));
	assert_false(config_text_is_falco("", 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_falco_defaults),
		cmocka_unit_test(test_outputs_and_overrides),
		cmocka_unit_test(test_append_output_and_selection_in_file),
		cmocka_unit_test(test_refusals_and_warnings),
		cmocka_unit_test(test_detection),
	};
	char cleanup[64];
	int ret;

	if (!mkdtemp(dir))
		return 1;
	write_file("falco_rules.yaml", "- list: l\n  items: [a]\n");
	{
		char d[128];

		snprintf(d, sizeof(d), "%s/config.d", dir);
		mkdir(d, 0700);
	}
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cleanup, sizeof(cleanup), "rm -rf %s", dir);
	if (system(cleanup) != 0 && !ret)
		ret = 1;
	return ret;
}
