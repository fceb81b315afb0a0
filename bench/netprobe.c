/*
 * netprobe: the network workload of the flow and policy tests and benchmarks,
 * built static so it runs in the busybox test containers (whose nc has no
 * UDP and no IPv6 server). One program, a mode per argument:
 *
 *   netprobe serve PORT...           TCP and UDP echo on each port (IPv4 and IPv6)
 *   netprobe tcp HOST PORT [MSG]     connect, send MSG, print the echo
 *   netprobe udp HOST PORT [MSG]     one datagram, print the echo
 *   netprobe sink PORT               TCP discard server
 *   netprobe bulk HOST PORT SECONDS  send as fast as possible; print bytes/s
 *   netprobe connects HOST PORT N    N connects (each closed at once); print connects/s
 *
 * Clients print "ok REPLY", "timeout" or "error: WHY" and exit 0 only for ok.
 * Every wait is bounded (TIMEOUT_MS).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TIMEOUT_MS 2000
#define BUF 65536

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int addr_of(const char *host, const char *port, struct sockaddr_storage *sa, socklen_t *len)
{
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)sa;
	struct sockaddr_in *a4 = (struct sockaddr_in *)sa;
	int p = atoi(port);

	memset(sa, 0, sizeof(*sa));
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)p);
		*len = sizeof(*a4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)p);
		*len = sizeof(*a6);
		return 0;
	}
	fprintf(stderr, "netprobe: %s: not an IPv4 or IPv6 address\n", host);
	return -1;
}

static int fail(const char *what)
{
	if (errno == ETIMEDOUT || errno == EAGAIN)
		printf("timeout\n");
	else
		printf("error: %s: %s\n", what, strerror(errno));
	return 1;
}

/* A connected TCP socket, within TIMEOUT_MS; -1 with errno set. */
static int tcp_connect(const char *host, const char *port)
{
	struct sockaddr_storage sa;
	struct pollfd p;
	socklen_t len, el = sizeof(int);
	int fd, err = 0;

	if (addr_of(host, port, &sa, &len))
		return errno = EINVAL, -1;
	fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, len) && errno != EINPROGRESS)
		goto fail;
	p = (struct pollfd){ .fd = fd, .events = POLLOUT };
	if (poll(&p, 1, TIMEOUT_MS) != 1) {
		errno = ETIMEDOUT;
		goto fail;
	}
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el);
	if (err) {
		errno = err;
		goto fail;
	}
	fcntl(fd, F_SETFL, 0);
	return fd;
fail:
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

static int recv_timeout(int fd, char *buf, size_t cap)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	if (poll(&p, 1, TIMEOUT_MS) != 1)
		return errno = ETIMEDOUT, -1;
	n = recv(fd, buf, cap - 1, 0);
	if (n < 0)
		return -1;
	buf[n] = 0;
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = 0;
	return (int)n;
}

static int client(int udp, const char *host, const char *port, const char *msg)
{
	char out[512], in[512];
	int fd, n;

	snprintf(out, sizeof(out), "%s\n", msg);
	if (udp) {
		struct sockaddr_storage sa;
		socklen_t len;

		if (addr_of(host, port, &sa, &len))
			return 2;
		fd = socket(sa.ss_family, SOCK_DGRAM, 0);
		if (fd < 0 || sendto(fd, out, strlen(out), 0, (struct sockaddr *)&sa, len) < 0)
			return fail("sendto");
	} else {
		fd = tcp_connect(host, port);
		if (fd < 0)
			return fail("connect");
		if (send(fd, out, strlen(out), MSG_NOSIGNAL) < 0)
			return fail("send");
	}
	n = recv_timeout(fd, in, sizeof(in));
	if (n < 0)
		return fail("recv");
	if (n == 0) {
		printf("error: closed without an answer\n");
		return 1;
	}
	printf("ok %s\n", in);
	close(fd);
	return 0;
}

/* A listening (TCP) or bound (UDP) socket on [::]:port, IPv4 too. */
static int server_socket(int type, int port)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port) };
	int fd = socket(AF_INET6, type, 0), off = 0, on = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || (type == SOCK_STREAM && listen(fd, 128)))
		return -1;
	return fd;
}

static void echo_tcp(int port, int discard)
{
	int l = server_socket(SOCK_STREAM, port);
	static char buf[BUF];

	if (l < 0) {
		perror("netprobe: tcp server");
		exit(1);
	}
	for (;;) {
		int c = accept(l, NULL, NULL);
		ssize_t n;

		if (c < 0)
			continue;
		if (!discard && fork() == 0) {
			while ((n = recv(c, buf, sizeof(buf), 0)) > 0)
				if (send(c, buf, (size_t)n, MSG_NOSIGNAL) < 0)
					break;
			_exit(0);
		}
		while (discard && recv(c, buf, sizeof(buf), 0) > 0)
			;
		close(c);
	}
}

static void echo_udp(int port)
{
	int fd = server_socket(SOCK_DGRAM, port);
	struct sockaddr_storage from;
	char buf[2048];

	if (fd < 0) {
		perror("netprobe: udp server");
		exit(1);
	}
	for (;;) {
		socklen_t len = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);

		if (n > 0)
			sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, len);
	}
}

static int serve(int argc, char **argv)
{
	signal(SIGCHLD, SIG_IGN);
	for (int i = 0; i < argc; i++) {
		int port = atoi(argv[i]);

		if (fork() == 0)
			echo_tcp(port, 0);
		if (fork() == 0)
			echo_udp(port);
	}
	while (wait(NULL) > 0 || errno == EINTR)
		;
	pause();
	return 0;
}

static int bulk(const char *host, const char *port, double seconds)
{
	static char buf[BUF];
	double start, end;
	unsigned long long total = 0;
	int fd = tcp_connect(host, port);

	if (fd < 0)
		return fail("connect");
	memset(buf, 'x', sizeof(buf));
	start = now_s();
	end = start + seconds;
	while (now_s() < end) {
		ssize_t n = send(fd, buf, sizeof(buf), MSG_NOSIGNAL);

		if (n < 0)
			return fail("send");
		total += (unsigned long long)n;
	}
	printf("bytes %llu seconds %.3f rate %.0f\n", total, now_s() - start,
	       (double)total / (now_s() - start));
	close(fd);
	return 0;
}

static int connects(const char *host, const char *port, long n)
{
	double start = now_s();

	for (long i = 0; i < n; i++) {
		int fd = tcp_connect(host, port);

		if (fd < 0)
			return fail("connect");
		close(fd);
	}
	printf("connects %ld seconds %.3f rate %.0f\n", n, now_s() - start,
	       (double)n / (now_s() - start));
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (!strcmp(mode, "serve") && argc > 2)
		return serve(argc - 2, argv + 2);
	if ((!strcmp(mode, "tcp") || !strcmp(mode, "udp")) && (argc == 4 || argc == 5))
		return client(mode[0] == 'u', argv[2], argv[3], argc == 5 ? argv[4] : "netprobe");
	if (!strcmp(mode, "sink") && argc == 3)
		echo_tcp(atoi(argv[2]), 1);
	if (!strcmp(mode, "bulk") && argc == 5)
		return bulk(argv[2], argv[3], atof(argv[4]));
	if (!strcmp(mode, "connects") && argc == 5)
		return connects(argv[2], argv[3], atol(argv[4]));
	fprintf(stderr, "usage: netprobe serve PORT... | tcp|udp HOST PORT [MSG] | sink PORT |\n"
			"       bulk HOST PORT SECONDS | connects HOST PORT N\n");
	return 2;
}
