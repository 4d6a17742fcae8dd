/* incident_priv.h: private to incident.c and incident_plan.c; include incident.h elsewhere. */
#ifndef INCIDENT_PRIV_H
#define INCIDENT_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "support/incident.h"

/*
 * Working state of one incident during a decision: a view's copy, or the
 * incident the plan opens. Owns causes; v and prev are borrowed from the
 * view (v is NULL for the incident the plan opens).
 */
struct work {
	const struct incident_view *v;
	int64_t  id;                     /* 0: opened by this plan */
	int      not_affected;
	incident_status status;
	priority suggested;
	struct incident_action_cause *causes; /* current causes, owned */
	size_t   ncauses;
	int      touched;                /* something changed: it gets one action */
	int      open;                   /* open after this plan */
	int      opened, reopened, resolved; /* what this decision did to it */
	const char *note;                /* static text the action adds (NULL none) */
	int      superseded;             /* a ruled cause went beyond its ruling */
	const struct incident_component *prev;
	size_t   nprev;
};

/* The cause of w for feed slug, or NULL. The result points into w->causes. */
struct incident_action_cause *incident_work_cause(struct work *w, const char *slug);

/*
 * Sets w's cause for feed slug to the given item (state, guid, title, time,
 * open), adding it if w has none for slug, replacing its strings if it has.
 * The strings are copied (guid and title NULL read as ""); slug must not
 * point into the cause being replaced. Returns 0, or -1 on no memory.
 */
int incident_work_set_cause(struct work *w, const char *slug, status_aws state, const char *guid,
    const char *title, int64_t time, int open);

/*
 * Notes that this decision does kind to w, which then posts status st:
 * marks w touched and sets its status. The one action of w is built at the
 * end (incident_work_finish()).
 */
void incident_work_note(struct work *w, incident_action_kind kind, incident_status st);

/*
 * Appends to plan the one action of w, if touched: its kind (open, re-open,
 * resolve, else update), every cause changed, the components and priority
 * (which only goes up) from w's state after the plan, the title of an
 * opened incident, and the body (what changed, what AWS posted; see
 * incident_plan.c). Component ids are borrowed from the configuration.
 * Returns CS_OK or CS_ERR_NOMEM.
 */
cs_err incident_work_finish(struct incident_plan *plan, struct work *w,
    const struct incident_input *in);

/* Frees the first n working incidents of w and w itself; NULL is a no-op. */
void incident_works_free(struct work *w, size_t n);

#endif
