/* mailer.h: the email publisher: plans mailings from the outbox and sends the due deliveries. */
#ifndef MAILER_H
#define MAILER_H

#include <stddef.h>
#include <stdint.h>

#include "base/cs_error.h"
#include "cycle/cycle.h"
#include "model/config.h"
#include "store/store.h"

/* What one pass did. */
struct mailer_stats {
	size_t  mailings;      /* mailings planned */
	size_t  recipients;    /* deliveries they fanned out to */
	size_t  sent;          /* accepted by the relay / written to the Maildir */
	size_t  retried;       /* temporary failures, due again later */
	size_t  bounced;       /* refused for good: the subscribers are bounced */
	size_t  dead;          /* given up (attempt cap) */
	size_t  stale;         /* acks refused: the claim was superseded or taken over */
	int64_t next_due;      /* earliest time more work is due, 0 none known */
};

struct mailer;

/*
 * Prepares the publisher for cfg->email: the transport (the Maildir
 * state_dir/<email.maildir> when no relay is configured, else the relay,
 * with the password read from email.smtp.password_file) and the mail
 * templates of site_src (NULL: the compiled-in site/). No connection is
 * made yet. CS_ERR_CONFIG naming the setting, CS_ERR_IO for an unreadable
 * password file, CS_ERR_NOMEM.
 */
cs_err mailer_new(const struct config *cfg, const char *state_dir, const char *site_src,
    struct mailer **out, char *err, size_t errlen);

/* Frees m (closing the relay connections); NULL is a no-op. */
void mailer_free(struct mailer *m);

/* Sends log lines through fn (NULL: none); addresses never appear in them. */
void mailer_set_log(struct mailer *m, cycle_log_fn fn, void *ctx);

/*
 * A replay's mailer (`run --sim-*`), whose now is the cycles' simulated
 * time: nothing expires by email.max_age, since that clock moves hours
 * while a relay takes real time per message.
 */
void mailer_set_replay(struct mailer *m);

/*
 * One pass at now: plans every subject due (mail_plan.h, mailq.h), then
 * sends every delivery due, `parallel` at a time, acknowledging each as
 * its result comes. A relay that is down is not an error: the deliveries
 * are retried later (backoff doubling from a minute to an hour; after
 * email.max_attempts tries a delivery is a dead letter). st is borrowed;
 * its connection is switched to batched durability (mailq.h). Returns
 * CS_OK, or the store's error (what was acknowledged before stays).
 */
cs_err mailer_run(struct mailer *m, struct store *st, int64_t now, struct mailer_stats *stats,
    char *err, size_t errlen);

#endif
