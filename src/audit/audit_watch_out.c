/*
 * What the watcher hands to the agent's ordinary outputs: the last audit as
 * Prometheus gauges (a metrics collector) and a started container's
 * violation as one alert (struct alert: the sinks render it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/alert.h"
#include "audit/internal.h"
#include "event/event.h"
#include "metrics/metrics.h"

static const enum rules_priority priorities[] = { RULES_PRIO_INFORMATIONAL, RULES_PRIO_NOTICE,
						  RULES_PRIO_WARNING, RULES_PRIO_ERROR,
						  RULES_PRIO_CRITICAL };

enum rules_priority audit_severity_priority(enum audit_severity s)
{
	return (unsigned)s < 5 ? priorities[s] : RULES_PRIO_WARNING;
}

struct counts {
	size_t *by_check; /* per row of the table */
	struct metrics_writer *mw;
};

static void write_findings(const struct audit_input *in, const struct audit_report *rep,
			   void *ctx)
{
	struct counts *c = ctx;
	struct metrics_writer *mw = c->mw;
	size_t i, j, sev[5];
	char n[32];

	(void)in;
	for (i = 0; i < rep->n; i++)
		c->by_check[rep->findings[i].check - audit_checks]++;
	metrics_family(mw, "palisade_audit_findings", METRICS_GAUGE,
		       "Findings of the last audit, by check (every check of the table)");
	for (i = 0; i < audit_n_checks; i++)
		metrics_sample(mw, (double)c->by_check[i], "check", audit_checks[i].id, "cis",
			       audit_checks[i].cis ? audit_checks[i].cis : "", "severity",
			       audit_severity_name(audit_checks[i].severity), "kind",
			       audit_kind_name(audit_checks[i].kind));
	metrics_family(mw, "palisade_audit_object_findings", METRICS_GAUGE,
		       "Findings of the last audit, by object and severity (objects with findings)");
	/* Findings of one object are adjacent: the audit runs object by object. */
	for (i = 0; i < rep->n; i = j) {
		for (j = i; j < rep->n && strcmp(rep->findings[j].object, rep->findings[i].object) == 0 &&
			    strcmp(rep->findings[j].object_id, rep->findings[i].object_id) == 0 &&
			    rep->findings[j].check->kind == rep->findings[i].check->kind;
		     j++)
			;
		memset(sev, 0, sizeof(sev));
		for (size_t k = i; k < j; k++)
			sev[rep->findings[k].check->severity]++;
		for (size_t s = 0; s < 5; s++)
			if (sev[s]) {
				snprintf(n, sizeof(n), "%.12s", rep->findings[i].object_id +
					 (strncmp(rep->findings[i].object_id, "sha256:", 7) ? 0 : 7));
				metrics_sample(mw, (double)sev[s], "kind",
					       audit_kind_name(rep->findings[i].check->kind), "object",
					       rep->findings[i].object, "id", n, "severity",
					       audit_severity_name((enum audit_severity)s));
			}
	}
}

void audit_watch_collect(struct metrics_writer *mw, void *watch)
{
	struct audit_watch *w = watch;
	struct audit_watch_stats st;
	struct counts c = { .mw = mw };
	size_t i;

	audit_watch_stats(w, &st);
	{
		const struct {
			const char *name, *help;
			enum metrics_type type;
			double value;
			bool need_audit; /* only once an audit succeeded */
		} rows[] = {
			{ "palisade_audit_runs_total", "Audits run (at start, every interval, on "
						       "container start)",
			  METRICS_COUNTER, (double)st.runs, false },
			{ "palisade_audit_errors_total", "Audits that failed (daemon unreachable...)",
			  METRICS_COUNTER, (double)st.errors, false },
			{ "palisade_audit_violations_total", "Containers that started with a finding "
							     "at or above the alert severity",
			  METRICS_COUNTER, (double)st.violations, false },
			{ "palisade_audit_start_events_dropped_total", "Container starts over the "
								       "queue bound (audited, not alerted)",
			  METRICS_COUNTER, (double)st.queue_dropped, false },
			{ "palisade_audit_events_connected", "1 while Docker's /events stream is "
							     "followed (container starts re-audited)",
			  METRICS_GAUGE, st.events_up ? 1.0 : 0.0, false },
			{ "palisade_audit_last_success_timestamp_seconds", "When the last audit "
									   "finished",
			  METRICS_GAUGE, st.last_success, true },
			{ "palisade_audit_duration_seconds", "How long the last audit took",
			  METRICS_GAUGE, st.last_duration, true },
		};

		for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
			if (rows[i].need_audit && !st.have)
				continue;
			metrics_family(mw, rows[i].name, rows[i].type, rows[i].help);
			metrics_sample(mw, rows[i].value);
		}
	}
	if (!st.have)
		return;
	c.by_check = calloc(audit_n_checks, sizeof(*c.by_check));
	if (c.by_check)
		audit_watch_read(w, write_findings, &c);
	free(c.by_check);
}

struct alert *audit_violation_alert(const struct audit_violation *v, const char *hostname,
				    uint64_t time_ns)
{
	static const char *const tags[] = { "audit", "cis", "container" };
	struct rules_rule_info rule = { .name = AUDIT_VIOLATION_RULE,
					.source = AUDIT_VIOLATION_SOURCE,
					.priority = audit_severity_priority(v->max), .tags = tags,
					.n_tags = 3, .enabled = true };
	char *ids = NULL, *found = NULL, *out = NULL, id[13], when[32];
	size_t ids_len = 0, found_len = 0;
	FILE *fi = open_memstream(&ids, &ids_len), *ff = open_memstream(&found, &found_len);
	struct rules_value f[5];
	struct rules_alert a = { .rule = &rule, .time_ns = time_ns, .hostname = hostname,
				 .fields = f, .n_fields = 5 };
	struct alert *al = NULL;

	for (size_t i = 0; fi && ff && i < v->n; i++) {
		const struct audit_finding *x = v->findings[i];

		fprintf(fi, "%s%s", i ? "," : "", x->check->id);
		fprintf(ff, "%s%s (%s): %s", i ? "; " : "", x->check->id,
			audit_severity_name(x->check->severity), x->evidence);
	}
	if (fi)
		fclose(fi);
	if (ff)
		fclose(ff);
	snprintf(id, sizeof(id), "%.12s", v->w->id);
	/* Prefixed as the rules' output lines are: time of day, priority. */
	event_time_format(time_ns, EVENT_TIME_OF_DAY_NS, when, sizeof(when));
	if (ids && found &&
	    asprintf(&out, "%s: %s %s container %s (id=%s image=%s): %s", when,
		     rules_priority_name(rule.priority), AUDIT_VIOLATION_RULE, v->w->name, id,
		     v->w->image, found) >= 0) {
		f[0] = (struct rules_value){ "container.id", RULES_VAL_STRING, .s = id };
		f[1] = (struct rules_value){ "container.name", RULES_VAL_STRING, .s = v->w->name };
		f[2] = (struct rules_value){ "container.image", RULES_VAL_STRING, .s = v->w->image };
		f[3] = (struct rules_value){ "audit.checks", RULES_VAL_STRING, .s = ids };
		f[4] = (struct rules_value){ "audit.max_severity", RULES_VAL_STRING,
					     .s = audit_severity_name(v->max) };
		a.output = out;
		al = alert_from_rules(&a);
	} else {
		out = NULL;
	}
	free(out);
	free(ids);
	free(found);
	return al;
}
