/* Raw record -> struct event. Records come from the kernel or from a record
 * file someone handed us, so every length is checked against the buffer. */
#include <errno.h>
#include <string.h>

#include "event/event.h"

static const char *const kind_names[EV_KIND_MAX] = {
	[EV_EXEC] = "execve",
	[EV_FORK] = "clone",
	[EV_EXIT] = "procexit",
	[EV_PROC_SNAPSHOT] = "snapshot",
};

const char *event_kind_name(enum ev_kind kind)
{
	if ((unsigned)kind < EV_KIND_MAX && kind_names[kind])
		return kind_names[kind];
	return "unknown";
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
	if (e->exe_len > EV_PATH_MAX || e->args_len > EV_ARGS_MAX || e->cwd_len > EV_PATH_MAX)
		return -EINVAL;
	var = (size_t)e->exe_len + e->args_len + e->cwd_len;
	if (sizeof(*e) + var != e->hdr.size)
		return -EINVAL;
	event_join_path(data, e->exe_len, !!(e->hdr.flags & EV_F_EXE_TRUNC), ev->exe,
			sizeof(ev->exe));
	ev->args = data + e->exe_len;
	ev->args_len = e->args_len;
	ev->argc = count_args(ev->args, ev->args_len);
	event_join_path(data + e->exe_len + e->args_len, e->cwd_len,
			!!(e->hdr.flags & EV_F_CWD_TRUNC), ev->cwd, sizeof(ev->cwd));
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
	ev->clone_flags = 0;
	ev->parent_tid = 0;
	ev->exit_code = 0;
	ev->proc = NULL;
	ev->procs = NULL;
	ev->container = NULL;
	ev->container_key = h->cgroup_id;
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
		return 0;
	}
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
