/* The consumer's priority and the drop alert (loss.h). */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "agent/loss.h"
#include "config/config.h"
#include "event/syscalls.h"
#include "rules/rules.h"

#define NS_PER_S 1000000000ull
#define NICE_HIGH (-20)

void loss_defaults(struct loss_options *o)
{
	*o = (struct loss_options){ .priority = LOSS_PRIO_REALTIME,
				    .threshold = 0,
				    .actions = LOSS_ACT_LOG | LOSS_ACT_ALERT,
				    .rate = 1.0 / 30,
				    .max_burst = 1 };
}

void loss_options_from_config(const struct palisade_config *c, struct loss_options *o)
{
	const char *bad;

	loss_defaults(o);
	/* The configuration's checks passed: these parse. */
	loss_priority_parse(c->consumer_priority, &o->priority);
	loss_actions_parse(c->drops_actions, c->n_drops_actions, &o->actions, &bad);
	o->threshold = c->drops_threshold;
	o->rate = c->drops_rate;
	o->max_burst = c->drops_max_burst;
}

int loss_priority_parse(const char *s, enum loss_priority *out)
{
	static const char *const names[] = { [LOSS_PRIO_REALTIME] = "realtime",
					     [LOSS_PRIO_NICE] = "nice",
					     [LOSS_PRIO_NORMAL] = "normal" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0)
			return *out = (enum loss_priority)i, 0;
	return -EINVAL;
}

int loss_actions_parse(const char *const *names, size_t n, unsigned *out, const char **bad)
{
	static const struct {
		const char *name;
		unsigned bit;
	} acts[] = { { "ignore", 0 }, { "log", LOSS_ACT_LOG }, { "alert", LOSS_ACT_ALERT },
		     { "exit", LOSS_ACT_EXIT } };
	size_t i, j;

	*out = 0;
	for (i = 0; i < n; i++) {
		for (j = 0; j < sizeof(acts) / sizeof(acts[0]); j++)
			if (strcmp(names[i], acts[j].name) == 0)
				break;
		if (j == sizeof(acts) / sizeof(acts[0])) {
			*bad = names[i];
			return -EINVAL;
		}
		*out |= acts[j].bit;
	}
	return 0;
}

/* nice -20 for the calling thread only (Linux keeps nice per thread). */
static int raise_nice(void)
{
	struct sched_param sp = { .sched_priority = 0 };

	if (sched_setscheduler(0, SCHED_OTHER | SCHED_RESET_ON_FORK, &sp))
		return -errno;
	if (setpriority(PRIO_PROCESS, (id_t)gettid(), NICE_HIGH))
		return -errno;
	return 0;
}

int loss_priority_apply(enum loss_priority p, char *desc, size_t size)
{
	struct sched_param sp = { .sched_priority = 1 };
	int rt_err = 0, err;

	if (p == LOSS_PRIO_NORMAL) {
		snprintf(desc, size, "normal (as started)");
		return 0;
	}
	if (p == LOSS_PRIO_REALTIME) {
		if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp) == 0) {
			snprintf(desc, size, "realtime (SCHED_FIFO 1)");
			return 0;
		}
		rt_err = errno;
	}
	err = raise_nice();
	if (err && rt_err)
		snprintf(desc, size, "normal: SCHED_FIFO refused (%s), nice %d refused (%s); "
				     "events may be lost to the workloads' CPU use",
			 strerror(rt_err), NICE_HIGH, strerror(-err));
	else if (err)
		snprintf(desc, size, "normal: nice %d refused (%s); events may be lost to the "
				     "workloads' CPU use", NICE_HIGH, strerror(-err));
	else if (rt_err)
		snprintf(desc, size, "nice %d (SCHED_FIFO refused: %s)", NICE_HIGH, strerror(rt_err));
	else
		snprintf(desc, size, "nice %d", NICE_HIGH);
	return err;
}

void loss_watch_init(struct loss_watch *w, const struct loss_options *o)
{
	*w = (struct loss_watch){ .o = *o, .tokens = o->max_burst };
}

/* Refills the bucket for the time since the last claim, then claims one. */
static bool claim_token(struct loss_watch *w, uint64_t now_ns)
{
	double max = w->o.max_burst >= 1 ? w->o.max_burst : 1;

	if (now_ns > w->token_ns)
		w->tokens += w->o.rate * (double)(now_ns - w->token_ns) / (double)NS_PER_S;
	w->token_ns = now_ns;
	if (w->tokens > max)
		w->tokens = max;
	if (w->tokens < 1)
		return false;
	w->tokens -= 1;
	return true;
}

unsigned loss_watch_step(struct loss_watch *w, uint64_t now_ns, uint64_t queued, uint64_t lost,
			 struct loss_report *r)
{
	uint64_t dq, dl;

	if (!w->next_ns) {
		w->next_ns = now_ns + NS_PER_S;
		w->last_ns = w->token_ns = now_ns;
		w->last_queued = queued;
		w->last_lost = lost;
		return 0;
	}
	if (now_ns < w->next_ns)
		return 0;
	/* Counters only grow; a smaller one (a reloaded sensor) restarts the count. */
	dq = queued >= w->last_queued ? queued - w->last_queued : queued;
	dl = lost >= w->last_lost ? lost - w->last_lost : lost;
	*r = (struct loss_report){ .n_evts = dq + dl, .n_drops = dl,
				   .ms = (now_ns - w->last_ns) / 1000000 };
	w->next_ns = now_ns + NS_PER_S;
	w->last_ns = now_ns;
	w->last_queued = queued;
	w->last_lost = lost;
	if (!dl || (double)dl / (double)(dq + dl) <= w->o.threshold)
		return 0;
	w->seconds_with_drops++;
	if (!w->o.actions || !claim_token(w, now_ns))
		return 0;
	w->actions_taken++;
	return w->o.actions;
}

void loss_output_line(const struct loss_report *r, char *buf, size_t size)
{
	snprintf(buf, size, "%s. %llu system calls dropped in last second.", LOSS_RULE,
		 (unsigned long long)r->n_drops);
}

/* Falco's drop categories, from what a lost record was. */
enum loss_cat {
	CAT_CLONE_FORK,
	CAT_EXECVE,
	CAT_CONNECT,
	CAT_OPEN,
	CAT_DIR_FILE,
	CAT_OTHER,
	CAT_CLOSE,
	CAT_PROC,
	CAT_N,
};

static const char *const cat_field[CAT_N] = {
	[CAT_CLONE_FORK] = "n_drops_buffer_clone_fork_exit",
	[CAT_EXECVE] = "n_drops_buffer_execve_exit",
	[CAT_CONNECT] = "n_drops_buffer_connect_exit",
	[CAT_OPEN] = "n_drops_buffer_open_exit",
	[CAT_DIR_FILE] = "n_drops_buffer_dir_file_exit",
	[CAT_OTHER] = "n_drops_buffer_other_interest_exit",
	[CAT_CLOSE] = "n_drops_buffer_close_exit",
	[CAT_PROC] = "n_drops_buffer_proc_exit",
};

static bool name_in(const char *name, const char *const *set)
{
	for (; *set; set++)
		if (strcmp(name, *set) == 0)
			return true;
	return false;
}

static enum loss_cat syscall_cat(uint32_t nr)
{
	static const char *const open[] = { "open", "openat", "openat2", "creat",
					    "open_by_handle_at", NULL };
	static const char *const dir_file[] = { "mkdir", "mkdirat", "rmdir", "rename", "renameat",
						"renameat2", "unlink", "unlinkat", "link", "linkat",
						"symlink", "symlinkat", NULL };
	const struct syscall_desc *d = syscall_by_nr(nr);

	if (!d)
		return CAT_OTHER;
	if (name_in(d->name, open))
		return CAT_OPEN;
	if (name_in(d->name, dir_file))
		return CAT_DIR_FILE;
	if (strcmp(d->name, "connect") == 0)
		return CAT_CONNECT;
	if (strcmp(d->name, "close") == 0)
		return CAT_CLOSE;
	if (strcmp(d->name, "execveat") == 0)
		return CAT_EXECVE;
	return CAT_OTHER;
}

static enum loss_cat slot_cat(size_t slot)
{
	if (slot < EV_SYSCALL_NR_MAX)
		return syscall_cat((uint32_t)slot);
	switch (slot - EV_SYSCALL_NR_MAX) {
	case EV_FORK:
		return CAT_CLONE_FORK;
	case EV_EXEC:
		return CAT_EXECVE;
	case EV_EXIT:
		return CAT_PROC;
	default:
		return CAT_OTHER;
	}
}

/* Appends an output field to the alert: the count as text, Falco's are strings. */
static void add_count(struct rules_alert *a, struct rules_value *v, char (*text)[24],
		      const char *name, uint64_t n)
{
	snprintf(text[a->n_fields], sizeof(text[0]), "%llu", (unsigned long long)n);
	v[a->n_fields] = (struct rules_value){ .field = name, .kind = RULES_VAL_STRING,
					       .s = text[a->n_fields] };
	a->n_fields++;
}

struct alert *loss_alert(const struct loss_report *r, const uint64_t *lost_by, uint64_t time_ns,
			 const char *hostname)
{
	static const struct rules_rule_info rule = { .name = LOSS_RULE, .source = "internal",
						     .priority = RULES_PRIO_CRITICAL };
	struct rules_value v[CAT_N + 4];
	char text[CAT_N + 4][24], line[160];
	uint64_t cats[CAT_N] = { 0 };
	struct rules_alert a = { .rule = &rule, .output = line, .time_ns = time_ns,
				 .hostname = hostname, .fields = v };

	for (size_t i = 0; lost_by && i < EV_LOST_SLOTS; i++)
		cats[slot_cat(i)] += lost_by[i];
	loss_output_line(r, line, sizeof(line));
	add_count(&a, v, text, "n_evts", r->n_evts);
	add_count(&a, v, text, "n_drops", r->n_drops);
	add_count(&a, v, text, "n_drops_buffer_total", r->n_drops);
	for (size_t c = 0; c < CAT_N && lost_by; c++)
		add_count(&a, v, text, cat_field[c], cats[c]);
	v[a.n_fields++] = (struct rules_value){ .field = "ebpf_enabled", .kind = RULES_VAL_STRING,
						.s = "1" };
	return alert_from_rules(&a);
}
