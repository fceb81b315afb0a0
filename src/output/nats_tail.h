/*
 * `palisade tail --nats URL`: a small consumer of the fleet's alerts on a
 * NATS JetStream stream (docs/fleet.md), printed one line each. It shows the
 * stream works end to end; a security team's pipeline reads the same stream.
 */
#ifndef PALISADE_NATS_TAIL_H
#define PALISADE_NATS_TAIL_H

int nats_tail_main(int argc, char **argv);

#endif
