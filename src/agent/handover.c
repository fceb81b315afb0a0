/* The two sides of a handover between agents (handover.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "agent/handover.h"
#include "outfile/outfile.h"
#include "status/status.h"

#define MAGIC "palisade handover\n"

bool handover_wanted(const struct palisade_config *c)
{
	return config_set_by_flag(c, &c->handover);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void file_name(pid_t pid, char *buf, size_t cap)
{
	snprintf(buf, cap, "handover.%d", (int)pid);
}

/* --handover=PID, or the pid behind the status socket (SO_PEERCRED). */
static int find_agent(const struct palisade_config *c, pid_t *pid)
{
	const char *sock = c->status.socket;
	char *text = NULL;
	size_t len;
	int err;

	if (*c->handover && strcmp(c->handover, "auto")) {
		*pid = (pid_t)strtol(c->handover, NULL, 10);
		return 0;
	}
	if (!*sock || !strcmp(sock, "none")) {
		fprintf(stderr, "palisade run: --handover finds the running agent by its status "
				"socket, and status.socket is off: give its pid (--handover=PID)\n");
		return -EINVAL;
	}
	err = status_fetch(sock, "metrics", &text, &len, pid);
	free(text);
	if (!err && *pid <= 0)
		err = -ESRCH;
	if (err) {
		status_fetch_explain("palisade run: --handover", sock, err, "give its pid "
				     "(--handover=PID), or start without --handover");
		return err;
	}
	return 0;
}

/* Signals go to a palisade agent only, never to a pid given by mistake. */
static int check_agent(pid_t pid)
{
	char path[64], comm[32] = "";
	FILE *f;

	if (pid == getpid()) {
		fprintf(stderr, "palisade run: --handover=%d is this agent\n", (int)pid);
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "re");
	if (!f || !fgets(comm, sizeof(comm), f)) {
		if (f)
			fclose(f);
		fprintf(stderr, "palisade run: --handover: no process %d\n", (int)pid);
		return -ESRCH;
	}
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';
	if (strcmp(comm, "palisade")) {
		fprintf(stderr, "palisade run: --handover: process %d is '%s', not a palisade "
				"agent\n", (int)pid, comm);
		return -EINVAL;
	}
	return 0;
}

int handover_begin(const struct palisade_config *c, struct handover *h)
{
	const struct outfile_spec spec = { .kind = OUTFILE_HANDOVER, .truncate = true,
					   .mode = 0600 };
	char name[32];
	int dirfd = -1, fd = -1, err;

	*h = (struct handover){ .pidfd = -1 };
	if (*c->record_output) {
		fprintf(stderr, "palisade run: --handover and --record: a recording starts with "
				"its own /proc snapshot; record from an agent started alone\n");
		return -EINVAL;
	}
	err = find_agent(c, &h->pid) ?: check_agent(h->pid);
	if (err)
		return err;
	h->pidfd = (int)syscall(SYS_pidfd_open, h->pid, 0);
	if (h->pidfd < 0) {
		err = -errno;
		fprintf(stderr, "palisade run: --handover: pidfd_open(%d): %s\n", (int)h->pid,
			strerror(-err));
		return err;
	}
	file_name(h->pid, name, sizeof(name));
	err = outfile_dir(c->run_dir, "run_dir", &dirfd);
	err = err ?: outfile_open(dirfd, name, &spec, "the handover file", &fd);
	if (fd >= 0)
		close(fd);
	if (dirfd >= 0)
		close(dirfd);
	return err;
}

/* The cut the old agent wrote; 0 when it wrote none (an older version). */
static uint64_t read_cut(const struct palisade_config *c, pid_t pid)
{
	char name[32], buf[128] = "";
	unsigned long long cut = 0;
	ssize_t n = -1;
	int dirfd, fd;

	file_name(pid, name, sizeof(name));
	dirfd = open(c->run_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0)
		return 0;
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	unlinkat(dirfd, name, 0);
	close(dirfd);
	if (n > (ssize_t)strlen(MAGIC) && !strncmp(buf, MAGIC, strlen(MAGIC)))
		sscanf(buf + strlen(MAGIC), "cut_boottime_ns %llu", &cut);
	return cut;
}

int handover_stop_old(const struct palisade_config *c, struct handover *h, unsigned timeout_ms)
{
	struct pollfd pfd = { .fd = h->pidfd, .events = POLLIN };
	uint64_t start = mono_ms(), now = start;
	int n = 0;

	if (syscall(SYS_pidfd_send_signal, h->pidfd, SIGTERM, NULL, 0) != 0 && errno != ESRCH) {
		fprintf(stderr, "palisade run: --handover: cannot stop agent %d: %s\n", (int)h->pid,
			strerror(errno));
		return -errno;
	}
	while (now - start < timeout_ms) {
		n = poll(&pfd, 1, (int)(timeout_ms - (now - start)));
		if (n != 0 && !(n < 0 && errno == EINTR))
			break;
		now = mono_ms();
	}
	if (n <= 0) {
		fprintf(stderr, "palisade run: --handover: agent %d did not exit within %u ms of "
				"SIGTERM; it keeps watching and holds its outputs; this agent stops. "
				"Look at why it does not stop (its log), then start again\n",
			(int)h->pid, timeout_ms);
		return -ETIMEDOUT;
	}
	h->stop_ms = mono_ms() - start;
	h->cut_ns = read_cut(c, h->pid);
	if (!h->cut_ns)
		fprintf(stderr, "palisade: handover: agent %d wrote no cut (an older version?): "
				"what both saw before it stopped may be reported twice\n", (int)h->pid);
	return 0;
}

void handover_end(struct handover *h)
{
	if (h->pidfd >= 0)
		close(h->pidfd);
	h->pidfd = -1;
}

bool handover_requested(const struct palisade_config *c)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/handover.%d", c->run_dir, (int)getpid());
	return *c->run_dir && lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int handover_write_cut(const struct palisade_config *c, uint64_t cut_ns)
{
	const struct outfile_spec spec = { .kind = OUTFILE_HANDOVER, .truncate = true,
					   .mode = 0600 };
	char name[32], text[128];
	int dirfd = -1, fd = -1, err, len;

	file_name(getpid(), name, sizeof(name));
	len = snprintf(text, sizeof(text), MAGIC "cut_boottime_ns %" PRIu64 "\n", cut_ns);
	err = outfile_dir(c->run_dir, "run_dir", &dirfd);
	err = err ?: outfile_open(dirfd, name, &spec, "the handover file", &fd);
	if (!err && write(fd, text, (size_t)len) != len)
		err = -EIO;
	if (fd >= 0)
		close(fd);
	if (dirfd >= 0)
		close(dirfd);
	if (err)
		fprintf(stderr, "palisade: handover: cannot write the cut for the next agent: %s\n",
			strerror(-err));
	return err;
}
