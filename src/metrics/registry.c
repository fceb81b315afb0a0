/*
 * The registry: collectors run at publish time, labelled vectors any thread
 * may update, and the snapshot scrapes read. See metrics.h for the threads.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "metrics/metrics.h"

#define SINKS_MAX 64

struct collector {
	metrics_collect_fn fn;
	void *ctx;
};

struct series {
	char *values[METRICS_LABELS_MAX];
	double v;
};

struct metrics_vec {
	struct metrics_vec *next;
	char *name, *help;
	enum metrics_type type;
	char *labels[METRICS_LABELS_MAX + 1]; /* NULL-terminated */
	size_t n_labels;
	pthread_mutex_t lock;
	struct series *series;
	size_t n_series, max_series;
	uint64_t dropped; /* label sets refused over max_series */
};

/* A source of sink statistics: written by its own collector. */
struct sinks_source {
	struct sinks_source *next;
	metrics_sinks_fn fn;
	void *ctx;
};

/* A JSON document published beside the exposition text. */
struct doc {
	char name[32];
	metrics_doc_fn fn;
	void *ctx;
	char *snap; /* under snap_lock */
	size_t len;
};

struct metrics_registry {
	pthread_mutex_t lock; /* collectors, vectors; held while publishing */
	struct doc docs[METRICS_DOCS_MAX];
	size_t n_docs;
	struct collector *collectors;
	size_t n_collectors;
	struct metrics_vec *vecs;
	struct metrics_vec *actions;
	struct sinks_source *sinks; /* owned, freed with the registry */

	pthread_mutex_t snap_lock; /* the snapshot only: held for a swap or a copy */
	char *snap;
	size_t snap_len;
	double snap_at;
};

static double monotonic_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int metrics_registry_new(struct metrics_registry **out)
{
	static const char *const action_labels[] = { "action", "outcome", NULL };
	struct metrics_registry *r = calloc(1, sizeof(*r));
	int err;

	*out = NULL;
	if (!r)
		return -ENOMEM;
	pthread_mutex_init(&r->lock, NULL);
	pthread_mutex_init(&r->snap_lock, NULL);
	err = metrics_vec_new(r, "palisade_actions_total", METRICS_COUNTER,
			      "Enforcement actions taken, by action and outcome.", action_labels, 256,
			      &r->actions);
	if (err) {
		metrics_registry_free(r);
		return err;
	}
	*out = r;
	return 0;
}

static void vec_free(struct metrics_vec *v)
{
	size_t i, j;

	for (i = 0; i < v->n_series; i++)
		for (j = 0; j < v->n_labels; j++)
			free(v->series[i].values[j]);
	for (j = 0; j < v->n_labels; j++)
		free(v->labels[j]);
	free(v->series);
	free(v->name);
	free(v->help);
	pthread_mutex_destroy(&v->lock);
	free(v);
}

void metrics_registry_free(struct metrics_registry *r)
{
	struct metrics_vec *v, *next;

	if (!r)
		return;
	for (v = r->vecs; v; v = next) {
		next = v->next;
		vec_free(v);
	}
	while (r->sinks) {
		struct sinks_source *src = r->sinks;

		r->sinks = src->next;
		free(src);
	}
	for (size_t i = 0; i < r->n_docs; i++)
		free(r->docs[i].snap);
	free(r->collectors);
	free(r->snap);
	pthread_mutex_destroy(&r->lock);
	pthread_mutex_destroy(&r->snap_lock);
	free(r);
}

int metrics_register(struct metrics_registry *r, metrics_collect_fn fn, void *ctx)
{
	struct collector *v;
	int err = 0;

	pthread_mutex_lock(&r->lock);
	v = realloc(r->collectors, (r->n_collectors + 1) * sizeof(*v));
	if (v) {
		r->collectors = v;
		v[r->n_collectors++] = (struct collector){ fn, ctx };
	} else {
		err = -ENOMEM;
	}
	pthread_mutex_unlock(&r->lock);
	return err;
}

int metrics_vec_new(struct metrics_registry *r, const char *name, enum metrics_type type,
		    const char *help, const char *const *label_names, size_t max_series,
		    struct metrics_vec **out)
{
	struct metrics_vec *v = calloc(1, sizeof(*v));

	*out = NULL;
	if (!v)
		return -ENOMEM;
	pthread_mutex_init(&v->lock, NULL);
	v->type = type;
	v->max_series = max_series;
	v->name = strdup(name);
	v->help = strdup(help);
	while (label_names && label_names[v->n_labels]) {
		if (v->n_labels == METRICS_LABELS_MAX) {
			vec_free(v);
			return -EINVAL;
		}
		v->labels[v->n_labels] = strdup(label_names[v->n_labels]);
		if (!v->labels[v->n_labels]) {
			vec_free(v);
			return -ENOMEM;
		}
		v->n_labels++;
	}
	if (!v->name || !v->help) {
		vec_free(v);
		return -ENOMEM;
	}
	pthread_mutex_lock(&r->lock);
	v->next = r->vecs;
	r->vecs = v;
	pthread_mutex_unlock(&r->lock);
	*out = v;
	return 0;
}

/* The series of these label values, created when there is room. Lock held. */
static struct series *vec_series(struct metrics_vec *v, const char *const *values)
{
	struct series *s;
	size_t i, j;

	for (i = 0; i < v->n_series; i++) {
		for (j = 0; j < v->n_labels; j++)
			if (strcmp(v->series[i].values[j], values[j] ? values[j] : "") != 0)
				break;
		if (j == v->n_labels)
			return &v->series[i];
	}
	if (v->n_series == v->max_series) {
		v->dropped++;
		return NULL;
	}
	s = realloc(v->series, (v->n_series + 1) * sizeof(*s));
	if (!s) {
		v->dropped++;
		return NULL;
	}
	v->series = s;
	s = &v->series[v->n_series];
	memset(s, 0, sizeof(*s));
	for (j = 0; j < v->n_labels; j++) {
		s->values[j] = strdup(values[j] ? values[j] : "");
		if (!s->values[j]) {
			while (j--)
				free(s->values[j]);
			v->dropped++;
			return NULL;
		}
	}
	v->n_series++;
	return s;
}

void metrics_vec_add(struct metrics_vec *v, double delta, const char *const *label_values)
{
	struct series *s;

	pthread_mutex_lock(&v->lock);
	s = vec_series(v, label_values);
	if (s)
		s->v += delta;
	pthread_mutex_unlock(&v->lock);
}

void metrics_vec_set(struct metrics_vec *v, double value, const char *const *label_values)
{
	struct series *s;

	pthread_mutex_lock(&v->lock);
	s = vec_series(v, label_values);
	if (s)
		s->v = value;
	pthread_mutex_unlock(&v->lock);
}

void metrics_count_action(struct metrics_registry *r, const char *action, const char *outcome)
{
	const char *values[] = { action, outcome };

	if (r)
		metrics_vec_add(r->actions, 1, values);
}

static uint64_t write_vecs(struct metrics_registry *r, struct metrics_writer *w)
{
	struct metrics_vec *v;
	uint64_t dropped = 0;
	size_t i;

	for (v = r->vecs; v; v = v->next) {
		pthread_mutex_lock(&v->lock);
		metrics_family(w, v->name, v->type, v->help);
		for (i = 0; i < v->n_series; i++)
			metrics_sample_labels(w, v->series[i].v, v->n_labels,
					      (const char *const *)v->labels,
					      (const char *const *)v->series[i].values);
		dropped += v->dropped;
		pthread_mutex_unlock(&v->lock);
	}
	return dropped;
}

/* One family per sink counter, each holding every sink's sample. */
static void collect_sinks(struct metrics_writer *w, void *ctx)
{
	static const struct {
		const char *name, *help;
		enum metrics_type type;
		size_t off;
	} fams[] = {
		{ "palisade_sink_delivered_total", "Alerts a sink delivered.", METRICS_COUNTER,
		  offsetof(struct metrics_sink_stats, delivered) },
		{ "palisade_sink_failed_total", "Delivery attempts that failed (retried or spooled).",
		  METRICS_COUNTER, offsetof(struct metrics_sink_stats, failed) },
		{ "palisade_sink_dropped_total", "Alerts a sink dropped (queue full or gave up).",
		  METRICS_COUNTER, offsetof(struct metrics_sink_stats, dropped) },
		{ "palisade_sink_spooled_total", "Alerts written to a sink's spool for later.",
		  METRICS_COUNTER, offsetof(struct metrics_sink_stats, spooled) },
		{ "palisade_sink_queue_depth", "Alerts waiting in a sink's queue.", METRICS_GAUGE,
		  offsetof(struct metrics_sink_stats, queue_depth) },
		{ "palisade_sink_queue_capacity", "Size of a sink's queue.", METRICS_GAUGE,
		  offsetof(struct metrics_sink_stats, queue_capacity) },
	};
	const struct sinks_source *src = ctx;
	struct metrics_sink_stats st[SINKS_MAX];
	size_t j, k, n;

	memset(st, 0, sizeof(st));
	n = src->fn(src->ctx, st, SINKS_MAX);
	if (n > SINKS_MAX)
		n = SINKS_MAX;
	for (k = 0; k < sizeof(fams) / sizeof(fams[0]); k++) {
		metrics_family(w, fams[k].name, fams[k].type, fams[k].help);
		for (j = 0; j < n; j++)
			metrics_sample(w,
				       (double)*(const uint64_t *)((const char *)&st[j] + fams[k].off),
				       "sink", st[j].name ? st[j].name : "", "type",
				       st[j].type ? st[j].type : "");
	}
	metrics_family(w, "palisade_sink_up", METRICS_GAUGE,
		       "1 when a sink's last delivery succeeded, 0 when it failed.");
	for (j = 0; j < n; j++)
		metrics_sample(w, st[j].healthy ? 1 : 0, "sink", st[j].name ? st[j].name : "", "type",
			       st[j].type ? st[j].type : "");
}

int metrics_add_sinks(struct metrics_registry *r, metrics_sinks_fn fn, void *ctx)
{
	struct sinks_source *src;
	int err;

	if (!r)
		return 0; /* metrics off */
	src = calloc(1, sizeof(*src));
	if (!src)
		return -ENOMEM;
	src->fn = fn;
	src->ctx = ctx;
	err = metrics_register(r, collect_sinks, src);
	if (err) {
		free(src);
		return err;
	}
	pthread_mutex_lock(&r->lock);
	src->next = r->sinks;
	r->sinks = src;
	pthread_mutex_unlock(&r->lock);
	return 0;
}

int metrics_register_doc(struct metrics_registry *r, const char *name, metrics_doc_fn fn,
			 void *ctx)
{
	int err = 0;

	if (!r)
		return 0;
	if (strlen(name) >= sizeof(r->docs[0].name))
		return -ENAMETOOLONG;
	pthread_mutex_lock(&r->lock);
	if (r->n_docs == METRICS_DOCS_MAX)
		err = -ENOSPC;
	else
		r->docs[r->n_docs++] = (struct doc){ .fn = fn, .ctx = ctx };
	if (!err)
		snprintf(r->docs[r->n_docs - 1].name, sizeof(r->docs[0].name), "%s", name);
	pthread_mutex_unlock(&r->lock);
	return err;
}

/* Each document rendered and swapped in; one that fails keeps its last text. */
static void publish_docs(struct metrics_registry *r)
{
	for (size_t i = 0; i < r->n_docs; i++) {
		size_t len = 0;
		char *text = r->docs[i].fn(r->docs[i].ctx, &len), *old;

		if (!text)
			continue;
		pthread_mutex_lock(&r->snap_lock);
		old = r->docs[i].snap;
		r->docs[i].snap = text;
		r->docs[i].len = len;
		pthread_mutex_unlock(&r->snap_lock);
		free(old);
	}
}

char *metrics_doc_snapshot(struct metrics_registry *r, const char *name, size_t *len)
{
	char *copy = NULL;

	pthread_mutex_lock(&r->snap_lock);
	for (size_t i = 0; i < r->n_docs; i++) {
		if (strcmp(r->docs[i].name, name) || !r->docs[i].snap)
			continue;
		copy = malloc(r->docs[i].len + 1);
		if (copy) {
			memcpy(copy, r->docs[i].snap, r->docs[i].len);
			copy[r->docs[i].len] = 0;
			*len = r->docs[i].len;
		}
		break;
	}
	pthread_mutex_unlock(&r->snap_lock);
	return copy;
}

int metrics_publish(struct metrics_registry *r)
{
	struct metrics_writer *w = NULL;
	uint64_t dropped;
	char *text, *old;
	size_t i, len;
	int err;

	err = metrics_writer_new(&w);
	if (err)
		return err;
	pthread_mutex_lock(&r->lock);
	for (i = 0; i < r->n_collectors; i++)
		r->collectors[i].fn(w, r->collectors[i].ctx);
	dropped = write_vecs(r, w);
	publish_docs(r);
	pthread_mutex_unlock(&r->lock);
	metrics_family(w, "palisade_metrics_series_dropped_total", METRICS_COUNTER,
		       "Label sets not kept because a family reached its series bound.");
	metrics_sample(w, (double)dropped);
	metrics_family(w, "palisade_metrics_write_errors", METRICS_GAUGE,
		       "Samples refused while writing this snapshot (bad names, type conflicts).");
	metrics_sample(w, (double)metrics_writer_errors(w));
	text = metrics_writer_render(w, &len);
	metrics_writer_free(w);
	if (!text)
		return -ENOMEM;
	pthread_mutex_lock(&r->snap_lock);
	old = r->snap;
	r->snap = text;
	r->snap_len = len;
	r->snap_at = monotonic_sec();
	pthread_mutex_unlock(&r->snap_lock);
	free(old);
	return 0;
}

char *metrics_snapshot(struct metrics_registry *r, size_t *len, double *published_at)
{
	char *copy = NULL;

	pthread_mutex_lock(&r->snap_lock);
	if (r->snap) {
		copy = malloc(r->snap_len + 1);
		if (copy) {
			memcpy(copy, r->snap, r->snap_len);
			copy[r->snap_len] = 0;
			*len = r->snap_len;
		}
	}
	if (published_at)
		*published_at = r->snap_at;
	pthread_mutex_unlock(&r->snap_lock);
	return copy;
}
