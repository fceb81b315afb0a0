/*
 * The file sources' shared pieces (compose files, Kubernetes manifests):
 * a libyaml document with its file name, navigation that records where
 * each value was written, and value parsers. src/audit/ only.
 */
#ifndef PALISADE_AUDIT_YAML_SRC_H
#define PALISADE_AUDIT_YAML_SRC_H

#include <yaml.h>

#include "audit/internal.h"

struct audit_ysrc {
	yaml_document_t *doc;
	const char *file; /* owned by the audit_input (its files list) */
	struct audit_input *in;
	bool oom;
	char *err;
	size_t errlen;
};

/* The value of key in a mapping (NULL when absent or not a mapping); *key
 * gets the key's node when asked. Aliases were resolved by libyaml's loader
 * into shared nodes, so no walk here can grow beyond the document. */
yaml_node_t *audit_y_get(const struct audit_ysrc *y, yaml_node_t *map, const char *key,
			 yaml_node_t **key_node);
/* A scalar's text, NULL for anything else. */
const char *audit_y_str(const yaml_node_t *n);
/* Item i of a sequence, NULL past its end or for anything else. */
yaml_node_t *audit_y_item(const struct audit_ysrc *y, yaml_node_t *seq, size_t i);
size_t audit_y_len(const yaml_node_t *seq);
void audit_y_loc(const struct audit_ysrc *y, const yaml_node_t *n, struct audit_loc *out);
/* Records the location of field f of w at node n (the key, usually). */
void audit_y_at(const struct audit_ysrc *y, struct audit_workload *w, enum audit_field f,
		const yaml_node_t *n);
/* "file:line:col: what" into y->err; returns -EINVAL. */
__attribute__((format(printf, 3, 4))) int audit_y_fail(const struct audit_ysrc *y,
						       const yaml_node_t *n, const char *fmt, ...);

/* YAML 1.1/1.2 booleans; -EINVAL for anything else. */
int audit_y_bool(const yaml_node_t *n, bool *out);
/* "512m", "1g", "1.5G", "512Mi", "1024": bytes; -EINVAL when not a size. */
int audit_parse_bytes(const char *s, int64_t *out);
/* "0.5", "2", "500m" (Kubernetes millicores): nano-CPUs. */
int audit_parse_cpus(const char *s, int64_t *out);

/* A new workload of in (zeroed), or NULL (y->oom, or over the bound). */
struct audit_workload *audit_y_new_workload(struct audit_ysrc *y, enum audit_source src,
					    const yaml_node_t *entry);

/* The two file sources: a compose file's services, a manifest's document. */
int audit_compose_parse(struct audit_ysrc *y, yaml_node_t *root);
/* A service's limits, ulimits, health check and deploy: section. */
int audit_compose_limits(struct audit_ysrc *y, struct audit_workload *w, yaml_node_t *svc);
bool audit_k8s_is_manifest(const struct audit_ysrc *y, yaml_node_t *root);
int audit_k8s_parse(struct audit_ysrc *y, yaml_node_t *root);

#endif
