#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "agent/observe.h"
#include "agent/pipeline.h"
#include "web/web.h"

#define PUBLISH_INTERVAL_NS 1000000000ull

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The sink framework's counters, as the metrics registry wants them. */
static size_t sinks_for_metrics(void *ctx, struct metrics_sink_stats *out, size_t max)
{
	static struct sink_stats st[64];
	size_t n = sink_stats_current(st, 64);

	(void)ctx;
	for (size_t i = 0; i < n && i < max && i < 64; i++)
		out[i] = (struct metrics_sink_stats){ .name = st[i].name,
						      .type = st[i].type,
						      .delivered = st[i].delivered,
						      .failed = st[i].failed,
						      .dropped = st[i].dropped,
						      .spooled = st[i].spooled,
						      .queue_depth = st[i].queue_depth,
						      .queue_capacity = st[i].queue_size,
						      .healthy = st[i].healthy };
	return n;
}

static const char *metrics_listen(const struct palisade_config *c)
{
	return *c->metrics.listen ? c->metrics.listen : NULL;
}

static const char *status_socket(const struct palisade_config *c)
{
	return *c->status.socket && strcmp(c->status.socket, "none") ? c->status.socket : NULL;
}

int observe_start(struct observe *ob, const struct palisade_config *c, struct pipeline *p)
{
	const char *metrics = metrics_listen(c), *status = status_socket(c);
	int err;

	memset(ob, 0, sizeof(*ob));
	if (!metrics && !status && !c->web.enabled)
		return 0;
	err = metrics_registry_new(&ob->reg);
	err = err ?: metrics_register(ob->reg, metrics_collect_process, NULL);
	err = err ?: agent_metrics_new(ob->reg, p, &ob->agent);
	err = err ?: metrics_add_sinks(ob->reg, sinks_for_metrics, NULL);
	if (!err && c->web.enabled)
		err = web_view_new(ob->reg, c->web.token_file, &ob->web);
	if (err) {
		fprintf(stderr, "palisade: cannot set up metrics: %s\n", strerror(-err));
		return err;
	}
	p->metrics = ob->agent;
	agent_metrics_rules_loaded(ob->agent, p->rules, true);
	/* Something to serve from the first request on. */
	return metrics_publish(ob->reg);
}

int observe_serve(struct observe *ob, const struct palisade_config *c)
{
	const char *metrics = metrics_listen(c), *status = status_socket(c);
	int err;

	if (!ob->reg)
		return 0;
	if (metrics || ob->web) {
		const struct metrics_http_cfg hc = {
			.listen = metrics,
			.health_listen = metrics ? c->metrics.health_listen : NULL,
			.token_file = c->metrics.token_file,
			.socket_group = c->metrics.socket_group,
			.serve_metrics = c->metrics.serve_metrics,
			.healthz_path = c->metrics.healthz_path,
			.web_listen = ob->web ? c->web.listen : NULL,
			.web = web_view_answer,
			.web_ctx = ob->web,
			.web_cookie = WEB_COOKIE,
		};

		err = metrics_http_start(ob->reg, &hc, &ob->http);
		if (err)
			return err;
		if (ob->web)
			fprintf(stderr, "palisade: web: the live view on http://%s/ (docs/web.md)\n",
				c->web.listen);
	}
	if (status) {
		err = status_server_start(ob->reg, status, &ob->status);
		if (err && config_set_by_flag(c, &c->status.socket))
			return err;
		if (err)
			fprintf(stderr, "palisade: going on without a status socket (pass "
					"--status-socket PATH to choose one)\n");
	}
	ob->last_publish_ns = monotonic_ns();
	return 0;
}

void observe_sensor(struct observe *ob, struct sensor *s, const uint32_t *syscall_spec)
{
	if (ob->agent)
		agent_metrics_set_sensor(ob->agent, s, syscall_spec);
}

void observe_tick(struct observe *ob)
{
	uint64_t now;

	if (!ob->reg)
		return;
	now = monotonic_ns();
	if (now - ob->last_publish_ns < PUBLISH_INTERVAL_NS)
		return;
	ob->last_publish_ns = now;
	if (metrics_publish(ob->reg) < 0)
		fprintf(stderr, "palisade: publishing metrics failed: out of memory; the last "
				"snapshot stays\n");
}

void observe_stop(struct observe *ob)
{
	if (ob->reg)
		metrics_publish(ob->reg);
	metrics_http_stop(ob->http);
	status_server_stop(ob->status);
	web_view_free(ob->web);
	agent_metrics_free(ob->agent);
	metrics_registry_free(ob->reg);
	memset(ob, 0, sizeof(*ob));
}
