/* subflow.h: what the subscription endpoint does to the store: double opt-in, preferences, unsubscribe. */
#ifndef SUBFLOW_H
#define SUBFLOW_H

#include <stddef.h>
#include <stdint.h>

#include "base/cs_error.h"
#include "email/mail_token.h"
#include "model/config.h"
#include "store/store.h"
#include "store/subscribers.h"

/*
 * The rules of a subscription, apart from HTTP (serve.c calls these with
 * what the forms held):
 *
 * - Subscribing never tells whether an address is known: the caller shows
 *   one answer whatever the outcome below. A new address becomes a pending
 *   subscriber with a confirmation token (only its SHA-256 is stored) and a
 *   confirmation mail carrying it, in one transaction; a pending one gets
 *   a new token and mail (earlier tokens stay valid until they expire); a
 *   confirmed one gets a "welcome back" mail with its preferences link; an
 *   unsubscribed or bounced one goes back to pending with a confirmation
 *   mail (a new double opt-in, with the form's preferences).
 * - At most rate_per_address mails per address per 24 hours. Each mail
 *   records a token row, so store_sub_tokens_since() counts them all: a
 *   welcome-back mail's row is born expired and its text is thrown away,
 *   so it only counts and can confirm nothing.
 * - Manage and unsubscribe links are signed (mail_token_link) with the
 *   subscriber's secret; a link that does not verify is CS_ERR_NOTFOUND,
 *   like a subscriber that does not exist.
 */
struct subflow {
	struct store *st;                 /* borrowed */
	const struct config *cfg;         /* borrowed */
	char key[MAIL_TOKEN_LEN];         /* the install's link key (mail_token_link_key) */
	char url[1024];                   /* subscribe_url without a trailing '/' */
};

/* Reads the link key of st (made the first time). cfg and st borrowed, must outlive f. */
cs_err subflow_init(struct subflow *f, struct store *st, const struct config *cfg, char *err,
    size_t errlen);

enum subflow_outcome {
	SUBFLOW_NEW,           /* a new pending subscriber, confirmation mailed */
	SUBFLOW_PENDING,       /* still pending: a new confirmation mailed */
	SUBFLOW_WELCOME_BACK,  /* already confirmed: its preferences link mailed */
	SUBFLOW_REOPTIN,       /* was unsubscribed or bounced: pending again, confirmation mailed */
	SUBFLOW_LIMITED        /* rate_per_address reached: nothing mailed, nothing changed */
};

/* Words for o, for the log. */
const char *subflow_outcome_name(enum subflow_outcome o);

/*
 * Subscribes email (normalised: subscription_address) with the preferences
 * of a new subscription (components_json NULL: all; min_priority 1..4) at
 * now, as the rules above say, in one transaction. Sets *outcome,
 * *subscriber_id and *mailing_id (0 when nothing was mailed).
 */
cs_err subflow_subscribe(struct subflow *f, const char *email, const char *components_json,
    int min_priority, int64_t now, enum subflow_outcome *outcome, int64_t *subscriber_id,
    int64_t *mailing_id, char *err, size_t errlen);

/* Nonzero when t has the shape of a confirmation token (64 lower-case hex digits). */
int subflow_token_shape_ok(const char *t);

/*
 * Spends confirmation token (the text from the mail) at now: its pending
 * subscriber becomes confirmed, and link gets its preferences link token.
 * CS_ERR_NOTFOUND for a token unknown, expired, used, malformed, or of a
 * subscriber who unsubscribed since (then it is spent all the same).
 */
cs_err subflow_confirm(struct subflow *f, const char *token, int64_t now, int64_t *subscriber_id,
    char link[MAIL_LINK_LEN], char *err, size_t errlen);

/*
 * The subscriber whose signed link of purpose ("manage", "unsubscribe") is
 * tok, into an owned *out (store_subscriber_clear). CS_ERR_NOTFOUND when tok
 * is not such a link (malformed, no such subscriber, a bad signature or one
 * made with a secret since changed).
 */
cs_err subflow_link_subscriber(struct subflow *f, const char *purpose, const char *tok,
    struct store_subscriber *out, char *err, size_t errlen);

/* Writes the preferences of s (components_json NULL: all; min_priority 1..4) at now. */
cs_err subflow_save(struct subflow *f, struct store_subscriber *s, const char *components_json,
    int min_priority, int64_t now, char *err, size_t errlen);

/* Marks s unsubscribed at now (nothing else changes); *was_already set when it was. */
cs_err subflow_unsubscribe(struct subflow *f, struct store_subscriber *s, int64_t now,
    int *was_already, char *err, size_t errlen);

/* The signed link token of purpose for s, into out. */
void subflow_link(const struct subflow *f, const char *purpose, const struct store_subscriber *s,
    char out[MAIL_LINK_LEN]);

#endif
