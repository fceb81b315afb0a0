/*
 * Sockets by inode, from a network namespace's /proc/net tables: what the
 * fd snapshot needs to describe a "socket:[INODE]" link. Internal to src/fd/
 * (the parsers are public for the unit tests and the fuzzer).
 */
#ifndef PALISADE_FD_NET_H
#define PALISADE_FD_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "events.h"

#define FD_NET_PATH_MAX 108 /* sun_path */

struct fd_net_sock {
	uint64_t inode;
	struct ev_sock sock;
	bool listening;              /* TCP LISTEN, unix __SO_ACCEPTCON */
	char path[FD_NET_PATH_MAX];  /* unix: bound path, "@name" if abstract */
};

struct fd_net; /* the sockets of one network namespace */

struct fd_net *fd_net_new(void);
void fd_net_free(struct fd_net *n);
/*
 * Adds the sockets of one /proc/net table. text is NUL-terminated; a line
 * that does not parse is skipped and counted in the return value as a
 * negative number of bad lines (0: all parsed). family is AF_INET or
 * AF_INET6, protocol IPPROTO_TCP or IPPROTO_UDP.
 */
int fd_net_parse_inet(struct fd_net *n, const char *text, int family, int protocol);
int fd_net_parse_unix(struct fd_net *n, const char *text);
/* Sorts what was added; call before fd_net_find. */
void fd_net_index(struct fd_net *n);
const struct fd_net_sock *fd_net_find(const struct fd_net *n, uint64_t inode);
size_t fd_net_count(const struct fd_net *n);

/* One fd_net per network namespace, read on first use. */
struct fd_net_cache;
struct fd_net_cache *fd_net_cache_new(void);
void fd_net_cache_free(struct fd_net_cache *c);
/* The sockets of pid's network namespace; NULL when unreadable. */
struct fd_net *fd_net_cache_get(struct fd_net_cache *c, const char *procfs, uint32_t pid);

#endif
