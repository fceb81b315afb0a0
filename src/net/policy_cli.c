/*
 * palisade policy check FILE...            validate label policies
 * palisade policy explain -p FILE SRC DST PORT[/tcp|/udp]
 *                                           which rule allows or denies it
 *
 * SRC and DST are a container (name or id: its labels come from the
 * Engine API), an identity written as labels (app=order-processor,tier=db),
 * or an address (an end that is not a container: judged by CIDR).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "net/net.h"

#define DEFAULT_DOCKER_SOCKET "/var/run/docker.sock"
#define ERR_MAX 4096
#define LABELS_MAX 64

struct end {
	char text[256];
	struct net_pol_peer peer;
	struct container_label labels[LABELS_MAX];
	char store[4096]; /* the label strings */
};

static void usage(FILE *f)
{
	fprintf(f, "usage: palisade policy check FILE...\n"
		   "       palisade policy explain -p FILE [-p FILE...] [--docker-socket P] SRC DST "
		   "PORT[/tcp|/udp]\n"
		   "       palisade policy enforce [--audit] [--docker-socket P] FILE...\n"
		   "           enforce in the kernel until stopped; a verdict record (JSON) per\n"
		   "           refusal and per new connection of a policed container; SIGHUP reloads\n\n"
		   "Label policies are CiliumNetworkPolicy YAML (the subset docs/policy.md lists).\n"
		   "SRC, DST: a container (name or id, labels from Docker), labels (app=web,tier=x),\n"
		   "or an address (not a container: judged by CIDR rules).\n");
}

static int check(int argc, char **argv)
{
	struct net_policy_set *s;
	char err[ERR_MAX];
	int rc;

	if (argc < 1) {
		usage(stderr);
		return 2;
	}
	rc = net_policy_load((const char *const *)argv, (size_t)argc, &s, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "%s\n%s\n", err,
			rc == -EINVAL ? "the policies were refused (problems above)" : "not loaded");
		return 1;
	}
	for (size_t i = 0; i < s->n_pols; i++) {
		const struct net_policy *p = &s->pols[i];
		size_t allow = 0, deny = 0;

		for (size_t r = 0; r < p->n_rules; r++)
			*(p->rules[r].deny ? &deny : &allow) += 1;
		printf("%s (%s:%d:%d): default deny for%s%s; %zu allow, %zu deny rule(s)\n", p->name,
		       p->file, p->line, p->col, p->sections[NET_INGRESS] ? " ingress" : "",
		       p->sections[NET_EGRESS] ? " egress" : "", allow, deny);
	}
	printf("ok: %zu policies\n", s->n_pols);
	net_policy_free(s);
	return 0;
}

/* "app=web,tier=db" into e's labels. */
static int parse_labels(struct end *e, const char *spec)
{
	size_t used = 0, n = 0;
	const char *p = spec;

	while (*p) {
		const char *comma = strchr(p, ','), *end = comma ? comma : p + strlen(p);
		const char *eq = memchr(p, '=', (size_t)(end - p));
		size_t klen, vlen;

		if (!eq || eq == p || n >= LABELS_MAX)
			return -EINVAL;
		klen = (size_t)(eq - p);
		vlen = (size_t)(end - eq - 1);
		if (used + klen + vlen + 2 > sizeof(e->store))
			return -E2BIG;
		e->labels[n].key = memcpy(e->store + used, p, klen);
		e->store[used + klen] = '\0';
		used += klen + 1;
		e->labels[n].value = memcpy(e->store + used, eq + 1, vlen);
		e->store[used + vlen] = '\0';
		used += vlen + 1;
		n++;
		p = comma ? comma + 1 : end;
	}
	e->peer.container = true;
	e->peer.labels.v = e->labels;
	e->peer.labels.n = n;
	return 0;
}

/* A container's Config.Labels from the Engine API. */
static int container_labels(struct end *e, const char *name, const char *socket)
{
	struct container_engine *eng = NULL;
	char path[600], err[256], spec[4096];
	size_t len, used = 0;
	json_t *root = NULL, *labels;
	const char *k;
	json_t *v;
	char *body = NULL;
	long status = 0;
	int rc;

	snprintf(path, sizeof(path), "/containers/%s/json", name);
	rc = container_engine_open(socket, &eng);
	if (!rc)
		rc = container_engine_get(eng, path, 5000, &status, &body, &len, err, sizeof(err));
	container_engine_close(eng);
	if (rc || status != 200) {
		fprintf(stderr, "palisade policy: '%s' is not labels, an address or a container "
				"Docker knows (%s)\n", name, rc ? err : "no such container");
		free(body);
		return -ENOENT;
	}
	root = json_loadb(body, len, 0, NULL);
	free(body);
	labels = json_object_get(json_object_get(root, "Config"), "Labels");
	spec[0] = '\0';
	json_object_foreach(labels, k, v)
	{
		if (json_is_string(v) && !strchr(k, ',') && !strchr(json_string_value(v), ','))
			used += (size_t)snprintf(spec + used, used < sizeof(spec) ? sizeof(spec) - used : 0,
						 "%s%s=%s", used ? "," : "", k, json_string_value(v));
	}
	json_decref(root);
	if (used >= sizeof(spec) || parse_labels(e, spec)) {
		fprintf(stderr, "palisade policy: %s: too many labels to explain\n", name);
		return -E2BIG;
	}
	return 0;
}

static int parse_end(struct end *e, const char *arg, const char *socket)
{
	uint8_t raw[16];

	memset(e, 0, sizeof(*e));
	snprintf(e->text, sizeof(e->text), "%s", arg);
	if (inet_pton(AF_INET, arg, raw) == 1) {
		net_addr16(raw, 4, e->peer.addr);
		return 0;
	}
	if (inet_pton(AF_INET6, arg, raw) == 1) {
		net_addr16(raw, 16, e->peer.addr);
		return 0;
	}
	if (strchr(arg, '=')) {
		if (parse_labels(e, arg)) {
			fprintf(stderr, "palisade policy: '%s': labels are key=value,key=value\n", arg);
			return -EINVAL;
		}
		return 0;
	}
	return container_labels(e, arg, socket);
}

static int parse_port(const char *arg, uint16_t *port, uint8_t *proto)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(arg, &end, 10);
	if (errno || end == arg || n < 1 || n > 65535)
		return -EINVAL;
	*port = (uint16_t)n;
	if (!*end || !strcasecmp(end, "/tcp"))
		*proto = IPPROTO_TCP;
	else if (!strcasecmp(end, "/udp"))
		*proto = IPPROTO_UDP;
	else
		return -EINVAL;
	return 0;
}

/* One direction: the subject's side of it, printed. False: denied. */
static bool side(const struct net_policy_set *s, const struct end *subject, const struct end *peer,
		 enum net_pol_dir dir, uint8_t proto, uint16_t port)
{
	struct net_verdict v;
	char why[512];

	if (!subject->peer.container) {
		printf("%-7s at %s: not a container, no policy applies\n",
		       dir == NET_EGRESS ? "egress" : "ingress", subject->text);
		return true;
	}
	net_policy_judge(s, &subject->peer.labels, dir, &peer->peer, proto, port, &v);
	net_verdict_text(dir, &v, why, sizeof(why));
	printf("%-7s at %s: %s\n", dir == NET_EGRESS ? "egress" : "ingress", subject->text, why);
	return v.allowed;
}

static int explain(int argc, char **argv)
{
	static const struct option opts[] = { { "policy", required_argument, NULL, 'p' },
					       { "docker-socket", required_argument, NULL, 'D' },
					       { "help", no_argument, NULL, 'h' },
					       { NULL, 0, NULL, 0 } };
	const char *files[NET_POL_MAX], *socket = DEFAULT_DOCKER_SOCKET;
	struct net_policy_set *s = NULL;
	static struct end src, dst;
	size_t n_files = 0;
	char err[ERR_MAX];
	uint16_t port;
	uint8_t proto;
	bool ok;
	int c;

	struct cli_line cl = { "palisade policy explain", "p:D:h", opts, usage, argc, argv, 0 };

	optind = 1;
	while ((c = cli_next(&cl)) > 0) {
		if (c == 'p' && n_files == NET_POL_MAX) {
			fprintf(stderr, "palisade policy explain: at most %d policy files\n",
				NET_POL_MAX);
			return 2;
		}
		if (c == 'p')
			files[n_files++] = optarg;
		else if (c == 'D')
			socket = optarg;
	}
	if (c == CLI_STOP)
		return cl.status;
	if (argc - optind != 3 || !n_files || parse_port(argv[optind + 2], &port, &proto)) {
		usage(stderr);
		return 2;
	}
	if (net_policy_load(files, n_files, &s, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (parse_end(&src, argv[optind], socket) || parse_end(&dst, argv[optind + 1], socket)) {
		net_policy_free(s);
		return 1;
	}
	printf("%s -> %s port %u/%s\n", src.text, dst.text, port, proto == IPPROTO_TCP ? "tcp" : "udp");
	ok = side(s, &src, &dst, NET_EGRESS, proto, port);
	ok &= side(s, &dst, &src, NET_INGRESS, proto, port);
	printf("verdict: %s\n", ok ? "allowed" : "denied");
	net_policy_free(s);
	return ok ? 0 : 3;
}

/* ---- enforce ---- */

static volatile sig_atomic_t stop_flag, reload_flag;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_flag = 1;
	else
		stop_flag = 1;
}

struct enforce_ctx {
	struct net_monitor *m;
	struct net_enforcer *e;
};

static void on_container(const struct container_info *c, void *ctx)
{
	struct enforce_ctx *x = ctx;

	net_monitor_container_update(x->m, c);
	net_enforcer_container(x->e, c);
}

static void on_flow(const struct net_flow *f, enum net_flow_event what, void *ctx)
{
	struct enforce_ctx *x = ctx;

	if (what == NET_FLOW_START)
		net_enforcer_flow(x->e, f);
}

static void on_verdict(const struct net_pol_record *r, void *ctx)
{
	char *line = net_pol_record_json(r);

	(void)ctx;
	if (line)
		printf("%s\n", line);
	fflush(stdout);
	free(line);
}

static int enforce_loop(struct enforce_ctx *x, const char *const *files, size_t n)
{
	const struct timespec nap = { 0, 50 * 1000000 };
	char err[ERR_MAX];

	while (!stop_flag) {
		if (reload_flag) {
			struct net_policy_set *s;

			reload_flag = 0;
			if (net_policy_load(files, n, &s, err, sizeof(err)))
				fprintf(stderr, "%s\npalisade: policy: reload refused; the policies in "
						"force stay\n", err);
			else {
				size_t n_pols = s->n_pols;

				if (!net_enforcer_set_policy(x->e, s)) /* s is the enforcer's now */
					fprintf(stderr, "palisade: policy: reloaded (%zu policies)\n",
						n_pols);
			}
		}
		net_monitor_tick(x->m);
		net_enforcer_tick(x->e);
		nanosleep(&nap, NULL);
	}
	return 0;
}

static int enforce(int argc, char **argv)
{
	static const struct option opts[] = { { "audit", no_argument, NULL, 'a' },
					       { "docker-socket", required_argument, NULL, 'D' },
					       { "help", no_argument, NULL, 'h' },
					       { NULL, 0, NULL, 0 } };
	struct enforce_ctx x = { 0 };
	struct container_store_config ccfg = { .on_update = on_container, .ctx = &x };
	struct net_enforcer_cfg ecfg = { .on_verdict = on_verdict };
	struct net_monitor_cfg mc = { .on_event = on_flow, .ctx = &x };
	const char *socket = DEFAULT_DOCKER_SOCKET;
	struct container_store *cs = NULL;
	struct net_policy_set *s = NULL;
	struct sigaction sa = { .sa_handler = on_signal };
	char err[ERR_MAX];
	int c, rc;

	struct cli_line cl = { "palisade policy enforce", "aD:h", opts, usage, argc, argv, 0 };

	optind = 1;
	while ((c = cli_next(&cl)) > 0) {
		if (c == 'a')
			ecfg.audit = true;
		else if (c == 'D')
			socket = optarg;
	}
	if (c == CLI_STOP)
		return cl.status;
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "palisade policy enforce: must run as root (loads BPF programs)\n");
		return 1;
	}
	if (net_policy_load((const char *const *)argv + optind, (size_t)(argc - optind), &s, err,
			    sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	ccfg.docker_socket = strcmp(socket, "none") ? socket : NULL;
	rc = container_store_new(&ccfg, &cs);
	mc.containers = cs;
	if (!rc)
		rc = net_monitor_new(&mc, &x.m);
	ecfg.k = x.m ? net_monitor_kernel(x.m) : NULL;
	if (!rc)
		rc = net_enforcer_new(&ecfg, s, &x.e);
	else
		net_policy_free(s);
	if (!rc) {
		/* started once both exist: every container reaches the enforcer */
		container_store_start(cs);
		net_enforcer_tick(x.e);
		fprintf(stderr, "palisade: policy: enforcing %zu policies%s\n", s->n_pols,
			ecfg.audit ? " (audit: nothing is refused)" : "");
		rc = enforce_loop(&x, (const char *const *)argv + optind, (size_t)(argc - optind));
	}
	if (x.m) {
		uint64_t cnt[LP_CNT_MAX];

		net_flows_kernel_policy_counters(net_monitor_kernel(x.m), cnt);
		fprintf(stderr, "palisade: policy: exit: %llu judged, %llu refused, %llu would have been "
				"(audit), %llu records lost (ring full)\n",
			(unsigned long long)cnt[LP_CNT_CHECKED], (unsigned long long)cnt[LP_CNT_DENIED],
			(unsigned long long)cnt[LP_CNT_AUDITED],
			(unsigned long long)cnt[LP_CNT_EVENT_LOST]);
	}
	net_enforcer_free(x.e);
	net_monitor_free(x.m);
	container_store_free(cs);
	return rc ? 1 : 0;
}

int net_policy_cli_main(int argc, char **argv)
{
	bool help = argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"));

	if (argc >= 2 && !strcmp(argv[1], "check"))
		return check(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "explain"))
		return explain(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "enforce"))
		return enforce(argc - 1, argv + 1);
	usage(help ? stdout : stderr);
	return help ? 0 : 2;
}
