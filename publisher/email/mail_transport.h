/* mail_transport.h: handing finished messages to a Maildir or an SMTP relay; one result per message. */
#ifndef MAIL_TRANSPORT_H
#define MAIL_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "base/cs_error.h"

/* How the mail leaves. smtp_url NULL: the Maildir. */
struct mail_transport_config {
	const char *maildir;      /* Maildir root (created with tmp/ new/ cur/, 0700) when smtp_url is NULL */
	const char *smtp_url;     /* "smtps://host:465", "smtp://host:587" (STARTTLS required),
	                           * plain "smtp://" only to a loopback address */
	const char *helo_name;    /* EHLO name; NULL: libcurl's default */
	const char *username;     /* SMTP AUTH, NULL: none */
	const char *password;     /* borrowed for the call to _new only if copied */
	const char *ca_file;      /* extra CA bundle, NULL: system */
	int         parallel;     /* connections at once, 1..32 */
	int64_t     timeout;      /* seconds per message */
};

/* One message to one recipient. Strings and data borrowed until mail_transport_submit() returns (copied). */
struct mail_job {
	uint64_t    tag;          /* caller's id, returned in the result */
	const char *from;         /* envelope sender (MAIL FROM) */
	const char *rcpt;         /* the one recipient (RCPT TO) */
	const char *data;         /* the message, CRLF line ends, as from mail_msg_build() */
	size_t      len;
};

enum mail_outcome {
	MAIL_SENT,        /* the relay accepted it (250 after DATA) or it is in Maildir new/ */
	MAIL_RETRY,       /* 4xx, connection refused or dropped, timeout: the outcome is not final */
	MAIL_REJECTED     /* 5xx for this recipient (RCPT or DATA): do not try again */
};

struct mail_result {
	uint64_t          tag;
	enum mail_outcome outcome;
	int               recipient;     /* MAIL_REJECTED: 1 when it is the recipient's mailbox that
	                                  * was refused (a bounce), 0 when the message was */
	int               code;          /* SMTP reply code, 0 when none */
	char              detail[256];   /* one line for the log, no recipient address in it */
};

struct mail_transport;

/*
 * Opens a transport. Checks the configuration (CS_ERR_CONFIG naming the
 * field: a plain smtp:// to a host that is not loopback, parallel out of
 * range), creates the Maildir. No connection is made yet.
 */
cs_err mail_transport_new(const struct mail_transport_config *cfg, struct mail_transport **out,
    char *err, size_t errlen);

/* How many more jobs submit accepts before a wait (0 when all connections are busy). */
size_t mail_transport_room(const struct mail_transport *t);

/* Queues job (copied); CS_ERR_STATE when room() is 0. */
cs_err mail_transport_submit(struct mail_transport *t, const struct mail_job *job, char *err, size_t errlen);

/*
 * Runs transfers until at least one job finished or timeout_ms passed, and
 * writes up to max finished results into res (*n of them). Connections are
 * kept and reused for the next jobs. Returns CS_OK (also when *n is 0), or
 * CS_ERR_INTERNAL/CS_ERR_NOMEM for a local failure (a relay's failure is a
 * result, not an error).
 */
cs_err mail_transport_wait(struct mail_transport *t, int timeout_ms, struct mail_result *res,
    size_t max, size_t *n, char *err, size_t errlen);

/* Jobs submitted and not yet returned by wait. */
size_t mail_transport_pending(const struct mail_transport *t);

/* Closes connections (QUIT) and frees; pending jobs are abandoned. NULL is a no-op. */
void mail_transport_free(struct mail_transport *t);

#endif
