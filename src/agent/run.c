/* `palisade run`: the live agent's command line, loop and exit (agent_run.h). */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/agent_run.h"
#include "agent/handover.h"
#include "action/netpolicy.h"
#include "agent/memory.h"
#include "agent/service.h"

/* Longest a record waits in the ring before the consumer looks (latency bound). */
#define POLL_MS 20

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

/*
 * A signal that is blocked while ignored is discarded, not left pending for
 * take_signals(): a shell without job control starts a background command
 * with SIGINT ignored, and such an agent could not be stopped by SIGINT.
 */
static void unignore(const sigset_t *set)
{
	struct sigaction sa;

	for (int sig = 1; sig < NSIG; sig++)
		if (sigismember(set, sig) == 1 && sigaction(sig, NULL, &sa) == 0 &&
		    sa.sa_handler == SIG_IGN)
			signal(sig, SIG_DFL);
}

static void take_signals(struct agent *a)
{
	const struct timespec now = { 0 };
	sigset_t set;
	int sig;

	agent_sigset(&set);
	while ((sig = sigtimedwait(&set, NULL, &now)) > 0) {
		if (sig == SIGUSR1)
			a->stats_requested = true;
		else if (sig == SIGHUP)
			a->reload_requested = true;
		else
			a->stop_requested = true;
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

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The command line. Returns -1 to go on, else the exit status. */
static int parse(struct agent *a)
{
	int err, first_arg;

	err = config_from_command_line(a->argc, a->argv, CONFIG_CMD_RUN, false, &first_arg, &a->cfg);
	if (err == CONFIG_HELP) {
		usage(stdout);
		return 0;
	}
	if (err)
		return 2;
	if (first_arg < a->argc) {
		fprintf(stderr, "palisade run: unexpected argument '%s'\n", a->argv[first_arg]);
		usage(stderr);
		return 2;
	}
	err = agent_falco_action(a->cfg); /* -L, -V, --list, ...: print and exit */
	if (err >= 0)
		return err;
	if (geteuid() != 0 && !a->cfg->dry_run) {
		fprintf(stderr, "palisade run: must run as root (loads BPF programs)\n");
		return 1;
	}
	return -1;
}

/* One turn's work besides the ring: the consumers, a reload, the outputs. */
static bool turn(struct agent *a)
{
	bool stop = false;

	for (size_t i = 0; i < a->n_consumers; i++)
		if (a->consumers[i].poll)
			stop |= a->consumers[i].poll(a->consumers[i].ctx, a);
	if (a->p.alerts_out)
		fflush(a->p.alerts_out);
	if (a->p.events_out)
		fflush(a->p.events_out);
	if (a->reload_requested) {
		a->reload_requested = false;
		service_reloading();
		agent_reload_begin(&a->reload);
	}
	if (agent_reload_poll(&a->reload)) {
		struct loss_options lo;

		service_ready("watching; reload done (its outcome is in the log)");
		loss_options_from_config(a->cfg, &lo); /* the priority stays until a restart */
		a->loss.watch.o = lo;
	}
	service_tick(monotonic_ns());
	if (a->stats_requested) {
		a->stats_requested = false;
		agent_print_counters(a, "counters");
	}
	return stop;
}

static int agent_loop(struct agent *a)
{
	uint64_t stop_at = a->cfg->duration_s ?
				   monotonic_ns() + a->cfg->duration_s * 1000000000ull : 0;
	int err = 0;

	for (take_signals(a); !a->stop_requested; take_signals(a)) {
		if (stop_at && monotonic_ns() >= stop_at) { /* Falco's -M N */
			fprintf(stderr, "palisade: --duration: %llu seconds passed, stopping\n",
				(unsigned long long)a->cfg->duration_s);
			break;
		}
		err = sensor_poll(a->sensor, POLL_MS);
		if (err < 0) {
			fprintf(stderr, "palisade: reading the ring buffer failed: %s\n",
				strerror(-err));
			return err;
		}
		if (turn(a))
			break;
	}
	return 0;
}

/*
 * The sensor's last records. A successor that takes over (--handover) runs
 * its own programs already: the cut (the boot-time clock) is taken just
 * before ours detach; we report the events before it (all in our ring, and
 * drained whole), the successor those from it on (docs/upgrade.md).
 */
static void stop_sensor(struct agent *a)
{
	struct timespec ts;

	if (!handover_requested(a->cfg)) {
		sensor_drain(a->sensor, 500); /* what is queued, for half a second at most */
		return;
	}
	action_fanotify_keep_pins(&a->guard_backend); /* the successor's guard holds them too */
	clock_gettime(CLOCK_BOOTTIME, &ts);
	a->p.judge_until_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	sensor_detach(a->sensor);
	handover_write_cut(a->cfg, a->p.judge_until_ns);
	sensor_drain(a->sensor, 5000); /* finite now: nothing is added */
}

int agent_run_main(int argc, char **argv)
{
	static struct agent a; /* large (the interest map): not on the stack */
	sigset_t signals;
	int ret, err;

	/* Before any thread exists: every thread inherits the blocked mask. */
	agent_memory_init();
	agent_sigset(&signals);
	unignore(&signals);
	pthread_sigmask(SIG_BLOCK, &signals, NULL);
	a = (struct agent){ .argc = argc, .argv = argv };
	ret = parse(&a);
	if (ret >= 0) {
		config_free(a.cfg);
		return ret;
	}
	sensor_log_init((int)a.cfg->verbose);
	service_init();
	signal(SIGPIPE, SIG_IGN);
	err = agent_open(&a);
	if (err > 0) { /* a dry run: everything checked, nothing started */
		agent_close(&a);
		return 0;
	}
	a.reload = (struct agent_reload){ .argc = argc, .argv = argv,
					  .boot_to_epoch_ns = (int64_t)a.p.boot_to_epoch_ns,
					  .build = agent_reload_build_default,
					  .swap = agent_reload_swap, .swap_ctx = &a };
	err = err ?: agent_start(&a);
	a.reload.prefilter = a.pf != NULL;
	if (!err) {
		agent_memory_trim();
		service_ready(a.status);
		err = agent_loop(&a);
		service_stopping();
		stop_sensor(&a);
	}
	agent_close(&a);
	return err || a.failed ? 1 : 0;
}
