/*
 * Falco's published rule files, for the unit tests that load them. They are
 * never copied into the repository: they are looked up at run time in
 * $FALCO_RULES_DIR, then ../shared/data/falco-rules (from the repository
 * root, where the tests run; CI has it), then /etc/falco (a Falco install);
 * the first that holds falco_rules.yaml is used. A test that needs a file
 * that is not there is reported skipped with the reason, never failed
 * (tests/README.md; tests/falco_rules.sh is the same lookup for scripts):
 *
 *   FALCO_NEED("falco_rules.yaml", "falco-sandbox_rules.yaml");  first line of a test
 *   falco_file("falco_rules.yaml")                               the path to load
 *   falco_run_group("falco stable", tests, setup, teardown, "falco_rules.yaml")
 *                                      a group whose (group or test) setup loads them
 */
#ifndef PALISADE_TEST_FALCO_RULES_H
#define PALISADE_TEST_FALCO_RULES_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define FALCO_RULES_SHARED "../shared/data/falco-rules"
#define FALCO_RULES_ETC "/etc/falco"

static inline bool falco_readable_in(const char *dir, const char *name)
{
	char path[4096];

	return snprintf(path, sizeof(path), "%s/%s", dir, name) < (int)sizeof(path) &&
	       access(path, R_OK) == 0;
}

/* The directory the files come from, or NULL when none of the three holds them. */
static inline const char *falco_rules_dir(void)
{
	const char *env = getenv("FALCO_RULES_DIR");

	if (env && *env && falco_readable_in(env, "falco_rules.yaml"))
		return env;
	if (falco_readable_in(FALCO_RULES_SHARED, "falco_rules.yaml"))
		return FALCO_RULES_SHARED;
	if (falco_readable_in(FALCO_RULES_ETC, "falco_rules.yaml"))
		return FALCO_RULES_ETC;
	return NULL;
}

/* DIR/NAME in one of a few rotating buffers (a test passes up to four at once). */
static inline const char *falco_file(const char *name)
{
	static char paths[8][4096];
	static unsigned next;
	const char *dir = falco_rules_dir();
	char *p = paths[next++ % 8];

	snprintf(p, sizeof(paths[0]), "%s/%s", dir ? dir : FALCO_RULES_SHARED, name);
	return p;
}

/* Why the files in NEED (NULL-terminated) cannot be used, or false when they can. */
static inline bool falco_missing(const char *const *need, char *why, size_t cap)
{
	const char *dir = falco_rules_dir();
	const char *env = getenv("FALCO_RULES_DIR");

	if (!dir) {
		snprintf(why, cap,
			 "Falco's rule files not found (FALCO_RULES_DIR %s, no %s, no %s); set "
			 "FALCO_RULES_DIR to a directory holding falco_rules.yaml",
			 env && *env ? "has no falco_rules.yaml" : "unset",
			 FALCO_RULES_SHARED "/falco_rules.yaml", FALCO_RULES_ETC "/falco_rules.yaml");
		return true;
	}
	for (; *need; need++)
		if (!falco_readable_in(dir, *need)) {
			snprintf(why, cap, "no %s in %s (set FALCO_RULES_DIR to a directory holding it)",
				 *need, dir);
			return true;
		}
	return false;
}

/* First statement of a test that loads Falco's files: skips it when they are absent. */
#define FALCO_NEED(...)                                                                  \
	do {                                                                             \
		static const char *const falco_need_[] = { __VA_ARGS__, NULL };          \
		char falco_why_[1024];                                                   \
		if (falco_missing(falco_need_, falco_why_, sizeof(falco_why_))) {        \
			printf("skip - %s\n", falco_why_);                               \
			skip();                                                          \
		}                                                                        \
	} while (0)

static char falco_group_why[1024];

static inline void falco_skipped(void **state)
{
	(void)state;
	printf("skip - %s\n", falco_group_why);
	skip();
}

/*
 * Runs a group whose setups load Falco's files. Without them cmocka would
 * count a failed setup as an error, so each test is run as a skip instead
 * (by its own name, setups and teardowns left out).
 */
static inline int falco_run_group_(const char *name, const struct CMUnitTest *tests, size_t n,
				   CMFixtureFunction setup, CMFixtureFunction teardown,
				   const char *const *need)
{
	struct CMUnitTest *skipped;
	size_t i;
	int ret;

	if (!falco_missing(need, falco_group_why, sizeof(falco_group_why)))
		return _cmocka_run_group_tests(name, tests, n, setup, teardown);
	skipped = calloc(n, sizeof(*skipped));
	if (!skipped)
		return 1;
	for (i = 0; i < n; i++) {
		skipped[i].name = tests[i].name;
		skipped[i].test_func = falco_skipped;
	}
	ret = _cmocka_run_group_tests(name, skipped, n, NULL, NULL);
	free(skipped);
	return ret;
}

#define falco_run_group(name, tests, setup, teardown, ...)                               \
	falco_run_group_(name, tests, sizeof(tests) / sizeof((tests)[0]), setup, teardown, \
			 (const char *const[]){ __VA_ARGS__, NULL })

#endif
