/* Resolves the host names the rules compare addresses with, on a thread. */
#ifndef PALISADE_DNS_REFRESH_H
#define PALISADE_DNS_REFRESH_H

#include "rules/rules.h"

struct dns_refresh;

/* Starts resolving now and every interval_s seconds; *out NULL (and 0
 * returned) when the rules name no host. */
int dns_refresh_start(struct rules_engine *e, unsigned interval_s, struct dns_refresh **out);
/* Stops the thread (waits at most for one name being resolved). */
void dns_refresh_stop(struct dns_refresh *r);

#endif
