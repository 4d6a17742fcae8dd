/* poll.h: fetches many feeds over HTTP(S) in parallel, conditionally, within bounds of size and time. */
#ifndef POLL_H
#define POLL_H

#include <stddef.h>
#include <stdint.h>

#include "base/cs_error.h"

/*
 * The poller knows nothing of the store or the parser. The caller hands it
 * an array of requests (a URL plus the validators it kept from the last 200)
 * and two callbacks: the body callback receives the decoded bytes of each
 * successful response as they arrive (feed them to a feed_parse push
 * parser), the completion callback receives one result per request. Each
 * transfer is independent: one slow, huge or broken feed never delays past
 * its own timeouts nor spoils the others.
 *
 * Policy, not options: only https is spoken, except plain http to a
 * loopback host (127.0.0.0/8, ::1, localhost), which the tests use.
 * Redirects are followed by the poller itself (at most max_redirects), and
 * every target passes the same check, so a redirect to file:// or to a
 * non-loopback http URL is refused before anything is contacted.
 */

/* Longest ETag / Last-Modified kept; a longer one is treated as absent. */
#define POLL_VALIDATOR_MAX 512

/* A Retry-After further away than this (seconds) is clamped to it. */
#define POLL_RETRY_AFTER_MAX 86400

struct poll_options {
	unsigned    max_parallel;       /* transfers in flight at once (>= 1) */
	long        connect_timeout_ms; /* TCP + TLS connect, per attempt */
	long        timeout_ms;         /* whole transfer, redirects included */
	long        low_speed_limit;    /* bytes/s; 0 disables the low-speed check */
	long        low_speed_time;     /* seconds below low_speed_limit before abort */
	size_t      max_body;           /* decoded (gunzipped) body bytes per feed */
	unsigned    max_redirects;      /* redirects followed per request */
	const char *user_agent;         /* borrowed; must outlive the poller */
	const char *ca_file;            /* PEM certificates to trust, borrowed; NULL: the system's */
};

/* One feed to fetch. All strings are borrowed for the duration of poll_run(). */
struct poll_request {
	const char *key;           /* caller's name for the feed (e.g. its slug); may be NULL */
	const char *url;           /* https://..., or http:// to a loopback host */
	const char *etag;          /* sent as If-None-Match; NULL or "" for none */
	const char *last_modified; /* sent as If-Modified-Since; NULL or "" for none */
};

/*
 * The outcome of one request. Strings are owned by the poller and live only
 * until the completion callback returns; copy what you keep.
 */
struct poll_result {
	const char *key;           /* from the request */
	const char *url;           /* from the request (not the redirect target) */
	long        http_status;   /* final status; 0 if no response was received */
	int         not_modified;  /* 1 on 304: no body, keep the old items */
	const char *etag;          /* new ETag of the final response, NULL if none */
	const char *last_modified; /* new Last-Modified, NULL if none */
	int64_t     retry_after;   /* seconds from now asked by Retry-After, 0 if none */
	uint64_t    bytes;         /* decoded body bytes handed to the body callback */
	double      elapsed;       /* seconds from first connect to completion */
	unsigned    redirects;     /* redirects followed */
	cs_err      err;           /* CS_OK, CS_ERR_NET, CS_ERR_HTTP, CS_ERR_TOOBIG, or the body callback's */
	const char *message;       /* "" on success, else names the URL and what went wrong */
};

/*
 * Receives len decoded body bytes of request idx (only for a 2xx final
 * response). Returns CS_OK to go on; anything else aborts that transfer only,
 * and its result carries that code and the message written into err.
 * Bytes delivered before a transfer fails must be discarded by the caller.
 */
typedef cs_err (*poll_body_fn)(size_t idx, const char *bytes, size_t len, void *ctx,
    char *err, size_t errlen);

/* Called exactly once per request, in completion order, with its result (borrowed). */
typedef void (*poll_done_fn)(size_t idx, const struct poll_result *result, void *ctx);

struct poll;

/*
 * Fills opt with the defaults: 20 in parallel, 10 s connect, 60 s overall,
 * abort below 64 bytes/s for 20 s, 8 MiB body, 3 redirects, a User-Agent
 * naming clickstatus. Cannot fail.
 */
void poll_options_default(struct poll_options *opt);

/*
 * Creates a poller. opt is copied (user_agent is borrowed, NULL means the
 * default). The poller keeps its connections (and DNS cache) open between
 * poll_run() calls so a cycle reuses the previous cycle's connections.
 * Calls curl_global_init(); create pollers from one thread only.
 * Returns NULL on allocation failure or if libcurl cannot be initialised.
 * Free with poll_free().
 */
struct poll *poll_new(const struct poll_options *opt);

/* Closes the connections and frees p. poll_free(NULL) is a no-op. */
void poll_free(struct poll *p);

/*
 * Fetches the n requests, at most max_parallel at once, and returns when
 * every one has completed. body (may be NULL: bytes are counted and
 * dropped) and done (may be NULL) are called from this thread, inside
 * poll_run(), with ctx. A request that fails (refused URL, network, HTTP
 * error, too big, aborted by the body callback) is reported through done
 * with its error and does not make poll_run() fail. Returns CS_OK, or
 * CS_ERR_NOMEM / CS_ERR_INTERNAL (message in err) if the poller itself
 * could not go on; requests not completed by then get no callback.
 */
cs_err poll_run(struct poll *p, const struct poll_request *reqs, size_t n,
    poll_body_fn body, poll_done_fn done, void *ctx, char *err, size_t errlen);

/*
 * Says whether the poller may fetch url: https to any host, or http to a
 * loopback host (127.0.0.0/8, ::1, localhost). Anything else (file://,
 * ftp://, http to another host, an unparseable URL) is refused. Returns
 * CS_OK, or CS_ERR_NET with a message naming the URL and the rule.
 */
cs_err poll_url_allowed(const char *url, char *err, size_t errlen);

/*
 * Parses the value of a Retry-After header, either delta-seconds ("120") or
 * an HTTP-date (IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", the obsolete
 * RFC 850 and asctime forms too), relative to now (Unix seconds). Sets
 * *seconds to the wait, 0 for a date in the past, clamped to
 * POLL_RETRY_AFTER_MAX. ASCII only, no locale. Returns CS_OK, or
 * CS_ERR_PARSE (and *seconds = 0) if value is neither form.
 */
cs_err poll_parse_retry_after(const char *value, int64_t now, int64_t *seconds);

/*
 * How long to wait (seconds) before polling a feed again.
 * consecutive_failures == 0 gives base (the normal interval). After n
 * failures the ceiling is base * 2^n, capped at max, and the delay is
 * drawn in [ceiling/2, ceiling] by random_value (in [0, 1); clamped), so a
 * fleet of failing feeds does not retry in step; it is never below base.
 * The result is never below retry_after (the server's Retry-After, 0 if
 * none), even above max. Pure; cannot fail.
 */
int64_t poll_backoff_delay(unsigned consecutive_failures, int64_t retry_after,
    int64_t base, int64_t max, double random_value);

#endif
