/*
 * authz/: `palisade authz`, the deploy gate: Docker's authorization plugin
 * protocol (/Plugin.Activate, /AuthZPlugin.AuthZReq, /AuthZPlugin.AuthZRes)
 * served on a unix socket, each request decoded into a `docker` source event
 * and judged by the same rules engine as the agent's kernel events
 * (src/rules/, rules with `source: docker`), with the embedded baseline
 * policy (rules/authz_baseline.yaml) and the operator's rules files. A rule
 * whose action is deny refuses the request; its output is the message the
 * docker CLI shows. Alerts go to the configuration's outputs (src/output/).
 *
 * Owns: the plugin protocol, the request decoder (the URI normalised as
 * dockerd routes it, the body decoded as dockerd's Go code decodes it),
 * the fail-closed refusals (a body that cannot be seen or decoded, a bound
 * exceeded), the policy generations (SIGHUP swaps them with no window), and
 * the signature check of the image a create would run (supply/).
 *
 * Must not touch: the kernel, the agent's pipeline. It reaches dockerd only
 * through container/'s Engine API client (an image's RepoDigests).
 *
 * Threads: libmicrohttpd answers each connection on a thread of its own;
 * each request takes one engine of the current policy generation (engines
 * are single-threaded); the main thread takes the signals and reloads.
 */
#ifndef PALISADE_AUTHZ_H
#define PALISADE_AUTHZ_H

#include <stdbool.h>
#include <stddef.h>

#define AUTHZ_SOCKET_DEFAULT "/run/docker/plugins/palisade.sock"
/* The plugin request: dockerd forwards bodies up to 1 MiB, base64 in JSON. */
#define AUTHZ_REQUEST_MAX (4u << 20)

struct authz_req;
struct docker_event;

/*
 * Decodes one AuthZReq (response false) or AuthZRes (true) plugin request.
 * Returns 0 with *out (free with authz_req_free), or -EINVAL when the
 * envelope itself is not the protocol's (*why says what). A request whose
 * content cannot be judged (a body that must be seen and was not, a body
 * that does not decode, a bound exceeded) is returned with
 * authz_req_refusal() set: refuse it.
 */
int authz_req_decode(const char *json, size_t len, bool response, struct authz_req **out,
		     char *why, size_t whysz);
const struct docker_event *authz_req_event(const struct authz_req *r);
/* Why the request is refused before any rule, or NULL. */
const char *authz_req_refusal(const struct authz_req *r);
void authz_req_free(struct authz_req *r);

/* `palisade authz` (authz_cli.c). */
int authz_main(int argc, char **argv);

#endif
