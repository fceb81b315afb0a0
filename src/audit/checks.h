/*
 * The check functions the table in audit_checks.c names. Shared by the
 * checks_*.c files of src/audit/ only.
 */
#ifndef PALISADE_AUDIT_CHECKS_H
#define PALISADE_AUDIT_CHECKS_H

#include "audit/internal.h"

#define AUDIT_CHECK(name) void audit_check_##name(const struct audit_subject *s, struct audit_emit *e)

/* checks_container.c */
AUDIT_CHECK(user);
AUDIT_CHECK(apparmor);
AUDIT_CHECK(selinux);
AUDIT_CHECK(cap_add);
AUDIT_CHECK(cap_drop_all);
AUDIT_CHECK(privileged);
AUDIT_CHECK(sensitive_mount);
AUDIT_CHECK(host_path);
AUDIT_CHECK(docker_sock);
AUDIT_CHECK(runtime_sock);
AUDIT_CHECK(propagation);
AUDIT_CHECK(privileged_port);
AUDIT_CHECK(open_port);
AUDIT_CHECK(port_wildcard);
AUDIT_CHECK(net_host);
AUDIT_CHECK(pid_host);
AUDIT_CHECK(ipc_host);
AUDIT_CHECK(uts_host);
AUDIT_CHECK(userns_host);
AUDIT_CHECK(cgroupns_host);
AUDIT_CHECK(default_bridge);
AUDIT_CHECK(memory);
AUDIT_CHECK(cpu);
AUDIT_CHECK(pids);
AUDIT_CHECK(read_only);
AUDIT_CHECK(restart);
AUDIT_CHECK(devices);
AUDIT_CHECK(ulimits);
AUDIT_CHECK(seccomp);
AUDIT_CHECK(cgroup_parent);
AUDIT_CHECK(no_new_privs);
AUDIT_CHECK(health);
AUDIT_CHECK(sshd);
AUDIT_CHECK(env_secret);

/* checks_image.c */
AUDIT_CHECK(image_user);
AUDIT_CHECK(image_health);
AUDIT_CHECK(image_setuid);
AUDIT_CHECK(image_secret);

/* checks_daemon.c */
AUDIT_CHECK(daemon_icc);
AUDIT_CHECK(daemon_log_level);
AUDIT_CHECK(daemon_iptables);
AUDIT_CHECK(daemon_insecure_registry);
AUDIT_CHECK(daemon_aufs);
AUDIT_CHECK(daemon_tcp_tls);
AUDIT_CHECK(daemon_userns);
AUDIT_CHECK(daemon_authz);
AUDIT_CHECK(daemon_remote_log);
AUDIT_CHECK(daemon_no_new_privs);
AUDIT_CHECK(daemon_live_restore);
AUDIT_CHECK(daemon_userland_proxy);
AUDIT_CHECK(daemon_seccomp);
AUDIT_CHECK(daemon_experimental);
AUDIT_CHECK(daemon_swarm);
AUDIT_CHECK(daemon_file_owner);
AUDIT_CHECK(daemon_file_mode);

/* checks_host.c */
AUDIT_CHECK(host_partition);
AUDIT_CHECK(host_secure_boot);
AUDIT_CHECK(host_lockdown);
AUDIT_CHECK(host_lsm);
AUDIT_CHECK(host_root_ro);

#endif
