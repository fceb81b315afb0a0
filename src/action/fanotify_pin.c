/*
 * `pin: true` on a deny rule: its exact files are made immutable
 * (FS_IMMUTABLE_FL) in each container where a write of them would be denied.
 * fanotify sees opens only: a rename onto /etc/passwd (sed -i, mv of a
 * prepared copy), an unlink, a link or a chmod happen without an open of
 * the protected inode. An immutable inode is refused all of them by the
 * kernel itself, before anything changes, and a container's root cannot
 * undo it (CAP_LINUX_IMMUTABLE is not in Docker's default set).
 *
 * Only files of the container's own overlay root are pinned (never a file
 * bind-mounted from the host). On overlayfs the flag is kept by the container's overlay (the
 * overlay.protattr xattr of its copy-up), never on the image's shared lower
 * layer: other containers of the image are unaffected and `docker rm` removes
 * the container as usual. A marker xattr says the pin is palisade's, so a
 * later agent (a restart, a handover) clears it and a pin set by the user
 * is never cleared.
 *
 * Where a pin applies is the rule's own decision: its compiled condition is
 * evaluated on a synthetic open for writing of the file by the root's
 * process (so build steps, debug containers and scopes the rule excludes are
 * not pinned), under judge_lock since it shares the decider's buffers.
 * Only described containers are pinned (their labels and image are known);
 * a root not described yet is pinned at its next marking.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "action/fguard_internal.h"
#include "container/container.h"

#define PIN_XATTR "trusted.palisade.pin"
#define PIN_OPEN (O_RDONLY | O_NONBLOCK | O_NOCTTY) /* a reopen of an O_PATH descriptor */

static bool pinned_here(const struct fguard_root *r, ino_t ino)
{
	for (unsigned i = 0; i < r->n_pinned; i++)
		if (r->pinned[i] == ino)
			return true;
	return false;
}

static int ignore_alert(const struct rules_alert *a, void *ctx)
{
	(void)a;
	(void)ctx;
	return 0;
}

/* Would the rule deny a write of path by pid (enforce mode, not audit)? */
static bool write_denied(struct fguard *g, const struct fguard_rule *rule, uint32_t pid,
			 const char *path)
{
	bool denied;

	pthread_mutex_lock(&g->judge_lock);
	denied = fguard_build_write_probe(g, pid, path) == 0 &&
		 rules_eval_rule(g->cfg.rules, rule->index, &g->ev, ignore_alert, NULL) == 1 &&
		 fguard_verdict(true, rule->info->action.enforce, g->cfg.enforce) == FGUARD_DENY;
	pthread_mutex_unlock(&g->judge_lock);
	return denied;
}

/* Sets (on) or clears the flag and the marker on an open regular file. A
 * file already immutable without the marker is the user's: left alone,
 * -EEXIST. */
static int set_pin(int fd, bool on)
{
	int flags;

	if (ioctl(fd, FS_IOC_GETFLAGS, &flags))
		return -errno;
	if (on && (flags & FS_IMMUTABLE_FL))
		return fgetxattr(fd, PIN_XATTR, NULL, 0) >= 0 ? 0 : -EEXIST;
	if (!on && !(flags & FS_IMMUTABLE_FL))
		return 0;
	/* The marker first: an immutable inode takes no xattr. */
	if (on && fsetxattr(fd, PIN_XATTR, "1", 1, 0))
		return -errno;
	flags = on ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
	if (ioctl(fd, FS_IOC_SETFLAGS, &flags))
		return -errno;
	if (!on)
		fremovexattr(fd, PIN_XATTR);
	return 0;
}

/*
 * The regular file at path in the root, opened to change its flags (flags:
 * PIN_OPEN) or O_PATH; its inode in *ino. Only a file of the root's own
 * overlay mount: a file bind-mounted into the container (-v
 * /etc/passwd:/etc/passwd) is the host's, and pinning it would pin the
 * host's. The checks are made on an O_PATH descriptor and the file reopened
 * through it, so the container cannot swap in a device node (whose open, as
 * root on the host, could act) between the check and the open. Negative
 * errno for anything else (absent, a symlink, another mount).
 */
static int open_regular(int root_fd, const char *path, int flags, ino_t *ino)
{
	int fd = fguard_open_in_root(root_fd, path, O_PATH | O_NOFOLLOW), file;
	struct stat st, root_st;
	struct statfs fs;
	char self[64];

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || fstat(root_fd, &root_st) ||
	    st.st_dev != root_st.st_dev || fstatfs(fd, &fs) ||
	    fs.f_type != OVERLAYFS_SUPER_MAGIC) {
		close(fd);
		return -EINVAL;
	}
	*ino = st.st_ino;
	if (flags == O_PATH)
		return fd;
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	file = open(self, flags | O_CLOEXEC);
	file = file < 0 ? -errno : file;
	close(fd);
	return file;
}

static void remember(struct fguard *g, const struct container_info *c, const char *path)
{
	struct fguard_pinlog *l;

	pthread_mutex_lock(&g->pinlog_lock);
	l = &g->pinlog[g->pinlog_next++ % FGUARD_PINLOG_MAX];
	snprintf(l->id, sizeof(l->id), "%s", c->id);
	l->path = path;
	pthread_mutex_unlock(&g->pinlog_lock);
}

static void pin_one(struct fguard *g, struct fguard_root *r, int root_fd,
		    const struct container_info *c, const struct fguard_rule *rule,
		    const char *path)
{
	ino_t ino;
	int fd = open_regular(root_fd, path, O_PATH, &ino), err;

	if (fd < 0)
		return; /* not in this root: nothing to pin */
	close(fd);
	if (pinned_here(r, ino) || r->n_pinned >= FGUARD_PINS_MAX ||
	    !write_denied(g, rule, r->pid, path))
		return;
	/* Opened without judge_lock held: the open waits on the decider. */
	fd = open_regular(root_fd, path, PIN_OPEN, &ino);
	err = fd < 0 ? fd : set_pin(fd, true);
	if (fd >= 0)
		close(fd);
	if (err == -EEXIST)
		return;
	if (!err)
		remember(g, c, path);
	if (err) {
		fguard_count(&g->st.pin_errors, 1);
		fprintf(g->cfg.log, "palisade: fanotify: cannot pin %s in the root of pid %u: %s "
				    "(renames onto it are not refused there)\n",
			path, r->pid, strerror(-err));
		return;
	}
	r->pinned[r->n_pinned++] = ino;
	fguard_count(&g->st.pinned, 1);
}

/* Pins what the pin rules name in root r (a copy: no lock is held). */
static void pin_root(struct fguard *g, struct fguard_root *r)
{
	const struct container_info *c = NULL;
	char root[300];
	unsigned before = r->n_pinned;
	int root_fd = -1;

	for (size_t i = 0; i < g->plan.n; i++) {
		const struct fguard_rule *rule = &g->plan.rules[i];

		if (!rule->info->action.pin || rule->kind != FGUARD_OPEN)
			continue;
		if (root_fd < 0) {
			c = fguard_container_of(g, r->pid, g->pin_snap);
			if (!c || !c->has_metadata)
				return; /* asked again at its next marking */
			snprintf(root, sizeof(root), "%s/%u/root", g->procfs, r->pid);
			root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (root_fd < 0)
				return;
		}
		if (!fguard_in_scope(&rule->info->action, c))
			continue;
		for (size_t k = 0; k < rule->n_paths; k++)
			if (rule->paths[k].kind == RULES_PATH_EXACT)
				pin_one(g, r, root_fd, c, rule, rule->paths[k].path);
	}
	if (root_fd >= 0)
		close(root_fd);
	if (r->n_pinned > before)
		fprintf(g->cfg.log, "palisade: fanotify: pinned %u files immutable in the root of "
				    "pid %u (a rename onto them, an unlink, a link or a chmod is "
				    "refused by the kernel)\n",
			r->n_pinned - before, r->pid);
}

static struct fguard_root *next_due(struct fguard *g)
{
	for (size_t i = 0; i < g->n_roots; i++)
		if (g->roots[i].pin_due)
			return &g->roots[i];
	return NULL;
}

static void *pinner_main(void *arg)
{
	struct fguard *g = arg;

	pthread_setname_np(pthread_self(), "fguard-pinner");
	pthread_mutex_lock(&g->roots_lock);
	while (!g->pinner_stop) {
		struct fguard_root *r = next_due(g), copy, *back;

		if (!r) {
			pthread_cond_wait(&g->pin_cond, &g->roots_lock);
			continue;
		}
		r->pin_due = false;
		r->pin_busy = true;
		copy = *r;
		pthread_mutex_unlock(&g->roots_lock);
		pin_root(g, &copy);
		pthread_mutex_lock(&g->roots_lock);
		/* The scan may have moved or dropped the entry meanwhile. */
		back = fguard_find_root(g, copy.dev, copy.ino);
		if (back) {
			for (unsigned i = 0; i < copy.n_pinned; i++)
				if (!pinned_here(back, copy.pinned[i]) && back->n_pinned < FGUARD_PINS_MAX)
					back->pinned[back->n_pinned++] = copy.pinned[i];
			back->pin_busy = false;
		}
		pthread_cond_broadcast(&g->pin_done);
	}
	pthread_mutex_unlock(&g->roots_lock);
	return NULL;
}

static bool any_pin_rule(const struct fguard *g)
{
	for (size_t i = 0; i < g->plan.n; i++)
		if (g->plan.rules[i].info->action.pin && g->plan.rules[i].kind == FGUARD_OPEN)
			return true;
	return false;
}

int fguard_pinner_start(struct fguard *g)
{
	int ret;

	if (!any_pin_rule(g))
		return 0;
	g->pin_snap = malloc(PROC_SNAPSHOT_REC_MAX);
	if (!g->pin_snap)
		return -ENOMEM;
	ret = pthread_create(&g->pinner, NULL, pinner_main, g);
	if (ret)
		return -ret;
	g->pinner_running = true;
	return 0;
}

/* Before the decider stops: a pin's open waiting on it is answered. */
void fguard_pinner_stop(struct fguard *g)
{
	if (!g->pinner_running)
		return;
	pthread_mutex_lock(&g->roots_lock);
	g->pinner_stop = true;
	pthread_cond_broadcast(&g->pin_cond);
	pthread_cond_broadcast(&g->pin_done);
	pthread_mutex_unlock(&g->roots_lock);
	pthread_join(g->pinner, NULL);
	g->pinner_running = false;
}

void fguard_pin_request(struct fguard *g, struct fguard_root *r)
{
	if (!g->pinner_running)
		return;
	r->pin_due = true;
	pthread_cond_signal(&g->pin_cond);
}

void fguard_pin_wait(struct fguard *g, dev_t dev, ino_t ino, unsigned wait_ms)
{
	struct timespec until;
	struct fguard_root *r;

	if (!g->pinner_running)
		return;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += wait_ms / 1000;
	until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	while (!g->pinner_stop && (r = fguard_find_root(g, dev, ino)) && (r->pin_due || r->pin_busy))
		if (pthread_cond_timedwait(&g->pin_done, &g->roots_lock, &until) == ETIMEDOUT)
			break;
}

/* Clears the pins of one root: every pin rule's exact path whose inode is
 * one this agent pinned there. */
static unsigned unpin_root(struct fguard *g, const struct fguard_root *r)
{
	char root[300];
	unsigned n = 0;
	int root_fd;

	snprintf(root, sizeof(root), "%s/%u/root", g->procfs, r->pid);
	root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		return 0;
	for (size_t i = 0; i < g->plan.n; i++) {
		const struct fguard_rule *rule = &g->plan.rules[i];

		for (size_t k = 0; rule->info->action.pin && k < rule->n_paths; k++) {
			ino_t ino;
			int fd = open_regular(root_fd, rule->paths[k].path, PIN_OPEN, &ino);

			if (fd < 0)
				continue;
			if (pinned_here(r, ino) && set_pin(fd, false) == 0)
				n++;
			close(fd);
		}
	}
	close(root_fd);
	return n;
}

void fguard_unpin_all(struct fguard *g)
{
	unsigned n = 0, roots = 0;

	pthread_mutex_lock(&g->roots_lock);
	for (size_t i = 0; i < g->n_roots; i++) {
		if (!g->roots[i].n_pinned)
			continue;
		roots++;
		if (!__atomic_load_n(&g->keep_pins, __ATOMIC_RELAXED))
			n += unpin_root(g, &g->roots[i]);
	}
	pthread_mutex_unlock(&g->roots_lock);
	if (!roots)
		return;
	if (__atomic_load_n(&g->keep_pins, __ATOMIC_RELAXED))
		fprintf(g->cfg.log, "palisade: fanotify: the pins of %u containers are left to "
				    "the agent taking over\n", roots);
	else
		fprintf(g->cfg.log, "palisade: fanotify: unpinned %u files in %u containers\n", n,
			roots);
}

bool fguard_pinned_for(struct fguard *g, const struct container_info *c, const char *path)
{
	bool found = false;

	if (!g || !c)
		return false;
	pthread_mutex_lock(&g->pinlog_lock);
	for (size_t i = 0; i < FGUARD_PINLOG_MAX && i < g->pinlog_next && !found; i++) {
		const struct fguard_pinlog *l = &g->pinlog[(g->pinlog_next - 1 - i) % FGUARD_PINLOG_MAX];

		found = !strcmp(l->path, path) && !strcmp(l->id, c->id);
	}
	pthread_mutex_unlock(&g->pinlog_lock);
	return found;
}
