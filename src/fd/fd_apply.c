/*
 * What events do to the fd tables (fd_store.c holds them). A new open does
 * allocate its name (the one allocation per event on this path): a path must
 * outlive the record it came in, and the table runs only when the loaded
 * rules need it (agent/fd_setup.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "event/syscalls.h"
#include "fd/fd_internal.h"

#define MFD_CLOEXEC_FLAG 1u /* MFD_CLOEXEC of memfd_create(2) */
#define NET_LINK_FAMILY 16  /* AF_NETLINK */

/* SOCK_CLOEXEC of socket, socketpair and accept4 is O_CLOEXEC on Linux. */
_Static_assert(SOCK_CLOEXEC == O_CLOEXEC, "one close-on-exec bit");

bool fd_table_follows(const struct syscall_desc *sc)
{
	return sc->fd != FDE_NONE;
}

/* The type of an anonymous inode's fd, from its syscall's effect. */
static enum fd_type anon_type(const struct syscall_desc *sc)
{
	switch (sc->fd) {
	case FDE_EVENTFD: return FD_T_EVENTFD;
	case FDE_EVENTPOLL: return FD_T_EVENTPOLL;
	case FDE_INOTIFY: return FD_T_INOTIFY;
	case FDE_SIGNALFD: return FD_T_SIGNALFD;
	case FDE_TIMERFD: return FD_T_TIMERFD;
	default: return FD_T_UNKNOWN;
	}
}

/* Is the call's `flags` argument (none: false) asking for close-on-exec? */
static bool flags_cloexec(const struct syscall_desc *sc, const uint64_t *a)
{
	int fi = syscall_arg_index(sc, "flags");

	return fi >= 0 && (a[fi] & O_CLOEXEC);
}

/* ---- what an fd is ---- */

static bool v4_mapped(const uint8_t a[16])
{
	static const uint8_t prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return !memcmp(a, prefix, sizeof(prefix));
}

static enum fd_type sock_type(const struct ev_sock *s)
{
	switch (s->family) {
	case AF_INET:
		return FD_T_IPV4;
	case AF_INET6:
		/* IPv4-mapped sockets count as IPv4, as in Falco. */
		return v4_mapped(s->laddr) || v4_mapped(s->raddr) ? FD_T_IPV4 : FD_T_IPV6;
	case AF_UNIX:
		return FD_T_UNIX;
	case NET_LINK_FAMILY:
		return FD_T_NETLINK;
	default:
		return FD_T_SOCK_OTHER;
	}
}

/* The type of an fd from its /proc/PID/fd link text and open flags. */
static enum fd_type name_type(const char *name, uint32_t flags)
{
	static const struct {
		const char *prefix;
		enum fd_type type;
	} anon[] = {
		{ "anon_inode:[eventfd]", FD_T_EVENTFD },   { "anon_inode:[signalfd]", FD_T_SIGNALFD },
		{ "anon_inode:[eventpoll]", FD_T_EVENTPOLL }, { "anon_inode:inotify", FD_T_INOTIFY },
		{ "anon_inode:[timerfd]", FD_T_TIMERFD },   { "anon_inode:bpf", FD_T_BPF },
		{ "anon_inode:", FD_T_ANON_OTHER },         { "pipe:", FD_T_PIPE },
		{ "/memfd:", FD_T_MEMFD },
	};

	for (size_t i = 0; i < sizeof(anon) / sizeof(anon[0]); i++)
		if (!strncmp(name, anon[i].prefix, strlen(anon[i].prefix)))
			return anon[i].type;
	if ((flags & O_DIRECTORY) && (flags & O_TMPFILE) != O_TMPFILE)
		return FD_T_DIR;
	return FD_T_FILE;
}

static void set_name(struct fd_table *t, struct fd_entry *e, const char *s)
{
	fd_name_put(t, e->name);
	e->name = s && s[0] ? fd_name_new(t, s) : NULL;
}

static void set_sock(struct fd_entry *e, const struct ev_sock *s)
{
	if (!s || !s->family)
		return;
	e->sock = *s;
	e->type = (uint8_t)sock_type(s);
}

/* Open flags of an open-family call, as its row says they are known; false
 * when unknown (an openat2 whose struct open_how the sensor could not read). */
static bool open_flags(const struct event *ev, uint64_t *flags)
{
	const struct syscall_desc *sc = ev->sc;
	bool known = sc->open == SCO_FLAGS ||
		     (sc->open == SCO_HOW && (ev->path_flags & EV_ARGS_OPEN_HOW));

	if (sc->open == SCO_CREAT) {
		*flags = O_CREAT | O_WRONLY | O_TRUNC;
		return true;
	}
	for (int i = 0; known && i < 6; i++)
		if (sc->args[i].kind == SA_OPEN) {
			*flags = ev->sc_args[i];
			return true;
		}
	return false;
}

/*
 * An entry for an fd the table did not know but the sensor resolved at this
 * syscall (an fd older than the seeding, or untracked): learnt from the event.
 */
static struct fd_entry *learn(struct fd_table *t, const struct event *ev, int32_t num)
{
	struct fd_entry *e;

	if (!ev->path[0] && !(ev->sock && ev->sock->family))
		return NULL;
	e = fd_entry_put(t, ev->hdr->pid, num);
	if (!e)
		return NULL;
	if (ev->sock && ev->sock->family) {
		set_sock(e, ev->sock);
	} else {
		e->type = (uint8_t)name_type(ev->path, 0);
		set_name(t, e, ev->path);
	}
	return e;
}

/* Points the event at the entry; fills what the sensor could not resolve. */
static void describe(struct fd_table *t, struct event *ev, const struct fd_entry *e)
{
	if (!e) {
		t->misses++;
		return;
	}
	bool sensor_sock = ev->sock && ev->sock->family;
	/* The kernel's path walk of a pipe or an anonymous inode reaches no
	 * name ("/"): there the table's type is the better answer. */
	bool nameless = e->type == FD_T_PIPE || e->type == FD_T_MEMFD || e->type >= FD_T_EVENTFD;

	ev->fd = e;
	if (sensor_sock || (ev->path[0] && !nameless))
		return;
	ev->fd_from_table = true;
	ev->path[0] = '\0';
	if (e->sock.family)
		ev->sock = &e->sock;
	else if (e->type != FD_T_UNIX && e->name)
		memcpy(ev->path, e->name->s, e->name->len + 1);
}

static void entry_copy(struct fd_entry *dst, const struct fd_entry *src, int32_t num, bool cloexec)
{
	*dst = *src;
	dst->num = num;
	dst->cloexec = cloexec;
	fd_name_ref(dst->name);
}

/* dup, dup2, dup3, fcntl(F_DUPFD*): newfd refers to what oldfd does. */
static void dup_fd(struct fd_table *t, struct event *ev, int32_t oldfd, int64_t res, bool cloexec)
{
	struct fd_proc *p = fd_proc_get(t, ev->hdr->pid, false);
	struct fd_entry *src = fd_entry_find(p, oldfd), copy, *dst;

	if (!src && res >= 0)
		src = learn(t, ev, oldfd);
	describe(t, ev, src);
	if (!src || res < 0 || res == oldfd)
		return;
	/* entry_put may move src: copy it out first. */
	entry_copy(&copy, src, (int32_t)res, cloexec);
	dst = fd_entry_put(t, ev->hdr->pid, (int32_t)res);
	if (dst)
		*dst = copy;
	else
		fd_name_put(t, copy.name);
	/* The event is about oldfd, which may have moved too. */
	p = fd_proc_get(t, ev->hdr->pid, false);
	ev->fd = fd_entry_find(p, oldfd);
	if (ev->fd_from_table && ev->fd && ev->fd->sock.family)
		ev->sock = &ev->fd->sock;
}

static void close_fd(struct fd_table *t, struct event *ev, int32_t num)
{
	struct fd_proc *p = fd_proc_get(t, ev->hdr->pid, false);
	struct fd_entry *e = fd_entry_find(p, num);

	if (!e) {
		if (ev->res != -EBADF)
			t->misses++;
		return;
	}
	/* Kept for the event's fields; the entry itself goes. */
	t->closed = *e;
	fd_name_ref(t->closed.name);
	describe(t, ev, &t->closed);
	if (ev->res != -EBADF)
		fd_entry_remove(t, p, e);
}

static void new_fd(struct fd_table *t, struct event *ev, int32_t num, enum fd_type type,
		   uint32_t flags, bool cloexec, uint8_t role)
{
	struct fd_entry *e = fd_entry_put(t, ev->hdr->pid, num);

	if (!e)
		return;
	e->type = (uint8_t)type;
	e->flags = flags;
	e->cloexec = cloexec;
	e->role = role;
	set_sock(e, ev->sock);
	if (!e->sock.family || e->type == FD_T_UNIX)
		set_name(t, e, ev->path);
	ev->fd = e;
}

/* connect, bind, listen: the socket learns its ends and its role. */
static void sock_update(struct fd_table *t, struct event *ev, int32_t num, uint8_t role,
			bool changed)
{
	struct fd_proc *p = fd_proc_get(t, ev->hdr->pid, false);
	struct fd_entry *e = fd_entry_find(p, num);

	if (!e && changed)
		e = learn(t, ev, num);
	if (e && changed) {
		set_sock(e, ev->sock);
		e->role = role;
	}
	describe(t, ev, e);
}

static void apply_syscall(struct fd_table *t, struct event *ev)
{
	const struct syscall_desc *sc = ev->sc;
	const uint64_t *a = ev->sc_args;
	int64_t res = ev->res;
	uint64_t flags = 0;
	bool ok;

	if (!sc || !a)
		return;
	switch ((enum sc_fd_effect)sc->fd) {
	case FDE_OPEN:
		if (res < 0)
			return;
		ok = open_flags(ev, &flags);
		new_fd(t, ev, (int32_t)res, name_type(ev->path, (uint32_t)flags), (uint32_t)flags,
		       ok && (flags & O_CLOEXEC), FD_ROLE_UNKNOWN);
		return;
	case FDE_MEMFD:
		if (res >= 0)
			new_fd(t, ev, (int32_t)res, FD_T_MEMFD, O_RDWR, a[1] & MFD_CLOEXEC_FLAG,
			       FD_ROLE_UNKNOWN);
		return;
	case FDE_SOCKET:
		if (res >= 0)
			new_fd(t, ev, (int32_t)res, FD_T_UNKNOWN, O_RDWR, a[1] & SOCK_CLOEXEC,
			       FD_ROLE_UNKNOWN);
		return;
	case FDE_ACCEPT:
		if (res >= 0)
			new_fd(t, ev, (int32_t)res, FD_T_UNKNOWN, O_RDWR, flags_cloexec(sc, a),
			       FD_ROLE_SERVER);
		return;
	case FDE_CONNECT:
		/* A non-blocking connect has its peer already: EINPROGRESS counts. */
		sock_update(t, ev, (int32_t)a[0], FD_ROLE_CLIENT, res == 0 || res == -EINPROGRESS);
		return;
	case FDE_BIND:
	case FDE_LISTEN:
		sock_update(t, ev, (int32_t)a[0], FD_ROLE_SERVER, res == 0);
		return;
	case FDE_DUP:
		dup_fd(t, ev, (int32_t)a[0], res, flags_cloexec(sc, a));
		return;
	case FDE_FCNTL:
		if (a[1] == F_DUPFD || a[1] == F_DUPFD_CLOEXEC) {
			dup_fd(t, ev, (int32_t)a[0], res, a[1] == F_DUPFD_CLOEXEC);
			return;
		}
		if (a[1] == F_SETFD && res == 0) {
			struct fd_entry *e = fd_entry_find(fd_proc_find(t, ev->hdr->pid), (int32_t)a[0]);

			if (e)
				e->cloexec = a[2] & FD_CLOEXEC;
		}
		sock_update(t, ev, (int32_t)a[0], 0, false);
		return;
	case FDE_CLOSE:
		close_fd(t, ev, (int32_t)a[0]);
		return;
	case FDE_PIPE:
		if (res == 0 && ev->uaddr_len == 8) {
			int32_t fds[2];
			/* socketpair(domain, type, proto, fds): sockets, close-on-exec in type. */
			bool pair = syscall_arg_index(sc, "domain") == 0;
			bool cloexec = pair ? a[1] & SOCK_CLOEXEC : flags_cloexec(sc, a);
			/* A socketpair's ends: connected sockets of the family asked for. */
			struct ev_sock s = { .family = (uint16_t)a[0], .type = (uint16_t)(a[1] & 0xf),
					     .protocol = (uint16_t)a[2] };

			const struct ev_sock *sensor_sock = ev->sock;

			memcpy(fds, ev->uaddr, sizeof(fds));
			if (pair)
				ev->sock = &s;
			new_fd(t, ev, fds[0], FD_T_PIPE, pair ? O_RDWR : O_RDONLY, cloexec,
			       FD_ROLE_UNKNOWN);
			new_fd(t, ev, fds[1], FD_T_PIPE, pair ? O_RDWR : O_WRONLY, cloexec,
			       FD_ROLE_UNKNOWN);
			ev->sock = sensor_sock;
			ev->fd = NULL; /* two fds: the event is about neither alone */
		}
		return;
	case FDE_EVENTFD:
	case FDE_EVENTPOLL:
	case FDE_INOTIFY:
	case FDE_SIGNALFD:
	case FDE_TIMERFD: {
		/* Their CLOEXEC flags (EFD_, EPOLL_, IN_, SFD_, TFD_) are O_CLOEXEC. */
		if (res >= 0) {
			/* Its kernel path is no name: the type says what it is. */
			ev->path[0] = '\0';
			new_fd(t, ev, (int32_t)res, anon_type(sc), O_RDWR, flags_cloexec(sc, a),
			       FD_ROLE_UNKNOWN);
			ev->fd_from_table = ev->fd != NULL;
		}
		return;
	}
	case FDE_NONE:
		/* Any other call that takes an fd (sendto, fchmod, ...). */
		if (sc->spec & SC_FD_ARG0)
			sock_update(t, ev, (int32_t)a[0], 0, false);
		return;
	}
}

/* An EV_FD_SNAPSHOT record: the fd as /proc showed it at start. */
static void apply_snapshot(struct fd_table *t, struct event *ev)
{
	const uint64_t *a = ev->sc_args;
	uint8_t effect = ev->sc ? ev->sc->fd : FDE_NONE;
	uint32_t flags = 0;
	enum fd_type type;
	bool cloexec;
	uint8_t role = FD_ROLE_UNKNOWN;

	if (!a || ev->res < 0 || ev->res > INT32_MAX)
		return;
	/* The decoder names a snapshot's fd by the syscall that would make it. */
	if (effect == FDE_SOCKET) {
		type = FD_T_UNKNOWN;
		cloexec = a[1] & SOCK_CLOEXEC;
		if (a[3])
			role = FD_ROLE_SERVER;
	} else if (effect == FDE_PIPE) {
		flags = (uint32_t)a[1];
		type = FD_T_PIPE;
		cloexec = flags & O_CLOEXEC;
	} else if (effect == FDE_MEMFD) {
		type = FD_T_MEMFD;
		cloexec = a[1] & MFD_CLOEXEC_FLAG;
	} else {
		flags = (uint32_t)a[2];
		type = name_type(ev->path, flags);
		cloexec = flags & O_CLOEXEC;
	}
	new_fd(t, ev, (int32_t)ev->res, type, flags, cloexec, role);
}

/* fork: the child starts with a copy of its parent's table. */
static void fork_copy(struct fd_table *t, struct event *ev)
{
	const struct ev_header *h = ev->hdr;
	struct fd_proc *child = fd_proc_find(t, h->pid), *parent;
	uint32_t n;

	if (child)
		fd_proc_drop(t, child); /* a reused pid */
	/* The forking thread names its process when it is the main thread;
	 * the real parent (CLONE_PARENT aside) otherwise. */
	parent = fd_proc_find(t, ev->parent_tid);
	if (!parent)
		parent = fd_proc_find(t, h->ppid);
	if (!parent || !parent->n)
		return;
	fd_proc_touch(t, parent); /* most recent: the child's creation cannot evict it */
	n = parent->n;
	if (t->entries + n > FD_TABLE_ENTRIES) {
		t->fds_untracked += n;
		return;
	}
	child = fd_proc_get(t, h->pid, true);
	if (!child)
		return;
	child->fds = malloc(n * sizeof(*child->fds));
	if (!child->fds) {
		t->alloc_failures++;
		return;
	}
	memcpy(child->fds, parent->fds, n * sizeof(*child->fds));
	for (uint32_t i = 0; i < n; i++)
		fd_name_ref(child->fds[i].name);
	child->n = child->cap = n;
	t->entries += n;
	t->bytes += n * sizeof(*child->fds);
}

/* exec: close-on-exec fds go, the others stay. */
static void exec_cloexec(struct fd_table *t, uint32_t pid)
{
	struct fd_proc *p = fd_proc_get(t, pid, false);
	uint32_t i, kept = 0;

	if (!p)
		return;
	for (i = 0; i < p->n; i++) {
		if (p->fds[i].cloexec) {
			fd_name_put(t, p->fds[i].name);
			t->entries--;
			continue;
		}
		p->fds[kept++] = p->fds[i];
	}
	p->n = kept;
}

void fd_table_apply(struct fd_table *t, struct event *ev)
{
	struct fd_proc *p;

	fd_name_put(t, t->closed.name);
	memset(&t->closed, 0, sizeof(t->closed));
	switch (ev->kind) {
	case EV_FORK:
		fork_copy(t, ev);
		return;
	case EV_EXEC:
		exec_cloexec(t, ev->hdr->pid);
		return;
	case EV_EXIT:
		p = fd_proc_find(t, ev->hdr->pid);
		if (p)
			fd_proc_drop(t, p);
		return;
	case EV_FD_SNAPSHOT:
		apply_snapshot(t, ev);
		ev->fd = NULL; /* state, not an event about an fd */
		return;
	case EV_SYSCALL:
		/* An io_uring open into a fixed-file slot installs no fd. */
		if (!(ev->path_flags & EV_FD_FIXED))
			apply_syscall(t, ev);
		return;
	default:
		return;
	}
}

