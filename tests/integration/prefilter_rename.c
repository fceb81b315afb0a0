/*
 * The renaming reader of test_prefilter_names.sh: gives itself (the process
 * leader, `leader` mode) or a second thread (`thread` mode) the name NEWNAME
 * with prctl(PR_SET_NAME), then that thread reads FILE. Installed as `tar`,
 * the process table still knows it as tar (its exec name), so a rule on
 * proc.name=tar must see the read: the pre-filter's name gate has to keep
 * it although neither comm the kernel reads at the open is "tar" any more
 * (leader mode) or the opening thread's is not (thread mode). SECONDS
 * (default 0): how long to live on after the read, so that a test can look
 * at the kernel's rename mark. Built static so it runs in the busybox
 * container. Exit 2: a call failed.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static const char *new_name, *file;

static void *rename_and_read(void *arg)
{
	char buf[64];
	int fd;

	(void)arg;
	if (prctl(PR_SET_NAME, new_name, 0, 0, 0) < 0) {
		perror("prctl");
		return (void *)1;
	}
	fd = open(file, O_RDONLY);
	if (fd < 0) {
		perror(file);
		return (void *)1;
	}
	if (read(fd, buf, sizeof(buf)) < 0)
		perror("read");
	close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t;
	void *ret = NULL;

	if ((argc != 4 && argc != 5) || (strcmp(argv[3], "leader") && strcmp(argv[3], "thread"))) {
		fprintf(stderr, "usage: %s NEWNAME FILE leader|thread [SECONDS]\n", argv[0]);
		return 2;
	}
	new_name = argv[1];
	file = argv[2];
	if (!strcmp(argv[3], "leader"))
		ret = rename_and_read(NULL);
	else if (pthread_create(&t, NULL, rename_and_read, NULL) || pthread_join(t, &ret))
		return 2;
	if (argc == 5)
		sleep((unsigned)atoi(argv[4]));
	return ret ? 2 : 0;
}
