/*
 * agent/: wires the pipeline of `palisade run` and `palisade replay`:
 * a source of raw records (the sensor, or a record file) -> decode -> process
 * table -> container attribution -> record file / event JSON. Owns signals
 * and the exit summary; the settings and flags of those commands are the
 * configuration's (src/config/config_keys.c). Owns no domain logic of its own.
 */
#ifndef PALISADE_AGENT_H
#define PALISADE_AGENT_H

#include "config/config.h"

int agent_run_main(int argc, char **argv);
int agent_replay_main(int argc, char **argv);
/* Falco's print-and-exit flags (-L, -l, --list, --list-events, -V, --version):
 * the exit status, or -1 when none was given (falco_cli.c). */
int agent_falco_action(const struct palisade_config *c);
/* `palisade config`: `check FILE` as run checks it (preflight.c), the rest
 * config/'s (keys, example). */
int agent_config_main(int argc, char **argv);

struct palisade_config;
/*
 * What run refuses before it starts anything, without starting anything:
 * each output's checks, the files -e/--record would write, the metrics
 * listeners and token. Every problem printed; 0 or the first error.
 */
int agent_preflight(const struct palisade_config *c);

#endif
