/*
 * Test helper for test_netpolicy.sh, built static and copied into a busybox
 * container (whose nc has no UDP): one datagram to ADDR PORT with sendmsg()
 * on an unconnected socket, the path the cgroup/sendmsg4/6 hooks judge.
 * Prints "sent" or "error: <strerror>"; exits 0 or 1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in a4 = { .sin_family = AF_INET };
	char payload[] = "palisade netpolicy test";
	struct iovec iov = { payload, sizeof(payload) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	int fd, v6;

	if (argc != 3) {
		fprintf(stderr, "usage: %s ADDR PORT\n", argv[0]);
		return 2;
	}
	v6 = strchr(argv[1], ':') != NULL;
	if (v6) {
		a6.sin6_port = htons((uint16_t)atoi(argv[2]));
		if (inet_pton(AF_INET6, argv[1], &a6.sin6_addr) != 1)
			return 2;
		msg.msg_name = &a6;
		msg.msg_namelen = sizeof(a6);
	} else {
		a4.sin_port = htons((uint16_t)atoi(argv[2]));
		if (inet_pton(AF_INET, argv[1], &a4.sin_addr) != 1)
			return 2;
		msg.msg_name = &a4;
		msg.msg_namelen = sizeof(a4);
	}
	fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || sendmsg(fd, &msg, 0) < 0) {
		printf("error: %s\n", strerror(errno));
		return 1;
	}
	printf("sent\n");
	close(fd);
	return 0;
}
