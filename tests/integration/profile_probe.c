/*
 * Actions a learned profile must refuse, one per argument, for
 * test_profile.sh (built static, copied into the test image). Each makes the
 * real call and prints "NAME: ok" or "NAME: errno N (text)"; "none" makes no
 * call (the probe's own start-up, learned with the workload).
 *
 *   mount personality unshare ptrace keyctl bpf raw none
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/bpf.h>
#include <linux/keyctl.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static long act(const char *what)
{
	union bpf_attr attr;

	if (!strcmp(what, "mount"))
		return mount("none", "/mnt", "tmpfs", 0, NULL);
	if (!strcmp(what, "personality"))
		return personality(PER_LINUX32) == -1 ? -1 : 0;
	if (!strcmp(what, "unshare"))
		return unshare(CLONE_NEWNS);
	if (!strcmp(what, "ptrace"))
		return ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	if (!strcmp(what, "keyctl"))
		return syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
	if (!strcmp(what, "bpf")) {
		memset(&attr, 0, sizeof(attr));
		attr.map_type = BPF_MAP_TYPE_ARRAY;
		attr.key_size = 4;
		attr.value_size = 4;
		attr.max_entries = 1;
		return syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr));
	}
	if (!strcmp(what, "raw"))
		return socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	if (!strcmp(what, "none"))
		return 0;
	errno = EINVAL;
	return -1;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		long rc = act(argv[i]);

		if (rc < 0)
			printf("%s: errno %d (%s)\n", argv[i], errno, strerror(errno));
		else
			printf("%s: ok\n", argv[i]);
	}
	return 0;
}
