/* mail_render.h: what a subscriber reads: the text and HTML bodies and subject of one mailing. */
#ifndef MAIL_RENDER_H
#define MAIL_RENDER_H

#include <stddef.h>
#include <stdint.h>

#include "base/cs_error.h"

/* What a mail is about. */
enum mail_kind {
	MAIL_INCIDENT,      /* incident opened, updated or resolved */
	MAIL_MAINTENANCE,   /* maintenance scheduled, started or completed */
	MAIL_RCA,           /* root-cause analysis draft or final published */
	MAIL_CONFIRM,       /* double opt-in: "confirm your subscription" */
	MAIL_WELCOME_BACK   /* a subscribe request for an address already confirmed: "manage here" */
};

struct mail_component {
	const char *name;        /* "Inbound calls" */
	const char *status;      /* component status word: "major_outage", "operational", ... */
};

struct mail_update {
	int64_t     at;          /* epoch */
	const char *status;      /* "investigating", "resolved", "in_progress", ... */
	const char *body;        /* the update's text (AWS text in plain words), untrusted */
};

/* Everything one mailing says; strings borrowed, any may be untrusted. */
struct mail_content {
	enum mail_kind kind;
	const char *product;          /* "CLICK" */
	const char *company;          /* "SynchroNet" */
	const char *site_url;         /* "https://status.synchronet.com" */
	const char *title;            /* incident or maintenance title; NULL for CONFIRM/WELCOME_BACK */
	const char *status;           /* newest status: "investigating", "resolved", "scheduled", "draft", "final" */
	const char *priority;         /* "P2", NULL when none */
	int64_t     since;            /* incident opened / maintenance starts_at; 0 unknown */
	int64_t     until;            /* maintenance ends_at; resolved_at; 0 none */
	int64_t     next_update_by;   /* 0: none promised */
	const struct mail_component *components; size_t ncomponents;
	const struct mail_update *updates; size_t nupdates;  /* newest first: the updates this mail carries */
	const char *rca_text;         /* MAIL_RCA: the document or its URL; else NULL */
	const char *page_url;         /* incident / maintenance page; NULL for CONFIRM */
	const char *action_url;       /* CONFIRM: the confirm link; WELCOME_BACK: manage link */
	const char *manage_url;       /* manage preferences link; NULL for CONFIRM */
	const char *unsubscribe_url;  /* one-click unsubscribe page; NULL for CONFIRM */
};

struct mail_render_ctx;

/*
 * Loads site_src/email.xsl (NULL: the compiled-in site directory, as
 * render_ctx_new). CS_ERR_IO when missing, CS_ERR_PARSE when it does not
 * compile, CS_ERR_NOMEM. Owned *out, freed with mail_render_ctx_free().
 */
cs_err mail_render_ctx_new(const char *site_src, struct mail_render_ctx **out, char *err, size_t errlen);
void mail_render_ctx_free(struct mail_render_ctx *ctx);

/*
 * Renders c: an owned *subject (one line, control and bidi-override
 * characters removed, at most 200 bytes cut at a whole character),
 * *text (plain text, lines <= 78 columns where words allow) and *html
 * (through email.xsl, text escaped by libxslt). Times are written in UTC.
 * Same c, same output. CS_ERR_NOMEM, CS_ERR_INTERNAL on a transform error.
 */
cs_err mail_render(struct mail_render_ctx *ctx, const struct mail_content *c, char **subject,
    char **text, char **html, char *err, size_t errlen);

#endif
