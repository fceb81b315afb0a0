/*
 * Fields of file integrity (fim.*) on syscall events: which file a change
 * touches and what kind of change it is (from the event alone), and what
 * src/fim/ says about it through ev->fim (watched, class, baseline, the
 * package manager among the writer's ancestors and whether its executable
 * is the one the baseline holds). Without FIM (ev->fim NULL) the latter
 * have no value, so rules using them do not match.
 */
#include <fcntl.h>
#include <string.h>

#include "proc/proc.h"
#include "rules/field_ids.h"

/* What kind of change each syscall makes (fim.change): data, by name. */
static const struct {
	const char *sc, *change;
} changes[] = {
	{ "open", "write" },	       { "openat", "write" },	       { "openat2", "write" },
	{ "creat", "write" },	       { "truncate", "write" },	       { "ftruncate", "write" },
	{ "rename", "rename" },	       { "renameat", "rename" },       { "renameat2", "rename" },
	{ "unlink", "unlink" },	       { "unlinkat", "unlink" },       { "rmdir", "unlink" },
	{ "mkdir", "create" },	       { "mkdirat", "create" },	       { "link", "link" },
	{ "linkat", "link" },	       { "symlink", "symlink" },       { "symlinkat", "symlink" },
	{ "chmod", "chmod" },	       { "fchmod", "chmod" },	       { "fchmodat", "chmod" },
	{ "chown", "chown" },	       { "lchown", "chown" },	       { "fchown", "chown" },
	{ "fchownat", "chown" },       { "setxattr", "xattr" },	       { "lsetxattr", "xattr" },
	{ "fsetxattr", "xattr" },      { "removexattr", "xattr" },     { "lremovexattr", "xattr" },
	{ "fremovexattr", "xattr" },
};

/* "" when the event changes no file: another syscall, an open for reading. */
static const char *change_of(const struct event *ev)
{
	uint64_t flags = 0, mode = 0;
	const char *name;

	if (ev->kind != EV_SYSCALL || !ev->sc)
		return "";
	name = event_type_name(ev);
	for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
		if (strcmp(changes[i].sc, name))
			continue;
		/* An open changes the file only when it may write it (openat2's
		 * flags are not captured: counted as a write, to be safe). */
		if (!strncmp(name, "open", 4) && rl_sc_open_flags(ev, &flags, &mode) &&
		    !(flags & (O_WRONLY | O_RDWR | O_TRUNC | O_CREAT)))
			return "";
		return changes[i].change;
	}
	return "";
}

/* The file the change is about: a rename's or link's new name, a symlink's
 * path, else path 1 (the opened file, the chmod's path, ...). */
static bool path_of(const struct rl_eval_ctx *c, const char *change, struct rl_value *out,
		    struct rl_buf *buf)
{
	const struct event *ev = c->ev;

	if (!strcmp(change, "rename") || !strcmp(change, "link") || !strcmp(change, "symlink")) {
		if (rl_sc_path2(c, out, buf))
			return true;
		if (strcmp(change, "rename"))
			return false;
	}
	return ev->path[0] == '/' && rl_set_str(out, ev->path);
}

/* The nearest of the writer and its ancestors that is a package manager. */
static const struct proc_entry *pkgmgr_of(const struct rl_eval_ctx *c)
{
	const struct event_fim *f = c->ev->fim;
	const struct proc_entry *p = c->ev->proc;

	for (unsigned n = 1; p; n++) {
		if (p->exe && p->exe[0] && f->is_pkgmgr(f, p->exe))
			return p;
		if (n > PROC_ANCESTORS_MAX)
			break;
		p = rl_ancestor(c, n);
	}
	return NULL;
}

bool rl_x_fim(const struct rl_eval_ctx *c, const struct rl_field_ref *r, int anc,
	      struct rl_value *out, struct rl_buf *buf)
{
	const struct event_fim *f = c->ev->fim;
	const char *change = change_of(c->ev), *cls;
	const struct proc_entry *pm;
	struct rl_value path;

	(void)anc;
	if (r->def->id == F_CHANGE)
		return rl_set_str(out, change);
	if (!change[0] || !path_of(c, change, &path, buf))
		return r->def->id == F_PATH ? rl_set_str(out, "") : false;
	if (r->def->id == F_PATH)
		return rl_set_str(out, path.s);
	if (!f)
		return false;
	switch (r->def->id) {
	case F_WATCHED: case F_CLASS:
		/* A container's paths are in its own root: never the host's watches. */
		cls = c->ev->container ? NULL : f->watch_class(f, path.s);
		return r->def->id == F_WATCHED ? rl_set_bool(out, cls != NULL)
					       : rl_set_str(out, cls ? cls : "");
	case F_BASELINE:
		return rl_set_bool(out, !c->ev->container && f->in_baseline(f, path.s));
	case F_PKGMGR:
		pm = pkgmgr_of(c);
		return rl_set_str(out, pm ? pm->exe : "");
	case F_PKGMGR_VERIFIED:
		pm = pkgmgr_of(c);
		return rl_set_bool(out, pm && f->exe_verified(f, (int)pm->pid, pm->exe) == 1);
	}
	return false;
}
