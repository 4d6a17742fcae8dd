/* engineer.h: what an engineer's incident command decides: the support policy's rules, no store. */
#ifndef ENGINEER_H
#define ENGINEER_H

#include <stddef.h>
#include <stdint.h>

#include "base/cs_error.h"
#include "model/config.h"
#include "support/incident.h"
#include "support/priority.h"

/*
 * Engineers open incidents by hand, post updates, resolve, set a priority,
 * rule an AWS incident out for the product ("not affected") and attach
 * root-cause analyses. The CLI parses the words; the rules are here: which
 * request is valid in which state, what an update changes in the incident
 * (first response, last public update, resolution, the suggested priority)
 * and what it owes. The cycle (cycle_engineer) reads the incident in the
 * transaction that writes the decision.
 */
typedef enum engineer_kind {
	ENGINEER_OPEN = 0,
	ENGINEER_UPDATE = 1,
	ENGINEER_RESOLVE = 2,
	ENGINEER_PRIORITY = 3,
	ENGINEER_NOT_AFFECTED = 4,
	ENGINEER_RCA = 5
} engineer_kind;

/* One command, as typed. Everything borrowed. */
struct engineer_request {
	engineer_kind kind;
	const char *author;
	const char *title;      /* OPEN: required */
	const char *message;    /* OPEN (default: the title), UPDATE (required), RESOLVE */
	const char *status;     /* OPEN, UPDATE: an incident status name, or NULL */
	const char *priority;   /* OPEN: P1..P4 or NULL; PRIORITY: P1..P4 or "auto" */
	const char *reason;     /* PRIORITY (optional), NOT_AFFECTED (required) */
	const char *rca_url;    /* RCA: an http(s) URL, or NULL when rca_text is given */
	const char *rca_text;   /* RCA: the document's text (the file's content), or NULL */
	const char *rca_file;   /* RCA: the file rca_text was read from, as named (audit log) */
	int         rca_final;  /* RCA: 1 the final analysis, 0 the draft */
	const struct incident_component *components; /* --component ID=STATUS, ids in cfg */
	size_t      ncomponents;
};

/* The incident a command changes, as stored. Everything borrowed. */
struct engineer_incident {
	int64_t         id;
	int             aws;            /* opened from AWS feeds (else by hand) */
	incident_status status;
	int             not_affected;
	int64_t         resolved_at, responded_at, updated_at; /* epochs, 0 none */
	priority        suggested, override;
	size_t          open_causes;    /* AWS feeds behind it not back to normal */
	const struct incident_component *components; /* as in its last update */
	size_t          ncomponents;
};

/* An entry of the audit log. Borrowed strings (the request's, or static). */
struct engineer_audit {
	const char *action;   /* "open", "update", "resolve", "priority", "not-affected", "rca-draft"... */
	const char *detail;   /* may be NULL */
	const char *reason;   /* may be NULL */
	int         of_update;/* the detail is "update <n>: <status>" of the update posted */
};

/* What a command decides. Owned by the caller's struct; engineer_decision_clear(). */
struct engineer_decision {
	/* The incident after the change. */
	incident_status status;
	int64_t  resolved_at, responded_at, updated_at;
	priority suggested, override;
	int      not_affected;
	const char *not_affected_reason;  /* borrowed from the request */
	int      set_rca;                 /* rca_ref is attached (draft or final by rca_final) */
	int      rca_final;
	const char *rca_ref;              /* the URL or the document's text, as stored */
	/* The update posted, if any. */
	int      post;
	incident_status update_status;
	const char *body;                 /* borrowed from the request, or static */
	int      public;                  /* 0 for an incident ruled out */
	struct incident_component *components; /* owned array; ids borrowed */
	size_t   ncomponents;
	/* The audit log, in order. */
	struct engineer_audit audit[3];
	size_t   naudit;
	int      rejudge;   /* the judgement changes (a ruling): the cycle decides again */
};

/*
 * A root-cause analysis is kept (store_incident.rca_draft, rca_final) as one
 * text: an http(s) URL, published as a link, or the document itself, the
 * content of the file the engineer attached (UTF-8 text, at most
 * ENGINEER_RCA_MAX bytes), published on the incident page. A path would
 * mean nothing to the page's readers, and the file may be gone by the time
 * the site is rendered, so the content is what is kept.
 */
#define ENGINEER_RCA_MAX     (64 * 1024) /* bytes of an RCA document */
#define ENGINEER_RCA_URL_MAX 2048        /* bytes of an RCA URL */

/*
 * Whether a stored RCA ref is a URL (else a document): it starts with
 * http:// or https:// and holds no space or control byte, as no document
 * of more than one word does. A document that is just such a URL is that link.
 */
int engineer_rca_is_url(const char *ref);

/*
 * Checks the arguments of req against cfg, whatever the incident's state:
 * bad input is named before the incident is even read. Returns CS_OK or
 * CS_ERR_USAGE with the reason in err (without the command's name).
 */
cs_err engineer_check(const struct config *cfg, const struct engineer_request *req,
    char *err, size_t errlen);

/*
 * Decides req on incident inc (NULL for OPEN) at now: the rules of
 * engineer.c. Fills *out (zeroed first). Returns CS_OK, CS_ERR_USAGE with
 * the reason in err for a request the incident's state does not allow
 * (resolving a resolved incident, ruling out one opened by hand...),
 * CS_ERR_NOMEM.
 */
cs_err engineer_decide(const struct config *cfg, const struct engineer_incident *inc,
    const struct engineer_request *req, int64_t now, struct engineer_decision *out,
    char *err, size_t errlen);

/* Frees what *d owns; the struct itself is the caller's. */
void engineer_decision_clear(struct engineer_decision *d);

#endif
