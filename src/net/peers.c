/*
 * Who is behind an address: a container of this host (from the Engine API's
 * network data, as the container store reports it), the host itself (its
 * own interface addresses), or something external. Updates are rare
 * (container starts and stops), lookups frequent (every flow, every sweep):
 * the addresses live in an array and a hash index rebuilt on each update.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/net.h"

/* Host addresses kept at most (every interface, v4 and v6). */
#define HOST_ADDRS_MAX 256

struct owned {
	struct container_addr a;
	char id[CONTAINER_ID_LEN + 1];
	char name[NET_NAME_MAX];
	uint64_t start_ns;
};

struct net_peers {
	pthread_mutex_t lock;
	struct owned *v;
	size_t n, cap;
	uint32_t *index; /* index + 1 into v, 0: empty; open addressing */
	size_t n_index;
	struct container_addr host[HOST_ADDRS_MAX];
	size_t n_host;
};

static size_t addr_hash(const uint8_t *ip, uint8_t len, size_t n)
{
	uint64_t h = 1469598103934665603ull ^ len;

	for (uint8_t i = 0; i < len; i++)
		h = (h ^ ip[i]) * 1099511628211ull;
	return (size_t)(h ^ (h >> 31)) & (n - 1);
}

static bool same(const struct container_addr *a, const uint8_t *ip, uint8_t len)
{
	return a->len == len && !memcmp(a->ip, ip, len);
}

/* Lock held. On allocation failure the old index stays: stale, never wrong
 * about an address that is still listed. */
static void reindex(struct net_peers *p)
{
	size_t n = 16;
	uint32_t *idx;

	while (n < 2 * p->n)
		n *= 2;
	idx = calloc(n, sizeof(*idx));
	if (!idx)
		return;
	for (size_t i = 0; i < p->n; i++) {
		size_t s = addr_hash(p->v[i].a.ip, p->v[i].a.len, n);

		while (idx[s])
			s = (s + 1) & (n - 1);
		idx[s] = (uint32_t)(i + 1);
	}
	free(p->index);
	p->index = idx;
	p->n_index = n;
}

int net_peers_new(struct net_peers **out)
{
	struct net_peers *p = calloc(1, sizeof(*p));

	*out = NULL;
	if (!p)
		return -ENOMEM;
	pthread_mutex_init(&p->lock, NULL);
	reindex(p);
	if (!p->index) {
		net_peers_free(p);
		return -ENOMEM;
	}
	net_peers_refresh_host(p);
	*out = p;
	return 0;
}

void net_peers_free(struct net_peers *p)
{
	if (!p)
		return;
	free(p->v);
	free(p->index);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

static bool lists(const struct container_info *c, const struct container_addr *a)
{
	for (size_t i = 0; i < c->n_addrs; i++)
		if (same(&c->addrs[i], a->ip, a->len))
			return true;
	return false;
}

static struct owned *find_locked(struct net_peers *p, const uint8_t *ip, uint8_t len)
{
	for (size_t s = addr_hash(ip, len, p->n_index); p->index[s]; s = (s + 1) & (p->n_index - 1))
		if (same(&p->v[p->index[s] - 1].a, ip, len))
			return &p->v[p->index[s] - 1];
	return NULL;
}

/* Adds or takes over one address. Lock held. */
static void claim(struct net_peers *p, const struct container_info *c,
		  const struct container_addr *a)
{
	struct owned *o = NULL;

	for (size_t i = 0; i < p->n && !o; i++)
		if (same(&p->v[i].a, a->ip, a->len))
			o = &p->v[i];
	/* Two descriptions claim the address: the container started later has it
	 * (the other's stop has not been described yet). */
	if (o && strcmp(o->id, c->id) && o->start_ns > c->start_ns)
		return;
	if (!o) {
		if (p->n == p->cap) {
			size_t cap = p->cap ? 2 * p->cap : 64;
			struct owned *v = realloc(p->v, cap * sizeof(*v));

			if (!v)
				return;
			p->v = v;
			p->cap = cap;
		}
		o = &p->v[p->n++];
		o->a = *a;
	}
	snprintf(o->id, sizeof(o->id), "%s", c->id);
	snprintf(o->name, sizeof(o->name), "%s", *c->name ? c->name : c->id);
	o->start_ns = c->start_ns;
}

void net_peers_container_update(struct net_peers *p, const struct container_info *c)
{
	if (!p || !c)
		return;
	pthread_mutex_lock(&p->lock);
	/* Addresses this container no longer lists stop naming it. */
	for (size_t i = 0; i < p->n;) {
		if (!strcmp(p->v[i].id, c->id) && !lists(c, &p->v[i].a))
			p->v[i] = p->v[--p->n];
		else
			i++;
	}
	for (size_t i = 0; i < c->n_addrs; i++)
		claim(p, c, &c->addrs[i]);
	reindex(p);
	pthread_mutex_unlock(&p->lock);
}

void net_peers_refresh_host(struct net_peers *p)
{
	struct ifaddrs *ifs = NULL, *i;
	size_t n = 0;

	if (getifaddrs(&ifs))
		return; /* the last list stays */
	pthread_mutex_lock(&p->lock);
	for (i = ifs; i && n < HOST_ADDRS_MAX; i = i->ifa_next) {
		struct container_addr *a = &p->host[n];

		if (!i->ifa_addr)
			continue;
		memset(a, 0, sizeof(*a));
		if (i->ifa_addr->sa_family == AF_INET) {
			memcpy(a->ip, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, 4);
			a->len = 4;
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			memcpy(a->ip, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
			a->len = 16;
		} else {
			continue;
		}
		n++;
	}
	p->n_host = n;
	pthread_mutex_unlock(&p->lock);
	freeifaddrs(ifs);
}

static bool loopback(const uint8_t *ip, uint8_t len)
{
	static const uint8_t v6[16] = { [15] = 1 };

	return len == 4 ? ip[0] == 127 : !memcmp(ip, v6, 16);
}

void net_peers_lookup(struct net_peers *p, const uint8_t *ip, uint8_t ip_len,
		      struct net_peer *out)
{
	const struct owned *o;
	char text[INET6_ADDRSTRLEN] = "";

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&p->lock);
	o = find_locked(p, ip, ip_len);
	if (o) {
		out->kind = NET_PEER_CONTAINER;
		snprintf(out->name, sizeof(out->name), "%s", o->name);
		snprintf(out->id, sizeof(out->id), "%.12s", o->id);
	} else {
		for (size_t i = 0; i < p->n_host && !out->kind; i++)
			if (same(&p->host[i], ip, ip_len))
				out->kind = NET_PEER_HOST;
	}
	pthread_mutex_unlock(&p->lock);
	if (o)
		return;
	if (out->kind == NET_PEER_HOST || loopback(ip, ip_len)) {
		out->kind = NET_PEER_HOST;
		snprintf(out->name, sizeof(out->name), "host");
		return;
	}
	inet_ntop(ip_len == 4 ? AF_INET : AF_INET6, ip, text, sizeof(text));
	snprintf(out->name, sizeof(out->name), "%s", text);
}

void net_peer_of_container(const struct container_info *c, struct net_peer *out)
{
	memset(out, 0, sizeof(*out));
	if (!c) {
		out->kind = NET_PEER_HOST;
		snprintf(out->name, sizeof(out->name), "host");
		return;
	}
	out->kind = NET_PEER_CONTAINER;
	snprintf(out->id, sizeof(out->id), "%.12s", c->id);
	snprintf(out->name, sizeof(out->name), "%s", *c->name ? c->name : out->id);
}

const char *net_peer_kind_name(enum net_peer_kind k)
{
	return k == NET_PEER_CONTAINER ? "container" : k == NET_PEER_HOST ? "host" : "external";
}
