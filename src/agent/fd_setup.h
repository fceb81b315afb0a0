/* fd_table.mode (--fd-table): whether the fd table runs, and what it asks of the sensor. */
#ifndef PALISADE_FD_SETUP_H
#define PALISADE_FD_SETUP_H

#include <stdbool.h>
#include <stdint.h>

#include "events.h"
#include "rules/rules.h"

enum agent_fd_mode { AGENT_FD_AUTO, AGENT_FD_ON, AGENT_FD_OFF };

/* fd_table.mode ("auto", "on", "off": checked by the configuration). */
enum agent_fd_mode agent_fd_mode_of(const char *mode);

/*
 * Completes the interest map computed from the rules: with the table on,
 * every syscall that changes an fd is reported; the caller's raw path of a
 * successful open is sent where a rule on that syscall reads fd.nameraw or
 * evt.rawarg. Returns whether the table is on.
 */
bool agent_fd_interest(enum agent_fd_mode mode, const struct rules_engine *rules,
		       uint32_t spec[EV_SYSCALL_NR_MAX]);

#endif
