/*
 * In-kernel pre-filters derived from the loaded rules (docs/prefilter.md).
 *
 * For each filterable syscall (the open family), the analysis computes a set
 * of paths IMPLIED by the disjunction of every enabled rule indexed for it:
 * an event whose resolved path is outside the set cannot make any rule match,
 * so the kernel may drop it before it reaches the ring buffer. Rules that
 * match any path but only for some process names add a name gate to their
 * class instead (bpf/prefilter_names.bpf.h). The result is
 * kernel/user contract data (struct pf_key / pf_value of bpf/events.h) and
 * SC_PF_* bits to OR into the syscall sensor's spec; prefilter_keep() is the
 * exact user-space twin of the kernel's test (bpf/prefilter.bpf.h), for
 * replay tests and tools.
 */
#ifndef PALISADE_RULES_PREFILTER_H
#define PALISADE_RULES_PREFILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "events.h"
#include "rules/rules.h"

/* Entries one kernel map holds; a larger filter is not used (type unfiltered). */
#define PF_ENTRIES_MAX 16384
#define PF_NAMES_MAX 1024 /* name gate entries (bpf/prefilter_names.bpf.h) */

/* What the analysis decided for one syscall, for logs and `rules prefilter`. */
struct pf_type_report {
	const char *syscall;
	unsigned id;         /* SC_PF_ID, 0 when unfiltered */
	bool ro_class;       /* read-only opens (loopback sockets) get their own filter */
	bool net;            /* connect/accept: the loopback class (prefilter_net.c) */
	size_t entries[PF_CLASSES];       /* by PF_CLASS_* bits */
	size_t names[PF_CLASSES];         /* process names of the class's name gate */
	size_t raws[PF_CLASSES];          /* pieces of the class's raw-path gate */
	const char *keep_all[PF_CLASSES]; /* the first rule that keeps every event of the class */
	size_t n_keep_all[PF_CLASSES];    /* how many rules do */
};

struct prefilter {
	uint32_t spec_bits[EV_SYSCALL_NR_MAX]; /* SC_PF_* bits, by syscall number */
	struct pf_entry *e;                    /* sorted by key */
	size_t n;
	struct pf_name_key *names; /* the name gates, sorted */
	size_t n_names;
	uint64_t gated_ids; /* bit id: the class with that id byte has a name gate */
	struct pf_raw_key raws[PF_RAWS_MAX]; /* the raw-path gates (prefilter_raw.bpf.h) */
	size_t n_raws;
	struct pf_raw_span raw_spans[PF_IDS]; /* by id byte: the class's pieces in raws */
	struct pf_type_report types[16];
	size_t n_types;
};

/*
 * Analyses the compiled rules of e. Returns 0 and a filter (possibly empty:
 * no syscall filtered), or -ENOMEM. Free with prefilter_free().
 */
int prefilter_build(const struct rules_engine *e, struct prefilter **out);
void prefilter_free(struct prefilter *pf);

/*
 * The kernel's decision for one raw record, in user space: false = dropped.
 * host: the record's cgroup is in the kernel's host set (user space found it
 * is not a container's). proc_comm: the comm the process table holds for the
 * record's process (what proc.name will be), NULL when it has none.
 */
bool prefilter_keep(const struct prefilter *pf, const void *rec, size_t len, bool host,
		    const char *proc_comm);

/* One line per syscall: filtered with how many entries, or why not. */
void prefilter_describe(const struct prefilter *pf, FILE *f);

#endif
