/* The process table: a fixed-capacity hash of pid -> entry, kept by events. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proc/proc.h"

struct proc_table {
	struct proc_entry **buckets;
	size_t n_buckets; /* power of two */
	size_t entries, capacity;
	uint64_t seq; /* events applied: the clock of `touched` */
	uint64_t evictions, misses, alloc_failures;
	/* Exited processes in exit order, reaped PROC_EXITED_GRACE events later. */
	struct exited {
		uint32_t pid;
		uint64_t seq;
	} exited[PROC_EXITED_QUEUE];
	size_t exited_head, exited_len;
};

static size_t bucket_of(const struct proc_table *t, uint32_t pid)
{
	return (pid * 2654435761u) & (t->n_buckets - 1);
}

int proc_table_new(size_t capacity, struct proc_table **out)
{
	struct proc_table *t;
	size_t n = 1;

	if (capacity == 0)
		return -EINVAL;
	while (n < capacity)
		n <<= 1;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->buckets = calloc(n, sizeof(*t->buckets));
	if (!t->buckets) {
		free(t);
		return -ENOMEM;
	}
	t->n_buckets = n;
	t->capacity = capacity;
	*out = t;
	return 0;
}

static void entry_free(struct proc_entry *p)
{
	free(p->exe);
	free(p->args);
	free(p->cwd);
	free(p->env);
	free(p);
}

void proc_table_free(struct proc_table *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->n_buckets; i++) {
		struct proc_entry *p = t->buckets[i], *next;

		for (; p; p = next) {
			next = p->hash_next;
			entry_free(p);
		}
	}
	free(t->buckets);
	free(t);
}

static struct proc_entry *lookup(const struct proc_table *t, uint32_t pid)
{
	struct proc_entry *p = t->buckets[bucket_of(t, pid)];

	while (p && p->pid != pid)
		p = p->hash_next;
	return p;
}

const struct proc_entry *proc_table_get(const struct proc_table *t, uint32_t pid)
{
	return lookup(t, pid);
}

static void unlink_entry(struct proc_table *t, struct proc_entry *victim)
{
	struct proc_entry **pp = &t->buckets[bucket_of(t, victim->pid)];

	while (*pp != victim)
		pp = &(*pp)->hash_next;
	*pp = victim->hash_next;
	t->entries--;
}

/*
 * Full table: drop the least recently touched exited entry, else the least
 * recently touched live one. A linear scan, but it runs only when the table
 * is full, i.e. on a host with more processes than the configured capacity.
 */
static void evict_one(struct proc_table *t)
{
	struct proc_entry *best = NULL;
	size_t i;

	for (i = 0; i < t->n_buckets; i++) {
		struct proc_entry *p;

		for (p = t->buckets[i]; p; p = p->hash_next) {
			if (!best || (p->exited && !best->exited) ||
			    (p->exited == best->exited && p->touched < best->touched))
				best = p;
		}
	}
	if (best) {
		unlink_entry(t, best);
		entry_free(best);
		t->evictions++;
	}
}

/* Copies len bytes plus a NUL into *dst, growing it only when needed. */
static int set_bytes(char **dst, size_t *cap, const char *src, size_t len)
{
	if (!*dst || *cap < len + 1) {
		char *n = realloc(*dst, len + 1);

		if (!n)
			return -ENOMEM;
		*dst = n;
		*cap = len + 1;
	}
	if (len)
		memcpy(*dst, src, len);
	(*dst)[len] = '\0';
	return 0;
}

static int set_str(char **dst, size_t *cap, const char *src)
{
	return set_bytes(dst, cap, src, strlen(src));
}

static struct proc_entry *insert(struct proc_table *t, uint32_t pid)
{
	struct proc_entry *p = lookup(t, pid);
	size_t b;

	if (p)
		return p;
	if (t->entries >= t->capacity)
		evict_one(t);
	p = calloc(1, sizeof(*p));
	/* Strings are never NULL, so readers need no checks. */
	if (!p || set_str(&p->exe, &p->exe_cap, "") || set_bytes(&p->args, &p->args_cap, "", 0) ||
	    set_str(&p->cwd, &p->cwd_cap, "") || set_bytes(&p->env, &p->env_cap, "", 0)) {
		if (p)
			entry_free(p);
		t->alloc_failures++;
		return NULL;
	}
	p->pid = pid;
	b = bucket_of(t, pid);
	p->hash_next = t->buckets[b];
	t->buckets[b] = p;
	t->entries++;
	return p;
}

static void copy_header(struct proc_entry *p, const struct ev_header *h)
{
	p->ppid = h->ppid;
	p->vpid = h->vpid;
	p->uid = h->uid;
	p->gid = h->gid;
	p->euid = h->euid;
	p->egid = h->egid;
	p->loginuid = h->loginuid;
	p->sessionid = h->sessionid;
	p->tty = h->tty;
	p->mnt_ns = h->mnt_ns;
	p->pid_ns = h->pid_ns;
	p->start_ns = h->start_ns;
	p->cgroup_id = h->cgroup_id;
	memcpy(p->comm, h->comm, sizeof(p->comm));
	p->comm[sizeof(p->comm) - 1] = '\0';
}

static int apply_exec(struct proc_table *t, struct proc_entry *p, const struct event *ev)
{
	int err = 0;

	copy_header(p, ev->hdr);
	p->exited = false;
	p->exit_code = 0;
	p->args_truncated = !!(ev->hdr->flags & EV_F_ARGS_TRUNC);
	p->argc = ev->argc;
	p->args_len = ev->args_len;
	p->exe_info = ev->exe_info;
	err |= set_str(&p->exe, &p->exe_cap, ev->exe);
	err |= set_bytes(&p->args, &p->args_cap, ev->args ? ev->args : "", ev->args_len);
	err |= set_str(&p->cwd, &p->cwd_cap, ev->cwd);
	p->pgrp = ev->pgrp;
	p->pgrp_known = true;
	p->env_known = ev->env_known;
	p->env_truncated = !!(ev->hdr->flags & EV_F_ENV_TRUNC);
	p->env_len = ev->env_known ? ev->env_len : 0;
	err |= set_bytes(&p->env, &p->env_cap, ev->env_known ? ev->env : "", p->env_len);
	if (err)
		t->alloc_failures++;
	return err ? -ENOMEM : 0;
}

/* A child starts as a copy of its parent: same image, argv, cwd and
 * environment; its group and session come with the fork record. */
static void apply_fork(struct proc_table *t, struct proc_entry *child, const struct event *ev)
{
	const struct proc_entry *parent = lookup(t, ev->hdr->ppid);
	int err = 0;

	copy_header(child, ev->hdr);
	child->exited = false;
	child->exit_code = 0;
	child->pgrp = ev->pgrp;
	child->pgrp_known = true;
	if (!parent) {
		t->misses++;
		err |= set_str(&child->exe, &child->exe_cap, "");
		err |= set_bytes(&child->args, &child->args_cap, "", 0);
		err |= set_str(&child->cwd, &child->cwd_cap, "");
		child->argc = child->args_len = 0;
		child->args_truncated = false;
		child->exe_info = (struct exe_info){ 0 };
		err |= set_bytes(&child->env, &child->env_cap, "", 0);
		child->env_len = 0;
		child->env_known = child->env_truncated = false;
	} else {
		err |= set_str(&child->exe, &child->exe_cap, parent->exe);
		err |= set_bytes(&child->args, &child->args_cap, parent->args, parent->args_len);
		err |= set_str(&child->cwd, &child->cwd_cap, parent->cwd);
		child->argc = parent->argc;
		child->args_len = parent->args_len;
		child->args_truncated = parent->args_truncated;
		child->exe_info = parent->exe_info;
		err |= set_bytes(&child->env, &child->env_cap, parent->env, parent->env_len);
		child->env_len = parent->env_len;
		child->env_known = parent->env_known;
		child->env_truncated = parent->env_truncated;
	}
	if (err)
		t->alloc_failures++;
}

static void reap_exited(struct proc_table *t, bool force_one)
{
	while (t->exited_len) {
		struct exited *x = &t->exited[t->exited_head];
		struct proc_entry *p;

		if (!force_one && x->seq + PROC_EXITED_GRACE > t->seq)
			break;
		force_one = false;
		p = lookup(t, x->pid);
		/* Still the same dead process (not reused by a fork since)? */
		if (p && p->exited && p->touched == x->seq) {
			unlink_entry(t, p);
			entry_free(p);
		}
		t->exited_head = (t->exited_head + 1) % PROC_EXITED_QUEUE;
		t->exited_len--;
	}
}

static void queue_exited(struct proc_table *t, const struct proc_entry *p)
{
	if (t->exited_len == PROC_EXITED_QUEUE)
		reap_exited(t, true);
	t->exited[(t->exited_head + t->exited_len) % PROC_EXITED_QUEUE] =
		(struct exited){ .pid = p->pid, .seq = p->touched };
	t->exited_len++;
}

void proc_table_apply(struct proc_table *t, struct event *ev)
{
	const struct ev_header *h = ev->hdr;
	struct proc_entry *p;

	ev->procs = t;
	t->seq++;
	switch (ev->kind) {
	case EV_EXEC:
	case EV_PROC_SNAPSHOT:
		p = insert(t, h->pid);
		if (p)
			apply_exec(t, p, ev);
		break;
	case EV_FORK:
		p = insert(t, h->pid);
		if (p)
			apply_fork(t, p, ev);
		break;
	case EV_EXIT:
		p = lookup(t, h->pid);
		if (!p) {
			t->misses++;
			p = insert(t, h->pid);
			if (p)
				copy_header(p, h);
		}
		if (p) {
			p->exited = true;
			p->exit_code = ev->exit_code;
		}
		break;
	default:
		p = lookup(t, h->pid);
		if (!p)
			t->misses++;
		break;
	}
	if (p) {
		p->touched = t->seq;
		if (ev->kind == EV_EXIT)
			queue_exited(t, p);
	}
	ev->proc = p;
	reap_exited(t, false);
}

const struct proc_entry *proc_table_ancestor(const struct proc_table *t,
					     const struct proc_entry *p, unsigned n)
{
	unsigned i;

	if (n > PROC_ANCESTORS_MAX)
		return NULL;
	for (i = 0; i < n && p; i++) {
		if (p->pid <= 1 || p->ppid == p->pid || p->ppid == 0)
			return NULL;
		p = lookup(t, p->ppid);
	}
	return p;
}

void proc_table_stats(const struct proc_table *t, struct proc_table_stats *out)
{
	out->entries = t->entries;
	out->capacity = t->capacity;
	out->evictions = t->evictions;
	out->misses = t->misses;
	out->alloc_failures = t->alloc_failures;
}
