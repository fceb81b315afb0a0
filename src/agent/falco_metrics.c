/*
 * Falco's metric names and labels, written next to palisade's from the same
 * counters, so that Falco's dashboards and alerting rules work unchanged
 * (docs/metrics.md lists each family and what it maps to). The names and
 * label shapes are those Falco 0.39/0.40 exports with metrics enabled:
 * falcosecurity_falco_* (the agent), falcosecurity_scap_* (the kernel side),
 * falcosecurity_evt_hostname_info. Where palisade has no counterpart, the
 * family is absent rather than an invented zero.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent_metrics_internal.h"
#include "agent/pipeline.h"
#include "output/sink.h"
#include "version.h"

#define TAGS_MAX 64

static void one(struct metrics_writer *w, const char *name, enum metrics_type t, const char *help,
		double v)
{
	metrics_family(w, name, t, help);
	metrics_sample(w, v);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Falco's `tags` label: the rule's tags sorted, joined by ", ". */
static void tags_label(const struct rules_rule_info *r, char *buf, size_t cap)
{
	const char *t[TAGS_MAX];
	size_t n = r->n_tags < TAGS_MAX ? r->n_tags : TAGS_MAX, i, len = 0;

	if (n)
		memcpy(t, r->tags, n * sizeof(*t));
	qsort(t, n, sizeof(*t), cmp_str);
	buf[0] = '\0';
	for (i = 0; i < n && len < cap; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%s%s", i ? ", " : "", t[i]);
}

static void info(struct metrics_writer *w)
{
	struct utsname u;
	char host[256] = "";

	if (uname(&u) != 0)
		strcpy(u.release, "unknown");
	gethostname(host, sizeof(host) - 1);
	metrics_family(w, "falcosecurity_falco_version_info", METRICS_GAUGE,
		       "Always 1; version: palisade's version (Falco's name, docs/metrics.md).");
	metrics_sample(w, 1, "version", PALISADE_VERSION);
	metrics_family(w, "falcosecurity_falco_kernel_release_info", METRICS_GAUGE,
		       "Always 1; the kernel release.");
	metrics_sample(w, 1, "kernel_release", u.release);
	metrics_family(w, "falcosecurity_evt_hostname_info", METRICS_GAUGE,
		       "Always 1; the host name alerts carry.");
	metrics_sample(w, 1, "hostname", host);
	metrics_family(w, "falcosecurity_falco_evt_source_info", METRICS_GAUGE,
		       "Always 1 per event source: syscall.");
	metrics_sample(w, 1, "evt_source", "syscall");
	metrics_family(w, "falcosecurity_scap_engine_name_info", METRICS_GAUGE,
		       "Always 1; the kernel side: palisade's eBPF sensors.");
	metrics_sample(w, 1, "engine_name", "palisade_ebpf", "evt_source", "syscall");
}

static void agent(struct agent_metrics *m, struct metrics_writer *w)
{
	struct metrics_process pi;
	struct metrics_host hi;
	struct sink_stats st[64];
	size_t i, n = sink_stats_current(st, 64);
	double dropped = 0, now = (double)time(NULL);

	metrics_process_read(&pi);
	metrics_host_read(&hi);
	for (i = 0; i < n && i < 64; i++)
		dropped += (double)st[i].dropped;
	one(w, "falcosecurity_falco_start_timestamp_nanoseconds", METRICS_GAUGE,
	    "When the agent started, ns since the epoch.", pi.start_time * 1e9);
	one(w, "falcosecurity_falco_host_boot_timestamp_nanoseconds", METRICS_GAUGE,
	    "When the host booted, ns since the epoch.", hi.boot_time * 1e9);
	one(w, "falcosecurity_falco_host_num_cpus_total", METRICS_GAUGE, "CPUs online.",
	    (double)hi.ncpus);
	one(w, "falcosecurity_falco_duration_seconds_total", METRICS_COUNTER,
	    "Seconds the agent has run.", pi.start_time > 0 ? now - pi.start_time : 0);
	one(w, "falcosecurity_falco_outputs_queue_num_drops_total", METRICS_COUNTER,
	    "Alerts the outputs dropped (all sinks: palisade_sink_dropped_total).", dropped);
	one(w, "falcosecurity_falco_reload_timestamp_nanoseconds", METRICS_GAUGE,
	    "When the rules were last loaded, ns since the epoch.", m->rules_loaded_at * 1e9);
	one(w, "falcosecurity_falco_cpu_usage_ratio", METRICS_GAUGE,
	    "CPU of the agent over its life, as ps shows it (1 = one CPU).",
	    pi.start_time > 0 && now > pi.start_time ? pi.cpu_seconds / (now - pi.start_time) : 0);
	one(w, "falcosecurity_falco_memory_rss_bytes", METRICS_GAUGE, "Resident memory.", pi.rss_bytes);
	one(w, "falcosecurity_falco_memory_vsz_bytes", METRICS_GAUGE, "Virtual memory.", pi.vsz_bytes);
	one(w, "falcosecurity_falco_memory_pss_bytes", METRICS_GAUGE, "Proportional set size.",
	    pi.pss_bytes);
	one(w, "falcosecurity_falco_host_cpu_usage_ratio", METRICS_GAUGE,
	    "Busy share of all CPUs since boot.", hi.cpu_total > 0 ? hi.cpu_busy / hi.cpu_total : 0);
	one(w, "falcosecurity_falco_host_memory_used_bytes", METRICS_GAUGE,
	    "Host memory in use (MemTotal - MemAvailable).", hi.mem_used_bytes);
	one(w, "falcosecurity_falco_host_procs_running_total", METRICS_GAUGE,
	    "Runnable processes on the host (/proc/stat).", hi.procs_running);
	one(w, "falcosecurity_falco_host_open_fds_total", METRICS_GAUGE,
	    "File handles open on the host (/proc/sys/fs/file-nr).", hi.open_fds);
}

static void rules(struct agent_metrics *m, struct metrics_writer *w)
{
	char prio[4], tags[1024];
	size_t i;

	/* Falco writes a series once the rule has matched, so increase() misses
	 * the first match; every enabled rule starts at 0 here, as in
	 * palisade_alerts_total. */
	metrics_family(w, "falcosecurity_falco_rules_matches_total", METRICS_COUNTER,
		       "Alerts by rule: rule_name, priority (0 Emergency .. 7 Debug), source, "
		       "tags (sorted, \", \"-joined).");
	for (i = 0; i < m->n_rules; i++) {
		const struct rules_rule_info *r = m->rule_counts[i].info;

		if (!r->enabled && !m->rule_counts[i].alerts)
			continue;
		snprintf(prio, sizeof(prio), "%d", (int)r->priority);
		tags_label(r, tags, sizeof(tags));
		metrics_sample(w, (double)m->rule_counts[i].alerts, "rule_name", r->name, "priority",
			       prio, "source", r->source, "tags", tags);
	}
}

static void kernel(struct agent_metrics *m, struct metrics_writer *w)
{
	uint64_t evts = 0, drops = 0, de, dd;
	int c, n;

	if (!m->sensor)
		return;
	n = sensor_counters_percpu(m->sensor, m->percpu, CPUS_MAX);
	for (c = 0; c < n; c++) {
		evts += m->percpu[(size_t)c * CNT_MAX + CNT_EVENTS];
		drops += m->percpu[(size_t)c * CNT_MAX + CNT_RINGBUF_FULL];
	}
	one(w, "falcosecurity_scap_n_evts_total", METRICS_COUNTER,
	    "Records the kernel side queued (palisade_kernel_records_total).", (double)evts);
	one(w, "falcosecurity_scap_n_drops_total", METRICS_COUNTER,
	    "Events lost in the kernel: the ring buffer was full.", (double)drops);
	/* palisade counts ring-full losses as one cause, not by syscall class. */
	metrics_family(w, "falcosecurity_scap_n_drops_buffer_total", METRICS_COUNTER,
		       "Events lost to a full ring buffer; palisade has one class: drop=\"all\".");
	metrics_sample(w, (double)drops, "dir", "exit", "drop", "all");
	de = evts - m->falco_evts_prev;
	dd = drops - m->falco_drops_prev;
	one(w, "falcosecurity_scap_n_drops_perc", METRICS_GAUGE,
	    "Share of events lost since the last snapshot, percent.",
	    de + dd ? 100.0 * (double)dd / (double)(de + dd) : 0);
	m->falco_evts_prev = evts;
	m->falco_drops_prev = drops;
	agent_metrics_percpu(m, w, n, "falcosecurity_scap_n_evts_cpu_total",
			     "Records queued, per CPU.", CNT_EVENTS);
	agent_metrics_percpu(m, w, n, "falcosecurity_scap_n_drops_cpu_total",
			     "Events lost to a full ring buffer, per CPU.", CNT_RINGBUF_FULL);
}

static void state(struct agent_metrics *m, struct metrics_writer *w)
{
	struct proc_table_stats ps;
	struct container_store_stats cs = { 0 };
	struct fd_table_stats fs = { 0 };

	if (!m->p->procs)
		return;
	proc_table_stats(m->p->procs, &ps);
	if (m->p->containers)
		container_store_stats(m->p->containers, &cs);
	if (m->p->fds)
		fd_table_stats(m->p->fds, &fs);
	one(w, "falcosecurity_scap_n_threads_total", METRICS_GAUGE,
	    "Processes in the process table (palisade tracks processes, not threads).",
	    (double)ps.entries);
	one(w, "falcosecurity_scap_n_failed_thread_lookups_total", METRICS_COUNTER,
	    "Lookups of a process the table did not know.", (double)ps.misses);
	one(w, "falcosecurity_scap_n_fds_total", METRICS_GAUGE,
	    "fds in the fd table (0 while it is off).", (double)fs.entries);
	one(w, "falcosecurity_scap_n_failed_fd_lookups_total", METRICS_COUNTER,
	    "Events about an fd the table did not know.", (double)fs.misses);
	one(w, "falcosecurity_scap_n_containers_total", METRICS_GAUGE, "Containers known.",
	    (double)cs.containers);
}

void agent_metrics_falco(struct agent_metrics *m, struct metrics_writer *w)
{
	info(w);
	agent(m, w);
	rules(m, w);
	kernel(m, w);
	state(m, w);
}
