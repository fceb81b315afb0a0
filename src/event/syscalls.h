/*
 * The syscalls palisade can report, described once: Falco's event-type name,
 * the build architecture's number, and what the kernel side reads for each
 * (the SC_* spec of bpf/events.h). The sensor fills its in-kernel interest
 * map from this table, the decoder names events with it, the rule engine maps
 * a rule's evt.type to it.
 */
#ifndef PALISADE_SYSCALLS_H
#define PALISADE_SYSCALLS_H

#include <stddef.h>
#include <stdint.h>

#include "events.h"

enum syscall_family {
	SCF_FILE,    /* paths: open, rename, unlink, chmod, ... */
	SCF_FD,      /* fd bookkeeping: dup, close, fcntl, pipe */
	SCF_NET,     /* sockets */
	SCF_PRIV,    /* credentials, namespaces, mounts, modules, tracing */
	SCF_PROCESS, /* execveat, kill */
};

struct syscall_desc {
	const char *name; /* Falco's evt.type */
	uint32_t nr;      /* __NR_* of this architecture */
	uint32_t spec;    /* SC_* bits for the kernel side */
	enum syscall_family family;
	/* Names of the arguments, for evt.arg.NAME and the JSON ("" = unused). */
	const char *arg_names[6];
};

size_t syscall_count(void);
const struct syscall_desc *syscall_at(size_t i);
const struct syscall_desc *syscall_by_nr(uint32_t nr);
const struct syscall_desc *syscall_by_name(const char *name);

#endif
