/*
 * The exec sensor's environment capture (bpf/procenv.bpf.h): off unless a
 * loaded rule reads proc.env, since it copies up to EV_ENV_MAX bytes per
 * exec. A global of the loaded program, so a reload switches it in place.
 */
#include "sensor/internal.h"

void sensor_capture_env(struct sensor *s, bool on)
{
	s->skel->bss->capture_env = on;
}
