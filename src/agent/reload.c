/* The reload's build thread and its hand-over to the event thread (reload.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agent/agent_run.h"
#include "agent/reload.h"
#include "agent/rules_load.h"

void agent_reload_build_default(struct agent_reload *r, struct agent_reload_build *out)
{
	struct palisade_config *c = NULL;
	int first_arg, err;

	err = config_from_command_line(r->argc, r->argv, CONFIG_CMD_RUN, false, &first_arg, &c);
	if (err > 0)
		err = -EINVAL; /* --help cannot appear now: the agent started with this line */
	err = err ?: agent_rules_load(c, r->boot_to_epoch_ns, &out->rules);
	err = err ?: sink_set_new(c->outputs, c->n_outputs, &out->sinks);
	/* Same conditions as at start (agent_start.c); the fd table, which
	 * needs every open, is never turned on by a reload. */
	if (!err && r->prefilter && out->rules && agent_prefilter_wanted(c)) {
		err = prefilter_build(out->rules, &out->pf);
		if (err)
			fprintf(stderr, "palisade: reload: building the pre-filter failed: %s\n",
				strerror(-err));
	}
	out->cfg = c;
	out->err = err;
}

void agent_reload_build_free(struct agent_reload_build *b)
{
	prefilter_free(b->pf);
	sink_set_free(b->sinks);
	rules_engine_free(b->rules);
	config_free(b->cfg);
	memset(b, 0, sizeof(*b));
}

static void *build_thread(void *arg)
{
	struct agent_reload *r = arg;

	r->build(r, &r->out);
	atomic_store(&r->done, true);
	return NULL;
}

int agent_reload_begin(struct agent_reload *r)
{
	int err;

	if (r->running) {
		r->again = true;
		return -EBUSY;
	}
	fprintf(stderr, "palisade: SIGHUP: reloading the configuration and the rules (events "
			"go on meanwhile)\n");
	memset(&r->out, 0, sizeof(r->out));
	atomic_store(&r->done, false);
	/* The thread inherits the agent's blocked signals: only the main loop takes them. */
	err = -pthread_create(&r->thread, NULL, build_thread, r);
	if (err) {
		r->failures++;
		fprintf(stderr, "palisade: reload: cannot start its thread: %s\n", strerror(-err));
		return err;
	}
	r->running = true;
	return 0;
}

bool agent_reload_poll(struct agent_reload *r)
{
	int err;

	if (!r->running || !atomic_load(&r->done))
		return false;
	pthread_join(r->thread, NULL);
	r->running = false;
	err = r->swap(r->swap_ctx, &r->out);
	if (err) {
		r->failures++;
		fprintf(stderr, "palisade: reload failed (problems above); still running with the "
				"previous configuration and rules (%llu failed reloads)\n",
			(unsigned long long)r->failures);
	} else {
		r->reloads++;
	}
	agent_reload_build_free(&r->out);
	if (r->again) {
		r->again = false;
		agent_reload_begin(r);
	}
	return true;
}

void agent_reload_stop(struct agent_reload *r)
{
	if (!r->running)
		return;
	pthread_join(r->thread, NULL);
	r->running = false;
	agent_reload_build_free(&r->out);
}
