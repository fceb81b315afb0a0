/* A falco.yaml as Falco reads it: config_files merged by strategy, ${VAR}
 * expanded, -o KEY=VALUE on top, positions kept, bounds enforced. */
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

#include "config/falco_doc.h"

static char dir[] = "/tmp/palisade-falcodoc.XXXXXX";

static void put(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static const char *path_of(const char *name)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

static const struct falco_node *get(const struct falco_doc *d, const char *a, const char *b)
{
	const struct falco_node *n = falco_map_get(falco_doc_root(d), a);

	return b ? falco_map_get(n, b) : n;
}

static void test_includes_env_overrides(void **state)
{
	char main_yaml[1024];
	struct falco_doc *d;
	const char *ov[] = { "json_output=true", "webserver.listen_port=21999",
			     "rules[].disable.rule=Foo*", "rules[].enable.tag=net",
			     "rules_files[]=/extra.yaml" };
	const struct falco_node *n;

	(void)state;
	setenv("PALISADE_TEST_HOME", "/home/x", 1);
	mkdir(path_of("config.d"), 0700);
	put("config.d/10-a.yaml", "rules_files: [/b.yaml]\npriority: error\n");
	put("config.d/20-b.yaml", "priority: warning\n");
	put("over.yaml", "stdout_output: {enabled: false}\nrules_files: [/only.yaml]\n");
	snprintf(main_yaml, sizeof(main_yaml),
		 "config_files:\n  - %s/config.d\n  - path: %s/over.yaml\n    strategy: add-only\n"
		 "  - /nonexistent/x.yaml\n"
		 "rules_files:\n  - /a.yaml\n"
		 "home: ${PALISADE_TEST_HOME}/h $${LITERAL}\n"
		 "webserver:\n  enabled: true\n  listen_port: 8765\n", dir, dir);
	put("falco.yaml", main_yaml);
	assert_int_equal(falco_doc_load(path_of("falco.yaml"), ov, 5, stderr, &d), 0);
	n = get(d, "rules_files", NULL);
	assert_int_equal(n->kind, FALCO_SEQ);
	assert_int_equal(n->n_kids, 3); /* appended by config.d, add-only skipped, -o appended */
	assert_string_equal(n->kids[0]->text, "/a.yaml");
	assert_string_equal(n->kids[1]->text, "/b.yaml");
	assert_string_equal(n->kids[2]->text, "/extra.yaml");
	assert_string_equal(get(d, "priority", NULL)->text, "warning"); /* later file wins */
	assert_int_equal(get(d, "priority", NULL)->line, 1);
	assert_non_null(strstr(get(d, "priority", NULL)->file, "20-b.yaml"));
	assert_string_equal(get(d, "stdout_output", "enabled")->text, "false"); /* added */
	assert_string_equal(get(d, "home", NULL)->text, "/home/x/h ${LITERAL}");
	assert_string_equal(get(d, "json_output", NULL)->text, "true");
	assert_string_equal(get(d, "webserver", "listen_port")->text, "21999");
	assert_string_equal(get(d, "webserver", "enabled")->text, "true");
	n = get(d, "rules", NULL);
	assert_int_equal(n->n_kids, 2);
	assert_string_equal(falco_map_get(falco_map_get(n->kids[0], "disable"), "rule")->text, "Foo*");
	assert_string_equal(falco_map_get(falco_map_get(n->kids[1], "enable"), "tag")->text, "net");
	falco_doc_free(d);
}

static void test_refusals(void **state)
{
	struct falco_doc *d = NULL;
	const char *bad_ov[] = { "json_output" };
	char deep[200];

	(void)state;
	put("list.yaml", "- a\n- b\n");
	assert_int_equal(falco_doc_load(path_of("list.yaml"), NULL, 0, NULL, &d), -EINVAL);
	put("broken.yaml", "a: [b\n");
	assert_int_equal(falco_doc_load(path_of("broken.yaml"), NULL, 0, NULL, &d), -EINVAL);
	put("ok.yaml", "a: 1\n");
	assert_int_equal(falco_doc_load(path_of("ok.yaml"), bad_ov, 1, NULL, &d), -EINVAL);
	assert_int_equal(falco_doc_load(path_of("missing.yaml"), NULL, 0, NULL, &d), -EINVAL);
	memset(deep, '[', 100);
	strcpy(deep + 100, "1");
	memset(deep + 101, ']', 60);
	deep[161] = '\0';
	{
		char text[256];

		snprintf(text, sizeof(text), "a: %s\n", deep);
		put("deep.yaml", text);
	}
	assert_int_equal(falco_doc_load(path_of("deep.yaml"), NULL, 0, NULL, &d), -EINVAL);
	put("nest.yaml", "config_files: [x]\n");
	{
		char text[256];

		snprintf(text, sizeof(text), "config_files: [%s/nest.yaml]\n", dir);
		put("top.yaml", text);
	}
	assert_int_equal(falco_doc_load(path_of("top.yaml"), NULL, 0, NULL, &d), -EINVAL);
	assert_null(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_includes_env_overrides),
		cmocka_unit_test(test_refusals),
	};
	char cleanup[64];
	int ret;

	if (!mkdtemp(dir))
		return 1;
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cleanup, sizeof(cleanup), "rm -rf %s", dir);
	if (system(cleanup) != 0 && !ret)
		ret = 1;
	return ret;
}
