/*
 * The environment capture follows the rules: on only while a loaded rule
 * reads proc.env (docs/procenv.md).
 */
#ifndef PALISADE_AGENT_ENV_CAPTURE_H
#define PALISADE_AGENT_ENV_CAPTURE_H

#include <stdbool.h>

struct sensor;
struct rules_engine;

/* Switches the exec sensor's capture for these rules (NULL: none, off) and
 * returns whether it is on, which the /proc snapshot follows too. */
bool agent_env_capture(struct sensor *s, const struct rules_engine *rules);

#endif
