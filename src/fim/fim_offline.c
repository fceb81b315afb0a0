/*
 * What changed while the agent was not running: at start, the watched paths
 * are scanned on a thread of their own and compared with the baseline, and
 * each difference becomes an alert of rule "FIM - changed while the agent
 * was not running" (source fim), queued for the event thread to hand to the
 * outputs (fim_live_offline_drain). The scan reads files only.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alert/alert.h"
#include "fim/fim_live_internal.h"

#define ATTRS_TEXT_MAX 2048
#define OFFLINE_ALERTS_MAX 10000 /* beyond: counted, summarised */

static const char *const offline_tags[] = { "palisade", "fim", "filesystem", "restart" };
static const struct rules_rule_info offline_rule = {
	.name = "FIM - changed while the agent was not running",
	.desc = "a watched path differs from the baseline when the agent starts",
	.source = "fim",
	.priority = RULES_PRIO_WARNING,
	.tags = offline_tags,
	.n_tags = sizeof(offline_tags) / sizeof(offline_tags[0]),
	.enabled = true,
	.file = "<fim>",
};

/* "mode 0755 -> 4755; hash ab.. -> cd.." for the attributes that differ. */
static void attrs_text(const struct fim_change *c, char *p, size_t cap)
{
	char old[256], cur[256];
	size_t n = 0;

	p[0] = '\0';
	for (unsigned a = 0; a < FIM_A_COUNT && c->old && c->cur; a++) {
		if (!(c->changed & FIM_ATTR_BIT(a)))
			continue;
		fim_attr_format(a, c->old, old, sizeof(old));
		fim_attr_format(a, c->cur, cur, sizeof(cur));
		n += (size_t)snprintf(p + n, n < cap ? cap - n : 0, "%s%s %s -> %s", n ? "; " : "",
				      fim_attr_name(a), old, cur);
		if (n >= cap)
			break;
	}
}

static struct alert *entry_alert(const struct fim_change *c, const struct fim_entry *e,
				 const char *host)
{
	const char *kind = !c->old ? "added" : !c->cur ? "removed" : "changed";
	char attrs[ATTRS_TEXT_MAX], output[ATTRS_TEXT_MAX + 4200];
	struct timespec now;
	struct rules_value fields[4] = {
		{ .field = "fim.change", .kind = RULES_VAL_STRING, .s = kind },
		{ .field = "fim.path", .kind = RULES_VAL_STRING, .s = e->path },
		{ .field = "fim.class", .kind = RULES_VAL_STRING, .s = fim_class_name(e->class) },
		{ .field = "fim.attributes", .kind = RULES_VAL_STRING, .s = attrs },
	};
	struct rules_alert ra = { .rule = &offline_rule, .output = output, .hostname = host,
				  .fields = fields, .n_fields = 4 };

	attrs_text(c, attrs, sizeof(attrs));
	snprintf(output, sizeof(output),
		 "File changed while the agent was not running (change=%s file=%s class=%s%s%s)",
		 kind, e->path, fim_class_name(e->class), attrs[0] ? " attributes=" : "", attrs);
	clock_gettime(CLOCK_REALTIME, &now);
	ra.time_ns = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
	return alert_from_rules(&ra);
}

static struct alert *change_alert(const struct fim_change *c, const char *host)
{
	const struct fim_entry *e = c->cur ? c->cur : c->old;

	return e ? entry_alert(c, e, host) : NULL;
}

static void *offline_main(void *arg)
{
	struct fim_live *l = arg;
	struct fim_offline *o = &l->offline;
	struct fim_diff d = { 0 };
	struct fim_set *cur = NULL;
	struct fim_scan_stats st;
	char host[256] = "";
	int err;

	gethostname(host, sizeof(host) - 1);
	err = fim_scan(l->cfg, 0, NULL, &cur, &st);
	err = err ?: fim_diff(l->base, cur, &d);
	pthread_mutex_lock(&o->lock);
	o->err = err;
	o->scanned = st.entries;
	for (size_t i = 0; !err && i < d.n; i++) {
		struct alert *al = o->n < OFFLINE_ALERTS_MAX ? change_alert(&d.v[i], host) : NULL;

		if (al)
			o->v[o->n++] = al;
		else
			o->dropped++;
	}
	o->changes = d.n;
	pthread_mutex_unlock(&o->lock);
	fim_diff_free(&d);
	fim_set_free(cur);
	atomic_store(&o->done, true);
	return NULL;
}

int fim_live_offline_start(struct fim_live *l)
{
	struct fim_offline *o = &l->offline;
	int err;

	o->v = calloc(OFFLINE_ALERTS_MAX, sizeof(*o->v));
	if (!o->v)
		return -ENOMEM;
	pthread_mutex_init(&o->lock, NULL);
	o->lock_made = true;
	err = pthread_create(&o->thread, NULL, offline_main, l);
	if (err)
		return -err;
	o->running = true;
	return 0;
}

bool fim_live_offline_drain(struct fim_live *l, void (*emit)(struct alert *al, void *ctx),
			    void *ctx)
{
	struct fim_offline *o = &l->offline;
	size_t n;

	if (!o->running || !atomic_load(&o->done))
		return false;
	pthread_join(o->thread, NULL);
	o->running = false;
	pthread_mutex_lock(&o->lock);
	n = o->n;
	pthread_mutex_unlock(&o->lock);
	if (o->err)
		fprintf(stderr, "palisade: fim: the comparison with the baseline at start failed: "
				"%s\n", strerror(-o->err));
	else
		fprintf(stderr, "palisade: fim: at start, %llu entries compared with the baseline: "
				"%llu changed while the agent was not running%s\n",
			(unsigned long long)o->scanned, (unsigned long long)o->changes,
			o->dropped ? " (alerts beyond the bound are not sent: see fim check)" : "");
	for (size_t i = 0; i < n; i++) {
		emit(o->v[i], ctx);
		o->v[i] = NULL;
	}
	o->n = 0;
	return true;
}

void fim_live_offline_stop(struct fim_live *l, unsigned wait_ms)
{
	struct fim_offline *o = &l->offline;

	for (unsigned i = 0; o->running && !atomic_load(&o->done) && i < wait_ms / 10; i++)
		usleep(10000);
	if (o->running && !atomic_load(&o->done)) {
		/* The scan reads the configuration and the baseline: they stay. */
		fprintf(stderr, "palisade: fim: the comparison with the baseline was still running "
				"at stop: abandoned\n");
		o->abandoned = true;
		return;
	}
	if (o->running)
		pthread_join(o->thread, NULL);
	o->running = false;
}

void fim_live_offline_free(struct fim_offline *o)
{
	for (size_t i = 0; o->v && i < o->n; i++)
		alert_free(o->v[i]);
	free(o->v);
	if (o->lock_made)
		pthread_mutex_destroy(&o->lock);
}
