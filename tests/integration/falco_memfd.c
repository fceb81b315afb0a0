/*
 * Fileless execution, as droppers do it: copies FILE into a memfd and
 * executes the memfd (fexecve) with the remaining arguments as argv.
 * Built static by test_falco_rules.sh to run in the busybox container.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
	char buf[65536];
	ssize_t n;
	int in, mfd;

	if (argc < 3) {
		fprintf(stderr, "usage: %s FILE ARGV0 [ARG...]\n", argv[0]);
		return 2;
	}
	in = open(argv[1], O_RDONLY | O_CLOEXEC);
	mfd = memfd_create("payload", MFD_CLOEXEC);
	if (in < 0 || mfd < 0) {
		perror("open/memfd_create");
		return 2;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(mfd, buf, (size_t)n) != n) {
			perror("write");
			return 2;
		}
	fexecve(mfd, argv + 2, environ);
	perror("fexecve");
	return 2;
}
