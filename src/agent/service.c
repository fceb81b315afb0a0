/* sd_notify for the agent's life as a Type=notify service (service.h). */
#include <stdbool.h>
#include <stdio.h>

#include <systemd/sd-daemon.h>

#include "agent/service.h"

static uint64_t watchdog_ns;  /* 0: no watchdog asked for */
static uint64_t last_ping_ns;

void service_init(void)
{
	uint64_t usec = 0;

	if (sd_watchdog_enabled(0, &usec) > 0)
		watchdog_ns = usec * 1000;
}

void service_ready(const char *status)
{
	sd_notifyf(0, "READY=1\nSTATUS=%s", status);
}

void service_reloading(void)
{
	sd_notify(0, "RELOADING=1");
}

void service_tick(uint64_t now_ns)
{
	if (!watchdog_ns || now_ns - last_ping_ns < watchdog_ns / 2)
		return;
	sd_notify(0, "WATCHDOG=1");
	last_ping_ns = now_ns;
}

void service_stopping(void)
{
	sd_notify(0, "STOPPING=1");
}
