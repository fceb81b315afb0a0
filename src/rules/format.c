/*
 * Rule output strings: literal text and %field references (%proc.name,
 * %proc.aname[2], %evt.arg.flags, %tolower(proc.name)), compiled once per
 * rule. Rendering writes into caller buffers and records each field's typed
 * value for the alert's output_fields; a value that cannot be extracted
 * prints as <NA> (and is null in JSON), as in Falco.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "rules/rules_internal.h"

static bool field_char(char ch)
{
	return isalnum((unsigned char)ch) || ch == '_' || ch == '.';
}

static int add_piece(struct rl_arena *a, struct rl_vec *pieces, const char *lit, size_t len,
		     const struct rl_cfexpr *f)
{
	struct rl_fmt_piece *p = rl_alloc(a, sizeof(*p));

	if (!p)
		return -ENOMEM;
	if (lit) {
		p->lit = lit;
		p->lit_len = len;
	} else {
		p->field = *f;
	}
	return rl_vec_push(a, pieces, p);
}

/* Parses "%name[arg]" or "%func(name)" at s; returns bytes consumed, 0 if none. */
static size_t parse_ref(struct rl_compiler *cc, const struct rl_text *src, size_t at,
			struct rl_cfexpr *out, bool *bad)
{
	const char *s = src->s + at;
	size_t n = 0, name_start, name_len, end;
	static const struct { const char *name; enum rl_transform tr; } fns[] = {
		{ "tolower", TR_TOLOWER }, { "toupper", TR_TOUPPER }, { "b64", TR_B64 },
		{ "basename", TR_BASENAME }, { "len", TR_LEN },
	};
	int tr = -1;

	while (field_char(s[n]))
		n++;
	for (size_t k = 0; k < sizeof(fns) / sizeof(fns[0]) && s[n] == '('; k++)
		if (strlen(fns[k].name) == n && !memcmp(fns[k].name, s, n))
			tr = (int)fns[k].tr;
	name_start = tr >= 0 ? n + 1 : 0;
	end = name_start;
	while (field_char(s[end]))
		end++;
	if (s[end] == '[') {
		const char *close = strchr(s + end, ']');
		if (close)
			end = (size_t)(close - s) + 1;
	}
	name_len = end - name_start;
	/* A sentence may end right after a field: "file %fd.name." */
	for (;;) {
		const char *sugg, *why;
		int ret;

		if (!name_len)
			return 0;
		ret = rl_field_resolve(cc->a, s + name_start, name_len, &out->ref, &sugg, &why);
		if (!ret)
			break;
		if (ret == -ENOENT && s[name_start + name_len - 1] == '.') {
			name_len--;
			end--;
			continue;
		}
		*bad = true;
		char *name = rl_strndup(cc->a, s + name_start, name_len);
		if (ret == -ENOENT && sugg)
			rl_diag(cc->ds, true, rl_text_pos(src, at - 1), "unknown field '%s' in output; did you mean '%s'?",
				name, sugg);
		else if (ret == -ENOENT)
			rl_diag(cc->ds, true, rl_text_pos(src, at - 1), "unknown field '%s' in output", name);
		else
			rl_diag(cc->ds, true, rl_text_pos(src, at - 1), "field '%s': %s", name, why);
		return name_len;
	}
	out->type = out->ref.def->type;
	if (tr >= 0) {
		if (s[end] != ')') {
			*bad = true;
			rl_diag(cc->ds, true, rl_text_pos(src, at), "expected ')' after %.*s", (int)(end), s);
			return end;
		}
		end++;
		out->tr[0] = (enum rl_transform)tr;
		out->n_tr = 1;
		out->type = tr == TR_LEN ? FT_UINT : FT_STR;
		out->ref.text = rl_strndup(cc->a, s, end);
	}
	return end;
}

static int add_field(struct rl_arena *a, struct rl_format *f, struct rl_vec *fields,
		     const struct rl_cfexpr *x)
{
	for (size_t i = 0; i < fields->n; i++)
		if (!strcmp(((struct rl_cfexpr *)fields->v[i])->ref.text, x->ref.text))
			return 0;
	(void)f;
	return rl_vec_push(a, fields, (void *)x);
}

static void finish(struct rl_format *out, struct rl_vec *pieces, struct rl_vec *fields,
		   struct rl_arena *a)
{
	out->p = rl_alloc(a, (pieces->n + 1) * sizeof(*out->p));
	out->fields = rl_alloc(a, (fields->n + 1) * sizeof(*out->fields));
	if (!out->p || !out->fields) {
		out->n = out->n_fields = 0;
		return;
	}
	for (size_t i = 0; i < pieces->n; i++)
		out->p[i] = *(struct rl_fmt_piece *)pieces->v[i];
	for (size_t i = 0; i < fields->n; i++)
		out->fields[i] = *(struct rl_cfexpr *)fields->v[i];
	out->n = pieces->n;
	out->n_fields = fields->n;
}

static int load_existing(struct rl_arena *a, const struct rl_format *f, struct rl_vec *pieces,
			 struct rl_vec *fields)
{
	for (size_t i = 0; i < f->n; i++)
		if (rl_vec_push(a, pieces, &f->p[i]))
			return -ENOMEM;
	for (size_t i = 0; i < f->n_fields; i++)
		if (rl_vec_push(a, fields, &f->fields[i]))
			return -ENOMEM;
	return 0;
}

/*
 * %container.info: a placeholder of Falco's rules, not a field. Falco up to
 * 0.40 wrote "%container.name (id=%container.id)" in its place (0.41 writes
 * nothing and appends the container fields): palisade writes the former,
 * and its appended container fields then skip the two already shown.
 */
#define CONTAINER_INFO "container.info"

static int add_container_info(struct rl_arena *a, struct rl_vec *pieces, struct rl_vec *fields)
{
	static const char *const parts[] = { "container.name", " (id=", "container.id", ")" };
	const char *sugg, *why;

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		struct rl_cfexpr *f;

		if (i % 2) {
			if (add_piece(a, pieces, parts[i], strlen(parts[i]), NULL))
				return -ENOMEM;
			continue;
		}
		f = rl_alloc(a, sizeof(*f));
		if (!f || rl_field_resolve(a, parts[i], strlen(parts[i]), &f->ref, &sugg, &why))
			return -ENOMEM;
		f->type = f->ref.def->type;
		if (add_piece(a, pieces, NULL, 0, f) || add_field(a, NULL, fields, f))
			return -ENOMEM;
	}
	return 0;
}

int rl_format_compile(struct rl_compiler *cc, const struct rl_text *src, struct rl_format *out)
{
	struct rl_vec pieces = { 0 }, fields = { 0 };
	const char *s = src->s ? src->s : "";
	size_t i = 0, lit = 0;
	bool bad = false;

	/* Trailing newlines of block scalars are not part of the message. */
	size_t len = strlen(s);
	while (len && (s[len - 1] == '\n' || s[len - 1] == ' '))
		len--;
	while (i < len) {
		if (s[i] != '%') {
			i++;
			continue;
		}
		if (i + 1 < len && s[i + 1] == '%') { /* "%%" is a literal '%' */
			add_piece(cc->a, &pieces, s + lit, i + 1 - lit, NULL);
			i += 2;
			lit = i;
			continue;
		}
		if (!strncmp(s + i + 1, CONTAINER_INFO, strlen(CONTAINER_INFO)) &&
		    !field_char(s[i + 1 + strlen(CONTAINER_INFO)])) {
			if (i > lit)
				add_piece(cc->a, &pieces, s + lit, i - lit, NULL);
			if (add_container_info(cc->a, &pieces, &fields))
				return -ENOMEM;
			i += 1 + strlen(CONTAINER_INFO);
			lit = i;
			continue;
		}
		struct rl_cfexpr *f = rl_alloc(cc->a, sizeof(*f));
		size_t used;

		if (!f)
			return -ENOMEM;
		used = parse_ref(cc, src, i + 1, f, &bad);
		if (!used || !f->ref.def) {
			i += used ? used + 1 : 1;
			continue;
		}
		if (i > lit)
			add_piece(cc->a, &pieces, s + lit, i - lit, NULL);
		add_piece(cc->a, &pieces, NULL, 0, f);
		add_field(cc->a, out, &fields, f);
		i += used + 1;
		lit = i;
	}
	if (len > lit)
		add_piece(cc->a, &pieces, s + lit, len - lit, NULL);
	finish(out, &pieces, &fields, cc->a);
	return bad ? -EINVAL : 0;
}

int rl_format_add(struct rl_arena *a, struct rl_format *f, const char *label, const char *field)
{
	struct rl_vec pieces = { 0 }, fields = { 0 };
	struct rl_cfexpr *x = rl_alloc(a, sizeof(*x));
	const char *sugg, *why;

	if (!x || rl_field_resolve(a, field, strlen(field), &x->ref, &sugg, &why))
		return -EINVAL;
	x->type = x->ref.def->type;
	for (size_t i = 0; i < f->n_fields; i++)
		if (!strcmp(f->fields[i].ref.text, field))
			return 0; /* already in the output */
	if (load_existing(a, f, &pieces, &fields))
		return -ENOMEM;
	char *lit = rl_sprintf(a, " %s=", label);
	if (!lit || add_piece(a, &pieces, lit, strlen(lit), NULL) ||
	    add_piece(a, &pieces, NULL, 0, x) || rl_vec_push(a, &fields, x))
		return -ENOMEM;
	finish(f, &pieces, &fields, a);
	return 0;
}

/* Text of a value; strings are returned in place. */
static const char *value_text(const struct rl_value *v, char *tmp, size_t cap, size_t *len)
{
	int n = 0;

	switch (v->t) {
	case FT_STR:
	case FT_BYTES:
		*len = v->len;
		return v->s;
	case FT_INT:
		n = snprintf(tmp, cap, "%" PRId64, v->i);
		break;
	case FT_BOOL:
		n = snprintf(tmp, cap, "%s", v->u ? "true" : "false");
		break;
	case FT_IPADDR:
	case FT_IPNET:
		if (!inet_ntop(v->ip_len == 4 ? AF_INET : AF_INET6, v->ip, tmp, (socklen_t)cap))
			tmp[0] = '\0';
		n = (int)strlen(tmp);
		break;
	default:
		n = snprintf(tmp, cap, "%" PRIu64, v->u);
	}
	*len = n > 0 ? (size_t)n : 0;
	return tmp;
}

static size_t put(char *buf, size_t cap, size_t at, const char *s, size_t len)
{
	if (at >= cap)
		return at;
	if (len > cap - 1 - at)
		len = cap - 1 - at;
	memcpy(buf + at, s, len);
	buf[at + len] = '\0';
	return at + len;
}

size_t rl_format_render(const struct rl_eval_ctx *c, const struct rl_format *f, char *buf,
			size_t cap, struct rules_value *vals, char *vbuf, size_t vcap,
			struct rl_scratch *s)
{
	size_t n = 0, vn = 0;
	char num[64];

	buf[0] = '\0';
	for (size_t i = 0; i < f->n; i++) {
		const struct rl_fmt_piece *p = &f->p[i];
		struct rl_value v;
		size_t len;
		const char *t;

		if (p->lit) {
			n = put(buf, cap, n, p->lit, p->lit_len);
			continue;
		}
		if (!rl_extract_fexpr(c, &p->field, 1, &v, &s->lhs, &s->tmp)) {
			n = put(buf, cap, n, "<NA>", 4);
			continue;
		}
		t = value_text(&v, num, sizeof(num), &len);
		n = put(buf, cap, n, t, len);
	}
	/* output_fields: typed values, strings copied out of scratch memory. */
	for (size_t i = 0; vals && i < f->n_fields; i++) {
		const struct rl_cfexpr *x = &f->fields[i];
		struct rules_value *o = &vals[i];
		struct rl_value v;

		memset(o, 0, sizeof(*o));
		o->field = x->ref.text;
		if (!rl_extract_fexpr(c, x, 1, &v, &s->lhs, &s->tmp)) {
			o->kind = RULES_VAL_NULL;
			continue;
		}
		switch (v.t) {
		case FT_INT:
			o->kind = RULES_VAL_INT;
			o->i = v.i;
			break;
		case FT_UINT:
		case FT_ABSTIME:
		case FT_RELTIME:
			o->kind = RULES_VAL_UINT;
			o->u = v.u;
			break;
		case FT_BOOL:
			o->kind = RULES_VAL_BOOL;
			o->b = v.u != 0;
			break;
		default: {
			size_t len;
			const char *t = value_text(&v, num, sizeof(num), &len);

			o->kind = RULES_VAL_STRING;
			if (vn + len + 1 > vcap)
				len = vn + 1 < vcap ? vcap - vn - 1 : 0;
			o->s = vbuf + vn;
			memcpy(vbuf + vn, t, len);
			vbuf[vn + len] = '\0';
			vn += len + 1;
			if (vn >= vcap) {
				vn = vcap - 1;
			}
		}
		}
	}
	return n;
}
