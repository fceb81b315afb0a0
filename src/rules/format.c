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

/* Longest argument looked for after a field name: "[...]" closes within it. */
#define FIELD_ARG_MAX 256

static int add_piece(struct rl_arena *a, struct rl_format *f, const char *lit, size_t len,
		     size_t field)
{
	if (rl_reserve(a, (void **)&f->p, &f->p_cap, f->n, f->n + 1, sizeof(*f->p)))
		return -ENOMEM;
	f->p[f->n++] = (struct rl_fmt_piece){ .lit = lit, .lit_len = len, .field = field };
	return 0;
}

/*
 * The index of field x in f->fields, added when new. `seen` maps a field's
 * text to its index + 1 while a format is compiled (NULL: a linear search,
 * for the few fields rl_format_add brings).
 */
static int field_index(struct rl_arena *a, struct rl_format *f, const struct rl_cfexpr *x,
		       struct rl_arena *tmp, struct rl_names *seen, size_t *idx)
{
	uintptr_t known = 0;

	if (seen) {
		known = (uintptr_t)rl_names_get(seen, x->ref.text);
	} else {
		for (size_t i = 0; i < f->n_fields && !known; i++)
			if (!strcmp(f->fields[i].ref.text, x->ref.text))
				known = i + 1;
	}
	if (known) {
		*idx = known - 1;
		return 0;
	}
	if (rl_reserve(a, (void **)&f->fields, &f->fields_cap, f->n_fields, f->n_fields + 1,
		       sizeof(*f->fields)))
		return -ENOMEM;
	*idx = f->n_fields;
	f->fields[f->n_fields++] = *x;
	return seen ? rl_names_put(tmp, seen, x->ref.text, (void *)(uintptr_t)(*idx + 1)) : 0;
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
		const char *close = memchr(s + end, ']', strnlen(s + end, FIELD_ARG_MAX));
		if (close)
			end = (size_t)(close - s) + 1;
	}
	name_len = end - name_start;
	/* A sentence may end right after a field: "file %fd.name." (no field
	 * name ends with a dot; all are dropped at once, not one per try). */
	while (name_len && s[name_start + name_len - 1] == '.') {
		name_len--;
		end--;
	}
	for (;;) {
		const char *sugg, *why;
		int ret;

		if (!name_len)
			return 0;
		ret = rl_field_resolve(cc->a, s + name_start, name_len, &out->ref, &sugg, &why);
		if (!ret && (why = rl_field_source_error(cc, out->ref.def)))
			ret = -EINVAL;
		if (!ret)
			break;
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

/*
 * %container.info: a placeholder of Falco's rules, not a field. Falco up to
 * 0.40 wrote "%container.name (id=%container.id)" in its place (0.41 writes
 * nothing and appends the container fields): palisade writes the former,
 * and its appended container fields then skip the two already shown.
 */
#define CONTAINER_INFO "container.info"

static int add_container_info(struct rl_arena *a, struct rl_format *out, struct rl_arena *tmp,
			      struct rl_names *seen)
{
	static const char *const parts[] = { "container.name", " (id=", "container.id", ")" };
	const char *sugg, *why;
	size_t idx;

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		struct rl_cfexpr f = { 0 };

		if (i % 2) {
			if (add_piece(a, out, parts[i], strlen(parts[i]), 0))
				return -ENOMEM;
			continue;
		}
		if (rl_field_resolve(a, parts[i], strlen(parts[i]), &f.ref, &sugg, &why))
			return -ENOMEM;
		f.type = f.ref.def->type;
		if (field_index(a, out, &f, tmp, seen, &idx) || add_piece(a, out, NULL, 0, idx))
			return -ENOMEM;
	}
	return 0;
}

int rl_format_compile(struct rl_compiler *cc, const struct rl_text *src, struct rl_format *out)
{
	struct rl_arena tmp = { 0 };
	struct rl_names seen = { 0 };
	const char *s = src->s ? src->s : "";
	size_t i = 0, lit = 0, idx;
	bool bad = false;
	int ret = 0;

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
			if ((ret = add_piece(cc->a, out, s + lit, i + 1 - lit, 0)))
				goto cleanup;
			i += 2;
			lit = i;
			continue;
		}
		if (!strncmp(s + i + 1, CONTAINER_INFO, strlen(CONTAINER_INFO)) &&
		    !field_char(s[i + 1 + strlen(CONTAINER_INFO)])) {
			if ((i > lit && (ret = add_piece(cc->a, out, s + lit, i - lit, 0))) ||
			    (ret = add_container_info(cc->a, out, &tmp, &seen)))
				goto cleanup;
			i += 1 + strlen(CONTAINER_INFO);
			lit = i;
			continue;
		}
		struct rl_cfexpr f = { 0 };
		size_t used = parse_ref(cc, src, i + 1, &f, &bad);

		if (!used || !f.ref.def) {
			i += used ? used + 1 : 1;
			continue;
		}
		if ((i > lit && (ret = add_piece(cc->a, out, s + lit, i - lit, 0))) ||
		    (ret = field_index(cc->a, out, &f, &tmp, &seen, &idx)) ||
		    (ret = add_piece(cc->a, out, NULL, 0, idx)))
			goto cleanup;
		i += used + 1;
		lit = i;
	}
	if (len > lit)
		ret = add_piece(cc->a, out, s + lit, len - lit, 0);
cleanup:
	rl_arena_release(&tmp);
	return ret ? ret : bad ? -EINVAL : 0;
}

int rl_format_add(struct rl_arena *a, struct rl_format *f, const char *label, const char *field)
{
	struct rl_cfexpr x = { 0 };
	const char *sugg, *why;
	size_t idx, had = f->n_fields;
	char *lit;

	if (rl_field_resolve(a, field, strlen(field), &x.ref, &sugg, &why))
		return -EINVAL;
	x.type = x.ref.def->type;
	if (field_index(a, f, &x, NULL, NULL, &idx))
		return -ENOMEM;
	if (f->n_fields == had)
		return 0; /* already in the output */
	lit = rl_sprintf(a, " %s=", label);
	if (!lit || add_piece(a, f, lit, strlen(lit), 0) || add_piece(a, f, NULL, 0, idx))
		return -ENOMEM;
	return 0;
}

int rl_format_join(struct rl_arena *a, struct rl_format *f, const struct rl_format *more)
{
	size_t idx;

	if (add_piece(a, f, " ", 1, 0))
		return -ENOMEM;
	for (size_t i = 0; i < more->n; i++) {
		const struct rl_fmt_piece *p = &more->p[i];

		if (p->lit ? add_piece(a, f, p->lit, p->lit_len, 0)
			   : field_index(a, f, &more->fields[p->field], NULL, NULL, &idx) ||
				     add_piece(a, f, NULL, 0, idx))
			return -ENOMEM;
	}
	return 0;
}

int rl_format_add_value(struct rl_arena *a, struct rl_format *f, const struct rl_cfexpr *x)
{
	size_t idx;

	return field_index(a, f, x, NULL, NULL, &idx) ? -ENOMEM : 0;
}

int rl_format_add_extra(struct rl_arena *a, struct rl_format *f, const char *key,
			const struct rl_format *sub)
{
	struct rl_format_extra *v = rl_alloc(a, (f->n_extra + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < f->n_extra; i++) {
		if (!strcmp(f->extra[i].key, key)) { /* a later entry replaces it */
			f->extra[i].fmt = *sub;
			return 0;
		}
		v[i] = f->extra[i];
	}
	v[f->n_extra].key = key;
	v[f->n_extra].fmt = *sub;
	f->extra = v;
	f->n_extra++;
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

/* The index an output extracts: a list's whole text (0), else the field's first value. */
static int whole(const struct rl_cfexpr *x)
{
	return x->ref.def->list ? 0 : 1;
}

size_t rl_format_render(const struct rl_eval_ctx *c, const struct rl_format *f, char *buf,
			size_t cap, struct rules_value *vals, char *vbuf, size_t vcap,
			struct rl_scratch *s)
{
	size_t n = 0, vn = 0;
	char num[64];

	buf[0] = '\0';
	/* Once buf is full the rest would be cut: extracting it is wasted work. */
	for (size_t i = 0; i < f->n && n + 1 < cap; i++) {
		const struct rl_fmt_piece *p = &f->p[i];
		struct rl_value v;
		size_t len;
		const char *t;

		if (p->lit) {
			n = put(buf, cap, n, p->lit, p->lit_len);
			continue;
		}
		if (!rl_extract_fexpr(c, &f->fields[p->field], whole(&f->fields[p->field]), &v,
				      &s->lhs, &s->tmp)) {
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
		if (!rl_extract_fexpr(c, x, whole(x), &v, &s->lhs, &s->tmp)) {
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
	/* append_output's named fields: their format rendered into vbuf. */
	for (size_t i = 0; vals && i < f->n_extra; i++) {
		struct rules_value *o = &vals[f->n_fields + i];

		*o = (struct rules_value){ .field = f->extra[i].key, .kind = RULES_VAL_NULL };
		if (vn + 1 >= vcap)
			continue; /* no room left: null, never a stale value */
		o->kind = RULES_VAL_STRING;
		o->s = vbuf + vn;
		vn += rl_format_render(c, &f->extra[i].fmt, vbuf + vn, vcap - vn, NULL, NULL, 0, s) + 1;
	}
	return n;
}
