/*
 * The machine renderings: palisade's JSON (one object per finding, a
 * summary, the notes) and SARIF 2.1.0, which code-scanning UIs read. In
 * SARIF every row of the check table is a rule (its remediations are the
 * rule's help), a finding in a file has a physical location (file, line,
 * column), a finding on live state a logical one (the container, image,
 * daemon or host).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/internal.h"
#include "audit/render.h"
#include "version.h"

#define SARIF_SCHEMA "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

static const char *const source_names[] = { "engine", "compose", "kubernetes" };

/* json_pack's "o" steals a reference; a NULL from a failed pack fails the
 * enclosing pack too, so one check at the end covers every allocation. */
static json_t *location_json(const struct audit_loc *l)
{
	if (!l->file)
		return json_null();
	return json_pack("{s:s, s:i, s:i}", "file", l->file, "line", l->line, "column", l->col);
}

static json_t *finding_json(const struct audit_finding *x)
{
	return json_pack("{s:s, s:s?, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "id",
			 x->check->id, "cis", x->check->cis, "severity",
			 audit_severity_name(x->check->severity), "kind",
			 audit_kind_name(x->check->kind), "title", x->check->title, "object",
			 x->object, "object_id", x->object_id, "source", source_names[x->source],
			 "evidence", x->evidence, "remediation", x->remediation, "location",
			 location_json(&x->loc));
}

static json_t *notes_json(const struct audit_input *in)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < in->n_notes; i++)
		if (json_array_append_new(a, json_string(in->notes[i]))) {
			json_decref(a);
			return NULL;
		}
	return a;
}

json_t *audit_render_json(const struct audit_input *in, const struct audit_report *r)
{
	const struct audit_finding **v = audit_render_order(r);
	json_t *findings = json_array(), *sev = json_object(), *doc = NULL;
	size_t i, count[5] = { 0 };
	bool ok = v && findings && sev;

	for (i = 0; ok && i < r->n; i++) {
		count[v[i]->check->severity]++;
		ok = json_array_append_new(findings, finding_json(v[i])) == 0;
	}
	for (i = 0; ok && i < 5; i++)
		ok = json_object_set_new(sev, audit_severity_name((enum audit_severity)i),
					 json_integer((json_int_t)count[i])) == 0;
	if (ok)
		doc = json_pack("{s:s, s:s, s:{s:I, s:I, s:o}, s:o, s:o}", "tool", "palisade",
				"version", PALISADE_VERSION, "summary", "objects",
				(json_int_t)r->objects, "findings", (json_int_t)r->n, "by_severity",
				sev, "findings", findings, "notes", notes_json(in));
	else {
		json_decref(findings);
		json_decref(sev);
	}
	free(v);
	return doc;
}

static const char *sarif_level(enum audit_severity s)
{
	return s >= AUDIT_SEV_HIGH ? "error" : s == AUDIT_SEV_MEDIUM ? "warning" : "note";
}

/* GitHub's code scanning ranks by this number (CVSS-like, as a string). */
static const char *security_severity(enum audit_severity s)
{
	static const char *const v[] = { "0.0", "3.0", "5.5", "8.0", "9.5" };

	return v[s];
}

static char *rule_help(const struct audit_check *c)
{
	static const char *const label[] = { "docker", "compose", "kubernetes" };
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	for (i = 0; i < AUDIT_SRC_COUNT; i++)
		if (c->remedy[i])
			fprintf(f, "%s%s: %s", len ? "\n" : "",
				c->kind == AUDIT_KIND_CONTAINER ? label[i] : "fix", c->remedy[i]);
	fclose(f);
	return buf;
}

static json_t *sarif_rules(void)
{
	json_t *rules = json_array();
	size_t i;

	for (i = 0; rules && i < audit_n_checks; i++) {
		const struct audit_check *c = &audit_checks[i];
		char *help = rule_help(c);
		json_t *rule = help ? json_pack("{s:s, s:s, s:{s:s}, s:{s:s}, s:{s:s}, "
						"s:{s:[s,s,s], s:s, s:s?, s:s}}",
						"id", c->id, "name", c->id, "shortDescription",
						"text", c->title, "help", "text", help,
						"defaultConfiguration", "level",
						sarif_level(c->severity), "properties", "tags",
						"security", "CIS Docker Benchmark v1.6",
						audit_kind_name(c->kind), "security-severity",
						security_severity(c->severity), "cis", c->cis,
						"severity", audit_severity_name(c->severity))
				    : NULL;

		free(help);
		if (json_array_append_new(rules, rule)) {
			json_decref(rules);
			return NULL;
		}
	}
	return rules;
}

/* A relative or absolute path as a URI reference: unreserved bytes and '/'
 * as they are, the rest percent-encoded. */
static char *file_uri(const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = malloc(strlen(path) * 3 + 1), *o = out;
	const unsigned char *p;

	if (!out)
		return NULL;
	for (p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/", *p)) {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	return out;
}

static json_t *sarif_location(const struct audit_finding *x)
{
	char *uri, fqn[512];
	json_t *loc;

	if (!x->loc.file) {
		snprintf(fqn, sizeof(fqn), "%s/%s", audit_kind_name(x->check->kind), x->object);
		return json_pack("{s:[{s:s, s:s, s:s}]}", "logicalLocations", "name", x->object,
				 "fullyQualifiedName", fqn, "kind", "object");
	}
	uri = file_uri(x->loc.file);
	loc = uri ? json_pack("{s:{s:{s:s}, s:{s:i, s:i}}}", "physicalLocation",
			      "artifactLocation", "uri", uri, "region", "startLine",
			      x->loc.line > 0 ? x->loc.line : 1, "startColumn",
			      x->loc.col > 0 ? x->loc.col : 1)
		  : NULL;
	free(uri);
	return loc;
}

static json_t *sarif_result(const struct audit_finding *x)
{
	char *text = NULL;
	json_t *res;

	if (asprintf(&text, "%s %s: %s. Fix: %s", audit_kind_name(x->check->kind), x->object,
		     x->evidence, x->remediation[0] ? x->remediation : "see the rule's help") < 0)
		return NULL;
	res = json_pack("{s:s, s:I, s:s, s:{s:s}, s:[o], s:{s:s, s:s, s:s, s:s}}", "ruleId",
			x->check->id, "ruleIndex", (json_int_t)(x->check - audit_checks), "level",
			sarif_level(x->check->severity), "message", "text", text, "locations",
			sarif_location(x), "properties", "severity",
			audit_severity_name(x->check->severity), "object", x->object, "objectId",
			x->object_id, "remediation", x->remediation);
	free(text);
	return res;
}

static json_t *sarif_notes(const struct audit_input *in)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < in->n_notes; i++)
		if (json_array_append_new(a, json_pack("{s:s, s:{s:s}}", "level", "warning",
						       "message", "text", in->notes[i]))) {
			json_decref(a);
			return NULL;
		}
	return a;
}

json_t *audit_render_sarif(const struct audit_input *in, const struct audit_report *r)
{
	const struct audit_finding **v = audit_render_order(r);
	json_t *results = json_array();
	bool ok = v && results;
	size_t i;

	for (i = 0; ok && i < r->n; i++)
		ok = json_array_append_new(results, sarif_result(v[i])) == 0;
	free(v);
	if (!ok) {
		json_decref(results);
		return NULL;
	}
	return json_pack("{s:s, s:s, s:[{s:{s:{s:s, s:s, s:o}}, s:o, s:[{s:b, s:o}]}]}",
			 "$schema", SARIF_SCHEMA, "version", "2.1.0", "runs", "tool", "driver",
			 "name", "palisade", "version", PALISADE_VERSION, "rules", sarif_rules(), "results", results, "invocations",
			 "executionSuccessful", true, "toolExecutionNotifications",
			 sarif_notes(in));
}
