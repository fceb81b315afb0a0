/*
 * evt.* extractors. Arguments (evt.arg.NAME / evt.arg[N]) follow Falco's
 * names for the exit event of each syscall: execve, clone and procexit
 * here, the syscalls of the syscall sensor in extract_args.c.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "event/syscalls.h"
#include "proc/proc.h"
#include "rules/field_ids.h"

static uint64_t real_ns(const struct rl_eval_ctx *c)
{
	return (c->ev->hdr ? c->ev->hdr->ts_ns : 0) + (uint64_t)c->boot_to_real_ns;
}

static bool fmt_time(const struct rl_eval_ctx *c, int id, struct rl_value *out,
		     struct rl_buf *buf)
{
	enum event_time_style style = id == E_TIME	   ? EVENT_TIME_OF_DAY_NS
				      : id == E_TIME_S	   ? EVENT_TIME_OF_DAY_S
				      : id == E_DATETIME ? EVENT_TIME_DATETIME_NS
							 : EVENT_TIME_RFC3339_NS;
	size_t n = event_time_format(real_ns(c), style, buf->p, buf->cap);

	return n > 0 && rl_set_buf(out, buf, n);
}

/* Argument names per event kind, in Falco's order for the exit event. */
static const char *const exec_args[] = { "res", "exe", "args", "tid", "pid", "ptid", "cwd",
					 "comm", "uid", "gid", "filename", NULL };
static const char *const clone_args[] = { "res", "exe", "args", "tid", "pid", "ptid", "cwd",
					  "comm", "flags", "uid", "gid", NULL };
static const char *const exit_args[] = { "status", "ret", "sig", "core", NULL };

static const char *const *arg_names(const struct event *ev)
{
	switch (ev->kind) {
	case EV_EXEC: return exec_args;
	case EV_FORK: return clone_args;
	case EV_EXIT: return exit_args;
	default: return NULL;
	}
}

static bool str_arg(struct rl_value *out, struct rl_buf *buf, const char *s, size_t len)
{
	if (len >= buf->cap)
		len = buf->cap - 1;
	memcpy(buf->p, s, len);
	return rl_set_buf(out, buf, len);
}

static bool arg_value(const struct rl_eval_ctx *c, const char *name, struct rl_value *out,
		      struct rl_buf *buf)
{
	const struct event *ev = c->ev;
	const struct ev_header *h = ev->hdr;
	const struct proc_entry *p = ev->proc;
	int n;

	if (!h)
		return false;
	if (ev->kind == EV_EXIT) {
		uint32_t st = ev->exit_code;

		if (!strcmp(name, "status"))
			return rl_set_int(out, st);
		if (!strcmp(name, "ret"))
			return rl_set_int(out, (st >> 8) & 0xff);
		if (!strcmp(name, "sig"))
			return rl_set_int(out, st & 0x7f);
		if (!strcmp(name, "core"))
			return rl_set_int(out, (st & 0x80) != 0);
		return false;
	}
	if (!strcmp(name, "res"))
		return rl_set_int(out, 0);
	if (!strcmp(name, "tid"))
		return rl_set_int(out, h->tid);
	if (!strcmp(name, "pid"))
		return rl_set_int(out, h->pid);
	if (!strcmp(name, "ptid"))
		return rl_set_int(out, h->ppid);
	if (!strcmp(name, "uid"))
		return rl_set_int(out, h->uid);
	if (!strcmp(name, "gid"))
		return rl_set_int(out, h->gid);
	if (!strcmp(name, "comm"))
		return str_arg(out, buf, h->comm, strnlen(h->comm, EV_COMM_LEN));
	if (!strcmp(name, "flags") && ev->kind == EV_FORK) {
		n = (int)rl_clone_flags_text(ev->clone_flags, buf->p, buf->cap);
		return rl_set_buf(out, buf, (size_t)n);
	}
	const char *exe = ev->kind == EV_EXEC ? ev->exe : p ? p->exe : NULL;
	const char *args = ev->kind == EV_EXEC ? ev->args : p ? p->args : NULL;
	size_t args_len = ev->kind == EV_EXEC ? ev->args_len : p ? p->args_len : 0;
	const char *cwd = ev->kind == EV_EXEC ? ev->cwd : p ? p->cwd : NULL;

	if (!strcmp(name, "filename"))
		return exe && exe[0] && rl_set_str(out, exe);
	if (!strcmp(name, "cwd"))
		return cwd && cwd[0] && rl_set_str(out, cwd);
	if (!strcmp(name, "exe") && args)
		return str_arg(out, buf, args, strnlen(args, args_len));
	if (!strcmp(name, "args") && args) {
		size_t i = strnlen(args, args_len) + 1, k = 0;

		for (; i < args_len && k + 1 < buf->cap; i++, k++)
			buf->p[k] = args[i] ? args[i] : ' ';
		while (k && buf->p[k - 1] == ' ')
			k--;
		return rl_set_buf(out, buf, k);
	}
	return false;
}

/* evt.args: every argument as name=value, Falco style. */
static bool all_args(const struct rl_eval_ctx *c, struct rl_value *out, struct rl_buf *buf,
		     struct rl_buf *tmp_unused)
{
	const char *const *names = arg_names(c->ev);
	char tmpbuf[1024];
	struct rl_buf tmp = { tmpbuf, sizeof(tmpbuf) };
	size_t n = 0;

	(void)tmp_unused;
	if (c->ev->kind == EV_SYSCALL)
		return rl_set_buf(out, buf, rl_sc_args_text(c, buf->p, buf->cap));
	if (!names)
		return false;
	for (size_t i = 0; names[i]; i++) {
		struct rl_value v;
		int w;

		if (!arg_value(c, names[i], &v, &tmp))
			continue;
		if (v.t == FT_STR)
			w = snprintf(buf->p + n, buf->cap - n, "%s%s=%s", n ? " " : "", names[i], v.s);
		else
			w = snprintf(buf->p + n, buf->cap - n, "%s%s=%lld", n ? " " : "", names[i],
				     (long long)v.i);
		if (w < 0 || (size_t)w >= buf->cap - n)
			break;
		n += (size_t)w;
	}
	return rl_set_buf(out, buf, n);
}

static bool num_to_text(struct rl_value *v, struct rl_buf *buf)
{
	int n;

	if (v->t == FT_STR)
		return true;
	n = snprintf(buf->p, buf->cap, "%lld", (long long)v->i);
	return n > 0 && rl_set_buf(v, buf, (size_t)n);
}

/*
 * Falco: true/false for open, openat, openat2 and open_by_handle_at, false
 * for every other event (creat included). No value where the flags are not
 * known: an openat2 whose struct open_how the sensor could not read.
 */
static bool is_open(const struct event *ev, int id, struct rl_value *out)
{
	const struct rl_sc_info *in = ev->kind == EV_SYSCALL ? rl_sc_info(ev->sc) : NULL;
	uint64_t flags, mode, acc;

	if (!in || in->open == RL_OPEN_NONE || in->open == RL_OPEN_CREAT)
		return rl_set_bool(out, false);
	if (!rl_sc_open_flags(ev, &flags, &mode))
		return false;
	acc = flags & O_ACCMODE;
	switch (id) {
	case E_IS_OPEN_READ:
		return rl_set_bool(out, acc == O_RDONLY || acc == O_RDWR);
	case E_IS_OPEN_WRITE:
		return rl_set_bool(out, acc == O_WRONLY || acc == O_RDWR);
	case E_IS_OPEN_EXEC:
		/* a file created with an execute bit */
		return rl_set_bool(out, ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) &&
					    (mode & 0111));
	default:
		/* Created: certain with O_CREAT|O_EXCL and success, impossible
		 * without O_CREAT; else the kernel side does not say. */
		if (!(flags & O_CREAT) && (flags & O_TMPFILE) != O_TMPFILE)
			return rl_set_bool(out, false);
		if ((flags & O_EXCL) || (flags & O_TMPFILE) == O_TMPFILE)
			return rl_set_bool(out, ev->res >= 0);
		return false;
	}
}

static const char *category(const struct event *ev)
{
	if (ev->kind != EV_SYSCALL || !ev->sc)
		return "process";
	switch (ev->sc->family) {
	case SCF_FILE: return "file";
	case SCF_FD: return "io";
	case SCF_NET: return "net";
	default: return "process";
	}
}

bool rl_x_evt(const struct rl_eval_ctx *c, const struct rl_field_ref *r, int anc,
	      struct rl_value *out, struct rl_buf *buf)
{
	const char *s;

	(void)anc;
	switch (r->def->id) {
	case E_TYPE: case E_SYSCALL_TYPE:
		return rl_set_str(out, rl_evttype_name(c->evt_type));
	case E_NUM:
		return rl_set_uint(out, c->evt_num);
	case E_TIME: case E_TIME_S: case E_DATETIME: case E_ISO8601:
		return fmt_time(c, r->def->id, out, buf);
	case E_RAWTIME:
		out->t = FT_ABSTIME;
		out->u = real_ns(c);
		return true;
	case E_DIR:
		return rl_set_str(out, "<");
	case E_RES:
		if (c->ev->kind == EV_SYSCALL) {
			s = rl_errno_name(c->ev->res, buf->p, buf->cap);
			return s == buf->p ? rl_set_buf(out, buf, strlen(s)) : rl_set_str(out, s);
		}
		return c->ev->kind != EV_EXIT && rl_set_str(out, "SUCCESS");
	case E_RAWRES:
		if (c->ev->kind == EV_SYSCALL)
			return rl_set_int(out, c->ev->res);
		return c->ev->kind != EV_EXIT && rl_set_int(out, 0);
	case E_FAILED:
		if (c->ev->kind == EV_SYSCALL)
			return rl_set_bool(out, c->ev->res < 0);
		return c->ev->kind != EV_EXIT && rl_set_bool(out, false);
	case E_IS_OPEN_READ: case E_IS_OPEN_WRITE: case E_IS_OPEN_EXEC: case E_IS_OPEN_CREATE:
		return is_open(c->ev, r->def->id, out);
	case E_IS_IO_URING:
		return c->ev->kind == EV_SYSCALL &&
		       rl_set_bool(out, !!(c->ev->hdr->flags & EV_F_IO_URING));
	case E_HOSTNAME:
		return rl_set_str(out, c->hostname);
	case E_SOURCE:
		return rl_set_str(out, c->ev->docker ? "docker" : c->ev->kind == EV_FLOW ? "flow" : "syscall");
	case E_CATEGORY:
		return rl_set_str(out, c->ev->kind == EV_FLOW ? "net" : category(c->ev));
	case E_ARGS:
		return all_args(c, out, buf, NULL);
	case E_ARG: case E_RAWARG: {
		const char *name = r->arg;
		const char *const *names = arg_names(c->ev);

		if (c->ev->kind == EV_SYSCALL)
			return rl_sc_arg(c, r->index >= 0 ? NULL : name, r->index,
					 r->def->id == E_RAWARG, out, buf);
		if (r->index >= 0) {
			size_t k = 0;

			if (!names)
				return false;
			while (names[k] && k < (size_t)r->index)
				k++;
			if (!names[k])
				return false;
			name = names[k];
		}
		if (!arg_value(c, name, out, buf))
			return false;
		/* evt.arg renders as text (Falco); evt.rawarg keeps numbers. */
		return r->def->id == E_RAWARG || num_to_text(out, buf);
	}
	}
	return false;
}
