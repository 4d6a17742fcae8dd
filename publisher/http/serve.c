/* serve.c: the HTTP side of `clickstatus serve`: libmicrohttpd in one thread, limits, request intake. */
#include "http/serve_priv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/ascii.h"
#include "store/store.h"

#define MEMORY_LIMIT (32 * 1024)   /* per connection: headers and buffers (431 past it) */
#define RATE_KEYS 4096             /* clients the subscribe rate limit remembers */
#define RATE_WINDOW 3600

void
serve_say(struct serve *s, const char *level, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	if (s->o->log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s->o->log(s->o->logctx, level, "serve", msg);
}

int64_t
serve_now(const struct serve *s)
{
	return (int64_t)time(NULL) + s->o->clock_offset;
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The headers of every page: no caching (tokens), no sniffing, no referrer (tokens), the CSP. */
static void
page_headers(struct serve *s, struct MHD_Response *resp)
{
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/html; charset=utf-8");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Content-Security-Policy", serve_pages_csp(s->pages));
}

enum MHD_Result
serve_respond(struct serve *s, struct MHD_Connection *c, unsigned status,
    const struct serve_view *v, int64_t retry_after)
{
	static const char fallback[] = "<!DOCTYPE html><title>Error</title>"
	    "<p>Something went wrong on our side. Please try again later.</p>\n";
	struct MHD_Response *resp = NULL;
	char err[CS_ERRLEN], num[32];
	char *html = NULL;
	size_t len = 0;
	enum MHD_Result ret;

	err[0] = '\0';
	if (serve_pages_render(s->pages, v, &html, &len, err, sizeof(err)) != CS_OK) {
		serve_say(s, "error", "%s", err);
		status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		retry_after = 0;
		resp = MHD_create_response_from_buffer(sizeof(fallback) - 1, (void *)fallback,
		    MHD_RESPMEM_PERSISTENT);
	} else {
		resp = MHD_create_response_from_buffer(len, html, MHD_RESPMEM_MUST_FREE);
		if (resp != NULL)
			html = NULL;   /* MHD frees it */
	}
	free(html);
	if (resp == NULL)
		return MHD_NO;
	page_headers(s, resp);
	if (retry_after > 0) {
		snprintf(num, sizeof(num), "%lld", (long long)retry_after);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, num);
	}
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD, POST");
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

const char *
serve_form_get(const struct serve_req *r, const char *key)
{
	for (size_t i = 0; i < r->nf; i++)
		if (strcmp(r->f[i].key, key) == 0)
			return r->f[i].val;
	return NULL;
}

size_t
serve_form_all(const struct serve_req *r, const char *key, const char **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nf; i++) {
		if (strcmp(r->f[i].key, key) != 0)
			continue;
		if (n < max)
			out[n] = r->f[i].val;
		n++;
	}
	return n;
}

/* The form fields any page reads; others are ignored. */
static const char *
known_key(const char *key)
{
	static const char *const keys[] = { "email", "t", "components", "priority",
		"List-Unsubscribe" };

	for (size_t i = 0; key != NULL && i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(key, keys[i]) == 0)
			return keys[i];
	return NULL;
}

/*
 * MHD's post processor hands each field's value in pieces (off is where
 * the piece goes): a piece at 0 starts a field, the others extend the last
 * one. The body is at most SERVE_BODY_MAX bytes, which bounds every value.
 */
static enum MHD_Result
on_field(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
    const char *content_type, const char *transfer_encoding, const char *data, uint64_t off,
    size_t size)
{
	struct serve_req *r = cls;
	const char *k = known_key(key);
	struct serve_field *f;
	char *v;

	(void)kind;
	(void)filename;
	(void)content_type;
	(void)transfer_encoding;
	if (k == NULL)
		return MHD_YES;
	if (off == 0 || r->nf == 0 || r->f[r->nf - 1].key != k) {
		if (r->nf == SERVE_FORM_FIELDS) {
			r->bad_form = 1;
			return MHD_NO;
		}
		f = &r->f[r->nf++];
		f->key = k;
		f->val = calloc(1, 1);
		f->len = 0;
		if (f->val == NULL) {
			r->bad_form = 1;
			return MHD_NO;
		}
	}
	f = &r->f[r->nf - 1];
	if (size == 0)
		return MHD_YES;
	if (size > SERVE_BODY_MAX || f->len + size > SERVE_BODY_MAX) {
		r->bad_form = 1;
		return MHD_NO;
	}
	v = realloc(f->val, f->len + size + 1);
	if (v == NULL) {
		r->bad_form = 1;
		return MHD_NO;
	}
	memcpy(v + f->len, data, size);
	f->len += size;
	v[f->len] = '\0';
	f->val = v;
	return MHD_YES;
}

static void
req_free(struct serve_req *r)
{
	if (r == NULL)
		return;
	if (r->pp != NULL)
		MHD_destroy_post_processor(r->pp);
	for (size_t i = 0; i < r->nf; i++)
		free(r->f[i].val);
	free(r);
}

/* Nonzero for 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104. */
static int
is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return 0;
}

/* Copies text (n bytes, trimmed of blanks) into buf when it is an IPv4 or IPv6 address. */
static int
take_ip(const char *text, size_t n, char *buf, size_t len)
{
	char tmp[INET6_ADDRSTRLEN + 1];
	unsigned char bin[sizeof(struct in6_addr)];

	while (n > 0 && ascii_isblank(*text)) {
		text++;
		n--;
	}
	while (n > 0 && ascii_isblank(text[n - 1]))
		n--;
	if (n == 0 || n >= sizeof(tmp))
		return 0;
	memcpy(tmp, text, n);
	tmp[n] = '\0';
	if (inet_pton(AF_INET, tmp, bin) != 1 && inet_pton(AF_INET6, tmp, bin) != 1)
		return 0;
	snprintf(buf, len, "%s", tmp);
	return 1;
}

/*
 * The client's address as serve.h's trust rule says: the peer, or for a
 * loopback peer (the proxy) the last X-Forwarded-For entry, else X-Real-IP.
 * Anything that is not an address is ignored (the peer is used).
 */
static void
client_of(struct MHD_Connection *c, char *buf, size_t len)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci != NULL ? ci->client_addr : NULL;
	const char *xff, *last;

	snprintf(buf, len, "unknown");
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, (socklen_t)len);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf,
		    (socklen_t)len);
	if (!is_loopback(sa))
		return;
	xff = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-For");
	if (xff != NULL) {
		last = strrchr(xff, ',');
		last = last != NULL ? last + 1 : xff;
		if (take_ip(last, strlen(last), buf, len))
			return;
	}
	xff = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Real-IP");
	if (xff != NULL)
		take_ip(xff, strlen(xff), buf, len);
}

/* Reads a Content-Length; 0 when it is not a plain number (MHD refuses those itself). */
static uint64_t
content_length(struct MHD_Connection *c)
{
	const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);
	uint64_t n = 0;

	for (; v != NULL && ascii_isdigit(*v); v++) {
		if (n > UINT64_MAX / 20)
			return UINT64_MAX;
		n = n * 10 + (uint64_t)(*v - '0');
	}
	return n;
}

static enum MHD_Result
refuse(struct serve *s, struct MHD_Connection *c, unsigned status, const char *view)
{
	struct serve_view v;

	memset(&v, 0, sizeof(v));
	v.view = view;
	return serve_respond(s, c, status, &v, 0);
}

/*
 * The first call for a request (headers in, no body yet): everything that
 * can be refused without reading the body is refused here, so a 10 MB
 * upload or a PUT is answered at once and MHD closes the connection
 * without reading on.
 */
static enum MHD_Result
on_headers(struct serve *s, struct MHD_Connection *c, const char *url, const char *method,
    void **con_cls)
{
	struct serve_req *r;
	size_t blen = strlen(s->base);
	uint64_t clen = content_length(c);
	const char *te = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_TRANSFER_ENCODING);

	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return MHD_NO;
	*con_cls = r;
	client_of(c, r->client, sizeof(r->client));
	if (strcmp(method, MHD_HTTP_METHOD_GET) == 0)
		r->method = SM_GET;
	else if (strcmp(method, MHD_HTTP_METHOD_HEAD) == 0)
		r->method = SM_HEAD;
	else if (strcmp(method, MHD_HTTP_METHOD_POST) == 0)
		r->method = SM_POST;
	else {
		serve_say(s, "info", "405: method not allowed");
		return refuse(s, c, MHD_HTTP_METHOD_NOT_ALLOWED, "method");
	}
	if (strncmp(url, s->base, blen) == 0 && serve_route_known(url + blen))
		r->route = url + blen;
	else
		return refuse(s, c, MHD_HTTP_NOT_FOUND, "not-found");
	if (clen > SERVE_BODY_MAX) {
		serve_say(s, "info", "413: a body of %llu bytes (at most %d)",
		    (unsigned long long)clen, SERVE_BODY_MAX);
		return refuse(s, c, MHD_HTTP_CONTENT_TOO_LARGE, "too-large");
	}
	if (r->method == SM_POST && (clen > 0 || te != NULL)) {
		/* urlencoded or multipart (RFC 8058 one-click senders use either); NULL for others */
		r->pp = MHD_create_post_processor(c, 1024, on_field, r);
		if (r->pp == NULL) {
			serve_say(s, "info", "415: a form in another encoding");
			return refuse(s, c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "media-type");
		}
	}
	return MHD_YES;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct serve *s = cls;
	struct serve_req *r = *con_cls;

	(void)version;
	if (r == NULL)
		return on_headers(s, c, url, method, con_cls);
	if (*upload_data_size > 0) {
		r->body += *upload_data_size;
		if (r->body > SERVE_BODY_MAX) {
			/* a chunked body past the limit: too late for a 413, close */
			serve_say(s, "info", "413: a chunked body past %d bytes: connection closed",
			    SERVE_BODY_MAX);
			return MHD_NO;
		}
		if (r->pp != NULL && !r->bad_form &&
		    MHD_post_process(r->pp, upload_data, *upload_data_size) != MHD_YES)
			r->bad_form = 1;
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (r->pp != NULL) {
		/* the last urlencoded field is handed over only now */
		if (MHD_destroy_post_processor(r->pp) != MHD_YES)
			r->bad_form = 1;
		r->pp = NULL;
	}
	return serve_route(s, c, r);
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct serve_conn *sc = ci != NULL ? ci->socket_context : NULL;

	(void)cls;
	(void)toe;
	req_free(*con_cls);
	*con_cls = NULL;
	/* the next request on a kept-alive connection gets its own deadline */
	if (sc != NULL)
		sc->since_ms = mono_ms();
}

static void
on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	struct serve *s = cls;
	struct serve_conn *sc = *socket_context;
	const union MHD_ConnectionInfo *ci;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		sc = calloc(1, sizeof(*sc));
		ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		if (sc == NULL || ci == NULL) {
			free(sc);
			return;   /* not tracked: MHD's idle timeout still holds */
		}
		sc->fd = ci->connect_fd;
		sc->since_ms = mono_ms();
		sc->next = s->conns;
		if (s->conns != NULL)
			s->conns->prev = sc;
		s->conns = sc;
		*socket_context = sc;
		return;
	}
	if (sc == NULL)
		return;
	if (sc->prev != NULL)
		sc->prev->next = sc->next;
	else
		s->conns = sc->next;
	if (sc->next != NULL)
		sc->next->prev = sc->prev;
	free(sc);
	*socket_context = NULL;
}

/*
 * The whole-request deadline. MHD's connection timeout is an idle
 * timeout: a client sending one byte a second is never idle and would keep
 * its connection (and its memory) for ever. A connection that has not
 * finished a request SERVE_TIMEOUT seconds after it opened (or after its
 * previous request ended) is shut down; MHD sees the end of the stream and
 * closes it. This runs on the thread that runs MHD, between MHD_run calls,
 * so no descriptor here can have been closed and reused under it.
 */
static void
cut_slow(struct serve *s)
{
	int64_t now = mono_ms();
	size_t n = 0;

	for (struct serve_conn *sc = s->conns; sc != NULL; sc = sc->next) {
		if (sc->cut || now - sc->since_ms < SERVE_TIMEOUT * 1000)
			continue;
		shutdown(sc->fd, SHUT_RDWR);
		sc->cut = 1;
		n++;
	}
	if (n > 0)
		serve_say(s, "info", "cut %zu connection%s that took more than %d s over a request",
		    n, n == 1 ? "" : "s", SERVE_TIMEOUT);
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct serve *s = cls;
	char msg[1024];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	/* debug only: MHD's messages may quote a request line, which may hold a token */
	serve_say(s, "debug", "libmicrohttpd: %s", msg);
}

/* Parses "A.B.C.D:PORT" or "[V6]:PORT" into *ss. */
static cs_err
parse_listen(const char *l, struct sockaddr_storage *ss, int *v6, char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon, *h = l, *p;
	size_t hn;
	unsigned long port = 0;

	memset(ss, 0, sizeof(*ss));
	*v6 = l[0] == '[';
	if (*v6) {
		p = strchr(l, ']');
		if (p == NULL || p[1] != ':')
			goto bad;
		h = l + 1;
		hn = (size_t)(p - h);
		colon = p + 1;
	} else {
		colon = strrchr(l, ':');
		if (colon == NULL)
			goto bad;
		hn = (size_t)(colon - l);
	}
	if (hn == 0 || hn >= sizeof(host) || colon[1] == '\0')
		goto bad;
	for (p = colon + 1; *p != '\0'; p++) {
		if (!ascii_isdigit(*p) || p - colon > 5)
			goto bad;
		port = port * 10 + (unsigned long)(*p - '0');
	}
	if (port > 65535)
		goto bad;
	memcpy(host, h, hn);
	host[hn] = '\0';
	if (*v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
			goto bad;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			goto bad;
	}
	return CS_OK;
bad:
	return cs_seterr(err, errlen, CS_ERR_USAGE, "listen address \"%s\": want ADDRESS:PORT"
	    " (127.0.0.1:8025, [::1]:8025)", l);
}

/* The path of subscribe_url ("https://h/subscriptions/" -> "/subscriptions"). */
static cs_err
base_path(const char *url, char *buf, size_t len, char *err, size_t errlen)
{
	const char *p = url != NULL ? strstr(url, "://") : NULL;
	size_t n;

	buf[0] = '\0';
	if (p == NULL)
		return cs_seterr(err, errlen, CS_ERR_CONFIG, "email.subscribe_url \"%s\": not a URL",
		    url != NULL ? url : "");
	p = strchr(p + 3, '/');
	if (p == NULL)
		return CS_OK;
	n = strcspn(p, "?#");
	while (n > 0 && p[n - 1] == '/')
		n--;
	if (n >= len)
		return cs_seterr(err, errlen, CS_ERR_CONFIG, "email.subscribe_url: path too long");
	memcpy(buf, p, n);
	buf[n] = '\0';
	return CS_OK;
}

static cs_err
start(struct serve *s, const char *listen, char *err, size_t errlen)
{
	const struct config_email *em = &s->o->cfg->email;
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *di;
	unsigned int per_ip;
	char host[INET6_ADDRSTRLEN];
	int v6;
	cs_err rc;

	rc = parse_listen(listen, &ss, &v6, err, errlen);
	if (rc != CS_OK)
		return rc;
	/* a share of the connections per peer; at least 8 (the proxy is one peer) */
	per_ip = (unsigned int)em->max_connections / 4;
	if (per_ip < 8)
		per_ip = (unsigned int)em->max_connections < 8 ? (unsigned int)em->max_connections : 8;
	s->d = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0), 0,
	    NULL, NULL, on_request, s,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)em->max_connections,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)SERVE_TIMEOUT,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)MEMORY_LIMIT,
	    MHD_OPTION_STRICT_FOR_CLIENT, 1,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
	    MHD_OPTION_END);
	if (s->d == NULL)
		return cs_seterr(err, errlen, CS_ERR_NET, "cannot listen on %s (in use, or not an"
		    " address of this machine)", listen);
	di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	if (v6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof(host));
	else
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof(host));
	serve_say(s, "info", "listening on %s%s%s:%u for %s (at most %d connections, %u per peer)",
	    v6 ? "[" : "", host, v6 ? "]" : "", di != NULL ? (unsigned)di->port : 0,
	    s->flow.url, em->max_connections, per_ip);
	return CS_OK;
}

/*
 * The loop: MHD's epoll descriptor and a signalfd for SIGTERM and SIGINT
 * (blocked, so they arrive only here), woken at least once a second for
 * the request deadline. Returns when a signal came.
 */
static cs_err
loop(struct serve *s, int sfd, char *err, size_t errlen)
{
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_EPOLL_FD);
	struct signalfd_siginfo si;
	struct pollfd pf[2];
	MHD_UNSIGNED_LONG_LONG to;
	int ms, n;

	if (di == NULL)
		return cs_seterr(err, errlen, CS_ERR_INTERNAL, "serve: no epoll descriptor");
	pf[0].fd = di->epoll_fd;
	pf[0].events = POLLIN;
	pf[1].fd = sfd;
	pf[1].events = POLLIN;
	for (;;) {
		ms = 1000;
		if (MHD_get_timeout(s->d, &to) == MHD_YES && to < 1000)
			ms = (int)to;
		n = poll(pf, 2, ms);
		if (n < 0 && errno != EINTR)
			return cs_seterr(err, errlen, CS_ERR_INTERNAL, "serve: poll: %s",
			    strerror(errno));
		if (n > 0 && (pf[1].revents & POLLIN)) {
			if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				serve_say(s, "info", "%s: stopping", si.ssi_signo == SIGINT ? "SIGINT" :
				    "SIGTERM");
				return CS_OK;
			}
		}
		MHD_run(s->d);
		cut_slow(s);
	}
}

cs_err
serve_run(const struct serve_opts *o, char *err, size_t errlen)
{
	struct serve s;
	sigset_t block, old;
	int sfd = -1, masked = 0;
	cs_err rc;

	memset(&s, 0, sizeof(s));
	s.o = o;
	rc = base_path(o->cfg->email.subscribe_url, s.base, sizeof(s.base), err, errlen);
	if (rc == CS_OK)
		rc = store_open(o->state_dir, &s.st, err, errlen);
	if (rc == CS_OK)
		rc = subflow_init(&s.flow, s.st, o->cfg, err, errlen);
	if (rc == CS_OK)
		rc = serve_pages_new(o->site_src, o->cfg, s.base, &s.pages, err, errlen);
	if (rc == CS_OK)
		rc = ratelimit_new(o->cfg->email.rate_per_client, RATE_WINDOW, RATE_KEYS, &s.rl, err,
		    errlen);
	if (rc != CS_OK)
		goto out;
	/* blocked before MHD starts so that no thread of it ever takes them */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	if (sigprocmask(SIG_BLOCK, &block, &old) != 0) {
		rc = cs_seterr(err, errlen, CS_ERR_INTERNAL, "serve: signals: %s", strerror(errno));
		goto out;
	}
	masked = 1;
	sfd = signalfd(-1, &block, SFD_CLOEXEC);
	if (sfd < 0) {
		rc = cs_seterr(err, errlen, CS_ERR_INTERNAL, "serve: signalfd: %s", strerror(errno));
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	rc = start(&s, o->listen != NULL ? o->listen : o->cfg->email.listen, err, errlen);
	if (rc == CS_OK)
		rc = loop(&s, sfd, err, errlen);
out:
	if (s.d != NULL)
		MHD_stop_daemon(s.d);   /* closes every connection: on_connection frees them */
	if (sfd >= 0)
		close(sfd);
	if (masked)
		sigprocmask(SIG_SETMASK, &old, NULL);
	ratelimit_free(s.rl);
	serve_pages_free(s.pages);
	store_close(s.st);
	return rc;
}
