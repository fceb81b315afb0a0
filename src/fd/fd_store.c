/*
 * The fd tables' data structure: one sorted array of entries per process
 * (fds are few and mostly small numbers, so a binary search beats a hash),
 * processes in a chained hash by pid with a least-recently-touched list for
 * eviction. Names are reference-counted because dup and fork share them:
 * copying a shell's table on every fork then costs no string allocation.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fd/fd_internal.h"

static const struct {
	const char *name;
	char c;
} type_names[] = {
	[FD_T_UNKNOWN] = { "unknown", 'o' },  [FD_T_FILE] = { "file", 'f' },
	[FD_T_DIR] = { "directory", 'd' },    [FD_T_IPV4] = { "ipv4", '4' },
	[FD_T_IPV6] = { "ipv6", '6' },        [FD_T_UNIX] = { "unix", 'u' },
	[FD_T_NETLINK] = { "netlink", 'n' },  [FD_T_SOCK_OTHER] = { "unknown", 'o' },
	[FD_T_PIPE] = { "pipe", 'p' },        [FD_T_MEMFD] = { "memfd", 'm' },
	[FD_T_EVENTFD] = { "event", 'e' },    [FD_T_SIGNALFD] = { "signalfd", 's' },
	[FD_T_EVENTPOLL] = { "eventpoll", 'l' }, [FD_T_INOTIFY] = { "inotify", 'i' },
	[FD_T_TIMERFD] = { "timerfd", 't' },  [FD_T_BPF] = { "bpf", 'b' },
	[FD_T_ANON_OTHER] = { "unknown", 'o' },
};

const char *fd_type_name(enum fd_type t)
{
	return (unsigned)t <= FD_T_ANON_OTHER ? type_names[t].name : "unknown";
}

char fd_type_char(enum fd_type t)
{
	return (unsigned)t <= FD_T_ANON_OTHER ? type_names[t].c : 'o';
}

/* ---- names ---- */

struct fd_name *fd_name_new(struct fd_table *t, const char *s)
{
	size_t len = strlen(s);
	struct fd_name *n;

	if (!len)
		return NULL;
	n = malloc(sizeof(*n) + len + 1);
	if (!n) {
		t->alloc_failures++;
		return NULL;
	}
	n->refs = 1;
	n->len = (uint32_t)len;
	memcpy(n->s, s, len + 1);
	t->bytes += sizeof(*n) + len + 1;
	return n;
}

struct fd_name *fd_name_ref(struct fd_name *n)
{
	if (n)
		n->refs++;
	return n;
}

void fd_name_put(struct fd_table *t, struct fd_name *n)
{
	if (!n || --n->refs)
		return;
	t->bytes -= sizeof(*n) + n->len + 1;
	free(n);
}

/* ---- processes ---- */

static size_t bucket_of(uint32_t pid)
{
	return (pid * 2654435761u) & (FD_TABLE_PROCS - 1);
}

struct fd_proc *fd_proc_find(const struct fd_table *t, uint32_t pid)
{
	struct fd_proc *p;

	for (p = t->buckets[bucket_of(pid)]; p; p = p->hash_next)
		if (p->pid == pid)
			return p;
	return NULL;
}

static void lru_unlink(struct fd_proc *p)
{
	p->lru_prev->lru_next = p->lru_next;
	p->lru_next->lru_prev = p->lru_prev;
}

static void lru_push(struct fd_table *t, struct fd_proc *p)
{
	p->lru_next = t->lru.lru_next;
	p->lru_prev = &t->lru;
	t->lru.lru_next->lru_prev = p;
	t->lru.lru_next = p;
}

void fd_proc_touch(struct fd_table *t, struct fd_proc *p)
{
	lru_unlink(p);
	lru_push(t, p);
}

void fd_proc_drop(struct fd_table *t, struct fd_proc *p)
{
	struct fd_proc **link = &t->buckets[bucket_of(p->pid)];

	while (*link != p)
		link = &(*link)->hash_next;
	*link = p->hash_next;
	lru_unlink(p);
	for (uint32_t i = 0; i < p->n; i++)
		fd_name_put(t, p->fds[i].name);
	t->entries -= p->n;
	t->bytes -= sizeof(*p) + (size_t)p->cap * sizeof(*p->fds);
	t->procs--;
	free(p->fds);
	free(p);
}

struct fd_proc *fd_proc_get(struct fd_table *t, uint32_t pid, bool create)
{
	struct fd_proc *p = fd_proc_find(t, pid);
	size_t b;

	if (p || !create) {
		if (p)
			fd_proc_touch(t, p);
		return p;
	}
	if (t->procs >= FD_TABLE_PROCS) {
		fd_proc_drop(t, t->lru.lru_prev);
		t->proc_evictions++;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		t->alloc_failures++;
		return NULL;
	}
	p->pid = pid;
	b = bucket_of(pid);
	p->hash_next = t->buckets[b];
	t->buckets[b] = p;
	lru_push(t, p);
	t->procs++;
	t->bytes += sizeof(*p);
	return p;
}

/* ---- entries ---- */

/* Index of num in p, or of where it would go. */
static uint32_t lower_bound(const struct fd_proc *p, int32_t num)
{
	uint32_t lo = 0, hi = p->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (p->fds[mid].num < num)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct fd_entry *fd_entry_find(const struct fd_proc *p, int32_t num)
{
	uint32_t i;

	if (!p)
		return NULL;
	i = lower_bound(p, num);
	return i < p->n && p->fds[i].num == num ? &p->fds[i] : NULL;
}

/* A cleared entry for num in the process's table (replacing any), or NULL
 * when a bound or memory says no. May move the other entries of p. */
struct fd_entry *fd_entry_put(struct fd_table *t, uint32_t pid, int32_t num)
{
	struct fd_proc *p;
	struct fd_entry *e;
	uint32_t i;

	if (num < 0)
		return NULL;
	p = fd_proc_get(t, pid, true);
	if (!p)
		return NULL;
	i = lower_bound(p, num);
	if (i < p->n && p->fds[i].num == num) {
		e = &p->fds[i];
		fd_name_put(t, e->name);
	} else {
		if (p->n >= FD_TABLE_FDS_PER_PROC || t->entries >= FD_TABLE_ENTRIES) {
			t->fds_untracked++;
			return NULL;
		}
		if (p->n == p->cap) {
			uint32_t cap = p->cap ? p->cap * 2 : 8;
			struct fd_entry *grown;

			if (cap > FD_TABLE_FDS_PER_PROC)
				cap = FD_TABLE_FDS_PER_PROC;
			grown = realloc(p->fds, cap * sizeof(*grown));
			if (!grown) {
				t->alloc_failures++;
				return NULL;
			}
			t->bytes += (size_t)(cap - p->cap) * sizeof(*grown);
			p->fds = grown;
			p->cap = cap;
		}
		memmove(&p->fds[i + 1], &p->fds[i], (p->n - i) * sizeof(*p->fds));
		p->n++;
		t->entries++;
		e = &p->fds[i];
	}
	memset(e, 0, sizeof(*e));
	e->num = num;
	return e;
}

void fd_entry_remove(struct fd_table *t, struct fd_proc *p, struct fd_entry *e)
{
	uint32_t i = (uint32_t)(e - p->fds);

	fd_name_put(t, e->name);
	memmove(&p->fds[i], &p->fds[i + 1], (p->n - i - 1) * sizeof(*p->fds));
	p->n--;
	t->entries--;
}

const struct fd_entry *fd_table_get(const struct fd_table *t, uint32_t pid, int32_t fd)
{
	return fd_entry_find(fd_proc_find(t, pid), fd);
}

size_t fd_table_count(const struct fd_table *t, uint32_t pid)
{
	const struct fd_proc *p = fd_proc_find(t, pid);

	return p ? p->n : 0;
}

void fd_table_stats(const struct fd_table *t, struct fd_table_stats *out)
{
	*out = (struct fd_table_stats){
		.procs = t->procs,
		.entries = t->entries,
		.bytes = t->bytes,
		.proc_evictions = t->proc_evictions,
		.fds_untracked = t->fds_untracked,
		.misses = t->misses,
		.alloc_failures = t->alloc_failures,
	};
}

int fd_table_new(struct fd_table **out)
{
	struct fd_table *t = calloc(1, sizeof(*t));

	*out = NULL;
	if (!t)
		return -ENOMEM;
	t->buckets = calloc(FD_TABLE_PROCS, sizeof(*t->buckets));
	if (!t->buckets) {
		free(t);
		return -ENOMEM;
	}
	t->lru.lru_next = t->lru.lru_prev = &t->lru;
	t->bytes = sizeof(*t) + FD_TABLE_PROCS * sizeof(*t->buckets);
	*out = t;
	return 0;
}

void fd_table_free(struct fd_table *t)
{
	if (!t)
		return;
	while (t->lru.lru_next != &t->lru)
		fd_proc_drop(t, t->lru.lru_next);
	fd_name_put(t, t->closed.name);
	free(t->buckets);
	free(t);
}
