/*
 * libFuzzer target: palisade audit's parsers of the Engine API's answers
 * (container inspect, image inspect, docker info) and of daemon.json, fed
 * the same bytes. The daemon is trusted to be Docker, not to be
 * well-formed. A container that parses is audited and suggested.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct audit_input in = { 0 };
	struct audit_daemon d;
	struct audit_image img;
	struct audit_report r;
	char err[512];

	in.workloads = calloc(1, sizeof(*in.workloads));
	if (!in.workloads)
		return 0;
	if (audit_engine_parse_container((const char *)data, size, &in.workloads[0], err,
					 sizeof(err)) == 0) {
		in.n_workloads = 1;
		free(audit_suggest_docker_run(&in.workloads[0], NULL));
		free(audit_suggest_compose(&in.workloads[0], NULL));
		if (audit_run(&in, &r) == 0) {
			free(audit_render_string(AUDIT_FMT_SARIF, &in, &r));
			audit_report_release(&r);
		}
	}
	audit_input_release(&in);
	if (audit_engine_parse_image((const char *)data, size, &img, err, sizeof(err)) == 0)
		audit_image_release(&img);
	memset(&d, 0, sizeof(d));
	audit_engine_parse_info((const char *)data, size, &d, err, sizeof(err));
	audit_daemon_parse_config("fuzz.json", (const char *)data, size, &d, err, sizeof(err));
	audit_daemon_parse_cmdline((const char *)data, size, &d);
	audit_daemon_release(&d);
	return 0;
}
