#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agent/rules_load.h"

static int first_error(int a, int b)
{
	return a ? a : b;
}

/*
 * An engine with the configured rules. `quiet`: the guard's second engine,
 * which judges each permission event alone: no first-match, rate limit or
 * dedup (they would skip decisions), and no messages (the first load printed
 * every problem).
 */
static int build(const struct palisade_config *c, int64_t boot_to_epoch_ns, bool quiet,
		 struct rules_engine **out)
{
	struct rules_engine *e = NULL;
	struct rules_config cfg;
	size_t i;
	int err;

	rules_config_default(&cfg);
	cfg.append_container = c->container_fields;
	cfg.min_priority = c->min_priority;
	cfg.boot_to_realtime_ns = boot_to_epoch_ns;
	cfg.select = c->select;
	cfg.n_select = c->n_select;
	cfg.append = c->append;
	cfg.n_append = c->n_append;
	cfg.playbooks = c->playbooks;
	cfg.n_playbooks = c->n_playbooks;
	cfg.playbooks_known = true;
	cfg.json_omit = (c->json_include_output ? 0 : RULES_JSON_NO_OUTPUT) |
			(c->json_include_tags ? 0 : RULES_JSON_NO_TAGS);
	if (!quiet) {
		cfg.first_match_only = c->first_match;
		cfg.rate_per_sec = c->rate_per_sec;
		cfg.rate_burst = c->rate_burst;
		cfg.dedup_window_ns = c->dedup_window_ms * 1000000ull;
		cfg.diag_out = stderr;
	}
	err = rules_engine_new(&cfg, &e);
	if (err)
		return err;
	/* Every source is read, whatever failed before, and then compiled:
	 * compiling prints every problem recorded (a missing file too), so the
	 * operator sees all of them at once. */
	if (c->n_rules_files == 0)
		err = rules_engine_add_default(e);
	/* Before the files: they may override its lists and macros. */
	if (c->fim_config && c->fim_config[0])
		err = first_error(err, rules_engine_add_fim(e));
	for (i = 0; i < c->n_rules_files; i++)
		err = first_error(err, rules_engine_add_path(e, c->rules_files[i]));
	if (c->protect)
		err = first_error(err, rules_engine_add_protect(e));
	err = first_error(rules_engine_compile(e), err);
	if (err) {
		rules_engine_free(e);
		return -EINVAL;
	}
	*out = e;
	return 0;
}

int agent_rules_load(const struct palisade_config *c, int64_t boot_to_epoch_ns,
		     struct rules_engine **out)
{
	struct rules_stats st;
	int err;

	*out = NULL;
	if (!c->rules_enabled)
		return 0;
	err = build(c, boot_to_epoch_ns, false, out);
	if (err == -EINVAL)
		fprintf(stderr, "palisade: the rules were refused (problems above); fix them "
				"and check with `palisade rules check FILE`\n");
	else if (err)
		fprintf(stderr, "palisade: cannot create the rule engine: %s\n", strerror(-err));
	if (err)
		return err;
	rules_engine_stats(*out, &st);
	fprintf(stderr, "palisade: rules: %zu loaded (%zu enabled) from %s%s%s; %zu cannot fire "
			"yet (see `palisade rules list`)\n",
		st.rules_loaded, st.rules_enabled, c->n_rules_files ? "files" : "the embedded set",
		c->protect ? " and the protect set" : "",
		c->fim_config && c->fim_config[0] ? ", with the FIM rules" : "",
		rules_engine_cannot_fire_count(*out));
	return 0;
}

int agent_rules_load_quiet(const struct palisade_config *c, int64_t boot_to_epoch_ns,
			   struct rules_engine **out)
{
	*out = NULL;
	return build(c, boot_to_epoch_ns, true, out);
}
