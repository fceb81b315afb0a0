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
#include "agent/pipeline.h"
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
		"Loads the eBPF sensors and prints one JSON object per process event (exec,\n"
		"fork, exit) of every process on the host and in every container, until\n"
		"SIGINT or SIGTERM. Needs root and a kernel with BTF. SIGUSR1 prints the\n"
		"loss counters to stderr. The JSON schema is in docs/events.md.\n"
		"\n"
		"Options:\n"
		"  -o, --output FILE         write events to FILE instead of stdout\n"
		"                            (\"-\" = stdout, \"none\" = no event output)\n"
		"  -r, --record FILE         also record the raw event stream and container\n"
		"                            metadata to FILE for `palisade replay`\n"
		"                            (format: docs/record-format.md)\n"
		"      --docker-socket PATH  Docker Engine API socket (default %s)\n"
		"      --no-docker           do not query Docker: containers get id only\n"
		"      --ringbuf-kib N       kernel ring buffer size in KiB, a power of two\n"
		"                            (default 4096)\n"
		"      --proc-table-size N   processes tracked before eviction (default %d)\n"
		"  -h, --help                show this help\n",
		DEFAULT_DOCKER_SOCKET, PROC_TABLE_DEFAULT);
}

struct run_options {
	const char *output, *record, *docker_socket;
	uint32_t ringbuf_kib;
	size_t proc_table_size;
};

static int parse_options(int argc, char **argv, struct run_options *o)
{
	enum { OPT_DOCKER_SOCKET = 256, OPT_NO_DOCKER, OPT_RINGBUF, OPT_PROC_TABLE };
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "record", required_argument, NULL, 'r' },
		{ "docker-socket", required_argument, NULL, OPT_DOCKER_SOCKET },
		{ "no-docker", no_argument, NULL, OPT_NO_DOCKER },
		{ "ringbuf-kib", required_argument, NULL, OPT_RINGBUF },
		{ "proc-table-size", required_argument, NULL, OPT_PROC_TABLE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	*o = (struct run_options){ .output = "-",
				   .docker_socket = DEFAULT_DOCKER_SOCKET,
				   .ringbuf_kib = 4096,
				   .proc_table_size = PROC_TABLE_DEFAULT };
	while ((c = getopt_long(argc, argv, "o:r:h", longopts, NULL)) != -1) {
		switch (c) {
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
		"errors %llu; processes %zu/%zu (evicted %llu, unknown parent %llu); "
		"containers %zu (engine %s, errors %llu)\n",
		when, (unsigned long long)p->events, (unsigned long long)k[CNT_RINGBUF_FULL],
		(unsigned long long)k[CNT_TRUNC_PATH], (unsigned long long)k[CNT_TRUNC_ARGS],
		(unsigned long long)k[CNT_READ_FAIL], (unsigned long long)p->malformed,
		(unsigned long long)p->record_errors, ps.entries, ps.capacity,
		(unsigned long long)ps.evictions, (unsigned long long)ps.misses, cs.containers,
		!p->containers ? "off" : cs.engine_connected ? "connected" : "unreachable",
		(unsigned long long)cs.engine_errors);
}

static int open_output(const char *path, FILE **out)
{
	if (strcmp(path, "none") == 0) {
		*out = NULL;
		return 0;
	}
	if (strcmp(path, "-") == 0) {
		*out = stdout;
		return 0;
	}
	*out = fopen(path, "we");
	if (!*out) {
		fprintf(stderr, "palisade run: cannot open output %s: %s\n", path, strerror(errno));
		return -errno;
	}
	return 0;
}

int agent_run_main(int argc, char **argv)
{
	struct run_options o;
	struct pipeline p = { 0 };
	struct sensor *sensor = NULL;
	struct sensor_config scfg;
	struct container_store_config ccfg = { .on_update = on_container_update, .ctx = &p };
	struct sigaction sa = { 0 };
	char host[64] = "", desc[512];
	int err, seeded;

	err = parse_options(argc, argv, &o);
	if (err)
		return 2;
	if (geteuid() != 0) {
		fprintf(stderr, "palisade run: must run as root (loads BPF programs)\n");
		return 1;
	}
	err = open_output(o.output, &p.out);
	if (err)
		return 1;
	gethostname(host, sizeof(host) - 1);
	p.boot_to_epoch_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME);
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

	scfg = (struct sensor_config){ .ringbuf_bytes = o.ringbuf_kib * 1024,
				       .wakeup_bytes = o.ringbuf_kib * 1024 / 16 };
	err = sensor_open(&scfg, on_sensor_record, &p, &sensor);
	if (err)
		goto cleanup;
	/* Attach first, then seed: a process born in between is seen twice (harmless),
	 * never missed. */
	container_store_start(p.containers);
	seeded = proc_snapshot("/proc", on_snapshot, &p);
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
		if (p.out)
			fflush(p.out);
		if (stats_requested) {
			stats_requested = 0;
			print_counters(sensor, &p, "counters");
		}
	}
	if (sensor) {
		sensor_poll(sensor, 0); /* what is already queued is not lost */
		print_counters(sensor, &p, "exit");
	}
cleanup:
	sensor_close(sensor);
	container_store_free(p.containers);
	if (record_writer_close(p.recorder) < 0 && !err)
		err = -EIO;
	if (p.out && p.out != stdout)
		fclose(p.out);
	else if (p.out)
		fflush(p.out);
	proc_table_free(p.procs);
	jw_release(&p.json);
	return err ? 1 : 0;
}
