/*
 * Environments hold secrets (tokens, passwords) as often as settings: they
 * are copied out of the kernel, kept in the process table and written to a
 * recording only while some rule asks for them, and the log says so.
 */
#include <stdio.h>

#include "agent/env_capture.h"
#include "rules/rules.h"
#include "sensor/sensor.h"

bool agent_env_capture(struct sensor *s, const struct rules_engine *rules)
{
	bool on = rules && rules_engine_uses_field(rules, NULL, "proc.env");

	sensor_capture_env(s, on);
	fprintf(stderr, "palisade: environment capture %s\n",
		on ? "on: a loaded rule reads proc.env" : "off: no loaded rule reads proc.env");
	return on;
}
