/*
 * The engine: holds loaded files, compiles the collection once, indexes
 * rules by event type and evaluates events. All memory for evaluation
 * (scratch buffers, regex match data, output buffers, limiter table) is
 * allocated at creation or compile time; rules_eval() allocates nothing.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rules/field_ids.h"
#include "rules/rules_internal.h"

#define SCRATCH_SIZE (16 * 1024)
#define BODY_SIZE (8 * 1024)
#define VBUF_SIZE (32 * 1024)

struct eng_rule {
	struct rl_rule_def *def;
	struct rl_cnode *cond;
	struct rl_insn *prog; /* cond, flat (rules_eval_rule) */
	struct rl_format fmt;
	struct rl_evtset evts;
	bool active; /* compiled, enabled, priority at or above the minimum */
};

struct rules_engine {
	struct rules_config cfg;
	char hostname[256];
	struct rl_arena arena;
	struct rl_diags diags;
	struct rl_vec files;
	struct rl_collection coll;
	struct rl_vec regexes;
	struct rl_idmap users, groups;
	struct rl_dns *dns;

	struct eng_rule *rules;
	size_t n_rules;
	uint32_t *by_type[RL_EVTTYPE_MAX];
	const struct rl_cnode **cond_by_type[RL_EVTTYPE_MAX]; /* specialised to the type */
	uint32_t n_by_type[RL_EVTTYPE_MAX];
	/* The same conditions flat (program.c), one array per type: rule i of
	 * type t starts at prog[t] + prog_at[t][i]. */
	struct rl_insn *prog[RL_EVTTYPE_MAX];
	uint32_t *prog_at[RL_EVTTYPE_MAX];
	/* Per rule of a type, the guards of its program (rl_insn_guards),
	 * 0-terminated when fewer than RL_GUARDS. */
	uint32_t (*guard[RL_EVTTYPE_MAX])[RL_GUARDS];
	/* A type of at most 64 rules: per shared slot, the rules its falseness
	 * rules out (rl_evmemo.kill); NULL for the other types. */
	uint64_t *kill[RL_EVTTYPE_MAX];
	bool compiled, failed;

	struct rl_scratch scratch;
	pcre2_jit_stack *jit_stack;
	char *body, *line, *vbuf;
	struct rules_value *vals;
	struct rl_limiter *lim;
	struct rules_stats stats;
	uint64_t evt_num;
	/* The per-event memo of shared comparisons (cmp_share.c, rl_evmemo). */
	uint8_t *cmp_truth;
	uint32_t *cmp_gen;
	uint32_t n_shared, memo_gen;
	/* ... and of the fields several comparisons read (rl_vmemo). */
	struct rl_vmemo vmemo;
	uint32_t n_values;
};

static const char *const prio_names[] = { "Emergency", "Alert", "Critical", "Error",
					  "Warning", "Notice", "Informational", "Debug" };

const char *rules_priority_name(enum rules_priority p)
{
	return (unsigned)p <= RULES_PRIO_DEBUG ? prio_names[p] : "Unknown";
}

int rules_priority_parse(const char *s, enum rules_priority *out)
{
	for (int i = 0; i <= RULES_PRIO_DEBUG; i++) {
		if (!strcasecmp(s, prio_names[i])) {
			*out = (enum rules_priority)i;
			return 0;
		}
	}
	if (!strcasecmp(s, "info")) {
		*out = RULES_PRIO_INFORMATIONAL;
		return 0;
	}
	return -EINVAL;
}

const char *rules_priority_suggest(const char *s)
{
	static const char *const upper[] = { "EMERGENCY", "ALERT", "CRITICAL", "ERROR",
					     "WARNING", "NOTICE", "INFORMATIONAL", "DEBUG" };
	char word[32];
	const char *best = NULL;
	unsigned best_d = 3;
	size_t i;

	for (i = 0; s[i] && i + 1 < sizeof(word); i++)
		word[i] = (char)toupper((unsigned char)s[i]);
	word[i] = '\0';
	for (i = 0; i < sizeof(upper) / sizeof(upper[0]); i++) {
		unsigned d = rl_edit_distance(word, upper[i]);

		if (d < best_d && d < strlen(upper[i]) / 2 + 1) {
			best_d = d;
			best = upper[i];
		}
	}
	return best;
}

void rules_config_default(struct rules_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->append_container = true;
	cfg->min_priority = RULES_PRIO_DEBUG;
}

/*
 * The cost of one regex match, bounded (issue 12): PCRE2's default allows
 * 10M steps, about 35 ms with JIT and 340 ms without on a 4 KB argument, on
 * the event thread. With 1M steps the worst case is a few ms with JIT; the
 * interpreter (a pattern JIT cannot take) gets the same step and depth
 * bounds and at most 8 MiB of heap, JIT a stack of up to 1 MiB (its default
 * of 32 KiB failed on long arguments).
 */
static int regex_bounds(const struct rules_config *cfg, struct rl_scratch *s,
			pcre2_jit_stack **stack)
{
	uint32_t limit = cfg->regex_match_limit ? cfg->regex_match_limit : RULES_REGEX_MATCH_LIMIT;
	pcre2_match_context *mc = pcre2_match_context_create(NULL);

	*stack = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
	if (!mc || !*stack) {
		pcre2_match_context_free(mc);
		return -ENOMEM;
	}
	pcre2_set_match_limit(mc, limit);
	pcre2_set_depth_limit(mc, limit);
	pcre2_set_heap_limit(mc, 8 * 1024);
	pcre2_jit_stack_assign(mc, NULL, *stack);
	s->match_ctx = mc;
	return 0;
}

static int64_t measure_boot_offset(void)
{
	struct timespec rt, bt;

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_BOOTTIME, &bt);
	return ((int64_t)rt.tv_sec - bt.tv_sec) * 1000000000ll + (rt.tv_nsec - bt.tv_nsec);
}

int rules_engine_new(const struct rules_config *cfg, struct rules_engine **out)
{
	struct rules_engine *e = calloc(1, sizeof(*e));
	struct rl_buf *bufs[4];
	int ret = -ENOMEM;

	if (!e)
		return -ENOMEM;
	if (cfg)
		e->cfg = *cfg;
	else
		rules_config_default(&e->cfg);
	if (e->cfg.hostname)
		snprintf(e->hostname, sizeof(e->hostname), "%s", e->cfg.hostname);
	else if (gethostname(e->hostname, sizeof(e->hostname) - 1))
		snprintf(e->hostname, sizeof(e->hostname), "unknown");
	if (!e->cfg.boot_to_realtime_ns)
		e->cfg.boot_to_realtime_ns = measure_boot_offset();
	/* Names are read once here: extractors never do I/O. */
	rl_idmap_load(&e->arena, "/etc/passwd", &e->users);
	rl_idmap_load(&e->arena, "/etc/group", &e->groups);
	bufs[0] = &e->scratch.lhs;
	bufs[1] = &e->scratch.rhs;
	bufs[2] = &e->scratch.tmp;
	bufs[3] = &e->scratch.tmp2;
	for (int i = 0; i < 4; i++) {
		bufs[i]->p = malloc(SCRATCH_SIZE);
		bufs[i]->cap = SCRATCH_SIZE;
		if (!bufs[i]->p)
			goto cleanup;
	}
	e->scratch.match = pcre2_match_data_create(32, NULL);
	ret = regex_bounds(&e->cfg, &e->scratch, &e->jit_stack);
	if (ret)
		goto cleanup;
	ret = -ENOMEM;
	e->body = malloc(BODY_SIZE);
	e->line = malloc(BODY_SIZE + 128);
	e->vbuf = malloc(VBUF_SIZE);
	e->dns = rl_dns_new();
	if (!e->scratch.match || !e->body || !e->line || !e->vbuf || !e->dns)
		goto cleanup;
	ret = rl_limiter_new(&e->cfg, &e->lim);
	if (ret)
		goto cleanup;
	*out = e;
	return 0;
cleanup:
	rules_engine_free(e);
	return ret;
}

void rules_engine_free(struct rules_engine *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->regexes.n; i++)
		pcre2_code_free(e->regexes.v[i]);
	pcre2_match_data_free(e->scratch.match);
	pcre2_match_context_free(e->scratch.match_ctx);
	pcre2_jit_stack_free(e->jit_stack);
	free(e->scratch.lhs.p);
	free(e->scratch.rhs.p);
	free(e->scratch.tmp.p);
	free(e->scratch.tmp2.p);
	free(e->body);
	free(e->line);
	free(e->vbuf);
	free(e->vals);
	free(e->cmp_truth);
	free(e->cmp_gen);
	free(e->vmemo.val);
	free(e->vmemo.ok);
	free(e->vmemo.gen);
	free(e->vmemo.bytes);
	free(e->rules);
	rl_limiter_free(e->lim);
	rl_dns_free(e->dns);
	rl_diags_release(&e->diags);
	rl_arena_release(&e->arena);
	free(e);
}

int rules_engine_add_buffer(struct rules_engine *e, const char *name, const char *text,
			    size_t len)
{
	struct rl_file *f = rl_alloc(&e->arena, sizeof(*f));
	struct rl_pos none = { 0 };

	if (e->compiled) {
		rl_diag(&e->diags, true, none, "%s: rules added after compile are ignored", name);
		return -EBUSY;
	}
	if (!f || !(f->name = rl_strdup(&e->arena, name)) ||
	    !(f->raw = rl_strndup(&e->arena, text, len)) || rl_vec_push(&e->arena, &e->files, f))
		return -ENOMEM;
	f->raw_len = len;
	if (memchr(text, '\0', len)) {
		struct rl_pos p = { f, 1, 1 };
		rl_diag(&e->diags, true, p, "not a text file (contains NUL bytes)");
		return -EINVAL;
	}
	if (rl_yaml_parse(&e->arena, &e->diags, f))
		return 0; /* recorded; keep going to report other files too */
	rl_load_items(&e->arena, &e->diags, &e->coll, f);
	return 0;
}

static int add_file(struct rules_engine *e, const char *path)
{
	FILE *fp = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	struct rl_pos none = { 0 };
	int ret = 0;

	if (!fp) {
		ret = -errno;
		rl_diag(&e->diags, true, none, "%s: cannot open rules file: %s", path, strerror(-ret));
		return ret;
	}
	for (;;) {
		if (len == cap) {
			char *nb = realloc(buf, cap ? cap * 2 : 65536);
			if (!nb) {
				ret = -ENOMEM;
				goto cleanup;
			}
			buf = nb;
			cap = cap ? cap * 2 : 65536;
		}
		size_t n = fread(buf + len, 1, cap - len, fp);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(fp)) {
		ret = -EIO;
		rl_diag(&e->diags, true, none, "%s: read error", path);
		goto cleanup;
	}
	ret = rules_engine_add_buffer(e, path, buf ? buf : "", len);
cleanup:
	free(buf);
	fclose(fp);
	return ret;
}

static int yaml_name(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' &&
	       ((n > 5 && !strcmp(d->d_name + n - 5, ".yaml")) ||
		(n > 4 && !strcmp(d->d_name + n - 4, ".yml")));
}

int rules_engine_add_path(struct rules_engine *e, const char *path)
{
	struct stat st;
	struct dirent **list = NULL;
	struct rl_pos none = { 0 };
	int n, ret = 0;

	if (stat(path, &st)) {
		ret = -errno;
		rl_diag(&e->diags, true, none, "%s: %s", path, strerror(-ret));
		return ret;
	}
	if (!S_ISDIR(st.st_mode))
		return add_file(e, path);
	n = scandir(path, &list, yaml_name, alphasort);
	if (n < 0) {
		ret = -errno;
		rl_diag(&e->diags, true, none, "%s: cannot list directory: %s", path, strerror(-ret));
		return ret;
	}
	for (int i = 0; i < n; i++) {
		char *full = NULL;

		if (!ret && asprintf(&full, "%s/%s", path, list[i]->d_name) >= 0)
			ret = add_file(e, full);
		free(full);
		free(list[i]);
	}
	free(list);
	return ret;
}

/* The default rule set, embedded by the build (see default_rules.c). */
extern const char rules_default_yaml[] __attribute__((weak));
extern const size_t rules_default_yaml_len __attribute__((weak));
extern const char rules_protect_yaml[] __attribute__((weak));
extern const size_t rules_protect_yaml_len __attribute__((weak));
extern const char rules_authz_yaml[] __attribute__((weak));
extern const size_t rules_authz_yaml_len __attribute__((weak));
extern const char rules_fim_yaml[] __attribute__((weak));
extern const size_t rules_fim_yaml_len __attribute__((weak));

static int add_embedded(struct rules_engine *e, const char *name, const char *yaml,
			const size_t *len, const char *missing)
{
	if (!yaml || !len || !*len) {
		struct rl_pos none = { 0 };
		rl_diag(&e->diags, true, none, "%s", missing);
		return -ENOENT;
	}
	return rules_engine_add_buffer(e, name, yaml, *len);
}

int rules_engine_add_default(struct rules_engine *e)
{
	return add_embedded(e, "<default rules>", rules_default_yaml, &rules_default_yaml_len,
			    "no default rules are embedded in this binary; pass --rules FILE");
}

int rules_engine_add_protect(struct rules_engine *e)
{
	return add_embedded(e, "<protect rules>", rules_protect_yaml, &rules_protect_yaml_len,
			    "no protect rules are embedded in this binary; pass --rules "
			    "rules/protect.yaml");
}

int rules_engine_add_authz_baseline(struct rules_engine *e)
{
	return add_embedded(e, "<authz baseline>", rules_authz_yaml, &rules_authz_yaml_len,
			    "no authz baseline is embedded in this binary; pass --rules "
			    "rules/authz_baseline.yaml");
}

int rules_engine_add_fim(struct rules_engine *e)
{
	return add_embedded(e, "<fim rules>", rules_fim_yaml, &rules_fim_yaml_len,
			    "no FIM rules are embedded in this binary; pass --rules rules/fim.yaml");
}

/* ---- compile ---- */

static void diag_macros(struct rules_engine *e, struct rl_compiler *cc)
{
	/* Every macro is checked once where it is written, used or not, so
	 * its problems are reported at the macro and not at every use. */
	for (size_t i = 0; i < e->coll.macros.n; i++) {
		struct rl_macro_def *m = e->coll.macros.v[i];

		if (!m->parsed) {
			m->parsed = true;
			m->ast = rl_cond_parse(&e->arena, &e->diags, &m->cond);
			m->parse_failed = !m->ast;
		}
		if (m->parse_failed)
			continue;
		bool used = m->used;
		size_t errs = e->diags.errors;
		m->expanding = true;
		rl_compile_ast(cc, m->ast);
		m->expanding = false;
		m->used = used;
		m->compile_failed = e->diags.errors != errs;
	}
}

static char *evttypes_text(struct rl_arena *a, const struct rl_evtset *s, bool provided_only,
			   size_t max)
{
	char buf[1024];
	size_t n = 0, count = 0;

	if (!provided_only && rl_evtset_is_all(s))
		return rl_strdup(a, "all");
	buf[0] = '\0';
	for (size_t i = 0; i < rl_evttype_count(); i++) {
		if (!rl_evtset_has(s, (int)i))
			continue;
		if (count++ >= max) {
			snprintf(buf + n, sizeof(buf) - n, ",...");
			break;
		}
		int w = snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? "," : "", rl_evttype_name((int)i));
		if (w < 0 || (size_t)w >= sizeof(buf) - n)
			break;
		n += (size_t)w;
	}
	return rl_strdup(a, buf);
}

static const char *cannot_fire_reason(struct rules_engine *e, const struct eng_rule *r,
				      const struct rl_vec *unavailable)
{
	bool any_provided = false;

	for (size_t i = 0; i < rl_evttype_count() && !any_provided; i++)
		any_provided = rl_evtset_has(&r->evts, (int)i) && rl_evttype_provided((int)i);
	if (!any_provided)
		return rl_sprintf(&e->arena, "needs event types %s (not provided by the sensors yet)",
				  evttypes_text(&e->arena, &r->evts, true, 8));
	if (rl_cnode_can_fire(r->cond))
		return NULL;
	char names[512] = "";
	size_t n = 0;
	const char *why = "";
	for (size_t i = 0; i < unavailable->n; i++) {
		const struct rl_field_def *d = unavailable->v[i];
		int w = snprintf(names + n, sizeof(names) - n, "%s%s", n ? ", " : "", d->name);
		if (w > 0 && (size_t)w < sizeof(names) - n)
			n += (size_t)w;
		if (i == 0)
			why = d->needs;
	}
	return rl_sprintf(&e->arena, "needs fields %s: %s", names, why);
}

static bool evtset_any(const struct rl_evtset *s)
{
	for (size_t w = 0; w < RL_EVTSET_WORDS; w++)
		if (s->w[w])
			return true;
	return false;
}

static bool compile_rule(struct rules_engine *e, struct rl_compiler *cc, struct eng_rule *r)
{
	struct rl_rule_def *d = r->def;
	struct rl_vec unavailable = { 0 };
	struct rl_ast *ast, *exc;
	size_t errs = e->diags.errors;

	d->info.tags = (const char *const *)d->tags.v;
	d->info.condition = d->cond.s;
	d->info.n_tags = d->tags.n;
	enum rl_source src;

	if (rl_source_parse(d->info.source, &src)) {
		d->info.cannot_fire = rl_sprintf(&e->arena, "source '%s' is not supported (syscall, "
							    "docker, flow)", d->info.source);
		d->info.evttypes = "none";
		rl_diag(&e->diags, false, d->pos, "rule '%s': source '%s' is not supported; rule skipped",
			d->info.name, d->info.source);
		return true;
	}
	cc->source = (int)src;
	cc->unavailable = &unavailable;
	cc->unknown_field_seen = false;
	cc->quiet_unknown = d->skip_if_unknown_filter;
	ast = rl_cond_parse(&e->arena, &e->diags, &d->cond);
	if (!ast)
		return false;
	r->cond = rl_compile_ast(cc, ast);
	exc = rl_exceptions_ast(cc, d);
	if (exc && r->cond) {
		struct rl_cnode *ec = rl_compile_ast(cc, exc);
		struct rl_cnode *no = rl_alloc(&e->arena, sizeof(*no));
		struct rl_cnode *and = rl_alloc(&e->arena, sizeof(*and));

		if (!ec || !no || !and)
			return false;
		no->kind = CN_NOT;
		no->kids = rl_alloc(&e->arena, sizeof(*no->kids));
		and->kind = CN_AND;
		and->kids = rl_alloc(&e->arena, 2 * sizeof(*and->kids));
		if (!no->kids || !and->kids)
			return false;
		no->kids[0] = ec;
		no->n_kids = 1;
		and->kids[0] = r->cond;
		and->kids[1] = no;
		and->n_kids = 2;
		r->cond = and;
	}
	if (cc->quiet_unknown && cc->unknown_field_seen) {
		cc->quiet_unknown = false;
		d->info.cannot_fire = "uses a field palisade does not know (skip-if-unknown-filter)";
		d->info.evttypes = "none";
		rl_diag(&e->diags, false, d->pos, "rule '%s' skipped: unknown field (skip-if-unknown-filter)",
			d->info.name);
		r->cond = NULL;
		return true;
	}
	cc->quiet_unknown = false;
	if (rl_format_compile(cc, &d->output, &r->fmt))
		return false;
	cc->source = -1; /* what the configuration appends to every rule: <NA> where it has no value */
	if (rl_append_output(cc, &e->cfg, d, &r->fmt))
		return false;
	if (e->cfg.append_container && src != RL_SRC_DOCKER) {
		rl_format_add(&e->arena, &r->fmt, "container_id", "container.id");
		rl_format_add(&e->arena, &r->fmt, "container_name", "container.name");
		rl_format_add(&e->arena, &r->fmt, "container_image", "container.image");
		if (src == RL_SRC_SYSCALL) /* a flow has no process */
			rl_format_add(&e->arena, &r->fmt, "pid", "proc.pid");
	}
	if (!r->cond || e->diags.errors != errs)
		return false;
	rl_compile_evtset(r->cond, &r->evts);
	bool all = rl_evtset_is_all(&r->evts);
	/* A rule runs on its own source's events only. */
	rl_evtset_keep_source(&r->evts, src);
	if (src == RL_SRC_FLOW && !evtset_any(&r->evts)) {
		rl_diag(&e->diags, true, d->pos, "rule '%s' (source flow): its evt.type matches no flow "
			"event (flow_start, flow_end)", d->info.name);
		return false;
	}
	d->info.evttypes = all ? "all" : evttypes_text(&e->arena, &r->evts, false, 1000);
	if (all && d->warn_evttypes && src == RL_SRC_SYSCALL)
		rl_diag(&e->diags, false, d->pos,
			"rule '%s' matches all event types: it runs on every event (restrict it with evt.type)",
			d->info.name);
	d->info.cannot_fire = cannot_fire_reason(e, r, &unavailable);
	return true;
}

static int build_index(struct rules_engine *e)
{
	for (size_t t = 0; t < rl_evttype_count(); t++) {
		uint32_t n = 0;

		for (size_t i = 0; i < e->n_rules; i++)
			n += e->rules[i].active && rl_evtset_has(&e->rules[i].evts, (int)t);
		if (!n)
			continue;
		e->by_type[t] = rl_alloc(&e->arena, n * sizeof(uint32_t));
		e->cond_by_type[t] = rl_alloc(&e->arena, n * sizeof(*e->cond_by_type[t]));
		if (!e->by_type[t] || !e->cond_by_type[t])
			return -ENOMEM;
		for (size_t i = 0; i < e->n_rules; i++) {
			if (!e->rules[i].active || !rl_evtset_has(&e->rules[i].evts, (int)t))
				continue;
			const struct rl_cnode *c = rl_cnode_for_type(&e->arena, e->rules[i].cond, (int)t);

			if (!c)
				return -ENOMEM;
			e->cond_by_type[t][e->n_by_type[t]] = c;
			e->by_type[t][e->n_by_type[t]++] = (uint32_t)i;
		}
	}
	return 0;
}

/* Room for the strings of one event's memoized fields: proc.cmdline and
 * paths, a few times over; what does not fit is extracted again. */
#define VMEMO_BYTES (64 * 1024)

static int share_values(struct rules_engine *e)
{
	struct rl_vmemo *m = &e->vmemo;

	e->n_values = rl_field_share((const struct rl_cnode *const *const *)e->cond_by_type,
				     e->n_by_type, rl_evttype_count());
	if (!e->n_values)
		return 0;
	m->val = calloc(e->n_values + 1, sizeof(*m->val));
	m->ok = calloc(e->n_values + 1, sizeof(*m->ok));
	m->gen = calloc(e->n_values + 1, sizeof(*m->gen));
	m->bytes = malloc(VMEMO_BYTES);
	m->cap = VMEMO_BYTES;
	return m->val && m->ok && m->gen && m->bytes ? 0 : -ENOMEM;
}

static int share_cmps(struct rules_engine *e)
{
	e->n_shared = rl_cmp_share((const struct rl_cnode *const *const *)e->cond_by_type,
				   e->n_by_type, rl_evttype_count());
	if (!e->n_shared)
		return share_values(e);
	e->cmp_truth = calloc(e->n_shared + 1, sizeof(*e->cmp_truth));
	e->cmp_gen = calloc(e->n_shared + 1, sizeof(*e->cmp_gen));
	return e->cmp_truth && e->cmp_gen ? share_values(e) : -ENOMEM;
}

/* A flat copy of a condition in the arena, NULL when out of memory. */
static struct rl_insn *flat(struct rules_engine *e, const struct rl_cnode *n)
{
	struct rl_insn *p = rl_alloc(&e->arena, rl_insn_count(n) * sizeof(*p));

	if (p)
		rl_insn_emit(n, p);
	return p;
}

/* The kill masks of type t from its rules' guards (rl_evmemo.kill). */
static int build_kill(struct rules_engine *e, size_t t)
{
	size_t n = (e->n_shared + 1) * sizeof(*e->kill[t]);

	if (!e->n_shared || e->n_by_type[t] > 64)
		return 0;
	e->kill[t] = rl_alloc(&e->arena, n);
	if (!e->kill[t])
		return -ENOMEM;
	memset(e->kill[t], 0, n);
	for (uint32_t i = 0; i < e->n_by_type[t]; i++)
		for (unsigned k = 0; k < RL_GUARDS && e->guard[t][i][k]; k++)
			e->kill[t][e->guard[t][i][k]] |= 1ull << i;
	return 0;
}

static int build_programs(struct rules_engine *e)
{
	for (size_t i = 0; i < e->n_rules; i++)
		if (e->rules[i].active && !(e->rules[i].prog = flat(e, e->rules[i].cond)))
			return -ENOMEM;
	for (size_t t = 0; t < rl_evttype_count(); t++) {
		size_t n = 0;

		if (!e->n_by_type[t])
			continue;
		e->prog_at[t] = rl_alloc(&e->arena, e->n_by_type[t] * sizeof(*e->prog_at[t]));
		if (!e->prog_at[t])
			return -ENOMEM;
		for (uint32_t i = 0; i < e->n_by_type[t]; i++) {
			if (n > UINT32_MAX / 2)
				return -E2BIG;
			e->prog_at[t][i] = (uint32_t)n;
			n += rl_insn_count(e->cond_by_type[t][i]);
		}
		e->prog[t] = rl_alloc(&e->arena, n * sizeof(*e->prog[t]));
		if (!e->prog[t])
			return -ENOMEM;
		e->guard[t] = rl_alloc(&e->arena, e->n_by_type[t] * sizeof(*e->guard[t]));
		if (!e->guard[t])
			return -ENOMEM;
		for (uint32_t i = 0; i < e->n_by_type[t]; i++) {
			rl_insn_emit(e->cond_by_type[t][i], e->prog[t] + e->prog_at[t][i]);
			memset(e->guard[t][i], 0, sizeof(e->guard[t][i]));
			rl_insn_guards(e->prog[t] + e->prog_at[t][i], e->guard[t][i], RL_GUARDS);
		}
		if (build_kill(e, t))
			return -ENOMEM;
	}
	return 0;
}

int rules_engine_compile(struct rules_engine *e)
{
	struct rl_compiler cc = { .a = &e->arena, .ds = &e->diags, .coll = &e->coll,
				  .regexes = &e->regexes, .dns = e->dns, .source = -1 };
	size_t max_fields = 0;
	int ret = 0;

	if (e->compiled)
		return e->failed ? -EINVAL : 0;
	e->compiled = true;
	rl_select_rules(&e->cfg, &e->coll);
	rl_resolve_playbooks(&e->diags, &e->arena, &e->cfg, &e->coll);
	rl_append_check(&cc, &e->cfg);
	diag_macros(e, &cc);
	e->n_rules = e->coll.rules.n;
	e->rules = calloc(e->n_rules + 1, sizeof(*e->rules));
	if (!e->rules)
		return -ENOMEM;
	for (size_t i = 0; i < e->n_rules; i++) {
		struct eng_rule *r = &e->rules[i];

		r->def = e->coll.rules.v[i];
		if (!compile_rule(e, &cc, r)) {
			r->cond = NULL;
			continue;
		}
		r->active = r->cond && r->def->info.enabled &&
			    r->def->info.priority <= e->cfg.min_priority;
		if (rl_format_values(&r->fmt) > max_fields)
			max_fields = rl_format_values(&r->fmt);
	}
	e->vals = calloc(max_fields + 1, sizeof(*e->vals));
	if (!e->vals)
		return -ENOMEM;
	ret = build_index(e);
	if (!ret)
		ret = share_cmps(e);
	if (!ret)
		ret = build_programs(e);
	if (e->diags.errors) {
		ret = -EINVAL;
		for (size_t i = 0; i < e->n_rules; i++)
			e->rules[i].active = false;
		memset(e->n_by_type, 0, sizeof(e->n_by_type));
	}
	for (size_t i = 0; e->cfg.diag_out && i < e->diags.n; i++)
		fprintf(e->cfg.diag_out, "%s\n", e->diags.d[i].text);
	e->failed = ret != 0;
	return ret;
}

size_t rules_engine_diag_count(const struct rules_engine *e)
{
	return e->diags.n;
}

const struct rules_diag *rules_engine_diag(const struct rules_engine *e, size_t i)
{
	return i < e->diags.n ? &e->diags.d[i] : NULL;
}

size_t rules_engine_rule_count(const struct rules_engine *e)
{
	return e->rules ? e->n_rules : e->coll.rules.n;
}

const struct rules_rule_info *rules_engine_rule(const struct rules_engine *e, size_t i)
{
	if (i >= rules_engine_rule_count(e))
		return NULL;
	return &((const struct rl_rule_def *)e->coll.rules.v[i])->info;
}

const struct rl_cnode *rl_engine_rule_cond(const struct rules_engine *e, size_t i)
{
	return e->compiled && !e->failed && e->rules && i < e->n_rules ? e->rules[i].cond : NULL;
}

struct rl_arena *rl_engine_arena(struct rules_engine *e)
{
	return &e->arena;
}

size_t rules_engine_cannot_fire_count(const struct rules_engine *e)
{
	size_t n = 0;

	for (size_t i = 0; i < rules_engine_rule_count(e); i++) {
		const struct rules_rule_info *r = rules_engine_rule(e, i);
		n += r->enabled && r->cannot_fire;
	}
	return n;
}

void rules_engine_stats(const struct rules_engine *e, struct rules_stats *out)
{
	*out = e->stats;
	out->regex_errors = e->scratch.regex_errors;
	out->rules_loaded = rules_engine_rule_count(e);
	out->rules_enabled = 0;
	for (size_t i = 0; i < e->n_rules; i++)
		out->rules_enabled += e->rules[i].active;
	out->rules_cannot_fire = rules_engine_cannot_fire_count(e);
	out->lists = e->coll.lists.n;
	out->macros = e->coll.macros.n;
	out->memory_bytes = rl_arena_bytes(&e->arena) + e->n_rules * sizeof(*e->rules);
}

size_t rules_engine_needed_evttypes(const struct rules_engine *e, const char **names, size_t max,
				    bool *all_types)
{
	size_t n = 0;

	*all_types = false;
	for (size_t i = 0; i < e->n_rules; i++)
		if (e->rules[i].active && rl_evtset_is_all(&e->rules[i].evts))
			*all_types = true;
	for (size_t t = 0; t < rl_evttype_count(); t++) {
		if (!e->n_by_type[t])
			continue;
		if (n < max)
			names[n] = rl_evttype_name((int)t);
		n++;
	}
	return n;
}

size_t rl_engine_type_conds(const struct rules_engine *e, int t,
			    const struct rl_cnode *const **conds, const char **names, size_t max)
{
	if (t < 0 || t >= RL_EVTTYPE_MAX || !e->compiled || e->failed)
		return 0;
	*conds = e->cond_by_type[t];
	for (uint32_t i = 0; i < e->n_by_type[t] && i < max; i++)
		names[i] = e->rules[e->by_type[t][i]].def->info.name;
	return e->n_by_type[t];
}

bool rules_engine_uses_field(const struct rules_engine *e, const char *evttype, const char *field)
{
	int t = evttype ? rl_evttype_id(evttype) : 0, end = evttype ? t + 1 : RL_EVTTYPE_MAX;

	for (; t >= 0 && t < end; t++)
		for (uint32_t i = 0; i < e->n_by_type[t]; i++)
			if (rl_cnode_uses_field(e->cond_by_type[t][i], field) ||
			    rl_format_uses_field(&e->rules[e->by_type[t][i]].fmt, field))
				return true;
	return false;
}

/* ---- evaluation ---- */

/* A new generation of the memo: what it held is forgotten. */
static uint32_t memo_next(struct rules_engine *e)
{
	if (++e->memo_gen == 0) {
		if (e->cmp_gen)
			memset(e->cmp_gen, 0, (e->n_shared + 1) * sizeof(*e->cmp_gen));
		if (e->vmemo.gen)
			memset(e->vmemo.gen, 0, (e->n_values + 1) * sizeof(*e->vmemo.gen));
		e->memo_gen = 1;
	}
	return e->memo_gen;
}

static void memo_start(struct rules_engine *e, struct rl_evmemo *m)
{
	m->fd_ready = false;
	m->truth = e->cmp_truth;
	m->gen = e->cmp_gen;
	m->cur = memo_next(e);
	m->kill = NULL;
	m->dead = 0;
	m->vals = e->n_values ? &e->vmemo : NULL;
	e->vmemo.used = 0;
}

static int deliver(struct rules_engine *e, const struct rl_eval_ctx *c, uint32_t idx,
		   const char *undecided, rules_alert_fn cb, void *ctx)
{
	const struct eng_rule *r = &e->rules[idx];
	const struct event *ev = c->ev;
	uint64_t ts = ev->hdr ? ev->hdr->ts_ns : 0;
	uint64_t now = ts + (uint64_t)c->boot_to_real_ns;
	uint64_t key = ev->container ? (ev->container_key ? ev->container_key : 1) : 0;
	size_t len = rl_format_render(c, &r->fmt, e->body, BODY_SIZE, e->vals, e->vbuf,
				      VBUF_SIZE, &e->scratch);
	/* A rule with an action is never rate-limited: a dropped alert would
	 * drop its kill or pause too (docs/enforcement.md). */
	int lim = r->def->info.action.type != RULES_ACTION_ALERT
			  ? 0
			  : rl_limiter_check(e->lim, idx, key, ts, rl_hash(e->body, len),
					     &e->stats.limiter_evictions);
	struct rules_alert a;
	char when[32];

	if (lim == 1) {
		e->stats.rate_limited++;
		return 0;
	}
	if (lim == 2) {
		e->stats.deduplicated++;
		return 0;
	}
	event_time_format(now, EVENT_TIME_OF_DAY_NS, when, sizeof(when));
	snprintf(e->line, BODY_SIZE + 128, "%s: %s %s%s%s%s", when,
		 rules_priority_name(r->def->info.priority), e->body,
		 undecided ? " (undecided: " : "", undecided ? undecided : "",
		 undecided ? ", fired fail-closed)" : "");
	a.rule = &r->def->info;
	a.json_omit = e->cfg.json_omit;
	a.ev = ev;
	a.output = e->line;
	a.time_ns = now;
	a.hostname = e->hostname;
	a.fields = e->vals;
	a.n_fields = rl_format_values(&r->fmt);
	a.undecided = undecided;
	e->stats.alerts++;
	return cb ? (cb(&a, ctx) ? -1 : 1) : 1;
}

/*
 * Whether a rule fires. An undecided condition (a regex hit a bound) fires
 * it, with *undecided saying why: fail closed, so that an attacker cannot
 * pad an argument until PCRE2 gives up and the rule reads "no match".
 */
static bool decided(struct rules_engine *e, enum rl_truth t, const char **undecided)
{
	*undecided = t == RL_UNKNOWN ? rl_regex_error_text(e->scratch.regex_error) : NULL;
	e->stats.undecided += t == RL_UNKNOWN;
	return t != RL_FALSE;
}

static bool decide(struct rules_engine *e, const struct rl_eval_ctx *c, const struct rl_insn *p,
		   const char **undecided)
{
	e->scratch.regex_error = 0;
	return decided(e, rl_eval_insn(c, p, &e->scratch), undecided);
}

/* A guard of the rule (rl_insn_guards) is already false for this event:
 * the rule is false without running its program. Falco's macros make
 * many rules of a type share their first checks (open_write, container). */
static bool guarded_out(const struct rl_evmemo *m, const uint32_t *g)
{
	for (unsigned k = 0; k < RL_GUARDS && g[k]; k++)
		if (m->gen[g[k]] == m->cur && m->truth[g[k]] == RL_FALSE)
			return true;
	return false;
}

/* The bits of rules from..n-1 of a type of n <= 64 rules. */
static uint64_t live_from(uint32_t n, uint32_t from)
{
	uint64_t all = n >= 64 ? ~0ull : (1ull << n) - 1;

	return all & (~0ull << from);
}

int rules_eval(struct rules_engine *e, const struct event *ev, rules_alert_fn cb, void *ctx)
{
	int type = rl_evttype_of_event(ev);
	struct rl_evmemo memo;
	struct rl_eval_ctx c;
	int delivered = 0;

	if (type < 0 || e->failed || !e->compiled)
		return 0;
	e->stats.events++;
	e->evt_num++;
	if (!e->n_by_type[type]) {
		e->stats.events_no_rules++;
		return 0;
	}
	c.dns = e->dns;
	c.ev = ev;
	c.cfg = &e->cfg;
	c.hostname = e->hostname;
	c.evt_num = e->evt_num;
	c.evt_type = type;
	c.boot_to_real_ns = e->cfg.boot_to_realtime_ns;
	c.users = &e->users;
	c.groups = &e->groups;
	c.memo = &memo;
	memo_start(e, &memo);
	memo.kill = memo.truth ? e->kill[type] : NULL;
	for (uint32_t i = 0; i < e->n_by_type[type]; i++) {
		uint32_t idx;
		const char *undecided;
		int ret;

		/* The next rule that no false guard has ruled out: one bit scan
		 * (kill), else a look at each guard. */
		if (memo.kill) {
			uint64_t live = live_from(e->n_by_type[type], i) & ~memo.dead;

			if (!live)
				break;
			i = (uint32_t)__builtin_ctzll(live);
		} else if (memo.truth && guarded_out(&memo, e->guard[type][i])) {
			continue;
		}
		idx = e->by_type[type][i];
		if (!decide(e, &c, e->prog[type] + e->prog_at[type][i], &undecided))
			continue;
		e->stats.matches++;
		ret = deliver(e, &c, idx, undecided, cb, ctx);
		/* The alert's consumers may have acted on the host (a kill):
		 * the next rules decide afresh. */
		memo.cur = memo_next(e);
		memo.dead = 0;
		if (ret < 0)
			return delivered + 1;
		delivered += ret;
		if (e->cfg.first_match_only)
			break;
	}
	return delivered;
}

size_t rules_engine_dns_count(const struct rules_engine *e)
{
	return rl_dns_count(e->dns);
}

const char *rules_engine_dns_name(const struct rules_engine *e, size_t i)
{
	return rl_dns_name(e->dns, i);
}

void rules_engine_dns_set(struct rules_engine *e, size_t i, const struct rules_addr *addrs,
			  size_t n)
{
	rl_dns_set(e->dns, i, addrs, n);
}

int rules_eval_rule(struct rules_engine *e, size_t i, const struct event *ev, rules_alert_fn cb,
		    void *ctx)
{
	const char *undecided;
	struct rl_evmemo memo;
	struct rl_eval_ctx c;

	if (!e->compiled || e->failed || i >= e->n_rules || !e->rules[i].active)
		return -EINVAL;
	c.dns = e->dns;
	c.ev = ev;
	c.cfg = &e->cfg;
	c.hostname = e->hostname;
	c.evt_num = ++e->evt_num;
	c.evt_type = rl_evttype_of_event(ev);
	c.boot_to_real_ns = e->cfg.boot_to_realtime_ns;
	c.users = &e->users;
	c.groups = &e->groups;
	c.memo = &memo;
	memo_start(e, &memo);
	e->stats.events++;
	if (c.evt_type < 0 || !rl_evtset_has(&e->rules[i].evts, c.evt_type) ||
	    !decide(e, &c, e->rules[i].prog, &undecided))
		return 0;
	e->stats.matches++;
	/* The match decides; rate limiting only thins the alerts. */
	deliver(e, &c, (uint32_t)i, undecided, cb, ctx);
	return 1;
}
