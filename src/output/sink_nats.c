/*
 * The NATS JetStream sink (docs/fleet.md): each record is published to
 * PREFIX.HOST.PRIORITY and counts as delivered only when the stream has
 * acknowledged it (at least once: a failure leaves it to the framework's
 * retries and spool). Every message carries a Nats-Msg-Id derived from the
 * machine id and the record itself, so a record published twice (a retry
 * after a lost acknowledgement, a spool replayed after a restart) is stored
 * once within the stream's duplicate window. Runs on the sink's own thread;
 * libnats's threads inherit its blocked signals.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nats/nats.h>
#include <openssl/evp.h>

#include "output/sink_internal.h"

struct nats_sink {
	char *name, *url, *prefix, *stream, *tls_ca, *creds;
	char host[128]; /* the host name as one subject token */
	uint32_t timeout_ms;
	int64_t dedup_ns;
	natsConnection *nc;
	jsCtx *js;
	bool stream_checked;
	bool reported; /* one message per outage, not one per attempt */
};

/* A subject token: no '.', no wildcard, no space (NATS subject syntax). */
static void subject_token(const char *in, char *out, size_t cap)
{
	size_t i;

	for (i = 0; in[i] && i + 1 < cap; i++)
		out[i] = strchr(". *>\t\r\n", in[i]) ? '_' : in[i];
	out[i] = '\0';
	if (!i)
		snprintf(out, cap, "unknown");
}

/* Nats-Msg-Id: SHA-256 of the machine id and the record's JSON, 32 hex
 * digits. False when OpenSSL fails (no id rather than a shared one). */
static bool message_id(const struct sink_record *r, char out[33])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	const char *id = rules_host_id();
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned len = 0;

	bool ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) &&
		  EVP_DigestUpdate(c, id, strlen(id)) && EVP_DigestUpdate(c, "\n", 1) &&
		  EVP_DigestUpdate(c, r->json, r->json_len) && EVP_DigestFinal_ex(c, md, &len);

	EVP_MD_CTX_free(c);
	for (int i = 0; ok && i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return ok;
}

static void drop_connection(struct nats_sink *n)
{
	jsCtx_Destroy(n->js);
	natsConnection_Destroy(n->nc);
	n->js = NULL;
	n->nc = NULL;
	n->stream_checked = false;
}

static void report(struct nats_sink *n, const char *what, natsStatus s, jsErrCode jerr)
{
	if (n->reported)
		return;
	fprintf(stderr, "palisade: output %s: %s %s failed: %s%s (alerts are retried%s)\n",
		n->name, what, n->url, natsStatus_GetText(s), jerr ? " (JetStream error)" : "",
		"; with spool_dir they wait in the spool");
	n->reported = true;
}

/* The stream over PREFIX.>, created when missing (unless stream is ""). */
static natsStatus ensure_stream(struct nats_sink *n, jsErrCode *jerr)
{
	jsStreamInfo *si = NULL;
	jsStreamConfig sc;
	char subject[160];
	const char *subjects[1] = { subject };
	natsStatus s;

	if (!*n->stream || n->stream_checked)
		return NATS_OK;
	s = js_GetStreamInfo(&si, n->js, n->stream, NULL, jerr);
	if (s == NATS_NOT_FOUND || *jerr == JSStreamNotFoundErr) {
		snprintf(subject, sizeof(subject), "%s.>", n->prefix);
		jsStreamConfig_Init(&sc);
		sc.Name = n->stream;
		sc.Subjects = subjects;
		sc.SubjectsLen = 1;
		sc.Storage = js_FileStorage;
		sc.Duplicates = n->dedup_ns;
		*jerr = 0;
		s = js_AddStream(&si, n->js, &sc, NULL, jerr);
		if (s == NATS_OK)
			fprintf(stderr, "palisade: output %s: created the JetStream stream %s over %s\n",
				n->name, n->stream, subject);
		else if (*jerr == JSStreamNameExistErr) /* another agent was first */
			s = NATS_OK, *jerr = 0;
	}
	jsStreamInfo_Destroy(si);
	n->stream_checked = s == NATS_OK;
	return s;
}

static natsStatus connect_nats(struct nats_sink *n)
{
	natsOptions *o = NULL;
	jsOptions jo;
	natsStatus s;

	s = natsOptions_Create(&o);
	if (s == NATS_OK)
		s = natsOptions_SetURL(o, n->url); /* a comma-separated list too */
	if (s == NATS_OK)
		s = natsOptions_SetTimeout(o, n->timeout_ms);
	/* The framework retries and spools: libnats must not hold messages of
	 * its own across a reconnect, nor block a publish waiting for one. */
	if (s == NATS_OK)
		s = natsOptions_SetAllowReconnect(o, false);
	if (s == NATS_OK)
		s = natsOptions_SetName(o, "palisade");
	if (s == NATS_OK && *n->tls_ca)
		s = natsOptions_LoadCATrustedCertificates(o, n->tls_ca);
	if (s == NATS_OK && *n->creds)
		s = natsOptions_SetUserCredentialsFromFiles(o, n->creds, NULL);
	if (s == NATS_OK)
		s = natsConnection_Connect(&n->nc, o);
	natsOptions_Destroy(o);
	if (s == NATS_OK) {
		jsOptions_Init(&jo);
		jo.Wait = n->timeout_ms;
		s = natsConnection_JetStream(&n->js, n->nc, &jo);
	}
	if (s != NATS_OK)
		drop_connection(n);
	return s;
}

static int nats_deliver(void *state, const struct sink_record *r)
{
	struct nats_sink *n = state;
	char prio[32], subject[320], id[33];
	natsMsg *msg = NULL;
	jsPubAck *ack = NULL;
	jsErrCode jerr = 0;
	natsStatus s = NATS_OK;

	if (n->nc && natsConnection_IsClosed(n->nc))
		drop_connection(n);
	if (!n->nc)
		s = connect_nats(n);
	if (s != NATS_OK) {
		report(n, "connecting to", s, 0);
		return -ECONNREFUSED;
	}
	s = ensure_stream(n, &jerr);
	if (s != NATS_OK) {
		report(n, "finding the stream on", s, jerr);
		drop_connection(n);
		return -EIO;
	}
	subject_token(rules_priority_name(r->priority), prio, sizeof(prio));
	for (char *p = prio; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	snprintf(subject, sizeof(subject), "%s.%s.%s", n->prefix, n->host, prio);
	if (!message_id(r, id))
		return -ENOMEM;
	s = natsMsg_Create(&msg, subject, NULL, r->json, (int)r->json_len);
	if (s == NATS_OK)
		s = natsMsgHeader_Set(msg, "Nats-Msg-Id", id);
	if (s == NATS_OK)
		s = js_PublishMsg(&ack, n->js, msg, NULL, &jerr);
	natsMsg_Destroy(msg);
	jsPubAck_Destroy(ack);
	if (s != NATS_OK) {
		report(n, "publishing to", s, jerr);
		drop_connection(n); /* a timed-out request may leave the connection stale */
		return -EIO;
	}
	if (n->reported)
		fprintf(stderr, "palisade: output %s: %s acknowledges alerts again\n", n->name,
			n->url);
	n->reported = false;
	return 0;
}

static void nats_destroy(void *state)
{
	struct nats_sink *n = state;

	if (!n)
		return;
	drop_connection(n);
	free(n->name);
	free(n->url);
	free(n->prefix);
	free(n->stream);
	free(n->tls_ca);
	free(n->creds);
	free(n);
}

static const struct sink_ops nats_ops = {
	.deliver = nats_deliver,
	.destroy = nats_destroy,
};

/* Each comma-separated server is nats://, tls:// (or a bare host:port). */
int sink_nats_check(const struct sink_cfg *cfg)
{
	const char *url = cfg->nats.url;

	if (!url || !*url ||
	    (strstr(url, "://") && strncmp(url, "nats://", 7) && strncmp(url, "tls://", 6))) {
		fprintf(stderr, "palisade: output %s: url '%s': a nats output needs "
				"nats://HOST:PORT or tls://HOST:PORT\n", cfg->name, url ? url : "");
		return -EINVAL;
	}
	return 0;
}

int sink_nats_create(const struct sink_cfg *cfg, void **state, const struct sink_ops **ops)
{
	const struct nats_sink_cfg *c = &cfg->nats;
	struct nats_sink *n;
	char host[256] = "";

	if (sink_nats_check(cfg))
		return -EINVAL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->name = strdup(cfg->name ? cfg->name : "nats");
	n->url = strdup(c->url);
	n->prefix = strdup(c->subject_prefix && *c->subject_prefix ? c->subject_prefix : "palisade");
	n->stream = strdup(c->stream ? c->stream : "");
	n->tls_ca = strdup(c->tls_ca ? c->tls_ca : "");
	n->creds = strdup(c->creds_file ? c->creds_file : "");
	n->timeout_ms = c->timeout_ms ? c->timeout_ms : 5000;
	n->dedup_ns = (int64_t)(c->dedup_window_ms ? c->dedup_window_ms : 120000) * 1000000;
	if (!n->name || !n->url || !n->prefix || !n->stream || !n->tls_ca || !n->creds) {
		nats_destroy(n);
		return -ENOMEM;
	}
	gethostname(host, sizeof(host) - 1);
	subject_token(host, n->host, sizeof(n->host));
	*state = n;
	*ops = &nats_ops;
	return 0;
}
