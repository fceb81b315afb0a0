/*
 * flow.* extractors: a flow event's own facts (src/net/ makes the events,
 * event.h's struct ev_flow carries them). Its addresses and ports are the
 * fd.* network fields' (extract_net.c), its container the container.* ones.
 */
#include "rules/field_ids.h"

bool rl_x_flow(const struct rl_eval_ctx *c, const struct rl_field_ref *r, int anc,
	       struct rl_value *out, struct rl_buf *buf)
{
	const struct ev_flow *f = c->ev->kind == EV_FLOW ? c->ev->flow : NULL;

	(void)anc;
	(void)buf;
	if (!f)
		return false;
	switch (r->def->id) {
	case FL_DIRECTION:
		return rl_set_str(out, f->egress ? "egress" : "ingress");
	case FL_PEER:
		return f->peer && rl_set_str(out, f->peer);
	case FL_PEER_KIND:
		return f->peer_kind && rl_set_str(out, f->peer_kind);
	case FL_BYTES:
		return rl_set_uint(out, f->bytes_out + f->bytes_in);
	case FL_BYTES_OUT:
		return rl_set_uint(out, f->bytes_out);
	case FL_BYTES_IN:
		return rl_set_uint(out, f->bytes_in);
	case FL_PACKETS_OUT:
		return rl_set_uint(out, f->packets_out);
	case FL_PACKETS_IN:
		return rl_set_uint(out, f->packets_in);
	case FL_DURATION:
		out->t = FT_RELTIME;
		out->u = f->last_ns > f->first_ns ? f->last_ns - f->first_ns : 0;
		return true;
	case FL_STATE:
		return f->state && *f->state && rl_set_str(out, f->state);
	case FL_END:
		return f->end && *f->end && rl_set_str(out, f->end);
	default:
		return false;
	}
}
