/* The configuration file: defaults, every key type, and every refusal with
 * its file:line. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/config.h"
#include "config/config_internal.h"

/* Loads text; returns the error and leaves the messages in *diag (caller frees). */
static int load(const char *text, char **diag, struct palisade_config **out)
{
	size_t len = 0;
	FILE *f = open_memstream(diag, &len);
	int err;

	assert_non_null(f);
	err = config_load_buffer("t.yaml", text, strlen(text), f, out);
	fclose(f);
	return err;
}

/* The text must be refused with a message containing `want`. */
static void refused(const char *text, const char *want)
{
	struct palisade_config *c = (void *)1;
	char *diag = NULL;
	int err = load(text, &diag, &c);

	if (err != -EINVAL || !strstr(diag, want))
		fail_msg("for:\n%s\nwanted -EINVAL and '%s', got %d and:\n%s", text, want, err, diag);
	assert_null(c);
	free(diag);
}

static void test_defaults(void **state)
{
	struct palisade_config *c;

	(void)state;
	assert_int_equal(config_load(NULL, stderr, &c), 0);
	assert_true(c->rules_enabled);
	assert_int_equal(c->n_rules_files, 0);
	assert_int_equal(c->min_priority, RULES_PRIO_DEBUG);
	assert_false(c->first_match);
	assert_true(c->container_fields);
	assert_true(c->docker_enabled);
	assert_string_equal(c->docker_socket, "/var/run/docker.sock");
	assert_int_equal(c->ringbuf_kib, 4096);
	assert_string_equal(c->syscalls, "rules");
	assert_int_equal(c->proc_table_size, 65536);
	assert_string_equal(c->events_output, "");
	assert_int_equal(c->n_outputs, 1);
	assert_string_equal(c->outputs[0].type, "stdout");
	assert_string_equal(c->outputs[0].name, "stdout#1");
	assert_int_equal(c->outputs[0].queue_size, 1024);
	assert_int_equal(c->outputs[0].spool_max_bytes, 64u << 20);
	assert_null(c->outputs[0].spool_dir);
	assert_string_equal(c->metrics.listen, "");
	assert_string_equal(c->status.socket, "/run/palisade/status.sock");
	assert_false(c->enforce);
	config_free(c);
}

static void test_every_key_type(void **state)
{
	struct palisade_config *c;
	char *diag = NULL;
	const char *text =
		"rules:\n"
		"  files: [/a.yaml, /b.d]\n"
		"  enabled: yes\n"
		"  min_priority: warning\n"
		"  first_match: true\n"
		"  container_fields: off\n"
		"  rate_limit: {per_sec: 0.5, burst: 4}\n"
		"  dedup_window_ms: 1500\n"
		"docker: {enabled: false, socket: /run/d.sock}\n"
		"sensor: {ringbuf_kib: 8192, syscalls: all}\n"
		"proc_table: {size: 128}\n"
		"events_output: /tmp/ev.json\n"
		"metrics: {listen: \"127.0.0.1:9464\"}\n"
		"status: {socket: /run/p.sock}\n"
		"enforce: true\n"
		"outputs:\n"
		"  - type: file\n"
		"    path: /var/log/a.json\n"
		"    rotate_bytes: 10M\n"
		"    rotate_keep: 3\n"
		"    min_priority: ERROR\n"
		"  - type: webhook\n"
		"    url: https://h:1/x\n"
		"    headers: {Authorization: Bearer t, X-A: b}\n"
		"    tls_ca: /ca.pem\n"
		"    tls_insecure: true\n"
		"    spool_dir: /var/spool/p\n"
		"    spool_max_bytes: 1G\n"
		"    retries: 7\n"
		"    backoff_ms: 10\n"
		"    timeout_ms: 900\n"
		"    queue_size: 5\n"
		"  - type: webhook\n"
		"    url: http://h/\n"
		"  - type: syslog\n"
		"    transport: tls\n"
		"    address: siem:6514\n"
		"    format: rfc3164\n"
		"    facility: auth\n"
		"    tls_verify: false\n"
		"  - {type: audit_log, path: /var/log/chain, hmac_key_file: /k}\n";

	(void)state;
	assert_int_equal(load(text, &diag, &c), 0);
	free(diag);
	assert_int_equal(c->n_rules_files, 2);
	assert_string_equal(c->rules_files[1], "/b.d");
	assert_int_equal(c->min_priority, RULES_PRIO_WARNING);
	assert_true(c->first_match);
	assert_false(c->container_fields);
	assert_true(c->rate_per_sec == 0.5 && c->rate_burst == 4);
	assert_int_equal(c->dedup_window_ms, 1500);
	assert_false(c->docker_enabled);
	assert_string_equal(c->docker_socket, "/run/d.sock");
	assert_int_equal(c->ringbuf_kib, 8192);
	assert_string_equal(c->syscalls, "all");
	assert_int_equal(c->proc_table_size, 128);
	assert_string_equal(c->events_output, "/tmp/ev.json");
	assert_string_equal(c->metrics.listen, "127.0.0.1:9464");
	assert_string_equal(c->status.socket, "/run/p.sock");
	assert_true(c->enforce);
	assert_int_equal(c->n_outputs, 5);

	assert_string_equal(c->outputs[0].name, "file#1");
	assert_int_equal(c->outputs[0].file.rotate_bytes, 10u << 20);
	assert_int_equal(c->outputs[0].file.rotate_keep, 3);
	assert_int_equal(c->outputs[0].min_priority, RULES_PRIO_ERROR);
	assert_int_equal(c->outputs[0].retries, 3); /* default of the table */

	assert_string_equal(c->outputs[1].name, "webhook#1");
	assert_string_equal(c->outputs[1].webhook.url, "https://h:1/x");
	assert_int_equal(c->outputs[1].webhook.n_headers, 2);
	assert_string_equal(c->outputs[1].webhook.headers[0].name, "Authorization");
	assert_string_equal(c->outputs[1].webhook.headers[0].value, "Bearer t");
	assert_string_equal(c->outputs[1].webhook.tls_ca, "/ca.pem");
	assert_true(c->outputs[1].webhook.tls_insecure);
	assert_string_equal(c->outputs[1].spool_dir, "/var/spool/p");
	assert_int_equal(c->outputs[1].spool_max_bytes, 1ull << 30);
	assert_int_equal(c->outputs[1].retries, 7);
	assert_int_equal(c->outputs[1].backoff_ms, 10);
	assert_int_equal(c->outputs[1].webhook.timeout_ms, 900);
	assert_int_equal(c->outputs[1].queue_size, 5);
	assert_string_equal(c->outputs[2].name, "webhook#2");
	assert_int_equal(c->outputs[2].webhook.timeout_ms, 5000);
	assert_null(c->outputs[2].webhook.tls_ca);

	assert_string_equal(c->outputs[3].syslog.transport, "tls");
	assert_string_equal(c->outputs[3].syslog.address, "siem:6514");
	assert_string_equal(c->outputs[3].syslog.format, "rfc3164");
	assert_string_equal(c->outputs[3].syslog.facility, "auth");
	assert_string_equal(c->outputs[3].syslog.app_name, "palisade");
	assert_false(c->outputs[3].syslog.tls_verify);
	assert_null(c->outputs[3].syslog.tls_ca);
	assert_string_equal(c->outputs[4].audit.path, "/var/log/chain");
	assert_string_equal(c->outputs[4].audit.hmac_key_file, "/k");
	config_free(c);
}

static void test_empty_file_and_empty_outputs(void **state)
{
	struct palisade_config *c;
	char *diag = NULL;

	(void)state;
	assert_int_equal(load("", &diag, &c), 0);
	assert_int_equal(c->n_outputs, 1);
	config_free(c);
	free(diag);
	assert_int_equal(load("outputs: []\nrules: {files: /one.yaml}\n", &diag, &c), 0);
	assert_int_equal(c->n_outputs, 0);
	assert_int_equal(c->n_rules_files, 1);
	assert_string_equal(c->rules_files[0], "/one.yaml");
	config_free(c);
	free(diag);
}

static void test_refusals_name_file_line(void **state)
{
	(void)state;
	refused("rules:\n  min_priority: LOUD\n",
		"t.yaml:2: rules.min_priority: 'LOUD' is not a priority (expected one of EMERGENCY");
	refused("rulez: {}\n", "t.yaml:1: unknown key 'rulez' (expected one of rules, alerts, docker");
	refused("rules:\n  fils: []\n",
		"t.yaml:2: unknown key 'rules.fils' (expected one of files, enabled");
	refused("rules: 3\n", "t.yaml:1: rules: a scalar here (expected a mapping with files");
	refused("enforce: maybe\n", "t.yaml:1: enforce: 'maybe' is not a boolean (expected true or false)");
	refused("sensor:\n  ringbuf_kib: 100\n",
		"t.yaml:2: sensor.ringbuf_kib: '100' is out of range (expected a power of two");
	refused("sensor:\n  ringbuf_kib: -4\n", "t.yaml:2: sensor.ringbuf_kib: '-4' is out of range");
	refused("proc_table: {size: 10}\n",
		"t.yaml:1: proc_table.size: '10' is out of range (expected a whole number from 64");
	refused("sensor: {syscalls: some}\n",
		"t.yaml:1: sensor.syscalls: 'some' is not allowed (expected one of rules|all|none)");
	refused("rules: {rate_limit: {per_sec: -1}}\n",
		"t.yaml:1: rules.rate_limit.per_sec: '-1' is not a number (expected a number >= 0)");
	refused("rules: {files: {a: b}}\n",
		"t.yaml:1: rules.files: a mapping here (expected a string or a list of strings)");
	refused("rules: {files: [[a]]}\n", "t.yaml:1: rules.files: a list in the list (expected a string)");
	refused("enforce: [true]\n", "t.yaml:1: enforce: a list here (expected a single value)");
	refused("enforce: true\nenforce: false\n", "t.yaml:2: enforce: duplicate key (expected each key once)");
	refused("- a\n", "t.yaml:1: the file is a list (expected a mapping of keys");
	refused("rules: [\n", "t.yaml:2: YAML syntax:");
	refused("outputs: {type: file}\n", "t.yaml:1: outputs: a mapping here (expected a list of sinks");
	refused("outputs:\n  - path: /x\n", "t.yaml:2: outputs[0]: no type (expected type: one of stdout|file");
	refused("outputs:\n  - type: kafka\n",
		"t.yaml:2: outputs[0].type: 'kafka' is not a sink type (expected one of stdout|file|webhook|syslog|audit_log|program|nats)");
	refused("outputs:\n  - type: file\n", "t.yaml:2: outputs[0]: a file output needs path (expected path:");
	refused("outputs:\n  - type: webhook\n    path: /x\n    url: http://a/\n",
		"t.yaml:3: outputs[0]: unknown key 'path' for this type (expected one of type, name");
	refused("outputs:\n  - type: file\n    path: /x\n    rotate_byts: 1\n",
		"t.yaml:4: outputs[0]: unknown key 'rotate_byts' (expected one of");
	refused("outputs:\n  - type: file\n    path: /x\n    rotate_bytes: 5Q\n",
		"t.yaml:4: outputs[0].rotate_bytes: '5Q' is out of range (expected a whole number of bytes");
	refused("outputs:\n  - {type: file, path: /x, queue_size: 0}\n",
		"t.yaml:2: outputs[0].queue_size: '0' is out of range (expected a whole number from 1");
	refused("outputs:\n  - {type: webhook, url: http://a/, headers: [a]}\n",
		"t.yaml:2: outputs[0].headers: a list here (expected a mapping of header name to value)");
	refused("outputs:\n  - {type: webhook, url: http://a/, headers: {\"a b\": c}}\n",
		"outputs[0].headers: a header must be `Name: value` on one line");
	refused("outputs:\n  - {type: syslog, facility: local9}\n",
		"t.yaml:2: outputs[0].facility: 'local9' is not allowed (expected one of kern|");
	refused("outputs:\n  - {type: file, path: /a, name: x}\n  - {type: file, path: /b, name: x}\n",
		"t.yaml:3: outputs[1].name: 'x' is used twice (expected unique names)");
	refused("outputs:\n  - {type: file, path: /a, path: /b}\n", "outputs[0].path: duplicate key");
	refused("outputs:\n  - {type: file, path: /a, name: ../x}\n",
		"t.yaml:2: outputs[0].name: '../x' cannot name a file (expected a name without '/')");
	refused("outputs:\n  - 3\n", "t.yaml:2: outputs[0]: a scalar here (expected a mapping");
}

static void test_all_problems_reported_at_once(void **state)
{
	struct palisade_config *c;
	char *diag = NULL;

	(void)state;
	assert_int_equal(load("enforce: x\nrulez: 1\nsensor: {syscalls: q}\n", &diag, &c), -EINVAL);
	assert_non_null(strstr(diag, "t.yaml:1:"));
	assert_non_null(strstr(diag, "t.yaml:2:"));
	assert_non_null(strstr(diag, "t.yaml:3:"));
	assert_non_null(strstr(diag, "t.yaml: 3 problems; nothing was applied"));
	free(diag);
}

static void test_missing_file(void **state)
{
	struct palisade_config *c;

	(void)state;
	assert_int_equal(config_load("/nonexistent/palisade.yaml", NULL, &c), -ENOENT);
	assert_null(c);
}

static void test_output_defaults_match_the_table(void **state)
{
	struct sink_cfg o;

	(void)state;
	assert_int_equal(config_output_defaults(&o, "file"), 0);
	assert_string_equal(o.type, "file");
	assert_int_equal(o.queue_size, 1024);
	assert_int_equal(o.retries, 3);
	assert_int_equal(o.backoff_ms, 200);
	assert_int_equal(o.file.rotate_keep, 5);
	assert_int_equal(o.min_priority, RULES_PRIO_DEBUG);
	assert_int_equal(config_output_defaults(&o, "nope"), -EINVAL);
}

/* Every row: a default, a description; flags and file keys each name one row. */
static void test_table_rows_are_complete(void **state)
{
	size_t i, j;

	(void)state;
	assert_true(config_key_count < 128); /* CONFIG_KEYS_MAX: the command line's tables */
	assert_true(config_sink_type_count < 32);
	for (i = 0; i < config_key_count; i++) {
		const struct config_key *k = &config_keys[i];

		/* Falco's flags that act (-D, -o) or are refused have no default. */
		bool action = k->type == CFG_SELECT || k->type == CFG_OVERRIDE ||
			      k->type == CFG_REFUSED;

		assert_true(k->def || action);
		assert_true(strlen(k->desc) > 10);
		assert_true(k->name || k->flag); /* reachable somehow */
		assert_true(!k->flag || k->cmds);
		/* A value, a switch, or a counted switch. */
		assert_true(!k->flag || k->type == CFG_COUNT || action || !k->arg != !k->sets);
		for (j = 0; j < i; j++) {
			const struct config_key *o = &config_keys[j];

			assert_false(k->name && o->name && !strcmp(k->name, o->name));
			assert_false(k->flag && o->flag && !strcmp(k->flag, o->flag));
			assert_false(k->short_flag && k->short_flag == o->short_flag);
		}
	}
	for (i = 0; i < config_sink_common_key_count; i++)
		assert_true(config_sink_common_keys[i].required || config_sink_common_keys[i].def);
	for (i = 0; i < config_sink_type_count; i++) {
		assert_non_null(config_sink_types[i].create);
		for (j = 0; j < config_sink_types[i].n_keys; j++)
			assert_true(config_sink_types[i].keys[j].required ||
				    config_sink_types[i].keys[j].def);
	}
}

/* The command line of `run` over the file; messages captured from stderr. */
static int cli(const char *file_text, const char *const *args, size_t n, char **diag,
	       struct palisade_config **out)
{
	char path[] = "/tmp/palisade-test-config-XXXXXX";
	char *argv[160] = { "run", "--config", path };
	int argc = 3, fd = mkstemp(path), err, first;
	size_t len = 0;
	FILE *saved = stderr;

	assert_true(fd >= 0 && n < 156);
	assert_int_equal(write(fd, file_text, strlen(file_text)), (ssize_t)strlen(file_text));
	close(fd);
	for (size_t i = 0; i < n; i++)
		argv[argc++] = (char *)args[i];
	stderr = open_memstream(diag, &len);
	err = config_from_command_line(argc, argv, CONFIG_CMD_RUN, false, &first, out);
	fclose(stderr);
	stderr = saved;
	unlink(path);
	assert_true(err != 0 || first == argc);
	return err;
}

static void test_flags_override_the_file(void **state)
{
	static const char *const args[] = { "--ringbuf-kib", "8", "--no-docker", "--rules", "/x",
					    "--rules", "/y", "--output", "/tmp/a.json", "--status-socket",
					    "/s.sock", "--fd-table", "off", "--deny-timeout-ms", "5" };
	struct palisade_config *c;
	char *diag = NULL;

	(void)state;
	assert_int_equal(cli("sensor: {ringbuf_kib: 64}\nrules: {files: [/f1, /f2, /f3]}\n"
			     "metrics: {listen: \"127.0.0.1:1\"}\n", args, 15, &diag, &c), 0);
	free(diag);
	assert_int_equal(c->ringbuf_kib, 8);
	assert_false(c->docker_enabled);
	/* --rules replaces the file's list, then adds to its own. */
	assert_int_equal(c->n_rules_files, 2);
	assert_string_equal(c->rules_files[0], "/x");
	assert_string_equal(c->rules_files[1], "/y");
	assert_int_equal(c->n_outputs, 1);
	assert_string_equal(c->outputs[0].type, "file");
	assert_string_equal(c->outputs[0].file.path, "/tmp/a.json");
	assert_non_null(c->outputs[0].create);
	assert_string_equal(c->metrics.listen, "127.0.0.1:1"); /* the file's, untouched */
	assert_string_equal(c->fd_table, "off");
	assert_int_equal(c->deny_timeout_ms, 5);
	assert_true(config_set_by_flag(c, &c->status.socket));
	assert_false(config_set_by_flag(c, &c->metrics.listen));
	config_free(c);
}

/* The flag and the file key share one validator and its bounds. */
static void test_flags_share_the_bounds(void **state)
{
	static const char *const big[] = { "--ringbuf-kib", "4194304" };
	static const char *const zero[] = { "--deny-timeout-ms", "0" };
	static const char *const enums[] = { "--syscalls", "some", "--bogus" };
	static const char *const none[] = { "--output", "none" };
	struct palisade_config *c;
	char *diag = NULL;

	(void)state;
	/* 2^22 KiB is 2^32 bytes: it used to wrap the sensor's uint32_t. */
	assert_int_equal(cli("", big, 2, &diag, &c), -EINVAL);
	assert_non_null(strstr(diag, "palisade run: --ringbuf-kib: '4194304' is out of range "
				     "(expected a power of two from 4 to 1048576)"));
	free(diag);
	assert_int_equal(cli("", zero, 2, &diag, &c), -EINVAL);
	assert_non_null(strstr(diag, "--deny-timeout-ms: '0' is out of range"));
	free(diag);
	assert_int_equal(cli("", enums, 3, &diag, &c), -EINVAL);
	assert_non_null(strstr(diag, "--syscalls: 'some' is not allowed (expected one of rules|all|none)"));
	assert_non_null(strstr(diag, "--bogus: unknown option"));
	free(diag);
	assert_int_equal(cli("", none, 2, &diag, &c), 0);
	assert_int_equal(c->n_outputs, 0);
	config_free(c);
	free(diag);
	assert_int_equal(cli("proc_table: {size: 10}\n", NULL, 0, &diag, &c), -EINVAL);
	assert_non_null(strstr(diag, "proc_table.size: '10' is out of range"));
	free(diag);
}

/* At most 64 rules files, from the file or the command line alike. */
static void test_rules_files_bounded(void **state)
{
	const char *args[2 * 65];
	struct palisade_config *c;
	char *diag = NULL;
	char text[65 * 4 + 32] = "rules: {files: [";

	(void)state;
	for (size_t i = 0; i < 65; i++) {
		args[2 * i] = "--rules";
		args[2 * i + 1] = "/r";
		strcat(text, i ? ", /r" : "/r");
	}
	strcat(text, "]}\n");
	refused(text, "rules.files: 65 entries (expected at most 64)");
	assert_int_equal(cli("", args, 2 * 65, &diag, &c), -EINVAL);
	assert_non_null(strstr(diag, "--rules: '/r' is one too many (expected at most 64)"));
	free(diag);
	assert_int_equal(cli("", args, 2 * 64, &diag, &c), 0);
	assert_int_equal(c->n_rules_files, 64);
	config_free(c);
	free(diag);
}

static void test_help_from_the_table(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	char *argv[] = { "run", "--ringbuf-kib", "3", "--help" };
	struct palisade_config *c;
	int first;

	(void)state;
	config_print_flags(f, CONFIG_CMD_RUN);
	fclose(f);
	for (size_t i = 0; i < config_key_count; i++) {
		char want[64];

		if (!config_keys[i].flag || !(config_keys[i].cmds & CONFIG_CMD_RUN))
			continue;
		snprintf(want, sizeof(want), "--%s", config_keys[i].flag);
		assert_non_null(strstr(text, want));
	}
	assert_null(strstr(text, "--check-prefilter")); /* replay's */
	free(text);
	/* --help wins over a bad value and reads no file. */
	assert_int_equal(config_from_command_line(4, argv, CONFIG_CMD_RUN, false, &first, &c),
			 CONFIG_HELP);
}

/* The member of key K in config C, as text, to compare two loads. */
static void member_text(const struct palisade_config *c, const struct config_key *k, char *buf,
			size_t cap)
{
	const char *m = (const char *)c + k->off;

	switch (k->type) {
	case CFG_STR:
	case CFG_ENUM:
		snprintf(buf, cap, "%s", *(const char *const *)m ? *(const char *const *)m : "(null)");
		break;
	case CFG_BOOL:
		snprintf(buf, cap, "%d", *(const bool *)m);
		break;
	case CFG_UINT:
	case CFG_POW2:
	case CFG_BYTES:
		snprintf(buf, cap, "%llu", (unsigned long long)*(const uint64_t *)m);
		break;
	case CFG_NUMBER:
		snprintf(buf, cap, "%g", *(const double *)m);
		break;
	case CFG_PRIO:
		snprintf(buf, cap, "%d", *(const int *)m);
		break;
	default: /* lists: their count */
		snprintf(buf, cap, "%zu", *(const size_t *)((const char *)c + k->off_n));
	}
}

static char *example(char **set, int n_set)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(config_print_example(f, set, n_set), 0);
	fclose(f);
	return text;
}

/* `palisade config example`: loads, and as exactly the built-in defaults. */
static void test_example_loads_as_the_defaults(void **state)
{
	struct palisade_config *c, *d;
	char *text = example(NULL, 0), *diag = NULL, a[256], b[256];

	(void)state;
	if (load(text, &diag, &c))
		fail_msg("the example does not load:\n%s\n%s", diag, text);
	assert_int_equal(config_load(NULL, stderr, &d), 0);
	for (size_t i = 0; i < config_key_count; i++) {
		if (!config_keys[i].name) /* a command-line option only */
			continue;
		member_text(c, &config_keys[i], a, sizeof(a));
		member_text(d, &config_keys[i], b, sizeof(b));
		if (strcmp(a, b))
			fail_msg("%s: the example gives '%s', the default is '%s'", config_keys[i].name,
				 a, b);
	}
	assert_string_equal(c->outputs[0].type, d->outputs[0].type);
	config_free(c);
	config_free(d);
	free(diag);
	free(text);
}

/* KEY=VALUE replaces a default; each sink's commented example loads once uncommented. */
static void test_example_overrides_and_sinks(void **state)
{
	char *set[] = { "rules.files=[/etc/palisade/rules.d]", "enforce=true" };
	char *text = example(set, 2), *diag = NULL, *at, sink[4096];
	struct palisade_config *c;
	unsigned sinks = 0;

	(void)state;
	assert_int_equal(load(text, &diag, &c), 0);
	assert_int_equal(c->n_rules_files, 1);
	assert_string_equal(c->rules_files[0], "/etc/palisade/rules.d");
	assert_true(c->enforce);
	config_free(c);
	for (at = strstr(text, "# outputs:\n"); at; at = strstr(at + 1, "# outputs:\n")) {
		size_t n = 0;
		const char *line = at;

		/* Uncomment up to the next line that is "#" alone. */
		while (*line == '#' && line[1] != '\n' && n + 256 < sizeof(sink)) {
			size_t len = strcspn(line, "\n");

			n += (size_t)snprintf(sink + n, sizeof(sink) - n, "%.*s\n", (int)len - 1,
					      line + 1);
			line += len + (line[len] == '\n');
		}
		free(diag);
		diag = NULL;
		if (load(sink, &diag, &c))
			fail_msg("this sink example does not load:\n%s\n%s", sink, diag);
		assert_int_equal(c->n_outputs, 1);
		config_free(c);
		sinks++;
	}
	assert_int_equal(sinks, config_sink_type_count);
	free(diag);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key_type),
		cmocka_unit_test(test_empty_file_and_empty_outputs),
		cmocka_unit_test(test_refusals_name_file_line),
		cmocka_unit_test(test_all_problems_reported_at_once),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_output_defaults_match_the_table),
		cmocka_unit_test(test_table_rows_are_complete),
		cmocka_unit_test(test_flags_override_the_file),
		cmocka_unit_test(test_flags_share_the_bounds),
		cmocka_unit_test(test_rules_files_bounded),
		cmocka_unit_test(test_help_from_the_table),
		cmocka_unit_test(test_example_loads_as_the_defaults),
		cmocka_unit_test(test_example_overrides_and_sinks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
