/*
 * Rule loading and compiling: exact file:line:col for every kind of problem,
 * every operator, lists, macros, overrides, appends, exceptions, and the
 * three published Falco rule files loading with zero errors.
 */
#include <setjmp.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "falco_rules.h"
#include "rules/rules.h"
#include "rules_fixture.h"


static struct rules_engine *load_text(const char *text, int *ret)
{
	struct rules_config cfg;
	struct rules_engine *e = NULL;

	rules_config_default(&cfg);
	cfg.hostname = "testhost";
	assert_int_equal(rules_engine_new(&cfg, &e), 0);
	assert_int_equal(rules_engine_add_buffer(e, "t.yaml", text, strlen(text)), 0);
	*ret = rules_engine_compile(e);
	return e;
}

/* True when some diagnostic is exactly `want`. */
static bool has_diag(const struct rules_engine *e, const char *want)
{
	for (size_t i = 0; i < rules_engine_diag_count(e); i++)
		if (!strcmp(rules_engine_diag(e, i)->text, want))
			return true;
	for (size_t i = 0; i < rules_engine_diag_count(e); i++)
		fprintf(stderr, "  have: %s\n", rules_engine_diag(e, i)->text);
	fprintf(stderr, "  want: %s\n", want);
	return false;
}

static void expect_error(const char *text, const char *want)
{
	int ret;
	struct rules_engine *e = load_text(text, &ret);

	assert_int_equal(ret, -EINVAL);
	assert_true(has_diag(e, want));
	rules_engine_free(e);
}

static void expect_ok(const char *text)
{
	int ret;
	struct rules_engine *e = load_text(text, &ret);

	for (size_t i = 0; ret && i < rules_engine_diag_count(e); i++)
		fprintf(stderr, "%s\n", rules_engine_diag(e, i)->text);
	assert_int_equal(ret, 0);
	rules_engine_free(e);
}

#define RULE_HEAD "- rule: r\n  desc: d\n  output: o\n  priority: WARNING\n"

static void test_unknown_field_did_you_mean(void **state)
{
	(void)state;
	expect_error(RULE_HEAD "  condition: evt.type = execve and proc.nme = bash\n",
		     "t.yaml:5:36: unknown field 'proc.nme'; did you mean 'proc.name'?");
}

static void test_block_scalar_position(void **state)
{
	(void)state;
	expect_error(RULE_HEAD "  condition: >\n    evt.type = execve\n    and proc.name = bash and user.uidd = 0\n",
		     "t.yaml:7:30: unknown field 'user.uidd'; did you mean 'user.uid'?");
}

static void test_unknown_macro(void **state)
{
	(void)state;
	expect_error("- macro: spawned_process\n  condition: evt.type = execve\n" RULE_HEAD
		     "  condition: spawned_proces and proc.name = sh\n",
		     "t.yaml:7:14: unknown macro 'spawned_proces'; did you mean 'spawned_process'?");
}

static void test_error_inside_macro_reported_at_macro(void **state)
{
	(void)state;
	expect_error("- macro: m\n  condition: proc.name = sh and fd.nam = x\n" RULE_HEAD
		     "  condition: evt.type = execve and m\n",
		     "t.yaml:2:33: unknown field 'fd.nam'; did you mean 'fd.name'?");
}

static void test_bad_operator(void **state)
{
	(void)state;
	expect_error(RULE_HEAD "  condition: proc.name like bash\n",
		     "t.yaml:5:24: expected an operator after 'proc.name', found 'like'");
	expect_error(RULE_HEAD "  condition: tolower(proc.name) like bash\n",
		     "t.yaml:5:33: expected an operator (=, !=, <, <=, >, >=, in, intersects, pmatch, contains, icontains, bcontains, startswith, bstartswith, endswith, glob, iglob, regex, exists), found 'like'");
}

/* A misspelt operator or priority names the one it most likely meant. */
static void test_did_you_mean_operator_priority(void **state)
{
	(void)state;
	expect_error(RULE_HEAD "  condition: evt.type = execve and proc.name contians sh\n",
		     "t.yaml:5:46: expected an operator after 'proc.name', found 'contians' (did you mean 'contains'?)");
	expect_error(RULE_HEAD "  condition: tolower(proc.name) startwith sh\n",
		     "t.yaml:5:33: expected an operator (=, !=, <, <=, >, >=, in, intersects, pmatch, contains, icontains, bcontains, startswith, bstartswith, endswith, glob, iglob, regex, exists), found 'startwith' (did you mean 'startswith'?)");
	expect_error("- rule: r\n  desc: d\n  output: o\n  priority: WARNNG\n  condition: evt.type = execve\n",
		     "t.yaml:4:13: unknown priority 'WARNNG'; did you mean 'WARNING'? (EMERGENCY, ALERT, CRITICAL, ERROR, WARNING, NOTICE, INFORMATIONAL, DEBUG)");
	expect_error("- rule: r\n  desc: d\n  output: o\n  priority: catastrophic\n  condition: evt.type = execve\n",
		     "t.yaml:4:13: unknown priority 'catastrophic' (EMERGENCY, ALERT, CRITICAL, ERROR, WARNING, NOTICE, INFORMATIONAL, DEBUG)");
	assert_string_equal(rules_priority_suggest("notise"), "NOTICE");
	assert_null(rules_priority_suggest("x"));
}

/* A name in `in (...)` that is no list is a literal, as in Falco; one that
 * looks like a list is warned about, at its position. */
static void test_undefined_list_warns(void **state)
{
	static const char text[] =
		"- list: shell_binaries\n  items: [sh, bash]\n"
		"- list: outer\n  items: [custom_binaries]\n"
		RULE_HEAD "  condition: evt.type = execve and proc.name in (shell_binariez, unix_chkpwd, "
		"init_module, \"quoted_binaries\", outer) and not proc.pname in (outer) "
		"and not proc.name in (shell_binarize, shell_binxxxxxs)\n";
	int ret;

	(void)state;
	struct rules_engine *e = load_text(text, &ret);

	assert_int_equal(ret, 0);
	assert_true(has_diag(e, "t.yaml:9:50: warning: 'shell_binariez' is not a defined list, so it is "
				"compared as a literal string; did you mean the list 'shell_binaries'?"));
	assert_true(has_diag(e, "t.yaml:4:11: warning: 'custom_binaries' is not a defined list, so it "
				"is compared as a literal string (define the list, or quote the value to "
				"keep it literal)"));
	/* two edits from a list's name: still a likely typo; more: not */
	assert_true(has_diag(e, "t.yaml:9:170: warning: 'shell_binarize' is not a defined list, so it is "
				"compared as a literal string; did you mean the list 'shell_binaries'?"));
	/* literal values as Falco's own files write them, a quoted one and
	 * shell_binxxxxxs: no warning; a list used twice: its items warned
	 * about once */
	assert_int_equal(rules_engine_diag_count(e), 3);
	rules_engine_free(e);
}

/* `rules list` knows where each rule was defined. */
static void test_rule_file_and_line(void **state)
{
	int ret;
	struct rules_engine *e = load_text("- list: l\n  items: [a]\n" RULE_HEAD
					   "  condition: evt.type = execve\n", &ret);
	const struct rules_rule_info *r;

	(void)state;
	assert_int_equal(ret, 0);
	r = rules_engine_rule(e, 0);
	assert_string_equal(r->file, "t.yaml");
	assert_int_equal(r->line, 3);
	rules_engine_free(e);
}

static void test_type_mismatch(void **state)
{
	(void)state;
	expect_error(RULE_HEAD "  condition: evt.type = execve and user.uid = root\n",
		     "t.yaml:5:47: type mismatch: 'root' for field 'user.uid' (uint64): expected a number");
	expect_error(RULE_HEAD "  condition: evt.type = execve and proc.pid contains 3\n",
		     "t.yaml:5:45: operator 'contains' is not supported on field 'proc.pid' of type int64");
}

static void test_yaml_syntax_error(void **state)
{
	(void)state;
	expect_error("- rule: r\n  desc: [unclosed\n  output: o\n",
		     "t.yaml:3:9: YAML syntax error: did not find expected ',' or ']' while parsing a flow sequence");
}

static void test_unknown_rule_key(void **state)
{
	(void)state;
	expect_error(RULE_HEAD "  condition: evt.type = execve\n  priorty: ERROR\n",
		     "t.yaml:6:3: unknown rule key 'priorty'; did you mean 'priority'?");
}

static void test_unknown_event_type(void **state)
{
	(void)state;
	expect_error(RULE_HEAD "  condition: evt.type in (execve, opnat)\n",
		     "t.yaml:5:35: unknown event type 'opnat'; did you mean 'openat'?");
}

static void test_bad_regex_and_parens(void **state)
{
	(void)state;
	expect_error(RULE_HEAD "  condition: evt.type = execve and proc.name regex 'a(b'\n",
		     "t.yaml:5:52: bad regex 'a(b': missing closing parenthesis at offset 3");
	expect_error(RULE_HEAD "  condition: (evt.type = execve and proc.name = sh\n",
		     "t.yaml:5:14: unbalanced '(': no matching ')'");
}

static void test_every_error_reported(void **state)
{
	int ret;
	struct rules_engine *e = load_text(RULE_HEAD "  condition: evt.type = execve and proc.nme = a\n"
					   "- rule: r2\n  desc: d\n  output: '%proc.nam'\n  priority: NOTICE\n"
					   "  condition: evt.type = execve and user.nam = b\n",
					   &ret);

	(void)state;
	assert_int_equal(ret, -EINVAL);
	assert_true(has_diag(e, "t.yaml:5:36: unknown field 'proc.nme'; did you mean 'proc.name'?"));
	assert_true(has_diag(e, "t.yaml:10:36: unknown field 'user.nam'; did you mean 'user.name'?"));
	assert_true(has_diag(e, "t.yaml:8:12: unknown field 'proc.nam' in output; did you mean 'proc.name'?"));
	rules_engine_free(e);
}

static void test_append_to_missing(void **state)
{
	(void)state;
	expect_error("- list: l\n  items: [a]\n  append: true\n",
		     "t.yaml:1:9: list 'l' is appended to but no list by that name is defined earlier");
	expect_error("- rule: nope\n  condition: and proc.name = x\n  override:\n    condition: append\n",
		     "t.yaml:1:9: rule 'nope' is overridden but no rule by that name is defined earlier");
}

static void test_engine_version_and_plugins(void **state)
{
	(void)state;
	expect_ok("- required_engine_version: 0.26.0\n- required_plugin_versions:\n  - name: container\n    version: 0.4.0\n");
	expect_error("- required_engine_version: 99.0.0\n",
		     "t.yaml:1:28: this file needs engine version 99.0.0; palisade implements " RULES_ENGINE_VERSION);
	expect_error("- required_plugin_versions:\n  - name: k8saudit\n    version: 0.1.0\n",
		     "t.yaml:2:5: this file requires plugin 'k8saudit', which palisade does not provide (only the container plugin's fields are built in)");
}

static void test_every_operator_compiles(void **state)
{
	(void)state;
	expect_ok(RULE_HEAD
		  "  condition: >\n"
		  "    evt.type in (execve, execveat) and proc.name = a and proc.name == a and proc.name != b\n"
		  "    and proc.pid < 5 and proc.pid <= 5 and proc.pid > 1 and proc.pid >= 1\n"
		  "    and proc.name in (a, 'b c', \"d\") and proc.args intersects (\"-V\", \"-l\")\n"
		  "    and proc.exepath pmatch (/usr/bin, /opt/*/bin) and proc.cmdline contains x\n"
		  "    and proc.cmdline icontains X and proc.cmdline bcontains 6162\n"
		  "    and proc.name startswith a and proc.name bstartswith 61 and proc.name endswith z\n"
		  "    and proc.exepath glob '/usr/*' and proc.exepath iglob '/USR/*'\n"
		  "    and proc.name regex 'ba(sh|zsh)' and proc.pname exists\n"
		  "    and tolower(proc.name) = bash and toupper(proc.name) = BASH\n"
		  "    and b64(proc.args) = x and basename(proc.exepath) = sh and len(proc.args) > 3\n"
		  "    and proc.name = val(proc.pname) and tolower(proc.name) = tolower(proc.pname)\n"
		  "    and proc.aname[2] = sh and proc.aname = sh and evt.arg.res = 0 and evt.arg[0] = 0\n"
		  "    and container.label[com.example] = x and not (user.uid = 0 or user.name = root)\n");
}

static void test_lists_macros_nested(void **state)
{
	(void)state;
	expect_ok("- list: inner\n  items: [a, b]\n"
		  "- list: outer\n  items: [inner, c, '\"quoted item\"']\n"
		  "- macro: m1\n  condition: proc.name in (outer)\n"
		  "- macro: m2\n  condition: m1 and not m3\n"
		  "- macro: m3\n  condition: proc.pname = x\n" RULE_HEAD
		  "  condition: evt.type = execve and m2\n");
	expect_error("- macro: a\n  condition: b\n- macro: b\n  condition: a\n" RULE_HEAD
		     "  condition: evt.type = execve and a\n",
		     "t.yaml:4:14: macro 'a' refers to itself");
}

static void test_override_and_append(void **state)
{
	int ret;
	struct rules_engine *e = load_text(
		"- list: l\n  items: [a]\n- list: l\n  items: [b]\n  override:\n    items: append\n"
		"- macro: m\n  condition: proc.name in (l)\n"
		"- macro: m\n  condition: or proc.name = c\n  append: true\n" RULE_HEAD
		"  condition: evt.type = execve and m\n  tags: [t1]\n"
		"- rule: r\n  condition: and proc.pid > 0\n  append: true\n"
		"- rule: r\n  priority: ERROR\n  tags: [t2]\n  override:\n    priority: replace\n    tags: append\n"
		"- rule: r\n  enabled: false\n",
		&ret);
	const struct rules_rule_info *r;

	(void)state;
	assert_int_equal(ret, 0);
	assert_int_equal(rules_engine_rule_count(e), 1);
	r = rules_engine_rule(e, 0);
	assert_int_equal(r->priority, RULES_PRIO_ERROR);
	assert_int_equal(r->n_tags, 2);
	assert_string_equal(r->tags[1], "t2");
	assert_false(r->enabled);
	rules_engine_free(e);
	expect_error(RULE_HEAD "  condition: evt.type = execve\n"
		     "- rule: r\n  condition: x\n  desc: y\n  override:\n    condition: append\n",
		     "t.yaml:8:3: key 'desc' is present but not listed in 'override'");
}

static void test_exceptions(void **state)
{
	(void)state;
	expect_ok("- list: ok_names\n  items: [x, y]\n" RULE_HEAD
		  "  condition: evt.type = execve\n"
		  "  exceptions:\n"
		  "  - name: pairs\n    fields: [proc.name, proc.pname]\n    comps: [=, in]\n"
		  "    values:\n    - [bash, [sshd, login]]\n    - [sh, ok_names]\n"
		  "  - name: single\n    fields: proc.name\n    values: [ok_names, z]\n"
		  "  - name: empty\n    fields: [proc.name]\n");
	expect_error(RULE_HEAD "  condition: evt.type = execve\n  exceptions:\n"
		     "  - name: e\n    fields: [proc.nme]\n    values: [[a]]\n",
		     "t.yaml:8:14: unknown field 'proc.nme' in exception; did you mean 'proc.name'?");
	expect_error(RULE_HEAD "  condition: evt.type = execve\n  exceptions:\n"
		     "  - name: e\n    fields: [proc.name, proc.pname]\n    values: [[a]]\n",
		     "t.yaml:9:14: exception 'e': each value must list 2 items, one per field");
}

static void test_skip_if_unknown_filter(void **state)
{
	int ret;
	struct rules_engine *e = load_text(RULE_HEAD "  condition: evt.type = execve and no.such = 1\n"
					   "  skip-if-unknown-filter: true\n", &ret);

	(void)state;
	assert_int_equal(ret, 0);
	assert_non_null(rules_engine_rule(e, 0)->cannot_fire);
	rules_engine_free(e);
}

static void load_falco(const char *const *files, size_t n, size_t want_rules)
{
	struct rules_config cfg;
	struct rules_engine *e = NULL;
	struct rules_stats st;

	rules_config_default(&cfg);
	cfg.diag_out = stderr;
	assert_int_equal(rules_engine_new(&cfg, &e), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(rules_engine_add_path(e, files[i]), 0);
	assert_int_equal(rules_engine_compile(e), 0);
	for (size_t i = 0; i < rules_engine_diag_count(e); i++)
		assert_false(rules_engine_diag(e, i)->error);
	rules_engine_stats(e, &st);
	assert_int_equal(st.rules_loaded, want_rules);
	/* Every rule that cannot fire says why. */
	for (size_t i = 0; i < rules_engine_rule_count(e); i++) {
		const struct rules_rule_info *r = rules_engine_rule(e, i);
		assert_non_null(r->evttypes);
		if (r->cannot_fire)
			assert_true(strlen(r->cannot_fire) > 10);
	}
	rules_engine_free(e);
}

static void test_falco_stable(void **state)
{
	FALCO_NEED("falco_rules.yaml");
	const char *f[] = { falco_file("falco_rules.yaml") };

	(void)state;
	load_falco(f, 1, 25);
}

static void test_falco_incubating(void **state)
{
	FALCO_NEED("falco-incubating_rules.yaml");
	const char *f[] = { falco_file("falco-incubating_rules.yaml") };

	(void)state;
	load_falco(f, 1, 31);
}

static void test_falco_sandbox(void **state)
{
	FALCO_NEED("falco-sandbox_rules.yaml");
	const char *f[] = { falco_file("falco-sandbox_rules.yaml") };

	(void)state;
	load_falco(f, 1, 37);
}

static void test_falco_all_three(void **state)
{
	FALCO_NEED("falco_rules.yaml", "falco-incubating_rules.yaml", "falco-sandbox_rules.yaml");
	const char *f[] = { falco_file("falco_rules.yaml"), falco_file("falco-incubating_rules.yaml"),
			    falco_file("falco-sandbox_rules.yaml") };

	(void)state;
	load_falco(f, 3, 93);
}

static void test_default_rules_and_dir(void **state)
{
	struct rules_engine *e = NULL;

	(void)state;
	assert_int_equal(rules_engine_new(NULL, &e), 0);
	assert_int_equal(rules_engine_add_path(e, "rules"), 0);
	assert_int_equal(rules_engine_compile(e), 0);
	assert_true(rules_engine_rule_count(e) > 0);
	rules_engine_free(e);
	assert_int_equal(rules_engine_new(NULL, &e), 0);
	assert_int_equal(rules_engine_add_default(e), 0);
	assert_int_equal(rules_engine_compile(e), 0);
	assert_true(rules_engine_rule_count(e) > 0);
	rules_engine_free(e);
}

/* palisade's `action` key: shorthand, map, scope forms, override, errors. */
static void test_action_key(void **state)
{
	int ret;
	struct rules_engine *e;
	const struct rules_rule_info *r;

	(void)state;
	e = load_text(RULE_HEAD "  condition: evt.type=execve\n  action: kill\n", &ret);
	assert_int_equal(ret, 0);
	r = rules_engine_rule(e, 0);
	assert_int_equal(r->action.type, RULES_ACTION_KILL);
	assert_int_equal(r->action.where, RULES_SCOPE_ALL);
	assert_int_equal(r->action.enforce, -1);
	rules_engine_free(e);

	e = load_text(RULE_HEAD "  condition: evt.type=execve\n"
			       "  action:\n    type: deny\n    enforce: false\n    downgrade: true\n"
			       "    scope: {image: \"nginx*\", label: \"env=prod*\"}\n", &ret);
	assert_int_equal(ret, 0);
	r = rules_engine_rule(e, 0);
	assert_int_equal(r->action.type, RULES_ACTION_DENY);
	assert_int_equal(r->action.where, RULES_SCOPE_CONTAINERS);
	assert_string_equal(r->action.image_glob, "nginx*");
	assert_null(r->action.name_glob);
	assert_string_equal(r->action.label_key, "env");
	assert_string_equal(r->action.label_glob, "prod*");
	assert_int_equal(r->action.enforce, 0);
	assert_true(r->action.downgrade);
	rules_engine_free(e);

	/* No action: alert, global mode. */
	e = load_text(RULE_HEAD "  condition: evt.type=execve\n", &ret);
	assert_int_equal(ret, 0);
	assert_int_equal(rules_engine_rule(e, 0)->action.type, RULES_ACTION_ALERT);
	assert_int_equal(rules_engine_rule(e, 0)->action.enforce, -1);
	rules_engine_free(e);

	/* A later file replaces the action of a rule it does not own. */
	e = load_text(RULE_HEAD "  condition: evt.type=execve\n"
			       "- rule: r\n  action: {type: pause, scope: host}\n  override:\n    action: replace\n",
		      &ret);
	assert_int_equal(ret, 0);
	assert_int_equal(rules_engine_rule(e, 0)->action.type, RULES_ACTION_PAUSE);
	assert_int_equal(rules_engine_rule(e, 0)->action.where, RULES_SCOPE_HOST);
	rules_engine_free(e);

	expect_error(RULE_HEAD "  condition: evt.type=execve\n  action: block\n",
		     "t.yaml:6:11: unknown action 'block' (alert, kill, deny, pause, stop, isolate, "
		     "capture, notify)");
	expect_error(RULE_HEAD "  condition: evt.type=execve\n  action: {type: kill, scope: pods}\n",
		     "t.yaml:6:31: unknown action scope 'pods' (all, host, containers, or a map of image/name/label patterns)");
	expect_error(RULE_HEAD "  condition: evt.type=execve\n  action: {enforce: true}\n",
		     "t.yaml:6:11: 'action' map needs one of 'type' (alert, kill, deny, pause, stop, "
		     "isolate, capture, notify), 'steps' (a list of them) or 'playbook' (a name from "
		     "the configuration's playbooks)");
	expect_error(RULE_HEAD "  condition: evt.type=execve\n  action: {type: kill, scope: {label: prod}}\n",
		     "t.yaml:6:39: action scope label must be KEY=PATTERN, got 'prod'");
	expect_error(RULE_HEAD "  condition: evt.type=execve\n  action: {type: kill, when: now}\n",
		     "t.yaml:6:24: action 'kill' takes no option 'when'");
	expect_error(RULE_HEAD "  condition: evt.type=execve\n  action: {steps: [kill], when: now}\n",
		     "t.yaml:6:27: unknown action key 'when' (type, scope, enforce, downgrade, kill, "
		     "pin, steps, playbook)");
}


static void expect_error_part(const char *text, const char *part)
{
	int ret;
	struct rules_engine *e = load_text(text, &ret);

	assert_int_equal(ret, -EINVAL);
	assert_true(has_diag_part(e, part));
	rules_engine_free(e);
}

/* Inputs the fuzzers found (seeds in tests/fuzz/corpus/), kept as tests. */
static void test_fuzz_regressions(void **state)
{
	size_t n = 1001, len;
	char *text, *p;

	(void)state;
	/* evt.dir=< with a bare '<' parses, as in Falco. */
	expect_ok(RULE_HEAD "  condition: evt.type=execve and evt.dir=<\n");
	expect_ok(RULE_HEAD "  condition: evt.type=execve and evt.dir = <\n");

	/* 1001 nested parentheses: refused, not a stack overflow. */
	len = strlen(RULE_HEAD) + 64 + 2 * n;
	text = malloc(len);
	assert_non_null(text);
	p = text + sprintf(text, RULE_HEAD "  condition: ");
	for (size_t i = 0; i < n; i++)
		*p++ = '(';
	p += sprintf(p, "evt.type=execve");
	for (size_t i = 0; i < n; i++)
		*p++ = ')';
	sprintf(p, "\n");
	expect_error_part(text, "condition nested deeper than 1000 levels");
	free(text);

	/* Macros that double at each level: 2^40 nodes, refused quickly. */
	len = 64 * 48 + 256;
	text = malloc(len);
	assert_non_null(text);
	p = text + sprintf(text, "- macro: m0\n  condition: evt.type=execve\n");
	for (int i = 1; i <= 40; i++)
		p += sprintf(p, "- macro: m%d\n  condition: (m%d or m%d)\n", i, i - 1, i - 1);
	sprintf(p, RULE_HEAD "  condition: m40\n");
	expect_error_part(text, "once macros are expanded");
	free(text);

	/* Lists that quadruple at each level (within the nesting limit):
	 * 4^12 values, refused by the value cap. */
	len = 64 * 48 + 256;
	text = malloc(len);
	assert_non_null(text);
	p = text + sprintf(text, "- list: l0\n  items: [a, b, c, d]\n");
	for (int i = 1; i <= 11; i++)
		p += sprintf(p, "- list: l%d\n  items: [l%d, l%d, l%d, l%d]\n", i, i - 1, i - 1,
			     i - 1, i - 1);
	sprintf(p, RULE_HEAD "  condition: evt.type=execve and proc.name in (l11)\n");
	expect_error_part(text, "expands to more than");
	free(text);

	/* An override whose key is not a plain name (a YAML sequence key). */
	expect_error_part("- list: l\n  items: [a]\n- list: l\n  items: [b]\n  override:\n    ? [items]\n    : append\n",
			  "'override' keys must be plain names");
}

static void test_rules_check_cli(void **state)
{
	char *ok[] = { "rules", "check", "rules/palisade_rules.yaml", NULL };
	char *bad[] = { "rules", "check", "tests/data/rules/bad.yaml", NULL };

	(void)state;
	assert_int_equal(rules_cli_main(3, ok), 0);
	assert_int_equal(rules_cli_main(3, bad), 1);
}

/* Options are options, never file names (`rules check --help` once tried to
 * open "--help"). */
static void test_rules_cli_options(void **state)
{
	char *check_help[] = { "rules", "check", "--help", NULL };
	char *list_json[] = { "rules", "list", "--json", "--tag", "container", "-p", "warning", NULL };
	char *list_bad_prio[] = { "rules", "list", "--priority", "WARNNG", NULL };
	char *list_rule[] = { "rules", "list", "--rule", "no such rule", NULL };
	char *fields_json[] = { "fields", "proc", "--json", NULL };
	char *fields_bad[] = { "fields", "contaner", NULL };

	(void)state;
	assert_int_equal(rules_cli_main(3, check_help), 0);
	assert_int_equal(rules_cli_main(7, list_json), 0);
	assert_int_equal(rules_cli_main(4, list_bad_prio), 2);
	assert_int_equal(rules_cli_main(4, list_rule), 1);
	assert_int_equal(fields_cli_main(3, fields_json), 0);
	assert_int_equal(fields_cli_main(2, fields_bad), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_field_did_you_mean),
		cmocka_unit_test(test_block_scalar_position),
		cmocka_unit_test(test_unknown_macro),
		cmocka_unit_test(test_error_inside_macro_reported_at_macro),
		cmocka_unit_test(test_bad_operator),
		cmocka_unit_test(test_did_you_mean_operator_priority),
		cmocka_unit_test(test_undefined_list_warns),
		cmocka_unit_test(test_rule_file_and_line),
		cmocka_unit_test(test_type_mismatch),
		cmocka_unit_test(test_yaml_syntax_error),
		cmocka_unit_test(test_unknown_rule_key),
		cmocka_unit_test(test_unknown_event_type),
		cmocka_unit_test(test_bad_regex_and_parens),
		cmocka_unit_test(test_every_error_reported),
		cmocka_unit_test(test_append_to_missing),
		cmocka_unit_test(test_engine_version_and_plugins),
		cmocka_unit_test(test_every_operator_compiles),
		cmocka_unit_test(test_lists_macros_nested),
		cmocka_unit_test(test_override_and_append),
		cmocka_unit_test(test_exceptions),
		cmocka_unit_test(test_skip_if_unknown_filter),
		cmocka_unit_test(test_falco_stable),
		cmocka_unit_test(test_falco_incubating),
		cmocka_unit_test(test_falco_sandbox),
		cmocka_unit_test(test_falco_all_three),
		cmocka_unit_test(test_default_rules_and_dir),
		cmocka_unit_test(test_rules_check_cli),
		cmocka_unit_test(test_rules_cli_options),
		cmocka_unit_test(test_action_key),
		cmocka_unit_test(test_fuzz_regressions),
	};

	return cmocka_run_group_tests_name("rules_parse", tests, NULL, NULL);
}
