/*
 * The synthetic events the rule tests evaluate: a process chain (who), a
 * syscall record in the bpf/events.h layout (sc_event) or an exec record
 * (exec_event), decoded by event_decode() as the agent does, and an engine
 * that collects alerts (engine_with, expect). Shared by test_rules_syscalls.c
 * and test_default_rules.c; each test binary includes it once.
 */
#ifndef PALISADE_TEST_EVENT_FIXTURE_H
#define PALISADE_TEST_EVENT_FIXTURE_H

#include <arpa/inet.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "container/container.h"
#include "event/syscalls.h"
#include "proc/proc.h"
#include "proc_fixture.h"
#include "rules/rules.h"

#define BOOT_TO_REAL 1700000000000000000ll
#define NOW_NS 100000000000ull /* 100 s after boot */
#define AT_CWD ((uint64_t)(int64_t)-100)

struct sc_rec {
	struct ev_syscall rec;
	char data[3 * EV_PATH_MAX + 64];
};

struct exec_rec {
	struct ev_exec rec;
	char data[EV_EXEC_DATA_MAX];
};

/* The event under test and the process chain it sees. */
static struct {
	struct sc_rec sc;
	struct exec_rec ex;
	struct event ev;
	struct proc_entry self, parent, gparent;
	char exe[3][256], cwd[256], args[512];
	struct container_info ci;
	char ci_name[64], ci_image[128];
	bool in_container;
	uint64_t cap_eff, cap_prm; /* the thread's capabilities (header) */
	uint32_t exe_flags;        /* EV_EXE_* of the next exec */
} F;

#define CAP_BIT(n) (1ull << (n))
#define CAP_DAC_OVERRIDE_BIT CAP_BIT(1)
#define CAP_SYS_MODULE_BIT CAP_BIT(16)
#define CAP_SYS_ADMIN_BIT CAP_BIT(21)
/* Docker's default set: CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID
 * SETPCAP NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP. */
#define CAPS_DOCKER_DEFAULT 0xa80425fbull

static inline const struct proc_entry *test_ancestor(const struct event *ev, const struct proc_entry *p,
					      unsigned n)
{
	(void)ev;
	(void)p;
	return fixture_ancestor(&F.parent, &F.gparent, n);
}

static inline void set_proc(struct proc_entry *p, uint32_t pid, uint32_t ppid, const char *comm,
		     char *exe_buf, const char *exe)
{
	fixture_proc(p, pid, ppid, comm, exe_buf, 256, exe, F.cwd);
}

/*
 * The process doing the next syscall: exe, argv (spaces separate), parent
 * and grandparent names, uid, how long it has run; in a container when
 * image is not NULL.
 */
static inline void who(const char *exe, const char *argv, const char *parent, const char *gparent,
		uint32_t uid, uint64_t age_ns, const char *image)
{
	const char *slash = strrchr(exe, '/');
	size_t n = 0;

	snprintf(F.cwd, sizeof(F.cwd), "/root");
	set_proc(&F.self, 300, parent ? 200 : 1, slash ? slash + 1 : exe, F.exe[0], exe);
	memset(&F.parent, 0, sizeof(F.parent));
	memset(&F.gparent, 0, sizeof(F.gparent));
	if (parent)
		set_proc(&F.parent, 200, gparent ? 100 : 1, parent, F.exe[1], "/usr/bin/parent");
	if (gparent)
		set_proc(&F.gparent, 100, 1, gparent, F.exe[2], "/usr/bin/gparent");
	for (const char *s = argv; *s && n + 1 < sizeof(F.args); s++)
		F.args[n++] = *s == ' ' ? '\0' : *s;
	F.args[n++] = '\0';
	F.self.args = F.args;
	F.self.args_len = (uint32_t)n;
	F.self.uid = F.self.euid = uid;
	F.self.start_ns = NOW_NS - age_ns;
	F.in_container = image != NULL;
	F.cap_eff = F.cap_prm = uid == 0 ? (image ? CAPS_DOCKER_DEFAULT : ~0ull >> 23) : 0;
	F.exe_flags = 0;
	if (image) {
		memset(&F.ci, 0, sizeof(F.ci));
		snprintf(F.ci.id, sizeof(F.ci.id), "%s",
			 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
		F.ci.runtime = RUNTIME_DOCKER;
		F.ci.has_metadata = true;
		snprintf(F.ci_name, sizeof(F.ci_name), "web-1");
		snprintf(F.ci_image, sizeof(F.ci_image), "%s", image);
		F.ci.name = F.ci_name;
		F.ci.image = F.ci_image;
	}
}

/* "/etc/shadow" -> "shadow\0etc\0": the kernel's leaf-first pieces. */
static inline size_t to_pieces(const char *path, char *out)
{
	const char *comp[64];
	size_t len[64], n = 0, k = 0;

	for (const char *p = path; *p;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		comp[n] = p;
		while (*p && *p != '/')
			p++;
		len[n] = (size_t)(p - comp[n]);
		n++;
	}
	if (!n) {
		out[0] = '\0';
		return 1;
	}
	while (n--) {
		memcpy(out + k, comp[n], len[n]);
		k += len[n];
		out[k++] = '\0';
	}
	return k;
}

struct sc_spec {
	const char *sc;       /* Falco's name of the syscall */
	int64_t res;
	uint64_t a[6];
	const char *kpath;    /* path 1 resolved from a kernel object */
	const char *upath;    /* path 1 as the caller passed it */
	const char *base;     /* directory a relative upath is in */
	const char *upath2;   /* path 2 as the caller passed it */
	const char *raw1;     /* the caller's string of a resolved path 1 (fd.nameraw) */
	bool has_sock;
	struct ev_sock sock;
	uint8_t uaddr[32];
	uint16_t uaddr_len;
	uint32_t path_flags; /* more EV_PATH*, EV_ARGS_OPEN_HOW, EV_FD_FIXED */
	uint32_t hdr_flags;  /* EV_F_* (EV_F_IO_URING) */
};

static inline void fill_header(struct ev_header *h, enum ev_kind kind)
{
	h->kind = kind;
	h->ts_ns = NOW_NS;
	h->pid = h->tid = F.self.pid;
	h->ppid = F.self.ppid;
	h->vpid = F.self.vpid;
	h->uid = h->euid = F.self.uid;
	h->loginuid = UINT32_MAX;
	h->start_ns = F.self.start_ns;
	h->cgroup_id = F.in_container ? 4242 : 1;
	memcpy(h->comm, F.self.comm, sizeof(h->comm));
	h->cap_effective = F.cap_eff;
	h->cap_permitted = F.cap_prm;
}

static inline void enrich(void)
{
	F.ev.proc = &F.self;
	F.ev.container = F.in_container ? &F.ci : NULL;
}

/* Builds the record the syscall sensor would send, and decodes it. */
static inline const struct event *sc_event(const struct sc_spec *s)
{
	const struct syscall_desc *d = syscall_by_name(s->sc);
	struct ev_syscall *e = &F.sc.rec;
	char *data = F.sc.data;
	size_t n1 = 0, n2 = 0, nb = 0;

	assert_non_null(d);
	memset(&F.sc, 0, sizeof(F.sc));
	fill_header(&e->hdr, EV_SYSCALL);
	e->hdr.flags = s->hdr_flags;
	e->res = s->res;
	memcpy(e->args, s->a, sizeof(e->args));
	e->nr = d->nr;
	e->path_flags = s->path_flags;
	if (s->kpath) {
		n1 = to_pieces(s->kpath, data);
		e->path_flags |= EV_PATH1_RESOLVED;
	} else if (s->upath) {
		n1 = strlen(s->upath) + 1;
		memcpy(data, s->upath, n1);
		e->path_flags |= EV_PATH1_USER;
	}
	if (s->upath2 || s->raw1) {
		const char *p2 = s->upath2 ? s->upath2 : s->raw1;

		n2 = strlen(p2) + 1;
		memcpy(data + n1, p2, n2);
		e->path_flags |= s->upath2 ? EV_PATH2_USER : EV_PATH2_RAW1;
	}
	if (s->base) {
		nb = to_pieces(s->base, data + n1 + n2);
		e->path_flags |= EV_BASE_RESOLVED;
	}
	e->path_len = (uint32_t)n1;
	e->path2_len = (uint32_t)n2;
	e->base_len = (uint32_t)nb;
	if (s->has_sock)
		e->sock = s->sock;
	memcpy(e->uaddr, s->uaddr, sizeof(e->uaddr));
	e->uaddr_len = s->uaddr_len;
	e->hdr.size = (uint32_t)(sizeof(*e) + n1 + n2 + nb);
	assert_int_equal(event_decode(e, e->hdr.size, &F.ev), 0);
	assert_int_equal(F.ev.kind, EV_SYSCALL);
	assert_string_equal(event_type_name(&F.ev), s->sc);
	enrich();
	return &F.ev;
}

/* An exec record of exe (a path) by the current process. */
static inline const struct event *exec_event(const char *exe)
{
	struct ev_exec *e = &F.ex.rec;
	size_t ne, na = F.self.args_len;

	memset(&F.ex, 0, sizeof(F.ex));
	fill_header(&e->hdr, EV_EXEC);
	ne = to_pieces(exe, F.ex.data);
	memcpy(F.ex.data + ne, F.args, na);
	e->exe_len = (uint32_t)ne;
	e->args_len = (uint32_t)na;
	e->exe_flags = F.exe_flags;
	e->exe_ino = 77;
	e->hdr.size = (uint32_t)(sizeof(*e) + ne + na);
	assert_int_equal(event_decode(e, e->hdr.size, &F.ev), 0);
	snprintf(F.exe[0], sizeof(F.exe[0]), "%.255s", F.ev.exe);
	F.self.exe_info = F.ev.exe_info; /* as proc_table_apply does */
	enrich();
	return &F.ev;
}

static inline struct ev_sock inet_sock(int family, int type, int proto, const char *lip, uint16_t lport,
				const char *rip, uint16_t rport)
{
	struct ev_sock s;

	memset(&s, 0, sizeof(s));
	s.family = (uint16_t)family;
	s.type = (uint16_t)type;
	s.protocol = (uint16_t)proto;
	s.lport = lport;
	s.rport = rport;
	if (lip)
		assert_int_equal(inet_pton(family, lip, s.laddr), 1);
	if (rip)
		assert_int_equal(inet_pton(family, rip, s.raddr), 1);
	return s;
}

#define TCP4(l, lp, r, rp) inet_sock(AF_INET, SOCK_STREAM, IPPROTO_TCP, l, lp, r, rp)
#define UDP4(l, lp, r, rp) inet_sock(AF_INET, SOCK_DGRAM, IPPROTO_UDP, l, lp, r, rp)

/* A sockaddr_in as the caller passes it. */
static inline uint16_t sin4(uint8_t out[32], const char *ip, uint16_t port)
{
	uint16_t fam = AF_INET;

	memset(out, 0, 32);
	memcpy(out, &fam, 2);
	out[2] = (uint8_t)(port >> 8);
	out[3] = (uint8_t)port;
	assert_int_equal(inet_pton(AF_INET, ip, out + 4), 1);
	return 16;
}

/* ---- engine and alert collection ---- */

static struct {
	char rules[32][128];
	size_t n;
	char output[2048];
} A;

static inline int collect(const struct rules_alert *a, void *ctx)
{
	(void)ctx;
	if (A.n < 32)
		snprintf(A.rules[A.n], sizeof(A.rules[0]), "%s", a->rule->name);
	if (A.n == 0)
		snprintf(A.output, sizeof(A.output), "%s", a->output);
	A.n++;
	return 0;
}

static inline bool fired(const char *rule)
{
	for (size_t i = 0; i < A.n && i < 32; i++)
		if (!strcmp(A.rules[i], rule))
			return true;
	return false;
}

static inline struct rules_engine *engine_with(const char *path, const char *text, bool append)
{
	struct rules_config cfg;
	struct rules_engine *e = NULL;

	rules_config_default(&cfg);
	cfg.hostname = "testhost";
	cfg.boot_to_realtime_ns = BOOT_TO_REAL;
	cfg.ancestor = test_ancestor;
	cfg.append_container = append;
	cfg.diag_out = stderr;
	assert_int_equal(rules_engine_new(&cfg, &e), 0);
	if (path)
		assert_int_equal(rules_engine_add_path(e, path), 0);
	if (text)
		assert_int_equal(rules_engine_add_buffer(e, "t.yaml", text, strlen(text)), 0);
	assert_int_equal(rules_engine_compile(e), 0);
	return e;
}

static inline void expect(struct rules_engine *e, const struct event *ev, const char *rule, bool want)
{
	memset(&A, 0, sizeof(A));
	rules_eval(e, ev, collect, NULL);
	if (fired(rule) != want) {
		fprintf(stderr, "rule '%s' %s on %s; alerts:", rule, want ? "did not fire" : "fired",
			event_type_name(ev));
		for (size_t i = 0; i < A.n; i++)
			fprintf(stderr, " [%s]", A.rules[i]);
		fprintf(stderr, "\n");
	}
	assert_true(fired(rule) == want);
}

static inline int teardown(void **state)
{
	rules_engine_free(*state);
	return 0;
}

/* An open of path with flags; res < 0 makes it a failed open of upath. */
static inline const struct event *openat_ev(const char *path, uint64_t flags, uint64_t mode, int64_t res)
{
	struct sc_spec s = { .sc = "openat", .res = res, .a = { AT_CWD, 0x7fff0000, flags, mode } };

	if (res >= 0)
		s.kpath = path;
	else
		s.upath = path;
	return sc_event(&s);
}


#endif
