/*
 * What the group watches: every served path, under the host's root and
 * under the root of every container (any process whose root directory is
 * not the host's: Docker, containerd, podman, chroots), found by a scan of
 * /proc every FGUARD_SCAN_MS and marked again every FGUARD_REMARK_MS (a
 * protected file replaced by a rename is a new inode, unmarked until then).
 *
 * Paths are resolved with openat2(RESOLVE_IN_ROOT) from the root's directory
 * (/proc/PID/root), so an absolute symlink inside a container resolves inside
 * that container, exactly as the container's own open would; the mark is then
 * put on the inode through an O_PATH descriptor, which itself triggers no
 * fanotify event (an O_RDONLY open of a marked file would wait on our own
 * decision thread). Marks are inode marks (what the container opens is the
 * overlay inode, and that is the one marked), and a directory mark with
 * FAN_EVENT_ON_CHILD for fd.directory and startswith prefixes ending in '/'.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "action/fguard_internal.h"
#include "container/container.h"

struct walk {
	struct fguard *g;
	int root_fd;
	uint64_t mask;
	unsigned dirs;   /* directories marked for this prefix */
	uint64_t placed; /* marks placed in this pass */
};

int fguard_open_in_root(int root_fd, const char *path, uint64_t flags)
{
	struct open_how how = { .flags = flags | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };
	long fd = syscall(SYS_openat2, root_fd, path, &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

/* fanotify_mark refuses an O_PATH descriptor as dirfd; its /proc/self/fd
 * link resolves to the very same inode. */
static void mark_fd(struct walk *w, int fd, uint64_t mask, unsigned flags, const char *path)
{
	struct fguard *g = w->g;
	char link[64];

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if (fanotify_mark(g->fan_fd, FAN_MARK_ADD | flags, mask, AT_FDCWD, link) == 0) {
		w->placed++;
		return;
	}
	fguard_count(&g->st.mark_errors, 1);
	fprintf(g->cfg.log, "palisade: fanotify: cannot mark %s: %s\n", path, strerror(errno));
}

/* A path that does not exist in this root is not an error: nothing to protect. */
static void mark_path(struct walk *w, const char *path, uint64_t mask, uint64_t open_flags)
{
	int fd = fguard_open_in_root(w->root_fd, path, open_flags);

	if (fd < 0)
		return;
	mark_fd(w, fd, mask, 0, path);
	close(fd);
}

/*
 * A protected file that does not exist in this root yet (/etc/shadow in a
 * minimal image): its directory is watched for its children, so the open
 * that creates it is judged (and refused: the kernel has created it empty
 * by then). The directory's other children are allowed at once.
 */
static void mark_file_or_parent(struct walk *w, const char *path, uint64_t mask)
{
	char dir[EV_PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd = fguard_open_in_root(w->root_fd, path, O_PATH);

	if (fd >= 0) {
		mark_fd(w, fd, mask, 0, path);
		close(fd);
		return;
	}
	if (fd != -ENOENT || !slash || mask != FAN_OPEN_PERM)
		return;
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash == path ? 1 : slash - path), path);
	mark_path(w, dir, mask | FAN_EVENT_ON_CHILD, O_PATH | O_DIRECTORY);
}

/* The directory and every directory below it, each watching its children. */
static void mark_tree(struct walk *w, const char *dir)
{
	int fd = fguard_open_in_root(w->root_fd, dir, O_RDONLY | O_DIRECTORY);
	struct dirent *d;
	DIR *dp;

	if (fd < 0)
		return;
	if (++w->dirs > FGUARD_WALK_DIRS_MAX) {
		if (w->dirs == FGUARD_WALK_DIRS_MAX + 1)
			fprintf(w->g->cfg.log, "palisade: fanotify: more than %d directories under "
					       "%s: the rest is not watched\n",
				FGUARD_WALK_DIRS_MAX, dir);
		close(fd);
		return;
	}
	mark_fd(w, fd, w->mask | FAN_EVENT_ON_CHILD, 0, dir);
	dp = fdopendir(fd);
	if (!dp) {
		close(fd);
		return;
	}
	while ((d = readdir(dp))) {
		char child[EV_PATH_MAX];

		if (d->d_type != DT_DIR || !strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		if (snprintf(child, sizeof(child), "%s/%s", strcmp(dir, "/") ? dir : "",
			     d->d_name) < (int)sizeof(child))
			mark_tree(w, child);
	}
	closedir(dp);
}

/* startswith X: X "/a/b/" is a tree; "/a/bc" is every entry of /a named bc*. */
static void mark_prefix(struct walk *w, const char *prefix)
{
	char dir[EV_PATH_MAX], child[EV_PATH_MAX];
	size_t len = strlen(prefix);
	const char *base, *slash = strrchr(prefix, '/');
	struct dirent *d;
	DIR *dp;
	int fd;

	if (!slash || len >= sizeof(dir))
		return;
	if (prefix[len - 1] == '/') {
		snprintf(dir, sizeof(dir), "%.*s", (int)(len > 1 ? len - 1 : 1), prefix);
		mark_tree(w, dir);
		return;
	}
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash == prefix ? 1 : slash - prefix), prefix);
	base = slash + 1;
	fd = fguard_open_in_root(w->root_fd, dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return;
	dp = fdopendir(fd);
	if (!dp) {
		close(fd);
		return;
	}
	while ((d = readdir(dp))) {
		if (strncmp(d->d_name, base, strlen(base)) || !strcmp(d->d_name, ".") ||
		    !strcmp(d->d_name, ".."))
			continue;
		if (snprintf(child, sizeof(child), "%s/%s", strcmp(dir, "/") ? dir : "",
			     d->d_name) >= (int)sizeof(child))
			continue;
		if (d->d_type == DT_DIR)
			mark_tree(w, child);
		else
			mark_path(w, child, w->mask, O_PATH);
	}
	closedir(dp);
}

const struct container_info *fguard_container_of(struct fguard *g, uint32_t pid, void *snap)
{
	const struct ev_header *h = snap;

	if (!g->cfg.containers || !g->have_cgroup2 ||
	    proc_snapshot_one(g->procfs, g->cgroup2_root, pid, snap,
			      PROC_SNAPSHOT_REC_MAX) < 0 || !h->cgroup_id)
		return NULL;
	return container_store_lookup(g->cfg.containers, h->cgroup_id);
}

static void publish_marks(struct fguard *g)
{
	uint64_t n = g->host_marks;

	for (size_t i = 0; i < g->n_roots; i++)
		n += g->roots[i].marks;
	__atomic_store_n(&g->st.marks, n, __ATOMIC_RELAXED);
}

int fguard_mark_root(struct fguard *g, uint32_t pid, uint64_t *placed)
{
	const struct container_info *c = pid ? fguard_container_of(g, pid, g->keeper_snap) : NULL;
	bool undescribed = c && !c->has_metadata;
	char root[300] = "/";
	struct walk w = { .g = g };

	if (pid)
		snprintf(root, sizeof(root), "%s/%u/root", g->procfs, pid);
	w.root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (w.root_fd < 0)
		return -errno;
	for (size_t i = 0; i < g->plan.n; i++) {
		const struct fguard_rule *r = &g->plan.rules[i];
		const struct rules_action_spec *a = &r->info->action;
		bool in_scope = pid ? a->where != RULES_SCOPE_HOST &&
					      (!c || undescribed || fguard_in_scope(a, c))
				    : fguard_in_scope(a, NULL);

		/* Out of the rule's scope: not marked, so never waits on us. A
		 * container not described yet gets its inode marks (the decision
		 * checks the scope), but not a whole-filesystem exec mark, which
		 * would make every exec of someone else's container wait on us. */
		if (!in_scope || (r->by_name && undescribed))
			continue;
		w.mask = r->kind == FGUARD_OPEN ? FAN_OPEN_PERM : FAN_OPEN_EXEC_PERM;
		if (r->by_name) { /* any binary of the root's filesystem may have the name */
			mark_fd(&w, w.root_fd, FAN_OPEN_EXEC_PERM, FAN_MARK_FILESYSTEM, root);
			continue;
		}
		for (size_t k = 0; k < r->n_paths; k++) {
			const struct rules_path *p = &r->paths[k];

			w.dirs = 0;
			switch (p->kind) {
			case RULES_PATH_EXACT:
				mark_file_or_parent(&w, p->path, w.mask);
				break;
			case RULES_PATH_DIR:
				mark_path(&w, p->path, w.mask | FAN_EVENT_ON_CHILD, O_PATH | O_DIRECTORY);
				break;
			case RULES_PATH_PREFIX:
				mark_prefix(&w, p->path);
				break;
			}
		}
	}
	close(w.root_fd);
	*placed = w.placed;
	if (!pid) {
		g->host_marks = w.placed;
		publish_marks(g);
	}
	return undescribed;
}

struct fguard_root *fguard_find_root(struct fguard *g, dev_t dev, ino_t ino)
{
	for (size_t i = 0; i < g->n_roots; i++)
		if (g->roots[i].dev == dev && g->roots[i].ino == ino)
			return &g->roots[i];
	return NULL;
}

/* Marks (again) root r, from process pid; the announcement once. Lock held. */
static void mark_root_now(struct fguard *g, struct fguard_root *r, uint32_t pid, uint64_t now)
{
	r->pid = pid;
	if (!r->announced)
		fprintf(g->cfg.log, "palisade: fanotify: watching the root of pid %u\n", r->pid);
	r->announced = true;
	/* Not described yet: marked again at the next scan. */
	r->marked_ns = fguard_mark_root(g, r->pid, &r->marks) == 1 ? 0 : now;
	if (r->marked_ns)
		fguard_pin_request(g, r);
}

int fguard_arm_root(struct fguard *g, uint32_t pid)
{
	char path[300];
	struct fguard_root *r;
	struct stat st;
	int ret = 0;

	snprintf(path, sizeof(path), "%s/%u/root/", g->procfs, pid);
	if (stat(path, &st))
		return -errno;
	if (st.st_dev == g->host_dev && st.st_ino == g->host_ino)
		return 0; /* the host's marks are in place */
	pthread_mutex_lock(&g->roots_lock);
	r = fguard_find_root(g, st.st_dev, st.st_ino);
	if (!r && g->n_roots < FGUARD_ROOTS_MAX) {
		r = &g->roots[g->n_roots++];
		*r = (struct fguard_root){ .dev = st.st_dev, .ino = st.st_ino, .seen = true };
	}
	/* Marked again even when a root of that device and inode is known: a
	 * removed container's anonymous device number is reused by the next
	 * overlay mount, and its entry lives until the next scan; a held first
	 * exec is a new container, whose files carry no marks yet. */
	if (!r) {
		ret = -ENOSPC;
	} else {
		mark_root_now(g, r, pid, fguard_now_ns());
		/* A held first exec goes on with its pins in place, if the
		 * pinner is quick enough. */
		fguard_pin_wait(g, st.st_dev, st.st_ino, FGUARD_PIN_WAIT_MS);
	}
	__atomic_store_n(&g->st.roots, g->n_roots, __ATOMIC_RELAXED);
	publish_marks(g);
	pthread_mutex_unlock(&g->roots_lock);
	return ret;
}

void fguard_scan_roots(struct fguard *g)
{
	uint64_t now = fguard_now_ns();
	struct dirent *d;
	DIR *dp = opendir(g->procfs);

	if (!dp)
		return;
	pthread_mutex_lock(&g->roots_lock);
	for (size_t i = 0; i < g->n_roots; i++)
		g->roots[i].seen = false;
	while ((d = readdir(dp))) {
		char path[600];
		struct fguard_root *r;
		struct stat st;

		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "%s/%s/root/", g->procfs, d->d_name);
		if (stat(path, &st) || (st.st_dev == g->host_dev && st.st_ino == g->host_ino))
			continue;
		r = fguard_find_root(g, st.st_dev, st.st_ino);
		if (!r && g->n_roots < FGUARD_ROOTS_MAX) {
			r = &g->roots[g->n_roots++];
			*r = (struct fguard_root){ .dev = st.st_dev, .ino = st.st_ino };
		}
		if (!r)
			continue;
		r->seen = true;
		r->pid = (uint32_t)strtoul(d->d_name, NULL, 10);
	}
	closedir(dp);
	for (size_t i = 0; i < g->n_roots;) {
		struct fguard_root *r = &g->roots[i];

		if (!r->seen) { /* gone: its marks went with its inodes */
			*r = g->roots[--g->n_roots];
			continue;
		}
		if (!r->marked_ns || now - r->marked_ns >= FGUARD_REMARK_MS * 1000000ull)
			mark_root_now(g, r, r->pid, now);
		i++;
	}
	__atomic_store_n(&g->st.roots, g->n_roots, __ATOMIC_RELAXED);
	publish_marks(g);
	pthread_mutex_unlock(&g->roots_lock);
}
