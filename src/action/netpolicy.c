/*
 * The network-enforcement back-end's kernel half: loads bpf/netpolicy.bpf.c,
 * fills its rule and address maps, attaches the hooks at the cgroup v2 root,
 * keeps the per-cgroup rule masks current as containers come and go, and
 * turns the deny ring into reports. See netpolicy.h for the contract.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "action/netpolicy_internal.h"
#include "sensor/sensor.h"

int netpolicy_new(netpolicy_deny_fn on_deny, void *ctx, struct netpolicy **out)
{
	struct netpolicy *np = calloc(1, sizeof(*np));

	if (!np)
		return -ENOMEM;
	for (int i = 0; i < NP_RULES_MAX; i++)
		np->slot_rule[i] = -1;
	np->on_deny = on_deny;
	np->ctx = ctx;
	pthread_mutex_init(&np->lock, NULL);
	*out = np;
	return 0;
}

int netpolicy_add_rule(struct netpolicy *np, struct netpolicy_rule *r)
{
	struct netpolicy_rule *nr;

	if (np->skel)
		return -EBUSY;
	if (r->enforce && np->n_enforcing >= NP_RULES_ENFORCED_MAX)
		return -ENOSPC;
	nr = realloc(np->rules, (np->n_rules + 1) * sizeof(*nr));
	if (!nr)
		return -ENOMEM;
	np->rules = nr;
	np->rules[np->n_rules] = *r;
	if (r->enforce) {
		int slot = (int)np->n_enforcing++;

		np->slot_rule[slot] = (int)np->n_rules;
		if (netpolicy_scope_covers(&r->scope, NULL))
			np->unlisted_mask |= 1ull << slot;
	}
	np->n_rules++;
	memset(r, 0, sizeof(*r));
	return 0;
}

size_t netpolicy_rule_count(const struct netpolicy *np, size_t *enforcing)
{
	if (enforcing)
		*enforcing = np->n_enforcing;
	return np->n_rules;
}

static int put_net(int fd, uint8_t slot, uint8_t set, const struct netpolicy_net *n)
{
	uint8_t one = 1;

	if (n->ip_len == 4) {
		struct np_v4_key k = { .prefixlen = 16u + n->prefix, .rule = slot, .set = set };

		memcpy(k.addr, n->ip, 4);
		return bpf_map_update_elem(fd, &k, &one, BPF_ANY) ? -errno : 0;
	} else {
		struct np_v6_key k = { .prefixlen = 16u + n->prefix, .rule = slot, .set = set };

		memcpy(k.addr, n->ip, 16);
		return bpf_map_update_elem(fd, &k, &one, BPF_ANY) ? -errno : 0;
	}
}

/* Writes one enforcing rule and its address sets into the kernel maps. */
static int load_rule(struct netpolicy *np, uint32_t slot, const struct netpolicy_rule *r)
{
	struct np_rule kr = { .hooks = (uint8_t)r->hooks,
			      .protos = (uint8_t)r->protos,
			      .families = (uint8_t)r->families };
	int v4 = bpf_map__fd(np->skel->maps.np_v4), v6 = bpf_map__fd(np->skel->maps.np_v6);
	int err = 0;

	kr.sets = (uint8_t)((r->has_include ? NP_SET_INCLUDE : 0) |
			    (r->has_exclude ? NP_SET_EXCLUDE : 0));
	kr.n_ports = (uint8_t)r->n_ports;
	memcpy(kr.ports, r->ports, r->n_ports * sizeof(kr.ports[0]));
	for (size_t i = 0; !err && i < r->n_include; i++)
		err = put_net(r->include[i].ip_len == 4 ? v4 : v6, (uint8_t)slot, NP_SET_INCLUDE,
			      &r->include[i]);
	for (size_t i = 0; !err && i < r->n_exclude; i++)
		err = put_net(r->exclude[i].ip_len == 4 ? v4 : v6, (uint8_t)slot, NP_SET_EXCLUDE,
			      &r->exclude[i]);
	/* The rule goes in last: a half-filled include set must not deny. */
	if (!err && bpf_map_update_elem(bpf_map__fd(np->skel->maps.np_rules), &slot, &kr, BPF_ANY))
		err = -errno;
	if (err)
		fprintf(stderr, "palisade: netpolicy: loading rule '%s' into the kernel failed: %s "
				"(at most %d prefixes per address family in all)\n",
			r->name, strerror(-err), NP_ADDRS_MAX);
	return err;
}

/* An isolation's refusal: counted; the first few of each container are
 * reported (a retry loop would flood the outputs), the last of them says so. */
static bool isolation_report(struct netpolicy *np, const struct np_deny_event *ev,
			     struct netpolicy_deny *d)
{
	struct np_isolated *iso;
	bool report = false;

	pthread_mutex_lock(&np->lock);
	iso = np_isolated_by_cgroup_locked(np, ev->cgroup_id);
	if (iso) {
		iso->refused++;
		report = iso->reported < NP_ISOLATION_REPORTS;
		iso->reported += report;
		snprintf(d->isolated_by, sizeof(d->isolated_by), "%s", iso->by);
		d->last_report = iso->reported == NP_ISOLATION_REPORTS;
	}
	pthread_mutex_unlock(&np->lock);
	return report;
}

static int on_ring(void *ctx, void *data, size_t len)
{
	struct netpolicy *np = ctx;
	const struct np_deny_event *ev = data;
	struct netpolicy_deny d = { .ev = ev };

	if (len < sizeof(*ev))
		return 0;
	if (ev->rule == NP_RULE_ISOLATED) {
		d.isolated = true;
		if (!isolation_report(np, ev, &d))
			return 0;
	} else if (ev->rule >= NP_RULES_MAX || np->slot_rule[ev->rule] < 0) {
		return 0;
	} else {
		d.rule = &np->rules[np->slot_rule[ev->rule]];
	}
	if (np->poll_containers)
		d.container = container_store_lookup(np->poll_containers, ev->cgroup_id);
	np->polled++;
	if (np->on_deny)
		np->on_deny(&d, np->ctx);
	return 0;
}

int netpolicy_start(struct netpolicy *np, const char *cgroup2_root)
{
	return np->n_enforcing ? np_load(np, cgroup2_root) : 0;
}

int np_load(struct netpolicy *np, const char *cgroup2_root)
{
	char mnt[512];
	int cg_fd = -1, err;
	uint32_t slot;

	if (np->skel)
		return 0;
	if (!cgroup2_root) {
		if (container_cgroup2_mount(mnt, sizeof(mnt))) {
			fprintf(stderr, "palisade: netpolicy: cgroup v2 is not mounted: mount it "
					"(mount -t cgroup2 none /sys/fs/cgroup) to enforce network "
					"rules\n");
			return -ENOENT;
		}
		cgroup2_root = mnt;
	}
	np->ncpus = libbpf_num_possible_cpus();
	sensor_log_forget();
	np->skel = netpolicy_bpf__open_and_load();
	if (!np->skel) {
		err = -errno ? -errno : -EINVAL;
		sensor_log_failure();
		fprintf(stderr, "palisade: netpolicy: loading bpf/netpolicy.bpf.c failed (%s); "
				"libbpf's log is above\n", strerror(-err));
		return err;
	}
	for (slot = 0; slot < np->n_enforcing; slot++) {
		err = load_rule(np, slot, &np->rules[np->slot_rule[slot]]);
		if (err)
			return err;
	}
	np->skel->bss->unlisted_rules = np->unlisted_mask;
	np->skel->data->rule_slots = (uint32_t)np->n_enforcing;
	np->rb = ring_buffer__new(bpf_map__fd(np->skel->maps.np_events), on_ring, np, NULL);
	if (!np->rb) {
		err = -errno;
		fprintf(stderr, "palisade: netpolicy: the deny ring failed: %s\n", strerror(-err));
		return err;
	}
	cg_fd = open(cgroup2_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg_fd < 0) {
		err = -errno;
		fprintf(stderr, "palisade: netpolicy: cannot open the cgroup v2 root %s: %s\n",
			cgroup2_root, strerror(-err));
		return err;
	}
	{
		struct bpf_program *progs[4] = { np->skel->progs.np_connect4,
						 np->skel->progs.np_connect6,
						 np->skel->progs.np_sendmsg4,
						 np->skel->progs.np_sendmsg6 };

		/* bpf_link attachments stack with other programs on the root
		 * (multi-attach) and go away with the agent. */
		for (int i = 0; i < 4; i++) {
			np->links[i] = bpf_program__attach_cgroup(progs[i], cg_fd);
			if (!np->links[i]) {
				err = -errno;
				fprintf(stderr, "palisade: netpolicy: attaching %s to %s failed: %s\n",
					bpf_program__section_name(progs[i]), cgroup2_root,
					strerror(-err));
				close(cg_fd);
				return err;
			}
		}
	}
	close(cg_fd);
	return 0;
}

void netpolicy_describe(const struct netpolicy *np, char *buf, size_t size)
{
	snprintf(buf, size, "%zu network rule(s) served by the cgroup hooks, %zu enforced%s",
		 np->n_rules, np->n_enforcing,
		 np->skel ? " (connect4/6, sendmsg4/6 attached at the cgroup v2 root)" :
			    " (audit: nothing attached)");
}

void np_track_cgroup_locked(struct netpolicy *np, uint64_t id)
{
	for (size_t i = 0; i < np->n_cgroups; i++)
		if (np->cgroups[i] == id)
			return;
	if (np->n_cgroups == np->cap_cgroups) {
		size_t cap = np->cap_cgroups ? 2 * np->cap_cgroups : 64;
		uint64_t *n = realloc(np->cgroups, cap * sizeof(*n));

		if (!n)
			return; /* not pruned later: a stale entry, never a wrong one */
		np->cgroups = n;
		np->cap_cgroups = cap;
	}
	np->cgroups[np->n_cgroups++] = id;
}

void netpolicy_container_update(struct netpolicy *np, const struct container_info *c)
{
	uint64_t mask = 0;

	if (!np || !np->skel || !c || !c->cgroup_id)
		return;
	for (uint32_t slot = 0; slot < np->n_enforcing; slot++)
		if (netpolicy_scope_covers(&np->rules[np->slot_rule[slot]].scope, c))
			mask |= 1ull << slot;
	/* Listed even with no rule: an unlisted cgroup gets the host rules. */
	pthread_mutex_lock(&np->lock);
	mask |= np_isolation_bits_locked(np, c->id, c->cgroup_id, mask);
	if (bpf_map_update_elem(bpf_map__fd(np->skel->maps.np_cgroups), &c->cgroup_id, &mask,
				BPF_ANY))
		np->map_errors++;
	else
		np_track_cgroup_locked(np, c->cgroup_id);
	pthread_mutex_unlock(&np->lock);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void untrack_cgroup(struct netpolicy *np, uint64_t id)
{
	pthread_mutex_lock(&np->lock);
	for (size_t i = 0; i < np->n_cgroups; i++)
		if (np->cgroups[i] == id) {
			np->cgroups[i] = np->cgroups[--np->n_cgroups];
			bpf_map_delete_elem(bpf_map__fd(np->skel->maps.np_cgroups), &id);
			break;
		}
	pthread_mutex_unlock(&np->lock);
}

/*
 * Drops the cgroups of containers the store no longer knows. A container's
 * cgroup ids are never reused (64-bit kernfs ids), so a stale entry is
 * harmless; dropping it keeps the map from filling up. The store is asked
 * without np->lock held: its lookup may call back into
 * netpolicy_container_update(), which takes that lock, and the store's own
 * threads call it with the store's lock held.
 */
static void prune(struct netpolicy *np, struct container_store *containers)
{
	uint64_t *ids;
	size_t n;

	pthread_mutex_lock(&np->lock);
	n = np->n_cgroups;
	ids = malloc((n + 1) * sizeof(*ids));
	if (ids)
		memcpy(ids, np->cgroups, n * sizeof(*ids));
	pthread_mutex_unlock(&np->lock);
	if (!ids)
		return;
	for (size_t i = 0; i < n; i++)
		if (!container_store_lookup(containers, ids[i]))
			untrack_cgroup(np, ids[i]);
	free(ids);
}

int netpolicy_poll(struct netpolicy *np, struct container_store *containers)
{
	uint64_t now;
	int err;

	if (!np || !np->rb)
		return 0;
	np->polled = 0;
	np->poll_containers = containers;
	err = ring_buffer__consume(np->rb);
	np->poll_containers = NULL;
	if (err < 0 && err != -EINTR)
		return err;
	now = now_ns();
	if (containers && now >= np->next_prune_ns) {
		np->next_prune_ns = now + PRUNE_INTERVAL_NS;
		prune(np, containers);
	}
	return np->polled;
}

static const char *proto_name(uint8_t p)
{
	return p == IPPROTO_TCP ? "tcp" : p == IPPROTO_UDP ? "udp" : p == IPPROTO_ICMP ? "icmp" : "raw";
}

struct alert *netpolicy_deny_alert(const struct netpolicy_deny *d, const char *hostname,
				   uint64_t boot_to_epoch_ns)
{
	const struct np_deny_event *ev = d->ev;
	const struct container_info *c = d->container;
	bool v4 = ev->family == AF_INET || ev->mapped_v4;
	char addr[INET6_ADDRSTRLEN] = "", comm[sizeof(ev->comm) + 1], out[1024], id[13];
	const char *evt = ev->hook == NP_HOOK_CONNECT ? "connect" : "sendmsg";
	struct rules_value f[9];
	const char *rule = d->isolated ? d->isolated_by : d->rule->name;
	struct rules_rule_info fallback = { .name = rule, .source = "syscall",
					    .priority = RULES_PRIO_WARNING };
	struct rules_alert a = { .rule = d->rule && d->rule->info ? d->rule->info : &fallback,
				 .output = out,
				 .time_ns = ev->ts_ns + boot_to_epoch_ns,
				 .hostname = hostname,
				 .fields = f,
				 .n_fields = 9 };
	struct alert_action act = { .type = "deny", .backend = "cgroup-net", .mode = "enforce",
				    .outcome = "served in kernel",
				    .detail = "refused in the cgroup hook before the connection was made" };
	struct alert *al;

	if (d->isolated) {
		act.type = "isolate";
		act.backend = "cgroup-isolate";
		snprintf(act.detail, sizeof(act.detail), "refused in the cgroup hook: the container "
			 "is isolated%s", d->last_report ? "; its further refusals are counted, not "
			 "reported (palisade isolate --list)" : "");
	}
	inet_ntop(v4 ? AF_INET : AF_INET6, ev->addr, addr, sizeof(addr));
	/* container.id is 12 characters, as in every other alert. */
	snprintf(id, sizeof(id), "%.12s", c ? c->id : "host");
	memcpy(comm, ev->comm, sizeof(ev->comm));
	comm[sizeof(ev->comm)] = '\0';
	snprintf(out, sizeof(out),
		 "Network %s %s by palisade (%s %s): %s to %s port %u (proc.name=%s "
		 "proc.pid=%u container_id=%s container_name=%s container_image=%s)",
		 evt, d->isolated ? "refused" : "denied",
		 d->isolated ? "container isolated by" : "rule", rule, proto_name(ev->protocol),
		 addr, ev->port, comm, ev->pid, id, c ? c->name : "host", c ? c->image : "");
	f[0] = (struct rules_value){ "evt.type", RULES_VAL_STRING, .s = evt };
	f[1] = (struct rules_value){ "proc.name", RULES_VAL_STRING, .s = comm };
	f[2] = (struct rules_value){ "proc.pid", RULES_VAL_INT, .i = ev->pid };
	f[3] = (struct rules_value){ "fd.sip", RULES_VAL_STRING, .s = addr };
	f[4] = (struct rules_value){ "fd.sport", RULES_VAL_UINT, .u = ev->port };
	f[5] = (struct rules_value){ "fd.l4proto", RULES_VAL_STRING, .s = proto_name(ev->protocol) };
	f[6] = (struct rules_value){ "container.id", RULES_VAL_STRING, .s = id };
	f[7] = (struct rules_value){ "container.name", RULES_VAL_STRING, .s = c ? c->name : "host" };
	f[8] = (struct rules_value){ "container.image", RULES_VAL_STRING, .s = c ? c->image : "" };
	al = alert_from_rules(&a);
	if (al && alert_set_action(al, &act)) {
		alert_free(al);
		al = NULL;
	}
	return al;
}

/* Sums one per-CPU counter; 0 when it cannot be read. */
static uint64_t percpu_sum(struct netpolicy *np, int fd, uint32_t key)
{
	uint64_t *vals = calloc((size_t)np->ncpus, sizeof(*vals)), sum = 0;

	if (vals && !bpf_map_lookup_elem(fd, &key, vals))
		for (int c = 0; c < np->ncpus; c++)
			sum += vals[c];
	free(vals);
	return sum;
}

void netpolicy_stats(struct netpolicy *np, struct netpolicy_stats *out)
{
	int fd;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&np->lock);
	out->cgroups = np->n_cgroups;
	out->map_errors = np->map_errors;
	out->isolated = np->n_isolated;
	pthread_mutex_unlock(&np->lock);
	if (!np->skel)
		return;
	fd = bpf_map__fd(np->skel->maps.np_counters);
	out->checked = percpu_sum(np, fd, NP_CNT_CHECKED);
	out->denied = percpu_sum(np, fd, NP_CNT_DENIED);
	out->events_lost = percpu_sum(np, fd, NP_CNT_EVENT_LOST);
	out->isolation_refused = percpu_sum(np, fd, NP_CNT_ISOLATED);
}

void netpolicy_describe_denies(struct netpolicy *np, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (uint32_t slot = 0; np->skel && slot < np->n_enforcing && n < size; slot++) {
		uint64_t d = percpu_sum(np, bpf_map__fd(np->skel->maps.np_rule_denies), slot);

		if (d)
			n += (size_t)snprintf(buf + n, size - n, "%s'%s' %llu", n ? ", " : "",
					      np->rules[np->slot_rule[slot]].name,
					      (unsigned long long)d);
	}
}

void netpolicy_free(struct netpolicy *np)
{
	if (!np)
		return;
	for (int i = 0; i < 4; i++)
		bpf_link__destroy(np->links[i]);
	ring_buffer__free(np->rb);
	netpolicy_bpf__destroy(np->skel);
	net_flows_kernel_close(np->skb);
	for (size_t i = 0; i < np->n_rules; i++)
		netpolicy_rule_release(&np->rules[i]);
	free(np->rules);
	free(np->cgroups);
	free(np->isolated);
	pthread_mutex_destroy(&np->lock);
	free(np);
}
