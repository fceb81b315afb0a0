/*
 * THE table of checks: one row each, with its id (the CIS Docker Benchmark
 * v1.6 number, or palisade's own PAL-... id), what it looks at, its
 * severity, the function that finds the violations and the remediation as
 * the exact docker flag, compose key and Kubernetes key. A NULL remediation
 * means the check does not apply to that source (a compose file has no
 * sshd to see). Ids are unique: CIS 4.1 has two rows, the image's USER
 * ("4.1-image") and the user a container runs as ("4.1", as
 * docker-bench-security applies it). The docs (docs/audit.md), SARIF's rules and `--list` derive
 * from these rows.
 */
#include <string.h>

#include "audit/checks.h"

#define C(fn) audit_check_##fn
#define SRC3(d, c, k) { [AUDIT_SRC_ENGINE] = (d), [AUDIT_SRC_COMPOSE] = (c), [AUDIT_SRC_K8S] = (k) }
#define LIVE(d) SRC3(d, NULL, NULL)
#define DAEMON_FILE(own, mode, key, what, want_own, want_mode)                                  \
	{ own, own, AUDIT_KIND_DAEMON, AUDIT_SEV_MEDIUM, "ownership of " what, key,             \
	  C(daemon_file_owner), LIVE("chown " want_own " " what) },                             \
	{ mode, mode, AUDIT_KIND_DAEMON, AUDIT_SEV_MEDIUM, "permissions of " what, key,         \
	  C(daemon_file_mode), LIVE("chmod " want_mode " " what) }

const struct audit_check audit_checks[] = {
	/* 1: the host */
	{ "1.1.1", "1.1.1", AUDIT_KIND_HOST, AUDIT_SEV_LOW,
	  "a separate partition for containers (Docker's root directory)", NULL, C(host_partition),
	  LIVE("mount a file system of its own on Docker's root directory (/var/lib/docker)") },
	{ "PAL-HOST-SECUREBOOT", NULL, AUDIT_KIND_HOST, AUDIT_SEV_MEDIUM,
	  "the host booted with UEFI Secure Boot", NULL, C(host_secure_boot),
	  LIVE("enable Secure Boot in the firmware (mokutil --sb-state to verify)") },
	{ "PAL-HOST-LOCKDOWN", NULL, AUDIT_KIND_HOST, AUDIT_SEV_LOW,
	  "kernel lockdown is enabled", NULL, C(host_lockdown),
	  LIVE("boot with lockdown=integrity on the kernel command line") },
	{ "PAL-HOST-LSM", NULL, AUDIT_KIND_HOST, AUDIT_SEV_MEDIUM,
	  "a mandatory access control LSM (AppArmor or SELinux) is active", NULL, C(host_lsm),
	  LIVE("boot with security=apparmor (apt install apparmor) or SELinux enforcing") },
	{ "PAL-HOST-ROOT-RO", NULL, AUDIT_KIND_HOST, AUDIT_SEV_INFO,
	  "the host's root filesystem is read-only", NULL, C(host_root_ro),
	  LIVE("mount / read-only (an immutable host OS), writable state on separate mounts") },

	/* 2: the daemon's configuration */
	{ "2.2", "2.2", AUDIT_KIND_DAEMON, AUDIT_SEV_MEDIUM,
	  "network traffic is restricted between containers on the default bridge", NULL,
	  C(daemon_icc), LIVE("daemon.json \"icc\": false (dockerd --icc=false)") },
	{ "2.3", "2.3", AUDIT_KIND_DAEMON, AUDIT_SEV_LOW, "the logging level is 'info'", NULL,
	  C(daemon_log_level), LIVE("daemon.json \"log-level\": \"info\"") },
	{ "2.4", "2.4", AUDIT_KIND_DAEMON, AUDIT_SEV_MEDIUM,
	  "Docker is allowed to make changes to iptables", NULL, C(daemon_iptables),
	  LIVE("daemon.json: remove \"iptables\": false") },
	{ "2.5", "2.5", AUDIT_KIND_DAEMON, AUDIT_SEV_HIGH, "insecure registries are not used",
	  NULL, C(daemon_insecure_registry), LIVE("daemon.json: remove \"insecure-registries\"") },
	{ "2.6", "2.6", AUDIT_KIND_DAEMON, AUDIT_SEV_MEDIUM, "the aufs storage driver is not used",
	  NULL, C(daemon_aufs), LIVE("daemon.json \"storage-driver\": \"overlay2\"") },
	{ "2.7", "2.7", AUDIT_KIND_DAEMON, AUDIT_SEV_CRITICAL,
	  "a TCP socket is protected by TLS with client verification", NULL, C(daemon_tcp_tls),
	  LIVE("daemon.json \"tlsverify\": true, \"tlscacert\", \"tlscert\", \"tlskey\" "
	       "(or no tcp:// in \"hosts\")") },
	{ "2.9", "2.9", AUDIT_KIND_DAEMON, AUDIT_SEV_LOW, "user namespace support is enabled",
	  NULL, C(daemon_userns), LIVE("daemon.json \"userns-remap\": \"default\"") },
	{ "2.12", "2.12", AUDIT_KIND_DAEMON, AUDIT_SEV_LOW,
	  "authorization for Docker client commands is enabled", NULL, C(daemon_authz),
	  LIVE("daemon.json \"authorization-plugins\": [\"PLUGIN\"]") },
	{ "2.13", "2.13", AUDIT_KIND_DAEMON, AUDIT_SEV_LOW,
	  "centralized and remote logging is configured", NULL, C(daemon_remote_log),
	  LIVE("daemon.json \"log-driver\": \"syslog\" (or journald, fluentd, gelf...)") },
	{ "2.14", "2.14", AUDIT_KIND_DAEMON, AUDIT_SEV_LOW,
	  "containers are restricted from acquiring new privileges", NULL,
	  C(daemon_no_new_privs), LIVE("daemon.json \"no-new-privileges\": true") },
	{ "2.15", "2.15", AUDIT_KIND_DAEMON, AUDIT_SEV_LOW, "live restore is enabled", NULL,
	  C(daemon_live_restore), LIVE("daemon.json \"live-restore\": true") },
	{ "2.16", "2.16", AUDIT_KIND_DAEMON, AUDIT_SEV_LOW, "the userland proxy is disabled",
	  NULL, C(daemon_userland_proxy), LIVE("daemon.json \"userland-proxy\": false") },
	{ "2.17", "2.17", AUDIT_KIND_DAEMON, AUDIT_SEV_HIGH,
	  "a daemon-wide seccomp profile is applied", NULL, C(daemon_seccomp),
	  LIVE("daemon.json: remove \"seccomp-profile\": \"unconfined\" (keep Docker's default)") },
	{ "2.18", "2.18", AUDIT_KIND_DAEMON, AUDIT_SEV_LOW,
	  "experimental features are not used in production", NULL, C(daemon_experimental),
	  LIVE("daemon.json \"experimental\": false") },
	{ "5.1", "5.1", AUDIT_KIND_DAEMON, AUDIT_SEV_LOW, "swarm mode is not enabled, if not needed",
	  NULL, C(daemon_swarm), LIVE("docker swarm leave") },

	/* 3: the daemon's files (which file: audit_daemon.c's table) */
	DAEMON_FILE("3.1", "3.2", "docker.service", "docker.service", "root:root", "644"),
	DAEMON_FILE("3.3", "3.4", "docker.socket", "docker.socket", "root:root", "644"),
	DAEMON_FILE("3.5", "3.6", "/etc/docker", "/etc/docker", "root:root", "755"),
	DAEMON_FILE("3.9", "3.10", "tlscacert", "the TLS CA certificate", "root:root", "444"),
	DAEMON_FILE("3.11", "3.12", "tlscert", "the server certificate", "root:root", "444"),
	DAEMON_FILE("3.13", "3.14", "tlskey", "the server key", "root:root", "400"),
	DAEMON_FILE("3.15", "3.16", "docker.sock", "the Docker socket", "root:docker", "660"),
	DAEMON_FILE("3.17", "3.18", "daemon.json", "daemon.json", "root:root", "644"),
	DAEMON_FILE("3.19", "3.20", "/etc/default/docker", "/etc/default/docker", "root:root",
		    "644"),
	DAEMON_FILE("3.22", "3.21", "/etc/sysconfig/docker", "/etc/sysconfig/docker",
		    "root:root", "644"),
	DAEMON_FILE("3.23", "3.24", "containerd.sock", "the containerd socket", "root:root",
		    "660"),

	/* 4: images */
	{ "4.1-image", "4.1", AUDIT_KIND_IMAGE, AUDIT_SEV_MEDIUM, "a user for the container has been "
							    "created (image USER)",
	  NULL, C(image_user), LIVE("USER 10001 in the Dockerfile") },
	{ "4.6", "4.6", AUDIT_KIND_IMAGE, AUDIT_SEV_LOW, "HEALTHCHECK instructions have been added "
							 "to the image",
	  NULL, C(image_health), LIVE("HEALTHCHECK CMD ... in the Dockerfile") },
	{ "4.8", "4.8", AUDIT_KIND_IMAGE, AUDIT_SEV_LOW, "setuid and setgid permissions are removed",
	  NULL, C(image_setuid), LIVE("RUN chmod a-s FILE in the Dockerfile (or remove the file)") },
	{ "4.10", "4.10", AUDIT_KIND_IMAGE, AUDIT_SEV_HIGH, "secrets are not stored in the image",
	  NULL, C(image_secret),
	  LIVE("remove the ENV from the Dockerfile; pass secrets as files (docker secrets, "
	       "--mount type=secret at build time)") },

	/* 4.1 and 5: each workload */
	{ "4.1", "4.1", AUDIT_KIND_CONTAINER, AUDIT_SEV_MEDIUM, "the container runs as a non-root "
								"user",
	  NULL, C(user),
	  SRC3("--user UID:GID", "user: \"UID:GID\"",
	       "securityContext.runAsNonRoot: true (with runAsUser: UID)") },
	{ "5.2", "5.2", AUDIT_KIND_CONTAINER, AUDIT_SEV_MEDIUM, "an AppArmor profile is applied",
	  NULL, C(apparmor),
	  SRC3("--security-opt apparmor=docker-default", "security_opt: [\"apparmor=docker-default\"]",
	       "securityContext.appArmorProfile.type: RuntimeDefault") },
	{ "5.3", "5.3", AUDIT_KIND_CONTAINER, AUDIT_SEV_MEDIUM, "SELinux security options are set",
	  NULL, C(selinux),
	  SRC3("--security-opt label=type:TYPE", "security_opt: [\"label=type:TYPE\"]", NULL) },
	{ "5.4", "5.4", AUDIT_KIND_CONTAINER, AUDIT_SEV_HIGH, "Linux kernel capabilities are "
							      "restricted (none added)",
	  NULL, C(cap_add),
	  SRC3("remove the --cap-add", "remove the cap_add entry",
	       "remove it from securityContext.capabilities.add") },
	{ "PAL-CAP-DROP-ALL", NULL, AUDIT_KIND_CONTAINER, AUDIT_SEV_MEDIUM,
	  "every capability is dropped, only the needed ones added back", NULL, C(cap_drop_all),
	  SRC3("--cap-drop ALL", "cap_drop: [ALL]", "securityContext.capabilities.drop: [\"ALL\"]") },
	{ "5.5", "5.5", AUDIT_KIND_CONTAINER, AUDIT_SEV_CRITICAL, "privileged containers are not "
								  "used",
	  NULL, C(privileged),
	  SRC3("remove --privileged", "privileged: false", "securityContext.privileged: false") },
	{ "5.6", "5.6", AUDIT_KIND_CONTAINER, AUDIT_SEV_HIGH, "sensitive host system directories "
							      "are not mounted read-write",
	  NULL, C(sensitive_mount),
	  SRC3("remove the -v/--mount of the host directory", "remove the volumes entry",
	       "remove the hostPath volume") },
	{ "PAL-HOST-MOUNT", NULL, AUDIT_KIND_CONTAINER, AUDIT_SEV_LOW,
	  "no host path under a sensitive directory, nor any hostPath, is mounted", NULL,
	  C(host_path),
	  SRC3("remove the -v/--mount of the host path (or use a volume)",
	       "remove the volumes entry (or use a named volume)",
	       "use a persistentVolumeClaim or emptyDir instead of hostPath") },
	{ "5.7", "5.7", AUDIT_KIND_CONTAINER, AUDIT_SEV_LOW, "sshd is not run within the container",
	  NULL, C(sshd), LIVE("remove sshd from the image; use docker exec") },
	{ "5.8", "5.8", AUDIT_KIND_CONTAINER, AUDIT_SEV_LOW, "privileged ports are not mapped",
	  NULL, C(privileged_port),
	  SRC3("-p HOSTPORT:PORT with HOSTPORT above 1024", "ports: [\"HOSTPORT:PORT\"] with "
							     "HOSTPORT above 1024",
	       "ports[].hostPort above 1024 (or none)") },
	{ "5.9", "5.9", AUDIT_KIND_CONTAINER, AUDIT_SEV_INFO, "only needed ports are open", NULL,
	  C(open_port),
	  SRC3("remove the -p you do not need", "remove the ports entry you do not need",
	       "remove the hostPort you do not need") },
	{ "5.10", "5.10", AUDIT_KIND_CONTAINER, AUDIT_SEV_HIGH, "the host's network namespace is "
								"not shared",
	  NULL, C(net_host),
	  SRC3("remove --network host", "remove network_mode: host", "hostNetwork: false") },
	{ "5.11", "5.11", AUDIT_KIND_CONTAINER, AUDIT_SEV_MEDIUM, "memory usage is limited", NULL,
	  C(memory),
	  SRC3("--memory 512m", "deploy.resources.limits.memory: 512M (or mem_limit: 512m)",
	       "resources.limits.memory: 512Mi") },
	{ "5.12", "5.12", AUDIT_KIND_CONTAINER, AUDIT_SEV_LOW, "CPU priority is set", NULL, C(cpu),
	  SRC3("--cpus 1 (or --cpu-shares 512)", "deploy.resources.limits.cpus: \"1\" (or cpus: 1)",
	       "resources.limits.cpu: \"1\"") },
	{ "5.13", "5.13", AUDIT_KIND_CONTAINER, AUDIT_SEV_MEDIUM, "the root filesystem is read-only",
	  NULL, C(read_only),
	  SRC3("--read-only (with --tmpfs /tmp where needed)", "read_only: true",
	       "securityContext.readOnlyRootFilesystem: true") },
	{ "5.14", "5.14", AUDIT_KIND_CONTAINER, AUDIT_SEV_LOW, "incoming traffic is bound to a "
							       "specific host interface",
	  NULL, C(port_wildcard),
	  SRC3("-p 127.0.0.1:HOSTPORT:PORT", "ports: [\"127.0.0.1:HOSTPORT:PORT\"]",
	       "ports[].hostIP: 127.0.0.1") },
	{ "5.15", "5.15", AUDIT_KIND_CONTAINER, AUDIT_SEV_LOW, "the restart policy is on-failure, "
							       "at most 5 times",
	  NULL, C(restart), SRC3("--restart on-failure:5", "restart: on-failure:5", NULL) },
	{ "5.16", "5.16", AUDIT_KIND_CONTAINER, AUDIT_SEV_HIGH, "the host's process namespace is "
								"not shared",
	  NULL, C(pid_host), SRC3("remove --pid host", "remove pid: host", "hostPID: false") },
	{ "5.17", "5.17", AUDIT_KIND_CONTAINER, AUDIT_SEV_MEDIUM, "the host's IPC namespace is not "
								  "shared",
	  NULL, C(ipc_host), SRC3("remove --ipc host", "remove ipc: host", "hostIPC: false") },
	{ "5.18", "5.18", AUDIT_KIND_CONTAINER, AUDIT_SEV_MEDIUM, "host devices are not directly "
								  "exposed",
	  NULL, C(devices), SRC3("remove the --device", "remove the devices entry", NULL) },
	{ "5.19", "5.19", AUDIT_KIND_CONTAINER, AUDIT_SEV_INFO, "the default ulimit is overwritten "
								"if needed",
	  NULL, C(ulimits),
	  SRC3("--ulimit nofile=1024:2048 (as needed)", "ulimits: {nofile: {soft: 1024, hard: 2048}}",
	       NULL) },
	{ "5.20", "5.20", AUDIT_KIND_CONTAINER, AUDIT_SEV_MEDIUM, "mount propagation is not shared",
	  NULL, C(propagation),
	  SRC3("--mount ...,bind-propagation=rprivate", "volumes: bind.propagation: rprivate",
	       "volumeMounts[].mountPropagation: None") },
	{ "5.21", "5.21", AUDIT_KIND_CONTAINER, AUDIT_SEV_MEDIUM, "the host's UTS namespace is not "
								  "shared",
	  NULL, C(uts_host), SRC3("remove --uts host", "remove uts: host", NULL) },
	{ "5.22", "5.22", AUDIT_KIND_CONTAINER, AUDIT_SEV_HIGH, "the default seccomp profile is "
								"not disabled",
	  NULL, C(seccomp),
	  SRC3("remove --security-opt seccomp=unconfined",
	       "remove security_opt: [\"seccomp=unconfined\"]",
	       "securityContext.seccompProfile.type: RuntimeDefault") },
	{ "5.25", "5.25", AUDIT_KIND_CONTAINER, AUDIT_SEV_INFO, "cgroup usage is confirmed (no "
								"--cgroup-parent)",
	  NULL, C(cgroup_parent), SRC3("remove --cgroup-parent", "remove cgroup_parent", NULL) },
	{ "5.26", "5.26", AUDIT_KIND_CONTAINER, AUDIT_SEV_MEDIUM, "the container is restricted "
								  "from acquiring additional privileges",
	  NULL, C(no_new_privs),
	  SRC3("--security-opt no-new-privileges", "security_opt: [\"no-new-privileges:true\"]",
	       "securityContext.allowPrivilegeEscalation: false") },
	{ "5.27", "5.27", AUDIT_KIND_CONTAINER, AUDIT_SEV_LOW, "container health is checked at "
							       "runtime",
	  NULL, C(health),
	  SRC3("--health-cmd CMD", "healthcheck: {test: [\"CMD\", ...]}", "livenessProbe") },
	{ "5.29", "5.29", AUDIT_KIND_CONTAINER, AUDIT_SEV_MEDIUM, "the PIDs cgroup limit is used",
	  NULL, C(pids), SRC3("--pids-limit 100", "pids_limit: 100", NULL) },
	{ "5.30", "5.30", AUDIT_KIND_CONTAINER, AUDIT_SEV_INFO, "Docker's default bridge docker0 "
								"is not used",
	  NULL, C(default_bridge),
	  SRC3("--network NAME (a user-defined network)", "remove network_mode: bridge", NULL) },
	{ "5.31", "5.31", AUDIT_KIND_CONTAINER, AUDIT_SEV_MEDIUM, "the host's user namespace is "
								  "not shared",
	  NULL, C(userns_host), SRC3("remove --userns host", "remove userns_mode: host", NULL) },
	{ "5.32", "5.32", AUDIT_KIND_CONTAINER, AUDIT_SEV_CRITICAL, "the Docker socket is not "
								    "mounted inside the container",
	  NULL, C(docker_sock),
	  SRC3("remove -v /var/run/docker.sock:...", "remove the docker.sock volumes entry",
	       "remove the hostPath volume of docker.sock") },
	{ "PAL-RUNTIME-SOCK", NULL, AUDIT_KIND_CONTAINER, AUDIT_SEV_CRITICAL,
	  "no container runtime socket (containerd, CRI-O, podman) is mounted", NULL,
	  C(runtime_sock),
	  SRC3("remove the -v of the runtime socket", "remove the volumes entry of the socket",
	       "remove the hostPath volume of the socket") },
	{ "PAL-CGROUPNS-HOST", NULL, AUDIT_KIND_CONTAINER, AUDIT_SEV_LOW,
	  "the host's cgroup namespace is not shared", NULL, C(cgroupns_host),
	  SRC3("--cgroupns private", "cgroup: private", NULL) },
	{ "PAL-ENV-SECRET", NULL, AUDIT_KIND_CONTAINER, AUDIT_SEV_HIGH,
	  "no secret is passed in an environment variable", NULL, C(env_secret),
	  SRC3("remove the -e; mount the secret as a file (--mount type=bind,ro or docker secret)",
	       "secrets: (a file under /run/secrets) instead of environment:",
	       "env[].valueFrom.secretKeyRef, or a Secret volume") },
};

const size_t audit_n_checks = sizeof(audit_checks) / sizeof(audit_checks[0]);

const struct audit_check *audit_check_by_id(const char *id)
{
	size_t i;

	for (i = 0; i < audit_n_checks; i++)
		if (strcmp(audit_checks[i].id, id) == 0)
			return &audit_checks[i];
	return NULL;
}
