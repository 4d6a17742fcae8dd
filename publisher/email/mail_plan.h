/* mail_plan.h: what one mailing says and whom it concerns, decided from outbox rows and facts (pure). */
#ifndef MAIL_PLAN_H
#define MAIL_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/cs_error.h"
#include "email/mail_render.h"
#include "model/config.h"
#include "store/mailq.h"

/*
 * The facts of the subject that outbox rows do not carry, read from the
 * store by the caller at planning time (strings borrowed).
 */
struct mail_facts {
	int         found;            /* the incident / maintenance exists */
	int         hidden;           /* ruled "not affected": nothing is mailed */
	const char *title;            /* as now (an engineer may have retitled it) */
	int         priority;         /* 1..4, 0 none */
	int64_t     since;            /* opened_at / starts_at */
	int64_t     until;            /* resolved_at / ends_at, 0 none */
	int64_t     next_update_by;   /* the SLA's next_update deadline while open, 0 none */
	const char *rca;              /* the RCA document or URL, for an "rca" row */
	const char *components_json;  /* the subject's component ids (JSON array), for rows that
	                               * name none (an RCA); NULL: none known */
	/*
	 * The incident's public updates so far, oldest first (NULL: only the
	 * carried rows' own): a mail shows them all, newest first, so a mail
	 * that replaced an unsent one still tells what that one said.
	 */
	const struct mail_update *history;
	size_t nhistory;
};

/* One mailing decided (owned strings: mail_planned_clear). */
struct mail_planned {
	size_t ncarried;          /* rows[0..ncarried) are carried (the rest wait for the next) */
	int    skip;              /* 1: nothing to mail (hidden, vanished): the rows are settled */
	const char *kind;         /* "incident", "maintenance", "rca"; static */
	int    priority;
	char  *components_json;   /* ids concerned, JSON array */
	char  *content_json;      /* the content (mail_plan_content) */
};

void mail_planned_clear(struct mail_planned *p);

/*
 * Decides the mailing for rows (one subject, id order, as from
 * mailq_next_subject). Consecutive rows of the same type ("incident_update",
 * "maintenance", "rca") from the first make one mailing: the newest status
 * and components, every update newest first. cfg gives the product, the
 * site and component names. CS_ERR_PARSE for a row that is not an outbox
 * payload of a known type (the message names its id), CS_ERR_NOMEM.
 */
cs_err mail_plan(const struct config *cfg, const struct mailq_row *rows, size_t nrows,
    const struct mail_facts *f, struct mail_planned *out, char *err, size_t errlen);

/*
 * Reads content_json back into *c for mail_render(), borrowing from an
 * owned *doc the caller frees (json_decref) after use; comps and ups are
 * arrays of cap entries the caller provides (more are ignored). kind is
 * the mailing's. The links of the subscriber (manage, unsubscribe) are
 * left NULL for the caller.
 */
cs_err mail_plan_content(const struct config *cfg, const char *kind, const char *content_json,
    json_t **doc, struct mail_content *c, struct mail_component *comps, struct mail_update *ups,
    size_t cap, char *err, size_t errlen);

#endif
