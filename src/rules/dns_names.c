/*
 * fd.sip.name and its siblings, as Falco means them: a rule compares an
 * address with a host name, and matches when the address is one the name
 * resolves to. The engine does no I/O, so the names the rules mention are
 * collected here at compile time and resolved by the agent on its own thread
 * (rules_engine_dns_*); evaluation looks the event's address up among the
 * last answers. A name that never resolved matches nothing.
 *
 * Lookups take a mutex: the table is written by the resolver thread a few
 * times a minute and read only for events a *.name comparison sees.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules_internal.h"

#define DNS_ADDRS_MAX 16 /* addresses kept per name */

struct dns_entry {
	const char *name;
	struct rules_addr addrs[DNS_ADDRS_MAX];
	size_t n_addrs;
	bool resolved;
};

struct rl_dns {
	pthread_mutex_t lock;
	struct dns_entry *v;
	size_t n, cap;
};

struct rl_dns *rl_dns_new(void)
{
	struct rl_dns *d = calloc(1, sizeof(*d));

	if (d)
		pthread_mutex_init(&d->lock, NULL);
	return d;
}

void rl_dns_free(struct rl_dns *d)
{
	if (!d)
		return;
	pthread_mutex_destroy(&d->lock);
	free(d->v);
	free(d);
}

/* Called while compiling (single thread, before any resolver runs). */
int rl_dns_add(struct rl_arena *a, struct rl_dns *d, const char *name)
{
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->v[i].name, name))
			return 0;
	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 8;
		struct dns_entry *v = realloc(d->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		d->v = v;
		d->cap = cap;
	}
	memset(&d->v[d->n], 0, sizeof(d->v[0]));
	d->v[d->n].name = rl_strdup(a, name);
	if (!d->v[d->n].name)
		return -ENOMEM;
	d->n++;
	return 0;
}

size_t rl_dns_count(const struct rl_dns *d)
{
	return d ? d->n : 0;
}

const char *rl_dns_name(const struct rl_dns *d, size_t i)
{
	return d && i < d->n ? d->v[i].name : NULL;
}

void rl_dns_set(struct rl_dns *d, size_t i, const struct rules_addr *addrs, size_t n)
{
	if (!d || i >= d->n)
		return;
	if (n > DNS_ADDRS_MAX)
		n = DNS_ADDRS_MAX;
	pthread_mutex_lock(&d->lock);
	memcpy(d->v[i].addrs, addrs, n * sizeof(*addrs));
	d->v[i].n_addrs = n;
	d->v[i].resolved = true;
	pthread_mutex_unlock(&d->lock);
}

/*
 * The first name (in the order the rules mention them) that resolves to
 * the address, or NULL. Names are arena strings that outlive the lock.
 */
const char *rl_dns_name_of(struct rl_dns *d, const uint8_t *ip, uint8_t ip_len)
{
	const char *found = NULL;

	if (!d || !d->n)
		return NULL;
	pthread_mutex_lock(&d->lock);
	for (size_t i = 0; i < d->n && !found; i++)
		for (size_t k = 0; k < d->v[i].n_addrs; k++)
			if (d->v[i].addrs[k].len == ip_len &&
			    !memcmp(d->v[i].addrs[k].ip, ip, ip_len)) {
				found = d->v[i].name;
				break;
			}
	pthread_mutex_unlock(&d->lock);
	return found;
}
