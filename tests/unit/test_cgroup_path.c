/*
 * cgroup path -> container: every runtime's layout, host paths, near misses;
 * the mountinfo and /proc/<pid>/cgroup parsers; and id -> path resolution by
 * walking a directory tree (the fallback used where file handles are
 * refused), on a temporary directory: no root, no cgroupfs, no daemon.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "container/container.h"
#include "container/internal.h"

#define ID "2496f3319c62007f76e8ca6743b861722545a33970622c16406cc4fe96bfc532"
#define ID2 "843b1bf0f46e62e27300fe52474bd764a85c71200513fb3ab33b5ee2c940986c"
#define ID63 "2496f3319c62007f76e8ca6743b861722545a33970622c16406cc4fe96bfc53"
#define ID65 ID "0"
#define IDUP "2496F3319C62007F76E8CA6743B861722545A33970622C16406CC4FE96BFC532"
#define IDG "2496f3319c62007f76e8ca6743b861722545a33970622c16406cc4fe96bfc53g"
#define POD "pod8f6c4b3a-2d5e-4f1a-9b7c-1e2d3c4b5a69"
#define PODSYS "pod8f6c4b3a_2d5e_4f1a_9b7c_1e2d3c4b5a69"

struct case_ {
	const char *path;
	enum container_runtime rt;
	const char *id; /* expected id when rt != RUNTIME_NONE */
};

static const struct case_ cases[] = {
	/* Docker, cgroupfs driver (this host), nested cgroups inside it */
	{ "/docker/" ID, RUNTIME_DOCKER, ID },
	{ "/docker/" ID "/", RUNTIME_DOCKER, ID },
	{ "/docker/" ID "/sub", RUNTIME_DOCKER, ID },
	{ "/docker/" ID "/init.scope", RUNTIME_DOCKER, ID },
	{ "docker/" ID, RUNTIME_DOCKER, ID },
	{ "//docker//" ID, RUNTIME_DOCKER, ID },
	/* Docker-in-Docker and kind: the outer container is the host's */
	{ "/docker/" ID "/docker/" ID2, RUNTIME_DOCKER, ID },
	{ "/docker/" ID "/kubepods/burstable/" POD "/" ID2, RUNTIME_DOCKER, ID },
	/* Docker, systemd driver, any slice; rootless Docker */
	{ "/system.slice/docker-" ID ".scope", RUNTIME_DOCKER, ID },
	{ "/system.slice/docker-" ID ".scope/init", RUNTIME_DOCKER, ID },
	{ "/my.slice/docker-" ID ".scope", RUNTIME_DOCKER, ID },
	{ "/user.slice/user-1000.slice/user@1000.service/user.slice/docker-" ID ".scope",
	  RUNTIME_DOCKER, ID },
	/* containerd: CRI under kubepods (systemd), namespaces (cgroupfs), nerdctl */
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-" PODSYS
	  ".slice/cri-containerd-" ID ".scope",
	  RUNTIME_CONTAINERD, ID },
	{ "/kubepods.slice/kubepods-" PODSYS ".slice/cri-containerd-" ID ".scope",
	  RUNTIME_CONTAINERD, ID },
	{ "/default/" ID, RUNTIME_CONTAINERD, ID },
	{ "/k8s.io/" ID, RUNTIME_CONTAINERD, ID },
	{ "/default/" ID "/sub", RUNTIME_CONTAINERD, ID },
	{ "/system.slice/nerdctl-" ID ".scope", RUNTIME_CONTAINERD, ID },
	/* Kubernetes, cgroupfs driver: the runtime is not in the path */
	{ "/kubepods/burstable/" POD "/" ID, RUNTIME_CONTAINERD, ID },
	{ "/kubepods/besteffort/" POD "/" ID, RUNTIME_CONTAINERD, ID },
	{ "/kubepods/" POD "/" ID, RUNTIME_CONTAINERD, ID },
	/* Kubernetes with Docker (dockershim, systemd driver) */
	{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-" PODSYS
	  ".slice/docker-" ID ".scope",
	  RUNTIME_DOCKER, ID },
	/* CRI-O, systemd and cgroupfs drivers; conmon is a host process */
	{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-" PODSYS
	  ".slice/crio-" ID ".scope",
	  RUNTIME_CRIO, ID },
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-" PODSYS
	  ".slice/crio-" ID ".scope/container",
	  RUNTIME_CRIO, ID },
	{ "/kubepods/burstable/" POD "/crio-" ID, RUNTIME_CRIO, ID },
	{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-" PODSYS
	  ".slice/crio-conmon-" ID ".scope",
	  RUNTIME_NONE, NULL },
	/* podman: systemd, cgroupfs, rootless, split "container" sub-cgroup; conmon */
	{ "/machine.slice/libpod-" ID ".scope", RUNTIME_PODMAN, ID },
	{ "/machine.slice/libpod-" ID ".scope/container", RUNTIME_PODMAN, ID },
	{ "/libpod_parent/libpod-" ID, RUNTIME_PODMAN, ID },
	{ "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID
	  ".scope/container",
	  RUNTIME_PODMAN, ID },
	{ "/machine.slice/libpod-conmon-" ID ".scope", RUNTIME_NONE, NULL },
	{ "/libpod_parent/libpod-conmon-" ID, RUNTIME_NONE, NULL },
	/* host */
	{ "/", RUNTIME_NONE, NULL },
	{ "", RUNTIME_NONE, NULL },
	{ "/init.scope", RUNTIME_NONE, NULL },
	{ "/user.slice/user-1000.slice/session-3.scope", RUNTIME_NONE, NULL },
	{ "/user.slice/user-1000.slice/user@1000.service/app.slice/dbus.service", RUNTIME_NONE,
	  NULL },
	{ "/system.slice/ssh.service", RUNTIME_NONE, NULL },
	{ "/system.slice/docker.service", RUNTIME_NONE, NULL },
	{ "/system.slice/containerd.service", RUNTIME_NONE, NULL },
	{ "/docker", RUNTIME_NONE, NULL },
	{ "/kubepods/burstable/" POD, RUNTIME_NONE, NULL },
	/* near misses: never a container without a full, lowercase, 64-hex id */
	{ "/docker/" ID63, RUNTIME_NONE, NULL },
	{ "/docker/" ID65, RUNTIME_NONE, NULL },
	{ "/docker/" IDUP, RUNTIME_NONE, NULL },
	{ "/docker/" IDG, RUNTIME_NONE, NULL },
	{ "/system.slice/docker-" ID63 ".scope", RUNTIME_NONE, NULL },
	{ "/system.slice/docker-" ID65 ".scope", RUNTIME_NONE, NULL },
	{ "/system.slice/docker-" ID ".scopex", RUNTIME_NONE, NULL },
	{ "/system.slice/docker-" ID ".service", RUNTIME_NONE, NULL },
	{ "/system.slice/docker" ID ".scope", RUNTIME_NONE, NULL },
	{ "/system.slice/dockerd-" ID ".scope", RUNTIME_NONE, NULL },
	{ "/system.slice/xdocker-" ID ".scope", RUNTIME_NONE, NULL },
	{ "/system.slice/cri-containerd-" ID63 ".scope", RUNTIME_NONE, NULL },
	/* a bare id where no runtime puts one */
	{ "/" ID, RUNTIME_NONE, NULL },
	{ "/system.slice/" ID, RUNTIME_NONE, NULL },
	{ "/user.slice/" ID, RUNTIME_NONE, NULL },
	{ "/a/b/" ID, RUNTIME_NONE, NULL },
	{ "/dock er/" ID, RUNTIME_NONE, NULL },
};

static void test_parse_cases(void **state)
{
	char id[CONTAINER_ID_LEN + 1];
	enum container_runtime rt;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(id, 'x', sizeof(id));
		rt = container_parse_cgroup_path(cases[i].path, id);
		if (rt != cases[i].rt)
			fail_msg("%s: runtime %s, expected %s", cases[i].path,
				 container_runtime_name(rt), container_runtime_name(cases[i].rt));
		if (cases[i].id)
			assert_string_equal(id, cases[i].id);
		else
			assert_string_equal(id, "");
	}
}

static void test_parse_null(void **state)
{
	char id[CONTAINER_ID_LEN + 1] = "junk";

	(void)state;
	assert_int_equal(container_parse_cgroup_path(NULL, id), RUNTIME_NONE);
	assert_string_equal(id, "");
}

static void test_runtime_names(void **state)
{
	enum container_runtime rt, back;

	(void)state;
	assert_string_equal(container_runtime_name(RUNTIME_NONE), "host");
	assert_string_equal(container_runtime_name(RUNTIME_DOCKER), "docker");
	assert_string_equal(container_runtime_name(RUNTIME_CONTAINERD), "containerd");
	assert_string_equal(container_runtime_name(RUNTIME_CRIO), "cri-o");
	assert_string_equal(container_runtime_name(RUNTIME_PODMAN), "podman");
	assert_string_equal(container_runtime_name((enum container_runtime)42), "unknown");
	for (rt = RUNTIME_NONE; rt <= RUNTIME_PODMAN; rt++) {
		assert_int_equal(container_runtime_from_name(container_runtime_name(rt), &back), 0);
		assert_int_equal(back, rt);
	}
	assert_int_equal(container_runtime_from_name("lxc", &back), -EINVAL);
}

/* /proc/self/mountinfo of the hybrid host these tests were written on. */
static const char mountinfo_hybrid[] =
	"23 1 8:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n"
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
	"40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
	"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

static void test_mountinfo(void **state)
{
	char mnt[PATH_MAX], root[PATH_MAX];

	(void)state;
	assert_int_equal(
		container_mountinfo_cgroup2(mountinfo_hybrid, mnt, sizeof(mnt), root, sizeof(root)),
		0);
	assert_string_equal(mnt, "/sys/fs/cgroup/unified");
	assert_string_equal(root, "/");

	/* pure v2, optional fields before the separator */
	assert_int_equal(container_mountinfo_cgroup2(
				 "23 1 8:1 / / rw - ext4 /dev/vda1 rw\n"
				 "35 24 0:30 / /sys/fs/cgroup rw,nosuid shared:9 master:3 - "
				 "cgroup2 cgroup2 rw,nsdelegate\n",
				 mnt, sizeof(mnt), root, sizeof(root)),
			 0);
	assert_string_equal(mnt, "/sys/fs/cgroup");

	/* inside a cgroup namespace or a bind mount: a root below "/", escapes */
	assert_int_equal(container_mountinfo_cgroup2(
				 "35 24 0:30 /docker/abc /mnt/my\\040cg rw - cgroup2 none rw",
				 mnt, sizeof(mnt), root, sizeof(root)),
			 0);
	assert_string_equal(mnt, "/mnt/my cg");
	assert_string_equal(root, "/docker/abc");

	/* v1 only, a cgroup2 source name that is not the fstype, empty */
	assert_int_equal(container_mountinfo_cgroup2(
				 "32 31 0:29 / /cgroup2 rw - cgroup cgroup2 rw,cpu\n", mnt,
				 sizeof(mnt), root, sizeof(root)),
			 -ENOENT);
	assert_int_equal(container_mountinfo_cgroup2("", mnt, sizeof(mnt), root, sizeof(root)),
			 -ENOENT);
	/* a line cut before its fields */
	assert_int_equal(container_mountinfo_cgroup2("41 31 - cgroup2\n", mnt, sizeof(mnt), root,
						     sizeof(root)),
			 -ENOENT);
	/* too long for the buffer */
	assert_int_equal(container_mountinfo_cgroup2(mountinfo_hybrid, mnt, 8, root, sizeof(root)),
			 -ENAMETOOLONG);
}

static void test_proc_cgroup(void **state)
{
	char path[PATH_MAX];

	(void)state;
	assert_int_equal(container_proc_cgroup_v2("9:name=systemd:/docker/" ID "\n"
						  "1:cpu:/docker/" ID "\n"
						  "0::/docker/" ID "\n",
						  path, sizeof(path)),
			 0);
	assert_string_equal(path, "/docker/" ID);
	assert_int_equal(container_proc_cgroup_v2("0::/\n", path, sizeof(path)), 0);
	assert_string_equal(path, "/");
	assert_int_equal(container_proc_cgroup_v2("0::/system.slice/ssh.service", path,
						  sizeof(path)),
			 0);
	assert_string_equal(path, "/system.slice/ssh.service");
	assert_int_equal(container_proc_cgroup_v2("1:cpu:/docker/x\n", path, sizeof(path)),
			 -ENOENT);
	assert_int_equal(container_proc_cgroup_v2("0::\n", path, sizeof(path)), -ENAMETOOLONG);
	assert_int_equal(container_proc_cgroup_v2("0::/docker/" ID, path, 8), -ENAMETOOLONG);
}

/* A directory of a tree shaped like a cgroup hierarchy. */
static void tree_mkdir(const char *root, const char *rel, char out[PATH_MAX])
{
	snprintf(out, PATH_MAX, "%s%s", root, rel);
	assert_int_equal(mkdir(out, 0755), 0);
}

static uint64_t ino_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return (uint64_t)st.st_ino;
}

static void test_resolve_by_walk(void **state)
{
	struct container_cgroupfs *fs = NULL;
	char root[] = "/tmp/palisade-cgtest-XXXXXX", dirs[4][PATH_MAX];
	char path[PATH_MAX], file[PATH_MAX + 8];
	uint64_t id;
	int i;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(root));
	tree_mkdir(root, "/system.slice", dirs[0]);
	tree_mkdir(root, "/docker", dirs[1]);
	tree_mkdir(root, "/docker/" ID, dirs[2]);
	tree_mkdir(root, "/docker/" ID "/sub", dirs[3]);
	/* a regular file with a matching name must not be taken for a cgroup */
	snprintf(file, sizeof(file), "%s/docker/cgroup.procs", root);
	f = fopen(file, "w");
	assert_non_null(f);
	fclose(f);

	assert_int_equal(container_cgroupfs_open(root, &fs), 0);
	assert_int_equal(container_cgroupfs_path(fs, ino_of(dirs[2]), path, sizeof(path)), 0);
	assert_string_equal(path, "/docker/" ID);
	assert_int_equal(container_cgroupfs_path(fs, ino_of(dirs[3]), path, sizeof(path)), 0);
	assert_string_equal(path, "/docker/" ID "/sub");
	assert_int_equal(container_cgroupfs_path(fs, ino_of(root), path, sizeof(path)), 0);
	assert_string_equal(path, "/");
	assert_int_equal(container_cgroupfs_path(fs, ino_of(file), path, sizeof(path)), -ENOENT);
	assert_int_equal(container_cgroupfs_path(fs, 0xffffffffffull, path, sizeof(path)),
			 -ENOENT);

	assert_int_equal(container_cgroupfs_id(fs, "/docker/" ID, &id), 0);
	assert_int_equal(id, ino_of(dirs[2]));
	assert_int_equal(container_cgroupfs_id(fs, "/", &id), 0);
	assert_int_equal(id, ino_of(root));
	assert_int_equal(container_cgroupfs_id(fs, "/docker/nope", &id), -ENOENT);

	container_cgroupfs_close(fs);
	unlink(file);
	for (i = 3; i >= 0; i--)
		rmdir(dirs[i]);
	rmdir(root);
}

static void test_open_missing_root(void **state)
{
	struct container_cgroupfs *fs = (void *)1;

	(void)state;
	assert_int_equal(container_cgroupfs_open("/nonexistent/palisade", &fs), -ENOENT);
	assert_null(fs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_cases),    cmocka_unit_test(test_parse_null),
		cmocka_unit_test(test_runtime_names),  cmocka_unit_test(test_mountinfo),
		cmocka_unit_test(test_proc_cgroup),    cmocka_unit_test(test_resolve_by_walk),
		cmocka_unit_test(test_open_missing_root),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
