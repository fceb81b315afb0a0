/*
 * The state of the container at capture time: the engine's inspect and diff
 * (each changed regular file hashed, up to capture.hash_max_bytes, read
 * through the container's own root without following links), its processes
 * (from its cgroup: command line, executable, cwd, ids, capabilities, open
 * fds) and its network connections (its namespace's /proc/net tables, each
 * socket named with the processes that hold it). Every list is bounded;
 * what could not be read is said in the manifest.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "capture/capture_internal.h"

#define ENGINE_TIMEOUT_MS 5000L
#define PROCS_MAX 1024
#define FDS_MAX 256
#define CHANGES_MAX 4096
#define CONNS_MAX 4096
#define TEXT_MAX 8192

/* A small file of /proc, NUL-terminated (NUL bytes kept: cmdline). */
static ssize_t read_small(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n, total = 0;

	if (fd < 0)
		return -errno;
	while ((size_t)total < cap - 1 && (n = read(fd, buf + total, cap - 1 - (size_t)total)) > 0)
		total += n;
	close(fd);
	buf[total] = '\0';
	return total;
}

static json_t *link_of(const char *path)
{
	char buf[4096];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);

	if (n < 0)
		return json_null();
	buf[n] = '\0';
	return json_string(buf);
}

/* "Uid:\t0\t0\t0\t0" -> [0,0,0,0]; "CapEff:\t..." -> "00000000a80425fb". */
static void status_fields(const char *status, json_t *p)
{
	static const char *const ids[] = { "Uid", "Gid", NULL };
	static const char *const caps[] = { "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb",
					    NULL };

	for (const char *line = status; line && *line; line = strchr(line, '\n'), line += !!line) {
		char key[32], v[4][24];
		int n = sscanf(line, "%31[^:]:%23s%23s%23s%23s", key, v[0], v[1], v[2], v[3]);

		for (size_t i = 0; n == 5 && ids[i]; i++)
			if (!strcmp(key, ids[i]))
				json_object_set_new(p, i ? "gids" : "uids",
						    json_pack("[IIII]", atoll(v[0]), atoll(v[1]),
							      atoll(v[2]), atoll(v[3])));
		for (size_t i = 0; n >= 2 && caps[i]; i++)
			if (!strcmp(key, caps[i]))
				json_object_set_new(p, caps[i], json_string(v[0]));
		if (n >= 2 && !strcmp(key, "PPid"))
			json_object_set_new(p, "ppid", json_integer(atoll(v[0])));
		if (n >= 2 && !strcmp(key, "Name"))
			json_object_set_new(p, "comm", json_string(v[0]));
	}
}

/* The open fds of pid, and the socket inodes among them (for network.json). */
static json_t *fds_of(int pid, json_t *sockets)
{
	char dir[64], path[352];
	json_t *arr = json_array();
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		unsigned long long ino;
		json_t *target;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		if (n++ == FDS_MAX) {
			json_array_append_new(arr, json_pack("{s:s}", "truncated",
							     "more fds than listed (256)"));
			break;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		target = link_of(path);
		if (json_is_string(target) &&
		    sscanf(json_string_value(target), "socket:[%llu]", &ino) == 1) {
			char key[32];
			json_t *holders;

			snprintf(key, sizeof(key), "%llu", ino);
			holders = json_object_get(sockets, key);
			if (!holders)
				json_object_set_new(sockets, key, holders = json_array());
			json_array_append_new(holders, json_integer(pid));
		}
		json_array_append_new(arr, json_pack("{s:i, s:o}", "fd", atoi(de->d_name),
						     "target", target));
	}
	if (d)
		closedir(d);
	return arr;
}

static json_t *process(int pid, json_t *sockets)
{
	char path[64], *buf = malloc(TEXT_MAX);
	json_t *p = json_pack("{s:i}", "pid", pid), *argv = json_array();
	ssize_t n;

	if (!buf || !p || !argv) {
		free(buf);
		json_decref(argv);
		return p;
	}
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (read_small(path, buf, TEXT_MAX) > 0)
		status_fields(buf, p);
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	n = read_small(path, buf, TEXT_MAX);
	for (ssize_t at = 0; n > 0 && at < n; at += (ssize_t)strlen(buf + at) + 1)
		json_array_append_new(argv, json_string(buf + at));
	json_object_set_new(p, "cmdline", argv);
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	json_object_set_new(p, "exe", link_of(path));
	snprintf(path, sizeof(path), "/proc/%d/cwd", pid);
	json_object_set_new(p, "cwd", link_of(path));
	json_object_set_new(p, "fds", fds_of(pid, sockets));
	free(buf);
	return p;
}

/* The pids of the container's cgroup (that of anchor). */
static size_t cgroup_pids(struct capture_bundle *b, int anchor, int *pids, size_t max)
{
	char path[4400], mnt[512], *buf = malloc(64 * 1024), *line;
	size_t n = 0;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", anchor);
	if (!buf || read_small(path, buf, 4096) <= 0 || !(line = strstr(buf, "0::/")) ||
	    container_cgroup2_mount(mnt, sizeof(mnt))) {
		cb_error(b, "processes.json", "the container's cgroup of pid %d is unknown", anchor);
		free(buf);
		return 0;
	}
	line[strcspn(line, "\n")] = '\0';
	snprintf(path, sizeof(path), "%s%s/cgroup.procs", mnt, line + 3);
	if (read_small(path, buf, 64 * 1024) < 0) {
		cb_error(b, "processes.json", "cannot read %s: %s", path, strerror(errno));
		free(buf);
		return 0;
	}
	for (char *s = buf, *e; *s && n < max; s = e) {
		long v = strtol(s, &e, 10);

		if (e == s)
			break;
		pids[n++] = (int)v;
	}
	free(buf);
	return n;
}

/* processes.json; the socket inodes of their fds into sockets. */
static void write_processes(struct capture_bundle *b, int anchor, json_t *sockets)
{
	int *pids = malloc(PROCS_MAX * sizeof(*pids));
	json_t *arr = json_array();
	size_t n = pids ? cgroup_pids(b, anchor, pids, PROCS_MAX) : 0;

	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, process(pids[i], sockets));
	if (n == PROCS_MAX)
		cb_error(b, "processes.json", "the first %d processes only", PROCS_MAX);
	free(pids);
	cb_write_json(b, "processes.json", arr);
}

/* "0100007F:1F90" (host order words) -> "127.0.0.1:8080"; IPv6 likewise. */
static void addr_text(const char *hex, char *out, size_t len)
{
	unsigned int w[4] = { 0 }, port = 0;
	char host[64];
	size_t hl = strcspn(hex, ":");

	if (hl == 8 && sscanf(hex, "%8x:%x", &w[0], &port) == 2) {
		snprintf(host, sizeof(host), "%u.%u.%u.%u", w[0] & 0xff, (w[0] >> 8) & 0xff,
			 (w[0] >> 16) & 0xff, w[0] >> 24);
	} else if (hl == 32 && sscanf(hex, "%8x%8x%8x%8x:%x", &w[0], &w[1], &w[2], &w[3],
				      &port) == 5) {
		unsigned char a[16];

		for (int i = 0; i < 4; i++)
			memcpy(a + 4 * i, &w[i], 4);
		snprintf(host, sizeof(host), "[%x:%x:%x:%x:%x:%x:%x:%x]", a[0] << 8 | a[1],
			 a[2] << 8 | a[3], a[4] << 8 | a[5], a[6] << 8 | a[7], a[8] << 8 | a[9],
			 a[10] << 8 | a[11], a[12] << 8 | a[13], a[14] << 8 | a[15]);
	} else {
		snprintf(out, len, "%s", hex);
		return;
	}
	snprintf(out, len, "%s:%u", host, port);
}

static const char *tcp_state(unsigned st)
{
	static const char *const names[] = { "", "ESTABLISHED", "SYN_SENT", "SYN_RECV",
					     "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT", "CLOSE",
					     "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING" };

	return st < sizeof(names) / sizeof(names[0]) ? names[st] : "";
}

static size_t net_table(int anchor, const char *proto, json_t *arr, json_t *sockets, size_t n)
{
	char path[64], line[512];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/net/%s", anchor, proto);
	f = fopen(path, "re");
	if (!f)
		return n;
	while (n < CONNS_MAX && fgets(line, sizeof(line), f)) {
		char local[80], remote[80], l[96], r[96], key[32];
		unsigned st, uid;
		unsigned long long ino;
		json_t *holders;

		if (sscanf(line, " %*u: %79s %79s %x %*s %*s %*s %u %*u %llu", local, remote, &st,
			   &uid, &ino) != 5)
			continue;
		addr_text(local, l, sizeof(l));
		addr_text(remote, r, sizeof(r));
		snprintf(key, sizeof(key), "%llu", ino);
		holders = json_object_get(sockets, key);
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:i, s:I, s:O}", "proto",
						     proto, "local", l, "remote", r, "state",
						     proto[0] == 't' ? tcp_state(st) : "", "uid",
						     (int)uid, "inode", (json_int_t)ino, "pids",
						     holders ? holders : json_null()));
		n++;
	}
	fclose(f);
	return n;
}

static void write_network(struct capture_bundle *b, int anchor, json_t *sockets)
{
	static const char *const protos[] = { "tcp", "tcp6", "udp", "udp6", "raw", "raw6" };
	json_t *arr = json_array();
	size_t n = 0;

	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		n = net_table(anchor, protos[i], arr, sockets, n);
	if (n == CONNS_MAX)
		cb_error(b, "network.json", "the first %d sockets only", CONNS_MAX);
	cb_write_json(b, "network.json", arr);
}

/* A changed file, through the container's root, never following a link. */
static void hash_changed(int rootfd, const char *path, uint64_t cap, json_t *e)
{
	struct open_how how = { .flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS |
					   RESOLVE_NO_SYMLINKS };
	unsigned char buf[65536], md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	char hex[2 * EVP_MAX_MD_SIZE + 1] = "";
	struct stat st;
	EVP_MD_CTX *ctx;
	ssize_t n;
	int fd = (int)syscall(SYS_openat2, rootfd, path[0] == '/' ? path + 1 : path, &how,
			      sizeof(how));

	if (fd < 0) {
		json_object_set_new(e, "note", json_sprintf("not hashed: %s", strerror(errno)));
		return;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		json_object_set_new(e, "type", json_string(S_ISDIR(st.st_mode) ? "dir" : "other"));
		close(fd);
		return;
	}
	json_object_set_new(e, "type", json_string("file"));
	json_object_set_new(e, "bytes", json_integer((json_int_t)st.st_size));
	if ((uint64_t)st.st_size > cap) {
		json_object_set_new(e, "note", json_sprintf("not hashed: over capture."
							    "hash_max_bytes (%llu)",
							    (unsigned long long)cap));
		close(fd);
		return;
	}
	ctx = EVP_MD_CTX_new();
	if (ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			EVP_DigestUpdate(ctx, buf, (size_t)n);
		if (n == 0 && EVP_DigestFinal_ex(ctx, md, &md_len)) {
			for (unsigned int i = 0; i < md_len; i++)
				snprintf(hex + 2 * i, 3, "%02x", md[i]);
			json_object_set_new(e, "sha256", json_string(hex));
		}
	}
	EVP_MD_CTX_free(ctx);
	close(fd);
}

static void write_changes(struct capture_bundle *b, const struct capture_config *cfg,
			  const char *body, int anchor)
{
	static const char *const kinds[] = { "modified", "added", "deleted" };
	json_error_t jerr;
	json_t *in = json_loads(body, 0, &jerr), *out = json_array(), *v;
	char root[64];
	int rootfd;
	size_t i;

	snprintf(root, sizeof(root), "/proc/%d/root", anchor);
	rootfd = anchor > 0 ? open(root, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
	if (rootfd < 0)
		cb_error(b, "changes.json", "the container's root cannot be opened: no hashes");
	json_array_foreach(in, i, v) {
		const char *path = json_string_value(json_object_get(v, "Path"));
		json_int_t kind = json_integer_value(json_object_get(v, "Kind"));
		json_t *e;

		if (!path || kind < 0 || kind > 2)
			continue;
		if (i == CHANGES_MAX) {
			cb_error(b, "changes.json", "the first %d changes only", CHANGES_MAX);
			break;
		}
		e = json_pack("{s:s, s:s}", "path", path, "kind", kinds[kind]);
		if (kind != 2 && rootfd >= 0)
			hash_changed(rootfd, path, cfg->hash_max_bytes, e);
		json_array_append_new(out, e);
	}
	if (rootfd >= 0)
		close(rootfd);
	json_decref(in);
	cb_write_json(b, "changes.json", out);
}

/* GET path from the engine; the body (malloc'd) or NULL with the error noted. */
static char *engine_get(struct capture_bundle *b, struct container_engine *e, const char *part,
			const char *path)
{
	char err[256] = "";
	char *body = NULL;
	long status = 0;
	size_t len = 0;

	if (!e) {
		cb_error(b, part, "no Docker Engine API (docker.enabled false or unreachable)");
		return NULL;
	}
	if (container_engine_get(e, path, ENGINE_TIMEOUT_MS, &status, &body, &len, err,
				 sizeof(err)) < 0 || status != 200) {
		cb_error(b, part, "GET %s: %s", path, status ? "not 200" : err);
		free(body);
		return NULL;
	}
	return body;
}

void capture_system_state(struct capture_bundle *b, const struct capture_config *cfg,
			  const struct capture_job *j)
{
	struct container_engine *e = NULL;
	json_t *sockets = json_object(), *inspect = NULL;
	char path[160], *body;
	int anchor = 0;

	if (cfg->docker_socket && container_engine_open(cfg->docker_socket, &e) < 0)
		e = NULL;
	snprintf(path, sizeof(path), "/containers/%s/json", j->id);
	body = engine_get(b, e, "inspect.json", path);
	if (body) {
		inspect = json_loads(body, 0, NULL);
		anchor = (int)json_integer_value(json_object_get(json_object_get(inspect, "State"),
								 "Pid"));
		cb_write(b, "inspect.json", body, strlen(body));
		free(body);
		json_decref(inspect);
	}
	if (anchor <= 0) /* the engine away: the alert's own process, if it still runs */
		anchor = (int)j->pid;
	write_processes(b, anchor, sockets);
	write_network(b, anchor, sockets);
	snprintf(path, sizeof(path), "/containers/%s/changes", j->id);
	body = engine_get(b, e, "changes.json", path);
	if (body)
		write_changes(b, cfg, body, anchor);
	free(body);
	json_decref(sockets);
	container_engine_close(e);
}
