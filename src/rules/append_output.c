/*
 * Falco's append_output (struct rules_append): the entries whose source,
 * rule name and tags match a rule add text to its output line and fields to
 * its output_fields. Each entry is compiled once against the field table to
 * report its problems at its `where` (rl_append_check), then again for every
 * rule it applies to, without messages.
 */
#include <errno.h>
#include <string.h>

#include "rules/rules_internal.h"

static bool matches(const struct rules_append *e, const struct rl_rule_def *d)
{
	if (e->source && strcmp(e->source, d->info.source))
		return false;
	if (e->rule && strcmp(e->rule, d->info.name))
		return false;
	for (size_t i = 0; i < e->n_tags; i++) {
		size_t k;

		for (k = 0; k < d->tags.n && strcmp(d->tags.v[k], e->tags[i]); k++)
			;
		if (k == d->tags.n)
			return false;
	}
	return true;
}

/* Compiles a format that comes from the configuration, not from a rules
 * file: its messages name the entry (a position of line 0 prints none). */
static int compile_text(struct rl_compiler *cc, const char *where, const char *text,
			struct rl_format *out)
{
	struct rl_file *f = rl_alloc(cc->a, sizeof(*f));
	struct rl_ynode *n = rl_alloc(cc->a, sizeof(*n));
	struct rl_text t = { 0 };

	if (!f || !n || !(f->name = rl_strdup(cc->a, where)) || !(n->text = rl_strdup(cc->a, text)))
		return -ENOMEM;
	n->kind = YN_SCALAR;
	n->pos.file = f;
	if (rl_text_append(cc->a, &t, n))
		return -ENOMEM;
	return rl_format_compile(cc, &t, out);
}

static int add_field(struct rl_compiler *cc, const struct rules_append *e,
		     const struct rules_extra_field *x, struct rl_format *f)
{
	struct rl_cfexpr *v;
	struct rl_format sub = { 0 };
	const char *sugg, *why;
	int ret;

	if (x->format) {
		ret = compile_text(cc, e->where, x->format, &sub);
		return ret ?: rl_format_add_extra(cc->a, f, x->name, &sub);
	}
	v = rl_alloc(cc->a, sizeof(*v));
	if (!v)
		return -ENOMEM;
	ret = rl_field_resolve(cc->a, x->name, strlen(x->name), &v->ref, &sugg, &why);
	if (ret) {
		struct rl_pos none = { 0 };

		rl_diag(cc->ds, true, none, "%s: extra field '%s': %s%s%s%s", e->where, x->name,
			ret == -ENOENT ? "unknown field" : why, sugg ? "; did you mean '" : "",
			sugg ? sugg : "", sugg ? "'?" : "");
		return -EINVAL;
	}
	v->type = v->ref.def->type;
	return rl_format_add_value(cc->a, f, v);
}

static int apply(struct rl_compiler *cc, const struct rules_append *e, struct rl_format *f)
{
	struct rl_format more = { 0 };
	int ret = 0;

	if (e->extra_output && *e->extra_output) {
		ret = compile_text(cc, e->where, e->extra_output, &more);
		ret = ret ?: rl_format_join(cc->a, f, &more);
	}
	for (size_t i = 0; !ret && i < e->n_fields; i++)
		ret = add_field(cc, e, &e->fields[i], f);
	return ret;
}

int rl_append_check(struct rl_compiler *cc, const struct rules_config *cfg)
{
	struct rl_format scratch = { 0 };
	int ret = 0;

	for (size_t i = 0; i < cfg->n_append; i++)
		if (apply(cc, &cfg->append[i], &scratch))
			ret = -EINVAL;
	return ret;
}

int rl_append_output(struct rl_compiler *cc, const struct rules_config *cfg,
		     const struct rl_rule_def *d, struct rl_format *f)
{
	struct rl_diags quiet = { 0 }, *loud = cc->ds;
	int ret = 0;

	cc->ds = &quiet; /* rl_append_check reported each entry's problems once */
	for (size_t i = 0; !ret && i < cfg->n_append; i++)
		if (matches(&cfg->append[i], d))
			ret = apply(cc, &cfg->append[i], f);
	cc->ds = loud;
	rl_diags_release(&quiet);
	return ret;
}
