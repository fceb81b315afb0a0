/*
 * libFuzzer target: a label policy file (src/net/policy_parse.c), then a
 * verdict over what loaded. Nothing may read out of bounds, leak or loop;
 * aliases may not blow up the walk (the node budget).
 */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct container_label l = { .key = "app", .value = "web" };
	struct net_labels subject = { &l, 1 };
	struct net_pol_peer peer = { .container = true, .labels = { &l, 1 } };
	struct net_policy_set *s = NULL;
	struct net_verdict v;
	char err[1024];

	if (!net_policy_parse("fuzz.yaml", (const char *)data, size, &s, err, sizeof(err))) {
		net_policy_judge(s, &subject, NET_INGRESS, &peer, IPPROTO_TCP, 80, &v);
		peer.container = false;
		memset(peer.addr, 0x0a, sizeof(peer.addr));
		net_policy_judge(s, &subject, NET_EGRESS, &peer, IPPROTO_UDP, 53, &v);
		net_policy_free(s);
	}
	return 0;
}
