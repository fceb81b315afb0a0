/* Raw record -> struct event. Records come from the kernel or from a record
 * file someone handed us, so every length is checked against the buffer. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "event/event.h"
#include "event/syscalls.h"

static const char *const kind_names[EV_KIND_MAX] = {
	[EV_EXEC] = "execve",
	[EV_FORK] = "clone",
	[EV_EXIT] = "procexit",
	[EV_PROC_SNAPSHOT] = "snapshot",
	[EV_SYSCALL] = "syscall",
	[EV_FD_SNAPSHOT] = "fdsnapshot",
	[EV_FLOW] = "flow",
};

const char *event_kind_name(enum ev_kind kind)
{
	if ((unsigned)kind < EV_KIND_MAX && kind_names[kind])
		return kind_names[kind];
	return "unknown";
}

const char *event_type_name(const struct event *ev)
{
	if (ev->kind == EV_SYSCALL && ev->sc)
		return ev->sc->name;
	if (ev->kind == EV_FLOW && ev->flow)
		return ev->flow->what == EV_FLOW_END ? "flow_end" : "flow_start";
	return event_kind_name(ev->kind);
}

/* Whether normalising would change path (absolute): only an empty segment
 * ("//", a trailing "/"), "." or ".." does, and each of those follows a
 * '/' with '/', '.' or the end. Most paths (every open of a replay) have
 * none: a read-only scan instead of a rewrite. */
static bool path_is_normal(const char *path)
{
	for (const char *s = path; *s; s++)
		if (s[0] == '/' && (s[1] == '/' || s[1] == '.' || (s[1] == '\0' && s != path)))
			return false;
	return true;
}

void event_normalize_path(char *path)
{
	char *out = path, *in = path;

	if (*in != '/' || path_is_normal(path))
		return;
	while (*in) {
		char *seg;
		size_t len;

		while (*in == '/')
			in++;
		seg = in;
		while (*in && *in != '/')
			in++;
		len = (size_t)(in - seg);
		if (len == 0 || (len == 1 && seg[0] == '.'))
			continue;
		if (len == 2 && seg[0] == '.' && seg[1] == '.') {
			while (out > path && *--out != '/')
				;
			continue;
		}
		*out++ = '/';
		memmove(out, seg, len);
		out += len;
	}
	if (out == path)
		*out++ = '/';
	*out = '\0';
}

size_t event_join_path(const char *pieces, size_t len, int truncated, char *out,
		       size_t out_size)
{
	size_t n = 0, end = len;

	if (out_size == 0)
		return 0;
	if (truncated && out_size > 4) {
		memcpy(out, "...", 3);
		n = 3;
	}
	/* Pieces are leaf-first: take them from the back of the buffer. */
	while (end > 0) {
		size_t start = end - 1, piece;

		if (pieces[start] == '\0' && start > 0)
			start--;
		while (start > 0 && pieces[start - 1] != '\0')
			start--;
		piece = strnlen(pieces + start, end - start);
		if (n + 1 + piece + 1 > out_size)
			break;
		/* An empty piece is the root: "/" alone, no separator after it. */
		if (piece || n == 0)
			out[n++] = '/';
		memcpy(out + n, pieces + start, piece);
		n += piece;
		end = start;
	}
	out[n] = '\0';
	return n;
}

size_t event_cmdline(const char *args, size_t len, char *out, size_t out_size)
{
	size_t n = 0, i;

	if (out_size == 0)
		return 0;
	for (i = 0; i < len && n + 1 < out_size; i++)
		out[n++] = args[i] ? args[i] : ' ';
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
	return n;
}

/* Arguments in a NUL-separated argv; a cut last argument counts too. */
static uint32_t count_args(const char *args, uint32_t len)
{
	uint32_t i, n = 0;

	for (i = 0; i < len; i++)
		n += args[i] == '\0';
	if (len && args[len - 1] != '\0')
		n++;
	return n;
}

static int decode_exec(const void *rec, size_t len, struct event *ev)
{
	const struct ev_exec *e = rec;
	const char *data = (const char *)(e + 1);
	size_t var;

	if (len < sizeof(*e))
		return -EINVAL;
	if (e->exe_len > EV_PATH_MAX || e->args_len > EV_ARGS_MAX || e->cwd_len > EV_PATH_MAX ||
	    e->env_len > EV_ENV_MAX || (e->env_len && !(e->env_flags & EV_ENV_READ)))
		return -EINVAL;
	var = (size_t)e->exe_len + e->args_len + e->cwd_len + e->env_len;
	if (sizeof(*e) + var != e->hdr.size)
		return -EINVAL;
	event_join_path(data, e->exe_len, !!(e->hdr.flags & EV_F_EXE_TRUNC), ev->exe,
			sizeof(ev->exe));
	ev->args = data + e->exe_len;
	ev->args_len = e->args_len;
	ev->argc = count_args(ev->args, ev->args_len);
	ev->exe_info = (struct exe_info){ .flags = e->exe_flags, .ino = e->exe_ino,
					  .ctime_ns = e->exe_ctime_ns, .mtime_ns = e->exe_mtime_ns };
	event_join_path(data + e->exe_len + e->args_len, e->cwd_len,
			!!(e->hdr.flags & EV_F_CWD_TRUNC), ev->cwd, sizeof(ev->cwd));
	ev->env = data + e->exe_len + e->args_len + e->cwd_len;
	ev->env_len = e->env_len;
	ev->env_known = !!(e->env_flags & EV_ENV_READ);
	ev->pgrp = e->pgrp;
	return 0;
}

/* Path 1 as the rules want it: absolute whenever the kernel told us enough. */
static void syscall_path1(const struct ev_syscall *e, const char *data, struct event *ev)
{
	size_t n;

	if (e->path_flags & EV_PATH1_RESOLVED) {
		event_join_path(data, e->path_len, !!(e->hdr.flags & EV_F_EXE_TRUNC), ev->path,
				sizeof(ev->path));
		return;
	}
	if (!(e->path_flags & EV_PATH1_USER) || e->path_len == 0) {
		ev->path[0] = '\0';
		return;
	}
	n = 0;
	if (data[0] != '/' && (e->path_flags & EV_BASE_RESOLVED)) {
		n = event_join_path(data + e->path_len + e->path2_len, e->base_len, 0, ev->path,
				    sizeof(ev->path));
		if (n + 1 < sizeof(ev->path))
			ev->path[n++] = '/';
	}
	if (n < sizeof(ev->path)) {
		size_t k = strnlen(data, e->path_len);

		if (k > sizeof(ev->path) - n - 1)
			k = sizeof(ev->path) - n - 1;
		memcpy(ev->path + n, data, k);
		ev->path[n + k] = '\0';
	}
	event_normalize_path(ev->path);
}

static int decode_syscall(const void *rec, size_t len, struct event *ev)
{
	const struct ev_syscall *e = rec;
	const char *data = (const char *)(e + 1);

	if (len < sizeof(*e) || e->path_len > EV_PATH_MAX || e->path2_len > EV_PATH_MAX ||
	    e->base_len > EV_PATH_MAX || e->uaddr_len > sizeof(e->uaddr) ||
	    sizeof(*e) + (size_t)e->path_len + e->path2_len + e->base_len != e->hdr.size)
		return -EINVAL;
	/* User strings carry their NUL; anything else is malformed. */
	if (((e->path_flags & EV_PATH1_USER) && e->path_len && data[e->path_len - 1]) ||
	    (e->path2_len && data[e->path_len + e->path2_len - 1]))
		return -EINVAL;
	ev->sc = syscall_by_nr(e->nr);
	if (!ev->sc)
		return -EINVAL;
	ev->res = e->res;
	ev->sc_args = (const uint64_t *)e->args;
	syscall_path1(e, data, ev);
	/* A raw path 1 in the path 2 slot is not a second path (rl_sc_raw_path1). */
	ev->path2 = e->path2_len && !(e->path_flags & EV_PATH2_RAW1) ? data + e->path_len : "";
	ev->path_flags = e->path_flags;
	ev->sock = &e->sock;
	ev->uaddr = e->uaddr;
	ev->uaddr_len = e->uaddr_len;
	return 0;
}

int event_decode(const void *rec, size_t len, struct event *ev)
{
	const struct ev_header *h = rec;

	if (len < sizeof(*h) || h->size > len || h->size < sizeof(*h))
		return -EINVAL;
	ev->hdr = h;
	ev->kind = h->kind;
	ev->exe[0] = ev->cwd[0] = '\0';
	ev->args = NULL;
	ev->args_len = ev->argc = 0;
	ev->env = NULL;
	ev->env_len = 0;
	ev->env_known = false;
	ev->pgrp = (struct ev_pgrp){ 0 };
	ev->clone_flags = 0;
	ev->parent_tid = 0;
	ev->exit_code = 0;
	ev->sc = NULL;
	ev->res = 0;
	ev->sc_args = NULL;
	ev->path[0] = '\0';
	ev->path2 = "";
	ev->sock = NULL;
	ev->flow = NULL;
	ev->uaddr = NULL;
	ev->uaddr_len = 0;
	ev->proc = NULL;
	ev->procs = NULL;
	ev->container = NULL;
	ev->container_key = h->cgroup_id;
	ev->fd = NULL;
	ev->fd_from_table = false;
	ev->docker = NULL;
	ev->fim = NULL;
	switch (h->kind) {
	case EV_EXEC:
	case EV_PROC_SNAPSHOT:
		return decode_exec(rec, h->size, ev);
	case EV_FORK: {
		const struct ev_fork *f = rec;

		if (h->size != sizeof(*f))
			return -EINVAL;
		ev->clone_flags = f->clone_flags;
		ev->parent_tid = f->parent_tid;
		ev->pgrp = f->pgrp;
		return 0;
	}
	case EV_SYSCALL:
	case EV_FD_SNAPSHOT:
		return decode_syscall(rec, h->size, ev);
	case EV_EXIT: {
		const struct ev_exit *x = rec;

		if (h->size != sizeof(*x))
			return -EINVAL;
		ev->exit_code = x->exit_code;
		return 0;
	}
	default:
		return -EINVAL;
	}
}
