/*
 * Latencies as a log-linear histogram: 8 buckets per power of two, so a
 * quantile is within 1/8 (12.5 %) of the truth, at a fixed 2 KiB whatever
 * the number of samples. Buckets past 2^34 ns (17 s) are clamped into the
 * last. Used for the fanotify guard's decisions and the sinks' alert latency.
 */
#include "metrics/metrics.h"

static unsigned bucket_of(uint64_t ns)
{
	unsigned e, b;

	if (ns < 8)
		return (unsigned)ns;
	e = 63u - (unsigned)__builtin_clzll(ns);
	b = (e - 2) * 8 + (unsigned)((ns >> (e - 3)) & 7);
	return b < METRICS_HIST_BUCKETS ? b : METRICS_HIST_BUCKETS - 1;
}

static uint64_t bucket_upper(unsigned b)
{
	unsigned e = b / 8 + 2;

	if (b < 8)
		return b;
	return (((uint64_t)(8 + b % 8)) << (e - 3)) + (1ull << (e - 3)) - 1;
}

void metrics_hist_add(struct metrics_hist *h, uint64_t ns)
{
	__atomic_fetch_add(&h->count[bucket_of(ns)], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&h->total, 1, __ATOMIC_RELAXED);
}

uint64_t metrics_hist_quantile(const struct metrics_hist *h, double q)
{
	uint64_t total = h->total, want, seen = 0;

	if (!total)
		return 0;
	want = (uint64_t)(q * (double)total + 0.5);
	if (want < 1)
		want = 1;
	for (unsigned b = 0; b < METRICS_HIST_BUCKETS; b++) {
		seen += h->count[b];
		if (seen >= want)
			return bucket_upper(b);
	}
	return bucket_upper(METRICS_HIST_BUCKETS - 1);
}
