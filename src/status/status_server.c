/*
 * The agent's status socket: one thread accepts, reads what the client asks
 * for (the metrics snapshot, a document such as the flows, or a registered
 * command, root only), answers, closes. A client that does not read cannot
 * hold the thread for more than the send timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "status/status.h"

#define SEND_TIMEOUT_SEC 2
/* How long a client has to name what it wants before it gets the metrics. */
#define REQUEST_WAIT_MS 200
#define REPLY_MAX (64u << 10)

struct status_command {
	char verb[32];
	status_command_fn fn;
	void *ctx;
};

struct status_server {
	struct metrics_registry *reg;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int fd;
	/* PATH.lock, flocked while this agent serves PATH: two agents starting
	 * at once cannot both take the path, nor remove each other's socket. */
	int lock_fd;
	int stop_pipe[2];
	ino_t ino; /* the socket file we made: removed at exit only if still ours */
	pthread_t thread;
	bool thread_started;
	pthread_mutex_t lock; /* commands[] */
	struct status_command commands[STATUS_COMMANDS_MAX];
	size_t n_commands;
};

int status_server_command(struct status_server *s, const char *verb, status_command_fn fn,
			  void *ctx)
{
	int err = 0;

	if (!s)
		return -EINVAL;
	pthread_mutex_lock(&s->lock);
	if (s->n_commands == STATUS_COMMANDS_MAX || strlen(verb) >= sizeof(s->commands[0].verb)) {
		err = -ENOSPC;
	} else {
		snprintf(s->commands[s->n_commands].verb, sizeof(s->commands[0].verb), "%s", verb);
		s->commands[s->n_commands].fn = fn;
		s->commands[s->n_commands++].ctx = ctx;
	}
	pthread_mutex_unlock(&s->lock);
	return err;
}

/*
 * The request: a line naming a document ("flows\n", "metrics\n") or a
 * command ("isolate list"), or nothing within REQUEST_WAIT_MS (a client of
 * the first protocol, which only read): the metrics snapshot. Writes the
 * line into req ("" for none).
 */
static void read_request(int c, char *req, size_t cap)
{
	struct pollfd p = { .fd = c, .events = POLLIN };
	ssize_t n = 0;
	char *nl;

	req[0] = 0;
	if (poll(&p, 1, REQUEST_WAIT_MS) <= 0 || !(p.revents & POLLIN))
		return;
	n = recv(c, req, cap - 1, MSG_DONTWAIT);
	req[n > 0 ? n : 0] = 0;
	nl = strchr(req, '\n');
	if (nl)
		*nl = 0;
}

/* A registered command's answer (malloc'd), or NULL when req names none. */
static char *run_command(struct status_server *s, int c, const char *req, size_t *len)
{
	struct status_command cmd = { 0 };
	size_t vlen = strcspn(req, " ");
	struct ucred cred = { .uid = (uid_t)-1 };
	socklen_t cl = sizeof(cred);
	char who[64], *reply;

	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->n_commands && !cmd.fn; i++)
		if (strlen(s->commands[i].verb) == vlen && !strncmp(s->commands[i].verb, req, vlen))
			cmd = s->commands[i];
	pthread_mutex_unlock(&s->lock);
	if (!cmd.fn || !(reply = calloc(1, REPLY_MAX)))
		return NULL;
	/* The kernel's word for who is on the other end, not the client's. */
	if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &cl) || cred.uid != 0) {
		snprintf(reply, REPLY_MAX, "error: commands to the agent are for root only\n");
	} else {
		snprintf(who, sizeof(who), "uid %u, pid %d", (unsigned)cred.uid, (int)cred.pid);
		cmd.fn(cmd.ctx, req + vlen + (req[vlen] == ' '), who, reply, REPLY_MAX);
	}
	*len = strnlen(reply, REPLY_MAX);
	return reply;
}

static void serve_one(struct status_server *s, int c)
{
	struct timeval tv = { .tv_sec = SEND_TIMEOUT_SEC };
	static const char none[] = "# no snapshot published yet\n";
	char req[512], missing[160];
	size_t len = 0, off = 0;
	char *snap;
	const char *data;
	ssize_t n;

	read_request(c, req, sizeof(req));
	snap = req[0] ? run_command(s, c, req, &len) : NULL;
	if (snap) {
		data = snap;
	} else if (req[0] && strcmp(req, "metrics")) {
		snap = metrics_doc_snapshot(s->reg, req, &len);
		snprintf(missing, sizeof(missing), "# the agent publishes no '%.32s' (not enabled)\n",
			 req);
		data = snap ? snap : missing;
		if (!snap)
			len = strlen(missing);
	} else {
		snap = metrics_snapshot(s->reg, &len, NULL);
		data = snap ? snap : none;
		if (!snap)
			len = sizeof(none) - 1;
	}
	setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (off < len) {
		n = send(c, data + off, len - off, MSG_NOSIGNAL);
		if (n <= 0)
			break; /* the client went away or stalled: nothing to keep */
		off += (size_t)n;
	}
	free(snap);
}

static void *serve(void *arg)
{
	struct status_server *s = arg;
	struct pollfd fds[2] = { { .fd = s->fd, .events = POLLIN },
				 { .fd = s->stop_pipe[0], .events = POLLIN } };

	for (;;) {
		int c;

		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "palisade: status socket %s: poll failed: %s; status is off\n",
				s->path, strerror(errno));
			break;
		}
		if (fds[1].revents)
			break;
		c = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		serve_one(s, c);
		close(c);
	}
	return NULL;
}

/* An existing file at path, while we hold the lock: a stale socket
 * (removed), a socket something else still answers on, or not a socket
 * (both refused). */
static int clear_stale(const char *path, const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		fprintf(stderr, "palisade: status socket %s: the path exists and is not a socket; "
				"remove it or pass another --status-socket\n", path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (rc == 0) {
		fprintf(stderr, "palisade: status socket %s: another agent answers there; stop it "
				"or pass another --status-socket (or none)\n", path);
		return -EADDRINUSE;
	}
	if (unlink(path) != 0 && errno != ENOENT)
		return -errno;
	fprintf(stderr, "palisade: status socket %s: removed the stale socket of an agent that "
			"is gone\n", path);
	return 0;
}

static int take_lock(struct status_server *s)
{
	char lock[sizeof(s->path) + 8];
	int err;

	snprintf(lock, sizeof(lock), "%s.lock", s->path);
	s->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (s->lock_fd < 0) {
		err = -errno;
		fprintf(stderr, "palisade: status socket %s: cannot open %s: %s\n", s->path, lock,
			strerror(errno));
		return err;
	}
	if (flock(s->lock_fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	err = errno == EWOULDBLOCK ? -EADDRINUSE : -errno;
	if (err == -EADDRINUSE)
		fprintf(stderr, "palisade: status socket %s: another agent answers there (it holds "
				"%s); stop it or pass another --status-socket (or none)\n", s->path,
			lock);
	else
		fprintf(stderr, "palisade: status socket %s: cannot lock %s: %s\n", s->path, lock,
			strerror(-err));
	return err;
}

static int make_socket(struct status_server *s)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[sizeof(s->path)], *slash;
	struct stat st;
	mode_t old;
	int err;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", s->path);
	snprintf(dir, sizeof(dir), "%s", s->path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
			err = -errno;
			fprintf(stderr, "palisade: status socket %s: cannot create %s: %s\n", s->path,
				dir, strerror(errno));
			return err;
		}
	}
	err = take_lock(s);
	err = err ?: clear_stale(s->path, &sa);
	if (err)
		return err;
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return -errno;
	/* The snapshot tells what is watched and what was lost: root only. */
	old = umask(0177);
	err = bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) ? -errno : 0;
	umask(old);
	if (!err && chmod(s->path, 0600) != 0)
		err = -errno;
	if (!err && listen(s->fd, 16) != 0)
		err = -errno;
	if (!err && stat(s->path, &st) == 0)
		s->ino = st.st_ino;
	if (err)
		fprintf(stderr, "palisade: status socket %s: %s\n", s->path, strerror(-err));
	return err;
}

int status_server_start(struct metrics_registry *r, const char *path, struct status_server **out)
{
	struct status_server *s;
	int err;

	*out = NULL;
	if (strlen(path) >= sizeof(s->path)) {
		fprintf(stderr, "palisade: status socket %s: path longer than %zu bytes\n", path,
			sizeof(s->path) - 1);
		return -ENAMETOOLONG;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->reg = r;
	pthread_mutex_init(&s->lock, NULL);
	s->fd = -1;
	s->lock_fd = -1;
	s->stop_pipe[0] = s->stop_pipe[1] = -1;
	snprintf(s->path, sizeof(s->path), "%s", path);
	err = make_socket(s);
	if (!err && pipe2(s->stop_pipe, O_CLOEXEC) != 0)
		err = -errno;
	if (!err) {
		err = -pthread_create(&s->thread, NULL, serve, s);
		s->thread_started = err == 0;
	}
	if (err) {
		status_server_stop(s);
		return err;
	}
	*out = s;
	return 0;
}

void status_server_stop(struct status_server *s)
{
	struct stat st;

	if (!s)
		return;
	if (s->thread_started) {
		if (write(s->stop_pipe[1], "x", 1) != 1)
			pthread_cancel(s->thread); /* accept and poll are cancellation points */
		pthread_join(s->thread, NULL);
	}
	if (s->fd >= 0) {
		close(s->fd);
		if (s->ino && stat(s->path, &st) == 0 && st.st_ino == s->ino)
			unlink(s->path);
	}
	if (s->lock_fd >= 0)
		close(s->lock_fd); /* after the unlink: the next agent finds a clean path */
	if (s->stop_pipe[0] >= 0)
		close(s->stop_pipe[0]);
	if (s->stop_pipe[1] >= 0)
		close(s->stop_pipe[1]);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
