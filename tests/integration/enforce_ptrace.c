/*
 * The tracer of test_enforce.sh and test_falco_rules.sh: attaches to PID
 * with PTRACE_ATTACH, then (if it is still alive) writes "survived" to FILE
 * and detaches. `traceme` instead asks to be traced by its parent (the
 * anti-debugging trick). `mem PID FILE` injects without ptrace: it writes
 * into PID's stack through /proc/PID/mem (the same bytes back, harmless).
 * Built static so it runs in the busybox container.
 * Exit 2: the ptrace call (or the /proc/PID/mem write) failed.
 */
#include <fcntl.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* Rewrites the first word of PID's stack through /proc/PID/mem. */
static int mem_write(const char *pid)
{
	char path[64], line[512], word[8];
	unsigned long lo = 0;
	FILE *maps;
	int fd, ok;

	snprintf(path, sizeof(path), "/proc/%s/maps", pid);
	maps = fopen(path, "r");
	if (!maps)
		return -1;
	while (fgets(line, sizeof(line), maps))
		if (strstr(line, "[stack]") && sscanf(line, "%lx-", &lo) == 1)
			break;
	fclose(maps);
	snprintf(path, sizeof(path), "/proc/%s/mem", pid);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return -1;
	ok = lo && pread(fd, word, sizeof(word), (off_t)lo) == (ssize_t)sizeof(word) &&
	     pwrite(fd, word, sizeof(word), (off_t)lo) == (ssize_t)sizeof(word);
	close(fd);
	return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	pid_t pid;
	FILE *f;

	if (argc == 2 && !strcmp(argv[1], "traceme"))
		return ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0 ? 2 : 0;
	if (argc == 4 && !strcmp(argv[1], "mem")) {
		if (mem_write(argv[2]) < 0) {
			perror("/proc/PID/mem");
			return 2;
		}
		argv[2] = argv[3];
	} else if (argc != 3) {
		fprintf(stderr, "usage: %s [mem] PID FILE\n", argv[0]);
		return 2;
	} else {
		pid = (pid_t)atoi(argv[1]);
		if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) < 0) {
			perror("ptrace");
			return 2;
		}
		waitpid(pid, NULL, 0);
	}
	/* Give a kill sent at syscall entry time to land before this shows. */
	usleep(200000);
	f = fopen(argv[2], "w");
	if (f) {
		fputs("survived\n", f);
		fclose(f);
	}
	if (argc == 3)
		ptrace(PTRACE_DETACH, pid, NULL, NULL);
	return 0;
}
