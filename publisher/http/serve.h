/* serve.h: `clickstatus serve`: the subscription endpoint over HTTP (libmicrohttpd), beside the daemon. */
#ifndef SERVE_H
#define SERVE_H

#include <stddef.h>
#include <stdint.h>

#include "base/cs_error.h"
#include "model/config.h"

/* One log line: level ("info", "warn", "error", "debug"), subsystem ("serve"), message. */
typedef void (*serve_log_fn)(void *ctx, const char *level, const char *subsys, const char *msg);

struct serve_opts {
	const struct config *cfg;  /* borrowed: email.*, site_url, product, components */
	const char *state_dir;     /* the store, shared with the daemon (SQLite serialises writers) */
	const char *listen;        /* "ADDR:PORT" ("[::1]:PORT"), NULL: cfg->email.listen; port 0: any free */
	const char *site_src;      /* site/ with subscription.xsl and common.xsl, NULL: compiled in */
	int64_t     clock_offset;  /* seconds added to the clock (`--now`: tests age tokens) */
	serve_log_fn log;          /* NULL: silent */
	void       *logctx;
};

/*
 * Serves the subscription pages under the path of cfg->email.subscribe_url
 * (POST subscribe; GET/POST confirm, manage, unsubscribe) until SIGTERM or
 * SIGINT, then stops accepting, finishes, closes the store and returns
 * CS_OK. It logs "listening on ADDR:PORT" once bound (the port actually
 * bound when 0 was asked). One thread: every request is handled on the
 * thread that called serve_run, so the store connection is never shared.
 *
 * What it refuses, and how:
 * - methods other than GET, HEAD and POST: 405; unknown paths: 404;
 * - a body larger than 8 KiB: 413 before it is read when its length is
 *   announced, the connection closed when a chunked body grows past it;
 *   form encodings other than urlencoded and multipart: 415;
 * - connections beyond email.max_connections, or beyond a share of them
 *   from one peer (the proxy is one peer: per-client limits belong to it);
 * - a connection idle for 10 s, and one that has not finished its request
 *   10 s after it began (a client sending a byte a second is cut too);
 * - more than email.rate_per_client subscriptions an hour from one client:
 *   429 with Retry-After. The client is the peer, except that when the
 *   peer is loopback (the site's nginx) the last X-Forwarded-For entry (the
 *   address nginx itself saw), else X-Real-IP, is taken: only a process on
 *   this machine can set those, and nginx appends the true peer last.
 *
 * Fails before serving: CS_ERR_USAGE for a listen address that does not
 * parse, CS_ERR_NET when it cannot be bound, and the store's and the
 * stylesheet's errors.
 */
cs_err serve_run(const struct serve_opts *o, char *err, size_t errlen);

/* Largest request body accepted, bytes. */
#define SERVE_BODY_MAX 8192
/* Seconds a connection may be idle, and may take over one request. */
#define SERVE_TIMEOUT 10

#endif
