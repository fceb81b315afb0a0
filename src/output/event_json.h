#ifndef PALISADE_EVENT_JSON_H
#define PALISADE_EVENT_JSON_H

#include <stdint.h>

#include "event/event.h"
#include "output/json_writer.h"

/*
 * Encodes an enriched event as one JSON object (no newline) into w, which it
 * resets first. boot_to_epoch_ns converts the kernel's CLOCK_BOOTTIME
 * stamps to wall-clock time. The schema is documented in docs/events.md.
 */
void event_to_json(struct jw *w, const struct event *ev, uint64_t boot_to_epoch_ns);

#endif
