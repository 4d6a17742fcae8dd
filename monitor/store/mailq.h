/* mailq.h: the email queue in the store: mailings (what one email says) and deliveries (to whom). */
#ifndef MAILQ_H
#define MAILQ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/cs_error.h"
#include "store/store.h"

/*
 * How an alert becomes mail, in two steps, each one transaction:
 *
 * 1. Plan. The "email" outbox rows of one subject ("incident:3") that are
 *    due become ONE mailing: its content fixed as JSON (the newest state and
 *    every update it carries), its priority and components. The same
 *    transaction writes one pending delivery per confirmed subscriber whose
 *    components and priority match, marks the carried outbox rows "mailed",
 *    and marks "superseded" any delivery of an older mailing of the same
 *    subject that has not gone out yet to those subscribers: the new mail
 *    says everything the old one did. Confirmation mails are mailings of
 *    subject "subscriber:<id>" with one delivery.
 * 2. Send. Due deliveries are claimed in batches under a token and a lease,
 *    sent, and acknowledged each with that token (sent, retry at, bounced,
 *    dead); the results that come back together (at most one per
 *    connection) are committed together, in WAL mode with
 *    synchronous=NORMAL (store_set_batched_durability): no fsync per
 *    message. A killed process loses only the acks of the results in its
 *    hands, an OS crash perhaps the last few commits: those messages are
 *    sent again, with the same Message-ID.
 */

/* A mailing to write (plan step); strings borrowed. */
struct mailq_new {
	const char *subject;          /* "incident:3" */
	const char *kind;             /* "incident", "maintenance", "rca", "confirm", "welcome_back" */
	int64_t     outbox_first;     /* carried outbox rows (ids, inclusive); 0, 0: none */
	int64_t     outbox_last;
	int         priority;         /* 1..4, 0: none (every subscriber's priority matches) */
	const char *components_json;  /* JSON array of component ids; "[]": concerns every subscriber */
	const char *content_json;     /* what the mail says (mail_plan.h) */
	int64_t     subscriber_id;    /* > 0: this one recipient whatever its state (confirm) */
	int         no_recipients;    /* 1: settles the rows, mails nobody (a withdrawn incident) */
};

/*
 * Writes mailing m (plan step above) at now, in one transaction (joins the
 * caller's). Sets *id and *recipients (deliveries written). A mailing with
 * no recipient is still written (the outbox rows are settled).
 */
cs_err mailq_create(struct store *st, const struct mailq_new *m, int64_t now, int64_t *id,
    size_t *recipients, char *err, size_t errlen);

/* One "email" outbox row waiting for the plan step. */
struct mailq_row {
	int64_t id;
	char   *subject;       /* "incident:3" */
	char   *payload;       /* JSON, as enqueued */
	int64_t created_at;
};

/*
 * The due email rows of the next subject to plan: the subject of the
 * oldest pending email row whose subject has had no mailing in the last
 * window seconds (several updates within the window become one mail).
 * Rows created more than max_age before now are first expired (history is
 * never mailed; max_age 0: none). *rows (owned, mailq_rows_free) holds every pending row of
 * that subject in id order; *n is 0 when nothing is due. *next_due is set
 * to the earliest time a held subject becomes due (0: none held).
 */
cs_err mailq_next_subject(struct store *st, int64_t now, int64_t window, int64_t max_age,
    struct mailq_row **rows, size_t *n, int64_t *next_due, char *err, size_t errlen);
void mailq_rows_free(struct mailq_row *rows, size_t n);

/* One claimed delivery with what is needed to send it. */
struct mailq_job {
	int64_t mailing_id;
	int64_t subscriber_id;
	int     attempts;          /* including this one */
	int64_t claim_token;
	char   *email;             /* the recipient (personal data: never logged) */
	char   *secret;            /* the subscriber's link secret */
	char   *kind;              /* the mailing's kind */
	char   *content_json;      /* the mailing's content */
	int64_t created_at;        /* the mailing's */
};

/*
 * Settles what can no longer go out, once per sending pass: pending
 * deliveries of mailings older than max_age (0: none) become dead ("expired"), and
 * those of subscribers no longer confirmed (unsubscribed, bounced) are
 * "dropped" (confirmation mails excepted). *settled (may be NULL) counts them.
 */
cs_err mailq_sweep(struct store *st, int64_t now, int64_t max_age, size_t *settled, char *err,
    size_t errlen);

/*
 * Claims up to max due pending deliveries (next_attempt_at <= now), oldest
 * mailing first, leased until now + lease under one new claim token.
 * Owned *jobs (mailq_jobs_free), *n of them.
 */
cs_err mailq_claim(struct store *st, int64_t now, int64_t lease, size_t max,
    struct mailq_job **jobs, size_t *n, char *err, size_t errlen);
void mailq_jobs_free(struct mailq_job *jobs, size_t n);

enum mailq_outcome {
	MAILQ_SENT,       /* accepted by the relay / in the Maildir */
	MAILQ_RETRY,      /* temporary: due again at retry_at */
	MAILQ_BOUNCED,    /* refused for good: the subscriber is marked bounced */
	MAILQ_DEAD        /* given up (attempt cap): a dead letter */
};

/*
 * Acknowledges job j's delivery with its claim token. code and error
 * (borrowed, NULL: none; no address in it) are kept. CS_ERR_STATE when the
 * claim is no longer current (the lease ran out and another claim took it,
 * or a newer mailing superseded it): the outcome is then not recorded.
 */
cs_err mailq_ack(struct store *st, const struct mailq_job *j, enum mailq_outcome outcome,
    int code, const char *error, int64_t retry_at, int64_t now, char *err, size_t errlen);

/*
 * Makes every claimed delivery due again at now (*n of them, may be NULL):
 * the claims of a sender that died or stopped with messages in flight. Only
 * the holder of the state directory's instance lock may call it (no other
 * sender can be running then); a message the relay had accepted just before
 * the death is sent again, the one duplicate a crash may cost.
 */
cs_err mailq_release(struct store *st, int64_t now, size_t *n, char *err, size_t errlen);

/* Counts of deliveries by state, for `clickstatus outbox`. */
struct mailq_counts {
	size_t pending, sent, bounced, dead, superseded, dropped;
	size_t outbox_pending;     /* email rows not yet planned */
	int64_t next_due;          /* earliest pending delivery's next attempt, 0 none */
};
cs_err mailq_count(struct store *st, struct mailq_counts *c, char *err, size_t errlen);

/*
 * Makes the dead deliveries due again at now (attempts counted anew),
 * except those a newer mailing of the same subject has since reached the
 * subscriber with (it says more); *n of them.
 */
cs_err mailq_retry_dead(struct store *st, int64_t now, size_t *n, char *err, size_t errlen);

/* Lists the dead deliveries (addresses masked) to fp; nothing when there are none. */
cs_err mailq_print_dead(struct store *st, FILE *fp, char *err, size_t errlen);

/* After a confirmation mail went out, its content (which holds the token) is erased. */
cs_err mailq_scrub(struct store *st, int64_t mailing_id, char *err, size_t errlen);

/*
 * Durability for a sender: this connection commits with synchronous=NORMAL
 * (WAL): no fsync per acknowledgement; the WAL is synced at checkpoints.
 */
cs_err store_set_batched_durability(struct store *st, char *err, size_t errlen);

#endif
