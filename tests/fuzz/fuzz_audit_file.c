/*
 * libFuzzer target: palisade audit's file source (audit_file_parse tells a
 * compose file from Kubernetes manifests, multi-document, by their content),
 * the parser a CI pipeline runs on files it did not write; the seeds hold
 * both kinds. Whatever it accepts is then audited and rendered in the three
 * formats: the checks and the renderings must hold on any description the
 * parser produces.
 */
#include <stdint.h>
#include <stdlib.h>

#include "audit/audit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct audit_input in = { 0 };
	struct audit_report r;
	char err[512];
	int f;

	if (audit_file_parse("fuzz.yaml", (const char *)data, size, &in, err, sizeof(err)) == 0 &&
	    audit_run(&in, &r) == 0) {
		for (f = AUDIT_FMT_TEXT; f <= AUDIT_FMT_SARIF; f++)
			free(audit_render_string((enum audit_format)f, &in, &r));
		audit_report_release(&r);
	}
	audit_input_release(&in);
	return 0;
}
