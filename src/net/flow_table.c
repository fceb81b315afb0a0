/*
 * The flow table: what the kernel counted, read about once a second, turned
 * into flows that start, grow and end. Pure logic over the kernel's entries
 * (tests feed it synthetic ones). Bounded: `max` flows, active and ended;
 * when it is full an ended flow makes room, and a new flow that still finds
 * none is counted as dropped.
 *
 * Ends: a TCP flow ends when it was reset or closed both ways and has been
 * quiet for close_ns (the last ACK and a late FIN still count); any flow ends
 * after idle_ns without a packet; a flow the kernel no longer lists ended
 * unseen. An ended flow's kernel entry is deleted; if the kernel makes it
 * again (a late segment of a closed TCP flow), those packets are added to
 * the ended flow; a new SYN on the same ports, or a UDP conversation that
 * resumes after its idle end, is a new flow.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "net/net.h"

struct ft_entry {
	struct net_flow f;
	uint64_t k_bytes[2], k_packets[2]; /* the kernel entry's totals at the last sweep */
	uint64_t swept_ns;                 /* when they were read */
	size_t next;                       /* hash chain (free: the free chain): index + 1, 0 ends */
	bool used, seen;
};

struct flow_table {
	struct flow_table_cfg cfg;
	struct ft_entry *e;
	size_t *buckets; /* index + 1 of the first entry, 0: empty */
	size_t n_buckets;
	size_t free_head; /* index + 1 of the last entry freed (chained through
			   * next, reused first); 0: none */
	size_t n_free;    /* the freed ones and those at or above hwm */
	size_t hwm; /* entries at or above this index were never used: the loops
		     * stop here, and calloc's untouched pages stay unmapped */
	struct flow_table_stats st;
};

static size_t hash_key(const struct fl_key *k, size_t n_buckets)
{
	const unsigned char *p = (const unsigned char *)k;
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return (size_t)(h ^ (h >> 29)) & (n_buckets - 1);
}

int flow_table_new(const struct flow_table_cfg *cfg, struct flow_table **out)
{
	struct flow_table *t = calloc(1, sizeof(*t));

	*out = NULL;
	if (!t || !cfg->max)
		goto fail;
	t->cfg = *cfg;
	for (t->n_buckets = 16; t->n_buckets < 2 * cfg->max; t->n_buckets *= 2)
		;
	t->e = calloc(cfg->max, sizeof(*t->e));
	t->buckets = calloc(t->n_buckets, sizeof(*t->buckets));
	if (!t->e || !t->buckets)
		goto fail;
	t->n_free = cfg->max;
	*out = t;
	return 0;
fail:
	flow_table_free(t);
	return -ENOMEM;
}

void flow_table_free(struct flow_table *t)
{
	if (!t)
		return;
	free(t->e);
	free(t->buckets);
	free(t);
}

static struct ft_entry *find(struct flow_table *t, const struct fl_key *k)
{
	for (size_t i = t->buckets[hash_key(k, t->n_buckets)]; i; i = t->e[i - 1].next)
		if (!memcmp(&t->e[i - 1].f.key, k, sizeof(*k)))
			return &t->e[i - 1];
	return NULL;
}

static void unlink_entry(struct flow_table *t, struct ft_entry *x)
{
	size_t *pp = &t->buckets[hash_key(&x->f.key, t->n_buckets)], idx = (size_t)(x - t->e) + 1;

	while (*pp && *pp != idx)
		pp = &t->e[*pp - 1].next;
	if (*pp)
		*pp = x->next;
	if (x->f.end)
		t->st.ended--;
	else
		t->st.active--;
	x->used = false;
	x->next = t->free_head;
	t->free_head = idx;
	t->n_free++;
}

static int by_ended(const void *a, const void *b, void *ctx)
{
	const struct ft_entry *e = ctx;
	uint64_t x = e[*(const size_t *)a].f.ended_ns, y = e[*(const size_t *)b].f.ended_ns;

	return x < y ? -1 : x > y;
}

/* Frees the oldest ended flows until `need` entries are free, or none is left
 * ended. Only when the table runs full. */
static void make_room(struct flow_table *t, size_t need)
{
	size_t *idx, n = 0;

	if (t->n_free >= need || !t->st.ended)
		return;
	idx = malloc(t->st.ended * sizeof(*idx));
	if (!idx)
		return;
	for (size_t i = 0; i < t->hwm && n < t->st.ended; i++)
		if (t->e[i].used && t->e[i].f.end)
			idx[n++] = i;
	qsort_r(idx, n, sizeof(*idx), by_ended, t->e);
	for (size_t i = 0; i < n && t->n_free < need; i++)
		unlink_entry(t, &t->e[idx[i]]);
	free(idx);
}

static struct ft_entry *insert(struct flow_table *t, const struct fl_key *k)
{
	struct ft_entry *x;
	size_t b, idx;

	if (!t->n_free)
		make_room(t, t->cfg.max / 8 + 1); /* a batch: one sort serves many inserts */
	if (!t->n_free)
		return NULL;
	/* A freed entry first, else the next never used: no list of every free
	 * index written at start (max of them, 512 KiB at the default). */
	if (t->free_head) {
		idx = t->free_head - 1;
		t->free_head = t->e[idx].next;
	} else {
		idx = t->hwm++;
	}
	t->n_free--;
	x = &t->e[idx];
	memset(x, 0, sizeof(*x));
	x->used = true;
	x->f.key = *k;
	b = hash_key(k, t->n_buckets);
	x->next = t->buckets[b];
	t->buckets[b] = idx + 1;
	t->st.active++;
	return x;
}

static enum net_tcp_state tcp_state(const struct net_flow *f)
{
	uint8_t all = f->tcp_flags[FL_OUT] | f->tcp_flags[FL_IN];
	uint8_t init = f->tcp_flags[f->initiator], resp = f->tcp_flags[f->initiator ^ 1];

	if (f->key.proto != 6 /* IPPROTO_TCP */)
		return NET_TCP_NONE;
	if (all & FL_TCP_RST)
		return NET_TCP_RESET;
	if ((f->tcp_flags[FL_OUT] & FL_TCP_FIN) && (f->tcp_flags[FL_IN] & FL_TCP_FIN))
		return NET_TCP_CLOSED;
	if (all & FL_TCP_FIN)
		return NET_TCP_CLOSING;
	if (!f->syn_seen)
		return NET_TCP_MIDSTREAM;
	return (init & FL_TCP_SYN) && (resp & FL_TCP_SYN) ? NET_TCP_ESTABLISHED :
							     NET_TCP_SYN_SENT;
}

/* A flow's new kernel totals: what grew since the last sweep. */
static void grow(struct ft_entry *x, const struct fl_value *v, uint64_t now_ns)
{
	double secs = x->swept_ns && now_ns > x->swept_ns ? (double)(now_ns - x->swept_ns) / 1e9 : 0;
	struct net_flow *f = &x->f;

	f->delta_bytes = f->delta_packets = 0;
	for (int d = 0; d < 2; d++) {
		/* Smaller than last time: the kernel entry was made anew. */
		uint64_t db = v->bytes[d] >= x->k_bytes[d] ? v->bytes[d] - x->k_bytes[d] : v->bytes[d];
		uint64_t dp = v->packets[d] >= x->k_packets[d] ? v->packets[d] - x->k_packets[d] :
								  v->packets[d];

		f->bytes[d] += db;
		f->packets[d] += dp;
		f->delta_bytes += db;
		f->delta_packets += dp;
		f->rate_bps[d] = secs > 0 ? (double)db / secs : 0;
		x->k_bytes[d] = v->bytes[d];
		x->k_packets[d] = v->packets[d];
		f->tcp_flags[d] |= (uint8_t)(v->tcp_flags >> FL_TCP_SHIFT(d));
	}
	if (v->last_ns > f->last_ns)
		f->last_ns = v->last_ns;
	x->swept_ns = now_ns;
	f->state = tcp_state(f);
}

static void start(struct ft_entry *x, const struct fl_value *v)
{
	struct net_flow *f = &x->f;

	f->first_ns = v->first_ns;
	f->last_ns = v->last_ns;
	f->initiator = v->initiator;
	f->icmp_type = v->icmp_type;
	f->syn_seen = v->flags & FL_F_SYN_SEEN;
}

/*
 * Is a kernel entry for an ended flow's key the same conversation going on?
 * Late segments of a closed TCP flow are; a new SYN on the same ports is a
 * new connection, and UDP or ICMP after an idle end starts anew.
 */
static bool continues(const struct net_flow *f, const struct fl_value *v)
{
	return f->key.proto == 6 && (f->end == NET_END_CLOSED || f->end == NET_END_RESET) &&
	       !(v->flags & FL_F_SYN_SEEN);
}

struct sweep {
	struct flow_table *t;
	uint64_t now;
	flow_name_fn name;
	net_flow_event_fn on_event;
	void *ctx;
	struct fl_key *del;
	size_t n_del, max_del;
};

/* The kernel forgets the entry: a later one for the key counts from zero. */
static void forget(struct sweep *s, struct ft_entry *x)
{
	if (s->n_del < s->max_del)
		s->del[s->n_del++] = x->f.key;
	memset(x->k_bytes, 0, sizeof(x->k_bytes));
	memset(x->k_packets, 0, sizeof(x->k_packets));
}

static void end_flow(struct sweep *s, struct ft_entry *x, enum net_flow_end why)
{
	x->f.end = why;
	x->f.ended_ns = s->now;
	x->f.rate_bps[0] = x->f.rate_bps[1] = 0;
	s->t->st.active--;
	s->t->st.ended++;
	s->t->st.finished++;
	if (s->on_event)
		s->on_event(&x->f, NET_FLOW_END, s->ctx);
}

/* One kernel entry. */
static void take(struct sweep *s, const struct fl_key *k, const struct fl_value *v)
{
	struct ft_entry *x = find(s->t, k);
	bool fresh = false;

	if (x && x->f.end) {
		if (continues(&x->f, v)) {
			grow(x, v, s->now); /* late segments of a closed flow */
			x->seen = true;
			forget(s, x);
			return;
		}
		unlink_entry(s->t, x);
		x = NULL;
	}
	if (!x) {
		x = insert(s->t, k);
		if (!x) {
			s->t->st.dropped++;
			return;
		}
		start(x, v);
		fresh = true;
		s->t->st.started++;
	}
	x->seen = true;
	grow(x, v, s->now);
	if (s->name)
		s->name(&x->f, s->ctx);
	if (fresh && s->on_event)
		s->on_event(&x->f, NET_FLOW_START, s->ctx);
	if (x->f.delta_bytes && s->on_event)
		s->on_event(&x->f, NET_FLOW_UPDATE, s->ctx);
}

/* After the kernel's entries: which active flows end now. */
static void decide(struct sweep *s, struct ft_entry *x)
{
	const struct flow_table_cfg *c = &s->t->cfg;
	uint64_t quiet = s->now > x->f.last_ns ? s->now - x->f.last_ns : 0;

	if (!x->seen) {
		end_flow(s, x, NET_END_GONE);
		return;
	}
	if (x->f.state == NET_TCP_RESET && quiet >= c->close_ns)
		end_flow(s, x, NET_END_RESET);
	else if (x->f.state == NET_TCP_CLOSED && quiet >= c->close_ns)
		end_flow(s, x, NET_END_CLOSED);
	else if (quiet >= c->idle_ns)
		end_flow(s, x, NET_END_IDLE);
	else
		return;
	forget(s, x);
}

size_t flow_table_sweep(struct flow_table *t, uint64_t now_ns, const struct fl_key *keys,
			const struct fl_value *vals, size_t n, flow_name_fn name,
			net_flow_event_fn on_event, void *ctx, struct fl_key *del,
			size_t max_del)
{
	struct sweep s = { .t = t, .now = now_ns, .name = name, .on_event = on_event,
			   .ctx = ctx, .del = del, .max_del = max_del };

	for (size_t i = 0; i < t->hwm; i++)
		t->e[i].seen = false;
	for (size_t i = 0; i < n; i++)
		take(&s, &keys[i], &vals[i]);
	for (size_t i = 0; i < t->hwm; i++) {
		struct ft_entry *x = &t->e[i];

		if (!x->used)
			continue;
		if (!x->f.end)
			decide(&s, x);
		else if (now_ns - x->f.ended_ns >= t->cfg.keep_ended_ns)
			unlink_entry(t, x);
	}
	return s.n_del;
}

void flow_table_foreach(const struct flow_table *t, net_flow_fn fn, void *ctx)
{
	for (int ended = 0; ended < 2; ended++)
		for (size_t i = 0; i < t->hwm; i++)
			if (t->e[i].used && !!t->e[i].f.end == ended)
				fn(&t->e[i].f, ctx);
}

void flow_table_stats(const struct flow_table *t, struct flow_table_stats *out)
{
	*out = t->st;
}

const char *net_tcp_state_name(enum net_tcp_state s)
{
	static const char *const names[] = { "", "SYN_SENT", "ESTABLISHED", "CLOSING",
					     "CLOSED", "RESET", "MIDSTREAM" };

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "";
}

const char *net_flow_end_name(enum net_flow_end e)
{
	static const char *const names[] = { "", "closed", "reset", "idle", "gone" };

	return (unsigned)e < sizeof(names) / sizeof(names[0]) ? names[e] : "";
}
