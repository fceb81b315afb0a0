/*
 * Syslog transports (see syslog_sink.h). One connection per sink, used only
 * from the sink's thread. Every failure closes the connection, records a
 * message naming the receiver and returns -errno; the next deliver()
 * connects again, so a receiver that restarts is picked up without a reload.
 *
 * TLS writes go through write(2) inside OpenSSL, which raises SIGPIPE on a
 * closed connection: `palisade run` ignores SIGPIPE for the whole process.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "output/syslog_format.h"
#include "output/syslog_sink.h"

enum transport { T_UNIX, T_UDP, T_TCP, T_TLS };
static const char *const transport_names[] = { "unix", "udp", "tcp", "tls" };

/* Room before the message for the RFC 6587 octet count ("8192 "). */
#define FRAME_PREFIX 24

struct syslog_sink {
	enum transport transport;
	char *address;   /* as configured, for messages */
	char *app_name;
	char *sd_id; /* NULL: SYSLOG_SD_ID */
	char *host;      /* udp/tcp/tls */
	char *port;
	struct sockaddr_un unix_addr;
	struct syslog_format_opts fmt;
	int timeout_ms;
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
	char *buf;       /* FRAME_PREFIX + max_message bytes */
	size_t max_message;
	char err[512];
	bool failing;    /* the last delivery failed: report recovery */
	struct syslog_sink_stats stats;
};

static void stat_add(uint64_t *v)
{
	__atomic_add_fetch(v, 1, __ATOMIC_RELAXED);
}

/* Records the error; prints it only when it differs from the previous one,
 * so a receiver that stays down does not flood the agent's log. */
static int fail(struct syslog_sink *s, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct syslog_sink *s, int err, const char *fmt, ...)
{
	char msg[sizeof(s->err)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (strcmp(msg, s->err) != 0)
		fprintf(stderr, "palisade: syslog %s %s: %s\n", transport_names[s->transport],
			s->address, msg);
	snprintf(s->err, sizeof(s->err), "%s", msg);
	s->failing = true;
	return err < 0 ? err : -EIO;
}

static void disconnect(struct syslog_sink *s)
{
	if (s->ssl) {
		SSL_free(s->ssl);
		s->ssl = NULL;
	}
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

/* The first OpenSSL error on this thread's queue, as text. */
static const char *ssl_error_text(char *buf, size_t size)
{
	unsigned long e = ERR_get_error();

	if (!e)
		return "no OpenSSL error recorded";
	ERR_error_string_n(e, buf, size);
	ERR_clear_error();
	return buf;
}

static int set_timeouts(int fd, int timeout_ms)
{
	struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };

	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		return -errno;
	return 0;
}

/* connect(2) bounded by timeout_ms: a receiver that drops SYNs must not hold
 * the sink's thread for the kernel's two minutes. */
static int connect_bounded(int fd, const struct sockaddr *sa, socklen_t len, int timeout_ms)
{
	int flags = fcntl(fd, F_GETFL), soerr = 0;
	socklen_t elen = sizeof(soerr);
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int ret;

	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK))
		return -errno;
	ret = connect(fd, sa, len) ? -errno : 0;
	if (ret == -EINPROGRESS) {
		ret = poll(&p, 1, timeout_ms);
		if (ret == 0)
			ret = -ETIMEDOUT;
		else if (ret < 0)
			ret = -errno;
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &elen))
			ret = -errno;
		else
			ret = -soerr;
	}
	if (fcntl(fd, F_SETFL, flags))
		return ret ? ret : -errno;
	return ret;
}

static int connect_unix(struct syslog_sink *s)
{
	int ret;

	s->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return fail(s, -errno, "cannot create a socket: %s", strerror(errno));
	if (connect(s->fd, (const struct sockaddr *)&s->unix_addr, sizeof(s->unix_addr))) {
		ret = -errno;
		disconnect(s);
		return fail(s, ret, "cannot connect: %s (is the syslog daemon running?)",
			    strerror(-ret));
	}
	return 0;
}

static int connect_inet(struct syslog_sink *s)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
				  .ai_socktype = s->transport == T_UDP ? SOCK_DGRAM : SOCK_STREAM };
	struct addrinfo *res = NULL, *ai;
	int ret, gai;

	gai = getaddrinfo(s->host, s->port, &hints, &res);
	if (gai)
		return fail(s, -EHOSTUNREACH, "cannot resolve %s: %s", s->host, gai_strerror(gai));
	ret = -ECONNREFUSED;
	for (ai = res; ai; ai = ai->ai_next) {
		s->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (s->fd < 0) {
			ret = -errno;
			continue;
		}
		ret = connect_bounded(s->fd, ai->ai_addr, ai->ai_addrlen, s->timeout_ms);
		if (!ret)
			ret = set_timeouts(s->fd, s->timeout_ms);
		if (!ret)
			break;
		disconnect(s);
	}
	freeaddrinfo(res);
	if (ret)
		return fail(s, ret, "cannot connect: %s", strerror(-ret));
	return 0;
}

/* RFC 5425: TLS over TCP; the receiver's certificate must chain to tls_ca
 * and name the host we connected to (DNS name, or IP address SAN). */
static int tls_handshake(struct syslog_sink *s)
{
	struct in6_addr ip;
	char ebuf[256];
	bool is_ip = inet_pton(AF_INET, s->host, &ip) == 1 || inet_pton(AF_INET6, s->host, &ip) == 1;
	long vr;

	s->ssl = SSL_new(s->ctx);
	if (!s->ssl || !SSL_set_fd(s->ssl, s->fd))
		return fail(s, -ENOMEM, "cannot set up TLS: %s", ssl_error_text(ebuf, sizeof(ebuf)));
	if (!is_ip && !SSL_set_tlsext_host_name(s->ssl, s->host))
		return fail(s, -EINVAL, "cannot set the TLS server name %s", s->host);
	if (SSL_get_verify_mode(s->ssl) & SSL_VERIFY_PEER) {
		X509_VERIFY_PARAM *vp = SSL_get0_param(s->ssl);

		if (!(is_ip ? X509_VERIFY_PARAM_set1_ip_asc(vp, s->host)
			    : X509_VERIFY_PARAM_set1_host(vp, s->host, 0)))
			return fail(s, -EINVAL, "cannot check the certificate against %s", s->host);
	}
	ERR_clear_error();
	if (SSL_connect(s->ssl) == 1)
		return 0;
	vr = SSL_get_verify_result(s->ssl);
	if (vr != X509_V_OK) {
		ERR_clear_error();
		return fail(s, -EPERM,
			    "TLS certificate verification failed: %s (the receiver's certificate "
			    "must be signed by tls_ca and name %s)",
			    X509_verify_cert_error_string(vr), s->host);
	}
	return fail(s, -ECONNRESET, "TLS handshake failed: %s",
		    ssl_error_text(ebuf, sizeof(ebuf)));
}

/* A stream the receiver has closed still accepts one write into the kernel
 * buffer, and that message would be lost: look for the peer's FIN first. */
static bool stream_closed_by_peer(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLRDHUP };

	return poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

static int ensure_connected(struct syslog_sink *s)
{
	int ret;

	if (s->fd >= 0 && (s->transport == T_TCP || s->transport == T_TLS) &&
	    stream_closed_by_peer(s->fd))
		disconnect(s);
	if (s->fd >= 0)
		return 0;
	ret = s->transport == T_UNIX ? connect_unix(s) : connect_inet(s);
	if (!ret && s->transport == T_TLS)
		ret = tls_handshake(s);
	if (ret) {
		disconnect(s);
		return ret;
	}
	stat_add(&s->stats.connects);
	return 0;
}

static int send_all(struct syslog_sink *s, const char *p, size_t len)
{
	char ebuf[256];

	if (s->ssl) {
		int n;

		ERR_clear_error();
		n = SSL_write(s->ssl, p, (int)len);
		if (n > 0 && (size_t)n == len)
			return 0;
		return fail(s, -EPIPE, "TLS write failed: %s", ssl_error_text(ebuf, sizeof(ebuf)));
	}
	while (len > 0) {
		ssize_t n = send(s->fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail(s, -errno, "send failed: %s", strerror(errno));
		if (s->transport == T_UDP || s->transport == T_UNIX) {
			if ((size_t)n != len)
				return fail(s, -EMSGSIZE, "datagram cut by the kernel");
			return 0;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int syslog_deliver(void *state, const struct sink_record *r)
{
	struct syslog_sink *s = state;
	char *msg = s->buf + FRAME_PREFIX;
	bool truncated;
	int len, ret;

	len = syslog_format(msg, s->max_message, &s->fmt, r, &truncated);
	if (len < 0) {
		stat_add(&s->stats.failed);
		return fail(s, len, "rule '%s': header and structured data exceed max_message "
				    "(%zu bytes): raise max_message", r->rule, s->max_message);
	}
	if (truncated)
		stat_add(&s->stats.truncated);
	if (s->transport == T_TCP || s->transport == T_TLS) {
		char prefix[FRAME_PREFIX];
		int plen = snprintf(prefix, sizeof(prefix), "%d ", len);

		msg -= plen;
		memcpy(msg, prefix, (size_t)plen);
		len += plen;
	}
	ret = ensure_connected(s);
	if (!ret)
		ret = send_all(s, msg, (size_t)len);
	if (ret) {
		/* A frame may be half-written: the stream is unusable now. */
		disconnect(s);
		stat_add(&s->stats.failed);
		return ret;
	}
	if (s->failing)
		fprintf(stderr, "palisade: syslog %s %s: delivering again\n",
			transport_names[s->transport], s->address);
	s->failing = false;
	s->err[0] = '\0';
	stat_add(&s->stats.sent);
	return 0;
}

static void syslog_destroy(void *state)
{
	struct syslog_sink *s = state;

	if (!s)
		return;
	/* close_notify, so the receiver sees a clean close; only on a healthy
	 * session (OpenSSL forbids it after a fatal error). */
	if (s->ssl && !s->failing && SSL_is_init_finished(s->ssl))
		SSL_shutdown(s->ssl);
	disconnect(s);
	SSL_CTX_free(s->ctx);
	free(s->buf);
	free(s->address);
	free(s->app_name);
	free(s->sd_id);
	free(s->host);
	free(s->port);
	free(s);
}

/* "host:port", "[v6addr]:port", or "host" (the transport's usual port). */
static int split_host_port(struct syslog_sink *s, const char *addr, const char *def_port)
{
	const char *colon = strrchr(addr, ':');
	const char *host = addr;
	size_t hlen;

	if (addr[0] == '[') {
		const char *end = strchr(addr, ']');

		if (!end || (end[1] != '\0' && end[1] != ':'))
			return -EINVAL;
		host = addr + 1;
		hlen = (size_t)(end - host);
		colon = end[1] == ':' ? end + 1 : NULL;
	} else {
		if (colon && strchr(addr, ':') != colon)
			return -EINVAL; /* a bare IPv6 address: needs [brackets] */
		hlen = colon ? (size_t)(colon - addr) : strlen(addr);
	}
	if (hlen == 0 || (colon && colon[1] == '\0'))
		return -EINVAL;
	s->host = strndup(host, hlen);
	s->port = strdup(colon ? colon + 1 : def_port);
	if (!s->host || !s->port)
		return -ENOMEM;
	for (const char *p = s->port; *p; p++)
		if (*p < '0' || *p > '9')
			return -EINVAL;
	return 0;
}

/* The configuration file leaves unset strings empty: "" means not given. */
static const char *given(const char *v)
{
	return v && v[0] ? v : NULL;
}

static int tls_context(struct syslog_sink *s, const struct syslog_sink_cfg *cfg)
{
	const char *ca = given(cfg->tls_ca), *cert = given(cfg->tls_cert), *key = given(cfg->tls_key);
	char ebuf[256];

	ERR_clear_error();
	s->ctx = SSL_CTX_new(TLS_client_method());
	if (!s->ctx || !SSL_CTX_set_min_proto_version(s->ctx, TLS1_2_VERSION))
		goto ssl_error;
	if (cfg->tls_verify) {
		SSL_CTX_set_verify(s->ctx, SSL_VERIFY_PEER, NULL);
		if (ca ? !SSL_CTX_load_verify_locations(s->ctx, ca, NULL)
		       : !SSL_CTX_set_default_verify_paths(s->ctx)) {
			fprintf(stderr, "palisade: syslog: cannot load tls_ca %s: %s\n",
				ca ? ca : "(system store)",
				ssl_error_text(ebuf, sizeof(ebuf)));
			return -EINVAL;
		}
	} else {
		fprintf(stderr, "palisade: syslog tls %s: tls_verify is off: the receiver is "
				"not authenticated\n", s->address);
		SSL_CTX_set_verify(s->ctx, SSL_VERIFY_NONE, NULL);
	}
	if (!cert != !key) {
		fprintf(stderr, "palisade: syslog: tls_cert and tls_key go together\n");
		return -EINVAL;
	}
	if (cert && (!SSL_CTX_use_certificate_chain_file(s->ctx, cert) ||
		     !SSL_CTX_use_PrivateKey_file(s->ctx, key, SSL_FILETYPE_PEM) ||
		     !SSL_CTX_check_private_key(s->ctx))) {
		fprintf(stderr, "palisade: syslog: cannot load the client certificate %s / key %s: %s\n",
			cert, key, ssl_error_text(ebuf, sizeof(ebuf)));
		return -EINVAL;
	}
	return 0;
ssl_error:
	fprintf(stderr, "palisade: syslog: cannot create a TLS context: %s\n",
		ssl_error_text(ebuf, sizeof(ebuf)));
	return -ENOMEM;
}

static int parse_transport(const char *name, enum transport *t)
{
	for (size_t i = 0; i < sizeof(transport_names) / sizeof(transport_names[0]); i++) {
		if (strcmp(name, transport_names[i]) == 0) {
			*t = (enum transport)i;
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_cfg(struct syslog_sink *s, const struct syslog_sink_cfg *cfg)
{
	const char *format = given(cfg->format) ? cfg->format : "rfc5424";
	const char *message = given(cfg->message) ? cfg->message : "output";
	const char *facility = given(cfg->facility) ? cfg->facility : "local0";
	const char *addr = given(cfg->address);

	if (parse_transport(given(cfg->transport) ? cfg->transport : "unix", &s->transport)) {
		fprintf(stderr, "palisade: syslog: transport '%s': expected unix, udp, tcp or tls\n",
			cfg->transport);
		return -EINVAL;
	}
	if (!strcmp(format, "rfc5424"))
		s->fmt.format = SYSLOG_RFC5424;
	else if (!strcmp(format, "rfc3164"))
		s->fmt.format = SYSLOG_RFC3164;
	else {
		fprintf(stderr, "palisade: syslog: format '%s': expected rfc5424 or rfc3164\n", format);
		return -EINVAL;
	}
	if (strcmp(message, "output") && strcmp(message, "json")) {
		fprintf(stderr, "palisade: syslog: message '%s': expected output or json\n", message);
		return -EINVAL;
	}
	s->fmt.msg_json = !strcmp(message, "json");
	if (syslog_facility_parse(facility, &s->fmt.facility)) {
		fprintf(stderr, "palisade: syslog: facility '%s': expected one of %s\n", facility,
			SYSLOG_FACILITIES);
		return -EINVAL;
	}
	if (given(cfg->sd_id) && syslog_sd_id_check(cfg->sd_id)) {
		fprintf(stderr, "palisade: syslog: sd_id '%s': expected NAME@NUMBER, your "
				"organisation's private enterprise number (RFC 5424 7.2.2)\n",
			cfg->sd_id);
		return -EINVAL;
	}
	s->sd_id = given(cfg->sd_id) ? strdup(cfg->sd_id) : NULL;
	if (given(cfg->sd_id) && !s->sd_id)
		return -ENOMEM;
	s->fmt.sd_id = s->sd_id;
	if (syslog_app_name_check(given(cfg->app_name) ? cfg->app_name : "palisade")) {
		fprintf(stderr, "palisade: syslog: app_name '%s': expected 1 to 32 of "
				"[A-Za-z0-9_.-]\n", cfg->app_name);
		return -EINVAL;
	}
	s->app_name = strdup(given(cfg->app_name) ? cfg->app_name : "palisade");
	if (!s->app_name)
		return -ENOMEM;
	s->fmt.app_name = s->app_name;
	s->max_message = cfg->max_message ? cfg->max_message : SYSLOG_MSG_DEFAULT;
	if (s->max_message < SYSLOG_MSG_MIN || s->max_message > SYSLOG_MSG_MAX) {
		fprintf(stderr, "palisade: syslog: max_message %zu: expected %d to %d bytes\n",
			s->max_message, SYSLOG_MSG_MIN, SYSLOG_MSG_MAX);
		return -EINVAL;
	}
	s->timeout_ms = cfg->timeout_ms ? (int)cfg->timeout_ms : 5000;
	if (!addr && s->transport != T_UNIX) {
		fprintf(stderr, "palisade: syslog: transport %s needs an address (host:port)\n",
			transport_names[s->transport]);
		return -EINVAL;
	}
	if (!addr)
		addr = "/dev/log";
	s->address = strdup(addr);
	if (!s->address)
		return -ENOMEM;
	if (s->transport == T_UNIX) {
		if (strlen(addr) >= sizeof(s->unix_addr.sun_path) || addr[0] != '/') {
			fprintf(stderr, "palisade: syslog: address '%s': expected an absolute socket "
					"path shorter than %zu bytes\n", addr, sizeof(s->unix_addr.sun_path));
			return -EINVAL;
		}
		s->unix_addr.sun_family = AF_UNIX;
		memcpy(s->unix_addr.sun_path, addr, strlen(addr) + 1);
		return 0;
	}
	if (split_host_port(s, addr, s->transport == T_TLS ? "6514" : "514")) {
		fprintf(stderr, "palisade: syslog: address '%s': expected host:port, host or "
				"[ipv6]:port\n", addr);
		return -EINVAL;
	}
	return s->transport == T_TLS ? tls_context(s, cfg) : 0;
}

int syslog_sink_create(const struct syslog_sink_cfg *cfg, void **state)
{
	struct syslog_sink *s = calloc(1, sizeof(*s));
	int ret;

	*state = NULL;
	if (!s)
		return -ENOMEM;
	s->fd = -1;
	s->fmt.procid = getpid();
	ret = parse_cfg(s, cfg);
	if (ret)
		goto cleanup;
	s->buf = malloc(FRAME_PREFIX + s->max_message);
	if (!s->buf) {
		ret = -ENOMEM;
		goto cleanup;
	}
	*state = s;
	return 0;
cleanup:
	syslog_destroy(s);
	return ret;
}

void syslog_sink_get_stats(void *state, struct syslog_sink_stats *out)
{
	struct syslog_sink *s = state;

	out->sent = __atomic_load_n(&s->stats.sent, __ATOMIC_RELAXED);
	out->failed = __atomic_load_n(&s->stats.failed, __ATOMIC_RELAXED);
	out->truncated = __atomic_load_n(&s->stats.truncated, __ATOMIC_RELAXED);
	out->connects = __atomic_load_n(&s->stats.connects, __ATOMIC_RELAXED);
}

const char *syslog_sink_last_error(void *state)
{
	return ((struct syslog_sink *)state)->err;
}

const struct sink_ops syslog_sink_ops = {
	.deliver = syslog_deliver,
	.reopen = NULL,
	.destroy = syslog_destroy,
};

/* The sink framework's factory for `type: syslog` (src/output/sink.h). */
/* The constructor's parse (addresses, names, TLS files), kept nowhere. */
int sink_syslog_check(const struct sink_cfg *cfg)
{
	struct syslog_sink *s = calloc(1, sizeof(*s));
	int ret;

	if (!s)
		return -ENOMEM;
	s->fd = -1;
	ret = parse_cfg(s, &cfg->syslog);
	syslog_destroy(s);
	return ret;
}

int sink_syslog_create(const struct sink_cfg *cfg, void **state, const struct sink_ops **ops)
{
	*ops = &syslog_sink_ops;
	return syslog_sink_create(&cfg->syslog, state);
}
