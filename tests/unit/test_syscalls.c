/* The syscall table: every row is consistent with itself, and what readers
 * derive from the rows (opens, execs, fd effects, names) is what they mean. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "event/syscalls.h"

/* Each row: named arguments first, a table where the kind needs one, the
 * spec's path and address arguments of the matching kinds. */
static void test_rows_are_consistent(void **state)
{
	(void)state;
	for (size_t i = 0; i < syscall_count(); i++) {
		const struct syscall_desc *d = syscall_at(i);
		unsigned p1 = SC_ARG_FIELD(d->spec, SC_PATH_ARG_SHIFT);
		unsigned p2 = SC_ARG_FIELD(d->spec, SC_PATH2_ARG_SHIFT);
		unsigned addr = SC_ARG_FIELD(d->spec, SC_ADDR_ARG_SHIFT);
		bool open_arg = false;

		for (unsigned a = 0; a < 6; a++) {
			const struct sc_arg *g = &d->args[a];

			if (a > 0 && g->name)
				assert_non_null(d->args[a - 1].name); /* no gaps */
			if (g->kind == SA_FLAGS || g->kind == SA_ENUM)
				assert_non_null(g->names);
			if (g->kind == SA_PATH || g->kind == SA_TEXT)
				assert_true(a + 1 == p1 || a + 1 == p2);
			open_arg |= g->kind == SA_OPEN;
		}
		if (p1)
			assert_true(d->args[p1 - 1].kind == SA_PATH || d->args[p1 - 1].kind == SA_TEXT);
		if (addr)
			assert_int_equal(d->args[addr - 1].kind, SA_SOCKADDR);
		assert_true(open_arg == (d->open == SCO_FLAGS || d->open == SCO_HOW));
		/* the sensor reads a struct open_how exactly for those rows */
		assert_true((d->open == SCO_HOW) == !!(d->spec & SC_OPEN_HOW));
		if (d->open != SCO_NONE)
			assert_int_equal(d->fd, FDE_OPEN);
		assert_ptr_equal(syscall_by_name(d->name), d);
		assert_ptr_equal(syscall_by_nr(d->nr), d);
	}
}

/* The lists readers used to keep by name, now derived from the rows. */
static void test_derived_lists(void **state)
{
	static const char *const opens[] = { "open", "openat", "openat2", "creat",
					     "open_by_handle_at" };
	static const char *const not_opens[] = { "openat ", "close", "execve", "connect", "" };

	(void)state;
	for (size_t i = 0; i < sizeof(opens) / sizeof(opens[0]); i++)
		if (syscall_by_name(opens[i]))
			assert_true(syscall_name_is_open(opens[i], strlen(opens[i])));
	for (size_t i = 0; i < sizeof(not_opens) / sizeof(not_opens[0]); i++)
		assert_false(syscall_name_is_open(not_opens[i], strlen(not_opens[i])));
	assert_true(syscall_name_is_exec("execve", 6));
	assert_true(syscall_name_is_exec("execveat", 8));
	assert_false(syscall_name_is_exec("execveatx", 9));
	assert_false(syscall_name_is_exec("openat", 6));
	/* The length counts: a prefix of a list entry is not the entry. */
	assert_true(syscall_name_is_open("openat,close", 6));
	assert_int_equal(syscall_by_name("dup3")->fd, FDE_DUP);
	assert_int_equal(syscall_by_name("socketpair")->fd, FDE_PIPE);
	assert_int_equal(syscall_by_name("eventfd2")->fd, FDE_EVENTFD);
	assert_true(syscall_by_name("sendto")->traits & SCT_SEND);
	assert_int_equal(syscall_arg_index(syscall_by_name("accept4"), "flags"), 3);
	assert_int_equal(syscall_arg_index(syscall_by_name("accept"), "flags"), -1);
}

/* One clone-flag table, with every bit the process sensor derives, in the
 * kernel's order (the event JSON lists them in that order). */
static void test_one_clone_table(void **state)
{
	static const uint64_t derived[] = { 0x100, 0x200, 0x400, 0x800, 0x8000, 0x20000,
					    0x2000000, 0x4000000, 0x8000000, 0x10000000,
					    0x20000000, 0x40000000 };
	char buf[256];

	(void)state;
	for (size_t i = 0; i < sizeof(derived) / sizeof(derived[0]); i++) {
		size_t n = sc_flags_text(derived[i], &sc_clone_names, buf, 0, sizeof(buf));

		assert_true(n > 6 && !strncmp(buf, "CLONE_", 6));
	}
	for (size_t i = 1; i < sc_clone_names.n; i++)
		assert_true(sc_clone_names.v[i - 1].bit < sc_clone_names.v[i].bit);
	assert_int_equal(sc_flags_text(0x100 | 0x200 | 0x4, &sc_clone_names, buf, 0, sizeof(buf)),
			 strlen("CLONE_VM|CLONE_FS|0x4"));
	assert_string_equal(buf, "CLONE_VM|CLONE_FS|0x4");
	/* Appends after what is there; a name that does not fit is not
	 * counted (the length says what is whole), and nothing is written past cap. */
	memcpy(buf, "O_RDONLY", 9);
	buf[12] = 'x';
	assert_int_equal(sc_flags_text(0x100, &sc_clone_names, buf, 8, 12), 8);
	assert_memory_equal(buf, "O_RDONLY", 8);
	assert_int_equal(buf[12], 'x');
}

static void *look_up_all(void *arg)
{
	size_t found = 0;

	(void)arg;
	for (int round = 0; round < 100; round++)
		for (uint32_t nr = 0; nr < EV_SYSCALL_NR_MAX; nr++)
			found += syscall_by_nr(nr) != NULL;
	return (void *)found;
}

/* The event thread and the fanotify guard's thread look syscalls up at
 * once: the index is built once for both (pthread_once), and both see it
 * whole. Under ThreadSanitizer this is the race the lazy index had. */
static void test_lookup_from_two_threads(void **state)
{
	pthread_t a, b;
	void *ra, *rb;

	(void)state;
	assert_int_equal(pthread_create(&a, NULL, look_up_all, NULL), 0);
	assert_int_equal(pthread_create(&b, NULL, look_up_all, NULL), 0);
	pthread_join(a, &ra);
	pthread_join(b, &rb);
	assert_true((size_t)ra == (size_t)rb && (size_t)ra > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_are_consistent),
		cmocka_unit_test(test_derived_lists),
		cmocka_unit_test(test_one_clone_table),
		cmocka_unit_test(test_lookup_from_two_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
