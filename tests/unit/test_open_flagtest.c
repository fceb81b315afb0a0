/* `evt.arg.flags contains NAME` decided on an open's flag bits
 * (rl_open_flags_contain) gives the answer the flags text does: for every
 * name of the open table and the access modes, parts of names ("O_DIRECT" is
 * in "O_DIRECTORY", "SYNC" in two names), every single bit (unknown ones
 * too, printed as a number), each with every access mode (O_RDONLY is 0),
 * and every pair of bits. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "event/syscalls.h"
#include "rules/field_ids.h"

static void check(uint64_t flags, const char *needle, const struct rl_flagtest *f)
{
	char text[512];
	bool want;

	assert_true(rl_open_flags_text(flags, text, sizeof(text)) > 0);
	want = strstr(text, needle) != NULL;
	if (rl_open_flags_contain(flags, f) != want)
		fail_msg("flags %#llx (%s) contains %s: bits say %d, text %d",
			 (unsigned long long)flags, text, needle, !want, want);
}

static void check_needle(const char *needle)
{
	struct rl_flagtest f;

	assert_true(rl_open_flagtest_init(&f, needle, strlen(needle)));
	for (uint64_t acc = 0; acc <= O_ACCMODE; acc++) {
		check(acc, needle, &f);
		for (unsigned b = 2; b < 64; b++) {
			check(acc | (uint64_t)1 << b, needle, &f);
			if (acc)
				continue;
			for (unsigned b2 = b + 1; b2 < 40; b2++)
				check((uint64_t)1 << b | (uint64_t)1 << b2, needle, &f);
		}
		for (size_t i = 0; i < sc_open_names.n; i++)
			check(acc | sc_open_names.v[i].bit, needle, &f);
	}
	check(~(uint64_t)0, needle, &f);
}

static void test_same_as_text(void **state)
{
	static const char *const parts[] = { "O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE",
					     "O_DIRECT", "SYNC", "O_", "_", "RD", "ONLY",
					     "O_CREATE", "CLOEXEC", "ACCMODE", "O_WRONLYX",
					     "o_creat" };

	(void)state;
	for (size_t i = 0; i < sc_open_names.n; i++)
		check_needle(sc_open_names.v[i].name);
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		check_needle(parts[i]);
}

/* A needle that could match across two names or in the number of unnamed
 * bits keeps the text. */
static void test_text_kept(void **state)
{
	static const char *const keep[] = { "", "O_CREAT|O_EXCL", "|", "0x", "x40", "0",
					     "lower" };
	struct rl_flagtest f;

	(void)state;
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		assert_false(rl_open_flagtest_init(&f, keep[i], strlen(keep[i])));
	/* An embedded NUL (a value given in hexadecimal bytes) too. */
	assert_false(rl_open_flagtest_init(&f, "O_CREAT\0X", 9));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_as_text),
		cmocka_unit_test(test_text_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
