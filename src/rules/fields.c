/*
 * THE field table: every field a condition, an exception or an output may
 * name, with its type, argument form, description and extractor. The
 * parser, the compiler, the evaluator, `palisade fields` and docs/rules.md
 * all read it. A field whose data no sensor provides yet has no extractor
 * and says in `needs` what will provide it: rules using it still compile,
 * and the engine reports which rules cannot fire because of it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/field_ids.h"

#define NEEDS_EXEINFO "the executable's mode and owner, and the pid namespace start (not sent)"
#define NEEDS_INODE "device and inode of the file (the syscall sensor does not send them)"
#define NEEDS_FDTABLE "a per-process fd table (palisade keeps none)"
#define NEEDS_DNS "DNS names of addresses (palisade does no name resolution)"
#define NEEDS_SERVICES "port names from /etc/services (not loaded)"
#define NEEDS_K8S "Kubernetes metadata (palisade targets Docker hosts)"

/* Row macros: which sources' events (RL_SRC_BIT) a field describes, and
 * whether it is a list (docker.cap_add). */
#define SYS RL_SRC_BIT(RL_SRC_SYSCALL)
#define NET (RL_SRC_BIT(RL_SRC_SYSCALL) | RL_SRC_BIT(RL_SRC_FLOW))
#define ALL (RL_SRC_BIT(RL_SRC_SYSCALL) | RL_SRC_BIT(RL_SRC_DOCKER) | RL_SRC_BIT(RL_SRC_FLOW))
#define F(n, t, a, x, d, id) { n, t, a, x, NULL, d, id, SYS, false }
#define NA(n, t, a, why, d) { n, t, a, NULL, why, d, X_UNAVAILABLE, SYS, false }
/* Fields of every source's events: the event's type, time, host, source. */
#define FA(n, t, a, x, d, id) { n, t, a, x, NULL, d, id, ALL, false }
/* Fields of syscall events that flow events (source: flow) have too. */
#define FN(n, t, a, x, d, id) { n, t, a, x, NULL, d, id, NET, false }
/* Fields of flow events only. */
#define FL(n, t, a, x, d, id) { n, t, a, x, NULL, d, id, RL_SRC_BIT(RL_SRC_FLOW), false }
/* The docker source (src/authz/: a request to the Engine API), and its lists. */
#define D(n, t, a, d, id) { n, t, a, rl_x_docker, NULL, d, id, RL_SRC_BIT(RL_SRC_DOCKER), false }
#define DL(n, d, id) { n, FT_STR, FARG_NONE, rl_x_docker, NULL, d, id, RL_SRC_BIT(RL_SRC_DOCKER), true }

static const struct rl_field_def table[] = {
	/* evt */
	FA("evt.type", FT_STR, FARG_NONE, rl_x_evt, "event type: syscall name (execve, openat, ...) or procexit; flow_start, flow_end for the flow source", E_TYPE),
	FA("evt.num", FT_UINT, FARG_NONE, rl_x_evt, "event sequence number, from 1", E_NUM),
	FA("evt.time", FT_STR, FARG_NONE, rl_x_evt, "event time, hh:mm:ss.nnnnnnnnn (UTC)", E_TIME),
	FA("evt.time.s", FT_STR, FARG_NONE, rl_x_evt, "event time, hh:mm:ss (UTC)", E_TIME_S),
	FA("evt.time.iso8601", FT_STR, FARG_NONE, rl_x_evt, "event time, RFC 3339 with nanoseconds", E_ISO8601),
	FA("evt.datetime", FT_STR, FARG_NONE, rl_x_evt, "event date and time, YYYY-MM-DD hh:mm:ss.nnnnnnnnn (UTC)", E_DATETIME),
	FA("evt.rawtime", FT_ABSTIME, FARG_NONE, rl_x_evt, "event time, ns since the epoch", E_RAWTIME),
	F("evt.dir", FT_STR, FARG_NONE, rl_x_evt, "direction: always '<' (exit); deprecated in Falco", E_DIR),
	F("evt.res", FT_STR, FARG_NONE, rl_x_evt, "result: SUCCESS or the errno name (ENOENT, ...)", E_RES),
	F("evt.rawres", FT_INT, FARG_NONE, rl_x_evt, "result as a number (0, or -errno)", E_RAWRES),
	F("evt.failed", FT_BOOL, FARG_NONE, rl_x_evt, "true when the syscall failed", E_FAILED),
	FA("evt.hostname", FT_STR, FARG_NONE, rl_x_evt, "host name of the machine palisade runs on", E_HOSTNAME),
	F("evt.args", FT_STR, FARG_NONE, rl_x_evt, "all event arguments as name=value text", E_ARGS),
	F("evt.arg", FT_STR, FARG_NAME_REQ, rl_x_evt, "one event argument, by name (evt.arg.flags, evt.arg[name]) or position (evt.arg[0]), rendered as text: paths absolute, flags and enums by name (O_WRONLY|O_TRUNC, AF_PACKET, PTRACE_ATTACH, S_ISUID), uids/gids by user/group name (as user.name names them); also evt.arg.res (and evt.arg.fd for calls returning an fd)", E_ARG),
	F("evt.rawarg", FT_STR, FARG_NAME_REQ, rl_x_evt, "one event argument, raw: the number the caller passed (as decimal text), or the path as the caller wrote it", E_RAWARG),
	FA("evt.source", FT_STR, FARG_NONE, rl_x_evt, "event source: syscall, docker (palisade authz) or flow (palisade run --flows)", E_SOURCE),
	FN("evt.category", FT_STR, FARG_NONE, rl_x_evt, "event category: process, file, net, ...", E_CATEGORY),
	F("syscall.type", FT_STR, FARG_NONE, rl_x_evt, "syscall name; like evt.type", E_SYSCALL_TYPE),
	F("evt.is_open_read", FT_BOOL, FARG_NONE, rl_x_evt, "open, openat, openat2, open_by_handle_at opened the file for reading (O_RDONLY or O_RDWR); false for other events; no value when the flags are unknown (an openat2 whose struct open_how could not be read)", E_IS_OPEN_READ),
	F("evt.is_open_write", FT_BOOL, FARG_NONE, rl_x_evt, "open, openat, openat2, open_by_handle_at opened the file for writing (O_WRONLY or O_RDWR); false for other events; no value when the flags are unknown", E_IS_OPEN_WRITE),
	F("evt.is_open_exec", FT_BOOL, FARG_NONE, rl_x_evt, "an open created a file (O_CREAT, O_TMPFILE) with an execute bit in its mode", E_IS_OPEN_EXEC),
	F("evt.is_open_create", FT_BOOL, FARG_NONE, rl_x_evt, "an open created the file: true for a successful O_CREAT|O_EXCL or O_TMPFILE, false without O_CREAT, no value otherwise (the kernel side does not say)", E_IS_OPEN_CREATE),
	F("evt.is_io_uring", FT_BOOL, FARG_NONE, rl_x_evt, "palisade: the open or connect was an io_uring request (IORING_OP_OPENAT, OPENAT2, CONNECT) the kernel ran for the process, reported as the syscall it stands for; false for a syscall (docs/events.md)", E_IS_IO_URING),
	NA("evt.buffer", FT_BYTES, FARG_NONE, "read/write data buffers (not captured)", "the data buffer of a read/write"),
	NA("evt.buflen", FT_UINT, FARG_NONE, "read/write data buffers (not captured)", "length of the data buffer"),
	NA("evt.count", FT_UINT, FARG_NONE, "aggregated events (not supported)", "events aggregated"),

	/* proc / thread */
	F("proc.pid", FT_INT, FARG_NONE, rl_x_proc, "process id (host pid namespace)", P_PID),
	F("proc.ppid", FT_INT, FARG_NONE, rl_x_proc, "parent process id", P_PPID),
	F("proc.vpid", FT_INT, FARG_NONE, rl_x_proc, "process id inside its own pid namespace", P_VPID),
	F("proc.pvpid", FT_INT, FARG_NONE, rl_x_proc, "parent's id inside its pid namespace", P_PVPID),
	F("proc.name", FT_STR, FARG_NONE, rl_x_proc, "process name (comm, up to 15 characters)", P_NAME),
	F("proc.exe", FT_STR, FARG_NONE, rl_x_proc, "first command-line argument (argv[0])", P_EXE),
	F("proc.exepath", FT_STR, FARG_NONE, rl_x_proc, "full path of the executable", P_EXEPATH),
	F("proc.args", FT_STR, FARG_NONE, rl_x_proc, "arguments after argv[0], space-separated", P_ARGS),
	F("proc.cmdline", FT_STR, FARG_NONE, rl_x_proc, "proc.name and its arguments", P_CMDLINE),
	F("proc.cwd", FT_STR, FARG_NONE, rl_x_proc, "current working directory, ending with '/' as Falco keeps it (/dev/shm/; the root is /); as of the process's last exec or the agent's start (palisade does not follow chdir)", P_CWD),
	F("proc.tty", FT_UINT, FARG_NONE, rl_x_proc, "controlling terminal (0: none)", P_TTY),
	F("proc.pname", FT_STR, FARG_NONE, rl_x_proc, "parent's name", P_PNAME),
	F("proc.pexe", FT_STR, FARG_NONE, rl_x_proc, "parent's argv[0]", P_PEXE),
	F("proc.pexepath", FT_STR, FARG_NONE, rl_x_proc, "parent's executable path", P_PEXEPATH),
	F("proc.pcmdline", FT_STR, FARG_NONE, rl_x_proc, "parent's command line", P_PCMDLINE),
	F("proc.aname", FT_STR, FARG_INDEX_OPT, rl_x_proc, "name of the N-th ancestor (proc.aname[1] is the parent); without [N], in a condition, any ancestor", P_ANAME),
	F("proc.apid", FT_INT, FARG_INDEX_OPT, rl_x_proc, "pid of the N-th ancestor; without [N], any ancestor", P_APID),
	F("proc.aexe", FT_STR, FARG_INDEX_OPT, rl_x_proc, "argv[0] of the N-th ancestor; without [N], any ancestor", P_AEXE),
	F("proc.aexepath", FT_STR, FARG_INDEX_OPT, rl_x_proc, "executable path of the N-th ancestor; without [N], any ancestor", P_AEXEPATH),
	F("proc.acmdline", FT_STR, FARG_INDEX_OPT, rl_x_proc, "command line of the N-th ancestor; without [N], any ancestor", P_ACMDLINE),
	F("proc.duration", FT_RELTIME, FARG_NONE, rl_x_proc, "ns since the process started", P_DURATION),
	F("proc.ppid.duration", FT_RELTIME, FARG_NONE, rl_x_proc, "ns since the parent started", P_PPID_DURATION),
	F("proc.start_ts", FT_ABSTIME, FARG_NONE, rl_x_proc, "process start, ns since the epoch", P_START_TS),
	F("proc.pstart_ts", FT_ABSTIME, FARG_NONE, rl_x_proc, "parent start, ns since the epoch", P_PSTART_TS),
	F("proc.is_container", FT_BOOL, FARG_NONE, rl_x_proc, "true when the process runs in a container", P_IS_CONTAINER),
	F("proc.exe_truncated", FT_BOOL, FARG_NONE, rl_x_proc, "palisade: the exe path or argv was truncated", P_EXE_TRUNC),
	F("proc.pidns_init_start_ts", FT_UINT, FARG_NONE, rl_x_proc, "pid namespace inode (palisade: start time not tracked)", P_PIDNS),
	F("proc.mntns", FT_UINT, FARG_NONE, rl_x_proc, "palisade: mount namespace inode", P_MNTNS),
	F("proc.loginshellid", FT_INT, FARG_NONE, rl_x_proc, "palisade: audit session id", P_LOGINSHELLID),
	F("proc.sessionid", FT_UINT, FARG_NONE, rl_x_proc, "palisade: audit session id", P_SESSIONID),
	F("proc.sid", FT_INT, FARG_NONE, rl_x_proc, "session id, as the process's own pid namespace sees it (0: the session leader is outside it); as of the last exec or fork", P_SID),
	F("proc.sname", FT_STR, FARG_NONE, rl_x_proc, "name of the session leader: the process whose pid is the session id, else the eldest known ancestor in the same session", P_SNAME),
	F("proc.sid.exe", FT_STR, FARG_NONE, rl_x_proc, "argv[0] of the session leader (as proc.sname finds it)", P_SID_EXE),
	F("proc.sid.exepath", FT_STR, FARG_NONE, rl_x_proc, "executable path of the session leader (as proc.sname finds it)", P_SID_EXEPATH),
	F("proc.pgid", FT_INT, FARG_NONE, rl_x_proc, "palisade: process group id in the host pid namespace; as of the last exec or fork", P_PGID),
	F("proc.vpgid", FT_INT, FARG_NONE, rl_x_proc, "process group id, as the process's own pid namespace sees it (0: the group leader is outside it); as of the last exec or fork", P_VPGID),
	F("proc.vpgid.name", FT_STR, FARG_NONE, rl_x_proc, "name of the process group leader: the process whose pid is the group id, else the eldest known ancestor in the same group", P_VPGID_NAME),
	F("proc.vpgid.exe", FT_STR, FARG_NONE, rl_x_proc, "argv[0] of the process group leader (as proc.vpgid.name finds it)", P_VPGID_EXE),
	F("proc.vpgid.exepath", FT_STR, FARG_NONE, rl_x_proc, "executable path of the process group leader (as proc.vpgid.name finds it)", P_VPGID_EXEPATH),
	F("proc.is_vpgid_leader", FT_BOOL, FARG_NONE, rl_x_proc, "true when the process leads its process group (proc.vpgid == proc.vpid): run directly from a shell or terminal rather than by a script in the same group", P_IS_VPGID_LEADER),
	F("proc.is_sid_leader", FT_BOOL, FARG_NONE, rl_x_proc, "true when the process leads its session (proc.sid == proc.vpid)", P_IS_SID_LEADER),
	F("proc.env", FT_STR, FARG_KEY_OPT, rl_x_proc, "environment as of the last exec, VAR=value entries joined by spaces; proc.env[NAME]: the value of one variable (no value when unset). Read only while a loaded rule uses this field; no value for processes whose environment was not read", P_ENV),
	NA("proc.is_exe_writable", FT_BOOL, FARG_NONE, NEEDS_EXEINFO, "the executable is writable by the user"),
	F("proc.is_exe_upper_layer", FT_BOOL, FARG_NONE, rl_x_proc, "the executable is on overlayfs and present in the upper (writable) layer: created or modified after the container started; unknown for processes found in /proc at start", P_IS_EXE_UPPER_LAYER),
	F("proc.stdin.type", FT_STR, FARG_NONE, rl_x_proc, "what fd 0 was when the process's image started (its last exec): file, directory, ipv4, ipv6, unix, netlink, pipe or socket; no value when it was not open", P_STDIN_TYPE),
	F("proc.stdout.type", FT_STR, FARG_NONE, rl_x_proc, "what fd 1 was at the last exec (as proc.stdin.type)", P_STDOUT_TYPE),
	F("proc.stderr.type", FT_STR, FARG_NONE, rl_x_proc, "what fd 2 was at the last exec (as proc.stdin.type)", P_STDERR_TYPE),
	F("proc.is_exe_from_memfd", FT_BOOL, FARG_NONE, rl_x_proc, "the executable is a memfd (memfd_create + execveat): its path is the kernel's name for it, /memfd:NAME (deleted), or the bare root the dentry walk of a nameless file gives", P_IS_EXE_FROM_MEMFD),
	F("proc.exe_ino", FT_UINT, FARG_NONE, rl_x_proc, "inode number of the executable", P_EXE_INO),
	F("proc.exe_ino.ctime", FT_ABSTIME, FARG_NONE, rl_x_proc, "ctime of the executable (ns since the epoch)", P_EXE_INO_CTIME),
	F("proc.exe_ino.mtime", FT_ABSTIME, FARG_NONE, rl_x_proc, "mtime of the executable (ns since the epoch)", P_EXE_INO_MTIME),
	F("proc.exe_ino.ctime_duration_proc_start", FT_RELTIME, FARG_NONE, rl_x_proc, "from the executable's ctime to the process start (ns)", P_EXE_INO_CTIME_DUR_START),
	NA("proc.exe_ino.ctime_duration_pidns_start", FT_RELTIME, FARG_NONE, NEEDS_EXEINFO, "executable ctime to pid namespace start"),
	NA("proc.nthreads", FT_UINT, FARG_NONE, "thread counts (not tracked)", "threads of the process"),
	NA("proc.fdopencount", FT_UINT, FARG_NONE, NEEDS_FDTABLE, "open file descriptors"),
	F("thread.tid", FT_INT, FARG_NONE, rl_x_proc, "thread id", T_TID),
	F("thread.vtid", FT_INT, FARG_NONE, rl_x_proc, "thread id in its pid namespace (palisade: the process's)", T_VTID),
	F("thread.cap_permitted", FT_STR, FARG_NONE, rl_x_proc, "permitted capabilities of the thread at the event, space-separated (CAP_CHOWN CAP_SYS_ADMIN ...)", T_CAP_PERMITTED),
	F("thread.cap_effective", FT_STR, FARG_NONE, rl_x_proc, "effective capabilities of the thread at the event", T_CAP_EFFECTIVE),
	F("thread.cap_inheritable", FT_STR, FARG_NONE, rl_x_proc, "inheritable capabilities of the thread at the event", T_CAP_INHERITABLE),

	/* user / group */
	F("user.uid", FT_UINT, FARG_NONE, rl_x_user, "real user id", U_UID),
	F("user.name", FT_STR, FARG_NONE, rl_x_user, "user name: from the container's own /etc/passwd for a container process (read when the agent learns of the container), else the host's (read at start); a uid without an account is root (0) or <NA>, as in Falco", U_NAME),
	F("user.loginuid", FT_INT, FARG_NONE, rl_x_user, "audit login uid (-1: none)", U_LOGINUID),
	F("user.loginname", FT_STR, FARG_NONE, rl_x_user, "name of the audit login user (named as user.name is)", U_LOGINNAME),
	F("user.euid", FT_UINT, FARG_NONE, rl_x_user, "palisade: effective user id", U_EUID),
	NA("user.homedir", FT_STR, FARG_NONE, "home directories (not loaded)", "home directory"),
	NA("user.shell", FT_STR, FARG_NONE, "login shells (not loaded)", "login shell"),
	F("group.gid", FT_UINT, FARG_NONE, rl_x_user, "group id", G_GID),
	F("group.name", FT_STR, FARG_NONE, rl_x_user, "group name: from the container's own /etc/group for a container process, else the host's (read at start); a gid without a group is root (0) or <NA>", G_NAME),

	/* container */
	FN("container.id", FT_STR, FARG_NONE, rl_x_container, "container id, 12 characters; 'host' outside containers", C_ID),
	FN("container.full_id", FT_STR, FARG_NONE, rl_x_container, "container id, 64 characters; 'host' outside", C_FULL_ID),
	FN("container.name", FT_STR, FARG_NONE, rl_x_container, "container name; 'host' outside containers", C_NAME),
	FN("container.image", FT_STR, FARG_NONE, rl_x_container, "image as the container was started with", C_IMAGE),
	FN("container.image.repository", FT_STR, FARG_NONE, rl_x_container, "image without tag and digest", C_IMAGE_REPO),
	FN("container.image.tag", FT_STR, FARG_NONE, rl_x_container, "image tag", C_IMAGE_TAG),
	FN("container.image.id", FT_STR, FARG_NONE, rl_x_container, "image id (sha256:...)", C_IMAGE_ID),
	FN("container.image.digest", FT_STR, FARG_NONE, rl_x_container, "image digest, when started by digest", C_IMAGE_DIGEST),
	FN("container.privileged", FT_BOOL, FARG_NONE, rl_x_container, "true for a privileged container", C_PRIVILEGED),
	FN("container.type", FT_STR, FARG_NONE, rl_x_container, "runtime: docker, containerd, cri-o, podman; host outside", C_TYPE),
	FN("container.label", FT_STR, FARG_KEY_REQ, rl_x_container, "a container label (container.label[com.example.key])", C_LABEL),
	FN("container.labels", FT_STR, FARG_NONE, rl_x_container, "all labels, key:value, comma-separated", C_LABELS),
	FN("container.start_ts", FT_ABSTIME, FARG_NONE, rl_x_container, "container start (the engine's State.StartedAt), ns since the epoch; Falco: the start of the container's pid 1", C_START_TS),
	FN("container.duration", FT_RELTIME, FARG_NONE, rl_x_container, "ns since container.start_ts", C_DURATION),
	FN("container.mounts", FT_STR, FARG_NONE, rl_x_container, "all mounts, source:dest:mode:rdwr:propagation, comma-separated; empty for a container without mounts", C_MOUNTS),
	FN("container.mount", FT_STR, FARG_KEY_REQ, rl_x_container, "one mount as source:dest:mode:rdwr:propagation, by index (container.mount[0]) or by a glob on its source (container.mount[/var/run/*]), the first that matches; N/A when none does", C_MOUNT),
	FN("container.mount.source", FT_STR, FARG_KEY_REQ, rl_x_container, "a mount's source, by index or by a glob on its destination; N/A when no mount matches", C_MOUNT_SOURCE),
	FN("container.mount.dest", FT_STR, FARG_KEY_REQ, rl_x_container, "a mount's destination, by index or by a glob on its source (container.mount.dest[/proc*]); N/A when no mount matches", C_MOUNT_DEST),
	FN("container.mount.mode", FT_STR, FARG_KEY_REQ, rl_x_container, "a mount's mode (ro, z, ...; empty by default), by index or by a glob on its source; N/A when no mount matches", C_MOUNT_MODE),
	FN("container.mount.rdwr", FT_STR, FARG_KEY_REQ, rl_x_container, "true or false: a mount is writable, by index or by a glob on its source; N/A when no mount matches", C_MOUNT_RDWR),
	FN("container.mount.propagation", FT_STR, FARG_KEY_REQ, rl_x_container, "a mount's propagation (rprivate, ...), by index or by a glob on its source; N/A when no mount matches", C_MOUNT_PROPAGATION),
	FN("container.ip", FT_STR, FARG_NONE, rl_x_container, "the container's primary IPv4 address (the default bridge's, else its first network's); no value without one", C_IP),
	FN("container.host_pid", FT_BOOL, FARG_NONE, rl_x_container, "true when the container shares the host's pid namespace (--pid host)", C_HOST_PID),
	FN("container.host_network", FT_BOOL, FARG_NONE, rl_x_container, "true when the container shares the host's network namespace (--network host)", C_HOST_NETWORK),
	FN("container.host_ipc", FT_BOOL, FARG_NONE, rl_x_container, "true when the container shares the host's IPC namespace (--ipc host)", C_HOST_IPC),
	NA("container.cni.json", FT_STR, FARG_NONE, NEEDS_K8S, "CNI result"),
	FN("container.healthcheck", FT_STR, FARG_NONE, rl_x_container, "the Docker HEALTHCHECK command, program and arguments space-separated (CMD-SHELL x: /bin/sh -c x); NONE when the container has none", C_HEALTHCHECK),
	NA("container.liveness_probe", FT_STR, FARG_NONE, NEEDS_K8S, "liveness probe"),
	NA("container.readiness_probe", FT_STR, FARG_NONE, NEEDS_K8S, "readiness probe"),
	F("proc.is_container_healthcheck", FT_BOOL, FARG_NONE, rl_x_container, "the process runs the container's Docker HEALTHCHECK (its command, or a descendant of it, started by the engine, not under the container's pid 1)", P_IS_CONTAINER_HEALTHCHECK),
	NA("proc.is_container_liveness_probe", FT_BOOL, FARG_NONE, NEEDS_K8S, "process is a liveness probe"),
	NA("proc.is_container_readiness_probe", FT_BOOL, FARG_NONE, NEEDS_K8S, "process is a readiness probe"),

	/* fd: the fd a syscall returned or took (see extract_fd.c) */
	F("fd.num", FT_INT, FARG_NONE, rl_x_fd, "file descriptor number: the result of open/socket/accept (-1 when it failed), arg 0 of connect/bind/sendto/dup/fcntl/close/fchmod/...", FD_NUM),
	FN("fd.type", FT_STR, FARG_NONE, rl_x_fd, "file, directory, ipv4, ipv6, unix, netlink, memfd; with the fd table (close, dup, fcntl of such fds) also pipe, event, signalfd, eventpoll, inotify, timerfd, bpf; else unknown", FD_TYPE),
	FN("fd.typechar", FT_STR, FARG_NONE, rl_x_fd, "fd type as one character: f, d, 4, 6, u, n, m, p, e, s, l, i, t, b, o", FD_TYPECHAR),
	FN("fd.name", FT_STR, FARG_NONE, rl_x_fd, "full path (from the kernel's file object; for unlink, rename, mkdir, chmod, link: the path acted on; symlink: the link created), or the connection cip:cport->sip:sport, ip:port of a listener, a unix socket path", FD_NAME),
	F("fd.nameraw", FT_STR, FARG_NONE, rl_x_fd, "path as the caller passed it, unresolved (failed opens, unlink, rename, ...; a successful open only when some loaded rule on that syscall reads fd.nameraw or evt.rawarg, which makes the sensor send it)", FD_NAMERAW),
	F("fd.directory", FT_STR, FARG_NONE, rl_x_fd, "directory of fd.name, as Falco derives it: a file's parent (/ at the top), a directory fd's own path; none for sockets and memfds", FD_DIRECTORY),
	F("fd.filename", FT_STR, FARG_NONE, rl_x_fd, "last component of fd.name (/ for the root) of a file the process holds an fd of; none, as in Falco, for a directory, a failed open or a syscall without an fd of its own (unlink, rename, ...)", FD_FILENAME),
	F("fd.name_changed", FT_BOOL, FARG_NONE, rl_x_fd, "the socket got a peer with this event: a connect, or a sendto/sendmsg to an address the caller named", FD_NAME_CHANGED),
	NA("fd.dev", FT_UINT, FARG_NONE, NEEDS_INODE, "device number"),
	NA("fd.ino", FT_UINT, FARG_NONE, NEEDS_INODE, "inode number"),
	NA("fd.uid", FT_STR, FARG_NONE, NEEDS_FDTABLE, "unique fd id"),
	F("fd.containername", FT_STR, FARG_NONE, rl_x_fd, "container.id:fd.name", FD_CONTAINERNAME),
	F("fd.containerdirectory", FT_STR, FARG_NONE, rl_x_fd, "container.id:fd.directory", FD_CONTAINERDIR),
	FN("fd.ip", FT_IPADDR, FARG_NONE, rl_x_fd, "IP address of the socket (Falco: either end; palisade: the server end)", FD_IP),
	FN("fd.cip", FT_IPADDR, FARG_NONE, rl_x_fd, "client IP address", FD_CIP),
	FN("fd.sip", FT_IPADDR, FARG_NONE, rl_x_fd, "server IP address (the remote end of connect/sendto, the local end of accept/listen/bind)", FD_SIP),
	FN("fd.lip", FT_IPADDR, FARG_NONE, rl_x_fd, "local IP address", FD_LIP),
	FN("fd.rip", FT_IPADDR, FARG_NONE, rl_x_fd, "remote IP address", FD_RIP),
	FN("fd.cip.name", FT_STR, FARG_NONE, rl_x_fd, "the host name, among those the rules compare fd.*.name with, that the client address resolves to (names are resolved by the agent every 60 s)", FD_CIP_NAME),
	FN("fd.sip.name", FT_STR, FARG_NONE, rl_x_fd, "the host name, among those the rules compare fd.*.name with, that the server address resolves to (names are resolved by the agent every 60 s)", FD_SIP_NAME),
	FN("fd.lip.name", FT_STR, FARG_NONE, rl_x_fd, "the host name, among those the rules compare fd.*.name with, that the local address resolves to (names are resolved by the agent every 60 s)", FD_LIP_NAME),
	FN("fd.rip.name", FT_STR, FARG_NONE, rl_x_fd, "the host name, among those the rules compare fd.*.name with, that the remote address resolves to (names are resolved by the agent every 60 s)", FD_RIP_NAME),
	FN("fd.port", FT_UINT, FARG_NONE, rl_x_fd, "port of the socket (Falco: either end; palisade: the server end)", FD_PORT),
	FN("fd.cport", FT_UINT, FARG_NONE, rl_x_fd, "client port", FD_CPORT),
	FN("fd.sport", FT_UINT, FARG_NONE, rl_x_fd, "server port", FD_SPORT),
	FN("fd.lport", FT_UINT, FARG_NONE, rl_x_fd, "local port", FD_LPORT),
	FN("fd.rport", FT_UINT, FARG_NONE, rl_x_fd, "remote port", FD_RPORT),
	FN("fd.l4proto", FT_STR, FARG_NONE, rl_x_fd, "tcp, udp, icmp or raw", FD_L4PROTO),
	FN("fd.sockfamily", FT_STR, FARG_NONE, rl_x_fd, "ip or unix", FD_SOCKFAMILY),
	FN("fd.is_server", FT_BOOL, FARG_NONE, rl_x_fd, "the process is the server end (accept, listen, bind; for a socket passed to dup, close, ...: what the fd table saw, else the end with the lower port)", FD_IS_SERVER),
	FN("fd.connected", FT_BOOL, FARG_NONE, rl_x_fd, "the kernel's socket has a peer", FD_CONNECTED),
	FN("fd.net", FT_IPNET, FARG_NONE, rl_x_fd, "network of the socket, for CIDR comparisons (Falco: either end; palisade: the server end)", FD_NET),
	FN("fd.cnet", FT_IPNET, FARG_NONE, rl_x_fd, "client network", FD_CNET),
	FN("fd.snet", FT_IPNET, FARG_NONE, rl_x_fd, "server network", FD_SNET),
	FN("fd.lnet", FT_IPNET, FARG_NONE, rl_x_fd, "local network", FD_LNET),
	FN("fd.rnet", FT_IPNET, FARG_NONE, rl_x_fd, "remote network", FD_RNET),
	NA("fd.proto", FT_STR, FARG_NONE, NEEDS_SERVICES, "protocol name of either port"),
	NA("fd.cproto", FT_STR, FARG_NONE, NEEDS_SERVICES, "client port's protocol name"),
	NA("fd.sproto", FT_STR, FARG_NONE, NEEDS_SERVICES, "server port's protocol name"),
	NA("fd.lproto", FT_STR, FARG_NONE, NEEDS_SERVICES, "local port's protocol name"),
	NA("fd.rproto", FT_STR, FARG_NONE, NEEDS_SERVICES, "remote port's protocol name"),
	F("fs.path.name", FT_STR, FARG_NONE, rl_x_fd, "path a filesystem syscall acts on (open, unlink, mkdir, chmod, ...), absolute", FS_PATH_NAME),
	F("fs.path.source", FT_STR, FARG_NONE, rl_x_fd, "source of a rename/link (old path) or symlink (its target text)", FS_PATH_SOURCE),
	F("fs.path.target", FT_STR, FARG_NONE, rl_x_fd, "target of a rename/link/symlink (the new path), absolute where its directory is known", FS_PATH_TARGET),

	/* flow: a flow of the `flow` source (docs/flows.md); with the fd.* network
	 * fields above, whose local end is the container's */
	FL("flow.direction", FT_STR, FARG_NONE, rl_x_flow, "egress: the container began the conversation (sent its first packet; for TCP the SYN); ingress: the remote end did", FL_DIRECTION),
	FL("flow.peer", FT_STR, FARG_NONE, rl_x_flow, "the remote end: a container's name (one of this host's, by its addresses), host, or the address", FL_PEER),
	FL("flow.peer.kind", FT_STR, FARG_NONE, rl_x_flow, "container, host or external", FL_PEER_KIND),
	FL("flow.bytes", FT_UINT, FARG_NONE, rl_x_flow, "bytes both ways so far (IP packets, headers included)", FL_BYTES),
	FL("flow.bytes_out", FT_UINT, FARG_NONE, rl_x_flow, "bytes the container sent", FL_BYTES_OUT),
	FL("flow.bytes_in", FT_UINT, FARG_NONE, rl_x_flow, "bytes the container received", FL_BYTES_IN),
	FL("flow.packets_out", FT_UINT, FARG_NONE, rl_x_flow, "packets the container sent", FL_PACKETS_OUT),
	FL("flow.packets_in", FT_UINT, FARG_NONE, rl_x_flow, "packets the container received", FL_PACKETS_IN),
	FL("flow.duration", FT_RELTIME, FARG_NONE, rl_x_flow, "ns from the first packet to the last", FL_DURATION),
	FL("flow.state", FT_STR, FARG_NONE, rl_x_flow, "TCP: SYN_SENT, ESTABLISHED, CLOSING, CLOSED, RESET, MIDSTREAM; no value otherwise", FL_STATE),
	FL("flow.end", FT_STR, FARG_NONE, rl_x_flow, "flow_end: closed, reset, idle or gone; no value at flow_start", FL_END),

	/* docker: a request to the Docker Engine API (palisade authz, docs/authz.md) */
	D("docker.req.method", FT_STR, FARG_NONE, "HTTP method of the request (GET, POST, ...)", D_METHOD),
	D("docker.req.path", FT_STR, FARG_NONE, "the request's path as dockerd routes it: percent-decoded, dot segments and repeated slashes resolved, the API version prefix removed (/containers/create)", D_PATH),
	D("docker.req.uri", FT_STR, FARG_NONE, "the request URI exactly as dockerd passed it", D_URI),
	D("docker.req.api_version", FT_STR, FARG_NONE, "the API version the path asked for (1.41), or empty", D_API_VERSION),
	D("docker.req.query", FT_STR, FARG_KEY_OPT, "the query string as sent; docker.req.query[NAME]: the first value of parameter NAME, decoded (as dockerd reads it)", D_QUERY),
	D("docker.req.user", FT_STR, FARG_NONE, "the requesting user as dockerd authenticated it (a TLS client certificate's name); empty on the unix socket", D_USER),
	D("docker.req.authn", FT_STR, FARG_NONE, "how dockerd authenticated the user (TLS), or empty", D_AUTHN),
	D("docker.op", FT_STR, FARG_NONE, "what the request does: container_create, container_start, container_update, exec_create, exec_start, image_pull, image_push, image_load, volume_create, plugin_install, other", D_OP),
	D("docker.target", FT_STR, FARG_NONE, "the container, exec or image the path names (/containers/TARGET/start)", D_TARGET),
	D("docker.resp.status", FT_UINT, FARG_NONE, "authz_response: the HTTP status dockerd answers with", D_STATUS),
	D("docker.image", FT_STR, FARG_NONE, "the image asked for, as written (create: Image; pull: fromImage and tag)", D_IMAGE),
	D("docker.image.registry", FT_STR, FARG_NONE, "the image's registry, as Docker resolves the reference (docker.io by default)", D_IMAGE_REGISTRY),
	D("docker.image.repository", FT_STR, FARG_NONE, "the image's registry and path (docker.io/library/nginx)", D_IMAGE_REPOSITORY),
	D("docker.image.tag", FT_STR, FARG_NONE, "the image reference's tag, or empty", D_IMAGE_TAG),
	D("docker.image.digest", FT_STR, FARG_NONE, "the image reference's digest (sha256:...), or empty", D_IMAGE_DIGEST),
	D("docker.image.signed", FT_BOOL, FARG_KEY_OPT, "the local image that would run was pulled from its registry by a digest that carries a valid cosign signature by a key authz trusts (--key NAME=FILE); docker.image.signed[NAME]: by that key. Checked only when a rule reads it (docs/authz.md)", D_IMAGE_SIGNED),
	D("docker.image.signer", FT_STR, FARG_NONE, "the trusted key that verified the image's signature, or empty", D_IMAGE_SIGNER),
	D("docker.image.unsigned_reason", FT_STR, FARG_NONE, "why docker.image.signed is false", D_IMAGE_UNSIGNED_WHY),
	D("docker.privileged", FT_BOOL, FARG_NONE, "HostConfig.Privileged (create, legacy start) or an exec's Privileged", D_PRIVILEGED),
	D("docker.readonly_rootfs", FT_BOOL, FARG_NONE, "HostConfig.ReadonlyRootfs", D_READONLY_ROOTFS),
	DL("docker.cap_add", "capabilities added: HostConfig.CapAdd and Capabilities, as CAP_NAME (or ALL)", D_CAP_ADD),
	DL("docker.cap_drop", "capabilities dropped: HostConfig.CapDrop, as CAP_NAME (or ALL)", D_CAP_DROP),
	DL("docker.binds", "host paths mounted into the container: HostConfig.Binds sources, Mounts of type bind, local volumes bound to a device path; each as written (cleaned) and, where it resolves on this host, its real path", D_BINDS),
	DL("docker.devices", "host devices given to the container (HostConfig.Devices PathOnHost)", D_DEVICES),
	DL("docker.security_opt", "HostConfig.SecurityOpt entries (seccomp=unconfined, apparmor=unconfined, no-new-privileges, ...), the separator normalised to '='", D_SECURITY_OPT),
	DL("docker.env", "environment entries asked for (Env), NAME=value", D_ENV),
	D("docker.network_mode", FT_STR, FARG_NONE, "HostConfig.NetworkMode (host, none, bridge, container:ID, a network)", D_NETWORK_MODE),
	D("docker.pid_mode", FT_STR, FARG_NONE, "HostConfig.PidMode (host, container:ID)", D_PID_MODE),
	D("docker.ipc_mode", FT_STR, FARG_NONE, "HostConfig.IpcMode (host, shareable, container:ID)", D_IPC_MODE),
	D("docker.uts_mode", FT_STR, FARG_NONE, "HostConfig.UTSMode (host)", D_UTS_MODE),
	D("docker.userns_mode", FT_STR, FARG_NONE, "HostConfig.UsernsMode (host)", D_USERNS_MODE),
	D("docker.cgroupns_mode", FT_STR, FARG_NONE, "HostConfig.CgroupnsMode (host, private)", D_CGROUPNS_MODE),
	D("docker.user", FT_STR, FARG_NONE, "the user the container or exec runs as (Config.User, an exec's User)", D_CFG_USER),
	D("docker.cmdline", FT_STR, FARG_NONE, "the command asked for: Entrypoint and Cmd (an exec's Cmd), space-separated", D_CMDLINE),

	/* file integrity (docs/fim.md "Real time"): the change an event makes; watched,
	 * class, baseline and the package manager need palisade run --fim FILE */
	F("fim.change", FT_STR, FARG_NONE, rl_x_fim, "the change a syscall makes to a file: write (an open that may write, truncate), rename, unlink, create, link, symlink, chmod, chown, xattr; empty for anything else (an open for reading)", F_CHANGE),
	F("fim.path", FT_STR, FARG_NONE, rl_x_fim, "the file the change is about: a rename's or link's new name, a symlink's path, else the opened, removed, chmod'ed, chown'ed or xattr'ed path; absolute, in the process's own root (a container's paths are its own)", F_PATH),
	F("fim.watched", FT_BOOL, FARG_NONE, rl_x_fim, "fim.path is covered by a watched path of the FIM configuration (and not excluded); false for a container's process (its root is not the host's)", F_WATCHED),
	F("fim.class", FT_STR, FARG_NONE, rl_x_fim, "the class of the watch covering fim.path: binary, config, other; empty when not watched", F_CLASS),
	F("fim.baseline", FT_BOOL, FARG_NONE, rl_x_fim, "the FIM baseline has an entry for fim.path", F_BASELINE),
	F("fim.pkgmgr", FT_STR, FARG_NONE, rl_x_fim, "executable path of the nearest of the process and its ancestors that is a package manager of the FIM configuration (package_managers: by path, never by name), or empty", F_PKGMGR),
	F("fim.pkgmgr_verified", FT_BOOL, FARG_NONE, rl_x_fim, "fim.pkgmgr is not empty and the executable that process runs has the content (hash) the FIM baseline holds for its path: a package manager by path and by integrity", F_PKGMGR_VERIFIED),

	/* Kubernetes */
	NA("k8s.ns.name", FT_STR, FARG_NONE, NEEDS_K8S, "namespace"),
	NA("k8s.pod.name", FT_STR, FARG_NONE, NEEDS_K8S, "pod name"),
	NA("k8s.pod.uid", FT_STR, FARG_NONE, NEEDS_K8S, "pod uid"),
	NA("k8s.pod.sandbox_id", FT_STR, FARG_NONE, NEEDS_K8S, "pod sandbox id"),
	NA("k8s.pod.full_sandbox_id", FT_STR, FARG_NONE, NEEDS_K8S, "pod sandbox id, full"),
	NA("k8s.pod.label", FT_STR, FARG_KEY_REQ, NEEDS_K8S, "pod label"),
	NA("k8s.pod.labels", FT_STR, FARG_NONE, NEEDS_K8S, "pod labels"),
	NA("k8s.pod.ip", FT_STR, FARG_NONE, NEEDS_K8S, "pod IP"),
	NA("k8s.pod.cni.json", FT_STR, FARG_NONE, NEEDS_K8S, "pod CNI result"),
	NA("k8s.ns.label", FT_STR, FARG_KEY_REQ, NEEDS_K8S, "namespace label"),
};

#define N_FIELDS (sizeof(table) / sizeof(table[0]))

const char *rl_field_source_error(const struct rl_compiler *cc, const struct rl_field_def *d)
{
	char srcs[64] = "";
	size_t n = 0;

	if (cc->source < 0 || (d->sources & RL_SRC_BIT(cc->source)))
		return NULL;
	for (int i = 0; i < RL_SRC_COUNT; i++)
		if (d->sources & RL_SRC_BIT(i))
			n += (size_t)snprintf(srcs + n, sizeof(srcs) - n, "%s%s", n ? " and " : "",
					      rl_source_name((enum rl_source)i));
	return rl_sprintf(cc->a, "a field of the %s source%s, not of this rule's (%s: "
			  "`palisade fields --source %s` lists its fields)", srcs,
			  strstr(srcs, " and ") ? "s" : "", rl_source_name((enum rl_source)cc->source),
			  rl_source_name((enum rl_source)cc->source));
}

const struct rl_field_def *rl_field_table(size_t *n)
{
	*n = N_FIELDS;
	return table;
}

/* Every field reference of every rule is looked up: by hash, not by a
 * scan of the table (100k rules made that scan a third of the load). */
#define FIELD_SLOTS 1024
_Static_assert(2 * N_FIELDS <= FIELD_SLOTS, "the field index must stay at most half full");
static uint16_t field_slots[FIELD_SLOTS]; /* index in table + 1; 0: empty */
static pthread_once_t field_slots_once = PTHREAD_ONCE_INIT;

static void index_fields(void)
{
	for (size_t i = 0; i < N_FIELDS; i++) {
		const char *name = table[i].name;
		size_t s = rl_hash(name, strlen(name)) & (FIELD_SLOTS - 1);

		while (field_slots[s] && strcmp(table[field_slots[s] - 1].name, name))
			s = (s + 1) & (FIELD_SLOTS - 1);
		if (!field_slots[s]) /* the first row of a name wins, as the scan did */
			field_slots[s] = (uint16_t)(i + 1);
	}
}

static const struct rl_field_def *lookup(const char *name, size_t len)
{
	size_t s = rl_hash(name, len) & (FIELD_SLOTS - 1);

	pthread_once(&field_slots_once, index_fields);
	for (; field_slots[s]; s = (s + 1) & (FIELD_SLOTS - 1)) {
		const struct rl_field_def *d = &table[field_slots[s] - 1];

		if (strlen(d->name) == len && !memcmp(d->name, name, len))
			return d;
	}
	return NULL;
}

static const char *suggest(const char *name)
{
	const char *best = NULL;
	unsigned best_d = 8;

	/* Distance doubled, minus one when the typed name is a prefix: on a
	 * tie, "fd.nam" suggests fd.name rather than fd.num. */
	for (size_t i = 0; i < N_FIELDS; i++) {
		unsigned d = 2 * rl_edit_distance(name, table[i].name) -
			     !strncmp(name, table[i].name, strlen(name));

		if (d < best_d) {
			best_d = d;
			best = table[i].name;
		}
	}
	return best;
}

static bool parse_index(const char *s, size_t len, int *out)
{
	char *end;
	long v;

	if (!len || len > 6)
		return false;
	v = strtol(s, &end, 10);
	if (end != s + len || v < 0)
		return false;
	*out = (int)v;
	return true;
}

int rl_field_resolve(struct rl_arena *a, const char *text, size_t len, struct rl_field_ref *out,
		     const char **sugg, const char **why)
{
	const char *br = memchr(text, '[', len);
	size_t base = br ? (size_t)(br - text) : len;
	const struct rl_field_def *d = lookup(text, base);
	const char *arg = NULL;
	size_t arg_len = 0;

	memset(out, 0, sizeof(*out));
	out->index = -1;
	*sugg = NULL;
	*why = NULL;
	if (br) {
		if (text[len - 1] != ']') {
			*why = "unterminated '[' in field argument";
			return -EINVAL;
		}
		arg = br + 1;
		arg_len = len - base - 2;
	}
	/* evt.arg.flags: the argument follows a dot. Longest known prefix. */
	if (!d && !br) {
		for (size_t cut = base; cut-- > 0;) {
			if (text[cut] != '.')
				continue;
			const struct rl_field_def *p = lookup(text, cut);

			if (p && p->arg == FARG_NAME_REQ) {
				d = p;
				arg = text + cut + 1;
				arg_len = base - cut - 1;
				break;
			}
		}
	}
	if (!d) {
		char *name = rl_strndup(a, text, base);

		*sugg = name ? suggest(name) : NULL;
		return -ENOENT;
	}
	out->def = d;
	out->text = rl_strndup(a, text, len);
	switch (out->def->arg) {
	case FARG_NONE:
		if (arg) {
			*why = "this field takes no argument";
			return -EINVAL;
		}
		break;
	case FARG_INDEX_OPT:
	case FARG_INDEX_REQ:
		if (!arg && d->arg == FARG_INDEX_REQ) {
			*why = "this field needs an index, e.g. [1]";
			return -EINVAL;
		}
		if (arg && !parse_index(arg, arg_len, &out->index)) {
			*why = "the index must be a non-negative number";
			return -EINVAL;
		}
		break;
	case FARG_KEY_OPT:
		if (arg)
			out->arg = rl_strndup(a, arg, arg_len);
		break;
	case FARG_KEY_REQ:
	case FARG_NAME_REQ:
		if (!arg || !arg_len) {
			*why = d->arg == FARG_NAME_REQ ? "this field needs an argument name, e.g. .name or [0]" :
							 "this field needs an argument in [...]";
			return -EINVAL;
		}
		out->arg = rl_strndup(a, arg, arg_len);
		if (d->arg == FARG_NAME_REQ && !parse_index(arg, arg_len, &out->index))
			out->index = -1;
		break;
	}
	return 0;
}

const char *rl_ftype_name(enum rl_ftype t)
{
	switch (t) {
	case FT_STR: return "string";
	case FT_INT: return "int64";
	case FT_UINT: return "uint64";
	case FT_BOOL: return "bool";
	case FT_IPADDR: return "ipaddr";
	case FT_IPNET: return "ipnet";
	case FT_BYTES: return "bytebuf";
	case FT_ABSTIME: return "abstime";
	case FT_RELTIME: return "reltime";
	}
	return "?";
}

/* The public view, built once: rules_field_info is what `palisade fields` prints. */
static struct rules_field_info infos[N_FIELDS];
static char info_sources[N_FIELDS][32];

/* "syscall flow": the sources' names, space-separated. */
static const char *source_names(unsigned bits, size_t i)
{
	size_t n = 0;

	info_sources[i][0] = 0;
	for (int k = 0; k < RL_SRC_COUNT; k++)
		if (bits & RL_SRC_BIT(k))
			n += (size_t)snprintf(info_sources[i] + n, sizeof(info_sources[i]) - n, "%s%s",
					      n ? " " : "", rl_source_name((enum rl_source)k));
	return info_sources[i];
}

size_t rules_field_count(void)
{
	return N_FIELDS;
}

const struct rules_field_info *rules_field(size_t i)
{
	static const char *const args[] = {
		[FARG_NONE] = NULL,
		[FARG_INDEX_OPT] = "[N] optional",
		[FARG_INDEX_REQ] = "[N]",
		[FARG_KEY_REQ] = "[KEY]",
		[FARG_KEY_OPT] = "[KEY] optional",
		[FARG_NAME_REQ] = ".NAME, [NAME] or [N]",
	};

	if (i >= N_FIELDS)
		return NULL;
	infos[i].name = table[i].name;
	infos[i].type = rl_ftype_name(table[i].type);
	infos[i].desc = table[i].desc;
	infos[i].arg = args[table[i].arg];
	infos[i].needs = table[i].needs;
	infos[i].sources = source_names(table[i].sources, i);
	return &infos[i];
}

bool rl_set_str(struct rl_value *out, const char *s)
{
	if (!s)
		return false;
	out->t = FT_STR;
	out->s = s;
	out->len = strlen(s);
	return true;
}

bool rl_set_buf(struct rl_value *out, struct rl_buf *buf, size_t len)
{
	if (len >= buf->cap)
		len = buf->cap - 1;
	buf->p[len] = '\0';
	out->t = FT_STR;
	out->s = buf->p;
	out->len = len;
	return true;
}

bool rl_set_int(struct rl_value *out, int64_t v)
{
	out->t = FT_INT;
	out->i = v;
	return true;
}

bool rl_set_uint(struct rl_value *out, uint64_t v)
{
	out->t = FT_UINT;
	out->u = v;
	return true;
}

bool rl_set_bool(struct rl_value *out, bool v)
{
	out->t = FT_BOOL;
	out->u = v;
	return true;
}
