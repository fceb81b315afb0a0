/* The raw event stream's JSON: one object per event (docs/events.md). */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "container/container.h"
#include "event/syscalls.h"
#include "fd/fd_table.h"
#include "output/event_json.h"
#include "proc/proc.h"


static void write_args(struct jw *w, const char *key, const char *args, uint32_t len)
{
	uint32_t i = 0;

	jw_array_begin(w, key);
	while (i < len) {
		size_t n = strnlen(args + i, len - i);

		jw_strn(w, NULL, args + i, n);
		i += (uint32_t)n + 1;
	}
	jw_array_end(w);
}

static void write_cmdline(struct jw *w, const char *key, const char *args, uint32_t len)
{
	char line[EV_ARGS_MAX + 1];

	event_cmdline(args, len, line, sizeof(line));
	jw_str(w, key, line);
}

static void write_ancestors(struct jw *w, const struct event *ev)
{
	unsigned n;

	jw_array_begin(w, "parents");
	for (n = 1; ev->procs && n <= PROC_ANCESTORS_MAX; n++) {
		const struct proc_entry *a = proc_table_ancestor(ev->procs, ev->proc, n);

		if (!a)
			break;
		jw_object_begin(w, NULL);
		jw_u64(w, "pid", a->pid);
		jw_str(w, "name", a->comm);
		jw_str(w, "exe", a->exe);
		write_cmdline(w, "cmdline", a->args, a->args_len);
		jw_object_end(w);
	}
	jw_array_end(w);
}

static void write_container(struct jw *w, const struct container_info *c)
{
	size_t i;

	jw_object_begin(w, "container");
	if (!c) {
		jw_str(w, "id", "host");
		jw_object_end(w);
		return;
	}
	jw_str(w, "id", c->id);
	jw_str(w, "runtime", container_runtime_name(c->runtime));
	if (c->has_metadata) {
		jw_str(w, "name", c->name);
		jw_str(w, "image", c->image);
		jw_str(w, "image_id", c->image_id);
		jw_bool(w, "privileged", c->privileged);
		jw_object_begin(w, "labels");
		for (i = 0; i < c->n_labels; i++)
			jw_str(w, c->labels[i].key, c->labels[i].value);
		jw_object_end(w);
	}
	jw_object_end(w);
}

static void write_process(struct jw *w, const struct event *ev)
{
	const struct ev_header *h = ev->hdr;
	const struct proc_entry *p = ev->proc;

	jw_object_begin(w, "proc");
	jw_u64(w, "pid", h->pid);
	jw_u64(w, "tid", h->tid);
	jw_u64(w, "ppid", h->ppid);
	jw_u64(w, "vpid", h->vpid);
	jw_strn(w, "name", h->comm, strnlen(h->comm, sizeof(h->comm)));
	if (p) {
		jw_str(w, "exe", p->exe);
		write_cmdline(w, "cmdline", p->args, p->args_len);
		write_args(w, "args", p->args, p->args_len);
		jw_bool(w, "args_truncated", p->args_truncated);
		jw_str(w, "cwd", p->cwd);
		if (p->exe_info.flags & EV_EXE_INFO)
			jw_u64(w, "exe_ino", p->exe_info.ino);
		if (p->exe_info.flags & EV_EXE_LAYER_KNOWN)
			jw_bool(w, "exe_upper_layer", p->exe_info.flags & EV_EXE_UPPER_LAYER);
		/* Group and session, named as the rule fields (sid: the process's
		 * own pid namespace, as Falco's proc.sid); the environment stays
		 * out (it holds secrets). */
		if (p->pgrp_known) {
			jw_u64(w, "pgid", p->pgrp.pgid);
			jw_u64(w, "vpgid", p->pgrp.vpgid);
			jw_u64(w, "sid", p->pgrp.vsid);
			jw_u64(w, "host_sid", p->pgrp.sid);
		}
	}
	jw_u64(w, "uid", h->uid);
	jw_u64(w, "gid", h->gid);
	jw_u64(w, "euid", h->euid);
	jw_u64(w, "egid", h->egid);
	jw_i64(w, "loginuid", (int32_t)h->loginuid);
	jw_u64(w, "sessionid", h->sessionid);
	jw_u64(w, "tty", h->tty);
	jw_u64(w, "mnt_ns", h->mnt_ns);
	jw_u64(w, "pid_ns", h->pid_ns);
	jw_u64(w, "start_ns", h->start_ns);
	/* Capability sets as bit masks, the /proc/PID/status form. */
	jw_u64(w, "cap_effective", h->cap_effective);
	jw_u64(w, "cap_permitted", h->cap_permitted);
	jw_u64(w, "cap_inheritable", h->cap_inheritable);
	jw_object_end(w);
}

static void write_addr(struct jw *w, const char *key, uint16_t family, const uint8_t *addr)
{
	char text[INET6_ADDRSTRLEN];

	if (!inet_ntop(family, addr, text, sizeof(text)))
		text[0] = '\0';
	jw_str(w, key, text);
}

static const char *sock_type_name(uint16_t type)
{
	switch (type) {
	case SOCK_STREAM: return "stream";
	case SOCK_DGRAM: return "dgram";
	case SOCK_RAW: return "raw";
	case SOCK_SEQPACKET: return "seqpacket";
	default: return "other";
	}
}

/* The socket the kernel holds behind the syscall's fd. */
static void write_sock(struct jw *w, const struct ev_sock *so)
{
	jw_object_begin(w, "sock");
	jw_str(w, "family", so->family == AF_INET ? "ipv4" : so->family == AF_INET6 ? "ipv6" :
			    so->family == AF_UNIX ? "unix" : "other");
	jw_str(w, "type", sock_type_name(so->type));
	jw_u64(w, "protocol", so->protocol);
	if (so->family == AF_INET || so->family == AF_INET6) {
		write_addr(w, "local_ip", so->family, so->laddr);
		jw_u64(w, "local_port", so->lport);
		write_addr(w, "remote_ip", so->family, so->raddr);
		jw_u64(w, "remote_port", so->rport);
	}
	jw_object_end(w);
}

/* The sockaddr the caller passed (connect, bind, sendto). */
static void write_user_addr(struct jw *w, const uint8_t *a, uint16_t len)
{
	uint16_t family;

	if (len < 2)
		return;
	memcpy(&family, a, 2);
	jw_object_begin(w, "addr");
	if (family == AF_INET && len >= 8) {
		jw_str(w, "family", "ipv4");
		write_addr(w, "ip", AF_INET, a + 4);
		jw_u64(w, "port", (uint16_t)(a[2] << 8 | a[3]));
	} else if (family == AF_INET6 && len >= 24) {
		jw_str(w, "family", "ipv6");
		write_addr(w, "ip", AF_INET6, a + 8);
		jw_u64(w, "port", (uint16_t)(a[2] << 8 | a[3]));
	} else if (family == AF_UNIX) {
		jw_str(w, "family", "unix");
		jw_strn(w, "path", (const char *)a + 2, strnlen((const char *)a + 2, len - 2u));
	} else {
		jw_u64(w, "family", family);
	}
	jw_object_end(w);
}

static void write_syscall(struct jw *w, const struct event *ev)
{
	const struct ev_syscall *rec = (const struct ev_syscall *)(const void *)ev->hdr;
	const char *err;
	int i;

	jw_i64(w, "res", ev->res);
	/* Errors are -4095..-1; a recording may hold anything (INT64_MIN has no negation). */
	if (ev->res < 0 && ev->res > -4096 && (err = strerrorname_np((int)-ev->res)))
		jw_str(w, "error", err);
	jw_object_begin(w, "args");
	for (i = 0; i < 6; i++)
		if (ev->sc->args[i].name)
			jw_u64(w, ev->sc->args[i].name, ev->sc_args[i]);
	jw_object_end(w);
	if (ev->path[0])
		jw_str(w, "path", ev->path);
	if (ev->path2[0])
		jw_str(w, "path2", ev->path2);
	if (rec->path_flags & EV_PATH2_RAW1)
		jw_strn(w, "path_raw", (const char *)(rec + 1) + rec->path_len,
			strnlen((const char *)(rec + 1) + rec->path_len, rec->path2_len));
	if (ev->sock && ev->sock->family)
		write_sock(w, ev->sock);
	if (SC_ARG_FIELD(ev->sc->spec, SC_FDS_ARG_SHIFT) && ev->uaddr_len == 8) {
		int32_t fds[2];

		memcpy(fds, ev->uaddr, sizeof(fds));
		jw_array_begin(w, "fds");
		jw_i64(w, NULL, fds[0]);
		jw_i64(w, NULL, fds[1]);
		jw_array_end(w);
	} else if (ev->uaddr_len) {
		write_user_addr(w, ev->uaddr, ev->uaddr_len);
	}
	/* What the fd table knows of the fd the event is about. */
	if (ev->fd) {
		jw_object_begin(w, "fd");
		jw_i64(w, "num", ev->fd->num);
		jw_str(w, "type", fd_type_name((enum fd_type)ev->fd->type));
		if (fd_entry_name(ev->fd)[0])
			jw_str(w, "name", fd_entry_name(ev->fd));
		jw_bool(w, "cloexec", ev->fd->cloexec);
		jw_bool(w, "from_table", ev->fd_from_table);
		jw_object_end(w);
	}
}

void event_to_json(struct jw *w, const struct event *ev, uint64_t boot_to_epoch_ns)
{
	const struct ev_header *h = ev->hdr;
	size_t i;

	jw_reset(w);
	jw_object_begin(w, NULL);
	jw_time(w, "time", h->ts_ns + boot_to_epoch_ns);
	jw_str(w, "type", event_type_name(ev));
	write_process(w, ev);
	switch (ev->kind) {
	case EV_FORK:
		jw_u64(w, "parent_tid", ev->parent_tid);
		jw_array_begin(w, "clone_flags");
		for (i = 0; i < sc_clone_names.n; i++)
			if (ev->clone_flags & sc_clone_names.v[i].bit)
				jw_str(w, NULL, sc_clone_names.v[i].name);
		jw_array_end(w);
		break;
	case EV_SYSCALL:
		write_syscall(w, ev);
		break;
	case EV_EXIT:
		jw_u64(w, "exit_status", ev->exit_code);
		if (ev->exit_code & 0x7f) {
			jw_u64(w, "signal", ev->exit_code & 0x7f);
			jw_bool(w, "core_dumped", !!(ev->exit_code & 0x80));
		} else {
			jw_u64(w, "exit_code", (ev->exit_code >> 8) & 0xff);
		}
		break;
	default:
		break;
	}
	write_ancestors(w, ev);
	write_container(w, ev->container);
	jw_u64(w, "cgroup_id", h->cgroup_id);
	if (h->flags & EV_F_KILLED)
		jw_bool(w, "killed_at_exec", true);
	if (h->flags & EV_F_IO_URING)
		jw_bool(w, "io_uring", true);
	if (h->flags & (EV_F_EXE_TRUNC | EV_F_ARGS_TRUNC | EV_F_CWD_TRUNC | EV_F_READ_FAIL |
			EV_F_ENV_TRUNC)) {
		jw_array_begin(w, "incomplete");
		if (h->flags & EV_F_EXE_TRUNC)
			jw_str(w, NULL, ev->kind == EV_SYSCALL ? "path_truncated" : "exe_truncated");
		if (h->flags & EV_F_ARGS_TRUNC)
			jw_str(w, NULL, "args_truncated");
		if (h->flags & EV_F_CWD_TRUNC)
			jw_str(w, NULL, "cwd_truncated");
		if (h->flags & EV_F_ENV_TRUNC)
			jw_str(w, NULL, "env_truncated");
		if (h->flags & EV_F_READ_FAIL)
			jw_str(w, NULL, "read_failed");
		jw_array_end(w);
	}
	jw_object_end(w);
}
