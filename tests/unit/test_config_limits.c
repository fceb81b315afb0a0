/*
 * The configuration's YAML is bounded as the rules' is (issue 12): nesting,
 * one document, no NUL in a string, anchors and alias expansion, the number
 * of outputs. Each refusal names file:line; none takes long (the 400 KB
 * nesting took 95 s in libyaml's loader, 100k aliased outputs 18 s).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/config.h"

static char *text_of(size_t cap)
{
	char *t = calloc(1, cap);

	assert_non_null(t);
	return t;
}

/* The text must be refused with a message containing `want`. */
static void refused(const char *text, size_t len, const char *want)
{
	struct palisade_config *c = NULL;
	char *diag = NULL;
	size_t dlen = 0;
	FILE *f = open_memstream(&diag, &dlen);
	int err;

	assert_non_null(f);
	err = config_load_buffer("t.yaml", text, len, f, &c);
	fclose(f);
	if (err != -EINVAL || !strstr(diag, want))
		fail_msg("wanted -EINVAL and '%s', got %d and:\n%s", want, err, diag);
	assert_null(c);
	free(diag);
}

static void accepted(const char *text)
{
	struct palisade_config *c = NULL;

	assert_int_equal(config_load_buffer("t.yaml", text, strlen(text), stderr, &c), 0);
	config_free(c);
}

static void test_deep_nesting_refused(void **state)
{
	size_t depth = 200000, n = 0;
	char *t = text_of(2 * depth + 16);

	(void)state;
	n += (size_t)sprintf(t, "rules: ");
	memset(t + n, '[', depth);
	memset(t + n + depth, ']', depth);
	n += 2 * depth;
	refused(t, n, "t.yaml:1: YAML nested deeper than 64 levels");
	free(t);
}

static void test_second_document_refused(void **state)
{
	static const char t[] = "rules:\n  enabled: true\n---\nenforce: true\n";

	(void)state;
	refused(t, strlen(t), "t.yaml:3: a second YAML document");
	accepted("---\nrules:\n  enabled: true\n...\n");
}

static void test_nul_refused(void **state)
{
	static const char escaped[] = "rules:\n  files: [\"/etc/palisade/x.yaml\\0.evil\"]\n";
	static const char raw[] = "rules:\n  files: [/a\0b]\n";

	(void)state;
	refused(escaped, strlen(escaped), "t.yaml:2: a NUL character (\\0) in a string is refused");
	refused(raw, sizeof(raw) - 1, "not a text file (it holds a NUL byte)");
}

static void test_anchors_and_aliases_bounded(void **state)
{
	size_t cap = 64 << 20, n = 0;
	char *t = text_of(cap);

	(void)state;
	/* 100k aliased outputs: the expansion is refused before any output is made. */
	n += (size_t)sprintf(t, "outputs:\n  - &o {type: stdout}\n");
	for (int i = 0; i < 100000; i++)
		n += (size_t)sprintf(t + n, "  - *o\n");
	refused(t, n, "YAML aliases expand to more than 65536 nodes");
	/* More anchors than a configuration needs: a clear limit. */
	n = (size_t)sprintf(t, "rules:\n  files:\n");
	for (int i = 0; i < 1100; i++)
		n += (size_t)sprintf(t + n, "    - &a%d /r%d.yaml\n", i, i);
	refused(t, n, "t.yaml:1027: more than 1024 YAML anchors");
	/* Within the limits, anchors and aliases work as in YAML. */
	accepted("rules:\n  files: [&f /a.yaml, *f]\noutputs:\n  - &o {type: file, path: /tmp/x}\n");
	refused("x: &a [*a]\n", 10, "unknown YAML alias '*a'");
	free(t);
}

static void test_outputs_bounded(void **state)
{
	size_t n = 0;
	char *t = text_of(1 << 20);

	(void)state;
	n += (size_t)sprintf(t, "outputs:\n");
	for (int i = 0; i < 20000; i++)
		n += (size_t)sprintf(t + n, "  - {type: stdout, name: s%d}\n", i);
	refused(t, n, "t.yaml:2: outputs: 20000 outputs (expected at most 64)");
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deep_nesting_refused),
		cmocka_unit_test(test_second_document_refused),
		cmocka_unit_test(test_nul_refused),
		cmocka_unit_test(test_anchors_and_aliases_bounded),
		cmocka_unit_test(test_outputs_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
