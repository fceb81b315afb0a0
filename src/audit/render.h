/* The renderings' shared pieces; src/audit/ only. */
#ifndef PALISADE_AUDIT_RENDER_H
#define PALISADE_AUDIT_RENDER_H

#include <jansson.h>

#include "audit/audit.h"

/* The findings, most severe first (malloc'd array of pointers into r). */
const struct audit_finding **audit_render_order(const struct audit_report *r);
json_t *audit_render_json(const struct audit_input *in, const struct audit_report *r);
json_t *audit_render_sarif(const struct audit_input *in, const struct audit_report *r);

#endif
