/* `palisade run --record FILE --learn`: learning as a consumer (learn_record.c). */
#ifndef PALISADE_LEARN_RECORD_H
#define PALISADE_LEARN_RECORD_H

struct agent;

/* Attaches the learning programs and registers the consumer that writes
 * their sets into the recording at stop; nothing without --learn. 0 or
 * -errno (printed). */
int learn_record_register(struct agent *a);

#endif
