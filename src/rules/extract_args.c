/*
 * Arguments of syscall events (EV_SYSCALL) as Falco rules see them:
 * evt.arg.NAME / evt.arg[N] rendered as text (paths absolute, flags and
 * enums by their symbolic names: "O_WRONLY|O_CREAT|O_TRUNC", "AF_PACKET",
 * "PTRACE_ATTACH", "S_ISUID", uids by user name), evt.rawarg as the raw
 * value, evt.args, and the errno names of evt.res.
 *
 * The argument names come from the one syscall table (src/event/syscalls.c);
 * what is derived here from those names (which argument holds the open
 * flags, which path is free text rather than a file, ...) is computed once
 * per syscall and cached by table index. No allocation per event: composed
 * strings go to the caller's scratch buffer.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "event/syscalls.h"
#include "proc/proc.h"
#include "rules/field_ids.h"

/* How an argument renders as text. */
enum arg_kind {
	AK_NUM,      /* unsigned decimal */
	AK_INT,      /* int: fds, pids, signals as signed 32-bit */
	AK_HEX,      /* addresses */
	AK_OCT,      /* permission bits of open/mkdir */
	AK_FLAGS,    /* bit set, names from a table */
	AK_ENUM,     /* one value, name from a table */
	AK_MODE,     /* chmod family: S_I* names */
	AK_OPEN,     /* open flags: access mode then the other bits */
	AK_UID,      /* user name when known */
	AK_GID,      /* group name when known */
	AK_SIGNAL,   /* SIGKILL */
	AK_PATH1,    /* path 1 of the record */
	AK_PATH2,    /* path 2 of the record */
	AK_TEXT1,    /* path 1 is free text (symlink target, module name) */
	AK_TEXT2,    /* path 2 is free text (mount device) */
	AK_SOCKADDR, /* the sockaddr the caller passed */
	AK_POINTER,  /* a user pointer to data palisade does not read */
};

struct arg_info {
	uint8_t kind; /* enum arg_kind */
	const struct sc_names *tab;
};

static struct sc_cache {
	struct arg_info arg[6];
	struct rl_sc_info info;
} cache[EV_SYSCALL_NR_MAX];
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;
/* The syscall table's bounds, kept by build_cache: the per-field lookups
 * below are then two compares, with no call into the table's file and no
 * pthread_once once cache_built reads true. */
static const struct syscall_desc *table_first;
static size_t table_n;
static bool cache_built;

/* What an argument is: its row's kind, with a path told apart as path 1 or
 * 2 of the record by the spec. */
static bool is(const char *a, const char *b)
{
	return !strcmp(a, b);
}

static struct arg_info classify(const struct syscall_desc *sc, unsigned i, unsigned p1,
				unsigned p2)
{
	static const uint8_t kinds[] = {
		[SA_NONE] = AK_NUM,	    [SA_NUM] = AK_NUM,	     [SA_INT] = AK_INT,
		[SA_DIRFD] = AK_INT,	    [SA_HEX] = AK_HEX,	     [SA_OCT] = AK_OCT,
		[SA_FLAGS] = AK_FLAGS,	    [SA_ENUM] = AK_ENUM,     [SA_MODE] = AK_MODE,
		[SA_OPEN] = AK_OPEN,	    [SA_UID] = AK_UID,	     [SA_GID] = AK_GID,
		[SA_SIGNAL] = AK_SIGNAL,    [SA_PATH] = AK_PATH1,    [SA_TEXT] = AK_TEXT1,
		[SA_SOCKADDR] = AK_SOCKADDR, [SA_POINTER] = AK_POINTER,
	};
	const struct sc_arg *a = &sc->args[i];
	struct arg_info info = { a->kind < sizeof(kinds) ? kinds[a->kind] : AK_NUM, a->names };

	if (i + 1 == p2 && a->kind == SA_PATH)
		info.kind = AK_PATH2;
	else if (i + 1 == p2 && a->kind == SA_TEXT)
		info.kind = AK_TEXT2;
	else if ((a->kind == SA_PATH || a->kind == SA_TEXT) && i + 1 != p1)
		info.kind = AK_POINTER; /* a path the record does not carry */
	/* An enumeration or flag set without a table shows as a number. */
	if ((info.kind == AK_FLAGS || info.kind == AK_ENUM) && !info.tab)
		info.kind = AK_HEX;
	return info;
}

/* The row's roles as the rule engine keeps them. */
static void derive_info(const struct syscall_desc *sc, const struct sc_cache *c, unsigned p1,
			unsigned p2, struct rl_sc_info *info)
{
	info->path1_arg = (int8_t)p1 - 1;
	info->path2_arg = (int8_t)p2 - 1;
	info->path1_text = p1 && c->arg[p1 - 1].kind == AK_TEXT1;
	info->path2_text = p2 && c->arg[p2 - 1].kind == AK_TEXT2;
	/* The directory a relative path 2 is relative to: the argument before
	 * it when that is a directory fd (renameat, linkat, ...). */
	info->path2_dirfd_arg = p2 >= 2 && sc->args[p2 - 2].kind == SA_DIRFD ? (int8_t)(p2 - 2) : -1;
	info->path1_dirfd_arg = (int8_t)SC_ARG_FIELD(sc->spec, SC_DIRFD_ARG_SHIFT) - 1;
	info->flags_arg = (int8_t)syscall_arg_index(sc, "flags");
	info->mode_arg = (int8_t)syscall_arg_index(sc, "mode");
	info->open = sc->open == SCO_FLAGS || sc->open == SCO_HOW ? RL_OPEN_FLAGS
		     : sc->open == SCO_CREAT ? RL_OPEN_CREAT : info->open;
	info->open_how = sc->open == SCO_HOW;
	info->memfd = sc->fd == FDE_MEMFD;
	info->fd_arg0 = (sc->spec & SC_FD_ARG0) || sc->fd == FDE_CLOSE;
	if (sc->fd == FDE_ACCEPT || sc->fd == FDE_LISTEN || sc->fd == FDE_BIND)
		info->role = RL_ROLE_SERVER;
	else if (sc->fd == FDE_CONNECT || sc->fd == FDE_SOCKET || (sc->traits & SCT_SEND))
		info->role = RL_ROLE_CLIENT;
	info->is_connect = sc->fd == FDE_CONNECT;
	info->is_bind = sc->fd == FDE_BIND;
	info->sends = (sc->traits & SCT_SEND) != 0;
	/* Filesystem syscalls without an fd of their own (unlink, rename,
	 * mkdir, chmod, link, symlink): fd.name is the path they act on. */
	info->fdless_file = sc->family == SCF_FILE && !(sc->spec & (SC_FD_RET | SC_FD_ARG0)) && p1;
}

static void build_cache(void)
{
	size_t n = syscall_count();

	for (size_t k = 0; k < n && k < EV_SYSCALL_NR_MAX; k++) {
		const struct syscall_desc *sc = syscall_at(k);
		struct sc_cache *c = &cache[k];
		unsigned p1 = SC_ARG_FIELD(sc->spec, SC_PATH_ARG_SHIFT);
		unsigned p2 = SC_ARG_FIELD(sc->spec, SC_PATH2_ARG_SHIFT);

		for (unsigned i = 0; i < 6; i++)
			if (sc->args[i].name)
				c->arg[i] = classify(sc, i, p1, p2);
		derive_info(sc, c, p1, p2, &c->info);
	}
	table_first = syscall_at(0);
	table_n = n;
	__atomic_store_n(&cache_built, true, __ATOMIC_RELEASE);
}

/* The row's slot in cache[], or SIZE_MAX. */
static size_t cache_slot(const struct syscall_desc *sc)
{
	if (!__atomic_load_n(&cache_built, __ATOMIC_ACQUIRE))
		pthread_once(&cache_once, build_cache);
	if (!sc || !table_first || sc < table_first || sc >= table_first + table_n ||
	    (size_t)(sc - table_first) >= EV_SYSCALL_NR_MAX)
		return SIZE_MAX;
	return (size_t)(sc - table_first);
}

const struct rl_sc_info *rl_sc_info(const struct syscall_desc *sc)
{
	size_t k = cache_slot(sc);

	return k == SIZE_MAX ? NULL : &cache[k].info;
}

static const struct arg_info *arg_info(const struct syscall_desc *sc, unsigned i)
{
	size_t k = cache_slot(sc);

	return k == SIZE_MAX || i >= 6 ? NULL : &cache[k].arg[i];
}

size_t rl_clone_flags_text(uint64_t flags, char *p, size_t cap)
{
	if (!cap)
		return 0;
	p[0] = '\0';
	return sc_flags_text(flags, &sc_clone_names, p, 0, cap);
}

/* The access mode's name, first in an open's flags text. */
static const char *open_acc_name(uint64_t flags)
{
	switch (flags & O_ACCMODE) {
	case O_WRONLY: return "O_WRONLY";
	case O_RDWR: return "O_RDWR";
	case O_RDONLY: return "O_RDONLY";
	default: return "O_ACCMODE";
	}
}

size_t rl_open_flags_text(uint64_t flags, char *p, size_t cap)
{
	const char *acc = open_acc_name(flags);
	size_t w;

	if (!cap)
		return 0;
	w = strlen(acc);
	if (w >= cap)
		return 0;
	memcpy(p, acc, w + 1);
	flags &= ~(uint64_t)O_ACCMODE;
	return sc_flags_text(flags, &sc_open_names, p, w, cap);
}

/* The bits of the names in `which` when each is one bit that no other name
 * of t has (then such a name is in the text exactly when its bit is set,
 * O_CREAT); 0 when the walk must decide (O_DSYNC is within O_SYNC). */
static uint64_t names_as_bits(const struct sc_names *t, uint64_t which)
{
	uint64_t bits = 0;

	for (size_t i = 0; i < t->n && i < 64; i++) {
		uint64_t b = t->v[i].bit;

		if (!(which & ((uint64_t)1 << i)))
			continue;
		if (!b || (b & (b - 1)) || (b & O_ACCMODE))
			return 0;
		for (size_t j = 0; j < t->n; j++)
			if (j != i && (t->v[j].bit & b))
				return 0;
		bits |= b;
	}
	return bits;
}

bool rl_open_flagtest_init(struct rl_flagtest *f, const char *needle, size_t len)
{
	/* Within one name only: without '|' the needle cannot span two, and
	 * with an upper-case letter or '_' it cannot fall in the "0x..." of
	 * unnamed bits (lower-case hex digits). */
	if (!len || memchr(needle, '|', len) || strlen(needle) != len ||
	    !needle[strcspn(needle, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_")])
		return false;
	if (sc_open_names.n > 64)
		return false;
	f->names = sc_names_containing(&sc_open_names, needle);
	f->bits = names_as_bits(&sc_open_names, f->names);
	f->acc = 0;
	for (unsigned m = 0; m <= O_ACCMODE; m++)
		if (strstr(open_acc_name(m), needle))
			f->acc |= (uint8_t)(1u << m);
	return true;
}

bool rl_open_flags_contain(uint64_t flags, const struct rl_flagtest *f)
{
	if (f->acc & (1u << (flags & O_ACCMODE)))
		return true;
	if (f->bits)
		return (flags & f->bits) != 0;
	return sc_flags_named(flags & ~(uint64_t)O_ACCMODE, &sc_open_names, f->names);
}

const char *rl_errno_name(int64_t res, char *tmp, size_t cap)
{
	const char *s;

	if (res >= 0)
		return "SUCCESS";
	s = res > -4096 ? strerrorname_np((int)-res) : NULL;
	if (s)
		return s;
	snprintf(tmp, cap, "%" PRId64, res);
	return tmp;
}

/* openat2's args 2..4 are its struct open_how's flags, mode and resolve only
 * when the sensor could read it (EV_ARGS_OPEN_HOW); else they are unknown. */
static bool open_how_unknown(const struct event *ev, const struct rl_sc_info *in, unsigned i)
{
	return in && in->open_how && i >= 2 && i <= 4 && !(ev->path_flags & EV_ARGS_OPEN_HOW);
}

bool rl_sc_open_flags(const struct event *ev, uint64_t *flags, uint64_t *mode)
{
	const struct rl_sc_info *in;

	if (ev->kind != EV_SYSCALL || !ev->sc_args)
		return false;
	in = rl_sc_info(ev->sc);
	if (!in || in->open == RL_OPEN_NONE || open_how_unknown(ev, in, 2))
		return false;
	if (in->open == RL_OPEN_CREAT) {
		*flags = O_CREAT | O_WRONLY | O_TRUNC;
		*mode = in->mode_arg >= 0 ? ev->sc_args[in->mode_arg] : 0;
		return true;
	}
	if (in->flags_arg < 0)
		return false;
	*flags = ev->sc_args[in->flags_arg];
	*mode = in->mode_arg >= 0 ? ev->sc_args[in->mode_arg] : 0;
	return true;
}

/* The record an EV_SYSCALL event was decoded from, when it is one. */
static const struct ev_syscall *record(const struct event *ev)
{
	const struct ev_syscall *e = (const struct ev_syscall *)(const void *)ev->hdr;

	if (!e || ev->kind != EV_SYSCALL || e->hdr.kind != EV_SYSCALL ||
	    e->hdr.size < sizeof(*e) || (uint64_t)e->hdr.size < sizeof(*e) + (uint64_t)e->path_len)
		return NULL;
	return e;
}

const char *rl_sc_raw_path1(const struct event *ev, size_t *len)
{
	const struct ev_syscall *e = record(ev);
	const char *data;

	if (!e)
		return NULL;
	data = (const char *)(e + 1);
	/* A resolved path 1 (successful open) with the caller's string beside it. */
	if ((e->path_flags & EV_PATH2_RAW1) && e->path2_len &&
	    (uint64_t)e->hdr.size >= sizeof(*e) + (uint64_t)e->path_len + e->path2_len) {
		*len = strnlen(data + e->path_len, e->path2_len);
		return data + e->path_len;
	}
	if (!(e->path_flags & EV_PATH1_USER) || !e->path_len)
		return NULL;
	*len = strnlen(data, e->path_len);
	return data;
}

bool rl_set_raw_path1(const struct event *ev, struct rl_value *out, struct rl_buf *buf)
{
	size_t len;
	const char *s = rl_sc_raw_path1(ev, &len);

	if (!s)
		return false;
	if (len >= buf->cap)
		len = buf->cap - 1;
	memcpy(buf->p, s, len);
	return rl_set_buf(out, buf, len);
}

/* Joins base and rel into buf and normalises: an absolute path. */
static size_t join_abs(const char *base, size_t base_len, const char *rel, struct rl_buf *buf)
{
	int w;

	if (base_len >= buf->cap)
		return 0;
	w = snprintf(buf->p, buf->cap, "%.*s/%s", (int)base_len, base, rel);
	if (w < 0 || (size_t)w >= buf->cap)
		return 0;
	event_normalize_path(buf->p);
	return strlen(buf->p);
}

bool rl_sc_path2(const struct rl_eval_ctx *c, struct rl_value *out, struct rl_buf *buf)
{
	const struct event *ev = c->ev;
	const struct rl_sc_info *in = rl_sc_info(ev->sc);
	const struct ev_syscall *e;
	const char *p2 = ev->path2;
	int64_t d2 = -100, d1 = -100; /* AT_FDCWD */
	size_t n;

	if (!in || !p2 || !p2[0])
		return false;
	if (p2[0] == '/' || in->path2_text) {
		if (p2[0] == '/' && !in->path2_text) {
			n = strnlen(p2, buf->cap - 1);
			memcpy(buf->p, p2, n);
			buf->p[n] = '\0';
			event_normalize_path(buf->p);
			return rl_set_buf(out, buf, strlen(buf->p));
		}
		return rl_set_str(out, p2);
	}
	if (in->path2_dirfd_arg >= 0 && ev->sc_args)
		d2 = (int32_t)ev->sc_args[in->path2_dirfd_arg];
	if (in->path1_dirfd_arg >= 0 && ev->sc_args)
		d1 = (int32_t)ev->sc_args[in->path1_dirfd_arg];
	/* The kernel resolved the directory of a relative path 1: reuse it
	 * when path 2 is relative to the same directory. */
	e = record(ev);
	if (e && (e->path_flags & EV_BASE_RESOLVED) && d1 == d2 &&
	    (uint64_t)e->hdr.size >= sizeof(*e) + (uint64_t)e->path_len + e->path2_len + e->base_len) {
		char base[EV_PATH_MAX + 1];
		size_t bl = event_join_path((const char *)(e + 1) + e->path_len + e->path2_len,
					    e->base_len, 0, base, sizeof(base));

		n = join_abs(base, bl, p2, buf);
		return n ? rl_set_buf(out, buf, n) : false;
	}
	/* Else the cwd the process table knows (as of its last exec). */
	if (d2 == -100 && ev->proc && ev->proc->cwd && ev->proc->cwd[0] == '/') {
		n = join_abs(ev->proc->cwd, strlen(ev->proc->cwd), p2, buf);
		return n ? rl_set_buf(out, buf, n) : false;
	}
	return rl_set_str(out, p2); /* relative to a directory fd we cannot name */
}

static bool text(struct rl_value *out, struct rl_buf *buf, int n)
{
	return n > 0 && rl_set_buf(out, buf, (size_t)n < buf->cap ? (size_t)n : buf->cap - 1);
}

static const char *enum_name(const struct sc_names *t, uint64_t v)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].bit == v)
			return t->v[i].name;
	return NULL;
}

static bool id_name(const struct rl_eval_ctx *c, bool user, uint64_t v, struct rl_value *out,
		    struct rl_buf *buf)
{
	uint32_t id = (uint32_t)v;
	const char *name;

	if (id == UINT32_MAX)
		return rl_set_str(out, "-1"); /* "unchanged" */
	name = user ? rl_user_name(c, id) : rl_group_name(c, id);
	if (name)
		return rl_set_str(out, name);
	return text(out, buf, snprintf(buf->p, buf->cap, "%" PRIu32, id));
}

/* The sockaddr the caller passed, as Falco prints it: ip:port or a path. */
static bool sockaddr_text(const struct event *ev, struct rl_value *out, struct rl_buf *buf)
{
	struct rl_endpoint ep;
	const char *path = NULL;
	size_t n = 0;

	switch (rl_parse_sockaddr(ev->uaddr, ev->uaddr_len, &ep, &path, &n)) {
	case AF_INET:
	case AF_INET6:
		n = rl_endpoint_text(&ep, buf->p, buf->cap);
		return n && rl_set_buf(out, buf, n);
	case AF_UNIX:
		if (n + 1 >= buf->cap)
			return false;
		memcpy(buf->p, path, n);
		if (!path[0])
			buf->p[0] = '@'; /* abstract name */
		return rl_set_buf(out, buf, n);
	default:
		return false;
	}
}

static bool render(const struct rl_eval_ctx *c, unsigned i, bool raw, struct rl_value *out,
		   struct rl_buf *buf)
{
	const struct event *ev = c->ev;
	const struct arg_info *a = arg_info(ev->sc, i);
	uint64_t v = ev->sc_args[i];
	const char *s;

	if (!a || open_how_unknown(ev, rl_sc_info(ev->sc), i))
		return false;
	switch (a->kind) {
	case AK_PATH1:
		if (raw && rl_set_raw_path1(ev, out, buf))
			return true;
		return ev->path[0] && rl_set_str(out, ev->path);
	case AK_TEXT1:
		return rl_set_raw_path1(ev, out, buf);
	case AK_PATH2:
		if (raw)
			return ev->path2 && ev->path2[0] && rl_set_str(out, ev->path2);
		return rl_sc_path2(c, out, buf);
	case AK_TEXT2:
		return ev->path2 && ev->path2[0] && rl_set_str(out, ev->path2);
	case AK_SOCKADDR:
		return sockaddr_text(ev, out, buf);
	case AK_POINTER:
		return false;
	default:
		break;
	}
	if (raw) {
		if (a->kind == AK_INT)
			return text(out, buf, snprintf(buf->p, buf->cap, "%" PRId32, (int32_t)v));
		return text(out, buf, snprintf(buf->p, buf->cap, "%" PRIu64, v));
	}
	switch (a->kind) {
	case AK_INT:
		return text(out, buf, snprintf(buf->p, buf->cap, "%" PRId32, (int32_t)v));
	case AK_HEX:
		return text(out, buf, snprintf(buf->p, buf->cap, "0x%" PRIx64, v));
	case AK_OCT:
		return text(out, buf, snprintf(buf->p, buf->cap, "%#" PRIo64, v & 07777));
	case AK_MODE:
		if (!(v & 07777))
			return rl_set_str(out, "0");
		return text(out, buf, (int)sc_flags_text(v & 07777, &sc_mode_names, buf->p, 0,
							 buf->cap));
	case AK_OPEN:
		return text(out, buf, (int)rl_open_flags_text(v, buf->p, buf->cap));
	case AK_FLAGS:
		if (!v)
			return rl_set_str(out, "0");
		return text(out, buf, (int)sc_flags_text(v, a->tab, buf->p, 0, buf->cap));
	case AK_ENUM:
		s = enum_name(a->tab, v);
		if (s)
			return rl_set_str(out, s);
		return text(out, buf, snprintf(buf->p, buf->cap, "%" PRIu64, v));
	case AK_UID:
	case AK_GID:
		return id_name(c, a->kind == AK_UID, v, out, buf);
	case AK_SIGNAL:
		s = (int64_t)v > 0 && v < 65 ? sigabbrev_np((int)v) : NULL;
		if (s)
			return text(out, buf, snprintf(buf->p, buf->cap, "SIG%s", s));
		return text(out, buf, snprintf(buf->p, buf->cap, "%" PRId32, (int32_t)v));
	default:
		return text(out, buf, snprintf(buf->p, buf->cap, "%" PRIu64, v));
	}
}

int rl_sc_flags_contain(const struct rl_eval_ctx *c, const struct rl_flagtest *f)
{
	const struct event *ev = c->ev;
	size_t k = ev->kind == EV_SYSCALL && ev->sc_args ? cache_slot(ev->sc) : SIZE_MAX;
	const struct rl_sc_info *in;
	int fa;

	if (k == SIZE_MAX)
		return -1;
	in = &cache[k].info;
	fa = in->flags_arg;
	if (fa < 0 || fa >= 6 || cache[k].arg[fa].kind != AK_OPEN ||
	    open_how_unknown(ev, in, (unsigned)fa))
		return -1;
	return rl_open_flags_contain(ev->sc_args[fa], f);
}

bool rl_sc_arg(const struct rl_eval_ctx *c, const char *name, int index, bool raw,
	       struct rl_value *out, struct rl_buf *buf)
{
	const struct event *ev = c->ev;
	const struct syscall_desc *sc = ev->sc;
	int k;

	if (ev->kind != EV_SYSCALL || !sc || !ev->sc_args)
		return false;
	if (index >= 0) {
		/* evt.arg[N]: the N-th named argument of the syscall table. */
		int seen = -1;

		for (k = 0; k < 6; k++) {
			if (sc->args[k].name && ++seen == index)
				break;
		}
		if (k == 6)
			return false;
		return render(c, (unsigned)k, raw, out, buf);
	}
	if (!name)
		return false;
	k = syscall_arg_index(sc, name);
	if (k >= 0)
		return render(c, (unsigned)k, raw, out, buf);
	/* Falco's exit events also carry the result: res, or fd for calls
	 * returning one (open, socket, accept), res_or_fd for bpf. */
	if (is(name, "res") || is(name, "res_or_fd") || (is(name, "fd") && (sc->spec & SC_FD_RET))) {
		char tmp[32];

		if (!raw && is(name, "res") && ev->res < 0)
			return text(out, buf, snprintf(buf->p, buf->cap, "%s",
						       rl_errno_name(ev->res, tmp, sizeof(tmp))));
		return text(out, buf, snprintf(buf->p, buf->cap, "%" PRId64, ev->res));
	}
	return false;
}

size_t rl_sc_args_text(const struct rl_eval_ctx *c, char *p, size_t cap)
{
	const struct event *ev = c->ev;
	const struct syscall_desc *sc = ev->sc;
	char tmpbuf[EV_PATH_MAX + 64];
	struct rl_buf tmp = { tmpbuf, sizeof(tmpbuf) };
	char errbuf[32];
	size_t n = 0;
	int w;

	if (ev->kind != EV_SYSCALL || !sc || !ev->sc_args || !cap)
		return 0;
	if (ev->res < 0)
		w = snprintf(p, cap, "res=%s", rl_errno_name(ev->res, errbuf, sizeof(errbuf)));
	else
		w = snprintf(p, cap, "res=%" PRId64, ev->res);
	if (w < 0 || (size_t)w >= cap)
		return 0;
	n = (size_t)w;
	for (unsigned i = 0; i < 6; i++) {
		struct rl_value v;

		if (!sc->args[i].name || !render(c, i, false, &v, &tmp))
			continue;
		w = snprintf(p + n, cap - n, " %s=%.*s", sc->args[i].name, (int)v.len, v.s);
		if (w < 0 || (size_t)w >= cap - n)
			break;
		n += (size_t)w;
	}
	return n;
}
