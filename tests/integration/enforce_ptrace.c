/*
 * The tracer of test_enforce.sh and test_falco_rules.sh: attaches to PID
 * with PTRACE_ATTACH, then (if it is still alive) writes "survived" to FILE
 * and detaches. `traceme` instead asks to be traced by its parent (the
 * anti-debugging trick). Built static so it runs in the busybox container.
 * Exit 2: the ptrace call failed.
 */
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	pid_t pid;
	FILE *f;

	if (argc == 2 && !strcmp(argv[1], "traceme"))
		return ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0 ? 2 : 0;
	if (argc != 3) {
		fprintf(stderr, "usage: %s PID FILE\n", argv[0]);
		return 2;
	}
	pid = (pid_t)atoi(argv[1]);
	if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) < 0) {
		perror("ptrace");
		return 2;
	}
	waitpid(pid, NULL, 0);
	/* Give a kill sent at syscall entry time to land before this shows. */
	usleep(200000);
	f = fopen(argv[2], "w");
	if (f) {
		fputs("survived\n", f);
		fclose(f);
	}
	ptrace(PTRACE_DETACH, pid, NULL, NULL);
	return 0;
}
