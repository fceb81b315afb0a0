/*
 * Flows as events of the rules' `flow` source: what a flow start or end
 * looks like to the rules (src/event/event.h's struct ev_flow, read by the
 * fd.* network fields, container.* and flow.*).
 */
#include <string.h>

#include "net/net.h"

void net_flow_to_event(const struct net_flow *f, enum net_flow_event what,
		       const struct container_info *c, struct net_event *out)
{
	struct ev_flow *x = &out->flow;

	memset(out, 0, sizeof(*out));
	out->hdr.kind = EV_FLOW;
	out->hdr.size = sizeof(out->hdr);
	out->hdr.cgroup_id = f->key.cgroup_id;
	out->hdr.ts_ns = what == NET_FLOW_END && f->ended_ns ? f->ended_ns : f->first_ns;
	x->what = what == NET_FLOW_END ? EV_FLOW_END : EV_FLOW_START;
	x->proto = f->key.proto;
	x->family = f->key.family;
	x->egress = f->initiator == FL_OUT;
	memcpy(x->local, f->key.local, sizeof(x->local));
	memcpy(x->remote, f->key.remote, sizeof(x->remote));
	x->lport = f->key.lport;
	x->rport = f->key.rport;
	x->bytes_out = f->bytes[FL_OUT];
	x->bytes_in = f->bytes[FL_IN];
	x->packets_out = f->packets[FL_OUT];
	x->packets_in = f->packets[FL_IN];
	x->first_ns = f->first_ns;
	x->last_ns = f->last_ns;
	x->state = net_tcp_state_name(f->state);
	x->end = what == NET_FLOW_END ? net_flow_end_name(f->end) : "";
	x->peer = f->remote.name;
	x->peer_kind = net_peer_kind_name(f->remote.kind);
	out->ev.hdr = &out->hdr;
	out->ev.kind = EV_FLOW;
	out->ev.flow = x;
	out->ev.path2 = "";
	out->ev.container = c;
	out->ev.container_key = f->key.cgroup_id;
}
