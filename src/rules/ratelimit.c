/*
 * Per (rule, container) token bucket and de-duplication of identical
 * outputs. A fixed table allocated once: when it is full the stalest slot
 * of the probe window is recycled (counted), so memory stays bounded
 * whatever the number of containers. Time is the event's own timestamp,
 * so a replay limits exactly as the live run did.
 */
#include <errno.h>
#include <stdlib.h>

#include "rules/rules_internal.h"

#define SLOTS 4096 /* power of two */
#define PROBE 8

struct slot {
	uint32_t rule1; /* rule index + 1; 0 = free */
	uint64_t key;
	double tokens;
	uint64_t last_ns;
	uint64_t last_hash, last_hash_ns;
};

struct rl_limiter {
	double rate, burst;
	uint64_t window;
	struct slot slots[SLOTS];
};

int rl_limiter_new(const struct rules_config *cfg, struct rl_limiter **out)
{
	struct rl_limiter *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->rate = cfg->rate_per_sec;
	l->burst = cfg->rate_burst > 1 ? cfg->rate_burst : 1;
	l->window = cfg->dedup_window_ns;
	*out = l;
	return 0;
}

void rl_limiter_free(struct rl_limiter *l)
{
	free(l);
}

static struct slot *find(struct rl_limiter *l, uint32_t rule, uint64_t key, uint64_t *evictions)
{
	uint64_t kh[2] = { rule, key };
	size_t base = rl_hash(kh, sizeof(kh)) & (SLOTS - 1);
	struct slot *stalest = NULL;

	for (size_t i = 0; i < PROBE; i++) {
		struct slot *s = &l->slots[(base + i) & (SLOTS - 1)];

		if (s->rule1 == rule + 1 && s->key == key)
			return s;
		if (!s->rule1) {
			s->rule1 = rule + 1;
			s->key = key;
			s->tokens = l->burst;
			return s;
		}
		if (!stalest || s->last_ns < stalest->last_ns)
			stalest = s;
	}
	(*evictions)++;
	stalest->rule1 = rule + 1;
	stalest->key = key;
	stalest->tokens = l->burst;
	stalest->last_hash = stalest->last_hash_ns = 0;
	return stalest;
}

int rl_limiter_check(struct rl_limiter *l, uint32_t rule, uint64_t key, uint64_t now,
		     uint64_t hash, uint64_t *evictions)
{
	struct slot *s;

	if (l->rate <= 0 && !l->window)
		return 0;
	s = find(l, rule, key, evictions);
	if (l->window && s->last_hash == hash && s->last_hash_ns &&
	    now - s->last_hash_ns < l->window)
		return 2;
	if (l->rate > 0) {
		if (s->last_ns && now > s->last_ns) {
			s->tokens += (double)(now - s->last_ns) * l->rate / 1e9;
			if (s->tokens > l->burst)
				s->tokens = l->burst;
		}
		s->last_ns = now;
		if (s->tokens < 1.0)
			return 1;
		s->tokens -= 1.0;
	} else {
		s->last_ns = now;
	}
	s->last_hash = hash;
	s->last_hash_ns = now ? now : 1;
	return 0;
}
