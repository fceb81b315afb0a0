/*
 * The socket behind a syscall event, as the fd.* network fields see it:
 * local and remote ends from the kernel's struct sock (ev->sock), the
 * caller's sockaddr where the kernel has no peer yet (a failed connect, an
 * unconnected UDP sendto, a bind that failed), and which end is the server:
 * the local one for accept/listen/bind, the remote one for connect/sendto,
 * for a socket passed to dup, close, ... what the fd table saw it do (connect
 * or accept/bind/listen), else the end with the lower port. IPv4-mapped IPv6 sockets count as IPv4, as in Falco.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "event/syscalls.h"
#include "fd/fd_table.h"
#include "rules/field_ids.h"

#define SOCKADDR_IN_LEN 8   /* family, port, IPv4 address */
#define SOCKADDR_IN6_LEN 24 /* family, port, flowinfo, IPv6 address */

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static bool v4_mapped(const uint8_t a[16])
{
	static const uint8_t prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return !memcmp(a, prefix, sizeof(prefix));
}

static void set_v4(struct rl_endpoint *ep, const uint8_t *a4, uint16_t port)
{
	memset(ep, 0, sizeof(*ep));
	memcpy(ep->ip, a4, 4);
	ep->ip_len = 4;
	ep->port = port;
}

static void set_v6(struct rl_endpoint *ep, const uint8_t *a16, uint16_t port)
{
	memset(ep, 0, sizeof(*ep));
	memcpy(ep->ip, a16, 16);
	ep->ip_len = 16;
	ep->port = port;
}

int rl_parse_sockaddr(const uint8_t *sa, size_t len, struct rl_endpoint *ep, const char **path,
		      size_t *path_len)
{
	uint16_t family, port;

	if (!sa || len < 2)
		return 0;
	memcpy(&family, sa, 2);
	switch (family) {
	case AF_INET:
		if (len < SOCKADDR_IN_LEN || !ep)
			return 0;
		port = (uint16_t)(sa[2] << 8 | sa[3]);
		set_v4(ep, sa + 4, port);
		return AF_INET;
	case AF_INET6:
		if (len < SOCKADDR_IN6_LEN || !ep)
			return 0;
		port = (uint16_t)(sa[2] << 8 | sa[3]);
		if (v4_mapped(sa + 8))
			set_v4(ep, sa + 8 + 12, port);
		else
			set_v6(ep, sa + 8, port);
		return AF_INET6;
	case AF_UNIX: {
		const char *p = (const char *)sa + 2;
		size_t n = len - 2;
		const char *nul;

		if (!path || !n)
			return 0;
		/* A path is complete when its NUL was captured, an abstract
		 * name (leading NUL) when the whole sockaddr fitted. */
		if (p[0]) {
			nul = memchr(p, '\0', n);
			if (!nul)
				return 0;
			n = (size_t)(nul - p);
		} else if (len >= sizeof(((struct ev_syscall *)0)->uaddr)) {
			return 0;
		}
		*path = p;
		*path_len = n;
		return AF_UNIX;
	}
	default:
		return 0;
	}
}

size_t rl_endpoint_text(const struct rl_endpoint *ep, char *p, size_t cap)
{
	char ip[INET6_ADDRSTRLEN];
	int w;

	if (!inet_ntop(ep->ip_len == 4 ? AF_INET : AF_INET6, ep->ip, ip, sizeof(ip)))
		return 0;
	w = snprintf(p, cap, "%s:%u", ip, ep->port);
	return w > 0 && (size_t)w < cap ? (size_t)w : 0;
}

/* A flow event's conversation, as a connected socket of the container's. */
static bool flow_view(const struct ev_flow *f, struct rl_sockview *v)
{
	v->kind = f->family == 4 ? RL_SK_IPV4 : RL_SK_IPV6;
	v->family = f->family == 4 ? AF_INET : AF_INET6;
	v->type = f->proto == IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM;
	v->protocol = f->proto;
	if (f->family == 4) {
		set_v4(&v->local, f->local, f->lport);
		set_v4(&v->remote, f->remote, f->rport);
	} else {
		set_v6(&v->local, f->local, f->lport);
		set_v6(&v->remote, f->remote, f->rport);
	}
	v->remote_known = v->connected = true;
	v->server_local = !f->egress;
	return true;
}

bool rl_sock_view(const struct event *ev, struct rl_sockview *v)
{
	const struct ev_sock *s = ev->sock;
	const struct rl_sc_info *in;
	struct rl_endpoint call;
	const char *path = NULL;
	size_t plen = 0;
	int call_af = 0;

	memset(v, 0, sizeof(*v));
	if (ev->kind == EV_FLOW && ev->flow)
		return flow_view(ev->flow, v);
	if (ev->kind != EV_SYSCALL || !s || !s->family || !ev->sc)
		return false;
	in = rl_sc_info(ev->sc);
	if (!in)
		return false;
	v->family = s->family;
	v->type = s->type;
	v->protocol = s->protocol;
	if (ev->uaddr && ev->uaddr_len)
		call_af = rl_parse_sockaddr(ev->uaddr, ev->uaddr_len, &call, &path, &plen);
	switch (s->family) {
	case AF_INET:
		v->kind = RL_SK_IPV4;
		set_v4(&v->local, s->laddr, s->lport);
		set_v4(&v->remote, s->raddr, s->rport);
		break;
	case AF_INET6: {
		bool lz = all_zero(s->laddr, 16), rz = all_zero(s->raddr, 16);
		bool lm = v4_mapped(s->laddr), rm = v4_mapped(s->raddr);

		if ((lm || rm) && (lm || lz) && (rm || rz)) {
			v->kind = RL_SK_IPV4;
			set_v4(&v->local, s->laddr + 12, s->lport);
			set_v4(&v->remote, s->raddr + 12, s->rport);
		} else {
			v->kind = RL_SK_IPV6;
			set_v6(&v->local, s->laddr, s->lport);
			set_v6(&v->remote, s->raddr, s->rport);
		}
		break;
	}
	case AF_UNIX:
		v->kind = RL_SK_UNIX;
		if (call_af == AF_UNIX) {
			v->path = path;
			v->path_len = plen;
		}
		break;
	case AF_NETLINK:
		v->kind = RL_SK_NETLINK;
		break;
	default:
		v->kind = RL_SK_OTHER;
		break;
	}
	if (v->kind == RL_SK_IPV4 || v->kind == RL_SK_IPV6) {
		v->connected = s->rport != 0;
		v->remote_known = s->rport != 0 || !all_zero(v->remote.ip, v->remote.ip_len);
		/* Where the kernel has no peer, the caller said where to. */
		if (!v->connected && (in->is_connect || in->sends) &&
		    (call_af == AF_INET || call_af == AF_INET6)) {
			if (call.ip_len == 4 && v->kind == RL_SK_IPV6 && all_zero(v->local.ip, 16)) {
				uint8_t any[4] = { 0 };

				v->kind = RL_SK_IPV4; /* v4-mapped target, unbound v6 socket */
				set_v4(&v->local, any, v->local.port);
				set_v4(&v->remote, any, 0);
			}
			if (call.ip_len == v->remote.ip_len) {
				v->remote = call;
				v->remote_known = true;
				v->addr_from_call = true;
			}
		}
		if (in->is_bind && !v->local.port && (call_af == AF_INET || call_af == AF_INET6) &&
		    call.ip_len == v->local.ip_len)
			v->local = call;
	}
	/* A unix socket the caller did not name here: the path the table knows. */
	if (v->kind == RL_SK_UNIX && !v->path && ev->fd && fd_entry_name(ev->fd)[0]) {
		v->path = fd_entry_name(ev->fd);
		v->path_len = strlen(v->path);
	}
	switch (in->role) {
	case RL_ROLE_SERVER:
		v->server_local = true;
		break;
	case RL_ROLE_CLIENT:
		v->server_local = false;
		break;
	default:
		/* The fd table remembers whether this socket was connected or
		 * accepted/bound; without it, the end with the lower port. */
		if (ev->fd && ev->fd->role != FD_ROLE_UNKNOWN)
			v->server_local = ev->fd->role == FD_ROLE_SERVER;
		else
			v->server_local = !v->remote_known || v->local.port < v->remote.port;
		break;
	}
	return true;
}

size_t rl_sock_name(const struct rl_sockview *v, char *p, size_t cap)
{
	const struct rl_endpoint *cl = v->server_local ? &v->remote : &v->local;
	const struct rl_endpoint *sv = v->server_local ? &v->local : &v->remote;
	size_t n, m;

	if (!cap)
		return 0;
	p[0] = '\0';
	switch (v->kind) {
	case RL_SK_IPV4:
	case RL_SK_IPV6:
		if (!v->remote_known) /* listening or unbound: the local end */
			return v->local.port ? rl_endpoint_text(&v->local, p, cap) : 0;
		n = rl_endpoint_text(cl, p, cap);
		if (!n || n + 2 >= cap)
			return 0;
		memcpy(p + n, "->", 2);
		m = rl_endpoint_text(sv, p + n + 2, cap - n - 2);
		return m ? n + 2 + m : 0;
	case RL_SK_UNIX:
		if (!v->path || !v->path_len || v->path_len + 1 >= cap)
			return 0;
		if (v->path[0]) {
			memcpy(p, v->path, v->path_len);
			n = v->path_len;
		} else { /* abstract name */
			p[0] = '@';
			memcpy(p + 1, v->path + 1, v->path_len - 1);
			n = v->path_len;
		}
		p[n] = '\0';
		return n;
	default:
		return 0;
	}
}
