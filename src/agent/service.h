/*
 * The agent as a systemd service (Type=notify): readiness, reloads, the
 * watchdog and the stop, told to the service manager through sd_notify. Each
 * call does nothing when the agent was not started by one (no
 * NOTIFY_SOCKET), so `palisade run` in a terminal behaves the same. Main
 * thread only.
 */
#ifndef PALISADE_AGENT_SERVICE_H
#define PALISADE_AGENT_SERVICE_H

#include <stdint.h>

/* Reads the watchdog interval (WatchdogSec=) once; call before the others. */
void service_init(void);
/* The sensors are attached and the sinks run: READY=1, with a STATUS= line. */
void service_ready(const char *status);
/* A SIGHUP reload begins (RELOADING=1) / ended (READY=1, STATUS=). */
void service_reloading(void);
/* Called on every turn of the main loop: WATCHDOG=1 at half the interval, so
 * a loop that stops turning (a hung consumer) gets the agent restarted. */
void service_tick(uint64_t now_ns);
/* The agent is stopping: STOPPING=1. */
void service_stopping(void);

#endif
