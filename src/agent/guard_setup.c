#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "action/fanotify_guard.h"
#include "agent/guard_setup.h"

const char agent_guard_help[] =
	"      --enforce             rules with `action: deny` deny for real (default:\n"
	"                            audit: the alert says \"would deny\", nothing is\n"
	"                            refused); docs/enforcement-files.md\n"
	"      --deny-timeout-ms N   answer a file/exec permission event within N ms\n"
	"                            (default 1000)\n"
	"      --deny-timeout-verdict allow|deny\n"
	"                            the answer when the decision is late or its\n"
	"                            context unreadable (default allow)\n";

int agent_guard_option(struct agent_guard_options *o, int opt, const char *arg)
{
	char *end;
	unsigned long v;

	switch (opt - AGENT_GUARD_OPT_BASE) {
	case 0:
		o->enforce = true;
		return 0;
	case 1:
		v = strtoul(arg, &end, 10);
		if (*end || v < 1 || v > 60000) {
			fprintf(stderr, "palisade run: --deny-timeout-ms %s: need 1..60000\n", arg);
			return -EINVAL;
		}
		o->timeout_ms = (unsigned)v;
		return 0;
	case 2:
		if (strcmp(arg, "allow") && strcmp(arg, "deny")) {
			fprintf(stderr, "palisade run: --deny-timeout-verdict %s: expected allow or "
					"deny\n", arg);
			return -EINVAL;
		}
		o->timeout_deny = arg[0] == 'd';
		return 0;
	default:
		return -EINVAL;
	}
}

static bool has_deny_rule(const struct rules_engine *e)
{
	for (size_t i = 0; e && i < rules_engine_rule_count(e); i++) {
		const struct rules_rule_info *r = rules_engine_rule(e, i);

		if (r->enabled && r->action.type == RULES_ACTION_DENY)
			return true;
	}
	return false;
}

/* The guard's own engine: the engine is single-threaded. The files were
 * checked by the first load, so problems here are not printed twice. */
static int load_engine(const struct agent_rules_options *ro, int64_t boot,
		       struct rules_engine **out)
{
	struct rules_config cfg;
	int err;

	rules_config_default(&cfg);
	cfg.append_container = !ro->no_container_fields;
	cfg.min_priority = ro->min_priority;
	cfg.boot_to_realtime_ns = boot;
	err = rules_engine_new(&cfg, out);
	if (err)
		return err;
	if (ro->n_paths == 0)
		err = rules_engine_add_default(*out);
	for (size_t i = 0; i < ro->n_paths && !err; i++)
		err = rules_engine_add_path(*out, ro->paths[i]);
	if (!err)
		err = rules_engine_compile(*out);
	if (err) {
		rules_engine_free(*out);
		*out = NULL;
	}
	return err;
}

int agent_guard_start(const struct agent_guard_options *o, const struct agent_rules_options *ro,
		      int64_t boot_to_epoch_ns, const struct rules_engine *rules,
		      struct container_store *containers, struct fguard **out)
{
	struct fguard_config cfg = { .enforce = o->enforce, .timeout_ms = o->timeout_ms,
				     .timeout_deny = o->timeout_deny, .containers = containers,
				     .log = stderr };
	struct fguard_stats st;
	int err;

	*out = NULL;
	if (!has_deny_rule(rules))
		return 0;
	err = load_engine(ro, boot_to_epoch_ns, &cfg.rules);
	if (err) {
		fprintf(stderr, "palisade: fanotify: cannot load the rules a second time: %s\n",
			strerror(-err));
		return err;
	}
	err = fguard_new(&cfg, out);
	if (err == -ENODATA) {
		fprintf(stderr, "palisade: fanotify: no deny rule can be served (reasons above)\n");
		return 0;
	}
	if (err == 0)
		err = fguard_start(*out);
	if (err) {
		fprintf(stderr, "palisade: fanotify: cannot start the file guard: %s\n",
			strerror(-err));
		fguard_free(*out);
		*out = NULL;
		return err;
	}
	fguard_stats(*out, &st);
	fprintf(stderr, "palisade: fanotify: guarding %llu marks on the host and %llu container "
			"roots, mode %s, decisions within %u ms (late or unreadable: %s)\n",
		(unsigned long long)st.marks, (unsigned long long)st.roots,
		o->enforce ? "enforce" : "audit", o->timeout_ms ? o->timeout_ms :
		FGUARD_TIMEOUT_MS_DEFAULT, o->timeout_deny ? "deny" : "allow");
	return 0;
}

void agent_guard_poll(struct fguard *g, FILE *alerts)
{
	if (g)
		fguard_drain(g, alerts);
}

void agent_guard_stop(struct fguard *g, FILE *alerts)
{
	struct fguard_stats st;

	if (!g)
		return;
	fguard_stats(g, &st);
	fguard_drain(g, alerts);
	fprintf(stderr, "palisade: fanotify: events %llu: allowed %llu, denied %llu, would deny "
			"%llu; timeouts %llu; errors %llu; unknown intent %llu; records dropped %llu; "
			"marks %llu (errors %llu), container roots %llu; decision latency p50 %.1f us, "
			"p99 %.1f us\n",
		(unsigned long long)st.events, (unsigned long long)st.allowed,
		(unsigned long long)st.denied, (unsigned long long)st.would_deny,
		(unsigned long long)st.timeouts, (unsigned long long)st.errors,
		(unsigned long long)st.unknown_intent, (unsigned long long)st.alerts_dropped,
		(unsigned long long)st.marks, (unsigned long long)st.mark_errors,
		(unsigned long long)st.roots, fguard_hist_quantile(&st.latency, 0.5) / 1000.0,
		fguard_hist_quantile(&st.latency, 0.99) / 1000.0);
	fguard_free(g);
}
