/* serve.c: `clickstatus serve`'s daemon: libmicrohttpd on an epoll loop in one thread, its limits, signals, the request deadline. */
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
		sc->since_ms = cstime_mono_ms();
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
	int64_t now = cstime_mono_ms();
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
	    NULL, NULL, serve_on_request, s,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)em->max_connections,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)SERVE_TIMEOUT,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)MEMORY_LIMIT,
	    MHD_OPTION_STRICT_FOR_CLIENT, 1,
	    MHD_OPTION_NOTIFY_COMPLETED, serve_on_completed, s,
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
