/* The pre-filter's socket classes: host, IPv4 loopback (src/rules/prefilter_net.c). */
#ifndef PALISADE_RULES_PREFILTER_NET_H
#define PALISADE_RULES_PREFILTER_NET_H

#include <stdbool.h>

#include "event/syscalls.h"
#include "events.h"
#include "rules/rules_internal.h"

/* socket, connect, accept, accept4: judged by class, with no path. */
bool pf_net_type(const struct syscall_desc *sc);
/* connect, accept, accept4: those with an IPv4 loopback class (a new socket
 * has no address yet). */
bool pf_loopback_type(const struct syscall_desc *sc);
/* A comparison on the class: 1 true, 0 false, -1 unknown. */
int pf_loopback_cmp(const struct rl_ccmp *cmp);
/* Whether a record is in the class; pf_keep_sock() in bpf/prefilter.bpf.h
 * is the same test in the kernel. */
bool pf_sock_loopback(const struct ev_syscall *e);

#endif
