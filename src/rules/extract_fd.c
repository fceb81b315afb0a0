/*
 * fd.* and fs.path.* extractors for syscall events. The fd of an event is
 * the one the syscall returned (open, creat, memfd_create, socket, accept)
 * or took as its first argument (connect, bind, sendto, dup, fchmod, close,
 * ...), described by what the kernel side resolved: the file's path from the
 * kernel's file object, or the socket (see extract_net.c). Where the kernel
 * side could not (a close: the fd is gone by sys_exit), the fd table's entry
 * (src/fd, ev->fd) describes it. A failed open
 * keeps the path the caller asked for and fd.num = -1, as in Falco.
 * Filesystem syscalls without an fd (unlink, rename, mkdir, chmod, link,
 * symlink) have fd.name = the path they act on, and no fd.num or fd.type.
 */
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "container/container.h"
#include "event/syscalls.h"
#include "fd/fd_table.h"
#include "rules/field_ids.h"

static void view(const struct event *ev, struct rl_fdview *f)
{
	static const struct rl_sc_info flow_info = { .path1_arg = -1, .path2_arg = -1 };
	const struct syscall_desc *sc = ev->sc;
	const struct rl_sc_info *in = rl_sc_info(sc);

	memset(f, 0, sizeof(*f));
	if (ev->kind == EV_FLOW) { /* a conversation: a socket with no fd number */
		f->in = &flow_info;
		if (rl_sock_view(ev, &f->sv))
			f->kind = FDK_SOCK;
		return;
	}
	f->in = in;
	if (!in || !ev->sc_args)
		return;
	if (ev->path_flags & EV_FD_FIXED) {
		/* an io_uring fixed-file slot: no fd, no path */
	} else if (sc->spec & SC_FD_RET) {
		f->has_num = true;
		f->num = ev->res >= 0 ? ev->res : -1;
	} else if (in->fd_arg0) {
		f->has_num = true;
		f->num = (int32_t)ev->sc_args[0];
	}
	if (rl_sock_view(ev, &f->sv)) {
		f->kind = FDK_SOCK;
	} else if (ev->fd_from_table && ev->fd) {
		/* The sensor could not resolve the fd (a close): the table's view. */
		switch (ev->fd->type) {
		case FD_T_FILE: f->kind = FDK_FILE; break;
		case FD_T_DIR: f->kind = FDK_DIR; break;
		case FD_T_MEMFD: f->kind = FDK_MEMFD; break;
		default:
			f->kind = FDK_TABLE;
			f->table_type = (enum fd_type)ev->fd->type;
			break;
		}
	} else if (in->memfd) {
		f->kind = FDK_MEMFD;
	} else if (in->open != RL_OPEN_NONE) {
		uint64_t flags, mode;

		f->kind = FDK_FILE;
		if (rl_sc_open_flags(ev, &flags, &mode) && (flags & O_DIRECTORY) &&
		    (flags & O_TMPFILE) != O_TMPFILE)
			f->kind = FDK_DIR;
	} else if (f->has_num && ev->path[0]) {
		f->kind = FDK_FILE;
	} else if (in->fdless_file) {
		f->kind = FDK_PATHONLY;
	}
}

/* The event's fd view: built by the first fd.* field an event asks for,
 * then shared by every other field and rule (c->memo). */
static const struct rl_fdview *fd_view(const struct rl_eval_ctx *c, struct rl_fdview *local)
{
	struct rl_evmemo *m = c->memo;

	if (!m) {
		view(c->ev, local);
		return local;
	}
	if (!m->fd_ready) {
		view(c->ev, &m->fd);
		m->fd_ready = true;
	}
	return &m->fd;
}

/* fd.name of a file or of the path a filesystem syscall acts on. */
static bool file_name(const struct rl_eval_ctx *c, const struct rl_fdview *f, struct rl_value *out,
		      struct rl_buf *buf)
{
	const struct event *ev = c->ev;

	switch (f->kind) {
	case FDK_FILE:
	case FDK_DIR:
		return ev->path[0] && rl_set_str(out, ev->path);
	case FDK_MEMFD:
		/* The kernel walk of a memfd reaches no name ("/"): unknown. */
		return !strncmp(ev->path, "/memfd:", 7) && rl_set_str(out, ev->path);
	case FDK_TABLE:
		return ev->path[0] && rl_set_str(out, ev->path); /* "pipe:[ino]" */
	case FDK_PATHONLY:
		/* symlink: path 1 is the link's text, path 2 the new file. */
		if (f->in->path1_text)
			return rl_sc_path2(c, out, buf);
		return ev->path[0] && rl_set_str(out, ev->path);
	default:
		return false;
	}
}

static bool name(const struct rl_eval_ctx *c, const struct rl_fdview *f, struct rl_value *out,
		 struct rl_buf *buf)
{
	size_t n;

	if (f->kind == FDK_SOCK) {
		n = rl_sock_name(&f->sv, buf->p, buf->cap);
		return n && rl_set_buf(out, buf, n);
	}
	return file_name(c, f, out, buf);
}

static const char *type_name(const struct rl_fdview *f, char *typechar)
{
	static const struct {
		char c;
		const char *name;
	} sock[] = {
		[RL_SK_NONE] = { 'o', "unknown" }, [RL_SK_IPV4] = { '4', "ipv4" },
		[RL_SK_IPV6] = { '6', "ipv6" }, [RL_SK_UNIX] = { 'u', "unix" },
		[RL_SK_NETLINK] = { 'n', "netlink" }, [RL_SK_OTHER] = { 'o', "unknown" },
	};

	switch (f->kind) {
	case FDK_FILE: *typechar = 'f'; return "file";
	case FDK_DIR: *typechar = 'd'; return "directory";
	case FDK_MEMFD: *typechar = 'm'; return "memfd";
	case FDK_TABLE:
		*typechar = fd_type_char(f->table_type);
		return fd_type_name(f->table_type);
	case FDK_SOCK:
		*typechar = sock[f->sv.kind].c;
		return sock[f->sv.kind].name;
	default:
		return NULL;
	}
}

static bool set_ip(struct rl_value *out, const struct rl_endpoint *ep, enum rl_ftype t)
{
	memset(out, 0, sizeof(*out));
	out->t = t;
	memcpy(out->ip, ep->ip, sizeof(out->ip));
	out->ip_len = ep->ip_len;
	out->prefix = (uint8_t)(ep->ip_len * 8);
	return true;
}

/* dirname / basename of a path value, into buf. */
/*
 * fd.directory and fd.filename, derived from fd.name as libsinsp does: the
 * directory of a file is its parent ("/" for a file at the top), of a
 * directory fd the directory itself; the file name is the last component
 * ("/" for the root) of a file the process holds an fd of, and has no value
 * for a directory, a memfd, a failed open, or a syscall without an fd of its
 * own (unlink, rename, ...), where libsinsp has no fd to name.
 */
static bool split(const struct rl_value *path, bool dir, struct rl_value *out, struct rl_buf *buf)
{
	const char *slash = memrchr(path->s, '/', path->len);
	size_t n;

	if (!slash)
		return false;
	if (dir) {
		n = (size_t)(slash - path->s);
		if (n == 0)
			n = 1; /* "/x" is in "/" */
		memmove(buf->p, path->s, n < buf->cap ? n : buf->cap - 1);
		return rl_set_buf(out, buf, n);
	}
	if ((size_t)(slash + 1 - path->s) == path->len)
		slash = path->s - 1; /* "/": the whole name */
	n = path->len - (size_t)(slash + 1 - path->s);
	memmove(buf->p, slash + 1, n < buf->cap ? n : buf->cap - 1);
	return rl_set_buf(out, buf, n);
}

static bool fd_directory(const struct rl_eval_ctx *c, const struct rl_fdview *f,
			 struct rl_value *out, struct rl_buf *buf)
{
	struct rl_value v;

	if (f->kind == FDK_SOCK || f->kind == FDK_MEMFD || !file_name(c, f, &v, buf))
		return false;
	if (f->kind == FDK_DIR) {
		*out = v;
		return true;
	}
	return split(&v, true, out, buf);
}

static bool fd_filename(const struct rl_eval_ctx *c, const struct rl_fdview *f,
			struct rl_value *out, struct rl_buf *buf)
{
	struct rl_value v;

	if (f->kind != FDK_FILE || !f->has_num || f->num < 0 || !file_name(c, f, &v, buf))
		return false;
	return split(&v, false, out, buf);
}

/* fs.path.source of a symlink: its target text, normalised as libsinsp
 * does when it is absolute ("/etc//shadow" is /etc/shadow); a relative one
 * stays as written (it is relative to the link, not to a directory known here). */
static bool symlink_source(const struct event *ev, struct rl_value *out, struct rl_buf *buf)
{
	if (!rl_set_raw_path1(ev, out, buf))
		return false;
	if (out->len == 0 || out->s[0] != '/' || out->s != buf->p || out->len >= buf->cap)
		return true;
	buf->p[out->len] = '\0';
	event_normalize_path(buf->p);
	return rl_set_buf(out, buf, strlen(buf->p));
}

static bool is_ip(const struct rl_fdview *f)
{
	return f->kind == FDK_SOCK && (f->sv.kind == RL_SK_IPV4 || f->sv.kind == RL_SK_IPV6);
}

/* The host name a rule gave for this address (see dns_names.c). */
static bool dns_name(struct rl_dns *dns, bool known, const struct rl_endpoint *ep,
		     struct rl_value *out)
{
	const char *n = known ? rl_dns_name_of(dns, ep->ip, ep->ip_len) : NULL;

	return n && rl_set_str(out, n);
}

static bool net_field(struct rl_dns *dns, const struct rl_fdview *f, int id, struct rl_value *out)
{
	const struct rl_sockview *s = &f->sv;
	const struct rl_endpoint *srv = s->server_local ? &s->local : &s->remote;
	const struct rl_endpoint *cli = s->server_local ? &s->remote : &s->local;
	bool srv_known = s->server_local || s->remote_known;
	bool cli_known = !s->server_local || s->remote_known;

	if (!is_ip(f))
		return false;
	switch (id) {
	/* fd.ip / fd.port / fd.net match either end in Falco; palisade
	 * compares the server end (the one a rule about destinations means). */
	case FD_IP: case FD_SIP:
		return srv_known && set_ip(out, srv, FT_IPADDR);
	case FD_NET: case FD_SNET:
		return srv_known && set_ip(out, srv, FT_IPNET);
	case FD_CIP:
		return cli_known && set_ip(out, cli, FT_IPADDR);
	case FD_CNET:
		return cli_known && set_ip(out, cli, FT_IPNET);
	case FD_LIP:
		return set_ip(out, &s->local, FT_IPADDR);
	case FD_LNET:
		return set_ip(out, &s->local, FT_IPNET);
	case FD_RIP:
		return s->remote_known && set_ip(out, &s->remote, FT_IPADDR);
	case FD_SIP_NAME:
		return dns_name(dns, srv_known, srv, out);
	case FD_CIP_NAME:
		return dns_name(dns, cli_known, cli, out);
	case FD_LIP_NAME:
		return dns_name(dns, true, &s->local, out);
	case FD_RIP_NAME:
		return dns_name(dns, s->remote_known, &s->remote, out);
	case FD_RNET:
		return s->remote_known && set_ip(out, &s->remote, FT_IPNET);
	case FD_PORT: case FD_SPORT:
		return srv_known && rl_set_uint(out, srv->port);
	case FD_CPORT:
		return cli_known && rl_set_uint(out, cli->port);
	case FD_LPORT:
		return rl_set_uint(out, s->local.port);
	case FD_RPORT:
		return s->remote_known && rl_set_uint(out, s->remote.port);
	case FD_IS_SERVER:
		return rl_set_bool(out, s->server_local);
	case FD_L4PROTO:
		if (s->type == SOCK_RAW)
			return rl_set_str(out, "raw");
		switch (s->protocol) {
		case IPPROTO_TCP: return rl_set_str(out, "tcp");
		case IPPROTO_UDP: return rl_set_str(out, "udp");
		case IPPROTO_ICMP: case IPPROTO_ICMPV6: return rl_set_str(out, "icmp");
		default: return false;
		}
	}
	return false;
}

bool rl_x_fd(const struct rl_eval_ctx *c, const struct rl_field_ref *r, int anc,
	     struct rl_value *out, struct rl_buf *buf)
{
	const struct event *ev = c->ev;
	const struct container_info *ci = ev->container;
	const struct rl_fdview *f;
	struct rl_fdview local;
	struct rl_value v;
	const char *s;
	char tc = 0;
	int id = r->def->id, w;

	(void)anc;
	if ((ev->kind != EV_SYSCALL || !ev->sc) && ev->kind != EV_FLOW)
		return false;
	f = fd_view(c, &local);
	if (!f->in)
		return false;
	switch (id) {
	case FD_NUM:
		return f->has_num && rl_set_int(out, f->num);
	case FD_TYPE:
		s = type_name(f, &tc);
		return s && rl_set_str(out, s);
	case FD_TYPECHAR:
		if (!type_name(f, &tc))
			return false;
		buf->p[0] = tc;
		return rl_set_buf(out, buf, 1);
	case FD_NAME:
		return name(c, f, out, buf);
	case FD_NAMERAW:
		if (f->kind == FDK_SOCK)
			return name(c, f, out, buf);
		if (f->kind == FDK_NONE || f->kind == FDK_MEMFD || f->kind == FDK_TABLE ||
		    f->in->path1_text)
			return false;
		/* What the caller passed; a path the kernel resolved from the
		 * opened file does not keep it. */
		return rl_set_raw_path1(ev, out, buf);
	case FD_DIRECTORY:
		return fd_directory(c, f, out, buf);
	case FD_FILENAME:
		return fd_filename(c, f, out, buf);
	case FD_CONTAINERNAME:
	case FD_CONTAINERDIR: {
		char idbuf[16];

		if (id == FD_CONTAINERDIR ? !fd_directory(c, f, &v, buf)
		    : f->kind == FDK_SOCK ? !name(c, f, &v, buf) : !file_name(c, f, &v, buf))
			return false;
		snprintf(idbuf, sizeof(idbuf), "%.12s", ci ? ci->id : "host");
		/* v may live in buf: build behind it, then move to the front. */
		if (v.s == buf->p) {
			w = snprintf(buf->p + v.len + 1, buf->cap - v.len - 1, "%s:%.*s", idbuf,
				     (int)v.len, v.s);
			if (w <= 0 || (size_t)w >= buf->cap - v.len - 1)
				return false;
			memmove(buf->p, buf->p + v.len + 1, (size_t)w);
		} else {
			w = snprintf(buf->p, buf->cap, "%s:%.*s", idbuf, (int)v.len, v.s);
			if (w <= 0 || (size_t)w >= buf->cap)
				return false;
		}
		return rl_set_buf(out, buf, (size_t)w);
	}
	case FD_NAME_CHANGED:
		if (f->kind != FDK_SOCK)
			return false;
		/* No fd table: a connect, or a send to an address the caller
		 * named, gives the socket its (new) peer. */
		return rl_set_bool(out, f->in->is_connect || (f->in->sends && f->sv.addr_from_call));
	case FD_CONNECTED:
		return (is_ip(f) || (f->kind == FDK_SOCK && f->sv.kind == RL_SK_UNIX)) &&
		       rl_set_bool(out, f->sv.connected);
	case FD_SOCKFAMILY:
		if (is_ip(f))
			return rl_set_str(out, "ip");
		return f->kind == FDK_SOCK && f->sv.kind == RL_SK_UNIX && rl_set_str(out, "unix");
	case FS_PATH_NAME:
		if (f->in->path2_arg >= 0 || ev->sc->family != SCF_FILE || f->kind == FDK_SOCK ||
		    f->kind == FDK_MEMFD)
			return false;
		return ev->path[0] && rl_set_str(out, ev->path);
	case FS_PATH_SOURCE:
		if (f->in->path2_arg < 0 || ev->sc->family != SCF_FILE)
			return false;
		if (f->in->path1_text)
			return symlink_source(ev, out, buf);
		return ev->path[0] && rl_set_str(out, ev->path);
	case FS_PATH_TARGET:
		if (f->in->path2_arg < 0 || ev->sc->family != SCF_FILE)
			return false;
		return rl_sc_path2(c, out, buf);
	default:
		return net_field(c->dns, f, id, out);
	}
}
