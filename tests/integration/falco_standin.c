/*
 * A stand-in for the programs Falco's rules name (nginx, sshd, ssh, ...):
 * the rules judge a process by its name, so test_falco_rules2.sh copies this
 * one binary into a container under each name and makes it do, for real, what
 * the real program would: read a file some seconds after it started, start a
 * child (optionally dropping to another user first, as sshd does for a login),
 * open a TCP connection. Built static to run in the busybox container.
 *
 *   NAME read SECONDS FILE          sleep, then open FILE for reading
 *   NAME spawn [-u UID] PROG ARG... fork; the child (as UID) execs PROG
 *   NAME connect IPV4 PORT          TCP connect; exit 0 once connected
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int do_read(const char *seconds, const char *path)
{
	int fd;

	sleep((unsigned)atoi(seconds));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror(path);
		return 1;
	}
	close(fd);
	return 0;
}

static int do_spawn(int argc, char **argv)
{
	long uid = -1;
	int status;
	pid_t pid;

	if (argc >= 2 && strcmp(argv[0], "-u") == 0) {
		uid = atol(argv[1]);
		argv += 2;
		argc -= 2;
	}
	if (argc < 1)
		return 2;
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		if (uid >= 0 && (setgid((gid_t)uid) || setuid((uid_t)uid))) {
			perror("setuid");
			_exit(126);
		}
		execv(argv[0], argv);
		perror(argv[0]);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static int do_connect(const char *ip, const char *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)) };
	int fd, ret;

	if (inet_pton(AF_INET, ip, &sa.sin_addr) != 1) {
		fprintf(stderr, "%s: not an IPv4 address\n", ip);
		return 2;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	ret = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	if (ret)
		fprintf(stderr, "connect %s:%s: %m\n", ip, port);
	close(fd);
	return ret ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "read") == 0)
		return do_read(argv[2], argv[3]);
	if (argc >= 3 && strcmp(argv[1], "spawn") == 0)
		return do_spawn(argc - 2, argv + 2);
	if (argc == 4 && strcmp(argv[1], "connect") == 0)
		return do_connect(argv[2], argv[3]);
	fprintf(stderr, "usage: %s read SECONDS FILE | spawn [-u UID] PROG [ARG...] | connect IPV4 PORT\n",
		argv[0]);
	return 2;
}
