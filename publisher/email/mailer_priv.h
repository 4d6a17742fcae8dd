/* mailer_priv.h: PRIVATE to mailer*.c: the publisher's state, shared by its planning and sending halves. */
#ifndef MAILER_PRIV_H
#define MAILER_PRIV_H

#include "email/mail_render.h"
#include "email/mail_transport.h"
#include "email/mailer.h"

struct mailer {
	const struct config *cfg;
	struct mail_transport *tr;
	struct mail_render_ctx *rctx;
	cycle_log_fn log;
	void *logctx;
	char host[100];          /* of site_url: Message-ID and List-Id domain */
	char list_id[512];
	int64_t lease;           /* seconds a claimed batch is ours */
	int64_t max_age;         /* email.max_age; 0 in a replay (mailer_set_replay) */
	/* The last mailing rendered, with placeholders for the links. */
	int64_t cached;
	char *subject, *text, *html;
	char thread[192];
};

/* A log line through the mailer's log function (none set: nothing). */
void mailer_log(struct mailer *m, const char *level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Plans the next due subject (mailer_plan.c): its due outbox rows, the
 * facts the store knows (priority, SLA clock, history, components), one
 * mailing with its deliveries in one transaction. *done when no subject is
 * due (stats->next_due says when one will be).
 */
cs_err mailer_plan_one(struct mailer *m, struct store *st, int64_t now, struct mailer_stats *stats,
    int *done, char *err, size_t errlen);

#endif
