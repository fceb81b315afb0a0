/*
 * The pre-filter analysis: from the compiled, type-specialised conditions of
 * the enabled rules, a set of paths outside which no rule can match an open.
 *
 * The domain. The kernel consults the filter only for a record of a filtered
 * syscall whose path 1 was resolved from the opened file (EV_PATH1_RESOLVED
 * without EV_PATH1_USER: the open succeeded), is not truncated and is at most
 * PF_PATH_MAX bytes; every other record is kept. On that domain the decoder's
 * path (fd.name, fs.path.name, evt.arg.name) is the join of the walked dentry
 * names: absolute, never empty; fd.nameraw (the caller's own string, sent
 * when a rule reads it) is not fixed by the domain: its comparisons are
 * unknown here and bounded by the raw-path gate (raw_cmp, gate_by: a
 * positive contains/startswith/endswith/=/in/glob implies a piece the string
 * contains, the same induction); and in the read-only class (flags known, O_RDONLY,
 * no O_CREAT, no O_TMPFILE) evt.is_open_read is true and evt.is_open_write,
 * is_open_exec and is_open_create are false.
 *
 * The claim. For a condition C and a polarity, analyse() returns a set S of
 * paths (ALL, or exact paths and prefixes) such that, for every event E of
 * the domain: if C (positive) or not C (negative) holds on E, then E's path
 * is in S. Proof by induction on the tree:
 *  - TRUE/FALSE: ALL / NONE (resp. NONE / ALL negated).
 *  - AND, positive: C holds only if every child holds, so E's path is in
 *    each child's set: any one child's set will do (we take the smallest).
 *    OR, positive: some child holds: the union. Negative polarity swaps the
 *    two by De Morgan (not (a and b) = not a or not b), and NOT flips the
 *    polarity. Evaluation is two-valued here (a comparison on a missing field
 *    is false and its negation true, eval.c), so De Morgan holds exactly.
 *  - A comparison whose value is fixed on the domain (above): ALL when the
 *    literal (comparison, or its negation) is true, NONE when false.
 *  - A positive comparison of fd.name / fs.path.name (no transformer):
 *    = s and in (...) need the path to be one of the values: exact entries;
 *    startswith L, glob with literal head L, pmatch entry P need the path to
 *    start with L (resp. equal P or start with P + "/"): prefixes, each cut
 *    back to its last '/' so that it ends at a component boundary (see the
 *    key form in bpf/events.h). A value that does not start with '/' can
 *    match no path of the domain: NONE.
 *  - The same on fd.directory: the directory is a prefix of the path, and a
 *    path whose directory is d (not "/") starts with d + "/".
 *  - Anything else (other fields, operators, transformers, negated path
 *    comparisons): ALL.
 * A rule matches E only if its condition holds, so E's path is in that rule's
 * set; keeping the union over every rule indexed for the type drops only
 * events no rule matches. A rule whose set is ALL makes the class unfiltered,
 * unless its name set (below) is bounded.
 *
 * The name gate. The same induction, run with proc.name as the bounded
 * field, gives a set N of process names such that C holds on E only if E's
 * proc.name is in N: AND takes any child's set, OR the union, NOT flips the
 * polarity, constants of the domain as above; a positive `proc.name = s` or
 * `proc.name in (...)` (no transformer) gives its values, except values that
 * no proc.name can take (empty: comm() gives no value, so the comparison is
 * false; longer than EV_COMM_LEN - 1: a comm is never that long): NONE; every
 * other comparison ALL. A rule whose path set is ALL but whose name set is
 * bounded adds its names to the class's name set instead: an event is kept
 * if its path is in the class's path set OR its proc.name is in the class's
 * name set, which by the two claims keeps every event some rule matches.
 * Why the kernel's test of "proc.name in N" is sound (it cannot read the
 * process table) is argued in bpf/prefilter_names.bpf.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event/syscalls.h"
#include "rules/field_ids.h"
#include "rules/prefilter.h"
#include "rules/prefilter_net.h"

#define O_ACCMODE_BITS 03
#define O_CREAT_BIT 0100
#define O_TMPFILE_BITS 020200000
#define RULES_PER_TYPE_MAX 4096

/* A set of paths: everything, or exact paths and prefixes (forward form). */
struct pathset {
	bool all;
	char **path;
	bool *prefix;
	size_t n, cap;
	bool oom;
};

static void set_free(struct pathset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->path[i]);
	free(s->path);
	free(s->prefix);
	memset(s, 0, sizeof(*s));
}

static void set_add(struct pathset *s, const char *p, size_t len, bool prefix)
{
	if (s->all || s->oom)
		return;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		char **np = realloc(s->path, cap * sizeof(*np));
		bool *pp = np ? realloc(s->prefix, cap * sizeof(*pp)) : NULL;

		if (np)
			s->path = np;
		if (!np || !pp) {
			s->oom = true;
			return;
		}
		s->prefix = pp;
		s->cap = cap;
	}
	s->path[s->n] = strndup(p, len);
	if (!s->path[s->n]) {
		s->oom = true;
		return;
	}
	s->prefix[s->n++] = prefix;
}

static void set_all(struct pathset *s)
{
	bool oom = s->oom;

	set_free(s);
	s->all = true;
	s->oom = oom;
}

/* Moves b into a as a union. */
static void set_union(struct pathset *a, struct pathset *b)
{
	a->oom |= b->oom;
	if (b->all)
		set_all(a);
	for (size_t i = 0; !a->all && i < b->n; i++)
		set_add(a, b->path[i], strlen(b->path[i]), b->prefix[i]);
	set_free(b);
}

/* Paths starting with literal text L: a prefix cut back to its last '/'. */
static void add_literal_prefix(struct pathset *s, const char *l, size_t len)
{
	const char *slash = len ? memrchr(l, '/', len) : NULL;

	if (len == 0) {
		set_all(s);
		return;
	}
	if (l[0] != '/')
		return; /* no absolute path starts with it */
	set_add(s, l, (size_t)(slash - l) + 1, true);
}

static void add_exact(struct pathset *s, const char *p, size_t len)
{
	if (len && p[0] == '/')
		set_add(s, p, len, false);
}

/* Paths under directory d ("d/..."): what fd.directory = d and pmatch d imply. */
static void add_under(struct pathset *s, const char *d, size_t len)
{
	char buf[PF_PATH_MAX + 2];

	if (!len || d[0] != '/')
		return;
	if (len > PF_PATH_MAX) {
		add_literal_prefix(s, d, len); /* longer keys are never dropped anyway */
		return;
	}
	memcpy(buf, d, len);
	buf[len] = '/';
	set_add(s, buf, len == 1 ? 1 : len + 1, true);
}

/* Head of a glob before its first special character (fnmatch without flags). */
static size_t glob_literal_len(const char *g)
{
	return strcspn(g, "*?[\\");
}

enum path_field { PF_NOT_PATH, PF_NAME, PF_DIR };

struct list_ctx {
	struct pathset *s;
	enum path_field f;
};

static int on_list_value(const char *str, size_t len, void *ctx)
{
	struct list_ctx *c = ctx;

	if (c->f == PF_NAME)
		add_exact(c->s, str, len);
	else
		add_under(c->s, str, len);
	return 0;
}

static void on_pmatch_entry(const char *path, bool glob, void *ctx)
{
	struct list_ctx *c = ctx;
	size_t len = strlen(path);

	if (glob) {
		add_literal_prefix(c->s, path, glob_literal_len(path));
		return;
	}
	/* pmatch P on a path: the path is P or under P; on a directory, the
	 * path is under P either way. */
	if (c->f == PF_NAME)
		add_exact(c->s, path, len);
	add_under(c->s, path, len);
}

/* The set a positive comparison on the path or its directory implies. */
static bool path_cmp(const struct rl_ccmp *cmp, enum path_field f, struct pathset *s)
{
	struct list_ctx lc = { s, f };
	const struct rl_value *v = &cmp->val;

	if (cmp->rhs)
		return false;
	switch (cmp->op) {
	case OP_EQ:
		on_list_value(v->s, v->len, &lc);
		return true;
	case OP_IN:
	case OP_INTERSECTS:
		if (!cmp->set)
			return false;
		rl_strset_foreach(cmp->set, on_list_value, &lc);
		return true;
	case OP_STARTSWITH:
		add_literal_prefix(s, v->s, v->len);
		return true;
	case OP_PMATCH:
		rl_pathset_foreach(cmp->paths, on_pmatch_entry, &lc);
		return true;
	case OP_GLOB:
		if (v->s[glob_literal_len(v->s)] == '\0')
			on_list_value(v->s, v->len, &lc);
		else
			add_literal_prefix(s, v->s, glob_literal_len(v->s));
		return true;
	default:
		return false;
	}
}

/* Facts of the domain the analysis runs on (see the top of the file). */
struct domain {
	bool names;      /* bound proc.name instead of the path */
	bool raw;        /* bound the caller's path (fd.nameraw) instead */
	bool ro;         /* read-only class: is_open_* known */
	bool open_false; /* is_open_* are false for this syscall (creat) */
	bool host;       /* host class: the cgroup is one user space found not a container */
	bool loopback;   /* loopback class of connect/accept (prefilter_net.c) */
};

/* A boolean literal compared: 1 true, 0 false, -1 unknown. */
static int bool_cmp(const struct rl_ccmp *cmp, bool v)
{
	switch (cmp->op) {
	case OP_EXISTS:
		return 1;
	case OP_EQ:
		return v == (cmp->val.u != 0);
	case OP_NE:
		return v != (cmp->val.u != 0);
	case OP_IN:
		for (size_t i = 0; i < cmp->n_vals; i++)
			if (v == (cmp->vals[i].u != 0))
				return 1;
		return cmp->vals ? 0 : -1;
	default:
		return -1;
	}
}

/* A string literal compared: 1 true, 0 false, -1 unknown. */
static int str_cmp(const struct rl_ccmp *cmp, const char *v)
{
	size_t len = strlen(v);

	switch (cmp->op) {
	case OP_EXISTS:
		return 1;
	case OP_EQ:
	case OP_NE:
		return (cmp->val.len == len && !memcmp(cmp->val.s, v, len)) == (cmp->op == OP_EQ);
	case OP_IN:
	case OP_INTERSECTS:
		return cmp->set ? rl_strset_has(cmp->set, v, len) : -1;
	default:
		return -1;
	}
}

/* A comparison whose value the domain fixes: 1 true, 0 false, -1 unknown. */
static int cmp_const(const struct rl_ccmp *cmp, const struct domain *d)
{
	const struct rl_field_def *def = cmp->lhs.ref.def;
	int id = def->id;

	/* fd.nameraw, the caller's own string, is sent exactly when a rule
	 * reads it (src/agent/fd_setup.c): unknown here, bounded by the raw
	 * gate (raw_cmp). */
	if (cmp->lhs.n_tr || cmp->rhs)
		return -1;
	if (def->extract == rl_x_evt &&
	    (id == E_IS_OPEN_READ || id == E_IS_OPEN_WRITE || id == E_IS_OPEN_EXEC ||
	     id == E_IS_OPEN_CREATE)) {
		if (d->open_false)
			return bool_cmp(cmp, false);
		if (!d->ro)
			return -1;
		return bool_cmp(cmp, id == E_IS_OPEN_READ);
	}
	if (d->loopback && pf_loopback_cmp(cmp) >= 0)
		return pf_loopback_cmp(cmp);
	if (!d->host)
		return -1;
	if (def->extract == rl_x_proc && id == P_IS_CONTAINER)
		return bool_cmp(cmp, false);
	if (def->extract == rl_x_container && (id == C_ID || id == C_FULL_ID || id == C_NAME))
		return str_cmp(cmp, "host");
	return -1;
}

/* A name proc.name can take: 1 to EV_COMM_LEN - 1 bytes (a comm). */
static int on_name_value(const char *str, size_t len, void *ctx)
{
	if (len > 0 && len < EV_COMM_LEN)
		set_add(ctx, str, len, false);
	return 0;
}

/* The set a positive comparison on proc.name implies (false: not one). */
static bool name_cmp(const struct rl_ccmp *cmp, struct pathset *s)
{
	const struct rl_field_def *def = cmp->lhs.ref.def;

	if (cmp->rhs || cmp->lhs.n_tr || def->extract != rl_x_proc || def->id != P_NAME)
		return false;
	switch (cmp->op) {
	case OP_EQ:
		on_name_value(cmp->val.s, cmp->val.len, s);
		return true;
	case OP_IN:
	case OP_INTERSECTS:
		if (!cmp->set)
			return false;
		rl_strset_foreach(cmp->set, on_name_value, s);
		return true;
	default:
		return false;
	}
}

/* A piece the caller's path must contain: at most PF_RAW_MAX bytes of it
 * (a string that contains the piece contains its head too). */
static int on_raw_value(const char *str, size_t len, void *ctx)
{
	if (len > 0)
		set_add(ctx, str, len < PF_RAW_MAX ? len : PF_RAW_MAX, false);
	return 0;
}

/* The longest literal run of a glob (between wildcards): a match contains it. */
static void glob_piece(const char *g, struct pathset *s)
{
	size_t best = 0, best_len = 0;

	for (size_t i = 0; g[i];) {
		size_t n = strcspn(g + i, "*?[\\");

		if (n > best_len) {
			best = i;
			best_len = n;
		}
		i += n;
		if (g[i])
			i++;
	}
	if (best_len)
		on_raw_value(g + best, best_len, s);
	else
		set_all(s);
}

/* The pieces a positive comparison on fd.nameraw implies (false: not one). */
static bool raw_cmp(const struct rl_ccmp *cmp, struct pathset *s)
{
	const struct rl_field_def *def = cmp->lhs.ref.def;

	if (cmp->rhs || cmp->lhs.n_tr || def->extract != rl_x_fd || def->id != FD_NAMERAW)
		return false;
	switch (cmp->op) {
	case OP_EQ:
	case OP_CONTAINS:
	case OP_STARTSWITH:
	case OP_ENDSWITH:
		on_raw_value(cmp->val.s, cmp->val.len, s);
		return s->n > 0;
	case OP_IN:
	case OP_INTERSECTS:
		if (!cmp->set)
			return false;
		rl_strset_foreach(cmp->set, on_raw_value, s);
		return true;
	case OP_GLOB:
		glob_piece(cmp->val.s, s);
		return true;
	default:
		return false;
	}
}

static enum path_field path_field_of(const struct rl_ccmp *cmp)
{
	const struct rl_field_def *def = cmp->lhs.ref.def;

	if (cmp->lhs.n_tr || (def->extract != rl_x_fd))
		return PF_NOT_PATH;
	switch (def->id) {
	case FD_NAME:
	case FS_PATH_NAME:
		return PF_NAME;
	case FD_DIRECTORY:
		return PF_DIR;
	default:
		return PF_NOT_PATH;
	}
}

static void analyse(const struct rl_cnode *n, bool positive, const struct domain *d,
		    struct pathset *out);

/* Every child must hold: keep the smallest child's set. */
static void analyse_all_of(const struct rl_cnode *n, bool positive, const struct domain *d,
			   struct pathset *out)
{
	set_all(out);
	for (size_t i = 0; i < n->n_kids; i++) {
		struct pathset k = { 0 };

		analyse(n->kids[i], positive, d, &k);
		out->oom |= k.oom;
		if (!k.all && (out->all || k.n < out->n)) {
			bool oom = out->oom;

			set_free(out);
			*out = k;
			out->oom |= oom;
		} else {
			set_free(&k);
		}
		if (!out->all && out->n == 0)
			return; /* nothing can match */
	}
}

/* Some child holds: the union of their sets. */
static void analyse_any_of(const struct rl_cnode *n, bool positive, const struct domain *d,
			   struct pathset *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n->n_kids && !out->all; i++) {
		struct pathset k = { 0 };

		analyse(n->kids[i], positive, d, &k);
		set_union(out, &k);
	}
}

static void analyse(const struct rl_cnode *n, bool positive, const struct domain *d,
		    struct pathset *out)
{
	int c;

	memset(out, 0, sizeof(*out));
	switch (n->kind) {
	case CN_TRUE:
	case CN_FALSE:
		if ((n->kind == CN_TRUE) == positive)
			set_all(out);
		return;
	case CN_AND:
	case CN_OR:
		if ((n->kind == CN_AND) == positive)
			analyse_all_of(n, positive, d, out);
		else
			analyse_any_of(n, positive, d, out);
		return;
	case CN_NOT:
		analyse(n->kids[0], !positive, d, out);
		return;
	case CN_EVTTYPE: /* folded away by rl_cnode_for_type; keep if not */
		set_all(out);
		return;
	case CN_CMP:
		break;
	}
	c = cmp_const(n->cmp, d);
	if (c >= 0) {
		if ((c == 1) == positive)
			set_all(out);
		return;
	}
	if (!positive)
		set_all(out);
	else if (d->raw ? !raw_cmp(n->cmp, out)
		 : d->names ? !name_cmp(n->cmp, out)
			    : path_field_of(n->cmp) == PF_NOT_PATH ||
				      !path_cmp(n->cmp, path_field_of(n->cmp), out))
		set_all(out);
}

/* The key form of a forward path: '/' -> NUL, each component reversed. */
static void to_key_form(const char *p, size_t len, uint8_t *out)
{
	size_t i = 0;

	while (i < len) {
		size_t j = i;

		if (p[i] == '/') {
			out[i++] = 0;
			continue;
		}
		while (j < len && p[j] != '/')
			j++;
		for (size_t k = i; k < j; k++)
			out[k] = (uint8_t)p[i + j - 1 - k];
		i = j;
	}
}

static int entry_cmp(const void *a, const void *b)
{
	const struct pf_entry *x = a, *y = b;
	size_t n = x->val.len < y->val.len ? x->val.len : y->val.len;
	int c = (int)x->key.id - (int)y->key.id;

	if (c)
		return c;
	c = memcmp(x->key.path, y->key.path, n);
	if (c)
		return c;
	return (int)x->val.len - (int)y->val.len;
}

/* The longest entry of the same id whose path starts the key's (LPM). */
static const struct pf_entry *longest_match(const struct pf_entry *e, size_t n,
					    const struct pf_key *k, size_t len)
{
	const struct pf_entry *best = NULL;

	for (size_t i = 0; i < n; i++) {
		if (e[i].key.id != k->id || e[i].val.len > len)
			continue;
		if (memcmp(e[i].key.path, k->path, e[i].val.len))
			continue;
		if (!best || e[i].val.len > best->val.len)
			best = &e[i];
	}
	return best;
}

/* Appends the class's set to the table; a longer-than-key entry is omitted:
 * paths that long are never dropped. */
static int add_entries(struct prefilter *pf, uint8_t id, const struct pathset *s, size_t *cap)
{
	size_t first = pf->n;

	for (size_t i = 0; i <= s->n; i++) {
		const char *p = i < s->n ? s->path[i] : "";
		size_t len = strlen(p);
		struct pf_entry *e;

		if (i == s->n && !s->all)
			break;
		if (len > PF_PATH_MAX)
			continue;
		if (pf->n == *cap) {
			size_t nc = *cap ? 2 * *cap : 256;
			struct pf_entry *ne = realloc(pf->e, nc * sizeof(*ne));

			if (!ne)
				return -ENOMEM;
			pf->e = ne;
			*cap = nc;
		}
		e = &pf->e[pf->n++];
		memset(e, 0, sizeof(*e));
		e->key.id = id;
		e->key.prefixlen = 8 * (1 + (uint32_t)len);
		to_key_form(p, len, e->key.path);
		e->val.len = (uint16_t)len;
		e->val.flags = (s->all || s->prefix[i]) ? PF_KEEP_PREFIX : PF_KEEP_EXACT;
	}
	if (pf->n == first)
		return 0; /* nothing can match: every event of the class is dropped */
	/* Merge duplicates; an exact entry under a prefix entry keeps like it. */
	qsort(pf->e + first, pf->n - first, sizeof(*pf->e), entry_cmp);
	size_t w = first;
	for (size_t i = first; i < pf->n; i++) {
		if (w > first && !entry_cmp(&pf->e[w - 1], &pf->e[i])) {
			pf->e[w - 1].val.flags |= pf->e[i].val.flags;
			continue;
		}
		pf->e[w++] = pf->e[i];
	}
	pf->n = w;
	for (size_t i = first; i < pf->n; i++) {
		const struct pf_entry *m;

		if (pf->e[i].val.flags & PF_KEEP_PREFIX || !pf->e[i].val.len)
			continue;
		m = longest_match(pf->e + first, i - first, &pf->e[i].key, pf->e[i].val.len - 1);
		if (m && (m->val.flags & PF_KEEP_PREFIX))
			pf->e[i].val.flags |= PF_KEEP_PREFIX;
	}
	return 0;
}

static int name_key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct pf_name_key));
}

/* Appends the class's name gate (kernel map pf_names) and marks the id gated. */
static int add_names(struct prefilter *pf, uint8_t id, const struct pathset *names,
		     size_t *cap)
{
	if (!names->n)
		return 0;
	if (pf->n_names + names->n > *cap) {
		size_t nc = 2 * (pf->n_names + names->n);
		struct pf_name_key *nk = realloc(pf->names, nc * sizeof(*nk));

		if (!nk)
			return -ENOMEM;
		pf->names = nk;
		*cap = nc;
	}
	for (size_t i = 0; i < names->n; i++) {
		struct pf_name_key *k = &pf->names[pf->n_names++];

		memset(k, 0, sizeof(*k));
		k->id = id;
		memcpy(k->comm, names->path[i], strlen(names->path[i])); /* < EV_COMM_LEN */
	}
	pf->gated_ids |= 1ull << id;
	return 0;
}

/* The class's pieces side by side, where its span says (pf_raw_span). */
static int add_raws(struct prefilter *pf, uint8_t id, const struct pathset *raws)
{
	size_t start = pf->n_raws;

	for (size_t i = 0; i < raws->n; i++) {
		struct pf_raw_key *k;

		if (pf->n_raws == PF_RAWS_MAX)
			return -E2BIG;
		k = &pf->raws[pf->n_raws++];
		memset(k, 0, sizeof(*k));
		k->id = id;
		k->len = (uint8_t)strlen(raws->path[i]);
		memcpy(k->piece, raws->path[i], k->len); /* <= PF_RAW_MAX */
	}
	pf->raw_spans[id] = (struct pf_raw_span){ (uint8_t)start, (uint8_t)raws->n };
	return 0;
}

/* A rule's other bound when its path set is ALL: its process names, or
 * pieces of the caller's path (raw). True (moved into out) when bounded. */
static bool gate_by(const struct rl_cnode *cond, const struct domain *d, bool raw,
		    struct pathset *out)
{
	struct domain dg = *d;
	struct pathset k;

	dg.raw = raw;
	dg.names = !raw;
	analyse(cond, true, &dg, &k);
	out->oom |= k.oom;
	if (k.all) {
		set_free(&k);
		return false;
	}
	set_union(out, &k);
	return true;
}

/* The union of every rule's set for one syscall and class; names: the
 * union of the name sets of the rules kept by name instead. */
static int type_set(const struct rules_engine *e, int t, const struct domain *d,
		    struct pathset *out, struct pathset *names, struct pathset *raws,
		    const char **keep_all, size_t *n_keep_all)
{
	static const char *rule_names[RULES_PER_TYPE_MAX];
	const struct rl_cnode *const *conds = NULL;
	size_t n = rl_engine_type_conds(e, t, &conds, rule_names, RULES_PER_TYPE_MAX);

	memset(out, 0, sizeof(*out));
	memset(names, 0, sizeof(*names));
	memset(raws, 0, sizeof(*raws));
	*keep_all = NULL;
	*n_keep_all = 0;
	if (n > RULES_PER_TYPE_MAX) {
		set_all(out);
		*keep_all = "(too many rules to analyse)";
		return 0;
	}
	/* Every rule, even once the union is everything: the report names
	 * all the rules that keep a class whole. */
	for (size_t i = 0; i < n; i++) {
		struct pathset k;

		analyse(conds[i], true, d, &k);
		if (k.all && (gate_by(conds[i], d, false, names) || gate_by(conds[i], d, true, raws))) {
			set_free(&k);
			continue;
		}
		if (k.all && !(*n_keep_all)++)
			*keep_all = rule_names[i];
		set_union(out, &k);
	}
	return out->oom || names->oom || raws->oom ? -ENOMEM : 0;
}

/* The syscalls whose records the kernel can filter: opens resolve a path;
 * connect and accept have a loopback class. */
static bool filterable(const struct syscall_desc *sc, const struct rl_sc_info *in)
{
	return pf_net_type(sc) ||
	       (in && (sc->spec & SC_FD_RET) && in->open != RL_OPEN_NONE && !in->memfd);
}

static int build_type(struct prefilter *pf, const struct rules_engine *e,
		      const struct syscall_desc *sc, size_t *cap, size_t *names_cap)
{
	const struct rl_sc_info *in = rl_sc_info(sc);
	struct pf_type_report *r = &pf->types[pf->n_types];
	int t = rl_evttype_id(sc->name);
	struct pathset s[PF_CLASSES] = { { 0 } }, nm[PF_CLASSES] = { { 0 } },
		       rw[PF_CLASSES] = { { 0 } };
	size_t before = pf->n, names_before = pf->n_names, raws_before = pf->n_raws;
	uint64_t gated_before = pf->gated_ids;
	const struct rl_cnode *const *conds;
	bool all_kept = true;
	int ret = 0;

	if (t < 0 || !rl_engine_type_conds(e, t, &conds, NULL, 0))
		return 0; /* no rule: the syscall is not even watched */
	if (pf->n_types == 15)
		return 0; /* SC_PF_ID has 4 bits */
	memset(r, 0, sizeof(*r));
	r->syscall = sc->name;
	r->net = pf_net_type(sc);
	/* The class bit PF_CLASS_RO is the loopback class of a socket syscall. */
	r->ro_class = r->net ? pf_loopback_type(sc)
			     : in->open == RL_OPEN_FLAGS && in->flags_arg >= 0;
	for (unsigned c = 0; c < PF_CLASSES; c++) {
		struct domain d = { .ro = !r->net && (c & PF_CLASS_RO), .host = c & PF_CLASS_HOST,
				    .loopback = r->net && (c & PF_CLASS_RO),
				    .open_false = in && in->open == RL_OPEN_CREAT };

		if ((c & PF_CLASS_RO) && !r->ro_class)
			continue;
		ret = type_set(e, t, &d, &s[c], &nm[c], &rw[c], &r->keep_all[c], &r->n_keep_all[c]);
		if (ret)
			goto cleanup;
		/* A socket has no path and no name gate: the kernel keeps a class
		 * whole or drops it whole, so any set but the empty one is
		 * everything. */
		if (r->net && (s[c].all || s[c].n || nm[c].n || rw[c].n)) {
			if (!s[c].all && !r->keep_all[c])
				r->keep_all[c] = s[c].n ? "(a rule on the socket's name)"
							: "(a rule on the process name)";
			set_all(&s[c]);
		}
		all_kept &= s[c].all;
	}
	pf->n_types++;
	if (all_kept)
		goto cleanup; /* every event of the type may match: unfiltered */
	r->id = (unsigned)pf->n_types;
	for (unsigned c = 0; c < PF_CLASSES; c++) {
		size_t n0 = pf->n;

		if ((c & PF_CLASS_RO) && !r->ro_class)
			continue;
		ret = add_entries(pf, (uint8_t)(r->id << 2 | c), &s[c], cap);
		if (!ret && !s[c].all) {
			ret = add_names(pf, (uint8_t)(r->id << 2 | c), &nm[c], names_cap);
			r->names[c] = nm[c].n;
		}
		if (!ret && !s[c].all) {
			ret = add_raws(pf, (uint8_t)(r->id << 2 | c), &rw[c]);
			r->raws[c] = rw[c].n;
		}
		if (ret == -E2BIG)
			break; /* too many pieces: the type stays unfiltered, below */
		if (ret)
			goto cleanup;
		r->entries[c] = pf->n - n0;
	}
	if (ret == -E2BIG || pf->n > PF_ENTRIES_MAX || pf->n_names > PF_NAMES_MAX) {
		ret = 0;
		pf->n_raws = raws_before;
		for (unsigned c = 0; c < PF_CLASSES; c++)
			pf->raw_spans[r->id << 2 | c] = (struct pf_raw_span){ 0, 0 };
		memset(r->raws, 0, sizeof(r->raws));
		pf->n = before;
		pf->n_names = names_before;
		pf->gated_ids = gated_before;
		memset(r->names, 0, sizeof(r->names));
		r->id = 0;
		r->keep_all[0] = "(more entries than the kernel map holds)";
		r->n_keep_all[0] = 1;
		goto cleanup;
	}
	pf->spec_bits[sc->nr] = r->id << SC_PF_ID_SHIFT;
	if (r->ro_class && !r->net)
		pf->spec_bits[sc->nr] |= (uint32_t)(in->flags_arg + 1) << SC_PF_FLAGS_SHIFT;
cleanup:
	for (unsigned c = 0; c < PF_CLASSES; c++) {
		set_free(&s[c]);
		set_free(&nm[c]);
		set_free(&rw[c]);
	}
	return ret;
}

int prefilter_build(const struct rules_engine *e, struct prefilter **out)
{
	struct prefilter *pf = calloc(1, sizeof(*pf));
	size_t cap = 0, names_cap = 0;
	int ret = 0;

	*out = NULL;
	if (!pf)
		return -ENOMEM;
	for (size_t i = 0; i < syscall_count() && !ret; i++) {
		const struct syscall_desc *sc = syscall_at(i);

		if (sc->nr < EV_SYSCALL_NR_MAX && filterable(sc, rl_sc_info(sc)))
			ret = build_type(pf, e, sc, &cap, &names_cap);
	}
	if (ret) {
		prefilter_free(pf);
		return ret;
	}
	if (pf->n_names)
		qsort(pf->names, pf->n_names, sizeof(*pf->names), name_key_cmp);
	size_t w = 0; /* two rules may name one process: once in the map */
	for (size_t i = 0; i < pf->n_names; i++)
		if (!w || name_key_cmp(&pf->names[w - 1], &pf->names[i]))
			pf->names[w++] = pf->names[i];
	pf->n_names = w;
	*out = pf;
	return 0;
}

void prefilter_free(struct prefilter *pf)
{
	if (!pf)
		return;
	free(pf->e);
	free(pf->names);
	free(pf);
}

static bool name_gated(const struct prefilter *pf, uint8_t id, const char *comm)
{
	struct pf_name_key k = { .id = id };

	if (!comm)
		return false;
	memcpy(k.comm, comm, strnlen(comm, EV_COMM_LEN - 1));
	return bsearch(&k, pf->names, pf->n_names, sizeof(k), name_key_cmp) != NULL;
}

/*
 * The name gate of pf_name_keep() (bpf/prefilter_names.bpf.h) as far as a
 * record shows it: the thread's comm is the header's; "the leader's comm or
 * a rename mark" the kernel reports with EV_F_PF_NAME on what it kept, and a
 * record made without the filter stands for it by the process table's comm
 * (the leader's comm unless renamed since, and then marked: the argument in
 * that file). So the twin keeps what the kernel keeps, and what user space's
 * proc.name needs.
 */
static bool name_keep(const struct prefilter *pf, uint8_t id, const struct ev_syscall *e,
		      const char *proc_comm)
{
	if (!(pf->gated_ids & (1ull << id)))
		return false;
	return (e->hdr.flags & EV_F_PF_NAME) || name_gated(pf, id, e->hdr.comm) ||
	       name_gated(pf, id, proc_comm);
}

/*
 * The raw-path gate (pf_raw_keep() in bpf/prefilter_raw.bpf.h): kept when
 * the caller's path contains a piece of the class. A record without the
 * caller's path (recorded while no rule read fd.nameraw) is kept.
 */
static bool raw_keep(const struct prefilter *pf, uint8_t id, const struct ev_syscall *e,
		     size_t len)
{
	const char *raw = (const char *)(e + 1) + e->path_len;
	const struct pf_raw_span *sp = &pf->raw_spans[id & (PF_IDS - 1)];

	if (!sp->count)
		return false;
	if (!(e->path_flags & EV_PATH2_RAW1) || !e->path2_len ||
	    sizeof(*e) + e->path_len + e->path2_len > len)
		return true;
	for (size_t i = sp->start; i < (size_t)sp->start + sp->count; i++)
		if (memmem(raw, strnlen(raw, e->path2_len), pf->raws[i].piece, pf->raws[i].len))
			return true;
	return false;
}

/* Must stay the same test as pf_keep() in bpf/prefilter.bpf.h. */
bool prefilter_keep(const struct prefilter *pf, const void *rec, size_t len, bool host,
		    const char *proc_comm)
{
	const struct ev_syscall *e = rec;
	const char *data = (const char *)(e + 1);
	const struct syscall_desc *sc;
	const struct pf_entry *m;
	struct pf_key k;
	uint32_t bits, flags_idx, plen;

	if (len < sizeof(*e) || e->hdr.kind != EV_SYSCALL || e->nr >= EV_SYSCALL_NR_MAX)
		return true;
	bits = pf->spec_bits[e->nr];
	if (SC_PF_ID(bits) && e->sock.family) {
		/* A socket: its class is kept or dropped whole (pf_keep_sock). */
		k.id = (uint8_t)(SC_PF_ID(bits) << 2 | (pf_sock_loopback(e) ? PF_CLASS_RO : 0) |
				 (host ? PF_CLASS_HOST : 0));
		return longest_match(pf->e, pf->n, &k, 0) != NULL;
	}
	plen = e->path_len;
	if (!SC_PF_ID(bits) ||
	    (e->path_flags & (EV_PATH1_RESOLVED | EV_PATH1_USER)) != EV_PATH1_RESOLVED ||
	    (e->hdr.flags & EV_F_EXE_TRUNC) || plen == 0 || plen > PF_PATH_MAX ||
	    sizeof(*e) + plen > len)
		return true;
	flags_idx = SC_ARG_FIELD(bits, SC_PF_FLAGS_SHIFT);
	k.id = (uint8_t)(SC_PF_ID(bits) << 2 | (host ? PF_CLASS_HOST : 0));
	/* openat2 without its struct open_how read: not a read-only open. */
	if ((sc = syscall_by_nr(e->nr)) && (sc->spec & SC_OPEN_HOW) &&
	    !(e->path_flags & EV_ARGS_OPEN_HOW))
		flags_idx = 0;
	if (flags_idx && flags_idx <= 6 &&
	    !(e->args[flags_idx - 1] & (O_ACCMODE_BITS | O_CREAT_BIT)) &&
	    (e->args[flags_idx - 1] & O_TMPFILE_BITS) != O_TMPFILE_BITS)
		k.id |= PF_CLASS_RO;
	for (uint32_t i = 0; i < plen; i++)
		k.path[i] = (uint8_t)data[plen - 1 - i];
	m = longest_match(pf->e, pf->n, &k, plen);
	return (m && ((m->val.flags & PF_KEEP_PREFIX) || m->val.len == plen)) ||
	       name_keep(pf, k.id, e, proc_comm) || raw_keep(pf, k.id, e, len);
}

/* " + any path of processes named a, b": the class's name gate. */
static void describe_names(const struct prefilter *pf, uint8_t id, FILE *f)
{
	const char *sep = " + any path of processes named ";

	for (size_t i = 0; i < pf->n_names; i++) {
		if (pf->names[i].id != id)
			continue;
		fprintf(f, "%s%.*s", sep, EV_COMM_LEN, pf->names[i].comm);
		sep = ", ";
	}
}

/* " + any path opened as a string containing 'p'": the raw-path gate. */
static void describe_raws(const struct prefilter *pf, uint8_t id, FILE *f)
{
	const struct pf_raw_span *sp = &pf->raw_spans[id];

	for (size_t j = sp->start; j < (size_t)sp->start + sp->count; j++)
		fprintf(f, " + any path opened as a string containing '%s'", pf->raws[j].piece);
}

void prefilter_describe(const struct prefilter *pf, FILE *f)
{
	static const char *const cls[PF_CLASSES] = { "opens", "read-only opens",
						     "opens on the host", "read-only opens on the host" };
	static const char *const net_cls[PF_CLASSES] = {
		"sockets", "IPv4 loopback sockets", "sockets on the host",
		"IPv4 loopback sockets on the host" };

	for (size_t i = 0; i < pf->n_types; i++) {
		const struct pf_type_report *r = &pf->types[i];

		fprintf(f, "%s: %s", r->syscall, r->id ? "filtered" : "not filtered");
		for (unsigned c = 0; c < PF_CLASSES; c++) {
			const char *name = r->net ? net_cls[c] : cls[c];

			if ((c & PF_CLASS_RO) && !r->ro_class)
				continue;
			if (r->keep_all[c] && r->n_keep_all[c] > 1)
				fprintf(f, "; %s: %s (rule '%s' and %zu more)", name,
					r->net ? "kept" : "every path", r->keep_all[c],
					r->n_keep_all[c] - 1);
			else if (r->keep_all[c])
				fprintf(f, "; %s: %s (rule '%s')", name,
					r->net ? "kept" : "every path", r->keep_all[c]);
			else if (r->net)
				fprintf(f, "; %s: %s", name, r->entries[c] ? "kept" : "dropped");
			else
				fprintf(f, "; %s: %zu paths/prefixes", name, r->entries[c]);
			if (r->names[c])
				describe_names(pf, (uint8_t)(r->id << 2 | c), f);
			describe_raws(pf, (uint8_t)(r->id << 2 | c), f);
		}
		fputc('\n', f);
	}
}
