/*
 * The program sink (Falco's program_output): each alert line is written to
 * the standard input of `sh -c COMMAND`. With keep_alive one program reads
 * every alert until the agent stops (or the program exits: it is started
 * again for the next alert); without it, a program is started per alert, fed
 * that one line and waited for. Every wait is bounded by timeout_ms: a
 * program that does not read, or does not exit, is killed and the delivery
 * counts as failed (the framework retries, spools or counts a drop), so a
 * stuck program never stops the agent.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "output/sink_internal.h"

struct program_sink {
	char *name, *command;
	bool keep_alive, text;
	int timeout_ms;
	pid_t pid; /* 0: none running */
	int fd;    /* its stdin; -1: none */
	bool reported; /* one message per outage */
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* In the child: only async-signal-safe calls until exec. */
static void child(int in, const char *command)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL); /* the sink's thread blocks them */
	sigaction(SIGPIPE, &dfl, NULL);        /* the agent ignores it; exec keeps that */
	if (dup2(in, 0) < 0)
		_exit(127);
	syscall(SYS_close_range, 3, ~0U, 0); /* no agent descriptor reaches the program */
	execl("/bin/sh", "sh", "-c", command, (char *)NULL);
	_exit(127);
}

static int start(struct program_sink *p)
{
	int fds[2];
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		int err = -errno;

		close(fds[0]);
		close(fds[1]);
		return err;
	}
	if (pid == 0)
		child(fds[0], p->command);
	close(fds[0]);
	fcntl(fds[1], F_SETFL, O_NONBLOCK);
	p->pid = pid;
	p->fd = fds[1];
	return 0;
}

/* Closes its stdin and waits for it to exit, at most until deadline (ms,
 * monotonic); then kills it. Returns 0 when it exited with status 0. */
static int finish(struct program_sink *p, int64_t deadline)
{
	int status = 0, err = 0;
	pid_t got;

	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	if (!p->pid)
		return 0;
	while ((got = waitpid(p->pid, &status, WNOHANG)) == 0 && now_ms() < deadline)
		usleep(5000);
	if (got == 0) {
		kill(p->pid, SIGKILL);
		waitpid(p->pid, &status, 0);
		err = -ETIMEDOUT;
	} else if (got < 0) {
		err = -errno;
	} else if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		err = -EIO;
	}
	p->pid = 0;
	return err;
}

/* Writes all of buf to the program, waiting for room until deadline. */
static int write_all(struct program_sink *p, const char *buf, size_t len, int64_t deadline)
{
	while (len) {
		struct pollfd pfd = { .fd = p->fd, .events = POLLOUT };
		int64_t left = deadline - now_ms();
		ssize_t n;

		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			return -errno;
		n = write(p->fd, buf, len);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -errno; /* EPIPE: it exited without reading */
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
		}
	}
	return 0;
}

static int program_deliver(void *state, const struct sink_record *r)
{
	struct program_sink *p = state;
	const char *line = p->text ? r->output : r->json;
	size_t len = p->text ? strlen(r->output) : r->json_len;
	int64_t deadline = now_ms() + p->timeout_ms;
	int err = p->pid ? 0 : start(p);

	err = err ?: write_all(p, line, len, deadline);
	err = err ?: write_all(p, "\n", 1, deadline);
	if (err || !p->keep_alive) {
		int done = finish(p, deadline); /* a kept program that failed starts anew */

		err = err ?: done;
	}
	if (err && !p->reported)
		fprintf(stderr, "palisade: output %s: program '%s' failed: %s\n", p->name, p->command,
			err == -EIO ? "it exited with an error"
			: err == -ETIMEDOUT ? "it did not read or exit in time (killed)"
					    : strerror(-err));
	if (!err && p->reported)
		fprintf(stderr, "palisade: output %s: program '%s' takes alerts again\n", p->name,
			p->command);
	p->reported = err != 0;
	return err;
}

static void program_destroy(void *state)
{
	struct program_sink *p = state;

	if (!p)
		return;
	finish(p, now_ms() + p->timeout_ms);
	free(p->name);
	free(p->command);
	free(p);
}

static const struct sink_ops program_ops = {
	.deliver = program_deliver,
	.destroy = program_destroy,
};

int sink_program_check(const struct sink_cfg *cfg)
{
	if (cfg->program.command && *cfg->program.command)
		return 0;
	fprintf(stderr, "palisade: output %s: a program output needs command: a shell "
			"command line\n", cfg->name);
	return -EINVAL;
}

int sink_program_create(const struct sink_cfg *cfg, void **state, const struct sink_ops **ops)
{
	const struct program_sink_cfg *c = &cfg->program;
	struct program_sink *p;

	if (sink_program_check(cfg))
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->fd = -1;
	p->keep_alive = c->keep_alive;
	p->text = sink_format_text(c->format);
	p->timeout_ms = c->timeout_ms ? (int)c->timeout_ms : 5000;
	p->name = strdup(cfg->name ? cfg->name : "program");
	p->command = strdup(c->command);
	if (!p->name || !p->command) {
		program_destroy(p);
		return -ENOMEM;
	}
	*state = p;
	*ops = &program_ops;
	return 0;
}
