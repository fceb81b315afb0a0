/*
 * Internals shared by the files of src/rules/. Not for other folders: they
 * use rules.h. Cross-file functions carry the rl_ prefix.
 */
#ifndef PALISADE_RULES_INTERNAL_H
#define PALISADE_RULES_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules/rules.h"

/* ---- arena: everything a load and compile builds is freed at once ---- */
struct rl_arena_chunk;
struct rl_arena {
	struct rl_arena_chunk *head;
};
void *rl_alloc(struct rl_arena *a, size_t size); /* zeroed; NULL on ENOMEM */
char *rl_strndup(struct rl_arena *a, const char *s, size_t n);
char *rl_strdup(struct rl_arena *a, const char *s);
char *rl_sprintf(struct rl_arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void rl_arena_release(struct rl_arena *a);
size_t rl_arena_bytes(const struct rl_arena *a); /* allocated from the system */

/* A growable array of pointers living in an arena. */
struct rl_vec {
	void **v;
	size_t n, cap;
};
int rl_vec_push(struct rl_arena *a, struct rl_vec *vec, void *p);
/*
 * Room for `need` elements of `size` at *p, which holds `used` of *cap. The
 * arena cannot free, so growth doubles: an outgrown copy stays behind, and n
 * appends cost at most twice their final size (linear, not quadratic).
 */
int rl_reserve(struct rl_arena *a, void **p, size_t *cap, size_t used, size_t need, size_t size);

/* ---- diagnostics ---- */
struct rl_file; /* a loaded YAML file */

struct rl_pos {
	const struct rl_file *file; /* NULL: no position */
	unsigned line, col;         /* 1-based */
};

struct rl_diags {
	struct rules_diag *d;
	size_t n, cap;
	size_t errors;
};
void rl_diag(struct rl_diags *ds, bool error, struct rl_pos pos, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void rl_diags_release(struct rl_diags *ds);
struct rl_ynode;
/* Parses a rule's `action` value (action_spec.c); false after a diagnostic.
 * *playbook_pos: where a playbook is named (for rl_resolve_playbooks). */
bool rl_load_action(struct rl_diags *ds, struct rl_arena *a, const struct rl_ynode *v,
		    struct rules_action_spec *spec, struct rl_pos *playbook_pos);
const char *rl_file_name(const struct rl_file *f);
void rl_file_count_error(const struct rl_file *f);

/* Edit distance, for "did you mean". */
unsigned rl_edit_distance(const char *a, const char *b);
/* The distance when it is below bound, else bound (diag.c). */
unsigned rl_edit_distance_below(const char *a, const char *b, unsigned bound);

/* ---- YAML document with marks ---- */
enum rl_ynode_kind { YN_SCALAR, YN_SEQ, YN_MAP };

struct rl_ynode {
	enum rl_ynode_kind kind;
	struct rl_pos pos;
	size_t raw_start, raw_end; /* byte offsets of the node in the file */
	int style;                 /* yaml_scalar_style_t for scalars */
	char *text;                /* scalars */
	struct rl_ynode **kids;    /* seq items; map: key, value, key, value... */
	size_t n_kids;
	size_t weight;             /* nodes in its expansion (aliases counted in full) */
};

struct rl_file {
	char *name;
	char *raw; /* the file's bytes, NUL-terminated */
	size_t raw_len;
	struct rl_ynode *root;
	size_t errors;
};

/* Parses text into f->root; YAML errors are recorded. 0 or -EINVAL. */
int rl_yaml_parse(struct rl_arena *a, struct rl_diags *ds, struct rl_file *f);
/* Map lookup: the value node for key, or NULL. */
const struct rl_ynode *rl_ymap_get(const struct rl_ynode *map, const char *key);
/* Position of byte `off` of a scalar's value (after YAML unquoting/folding). */
struct rl_pos rl_scalar_offset_pos(const struct rl_ynode *n, size_t off);

/* ---- the loaded collection: lists, macros, rules before compiling ---- */

/* Text of a condition assembled from one or more scalars (append). */
struct rl_text_seg {
	size_t off, len;             /* in the assembled text */
	const struct rl_ynode *node; /* where the piece came from */
};
struct rl_text {
	char *s;
	size_t len, cap; /* cap: bytes at s, grown by doubling (appends stay linear) */
	struct rl_text_seg *segs;
	size_t n_segs, segs_cap;
};
int rl_text_append(struct rl_arena *a, struct rl_text *t, const struct rl_ynode *n);
struct rl_pos rl_text_pos(const struct rl_text *t, size_t off);

struct rl_list_def {
	char *name;
	struct rl_pos pos;
	struct rl_vec items; /* const struct rl_ynode * (scalars) */
	bool used;
};

struct rl_macro_def {
	char *name;
	struct rl_pos pos;
	struct rl_text cond;
	struct rl_ast *ast; /* parsed at compile */
	bool parsed, parse_failed, compile_failed, used, expanding;
};

struct rl_exception {
	char *name;
	struct rl_pos pos;
	const struct rl_ynode *fields; /* scalar or seq */
	const struct rl_ynode *comps;  /* scalar, seq or NULL */
	struct rl_vec values;          /* const struct rl_ynode * */
};

struct rl_rule_def {
	struct rules_rule_info info;
	struct rl_pos pos;
	struct rl_text cond;
	struct rl_text output;
	struct rl_vec tags;       /* char * */
	struct rl_vec exceptions; /* struct rl_exception * */
	bool skip_if_unknown_filter;
	bool warn_evttypes;
	size_t order; /* position of first definition */
	struct rl_pos action_pos; /* where `action` names a playbook */
};

/* name -> definition (names.c); a name is stored by pointer, not copied. */
struct rl_name_slot {
	const char *name;
	void *def;
};
struct rl_names {
	struct rl_name_slot *slots;
	size_t cap, n;
};
void *rl_names_get(const struct rl_names *t, const char *name);
int rl_names_put(struct rl_arena *a, struct rl_names *t, const char *name, void *def);

struct rl_collection {
	struct rl_vec lists, macros, rules; /* in definition order */
	struct rl_names list_names, macro_names, rule_names;
};
struct rl_list_def *rl_find_list(const struct rl_collection *c, const char *name);
struct rl_macro_def *rl_find_macro(const struct rl_collection *c, const char *name);
struct rl_rule_def *rl_find_rule(const struct rl_collection *c, const char *name);
/* Every `action: {playbook: NAME}` gets the configuration's steps (action_spec.c). */
void rl_resolve_playbooks(struct rl_diags *ds, struct rl_arena *a, const struct rules_config *cfg,
			  struct rl_collection *c);

/* Applies cfg's rule selection to the rules' enabled flags (select.c). */
void rl_select_rules(const struct rules_config *cfg, struct rl_collection *c);

/* Interprets the items of one parsed file into the collection. */
void rl_load_items(struct rl_arena *a, struct rl_diags *ds, struct rl_collection *c,
		   struct rl_file *f);

/* ---- fields ---- */
enum rl_ftype {
	FT_STR,
	FT_INT,    /* int64 */
	FT_UINT,   /* uint64 */
	FT_BOOL,
	FT_IPADDR,
	FT_IPNET,
	FT_BYTES,  /* raw bytes (bcontains, bstartswith) */
	FT_ABSTIME, /* ns since the epoch */
	FT_RELTIME, /* ns */
};
const char *rl_ftype_name(enum rl_ftype t);

/* How a field takes an argument. */
enum rl_farg {
	FARG_NONE,
	FARG_INDEX_OPT, /* proc.aname or proc.aname[N]: no index = any ancestor */
	FARG_INDEX_REQ, /* [N] required */
	FARG_KEY_REQ,   /* [anything], e.g. container.mount.dest[/etc] */
	FARG_KEY_OPT,   /* [anything] or nothing, e.g. proc.env, proc.env[HOME] */
	FARG_NAME_REQ,  /* .name, [name] or [N], e.g. evt.arg.flags, evt.arg[0] */
};

struct rl_value {
	enum rl_ftype t;
	const char *s; /* strings and bytes; NUL-terminated for strings */
	size_t len;
	int64_t i;     /* FT_INT; FT_UINT/times/bool use u */
	uint64_t u;
	uint8_t ip[16];
	uint8_t ip_len; /* 4 or 16 */
	uint8_t prefix; /* FT_IPNET */
};

/* Scratch buffer an extractor may write a composed string into. */
struct rl_buf {
	char *p;
	size_t cap;
};

struct rl_field_ref {
	const struct rl_field_def *def;
	char *arg;     /* key or name; NULL when none */
	int index;     /* for FARG_INDEX_*: -1 when absent */
	char *text;    /* as written: "proc.aname[2]" */
};

/* uid -> name, loaded once at engine creation: extractors do no I/O. */
struct rl_idname {
	uint32_t id;
	const char *name;
};
struct rl_idmap {
	struct rl_idname *e; /* sorted by id */
	size_t n;
};
int rl_idmap_load(struct rl_arena *a, const char *path, struct rl_idmap *out);
const char *rl_idmap_get(const struct rl_idmap *m, uint32_t id);

/* dns_names.c: host names of fd.*.name comparisons and their addresses. */
struct rl_dns;
struct rl_dns *rl_dns_new(void);
void rl_dns_free(struct rl_dns *d);
int rl_dns_add(struct rl_arena *a, struct rl_dns *d, const char *name);
size_t rl_dns_count(const struct rl_dns *d);
const char *rl_dns_name(const struct rl_dns *d, size_t i);
void rl_dns_set(struct rl_dns *d, size_t i, const struct rules_addr *addrs, size_t n);
const char *rl_dns_name_of(struct rl_dns *d, const uint8_t *ip, uint8_t ip_len);

struct rl_eval_ctx {
	struct rl_dns *dns;
	const struct event *ev;
	const struct rules_config *cfg;
	const char *hostname;
	uint64_t evt_num;
	int evt_type; /* rl_evttype id */
	int64_t boot_to_real_ns;
	const struct rl_idmap *users, *groups;
	/* Facts of this event that many fields share, computed at most once
	 * per event by the first extractor that needs them (field_ids.h);
	 * whoever builds the context clears it (rl_evmemo_reset). NULL: each
	 * extraction computes them again. */
	struct rl_evmemo *memo;
};

/* The name of a uid / gid for this event's process: its container's accounts
 * when known, else the host's (extract_proc.c); NULL when it has none. */
const char *rl_user_name(const struct rl_eval_ctx *c, uint32_t uid);
const char *rl_group_name(const struct rl_eval_ctx *c, uint32_t gid);

/* Returns true and fills out when the field has a value for this event. */
typedef bool (*rl_extract_fn)(const struct rl_eval_ctx *c, const struct rl_field_ref *r,
			      int anc_index, struct rl_value *out, struct rl_buf *buf);

/* Event sources: a rule's `source:` key; each event type belongs to one,
 * each field to one or more (its row's `sources`, as RL_SRC_BIT()s). */
enum rl_source { RL_SRC_SYSCALL, RL_SRC_DOCKER, RL_SRC_FLOW, RL_SRC_COUNT };
#define RL_SRC_BIT(s) (1u << (s))
int rl_source_parse(const char *name, enum rl_source *out); /* -1: unknown */
const char *rl_source_name(enum rl_source s);

struct rl_field_def {
	const char *name;
	enum rl_ftype type;
	enum rl_farg arg;
	rl_extract_fn extract; /* NULL: not provided yet */
	const char *needs;     /* why not yet: the events/data that will provide it */
	const char *desc;
	int id;                /* which field, for the family's extractor */
	unsigned sources;      /* RL_SRC_BIT()s: the sources whose events it describes */
	/* A list (docker.cap_add): the extractor gives element N at index N
	 * (from 1) and the whole list as text at 0; in a condition `in` means
	 * every element is in the set (true for none), `exists` at least one,
	 * any other operator that some element matches. */
	bool list;
};

const struct rl_field_def *rl_field_table(size_t *n);
/*
 * Resolves "proc.aname[2]", "evt.arg.flags", "container.mount.dest[/x]".
 * Returns 0, -ENOENT (unknown field; *suggest may name a close one), or
 * -EINVAL (bad argument; *why says what).
 */
int rl_field_resolve(struct rl_arena *a, const char *text, size_t len,
		     struct rl_field_ref *out, const char **suggest, const char **why);
const struct proc_entry *rl_ancestor(const struct rl_eval_ctx *c, unsigned n);

/* ---- event types (Falco names) ---- */
#define RL_EVTTYPE_MAX 512
#define RL_EVTSET_WORDS (RL_EVTTYPE_MAX / 64)
struct rl_evtset {
	uint64_t w[RL_EVTSET_WORDS];
};
enum rl_source rl_evttype_source(int id);
int rl_evttype_id(const char *name); /* -1: unknown */
const char *rl_evttype_name(int id);
size_t rl_evttype_count(void);
bool rl_evttype_provided(int id); /* a sensor delivers it today */
int rl_evttype_of_event(const struct event *ev); /* -1: not evaluated */
const char *rl_evttype_suggest(const char *name);
static inline void rl_evtset_add(struct rl_evtset *s, int id)
{
	s->w[id / 64] |= 1ull << (id % 64);
}
static inline bool rl_evtset_has(const struct rl_evtset *s, int id)
{
	return s->w[id / 64] & (1ull << (id % 64));
}
void rl_evtset_all(struct rl_evtset *s);
/* Removes the types of every other source. */
void rl_evtset_keep_source(struct rl_evtset *s, enum rl_source src);
bool rl_evtset_is_all(const struct rl_evtset *s);

/* ---- condition AST ---- */
enum rl_op {
	OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
	OP_IN, OP_INTERSECTS, OP_PMATCH,
	OP_CONTAINS, OP_ICONTAINS, OP_BCONTAINS,
	OP_STARTSWITH, OP_BSTARTSWITH, OP_ENDSWITH,
	OP_GLOB, OP_IGLOB, OP_REGEX, OP_EXISTS,
};
const char *rl_op_name(enum rl_op op);
int rl_op_parse(const char *s, enum rl_op *out);

enum rl_transform { TR_TOLOWER, TR_TOUPPER, TR_B64, TR_BASENAME, TR_LEN };
#define RL_MAX_TRANSFORMS 4

struct rl_fexpr { /* field with transformers, as written */
	char *field;  /* "proc.aname[2]" */
	size_t pos;   /* offset of the field text */
	enum rl_transform tr[RL_MAX_TRANSFORMS]; /* outermost last */
	unsigned n_tr;
};

struct rl_aval { /* a right-hand value as written */
	char *s;
	size_t pos;
	bool quoted;
};

enum rl_ast_kind { AST_AND, AST_OR, AST_NOT, AST_CMP, AST_MACRO };

struct rl_ast {
	enum rl_ast_kind kind;
	size_t pos;                 /* offset in the condition text */
	const struct rl_text *src;  /* for positions */
	struct rl_ast *a, *b;       /* AND/OR/NOT */
	char *macro;                /* AST_MACRO */
	/* AST_CMP */
	struct rl_fexpr lhs;
	enum rl_op op;
	size_t op_pos;
	bool rhs_is_list, rhs_is_field;
	struct rl_aval *vals; /* one value, or the list */
	size_t n_vals;
	struct rl_fexpr rhs_field;
	/* Exceptions build values straight from YAML list nodes. */
	const struct rl_ynode *const *val_nodes;
};

/*
 * Nesting bound for conditions: parentheses and 'not' in one condition, and
 * the whole tree once macros are expanded. Parsing, compiling and evaluating
 * recurse over that tree, so an untrusted rules file must not choose its
 * depth (200000 '(' overflowed the stack).
 */
#define RL_NEST_MAX 1000
/*
 * Bounds on the nodes one condition, and all of them together, compile to.
 * Macros are inlined at every use, so a few lines of macros that each use
 * the next twice would expand to 2^N nodes. Falco's three published files
 * need about 3000 in all, 561 for the largest rule.
 */
#define RL_NODES_MAX 20000
#define RL_TOTAL_NODES_MAX 1000000
/* Bounds on the values one list operand, and all of them together, expand
 * to: lists that name the same list several times multiply. */
#define RL_LIST_VALUES_MAX 1000000
#define RL_TOTAL_LIST_VALUES_MAX 4000000

/* Parses a condition; errors are recorded at their position. NULL on error. */
struct rl_ast *rl_cond_parse(struct rl_arena *a, struct rl_diags *ds, const struct rl_text *src);

/* ---- compiled form ---- */
struct rl_strset; /* hash set of strings */
struct rl_strset *rl_strset_new(struct rl_arena *a, size_t n);
int rl_strset_add(struct rl_arena *a, struct rl_strset *s, const char *str, size_t len);
bool rl_strset_has(const struct rl_strset *s, const char *str, size_t len);
/* rl_strset_add to *s, first moved to a set twice its size when full (or
 * made, when NULL). */
int rl_strset_put(struct rl_arena *a, struct rl_strset **s, const char *str, size_t len);
/* Writes up to max of the strings into out; returns how many the set holds. */
size_t rl_strset_items(const struct rl_strset *s, const char **out, size_t max);
/* Calls fn on every string until it returns non-zero (returned). */
int rl_strset_foreach(const struct rl_strset *s, int (*fn)(const char *str, size_t len, void *ctx),
		      void *ctx);

struct rl_pathset; /* prefixes for pmatch, plain and with globs */
struct rl_pathset *rl_pathset_new(struct rl_arena *a, size_t n);
int rl_pathset_add(struct rl_arena *a, struct rl_pathset *p, const char *path);
bool rl_pathset_match(const struct rl_pathset *p, const char *path, size_t len);
/* True when p holds plain directories only (no globs, not "/"); *exact = them. */
bool rl_pathset_plain(const struct rl_pathset *p, const struct rl_strset **exact);

enum rl_cnode_kind { CN_TRUE, CN_FALSE, CN_AND, CN_OR, CN_NOT, CN_CMP, CN_EVTTYPE };

struct rl_cfexpr {
	struct rl_field_ref ref;
	enum rl_transform tr[RL_MAX_TRANSFORMS];
	unsigned n_tr;
	enum rl_ftype type; /* after transformers */
};

struct rl_ccmp {
	struct rl_cfexpr lhs;
	enum rl_op op;
	/* right side, one of: */
	struct rl_value val;        /* single value */
	struct rl_value *vals;      /* numeric/ip lists */
	size_t n_vals;
	struct rl_strset *set;      /* string lists for in/intersects */
	struct rl_pathset *paths;   /* pmatch */
	void *regex;                /* pcre2_code * */
	struct rl_cfexpr *rhs;      /* val(field) or transformed field */
	/* evt.arg.flags contains NAME: decided on an open's flag bits
	 * (struct rl_flagtest, field_ids.h); NULL: by the text. */
	const struct rl_flagtest *flagtest;
	/* Its slot in the per-event memo of comparisons (cmp_share.c): the
	 * same comparison in several rules is decided once per event. 0: none. */
	uint32_t shared;
	/* Its field's slot in the per-event memo of values (rl_field_share,
	 * rl_vmemo): a field several comparisons read is extracted once. */
	uint32_t value;
};

struct rl_cnode {
	enum rl_cnode_kind kind;
	struct rl_cnode **kids;
	size_t n_kids;
	struct rl_ccmp *cmp;
	struct rl_evtset evts; /* CN_EVTTYPE: the event types it accepts */
};

struct rl_compiler {
	struct rl_arena *a;
	struct rl_diags *ds;
	struct rl_collection *coll;
	struct rl_vec *regexes; /* pcre2_code * to free */
	struct rl_dns *dns;     /* names fd.*.name comparisons mention */
	bool unknown_field_seen; /* skip-if-unknown-filter */
	bool quiet_unknown;      /* do not report unknown fields */
	struct rl_vec *unavailable; /* fields used that are not provided yet */
	unsigned depth;          /* rl_compile_ast nesting, macros included */
	size_t nodes;            /* nodes built for the current tree */
	size_t total_nodes;      /* and for all trees */
	size_t total_values;     /* list values expanded, all trees */
	bool limit_reported;     /* the tree's RL_NEST_MAX/RL_NODES_MAX error is out */
	struct rl_strset *hinted; /* names rl_list_hint checked */
	int source;               /* enum rl_source of the rule being compiled; -1: any
				   * (a macro checked on its own, outputs the configuration
				   * appends to every rule) */
};
/* Warns when an unquoted value in a list operand, which names no list,
 * looks like a list name (list_hint.c). */
void rl_list_hint(struct rl_compiler *cc, const char *name, struct rl_pos at);
/* NULL when the field describes events of the rule's source (cc->source),
 * else why not: the words of an error (fields.c). */
const char *rl_field_source_error(const struct rl_compiler *cc, const struct rl_field_def *d);
struct rl_cnode *rl_compile_ast(struct rl_compiler *cc, const struct rl_ast *ast);
/* Builds the AST of a rule's exceptions: NULL if none. */
struct rl_ast *rl_exceptions_ast(struct rl_compiler *cc, struct rl_rule_def *r);
void rl_compile_evtset(const struct rl_cnode *n, struct rl_evtset *out);
/*
 * The tree n evaluates to on events of type t, with evt.type checks folded
 * to constants and the constants folded away (unchanged subtrees shared).
 * NULL on ENOMEM.
 */
struct rl_cnode *rl_cnode_for_type(struct rl_arena *a, struct rl_cnode *n, int t);
/* The tree (or output format) reads the field of that table name. */
bool rl_cnode_uses_field(const struct rl_cnode *n, const char *name);
struct rl_format;
bool rl_format_uses_field(const struct rl_format *f, const char *name);
/* false: the condition can never be true with the fields provided today. */
bool rl_cnode_can_fire(const struct rl_cnode *n);

/* Evaluation. */
struct rl_scratch {
	struct rl_buf lhs, rhs, tmp, tmp2;
	void *match;     /* pcre2_match_data *, created once per engine */
	void *match_ctx; /* pcre2_match_context *: the bounds of one match */
	int regex_error; /* the last failed match's PCRE2 code, 0: none */
	uint64_t regex_errors;
};
/* A condition's value: Kleene's three-valued logic. RL_UNKNOWN comes from a
 * comparison that could not be decided (a regex that hit a bound); `and`
 * with a false side is false, `or` with a true side is true, else unknown. */
enum rl_truth { RL_FALSE = 0, RL_TRUE = 1, RL_UNKNOWN = 2 };
/*
 * A condition laid out flat for evaluation (program.c): its nodes in prefix
 * order in one array, each with the size of its subtree, so that the
 * conditions of one event type are read in sequence instead of chased
 * through pointers. rl_eval_insn (eval.c) gives a condition's truth for
 * the event of c from its program.
 */
struct rl_insn {
	uint8_t kind;    /* enum rl_cnode_kind */
	uint32_t shared; /* CN_CMP: its ccmp->shared */
	uint32_t size;   /* this node and its subtree: the next sibling is this + size */
	union {
		const struct rl_ccmp *cmp;    /* CN_CMP */
		const struct rl_evtset *evts; /* CN_EVTTYPE */
	};
};
size_t rl_insn_count(const struct rl_cnode *n);
/* Writes n's program at out (rl_insn_count(n) entries). */
void rl_insn_emit(const struct rl_cnode *n, struct rl_insn *out);
enum rl_truth rl_eval_insn(const struct rl_eval_ctx *c, const struct rl_insn *n,
			   struct rl_scratch *s);
/*
 * The guards of program p: the shared numbers (cmp_share.c) of the
 * comparisons its truth needs true, p itself or the kids of its top `and`
 * (at most max, in order; returns how many). When the memo already holds
 * one of them false for the event, p is false (an `and` with a false side
 * is false in Kleene's logic too) and need not be run.
 */
#define RL_GUARDS 4
size_t rl_insn_guards(const struct rl_insn *p, uint32_t *out, size_t max);

/*
 * Comparisons the rules of an engine repeat (each use of a macro is compiled
 * again): rl_cmp_share numbers each distinct one that depends on the event
 * alone (ccmp->shared, from 1) over the given trees and returns how many it
 * numbered; equal comparisons get the same number.
 */
uint32_t rl_cmp_share(const struct rl_cnode *const *const *trees, const uint32_t *n_trees,
		      size_t n_lists);
/* The same for the fields (with their transformers) that comparisons read
 * once (ccmp->value): equal fields get the same number. */
uint32_t rl_field_share(const struct rl_cnode *const *const *trees, const uint32_t *n_trees,
			size_t n_lists);
bool rl_strset_equal(const struct rl_strset *a, const struct rl_strset *b);
/* Why a regex match failed, for an alert: "regex match limit exceeded". */
const char *rl_regex_error_text(int pcre2_error);
bool rl_extract_fexpr(const struct rl_eval_ctx *c, const struct rl_cfexpr *f, int anc,
		      struct rl_value *out, struct rl_buf *buf, struct rl_buf *tmp);
int rl_value_parse(struct rl_arena *a, enum rl_ftype t, const char *s, struct rl_value *out,
		   const char **why);

/* The compiled condition of rule i (exceptions included), NULL when it did
 * not compile; the engine's arena, for analyses that build results. */
const struct rl_cnode *rl_engine_rule_cond(const struct rules_engine *e, size_t i);
struct rl_arena *rl_engine_arena(struct rules_engine *e);

/* ---- output formatting ---- */
struct rl_fmt_piece {
	const char *lit; /* literal text, or NULL for a field */
	size_t lit_len;
	size_t field;    /* a field: its index in rl_format.fields */
};
struct rl_format_extra;
/* Pieces and fields grow by doubling (rl_reserve): memory stays linear in
 * the output's length; a field shown many times is stored once. */
struct rl_format {
	struct rl_fmt_piece *p;
	size_t n, p_cap;
	struct rl_cfexpr *fields; /* distinct fields, in order of appearance */
	size_t n_fields, fields_cap;
	/* append_output's named fields: in output_fields after the others,
	 * each the text its format renders to. */
	struct rl_format_extra *extra;
	size_t n_extra;
};
struct rl_format_extra {
	const char *key;
	struct rl_format fmt;
};
/* Output values a rendering of f fills: fields, then extras. */
static inline size_t rl_format_values(const struct rl_format *f)
{
	return f->n_fields + f->n_extra;
}
/* Appends more's text after a blank, and its fields (append_output). */
int rl_format_join(struct rl_arena *a, struct rl_format *f, const struct rl_format *more);
/* Adds a field to output_fields only, unless it is there already. */
int rl_format_add_value(struct rl_arena *a, struct rl_format *f, const struct rl_cfexpr *x);
/* Adds the output field `key` whose value is sub rendered as text. */
int rl_format_add_extra(struct rl_arena *a, struct rl_format *f, const char *key,
			const struct rl_format *sub);
/* Compiles each of cfg's append_output entries once, reporting problems at
 * its `where`; -EINVAL when any has one (append_output.c). */
int rl_append_check(struct rl_compiler *cc, const struct rules_config *cfg);
/* Applies the entries that match rule d to its format, without messages. */
int rl_append_output(struct rl_compiler *cc, const struct rules_config *cfg,
		     const struct rl_rule_def *d, struct rl_format *f);
int rl_format_compile(struct rl_compiler *cc, const struct rl_text *src, struct rl_format *out);
/* Appends " label=%field" unless the output already shows that field. */
int rl_format_add(struct rl_arena *a, struct rl_format *f, const char *label, const char *field);
/* Formats into buf (always NUL-terminated); fills vals[] for the fields. */
size_t rl_format_render(const struct rl_eval_ctx *c, const struct rl_format *f, char *buf,
			size_t cap, struct rules_value *vals, char *vbuf, size_t vcap,
			struct rl_scratch *s);

/* ---- rate limiting ---- */
struct rl_limiter;
int rl_limiter_new(const struct rules_config *cfg, struct rl_limiter **out);
void rl_limiter_free(struct rl_limiter *l);
/* 0: deliver; 1: rate-limited; 2: duplicate. */
int rl_limiter_check(struct rl_limiter *l, uint32_t rule, uint64_t container_key,
		     uint64_t now_ns, uint64_t output_hash, uint64_t *evictions);

uint64_t rl_hash(const void *p, size_t len);

/* ---- what the pre-filter analysis reads (prefilter.c) ---- */
/* The specialised conditions of the active rules indexed for event type t;
 * names[i] is the rule of conds[i]. Returns how many. */
size_t rl_engine_type_conds(const struct rules_engine *e, int t,
			    const struct rl_cnode *const **conds, const char **names, size_t max);
/* Calls fn on each entry of a pmatch set: exact prefixes, globs, and "/" for root. */
void rl_pathset_foreach(const struct rl_pathset *p, void (*fn)(const char *path, bool glob, void *ctx),
			void *ctx);

#endif
