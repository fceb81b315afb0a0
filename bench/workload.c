// SPDX-License-Identifier: MIT
/*
 * workload: a bounded syscall load for palisade's overhead benchmark.
 *
 * Each mode repeats one kind of operation a fixed number of times (a count,
 * not a duration, so a slower run does the same work and the ratio of two
 * wall times is the overhead) and prints one machine-readable line:
 *
 *   workload mode=exec iterations=2000 elapsed_s=1.234567 ops_per_s=1620.3 cpu_s=0.912345
 *
 * cpu_s is the CPU time (user + system) the timed loop used, its children
 * included: on a shared machine it moves less than wall time when other jobs
 * compete for the CPUs, so it is a second, steadier view of the same cost.
 *
 * Modes:
 *   open   open(2) + close(2) of one temporary file
 *   exec   fork(2) + execve(2) of /bin/true, then wait for it
 *   tcp    connect(2) to a listener of our own on 127.0.0.1, accept(2), close both
 *   mixed  a fixed blend of the three (see MIXED_* below); one iteration is one
 *          operation of the blend
 *
 * -i USEC pauses that long after each operation (bench/latency.sh opens a
 * file a rule watches every few milliseconds beside a workload); SIGINT or
 * SIGTERM ends the timed loop early, and the line counts what was done.
 *
 * Everything stays on this machine: the file lives in a temporary directory
 * and is removed at exit, the socket is bound to loopback on a port the kernel
 * picks, and the program stops after its count.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* accept4, SOCK_CLOEXEC */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/*
 * The mixed blend, per cycle of MIXED_CYCLE operations: MIXED_EXECS execs,
 * MIXED_CONNECTS connections, and opens for the rest. Opens are by far the most
 * frequent of the three on a real host, execs the rarest and the dearest; with
 * these weights each kind takes roughly a third of the unmonitored wall time
 * here (an exec costs about as much as 350 opens or 20 connections).
 */
enum { MIXED_CYCLE = 256, MIXED_EXECS = 1, MIXED_CONNECTS = 15 };

#define EXEC_PATH "/bin/true"

enum mode { MODE_OPEN, MODE_EXEC, MODE_TCP, MODE_MIXED };

static const char *const mode_names[] = {
	[MODE_OPEN] = "open",
	[MODE_EXEC] = "exec",
	[MODE_TCP] = "tcp",
	[MODE_MIXED] = "mixed",
};

/* What the operations need, set up once before the timed loop. */
struct workload {
	char dir[PATH_MAX - sizeof("/target")];
	char file[PATH_MAX];
	int listen_fd;
	struct sockaddr_in addr;
};

extern char **environ;

static void usage(FILE *to)
{
	fprintf(to,
		"usage: workload [-n ITERATIONS] [-w WARMUP] [-d TMPDIR] [-i USEC] open|exec|tcp|mixed\n"
		"  -n N   operations to time (default 10000)\n"
		"  -w N   untimed operations first (default: 1%% of -n)\n"
		"  -d DIR where the temporary file is made (default $TMPDIR or /tmp)\n"
		"  -i US  pause after each operation, in microseconds (default 0)\n"
		"SIGINT or SIGTERM ends the loop early; the line counts what was done.\n"
		"Prints: workload mode=M iterations=N elapsed_s=S ops_per_s=R cpu_s=C\n");
}

static int parse_count(const char *text, long *out)
{
	char *end = NULL;
	long value;

	errno = 0;
	value = strtol(text, &end, 10);
	if (errno || end == text || *end != '\0' || value < 0)
		return -EINVAL;
	*out = value;
	return 0;
}

static volatile sig_atomic_t stop_early;

static void on_stop(int sig)
{
	(void)sig;
	stop_early = 1;
}

static void pause_us(long us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000 };

	if (us > 0)
		nanosleep(&ts, NULL);
}

static int parse_mode(const char *text, enum mode *out)
{
	for (size_t i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++) {
		if (strcmp(text, mode_names[i]) == 0) {
			*out = (enum mode)i;
			return 0;
		}
	}
	return -EINVAL;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double timeval_seconds(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* CPU time used so far by this process and its waited-for children. */
static double cpu_seconds(void)
{
	struct rusage self, children;

	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &children);
	return timeval_seconds(self.ru_utime) + timeval_seconds(self.ru_stime) +
	       timeval_seconds(children.ru_utime) + timeval_seconds(children.ru_stime);
}

static int do_open(const struct workload *w)
{
	int fd = open(w->file, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "workload: open %s: %s\n", w->file, strerror(errno));
		return -errno;
	}
	close(fd);
	return 0;
}

static int do_exec(void)
{
	char *const argv[] = { (char *)EXEC_PATH, NULL };
	int status = 0;
	pid_t pid = fork();

	if (pid < 0) {
		fprintf(stderr, "workload: fork: %s\n", strerror(errno));
		return -errno;
	}
	if (pid == 0) {
		execve(EXEC_PATH, argv, environ);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "workload: waitpid: %s\n", strerror(errno));
			return -errno;
		}
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "workload: %s did not exit 0 (status %#x)\n", EXEC_PATH, status);
		return -ECHILD;
	}
	return 0;
}

/*
 * One connection: the listen queue completes the handshake, so connect and
 * accept can run one after the other in one thread. The client is closed
 * abortively (linger 0) so that no TIME_WAIT socket is left behind: a long
 * run would otherwise run out of ephemeral ports.
 */
static int do_tcp(const struct workload *w)
{
	static const struct linger abort_on_close = { .l_onoff = 1, .l_linger = 0 };
	int client = -1, server = -1, ret = 0;

	client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (client < 0) {
		ret = -errno;
		fprintf(stderr, "workload: socket: %s\n", strerror(errno));
		goto cleanup;
	}
	if (connect(client, (const struct sockaddr *)&w->addr, sizeof(w->addr)) < 0) {
		ret = -errno;
		fprintf(stderr, "workload: connect 127.0.0.1:%u: %s\n", ntohs(w->addr.sin_port),
			strerror(errno));
		goto cleanup;
	}
	server = accept4(w->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (server < 0) {
		ret = -errno;
		fprintf(stderr, "workload: accept: %s\n", strerror(errno));
		goto cleanup;
	}
	if (setsockopt(client, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof(abort_on_close)) < 0) {
		ret = -errno;
		fprintf(stderr, "workload: SO_LINGER: %s\n", strerror(errno));
		goto cleanup;
	}
cleanup:
	if (client >= 0)
		close(client);
	if (server >= 0)
		close(server);
	return ret;
}

static int do_mixed(const struct workload *w, long i)
{
	long slot = i % MIXED_CYCLE;

	if (slot < MIXED_EXECS)
		return do_exec();
	if (slot < MIXED_EXECS + MIXED_CONNECTS)
		return do_tcp(w);
	return do_open(w);
}

static int run_one(enum mode mode, const struct workload *w, long i)
{
	switch (mode) {
	case MODE_OPEN:
		return do_open(w);
	case MODE_EXEC:
		return do_exec();
	case MODE_TCP:
		return do_tcp(w);
	case MODE_MIXED:
		return do_mixed(w, i);
	}
	return -EINVAL;
}

static int setup_file(struct workload *w, const char *tmpdir)
{
	int fd;

	if (snprintf(w->dir, sizeof(w->dir), "%s/palisade-bench.XXXXXX", tmpdir) >=
	    (int)sizeof(w->dir)) {
		fprintf(stderr, "workload: temporary directory name too long: %s\n", tmpdir);
		return -ENAMETOOLONG;
	}
	if (!mkdtemp(w->dir)) {
		fprintf(stderr, "workload: mkdtemp in %s: %s\n", tmpdir, strerror(errno));
		w->dir[0] = '\0';
		return -errno;
	}
	snprintf(w->file, sizeof(w->file), "%s/target", w->dir); /* fits: see w->dir */
	fd = open(w->file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "workload: create %s: %s\n", w->file, strerror(errno));
		w->file[0] = '\0';
		return -errno;
	}
	close(fd);
	return 0;
}

static int setup_listener(struct workload *w)
{
	socklen_t len = sizeof(w->addr);

	w->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (w->listen_fd < 0) {
		fprintf(stderr, "workload: socket: %s\n", strerror(errno));
		return -errno;
	}
	memset(&w->addr, 0, sizeof(w->addr));
	w->addr.sin_family = AF_INET;
	w->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	w->addr.sin_port = 0;
	if (bind(w->listen_fd, (const struct sockaddr *)&w->addr, sizeof(w->addr)) < 0 ||
	    listen(w->listen_fd, 16) < 0 ||
	    getsockname(w->listen_fd, (struct sockaddr *)&w->addr, &len) < 0) {
		fprintf(stderr, "workload: listen on 127.0.0.1: %s\n", strerror(errno));
		return -errno;
	}
	return 0;
}

static void teardown(struct workload *w)
{
	if (w->listen_fd >= 0)
		close(w->listen_fd);
	if (w->file[0])
		unlink(w->file);
	if (w->dir[0])
		rmdir(w->dir);
}

int main(int argc, char **argv)
{
	struct workload w = { .listen_fd = -1 };
	const char *tmpdir = getenv("TMPDIR");
	long iterations = 10000, warmup = -1, interval_us = 0, done = 0;
	enum mode mode;
	double start, elapsed, cpu_start, cpu;
	int opt, ret = 0;

	if (!tmpdir || !*tmpdir)
		tmpdir = "/tmp";
	while ((opt = getopt(argc, argv, "n:w:d:i:h")) != -1) {
		switch (opt) {
		case 'n':
			if (parse_count(optarg, &iterations) < 0 || iterations == 0) {
				fprintf(stderr, "workload: -n wants a positive count, got '%s'\n", optarg);
				return 2;
			}
			break;
		case 'w':
			if (parse_count(optarg, &warmup) < 0) {
				fprintf(stderr, "workload: -w wants a count, got '%s'\n", optarg);
				return 2;
			}
			break;
		case 'd':
			tmpdir = optarg;
			break;
		case 'i':
			if (parse_count(optarg, &interval_us) < 0) {
				fprintf(stderr, "workload: -i wants microseconds, got '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1 || parse_mode(argv[optind], &mode) < 0) {
		usage(stderr);
		return 2;
	}
	if (warmup < 0)
		warmup = iterations / 100;

	if ((mode == MODE_OPEN || mode == MODE_MIXED) && setup_file(&w, tmpdir) < 0) {
		ret = 1;
		goto cleanup;
	}
	if ((mode == MODE_TCP || mode == MODE_MIXED) && setup_listener(&w) < 0) {
		ret = 1;
		goto cleanup;
	}

	for (long i = 0; i < warmup; i++) {
		if (run_one(mode, &w, i) < 0) {
			ret = 1;
			goto cleanup;
		}
	}
	signal(SIGINT, on_stop);
	signal(SIGTERM, on_stop);
	cpu_start = cpu_seconds();
	start = now_seconds();
	for (; done < iterations && !stop_early; done++) {
		if (run_one(mode, &w, done) < 0) {
			ret = 1;
			goto cleanup;
		}
		pause_us(interval_us);
	}
	elapsed = now_seconds() - start;
	cpu = cpu_seconds() - cpu_start;
	printf("workload mode=%s iterations=%ld elapsed_s=%.6f ops_per_s=%.1f cpu_s=%.6f\n",
	       mode_names[mode], done, elapsed, elapsed > 0 ? (double)done / elapsed : 0.0, cpu);
	if (fflush(stdout) != 0)
		ret = 1;
cleanup:
	teardown(&w);
	return ret;
}
