/*
 * proc.*, thread.*, user.* and group.* extractors. The process comes from
 * the process table entry the agent attached to the event (ev->proc); when
 * that is missing (table full, early event) the event header still tells
 * pid, uids and comm, so those fields keep working.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container/container.h"
#include "fd/fd_table.h"
#include "proc/proc.h"
#include "rules/field_ids.h"

/* The exec sensor names stdio fds with the fd table's types. */
_Static_assert(EV_STDIO_FILE == FD_T_FILE && EV_STDIO_DIR == FD_T_DIR &&
		       EV_STDIO_IPV4 == FD_T_IPV4 && EV_STDIO_IPV6 == FD_T_IPV6 &&
		       EV_STDIO_UNIX == FD_T_UNIX && EV_STDIO_NETLINK == FD_T_NETLINK &&
		       EV_STDIO_SOCK_OTHER == FD_T_SOCK_OTHER && EV_STDIO_PIPE == FD_T_PIPE,
	       "EV_STDIO_* and enum fd_type differ");

struct pview {
	const char *comm, *exe, *args, *cwd;
	uint32_t args_len;
	uint32_t pid, ppid, vpid, tty, loginuid, sessionid, uid, gid, euid, mnt_ns, pid_ns;
	uint64_t start_ns;
	struct exe_info exe_info;
	bool trunc;
	struct ev_pgrp pgrp;
	bool pgrp_known;
	const char *env; /* NULL: not read */
	uint32_t env_len;
};

/* Sets every member: no memset first (it was a tenth of the extractions). */
static void view_entry(const struct proc_entry *p, struct pview *v)
{
	v->comm = p->comm;
	v->exe = p->exe;
	v->args = p->args;
	v->args_len = p->args ? p->args_len : 0;
	v->cwd = p->cwd;
	v->pid = p->pid;
	v->ppid = p->ppid;
	v->vpid = p->vpid;
	v->tty = p->tty;
	v->loginuid = p->loginuid;
	v->sessionid = p->sessionid;
	v->uid = p->uid;
	v->gid = p->gid;
	v->euid = p->euid;
	v->mnt_ns = p->mnt_ns;
	v->pid_ns = p->pid_ns;
	v->start_ns = p->start_ns;
	v->exe_info = p->exe_info;
	v->trunc = p->args_truncated;
	v->pgrp = p->pgrp;
	v->pgrp_known = p->pgrp_known;
	v->env = p->env_known ? p->env : NULL;
	v->env_len = p->env_known ? p->env_len : 0;
}

/* The event's own process: the table entry, else what the event carries. */
static bool view_self(const struct rl_eval_ctx *c, struct pview *v)
{
	const struct event *ev = c->ev;
	const struct ev_header *h = ev->hdr;

	if (ev->proc) {
		view_entry(ev->proc, v);
		return true;
	}
	if (!h)
		return false;
	memset(v, 0, sizeof(*v));
	v->comm = h->comm;
	v->pid = h->pid;
	v->ppid = h->ppid;
	v->vpid = h->vpid;
	v->tty = h->tty;
	v->loginuid = h->loginuid;
	v->sessionid = h->sessionid;
	v->uid = h->uid;
	v->gid = h->gid;
	v->euid = h->euid;
	v->mnt_ns = h->mnt_ns;
	v->pid_ns = h->pid_ns;
	v->start_ns = h->start_ns;
	v->trunc = h->flags & (EV_F_EXE_TRUNC | EV_F_ARGS_TRUNC);
	if (ev->kind == EV_EXEC || ev->kind == EV_PROC_SNAPSHOT) {
		v->exe = ev->exe;
		v->cwd = ev->cwd;
		v->args = ev->args;
		v->args_len = ev->args ? ev->args_len : 0;
		v->exe_info = ev->exe_info;
		v->env = ev->env_known ? ev->env : NULL;
		v->env_len = ev->env_known ? ev->env_len : 0;
	}
	if (ev->kind == EV_EXEC || ev->kind == EV_PROC_SNAPSHOT || ev->kind == EV_FORK) {
		v->pgrp = ev->pgrp;
		v->pgrp_known = true;
	}
	return true;
}

/*
 * The leader of the event's process group (session: its session), as
 * Falco finds it: the process whose pid is the group's id, else the eldest
 * known ancestor still in the same group. Host numbers: unique across pid
 * namespaces.
 */
static const struct proc_entry *group_leader(const struct rl_eval_ctx *c, bool session)
{
	const struct proc_entry *self = c->ev->proc, *best = self, *a;
	uint32_t id;

	if (!self || !self->pgrp_known)
		return NULL;
	id = session ? self->pgrp.sid : self->pgrp.pgid;
	for (unsigned n = 1; best->pid != id && n <= PROC_ANCESTORS_MAX; n++) {
		a = rl_ancestor(c, n);
		if (!a || !a->pgrp_known || (session ? a->pgrp.sid : a->pgrp.pgid) != id)
			break;
		best = a;
	}
	return best;
}

static bool view_anc(const struct rl_eval_ctx *c, unsigned n, struct pview *v)
{
	const struct proc_entry *p;

	if (n == 0)
		return view_self(c, v);
	p = rl_ancestor(c, n);
	if (!p)
		return false;
	view_entry(p, v);
	return true;
}

/* argv[0]: the first NUL-terminated piece of the argv area. */
static bool argv0(const struct pview *v, struct rl_value *out, struct rl_buf *buf)
{
	size_t n = 0;

	if (!v->args || !v->args_len)
		return v->exe && v->exe[0] ? rl_set_str(out, v->exe) : false;
	while (n < v->args_len && v->args[n] && n + 1 < buf->cap) {
		buf->p[n] = v->args[n];
		n++;
	}
	return rl_set_buf(out, buf, n);
}

/* Arguments after argv[0], joined by spaces; with_name prefixes comm. */
static bool args_text(const struct pview *v, bool with_name, struct rl_value *out,
		      struct rl_buf *buf)
{
	size_t n = 0, i = 0;

	if (with_name) {
		if (!v->comm)
			return false;
		n = strnlen(v->comm, EV_COMM_LEN);
		if (n >= buf->cap)
			n = buf->cap - 1;
		memcpy(buf->p, v->comm, n);
	}
	/* An argument at a time (memchr, memcpy), not a byte at a time:
	 * proc.cmdline is built for each rule that reads it. */
	if (v->args) {
		const char *z = memchr(v->args, 0, v->args_len); /* skip argv[0] */
		bool first = !with_name;

		i = z ? (size_t)(z - v->args) + 1 : v->args_len + 1;
		while (i < v->args_len && n + 1 < buf->cap) {
			size_t k;

			if (!first)
				buf->p[n++] = ' ';
			first = false;
			z = memchr(v->args + i, 0, v->args_len - i);
			k = z ? (size_t)(z - v->args) - i : v->args_len - i;
			if (k > buf->cap - 1 - n)
				k = buf->cap - 1 - n;
			memcpy(buf->p + n, v->args + i, k);
			n += k;
			i += k + 1;
		}
	}
	return rl_set_buf(out, buf, n);
}

static bool comm(const struct pview *v, struct rl_value *out, struct rl_buf *buf)
{
	size_t n = v->comm ? strnlen(v->comm, EV_COMM_LEN) : 0;

	if (!n)
		return false;
	memcpy(buf->p, v->comm, n);
	return rl_set_buf(out, buf, n);
}

/*
 * An executable that is a memfd: the kernel names it "/memfd:NAME (deleted)"
 * (as /proc/PID/exe shows it), and the exec sensor's dentry walk, which
 * finds no name in such a pseudo file, gives the bare root "/", which no
 * executable file on a filesystem can be.
 */
static bool exe_from_memfd(const char *exe)
{
	const char *base = strrchr(exe, '/');

	return !strcmp(exe, "/") || (base && !strncmp(base + 1, "memfd:", 6));
}

/* A capability set as space-separated names; unnamed bits as CAP_<n>. */
static bool caps_text(uint64_t caps, struct rl_value *out, struct rl_buf *buf)
{
	size_t n = 0;

	for (unsigned bit = 0; bit < 64; bit++) {
		char unnamed[16];
		const char *name = unnamed;
		size_t len;

		if (!(caps & (1ull << bit)))
			continue;
		if (event_cap_name(bit))
			name = event_cap_name(bit);
		else
			snprintf(unnamed, sizeof(unnamed), "CAP_%u", bit);
		len = strlen(name);
		if (n + len + 2 > buf->cap)
			break;
		if (n)
			buf->p[n++] = ' ';
		memcpy(buf->p + n, name, len);
		n += len;
	}
	return rl_set_buf(out, buf, n);
}

static uint64_t now_ns(const struct rl_eval_ctx *c)
{
	return c->ev->hdr ? c->ev->hdr->ts_ns : 0;
}

/* proc.cwd as libsinsp keeps it: always with a trailing '/' ("/dev/shm/"),
 * so that Falco's `proc.cwd startswith "/dev/shm/"` holds for /dev/shm. */
static bool cwd(const struct pview *v, struct rl_value *out, struct rl_buf *buf)
{
	size_t n = v->cwd ? strlen(v->cwd) : 0;

	if (!n || n + 2 > buf->cap)
		return n && rl_set_str(out, v->cwd);
	memcpy(buf->p, v->cwd, n);
	if (buf->p[n - 1] != '/')
		buf->p[n++] = '/';
	return rl_set_buf(out, buf, n);
}

/* Which process field id describes: the event's (default), its parent, its
 * n-th ancestor, or its session's or process group's leader. */
static bool view_for(const struct rl_eval_ctx *c, int id, unsigned n, struct pview *v)
{
	switch (id) {
	case P_PNAME: case P_PEXE: case P_PEXEPATH: case P_PCMDLINE: case P_PPID_DURATION:
	case P_PSTART_TS: case P_PVPID:
		return view_anc(c, 1, v);
	case P_ANAME: case P_APID: case P_AEXE: case P_AEXEPATH: case P_ACMDLINE:
		return view_anc(c, n, v);
	case P_SNAME: case P_SID_EXE: case P_SID_EXEPATH: case P_VPGID_NAME: case P_VPGID_EXE:
	case P_VPGID_EXEPATH: {
		const struct proc_entry *leader =
			group_leader(c, id == P_SNAME || id == P_SID_EXE || id == P_SID_EXEPATH);

		if (!leader)
			return false;
		view_entry(leader, v);
		return true;
	}
	default:
		return view_self(c, v);
	}
}

/* Credentials, namespaces, session and process group, environment. */
static bool session_value(const struct rl_eval_ctx *c, const struct rl_field_ref *r,
			  const struct pview *v, struct rl_value *out, struct rl_buf *buf)
{
	switch (r->def->id) {
	case T_CAP_PERMITTED:
		return c->ev->hdr && caps_text(c->ev->hdr->cap_permitted, out, buf);
	case T_CAP_EFFECTIVE:
		return c->ev->hdr && caps_text(c->ev->hdr->cap_effective, out, buf);
	case T_CAP_INHERITABLE:
		return c->ev->hdr && caps_text(c->ev->hdr->cap_inheritable, out, buf);
	case P_PIDNS:
		return rl_set_uint(out, v->pid_ns);
	case P_MNTNS:
		return rl_set_uint(out, v->mnt_ns);
	case P_LOGINSHELLID:
		return rl_set_int(out, v->sessionid);
	case P_SESSIONID:
		return rl_set_uint(out, v->sessionid);
	case P_PGID:
		return v->pgrp_known && rl_set_int(out, v->pgrp.pgid);
	case P_VPGID:
		return v->pgrp_known && rl_set_int(out, v->pgrp.vpgid);
	case P_SID:
		return v->pgrp_known && rl_set_int(out, v->pgrp.vsid);
	/* A host process sees host numbers: vpid and vpgid are pid and pgid. */
	case P_IS_VPGID_LEADER:
		return v->pgrp_known && rl_set_bool(out, v->pgrp.vpgid == v->vpid);
	case P_IS_SID_LEADER:
		return v->pgrp_known && rl_set_bool(out, v->pgrp.vsid == v->vpid);
	case P_ENV:
		return v->env && rl_env_value(v->env, v->env_len, r->arg, out, buf);
	}
	return false;
}

/* What the exec record says of the executable: its standard streams, its
 * layer, its inode and that inode's times; then session_value. */
static bool exe_value(const struct rl_eval_ctx *c, const struct rl_field_ref *r,
		      const struct pview *v, struct rl_value *out, struct rl_buf *buf)
{
	int id = r->def->id;

	switch (id) {
	case P_STDIN_TYPE: case P_STDOUT_TYPE: case P_STDERR_TYPE: {
		unsigned k = (v->exe_info.flags >> EV_EXE_STDIO_SHIFT(id - P_STDIN_TYPE)) & 0xf;

		/* not open: no value, as Falco has no fd to describe */
		return (v->exe_info.flags & EV_EXE_STDIO_KNOWN) && k != EV_STDIO_NONE &&
		       rl_set_str(out, fd_type_name((enum fd_type)k));
	}
	case P_IS_EXE_UPPER_LAYER:
		if (!(v->exe_info.flags & EV_EXE_LAYER_KNOWN))
			return false;
		return rl_set_bool(out, v->exe_info.flags & EV_EXE_UPPER_LAYER);
	case P_EXE_INO:
		return (v->exe_info.flags & EV_EXE_INFO) && rl_set_uint(out, v->exe_info.ino);
	case P_EXE_INO_CTIME: case P_EXE_INO_MTIME: {
		uint64_t t = id == P_EXE_INO_CTIME ? v->exe_info.ctime_ns : v->exe_info.mtime_ns;

		if (!(v->exe_info.flags & EV_EXE_INFO) || !t)
			return false;
		out->t = FT_ABSTIME;
		out->u = t;
		return true;
	}
	case P_EXE_INO_CTIME_DUR_START: {
		uint64_t start = v->start_ns + (uint64_t)c->boot_to_real_ns;

		if (!(v->exe_info.flags & EV_EXE_INFO) || !v->exe_info.ctime_ns || !v->start_ns ||
		    v->exe_info.ctime_ns > start)
			return false;
		out->t = FT_RELTIME;
		out->u = start - v->exe_info.ctime_ns;
		return true;
	}
	default:
		return session_value(c, r, v, out, buf);
	}
}

/* The process the field names (view_for), then its value: identity,
 * names, command line and times here; the executable's facts and the
 * session's in exe_value. */
bool rl_x_proc(const struct rl_eval_ctx *c, const struct rl_field_ref *r, int anc,
	       struct rl_value *out, struct rl_buf *buf)
{
	struct pview v;
	unsigned n = r->index >= 0 ? (unsigned)r->index : (unsigned)anc;
	int id = r->def->id;

	if (!view_for(c, id, n, &v))
		return false;
	switch (id) {
	case P_PID: case P_APID:
		return rl_set_int(out, v.pid);
	case P_PPID:
		return rl_set_int(out, v.ppid);
	case P_VPID: case P_PVPID:
		return rl_set_int(out, v.vpid);
	case T_TID:
		return rl_set_int(out, c->ev->hdr ? c->ev->hdr->tid : v.pid);
	case T_VTID:
		return rl_set_int(out, v.vpid);
	case P_NAME: case P_PNAME: case P_ANAME: case P_SNAME: case P_VPGID_NAME:
		return comm(&v, out, buf);
	case P_EXE: case P_PEXE: case P_AEXE: case P_SID_EXE: case P_VPGID_EXE:
		return argv0(&v, out, buf);
	case P_EXEPATH: case P_PEXEPATH: case P_AEXEPATH: case P_SID_EXEPATH: case P_VPGID_EXEPATH:
		return v.exe && v.exe[0] ? rl_set_str(out, v.exe) : false;
	case P_ARGS:
		return args_text(&v, false, out, buf);
	case P_CMDLINE: case P_PCMDLINE: case P_ACMDLINE:
		return args_text(&v, true, out, buf);
	case P_CWD:
		return cwd(&v, out, buf);
	case P_TTY:
		return rl_set_uint(out, v.tty);
	case P_DURATION: case P_PPID_DURATION:
		if (!v.start_ns || v.start_ns > now_ns(c))
			return false;
		out->t = FT_RELTIME;
		out->u = now_ns(c) - v.start_ns;
		return true;
	case P_START_TS: case P_PSTART_TS:
		if (!v.start_ns)
			return false;
		out->t = FT_ABSTIME;
		out->u = v.start_ns + (uint64_t)c->boot_to_real_ns;
		return true;
	case P_IS_CONTAINER:
		return rl_set_bool(out, c->ev->container != NULL);
	case P_EXE_TRUNC:
		return rl_set_bool(out, v.trunc);
	case P_IS_EXE_FROM_MEMFD:
		return v.exe && v.exe[0] && rl_set_bool(out, exe_from_memfd(v.exe));
	default:
		return exe_value(c, r, &v, out, buf);
	}
}

/*
 * As Falco: a container process's user and group are named by the
 * container's own /etc/passwd and /etc/group (container/ reads them), a host
 * process's by the host's; so are those of a container whose files could
 * not be read.
 */
const char *rl_user_name(const struct rl_eval_ctx *c, uint32_t uid)
{
	const struct container_info *ci = c->ev->container;

	return ci && ci->has_accounts ? container_info_user(ci, uid) : rl_idmap_get(c->users, uid);
}

const char *rl_group_name(const struct rl_eval_ctx *c, uint32_t gid)
{
	const struct container_info *ci = c->ev->container;

	return ci && ci->has_accounts ? container_info_group(ci, gid) : rl_idmap_get(c->groups, gid);
}

/*
 * As Falco names an id that has no account: uid/gid 0 is "root" (a
 * container without /etc/passwd still runs as root), anything else "<NA>",
 * a value rules test for (Falco's known_user_in_container macro).
 */
static const char *name_or_na(const char *name, uint32_t id)
{
	return name ? name : id == 0 ? "root" : "<NA>";
}

bool rl_x_user(const struct rl_eval_ctx *c, const struct rl_field_ref *r, int anc,
	       struct rl_value *out, struct rl_buf *buf)
{
	struct pview v;

	(void)anc;
	(void)buf;
	if (!view_self(c, &v))
		return false;
	switch (r->def->id) {
	case U_UID:
		return rl_set_uint(out, v.uid);
	case U_EUID:
		return rl_set_uint(out, v.euid);
	case U_NAME:
		return rl_set_str(out, name_or_na(rl_user_name(c, v.uid), v.uid));
	case U_LOGINUID:
		return rl_set_int(out, v.loginuid == UINT32_MAX ? -1 : (int64_t)v.loginuid);
	case U_LOGINNAME:
		return v.loginuid != UINT32_MAX &&
		       rl_set_str(out, name_or_na(rl_user_name(c, v.loginuid), v.loginuid));
	case G_GID:
		return rl_set_uint(out, v.gid);
	case G_NAME:
		return rl_set_str(out, name_or_na(rl_group_name(c, v.gid), v.gid));
	}
	return false;
}

static int cmp_idname(const void *a, const void *b)
{
	const struct rl_idname *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* /etc/passwd and /etc/group share the layout name:x:id:... */
int rl_idmap_load(struct rl_arena *a, const char *path, struct rl_idmap *out)
{
	FILE *f = fopen(path, "re");
	char line[1024];
	size_t cap = 0;

	memset(out, 0, sizeof(*out));
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *name = strtok(line, ":"), *pw = strtok(NULL, ":"), *id = strtok(NULL, ":");

		if (!name || !pw || !id || name[0] == '#')
			continue;
		if (out->n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct rl_idname *e = rl_alloc(a, ncap * sizeof(*e));

			if (!e)
				break;
			if (out->n)
				memcpy(e, out->e, out->n * sizeof(*e));
			out->e = e;
			cap = ncap;
		}
		out->e[out->n].id = (uint32_t)strtoul(id, NULL, 10);
		out->e[out->n].name = rl_strdup(a, name);
		out->n++;
	}
	fclose(f);
	if (out->n)
		qsort(out->e, out->n, sizeof(*out->e), cmp_idname);
	return 0;
}

const char *rl_idmap_get(const struct rl_idmap *m, uint32_t id)
{
	size_t lo = 0, hi = m ? m->n : 0;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (m->e[mid].id == id)
			return m->e[mid].name;
		if (m->e[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}
