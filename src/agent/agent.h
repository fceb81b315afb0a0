/*
 * agent/: wires the pipeline of `palisade run` and `palisade replay`:
 * a source of raw records (the sensor, or a record file) -> decode -> process
 * table -> container attribution -> record file / event JSON. Owns the
 * command-line options of those commands, signals and the exit summary; owns
 * no domain logic of its own.
 */
#ifndef PALISADE_AGENT_H
#define PALISADE_AGENT_H

int agent_run_main(int argc, char **argv);
int agent_replay_main(int argc, char **argv);

#endif
