/*
 * What the watcher hands to the agent's ordinary outputs: the last audit as
 * Prometheus gauges (a metrics collector) and a started container's
 * violation as one Falco-schema alert.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/internal.h"
#include "event/event.h"
#include "metrics/metrics.h"
#include "output/json_writer.h"

static const char *const priorities[] = { "Informational", "Notice", "Warning", "Error",
					  "Critical" };

const char *audit_severity_priority(enum audit_severity s)
{
	return (unsigned)s < 5 ? priorities[s] : "Warning";
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

char *audit_violation_json(const struct audit_violation *v, const char *hostname,
			   uint64_t time_ns)
{
	char time[40], *out = NULL, *checks = NULL, *text = NULL;
	size_t len = 0, i;
	json_t *doc, *ids = json_array();
	FILE *f = open_memstream(&checks, &len);

	if (!f || !ids) {
		if (f)
			fclose(f);
		json_decref(ids);
		return NULL;
	}
	for (i = 0; i < v->n; i++) {
		const struct audit_finding *x = v->findings[i];

		fprintf(f, "%s%s (%s): %s", i ? "; " : "", x->check->id,
			audit_severity_name(x->check->severity), x->evidence);
		json_array_append_new(ids, json_string(x->check->id));
	}
	fclose(f);
	event_time_format(time_ns, EVENT_TIME_RFC3339_NS, time, sizeof(time));
	if (asprintf(&text, "%s container %s (id=%.12s image=%s): %s", AUDIT_VIOLATION_RULE,
		     v->w->name, v->w->id, v->w->image, checks ? checks : "") < 0)
		text = NULL;
	/* Falco's alert schema, in its key order */
	doc = text ? json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:o, s:s}, s:s, s:s, s:s, s:[s,s,s]}",
			       "hostname", hostname, "output", text, "output_fields",
			       "container.id", v->w->id, "container.name", v->w->name,
			       "container.image.repository", v->w->image, "audit.checks", ids,
			       "audit.max_severity", audit_severity_name(v->max), "priority",
			       audit_severity_priority(v->max), "rule", AUDIT_VIOLATION_RULE,
			       "source", "docker", "tags", "audit", "cis", "container")
		   : NULL;
	if (!text)
		json_decref(ids);
	if (doc && json_object_set_new(doc, "time", json_string(time)) == 0)
		out = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(doc);
	free(text);
	free(checks);
	return out;
}
