/*
 * The agent's metrics (docs/metrics.md lists each one). Counting happens on
 * the event path in arrays indexed by kind, syscall number and rule; the
 * collector turns them into samples once a second on the same thread.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/agent_metrics_internal.h"
#include "agent/pipeline.h"
#include "container/container.h"
#include "event/syscalls.h"
#include "sensor/sensor.h"

static void collect(struct metrics_writer *w, void *ctx);

int agent_metrics_new(struct metrics_registry *r, struct pipeline *p, struct agent_metrics **out)
{
	struct agent_metrics *m = calloc(1, sizeof(*m));
	int err;

	*out = NULL;
	if (!m)
		return -ENOMEM;
	m->p = p;
	m->reg = r;
	err = metrics_register(r, collect, m);
	if (err) {
		free(m);
		return err;
	}
	*out = m;
	return 0;
}

void agent_metrics_free(struct agent_metrics *m)
{
	if (!m)
		return;
	free(m->rule_counts);
	free(m);
}

void agent_metrics_set_sensor(struct agent_metrics *m, struct sensor *s,
			      const uint32_t *syscall_spec)
{
	m->sensor = s;
	m->syscall_spec = syscall_spec;
}

static int cmp_rule_ptr(const void *a, const void *b)
{
	const struct rule_count *x = a, *y = b;

	return x->info < y->info ? -1 : x->info > y->info;
}

void agent_metrics_rules_loaded(struct agent_metrics *m, const struct rules_engine *e, bool ok)
{
	struct timespec ts;
	size_t i, n = e ? rules_engine_rule_count(e) : 0;
	struct rule_count *v = n ? calloc(n, sizeof(*v)) : NULL;

	clock_gettime(CLOCK_REALTIME, &ts);
	m->rules_loaded_at = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	m->rules_ok = ok;
	if (!ok)
		return; /* the previous engine stays in force */
	m->rules = e;
	free(m->rule_counts);
	m->rule_counts = v;
	m->n_rules = v ? n : 0;
	for (i = 0; i < m->n_rules; i++)
		v[i].info = rules_engine_rule(e, i);
	if (v)
		qsort(v, n, sizeof(*v), cmp_rule_ptr);
}

/* The id, a word at a time (a multiply per 8 bytes: cheaper than a byte-wise
 * hash on the per-event path). Only the string counts, not what follows it. */
static uint64_t id_hash(const char *id)
{
	size_t len = strnlen(id, CONTAINER_ID_LEN), i;
	uint64_t h = len, w;

	for (i = 0; i < len; i += sizeof(w)) {
		w = 0;
		memcpy(&w, id + i, len - i < sizeof(w) ? len - i : sizeof(w));
		h = (h ^ w) * 0x9e3779b97f4a7c15ull;
	}
	/* MurmurHash3's finaliser: every input bit reaches the low bits the
	 * index uses, even for ids that differ only at the end. */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 33);
}

static void index_rebuild(struct agent_metrics *m)
{
	unsigned i, j;

	memset(m->index, 0, sizeof(m->index));
	for (i = 0; i < AGENT_METRICS_CONTAINERS_MAX; i++) {
		if (!m->slots[i].id[0])
			continue;
		for (j = (unsigned)m->slots[i].hash % INDEX_SIZE; m->index[j]; j = (j + 1) % INDEX_SIZE)
			;
		m->index[j] = (uint16_t)(i + 1);
	}
}

/* A slot for a new container: a free one, or the least recently active. */
static unsigned slot_take(struct agent_metrics *m)
{
	unsigned i, oldest = 0;

	for (i = 0; i < AGENT_METRICS_CONTAINERS_MAX; i++) {
		if (!m->slots[i].id[0])
			return i;
		if (m->slots[i].last_seq < m->slots[oldest].last_seq)
			oldest = i;
	}
	m->containers_evicted++;
	memset(&m->slots[oldest], 0, sizeof(m->slots[oldest]));
	index_rebuild(m);
	m->last = NULL;
	return oldest;
}

/* The slot of a container, made (or recycled) when new. */
static struct container_slot *container_slot(struct agent_metrics *m,
					     const struct container_info *c)
{
	uint64_t h;
	unsigned i, n;
	struct container_slot *s = m->last;

	if (s && s->copy == c && strcmp(s->id, c->id) == 0)
		return s;
	h = id_hash(c->id);
	for (i = (unsigned)h % INDEX_SIZE; m->index[i]; i = (i + 1) % INDEX_SIZE) {
		s = &m->slots[m->index[i] - 1];
		if (s->hash == h && strcmp(s->id, c->id) == 0)
			goto found;
	}
	n = slot_take(m);
	s = &m->slots[n];
	snprintf(s->id, sizeof(s->id), "%s", c->id);
	s->hash = h;
	/* Taking a slot may have rebuilt the index: probe again for a free entry. */
	for (i = (unsigned)h % INDEX_SIZE; m->index[i]; i = (i + 1) % INDEX_SIZE)
		;
	m->index[i] = (uint16_t)(n + 1);
found:
	/* A new copy of the container (its metadata arrived): take its name. */
	if (s->copy != c) {
		s->copy = c;
		if (c->has_metadata && c->name[0])
			snprintf(s->name, sizeof(s->name), "%s", c->name);
	}
	m->last = s;
	return s;
}

void agent_metrics_event(struct agent_metrics *m, const struct event *ev)
{
	struct container_slot *s;

	if ((unsigned)ev->kind < EV_KIND_MAX)
		m->by_kind[ev->kind]++;
	if (ev->kind == EV_SYSCALL && ev->sc && ev->sc->nr < EV_SYSCALL_NR_MAX)
		m->by_syscall[ev->sc->nr]++;
	if (!ev->container) {
		m->host_events++;
		return;
	}
	s = container_slot(m, ev->container);
	s->events++;
	s->last_tick = m->tick;
	s->last_seq = ++m->seq;
}

void agent_metrics_alert(struct agent_metrics *m, const struct rules_alert *a)
{
	struct rule_count key = { .info = a->rule }, *rc;

	rc = m->n_rules ? bsearch(&key, m->rule_counts, m->n_rules, sizeof(key), cmp_rule_ptr)
			: NULL;
	if (rc)
		rc->alerts++;
	else
		m->alerts_unknown_rule++;
	if (a->ev && a->ev->container) {
		struct container_slot *s = container_slot(m, a->ev->container);

		s->alerts++;
		s->last_tick = m->tick;
		s->last_seq = ++m->seq;
	} else {
		m->host_alerts++;
	}
}

void agent_metrics_action(struct agent_metrics *m, const char *action, const char *outcome)
{
	if (m)
		metrics_count_action(m->reg, action, outcome);
}

static void counter(struct metrics_writer *w, const char *name, const char *help, uint64_t v)
{
	metrics_family(w, name, METRICS_COUNTER, help);
	metrics_sample(w, (double)v);
}

static void gauge(struct metrics_writer *w, const char *name, const char *help, double v)
{
	metrics_family(w, name, METRICS_GAUGE, help);
	metrics_sample(w, v);
}

static void collect_events(struct agent_metrics *m, struct metrics_writer *w)
{
	size_t i;
	unsigned k;

	metrics_family(w, "palisade_events_total", METRICS_COUNTER,
		       "Events decoded, by kind (process, syscall, snapshot) and type.");
	for (k = 1; k < EV_KIND_MAX; k++) {
		if (k == EV_SYSCALL)
			continue;
		metrics_sample(w, (double)m->by_kind[k], "kind",
			       k == EV_PROC_SNAPSHOT ? "snapshot" : "process", "type",
			       event_kind_name(k));
	}
	/* Every syscall the sensor watches, zeros included, so rates start at 0. */
	for (i = 0; i < syscall_count(); i++) {
		const struct syscall_desc *d = syscall_at(i);

		if (d->nr < EV_SYSCALL_NR_MAX && (m->by_syscall[d->nr] ||
						 (m->syscall_spec && m->syscall_spec[d->nr])))
			metrics_sample(w, (double)m->by_syscall[d->nr], "kind", "syscall", "type",
				       d->name);
	}
	counter(w, "palisade_records_malformed_total",
		"Raw records refused by the decoder (inconsistent sizes).", m->p->malformed);
	counter(w, "palisade_record_write_errors_total",
		"Records that could not be written to the --record file.", m->p->record_errors);
}

static void collect_rules(struct agent_metrics *m, struct metrics_writer *w)
{
	struct rules_stats st = { 0 };
	size_t i;

	metrics_family(w, "palisade_alerts_total", METRICS_COUNTER,
		       "Alerts raised (after rate limiting), by rule and priority.");
	for (i = 0; i < m->n_rules; i++) {
		const struct rules_rule_info *r = m->rule_counts[i].info;

		if (r->enabled || m->rule_counts[i].alerts)
			metrics_sample(w, (double)m->rule_counts[i].alerts, "rule", r->name,
				       "priority", rules_priority_name(r->priority));
	}
	if (m->alerts_unknown_rule)
		metrics_sample(w, (double)m->alerts_unknown_rule, "rule", "(unknown)", "priority",
			       "");
	counter(w, "palisade_alert_encode_errors_total",
		"Alerts that could not be encoded as JSON (out of memory).", m->p->alert_errors);

	if (m->rules)
		rules_engine_stats(m->rules, &st);
	counter(w, "palisade_rules_events_evaluated_total", "Events the rule engine evaluated.",
		st.events);
	counter(w, "palisade_rules_events_unindexed_total",
		"Evaluated events for whose type no rule was indexed.", st.events_no_rules);
	counter(w, "palisade_rules_matches_total", "Rule conditions that matched.", st.matches);
	counter(w, "palisade_rules_rate_limited_total",
		"Alerts dropped by the per-rule, per-container rate limit.", st.rate_limited);
	counter(w, "palisade_rules_deduplicated_total",
		"Alerts dropped as identical to one within the dedup window.", st.deduplicated);
	counter(w, "palisade_rules_limiter_evictions_total",
		"Rate-limiter slots recycled because the limiter was full.", st.limiter_evictions);
	counter(w, "palisade_rules_regex_errors_total",
		"Regex matches that failed on a bound (match, depth, heap or JIT stack limit).",
		st.regex_errors);
	counter(w, "palisade_rules_undecided_total",
		"Rules fired because a failed regex match left their condition undecided "
		"(fail closed).", st.undecided);
	gauge(w, "palisade_rules_loaded", "Rules loaded.", (double)st.rules_loaded);
	gauge(w, "palisade_rules_enabled", "Rules loaded and enabled.", (double)st.rules_enabled);
	gauge(w, "palisade_rules_cannot_fire",
	      "Enabled rules that need an event type no sensor provides yet.",
	      (double)(m->rules ? rules_engine_cannot_fire_count(m->rules) : 0));
	gauge(w, "palisade_rules_last_load_success",
	      "1 when the last load of the rules succeeded, 0 when it was refused.",
	      m->rules_ok ? 1 : 0);
	gauge(w, "palisade_rules_last_load_timestamp_seconds",
	      "When the rules were last loaded (or refused), seconds since the epoch.",
	      m->rules_loaded_at);
}

void agent_metrics_percpu(struct agent_metrics *m, struct metrics_writer *w, int n,
			  const char *name, const char *help, enum ev_counter k)
{
	char cpu[16];

	metrics_family(w, name, METRICS_COUNTER, help);
	for (int c = 0; c < n; c++) {
		snprintf(cpu, sizeof(cpu), "%d", c);
		metrics_sample(w, (double)m->percpu[(size_t)c * CNT_MAX + k], "cpu", cpu);
	}
}

static void collect_kernel(struct agent_metrics *m, struct metrics_writer *w)
{
	static const struct {
		enum ev_counter k;
		const char *cause;
	} losses[] = {
		{ CNT_RINGBUF_FULL, "ring_buffer_full" },
		{ CNT_TRUNC_PATH, "path_truncated" },
		{ CNT_TRUNC_ARGS, "args_truncated" },
		{ CNT_READ_FAIL, "read_failed" },
		{ CNT_TRUNC_ENV, "env_truncated" },
		{ CNT_KILL_FAILED, "kill_failed" },
		{ CNT_HOLD_FAILED, "hold_failed" },
	};
	struct sensor_info si;
	char cpu[16];
	size_t i;
	int n, c;

	if (!m->sensor)
		return;
	sensor_info(m->sensor, &si);
	n = sensor_counters_percpu(m->sensor, m->percpu, CPUS_MAX);
	agent_metrics_percpu(m, w, n, "palisade_kernel_records_total",
			     "Records the BPF sensors queued on the ring buffer, per CPU.", CNT_EVENTS);
	metrics_family(w, "palisade_kernel_losses_total", METRICS_COUNTER,
		       "What the BPF sensors lost, by cause and CPU: events (ring_buffer_full), "
		       "parts of events (path_truncated, args_truncated, env_truncated, read_failed), "
		       "in-kernel kills the kernel could not send (kill_failed), new containers' "
		       "first execs that could not be held (hold_failed).");
	for (c = 0; c < n; c++) {
		snprintf(cpu, sizeof(cpu), "%d", c);
		for (i = 0; i < sizeof(losses) / sizeof(losses[0]); i++)
			metrics_sample(w, (double)m->percpu[(size_t)c * CNT_MAX + losses[i].k],
				       "cause", losses[i].cause, "cpu", cpu);
	}
	metrics_family(w, "palisade_sensor_program_attached", METRICS_GAUGE,
		       "Each loaded BPF program, by section and name: 1 when the kernel holds a "
		       "link to it, 0 when loaded but not attached (read back from the kernel).");
	for (i = 0; i < si.n_programs; i++)
		metrics_sample(w, si.programs[i].links > 0, "program", si.programs[i].section,
			       "name", si.programs[i].name);
	metrics_family(w, "palisade_sensor_program_links", METRICS_GAUGE,
		       "Links the kernel holds to each loaded BPF program (a tracepoint program "
		       "has one per watched syscall).");
	for (i = 0; i < si.n_programs; i++)
		metrics_sample(w, si.programs[i].links, "program", si.programs[i].section,
			       "name", si.programs[i].name);
	gauge(w, "palisade_sensor_links_unreadable",
	      "1 when the kernel's link list could not be read (every program then reads 0).",
	      si.links_error != 0);
	gauge(w, "palisade_sensor_syscalls_watched",
	      "Syscalls the kernel side reports (the rules' needs, or --syscalls).",
	      si.syscalls_watched);
	gauge(w, "palisade_sensor_ring_buffer_bytes", "Size of the BPF ring buffer.",
	      si.ringbuf_bytes);
}

static void collect_tables(struct agent_metrics *m, struct metrics_writer *w)
{
	struct proc_table_stats ps;
	struct container_store_stats cs = { 0 };

	if (!m->p->procs)
		return;
	proc_table_stats(m->p->procs, &ps);
	gauge(w, "palisade_proc_table_entries", "Processes in the process table.", (double)ps.entries);
	gauge(w, "palisade_proc_table_capacity", "Processes the table holds before evicting.",
	      (double)ps.capacity);
	counter(w, "palisade_proc_table_evictions_total",
		"Processes evicted (least recently used) because the table was full.",
		ps.evictions);
	counter(w, "palisade_proc_table_parent_misses_total",
		"Lookups of a parent the table did not know.", ps.misses);
	counter(w, "palisade_proc_table_alloc_failures_total",
		"Process entries that could not be allocated.", ps.alloc_failures);
	if (!m->p->containers)
		return;
	container_store_stats(m->p->containers, &cs);
	gauge(w, "palisade_containers_known", "Containers in the container store.",
	      (double)cs.containers);
	gauge(w, "palisade_container_cgroups_cached", "cgroup ids attributed and cached.",
	      (double)cs.cgroups);
	gauge(w, "palisade_docker_engine_up", "1 while the Docker Engine API answers.",
	      cs.engine_connected ? 1 : 0);
	counter(w, "palisade_docker_engine_errors_total",
		"Failed or malformed Docker Engine API answers.", cs.engine_errors);
	counter(w, "palisade_docker_engine_reconnects_total",
		"Times the Docker /events stream was re-established.", cs.engine_reconnects);
	counter(w, "palisade_container_lookups_unresolved_total",
		"cgroup ids that could not be attributed to a container or the host.",
		cs.lookups_unresolved);
	counter(w, "palisade_container_inspects_dropped_total",
		"Container inspections over the queue bound (retried later).",
		cs.inspects_dropped);
}

static void collect_containers(struct agent_metrics *m, struct metrics_writer *w)
{
	static const struct {
		const char *name, *help;
		bool alerts;
	} fams[] = {
		{ "palisade_container_events_total",
		  "Events per container (at most 200 active containers; \"host\" for the host).",
		  false },
		{ "palisade_container_alerts_total",
		  "Alerts per container (at most 200 active containers; \"host\" for the host).",
		  true },
	};
	size_t f, i, gone;

	/* Containers idle for long are most likely gone: their series end. */
	for (i = 0, gone = 0; i < AGENT_METRICS_CONTAINERS_MAX; i++)
		if (m->slots[i].id[0] &&
		    m->tick - m->slots[i].last_tick > AGENT_METRICS_CONTAINERS_IDLE_PUBLISHES) {
			memset(&m->slots[i], 0, sizeof(m->slots[i]));
			gone++;
		}
	if (gone) {
		index_rebuild(m);
		m->last = NULL;
	}
	for (f = 0; f < 2; f++) {
		metrics_family(w, fams[f].name, METRICS_COUNTER, fams[f].help);
		metrics_sample(w, (double)(fams[f].alerts ? m->host_alerts : m->host_events),
			       "container_id", "host", "container_name", "host");
		for (i = 0; i < AGENT_METRICS_CONTAINERS_MAX; i++) {
			const struct container_slot *s = &m->slots[i];

			if (!s->id[0])
				continue;
			metrics_sample(w, (double)(fams[f].alerts ? s->alerts : s->events),
				       "container_id", s->id, "container_name", s->name);
		}
	}
	counter(w, "palisade_container_series_evicted_total",
		"Containers whose series gave way because 200 were already tracked.",
		m->containers_evicted);
}

static void collect(struct metrics_writer *w, void *ctx)
{
	struct agent_metrics *m = ctx;

	m->tick++;
	collect_events(m, w);
	collect_rules(m, w);
	collect_kernel(m, w);
	collect_tables(m, w);
	collect_containers(m, w);
	agent_metrics_falco(m, w);
}
