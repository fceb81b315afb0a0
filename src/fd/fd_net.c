/*
 * Parses /proc/net/{tcp,tcp6,udp,udp6,unix}. The kernel prints an IPv4
 * address as the %08X of its network-order 32-bit word (IPv6: four such
 * words), so copying each parsed word back in host order restores the
 * bytes. Only read at start-up, for the fd snapshot.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd/fd_net.h"

#define TCP_LISTEN_STATE 0x0A
#define UNIX_ACCEPTCON 0x10000 /* __SO_ACCEPTCON: a listening unix socket */
#define NET_FILE_MAX (8u << 20) /* a namespace with more sockets is cut */

struct fd_net {
	struct fd_net_sock *v;
	size_t n, cap;
};

struct fd_net_cache {
	struct ns_entry {
		uint64_t ns_ino;
		struct fd_net *net;
	} *v;
	size_t n, cap;
};

struct fd_net *fd_net_new(void)
{
	return calloc(1, sizeof(struct fd_net));
}

void fd_net_free(struct fd_net *n)
{
	if (!n)
		return;
	free(n->v);
	free(n);
}

size_t fd_net_count(const struct fd_net *n)
{
	return n ? n->n : 0;
}

static struct fd_net_sock *add(struct fd_net *n)
{
	if (n->n == n->cap) {
		size_t cap = n->cap ? n->cap * 2 : 64;
		struct fd_net_sock *g = realloc(n->v, cap * sizeof(*g));

		if (!g)
			return NULL;
		n->v = g;
		n->cap = cap;
	}
	memset(&n->v[n->n], 0, sizeof(n->v[0]));
	return &n->v[n->n++];
}

/* "0100007F" -> 127.0.0.1 (words: 1 for IPv4, 4 for IPv6). */
static bool parse_addr(const char *hex, size_t len, unsigned words, uint8_t *out)
{
	char word[9];

	if (len != words * 8)
		return false;
	for (unsigned w = 0; w < words; w++) {
		char *end;
		uint32_t v;

		memcpy(word, hex + w * 8, 8);
		word[8] = '\0';
		v = (uint32_t)strtoul(word, &end, 16);
		if (*end)
			return false;
		memcpy(out + w * 4, &v, 4);
	}
	return true;
}

/* The next line of text, NUL-terminated into line; NULL at the end. */
static const char *next_line(const char *p, char *line, size_t cap)
{
	size_t n;

	if (!*p)
		return NULL;
	n = strcspn(p, "\n");
	if (n >= cap)
		n = cap - 1; /* longer than any valid line: parsed as far as it goes */
	memcpy(line, p, n);
	line[n] = '\0';
	p += strcspn(p, "\n");
	return *p ? p + 1 : p;
}

int fd_net_parse_inet(struct fd_net *n, const char *text, int family, int protocol)
{
	unsigned words = family == AF_INET6 ? 4 : 1;
	char line[512], la[40], ra[40];
	const char *p = next_line(text, line, sizeof(line)); /* header */
	int bad = 0;

	while (p && (p = next_line(p, line, sizeof(line)))) {
		unsigned lport, rport, state;
		unsigned long long inode;
		struct fd_net_sock *s;

		if (!line[0])
			continue;
		if (sscanf(line, " %*u: %39[0-9A-Fa-f]:%x %39[0-9A-Fa-f]:%x %x %*s %*s %*s %*u %*u %llu",
			   la, &lport, ra, &rport, &state, &inode) != 6 ||
		    lport > 0xffff || rport > 0xffff) {
			bad++;
			continue;
		}
		s = add(n);
		if (!s)
			return -ENOMEM;
		if (!parse_addr(la, strlen(la), words, s->sock.laddr) ||
		    !parse_addr(ra, strlen(ra), words, s->sock.raddr)) {
			n->n--;
			bad++;
			continue;
		}
		s->inode = inode;
		s->sock.family = (uint16_t)family;
		s->sock.type = protocol == IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM;
		s->sock.protocol = (uint16_t)protocol;
		s->sock.lport = (uint16_t)lport;
		s->sock.rport = (uint16_t)rport;
		s->listening = protocol == IPPROTO_TCP && state == TCP_LISTEN_STATE;
	}
	return -bad;
}

int fd_net_parse_unix(struct fd_net *n, const char *text)
{
	char line[512], path[FD_NET_PATH_MAX];
	const char *p = next_line(text, line, sizeof(line)); /* header */
	int bad = 0;

	while (p && (p = next_line(p, line, sizeof(line)))) {
		unsigned flags, type, state;
		unsigned long long inode;
		struct fd_net_sock *s;
		int k;

		if (!line[0])
			continue;
		path[0] = '\0';
		k = sscanf(line, "%*x: %*x %*x %x %x %x %llu %107s", &flags, &type, &state, &inode,
			   path);
		if (k < 4) {
			bad++;
			continue;
		}
		s = add(n);
		if (!s)
			return -ENOMEM;
		s->inode = inode;
		s->sock.family = AF_UNIX;
		s->sock.type = (uint16_t)type;
		s->listening = flags & UNIX_ACCEPTCON;
		memcpy(s->path, path, sizeof(s->path));
	}
	return -bad;
}

static int by_inode(const void *a, const void *b)
{
	const struct fd_net_sock *x = a, *y = b;

	return x->inode < y->inode ? -1 : x->inode > y->inode;
}

void fd_net_index(struct fd_net *n)
{
	if (n->n)
		qsort(n->v, n->n, sizeof(*n->v), by_inode);
}

const struct fd_net_sock *fd_net_find(const struct fd_net *n, uint64_t inode)
{
	struct fd_net_sock key = { .inode = inode };

	if (!n || !n->n)
		return NULL;
	return bsearch(&key, n->v, n->n, sizeof(*n->v), by_inode);
}

struct fd_net_cache *fd_net_cache_new(void)
{
	return calloc(1, sizeof(struct fd_net_cache));
}

void fd_net_cache_free(struct fd_net_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		fd_net_free(c->v[i].net);
	free(c->v);
	free(c);
}

/* Whole file into a NUL-terminated heap buffer; NULL when unreadable. */
static char *slurp(const char *path)
{
	size_t cap = 64 * 1024, len = 0;
	char *buf = malloc(cap), *g;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0 || !buf) {
		if (fd >= 0)
			close(fd);
		free(buf);
		return NULL;
	}
	while ((r = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)r;
		if (len + 1 == cap) {
			if (cap >= NET_FILE_MAX)
				break;
			g = realloc(buf, cap * 2);
			if (!g)
				break;
			buf = g;
			cap *= 2;
		}
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

static struct fd_net *read_ns(const char *procfs, uint32_t pid)
{
	static const struct {
		const char *file;
		int family, protocol;
	} inet[] = {
		{ "tcp", AF_INET, IPPROTO_TCP },
		{ "tcp6", AF_INET6, IPPROTO_TCP },
		{ "udp", AF_INET, IPPROTO_UDP },
		{ "udp6", AF_INET6, IPPROTO_UDP },
	};
	struct fd_net *n = fd_net_new();
	char path[256], *text;

	if (!n)
		return NULL;
	for (size_t i = 0; i < sizeof(inet) / sizeof(inet[0]); i++) {
		snprintf(path, sizeof(path), "%s/%u/net/%s", procfs, pid, inet[i].file);
		text = slurp(path);
		if (text)
			fd_net_parse_inet(n, text, inet[i].family, inet[i].protocol);
		free(text);
	}
	snprintf(path, sizeof(path), "%s/%u/net/unix", procfs, pid);
	text = slurp(path);
	if (text)
		fd_net_parse_unix(n, text);
	free(text);
	fd_net_index(n);
	return n;
}

struct fd_net *fd_net_cache_get(struct fd_net_cache *c, const char *procfs, uint32_t pid)
{
	char path[256];
	struct stat st;
	uint64_t ino = 0;
	struct fd_net *n;

	snprintf(path, sizeof(path), "%s/%u/ns/net", procfs, pid);
	if (stat(path, &st) == 0)
		ino = st.st_ino;
	/* Without a namespace link (a test tree, an old kernel): one per pid. */
	for (size_t i = 0; ino && i < c->n; i++)
		if (c->v[i].ns_ino == ino)
			return c->v[i].net;
	n = read_ns(procfs, pid);
	if (!n)
		return NULL;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct ns_entry *g = realloc(c->v, cap * sizeof(*g));

		if (!g) {
			fd_net_free(n);
			return NULL;
		}
		c->v = g;
		c->cap = cap;
	}
	c->v[c->n++] = (struct ns_entry){ .ns_ino = ino, .net = n };
	return n;
}
