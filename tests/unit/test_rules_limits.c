/*
 * Bounded work on hostile or huge rules files (issue 12): memory linear in
 * the input (appends, long outputs, many rules), aliases bounded, anchors
 * unlimited, a NUL inside a string refused. Memory is asserted through the
 * engine's own count of what it holds, never through time.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rules/rules.h"
#include "rules_fixture.h"

struct buf {
	char *s;
	size_t len, cap;
};

static void add(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		assert_true(n >= 0);
		if ((size_t)n < b->cap - b->len)
			break;
		b->cap = b->cap ? 2 * b->cap + (size_t)n : 4096 + (size_t)n;
		b->s = realloc(b->s, b->cap);
		assert_non_null(b->s);
	}
	b->len += (size_t)n;
}

/* Loads text; *bytes is what the rule set holds; returns the compile result. */
static int load(const char *text, size_t len, size_t *bytes, struct rules_engine **out)
{
	struct rules_config cfg;
	struct rules_stats st;
	struct rules_engine *e = NULL;
	int ret;

	rules_config_default(&cfg);
	cfg.hostname = "h";
	assert_int_equal(rules_engine_new(&cfg, &e), 0);
	assert_int_equal(rules_engine_add_buffer(e, "t.yaml", text, len), 0);
	ret = rules_engine_compile(e);
	rules_engine_stats(e, &st);
	if (bytes)
		*bytes = st.memory_bytes;
	if (out)
		*out = e;
	else
		rules_engine_free(e);
	return ret;
}

static const char rule_head[] = "- rule: r\n  desc: d\n  condition: evt.type=execve\n"
				"  priority: WARNING\n";

/* 10k `override: {condition: append}` took 2.26 GB (each append copied the
 * whole condition into the arena). */
static void test_appends_linear(void **state)
{
	struct buf b = { 0 };
	size_t bytes;

	(void)state;
	add(&b, "%s  output: o\n", rule_head);
	for (int i = 0; i < 10000; i++)
		add(&b, "- rule: r\n  condition: and proc.name != name%d\n  override:\n"
			"    condition: append\n", i);
	assert_int_equal(load(b.s, b.len, &bytes, NULL), 0);
	fprintf(stderr, "10k appends: %zu bytes of input, %zu held\n", b.len, bytes);
	assert_true(bytes < 48 * b.len);
	free(b.s);
}

/* A 5.5 MB output took 576 MB (each of four appended container fields
 * copied every piece again; each reference kept a full field copy). */
static void test_long_output_linear(void **state)
{
	struct buf b = { 0 };
	size_t bytes;

	(void)state;
	add(&b, "%s  output: \"", rule_head);
	for (int i = 0; i < 200000; i++)
		add(&b, " %%proc.name %%proc.aname[%d]", i % 7);
	add(&b, "\"\n");
	assert_int_equal(load(b.s, b.len, &bytes, NULL), 0);
	fprintf(stderr, "long output: %zu bytes of input, %zu held\n", b.len, bytes);
	assert_true(bytes < 24 * b.len);
	free(b.s);
}

static size_t rules_bytes(int n, size_t *input)
{
	struct buf b = { 0 };
	size_t bytes;

	add(&b, "- list: shells\n  items: [sh, bash]\n- macro: spawned\n  condition: evt.type=execve\n");
	for (int i = 0; i < n; i++)
		add(&b, "- rule: rule %d\n  desc: d\n  condition: spawned and proc.name in (shells) and "
			"proc.pname=p%d\n  output: \"x %%proc.name\"\n  priority: WARNING\n", i, i);
	assert_int_equal(load(b.s, b.len, &bytes, NULL), 0);
	*input = b.len;
	free(b.s);
	return bytes;
}

/* Four times the rules, about four times the memory (not sixteen). */
static void test_many_rules_linear(void **state)
{
	size_t in1, in4, m1 = rules_bytes(5000, &in1), m4 = rules_bytes(20000, &in4);

	(void)state;
	fprintf(stderr, "5k rules: %zu held, 20k rules: %zu held\n", m1, m4);
	assert_true(m4 < 5 * m1);
	assert_true(m4 < 80 * in4);
}

static void test_nul_in_string_refused(void **state)
{
	static const char text[] =
		"- rule: r\n  desc: d\n  condition: \"evt.type=open and fd.name=/etc/shadow\\0 and "
		"proc.name=never\"\n  output: o\n  priority: WARNING\n";
	struct rules_engine *e;

	(void)state;
	assert_int_equal(load(text, strlen(text), NULL, &e), -EINVAL);
	assert_true(has_diag_part(e, "t.yaml:3:14: a NUL character (\\0) in a string is refused"));
	rules_engine_free(e);
}

/* Anchors beyond 256 were dropped and reported as unknown aliases. */
static void test_many_anchors(void **state)
{
	struct buf b = { 0 };
	struct rules_engine *e;

	(void)state;
	for (int i = 0; i < 1000; i++)
		add(&b, "- list: l%d\n  items: [&a%d x%d]\n", i, i, i);
	add(&b, "- list: all\n  items: [*a999, *a0, *a500]\n");
	add(&b, "%s  output: o\n", rule_head);
	assert_int_equal(load(b.s, b.len, NULL, &e), 0);
	rules_engine_free(e);
	free(b.s);
}

static void test_alias_bombs_refused(void **state)
{
	struct buf b = { 0 };
	struct rules_engine *e;

	(void)state;
	add(&b, "- list: l0\n  items: &l0 [a, a, a, a, a, a, a, a, a, a]\n");
	for (int i = 1; i < 12; i++) {
		add(&b, "- list: l%d\n  items: &l%d [*l%d", i, i, i - 1);
		for (int k = 1; k < 10; k++)
			add(&b, ", *l%d", i - 1);
		add(&b, "]\n");
	}
	assert_int_equal(load(b.s, b.len, NULL, &e), -EINVAL);
	assert_true(has_diag_part(e, "YAML aliases expand to more than"));
	rules_engine_free(e);
	free(b.s);
	static const char cycle[] = "- list: x\n  items: &a [b, *a]\n";
	assert_int_equal(load(cycle, strlen(cycle), NULL, &e), -EINVAL);
	assert_true(has_diag_part(e, "t.yaml:2:17: YAML alias '*a' inside the node it names"));
	rules_engine_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_appends_linear),
		cmocka_unit_test(test_long_output_linear),
		cmocka_unit_test(test_many_rules_linear),
		cmocka_unit_test(test_nul_in_string_refused),
		cmocka_unit_test(test_many_anchors),
		cmocka_unit_test(test_alias_bombs_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
