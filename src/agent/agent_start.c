/*
 * The steps of the live agent's life (agent_run.h): open what needs no
 * kernel (rules, outputs, tables), start the sensor and the consumers, and
 * close everything in the order that keeps the last records (agent_close).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/agent_run.h"
#include "capture/capture.h"
#include "agent/commands.h"
#include "agent/env_capture.h"
#include "agent/fd_setup.h"
#include "agent/handover.h"
#include "agent/memory.h"
#include "action/netpolicy.h"
#include "agent/prefilter_reload.h"
#include "agent/rules_load.h"
#include "net/net.h"
#include "event/syscalls.h"
#include "profile/profile.h"

/* How long the agent taken over has to exit (systemd's TimeoutStopSec). */
#define HANDOVER_STOP_MS 30000

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

const char *agent_docker_socket(const struct palisade_config *c)
{
	return c->docker_enabled ? c->docker_socket : NULL;
}

/*
 * Which syscalls the kernel reports: the event types the loaded rules need
 * (DESIGN.md section 6: filter in the kernel), or all of them on request;
 * plus those a running fd table follows (without them it would go stale).
 */
bool agent_prefilter_wanted(const struct palisade_config *c)
{
	return c->prefilter && strcmp(c->syscalls, "all") && !c->record_learn;
}

void agent_syscall_interest(const struct agent *a, const struct palisade_config *c,
			    const struct rules_engine *rules, uint32_t spec[EV_SYSCALL_NR_MAX])
{
	const char *names[512];
	bool all = strcmp(c->syscalls, "all") == 0;
	size_t i, n = 0;

	memset(spec, 0, sizeof(uint32_t) * EV_SYSCALL_NR_MAX);
	if (strcmp(c->syscalls, "none") == 0)
		return;
	if (!all && rules) {
		n = rules_engine_needed_evttypes(rules, names, 512, &all);
		if (n > 512)
			n = 512;
	}
	for (i = 0; i < syscall_count(); i++) {
		const struct syscall_desc *d = syscall_at(i);
		size_t j;

		for (j = 0; !all && j < n; j++)
			if (strcmp(names[j], d->name) == 0)
				break;
		if ((all || j < n) && d->nr < EV_SYSCALL_NR_MAX)
			spec[d->nr] = d->spec;
		/* "all" is everything palisade knows: an open's own string too
		 * (fd.nameraw), as when a rule reads it (fd_setup.c). */
		if (all && d->nr < EV_SYSCALL_NR_MAX && (d->spec & SC_FD_RET) &&
		    SC_ARG_FIELD(d->spec, SC_PATH_ARG_SHIFT))
			spec[d->nr] |= SC_RAW_PATH1;
	}
	/* --learn records every file and socket call (profile/obs_event.c reads them). */
	if (c->record_learn && *c->record_output) {
		uint32_t learn[EV_SYSCALL_NR_MAX];

		profile_event_spec(learn);
		for (unsigned nr = 0; nr < EV_SYSCALL_NR_MAX; nr++)
			spec[nr] |= learn[nr];
	}
	/* The fd table's syscalls, and the caller's own string of an open where a
	 * rule reads it (fd.nameraw): a reload used to drop the latter when the
	 * table was off, and the kernel stopped sending it. */
	agent_fd_interest(a->fd_table_running ? AGENT_FD_ON : AGENT_FD_OFF, rules, spec);
}

static int on_sensor_record(void *ctx, void *rec, size_t len)
{
	struct agent *a = ctx;
	uint64_t before = a->p.events;
	int ret = pipeline_record(&a->p, rec, len);

	if (a->p.events != before) /* decoded: the consumers see it */
		agent_event_done(a, &a->p.ev);
	return ret;
}

static void on_snapshot(const void *rec, size_t len, void *ctx)
{
	pipeline_record(ctx, rec, len);
}

static void on_container_update(const struct container_info *c, void *ctx)
{
	struct pipeline *p = ctx;
	char *json;

	netpolicy_container_update(p->netpolicy, c);
	net_monitor_container_update(p->flows, c);
	net_enforcer_container(p->label_policy, c);
	if (!p->recorder)
		return;
	json = container_info_to_json(c);
	if (!json || record_write(p->recorder, FRAME_CONTAINER, json, strlen(json)) < 0)
		p->record_errors++;
	free(json);
}

/* A deny the cgroup hooks made on their own is an alert like any other. */
static void emit_counted(struct alert *al, void *ctx)
{
	struct pipeline *p = ctx;

	p->alerts++;
	pipeline_emit(al, p);
}

/* The rules' network denies in the cgroup hooks (action/netpolicy_backend.c). */
static int start_netpolicy(struct agent *a)
{
	struct action_netpolicy_options o = { .enforce = a->cfg->enforce, .hostname = a->host,
					      .boot_to_epoch_ns = a->p.boot_to_epoch_ns,
					      .emit = emit_counted, .emit_ctx = &a->p };

	return action_netpolicy_start(a->p.rules, &o, &a->p.netpolicy);
}

/* The outputs: at open, or, in a handover, once the old agent is gone
 * (they lock and append to the same files, spools and event stream). */
static int open_outputs(struct agent *a)
{
	struct palisade_config *c = a->cfg;

	if (sink_set_new(c->outputs, c->n_outputs, &a->p.sinks) < 0 ||
	    (*c->events_output && pipeline_open_output(c->events_output, OUTFILE_EVENTS, c->force,
							&a->p.events_out) < 0))
		return -EIO;
	return 0;
}

static int start_outputs(struct agent *a)
{
	int err = sink_set_start(a->p.sinks);

	if (!err)
		sink_set_publish(a->p.sinks);
	return err;
}

/* What needs no kernel: the rules first (a broken rules file stops us before
 * anything is loaded), the outputs, the tables. 1: a dry run, all valid. */
int agent_open(struct agent *a)
{
	struct palisade_config *c = a->cfg;
	struct container_store_config ccfg = { .on_update = on_container_update, .ctx = &a->p,
					       .docker_socket = agent_docker_socket(c) };
	int err;

	a->handover.pidfd = -1;
	gethostname(a->host, sizeof(a->host) - 1);
	a->p.boot_to_epoch_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME);
	if (agent_rules_load(c, (int64_t)a->p.boot_to_epoch_ns, &a->p.rules) < 0)
		return -EINVAL;
	if (agent_preflight(c)) /* what `config check` checks */
		return -EINVAL;
	err = handover_wanted(c) && !c->dry_run ? handover_begin(c, &a->handover)
						 : open_outputs(a);
	if (err)
		return err;
	if (c->dry_run) { /* Falco's --dry-run: the configuration, rules and outputs are good */
		fprintf(stderr, "palisade: dry run: the configuration, the rules and the outputs "
				"are valid; nothing was loaded into the kernel\n");
		return 1;
	}
	err = proc_table_new((size_t)c->proc_table_size, &a->p.procs);
	if (!err && *c->record_output)
		err = record_writer_open(c->record_output, c->force, a->p.boot_to_epoch_ns, a->host,
					 &a->p.recorder);
	if (err)
		return err;
	err = container_store_new(&ccfg, &a->p.containers);
	if (err)
		fprintf(stderr, "palisade run: container attribution unavailable: %s\n",
			strerror(-err));
	err = err ?: observe_start(&a->ob, c, &a->p);
	return err ?: a->handover.pid ? 0 : observe_serve(&a->ob, c);
}

/* The kernel side: the syscall interest, the fd table, the pre-filter. */
static int open_sensor(struct agent *a)
{
	struct palisade_config *c = a->cfg;
	struct sensor_config scfg;
	int err;

	agent_syscall_interest(a, c, a->p.rules, a->spec);
	if (strcmp(c->syscalls, "none") &&
	    agent_fd_interest(agent_fd_mode_of(c->fd_table), a->p.rules, a->spec)) {
		err = fd_table_new(&a->p.fds);
		if (err) {
			fprintf(stderr, "palisade run: cannot create the fd table: %s "
					"(--fd-table off runs without it)\n", strerror(-err));
			return err;
		}
	}
	a->fd_table_running = a->p.fds != NULL;
	_Static_assert(CONFIG_RINGBUF_KIB_MAX * 1024ull <= UINT32_MAX,
		       "the largest ring buffer fits sensor_config.ringbuf_bytes");
	scfg = (struct sensor_config){ .ringbuf_bytes = (uint32_t)(c->ringbuf_kib * 1024),
				       .wakeup_bytes = c->ringbuf_kib * 1024 / 16,
				       .syscall_spec = a->spec,
				       .syscall_raw_hook = strcmp(c->syscall_hook, "raw") == 0,
				       .prefilter_cache = c->prefilter_cache };
	/* --syscalls all reports everything palisade knows: no rule filters it.
	 * The fd table must see every open to know every fd: no pre-filter. */
	if (a->p.fds && a->p.rules && agent_prefilter_wanted(c))
		fprintf(stderr, "palisade: pre-filter off: the fd table needs every open\n");
	if (a->p.rules && c->record_learn && c->prefilter)
		fprintf(stderr, "palisade: pre-filter off: --learn records every open\n");
	if (a->p.rules && !a->p.fds && agent_prefilter_wanted(c)) {
		err = prefilter_build(a->p.rules, &a->pf);
		if (err)
			return err;
		for (unsigned nr = 0; nr < EV_SYSCALL_NR_MAX; nr++)
			if (a->spec[nr])
				a->spec[nr] |= a->pf->spec_bits[nr];
		agent_prefilter_view(a->pf, &a->spf);
		scfg.prefilter = &a->spf;
	}
	err = sensor_open(&scfg, on_sensor_record, a, &a->sensor);
	if (err)
		return err;
	if (a->pf) {
		fprintf(stderr, "palisade: pre-filter (docs/prefilter.md):\n");
		prefilter_describe(a->pf, stderr);
	}
	observe_sensor(&a->ob, a->sensor, a->spec);
	return 0;
}

/* Enforcement: the back-ends, strongest first (the plan comes with the rules). */
static void action_counted(void *ctx, const char *action, const char *outcome)
{
	struct pipeline *p = ctx;

	agent_metrics_action(p->metrics, action, outcome);
}

/* The capture step's bundles (capture/). */
static int open_capture(struct agent *a, struct action_dispatcher *d)
{
	const struct capture_cfg *cc = &a->cfg->capture;
	struct capture_config cfg = { .dir = cc->dir, .window_s = cc->window_s,
				      .ring_bytes = cc->ring_bytes, .containers = cc->containers,
				      .max_bytes = cc->max_bytes,
				      .hash_max_bytes = cc->hash_max_bytes,
				      .per_minute = cc->per_minute,
				      .docker_socket = agent_docker_socket(a->cfg),
				      .hostname = a->host };

	return capture_backend(d, &cfg, a->p.boot_to_epoch_ns, &a->capture_backend) ?:
	       action_register(d, &a->capture_backend);
}

static int open_actions(struct agent *a)
{
	struct action_config acfg = { .enforce = a->cfg->enforce, .hostname = a->host,
				      .emit = pipeline_emit, .emit_ctx = &a->p,
				      .counted = action_counted, .counted_ctx = &a->p };
	struct action_backend b;
	struct action_dispatcher *d;
	int err;

	err = action_dispatcher_new(&acfg, &a->p.actions);
	if (err)
		return err;
	d = a->p.actions;
	err = action_exec_kernel_backend(a->sensor, &b) ?: action_register(d, &b);
	err = err ?: action_entry_kill_backend(a->sensor, &b);
	err = err ?: action_register(d, &b);
	err = err ?: action_fanotify_backend(&a->guard_backend);
	err = err ?: action_register(d, &a->guard_backend);
	action_netpolicy_backend(&b);
	err = err ?: action_register(d, &b);
	err = err ?: action_isolate_backend(d, a->p.netpolicy, a->host, agent_find_container,
					    a->p.containers, &a->isolate_backend);
	err = err ?: action_register(d, &a->isolate_backend);
	err = err ?: open_capture(a, d);
	action_notify_backend(&a->p.sinks, &b);
	err = err ?: action_register(d, &b);
	action_proc_kill_backend(&b);
	err = err ?: action_register(d, &b);
	err = err ?: action_container_backend(d, agent_docker_socket(a->cfg), &a->container_backend);
	err = err ?: action_register(d, &a->container_backend);
	if (err)
		fprintf(stderr, "palisade run: setting up enforcement failed: %s\n", strerror(-err));
	return err;
}

/* The fanotify guard, when some rule denies: it decides with an engine of
 * its own, loaded from the same configuration. */
static int start_guard(struct agent *a)
{
	const struct palisade_config *c = a->cfg;
	struct action_fanotify_options o = {
		.enforce = c->enforce,
		.timeout_ms = (unsigned)c->deny_timeout_ms,
		.timeout_deny = strcmp(c->deny_timeout_verdict, "deny") == 0,
		.containers = a->p.containers,
		.fim = a->p.fim,
	};
	struct rules_engine *own;
	int err;

	if (!action_fanotify_wanted(a->p.rules))
		return 0;
	err = agent_rules_load_quiet(c, (int64_t)a->p.boot_to_epoch_ns, &own);
	if (err) {
		fprintf(stderr, "palisade: fanotify: cannot load the rules a second time: %s\n",
			strerror(-err));
		return err;
	}
	return action_fanotify_start(&a->guard_backend, &o, own);
}

/* The /proc snapshots, after everything that learns from them is in place;
 * then the line that says the agent runs. */
static void seed(struct agent *a)
{
	char cg2[512], desc[1024], prio[192];
	struct loss_options lo;
	int seeded, fd_seeded;

	seeded = proc_snapshot("/proc",
			       container_cgroup2_mount(cg2, sizeof(cg2)) == 0 ? cg2 : NULL,
			       a->env_on, on_snapshot, &a->p);
	if (a->pf)
		sensor_prefilter_seeded(a->sensor);
	fd_seeded = a->p.fds ? fd_snapshot("/proc", on_snapshot, &a->p) : 0;
	if (fd_seeded < 0) {
		/* Follow new fds anyway (older ones count as unknown); a replay of
		 * this recording, without snapshot records, keeps its table off. */
		fprintf(stderr, "palisade: fd table not seeded, /proc unreadable: %s; "
				"following new fds only\n", strerror(-fd_seeded));
		a->p.fds_seeded = true;
		fd_seeded = 0;
	}
	sensor_describe(a->sensor, desc, sizeof(desc));
	/* Last: the threads started above keep their normal priority. */
	loss_options_from_config(a->cfg, &lo);
	loss_priority_apply(lo.priority, prio, sizeof(prio));
	loss_watch_init(&a->loss.watch, &lo);
	a->loss.hostname = a->host;
	fprintf(stderr, "palisade: loaded %s; %d processes from /proc; %s%d fds; docker %s; "
			"consumer %s\n",
		desc, seeded, a->p.fds ? "fd table on, " : "fd table off, ", fd_seeded,
		agent_docker_socket(a->cfg) ? agent_docker_socket(a->cfg) : "off", prio);
	snprintf(a->status, sizeof(a->status), "watching; %d processes from /proc, %d fds",
		 seeded, fd_seeded);
}

/*
 * A handover: everything above ran beside the old agent, enforcement
 * included; now it stops (its cut says which events were its own), and
 * what it held is opened here: the outputs and spools, the metrics
 * listener, the status socket. The ring is read from the loop on.
 */
static int take_over(struct agent *a)
{
	struct handover *h = &a->handover;
	int err = handover_stop_old(a->cfg, h, HANDOVER_STOP_MS);

	if (err)
		return err;
	a->p.judge_from_ns = h->cut_ns;
	a->p.quiet_pid = (uint32_t)h->pid;
	err = open_outputs(a) ?: observe_serve(&a->ob, a->cfg);
	err = err ?: agent_commands_start(a->ob.status, &a->isolate_backend, &a->commands);
	err = err ?: start_outputs(a);
	if (err) {
		fprintf(stderr, "palisade run: --handover: agent %d stopped and its outputs cannot "
				"be opened here (above): stopping\n", (int)h->pid);
		return err;
	}
	fprintf(stderr, "palisade: handover: agent %d exited %llu ms after SIGTERM; its cut "
			"%llu (boot time); watching\n", (int)h->pid,
		(unsigned long long)h->stop_ms, (unsigned long long)h->cut_ns);
	return 0;
}

int agent_start(struct agent *a)
{
	struct action_hold_config hold = {
		.timeout_ms = (unsigned)a->cfg->hold_timeout_ms,
		.timeout_kill = !strcmp(a->cfg->hold_timeout_verdict, "kill"),
	};
	int err;

	err = open_sensor(a);
	if (err)
		return err;
	a->started = true;
	err = a->handover.pid ? 0 : start_outputs(a);
	if (err)
		return err;
	/* Before the store starts: it reports every container to the policy
	 * and to the flow monitor. */
	err = start_netpolicy(a) ?: agent_flows_start(a);
	err = err ?: agent_policy_start(a);
	if (err)
		return err;
	/* Attach first, then seed: a process born in between is seen twice
	 * (harmless), never missed. */
	container_store_start(a->p.containers);
	/* Before the snapshot: the processes found in /proc tell the back-ends
	 * which cgroups the running containers have. */
	err = open_actions(a) ?: agent_register_builtin(a);
	/* A handover registers them once it holds the status socket. */
	if (!a->handover.pid)
		err = err ?: agent_commands_start(a->ob.status, &a->isolate_backend, &a->commands);
	err = err ?: agent_apply_rules(a, a->p.rules, true);
	/* Holding new containers from here on: one that starts while the
	 * guard and the snapshot below are set up waits for them. */
	err = err ?: action_hold_start(a->p.actions, a->sensor, &hold);
	err = err ?: start_guard(a);
	/* Last: the ring's pages and the loads of the BPF objects above (flows,
	 * policy, learning) would add up in the peak resident set; so would the
	 * start-up's freed heap and file pages: given back before. */
	if (!err)
		agent_memory_trim();
	err = err ?: sensor_map_ring(a->sensor);
	if (err)
		return err;
	seed(a);
	return a->handover.pid ? take_over(a) : 0;
}

/* The fd table's line of the counters (empty when it is off). */
static void fd_counters(const struct pipeline *p, char *buf, size_t cap)
{
	struct fd_table_stats fs;

	buf[0] = '\0';
	if (!p->fds)
		return;
	fd_table_stats(p->fds, &fs);
	snprintf(buf, cap, "; fd table: %zu fds of %zu processes, %zu KiB (evicted %llu, "
		 "untracked %llu, unknown fds %llu)", fs.entries, fs.procs, fs.bytes / 1024,
		 (unsigned long long)fs.proc_evictions, (unsigned long long)fs.fds_untracked,
		 (unsigned long long)fs.misses);
}

void agent_print_counters(struct agent *a, const char *when)
{
	static uint64_t cpu[64 * CNT_MAX];
	struct pipeline *p = &a->p;
	struct proc_table_stats ps;
	struct container_store_stats cs = { 0 };
	char fdline[256], per_cpu[256] = "";
	uint64_t k[CNT_MAX];
	int ncpu, n = 0;

	fd_counters(p, fdline, sizeof(fdline));
	sensor_counters(a->sensor, k);
	ncpu = sensor_counters_percpu(a->sensor, cpu, 64);
	for (int c = 0; c < ncpu && n >= 0 && (size_t)n < sizeof(per_cpu); c++)
		n += snprintf(per_cpu + n, sizeof(per_cpu) - (size_t)n, "%s%llu", c ? " " : "",
			      (unsigned long long)cpu[c * CNT_MAX + CNT_PREFILTERED]);
	proc_table_stats(p->procs, &ps);
	if (p->containers)
		container_store_stats(p->containers, &cs);
	fprintf(stderr,
		"palisade: %s: events %llu; lost %llu (ring buffer full); truncated: paths %llu, "
		"argv %llu, environments %llu; failed kernel reads %llu; malformed records %llu; "
		"record write errors %llu; alerts %llu; processes %zu/%zu (evicted %llu, unknown "
		"parent %llu); containers %zu (engine %s, errors %llu); dropped in kernel: "
		"pre-filtered %llu (per CPU: %s), of which by the cache %llu, own activity %llu; execs killed in kernel %llu; "
		"kernel kills failed %llu%s\n",
		when, (unsigned long long)p->events, (unsigned long long)k[CNT_RINGBUF_FULL],
		(unsigned long long)k[CNT_TRUNC_PATH], (unsigned long long)k[CNT_TRUNC_ARGS],
		(unsigned long long)k[CNT_TRUNC_ENV], (unsigned long long)k[CNT_READ_FAIL],
		(unsigned long long)p->malformed, (unsigned long long)p->record_errors,
		(unsigned long long)p->alerts, ps.entries, ps.capacity,
		(unsigned long long)ps.evictions, (unsigned long long)ps.misses, cs.containers,
		!p->containers ? "off" : cs.engine_connected ? "connected" : "unreachable",
		(unsigned long long)cs.engine_errors, (unsigned long long)k[CNT_PREFILTERED],
		per_cpu, (unsigned long long)k[CNT_PF_CACHE_HIT], (unsigned long long)k[CNT_SELF], (unsigned long long)k[CNT_EXEC_KILLED],
		(unsigned long long)k[CNT_KILL_FAILED], fdline);
	if (sensor_prefilter_marks_full(a->sensor))
		fprintf(stderr, "palisade: %s: pre-filter: the name gate keeps every open it covers "
				"until restart (a rename mark did not fit, or renames were not followed "
				"from the start; docs/prefilter.md)\n", when);
	sink_set_report(p->sinks, stderr, when);
	if (p->actions)
		action_print_counters(p->actions, stderr);
	action_netpolicy_counters(p->netpolicy, when);
}

/*
 * Every producer of records finishes (the consumers' stop: the guard, queued
 * container actions, the network policy), then the sinks deliver what is
 * queued, so that the counters printed at exit are the final ones: printed
 * before the drain, a webhook said "delivered 6" of 7 POSTs. Every wait here
 * is bounded (the reload build, if one runs, ends by itself).
 */
void agent_close(struct agent *a)
{
	struct pipeline *p = &a->p;

	agent_reload_stop(&a->reload);
	for (size_t i = 0; i < a->n_consumers; i++)
		if (a->consumers[i].stop)
			a->consumers[i].stop(a->consumers[i].ctx, a);
	action_container_backend_free(&a->container_backend); /* when start stopped early */
	sink_set_stop(p->sinks);
	if (a->started) {
		agent_print_counters(a, "exit");
		fprintf(stderr, "palisade: exit: seconds with drops %llu, drop actions %llu "
				"(syscall_event_drops)\n",
			(unsigned long long)a->loss.watch.seconds_with_drops,
			(unsigned long long)a->loss.watch.actions_taken);
	}
	for (size_t i = 0; i < a->n_consumers; i++)
		if (a->consumers[i].release)
			a->consumers[i].release(a->consumers[i].ctx, a);
	capture_backend_free(&a->capture_backend); /* it completes through the dispatcher */
	action_dispatcher_free(p->actions);
	observe_stop(&a->ob); /* its last snapshot reads the sensor and the tables */
	agent_commands_free(a->commands); /* no command can come now */
	action_isolate_backend_free(&a->isolate_backend);
	action_fanotify_backend_free(&a->guard_backend);
	sensor_close(a->sensor);
	prefilter_free(a->pf);
	container_store_free(p->containers);
	/* after the last snapshot (it reads the flows) and the store (it reports
	 * containers to the monitor) */
	net_enforcer_free(p->label_policy); /* on the monitor's kernel object */
	net_monitor_free(p->flows);
	netpolicy_free(p->netpolicy);
	if (record_writer_close(p->recorder) < 0)
		a->failed = true;
	sink_set_free(p->sinks); /* delivers (or spools) what is queued */
	pipeline_close_output(p->events_out);
	rules_engine_free(p->rules);
	proc_table_free(p->procs);
	fd_table_free(p->fds);
	jw_release(&p->json);
	if (p->not_judged)
		fprintf(stderr, "palisade: exit: handover: %llu events left to the other agent "
				"(before or after the cut, or its own)\n",
			(unsigned long long)p->not_judged);
	handover_end(&a->handover);
	config_free(a->cfg);
}
