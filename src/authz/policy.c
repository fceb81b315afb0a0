/*
 * The policy: the baseline and the operator's rules files, compiled into a
 * generation of a few engines (an engine serves one thread at a time). A
 * reload compiles a whole new generation first and swaps it in one step:
 * every request is judged by the old policy or the new one, never by none.
 * A request in flight keeps its generation until it is answered.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/alert.h"
#include "authz/internal.h"
#include "output/sink.h"

#define POOL 4

struct az_gen {
	unsigned refs; /* under the policy's mutex */
	struct rules_engine *eng[POOL];
	pthread_mutex_t lock[POOL];
	size_t rules;
};

static void gen_free(struct az_gen *g)
{
	for (size_t i = 0; g && i < POOL; i++) {
		rules_engine_free(g->eng[i]);
		pthread_mutex_destroy(&g->lock[i]);
	}
	free(g);
}

static int compile_one(const struct az_policy_cfg *cfg, struct rules_engine **out, FILE *diag)
{
	struct rules_config rc;
	struct rules_engine *e = NULL;
	int ret;

	rules_config_default(&rc);
	rc.append_container = false;
	rc.diag_out = diag;
	ret = rules_engine_new(&rc, &e);
	if (!ret && cfg->baseline)
		ret = rules_engine_add_authz_baseline(e);
	for (size_t i = 0; !ret && i < cfg->n_files; i++)
		ret = rules_engine_add_path(e, cfg->files[i]);
	if (!ret)
		ret = rules_engine_compile(e);
	if (ret) {
		rules_engine_free(e);
		return ret;
	}
	*out = e;
	return 0;
}

int az_policy_load(struct az_policy *p, FILE *diag)
{
	struct az_gen *g = calloc(1, sizeof(*g)), *old;
	int ret = g ? 0 : -ENOMEM;

	for (size_t i = 0; !ret && i < POOL; i++) {
		pthread_mutex_init(&g->lock[i], NULL);
		/* Messages once: the copies compile the same files. */
		ret = compile_one(&p->cfg, &g->eng[i], i ? NULL : diag);
	}
	if (ret) {
		gen_free(g);
		return ret;
	}
	g->rules = rules_engine_rule_count(g->eng[0]);
	g->refs = 1;
	pthread_mutex_lock(&p->mu);
	old = p->cur;
	p->cur = g;
	p->generation++;
	if (old && !--old->refs)
		gen_free(old);
	else
		old = NULL;
	pthread_mutex_unlock(&p->mu);
	return 0;
}

size_t az_policy_rules(struct az_policy *p)
{
	size_t n;

	pthread_mutex_lock(&p->mu);
	n = p->cur ? p->cur->rules : 0;
	pthread_mutex_unlock(&p->mu);
	return n;
}

static struct az_gen *gen_get(struct az_policy *p)
{
	struct az_gen *g;

	pthread_mutex_lock(&p->mu);
	g = p->cur;
	if (g)
		g->refs++;
	pthread_mutex_unlock(&p->mu);
	return g;
}

static void gen_put(struct az_policy *p, struct az_gen *g)
{
	bool last;

	pthread_mutex_lock(&p->mu);
	last = !--g->refs;
	pthread_mutex_unlock(&p->mu);
	if (last)
		gen_free(g);
}

struct judge_ctx {
	struct az_policy *p;
	struct az_verdict *v;
};

/* The alert of a match, to the outputs; a deny carries what the gate did
 * (its "palisade_action": the request refused before dockerd acted). */
static void emit(struct az_policy *p, const struct rules_alert *a, bool deny)
{
	struct alert_action act = { .type = "deny", .backend = "authz", .mode = "enforce",
				    .outcome = "done" };
	struct alert *al = p->sinks ? alert_from_rules(a) : NULL;
	struct sink_record *r;

	if (!al)
		return;
	snprintf(act.detail, sizeof(act.detail), "the Docker Engine API request was refused "
						 "before dockerd acted on it");
	if (!deny || !alert_set_action(al, &act)) {
		r = sink_record_from_alert(al);
		if (r) {
			sink_set_submit(p->sinks, r);
			sink_record_unref(r);
		}
	}
	alert_free(al);
}

/* Each matching rule: an alert to the outputs; a deny rule refuses. */
static int on_alert(const struct rules_alert *a, void *ctx)
{
	struct judge_ctx *c = ctx;
	struct az_verdict *v = c->v;
	const char *body = strchr(a->output, ' '); /* after "HH:MM:SS.ns:" */
	size_t n = strlen(v->msg);
	bool deny = a->rule->action.type == RULES_ACTION_DENY;

	emit(c->p, a, deny);
	if (!deny)
		return 0;
	v->allow = false;
	body = body ? strchr(body + 1, ' ') : NULL; /* after the priority */
	snprintf(v->msg + n, sizeof(v->msg) - n, "%s%s: %s", n ? "; " : "", a->rule->name,
		 body ? body + 1 : a->output);
	return 0;
}

int az_policy_judge(struct az_policy *p, const struct event *ev, struct az_verdict *v)
{
	struct az_gen *g = gen_get(p);
	struct judge_ctx c = { p, v };
	size_t k;

	v->allow = true;
	v->msg[0] = '\0';
	if (!g)
		return -ENOENT;
	/* A free engine, else wait for one (they are held for a judgement,
	 * which a signature check in a registry may lengthen). */
	for (k = 0; k < POOL && pthread_mutex_trylock(&g->lock[k]); k++)
		;
	if (k == POOL) {
		k = (size_t)__atomic_fetch_add(&p->turn, 1, __ATOMIC_RELAXED) % POOL;
		pthread_mutex_lock(&g->lock[k]);
	}
	rules_eval(g->eng[k], ev, on_alert, &c);
	pthread_mutex_unlock(&g->lock[k]);
	gen_put(p, g);
	return 0;
}

void az_policy_release(struct az_policy *p)
{
	if (p->cur && !--p->cur->refs)
		gen_free(p->cur);
	p->cur = NULL;
}
