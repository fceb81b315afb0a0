/*
 * The pre-filter's socket classes (docs/prefilter.md). socket, connect,
 * accept and accept4 have no path: each class of theirs (host or not, as for
 * opens; IPv4 loopback or not) is kept or dropped whole. The loopback class:
 * connect, accept and accept4 on an IPv4 socket whose local and remote addresses, and the
 * address the caller passed if any, are all in 127.0.0.0/8. On that domain
 * every fd.* address field (fd.ip, fd.sip, fd.cip, fd.lip, fd.rip and their
 * .net forms; src/rules/extract_fd.c takes them from those same addresses)
 * is some IPv4 address of 127.0.0.0/8: a comparison with a literal network
 * that contains all of 127.0.0.0/8 is true, one with a network disjoint from
 * it (or an IPv6 one: the engine never matches across families) is false.
 * Falco's inbound/outbound macros exclude 127.0.0.0/8 this way, so most
 * network rules cannot match loopback traffic, and the kernel drops it.
 * IPv6 loopback (::1) is not in the class: Falco's macros do not exclude it.
 */
#include <string.h>

#include "event/syscalls.h"
#include "rules/field_ids.h"
#include "rules/prefilter_net.h"

#define AF_INET_NR 2

bool pf_loopback_type(const struct syscall_desc *sc)
{
	return sc->fd == FDE_CONNECT || sc->fd == FDE_ACCEPT;
}

bool pf_net_type(const struct syscall_desc *sc)
{
	return sc->fd == FDE_SOCKET || sc->fd == FDE_CONNECT || sc->fd == FDE_ACCEPT;
}

static bool is_addr_field(const struct rl_field_def *def)
{
	if (def->extract != rl_x_fd)
		return false;
	switch (def->id) {
	case FD_IP: case FD_CIP: case FD_SIP: case FD_LIP: case FD_RIP:
	case FD_NET: case FD_CNET: case FD_SNET: case FD_LNET: case FD_RNET:
		return true;
	default:
		return false;
	}
}

/* An address of 127.0.0.0/8 in the literal network n: 1 always, 0 never,
 * -1 for some addresses only. */
static int loopback_in(const struct rl_value *n)
{
	unsigned bits = n->prefix > 8 ? 8 : n->prefix;
	uint8_t mask = (uint8_t)(0xff << (8 - bits));

	if (n->ip_len != 4)
		return 0;
	if (bits && (n->ip[0] & mask) != (127 & mask))
		return 0;
	return n->prefix <= 8 ? 1 : -1;
}

int pf_loopback_cmp(const struct rl_ccmp *cmp)
{
	int r, any;

	if (!is_addr_field(cmp->lhs.ref.def) || cmp->lhs.n_tr || cmp->rhs)
		return -1;
	switch (cmp->op) {
	case OP_EQ:
		return loopback_in(&cmp->val);
	case OP_NE:
		r = loopback_in(&cmp->val);
		return r < 0 ? -1 : !r;
	case OP_IN:
	case OP_INTERSECTS:
		if (cmp->set || !cmp->vals)
			return -1;
		any = 0;
		for (size_t i = 0; i < cmp->n_vals; i++) {
			r = loopback_in(&cmp->vals[i]);
			if (r == 1)
				return 1;
			if (r < 0)
				any = -1;
		}
		return any;
	default:
		return -1;
	}
}

static bool loopback4(const uint8_t *a)
{
	return a[0] == 127;
}

bool pf_sock_loopback(const struct ev_syscall *e)
{
	uint16_t family;

	if (e->sock.family != AF_INET_NR || !loopback4(e->sock.laddr) ||
	    !loopback4(e->sock.raddr))
		return false;
	if (!e->uaddr_len)
		return true;
	memcpy(&family, e->uaddr, sizeof(family));
	/* struct sockaddr_in: family, port, then the address at byte 4. */
	return e->uaddr_len >= 8 && family == AF_INET_NR && loopback4(e->uaddr + 4);
}
