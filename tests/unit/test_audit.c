/*
 * palisade audit (src/audit/) without a daemon:
 *
 * 1. compose and Kubernetes fixtures (tests/data/audit/): the clean files
 *    give zero findings; in the violation files each service / workload
 *    raises exactly the checks its name says, at the line of the key.
 * 2. inspect JSON recorded from the real Engine API (Docker 20.10, see
 *    tests/data/audit/README.md): a container with many violations, a
 *    hardened one, a privileged one that was created but could not run
 *    here (--privileged cannot start on this host: no CAP_SYS_RESOURCE in
 *    the bounding set), the image and `docker info`; malformed variants.
 * 3. the daemon's settings (info, daemon.json, dockerd's command line), its
 *    files' modes, and the host's posture, from temporary trees.
 * 4. secrets in the environment; setuid files through overlay2 layers.
 * 5. the three renderings: text, JSON and SARIF 2.1.0.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cmocka.h>

#include "alert/alert.h"
#include "audit/audit.h"
#include "audit/internal.h"
#include "metrics/metrics.h"

#define DATA "tests/data/audit/"

static char *slurp(const char *name, size_t *len)
{
	char path[256], *text = NULL;

	snprintf(path, sizeof(path), DATA "%s", name);
	if (audit_read_file(path, 1u << 24, &text, len))
		fail_msg("cannot read %s (run the tests from the repository root)", path);
	return text;
}

/* The check ids found for one object, sorted and space-separated. */
static void ids_of(const struct audit_report *r, const char *object, char *out, size_t size)
{
	const char *ids[64];
	size_t n = 0, i, j;

	for (i = 0; i < r->n && n < 64; i++)
		if (strcmp(r->findings[i].object, object) == 0)
			ids[n++] = r->findings[i].check->id;
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && strcmp(ids[j - 1], ids[j]) > 0; j--) {
			const char *t = ids[j];

			ids[j] = ids[j - 1];
			ids[j - 1] = t;
		}
	out[0] = '\0';
	for (i = 0; i < n; i++)
		snprintf(out + strlen(out), size - strlen(out), "%s%s", i ? " " : "", ids[i]);
}

static const struct audit_finding *find(const struct audit_report *r, const char *object,
					const char *id)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->findings[i].object, object) == 0 &&
		    strcmp(r->findings[i].check->id, id) == 0)
			return &r->findings[i];
	return NULL;
}

struct expect {
	const char *object, *ids;
};

static void audit_file_expect(const char *file, const struct expect *ex, size_t n,
			      size_t objects)
{
	struct audit_input in = { 0 };
	struct audit_report r;
	char err[512], got[512];
	size_t i;

	if (audit_file_load(file, &in, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(in.n_workloads, objects);
	assert_int_equal(audit_run(&in, &r), 0);
	for (i = 0; i < n; i++) {
		ids_of(&r, ex[i].object, got, sizeof(got));
		if (strcmp(got, ex[i].ids) != 0)
			fail_msg("%s: %s: got \"%s\", want \"%s\"", file, ex[i].object, got,
				 ex[i].ids);
	}
	audit_report_release(&r);
	audit_input_release(&in);
}

static void test_compose_clean(void **state)
{
	static const struct expect ex[] = { { "web", "" } };

	(void)state;
	audit_file_expect(DATA "compose_clean.yaml", ex, 1, 1);
}

static void test_compose_violations(void **state)
{
	static const struct expect ex[] = {
		{ "clean", "" },
		{ "root-user", "4.1" },
		{ "apparmor-unconfined", "5.2" },
		{ "cap-add", "5.4" },
		{ "cap-drop-some", "PAL-CAP-DROP-ALL" },
		{ "privileged", "5.5" },
		{ "etc-rw", "5.6" },
		{ "etc-ssl-ro", "PAL-HOST-MOUNT" },
		{ "port-80", "5.8 5.9" },
		{ "port-8080", "5.9" },
		{ "net-host", "5.10" },
		{ "no-memory", "5.11" },
		{ "no-cpu", "5.12" },
		{ "writable-root", "5.13" },
		{ "port-wildcard", "5.14 5.9" },
		{ "restart-always", "5.15" },
		{ "pid-host", "5.16" },
		{ "ipc-host", "5.17" },
		{ "device", "5.18" },
		{ "no-ulimits", "5.19" },
		{ "shared-propagation", "5.20" },
		{ "uts-host", "5.21" },
		{ "seccomp-unconfined", "5.22" },
		{ "cgroup-parent", "5.25" },
		{ "new-privileges", "5.26" },
		{ "no-healthcheck", "5.27" },
		{ "no-pids-limit", "5.29" },
		{ "default-bridge", "5.30" },
		{ "userns-host", "5.31" },
		{ "docker-sock", "5.32" },
		{ "containerd-sock", "PAL-RUNTIME-SOCK" },
		{ "cgroupns-host", "PAL-CGROUPNS-HOST" },
		{ "env-secret", "PAL-ENV-SECRET" },
		{ "env-aws-key", "PAL-ENV-SECRET" },
	};

	(void)state;
	audit_file_expect(DATA "compose_violations.yaml", ex, sizeof(ex) / sizeof(ex[0]),
			  sizeof(ex) / sizeof(ex[0]));
}

static void test_k8s_clean(void **state)
{
	static const struct expect ex[] = { { "Pod/clean:app", "" }, { "CronJob/nightly:job", "" } };

	(void)state;
	audit_file_expect(DATA "k8s_clean.yaml", ex, 2, 2);
}

static void test_k8s_violations(void **state)
{
	static const struct expect ex[] = {
		{ "Pod/root-user:app", "4.1" },
		{ "Pod/apparmor-unconfined:app", "5.2" },
		{ "Pod/cap-add:app", "5.4" },
		{ "Pod/cap-drop-some:app", "PAL-CAP-DROP-ALL" },
		{ "Pod/privileged:app", "5.5" },
		{ "Pod/etc-rw:app", "5.6" },
		{ "Pod/hostpath-data:app", "PAL-HOST-MOUNT" },
		{ "Pod/port-80:app", "5.8 5.9" },
		{ "Pod/net-host:app", "5.10" },
		{ "Pod/no-memory:app", "5.11" },
		{ "Pod/no-cpu:app", "5.12" },
		{ "Pod/writable-root:app", "5.13" },
		{ "Pod/port-wildcard:app", "5.14 5.9" },
		{ "Pod/pid-host:app", "5.16" },
		{ "Pod/ipc-host:app", "5.17" },
		{ "Pod/bidirectional:app", "5.20 PAL-HOST-MOUNT" },
		{ "Pod/seccomp-unset:app", "5.22" },
		{ "Pod/seccomp-unconfined:app", "5.22" },
		{ "Pod/escalation:app", "5.26" },
		{ "Pod/no-probe:app", "5.27" },
		{ "Pod/docker-sock:app", "5.32" },
		{ "Pod/containerd-sock:app", "PAL-RUNTIME-SOCK" },
		{ "Pod/env-secret:app", "PAL-ENV-SECRET" },
		{ "Pod/init-root:init", "4.1" },
		{ "Pod/init-root:app", "" },
		{ "Deployment/deploy-privileged:app", "5.5" },
	};

	(void)state;
	audit_file_expect(DATA "k8s_violations.yaml", ex, sizeof(ex) / sizeof(ex[0]),
			  sizeof(ex) / sizeof(ex[0]));
}

/* A finding points at the key to change: file, line and column. */
static void test_locations(void **state)
{
	struct audit_input in = { 0 };
	struct audit_report r;
	const struct audit_finding *f;
	char err[256];

	(void)state;
	assert_int_equal(audit_file_load(DATA "compose_violations.yaml", &in, err, sizeof(err)), 0);
	assert_int_equal(audit_run(&in, &r), 0);
	f = find(&r, "privileged", "5.5");
	assert_non_null(f);
	assert_string_equal(f->loc.file, DATA "compose_violations.yaml");
	assert_int_equal(f->loc.line, 23);
	assert_int_equal(f->loc.col, 28); /* the key "privileged" */
	assert_string_equal(f->remediation, "privileged: false");
	f = find(&r, "shared-propagation", "5.20");
	assert_int_equal(f->loc.line, 41); /* the volume's entry */
	f = find(&r, "env-secret", "PAL-ENV-SECRET");
	assert_null(strstr(f->evidence, "do-not-print-me")); /* never the value */
	assert_non_null(strstr(f->evidence, "API_TOKEN"));
	audit_report_release(&r);
	audit_input_release(&in);
}

static int parse_error(const char *text, char *err, size_t errlen)
{
	struct audit_input in = { 0 };
	int ret = audit_file_parse("bad.yaml", text, strlen(text), &in, err, errlen);

	audit_input_release(&in);
	return ret;
}

static void test_file_errors(void **state)
{
	char err[512];

	(void)state;
	assert_int_equal(parse_error("services:\n  web:\n    privileged: maybe\n", err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "bad.yaml:3:17: privileged: true or false is expected");
	assert_int_equal(parse_error("services: [a, b]\n", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "bad.yaml:1:11:"));
	assert_int_equal(parse_error("a: [\n", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "bad.yaml:2:1:"));
	assert_int_equal(parse_error("just: text\n", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "neither a compose file"));
	assert_int_equal(parse_error("", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "empty"));
	assert_int_equal(parse_error("apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: {}\n",
				     err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "no containers"));
	assert_int_equal(parse_error("services:\n  w:\n    mem_limit: lots\n", err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "bad.yaml:3:16: mem_limit"));
	/* A merge-key bomb: bounded lookups, no blow-up. */
	assert_int_equal(parse_error("a: &a {x: 1}\nb: &b {<<: [*a,*a,*a,*a,*a,*a,*a,*a]}\n"
				     "c: &c {<<: [*b,*b,*b,*b,*b,*b,*b,*b]}\n"
				     "d: &d {<<: [*c,*c,*c,*c,*c,*c,*c,*c]}\n"
				     "services: {s: {<<: [*d,*d,*d,*d,*d,*d,*d,*d], image: i}}\n",
				     err, sizeof(err)),
			 0);
}

static void parse_container(const char *name, struct audit_workload *w)
{
	char err[256], *text;
	size_t len;

	text = slurp(name, &len);
	if (audit_engine_parse_container(text, len, w, err, sizeof(err)))
		fail_msg("%s: %s", name, err);
	free(text);
}

/* Audits recorded containers with the recorded daemon; ids of each. */
static void audit_recorded(const char *const *files, size_t n, struct audit_input *in,
			   struct audit_report *r)
{
	char err[256], *text;
	size_t len, i;

	memset(in, 0, sizeof(*in));
	in->daemon = calloc(1, sizeof(*in->daemon));
	text = slurp("info.json", &len);
	assert_int_equal(audit_engine_parse_info(text, len, in->daemon, err, sizeof(err)), 0);
	free(text);
	in->daemon->reachable = false; /* the container checks only */
	in->workloads = calloc(n, sizeof(*in->workloads));
	for (i = 0; i < n; i++)
		parse_container(files[i], &in->workloads[i]);
	in->n_workloads = n;
	assert_int_equal(audit_run(in, r), 0);
}

static void test_inspect_recorded(void **state)
{
	static const char *const files[] = { "inspect_violating.json", "inspect_hardened.json",
					     "inspect_privileged_created.json" };
	struct audit_input in;
	struct audit_report r;
	char got[512];

	(void)state;
	audit_recorded(files, 3, &in, &r);
	/* docker run --cap-add NET_ADMIN --cap-drop ALL --read-only -p 127.0.0.1:28080:80
	 * -p 443:443 --memory --cpus --pids-limit --ulimit --restart on-failure:3
	 * --security-opt no-new-privileges --health-cmd -e DB_PASSWORD=...
	 * -v /etc:/hostetc:ro --mount ...,bind-propagation=shared --device --user 1000:1000,
	 * recorded after it exited: the configured port bindings (HostIp "" for 443). */
	ids_of(&r, "audit-probe1", got, sizeof(got));
	assert_string_equal(got, "5.14 5.18 5.2 5.20 5.30 5.4 5.8 5.9 5.9 "
				 "PAL-CGROUPNS-HOST PAL-ENV-SECRET PAL-HOST-MOUNT");
	/* Everything a container can do on this host; AppArmor cannot apply here (no
	 * AppArmor LSM: AppArmorProfile is "" whatever was asked). */
	ids_of(&r, "audit-rec-hard", got, sizeof(got));
	assert_string_equal(got, "5.2");
	/* created, never started */
	ids_of(&r, "audit-rec-priv", got, sizeof(got));
	assert_string_equal(got, "4.1 5.10 5.11 5.12 5.13 5.16 5.17 5.19 5.2 5.21 5.22 5.25 "
				 "5.27 5.29 5.31 5.32 5.5 5.6 PAL-CGROUPNS-HOST PAL-ENV-SECRET");
	assert_string_equal(find(&r, "audit-rec-priv", "5.5")->remediation, "remove --privileged");
	assert_string_equal(find(&r, "audit-rec-priv", "5.6")->evidence,
			    "host / mounted read-write at /host");
	assert_null(strstr(find(&r, "audit-rec-priv", "PAL-ENV-SECRET")->evidence, "EXAMPLEKEY"));
	audit_report_release(&r);
	audit_input_release(&in);
}

static void test_inspect_fields(void **state)
{
	struct audit_workload w;

	(void)state;
	parse_container("inspect_violating.json", &w);
	assert_string_equal(w.name, "audit-probe1");
	assert_string_equal(w.user, "1000:1000");
	assert_int_equal(w.n_cap_add, 1);
	assert_string_equal(w.cap_add[0], "CAP_NET_ADMIN");
	assert_int_equal(w.no_new_privs, AUDIT_YES);
	assert_int_equal(w.memory, 67108864);
	assert_int_equal(w.nano_cpus, 500000000);
	assert_int_equal(w.pids_limit, 50);
	assert_int_equal(w.n_ulimits, 1);
	assert_string_equal(w.restart, "on-failure");
	assert_int_equal(w.restart_max, 3);
	assert_int_equal(w.health, AUDIT_HEALTH_SET);
	assert_int_equal(w.n_mounts, 2);
	assert_int_equal(w.n_ports, 2); /* exited: 443 on every address, 80 on 127.0.0.1 */
	assert_int_equal(w.n_devices, 1);
	assert_string_equal(w.devices[0].host_path, "/dev/null");
	audit_workload_release(&w);
}

static void test_inspect_malformed(void **state)
{
	static const char *const bad[][2] = {
		{ "{\"Id\": 5}", "Id is not a string" },
		{ "{\"Name\": \"/x\"}", "Id is missing" },
		{ "{\"Id\": \"a\", \"HostConfig\": {\"Privileged\": \"true\"}}",
		  "HostConfig.Privileged is not a boolean" },
		{ "{\"Id\": \"a\", \"HostConfig\": {\"CapAdd\": \"ALL\"}}",
		  "HostConfig.CapAdd is not an array" },
		{ "{\"Id\": \"a\", \"Mounts\": [7]}", "Mounts[0] is not an object" },
		{ "{\"Id\": \"a\", \"HostConfig\": {\"PortBindings\": {\"80/tcp\": 1}}}",
		  "HostConfig.PortBindings[80/tcp] is not an array" },
		{ "[1]", "not a JSON object" },
		{ "{\"Id\": \"a\",", "not JSON" },
	};
	struct audit_workload w;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(audit_engine_parse_container(bad[i][0], strlen(bad[i][0]), &w, err,
							      sizeof(err)),
				 -EINVAL);
		if (!strstr(err, bad[i][1]))
			fail_msg("%s: got \"%s\"", bad[i][0], err);
	}
}

static void test_image(void **state)
{
	struct audit_input in = { 0 };
	struct audit_report r;
	char err[256], got[256], *text;
	size_t len;

	(void)state;
	text = slurp("image_inspect.json", &len);
	in.images = calloc(1, sizeof(*in.images));
	assert_int_equal(audit_engine_parse_image(text, len, &in.images[0], err, sizeof(err)), 0);
	free(text);
	in.n_images = 1;
	assert_string_equal(in.images[0].name, "palisade-test:latest");
	assert_string_equal(in.images[0].driver, "overlay2");
	assert_int_equal(in.images[0].n_layer_dirs, 1);
	assert_int_equal(audit_run(&in, &r), 0);
	ids_of(&r, "palisade-test:latest", got, sizeof(got));
	assert_string_equal(got, "4.1-image 4.6");
	audit_report_release(&r);
	audit_input_release(&in);
}

static void test_daemon_settings(void **state)
{
	static const char cmdline[] = "/usr/sbin/dockerd\0-H\0fd://\0--icc=false\0"
				      "--userland-proxy=false\0--no-new-privileges\0"
				      "--host=tcp://0.0.0.0:2375\0--log-level\0debug\0";
	static const char cfg[] = "{\"icc\": true, \"live-restore\": true, \"tlsverify\": false,"
				  " \"hosts\": [\"unix:///var/run/docker.sock\"]}";
	struct audit_input in = { 0 };
	struct audit_report r;
	char err[256], got[512], *text;
	size_t len;

	(void)state;
	in.daemon = calloc(1, sizeof(*in.daemon));
	text = slurp("info.json", &len);
	assert_int_equal(audit_engine_parse_info(text, len, in.daemon, err, sizeof(err)), 0);
	free(text);
	assert_string_equal(in.daemon->seccomp_profile, "default");
	assert_string_equal(in.daemon->logging_driver, "json-file");
	assert_int_equal(in.daemon->n_insecure_registries, 0); /* 127.0.0.0/8 is built in */
	assert_int_equal(audit_daemon_parse_config("daemon.json", cfg, strlen(cfg), in.daemon, err,
						   sizeof(err)),
			 0);
	assert_int_equal(in.daemon->icc, AUDIT_YES);
	audit_daemon_parse_cmdline(cmdline, sizeof(cmdline) - 1, in.daemon);
	assert_int_equal(in.daemon->icc, AUDIT_NO); /* the flag wins */
	assert_int_equal(in.daemon->no_new_privileges, AUDIT_YES);
	assert_string_equal(in.daemon->log_level, "debug");
	assert_int_equal(in.daemon->n_hosts, 2);
	assert_int_equal(audit_run(&in, &r), 0);
	ids_of(&r, "daemon", got, sizeof(got));
	/* live-restore in daemon.json, but docker info says it is off: info wins */
	assert_string_equal(got, "2.12 2.13 2.15 2.3 2.7 2.9");
	assert_non_null(strstr(find(&r, "daemon", "2.7")->evidence, "tcp://0.0.0.0:2375 without TLS"));
	audit_report_release(&r);
	assert_int_equal(audit_daemon_parse_config("d.json", "{\"icc\": \"no\"}", 13, in.daemon, err,
						   sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "d.json: \"icc\" is not a boolean");
	assert_int_equal(audit_daemon_parse_config("d.json", "{\"icc\": ", 8, in.daemon, err,
						   sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "d.json:1:"));
	audit_input_release(&in);
}

static void write_file(const char *dir, const char *rel, const void *data, size_t n, mode_t mode)
{
	char path[512], *slash;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (slash = strchr(path + strlen(dir) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void test_daemon_files(void **state)
{
	char root[] = "/tmp/palisade-audit-files-XXXXXX", got[256], path[600];
	struct audit_input in = { 0 };
	struct audit_report r;

	(void)state;
	assert_non_null(mkdtemp(root));
	write_file(root, "etc/docker/daemon.json", "{\"icc\": false}", 14, 0666);
	write_file(root, "lib/systemd/system/docker.service", "[Unit]\n", 7, 0644);
	write_file(root, "var/run/docker.sock", "", 0, 0600);
	snprintf(path, sizeof(path), "%s/etc/docker", root);
	chmod(path, 0777);
	in.daemon = calloc(1, sizeof(*in.daemon));
	in.daemon->reachable = true;
	assert_int_equal(audit_daemon_collect_local(root, "/var/run/docker.sock", in.daemon), 0);
	assert_string_equal(in.daemon->config_file, "/etc/docker/daemon.json");
	assert_int_equal(in.daemon->icc, AUDIT_NO);
	assert_int_equal(audit_run(&in, &r), 0);
	ids_of(&r, "daemon", got, sizeof(got));
	/* 3.6: /etc/docker 0777; 3.18: daemon.json 0666; 3.15: the socket's group is
	 * not docker (it is the test's). The owner checks depend on who runs the
	 * test: as root, only the socket's group is wrong. */
	if (getuid() == 0)
		assert_non_null(strstr(got, "3.15"));
	assert_non_null(strstr(got, "3.18"));
	assert_non_null(strstr(got, "3.6"));
	assert_null(strstr(got, "3.2 ")); /* docker.service 0644 */
	assert_null(strstr(got, "3.16")); /* the socket 0600 */
	assert_string_equal(find(&r, "daemon", "3.18")->evidence,
			    "/etc/docker/daemon.json has mode 0666 (want 0644 or stricter)");
	audit_report_release(&r);
	audit_input_release(&in);
	snprintf(path, sizeof(path), "rm -rf '%s'", root);
	assert_int_equal(system(path), 0);
}

static void test_host_posture(void **state)
{
	static const char efi_on[] = { 6, 0, 0, 0, 1 };
	char root[] = "/tmp/palisade-audit-host-XXXXXX", got[256], cmd[600];
	struct audit_input in = { 0 };
	struct audit_report r;
	const char *mi = "22 1 8:1 / / ro,relatime shared:1 - ext4 /dev/sda1 ro\n"
			 "30 22 8:2 / /var/lib/docker rw,relatime shared:2 - ext4 /dev/sda2 rw\n";

	(void)state;
	assert_non_null(mkdtemp(root));
	write_file(root, "sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-e98c3e2e7c3c",
		   efi_on, sizeof(efi_on), 0644);
	write_file(root, "sys/kernel/security/lockdown", "none [integrity] confidentiality\n", 33,
		   0444);
	write_file(root, "sys/kernel/security/lsm", "lockdown,capability,apparmor", 28, 0444);
	write_file(root, "proc/1/mountinfo", mi, strlen(mi), 0444);
	in.host = calloc(1, sizeof(*in.host));
	assert_int_equal(audit_host_collect(root, "/var/lib/docker", in.host), 0);
	assert_int_equal(in.host->secure_boot, 1);
	assert_string_equal(in.host->lockdown, "integrity");
	assert_int_equal(in.host->root_read_only, 1);
	assert_int_equal(in.host->docker_root_separate, 1);
	assert_int_equal(audit_run(&in, &r), 0);

	ids_of(&r, "host", got, sizeof(got));
	assert_string_equal(got, ""); /* a hardened host */
	audit_report_release(&r);
	audit_input_release(&in);

	/* Secure Boot off, lockdown none, no MAC LSM, / writable, no partition. */
	write_file(root, "sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-e98c3e2e7c3c",
		   "\6\0\0\0\0", 5, 0644);
	write_file(root, "sys/kernel/security/lockdown", "[none] integrity confidentiality\n", 33,
		   0444);
	write_file(root, "sys/kernel/security/lsm", "lockdown,capability,landlock,bpf", 32, 0444);
	write_file(root, "proc/1/mountinfo", "22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n", 45,
		   0444);
	in.host = calloc(1, sizeof(*in.host));
	assert_int_equal(audit_host_collect(root, "/var/lib/docker", in.host), 0);
	assert_int_equal(audit_run(&in, &r), 0);
	ids_of(&r, "host", got, sizeof(got));
	assert_string_equal(got, "1.1.1 PAL-HOST-LOCKDOWN PAL-HOST-LSM PAL-HOST-ROOT-RO "
				 "PAL-HOST-SECUREBOOT");
	assert_string_equal(find(&r, "host", "PAL-HOST-SECUREBOOT")->evidence, "Secure Boot is off");
	assert_string_equal(find(&r, "host", "1.1.1")->evidence,
			    "/var/lib/docker is not a partition of its own: it is on the file system "
			    "mounted at /");
	audit_report_release(&r);
	audit_input_release(&in);
	/* A bind mount of a directory of / (what `mountpoint` accepts) is no partition. */
	mi = "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
	     "30 22 8:1 /var/lib/docker /var/lib/docker rw - ext4 /dev/sda1 rw\n";
	write_file(root, "proc/1/mountinfo", mi, strlen(mi), 0444);
	in.host = calloc(1, sizeof(*in.host));
	assert_int_equal(audit_host_collect(root, "/var/lib/docker", in.host), 0);
	assert_int_equal(in.host->docker_root_separate, 0);
	audit_input_release(&in);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

/* 5.3 applies where the daemon runs with SELinux (not on this host). */
static void test_selinux(void **state)
{
	static const char *const files[] = { "inspect_hardened.json",
					     "inspect_privileged_created.json" };
	struct audit_input in;
	struct audit_report r;
	char *label;

	(void)state;
	audit_recorded(files, 2, &in, &r);
	assert_null(find(&r, "audit-rec-hard", "5.3")); /* no SELinux in the daemon */
	audit_report_release(&r);
	in.daemon->selinux = true;
	assert_int_equal(audit_run(&in, &r), 0);
	assert_string_equal(find(&r, "audit-rec-hard", "5.3")->evidence,
			    "no label= security option while the daemon runs with SELinux");
	assert_string_equal(find(&r, "audit-rec-priv", "5.3")->evidence,
			    "SELinux labelling disabled (label=disable)");
	audit_report_release(&r);
	label = in.workloads[0].selinux;
	in.workloads[0].selinux = strdup("type:container_t");
	free(label);
	assert_int_equal(audit_run(&in, &r), 0);
	assert_null(find(&r, "audit-rec-hard", "5.3"));
	audit_report_release(&r);
	audit_input_release(&in);
}

static void test_secrets(void **state)
{
	static const struct {
		const char *name, *value;
		bool secret;
	} cases[] = {
		{ "DB_PASSWORD", "hunter2", true },
		{ "DB_PASSWORD", "", false },
		{ "DB_PASSWORD_FILE", "/run/secrets/db", false },
		{ "GITHUB_TOKEN", "x", true },
		{ "AWS_REGION", "eu-west-1", false },
		{ "AWS_SECRET_ACCESS_KEY", "abc", true },
		{ "KEY", "AKIAIOSFODNN7EXAMPLE", true },
		{ "CERT", "-----BEGIN RSA PRIVATE KEY-----\nMIIE", true },
		{ "DATABASE_URL", "postgres://app:s3cret@db:5432/app", true },
		{ "DATABASE_URL", "postgres://db:5432/app", false },
		{ "X", "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdo", true },
		{ "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin", false },
		{ "VERSION", "1.2.3-alpine-20240101", false },
		{ "LANG", "C.UTF-8", false },
		{ "HOSTNAME", "web-7f9c8d6b5-x2x7q", false },
	};
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (audit_env_is_secret(cases[i].name, cases[i].value, &why) != cases[i].secret)
			fail_msg("%s=%s: want %s", cases[i].name, cases[i].value,
				 cases[i].secret ? "secret" : "not secret");
}

/* Three layers (top first): a setuid file in the bottom layer stays visible
 * unless a layer above replaces it, whites it out, or hides its directory. */
static void test_layers(void **state)
{
	char root[] = "/tmp/palisade-audit-layers-XXXXXX", dirs[3][600], cmd[700];
	struct audit_image img = { 0 };
	bool oom = false;
	size_t i;

	(void)state;
	assert_non_null(mkdtemp(root));
	write_file(root, "l2/bin/su", "x", 1, 04755);
	write_file(root, "l2/bin/passwd", "x", 1, 04755);
	write_file(root, "l2/usr/bin/wall", "x", 1, 02755);
	write_file(root, "l2/opt/tool/helper", "x", 1, 04711);
	write_file(root, "l2/bin/ls", "x", 1, 0755);
	write_file(root, "l1/bin/passwd", "x", 1, 0755); /* replaced: chmod u-s above */
	write_file(root, "l1/opt", "x", 1, 0644);        /* a file where a directory was */
	write_file(root, "l0/usr/bin/newgrp", "x", 1, 04755);
	for (i = 0; i < 3; i++)
		snprintf(dirs[i], sizeof(dirs[i]), "%s/l%zu", root, i);
	img.driver = audit_dup(&oom, "overlay2");
	img.layers_why = audit_dup(&oom, "");
	for (i = 0; i < 3; i++)
		audit_strv_push(&img.layer_dirs, &img.n_layer_dirs, &oom, dirs[i]);
	assert_int_equal(audit_image_scan_layers(&img), 0);
	assert_int_equal(img.layers, AUDIT_LAYERS_SCANNED);
	assert_int_equal(img.n_setuid, 3);
	for (i = 0; i < img.n_setuid; i++)
		assert_true(strncmp(img.setuid[i], "/bin/su ", 8) == 0 ||
			    strncmp(img.setuid[i], "/usr/bin/wall ", 14) == 0 ||
			    strncmp(img.setuid[i], "/usr/bin/newgrp ", 16) == 0);
	audit_image_release(&img);

	/* A whiteout (0/0 char device) and an opaque directory need privileges. */
	snprintf(cmd, sizeof(cmd), "%s/l1/bin/su", root);
	if (mknod(cmd, S_IFCHR | 0, 0) == 0) {
		snprintf(cmd, sizeof(cmd), "%s/l1/usr", root);
		mkdir(cmd, 0755);
		snprintf(cmd, sizeof(cmd), "%s/l1/usr/bin", root);
		mkdir(cmd, 0755);
		if (setxattr(cmd, "trusted.overlay.opaque", "y", 1, 0) == 0) {
			memset(&img, 0, sizeof(img));
			img.driver = audit_dup(&oom, "overlay2");
			img.layers_why = audit_dup(&oom, "");
			for (i = 0; i < 3; i++)
				audit_strv_push(&img.layer_dirs, &img.n_layer_dirs, &oom, dirs[i]);
			assert_int_equal(audit_image_scan_layers(&img), 0);
			assert_int_equal(img.n_setuid, 1); /* only newgrp, in the top layer */
			assert_true(strncmp(img.setuid[0], "/usr/bin/newgrp ", 16) == 0);
			audit_image_release(&img);
		}
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

/* docker save's archive (tests/data/audit/make_save_tar.py): the same
 * overlay rules as the layer directories, fed at once and in odd chunks. */
static void test_save_archive(void **state)
{
	static const size_t chunks[] = { 0, 1, 7, 511, 513, 4096 };
	char *tar, *trunc;
	size_t len, i, j;

	(void)state;
	tar = slurp("save_synthetic.tar", &len);
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		struct audit_image img = { 0 };

		assert_int_equal(audit_save_scan_bytes(&img, tar, len, chunks[i]), 0);
		assert_int_equal(img.layers, AUDIT_LAYERS_SCANNED);
		if (img.n_setuid != 3)
			fail_msg("chunk %zu: %zu setuid files", chunks[i], img.n_setuid);
		for (j = 0; j < img.n_setuid; j++)
			assert_true(strcmp(img.setuid[j], "/bin/su (mode 4755, setuid)") == 0 ||
				    strcmp(img.setuid[j], "/usr/bin/wall (mode 2755, setgid)") == 0 ||
				    strncmp(img.setuid[j], "/very/long/long/", 16) == 0);
		audit_image_release(&img);
	}
	/* Cut: the manifest never comes, so nothing is claimed. */
	trunc = malloc(len / 2);
	memcpy(trunc, tar, len / 2);
	{
		struct audit_image img = { 0 };

		assert_int_equal(audit_save_scan_bytes(&img, trunc, len / 2, 0), 0);
		assert_int_equal(img.layers, AUDIT_LAYERS_NOT_SCANNED);
		assert_non_null(strstr(img.layers_why, "manifest"));
		audit_image_release(&img);
	}
	/* A corrupted header checksum inside a layer: that layer is malformed. */
	tar[512 * 2 + 148 + 512] ^= 1;
	{
		struct audit_image img = { 0 };

		assert_int_equal(audit_save_scan_bytes(&img, tar, len, 0), 0);
		assert_int_equal(img.layers, AUDIT_LAYERS_NOT_SCANNED);
		audit_image_release(&img);
	}
	free(trunc);
	free(tar);
}

/* One report from fixtures with findings of every kind and location. */
static void sample(struct audit_input *in, struct audit_report *r)
{
	char err[256];

	memset(in, 0, sizeof(*in));
	assert_int_equal(audit_file_load(DATA "compose_violations.yaml", in, err, sizeof(err)), 0);
	in->notes = NULL;
	assert_int_equal(audit_strv_push(&in->notes, &in->n_notes, &(bool){ false },
					 "image x: setuid/setgid files not checked"),
			 0);
	assert_int_equal(audit_run(in, r), 0);
}

static void test_render_json(void **state)
{
	struct audit_input in;
	struct audit_report r;
	json_error_t je;
	json_t *doc, *f;
	char *text;

	(void)state;
	sample(&in, &r);
	text = audit_render_string(AUDIT_FMT_JSON, &in, &r);
	assert_non_null(text);
	doc = json_loads(text, 0, &je);
	assert_non_null(doc);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "summary"),
							    "findings")),
			 (json_int_t)r.n);
	assert_int_equal(json_array_size(json_object_get(doc, "findings")), r.n);
	f = json_array_get(json_object_get(doc, "findings"), 0); /* most severe first */
	assert_string_equal(json_string_value(json_object_get(f, "severity")), "critical");
	assert_string_equal(json_string_value(json_object_get(f, "source")), "compose");
	assert_true(json_is_integer(json_object_get(json_object_get(f, "location"), "line")));
	assert_int_equal(json_array_size(json_object_get(doc, "notes")), 1);
	json_decref(doc);
	free(text);
	audit_report_release(&r);
	audit_input_release(&in);
}

/* SARIF 2.1.0's required structure, and every result's rule resolves. */
static void test_render_sarif(void **state)
{
	struct audit_input in;
	struct audit_report r;
	json_t *doc, *run, *rules, *res, *loc;
	json_error_t je;
	char *text;
	size_t i;

	(void)state;
	sample(&in, &r);
	text = audit_render_string(AUDIT_FMT_SARIF, &in, &r);
	doc = json_loads(text, 0, &je);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "version")), "2.1.0");
	assert_non_null(strstr(json_string_value(json_object_get(doc, "$schema")),
			       "sarif-schema-2.1.0.json"));
	run = json_array_get(json_object_get(doc, "runs"), 0);
	rules = json_object_get(json_object_get(json_object_get(run, "tool"), "driver"), "rules");
	assert_int_equal(json_array_size(rules), audit_n_checks);
	res = json_object_get(run, "results");
	assert_int_equal(json_array_size(res), r.n);
	for (i = 0; i < json_array_size(res); i++) {
		json_t *x = json_array_get(res, i);
		size_t idx = (size_t)json_integer_value(json_object_get(x, "ruleIndex"));
		const char *level = json_string_value(json_object_get(x, "level"));

		assert_string_equal(json_string_value(json_object_get(json_array_get(rules, idx), "id")),
				    json_string_value(json_object_get(x, "ruleId")));
		assert_true(strcmp(level, "error") == 0 || strcmp(level, "warning") == 0 ||
			    strcmp(level, "note") == 0);
		assert_non_null(json_string_value(json_object_get(json_object_get(x, "message"),
								  "text")));
		loc = json_object_get(json_array_get(json_object_get(x, "locations"), 0),
				      "physicalLocation");
		assert_string_equal(json_string_value(json_object_get(
					    json_object_get(loc, "artifactLocation"), "uri")),
				    "tests/data/audit/compose_violations.yaml");
		assert_true(json_integer_value(json_object_get(json_object_get(loc, "region"),
							       "startLine")) >= 1);
	}
	assert_int_equal(json_array_size(json_object_get(json_array_get(json_object_get(run,
											"invocations"),
									 0),
							  "toolExecutionNotifications")),
			 1);
	json_decref(doc);
	free(text);
	audit_report_release(&r);
	audit_input_release(&in);
}

static void test_render_text(void **state)
{
	struct audit_input in;
	struct audit_report r;
	char *text;

	(void)state;
	sample(&in, &r);
	text = audit_render_string(AUDIT_FMT_TEXT, &in, &r);
	assert_non_null(strstr(text, "critical  5.5 "));
	assert_non_null(strstr(text, "tests/data/audit/compose_violations.yaml:23:28 container "
				     "privileged\n"));
	assert_non_null(strstr(text, "fix: privileged: false\n"));
	assert_non_null(strstr(text, "note: image x: setuid/setgid files not checked\n"));
	assert_non_null(strstr(text, "findings on 34 objects"));
	assert_int_equal(audit_report_max_severity(&r), AUDIT_SEV_CRITICAL);
	free(text);
	audit_report_release(&r);
	audit_input_release(&in);
}

/* The table itself: unique ids, a remediation wherever a check applies. */
static void test_table(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < audit_n_checks; i++) {
		const struct audit_check *c = &audit_checks[i];

		assert_non_null(c->check);
		assert_non_null(c->remedy[AUDIT_SRC_ENGINE]);
		if (c->kind != AUDIT_KIND_CONTAINER) {
			assert_null(c->remedy[AUDIT_SRC_COMPOSE]);
			assert_null(c->remedy[AUDIT_SRC_K8S]);
		}
		for (j = 0; j < i; j++)
			if (strcmp(audit_checks[j].id, c->id) == 0)
				fail_msg("check id %s twice", c->id);
	}
}

static void test_suggest(void **state)
{
	struct audit_workload w;
	char *s;

	(void)state;
	parse_container("inspect_violating.json", &w);
	s = audit_suggest_docker_run(&w, NULL);
	assert_non_null(strstr(s, "--cap-drop ALL \\\n  --cap-add CAP_NET_ADMIN"));
	assert_non_null(strstr(s, "--security-opt no-new-privileges"));
	assert_non_null(strstr(s, "--user 1000:1000"));
	assert_non_null(strstr(s, "-p 127.0.0.1:443:443/tcp"));
	assert_non_null(strstr(s, "# removed: -e DB_PASSWORD"));
	assert_null(strstr(s, "hunter2"));
	assert_non_null(strstr(s, "palisade-test:latest sleep 600\n"));
	free(s);
	s = audit_suggest_compose(&w, NULL);
	assert_non_null(strstr(s, "    cap_drop: [ALL]\n"));
	assert_null(strstr(s, "hunter2"));
	free(s);
	audit_workload_release(&w);
}

/* The watcher's gauges, as Prometheus reads them back. */
static void test_watch_metrics(void **state)
{
	struct audit_input in;
	struct audit_report r;
	struct audit_watch *w;
	struct metrics_writer *mw;
	struct metrics_parsed p;
	bool found;
	char *text;
	size_t len;

	(void)state;
	sample(&in, &r);
	assert_int_equal(audit_watch_new_offline(&w), 0);
	audit_watch_publish(w, &in, &r);
	assert_int_equal(metrics_writer_new(&mw), 0);
	audit_watch_collect(mw, w);
	assert_int_equal(metrics_writer_errors(mw), 0);
	text = metrics_writer_render(mw, &len);
	assert_int_equal(metrics_parse(text, len, &p, NULL), 0);
	assert_true(metrics_parsed_sum(&p, "palisade_audit_findings", "check", "5.5", &found) == 1);
	assert_true(metrics_parsed_sum(&p, "palisade_audit_findings", "check", "5.14", &found) == 1);
	assert_true(metrics_parsed_sum(&p, "palisade_audit_findings", "check", "2.2", &found) == 0);
	assert_true(found); /* every check has its gauge, 0 included */
	assert_true(metrics_parsed_sum(&p, "palisade_audit_findings", NULL, NULL, &found) == 35);
	assert_true(metrics_parsed_sum(&p, "palisade_audit_object_findings", "object", "port-80",
				       &found) == 2);
	assert_true(metrics_parsed_sum(&p, "palisade_audit_runs_total", NULL, NULL, &found) == 1);
	metrics_parsed_release(&p);
	free(text);
	metrics_writer_free(mw);
	audit_watch_stop(w);
}

/* A violation is an alert as the rules' are: the sinks render it (Falco's schema). */
static void test_violation_alert(void **state)
{
	struct audit_input in;
	struct audit_report r;
	const struct audit_finding *f;
	struct audit_violation v = { 0 };
	struct alert *al;
	json_t *doc, *fields;
	char *line;

	(void)state;
	sample(&in, &r);
	f = find(&r, "privileged", "5.5");
	v.w = &in.workloads[5];
	assert_string_equal(v.w->name, "privileged");
	v.findings = &f;
	v.n = 1;
	v.max = AUDIT_SEV_CRITICAL;
	al = audit_violation_alert(&v, "host1", 1796637797000000000ull);
	assert_non_null(al);
	assert_int_equal(al->priority, RULES_PRIO_CRITICAL);
	line = alert_to_json(al);
	doc = json_loads(line, 0, NULL);
	assert_non_null(doc);
	fields = json_object_get(doc, "output_fields");
	assert_string_equal(json_string_value(json_object_get(doc, "rule")), AUDIT_VIOLATION_RULE);
	assert_string_equal(json_string_value(json_object_get(doc, "priority")), "Critical");
	assert_string_equal(json_string_value(json_object_get(doc, "source")), "audit");
	assert_string_equal(json_string_value(json_object_get(doc, "time")),
			    "2026-12-07T10:03:17.000000000Z");
	assert_string_equal(json_string_value(json_object_get(fields, "audit.checks")), "5.5");
	assert_string_equal(json_string_value(json_object_get(fields, "container.name")),
			    "privileged");
	assert_string_equal(json_string_value(json_array_get(json_object_get(doc, "tags"), 0)),
			    "audit");
	assert_non_null(strstr(json_string_value(json_object_get(doc, "output")), "5.5 (critical): "));
	assert_non_null(strstr(line, "{\"hostname\":\"host1\",\"output\":"));
	json_decref(doc);
	free(line);
	alert_free(al);
	audit_report_release(&r);
	audit_input_release(&in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compose_clean),   cmocka_unit_test(test_compose_violations),
		cmocka_unit_test(test_k8s_clean),       cmocka_unit_test(test_k8s_violations),
		cmocka_unit_test(test_locations),       cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_inspect_recorded), cmocka_unit_test(test_inspect_fields),
		cmocka_unit_test(test_inspect_malformed), cmocka_unit_test(test_image),
		cmocka_unit_test(test_daemon_settings), cmocka_unit_test(test_daemon_files),
		cmocka_unit_test(test_host_posture),    cmocka_unit_test(test_selinux),
		cmocka_unit_test(test_secrets),
		cmocka_unit_test(test_layers),          cmocka_unit_test(test_save_archive),
		cmocka_unit_test(test_render_json),
		cmocka_unit_test(test_render_sarif),    cmocka_unit_test(test_render_text),
		cmocka_unit_test(test_table),           cmocka_unit_test(test_suggest),
		cmocka_unit_test(test_watch_metrics),   cmocka_unit_test(test_violation_alert),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
