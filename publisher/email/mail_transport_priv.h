/* mail_transport_priv.h: the table of functions a transport backend fills (Maildir, SMTP); private to publisher/email. */
#ifndef MAIL_TRANSPORT_PRIV_H
#define MAIL_TRANSPORT_PRIV_H

#include <stddef.h>

#include "email/mail_transport.h"

/*
 * One backend. mail_transport.c checks what is common to both (parallel,
 * the job's addresses and size) and calls through this table; a backend
 * sees only jobs that passed those checks. The state is the backend's own.
 * Semantics are those of the public functions of the same names: room()
 * counts free slots (a slot is taken from submit until wait returns its
 * result), wait() returns finished results, pending() counts taken slots.
 */
struct transport_ops {
	const char *name;   /* "maildir", "smtp": for messages */
	cs_err (*open)(const struct mail_transport_config *cfg, void **state, char *err, size_t errlen);
	size_t (*room)(const void *state);
	cs_err (*submit)(void *state, const struct mail_job *job, char *err, size_t errlen);
	cs_err (*wait)(void *state, int timeout_ms, struct mail_result *res, size_t max, size_t *n,
	    char *err, size_t errlen);
	size_t (*pending)(const void *state);
	void (*close)(void *state);
};

extern const struct transport_ops transport_maildir_ops;
extern const struct transport_ops transport_smtp_ops;

/* How an smtp_url may be used, decided by transport_smtp_policy(). */
struct smtp_policy {
	char *url;          /* the URL to give libcurl (helo_name as its path), owned */
	int   smtps;        /* TLS from the first byte (smtps://) */
	int   loopback;     /* the URL's host is 127.0.0.0/8, ::1 or "localhost" */
	long  use_ssl;      /* CURLOPT_USE_SSL: CURLUSESSL_ALL, or CURLUSESSL_NONE for plain loopback */
};

/*
 * Parses url with libcurl's URL parser and decides the TLS policy: smtps://
 * is TLS from the start; smtp:// to a loopback host (decided from the
 * parsed host, never by name lookup) may stay plain; smtp:// to any other
 * host must upgrade with STARTTLS or the transfer fails. helo_name, when
 * non-NULL, becomes the URL's path (libcurl's EHLO name) and must be a
 * host name (letters, digits, '-', '.', '[', ']', ':'). Fills *p (free
 * p->url with curl_free()). Fails with CS_ERR_CONFIG naming smtp_url or
 * helo_name, CS_ERR_NOMEM. Exposed here for the unit test.
 */
cs_err transport_smtp_policy(const char *url, const char *helo_name, struct smtp_policy *p,
    char *err, size_t errlen);

/* Writes r->detail, cut to its size (a log line: a cut is acceptable). */
void transport_detail(struct mail_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Clock for the backends: monotonic milliseconds. */
long long transport_now_ms(void);

#endif
