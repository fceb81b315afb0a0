/*
 * The rules' path pre-filter (src/rules/prefilter.c) never drops an event a
 * rule matches, and does drop others:
 *  - synthetic opens (paths x open flags x host or not) against small rule
 *    sets that exercise each construct of the analysis: every event a rule
 *    matches is kept by prefilter_keep(), the user-space twin of the kernel
 *    test, and the events named as droppable are dropped; the same under
 *    several process names for the name gate, whose analysis and twin
 *    decisions (thread comm, table comm, the kernel's EV_F_PF_NAME) have
 *    their own tests;
 *  - a real recorded stream (tests/data/prefilter/workload.plsd.gz, written
 *    by `palisade run --syscalls all --record` around
 *    tests/integration/prefilter_workload.sh, in a container and on the
 *    host) replayed through the agent's pipeline with and without the twin,
 *    with the default rules and Falco's published files: the same alerts.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

#include "agent/pipeline.h"
#include "falco_rules.h"
#include "rules/prefilter.h"

#define RECORDING "tests/data/prefilter/workload.plsd.gz"

struct sc_rec {
	struct ev_syscall rec;
	char data[EV_PATH_MAX + 64];
};

/* "/etc/shadow" -> "shadow\0etc\0", as the kernel's dentry walk writes it. */
static size_t to_pieces(const char *path, char *out)
{
	const char *end = path + strlen(path);
	size_t n = 0;

	if (!strcmp(path, "/")) {
		out[0] = '\0';
		return 1;
	}
	while (end > path) {
		const char *start = end;

		while (start > path && start[-1] != '/')
			start--;
		memcpy(out + n, start, (size_t)(end - start));
		n += (size_t)(end - start);
		out[n++] = '\0';
		end = start > path ? start - 1 : path;
	}
	return n;
}

/* A successful openat of path with flags, its path resolved by the kernel. */
static size_t make_open(struct sc_rec *r, const char *path, uint64_t flags)
{
	size_t len = to_pieces(path, r->data);

	memset(&r->rec, 0, sizeof(r->rec));
	r->rec.hdr.kind = EV_SYSCALL;
	r->rec.hdr.pid = r->rec.hdr.tid = 4242;
	r->rec.hdr.cgroup_id = 7;
	snprintf(r->rec.hdr.comm, sizeof(r->rec.hdr.comm), "tester");
	r->rec.nr = SYS_openat;
	r->rec.res = 3;
	r->rec.args[0] = (uint64_t)(int64_t)AT_FDCWD;
	r->rec.args[2] = flags;
	r->rec.path_len = (uint32_t)len;
	r->rec.path_flags = EV_PATH1_RESOLVED;
	r->rec.hdr.size = (uint32_t)(sizeof(r->rec) + len);
	return r->rec.hdr.size;
}

static struct rules_engine *engine_from(const char *text)
{
	struct rules_config cfg;
	struct rules_engine *e = NULL;

	rules_config_default(&cfg);
	cfg.diag_out = stderr;
	assert_int_equal(rules_engine_new(&cfg, &e), 0);
	assert_int_equal(rules_engine_add_buffer(e, "test.yaml", text, strlen(text)), 0);
	assert_int_equal(rules_engine_compile(e), 0);
	return e;
}

static const char *const paths[] = {
	"/", "/etc", "/etc/passwd", "/etc/passw", "/etc/passwdx", "/etc/shadow", "/etc/ssh/sshd_config",
	"/etc/sudoers.d/x", "/bin/ls", "/bin/x/y", "/usr/bin/env", "/tmp/x", "/tmp/.hidden",
	"/root/.ssh/id_rsa", "/proc/1/environ", "/dev/null", "/var/lib/x", "/var/libx",
	"/home/u/.bashrc",
};
/* Process names: the gate's names, a near miss, and others. */
static const char *const comms[] = { "tester", "tar", "sshd", "tar2", "ta", "gzip" };
static const uint64_t open_flags[] = { O_RDONLY, O_WRONLY | O_CREAT | O_TRUNC, O_RDWR,
				       O_RDONLY | O_CREAT, O_WRONLY };

/*
 * Every (path, flags, host) open: a match must be kept; returns how many
 * opens the filter dropped.
 */
static unsigned check_sound(const char *rules)
{
	struct rules_engine *e = engine_from(rules);
	struct prefilter *pf = NULL;
	static struct sc_rec r;
	struct event ev;
	unsigned dropped = 0;

	assert_int_equal(prefilter_build(e, &pf), 0);
	for (size_t p = 0; p < sizeof(paths) / sizeof(paths[0]); p++) {
		for (size_t f = 0; f < sizeof(open_flags) / sizeof(open_flags[0]); f++) {
			size_t len = make_open(&r, paths[p], open_flags[f]);

			for (unsigned i = 0; i < 2 * sizeof(comms) / sizeof(comms[0]); i++) {
				bool host = i & 1, keep;
				int matched;

				snprintf(r.rec.hdr.comm, sizeof(r.rec.hdr.comm), "%s", comms[i / 2]);
				keep = prefilter_keep(pf, &r, len, host, NULL);
				assert_int_equal(event_decode(&r, len, &ev), 0);
				matched = rules_eval(e, &ev, NULL, NULL);
				if (matched > 0 && !keep)
					fail_msg("dropped %s flags %#llx host %d comm %s, which matches %s",
						 paths[p], (unsigned long long)open_flags[f], host,
						 comms[i / 2], rules);
				dropped += !keep;
			}
		}
	}
	prefilter_free(pf);
	rules_engine_free(e);
	return dropped;
}

/* Keep/drop of one open by a thread named comm, whose process the table
 * names proc_comm (NULL: not in the table), under one rule set. */
static bool keeps_as(const char *rules, const char *path, uint64_t flags, bool host,
		     const char *comm, const char *proc_comm)
{
	struct rules_engine *e = engine_from(rules);
	struct prefilter *pf = NULL;
	static struct sc_rec r;
	size_t len = make_open(&r, path, flags);
	bool keep;

	snprintf(r.rec.hdr.comm, sizeof(r.rec.hdr.comm), "%s", comm);
	assert_int_equal(prefilter_build(e, &pf), 0);
	keep = prefilter_keep(pf, &r, len, host, proc_comm);
	prefilter_free(pf);
	rules_engine_free(e);
	return keep;
}

/* An open whose record carries the caller's string raw (as when a rule
 * reads fd.nameraw), not on the host. */
static bool keeps_raw_as(const char *rules, const char *path, uint64_t flags, const char *raw)
{
	struct rules_engine *e = engine_from(rules);
	struct prefilter *pf = NULL;
	static struct sc_rec r;
	size_t len = make_open(&r, path, flags), rl = strlen(raw) + 1;
	bool keep;

	memcpy(r.data + r.rec.path_len, raw, rl);
	r.rec.path2_len = (uint32_t)rl;
	r.rec.path_flags |= EV_PATH2_RAW1;
	len += rl;
	r.rec.hdr.size = (uint32_t)len;
	assert_int_equal(prefilter_build(e, &pf), 0);
	keep = prefilter_keep(pf, &r, len, false, NULL);
	prefilter_free(pf);
	rules_engine_free(e);
	return keep;
}

static bool keeps_raw(const char *rules, const char *path, const char *raw)
{
	return keeps_raw_as(rules, path, O_RDONLY, raw);
}

static bool keeps(const char *rules, const char *path, uint64_t flags, bool host)
{
	return keeps_as(rules, path, flags, host, "tester", NULL);
}

/* The class's name gate as `rules prefilter` prints it. */
static char *describe(const char *rules)
{
	struct rules_engine *e = engine_from(rules);
	struct prefilter *pf = NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(prefilter_build(e, &pf), 0);
	prefilter_describe(pf, f);
	fclose(f);
	prefilter_free(pf);
	rules_engine_free(e);
	return text;
}

/* Whether describe() of rules mentions a name gate (want: its text). */
static void assert_gate(const char *rules, const char *want)
{
	char *text = describe(rules);

	if (want ? !strstr(text, want) : !!strstr(text, "processes named"))
		fail_msg("rules %s: want %s, got %s", rules, want ? want : "no name gate", text);
	free(text);
}

#define RULE(cond)                                                                           \
	"- rule: r\n  desc: d\n  condition: evt.type in (open, openat) and (" cond ")\n"         \
	"  output: o %fd.name\n  priority: WARNING\n"
#define RO "evt.is_open_read=true and "
#define RULE2(cond)                                                                          \
	"- rule: r2\n  desc: d\n  condition: evt.type in (open, openat) and (" cond ")\n"        \
	"  output: o %fd.name\n  priority: WARNING\n"

static void test_constructs_are_sound(void **state)
{
	static const char *const conds[] = {
		RULE("fd.name = /etc/passwd"),
		RULE("fd.name in (/etc/passwd, /etc/shadow, relative)"),
		RULE("fd.name startswith /etc/pass"),
		RULE("fd.name startswith /etc/ and evt.is_open_write=true"),
		RULE("evt.is_open_read=true and fd.name pmatch (/var/lib, /root/.ssh)"),
		RULE("fd.directory in (/bin, /usr/bin, /etc/sudoers.d)"),
		RULE("fd.directory = / or fd.directory startswith /etc/ss"),
		RULE("fd.name glob '/proc/*/environ' or fd.name glob /dev/null"),
		RULE("fd.name pmatch (/tmp/*/x, /)"),
		RULE("fs.path.name = /tmp/x or fd.name in (/etc/passwd) or fd.name startswith /etc/"),
		RULE("not fd.name startswith /tmp"),
		RULE("not (fd.name != /etc/passwd)"),
		RULE("fd.name contains .ssh"),
		RULE("fd.filename = .bashrc"),
		RULE("fd.nameraw contains '../'"),
		RULE("not fd.nameraw contains '../' and fd.name = /dev/null"),
		RULE("container.id != host and fd.name = /tmp/x"),
		RULE("not proc.is_container=true and evt.is_open_exec=false and fd.name=/bin/ls"),
		RULE("evt.is_open_write in (true) and not evt.is_open_create=true and fd.name=/tmp/x"),
		RULE("fd.name=/etc/passwd and fd.name=/etc/shadow"),
		RULE("toupper(fd.name) = /ETC/PASSWD"),
		RULE(RO "proc.name=tar and fd.name contains x"),
		RULE("proc.name in (tar, sshd) and not fd.name startswith /tmp"),
		RULE("(proc.name=tar or proc.name=gzip) and evt.is_open_write=false"),
		RULE("not (proc.name != tar or fd.name = /tmp/x)"),
		RULE("not proc.name=tar"),
		RULE("proc.name startswith ta"),
	};
	unsigned dropped = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(conds) / sizeof(conds[0]); i++)
		dropped += check_sound(conds[i]);
	assert_true(dropped > 0);
}

static void test_decisions(void **state)
{
	const char *w = RULE("fd.name startswith /etc/ and evt.is_open_write=true");
	const char *pm = RULE("fd.name pmatch (/var/lib)");

	(void)state;
	/* Read-only opens cannot be writes: all dropped; writes by path. */
	assert_false(keeps(w, "/etc/passwd", O_RDONLY, false));
	assert_true(keeps(w, "/etc/passwd", O_WRONLY, false));
	assert_false(keeps(w, "/tmp/x", O_WRONLY, false));
	/* A literal prefix is cut back to its directory: a superset. */
	assert_true(keeps(RULE("fd.name startswith /etc/pass"), "/etc/shadow", O_RDONLY, false));
	assert_false(keeps(RULE("fd.name startswith /etc/pass"), "/usr/x", O_RDONLY, false));
	/* Exact paths are exact; pmatch is the path or below it. */
	assert_true(keeps(RULE("fd.name = /etc/passwd"), "/etc/passwd", O_RDONLY, false));
	assert_false(keeps(RULE("fd.name = /etc/passwd"), "/etc/passwdx", O_RDONLY, false));
	assert_false(keeps(RULE("fd.name = /etc/passwd"), "/etc/passw", O_RDONLY, false));
	assert_true(keeps(pm, "/var/lib", O_RDONLY, false));
	assert_true(keeps(pm, "/var/lib/x", O_RDONLY, false));
	assert_false(keeps(pm, "/var/libx", O_RDONLY, false));
	/* An exact path under a kept prefix keeps its extensions too. */
	assert_true(keeps(RULE("fd.name in (/etc/passwd) or fd.name startswith /etc/"),
			  "/etc/passwdx", O_RDONLY, false));
	/* A negation, or a field the analysis does not model: everything. */
	assert_true(keeps(RULE("not fd.name startswith /tmp"), "/tmp/x", O_RDONLY, false));
	assert_true(keeps(RULE("fd.name contains .ssh"), "/usr/x", O_RDONLY, false));
	/* fd.nameraw, the caller's string: the raw-path gate keeps an open
	 * whose string has the piece, or whose string the record lacks. */
	assert_true(keeps_raw(RULE("fd.name startswith /etc/ and fd.nameraw contains '../'"),
			      "/etc/passwd", "/tmp/x/../../etc/passwd"));
	assert_false(keeps_raw(RULE("fd.name startswith /etc/ and fd.nameraw contains '../'"),
			       "/usr/x", "/usr/x"));
	assert_false(keeps_raw(RULE("fd.nameraw contains '../'"), "/etc/passwd", "/etc/passwd"));
	assert_true(keeps(RULE("fd.nameraw contains '../'"), "/etc/passwd", O_RDONLY, false));
	/* Falco's directory_traversal: the glob's literal run is the piece. */
	assert_true(keeps_raw(RULE("fd.nameraw glob '*../*../*'"), "/etc/shadow",
			      "a/../../etc/shadow"));
	assert_false(keeps_raw(RULE("fd.nameraw glob '*../*../*'"), "/etc/shadow", "/etc/shadow"));
	/* More pieces than the kernel's table holds (PF_RAWS_MAX): the filter
	 * is still built, and that syscall is left unfiltered. */
	assert_true(keeps_raw(RULE("fd.nameraw in (a1, a2, a3, a4, a5, a6, a7, a8, a9, b1, b2, "
				   "b3, b4, b5, b6, b7, b8)"),
			      "/etc/passwd", "/etc/passwd"));
	/* A negated comparison bounds nothing: every path. */
	assert_true(keeps_raw(RULE("not fd.nameraw contains '../'"), "/etc/passwd", "/etc/passwd"));
	/* container-only rules drop host cgroups' opens, not the others. */
	assert_false(keeps(RULE("container.id != host and fd.name = /tmp/x"), "/tmp/x", O_RDONLY, true));
	assert_true(keeps(RULE("container.id != host and fd.name = /tmp/x"), "/tmp/x", O_RDONLY, false));
}

static void test_name_gate_analysis(void **state)
{
	(void)state;
	/* Bounded: = and in, AND takes the bounded side, OR the union. */
	assert_gate(RULE(RO "proc.name=tar and fd.name contains x"),
		    "read-only opens: 0 paths/prefixes + any path of processes named tar");
	assert_gate(RULE(RO "proc.name in (tar, sshd)"), "processes named sshd, tar");
	assert_gate(RULE(RO "(proc.name=tar or proc.name=gzip) and fd.name endswith .gz"),
		    "processes named gzip, tar");
	/* Unbounded: a negation, an OR with an unbounded side, near misses.
	 * not (proc.name != tar) also holds when proc.name has no value (an
	 * empty comm): it bounds nothing. */
	assert_gate(RULE(RO "not (proc.name != tar)"), NULL);
	assert_gate(RULE(RO "not proc.name = tar"), NULL);
	assert_gate(RULE(RO "proc.name=tar or fd.name contains x"), NULL);
	assert_gate(RULE(RO "proc.name startswith tar"), NULL);
	assert_gate(RULE(RO "proc.pname = tar"), NULL);
	assert_gate(RULE(RO "proc.aname[1] = tar"), NULL);
	assert_gate(RULE(RO "toupper(proc.name) = TAR"), NULL);
	assert_gate(RULE(RO "proc.name contains tar"), NULL);
	assert_gate(RULE(RO "proc.exe = tar"), NULL);
	/* A rule with a bounded path set is kept by path, not by name. */
	assert_gate(RULE(RO "proc.name = tar and fd.name = /etc/passwd"), NULL);
}

static void test_name_gate_decisions(void **state)
{
	const char *tar = RULE(RO "proc.name=tar and fd.name contains x");
	const char *both = RULE(RO "proc.name=tar and fd.name contains x") RULE2(
		"fd.name = /etc/shadow");

	(void)state;
	/* The gate's names keep any path; other names are dropped. */
	assert_true(keeps_as(tar, "/usr/lib/libc.so", O_RDONLY, false, "tar", NULL));
	assert_false(keeps_as(tar, "/usr/lib/libc.so", O_RDONLY, false, "cat", NULL));
	assert_false(keeps_as(tar, "/usr/lib/libc.so", O_RDONLY, false, "tar2", NULL));
	/* Other classes have their own gate (here the same name). */
	assert_true(keeps_as(tar, "/usr/lib/libc.so", O_WRONLY, false, "tar", NULL));
	assert_false(keeps_as(tar, "/usr/lib/libc.so", O_WRONLY, false, "cat", NULL));
	/* The table's name counts, whatever the thread is called now. */
	assert_true(keeps_as(tar, "/usr/lib/libc.so", O_RDONLY, false, "worker", "tar"));
	assert_false(keeps_as(tar, "/usr/lib/libc.so", O_RDONLY, false, "worker", "cat"));
	/* Paths and names side by side. */
	assert_true(keeps_as(both, "/etc/shadow", O_RDONLY, false, "cat", NULL));
	assert_true(keeps_as(both, "/tmp/y", O_RDONLY, false, "tar", NULL));
	assert_false(keeps_as(both, "/tmp/y", O_RDONLY, false, "cat", NULL));
	/* A name no comm can be (16 bytes and more): nothing can match. */
	assert_false(keeps_as(RULE(RO "proc.name = sixteen_bytes_xx"), "/tmp/y", O_RDONLY, false,
			      "sixteen_bytes_x", NULL));
}

/* Each class visits its own raw-path pieces, where its span says
 * (struct pf_raw_span), as the kernel does: a class with two pieces keeps
 * the second too, and a piece of another class keeps nothing. */
static void test_raw_gate_spans(void **state)
{
	const char *rules =
		"- rule: r\n  desc: d\n  condition: evt.type=openat and evt.is_open_read=true and "
		"(fd.nameraw contains zq1 or fd.nameraw contains zq2)\n"
		"  output: o %fd.name\n  priority: WARNING\n"
		"- rule: r2\n  desc: d\n  condition: evt.type=openat and evt.is_open_write=true and "
		"fd.nameraw contains zw\n  output: o %fd.name\n  priority: WARNING\n";
	struct rules_engine *e = engine_from(rules);
	struct prefilter *pf = NULL;
	size_t seen = 0;

	(void)state;
	assert_true(keeps_raw(rules, "/tmp/y", "/tmp/zq1/y"));
	assert_true(keeps_raw(rules, "/tmp/y", "/tmp/zq2/y"));
	assert_false(keeps_raw(rules, "/tmp/y", "/tmp/zw/y"));
	assert_true(keeps_raw_as(rules, "/tmp/y", O_WRONLY, "/tmp/zw/y"));
	assert_false(keeps_raw_as(rules, "/tmp/y", O_WRONLY, "/tmp/y"));
	/* The spans tile the table: each piece in its own class's span. */
	assert_int_equal(prefilter_build(e, &pf), 0);
	for (unsigned id = 0; id < PF_IDS; id++) {
		const struct pf_raw_span *sp = &pf->raw_spans[id];

		for (size_t i = sp->start; i < (size_t)sp->start + sp->count; i++)
			assert_int_equal(pf->raws[i].id, id);
		seen += sp->count;
	}
	assert_true(pf->n_raws > 2);
	assert_int_equal(seen, pf->n_raws);
	prefilter_free(pf);
	rules_engine_free(e);
}

/* The kernel's EV_F_PF_NAME (kept by the leader's name or a rename mark)
 * passes the twin in a gated class only. */
static void test_name_gate_kernel_flag(void **state)
{
	struct rules_engine *e = engine_from(
		RULE(RO "container.id != host and proc.name=tar and fd.name contains x"));
	struct prefilter *pf = NULL;
	static struct sc_rec r;
	size_t len = make_open(&r, "/tmp/y", O_RDONLY);

	(void)state;
	assert_int_equal(prefilter_build(e, &pf), 0);
	assert_false(prefilter_keep(pf, &r, len, false, NULL));
	r.rec.hdr.flags |= EV_F_PF_NAME;
	assert_true(prefilter_keep(pf, &r, len, false, NULL));
	/* On the host the rule cannot match: no gate, the flag keeps nothing. */
	assert_false(prefilter_keep(pf, &r, len, true, NULL));
	prefilter_free(pf);
	rules_engine_free(e);
}

static void test_outside_the_domain_is_kept(void **state)
{
	const char *w = RULE("fd.name = /etc/passwd");
	struct rules_engine *e = engine_from(w);
	struct prefilter *pf = NULL;
	static struct sc_rec r;
	char longp[PF_PATH_MAX + 16];
	size_t len;

	(void)state;
	assert_int_equal(prefilter_build(e, &pf), 0);
	/* A failed open: the caller's string, not a resolved path. */
	len = make_open(&r, "/tmp/x", O_RDONLY);
	r.rec.path_flags = EV_PATH1_USER;
	r.rec.res = -ENOENT;
	memcpy(r.data, "/tmp/x", 7);
	r.rec.path_len = 7;
	r.rec.hdr.size = (uint32_t)(sizeof(r.rec) + 7);
	assert_true(prefilter_keep(pf, &r, sizeof(r.rec) + 7, false, NULL));
	/* Truncated, and longer than a key: kept. */
	len = make_open(&r, "/tmp/x", O_RDONLY);
	r.rec.hdr.flags = EV_F_EXE_TRUNC;
	assert_true(prefilter_keep(pf, &r, len, false, NULL));
	memset(longp, 'a', sizeof(longp));
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	len = make_open(&r, longp, O_RDONLY);
	assert_true(prefilter_keep(pf, &r, len, false, NULL));
	/* A syscall the filter does not cover. */
	len = make_open(&r, "/tmp/x", O_RDONLY);
	r.rec.nr = SYS_unlinkat;
	assert_true(prefilter_keep(pf, &r, len, false, NULL));
	prefilter_free(pf);
	rules_engine_free(e);
}

/* ---- replay of the recorded stream ---- */

/* The recording, decompressed once into a temporary file. */
static char rec_path[64];

static int unpack_recording(void **state)
{
	gzFile in = gzopen(RECORDING, "rb");
	char buf[65536];
	int fd, n;

	(void)state;
	if (!in)
		return -1;
	snprintf(rec_path, sizeof(rec_path), "/tmp/palisade-pf-rec.XXXXXX");
	fd = mkstemp(rec_path);
	if (fd < 0) {
		gzclose(in);
		return -1;
	}
	while ((n = gzread(in, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)n) != n)
			n = -1;
	close(fd);
	gzclose(in);
	return n < 0 ? -1 : 0;
}

static int remove_recording(void **state)
{
	(void)state;
	unlink(rec_path);
	return 0;
}

/* Host cgroups as the kernel learns them: after user space saw one event. */
#define HOSTS_MAX 4096
struct hosts {
	uint64_t id[HOSTS_MAX];
	size_t n;
};

static bool hosts_has(const struct hosts *h, uint64_t id)
{
	for (size_t i = 0; i < h->n; i++)
		if (h->id[i] == id)
			return true;
	return false;
}

/*
 * Replays the recording through the pipeline; with pf, records the twin
 * drops are skipped. Alert lines go to out; returns the records dropped.
 */
static size_t replay(const char *const *rules, size_t n_rules, bool filtered, FILE *out)
{
	struct prefilter *pf = NULL;
	struct container_store_config ccfg = { .offline = true };
	struct record_reader *r = NULL;
	struct rules_config cfg;
	static struct hosts hosts;
	struct pipeline p = { 0 };
	const void *data;
	uint32_t type;
	size_t len, dropped = 0;

	hosts.n = 0;
	assert_int_equal(record_reader_open(rec_path, &r), 0);
	p.boot_to_epoch_ns = record_reader_header(r)->boot_to_epoch_ns;
	rules_config_default(&cfg);
	cfg.boot_to_realtime_ns = (int64_t)p.boot_to_epoch_ns;
	cfg.hostname = "replay";
	assert_int_equal(rules_engine_new(&cfg, &p.rules), 0);
	for (size_t i = 0; i < n_rules; i++)
		assert_int_equal(rules_engine_add_path(p.rules, rules[i]), 0);
	assert_int_equal(rules_engine_compile(p.rules), 0);
	if (filtered)
		assert_int_equal(prefilter_build(p.rules, &pf), 0);
	p.alerts_out = out;
	assert_int_equal(proc_table_new(PROC_TABLE_DEFAULT, &p.procs), 0);
	assert_int_equal(container_store_new(&ccfg, &p.containers), 0);
	while (record_read(r, &type, &data, &len) > 0) {
		const struct ev_header *h = data;
		const struct proc_entry *pe;

		if (type == FRAME_CONTAINER) {
			container_store_put_json(p.containers, data);
			continue;
		}
		if (type != FRAME_EVENT)
			continue;
		pe = proc_table_get(p.procs, h->pid);
		if (pf && !prefilter_keep(pf, data, len, hosts_has(&hosts, h->cgroup_id),
					  pe ? pe->comm : NULL)) {
			dropped++;
			continue;
		}
		pipeline_record(&p, data, len);
		if (p.ev.kind != EV_SYSCALL)
			continue;
		if (!p.ev.container && h->cgroup_id && !hosts_has(&hosts, h->cgroup_id) &&
		    hosts.n < HOSTS_MAX)
			hosts.id[hosts.n++] = h->cgroup_id;
	}
	fflush(out);
	prefilter_free(pf);
	record_reader_close(r);
	container_store_free(p.containers);
	proc_table_free(p.procs);
	rules_engine_free(p.rules);
	jw_release(&p.json);
	return dropped;
}

/* Same alerts with and without the filter; returns the records it dropped. */
static size_t same_alerts(const char *const *rules, size_t n, size_t *alerts)
{
	char *all = NULL, *kept = NULL;
	size_t all_len = 0, kept_len = 0, dropped;
	FILE *a = open_memstream(&all, &all_len);
	FILE *k = open_memstream(&kept, &kept_len);

	assert_non_null(a);
	assert_non_null(k);
	assert_int_equal(replay(rules, n, false, a), 0);
	dropped = replay(rules, n, true, k);
	fclose(a);
	fclose(k);
	*alerts = 0;
	for (const char *c = all; c && *c; c++)
		*alerts += *c == '\n';
	if (all_len != kept_len || memcmp(all, kept, all_len))
		fail_msg("alerts differ with the pre-filter:\n--- without\n%s--- with\n%s", all, kept);
	free(all);
	free(kept);
	return dropped;
}

static void test_replay_default_rules(void **state)
{
	const char *rules[] = { "rules/palisade_rules.yaml" };
	size_t alerts, dropped = same_alerts(rules, 1, &alerts);

	(void)state;
	print_message("default rules: %zu alerts, %zu records dropped\n", alerts, dropped);
	assert_true(alerts > 0);
	assert_true(dropped > 1000);
}

static void test_replay_falco_stable_and_sandbox(void **state)
{
	FALCO_NEED("falco_rules.yaml", "falco-sandbox_rules.yaml");
	const char *rules[] = { "rules/palisade_rules.yaml", falco_file("falco_rules.yaml"),
				falco_file("falco-sandbox_rules.yaml") };
	size_t alerts, dropped = same_alerts(rules, 3, &alerts);

	(void)state;
	print_message("default + stable + sandbox: %zu alerts, %zu records dropped\n", alerts,
		      dropped);
	assert_true(alerts >= 10);
	assert_true(dropped > 1000);
}

static void test_replay_all_falco_files(void **state)
{
	FALCO_NEED("falco_rules.yaml", "falco-incubating_rules.yaml", "falco-sandbox_rules.yaml");
	const char *rules[] = { "rules/palisade_rules.yaml", falco_file("falco_rules.yaml"),
				falco_file("falco-incubating_rules.yaml"),
				falco_file("falco-sandbox_rules.yaml") };
	size_t alerts, dropped = same_alerts(rules, 4, &alerts);

	(void)state;
	print_message("default + three Falco files: %zu alerts, %zu records dropped\n", alerts,
		      dropped);
	assert_true(alerts >= 10);
	/* The incubating file's tar and sshd rules are gated by name: the
	 * read-only opens of other processes are dropped (none were before). */
	assert_true(dropped > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_constructs_are_sound),
		cmocka_unit_test(test_decisions),
		cmocka_unit_test(test_name_gate_analysis),
		cmocka_unit_test(test_name_gate_decisions),
		cmocka_unit_test(test_name_gate_kernel_flag),
		cmocka_unit_test(test_raw_gate_spans),
		cmocka_unit_test(test_outside_the_domain_is_kept),
		cmocka_unit_test(test_replay_default_rules),
		cmocka_unit_test(test_replay_falco_stable_and_sandbox),
		cmocka_unit_test(test_replay_all_falco_files),
	};

	return cmocka_run_group_tests(tests, unpack_recording, remove_recording);
}
