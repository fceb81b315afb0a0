/* `palisade run`: the live agent. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/commands.h"
#include "agent/fd_setup.h"
#include "agent/observe.h"
#include "agent/guard_setup.h"
#include "agent/loss.h"
#include "agent/net_enforce.h"
#include "agent/pipeline.h"
#include "agent/dns_refresh.h"
#include "agent/env_capture.h"
#include "agent/reload.h"
#include "agent/prefilter_reload.h"
#include "agent/rules_load.h"
#include "agent/service.h"
#include "event/syscalls.h"
#include "output/sink.h"
#include "rules/prefilter.h"
#include "sensor/sensor.h"

/* Longest a record waits in the ring before the consumer looks (latency bound). */
#define POLL_MS 20

static bool stop_requested, stats_requested, reload_requested;

/*
 * The agent's signals are blocked in every thread from the start (threads
 * inherit the mask, library threads included), so only the main loop takes
 * them, between two polls of the ring (each returns within a short batch:
 * sensor_poll). DESIGN.md section 4.
 */
static void agent_sigset(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGUSR1);
}

static void take_signals(void)
{
	const struct timespec now = { 0 };
	sigset_t set;
	int sig;

	agent_sigset(&set);
	while ((sig = sigtimedwait(&set, NULL, &now)) > 0) {
		if (sig == SIGUSR1)
			stats_requested = true;
		else if (sig == SIGHUP)
			reload_requested = true;
		else
			stop_requested = true;
	}
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: palisade run [OPTIONS]\n"
		"\n"
		"Loads the eBPF sensors, watches every process on the host and in every\n"
		"container, evaluates the rules (Falco's language) on each event and prints\n"
		"one JSON alert per match in Falco's schema, until SIGINT or SIGTERM.\n"
		"Needs root and a kernel with BTF. SIGUSR1 prints the loss counters to\n"
		"stderr; SIGHUP reloads the configuration and the rules. Event JSON:\n"
		"docs/events.md; rules: docs/rules.md; configuration and outputs:\n"
		"docs/configuration.md, docs/outputs.md. Options override the file.\n"
		"\n"
		"Options:\n");
	config_print_flags(f, CONFIG_CMD_RUN);
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * Which syscalls the kernel reports: the event types the loaded rules need
 * (DESIGN.md section 6: filter in the kernel), or all of them on request.
 */
static void syscall_interest(const char *mode, const struct rules_engine *rules,
			     uint32_t spec[EV_SYSCALL_NR_MAX])
{
	const char *names[512];
	bool all = strcmp(mode, "all") == 0;
	size_t i, n = 0;

	memset(spec, 0, sizeof(uint32_t) * EV_SYSCALL_NR_MAX);
	if (strcmp(mode, "none") == 0)
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
}

/* Set at start when the fd table runs: its syscalls stay watched across reloads. */
static bool fd_table_running;

/* The interest a reload gives the kernel: the new rules' syscalls, plus
 * those a running fd table follows (without them it would go stale). */
static void reload_interest(const char *mode, const struct rules_engine *rules,
			    uint32_t spec[EV_SYSCALL_NR_MAX])
{
	syscall_interest(mode, rules, spec);
	if (fd_table_running && strcmp(mode, "none"))
		agent_fd_interest(AGENT_FD_ON, rules, spec);
}

/* Set once the sensor is open when the pre-filter is on: host cgroups feed it. */
static struct sensor *prefilter_sensor;

static int on_sensor_record(void *ctx, void *rec, size_t len)
{
	struct pipeline *p = ctx;
	int ret = pipeline_record(p, rec, len);

	/* The container store has now resolved this cgroup, for good: a host
	 * one lets the kernel apply the rules' host-only filter to it. */
	if (prefilter_sensor && p->ev.kind == EV_SYSCALL && !p->ev.container && p->containers)
		sensor_prefilter_host(prefilter_sensor, p->ev.hdr->cgroup_id);
	return ret;
}

static void on_snapshot(const void *rec, size_t len, void *ctx)
{
	pipeline_record(ctx, rec, len);
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

static void on_container_update(const struct container_info *c, void *ctx)
{
	struct pipeline *p = ctx;
	char *json;

	netpolicy_container_update(p->netpolicy, c);
	if (!p->recorder)
		return;
	json = container_info_to_json(c);
	if (!json || record_write(p->recorder, FRAME_CONTAINER, json, strlen(json)) < 0)
		p->record_errors++;
	free(json);
}

static void print_counters(struct sensor *s, struct pipeline *p, const char *when)
{
	uint64_t k[CNT_MAX];
	struct proc_table_stats ps;
	struct container_store_stats cs = { 0 };
	char fdline[256];

	static uint64_t cpu[64 * CNT_MAX];
	char per_cpu[256] = "";
	int ncpu, n = 0;
	fd_counters(p, fdline, sizeof(fdline));

	sensor_counters(s, k);
	ncpu = sensor_counters_percpu(s, cpu, 64);
	for (int c = 0; c < ncpu && n >= 0 && (size_t)n < sizeof(per_cpu); c++)
		n += snprintf(per_cpu + n, sizeof(per_cpu) - (size_t)n, "%s%llu", c ? " " : "",
			      (unsigned long long)cpu[c * CNT_MAX + CNT_PREFILTERED]);
	proc_table_stats(p->procs, &ps);
	if (p->containers)
		container_store_stats(p->containers, &cs);
	fprintf(stderr,
		"palisade: %s: events %llu; lost %llu (ring buffer full); truncated: paths %llu, "
		"argv %llu, environments %llu; failed kernel reads %llu; malformed records %llu; record write "
		"errors %llu; alerts %llu; processes %zu/%zu (evicted %llu, unknown parent %llu); "
		"containers %zu (engine %s, errors %llu); dropped in kernel: pre-filtered %llu "
		"(per CPU: %s), own activity %llu; execs killed in kernel %llu; kernel kills "
		"failed %llu%s\n",
		when, (unsigned long long)p->events, (unsigned long long)k[CNT_RINGBUF_FULL],
		(unsigned long long)k[CNT_TRUNC_PATH], (unsigned long long)k[CNT_TRUNC_ARGS],
		(unsigned long long)k[CNT_TRUNC_ENV], (unsigned long long)k[CNT_READ_FAIL], (unsigned long long)p->malformed,
		(unsigned long long)p->record_errors, (unsigned long long)p->alerts, ps.entries, ps.capacity,
		(unsigned long long)ps.evictions, (unsigned long long)ps.misses, cs.containers,
		!p->containers ? "off" : cs.engine_connected ? "connected" : "unreachable",
		(unsigned long long)cs.engine_errors, (unsigned long long)k[CNT_PREFILTERED],
		per_cpu, (unsigned long long)k[CNT_SELF], (unsigned long long)k[CNT_EXEC_KILLED],
		(unsigned long long)k[CNT_KILL_FAILED], fdline);
	if (sensor_prefilter_marks_full(s))
		fprintf(stderr, "palisade: %s: pre-filter: the name gate keeps every open it covers "
				"until restart (a rename mark did not fit, or renames were not followed "
				"from the start; docs/prefilter.md)\n", when);
	sink_set_report(p->sinks, stderr, when);
	if (p->actions)
		action_print_counters(p->actions, stderr);
	agent_net_enforce_counters(p, when);
}

/* The Docker Engine API socket, NULL when docker.enabled is false. */
static const char *docker_socket(const struct palisade_config *c)
{
	return c->docker_enabled ? c->docker_socket : NULL;
}

/*
 * Enforcement: the back-ends, strongest first, and the plan (one line per
 * rule with an action). A deny rule nothing can serve stops the start.
 */
static void action_counted(void *ctx, const char *action, const char *outcome)
{
	struct pipeline *p = ctx;

	agent_metrics_action(p->metrics, action, outcome);
}

static int actions_start(const struct palisade_config *c, const char *host, struct sensor *sensor,
			 struct pipeline *p, struct action_backend *container_backend,
			 struct action_backend *isolate_backend)
{
	struct action_config acfg = { .enforce = c->enforce, .hostname = host,
				      .emit = pipeline_emit, .emit_ctx = p,
				      .counted = action_counted, .counted_ctx = p };
	struct action_backend b;
	int err;

	err = action_dispatcher_new(&acfg, &p->actions);
	if (err)
		return err;
	err = action_exec_kernel_backend(sensor, &b) ?: action_register(p->actions, &b);
	err = err ?: action_entry_kill_backend(sensor, &b);
	err = err ?: action_register(p->actions, &b);
	agent_guard_backend(&b);
	err = err ?: action_register(p->actions, &b);
	agent_net_enforce_backend(&b);
	err = err ?: action_register(p->actions, &b);
	err = err ?: action_isolate_backend(p->actions, p->netpolicy, host, agent_find_container,
					    p->containers, isolate_backend);
	err = err ?: action_register(p->actions, isolate_backend);
	action_notify_backend(&p->sinks, &b);
	err = err ?: action_register(p->actions, &b);
	action_proc_kill_backend(&b);
	err = err ?: action_register(p->actions, &b);
	err = err ?: action_container_backend(p->actions, docker_socket(c), container_backend);
	err = err ?: action_register(p->actions, container_backend);
	if (err) {
		fprintf(stderr, "palisade run: setting up enforcement failed: %s\n", strerror(-err));
		return err;
	}
	err = action_plan(p->actions, p->rules);
	if (err)
		fprintf(stderr, "palisade run: the rules ask for enforcement that cannot be "
				"served (see above); nothing was started\n");
	return err;
}

/* What depends on the rule engine, re-derived when a reload swaps it. */
struct rules_swap {
	struct pipeline *p;
	struct observe *ob;
	struct dns_refresh **dns;
	struct sensor *sensor;
};

/*
 * Called by agent_reload with the new engine in place and the old one not
 * yet freed: everything holding rule pointers moves to the new engine. The
 * path pre-filter is not rebuilt: the reload's syscall interest carries no
 * pre-filter bits, so the kernel stops filtering (never drops what the new
 * rules need) until the next start.
 */
static void on_rules_swap(void *ctx, struct rules_engine *rules)
{
	struct rules_swap *sw = ctx;

	dns_refresh_stop(*sw->dns);
	*sw->dns = NULL;
	if (dns_refresh_start(rules, 60, sw->dns) < 0)
		fprintf(stderr, "palisade: dns: cannot start the resolver: fd.*.name matches nothing\n");
	if (sw->p->actions && action_plan(sw->p->actions, rules) < 0)
		fprintf(stderr, "palisade: reload: some rule actions cannot be served (see above)\n");
	if (sw->p->metrics)
		agent_metrics_rules_loaded(sw->p->metrics, rules, true);
	agent_env_capture(sw->sensor, rules);
}

int agent_run_main(int argc, char **argv)
{
	struct palisade_config *cfg = NULL;
	static struct agent_reload reload;
	struct pipeline p = { 0 };
	struct observe ob = { 0 };
	struct sensor *sensor = NULL;
	struct fguard *guard = NULL;
	struct sensor_config scfg;
	struct container_store_config ccfg = { .on_update = on_container_update, .ctx = &p };
	sigset_t signals;
	struct action_backend container_backend = { 0 }, isolate_backend = { 0 };
	struct agent_commands *commands = NULL;
	struct action_hold_config hold;
	char host[64] = "", desc[1024], cg2[512], prio[192];
	struct loss_state loss = { 0 };
	struct loss_options lo;
	bool loss_exit = false;
	static uint32_t spec[EV_SYSCALL_NR_MAX];
	struct dns_refresh *dns = NULL;
	struct prefilter *pf = NULL;
	struct sensor_prefilter spf;
	struct rules_swap swap = { .p = &p, .ob = &ob, .dns = &dns };
	int err, seeded, fd_seeded, first_arg;
	uint64_t stop_at;
	bool env_on, ran = false;

	/* Before any thread exists: every thread inherits the blocked mask. */
	agent_sigset(&signals);
	pthread_sigmask(SIG_BLOCK, &signals, NULL);
	err = config_from_command_line(argc, argv, CONFIG_CMD_RUN, false, &first_arg, &cfg);
	if (err == CONFIG_HELP) {
		usage(stdout);
		return 0;
	}
	if (err)
		return 2;
	if (first_arg < argc) {
		fprintf(stderr, "palisade run: unexpected argument '%s'\n", argv[first_arg]);
		usage(stderr);
		config_free(cfg);
		return 2;
	}
	err = agent_falco_action(cfg); /* -L, -V, --list, ...: print and exit */
	if (err >= 0) {
		config_free(cfg);
		return err;
	}
	if (geteuid() != 0 && !cfg->dry_run) {
		fprintf(stderr, "palisade run: must run as root (loads BPF programs)\n");
		config_free(cfg);
		return 1;
	}
	sensor_log_init((int)cfg->verbose);
	service_init();
	gethostname(host, sizeof(host) - 1);
	p.boot_to_epoch_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME);
	/* Rules first: a broken rules file stops us before anything is loaded. */
	if (agent_rules_load(cfg, (int64_t)p.boot_to_epoch_ns, &p.rules) < 0) {
		config_free(cfg);
		return 1;
	}
	/* What `config check` checks: refused here, before anything starts. */
	if (agent_preflight(cfg)) {
		err = -EINVAL;
		goto cleanup;
	}
	if (sink_set_new(cfg->outputs, cfg->n_outputs, &p.sinks) < 0 ||
	    (*cfg->events_output && pipeline_open_output(cfg->events_output, OUTFILE_EVENTS,
							  cfg->force, &p.events_out) < 0)) {
		err = -EIO;
		goto cleanup;
	}
	if (cfg->dry_run) { /* Falco's --dry-run: the configuration, rules and outputs are good */
		fprintf(stderr, "palisade: dry run: the configuration, the rules and the outputs "
				"are valid; nothing was loaded into the kernel\n");
		err = 0;
		goto cleanup;
	}
	err = proc_table_new((size_t)cfg->proc_table_size, &p.procs);
	if (err)
		goto cleanup;
	if (*cfg->record_output) {
		err = record_writer_open(cfg->record_output, cfg->force, p.boot_to_epoch_ns, host,
					 &p.recorder);
		if (err)
			goto cleanup;
	}
	ccfg.docker_socket = docker_socket(cfg);
	err = container_store_new(&ccfg, &p.containers);
	if (err) {
		fprintf(stderr, "palisade run: container attribution unavailable: %s\n",
			strerror(-err));
		goto cleanup;
	}

	err = observe_start(&ob, cfg, &p);
	if (err)
		goto cleanup;

	signal(SIGPIPE, SIG_IGN);

	syscall_interest(cfg->syscalls, p.rules, spec);
	if (strcmp(cfg->syscalls, "none") &&
	    agent_fd_interest(agent_fd_mode_of(cfg->fd_table), p.rules, spec)) {
		err = fd_table_new(&p.fds);
		if (err) {
			fprintf(stderr, "palisade run: cannot create the fd table: %s "
					"(--fd-table off runs without it)\n", strerror(-err));
			goto cleanup;
		}
	}
	fd_table_running = p.fds != NULL;
	_Static_assert(CONFIG_RINGBUF_KIB_MAX * 1024ull <= UINT32_MAX,
		       "the largest ring buffer fits sensor_config.ringbuf_bytes");
	scfg = (struct sensor_config){ .ringbuf_bytes = (uint32_t)(cfg->ringbuf_kib * 1024),
				       .wakeup_bytes = cfg->ringbuf_kib * 1024 / 16,
				       .syscall_spec = spec,
				       .syscall_raw_hook = strcmp(cfg->syscall_hook, "raw") == 0 };
	/* --syscalls all reports everything palisade knows: no rule filters it.
	 * The fd table must see every open to know every fd: no pre-filter. */
	if (p.fds && p.rules && cfg->prefilter && strcmp(cfg->syscalls, "all"))
		fprintf(stderr, "palisade: pre-filter off: the fd table needs every open\n");
	if (p.rules && !p.fds && cfg->prefilter && strcmp(cfg->syscalls, "all")) {
		err = prefilter_build(p.rules, &pf);
		if (err)
			goto cleanup;
		for (unsigned nr = 0; nr < EV_SYSCALL_NR_MAX; nr++)
			if (spec[nr])
				spec[nr] |= pf->spec_bits[nr];
		agent_prefilter_view(pf, &spf);
		scfg.prefilter = &spf;
	}
	err = sensor_open(&scfg, on_sensor_record, &p, &sensor);
	if (err)
		goto cleanup;
	swap.sensor = sensor;
	env_on = agent_env_capture(sensor, p.rules);
	if (pf) {
		prefilter_sensor = sensor;
		fprintf(stderr, "palisade: pre-filter (docs/prefilter.md):\n");
		prefilter_describe(pf, stderr);
	}
	observe_sensor(&ob, sensor, spec);
	err = sink_set_start(p.sinks);
	if (err)
		goto cleanup;
	sink_set_publish(p.sinks);
	reload = (struct agent_reload){ .argc = argc, .argv = argv,
					.interest = reload_interest, .p = &p, .sensor = sensor,
					.cfg = cfg, .on_swap = on_rules_swap,
					.swap_ctx = &swap, .pf = pf ? &pf : NULL };
	memcpy(reload.spec, spec, sizeof(spec));
	/* Before the store starts: it reports every container to the policy. */
	err = agent_net_enforce_start(&p, cfg->enforce);
	if (err)
		goto cleanup;
	/* Attach first, then seed: a process born in between is seen twice (harmless),
	 * never missed. */
	container_store_start(p.containers);
	if (p.rules && dns_refresh_start(p.rules, 60, &dns) < 0)
		fprintf(stderr, "palisade: dns: cannot start the resolver: fd.*.name matches nothing\n");
	/* Before the snapshot: the processes found in /proc tell the back-ends
	 * which cgroups the running containers have. */
	err = actions_start(cfg, host, sensor, &p, &container_backend, &isolate_backend);
	err = err ?: agent_commands_start(ob.status, &isolate_backend, &commands);
	/* Holding new containers from here on: one that starts while the
	 * guard and the snapshot below are set up waits for them. */
	hold = (struct action_hold_config){ .timeout_ms = (unsigned)cfg->hold_timeout_ms,
					    .timeout_kill = !strcmp(cfg->hold_timeout_verdict, "kill") };
	err = err ?: action_hold_start(p.actions, sensor, &hold);
	if (err)
		goto cleanup;
	err = agent_guard_start(cfg, (int64_t)p.boot_to_epoch_ns, p.rules, p.containers, &guard);
	if (err)
		goto cleanup;
	seeded = proc_snapshot("/proc",
			       container_cgroup2_mount(cg2, sizeof(cg2)) == 0 ? cg2 : NULL, env_on,
			       on_snapshot, &p);
	if (pf)
		sensor_prefilter_seeded(sensor);
	fd_seeded = p.fds ? fd_snapshot("/proc", on_snapshot, &p) : 0;
	if (fd_seeded < 0) {
		/* Follow new fds anyway (older ones count as unknown); a replay of
		 * this recording, without snapshot records, keeps its table off. */
		fprintf(stderr, "palisade: fd table not seeded, /proc unreadable: %s; "
				"following new fds only\n", strerror(-fd_seeded));
		p.fds_seeded = true;
		fd_seeded = 0;
	}
	sensor_describe(sensor, desc, sizeof(desc));
	/* Last: the threads started above keep their normal priority. */
	loss_options_from_config(cfg, &lo);
	loss_priority_apply(lo.priority, prio, sizeof(prio));
	loss_watch_init(&loss.watch, &lo);
	loss.hostname = host;
	fprintf(stderr, "palisade: loaded %s; %d processes from /proc; %s%d fds; docker %s; "
			"consumer %s\n",
		desc, seeded, p.fds ? "fd table on, " : "fd table off, ", fd_seeded,
		docker_socket(cfg) ? docker_socket(cfg) : "off", prio);
	snprintf(desc, sizeof(desc), "watching; %d processes from /proc, %d fds", seeded,
		 fd_seeded);
	service_ready(desc);

	stop_at = cfg->duration_s ? clock_ns(CLOCK_MONOTONIC) + cfg->duration_s * 1000000000ull : 0;
	for (take_signals(); !stop_requested; take_signals()) {
		if (stop_at && clock_ns(CLOCK_MONOTONIC) >= stop_at) { /* Falco's -M N */
			fprintf(stderr, "palisade: --duration: %llu seconds passed, stopping\n",
				(unsigned long long)cfg->duration_s);
			break;
		}
		err = sensor_poll(sensor, POLL_MS);
		if (err < 0) {
			fprintf(stderr, "palisade: reading the ring buffer failed: %s\n",
				strerror(-err));
			break;
		}
		err = 0;
		if (p.actions)
			action_poll(p.actions);
		agent_commands_poll(commands);
		agent_guard_poll(guard, pipeline_emit, &p);
		agent_net_enforce_poll(&p);
		if (p.alerts_out)
			fflush(p.alerts_out);
		if (p.events_out)
			fflush(p.events_out);
		if (reload_requested) {
			reload_requested = false;
			service_reloading();
			agent_reload(&reload);
			cfg = reload.cfg;
			service_ready("watching; reload done (its outcome is in the log)");
			loss_options_from_config(cfg, &lo); /* the priority stays until a restart */
			loss.watch.o = lo;
		}
		if (loss_tick(&loss, sensor, &p)) {
			loss_exit = true;
			break;
		}
		observe_tick(&ob);
		service_tick(clock_ns(CLOCK_MONOTONIC));
		if (stats_requested) {
			stats_requested = false;
			print_counters(sensor, &p, "counters");
		}
	}
	service_stopping();
	ran = sensor != NULL;
	if (sensor)
		sensor_drain(sensor, 500); /* what is queued, for half a second at most */
cleanup:
	/* Every producer of records finishes (the guard, queued container
	 * actions, the network policy), then the sinks deliver what is queued,
	 * so that the counters printed at exit are the final ones: printed
	 * before the drain, a webhook said "delivered 6" of 7 POSTs. */
	agent_guard_stop(guard, pipeline_emit, &p);
	action_container_backend_free(&container_backend); /* finishes queued actions */
	if (p.actions)
		action_poll(p.actions); /* the records of what the worker finished */
	agent_net_enforce_poll(&p);
	sink_set_stop(p.sinks);
	if (ran) {
		print_counters(sensor, &p, "exit");
		fprintf(stderr, "palisade: exit: seconds with drops %llu, drop actions %llu "
				"(syscall_event_drops)\n",
			(unsigned long long)loss.watch.seconds_with_drops,
			(unsigned long long)loss.watch.actions_taken);
	}
	action_dispatcher_free(p.actions);
	dns_refresh_stop(dns);
	prefilter_sensor = NULL;
	observe_stop(&ob); /* its last snapshot reads the sensor and the tables */
	agent_commands_free(commands); /* no command can come now */
	action_isolate_backend_free(&isolate_backend);
	sensor_close(sensor);
	prefilter_free(pf);
	container_store_free(p.containers);
	netpolicy_free(p.netpolicy);
	if (record_writer_close(p.recorder) < 0 && !err)
		err = -EIO;
	sink_set_free(p.sinks); /* delivers (or spools) what is queued */
	pipeline_close_output(p.events_out);
	rules_engine_free(p.rules);
	proc_table_free(p.procs);
	fd_table_free(p.fds);
	jw_release(&p.json);
	config_free(cfg);
	return err || loss_exit ? 1 : 0;
}
