/* `palisade run`: the live agent. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/net_enforce.h"
#include "agent/pipeline.h"
#include "agent/rules_load.h"
#include "event/syscalls.h"
#include "sensor/sensor.h"

#define DEFAULT_DOCKER_SOCKET "/var/run/docker.sock"
/* Longest a record waits in the ring before the consumer looks (latency bound). */
#define POLL_MS 20

static volatile sig_atomic_t stop_requested, stats_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void on_usr1(int sig)
{
	(void)sig;
	stats_requested = 1;
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
		"stderr. Event JSON: docs/events.md; rules: docs/rules.md.\n"
		"\n"
		"Options:\n"
		"  -o, --output FILE         write alerts to FILE instead of stdout\n"
		"                            (\"-\" = stdout, \"none\" = discard)\n"
		"  -e, --events FILE         also write every raw event (exec, fork, exit)\n"
		"                            as JSON to FILE (\"-\" = stdout)\n"
		"  -r, --record FILE         also record the raw event stream and container\n"
		"                            metadata to FILE for `palisade replay`\n"
		"                            (format: docs/record-format.md)\n"
		"      --docker-socket PATH  Docker Engine API socket (default %s)\n"
		"      --no-docker           do not query Docker: containers get id only\n"
		"      --ringbuf-kib N       kernel ring buffer size in KiB, a power of two\n"
		"                            (default 4096)\n"
		"      --proc-table-size N   processes tracked before eviction (default %d)\n"
		"      --syscalls MODE       syscalls the kernel reports: \"rules\" (default:\n"
		"                            those some loaded rule needs), \"all\" (every\n"
		"                            syscall palisade knows, see docs/events.md), \"none\"\n"
		"      --enforce             enforce `action: deny` rules (default: audit,\n"
		"                            reported as would-have; docs/enforcement-network.md)\n"
		"%s"
		"  -h, --help                show this help\n",
		DEFAULT_DOCKER_SOCKET, PROC_TABLE_DEFAULT, agent_rules_help);
}

struct run_options {
	const char *output, *events, *record, *docker_socket, *syscalls;
	struct agent_rules_options rules;
	uint32_t ringbuf_kib;
	size_t proc_table_size;
	bool enforce;
};

static int parse_options(int argc, char **argv, struct run_options *o)
{
	enum { OPT_DOCKER_SOCKET = 256, OPT_NO_DOCKER, OPT_RINGBUF, OPT_PROC_TABLE, OPT_SYSCALLS,
	       OPT_ENFORCE };
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "record", required_argument, NULL, 'r' },
		{ "docker-socket", required_argument, NULL, OPT_DOCKER_SOCKET },
		{ "no-docker", no_argument, NULL, OPT_NO_DOCKER },
		{ "ringbuf-kib", required_argument, NULL, OPT_RINGBUF },
		{ "proc-table-size", required_argument, NULL, OPT_PROC_TABLE },
		{ "events", required_argument, NULL, 'e' },
		{ "syscalls", required_argument, NULL, OPT_SYSCALLS },
		{ "enforce", no_argument, NULL, OPT_ENFORCE },
		{ "help", no_argument, NULL, 'h' },
		AGENT_RULES_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	*o = (struct run_options){ .output = "-",
				   .docker_socket = DEFAULT_DOCKER_SOCKET,
				   .syscalls = "rules",
				   .ringbuf_kib = 4096,
				   .proc_table_size = PROC_TABLE_DEFAULT };
	agent_rules_defaults(&o->rules);
	while ((c = getopt_long(argc, argv, "o:e:r:h", longopts, NULL)) != -1) {
		if (c >= AGENT_RULES_OPT_BASE) {
			if (agent_rules_option(&o->rules, c, optarg))
				return -EINVAL;
			continue;
		}
		switch (c) {
		case 'e':
			o->events = optarg;
			break;
		case OPT_SYSCALLS:
			if (strcmp(optarg, "rules") && strcmp(optarg, "all") && strcmp(optarg, "none")) {
				fprintf(stderr, "palisade run: --syscalls %s: expected rules, all "
						"or none\n", optarg);
				return -EINVAL;
			}
			o->syscalls = optarg;
			break;
		case OPT_ENFORCE:
			o->enforce = true;
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'r':
			o->record = optarg;
			break;
		case OPT_DOCKER_SOCKET:
			o->docker_socket = optarg;
			break;
		case OPT_NO_DOCKER:
			o->docker_socket = NULL;
			break;
		case OPT_RINGBUF:
			o->ringbuf_kib = (uint32_t)strtoul(optarg, &end, 10);
			if (*end || o->ringbuf_kib < 4 || (o->ringbuf_kib & (o->ringbuf_kib - 1))) {
				fprintf(stderr, "palisade run: --ringbuf-kib %s: need a power of "
						"two >= 4\n", optarg);
				return -EINVAL;
			}
			break;
		case OPT_PROC_TABLE:
			o->proc_table_size = strtoul(optarg, &end, 10);
			if (*end || o->proc_table_size < 64) {
				fprintf(stderr, "palisade run: --proc-table-size %s: need a number "
						">= 64\n", optarg);
				return -EINVAL;
			}
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "palisade run: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return -EINVAL;
	}
	return 0;
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
	}
}

static int on_sensor_record(void *ctx, void *rec, size_t len)
{
	return pipeline_record(ctx, rec, len);
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

	sensor_counters(s, k);
	proc_table_stats(p->procs, &ps);
	if (p->containers)
		container_store_stats(p->containers, &cs);
	fprintf(stderr,
		"palisade: %s: events %llu; lost %llu (ring buffer full); truncated: paths %llu, "
		"argv %llu; failed kernel reads %llu; malformed records %llu; record write "
		"errors %llu; alerts %llu; processes %zu/%zu (evicted %llu, unknown parent %llu); "
		"containers %zu (engine %s, errors %llu)\n",
		when, (unsigned long long)p->events, (unsigned long long)k[CNT_RINGBUF_FULL],
		(unsigned long long)k[CNT_TRUNC_PATH], (unsigned long long)k[CNT_TRUNC_ARGS],
		(unsigned long long)k[CNT_READ_FAIL], (unsigned long long)p->malformed,
		(unsigned long long)p->record_errors, (unsigned long long)p->alerts, ps.entries, ps.capacity,
		(unsigned long long)ps.evictions, (unsigned long long)ps.misses, cs.containers,
		!p->containers ? "off" : cs.engine_connected ? "connected" : "unreachable",
		(unsigned long long)cs.engine_errors);
	agent_net_enforce_counters(p, when);
}

int agent_run_main(int argc, char **argv)
{
	struct run_options o;
	struct pipeline p = { 0 };
	struct sensor *sensor = NULL;
	struct sensor_config scfg;
	struct container_store_config ccfg = { .on_update = on_container_update, .ctx = &p };
	struct sigaction sa = { 0 };
	char host[64] = "", desc[1024], cg2[512];
	static uint32_t spec[EV_SYSCALL_NR_MAX];
	int err, seeded;

	err = parse_options(argc, argv, &o);
	if (err)
		return 2;
	if (geteuid() != 0) {
		fprintf(stderr, "palisade run: must run as root (loads BPF programs)\n");
		return 1;
	}
	gethostname(host, sizeof(host) - 1);
	p.boot_to_epoch_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME);
	/* Rules first: a broken rules file stops us before anything is loaded. */
	if (agent_rules_load(&o.rules, (int64_t)p.boot_to_epoch_ns, &p.rules) < 0)
		return 1;
	if (pipeline_open_output(o.output, &p.alerts_out) < 0 ||
	    (o.events && pipeline_open_output(o.events, &p.events_out) < 0)) {
		err = -EIO;
		goto cleanup;
	}
	err = proc_table_new(o.proc_table_size, &p.procs);
	if (err)
		goto cleanup;
	if (o.record) {
		err = record_writer_open(o.record, p.boot_to_epoch_ns, host, &p.recorder);
		if (err)
			goto cleanup;
	}
	ccfg.docker_socket = o.docker_socket;
	err = container_store_new(&ccfg, &p.containers);
	if (err) {
		fprintf(stderr, "palisade run: container attribution unavailable: %s\n",
			strerror(-err));
		goto cleanup;
	}

	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	syscall_interest(o.syscalls, p.rules, spec);
	scfg = (struct sensor_config){ .ringbuf_bytes = o.ringbuf_kib * 1024,
				       .wakeup_bytes = o.ringbuf_kib * 1024 / 16,
				       .syscall_spec = spec };
	err = sensor_open(&scfg, on_sensor_record, &p, &sensor);
	if (err)
		goto cleanup;
	/* Before the store starts: it reports every container to the policy. */
	err = agent_net_enforce_start(&p, o.enforce);
	if (err)
		goto cleanup;
	/* Attach first, then seed: a process born in between is seen twice (harmless),
	 * never missed. */
	container_store_start(p.containers);
	seeded = proc_snapshot("/proc",
			       container_cgroup2_mount(cg2, sizeof(cg2)) == 0 ? cg2 : NULL,
			       on_snapshot, &p);
	sensor_describe(sensor, desc, sizeof(desc));
	fprintf(stderr, "palisade: loaded %s; %d processes from /proc; docker %s\n", desc,
		seeded, o.docker_socket ? o.docker_socket : "off");

	while (!stop_requested) {
		err = sensor_poll(sensor, POLL_MS);
		if (err < 0) {
			fprintf(stderr, "palisade: reading the ring buffer failed: %s\n",
				strerror(-err));
			break;
		}
		err = 0;
		agent_net_enforce_poll(&p);
		if (p.alerts_out)
			fflush(p.alerts_out);
		if (p.events_out)
			fflush(p.events_out);
		if (stats_requested) {
			stats_requested = 0;
			print_counters(sensor, &p, "counters");
		}
	}
	if (sensor) {
		sensor_poll(sensor, 0); /* what is already queued is not lost */
		agent_net_enforce_poll(&p);
		print_counters(sensor, &p, "exit");
	}
cleanup:
	sensor_close(sensor);
	container_store_free(p.containers);
	netpolicy_free(p.netpolicy);
	if (record_writer_close(p.recorder) < 0 && !err)
		err = -EIO;
	pipeline_close_output(p.alerts_out);
	pipeline_close_output(p.events_out);
	rules_engine_free(p.rules);
	proc_table_free(p.procs);
	jw_release(&p.json);
	return err ? 1 : 0;
}
